"""Evaluation: how the network does on a split, class by class, and which samples it gets wrong.

- The confusion matrix as a heatmap with its numbers (counts, or each true class's shares when
  "Normalized" is on); a cell's colour is always its share of the row, so the diagonal shows
  each class's recall.
- Per-class precision, recall and F1 in a table, and the engine's overall scores above (with
  the AUC: for more than two classes each class against the rest, averaged).
- For two classes: the ROC curve with its AUC and a threshold slider. Class 1 is predicted when
  its probability is above the threshold; moving it moves the confusion matrix, the scores, the
  point on the curve and the list of mistakes at once, without running the network again.
- The misclassified samples of the chosen split: thumbnails for images, a table for features.
- A regression gets its scores, predicted against true values, and the largest errors.

Numbers come from `engine.inspection.evaluate_split` on the display copy of the network (the
engine's own `evaluate`, objective and metrics), so they equal the command line's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QFrame, QHBoxLayout, QLabel, QListWidget,
    QListWidgetItem, QScrollArea, QSizePolicy, QSlider, QSplitter, QStackedWidget, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from nnstudio.data.classes import ClassLegend, class_color
from nnstudio.gui.live_model import INITIAL, MISMATCH, LiveModel
from nnstudio.gui.panels.heatmap import NEGATIVE_COLOR, POSITIVE_COLOR, qimage, to_rgba
from nnstudio.gui.panels.throttle import ThrottledLivePanel

SPLITS = (("test", "Test set"), ("validation", "Validation set"), ("train", "Training set"))
SLIDER_STEPS = 1000  # the threshold slider moves in steps of 0.001
DEFAULT_THRESHOLD = 0.5
MAX_SHOWN = 100  # misclassified samples listed, at most
WORST_SHOWN = 20  # a regression's worst predictions listed
MAX_FEATURE_COLUMNS = 12
THUMBNAIL = 56  # pixels per side of an image sample's thumbnail
VALUE = Qt.ItemDataRole.UserRole  # the exact number behind a table cell
TABLE_COLUMNS = ("Class", "Precision", "Recall", "F1", "Samples")


def matrix_lut(size: int = 256) -> np.ndarray:
    """White to blue, for shares from 0 to 1."""
    t = np.linspace(0.0, 1.0, size)[:, None]
    white, blue = np.array([255.0, 255.0, 255.0]), np.array(QColor(POSITIVE_COLOR).getRgb()[:3])
    lut = np.empty((size, 4), dtype=np.uint8)
    lut[:, :3] = np.round(white + (blue - white) * t).astype(np.uint8)
    lut[:, 3] = 255
    return lut


MATRIX_LUT = matrix_lut()


def row_shares(confusion: np.ndarray) -> np.ndarray:
    """Each row of a confusion matrix divided by its sum (rows without samples stay 0)."""
    confusion = np.asarray(confusion, dtype=np.float64)
    totals = confusion.sum(axis=1, keepdims=True)
    return np.divide(confusion, totals, out=np.zeros_like(confusion), where=totals > 0)


def cell_text(count: int, share: float, normalized: bool) -> str:
    return f"{share * 100:.0f}%" if normalized else str(int(count))


class ConfusionView(pg.PlotWidget):
    """A confusion matrix as a heatmap with a number in each cell (true classes down the left,
    predicted classes along the bottom)."""

    def __init__(self, parent: QWidget | None = None):
        palette = parent.palette() if parent is not None else QPalette()
        super().__init__(parent, background=palette.color(QPalette.ColorRole.Base))
        self.setObjectName("confusion_view")
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        plot = self.getPlotItem()
        plot.hideButtons()
        plot.invertY(True)
        foreground = palette.color(QPalette.ColorRole.Text)
        for name in ("bottom", "left"):
            axis = plot.getAxis(name)
            axis.setPen(pg.mkPen(foreground))
            axis.setTextPen(pg.mkPen(foreground))
        plot.setLabel("bottom", "Predicted class")
        plot.setLabel("left", "True class")
        self.image = pg.ImageItem(axisOrder="row-major")
        plot.addItem(self.image)
        self.texts: list[list[pg.TextItem]] = []
        self.values: np.ndarray | None = None
        self.shares: np.ndarray | None = None
        self._names: tuple[str, ...] | None = None  # the classes the axes are labelled with

    def show_matrix(self, confusion: np.ndarray, names: tuple[str, ...], normalized: bool) -> None:
        k = len(confusion)
        shares = row_shares(confusion)
        self.values, self.shares = np.asarray(confusion), shares
        if len(self.texts) != k:
            self._make_cells(k)
        if self._names != names:  # another project's classes: new labels, even if as many
            self._names = names
            labels = [(c + 0.5, _short(names[c] if c < len(names) else str(c)))
                      for c in range(k)]
            plot = self.getPlotItem()
            plot.getAxis("bottom").setTicks([labels])
            plot.getAxis("left").setTicks([labels])
        rgba = to_rgba(shares, (0.0, 1.0), MATRIX_LUT)
        self.image.setImage(np.ascontiguousarray(rgba), autoLevels=False, levels=(0, 255),
                            lut=None)
        self.image.setRect(0, 0, k, k)
        for i in range(k):
            for j in range(k):
                item = self.texts[i][j]
                text = cell_text(confusion[i, j], shares[i, j], normalized)
                if item.textItem.toPlainText() != text:
                    item.setText(text)
                dark = shares[i, j] > 0.55
                if getattr(item, "dark", None) != dark:
                    item.setColor("#ffffff" if dark else "#202020")
                    item.dark = dark

    def _make_cells(self, k: int) -> None:
        plot = self.getPlotItem()
        for row in self.texts:
            for item in row:
                plot.removeItem(item)
        font_size = 11 if k <= 4 else 9 if k <= 10 else 7
        self.texts = []
        for i in range(k):
            row = []
            for j in range(k):
                item = pg.TextItem("", anchor=(0.5, 0.5))
                font = item.textItem.font()
                font.setPointSize(font_size)
                item.setFont(font)
                item.setPos(j + 0.5, i + 0.5)
                plot.addItem(item)
                row.append(item)
            self.texts.append(row)
        self._names = None
        plot.setRange(xRange=(0, k), yRange=(0, k), padding=0.02)

    def cell(self, row: int, column: int) -> str:
        """The number written in a cell."""
        return self.texts[row][column].textItem.toPlainText()


def _short(name: str, limit: int = 12) -> str:
    return name if len(name) <= limit else name[:limit - 1] + "…"


class EvaluationPanel(ThrottledLivePanel):
    """Confusion matrix, per-class scores, ROC curve with a threshold, and the mistakes."""

    sample_chosen = Signal(str, int)  # split, sample number: a listed sample was double-clicked

    def __init__(self, live: LiveModel, parent: QWidget | None = None):
        super().__init__(live, parent)
        self.setObjectName("evaluation_panel")
        self.result = None  # engine.inspection.Evaluated shown
        self.confusion: np.ndarray | None = None  # as shown (at the threshold)
        self.scores: dict[str, float] = {}  # overall, as shown
        self.class_scores = None
        self.misclassified: np.ndarray = np.zeros(0, dtype=np.int64)
        self._browser_for: tuple | None = None
        self._table_names: tuple[str, ...] = ()
        self._build()

    # ---- building ----
    def _build(self) -> None:
        self.split_combo = QComboBox()
        self.split_combo.setObjectName("evaluation_split_combo")
        for key, label in SPLITS:
            self.split_combo.addItem(label, key)
        self.split_combo.setToolTip("Which samples to measure the network on. The test set was "
                                    "never used in training: it tells how the network does on "
                                    "new data.")
        self.split_combo.currentIndexChanged.connect(self._on_split_changed)
        self.normalized_check = QCheckBox("Normalized")
        self.normalized_check.setObjectName("normalized_check")
        self.normalized_check.setToolTip("Show each true class's row as shares of its samples "
                                         "instead of counts.")
        self.normalized_check.toggled.connect(self._on_normalized_toggled)
        self.threshold_slider = QSlider(Qt.Orientation.Horizontal)
        self.threshold_slider.setObjectName("threshold_slider")
        self.threshold_slider.setRange(0, SLIDER_STEPS)
        self.threshold_slider.setValue(round(DEFAULT_THRESHOLD * SLIDER_STEPS))
        self.threshold_slider.setSingleStep(1)
        self.threshold_slider.setPageStep(50)  # Page Up/Down: 0.05
        self.threshold_slider.setMinimumWidth(80)
        self.threshold_slider.setToolTip(
            "The network predicts class 1 when its probability is above this threshold. Lower "
            "it to catch more of class 1 (recall up, precision usually down); raise it to be "
            "surer of each class 1 it predicts.")
        self.threshold_slider.valueChanged.connect(self._on_threshold_changed)
        self.threshold_label = QLabel()
        self.threshold_label.setObjectName("threshold_label")
        self.threshold_box = QWidget()
        threshold_row = QHBoxLayout(self.threshold_box)
        threshold_row.setContentsMargins(0, 0, 0, 0)
        threshold_row.addWidget(QLabel("Threshold:"))
        threshold_row.addWidget(self.threshold_slider, 1)
        threshold_row.addWidget(self.threshold_label)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Split:"))
        controls.addWidget(self.split_combo)
        controls.addWidget(self.normalized_check)
        controls.addWidget(self.threshold_box, 10)
        controls.addStretch(1)
        self.summary = QLabel()
        self.summary.setObjectName("evaluation_summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)

        self.matrix = ConfusionView(self)
        self.matrix.setMinimumSize(140, 110)
        self.table = QTableWidget(0, len(TABLE_COLUMNS))
        self.table.setObjectName("class_scores_table")
        self.table.setHorizontalHeaderLabels(list(TABLE_COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setMinimumSize(150, 80)
        self.roc_plot = self._make_roc_plot()
        self.scatter_plot = self._make_scatter_plot()
        self.top = QSplitter(Qt.Orientation.Horizontal)
        for widget in (self.matrix, self.scatter_plot, self.table, self.roc_plot):
            self.top.addWidget(widget)
        self.top.setChildrenCollapsible(False)
        self.scatter_plot.setVisible(False)  # shown for a regression
        self.roc_plot.setVisible(False)  # shown for two classes
        self.top.setSizes([340, 340, 300, 360])

        self.browser_label = QLabel()
        self.browser_label.setObjectName("misclassified_label")
        follow = ("Double-click a sample to follow it through the network in the Forward Pass "
                  "view (and the Feature Maps view for images).")
        self.thumbnails = QListWidget()
        self.thumbnails.setObjectName("misclassified_thumbnails")
        self.thumbnails.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbnails.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.thumbnails.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.thumbnails.setMovement(QListWidget.Movement.Static)
        self.thumbnails.setSpacing(4)
        self.thumbnails.setGridSize(QSize(THUMBNAIL + 46, THUMBNAIL + 34))
        self.thumbnails.itemDoubleClicked.connect(self._on_thumbnail_double_clicked)
        self.thumbnails.setToolTip(follow)
        self.sample_table = QTableWidget(0, 0)
        self.sample_table.cellDoubleClicked.connect(self._on_sample_double_clicked)
        self.sample_table.setToolTip(follow)
        self.sample_table.setObjectName("misclassified_table")
        self.sample_table.verticalHeader().setVisible(False)
        self.sample_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.sample_table.setAlternatingRowColors(True)
        self.browser_stack = QStackedWidget()
        self.browser_stack.addWidget(self.sample_table)
        self.browser_stack.addWidget(self.thumbnails)
        browser = QWidget()
        browser_layout = QVBoxLayout(browser)
        browser_layout.setContentsMargins(0, 0, 0, 0)
        browser_layout.addWidget(self.browser_label)
        browser_layout.addWidget(self.browser_stack, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.top)
        self.splitter.addWidget(browser)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        self.note = QLabel()
        self.note.setObjectName("evaluation_note")
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.splitter)
        self.stack.addWidget(self.note)
        # The views scroll in a narrow dock rather than widening the whole window. (Labels
        # that wrap stay outside: they would make the scroll area take the views' full height.)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.stack)
        self.controls = QWidget()
        self.controls.setLayout(controls)
        controls.setContentsMargins(0, 0, 0, 0)
        self.controls.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.controls)
        layout.addWidget(self.summary)
        layout.addWidget(scroll, 1)
        self._update_threshold_label()

    def _styled_plot(self, name: str) -> pg.PlotWidget:
        palette = self.palette()
        plot = pg.PlotWidget(background=palette.color(QPalette.ColorRole.Base))
        plot.setObjectName(name)
        plot.setMenuEnabled(False)
        plot.getPlotItem().hideButtons()
        foreground = palette.color(QPalette.ColorRole.Text)
        for axis_name in ("bottom", "left"):
            axis = plot.getPlotItem().getAxis(axis_name)
            axis.setPen(pg.mkPen(foreground))
            axis.setTextPen(pg.mkPen(foreground))
        plot.getPlotItem().titleLabel.setAttr("color", foreground)
        plot.setMinimumSize(140, 110)
        return plot

    def _make_roc_plot(self) -> pg.PlotWidget:
        plot = self._styled_plot("roc_plot")
        item = plot.getPlotItem()
        item.setLabel("bottom", "False-positive rate")
        item.setLabel("left", "True-positive rate")
        # The y label stands on its side, and pyqtgraph cuts it to the axis' height: the plot
        # is never shorter than the label is long (plus the x axis below it).
        label_length = item.getAxis("left").label.boundingRect().width()
        plot.setMinimumHeight(int(label_length + item.getAxis("bottom").height() + 24))
        item.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.03)
        item.setMouseEnabled(False, False)
        foreground = self.palette().color(QPalette.ColorRole.Text)
        item.addItem(pg.PlotDataItem([0, 1], [0, 1], pen=pg.mkPen(
            foreground, width=1, style=Qt.PenStyle.DashLine)))
        self.roc_curve = pg.PlotDataItem(pen=pg.mkPen(POSITIVE_COLOR, width=2))
        self.roc_point = pg.ScatterPlotItem(size=11, brush=pg.mkBrush(NEGATIVE_COLOR),
                                            pen=pg.mkPen("w", width=1.5))
        item.addItem(self.roc_curve)
        item.addItem(self.roc_point)
        # Inside the plot rather than a title: a short dock keeps its height for the curve.
        self.auc_text = pg.TextItem("", color=foreground, anchor=(1, 1))
        self.auc_text.setPos(0.98, 0.04)
        item.addItem(self.auc_text, ignoreBounds=True)
        return plot

    def _make_scatter_plot(self) -> pg.PlotWidget:
        plot = self._styled_plot("prediction_plot")
        item = plot.getPlotItem()
        item.setLabel("bottom", "True value")
        item.setLabel("left", "Predicted value")
        foreground = self.palette().color(QPalette.ColorRole.Text)
        self.identity_line = pg.PlotDataItem(pen=pg.mkPen(foreground, width=1,
                                                          style=Qt.PenStyle.DashLine))
        self.prediction_points = pg.ScatterPlotItem(size=6, brush=pg.mkBrush(POSITIVE_COLOR),
                                                    pen=pg.mkPen(None))
        item.addItem(self.identity_line)
        item.addItem(self.prediction_points)
        return plot

    # ---- state ----
    @property
    def threshold(self) -> float:
        return self.threshold_slider.value() / SLIDER_STEPS

    def set_threshold(self, value: float) -> None:
        """Move the slider to `value` (0 to 1), as a user dragging it would."""
        self.threshold_slider.setValue(round(value * SLIDER_STEPS))

    def choose_split(self, split: str) -> None:
        self.split_combo.setCurrentIndex(self.split_combo.findData(split))

    def _part(self):
        prepared = self.live.prepared
        if prepared is None or not self.live.data_fits:
            return None
        return getattr(prepared, self.split_combo.currentData())

    # ---- refresh ----
    def update_view(self) -> None:
        live = self.live
        if live.display is None:
            self._show_note(live.error or "Nothing to evaluate yet.")
            return
        if len(live.display.node_ids) < 2:
            self._show_note("The network has no layers after its input yet: add some from the "
                            "palette, train, and see here how well it does.")
            return
        part = self._part()
        if part is None:
            self._show_note(live.data_error or "The data's samples do not fit the network's "
                            "input layer, so there is nothing to evaluate.")
            return
        if part.n_samples == 0:
            self._show_note(f"The {self.split_combo.currentText().lower()} has no samples: "
                            "choose another split, or give it a share in the Data panel.")
            return
        from nnstudio.core.errors import NNStudioError
        from nnstudio.engine.inspection import evaluate_split

        loss = getattr(getattr(live.document.project, "training", None), "loss", "auto")
        try:
            self.result = evaluate_split(live.display.model, part,
                                         self.split_combo.currentData(), loss)
        except NNStudioError as error:
            self._show_note(str(error))
            return
        self.stack.setCurrentIndex(0)
        self._show_result()

    def _show_result(self) -> None:
        result = self.result
        classification = result.is_classification
        self.normalized_check.setVisible(classification)
        self.threshold_box.setVisible(result.is_binary)
        for widget in (self.matrix, self.table):
            widget.setVisible(classification)
        self.scatter_plot.setVisible(not classification)
        self.roc_plot.setVisible(result.is_binary)
        if classification:
            self._show_classification()
        else:
            self._show_regression()

    def _show_classification(self) -> None:
        result = self.result
        threshold = self.threshold if result.is_binary else None
        self.confusion = result.confusion_at(threshold)
        self.scores = result.scores_at(threshold)
        self.class_scores = result.class_scores(threshold)
        names = self._class_names(len(self.confusion))
        self.matrix.show_matrix(self.confusion, names, self.normalized_check.isChecked())
        self._fill_table(names)
        if result.is_binary:
            self._show_roc()
        _set_text(self.summary, self._summary_text())
        self.misclassified = result.misclassified(threshold)
        self._fill_browser()

    def _class_names(self, k: int) -> tuple[str, ...]:
        return ClassLegend.of(self.result.dataset).fit(k).names

    def _summary_text(self) -> str:
        result, scores = self.result, self.scores
        parts = [f"Accuracy <b>{scores['accuracy']:.3f}</b>"]
        if result.is_binary:
            positive = self._class_names(2)[1]
            parts += [f"precision {scores['precision']:.3f}", f"recall {scores['recall']:.3f}",
                      f"F1 {scores['f1']:.3f} (of class “{positive}”)"]
        else:
            parts += [f"precision {scores['precision']:.3f}", f"recall {scores['recall']:.3f}",
                      f"F1 {scores['f1']:.3f} (averaged over the classes)"]
        if result.auc is not None and np.isfinite(result.auc):
            label = "AUC" if result.is_binary else "AUC (one vs rest)"
            parts.append(f"{label} <b>{result.auc:.3f}</b>")
        loss = result.metrics.get("loss")
        if loss is not None and np.isfinite(loss):
            parts.append(f"loss {loss:.4g}")
        text = " · ".join(parts) + f" — {result.dataset.n_samples} samples"
        return text + self._weights_note()

    def _weights_note(self) -> str:
        state = self.live.weights_state
        if state == INITIAL:
            return "<br><i>These are the initial, untrained weights: train to see them improve.</i>"
        if state == MISMATCH:
            return ("<br><i>The saved weights do not fit this network: showing initial "
                    "weights.</i>")
        return ""

    def _fill_table(self, names: tuple[str, ...]) -> None:
        scores = self.class_scores
        k = len(names)
        table = self.table
        if table.rowCount() != k or self._table_names != names:
            # New items only when the classes change; a refresh only sets texts.
            table.setRowCount(k)
            for c in range(k):
                name = QTableWidgetItem(names[c])
                name.setData(Qt.ItemDataRole.DecorationRole, QColor(class_color(c)))
                table.setItem(c, 0, name)
                for column in range(1, len(TABLE_COLUMNS)):
                    table.setItem(c, column, _number_item("", 0))
            self._table_names = names
            resize = True
        else:
            resize = False
        for c in range(k):
            values = (float(scores.precision[c]), float(scores.recall[c]), float(scores.f1[c]))
            for column, value in enumerate(values, start=1):
                _set_number(table.item(c, column), f"{value:.3f}", value)
            support = int(scores.support[c])
            _set_number(table.item(c, 4), str(support), support)
        if resize:
            table.resizeColumnsToContents()
            # Never narrower than its columns: the splitter beside it then takes room from
            # the matrix and the ROC plot rather than cutting the scores off.
            table.setMinimumWidth(table.horizontalHeader().length() + 2 * table.frameWidth()
                                  + table.verticalScrollBar().sizeHint().width())

    def _show_roc(self) -> None:
        result = self.result
        roc = result.roc
        if roc is None or len(roc[0]) == 0:
            self.roc_curve.setData([], [])
            self.auc_text.setText("ROC curve: needs samples of both classes")
        else:
            self.roc_curve.setData(roc[0], roc[1])
            self.auc_text.setText(f"ROC curve · AUC {result.auc:.3f}")
        confusion = self.confusion
        negatives, positives = confusion[0].sum(), confusion[1].sum()
        fpr = confusion[0, 1] / negatives if negatives else 0.0
        tpr = confusion[1, 1] / positives if positives else 0.0
        self.roc_point.setData([fpr], [tpr])

    def _show_regression(self) -> None:
        result = self.result
        self.confusion, self.class_scores, self.scores = None, None, dict(result.metrics)
        y = np.asarray(result.dataset.y, dtype=np.float64).reshape(len(result.outputs), -1)
        predicted = result.outputs.reshape(len(y), -1)
        self.prediction_points.setData(y[:, 0], predicted[:, 0])
        low = float(min(y[:, 0].min(), predicted[:, 0].min()))
        high = float(max(y[:, 0].max(), predicted[:, 0].max()))
        self.identity_line.setData([low, high], [low, high])
        metrics = result.metrics
        self.summary.setText(
            f"R² <b>{metrics['r2']:.3f}</b> · MSE {metrics['mse']:.4g} · MAE "
            f"{metrics['mae']:.4g} — {result.dataset.n_samples} samples"
            + self._weights_note())
        self.misclassified = result.largest_errors(min(WORST_SHOWN, len(y)))
        self._fill_browser()

    # ---- the browser of mistakes ----
    def _fill_browser(self) -> None:
        result = self.result
        shown = self.misclassified[:MAX_SHOWN]
        n = result.dataset.n_samples
        split = self.split_combo.currentText().lower()
        if not result.is_classification:
            text = (f"The samples of the {split} predicted worst, the worst first "
                    f"({len(shown)} of {n} listed):")
        elif len(self.misclassified) == 0:
            text = f"No sample of the {split} ({n}) is misclassified."
        else:
            more = (f" (the first {MAX_SHOWN} listed)"
                    if len(self.misclassified) > MAX_SHOWN else "")
            text = f"{len(self.misclassified)} of {n} samples of the {split} misclassified{more}:"
        _set_text(self.browser_label, text)
        images = len(result.dataset.input_shape) == 3
        # Rows (and thumbnails) are made only when the list of samples changes; a refresh with
        # new weights only rewrites the texts that changed.
        key = (id(result.dataset), tuple(shown.tolist()), images, result.is_classification)
        if key != self._browser_for:
            self._browser_for = key
            self.browser_stack.setCurrentWidget(self.thumbnails if images else self.sample_table)
            if images:
                self._make_thumbnails(shown)
            else:
                self._make_sample_rows(shown)
        if images:
            self._label_thumbnails(shown)
        else:
            self._fill_sample_cells(shown)

    def _predicted_of(self, index: int) -> tuple[Any, float]:
        """The class shown as predicted for sample `index`, and its probability. With a class
        per position: every position's class, and the probability of them all together (the
        product: the network draws each position on its own)."""
        result = self.result
        if result.predicted.ndim == 2:
            predicted = result.predicted[index]
            chosen = result.probabilities[index, np.arange(len(predicted)), predicted]
            return predicted, float(np.prod(chosen))
        if result.is_binary:
            predicted = int(result.positive_scores()[index] > self.threshold)
        else:
            predicted = int(result.predicted[index])
        return predicted, float(result.probabilities[index, predicted])

    def _make_thumbnails(self, shown: np.ndarray) -> None:
        self.thumbnails.clear()
        x = self.result.dataset.x
        for index in shown.tolist():
            image = x[index][0] if x.shape[1] == 1 else x[index].mean(axis=0)
            item = QListWidgetItem(QIcon(QPixmap.fromImage(_thumbnail(image))), "")
            item.setData(VALUE, index)
            self.thumbnails.addItem(item)

    def _label_thumbnails(self, shown: np.ndarray) -> None:
        result = self.result
        names = self._class_names(result.probabilities.shape[-1]) if \
            result.is_classification else ()
        for row, index in enumerate(shown.tolist()):
            if result.is_classification:
                predicted, probability = self._predicted_of(index)
                true, guess = (_class_text(names, label)
                               for label in (result.targets[index], predicted))
                text = f"#{index}: {true} → {guess}\n{probability:.0%} sure"
            else:
                text = f"#{index}"
            item = self.thumbnails.item(row)
            if item.text() != text:
                item.setText(text)
                item.setToolTip(text.replace("\n", ", ") + " (double-click to follow it)")

    def _make_sample_rows(self, shown: np.ndarray) -> None:
        result = self.result
        dataset = result.dataset
        features = list(dataset.feature_names)[:MAX_FEATURE_COLUMNS]
        if result.is_classification:
            head = ["Sample", "True class", "Predicted", "P(predicted)"]
        else:
            head = ["Sample", "True value", "Predicted", "Error"]
        table = self.sample_table
        table.setColumnCount(len(head) + len(features))
        table.setHorizontalHeaderLabels(head + features)
        table.setRowCount(len(shown))
        names = self._class_names(result.probabilities.shape[-1]) if \
            result.is_classification else ()
        x = dataset.x.reshape(dataset.n_samples, -1)
        raw = self.live.raw_inputs(x[shown])[:, :len(features)]  # what the data file says
        scaled = self.live.inputs_scaled
        for row, index in enumerate(shown.tolist()):
            table.setItem(row, 0, _number_item(str(index), index))
            if result.is_classification:
                true = _class_text(names, result.targets[index])
            else:
                true = f"{float(np.asarray(dataset.y[index]).reshape(-1)[0]):.4g}"
            table.setItem(row, 1, QTableWidgetItem(true))
            for column in (2, 3):
                table.setItem(row, column, QTableWidgetItem(""))
            for column, value in enumerate(raw[row], start=len(head)):
                item = _number_item(f"{value:.4g}", float(value))
                if scaled:
                    item.setToolTip(f"{value:.6g} in the data; the network sees "
                                    f"{x[index, column - len(head)]:.4g} (scaled)")
                table.setItem(row, column, item)
        self._fill_sample_cells(shown)
        table.resizeColumnsToContents()

    def _fill_sample_cells(self, shown: np.ndarray) -> None:
        """The columns that change with the weights: the prediction and how sure or how far."""
        result = self.result
        table = self.sample_table
        names = self._class_names(result.probabilities.shape[-1]) if \
            result.is_classification else ()
        for row, index in enumerate(shown.tolist()):
            if result.is_classification:
                predicted, probability = self._predicted_of(index)
                cells = (_class_text(names, predicted), f"{probability:.3f}")
            else:
                true = float(np.asarray(result.dataset.y[index]).reshape(-1)[0])
                guess = float(result.outputs[index].reshape(-1)[0])
                cells = (f"{guess:.4g}", f"{guess - true:+.4g}")
            for column, text in enumerate(cells, start=2):
                item = table.item(row, column)
                if item.text() != text:
                    item.setText(text)

    def shown_samples(self) -> list[int]:
        """The sample numbers the browser lists, in order."""
        if self.browser_stack.currentWidget() is self.thumbnails:
            return [self.thumbnails.item(i).data(VALUE) for i in range(self.thumbnails.count())]
        return [self.sample_table.item(r, 0).data(VALUE)
                for r in range(self.sample_table.rowCount())]

    # ---- notes and slots ----
    def _show_note(self, text: str) -> None:
        self.result = None
        self.confusion = None
        self.summary.setText("")
        self.threshold_box.setVisible(False)
        self.note.setText(text)
        self.stack.setCurrentIndex(1)

    def _update_threshold_label(self) -> None:
        self.threshold_label.setText(f"{self.threshold:.3f}")

    @Slot(QListWidgetItem)
    def _on_thumbnail_double_clicked(self, item: QListWidgetItem) -> None:
        self.sample_chosen.emit(self.split_combo.currentData(), int(item.data(VALUE)))

    @Slot(int, int)
    def _on_sample_double_clicked(self, row: int, column: int) -> None:
        item = self.sample_table.item(row, 0)
        if item is not None:
            self.sample_chosen.emit(self.split_combo.currentData(), int(item.data(VALUE)))

    @Slot()
    def _on_split_changed(self) -> None:
        if self.isVisible():
            self.redraw()
        else:
            self.stale = True

    @Slot(int)
    def _on_threshold_changed(self, value: int) -> None:
        self._update_threshold_label()
        if self.result is not None and self.result.is_binary:
            self._show_classification()

    @Slot(bool)
    def _on_normalized_toggled(self, checked: bool) -> None:
        if self.result is not None and self.result.is_classification:
            names = self._class_names(len(self.confusion))
            self.matrix.show_matrix(self.confusion, names, checked)

    # ---- for checks ----
    def class_color_of_row(self, row: int) -> str:
        """The colour swatch beside the class name in row `row` of the per-class table."""
        return self.table.item(row, 0).data(Qt.ItemDataRole.DecorationRole).name()

    def table_values(self) -> dict[str, np.ndarray]:
        """The per-class table's numbers by column name."""
        rows = self.table.rowCount()
        return {name: np.array([self.table.item(r, c).data(VALUE) for r in range(rows)])
                for c, name in enumerate(TABLE_COLUMNS) if c > 0}


def _set_text(label: QLabel, text: str) -> None:
    if label.text() != text:  # a label lays its text out again on every setText
        label.setText(text)


def _set_number(item: QTableWidgetItem, text: str, value) -> None:
    if item.text() != text:
        item.setText(text)
    item.setData(VALUE, value)


def _number_item(text: str, value) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setData(VALUE, value)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _thumbnail(image: np.ndarray):
    """A grey thumbnail (dark ink on white) of one image channel, scaled up without blur."""
    from nnstudio.gui.panels.feature_maps_panel import GREY_LUT

    finite = image[np.isfinite(image)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    rgba = to_rgba(image, (low, high if high > low else low + 1.0), GREY_LUT)
    return qimage(rgba).scaled(THUMBNAIL, THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.FastTransformation)


def _class_text(names: tuple[str, ...], label: Any) -> str:
    """A class's name; for a class per position (a sum's digits) the names run together."""
    label = np.asarray(label)
    return "".join(names[int(v)] for v in label) if label.ndim else names[int(label)]
