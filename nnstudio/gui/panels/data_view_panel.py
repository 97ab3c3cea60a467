"""The Data View: look at the data before training on it.

Tabs show the samples as a table (a model over the arrays, so a million rows scroll freely),
a 2-D scatter with chosen axes coloured by class, a scatter matrix of the first few inputs,
an image grid for image data, the class balance (or the spread of a regression target) and
per-column statistics. Above them, the sanity checks' warnings in plain words.

`DataViewPanel` only draws a `Dataset` it is given. `DataViewController` feeds it the open
project's data (read in the background), and asks for a data file that moved or changed;
`install_data_view(window, panel, dock)` adds File ▸ Import Data… to the main window.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import (
    QAbstractTableModel, QModelIndex, QObject, QSignalBlocker, Qt, Signal, Slot,
)
from PySide6.QtGui import QColor, QImage, QPalette, QPixmap
from PySide6.QtWidgets import (
    QComboBox, QDialog, QFileDialog, QGridLayout, QHBoxLayout, QHeaderView, QLabel,
    QListWidget, QListWidgetItem, QMessageBox, QPushButton, QScrollArea, QStyle, QTableView,
    QTabWidget, QVBoxLayout, QWidget,
)

from nnstudio.data import classes
from nnstudio.gui.theme import ERROR_COLOR

MAX_SCATTER_POINTS = 5000  # drawn points; more only hide each other and slow the view
MAX_MATRIX_POINTS = 1500
MATRIX_LABEL_CHARS = 14  # longer, a name overlaps the next cell's (the Table shows it whole)
MATRIX_FEATURES = 4
IMAGES_PER_CLASS = 8
IMAGE_SIZE = 56
HISTOGRAM_BINS = 30
MAX_BARS = 40  # classes shown as bars; more are summarised


def class_color(index: int) -> QColor:
    """Class `index`'s colour, the same in every view (the data's class legend)."""
    return QColor(classes.class_color(index))


def _sample(n: int, limit: int, seed: int = 0) -> np.ndarray:
    """At most `limit` sample indices, spread over all samples, the same every time."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, limit, replace=False))


def _number(value: float) -> str:
    return f"{value:.4g}"


# ---- table models -------------------------------------------------------------------------------

class DatasetTableModel(QAbstractTableModel):
    """Rows are samples: one column per input (tables only), then the target."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.dataset = None
        self._columns: tuple[str, ...] = ()

    def set_dataset(self, dataset) -> None:
        self.beginResetModel()
        self.dataset = dataset
        tabular = dataset is not None and dataset.x.ndim == 2
        names = dataset.feature_names if tabular else ()
        self._columns = (*names, "target") if dataset is not None else ()
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() or self.dataset is None else self.dataset.n_samples

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.dataset is None:
            return None
        data, row, column = self.dataset, index.row(), index.column()
        is_target = column == len(self._columns) - 1
        if role == Qt.ItemDataRole.DisplayRole:
            if not is_target:
                return _number(float(data.x[row, column]))
            if data.is_classification and data.positions > 1:  # a sum's digits
                return "".join(data.class_names[int(k)] for k in data.y[row])
            if data.is_classification:
                return data.class_names[int(data.y[row])]
            value = data.y[row]
            return _number(float(value)) if np.ndim(value) == 0 else \
                ", ".join(_number(float(v)) for v in value)
        if role == Qt.ItemDataRole.TextAlignmentRole and not (is_target and
                                                              data.is_classification):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and is_target and data.is_classification \
                and data.positions == 1:
            return class_color(int(data.y[row]))
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._columns[section]  # the tooltip shows a name the column cuts off
        return str(section + 1) if role == Qt.ItemDataRole.DisplayRole else None


STAT_COLUMNS = ("Column", "Min", "Max", "Mean", "Std", "Missing in file")


class ColumnStatsModel(QAbstractTableModel):
    """Per-column minimum, maximum, mean, standard deviation and missing values on import."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.rows: list[tuple[str, ...]] = []

    def set_dataset(self, dataset, missing: dict[str, int] | None = None) -> None:
        self.beginResetModel()
        self.rows = [] if dataset is None else column_statistics(dataset, missing or {})
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(STAT_COLUMNS)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return STAT_COLUMNS[section]
        return None


