"""Weights and gradients: each layer's weights now and over the epochs, and its gradient norm.

- "Now": a histogram of the chosen tensor's current values (the display copy's weights, live
  while training).
- "Over the epochs", as TensorBoard's histograms: one row per epoch, darker where more of the
  tensor's values lie, so a learner sees weights spread out, drift or blow up.
- The gradient norm of every layer (all its parameters together) on the last batch of each
  epoch, on a log scale: vanishing gradients sink, exploding ones climb.
- The norm of all the weights together at the end of each epoch: weight decay pulls it down
  (in grokking it falls while validation accuracy rises).

The history is gathered from the training controller's epoch snapshots (`epochs_reached`): the
panel asks each run for weights and gradient norms through a callback that only declares what
it wants (the engine computes norms once per epoch, and only when asked). Recording is cheap and
goes on while the panel is hidden, so it has the whole run when opened: gradient norms for every
epoch, histograms for at most `MAX_ROWS` epochs (a histogram only when at least `stride` epochs
and `RECORD_INTERVAL_S` passed since the last one, and always of the run's last epoch; when the
rows fill up every other one goes and the stride doubles). Drawing happens only while the panel
is visible, at most four times a second; recording and drawing count to the views' budget.
"""

from __future__ import annotations

import math
import time
from typing import Any, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSignalBlocker, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox, QFrame, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget,
)

from nnstudio.engine.callbacks import Callback
from nnstudio.gui.live_model import INITIAL, LiveModel
from nnstudio.gui.panels.feature_maps_panel import SEQUENTIAL_LUT
from nnstudio.gui.panels.heatmap import CLASS_COLORS, POSITIVE_COLOR
from nnstudio.gui.panels.throttle import ThrottledLivePanel

MAX_ROWS = 200  # epochs with a weight histogram, at most
# While a run streams weights (up to 20 times a second), a histogram at most this often: the
# rows stay fine enough, and recording costs the run a small, fixed share.
RECORD_INTERVAL_S = 0.2
RECORD_BINS = 64  # bins of each recorded histogram (its own range)
COLUMNS = 80  # bins across the value axis of the picture over the epochs


class HistoryRequest(Callback):
    """Asks a run for gradient norms in its epoch snapshots; does nothing itself (the
    controller relays the snapshots). Weights come while a live view is on screen, this one
    among them (`LiveModel.make_request`): a hidden window's run copies none."""

    wants_gradient_norms = True


