"""The metrics panel: loss and a chosen metric per epoch, training and validation, live.

Made for speed while training: the curves are created once and fed with `setData`; new epochs
are appended to preallocated arrays (no list rebuilt, nothing redrawn per epoch), and a
single-shot timer redraws at most ten times a second, and only after something arrived. The
timer also stretches when a redraw and its repaint are slow (a big window, a slow machine), so
drawing takes at most about 4% of the GUI thread: every bit of Python it runs holds the GIL the
training thread needs.

Hovering shows the exact values at an epoch (a line across both plots and a readout); the loss
plot can use a log scale, and the epoch axis too (grokking: early memorising and a late
jump, both in view); the plots export as PNG and the history as CSV. While the timeline shows
an earlier epoch (the live model's viewed epoch), a solid line marks it on both plots.
"""

from __future__ import annotations

import csv
import math
import time
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget,
)

from nnstudio.core.history import history_length, lineage_history
from nnstudio.core.metrics import metric_label as table_label

REDRAW_MS = 100  # at most ten redraws a second
MAX_REDRAW_MS = 1000
DRAWING_SHARE = 0.04  # of the GUI thread's time, at most, for redrawing while data arrives
TRAIN_COLOR = "#2f7ed8"
VALIDATION_COLOR = "#d9731a"
METRIC_ORDER = ("accuracy", "f1", "precision", "recall", "mae", "mse", "r2", "lr")


def metric_label(name: str) -> str:
    """A curve's name in words, from the metrics table; the learning rate is not a metric."""
    return "learning rate" if name == "lr" else table_label(name)


def format_number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.4g}"


class PlotsView(pg.GraphicsLayoutWidget):
    """The plots' view; adds up the CPU time its repaints took (a new range can cost two).

    CPU time of the GUI thread, not wall time: a busy machine must not make drawing look dear.
    """

    paint_seconds = 0.0

    def paintEvent(self, event) -> None:
        started = time.thread_time()
        super().paintEvent(event)
        self.paint_seconds += time.thread_time() - started


class EpochAxisItem(pg.AxisItem):
    """An epoch axis: epochs are whole, so it never ticks at 1.5 nor writes 2.0. On a log
    scale it ticks at 1, 10, 100, ... (its values are then the epochs' logarithms)."""

    def tickValues(self, minVal, maxVal, size):
        return [(spacing, [value for value in values if float(value).is_integer()])
                for spacing, values in super().tickValues(minVal, maxVal, size)]

    def tickStrings(self, values, scale, spacing):
        if self.logMode:
            return [str(int(round(10 ** value))) for value in values]
        return [str(int(value)) for value in values]