def column_statistics(dataset, missing: dict[str, int]) -> list[tuple[str, ...]]:
    """One row of text per input column (tables) or for all pixels (images), and the target
    when it is a number."""
    x = dataset.x.reshape(dataset.n_samples, -1).astype(np.float64)
    if dataset.x.ndim == 2:
        columns = [(name, x[:, j]) for j, name in enumerate(dataset.feature_names)]
    else:
        columns = [("all pixels", x.ravel())]
    if not dataset.is_classification:
        columns.append(("target", np.asarray(dataset.y, dtype=np.float64).ravel()))
    rows = []
    for name, values in columns:
        gaps = missing.get(name, 0)
        rows.append((name, _number(values.min()), _number(values.max()), _number(values.mean()),
                     _number(values.std()), f"{gaps:,}" if gaps else "–"))
    return rows


# ---- the panel ----------------------------------------------------------------------------------

class DataViewPanel(QWidget):
    """Everything about one dataset a learner should look at before training. A row of the
    table double-clicked is `sample_picked` (split, index within it), when the split is known."""

    sample_picked = Signal(str, int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("data_view_panel")
        self.dataset = None
        self.split = None  # the project's Split of the shown rows, if known
        self.report = None
        self.warnings: list = []
        self._scatter_items: list[pg.ScatterPlotItem] = []

        self.title = QLabel("No data yet.")
        self.title.setObjectName("data_view_title")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.message = QLabel()
        self.message.setObjectName("data_view_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setStyleSheet(f"color: {ERROR_COLOR};")
        self.message.hide()
        self.message_buttons = QHBoxLayout()
        self.message_buttons.addStretch(1)
        self.warning_list = QListWidget()
        self.warning_list.setObjectName("data_warnings")
        self.warning_list.setWordWrap(True)
        self.warning_list.setMaximumHeight(110)
        self.warning_list.hide()

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.table_model = DatasetTableModel(self)
        self.table = self._table_view(self.table_model, "data_table")
        self.table.setToolTip("Double-click a row to step through it in the Backprop view")
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.stats_model = ColumnStatsModel(self)
        self.stats = self._table_view(self.stats_model, "stats_table")
        self._build_scatter()
        self._build_matrix()
        self._build_images()
        self.balance_plot = self._plot("balance_plot")
        self.tab_index: dict[str, int] = {}
        for key, widget, title in (
            ("table", self.table, "Table"), ("scatter", self.scatter_host, "Scatter"),
            ("matrix", self.matrix, "Scatter Matrix"), ("images", self.images_scroll, "Images"),
            ("balance", self.balance_plot, "Classes"), ("stats", self.stats, "Statistics"),
        ):
            self.tab_index[key] = self.tabs.addTab(widget, title)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        layout.addLayout(self.message_buttons)
        layout.addWidget(self.warning_list)
        layout.addWidget(self.tabs, 1)
        self._show_tabs(set())

    # -- building
    def _table_view(self, model: QAbstractTableModel, name: str) -> QTableView:
        view = QTableView()
        view.setObjectName(name)
        view.setModel(model)
        view.setAlternatingRowColors(True)
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        view.verticalHeader().setDefaultSectionSize(22)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        view.horizontalHeader().setDefaultSectionSize(90)
        # Set, not left at the default: only then does the header elide a long column name
        # at its end; otherwise it centres the name and cuts it on both sides.
        view.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideRight)
        return view

    def _plot(self, name: str) -> pg.PlotWidget:
        plot = pg.PlotWidget()
        plot.setObjectName(name)
        palette = self.palette()
        plot.setBackground(palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        for axis in ("left", "bottom"):
            plot.getAxis(axis).setPen(text)
            plot.getAxis(axis).setTextPen(text)
        plot.showGrid(x=True, y=True, alpha=0.15)
        return plot

    def _build_scatter(self) -> None:
        self.scatter_host = QWidget()
        self.x_axis = QComboBox()
        self.x_axis.setObjectName("scatter_x_combo")
        self.y_axis = QComboBox()
        self.y_axis.setObjectName("scatter_y_combo")
        self.scatter_note = QLabel()
        for combo in (self.x_axis, self.y_axis):
            combo.setMinimumContentsLength(14)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        row = QHBoxLayout()
        row.addWidget(QLabel("Horizontal"))
        row.addWidget(self.x_axis)
        row.addSpacing(12)
        row.addWidget(QLabel("Vertical"))
        row.addWidget(self.y_axis)
        row.addStretch(1)
        self.scatter_plot = self._plot("scatter_plot")
        self.scatter_legend = self.scatter_plot.addLegend(offset=(-10, 10))
        layout = QVBoxLayout(self.scatter_host)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.scatter_plot, 1)
        layout.addWidget(self.scatter_note)
        self.x_axis.currentIndexChanged.connect(self._on_axis_changed)
        self.y_axis.currentIndexChanged.connect(self._on_axis_changed)

    def _build_matrix(self) -> None:
        self.matrix = pg.GraphicsLayoutWidget()
        self.matrix.setObjectName("scatter_matrix")
        self.matrix.setBackground(self.palette().color(QPalette.ColorRole.Base))
        self.matrix_plots: dict[tuple[int, int], pg.PlotItem] = {}

    def _build_images(self) -> None:
        self.images_host = QWidget()
        self.images_grid = QGridLayout(self.images_host)
        self.images_grid.setSpacing(4)
        # Spare room goes right and below, so the images stay together at the top left.
        self.images_grid.setColumnStretch(IMAGES_PER_CLASS + 1, 1)
        self.images_grid.setRowStretch(1000, 1)
        self.images_scroll = QScrollArea()
        self.images_scroll.setObjectName("image_grid")
        self.images_scroll.setWidgetResizable(True)
        self.images_scroll.setWidget(self.images_host)
        self.image_labels: list[QLabel] = []

    # -- showing
    def clear(self, text: str = "No data yet.") -> None:
        self.dataset = self.report = self.split = None
        self.title.setText(text)
        self.table_model.set_dataset(None)
        self.stats_model.set_dataset(None)
        self.set_warnings([])
        self._show_tabs(set())

    def show_message(self, text: str, buttons: list[QPushButton] = ()) -> None:
        """A problem in words (e.g. the data file moved), with buttons that fix it."""
        while self.message_buttons.count() > 1:
            item = self.message_buttons.takeAt(1)
            if item.widget() is not None:
                item.widget().deleteLater()
        for button in buttons:
            self.message_buttons.addWidget(button)
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def set_dataset(self, dataset, report=None, split=None, preprocessing: str | None = None,
                    name: str | None = None) -> None:
        """Show `dataset` (with the import `report`, the project's `split` and preprocessing
        for the checks)."""
        from nnstudio.data.checks import check_dataset

        self.dataset, self.report, self.split = dataset, report, split
        self.show_message("")
        self.title.setText(describe(dataset, name))
        missing = dict(report.missing) if report is not None else {}
        self.set_warnings(check_dataset(dataset, split, missing,
                                        report.rows_read if report is not None else None,
                                        preprocessing))
        tabular = dataset.x.ndim == 2
        shown = {"balance", "stats"}
        self.table_model.set_dataset(dataset if tabular else None)
        self.stats_model.set_dataset(dataset, missing)
        self.stats.resizeColumnsToContents()
        if tabular:
            shown |= {"table", "scatter"}
            self._fill_axes(dataset)
            self.update_scatter()
            if dataset.x.shape[1] >= 2:
                shown.add("matrix")
                self._draw_matrix(dataset)
        else:
            shown.add("images")
            self._draw_images(dataset)
        self._draw_balance(dataset)
        self._show_tabs(shown)

    def row_sample(self, row: int) -> tuple[str, int] | None:
        """(split, index within it) of the table's row `row`; None when the split is not
        known."""
        if self.split is None:
            return None
        for name, rows in (("train", self.split.train), ("validation", self.split.validation),
                           ("test", self.split.test)):
            index = int(np.searchsorted(rows, row))  # a Split's indices are sorted
            if index < len(rows) and rows[index] == row:
                return name, index
        return None

    @Slot(QModelIndex)
    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        sample = self.row_sample(index.row())
        if sample is not None:
            self.sample_picked.emit(*sample)

    def set_warnings(self, warnings: list) -> None:
        self.warnings = list(warnings)
        self.warning_list.clear()
        style = self.style()
        icons = {"warning": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
                 "info": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)}
        for warning in self.warnings:
            item = QListWidgetItem(icons.get(warning.severity, icons["info"]),
                                   f"{warning.message} {warning.hint}")
            item.setToolTip(warning.hint)
            item.setData(Qt.ItemDataRole.UserRole, warning.check)
            self.warning_list.addItem(item)
        self.warning_list.setVisible(bool(self.warnings))

    def _show_tabs(self, keys: set[str]) -> None:
        for key, index in self.tab_index.items():
            self.tabs.setTabVisible(index, key in keys)
        if keys and not self.tabs.isTabVisible(self.tabs.currentIndex()):
            first = min(self.tab_index[key] for key in keys)
            self.tabs.setCurrentIndex(first)

    def show_tab(self, key: str) -> None:
        self.tabs.setCurrentIndex(self.tab_index[key])

    # -- scatter
    def _fill_axes(self, dataset) -> None:
        names = list(dataset.feature_names)
        for combo, default in ((self.x_axis, 0), (self.y_axis, min(1, len(names) - 1))):
            with QSignalBlocker(combo):
                combo.clear()
                combo.addItems(names)
                combo.setCurrentIndex(default)

    def set_axes(self, x_feature: str, y_feature: str) -> None:
        """Choose the scatter's axes by feature name (what the two combo boxes do)."""
        self.x_axis.setCurrentText(x_feature)
        self.y_axis.setCurrentText(y_feature)

    @Slot()
    def _on_axis_changed(self) -> None:
        self.update_scatter()

    def update_scatter(self) -> None:
        data = self.dataset
        plot = self.scatter_plot
        for item in self._scatter_items:
            plot.removeItem(item)
        self._scatter_items = []
        self.scatter_legend.clear()
        if data is None or data.x.ndim != 2:
            return
        i, j = self.x_axis.currentIndex(), self.y_axis.currentIndex()
        if i < 0 or j < 0:
            return
        shown = _sample(data.n_samples, MAX_SCATTER_POINTS)
        x = np.ascontiguousarray(data.x[shown, i], dtype=np.float64)
        y = np.ascontiguousarray(data.x[shown, j], dtype=np.float64)
        if data.positions > 1:  # a class per position (a sum's digits): no one colour
            item = pg.ScatterPlotItem(x, y, size=6, pen=None, brush=pg.mkBrush(150, 150, 150))
            plot.addItem(item)
            self._scatter_items.append(item)
        elif data.is_classification:
            labels = data.y[shown]
            for k, name in enumerate(data.class_names):
                mask = labels == k
                item = pg.ScatterPlotItem(x[mask], y[mask], size=6, pen=None,
                                          brush=pg.mkBrush(class_color(k)), name=name)
                plot.addItem(item)
                self._scatter_items.append(item)
        else:
            values = np.asarray(data.y, dtype=np.float64).reshape(data.n_samples, -1)[shown, 0]
            span = float(values.max() - values.min()) or 1.0
            colors = pg.colormap.get("viridis").map((values - values.min()) / span,
                                                    mode="qcolor")
            item = pg.ScatterPlotItem(x, y, size=6, pen=None, brush=[pg.mkBrush(c) for c in colors])
            plot.addItem(item)
            self._scatter_items.append(item)
        names = data.feature_names
        plot.setLabel("bottom", names[i])
        plot.setLabel("left", names[j])
        plot.autoRange()
        sampled = f"{len(shown):,} of {data.n_samples:,} samples shown. " \
            if len(shown) < data.n_samples else ""
        colour = ("Grey: each sample has a class per position." if data.positions > 1
                  else "Colour: class." if data.is_classification
                  else "Colour: target (dark = low).")
        self.scatter_note.setText(sampled + colour)

    def scatter_items(self) -> list:
        """The scatter's point sets: one per class in label order (or one for a regression)."""
        return list(self._scatter_items)

    def scatter_points(self) -> int:
        """How many points the scatter draws (for tests and the note)."""
        return sum(len(item.data) for item in self._scatter_items)

    # -- scatter matrix
    def _draw_matrix(self, data) -> None:
        self.matrix.clear()
        self.matrix_plots = {}
        k = min(MATRIX_FEATURES, data.x.shape[1])
        shown = _sample(data.n_samples, MAX_MATRIX_POINTS)
        x = data.x[shown, :k].astype(np.float64)
        groups = ([(data.y[shown] == c, class_color(c)) for c in range(data.n_classes)]
                  if data.is_classification and data.positions == 1
                  else [(np.ones(len(shown), bool), class_color(0))])
        text = self.palette().color(QPalette.ColorRole.Text)
        for row in range(k):
            for column in range(k):
                plot = self.matrix.addPlot(row=row, col=column)
                self.matrix_plots[(row, column)] = plot
                for axis in ("left", "bottom"):
                    plot.getAxis(axis).setPen(text)
                    plot.getAxis(axis).setTextPen(text)
                    plot.getAxis(axis).setStyle(tickLength=-3)
                plot.showAxis("left", column == 0)
                plot.showAxis("bottom", row == k - 1)
                if column == 0:
                    plot.setLabel("left", _matrix_label(data.feature_names[row]))
                if row == k - 1:
                    plot.setLabel("bottom", _matrix_label(data.feature_names[column]))
                if row == column:
                    self._draw_histograms(plot, x[:, row], groups)
                else:
                    for mask, color in groups:
                        plot.addItem(pg.ScatterPlotItem(x[mask, column], x[mask, row], size=3,
                                                        pen=None, brush=pg.mkBrush(color)))

    @staticmethod
    def _draw_histograms(plot: pg.PlotItem, values: np.ndarray, groups) -> None:
        low, high = float(values.min()), float(values.max())
        edges = np.linspace(low, high if high > low else low + 1.0, 21)
        for mask, color in groups:
            counts, _ = np.histogram(values[mask], bins=edges)
            pen = pg.mkPen(color, width=1.5)
            plot.plot(edges, counts, stepMode="center", pen=pen)

    # -- images
    def _draw_images(self, data) -> None:
        for label in self.image_labels:
            self.images_grid.removeWidget(label)
            label.deleteLater()
        self.image_labels = []
        groups = range(data.n_classes) if data.is_classification else [None]
        for row, k in enumerate(groups):
            indices = (np.flatnonzero(data.y == k) if k is not None
                       else np.arange(data.n_samples))[:IMAGES_PER_CLASS]
            name = QLabel(data.class_names[k] if k is not None else "samples")
            name.setStyleSheet(f"color: {class_color(k or 0).name()}; font-weight: bold;")
            self.images_grid.addWidget(name, row, 0)
            self.image_labels.append(name)
            for column, index in enumerate(indices, start=1):
                label = QLabel()
                label.setPixmap(image_pixmap(data.x[index], IMAGE_SIZE))
                label.setToolTip(f"Sample {index + 1}")
                self.images_grid.addWidget(label, row, column)
                self.image_labels.append(label)

    def image_count(self) -> int:
        return sum(1 for label in self.image_labels if label.pixmap() is not None
                   and not label.pixmap().isNull())

    # -- class balance
    def _draw_balance(self, data) -> None:
        plot = self.balance_plot
        plot.clear()
        axis = plot.getAxis("bottom")
        if data.is_classification:
            counts = data.class_counts()[:MAX_BARS]
            positions = np.arange(len(counts))
            brushes = [pg.mkBrush(class_color(k)) for k in positions]
            plot.addItem(pg.BarGraphItem(x=positions, height=counts, width=0.7,
                                         brushes=brushes, pen=None))
            axis.setTicks([[(k, f"{data.class_names[k]}\n{counts[k]:,}")
                            for k in positions]])
            plot.setLabel("left", "samples")
            plot.setLabel("bottom", "class")
            self.balance_counts = counts
            self.tabs.setTabText(self.tab_index["balance"], "Classes")
        else:
            values = np.asarray(data.y, dtype=np.float64).reshape(data.n_samples, -1)[:, 0]
            counts, edges = np.histogram(values, bins=HISTOGRAM_BINS)
            plot.addItem(pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], height=counts,
                                         brush=pg.mkBrush(class_color(0)), pen=None))
            axis.setTicks(None)
            plot.setLabel("left", "samples")
            plot.setLabel("bottom", "target value")
            self.balance_counts = counts
            self.tabs.setTabText(self.tab_index["balance"], "Target")
        plot.autoRange()