class WeightsHistory:
    """Weight histograms at sampled epochs and every epoch's gradient norms (no Qt)."""

    def __init__(self, max_rows: int = MAX_ROWS, bins: int = RECORD_BINS):
        self.max_rows, self.bins = max_rows, bins
        self.clear()

    def clear(self) -> None:
        self.epochs: list[int] = []  # epochs with histograms, increasing
        self.histograms: list[dict[str, Any]] = []  # per row: tensor key -> Histogram
        self.stride = 1
        self.norm_epochs: list[int] = []
        self.norms: dict[str, list[float]] = {}  # node id -> one value per norm epoch (NaN gaps)
        self.weight_norms: list[float] = []  # one per norm epoch (NaN when not sent)
        self.version = getattr(self, "version", 0) + 1  # counts changes, clearing too

    def __bool__(self) -> bool:
        return bool(self.epochs or self.norm_epochs)

    def add_snapshots(self, snapshots: Sequence[Any], offset: int = 0,
                      histograms: bool = True) -> bool:
        """Record epoch snapshots (epoch numbers shifted by `offset`), their weights' histogram
        too if `histograms`; True if anything new."""
        normed = [snapshot for snapshot in snapshots if snapshot.gradient_norms is not None]
        if normed:
            self._add_norms(normed, offset)
        changed = bool(normed)
        latest = next(((offset + snapshot.epoch, snapshot.weights) for snapshot in
                       reversed(snapshots) if snapshot.weights is not None), None)
        if histograms and latest is not None and self.wants(latest[0]):
            self.add_weights(*latest)
            changed = True
        return changed

    def wants(self, epoch: int) -> bool:
        """True when `epoch` is due a histogram (`stride` epochs after the last one)."""
        return not self.epochs or epoch - self.epochs[-1] >= self.stride

    def add_weights(self, epoch: int, arrays) -> None:
        """A histogram of every learned tensor of `arrays` at `epoch` (later than the last)."""
        from nnstudio.engine.inspection import weight_histograms

        if self.epochs and epoch <= self.epochs[-1]:
            return
        self.epochs.append(epoch)
        self.histograms.append(weight_histograms(arrays, self.bins))
        if len(self.epochs) > self.max_rows:
            keep = list(range(len(self.epochs) - 1, -1, -2))[::-1]  # the last row stays
            self.epochs = [self.epochs[i] for i in keep]
            self.histograms = [self.histograms[i] for i in keep]
            self.stride *= 2
        self.version += 1

    def _add_norms(self, snapshots: list, offset: int) -> None:
        """The snapshots' gradient norms and weight norms, column by column: a small network's
        run sends over a thousand epochs a second."""
        count = len(self.norm_epochs)
        self.norm_epochs.extend(offset + snapshot.epoch for snapshot in snapshots)
        self.weight_norms.extend(math.nan if snapshot.weight_norm is None
                                 else float(snapshot.weight_norm) for snapshot in snapshots)
        for snapshot in snapshots:
            for node_id in snapshot.gradient_norms.keys() - self.norms.keys():
                self.norms[node_id] = [math.nan] * count
        for node_id, column in self.norms.items():
            column.extend(float(snapshot.gradient_norms.get(node_id, math.nan))
                          for snapshot in snapshots)
        self.version += 1

    def keys(self) -> list[str]:
        """Tensor keys with histograms, in the order they were first seen."""
        seen: dict[str, None] = {}
        for row in self.histograms:
            seen.update(dict.fromkeys(row))
        return list(seen)

    def picture(self, key: str, columns: int = COLUMNS, rows: int = MAX_ROWS):
        """(image float32 (rows, columns) of shares, (low, high) values, (first, last) epochs)
        for tensor `key`: row r is the histogram recorded at or just before epoch
        first + r·(last − first)/(rows − 1). None when `key` has no histogram."""
        from nnstudio.engine.inspection import rebin

        found = [(e, row[key]) for e, row in zip(self.epochs, self.histograms) if key in row]
        if not found:
            return None
        epochs = np.array([e for e, _ in found])
        histograms = [h for _, h in found]
        low = min(h.low for h in histograms)
        high = max(h.high for h in histograms)
        grid = rebin(histograms, low, high, columns)
        count = int(min(rows, epochs[-1] - epochs[0] + 1))
        wanted = np.linspace(epochs[0], epochs[-1], count)
        index = np.searchsorted(epochs, wanted + 1e-9, side="right") - 1
        image = np.ascontiguousarray(grid[index], dtype=np.float32)
        return image, (low, high), (int(epochs[0]), int(epochs[-1]))

    def weight_norm_curve(self) -> tuple[np.ndarray, np.ndarray]:
        """The norm of all weights at each recorded epoch: (epochs, values) float64 arrays."""
        return (np.array(self.norm_epochs, dtype=np.float64),
                np.array(self.weight_norms, dtype=np.float64))

    def norm_curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Each layer's gradient norms: (epochs, values) float64 arrays."""
        epochs = np.array(self.norm_epochs, dtype=np.float64)
        return {node_id: (epochs, np.array(values, dtype=np.float64))
                for node_id, values in self.norms.items()}


class DecadeAxis(pg.AxisItem):
    """A log-scale axis that writes only the powers of ten (the minor ticks stay unlabelled,
    where their labels would crowd each other)."""

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        return [f"{10.0 ** v:g}" if abs(v - round(v)) < 1e-6 else "" for v in values]


def tensor_label(key: str) -> str:
    """"dense_1.weight" -> "dense_1 · weights"; a recurrent layer's "gru_1.weight_hh_l1_reverse"
    -> "gru_1 · recurrent weights, layer 2, backward"."""
    node_id, _, name = key.rpartition(".")
    plural = {"weight": "weights", "bias": "biases"}
    if name in plural:
        return f"{node_id} · {plural[name]}"
    kind, _, rest = name.partition("_")  # weight_ih_l0, bias_hh_l1_reverse
    source, _, layer = rest.partition("_l")
    number, _, direction = layer.partition("_")
    if kind not in plural or source not in ("ih", "hh") or not number.isdigit():
        return f"{node_id} · {name}"
    words = f"{'input' if source == 'ih' else 'recurrent'} {plural[kind]}, layer {int(number) + 1}"
    return f"{node_id} · {words}" + (", backward" if direction == "reverse" else "")


