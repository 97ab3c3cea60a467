"""Activations: what each layer's outputs look like on a fixed batch of training samples.

One row per layer: a histogram of its outputs (fixed bins: an activation's own bounds, or round
numbers past the largest value, so the picture only moves when the network does) and, beside
it, the share of dead ReLUs (never positive on any of the samples) or of saturated sigmoid/tanh
units (stuck near their limits for most samples), with a plain-language hint when the share is
high. The batch is drawn once from the training split; the numbers come from the display copy
of the network (`engine.inspection.activation_statistics`), never from the model that trains.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QFrame, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget,
)

from nnstudio.gui.live_model import INITIAL, MISMATCH, LiveModel
from nnstudio.gui.panels.heatmap import NEGATIVE_COLOR, POSITIVE_COLOR
from nnstudio.gui.panels.throttle import ThrottledLivePanel

PLOT_HEIGHT = 96
WARNING_COLOR = NEGATIVE_COLOR
NO_LAYERS_NOTE = ("The network has no layers after its input yet: add some from the palette "
                  "to see what their outputs look like.")


def histogram_plot(widget: QWidget, height: int = PLOT_HEIGHT) -> tuple[pg.PlotWidget, object]:
    """A small plot in the panel's palette with one filled step curve: (plot, curve)."""
    palette = widget.palette()
    foreground = palette.color(QPalette.ColorRole.Text)
    plot = pg.PlotWidget(background=palette.color(QPalette.ColorRole.Base))
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(False, False)
    plot.getPlotItem().hideButtons()
    plot.setFixedHeight(height)
    for name in ("bottom", "left"):
        axis = plot.getPlotItem().getAxis(name)
        axis.setPen(pg.mkPen(foreground))
        axis.setTextPen(pg.mkPen(foreground))
    plot.getPlotItem().getAxis("left").setWidth(34)
    plot.getPlotItem().setLabel("left", "%")
    fill = QColor(POSITIVE_COLOR)
    fill.setAlpha(150)
    curve = pg.PlotDataItem(stepMode="center", fillLevel=0, brush=fill,
                            pen=pg.mkPen(POSITIVE_COLOR, width=1))
    plot.addItem(curve)
    return plot, curve


