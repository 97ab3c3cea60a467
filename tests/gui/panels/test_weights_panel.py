"""The weights and gradients view: the current histogram equals numpy's on the display weights;
a run's snapshots become histograms stacked by epoch and gradient-norm curves, equal to what the
engine sent; long runs thin out; continuing runs append, resets clear; no drawing while hidden."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.gui.panels.inspection_support import EXAMPLE_KEYS, colour_count, example_document, show
from nnstudio.engine.callbacks import EpochSnapshot
from nnstudio.engine.inspection import histogram, rebin, weight_histograms
from nnstudio.gui.live_model import LiveModel
from nnstudio.gui.panels.weights_panel import (
    COLUMNS, RECORD_BINS, RECORD_INTERVAL_S, HistoryRequest, WeightsHistory, WeightsPanel,
    tensor_label,
)

pytestmark = pytest.mark.usefixtures("warm_torch")


@pytest.fixture
def open_panel(qtbot):
    def make(key: str, seed: int = 3, controller=None, document=None) -> WeightsPanel:
        document = document or example_document(key, seed)
        live = LiveModel(document)
        if controller is not None:  # as the composition root wires a window's live model
            controller.add_callback_factory(live.make_request)
        panel = WeightsPanel(live, controller)
        panel.document = document
        return show(qtbot, panel, (1000, 620))

    return make


def snapshot(epoch: int, weights=None, norms=None) -> EpochSnapshot:
    return EpochSnapshot(epoch, 100, {}, 0.01, 0.0, 0.0, 0.0, 0, None, weights, norms)


def training_window_parts(qtbot, key="spiral", epochs=30):
    from nnstudio.gui.training.controller import TrainingController

    document = example_document(key, 3)
    document.set_weights(None)
    document.project.training = document.project.training.replace(epochs=epochs, device="cpu")
    controller = TrainingController(document)
    return document, controller


def train(qtbot, controller) -> list:
    sent: list = []
    controller.epochs_reached.connect(lambda snapshots: sent.extend(snapshots))
    with qtbot.waitSignal(controller.run_finished, timeout=60000):
        controller.train()
    return sent


@pytest.mark.parametrize("key", EXAMPLE_KEYS)
def test_every_example_shows_the_current_weights_histogram(open_panel, key):
    panel = open_panel(key)
    display = panel.live.display
    keys = [k for k in display.initial if k.endswith((".weight", ".bias"))]
    listed = [panel.tensor_combo.itemData(i) for i in range(panel.tensor_combo.count())]
    assert listed == keys
    if not keys:
        assert panel.caption.text() == "This network has no weights to show."
        return
    key0 = panel.tensor_combo.currentData()
    values = panel.document.weights[key0]
    counts, edges = np.histogram(values, bins=40)
    x, y = panel.now_curve.getData()
    assert np.allclose(x, edges) and np.allclose(y, counts * 100 / values.size)
    assert colour_count(panel.graphics) > 30
    assert "Train to record" in panel.caption.text()


def test_choosing_a_tensor_shows_its_values(open_panel, qtbot):
    panel = open_panel("spiral")
    combo = panel.tensor_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentData() == "dense_2.weight"
    assert combo.currentText() == "dense_2 · weights" == tensor_label("dense_2.weight")
    values = panel.document.weights["dense_2.weight"]
    counts, _ = np.histogram(values, bins=40)
    assert np.allclose(panel.now_curve.getData()[1], counts * 100 / values.size)


def test_recurrent_tensors_are_named_in_words():
    assert tensor_label("lstm_1.weight_ih_l0") == "lstm_1 · input weights, layer 1"
    assert tensor_label("gru_1.bias_hh_l1_reverse") == \
        "gru_1 · recurrent biases, layer 2, backward"
    assert tensor_label("dense_1.bias") == "dense_1 · biases"
    assert tensor_label("conv_1.running_mean") == "conv_1 · running_mean"


def test_snapshots_become_rows_of_histograms_and_gradient_norm_curves(open_panel):
    panel = open_panel("spiral")
    rng = np.random.default_rng(0)
    weights = [{key: (array * (1 + epoch)).astype(np.float32)
                for key, array in panel.document.weights.items()} for epoch in range(6)]
    norms = [{"dense_1": float(rng.uniform(0.1, 2)), "dense_2": float(rng.uniform(0.1, 2)),
              "dense_3": float(rng.uniform(0.1, 2))} for _ in range(6)]
    panel.add_snapshots(tuple(snapshot(e + 1, weights[e], norms[e]) for e in range(3)))
    panel.add_snapshots(tuple(snapshot(e + 1, weights[e], norms[e]) for e in range(3, 5)))
    assert panel.history.epochs == [3]  # too soon after the last one: no histogram
    panel._recorded_at -= RECORD_INTERVAL_S
    panel.add_snapshots((snapshot(6, weights[5], norms[5]),))
    panel.redraw()
    history = panel.history
    assert history.epochs == [3, 6]  # one histogram per delivery when due: its latest epoch
    assert history.norm_epochs == [1, 2, 3, 4, 5, 6]
    for node_id in ("dense_1", "dense_2", "dense_3"):
        curve = panel._curves[node_id]  # drawn on a log scale; xData, yData: the values
        assert np.allclose(curve.yData, [n[node_id] for n in norms])
        assert np.array_equal(curve.xData, [1, 2, 3, 4, 5, 6])
    image, (low, high), (first, last) = panel.picture
    assert (first, last) == (3, 6)
    rows = [histogram(weights[e - 1]["dense_1.weight"], RECORD_BINS) for e in (3, 6)]
    assert low == pytest.approx(min(r.low for r in rows))
    expected = rebin(rows, low, high, COLUMNS)
    assert image.shape == (4, COLUMNS)  # epochs 3, 4, 5, 6
    assert np.allclose(image[0], expected[0]) and np.allclose(image[1], expected[0])
    assert np.allclose(image[3], expected[1])
    assert np.allclose(rows[0].counts, np.histogram(weights[2]["dense_1.weight"], RECORD_BINS)[0])
    assert panel.time_image.isVisible() and colour_count(panel.graphics) > 50
    # "Now" follows the run's latest snapshot (the display copy gets weights less often).
    latest = weights[5]["dense_1.weight"]
    counts, edges = np.histogram(latest, bins=40)
    x, y = panel.now_curve.getData()
    assert np.allclose(x, edges) and np.allclose(y, counts * 100 / latest.size)
    assert "at epoch 6" in panel.now_plot.titleLabel.text


def test_a_long_run_keeps_at_most_max_rows_histograms_thinning_evenly():
    history = WeightsHistory(max_rows=8)
    arrays = {"dense_1.weight": np.arange(6, dtype=np.float32)}
    for epoch in range(1, 101):
        if history.wants(epoch):
            history.add_weights(epoch, arrays)
    assert len(history.epochs) <= 8
    gaps = np.diff(history.epochs)
    assert gaps.min() >= history.stride // 2 and history.stride > 1
    assert history.epochs[0] == 1


def test_training_records_every_epochs_gradient_norms_and_the_final_weights(open_panel, qtbot):
    document, controller = training_window_parts(qtbot, epochs=30)
    panel = open_panel("spiral", controller=controller, document=document)
    assert HistoryRequest in controller._callback_factories
    sent = train(qtbot, controller)
    history = panel.history
    assert history.norm_epochs == list(range(1, 31))
    for node_id in ("dense_1", "dense_2", "dense_3"):
        assert history.norms[node_id] == [s.gradient_norms[node_id] for s in sent]
        assert all(value > 0 for value in history.norms[node_id])
    assert history.epochs[-1] == 30
    final = weight_histograms(document.weights, RECORD_BINS)["dense_1.weight"]
    assert np.array_equal(history.histograms[-1]["dense_1.weight"].counts, final.counts)
    qtbot.waitUntil(lambda: panel.picture is not None and panel.picture[2] == (
        history.epochs[0], 30), timeout=3000)
    assert panel.caption.text() == ""


def test_a_continuing_run_appends_and_a_reset_clears(open_panel, qtbot):
    document, controller = training_window_parts(qtbot, epochs=5)
    panel = open_panel("spiral", controller=controller, document=document)
    train(qtbot, controller)
    train(qtbot, controller)  # continues from the trained weights
    assert panel.history.norm_epochs == list(range(1, 11))
    assert panel.history.epochs[-1] == 10
    controller.reset_weights()
    assert not panel.history and panel.history.epochs == []
    train(qtbot, controller)
    assert panel.history.norm_epochs == list(range(1, 6))


def test_a_hidden_panel_records_but_does_not_draw(open_panel, qtbot):
    panel = open_panel("spiral")
    panel.hide()
    before = panel.redraws
    weights = panel.document.weights
    panel.add_snapshots((snapshot(1, weights, {"dense_1": 1.0}),))
    qtbot.wait(350)
    assert panel.redraws == before and panel.stale
    assert panel.history.norm_epochs == [1] and panel.history.epochs == [1]
    panel.show()
    qtbot.waitUntil(lambda: panel.redraws > before, timeout=3000)
    assert panel.picture is not None


def test_a_reset_redraws_the_cleared_record_once_however_many_times_it_is_said(open_panel,
                                                                              qtbot):
    document, controller = training_window_parts(qtbot, epochs=5)
    panel = open_panel("spiral", controller=controller, document=document)
    train(qtbot, controller)
    before = panel.redraws
    controller.history_replaced.emit({})  # the reset clears the record and the view at once
    assert not panel.history and panel.redraws == before + 1
    controller.history_replaced.emit({})  # said again (the fresh run after it): nothing to do
    assert panel.redraws == before + 1