def describe(dataset, name: str | None = None) -> str:
    """"iris: 150 samples · 4 inputs · multiclass, 3 classes"."""
    shape = dataset.input_shape
    inputs = (f"{shape[0]} input{'s' if shape[0] != 1 else ''}" if len(shape) == 1
              else "images " + "×".join(map(str, shape)))
    if dataset.is_classification and dataset.positions > 1:
        target = f"{dataset.positions} positions of {dataset.n_classes} classes each"
    elif dataset.is_classification:
        target = f"{dataset.task}, {dataset.n_classes} classes"
    else:
        target = "regression (a number to predict)"
    return f"{name or dataset.name}: {dataset.n_samples:,} samples · {inputs} · {target}"


def image_pixmap(sample: np.ndarray, size: int) -> QPixmap:
    """A (channels, height, width) sample in 0..1 as a grey or colour pixmap about `size`
    pixels wide, scaled by whole pixels so they stay sharp."""
    array = np.asarray(sample, dtype=np.float32)
    if array.ndim == 3:
        array = array[0] if array.shape[0] == 1 else np.moveaxis(array[:3], 0, -1)
    pixels = np.ascontiguousarray((np.clip(array, 0.0, 1.0) * 255).astype(np.uint8))
    height, width = pixels.shape[:2]
    if pixels.ndim == 2:
        image = QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8)
    else:
        image = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    scale = max(1, math.floor(size / max(width, height)))
    return QPixmap.fromImage(image.copy()).scaled(width * scale, height * scale)