class LayerRow(QFrame):
    """One layer: its histogram and what it says."""

    def __init__(self, node_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.node_id = node_id
        self.setObjectName(f"activation_row_{node_id}")
        self._range: tuple[float, float] | None = None
        self.plot, self.curve = histogram_plot(self)
        self.plot.setMinimumWidth(220)
        self.text = QLabel()
        self.text.setObjectName("activation_text")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.addWidget(self.plot, 3)
        layout.addWidget(self.text, 2)

    def show_layer(self, layer, kind: str, shape: tuple[int, ...]) -> None:
        hist = layer.histogram
        self.curve.setData(hist.edges, percent_of_values(hist))
        if (hist.low, hist.high) != self._range:  # the bins stay put while values wander
            self._range = (hist.low, hist.high)
            self.plot.setXRange(hist.low, hist.high, padding=0.02)
        text = describe(layer, kind, shape)
        if text != self.text.text():  # rich text is laid out again on every setText
            self.text.setText(text)


def percent_of_values(hist) -> np.ndarray:
    """A histogram's counts as percentages of the values counted."""
    return hist.counts * (100.0 / max(hist.total, 1))


def describe(layer, kind: str, shape: tuple[int, ...]) -> str:
    """The row's words: layer, its activation (else `kind`, its type), units (channels of an
    image or sequence output, `shape` excluding the batch), and the dead or saturated share."""
    kind = layer.activation or kind
    unit = "channel" if len(shape) > 1 else "unit"
    plural = "" if layer.units == 1 else "s"
    lines = [f"<b>{html.escape(layer.node_id)}</b> · {html.escape(kind)} · {layer.units} "
             f"{unit}{plural}"]
    if layer.dead is not None:
        lines.append(f"Dead ReLUs: {share_text(layer.dead)}")
    if layer.saturated is not None:
        lines.append(f"Saturated: {share_text(layer.saturated)}")
    if layer.hint:
        hint = html.escape(layer.hint, quote=False)
        lines.append(f"<span style='color:{WARNING_COLOR}'>{hint}</span>")
    return "<br>".join(lines)


def share_text(mask: np.ndarray) -> str:
    """"38% (3 of 8)": the share of True in `mask`, and the counts."""
    percent = round(float(mask.mean()) * 100) if mask.size else 0
    return f"{percent}% ({int(mask.sum())} of {mask.size})"


class ActivationsPanel(ThrottledLivePanel):
    """Each layer's output histogram on a fixed probe batch, with dead and saturated units."""

    def __init__(self, live: LiveModel, parent: QWidget | None = None):
        super().__init__(live, parent)
        self.setObjectName("activations_panel")
        self.layers: list = []  # engine.inspection.LayerActivations shown
        self.rows: dict[str, LayerRow] = {}
        self.probe = None  # the fixed batch (numpy), drawn once per data
        self._probe_key = None
        self._build()

    def _build(self) -> None:
        self.caption = QLabel()
        self.caption.setObjectName("activations_caption")
        self.caption.setWordWrap(True)
        self.rows_widget = QWidget()
        self.rows_layout = QVBoxLayout(self.rows_widget)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.rows_widget)
        self.note = QLabel()
        self.note.setObjectName("activations_note")
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.note, 1)

    # ---- refresh ----
    def update_view(self) -> None:
        live = self.live
        if live.display is None:
            self._show_note(live.error or "Nothing to show yet.")
            return
        probe = self.probe_batch()
        if probe is None:
            self._show_note(live.data_error or (
                "The histograms need samples that fit this network's input: choose a dataset "
                "whose samples have the Input layer's shape in the Data panel."))
            return
        from nnstudio.engine.inspection import activation_statistics

        self.layers = activation_statistics(live.display, probe)
        if not self.layers:
            self._show_note(NO_LAYERS_NOTE)
            return
        self._sync_rows([layer.node_id for layer in self.layers])
        for layer in self.layers:
            node_id = layer.node_id
            self.rows[node_id].show_layer(layer, live.display.network.node(node_id).type,
                                          live.display.shape(node_id))
        self.note.setVisible(False)
        self.scroll.setVisible(True)
        caption = self._caption(len(probe))
        if caption != self.caption.text():
            self.caption.setText(caption)

    def probe_batch(self) -> np.ndarray | None:
        """The fixed training samples the statistics look at (None without fitting data)."""
        live = self.live
        if not live.data_fits or live.prepared.train.n_samples == 0:
            return None
        from nnstudio.engine.inspection import probe_batch, probe_size

        size = probe_size(live.display)
        key = (live.data_version, id(live.prepared), size)
        if key != self._probe_key:
            self.probe, self._probe_key = probe_batch(live.prepared.train.x, size), key
        return self.probe

    def _caption(self, samples: int) -> str:
        text = (f"Each layer's outputs on a fixed batch of {samples} training samples (the share "
                "of values in each bin). A dead ReLU is never positive on any of them; a "
                "saturated unit sits near its limits for most of them.")
        state = self.live.weights_state
        if state == INITIAL:
            text += " These are the initial weights: train to see how they change."
        elif state == MISMATCH:
            text += " The saved weights do not fit this network: showing initial weights."
        return text

    def _sync_rows(self, node_ids: list[str]) -> None:
        if list(self.rows) == node_ids:
            return
        for row in self.rows.values():
            self.rows_layout.removeWidget(row)
            row.deleteLater()
        self.rows = {}
        for index, node_id in enumerate(node_ids):
            row = LayerRow(node_id)
            self.rows_layout.insertWidget(index, row)
            self.rows[node_id] = row

    def _show_note(self, text: str) -> None:
        self.layers = []
        self.caption.setText("")
        self.note.setText(text)
        self.scroll.setVisible(False)
        self.note.setVisible(True)

    def layer(self, node_id: str):
        """The statistics shown for `node_id` (engine.inspection.LayerActivations)."""
        return next(layer for layer in self.layers if layer.node_id == node_id)