class WeightsPanel(ThrottledLivePanel):
    """Histograms of a layer's weights now and over the epochs, and gradient norms per layer."""

    def __init__(self, live: LiveModel, controller: Any = None, parent: QWidget | None = None):
        super().__init__(live, parent)
        self.setObjectName("weights_panel")
        self.history = WeightsHistory()
        self.controller = controller
        self.current = None  # engine.inspection.Histogram of the chosen tensor now
        self.picture = None  # WeightsHistory.picture(...) shown
        self._offset = 0  # epoch numbers of the run so far come after these
        self._last_snapshot: tuple[int, Any] | None = None
        # (epoch, weights) of the run's latest snapshot: "now" while training, until the
        # display copy has the run's weights.
        self._latest: tuple[int, Any] | None = None
        self._running = False
        self._recorded_at = -float("inf")  # when the last histogram was recorded
        self._keys: list[str] = []
        self._picture_for: tuple | None = None
        self._norms_for: tuple | None = None
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._build()
        if controller is not None:
            self.connect_controller(controller)

    # ---- building ----
    def _build(self) -> None:
        self.tensor_combo = QComboBox()
        self.tensor_combo.setObjectName("tensor_combo")
        self.tensor_combo.setToolTip("The layer and tensor whose values the histograms show.")
        self.tensor_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.tensor_combo.currentIndexChanged.connect(self._on_tensor_changed)
        self.caption = QLabel()
        self.caption.setObjectName("weights_caption")
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Layer:"))
        controls.addWidget(self.tensor_combo)
        controls.addWidget(self.caption, 1)

        palette = self.palette()
        self._foreground = palette.color(QPalette.ColorRole.Text)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName("weights_view")
        self.graphics.setBackground(palette.color(QPalette.ColorRole.Base))
        self.now_plot = self._plot(0, 0, "Now")
        self.now_curve = pg.PlotDataItem(stepMode="center", fillLevel=0,
                                         brush=pg.mkBrush(8, 119, 189, 150),
                                         pen=pg.mkPen(POSITIVE_COLOR, width=1))
        self.now_plot.addItem(self.now_curve)
        self.now_plot.setLabel("left", "%")
        self.time_plot = self._plot(1, 0, "Over the epochs (darker: more values)")
        self.time_plot.setLabel("left", "epoch")
        self.time_plot.setLabel("bottom", "value")
        self.time_image = pg.ImageItem(axisOrder="row-major")
        self.time_image.setLookupTable(SEQUENTIAL_LUT)
        self.time_plot.addItem(self.time_image)
        self.now_plot.setXLink(self.time_plot)
        self.time_note = pg.TextItem("", color=self._foreground, anchor=(0.5, 0.5))
        self.time_plot.addItem(self.time_note, ignoreBounds=True)
        self.grad_plot = self._plot(0, 1, "Gradient norm per layer (each epoch's last batch)",
                                    axis_items={"left": DecadeAxis("left")})
        self.grad_plot.setLogMode(y=True)
        self.grad_plot.setLabel("bottom", "epoch")
        self.legend = self.grad_plot.addLegend(offset=(-6, 4), labelTextColor=self._foreground)
        background = palette.color(QPalette.ColorRole.Base)
        background.setAlpha(210)
        self.legend.setBrush(pg.mkBrush(background))
        self.grad_note = pg.TextItem("", color=self._foreground, anchor=(0.5, 0.5))
        self.grad_plot.addItem(self.grad_note, ignoreBounds=True)
        self.weight_norm_plot = self._plot(1, 1, "Weight norm (all weights, each epoch's end)")
        self.weight_norm_plot.setLabel("bottom", "epoch")
        self.weight_norm_plot.setXLink(self.grad_plot)
        self.weight_norm_curve = self.weight_norm_plot.plot(pen=pg.mkPen(POSITIVE_COLOR,
                                                                         width=2))
        self.graphics.ci.layout.setColumnStretchFactor(0, 3)
        self.graphics.ci.layout.setColumnStretchFactor(1, 2)
        self.graphics.ci.layout.setRowStretchFactor(0, 2)
        self.graphics.ci.layout.setRowStretchFactor(1, 3)
        # The plots scroll in a narrow dock rather than widening the whole window. (Labels
        # that wrap stay outside: they would make the scroll area take the plots' full height.)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.graphics)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(scroll, 1)

    def _plot(self, row: int, column: int, title: str, rowspan: int = 1,
              axis_items: dict | None = None) -> pg.PlotItem:
        plot = self.graphics.addPlot(row=row, col=column, rowspan=rowspan, axisItems=axis_items)
        plot.setTitle(title, color=self._foreground, size="9pt")
        plot.setMenuEnabled(False)
        plot.hideButtons()
        for name in ("bottom", "left"):
            axis = plot.getAxis(name)
            axis.setPen(pg.mkPen(self._foreground))
            axis.setTextPen(pg.mkPen(self._foreground))
            axis.enableAutoSIPrefix(False)  # the linked value axes must read the same numbers
        return plot

    # ---- the training controller ----
    def connect_controller(self, controller: Any) -> None:
        """Record the runs of `controller` (a TrainingController): ask each run for weights and
        gradient norms, and listen to its snapshots."""
        self.controller = controller
        controller.add_callback_factory(HistoryRequest)
        controller.run_started.connect(self._on_controller_run_started)
        controller.epochs_reached.connect(self._on_controller_epochs_reached)
        controller.history_replaced.connect(self._on_controller_history_replaced)
        controller.run_finished.connect(self._on_controller_run_finished)

    @Slot(object)
    def _on_controller_run_started(self, start: Any) -> None:
        if not start.began.continued:
            self.history.clear()
        self._offset = start.first_epoch - 1
        self._last_snapshot = None
        self._running = True
        self.request_redraw()

    @Slot()
    def _on_live_refreshed(self) -> None:
        if not self._running:  # the display copy has the run's final weights by now
            self._latest = None
        super()._on_live_refreshed()

    @Slot(object)
    def _on_controller_epochs_reached(self, snapshots: tuple) -> None:
        self.add_snapshots(snapshots)

    def add_snapshots(self, snapshots: tuple) -> None:
        """Record a run's epoch snapshots (as the controller sends them) and redraw soon."""
        started = time.thread_time()
        for snapshot in reversed(snapshots):
            if snapshot.weights is not None:
                self._last_snapshot = (self._offset + snapshot.epoch, snapshot.weights)
                self._latest = self._last_snapshot
                break
        due = time.monotonic() - self._recorded_at >= RECORD_INTERVAL_S
        rows = len(self.history.epochs)
        if self.history.add_snapshots(snapshots, self._offset, histograms=due):
            self.request_redraw()
        if len(self.history.epochs) != rows:
            self._recorded_at = time.monotonic()
        self.live.note_cost(time.thread_time() - started)

    @Slot(object)
    def _on_controller_run_finished(self, end: Any) -> None:
        self._running = False
        # The last epoch always gets its histogram, whatever the stride skipped.
        if self._last_snapshot is not None:
            self.history.add_weights(*self._last_snapshot)
            self._last_snapshot = None
            self.request_redraw()

    @Slot(object)
    def _on_controller_history_replaced(self, history: dict) -> None:
        if not history:  # weights reset, or another project: the record no longer applies
            if not self.history and self._offset == 0 and self._latest is None:
                return  # already clear: a reset and the fresh run after it both say so
            self.history.clear()
            self._offset = 0
            self._latest = None
            self.request_redraw(throttled=False)

    # ---- refresh ----
    def update_view(self) -> None:
        if self.live.display is None and not self.history:
            # Nothing to show, and torch may not even be imported yet: say why, import nothing.
            self.tensor_combo.clear()
            self._keys = []
            self.caption.setText(self.live.error or "No network to show yet.")
            return
        self._sync_keys()
        key = self.tensor_combo.currentData()
        self._show_now(key)
        self._show_over_time(key)
        self._show_norms(key)

    def _sync_keys(self) -> None:
        from nnstudio.engine.inspection import is_learned

        display = self.live.display
        keys = [] if display is None else [
            key for key in display.initial if is_learned(key) and display.array(key).size]
        for key in self.history.keys():
            if key not in keys:
                keys.append(key)
        if keys == self._keys:
            return
        current = self.tensor_combo.currentData()
        self._keys = keys
        with QSignalBlocker(self.tensor_combo):
            self.tensor_combo.clear()
            for key in keys:
                self.tensor_combo.addItem(tensor_label(key), key)
            index = keys.index(current) if current in keys else 0
            self.tensor_combo.setCurrentIndex(index)

    def _show_now(self, key: str | None) -> None:
        from nnstudio.engine.inspection import histogram

        display, viewed = self.live.display, self.live.viewed
        # An epoch chosen on the timeline is what the display model holds: it goes first.
        latest = self._latest[1] if self._latest is not None and viewed is None else {}
        if key in latest:
            values = np.asarray(latest[key])
            state = f"at epoch {self._latest[0]}"
        elif key is not None and display is not None and display.has_tensor(key):
            values = display.array(key)
            state = ("initial weights" if self.live.weights_state == INITIAL else
                     "now" if viewed is None else f"at the timeline's epoch {viewed[1]}")
        else:
            self.current = None
            self.now_curve.setData([], [])
            self.now_plot.setTitle("Now: no such tensor", color=self._foreground, size="9pt")
            self.caption.setText(self.live.error if display is None else
                                 "This network has no weights to show.")
            return
        self.current = histogram(values, 40)
        shares = self.current.counts * (100.0 / max(self.current.total, 1))
        self.now_curve.setData(self.current.edges, shares)
        shape = "×".join(map(str, values.shape))
        self.now_plot.setTitle(f"{tensor_label(key)} {state} ({shape}: mean "
                               f"{values.mean():.3g}, spread {values.std():.3g})",
                               color=self._foreground, size="9pt")
        self.caption.setText(
            "" if self.history else "Train to record how the weights and gradients change.")
        if not self.history.epochs:
            self.now_plot.setXRange(self.current.low, self.current.high, padding=0.02)

    def _show_over_time(self, key: str | None) -> None:
        drawn = (key, self.history.version)
        if drawn == self._picture_for:
            return  # nothing new recorded: the image stands
        self._picture_for = drawn
        picture = self.history.picture(key) if key is not None else None
        self.picture = picture
        if picture is None:
            self.time_image.clear()
            self.time_image.setVisible(False)
            self.time_note.setText("No record yet: train, and each epoch's histogram\n"
                                   "lands here as a row, the latest at the top.")
            view = self.time_plot.getViewBox()
            self.time_note.setPos(*view.viewRect().center().toTuple())
            return
        image, (low, high), (first, last) = picture
        self.time_note.setText("")
        self.time_image.setVisible(True)
        # Square roots of the shares: the thin tails of a distribution stay visible.
        shown = np.sqrt(image)
        top = float(shown.max()) or 1.0
        self.time_image.setImage(shown, autoLevels=False, levels=(0.0, top))
        rows = image.shape[0]
        span = (last - first) / max(rows - 1, 1) if rows > 1 else 1.0
        self.time_image.setRect(QRectF(low, first - span / 2, high - low, span * rows))
        self.time_plot.setRange(xRange=(low, high), yRange=(first - span / 2,
                                                            first - span / 2 + span * rows),
                                padding=0.01)

    def _show_norms(self, chosen: str | None) -> None:
        drawn = (chosen, self.history.version)
        if drawn == self._norms_for:
            return
        self._norms_for = drawn
        curves = self.history.norm_curves()
        self.weight_norm_curve.setData(*self.history.weight_norm_curve(), connect="finite")
        chosen_node = chosen.rpartition(".")[0] if chosen else None
        for node_id in list(self._curves):
            if node_id not in curves:
                self.grad_plot.removeItem(self._curves.pop(node_id))
                self.legend.removeItem(node_id)
        for index, (node_id, (epochs, values)) in enumerate(curves.items()):
            curve = self._curves.get(node_id)
            if curve is None:
                color = CLASS_COLORS[(index + 1) % len(CLASS_COLORS)]
                curve = self.grad_plot.plot(name=node_id, pen=pg.mkPen(color, width=1.5))
                self._curves[node_id] = curve
            positive = np.where(values > 0, values, np.nan)  # a log scale has no zero
            curve.setData(epochs, positive, connect="finite")
            pen = curve.opts["pen"]
            width = 3.0 if node_id == chosen_node else 1.5
            if pen.widthF() != width:
                pen = pg.mkPen(pen.color(), width=width)
                curve.setPen(pen)
        if curves:
            self.grad_note.setText("")
        else:
            self.grad_note.setText("Gradient norms appear\nwhile training.")
            view = self.grad_plot.getViewBox()
            self.grad_note.setPos(*view.viewRect().center().toTuple())

    @Slot()
    def _on_tensor_changed(self) -> None:
        self.request_redraw(throttled=False)