# ---- the open project's data ---------------------------------------------------------------------

class DataViewController(QObject):
    """Keeps the Data View showing the open project's data, read in the background.

    A data file that moved or changed is reported in the panel, and a dialog offers to locate
    it (or to accept its new contents).
    """

    def __init__(self, document: Any, panel: DataViewPanel, window: QWidget | None = None):
        super().__init__(panel)
        from nnstudio.gui.dialogs.import_wizard import BackgroundImport

        self.document = document
        self.panel = panel
        self.window_ = window
        self.dataset = None
        self.report = None
        self._source_key: str | None = None  # the source the shown dataset came from
        self._loading_key: str | None = None
        self.runner = BackgroundImport(self)
        self.runner.succeeded.connect(self._on_runner_succeeded)
        self.runner.failed.connect(self._on_runner_failed)
        document.data_config_changed.connect(self.refresh)
        document.path_changed.connect(self.refresh)
        self.refresh()

    def _key(self, source: Any = None) -> str:
        import json

        source = source or self.document.project.data.source
        return json.dumps([source.to_dict(), str(self.document.path)], sort_keys=True,
                          default=str)

    @Slot()
    def refresh(self) -> None:
        """Read the project's data again if its source changed, else redo only the checks
        (the split or preprocessing may have changed)."""
        key = self._key()
        if key == self._source_key and self.dataset is not None:
            self._show()
            return
        if key == self._loading_key and self.runner.is_running():
            return
        project, path = self.document.project, self.document.path
        self._loading_key = key
        self.panel.title.setText("Reading the data…")
        self.panel.show_message("")
        self.runner.start(lambda progress, cancel, report: _read_project_data(
            project, path, progress, cancel, report))

    def adopt(self, dataset, report, source) -> None:
        """Take a dataset just imported for `source`, so pointing the project at it does not
        read the file again."""
        self.runner.stop_and_wait()
        self.dataset, self.report = dataset, report
        self._source_key, self._loading_key = self._key(source), None

    def stop(self) -> bool:
        self.runner.stop_and_wait()
        return True

    def _show(self) -> None:
        data = self.document.project.data
        name = Path(data.source.path).name if data.source.kind == "file" else None
        self.panel.set_dataset(self.dataset, self.report, self._split(), data.preprocessing,
                               name)

    def _split(self) -> Any:
        """The split of the shown rows as training makes it (a fixed one too: by the split
        column, or random in the main file beside separate files); None when it cannot be
        made, so no row is named as a sample it is not."""
        from nnstudio.core.errors import NNStudioError
        from nnstudio.data.fixed_split import main_file_split
        from nnstudio.data.split import split_indices

        data = self.document.project.data
        try:
            if data.split_kind == "random":
                return split_indices(self.dataset.y, self.dataset.task, data.validation,
                                     data.test, data.split_seed)
            if self.document.path is None:
                return None
            kept = self.report.kept_rows if self.report is not None else None
            return main_file_split(data, self.dataset, kept, self.document.path)
        except NNStudioError:
            return None

    @Slot(object, object)
    def _on_runner_succeeded(self, dataset, report) -> None:
        self.dataset, self.report = dataset, report
        self._source_key, self._loading_key = self._loading_key, None
        self._show()

    @Slot(str, object)
    def _on_runner_failed(self, message: str, error: object) -> None:
        from nnstudio.data.importers import DataFileChanged, DataFileMissing

        self._loading_key = None
        self.dataset = None
        self._source_key = None
        self.panel.clear("The data could not be read.")
        buttons = []
        if isinstance(error, DataFileMissing):
            locate = QPushButton("Locate…")
            locate.setObjectName("locate_button")
            locate.clicked.connect(self.locate)
            buttons.append(locate)
        elif isinstance(error, DataFileChanged):
            accept = QPushButton("Use the New Contents")
            accept.setObjectName("accept_changed_button")
            accept.clicked.connect(self.accept_changed)
            buttons.append(accept)
        self.panel.show_message(message, buttons)
        if isinstance(error, (DataFileMissing, DataFileChanged)):
            self._ask_about_file(message, isinstance(error, DataFileMissing))

    def _ask_about_file(self, message: str, missing: bool) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning,
                          "Data file not found" if missing else "Data file changed", message,
                          QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
                          self.window_ or self.panel)
        box.button(QMessageBox.StandardButton.Open).setText(
            "Locate…" if missing else "Use the New Contents")
        box.button(QMessageBox.StandardButton.Cancel).setText("Not Now")
        if box.exec() == QMessageBox.StandardButton.Open:
            self.locate() if missing else self.accept_changed()

    @Slot()
    def locate(self) -> bool:
        """Ask where the data file is now and point the project at it."""
        source = self.document.project.data.source
        found = self.ask_data_path(Path(source.path).name, source.format == "images")
        if not found:
            return False
        placed = place_in_project(self.window_ or self.panel, self.document, Path(found))
        if placed is None:
            return False
        self._set_source(placed)
        return True

    @Slot()
    def accept_changed(self) -> None:
        """Record the file's new checksum: its new contents become the project's data."""
        from nnstudio.core.project import resolve_project_path

        source = self.document.project.data.source
        self._set_source(resolve_project_path(self.document.path, source.path))

    def _set_source(self, file: Path) -> None:
        from nnstudio.core.project import project_relative_path
        from nnstudio.data.importers import data_checksum

        data = self.document.project.data
        source = dataclasses.replace(
            data.source, path=project_relative_path(self.document.path, file),
            sha256=data_checksum(file))
        self.document.set_data_config(dataclasses.replace(data, source=source))

    def ask_data_path(self, name: str, folder: bool) -> str:
        """The file dialog of Locate… (tests replace it)."""
        start = str(self.document.path.parent) if self.document.path else str(Path.home())
        if folder:
            return QFileDialog.getExistingDirectory(self.panel, f"Locate {name}", start)
        path, _ = QFileDialog.getOpenFileName(self.panel, f"Locate {name}", start,
                                              f"{name} (*{Path(name).suffix});;All files (*)")
        return path


