"""The metrics panel: curves from a history and from live snapshots, a timer that redraws only
after new data, hover readouts, the log scale and the PNG and CSV exports."""

from __future__ import annotations

import csv
from types import MappingProxyType, SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QObject, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QImage

from nnstudio.gui.panels.metrics_panel import MetricsPanel

HISTORY = {"loss": [0.9, 0.5, 0.3, 0.2], "accuracy": [0.5, 0.7, 0.8, 0.9],
           "val_loss": [1.0, 0.6, 0.4, 0.35], "val_accuracy": [0.45, 0.65, 0.75, 0.8],
           "lr": [0.01] * 4}


class FakeController(QObject):
    history_replaced = Signal(object)
    run_started = Signal(object)
    epochs_reached = Signal(object)
    run_finished = Signal(object)

    def __init__(self):
        super().__init__()
        self.history = {}


def started(first_epoch: int, epochs: int, until_stopped: bool = False):
    return SimpleNamespace(first_epoch=first_epoch, until_stopped=until_stopped,
                           began=SimpleNamespace(info=SimpleNamespace(epochs=epochs)))


def snapshot(epoch: int, loss: float, accuracy: float = 0.5):
    metrics = {"loss": loss, "accuracy": accuracy, "val_loss": loss + 0.1,
               "val_accuracy": accuracy - 0.05, "lr": 0.01}
    return SimpleNamespace(epoch=epoch, metrics=MappingProxyType(metrics))


@pytest.fixture
def panel(qtbot):
    controller = FakeController()
    widget = MetricsPanel(controller)
    widget.controller = controller
    qtbot.addWidget(widget)
    widget.resize(600, 420)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_a_history_becomes_one_point_per_epoch_on_each_curve(panel):
    panel.set_history(HISTORY)
    panel.redraw()
    x, y = panel.curve_points("loss")
    assert x.tolist() == [1, 2, 3, 4] and y.tolist() == HISTORY["loss"]
    assert panel.curve_points("val_loss")[1].tolist() == HISTORY["val_loss"]
    assert panel.metric == "accuracy"
    assert panel.curve_points("metric")[1].tolist() == HISTORY["accuracy"]
    assert panel.curve_points("val_metric")[1].tolist() == HISTORY["val_accuracy"]
    assert panel.readout.text().startswith("Epoch 4: loss 0.2 (validation 0.35)")


def test_choosing_another_metric_redraws_the_lower_plot_with_it(panel, qtbot):
    panel.set_history(HISTORY)
    with qtbot.waitSignal(panel.redrawn):
        panel.metric_combo.setCurrentIndex(panel.metric_combo.findData("lr"))
    assert panel.curve_points("metric")[1].tolist() == HISTORY["lr"]
    assert panel.curve_points("val_metric")[0].size == 0


def test_live_epochs_are_appended_and_many_arrivals_make_one_redraw(panel, qtbot):
    controller = panel.controller
    controller.run_started.emit(started(1, 200))
    before = panel.redraws
    with qtbot.waitSignal(panel.redrawn, timeout=2000):
        for epoch in range(1, 201):  # 200 epochs arriving in separate signals
            controller.epochs_reached.emit((snapshot(epoch, 1 / epoch),))
    assert panel.redraws == before + 1
    x, y = panel.curve_points("loss")
    assert x.tolist() == list(range(1, 201)) and y[-1] == pytest.approx(1 / 200)
    qtbot.wait(120)
    assert panel.redraws == before + 1  # nothing new arrived: no redraw


def test_epochs_of_a_continuing_run_follow_the_earlier_ones(panel):
    panel.set_history(HISTORY)
    panel.controller.run_started.emit(started(5, 2))
    panel.controller.epochs_reached.emit((snapshot(1, 0.15), snapshot(2, 0.1)))
    panel.redraw()
    x, y = panel.curve_points("loss")
    assert x.tolist() == [1, 2, 3, 4, 5, 6] and y.tolist()[-2:] == [0.15, 0.1]


def test_the_arrays_grow_past_their_first_capacity_without_losing_points(panel):
    panel.append_snapshots(snapshot(e, float(e)) for e in range(1, 1001))
    assert panel.count == 1000 and panel.history()["loss"] == [float(e) for e in range(1, 1001)]


