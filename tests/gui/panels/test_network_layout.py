"""The network view's layout, worked out from the view's size: tiles never under 32 pixels,
layers as columns in a wide view and as rows in a tall one, large layers behind "+N more"."""

from __future__ import annotations

import pytest

from nnstudio.gui.panels.network_layout import (
    COLUMNS, MIN_TILE, PITCH, ROWS, Labels, plan_layout,
)

SPIRAL = [2, 8, 8, 1]


def test_a_wide_view_draws_layers_as_columns_and_a_tall_one_as_rows():
    wide = plan_layout(SPIRAL, 1300, 480)
    tall = plan_layout(SPIRAL, 480, 1300)
    assert wide.orientation == COLUMNS and tall.orientation == ROWS
    xs = [wide.centre(layer, 0)[0] for layer in range(4)]
    ys = [tall.centre(layer, 0)[1] for layer in range(4)]
    assert xs == sorted(xs) and ys == sorted(ys) and len(set(xs)) == len(set(ys)) == 4
    assert sum(wide.hidden) == sum(tall.hidden) == 0
    assert wide.picture >= 3 * wide.tile and tall.picture >= 3 * tall.tile


@pytest.mark.parametrize("size", [(300, 200), (746, 493), (1229, 300), (2400, 1400)])
def test_tiles_are_never_smaller_than_32_pixels(size):
    for units in (SPIRAL, [2, 16, 1], [7, 32, 32, 10]):
        assert plan_layout(units, *size).tile >= MIN_TILE


def test_a_layer_that_does_not_fit_shows_its_first_neurons_and_a_more_slot():
    layout = plan_layout([2, 30, 1], 900, 400)
    hidden = layout.hidden[1]
    assert hidden > 0 and layout.shown(1) + hidden == 30
    assert layout.slots[1] == layout.shown(1) + 1  # the "+N more" slot
    # Rows show more of it here; the slots fit across the view, less margins and the header.
    room = 900 - 2 * 12 - 130 if layout.orientation == ROWS else 400 - 2 * 12 - 64
    assert (layout.slots[1] - 1) * layout.tile * PITCH + layout.tile <= room
    expanded = plan_layout([2, 30, 1], 900, 400, frozenset({1}))
    assert expanded.hidden[1] == 0 and expanded.shown(1) == 30


def test_a_larger_view_gives_larger_tiles_and_a_larger_picture():
    small, large = plan_layout(SPIRAL, 760, 500), plan_layout(SPIRAL, 1600, 1000)
    assert large.tile > small.tile and large.picture > small.picture


def test_the_picture_goes_before_a_few_more_pixels_of_tile():
    # Without room for the picture after the layers at any tile size, it is left out.
    layout = plan_layout(SPIRAL, 520, 500, labels=Labels(90, 100))
    assert layout.picture == 0
    assert plan_layout(SPIRAL, 520, 500, picture=False).picture == 0


def test_without_room_after_the_last_layer_the_picture_goes_beside_the_layers():
    layout = plan_layout([7, 8, 1], 450, 850)  # a tall view, where rows would hide neurons
    assert layout.orientation == COLUMNS and sum(layout.hidden) == 0
    bottom = max(layout.centre(layer, layout.slots[layer] - 1)[1] for layer in range(3))
    assert layout.picture >= 220 and layout.picture_origin[1] > bottom + layout.tile / 2


def test_a_view_too_low_for_two_neurons_keeps_the_smallest_tiles_and_scrolls():
    layout = plan_layout(SPIRAL, 590, 110)
    assert layout.tile == MIN_TILE
