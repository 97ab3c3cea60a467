"""Stepping through backprop highlights the step's layer on the network drawing (through the
live model's highlighted layer)."""

from __future__ import annotations

from tests.gui.test_sample_selection import backprop_result, show, window  # noqa: F401

WAIT = 60_000


def test_stepping_in_backprop_highlights_the_layer_on_the_network(qtbot, window):
    network = show(qtbot, window, "network_dock")
    qtbot.waitUntil(lambda: bool(network.neuron_items), timeout=WAIT)
    backprop = window.panels["backprop_dock"]
    backprop_result(qtbot, window, lambda: window.services.select_sample("train", 2))
    titles = [backprop.steps.item(i).text() for i in range(backprop.steps.count())]
    backprop.steps.setCurrentRow(titles.index("Backward dense_1"))
    assert window.services.live.highlighted_layer == "dense_1"
    column = next(c.index for c in network.columns if c.node_id == "dense_1")
    outline = network.highlight_item.sceneBoundingRect()
    for (index, _), item in network.neuron_items.items():
        inside = outline.contains(item.sceneBoundingRect())
        assert inside == (index == column), index
    backprop.steps.setCurrentRow(titles.index("Loss"))
    assert window.services.live.highlighted_layer is None and network.highlight_item is None
