"""The feature maps view: for the digits CNN, the input image and every conv layer's maps for the
chosen sample equal the conv outputs torch computes directly; the colours follow the values;
choosing another sample shows its maps; networks without a conv layer get a clear note."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PySide6.QtCore import Qt

from tests.gui.panels.inspection_support import EXAMPLE_KEYS, colour_count, example_document, show
from nnstudio.gui.live_model import LiveModel
from nnstudio.gui.panels.feature_maps_panel import (
    DEFAULT_TILE, NO_CONV_NOTE, SEQUENTIAL_LUT, FeatureMapsPanel, map_levels, map_rect,
)
from nnstudio.gui.panels.heatmap import to_rgba

pytestmark = pytest.mark.usefixtures("warm_torch")


@pytest.fixture
def open_panel(qtbot):
    def make(key: str, seed: int = 3) -> FeatureMapsPanel:
        document = example_document(key, seed)
        panel = FeatureMapsPanel(LiveModel(document))
        panel.document = document
        return show(qtbot, panel, (760, 640))

    return make


def torch_maps(weights: dict, sample: np.ndarray) -> dict[str, np.ndarray]:
    """The digits CNN's two conv layers on one sample, with torch's functions directly."""
    def t(key):
        return torch.from_numpy(weights[key])

    with torch.no_grad():
        x = torch.from_numpy(sample[None])
        first = F.relu(F.conv2d(x, t("conv2d_1.weight"), t("conv2d_1.bias"), padding=1))
        second = F.relu(F.conv2d(F.max_pool2d(first, 2), t("conv2d_2.weight"),
                                 t("conv2d_2.bias"), padding=1))
    return {"conv2d_1": first[0].numpy(), "conv2d_2": second[0].numpy()}


@pytest.mark.parametrize("key", EXAMPLE_KEYS)
def test_every_example_shows_feature_maps_or_says_there_is_no_conv_layer(open_panel, key):
    panel = open_panel(key)
    if key == "digits_cnn":
        assert panel.stack.currentIndex() == 0
        assert [m.node_id for m in panel.maps] == ["conv2d_1", "conv2d_2"]
        assert colour_count(panel.graphics) > 30
    else:
        assert panel.stack.currentWidget() is panel.note
        assert panel.note.text() == NO_CONV_NOTE
        assert not panel.controls.isVisibleTo(panel)
        assert colour_count(panel) > 5  # the note is drawn


def test_feature_maps_equal_the_conv_outputs_computed_by_torch_directly(open_panel):
    panel = open_panel("digits_cnn")
    panel.choose("test", 7)
    sample = panel.live.prepared.test.x[7]
    assert np.array_equal(panel.image, sample)
    assert np.array_equal(panel.map_values("input", 0), sample[0])
    expected = torch_maps(panel.document.weights, sample)
    for node_id, maps in expected.items():
        shown = next(m.maps for m in panel.maps if m.node_id == node_id)
        assert np.allclose(shown, maps, atol=1e-5)
        for index in range(len(maps)):
            assert np.allclose(panel.map_values(node_id, index), maps[index], atol=1e-5)
    assert expected["conv2d_1"].max() > 0  # the maps are not all blank


def test_each_pixel_is_coloured_by_its_value_between_the_layers_levels(open_panel):
    panel = open_panel("digits_cnn")
    layer = panel.maps[0]
    low, high = panel.levels["conv2d_1"]
    assert low == 0.0 and high == pytest.approx(float(layer.maps.max()))
    rgba = panel.items["conv2d_1"].image
    columns = panel.grids["conv2d_1"][1]
    for index, (row, column) in ((0, (0, 0)), (5, (3, 4)), (15, (7, 7))):
        top, left, _, _ = map_rect(index, columns, 8, 8)
        value = layer.maps[index, row, column]
        expected = to_rgba(np.array([value]), (low, high), SEQUENTIAL_LUT)[0]
        assert np.array_equal(rgba[top + row, left + column], expected)


def test_choosing_another_sample_shows_its_maps(open_panel, qtbot):
    panel = open_panel("digits_cnn")
    first = panel.maps[0].maps.copy()
    panel.sample_spin.setFocus()
    qtbot.keyClick(panel.sample_spin, Qt.Key.Key_Up)
    assert panel.sample_spin.value() == 1
    sample = panel.live.prepared.test.x[1]
    assert np.array_equal(panel.image, sample)
    assert np.allclose(panel.maps[0].maps, torch_maps(panel.document.weights, sample)["conv2d_1"],
                       atol=1e-5)
    assert not np.allclose(panel.maps[0].maps, first)
    label = int(panel.live.prepared.test.y[1])
    assert panel.sample_label.text() == f"class {label}"


def test_maps_of_an_activation_that_never_goes_below_zero_start_their_levels_at_zero():
    maps = np.array([[[0.2, 0.9]]], dtype=np.float32)
    assert map_levels(maps, "sigmoid") == (0.0, pytest.approx(0.9))  # its range starts at 0
    assert map_levels(maps - 0.5, "relu") == (0.0, pytest.approx(0.4))
    assert map_levels(maps - 0.5, "tanh") == (pytest.approx(-0.4), pytest.approx(0.4))


def test_the_size_slider_sets_how_large_each_map_is_drawn_and_the_dock_how_many_to_a_row(
        open_panel, qtbot):
    panel = open_panel("digits_cnn")
    assert panel.tile_pixels("conv2d_1") == pytest.approx(DEFAULT_TILE, abs=0.5)
    assert panel.tile_pixels("input") == pytest.approx(2 * DEFAULT_TILE, abs=0.5)
    map_five = panel.map_values("conv2d_1", 5).copy()
    columns = panel.grids["conv2d_1"][1]
    panel.size_slider.setFocus()
    for _ in range(3):
        qtbot.keyClick(panel.size_slider, Qt.Key.Key_PageUp)
    size = panel.size_slider.value()
    assert size == DEFAULT_TILE + 3 * panel.size_slider.pageStep()
    qtbot.waitUntil(lambda: abs(panel.tile_pixels("conv2d_1") - size) < 0.5, timeout=3000)
    assert panel.grids["conv2d_1"][1] < columns  # larger maps: fewer to a row
    np.testing.assert_array_equal(panel.map_values("conv2d_1", 5), map_five)
    # What does not fit the dock's height scrolls, at the size asked for.
    assert panel.scroll.widget().height() > panel.scroll.viewport().height()
    wide = panel.grids["conv2d_1"][1]
    panel.resize(1500, 640)
    qtbot.waitUntil(lambda: panel.grids["conv2d_1"][1] > wide, timeout=3000)
    assert panel.tile_pixels("conv2d_1") == pytest.approx(size, abs=0.5)  # same size, wider rows