class MetricsPanel(QWidget):
    """Curves of a training history; fed by a `TrainingController` when one is given, and
    marking the epoch the timeline shows when given the `LiveModel`."""

    redrawn = Signal()  # after the plots took new data (tests and benchmarks wait for it)

    def __init__(self, controller: Any = None, parent: QWidget | None = None,
                 live: Any = None):
        super().__init__(parent)
        self.setObjectName("metrics_panel")
        self.live = live
        self.viewed_epoch: int | None = None  # on the curves: the epoch the timeline shows
        self.epochs = np.zeros(0)
        self.columns: dict[str, np.ndarray] = {}
        self.count = 0
        self.redraws = 0
        self.hover_epoch: int | None = None
        self._first_epoch = 1
        self._x_mode = ""
        self._span_last = 10
        self._painted_before = 0.0
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(REDRAW_MS)
        self._redraw_timer.timeout.connect(self.redraw)
        self._build()
        if controller is not None:
            controller.history_replaced.connect(self.set_history)
            controller.run_started.connect(self._on_controller_run_started)
            controller.epochs_reached.connect(self._on_controller_epochs_reached)
            controller.run_finished.connect(self._on_controller_run_finished)
            self.set_history(controller.history)
        if live is not None:
            live.viewed_changed.connect(self._show_viewed_epoch)

    # ---- building ----
    def _build(self) -> None:
        self.metric_combo = QComboBox()
        self.metric_combo.setObjectName("metric_combo")
        self.metric_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.metric_combo.setToolTip("The measure drawn in the lower plot.")
        self.metric_combo.setPlaceholderText("none yet")
        self.metric_combo.currentIndexChanged.connect(self._on_metric_combo_changed)
        self.log_check = QCheckBox("Log-scale loss")
        self.log_check.setObjectName("log_scale_check")
        self.log_check.setToolTip("A log scale shows the late, small improvements of the loss.")
        self.log_check.toggled.connect(self.set_log_scale)
        self.log_epochs_check = QCheckBox("Log epochs")
        self.log_epochs_check.setObjectName("log_epochs_check")
        self.log_epochs_check.setToolTip(
            "A log epoch axis gives the first epochs as much room as the last hundreds: "
            "early memorising and a late jump in validation accuracy (grokking) both show.")
        self.log_epochs_check.toggled.connect(self.set_log_epochs)
        self.png_button = QPushButton("PNG…")
        self.png_button.setObjectName("export_png_button")
        self.png_button.setToolTip("Save the plots as a PNG image.")
        self.png_button.clicked.connect(self._on_png_clicked)
        self.csv_button = QPushButton("CSV…")
        self.csv_button.setObjectName("export_csv_button")
        self.csv_button.setToolTip("Save every epoch's values as a CSV table.")
        self.csv_button.clicked.connect(self._on_csv_clicked)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Metric"))
        controls.addWidget(self.metric_combo)
        controls.addWidget(self.log_check)
        controls.addWidget(self.log_epochs_check)
        controls.addStretch(1)
        controls.addWidget(self.png_button)
        controls.addWidget(self.csv_button)

        self.graphics = PlotsView()
        self.graphics.setObjectName("metrics_plots")
        self.graphics.setMinimumHeight(220)
        palette = self.palette()
        self.graphics.setBackground(palette.color(QPalette.ColorRole.Base))
        foreground = palette.color(QPalette.ColorRole.Text)
        self.loss_plot = self._make_plot("Loss", foreground)
        # One legend: the colours mean the same in both plots. The loss falls, so the top
        # right of its plot is where the curves least often are.
        background = palette.color(QPalette.ColorRole.Base)
        background.setAlpha(200)
        self.loss_plot.addLegend(offset=(-6, 4), labelTextColor=foreground, colCount=2,
                                 brush=pg.mkBrush(background))
        self.graphics.nextRow()
        self.metric_plot = self._make_plot("", foreground)
        self.metric_plot.setXLink(self.loss_plot)
        self.metric_plot.setLabel("bottom", "epoch")
        self.curves = {
            "loss": self._make_curve(self.loss_plot, TRAIN_COLOR, "training"),
            "val_loss": self._make_curve(self.loss_plot, VALIDATION_COLOR, "validation", True),
            "metric": self._make_curve(self.metric_plot, TRAIN_COLOR, "training"),
            "val_metric": self._make_curve(self.metric_plot, VALIDATION_COLOR, "validation",
                                           True),
        }
        self.hover_lines = []
        for plot in (self.loss_plot, self.metric_plot):
            line = pg.InfiniteLine(angle=90, movable=False,
                                   pen=pg.mkPen(foreground, width=1, style=Qt.PenStyle.DotLine))
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
            self.hover_lines.append(line)
        accent = palette.color(QPalette.ColorRole.Highlight)
        self.viewed_lines = []
        for plot, label in ((self.loss_plot, "timeline"), (self.metric_plot, None)):
            line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(accent, width=2),
                                   label=label, labelOpts={"position": 0.92, "color": accent})
            line.setVisible(False)
            plot.addItem(line, ignoreBounds=True)
            self.viewed_lines.append(line)
        self.graphics.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)

        self.readout = QLabel()
        self.readout.setObjectName("metrics_readout")
        self.readout.setWordWrap(True)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        column.addLayout(controls)
        column.addWidget(self.graphics, 1)
        column.addWidget(self.readout)
        self._update_readout()

    def _make_plot(self, title: str, foreground) -> pg.PlotItem:
        plot = self.graphics.addPlot(axisItems={"bottom": EpochAxisItem("bottom")})
        # No grid: its lines made each repaint about twice as expensive, and the hover readout
        # gives exact values anyway.
        plot.setMenuEnabled(False)
        plot.hideButtons()
        for axis in ("left", "bottom"):
            item = plot.getAxis(axis)
            item.setPen(pg.mkPen(foreground))
            item.setTextPen(pg.mkPen(foreground))
            item.enableAutoSIPrefix(False)  # "0.6", never "600 (x0.001)"
        if title:
            plot.setLabel("left", title)
        return plot

    @staticmethod
    def _make_curve(plot: pg.PlotItem, color: str, name: str, dashed: bool = False):
        pen = pg.mkPen(color, width=2,
                       style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
        curve = plot.plot([], [], pen=pen, name=name, connect="finite")
        curve.setClipToView(True)
        curve.setDownsampling(auto=True, method="peak")
        return curve

    # ---- data in ----
    @Slot(object)
    def set_history(self, history: dict[str, list[float]]) -> None:
        """Show `history` (name -> one value per epoch, epochs from 1), replacing the curves."""
        length = max((len(v) for v in history.values()), default=0)
        capacity = max(64, 1 << max(length, 1).bit_length())
        self.epochs = np.arange(1, capacity + 1, dtype=np.float64)
        self.columns = {}
        for name, values in history.items():
            column = np.full(capacity, np.nan)
            column[:len(values)] = np.asarray(values, dtype=np.float64)
            self.columns[name] = column
        self.count = length
        self._fill_metric_combo()
        self._schedule_redraw()
        self._show_viewed_epoch()  # another run's curve: its epochs lie elsewhere

    def append_snapshots(self, snapshots: Iterable[Any], first_epoch: int = 1) -> None:
        """Add epoch snapshots (engine epochs from 1) as epochs `first_epoch`, ... ."""
        new_names = False
        for snapshot in snapshots:
            index = first_epoch - 1 + snapshot.epoch - 1
            self._ensure_capacity(index + 1)
            for name, value in snapshot.metrics.items():
                column = self.columns.get(name)
                if column is None:
                    column = self.columns[name] = np.full(len(self.epochs), np.nan)
                    new_names = True
                column[index] = value
            self.count = max(self.count, index + 1)
        if new_names:
            self._fill_metric_combo()
        self._schedule_redraw()

    def clear(self) -> None:
        self.set_history({})

    def _ensure_capacity(self, size: int) -> None:
        capacity = len(self.epochs)
        if size <= capacity:
            return
        while capacity < size:
            capacity = max(64, capacity * 2)
        self.epochs = np.arange(1, capacity + 1, dtype=np.float64)
        for name, column in self.columns.items():
            grown = np.full(capacity, np.nan)
            grown[:len(column)] = column
            self.columns[name] = grown

    @Slot(object)
    def _on_controller_run_started(self, start: Any) -> None:
        self._first_epoch = start.first_epoch
        if start.until_stopped:  # no last epoch to span: the axis follows the curve
            self._set_x_mode("auto")
            return
        # The run's whole span from the start: the epoch axis then stays put while it trains
        # (no tick relabelling at each redraw) and the curve shows how far along the run is.
        last = start.first_epoch + start.began.info.epochs - 1
        self._set_x_mode("span", max(last, 2))

    @Slot(object)
    def _on_controller_run_finished(self, end: Any) -> None:
        self._set_x_mode("auto")

    def _set_x_mode(self, mode: str, last: int = 10) -> None:
        """The epoch axis: "empty" (1 to 10), "span" (1 to a run's last epoch) or "auto"."""
        if mode == self._x_mode and mode != "span":
            return
        self._x_mode = mode
        for plot in (self.loss_plot, self.metric_plot):
            if mode == "empty":  # no curves: no values of a run that is gone on the axes
                plot.setYRange(0, 1, padding=0)
            else:
                plot.enableAutoRange(y=True)
        if mode == "auto":
            self.loss_plot.enableAutoRange(x=True)
        else:
            self.loss_plot.setXRange(self._epoch_x(1), self._epoch_x(last), padding=0.02)
        self._span_last = last

    @Slot(object)
    def _on_controller_epochs_reached(self, snapshots: tuple) -> None:
        self.append_snapshots(snapshots, self._first_epoch)

    # ---- reading ----
    def history(self) -> dict[str, list[float]]:
        """What the panel holds, as name -> list of values per epoch."""
        return {name: column[:self.count].tolist() for name, column in self.columns.items()}

    def values_at(self, epoch: int) -> dict[str, float]:
        """Every value at `epoch` (counted from 1); empty outside the curve."""
        if not 1 <= epoch <= self.count:
            return {}
        return {name: float(column[epoch - 1]) for name, column in self.columns.items()}

    @property
    def metric(self) -> str | None:
        return self.metric_combo.currentData()

    def curve_points(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """The (x, y) a curve ("loss", "val_loss", "metric", "val_metric") draws now."""
        x, y = self.curves[key].getOriginalDataset()
        if x is None:
            return np.zeros(0), np.zeros(0)
        return np.asarray(x), np.asarray(y)

    # ---- drawing ----
    def _schedule_redraw(self) -> None:
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    @Slot()
    def redraw(self) -> None:
        """Give every curve its data now (the timer calls this; tests may call it directly)."""
        self._redraw_timer.stop()
        started = time.thread_time()
        n = self.count
        epochs = self.epochs[:n]
        metric = self.metric
        sources = {"loss": "loss", "val_loss": "val_loss", "metric": metric,
                   "val_metric": f"val_{metric}" if metric and metric != "lr" else None}
        for key, name in sources.items():
            column = self.columns.get(name) if name else None
            if column is None:
                self.curves[key].setData([], [])
            else:
                self.curves[key].setData(epochs, column[:n])
        if n == 0 and self._x_mode != "span":
            self._set_x_mode("empty")
        elif n and self._x_mode == "empty":
            self._set_x_mode("auto")
        self.redraws += 1
        if self.hover_epoch is None:
            self._update_readout()
        # This redraw's own time plus the repaints since the last one: what a cycle costs.
        painted = self.graphics.paint_seconds
        cost = time.thread_time() - started + painted - self._painted_before
        self._painted_before = painted
        self._redraw_timer.setInterval(
            int(min(MAX_REDRAW_MS, max(REDRAW_MS, 1000 * cost / DRAWING_SHARE))))
        self.redrawn.emit()

    @property
    def log_epochs(self) -> bool:
        return self.log_epochs_check.isChecked()

    def _epoch_x(self, epoch: float) -> float:
        """Where `epoch` lies on the plots' x axis (its logarithm on a log epoch axis)."""
        return math.log10(epoch) if self.log_epochs else epoch

    @Slot(bool)
    def set_log_epochs(self, on: bool) -> None:
        """Epochs on a log axis (both plots: they share it)."""
        if self.log_epochs_check.isChecked() != on:
            self.log_epochs_check.setChecked(on)
            return
        for plot in (self.loss_plot, self.metric_plot):
            plot.setLogMode(x=on)
        self.metric_plot.setLabel("bottom", "epoch (log scale)" if on else "epoch")
        # The old range means other epochs on the new axis, and the curves clip to the view:
        # show the whole run first, so following the curves again finds all of it.
        last = self._span_last if self._x_mode == "span" else max(self.count, 2)
        self.loss_plot.setXRange(self._epoch_x(1), self._epoch_x(last), padding=0.02)
        if self._x_mode == "auto":
            self.loss_plot.enableAutoRange(x=True)
        if self.hover_epoch is not None:
            self.hover(self.hover_epoch)
        self._show_viewed_epoch()

    @Slot(bool)
    def set_log_scale(self, on: bool) -> None:
        if self.log_check.isChecked() != on:
            self.log_check.setChecked(on)
            return
        self.loss_plot.setLogMode(y=on)
        self.loss_plot.setLabel("left", "Loss (log scale)" if on else "Loss")

    def _fill_metric_combo(self) -> None:
        current = self.metric
        names = [name for name in METRIC_ORDER if name in self.columns]
        self.metric_combo.setEnabled(bool(names))  # "none yet", greyed, before any training
        if [self.metric_combo.itemData(i) for i in range(self.metric_combo.count())] == names:
            return
        self.metric_combo.blockSignals(True)
        self.metric_combo.clear()
        for name in names:
            self.metric_combo.addItem(metric_label(name), name)
        index = self.metric_combo.findData(current)
        self.metric_combo.setCurrentIndex(index if index >= 0 else 0)
        self.metric_combo.blockSignals(False)
        self._on_metric_combo_changed()

    @Slot()
    def _on_metric_combo_changed(self, *args: Any) -> None:
        metric = self.metric
        self.metric_plot.setLabel("left", metric_label(metric).capitalize() if metric else "")
        self._schedule_redraw()

    # ---- hover ----
    @Slot(object)
    def _on_scene_mouse_moved(self, scene_pos: QPointF) -> None:
        for plot in (self.loss_plot, self.metric_plot):
            if plot.sceneBoundingRect().contains(scene_pos):
                x = plot.vb.mapSceneToView(scene_pos).x()
                self.hover(int(round(10 ** x if self.log_epochs else x)))
                return
        self.hover(None)

    def hover(self, epoch: int | None) -> None:
        """Mark `epoch` on both plots and show its exact values (None: back to the latest)."""
        if epoch is not None and self.count:
            epoch = min(max(epoch, 1), self.count)
        else:
            epoch = None
        self.hover_epoch = epoch
        for line in self.hover_lines:
            line.setVisible(epoch is not None)
            if epoch is not None:
                line.setValue(self._epoch_x(epoch))
        self._update_readout()

    # ---- the timeline's epoch ----
    @Slot()
    def _show_viewed_epoch(self) -> None:
        """Mark the epoch the timeline shows (none while the views show the latest weights)."""
        self.viewed_epoch = epoch = self._curve_epoch_viewed()
        for line in self.viewed_lines:
            line.setVisible(epoch is not None)
            if epoch is not None:
                line.setValue(self._epoch_x(epoch))

    def _curve_epoch_viewed(self) -> int | None:
        """The live model's viewed epoch (a run's own, from 1) as an epoch of the curves, which
        draw a run after the runs it continued from (a running one from `_first_epoch`)."""
        viewed = self.live.viewed if self.live is not None else None
        if viewed is None:
            return None
        run_id, epoch = viewed
        if run_id is None:  # the run in progress
            return self._first_epoch - 1 + epoch
        runs = self.live.document.project.runs
        record = self.live.document.project.find_run(run_id)
        if record is None:
            return None
        return history_length(lineage_history(runs, record.parent)) + epoch

    def leaveEvent(self, event) -> None:
        self.hover(None)
        super().leaveEvent(event)

    def _update_readout(self) -> None:
        epoch = self.hover_epoch or self.count
        if not epoch:
            self.readout.setText("No training yet: press Train (F5) to draw the curves.")
            return
        values = self.values_at(epoch)
        parts = []
        for name in ("loss", self.metric):
            if name and name in values:
                text = f"{metric_label(name)} {format_number(values[name])}"
                if f"val_{name}" in values:
                    text += f" (validation {format_number(values[f'val_{name}'])})"
                parts.append(text)
        self.readout.setText(f"Epoch {epoch}: " + " · ".join(parts))

    # ---- export ----
    def export_png(self, path: str | Path) -> bool:
        """Save the two plots as a PNG image."""
        self.redraw()
        return self.graphics.grab().save(str(path), "PNG")

    def export_csv(self, path: str | Path) -> None:
        """Save the history: an epoch column, then one column per measure."""
        names = list(self.columns)
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["epoch", *names])
            for index in range(self.count):
                row = [self.columns[name][index] for name in names]
                writer.writerow([index + 1, *("" if math.isnan(v) else repr(float(v))
                                             for v in row)])

    def ask_save_path(self, title: str, suffix: str, filter_text: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self, title, f"training{suffix}", filter_text)
        if path and not path.endswith(suffix):
            path += suffix
        return path

    @Slot()
    def _on_png_clicked(self) -> None:
        path = self.ask_save_path("Export Plot", ".png", "PNG images (*.png)")
        if path:
            self.export_png(path)

    @Slot()
    def _on_csv_clicked(self) -> None:
        path = self.ask_save_path("Export History", ".csv", "CSV files (*.csv)")
        if path:
            try:
                self.export_csv(path)
            except OSError as error:
                from PySide6.QtWidgets import QMessageBox

                QMessageBox.warning(self, "Could not export",
                                    f"{path}: {error.strerror or error}")
