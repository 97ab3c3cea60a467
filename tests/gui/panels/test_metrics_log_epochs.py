"""The Metrics panel's log epoch axis: the early epochs and a late jump (grokking) both in view,
ticks at 1, 10, 100, hover still naming whole epochs, and a run's span kept on the new axis."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from nnstudio.gui.panels.metrics_panel import MetricsPanel

from .test_metrics_panel import FakeController, started

EPOCHS = 1000
# Memorised by epoch 30, generalised at epoch 700: a grokking history.
HISTORY = {"loss": list(np.geomspace(4, 0.01, EPOCHS)),
           "val_loss": [4.0] * 699 + [0.3] * 301,
           "accuracy": [min(1.0, e / 30) for e in range(1, EPOCHS + 1)],
           "val_accuracy": [0.02] * 699 + [0.95] * 301}


@pytest.fixture
def panel(qtbot):
    controller = FakeController()
    widget = MetricsPanel(controller)
    widget.controller = controller
    qtbot.addWidget(widget)
    widget.resize(700, 460)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_history(HISTORY)
    widget.redraw()
    return widget


def x_range(panel):
    return panel.loss_plot.getViewBox().viewRange()[0]


def test_ticking_log_epochs_puts_both_plots_on_a_log_axis_with_ticks_at_powers_of_ten(
        panel, qtbot):
    qtbot.mouseClick(panel.log_epochs_check, Qt.MouseButton.LeftButton)
    assert panel.log_epochs
    for plot in (panel.loss_plot, panel.metric_plot):
        assert plot.getAxis("bottom").logMode
    qtbot.waitUntil(lambda: x_range(panel)[1] < 4)  # log10(1000) = 3
    low, high = x_range(panel)
    assert low < 0.1 and 2.9 < high < 3.2
    axis = panel.metric_plot.getAxis("bottom")
    assert axis.tickStrings([0.0, 1.0, 2.0, 3.0], 1, 1) == ["1", "10", "100", "1000"]
    assert panel.metric_plot.getAxis("bottom").labelText == "epoch (log scale)"
    x, y = panel.curve_points("loss")  # the data stay epochs; only the axis changes
    assert x[0] == 1 and x[-1] == EPOCHS
    qtbot.mouseClick(panel.log_epochs_check, Qt.MouseButton.LeftButton)
    assert not panel.loss_plot.getAxis("bottom").logMode
    qtbot.waitUntil(lambda: x_range(panel)[1] > 900)


def test_hovering_a_log_axis_names_the_epoch_under_the_pointer(panel, qtbot):
    panel.set_log_epochs(True)
    qtbot.waitUntil(lambda: x_range(panel)[1] < 4)
    view = panel.metric_plot.getViewBox()
    panel._on_scene_mouse_moved(view.mapViewToScene(QPointF(math.log10(700), 0.5)))
    assert panel.hover_epoch == 700
    assert panel.hover_lines[0].value() == pytest.approx(math.log10(700))
    assert panel.readout.text().startswith("Epoch 700: ")


def test_a_running_span_is_kept_when_the_axis_turns_logarithmic(panel, qtbot):
    panel.controller.run_started.emit(started(1, 2000))
    panel.set_log_epochs(True)
    low, high = x_range(panel)
    assert low == pytest.approx(0, abs=0.1) and high == pytest.approx(math.log10(2000), abs=0.1)
