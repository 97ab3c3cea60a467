"""Train -> Find Learning Rate: the range test (`engine.lr_find`) in a dialog.

The test runs on the one background-task pattern (`gui.background`), from fresh weights, on a
copy of the project taken at Start, so the project's weights and file stay as they are. The
dialog plots the smoothed loss against the rate on a log axis, marks steepest descent and
min/10, and "Use" sets the suggested rate through the document like an edit in Training
Settings. A result is dropped as soon as it no longer describes the open project: another
project, another network or data, or training settings other than the learning rate changed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from nnstudio.gui.background import Work
from nnstudio.gui.experiments.job_dialog import JobDialog
from nnstudio.gui.experiments.plots import make_plot

if TYPE_CHECKING:
    from nnstudio.gui.main_window import MainWindow

STEEPEST_COLOR = "#d9822b"
SUGGESTED_COLOR = "#2b8a3e"


class LearningRateDialog(JobDialog):
    """Runs the range test and offers its suggestion."""

    def __init__(self, document: Any, parent: QWidget | None = None):
        super().__init__(document, "lr_find", "Find Learning Rate", parent)
        self.result: Any = None
        self._tested_config: Any = None
        intro = QLabel("Trains the network from fresh weights for a few hundred batches while "
                       "the learning rate grows from 1e-7 to 10, and stops when the loss "
                       "explodes. A good rate lies where the loss falls fastest; a safe one a "
                       "tenth of the rate at its lowest. The project's weights are not touched.")
        intro.setWordWrap(True)
        self.plot = make_plot(self, left="smoothed training loss",
                              bottom="learning rate (log scale)")
        self.plot.setObjectName("lr_find_plot")
        self.plot.setLogMode(x=True, y=False)
        self.curve = self.plot.plot(pen=pg.mkPen("#1f77b4", width=2))
        self.steepest_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(STEEPEST_COLOR, width=1.5,
                                                                   style=Qt.PenStyle.DashLine))
        self.suggested_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(SUGGESTED_COLOR, width=2))
        for line in (self.steepest_line, self.suggested_line):
            line.hide()
            self.plot.addItem(line)
        self.summary = QLabel()
        self.summary.setObjectName("lr_find_summary")
        self.summary.setWordWrap(True)
        self.use_button = QPushButton("Use Suggested Rate")
        self.use_button.setObjectName("lr_find_use")
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self.use_suggestion)
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("lr_find_start")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.summary)
        layout.addLayout(self._build_status_row("lr_find", 160, self.start_button,
                                                self.use_button))
        self._connect_task(self.start_button)
        document.project_replaced.connect(self._forget)
        document.network_changed.connect(self._forget)
        document.data_config_changed.connect(self._forget)
        document.training_config_changed.connect(self._on_document_training_config_changed)
        self.resize(720, 520)

    # ---- the job ----
    def _prepare(self) -> Work:
        snapshot, config = self._project_copy(self.document.project.training.epochs)
        path = self.document.path

        def work(report, control):
            from nnstudio.data.source import prepare_project_data
            from nnstudio.engine.lr_find import find_learning_rate

            data = prepare_project_data(snapshot, path)
            return find_learning_rate(snapshot.network, data, config, control=control,
                                      report=lambda done, total: report((done, total)))

        self._forget()
        self._tested_config = config
        self.progress.setRange(0, 1)
        self._show_status("Preparing the data…")
        return work

    def _inputs(self) -> list[QWidget]:
        return []

    def _on_task_progressed(self, update: Any) -> None:
        done, total = update
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self._show_status(f"Batch {done} of at most {total}…")

    def _on_task_succeeded(self, result: Any) -> None:
        self.progress.setValue(self.progress.maximum())
        self.show_result(result)

    # ---- showing and using ----
    def show_result(self, result: Any) -> None:
        """Plot `result` (an engine `RangeTest`) and offer its suggestion."""
        self.result = result
        rates = np.asarray(result.learning_rates, np.float64)
        losses = np.asarray(result.losses, np.float64)
        self.curve.setData(rates, losses)
        if len(losses):  # the explosion at the end would flatten the part that matters
            top = min(losses.max(), 1.5 * losses[0])
            pad = 0.05 * max(top - losses.min(), 1e-6)
            self.plot.setYRange(losses.min() - pad, top + pad, padding=0)
        for line, rate in ((self.steepest_line, result.steepest),
                           (self.suggested_line, result.suggested)):
            line.setVisible(rate is not None)
            if rate is not None:
                line.setValue(math.log10(rate))  # the axis is log: items sit at log10(x)
        ending = {"exploded": "stopped when the loss exploded",
                  "completed": "reached the last rate without the loss exploding",
                  "stopped": "cancelled"}[result.stop_reason]
        self._show_status(f"{len(result.learning_rates)} batches; {ending}.")
        if result.suggested is None:
            self.summary.setText("Too few batches to suggest a rate: run it again with more "
                                 "data or without cancelling.")
            self.use_button.setEnabled(False)
            return
        steepest = f"{result.steepest:.3g}" if result.steepest is not None else "none"
        current = self.document.project.training.learning_rate
        self.summary.setText(
            f"<span style='color:{SUGGESTED_COLOR}'>━ suggested (min/10): "
            f"<b>{result.suggested:.3g}</b></span> &nbsp; "
            f"<span style='color:{STEEPEST_COLOR}'>╌ steepest descent: {steepest}</span>"
            f" &nbsp; now: {current:g}")
        self.use_button.setText(f"Use {result.suggested:.3g}")
        self.use_button.setEnabled(True)

    @Slot()
    def use_suggestion(self) -> None:
        """Set the project's learning rate to the suggestion, as Training Settings would."""
        if self.result is None or self.result.suggested is None:
            return
        rate = float(f"{self.result.suggested:.3g}")
        training = self.document.project.training
        self._tested_config = training.replace(learning_rate=rate)
        self.document.set_training_config(self._tested_config)
        self._show_status(f"The project's learning rate is now {rate:g}.")

    @Slot()
    def _forget(self) -> None:
        """Drop a result (and a running test) that no longer describes the open project."""
        if self.task.is_running:
            self.task.finish_now()
        self.result = self._tested_config = None
        self.curve.setData([], [])
        self.steepest_line.hide()
        self.suggested_line.hide()
        self.summary.setText("")
        self.use_button.setText("Use Suggested Rate")
        self.use_button.setEnabled(False)
        self.status.setStyleSheet("")
        self.status.setText("")
        self.progress.reset()

    @Slot()
    def _on_document_training_config_changed(self) -> None:
        tested = self._tested_config
        current = self.document.project.training
        if tested is not None and current.replace(learning_rate=tested.learning_rate) != tested:
            self._forget()  # another optimizer, batch size, loss... gives another curve



class LearningRateFinder:
    """Train -> Find Learning Rate…: makes the dialog on first use, shows it again later, and
    stops a running test when the window closes."""

    def __init__(self, window: MainWindow):
        self.window = window
        self.dialog: LearningRateDialog | None = None
        self.action = window.menu("Train").addAction("Find &Learning Rate…")
        self.action.setObjectName("lr_find_action")
        self.action.setStatusTip("Try rates from 1e-7 to 10 on fresh weights and suggest one "
                                 "(the learning-rate range test).")
        self.action.triggered.connect(self.show)
        window.add_close_guard(self.shutdown)

    def show(self) -> LearningRateDialog:
        if self.dialog is None:
            self.dialog = LearningRateDialog(self.window.document, self.window)
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def shutdown(self) -> bool:
        return self.dialog.shutdown() if self.dialog is not None else True
