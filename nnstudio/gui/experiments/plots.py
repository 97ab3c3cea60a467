"""Small plotting helpers the experiment views share: colours, plots and curve names."""

from __future__ import annotations

import math
from typing import Iterable, Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QComboBox, QSizePolicy, QWidget

from nnstudio.gui.experiments.tables import column_title

# Distinct colours for curves of different runs (Tableau 10, readable on light and dark).
RUN_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
              "#7f7f7f", "#bcbd22", "#17becf")
A_COLOR = "#2f7ed8"  # twin A, and training data
B_COLOR = "#d9731a"  # twin B, and held-out data
CHANCE_COLOR = "#909090"
# Curve names a learner reads first, in order; others follow by name.
_CURVE_ORDER = ("val_loss", "loss", "val_accuracy", "accuracy", "val_f1", "f1", "val_r2", "r2",
                "val_mse", "mse", "val_mae", "mae")


def run_color(index: int) -> str:
    return RUN_COLORS[index % len(RUN_COLORS)]


class MetricComboBox(QComboBox):
    """A choice of metric or curve, shown in words ("validation loss"), keyed by its name."""

    def names(self) -> list[str]:
        return [self.itemData(i) for i in range(self.count())]

    def current_name(self) -> str:
        return self.currentData() or ""

    def set_current_name(self, name: str) -> None:
        self.setCurrentIndex(self.findData(name))

    def set_names(self, names: list[str], current: str) -> None:
        """Offer `names` (rebuilt quietly only when they changed), then choose `current`."""
        if self.names() != names:
            self.blockSignals(True)
            self.clear()
            for name in names:
                self.addItem(column_title(name), name)
            self.setCurrentIndex(-1)
            self.blockSignals(False)
        self.set_current_name(current)


class CountAxis(pg.AxisItem):
    """A logarithmic axis of counts labelled as people write them: 10, 100, 1k, 10k; with 2
    and 5 times those too when the axis spans under two decades (never 2·10¹)."""

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        low, high = self.range
        span = abs(high - low)
        labels = []
        for value in values:
            count = 10 ** float(value) * scale
            power = 10 ** math.floor(math.log10(count) + 1e-9)
            lead = round(count / power, 3)
            shown = lead == 1 or (span < 2 and lead in (2, 5))
            labels.append(count_label(round(count)) if shown else "")
        return labels


def count_label(value: float) -> str:
    """17025 → "17k", 1185 → "1.19k", 7 → "7"."""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:g}"


def make_plot(owner: QWidget, left: str = "", bottom: str = "epoch",
              log_counts: bool = False) -> pg.PlotWidget:
    """A plot in the window's colours, without pyqtgraph's extra buttons and menu;
    `log_counts` makes x a log axis of counts."""
    palette = owner.palette()
    axes = {"bottom": CountAxis("bottom")} if log_counts else None
    plot = pg.PlotWidget(background=palette.color(QPalette.ColorRole.Base), axisItems=axes)
    if log_counts:
        plot.setLogMode(x=True, y=False)
    _style(plot.getPlotItem(), palette, left, bottom)
    return plot


def make_plot_with_legend_beside(owner: QWidget, left: str = "", bottom: str = "epoch"
                                 ) -> tuple[pg.GraphicsLayoutWidget, pg.PlotItem, pg.LegendItem]:
    """A plot with its legend to its right, outside the data (for many curves)."""
    palette = owner.palette()
    view = pg.GraphicsLayoutWidget()
    view.setBackground(palette.color(QPalette.ColorRole.Base))
    plot = view.addPlot(row=0, col=0)
    _style(plot, palette, left, bottom)
    legend = pg.LegendItem(labelTextSize="8pt", verSpacing=-4)
    legend.setLabelTextColor(palette.color(QPalette.ColorRole.Text))
    # Only as tall as its entries, at the top: stretched, its rows would spread apart.
    legend.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
    view.addItem(legend, row=0, col=1)
    view.ci.layout.setAlignment(legend, Qt.AlignmentFlag.AlignTop)
    view.ci.layout.setColumnStretchFactor(0, 1)
    return view, plot, legend


def _style(item: pg.PlotItem, palette: QPalette, left: str, bottom: str) -> None:
    item.setMenuEnabled(False)
    item.hideButtons()
    item.showGrid(x=True, y=True, alpha=0.15)
    ink = palette.color(QPalette.ColorRole.Text)
    for side in ("left", "bottom"):
        axis = item.getAxis(side)
        axis.setPen(pg.mkPen(ink))
        axis.setTextPen(pg.mkPen(ink))
    for side in ("left", "bottom"):
        item.getAxis(side).enableAutoSIPrefix(False)  # "loss (x0.001)" puzzles a learner
    item.setLabel("left", left)
    item.setLabel("bottom", bottom)


def add_legend(plot: pg.PlotWidget, corner: str = "top right") -> pg.LegendItem:
    """A legend inside the plot, in `corner` ("top right" or "bottom right")."""
    palette = plot.palette()
    offset = (-8, 8) if corner == "top right" else (-8, -8)
    legend = plot.getPlotItem().addLegend(offset=offset, labelTextSize="8pt")
    legend.setLabelTextColor(palette.color(QPalette.ColorRole.Text))
    fill = QColor(palette.color(QPalette.ColorRole.Base))
    fill.setAlpha(200)
    legend.setBrush(pg.mkBrush(fill))
    return legend


def curve_names(histories: Iterable[Mapping[str, Sequence[float]]]) -> list[str]:
    """The curves any of `histories` has, the learning rate aside, in reading order."""
    names = {name for history in histories for name in history if name != "lr"}
    known = [name for name in _CURVE_ORDER if name in names]
    return known + sorted(names - set(known))


def default_curve(names: Sequence[str]) -> str:
    for name in ("val_loss", "loss"):
        if name in names:
            return name
    return names[0] if names else ""


def curve_xy(values: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Epochs from 1 and the values, float64 (NaN leaves a gap)."""
    y = np.asarray(values, dtype=np.float64)
    return np.arange(1, len(y) + 1, dtype=np.float64), y


def axis_title(name: str) -> str:
    return column_title(name)