def _read_project_data(project: Any, path: Path | None, progress, cancel, report):
    """The project's dataset; a file source is read with progress, Stop and an import report."""
    source = project.data.source
    if source.kind == "file" and path is not None:
        from nnstudio.data.importers import load_data_source

        return load_data_source(source, path, progress=progress, cancel=cancel, report=report)
    from nnstudio.data.source import load_dataset

    return load_dataset(project, path)


def place_in_project(parent: QWidget, document: Any, path: Path) -> Path | None:
    """`path`, or a copy of it in the project's folder when it lies outside (asked first).

    A project refers to its data by a path relative to itself, so it must be saved first.
    None when the person declines.
    """
    from nnstudio.core.errors import ProjectError
    from nnstudio.core.project import project_relative_path

    if document.path is None:
        box = QMessageBox(QMessageBox.Icon.Information, "Save the project first",
                          "A project remembers its data file relative to where the project is "
                          "saved. Save the project now?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
                          parent)
        save_as = getattr(parent, "save_as", None)
        if box.exec() != QMessageBox.StandardButton.Save or save_as is None or not save_as():
            return None
    try:
        project_relative_path(document.path, path)
        return path
    except ProjectError:
        pass
    folder = document.path.parent
    box = QMessageBox(QMessageBox.Icon.Question, "Copy the data into the project's folder?",
                      f"{path.name} is outside the project's folder {folder}. A project keeps "
                      f"its data beside it, so it can be moved and shared. Copy the data there?",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, parent)
    box.button(QMessageBox.StandardButton.Yes).setText("Copy")
    if box.exec() != QMessageBox.StandardButton.Yes:
        return None
    target = folder / path.name
    number = 2
    while target.exists():
        target = folder / f"{path.stem} ({number}){path.suffix}"
        number += 1
    if path.is_dir():
        shutil.copytree(path, target)
    else:
        shutil.copy2(path, target)
    return target


