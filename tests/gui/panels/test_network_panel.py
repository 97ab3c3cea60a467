"""The network view on every example: neurons or bands per layer, links that follow the
weights, neuron heatmaps equal to the network's outputs over the plane, hover values, and a
click that lists a neuron's incoming weights and bias. (Sizes, orientation, "+N more", zoom and
the edits made on the drawing: test_network_view_layout.py.)"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint
from PySide6.QtGui import QColor, QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from tests.gui.panels.inspection_support import (
    EXAMPLE_KEYS, IMAGE_EXAMPLES, PLANE_EXAMPLES, colour_count, engine_outputs,
    example_document, scaled_weights, show,
)
from nnstudio.core.network import chain
from nnstudio.gui.live_model import LiveModel
from nnstudio.gui.panels.heatmap import NEGATIVE_COLOR, POSITIVE_COLOR, to_rgba
from nnstudio.gui.panels.network_panel import (
    MAX_NEURONS, SELECTED_RING, THUMBNAIL_RESOLUTION, LinkItem, NetworkPanel, heatmap_levels,
    link_width,
)

pytestmark = pytest.mark.usefixtures("warm_torch")


@pytest.fixture
def open_panel(qtbot):
    def make(key_or_document, seed: int = 3) -> NetworkPanel:
        document = (example_document(key_or_document, seed)
                    if isinstance(key_or_document, str) else key_or_document)
        panel = NetworkPanel(LiveModel(document))
        panel.document = document
        return show(qtbot, panel)

    return make


@pytest.mark.parametrize("key", EXAMPLE_KEYS)
def test_every_example_draws_each_layer_as_neurons_or_a_band(open_panel, key):
    panel = open_panel(key)
    assert colour_count(panel) > 20
    display = panel.live.display
    assert [c.node_id for c in panel.columns][0] == display.node_ids[0]
    neurons = 0
    for column in panel.columns:
        small_vector = len(column.shape) == 1 and column.units <= MAX_NEURONS
        assert column.drawn_as_neurons == small_vector
        assert (column.index in panel.band_items) != small_vector
        if small_vector:  # those that do not fit wait behind the column's "+N more"
            neurons += column.units - panel.plan.hidden[column.index]
            assert (column.index in panel.more_items) == (panel.plan.hidden[column.index] > 0)
    assert len(panel.neuron_items) == neurons


@pytest.mark.parametrize("key", PLANE_EXAMPLES)
def test_each_neurons_heatmap_pixel_equals_the_networks_output_at_that_input(open_panel, key):
    panel = open_panel(key)
    plane = panel.live.plane
    u, v = plane.coordinates(THUMBNAIL_RESOLUTION)
    pixels = [(0, 0), (5, 17), (23, 23), (12, 3), (11, 12), (18, 8)]
    inputs = np.stack([plane.point_inputs(u[c], v[r]) for r, c in pixels])
    expected = engine_outputs(panel.document, inputs)
    for column in panel.columns:
        values = panel.thumbnails[column.index]
        assert values.dtype == np.float32 and values.shape == (column.units, 24, 24)
        for index, (row, col) in enumerate(pixels):
            np.testing.assert_allclose(values[:, row, col], expected[column.shown_id][index],
                                       rtol=1e-5, atol=1e-5)
        # What is painted is that value through the colour scale (rows drawn top-down).
        unit = column.units - 1
        image = panel.neuron_items[(column.index, unit)].heatmap.pixmap().toImage()
        low, high = heatmap_levels(column, values)
        if column.node_type == "input":  # each input feature over its own range
            low, high = low[unit], high[unit]
            assert (low, high) == (values[unit].min(), values[unit].max())
        for row, col in pixels:  # a square tile: every pixel painted
            painted = image.pixelColor(col, THUMBNAIL_RESOLUTION - 1 - row)
            r, g, b, _ = to_rgba(values[unit, row, col], (low, high))
            assert (painted.red(), painted.green(), painted.blue(), painted.alpha()) == (
                r, g, b, 255)


def test_links_are_coloured_by_sign_and_thickened_by_the_size_of_their_weight(open_panel):
    panel = open_panel("spiral")
    weights = panel.document.weights
    assert len(panel.link_items) == 2 * 8 + 8 * 8 + 8 * 1
    positive, negative = QColor(POSITIVE_COLOR), QColor(NEGATIVE_COLOR)
    for (index, source, target), link in panel.link_items.items():
        w = float(weights[f"{panel.columns[index].node_id}.weight"][target, source])
        pen = link.pen()
        assert pen.widthF() == pytest.approx(float(link_width(w)))
        expected = positive if w >= 0 else negative
        assert pen.color().rgb() == expected.rgb()
    widths = sorted((abs(link.weight), link.pen().widthF()) for link in panel.link_items.values())
    assert all(a[1] <= b[1] for a, b in zip(widths, widths[1:]))  # never thinner for a larger |w|


def test_biases_show_with_the_colour_of_their_sign(open_panel):
    panel = open_panel("spiral")
    bias = panel.document.weights["dense_1.bias"]
    for unit, value in enumerate(bias):
        colour = panel.bias_items[(1, unit)].brush().color()
        r, g, b, _ = to_rgba(value, (-1.0, 1.0))
        assert (colour.red(), colour.green(), colour.blue()) == (r, g, b)
        if abs(value) > 0.05:  # blue for positive, orange for negative
            assert (colour.blue() > colour.red()) == (value > 0)
        assert f"{float(value):.4g}" in panel.describe_bias(1, unit)


@pytest.mark.parametrize("key,column_index,unit", [("spiral", 2, 3), ("spiral", 3, 0),
                                                   ("digits_mlp", 3, 7), ("regression", 1, 15)])
def test_clicking_a_neuron_lists_exactly_its_incoming_weights_and_bias(open_panel, user, key,
                                                                        column_index, unit):
    panel = open_panel(key)
    neuron = panel.neuron_items[(column_index, unit)]
    user.click(panel.view, neuron.sceneBoundingRect().center())
    assert panel.selected == (column_index, unit)
    assert panel.details_box.isVisible()
    node_id = panel.columns[column_index].node_id
    weight = panel.document.weights[f"{node_id}.weight"][unit]
    bias = panel.document.weights[f"{node_id}.bias"][unit]
    rows = panel.details_rows()
    assert [value for _, value in rows] == pytest.approx([*weight.tolist(), float(bias)])
    assert rows[-1][0] == "bias b" and len(rows) == weight.size + 1
    assert node_id in panel.details_title.text()


def test_clicking_an_input_says_it_has_no_incoming_weights(open_panel, user):
    panel = open_panel("spiral")
    user.click(panel.view, panel.neuron_items[(0, 1)].sceneBoundingRect().center())
    assert panel.details_rows() == [] and "no incoming weights" in panel.details_title.text()


def tooltip_at(panel, scene_point) -> str:
    viewport = panel.view.viewport()
    local = panel.view.mapFromScene(scene_point)
    event = QHelpEvent(QEvent.Type.ToolTip, local, viewport.mapToGlobal(local))
    QApplication.sendEvent(viewport, event)
    return QToolTip.text()


def test_hovering_a_link_or_a_neuron_shows_its_value(open_panel):
    panel = open_panel("spiral")
    link = panel.link_items[(3, 5, 0)]  # into the single output neuron: no other link there
    text = tooltip_at(panel, link.path().pointAtPercent(0.5))
    assert f"w = {link.weight:.4g}" in text and "dense_2 neuron 6" in text
    neuron = panel.neuron_items[(1, 2)]
    text = tooltip_at(panel, neuron.sceneBoundingRect().center())
    bias = panel.document.weights["dense_1.bias"][2]
    assert "dense_1 neuron 3" in text and f"b = {float(bias):.4g}" in text


def test_new_weights_in_the_document_redraw_links_and_heatmaps(open_panel, qtbot):
    panel = open_panel("spiral")
    document = panel.document
    before = {k: v.copy() for k, v in panel.thumbnails.items()}
    redraws = panel.redraws
    document.set_weights(scaled_weights(document.weights, -0.5))
    qtbot.waitUntil(lambda: panel.redraws > redraws, timeout=3000)
    for (index, source, target), link in panel.link_items.items():
        w = float(document.weights[f"{panel.columns[index].node_id}.weight"][target, source])
        assert link.weight == pytest.approx(w)
        assert link.pen().widthF() == pytest.approx(float(link_width(w)))
    assert not np.allclose(before[1], panel.thumbnails[1])


def test_a_wide_layer_is_a_band_with_its_units_and_mean_absolute_weight(open_panel):
    panel = open_panel("digits_mlp")
    dense = next(c for c in panel.columns if c.node_id == "dense_1")
    assert not dense.drawn_as_neurons
    text = panel.band_items[dense.index].label.text()
    mean = float(np.mean(np.abs(panel.document.weights["dense_1.weight"])))
    assert "64" in text and f"{mean:.3f}" in text
    assert f"{mean:.4g}" in panel.describe_band(dense.index)


@pytest.mark.parametrize("key", IMAGE_EXAMPLES)
def test_image_inputs_have_no_heatmaps(open_panel, key):
    panel = open_panel(key)
    assert panel.thumbnails == {}
    assert not any(n.heatmap.isVisible() for n in panel.neuron_items.values())
    assert panel.neuron_items  # the 10 output neurons are still drawn


def test_an_activation_layer_folds_into_the_neurons_before_it(open_panel, make_document):
    network = chain(("input", {"shape": (2,)}), ("dense", {"units": 4, "activation": "linear"}),
                    ("relu", {}), ("dense", {"units": 1, "activation": "sigmoid"}))
    document = make_document(network)
    panel = open_panel(document)
    assert [c.node_id for c in panel.columns] == ["input_1", "dense_1", "dense_2"]
    hidden = panel.columns[1]
    assert hidden.shown_id == "relu_1" and hidden.activation == "relu"
    assert float(panel.thumbnails[1].min()) >= 0.0  # the neurons show the ReLU's output


def test_a_hidden_panel_does_no_work(qtbot):
    document = example_document("spiral")
    panel = NetworkPanel(LiveModel(document))
    qtbot.addWidget(panel)
    document.set_weights(scaled_weights(document.weights, 2.0))
    qtbot.wait(250)
    assert panel.redraws == 0 and panel.live.refreshes == 0 and not panel.link_items


def test_a_network_that_does_not_build_shows_why(open_panel, qtbot):
    from nnstudio.core.commands import DisconnectCommand

    document = example_document("spiral")
    panel = open_panel(document)
    document.push(DisconnectCommand("dense_2", "dense_3"))
    qtbot.waitUntil(lambda: panel.live.display is None and not panel.neuron_items, timeout=3000)
    assert "dense" in panel.note.text()
    document.undo_stack.undo()
    qtbot.waitUntil(lambda: len(panel.neuron_items) == 19, timeout=3000)


def test_the_view_point_under_a_neuron_is_that_neuron(open_panel):
    panel = open_panel("spiral")
    neuron = panel.neuron_items[(2, 4)]
    point = panel.view.mapFromScene(neuron.sceneBoundingRect().center())
    assert panel.view.item_at(QPoint(point)) is neuron
    link = panel.link_items[(3, 0, 0)]
    assert isinstance(panel.view.item_at(panel.view.mapFromScene(
        link.path().pointAtPercent(0.5))), LinkItem)


def test_a_resized_view_is_laid_out_again_and_keeps_the_chosen_neuron(open_panel, qtbot):
    panel = open_panel("spiral")
    panel.select_neuron(2, 3)
    before = panel.plan
    panel.resize(1800, 330)
    qtbot.waitUntil(lambda: panel.plan != before, timeout=3000)
    assert panel.selected == (2, 3) and panel.details_box.isVisible()
    assert len(panel.details_rows()) == 9
    assert panel.neuron_items[(2, 3)].ring.pen().widthF() == SELECTED_RING
    assert panel.neuron_items[(2, 2)].ring.pen().widthF() == 1.0
    x = [panel.neuron_items[(c, 0)].sceneBoundingRect().center().x() for c in range(4)]
    assert x[2] - x[1] == pytest.approx(panel.plan.layer_step)  # columns, evenly spaced


def test_a_bidirectional_recurrent_layer_shows_the_weights_of_both_directions(open_panel,
                                                                              make_document):
    network = chain(("input", {"shape": (9, 3)}),
                    ("gru", {"units": 4, "bidirectional": True}), ("dense", {"units": 2}))
    panel = open_panel(make_document(network))
    gru = next(c for c in panel.columns if c.node_id == "gru_1")
    assert gru.shape == (8,) and gru.drawn_as_neurons  # both directions' 4 units, side by side
    connector = next(c for c in panel.connector_items if c.column is gru)
    text = connector.describe()
    weights = panel.live.display.weight_arrays("gru_1")
    assert sorted(weights) == ["gru_1.weight_hh_l0", "gru_1.weight_hh_l0_reverse",
                               "gru_1.weight_ih_l0", "gru_1.weight_ih_l0_reverse"]
    mean = np.mean(np.abs(np.concatenate([w.ravel() for w in weights.values()])))
    assert text == (f"input_1 → gru_1: {2 * 3 * (3 * 4 + 4 * 4)} weights (both directions), "
                    f"mean |w| = {mean:.4g}")