def test_hovering_an_epoch_shows_its_exact_values(panel, qtbot):
    panel.set_history(HISTORY)
    panel.redraw()
    plot = panel.loss_plot
    qtbot.waitUntil(lambda: plot.vb.viewRange()[0][1] >= 4, timeout=2000)  # ranged to the data
    scene_point = plot.vb.mapViewToScene(QPointF(2.0, 0.5))
    view_point = panel.graphics.mapFromScene(scene_point)
    qtbot.mouseMove(panel.graphics.viewport(), QPoint(view_point.x(), view_point.y()))
    qtbot.waitUntil(lambda: panel.hover_epoch == 2, timeout=2000)
    assert panel.readout.text() == ("Epoch 2: loss 0.5 (validation 0.6) · "
                                    "accuracy 0.7 (validation 0.65)")
    assert all(line.isVisible() and line.value() == 2 for line in panel.hover_lines)


def test_the_log_scale_toggle_switches_the_loss_axis(panel, qtbot):
    panel.set_history(HISTORY)
    qtbot.mouseClick(panel.log_check, Qt.MouseButton.LeftButton)
    assert panel.log_check.isChecked()
    assert panel.loss_plot.ctrl.logYCheck.isChecked()
    assert "log" in panel.loss_plot.getAxis("left").labelText
    panel.set_log_scale(False)
    assert not panel.loss_plot.ctrl.logYCheck.isChecked()


def test_the_plots_export_as_a_png_that_is_not_blank(panel, tmp_path, monkeypatch, qtbot):
    panel.set_history(HISTORY)
    path = tmp_path / "curves.png"
    monkeypatch.setattr(panel, "ask_save_path", lambda *args: str(path))
    qtbot.mouseClick(panel.png_button, Qt.MouseButton.LeftButton)
    image = QImage(str(path))
    assert not image.isNull() and image.width() > 100
    pixels = {image.pixel(x, y) for x in range(0, image.width(), 7)
              for y in range(0, image.height(), 7)}
    assert len(pixels) > 3


def test_the_history_exports_as_csv_with_an_epoch_column(panel, tmp_path, monkeypatch, qtbot):
    panel.set_history({**HISTORY, "val_loss": [1.0, float("nan"), 0.4, 0.35]})
    path = tmp_path / "history.csv"
    monkeypatch.setattr(panel, "ask_save_path", lambda *args: str(path))
    qtbot.mouseClick(panel.csv_button, Qt.MouseButton.LeftButton)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["epoch", *HISTORY]
    assert [row[0] for row in rows[1:]] == ["1", "2", "3", "4"]
    assert [float(row[1]) for row in rows[1:]] == HISTORY["loss"]
    assert rows[2][3] == ""  # a missing value stays empty, not "nan"
    assert np.allclose([float(row[5]) for row in rows[1:]], HISTORY["lr"])


def test_an_empty_panel_says_how_to_start(panel):
    panel.clear()
    panel.redraw()
    assert "press Train" in panel.readout.text()
    assert panel.curve_points("loss")[0].size == 0


def test_during_a_run_the_epoch_axis_spans_the_whole_run_then_fits_the_curve(panel):
    panel.controller.run_started.emit(started(1, 300))
    panel.controller.epochs_reached.emit((snapshot(1, 0.9), snapshot(2, 0.8)))
    panel.redraw()
    low, high = panel.loss_plot.vb.viewRange()[0]
    assert low <= 1 and high >= 300
    panel.controller.run_finished.emit(None)
    panel.loss_plot.vb.updateAutoRange()
    assert panel.loss_plot.vb.viewRange()[0][1] < 10


def test_a_run_until_stopped_has_no_span_the_axis_follows_the_curve(panel):
    panel.controller.run_started.emit(started(1, 100_000, until_stopped=True))
    panel.controller.epochs_reached.emit((snapshot(1, 0.9), snapshot(2, 0.8)))
    panel.redraw()
    panel.loss_plot.vb.updateAutoRange()
    assert panel.loss_plot.vb.viewRange()[0][1] < 10  # not out to the engine's limit


def test_slow_repaints_make_the_redraws_rarer(panel):
    panel.set_history(HISTORY)
    panel.redraw()
    panel.graphics.paint_seconds += 0.001  # the repaints since: a millisecond
    panel.redraw()
    assert panel._redraw_timer.interval() == 100  # fast: ten a second at most
    panel.graphics.paint_seconds += 0.02
    panel.redraw()
    assert 500 <= panel._redraw_timer.interval() <= 1000  # drawing stays a few % of the time


def test_a_fresh_run_keeps_its_span_until_the_first_epochs_arrive(panel, qtbot):
    panel.controller.history_replaced.emit({})
    panel.controller.run_started.emit(started(1, 500))
    panel.redraw()  # nothing arrived yet
    assert panel.loss_plot.vb.viewRange()[0][1] >= 500
