"""The activations view on every example: a histogram per layer from a fixed probe batch, equal
to the engine's outputs counted by numpy; dead ReLUs and saturated tanh units counted by hand;
hints; no work while hidden."""

from __future__ import annotations

import numpy as np
import pytest

from tests.gui.panels.inspection_support import (
    EXAMPLE_KEYS, colour_count, engine_outputs, example_document, scaled_weights, show,
)
from nnstudio.engine.inspection import BINS, SATURATED_SAMPLES, probe_batch, probe_size
from nnstudio.gui.live_model import LiveModel
from nnstudio.gui.panels.activations_panel import ActivationsPanel

pytestmark = pytest.mark.usefixtures("warm_torch")


@pytest.fixture
def open_panel(qtbot):
    def make(key: str, seed: int = 3, document=None) -> ActivationsPanel:
        document = document or example_document(key, seed)
        panel = ActivationsPanel(LiveModel(document))
        panel.document = document
        return show(qtbot, panel, (760, 620))

    return make


def shown_histogram(panel, node_id: str) -> tuple[np.ndarray, np.ndarray]:
    """(edges, percentages) of the step curve drawn for `node_id`."""
    x, y = panel.rows[node_id].curve.getData()
    return x, y


@pytest.mark.parametrize("key", EXAMPLE_KEYS)
def test_every_example_renders_a_histogram_per_layer_or_says_why_not(open_panel, key):
    panel = open_panel(key)
    if key == "empty":
        assert not panel.note.isHidden() and "no layers" in panel.note.text()
        assert colour_count(panel) > 5
        return
    expected = [n for n in panel.live.display.node_ids
                if panel.live.display.network.node(n).type not in
                ("input", "flatten", "reshape", "dropout")]
    assert list(panel.rows) == expected
    assert colour_count(panel) > 30
    for node_id in expected:
        assert colour_count(panel.rows[node_id].plot) > 4


@pytest.mark.parametrize("key", ("spiral", "digits_cnn", "regression"))
def test_each_histogram_counts_the_engines_outputs_on_the_fixed_probe_batch(open_panel, key):
    panel = open_panel(key)
    document = panel.document
    train_x = panel.live.prepared.train.x
    probe = probe_batch(train_x, probe_size(panel.live.display))
    assert np.array_equal(panel.probe, probe)
    outputs = engine_outputs(document, probe)
    for layer in panel.layers:
        values = outputs[layer.node_id]
        edges, shares = shown_histogram(panel, layer.node_id)
        counts, numpy_edges = np.histogram(values, bins=BINS, range=(edges[0], edges[-1]))
        assert np.allclose(edges, numpy_edges)
        assert np.allclose(shares, counts * 100 / values.size)
        assert edges[0] <= values.min() and values.max() <= edges[-1]


def test_the_dead_relu_share_equals_a_hand_count_and_comes_with_a_hint(open_panel):
    document = example_document("seed_article", 3)
    weights = dict(document.weights)
    weights["dense_1.bias"] = np.array([-100.0, 0.5], dtype=np.float32)  # unit 1 never fires
    document.set_weights(weights)
    panel = open_panel("seed_article", document=document)
    w, b = weights["dense_1.weight"], weights["dense_1.bias"]
    hidden = np.maximum(panel.probe @ w.T + b, 0)
    dead = ~(hidden > 0).any(axis=0)
    assert dead.tolist() == [True, False]
    layer = panel.layer("dense_1")
    assert np.array_equal(layer.dead, dead)
    text = panel.rows["dense_1"].text.text()
    assert "Dead ReLUs: 50% (1 of 2)" in text
    assert "50% of dense_1's ReLUs never fire" in text
    assert "LeakyReLU" in text


def test_saturated_tanh_units_equal_a_hand_count(open_panel):
    document = example_document("spiral", 3)
    document.set_weights(scaled_weights(document.weights, 3.0))
    panel = open_panel("spiral", document=document)
    outputs = engine_outputs(document, panel.probe)
    for node_id in ("dense_1", "dense_2"):
        tanh = outputs[node_id]
        expected = (1 - tanh ** 2 < 0.1).mean(axis=0) >= SATURATED_SAMPLES
        layer = panel.layer(node_id)
        assert np.array_equal(layer.saturated, expected)
        share = f"{round(expected.mean() * 100)}% ({int(expected.sum())} of {expected.size})"
        assert f"Saturated: {share}" in panel.rows[node_id].text.text()
    assert expected.any()  # the test means something: some unit is saturated
    assert panel.layer("dense_3").saturated is None  # the output's confidence is no problem


def test_a_hidden_panel_does_no_work_and_catches_up_when_shown(open_panel, qtbot):
    panel = open_panel("spiral")
    live = panel.live
    panel.hide()
    before = panel.redraws
    panel.document.set_weights(scaled_weights(panel.document.weights, 0.5))
    qtbot.wait(300)
    assert panel.redraws == before and live.pending  # nobody visible: nothing refreshed
    panel.show()
    qtbot.waitUntil(lambda: panel.redraws > before and not panel.stale, timeout=3000)
    outputs = engine_outputs(panel.document, panel.probe)
    edges, shares = shown_histogram(panel, "dense_1")
    counts, _ = np.histogram(outputs["dense_1"], bins=BINS, range=(edges[0], edges[-1]))
    assert np.allclose(shares, counts * 100 / outputs["dense_1"].size)


def test_data_that_does_not_fit_the_network_gets_a_note(open_panel):
    document = example_document("spiral", 3)
    from nnstudio.core.commands import SetParamCommand

    document.push(SetParamCommand("input_1", "shape", (3,)))
    panel = open_panel("spiral", document=document)
    assert not panel.note.isHidden() and "fit this network's input" in panel.note.text()