def offer_network_for(parent: QWidget, document: Any, dataset) -> bool:
    """When the network's input or output does not fit `dataset`, offer a first network for it
    (Input → Dense 16 ReLU → Dense 16 ReLU → output), as one undoable edit."""
    from nnstudio.core.commands import ReplaceNetworkCommand
    from nnstudio.data.cli_new import default_network

    network = document.network
    inputs = network.input_nodes()
    output = network.output_node()
    report = document.report
    fits_in = len(inputs) == 1 and tuple(inputs[0].params.get("shape", ())) == dataset.input_shape
    out_shape = report.nodes[output.id].shape if output is not None and output.id in \
        report.nodes else None
    fits_out = out_shape is not None and tuple(out_shape) == (dataset.output_size,)
    if fits_in and fits_out:
        return False
    box = QMessageBox(QMessageBox.Icon.Question, "Make a network for this data?",
                      f"The data has inputs of shape {dataset.input_shape} and needs "
                      f"{dataset.output_size} output{'s' if dataset.output_size != 1 else ''}, "
                      f"which the current network does not fit. Replace it with a first network "
                      f"for this data (Input → Dense 16 ReLU → Dense 16 ReLU → output)? "
                      f"Edit ▸ Undo brings the old one back.",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.button(QMessageBox.StandardButton.Yes).setText("Replace the Network")
    box.button(QMessageBox.StandardButton.No).setText("Keep Mine")
    if box.exec() != QMessageBox.StandardButton.Yes:
        return False
    return document.push(ReplaceNetworkCommand(default_network(dataset).nodes,
                                               "Network for the imported data"))


def import_data(window: Any, controller: DataViewController, path: str | Path | None = None,
                wizard: Any = None) -> bool:
    """File ▸ Import Data…: the wizard, then the project's data source points at the file."""
    from nnstudio.core.project import DataSource, project_relative_path
    from nnstudio.data.importers import data_checksum
    from nnstudio.gui.dialogs.import_wizard import ImportWizard
    from nnstudio.gui.dialogs.split_rows import apply_choice, with_early_stopping

    wizard = wizard or ImportWizard(path, parent=window)
    if wizard.exec() != QDialog.DialogCode.Accepted or wizard.dataset is None:
        return False
    document = window.document
    placed = place_in_project(window, document, wizard.data_path())
    if placed is None:
        return False
    checksum = wizard.checksum if placed == wizard.data_path() and wizard.checksum \
        else data_checksum(placed)
    source = DataSource(kind="file", path=project_relative_path(document.path, placed),
                        sha256=checksum, format=wizard.data_format(),
                        options=wizard.source_options())
    controller.adopt(wizard.dataset, wizard.report, source)
    data, split_note = apply_choice(window, document, wizard,
                                    dataclasses.replace(document.project.data, source=source),
                                    lambda file: place_in_project(window, document, file))
    document.set_data_config(data)
    training_note = with_early_stopping(document)
    window.statusBar().showMessage(f"Imported {wizard.dataset.n_samples:,} samples from "
                                   f"{placed.name}{split_note}{training_note}", 8000)
    offer_network_for(window, document, wizard.dataset)
    return True


def install_data_view(window: Any, panel: DataViewPanel, dock: Any) -> DataViewController:
    """Keep the docked Data View showing the project's data; add File ▸ Import Data…."""
    from PySide6.QtGui import QAction, QKeySequence

    controller = DataViewController(window.document, panel, window)
    action = QAction("Import &Data…", window)
    action.setObjectName("import_data_action")
    action.setShortcut(QKeySequence("Ctrl+Shift+I"))
    action.setStatusTip("Use your own data: a CSV, TSV or NumPy file, or a folder of images.")
    action.triggered.connect(lambda checked=False: import_data(window, controller))
    window.add_file_action(action)
    window.add_close_guard(controller.stop)
    controller.dock = dock
    controller.import_action = action
    return controller


def _matrix_label(name: str) -> str:
    """`name` short enough for one cell of the scatter matrix: cut with "…" when longer."""
    if len(name) <= MATRIX_LABEL_CHARS:
        return name
    return name[:MATRIX_LABEL_CHARS - 1].rstrip() + "…"
