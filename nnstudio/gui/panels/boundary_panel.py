"""The decision boundary: the network's output over the input plane, behind the data.

For a classifier, the colour says which class the network picks at each point of the plane and
how sure it is (in each class's own colour, from the data's class legend); for a regression, the output
surface. The training points are drawn on top, coloured by their true class (or value), the
test points optionally with a dark outline. "Discretize" shows only the decision, not the
confidence. With more than two input features the plane is two chosen features (the others at
their training median) or the first two principal components; image inputs have no plane, and
the panel says so. When the project computes the network's inputs from its columns
(data.transforms), the plane lies in the columns: each point's inputs are computed from it, so
the circle with x1², x2² is drawn over x1 and x2, as a circle.

The picture covers the data (plus a margin) and nothing more: its drawing area takes the plane's
shape (the same scale across and up when the two ranges are alike, else a square), as large as
the panel allows. While the pointer is over a neuron in the network view (`LiveModel.hovered`),
the picture shows that neuron's output instead, until the pointer leaves it. A colour bar under
the picture gives the values at its ends.

The image is a pyqtgraph ImageItem fed float32 arrays with fixed levels (or class colours as
RGBA), made once and updated with `setImage`.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSignalBlocker, Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget,
)

from nnstudio.data.classes import class_color
from nnstudio.gui.live_model import LivePanel, LiveModel
from nnstudio.gui.panels.heatmap import (
    BACKGROUND_LUT, ColorLegendBar, class_rgba, levels_for, to_rgba,
)
from nnstudio.gui.panels.raw_axis import RawUnitsAxis

RESOLUTION = 100  # grid points per side: ~2 ms for a 2-8-8-1 network here
REGRESSION_STEPS = 8  # bands of a discretized output surface
SAME_SCALE = 3.0  # axes whose ranges differ less than this share one scale
PCA_ITEM = "Principal components"
FEATURES_ITEM = "Two features"
SCALED_AS = {"standardize": "standardized", "minmax": "scaled to 0…1"}
UNCOLOURED_POINT = "#555555"  # a sample with no one class to colour it by
MAX_CORRECTIONS = 3  # layout passes an AspectBox makes after a resize to settle the axes


class AspectBox(QWidget):
    """Holds a plot and gives its drawing area (the ViewBox, without the axes) the aspect ratio
    asked for, as large as fits and centred; with no ratio the plot fills the box."""

    def __init__(self, plot: pg.PlotWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.plot = plot
        plot.setParent(self)
        self.aspect: float | None = None
        self.setMinimumSize(120, 120)
        self._corrections = 0
        self._view = plot.getPlotItem().getViewBox()
        self._view.sigResized.connect(self._on_view_resized)

    def set_aspect(self, aspect: float | None) -> None:
        """Width over height of the drawing area; None: fill the box."""
        if aspect != self.aspect:
            self.aspect = aspect
            self._corrections = 0
            self.place()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._corrections = 0
        self.place()

    def place(self) -> None:
        width, height = self.width(), self.height()
        view = self._view.size()
        if not self.aspect or view.width() <= 1 or view.height() <= 1:
            self.plot.setGeometry(0, 0, width, height)  # laid out once: then the axes' size
            return
        # What the axes and title take stays about the same: the rest is the drawing area.
        extra_w = max(self.plot.width() - view.width(), 0.0)
        extra_h = max(self.plot.height() - view.height(), 0.0)
        free_w, free_h = max(width - extra_w, 1.0), max(height - extra_h, 1.0)
        if free_w / free_h > self.aspect:
            free_w = free_h * self.aspect
        else:
            free_h = free_w / self.aspect
        plot_w, plot_h = round(free_w + extra_w), round(free_h + extra_h)
        self.plot.setGeometry((width - plot_w) // 2, (height - plot_h) // 2, plot_w, plot_h)

    def view_aspect(self) -> float:
        view = self._view.size()
        return view.width() / max(view.height(), 1.0)

    @Slot()
    def _on_view_resized(self) -> None:
        # The axes took another size than last time (other tick labels): place again.
        if self.aspect and self._corrections < MAX_CORRECTIONS:
            view = self._view.size()
            if abs(view.width() - view.height() * self.aspect) > 1.5:
                self._corrections += 1
                QTimer.singleShot(0, self, self.place)


class BoundaryPanel(LivePanel):
    """The network's output over the input plane, with the training (and test) points."""

    def __init__(self, live: LiveModel, parent: QWidget | None = None):
        super().__init__(live, parent)
        self.setObjectName("boundary_panel")
        self.values: np.ndarray | None = None  # float32 (k, res, res): the output over the grid
        self.levels: tuple[float, float] | None = None
        self.mode = "none"  # "scalar", "classes", or "none" (no plane)
        self._points_for: tuple | None = None
        self._controls_for: tuple | None = None
        self._placed_for = None  # the plane the image's rect was set for
        self._lut: np.ndarray | None = BACKGROUND_LUT
        self.shown_neuron: tuple[str, int] | None = None  # the hovered neuron drawn, if any
        self.equal_units = False  # one unit across as long as one up (in the data's units)
        self._build()
        live.hovered_changed.connect(self._on_live_hovered_changed)

    # ---- building ----
    def _build(self) -> None:
        self.plane_combo = QComboBox()
        self.plane_combo.setObjectName("plane_combo")
        self.plane_combo.addItems([PCA_ITEM, FEATURES_ITEM])
        self.plane_combo.setToolTip(
            "The network has more than two inputs: draw its output over two chosen features "
            "(the others held at their median) or over the first two principal components.")
        self.x_combo, self.y_combo = QComboBox(), QComboBox()
        self.x_combo.setObjectName("x_feature_combo")
        self.y_combo.setObjectName("y_feature_combo")
        self.x_combo.setToolTip("The feature across.")
        self.y_combo.setToolTip("The feature up.")
        self.test_check = QCheckBox("Test points")
        self.test_check.setObjectName("show_test_check")
        self.test_check.setToolTip("Also draw the test samples (dark outline): the network "
                                   "never trained on them.")
        self.discrete_check = QCheckBox("Discretize")
        self.discrete_check.setObjectName("discretize_check")
        self.discrete_check.setToolTip("Show only the decision, not how sure the network is.")
        for combo in (self.plane_combo, self.x_combo, self.y_combo):
            combo.activated.connect(self._on_plane_controls_activated)
        self.test_check.toggled.connect(self._on_test_check_toggled)
        self.discrete_check.toggled.connect(self._on_discrete_check_toggled)

        self.plane_controls = QWidget()
        plane_row = QHBoxLayout(self.plane_controls)
        plane_row.setContentsMargins(0, 0, 0, 0)
        plane_row.addWidget(QLabel("Plane:"))
        plane_row.addWidget(self.plane_combo)
        self.x_label, self.y_label = QLabel("across"), QLabel("up")
        for label, combo in ((self.x_label, self.x_combo), (self.y_label, self.y_combo)):
            plane_row.addWidget(label)
            plane_row.addWidget(combo)
        controls = QHBoxLayout()
        controls.addWidget(self.plane_controls)
        controls.addStretch(1)
        controls.addWidget(self.test_check)
        controls.addWidget(self.discrete_check)

        # Drawn where the network works (scaled inputs), ticked in the data's own units.
        self.axes = {"bottom": RawUnitsAxis("bottom"), "left": RawUnitsAxis("left")}
        self.plot = pg.PlotWidget(background=self.palette().color(self.backgroundRole()),
                                  axisItems=self.axes)
        self.plot.setObjectName("boundary_plot")
        self.plot.setMenuEnabled(False)
        self.plot.getPlotItem().hideButtons()
        self.plot.getPlotItem().setMouseEnabled(False, False)  # the data's range, always
        self.plot_box = AspectBox(self.plot)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(BACKGROUND_LUT)
        self.plot.addItem(self.image)
        self.train_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen("w", width=1.0))
        self.test_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen("#202020", width=1.4),
                                              symbol="s")
        self.test_points.setVisible(False)
        self.plot.addItem(self.train_points)
        self.plot.addItem(self.test_points)
        for item, split in ((self.train_points, "train"), (self.test_points, "test")):
            # A clicked point is the live model's selected sample (Backprop steps through it).
            item.sigClicked.connect(lambda _, points, __, split=split: self.live.select_sample(
                split, int(points[0].index())) if len(points) else None)
        self.legend = ColorLegendBar()
        self.caption = QLabel("Getting the network ready…")
        self.caption.setObjectName("boundary_caption")
        self.caption.setWordWrap(True)
        plot_page = QWidget()
        plot_layout = QVBoxLayout(plot_page)
        plot_layout.setContentsMargins(0, 0, 0, 0)
        plot_layout.addWidget(self.plot_box, 1)
        plot_layout.addWidget(self.legend)
        plot_layout.addWidget(self.caption)
        self.note = QLabel()
        self.note.setObjectName("boundary_note")
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(plot_page)
        self.stack.addWidget(self.note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(controls)
        layout.addWidget(self.stack, 1)

    # ---- refresh ----
    def update_view(self) -> None:
        live = self.live
        plane = live.plane
        if plane is None:
            self._show_note(self._why_no_plane())
            return
        self.stack.setCurrentIndex(0)
        self._sync_controls()
        self._update_points(plane)
        self._update_image(plane)

    def _why_no_plane(self) -> str:
        live = self.live
        if live.display is None:
            return live.error or "Nothing to draw yet."
        shape = live.display.input_shape
        if len(shape) != 1:
            size = "×".join(map(str, shape))
            return (f"This network's input is an image or a sequence ({size}), not a list of "
                    "features, so there is no input plane to draw a decision boundary on.\n\n"
                    "The Forward Pass view shows what each layer does to one sample.")
        if live.takes_tokens:
            return ("This network's inputs are token ids read by an Embedding, not values: a "
                    "point between two ids is no input, so there is no plane to draw a decision "
                    "boundary on.\n\nThe Forward Pass view shows what each layer does to one "
                    "sample.")
        return ("This network takes a single input feature: there is no plane of two features "
                "to draw a decision boundary on.")

    def _show_note(self, text: str) -> None:
        self.mode = "none"
        self.values = None
        self.shown_neuron = None
        self.plane_controls.setVisible(False)
        self.discrete_check.setEnabled(False)
        self.test_check.setEnabled(False)
        self.note.setText(text)
        self.stack.setCurrentIndex(1)

    def _sync_controls(self) -> None:
        live = self.live
        names = live.plane_names
        key = (names, live.plane_choice, live.data_fits)
        self.discrete_check.setEnabled(True)
        self.test_check.setEnabled(live.data_fits)
        if key == self._controls_for:
            return
        self._controls_for = key
        many = len(names) > 2
        self.plane_controls.setVisible(many)
        choice = live.plane_choice
        with QSignalBlocker(self.plane_combo), QSignalBlocker(self.x_combo), \
                QSignalBlocker(self.y_combo):
            self.plane_combo.setCurrentText(PCA_ITEM if choice[0] == "pca" else FEATURES_ITEM)
            self.plane_combo.model().item(0).setEnabled(live.data_fits)
            for combo in (self.x_combo, self.y_combo):
                combo.clear()
                combo.addItems(list(names))
            first, second = choice[1:] if choice[0] == "features" else (0, 1)
            self.x_combo.setCurrentIndex(first)
            self.y_combo.setCurrentIndex(second)
        features = choice[0] == "features"
        for widget in (self.x_combo, self.y_combo, self.x_label, self.y_label):
            widget.setVisible(features)

    def _update_points(self, plane) -> None:
        live = self.live
        key = (live.data_version, live.structure_version, id(plane))
        if key == self._points_for:
            return
        self._points_for = key
        plot = self.plot.getPlotItem()
        plot.setLabel("bottom", plane.labels[0])
        plot.setLabel("left", plane.labels[1])
        features = plane.features if plane.kind == "features" else None
        units = [live.plane_units(feature) if feature is not None else (0.0, 1.0)
                 for feature in features or (None, None)]
        for axis, (shift, scale) in zip(("bottom", "left"), units):
            self.axes[axis].set_units(shift, scale)
        self._fit_plane(plane, units[0][1], units[1][1])
        if not live.data_fits:
            self.train_points.setData([], [])
            self.test_points.setData([], [])
            return
        prepared = live.prepared
        for item, split in ((self.train_points, "train"), (self.test_points, "test")):
            part = getattr(prepared, split)
            coordinates = (plane.project(live.plane_points(split)) if part.n_samples
                           else np.zeros((0, 2)))
            item.setData(coordinates[:, 0], coordinates[:, 1], brush=self._brushes(part))

    def _fit_plane(self, plane, x_scale: float, y_scale: float) -> None:
        """Show the plane's ranges (the data and a margin) exactly. When the two ranges are
        alike in the data's own units, one unit across is as long as one unit up (the
        boundary's true shape); else each axis has its own scale and the picture is square."""
        width = (plane.x_range[1] - plane.x_range[0]) * x_scale
        height = (plane.y_range[1] - plane.y_range[0]) * y_scale
        same_scale = max(width, height) <= SAME_SCALE * min(width, height)
        self.equal_units = same_scale
        plot = self.plot.getPlotItem()
        # pyqtgraph's ratio: pixels per plot unit across over pixels per plot unit up.
        plot.setAspectLocked(same_scale, ratio=x_scale / y_scale)
        self.plot_box.set_aspect(width / height if same_scale else 1.0)
        plot.setRange(xRange=plane.x_range, yRange=plane.y_range, padding=0)

    def _brushes(self, part) -> list:
        if part.n_samples == 0:
            return []
        if part.task == "regression":
            y = np.asarray(part.y, dtype=np.float64).reshape(part.n_samples, -1)[:, 0]
            colors = to_rgba(y, self._target_levels())
            return [pg.mkBrush(*color) for color in colors]
        if np.ndim(part.y) > 1:  # several labels a sample (a sequence of digits): no one colour
            return [pg.mkBrush(UNCOLOURED_POINT)] * part.n_samples
        palette = [pg.mkBrush(class_color(i)) for i in range(max(part.n_classes, 1))]
        return [palette[int(label)] for label in part.y]

    def _target_levels(self) -> tuple[float, float]:
        y = np.asarray(self.live.prepared.train.y, dtype=np.float64)
        low, high = float(y.min()), float(y.max())
        return (low, high) if high > low else (low - 1, high + 1)

    def _update_image(self, plane) -> None:
        neuron = self._hovered_neuron()
        self.shown_neuron = neuron[:2] if neuron is not None else None
        if neuron is not None:
            self._show_neuron(plane, *neuron)
        else:
            self._show_output(plane)
        self._set_title(plane, neuron)

    def _hovered_neuron(self) -> tuple[str, int, str | None] | None:
        """(node id, unit, activation) of the neuron the pointer is over, if it has a value
        at each point of the plane."""
        hovered, display = self.live.hovered, self.live.display
        if hovered is None or display is None or hovered[0] not in display.node_ids:
            return None
        node_id, unit = hovered
        shape = display.shape(node_id)
        if len(shape) != 1 or not 0 <= unit < shape[0]:
            return None
        from nnstudio.engine.probes import activation_name

        return node_id, unit, activation_name(display.network.node(node_id))

    def _show_neuron(self, plane, node_id: str, unit: int, activation: str | None) -> None:
        values = self.live.plane_probe(RESOLUTION, (node_id,)).values[node_id][unit:unit + 1]
        self.values, self.mode = values, "neuron"
        image = values[0]
        if self.live.display.network.node(node_id).type == "input":
            # An input's own range over the plane, as its heatmap in the network view has it.
            low, high = float(image.min()), float(image.max())
            self.levels = (low, high) if high > low else (low - 1.0, high + 1.0)
        else:
            self.levels = levels_for(activation, image)
        self._set_lut(BACKGROUND_LUT)
        self.image.setImage(np.ascontiguousarray(image, dtype=np.float32), autoLevels=False,
                            levels=self.levels)
        self._place_image(plane)
        name = self.neuron_name(node_id, unit)
        self.legend.set_scale(self.levels, BACKGROUND_LUT, f"the output of {name}")
        self.legend.show()
        self._set_caption(plane, f"the output of {name} (orange low, blue high), shown while "
                                 "the pointer is on it in the network view")

    def neuron_name(self, node_id: str, unit: int) -> str:
        """How a person calls unit `unit` of node `node_id`: an input by its feature."""
        if self.live.display.network.node(node_id).type == "input":
            names = self.live.feature_names
            return f"input {names[unit]}" if unit < len(names) else f"input {unit + 1}"
        return f"neuron {unit + 1} of {node_id}"

    def _set_title(self, plane, neuron) -> None:
        """Which plane the picture lies in (and which neuron it shows), above it."""
        # Short: the caption below says the rest (the computed inputs, the scaling).
        if plane.kind == "pca":
            of = "the data's columns" if self.live.computed_inputs else "the inputs"
            where = f"PC 1 × PC 2 of {of}"
        elif self.live.computed_inputs:
            where = f"the data's columns {plane.labels[0]} × {plane.labels[1]}"
        else:
            where = f"the inputs {plane.labels[0]} × {plane.labels[1]}"
        where = (f"{self.neuron_name(*neuron[:2])} over {where}" if neuron is not None
                 else f"Over {where}")
        plot = self.plot.getPlotItem()
        if plot.titleLabel.text != where:
            plot.setTitle(where, size="9pt")

    def _show_output(self, plane) -> None:
        live = self.live
        display = live.display
        probe = live.plane_probe(RESOLUTION, (display.output_id,))
        values = probe.values[display.output_id]
        self.values = values
        discrete = self.discrete_check.isChecked()
        activation = display.model.output_activation
        if values.shape[0] > 1:
            self.mode = "classes"
            probabilities = values if activation == "softmax" else _softmax(values)
            self.levels = (0, 255)
            self._set_lut(None)
            self.image.setImage(class_rgba(probabilities, discrete), autoLevels=False,
                                levels=self.levels)
            self._place_image(plane)
            self.legend.hide()  # the class colours are in the data's legend
            self._set_caption(plane, "the class the network picks (colour) and how sure it is "
                              "(strength)")
            return
        self.mode = "scalar"
        image = values[0]
        regression = live.data_fits and live.prepared.train.task == "regression"
        if activation == "sigmoid":
            levels = (0.0, 1.0)
            legend = self.live.classes.fit(2)
            what = f"the probability of {legend.caption(1)} against {legend.caption(0)}"
        elif regression:
            levels = self._target_levels()
            what = "the predicted value (orange low, blue high)"
        else:
            levels = levels_for(None, image)
            what = "the output (orange negative, blue positive)"
        if discrete:
            image = _discretize(image, levels, regression)
        self.levels = levels
        self._set_lut(BACKGROUND_LUT)
        self.image.setImage(np.ascontiguousarray(image, dtype=np.float32), autoLevels=False,
                            levels=levels)
        self._place_image(plane)
        self.legend.set_scale(levels, BACKGROUND_LUT, what)
        self.legend.show()
        self._set_caption(plane, what)

    def _set_lut(self, lut: np.ndarray | None) -> None:
        if self._lut is not lut:  # a new table makes the image re-render: only on a change
            self._lut = lut
            self.image.setLookupTable(lut)

    def _place_image(self, plane) -> None:
        # After the first setImage: the rect scales the image's pixels, so it needs their
        # count. Only when the plane changes: a new rect makes the plot lay out again.
        if self._placed_for is not plane:
            self._placed_for = plane
            x, y, w, h = plane.pixel_rect(RESOLUTION)
            self.image.setRect(QRectF(x, y, w, h))

    def _set_caption(self, plane, what: str) -> None:
        from nnstudio.gui.panels.network_panel import plane_description

        text = f"Colour: {what}, over {plane_description(plane)}."
        computed = self.live.computed_inputs
        if computed and plane.kind == "features":
            text += (" Axes in the data's own columns; at each point the network's inputs "
                     f"{', '.join(computed)} are computed from them"
                     + (f" and {SCALED_AS[self.live.prepared.preprocessor.method]}."
                        if self.live.inputs_scaled else "."))
        elif self.live.inputs_scaled and plane.kind == "features":
            text += (" Axes in the data's own units; the network sees them "
                     f"{SCALED_AS[self.live.prepared.preprocessor.method]}.")
        if self.caption.text() != text:
            self.caption.setText(text)

    def pixel_point(self, row: int, column: int) -> tuple[float, float]:
        """Plane coordinates of image pixel (row, column) (row 0 at the bottom)."""
        u, v = self.live.plane.coordinates(RESOLUTION)
        return float(u[column]), float(v[row])

    # ---- slots ----
    @Slot()
    def _on_plane_controls_activated(self) -> None:
        if self.plane_combo.currentText() == PCA_ITEM:
            self.live.set_plane("pca")
            return
        first, second = self.x_combo.currentIndex(), self.y_combo.currentIndex()
        if first == second:  # keep two different features: move the other one along
            second = (first + 1) % self.y_combo.count()
            with QSignalBlocker(self.y_combo):
                self.y_combo.setCurrentIndex(second)
        self.live.set_plane("features", first, second)

    @Slot()
    def _on_live_hovered_changed(self) -> None:
        if self.live.hovered is None and self.shown_neuron is None:
            return
        if self.is_shown() and self.live.display is not None and self.live.plane is not None:
            self._update_image(self.live.plane)
        else:
            self.stale = True

    @Slot(bool)
    def _on_test_check_toggled(self, checked: bool) -> None:
        self.test_points.setVisible(checked)

    @Slot(bool)
    def _on_discrete_check_toggled(self, checked: bool) -> None:
        if self.isVisible() and self.live.display is not None and self.live.plane is not None:
            self._update_image(self.live.plane)
        else:
            self.stale = True


def _softmax(values: np.ndarray) -> np.ndarray:
    shifted = values - values.max(axis=0, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=0, keepdims=True)


def _discretize(image: np.ndarray, levels: tuple[float, float], regression: bool) -> np.ndarray:
    low, high = levels
    if regression:
        step = (high - low) / REGRESSION_STEPS
        return (low + (np.floor((image - low) / step) + 0.5) * step).astype(np.float32)
    middle = (low + high) / 2
    return np.where(image >= middle, high, low).astype(np.float32)
