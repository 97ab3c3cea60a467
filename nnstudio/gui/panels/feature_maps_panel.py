"""Convolutions: one sample as the network sees it, and what each conv layer's filters find.

The input image comes first, then one mosaic per conv layer: every filter's feature map for the
chosen sample (its activation applied, so what the next layer receives), side by side in a
grid as wide as the dock, each map as many pixels wide as the Size slider says (the input
twice that), scrolling down when they do not all fit. ReLU maps run from white (0) to blue;
maps that can be negative use the diverging scale of the other views (orange negative, white
zero, blue positive). A network without a conv layer gets a note instead.

Maps come from the display copy of the network (`engine.inspection.feature_maps`); each layer is
one ImageItem fed an RGBA array made once per refresh.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSignalBlocker, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QFrame, QLabel, QScrollArea, QSlider, QStackedWidget, QVBoxLayout, QWidget,
)

from nnstudio.core.activations import ACTIVATION_TABLE
from nnstudio.gui.live_model import LiveModel
from nnstudio.gui.panels.heatmap import LUT, MIDDLE_COLOR, POSITIVE_COLOR, to_rgba
from nnstudio.gui.panels.sample_choice import SampleChoice
from nnstudio.gui.panels.throttle import ThrottledLivePanel

GAP = 1  # pixels between maps in a mosaic
TILE_SIZES = (16, 160)  # the Size slider's range: a map's width on screen, in pixels
DEFAULT_TILE = 48
INPUT_TILES = 2  # the input image is drawn this many tiles wide
ROW_SLACK = 12  # pixels per row for the layout's spacing
RELAYOUT_MS = 60  # a resize waits this long for the next before the mosaics reflow
NO_CONV_NOTE = (
    "This network has no convolution layer, so there are no feature maps to show.\n\n"
    "A convolution layer slides small filters over an image; each filter's feature map shows "
    "where in the image it found its pattern (a stroke, an edge, a corner). Open the example "
    "“Handwritten digits: convolutional network” to see them.")


def sequential_lut(size: int = 256) -> np.ndarray:
    """(size, 4) uint8 RGBA from white-ish (0) to blue, for values that are never negative."""
    t = np.linspace(0.0, 1.0, size)[:, None]
    low, high = (np.array(QColor(c).getRgb()[:3], dtype=np.float64)
                 for c in (MIDDLE_COLOR, POSITIVE_COLOR))
    rgb = low + (high - low) * t
    lut = np.empty((size, 4), dtype=np.uint8)
    lut[:, :3] = np.round(rgb).astype(np.uint8)
    lut[:, 3] = 255
    return lut


def grey_lut(size: int = 256) -> np.ndarray:
    """White (low) to black (high): dark ink on light paper, as digits are drawn."""
    level = np.round(np.linspace(255, 0, size)).astype(np.uint8)
    lut = np.empty((size, 4), dtype=np.uint8)
    lut[:, 0] = lut[:, 1] = lut[:, 2] = level
    lut[:, 3] = 255
    return lut


SEQUENTIAL_LUT = sequential_lut()
GREY_LUT = grey_lut()


def map_levels(maps: np.ndarray, activation: str | None) -> tuple[float, float]:
    """Levels for a layer's maps: 0 to the largest value for an activation that never goes
    below 0 (ReLU, sigmoid: the activation table's range), symmetric around 0 else."""
    finite = maps[np.isfinite(maps)]
    extent = float(np.max(np.abs(finite))) if finite.size else 1.0
    extent = extent if extent > 1e-9 else 1.0
    never_negative = activation is not None and ACTIVATION_TABLE[activation].output_range[0] >= 0
    if never_negative or (finite.size and finite.min() >= 0):
        return 0.0, extent
    return -extent, extent


def mosaic(maps: np.ndarray, rows: int, columns: int, fill: float = np.nan) -> np.ndarray:
    """Maps (count, h, w) laid out row by row in a grid with `GAP` pixels of `fill` between:
    float32 (rows·(h+GAP)−GAP, columns·(w+GAP)−GAP). Map k sits at grid row k // columns."""
    count, h, w = maps.shape
    out = np.full((rows * (h + GAP) - GAP, columns * (w + GAP) - GAP), fill, dtype=np.float32)
    for k in range(count):
        r, c = divmod(k, columns)
        out[r * (h + GAP): r * (h + GAP) + h, c * (w + GAP): c * (w + GAP) + w] = maps[k]
    return out


def fitting_grid(count: int, h: int, w: int, tile: float, width: float) -> tuple[int, int]:
    """(rows, columns) of a mosaic of `count` maps of h × w drawn `tile` pixels wide each, as
    many to a row as fit in `width` pixels."""
    scale = tile / max(w, 1)
    columns = int((width / scale + GAP) // (w + GAP))
    columns = max(1, min(count, columns))
    return math.ceil(count / columns), columns


def map_rect(index: int, columns: int, h: int, w: int) -> tuple[int, int, int, int]:
    """(top, left, height, width) of map `index` in its mosaic."""
    r, c = divmod(index, columns)
    return r * (h + GAP), c * (w + GAP), h, w


class FeatureMapsPanel(SampleChoice, ThrottledLivePanel):
    """The chosen sample and every conv layer's feature maps for it."""

    def __init__(self, live: LiveModel, parent: QWidget | None = None):
        super().__init__(live, parent)
        self.setObjectName("feature_maps_panel")
        self.maps: list = []  # engine.inspection.FeatureMaps shown
        self.image: np.ndarray | None = None  # the input (channels, h, w)
        self.mosaics: dict[str, np.ndarray] = {}  # float32 value mosaics by node id ("input")
        self.levels: dict[str, tuple[float, float]] = {}
        self.grids: dict[str, tuple[int, int]] = {}
        self.items: dict[str, pg.ImageItem] = {}
        self._layout_for: tuple | None = None
        self._reflow = QTimer(self)
        self._reflow.setSingleShot(True)
        self._reflow.setInterval(RELAYOUT_MS)
        self._reflow.timeout.connect(self._on_reflow_timeout)
        self._build()

    # ---- building ----
    def _build(self) -> None:
        row = self._build_sample_row("maps")
        row.setContentsMargins(0, 0, 0, 0)
        self.size_slider = QSlider(Qt.Orientation.Horizontal)
        self.size_slider.setObjectName("map_size_slider")
        self.size_slider.setRange(*TILE_SIZES)
        self.size_slider.setSingleStep(4)
        self.size_slider.setPageStep(16)
        self.size_slider.setValue(DEFAULT_TILE)
        self.size_slider.setMaximumWidth(160)
        self.size_slider.setToolTip("How large each feature map is drawn; the maps fill the "
                                    "view's width and scroll down.")
        self.size_slider.valueChanged.connect(self._on_size_slider_value_changed)
        size_label = QLabel("Size:")
        size_label.setBuddy(self.size_slider)
        row.addWidget(size_label)
        row.addWidget(self.size_slider)
        self.controls = QWidget()
        self.controls.setLayout(row)

        palette = self.palette()
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName("feature_maps_view")
        self.graphics.setBackground(palette.color(QPalette.ColorRole.Base))
        self._foreground = palette.color(QPalette.ColorRole.Text)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("feature_maps_scroll")
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.graphics)
        self.caption = QLabel()
        self.caption.setObjectName("feature_maps_caption")
        self.caption.setWordWrap(True)
        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.addWidget(self.scroll, 1)
        page_layout.addWidget(self.caption)
        self.note = QLabel()
        self.note.setObjectName("feature_maps_note")
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(page)
        self.stack.addWidget(self.note)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.controls)
        layout.addWidget(self.stack, 1)

    # ---- refresh ----
    def update_view(self) -> None:
        live = self.live
        display = live.display
        if display is None:
            self._show_note(live.error or "Nothing to show yet.")
            return
        from nnstudio.engine.inspection import conv_layers, feature_maps, input_image

        if not conv_layers(display.network):
            self._show_note(NO_CONV_NOTE)
            return
        part = self._part()
        if part is None:
            self._show_note(live.data_error or "The data's samples do not fit the network's "
                            "input layer, so there is no sample to show.")
            return
        with QSignalBlocker(self.sample_spin):
            self.sample_spin.setMaximum(max(part.n_samples - 1, 0))
        sample = self.sample()
        if sample is None:
            self._show_note("This set has no samples: choose another.")
            return
        self.controls.setVisible(True)
        self.controls.setEnabled(True)
        self.stack.setCurrentIndex(0)
        self.image = input_image(sample)
        self.maps = feature_maps(display, sample)
        self._sync_layout()
        self._show_input(self.image)
        for layer in self.maps:
            self._show_layer(layer)
        self._describe_sample(part)

    def tile_size(self) -> int:
        """A map's width on screen in pixels (the Size slider)."""
        return self.size_slider.value()

    def _layouts(self) -> dict[str, tuple[int, int, float]]:
        """(rows, columns, height on screen) of each mosaic at the current size and width."""
        width = max(self.scroll.viewport().width() - 16, 40)
        shapes = {"input": (self.image.shape, self.tile_size() * INPUT_TILES)}
        shapes.update({m.node_id: (m.maps.shape, self.tile_size()) for m in self.maps})
        layouts = {}
        for node_id, ((count, h, w), tile) in shapes.items():
            rows, columns = fitting_grid(count, h, w, tile, width)
            layouts[node_id] = (rows, columns, (rows * (h + GAP) - GAP) * tile / w)
        return layouts

    def _sync_layout(self) -> None:
        layouts = self._layouts()
        key = (self.image.shape, tuple((m.node_id, m.maps.shape) for m in self.maps),
               tuple(layouts.values()))
        if key == self._layout_for:
            return
        self._layout_for = key
        self.graphics.clear()
        self.items = {}
        self.grids = {node_id: layout[:2] for node_id, layout in layouts.items()}
        label_height = self.fontMetrics().height() + 6
        total = 0.0
        for row, (node_id, (_, _, height)) in enumerate(layouts.items()):
            label = self.graphics.addLabel("", row=2 * row, col=0, color=self._foreground,
                                           justify="left")
            self.graphics.ci.layout.setRowFixedHeight(2 * row, label_height)
            view = self.graphics.addViewBox(row=2 * row + 1, col=0, lockAspect=True,
                                            enableMouse=False, invertY=True,
                                            enableMenu=False)
            self.graphics.ci.layout.setRowFixedHeight(2 * row + 1, height)
            item = pg.ImageItem(axisOrder="row-major")
            view.addItem(item)
            item.title = label
            self.items[node_id] = item
            total += label_height + height + ROW_SLACK
        self.graphics.setFixedHeight(int(total) + ROW_SLACK)

    def _show_input(self, image: np.ndarray) -> None:
        rows, columns = self.grids["input"]
        finite = image[np.isfinite(image)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        levels = (low, high if high > low else low + 1.0)
        channels, h, w = image.shape
        self._set_mosaic("input", image, rows, columns, levels, GREY_LUT)
        what = f"{h}×{w}" if h > 1 else f"{w} steps"
        self.items["input"].title.setText(
            f"<b>Input</b> · {channels} channel{'s' if channels > 1 else ''} of {what}")

    def _show_layer(self, layer) -> None:
        rows, columns = self.grids[layer.node_id]
        levels = map_levels(layer.maps, layer.activation)
        lut = SEQUENTIAL_LUT if levels[0] >= 0 else LUT
        count, h, w = layer.maps.shape
        self._set_mosaic(layer.node_id, layer.maps, rows, columns, levels, lut)
        size = f"{h}×{w}" if h > 1 else f"{w} steps"
        activation = f" · {layer.activation}" if layer.activation else ""
        self.items[layer.node_id].title.setText(
            f"<b>{layer.node_id}</b>{activation} · {count} maps of {size} · colours "
            f"{levels[0]:.3g} to {levels[1]:.3g}")

    def _set_mosaic(self, node_id: str, maps: np.ndarray, rows: int, columns: int,
                    levels: tuple[float, float], lut: np.ndarray) -> None:
        values = mosaic(maps, rows, columns)
        rgba = to_rgba(values, levels, lut)
        rgba[np.isnan(values)] = self._gap_colour()
        self.mosaics[node_id] = values
        self.levels[node_id] = levels
        item = self.items[node_id]
        item.setImage(np.ascontiguousarray(rgba), autoLevels=False, levels=(0, 255), lut=None)
        rect = QRectF(0, 0, values.shape[1], values.shape[0])
        item.setRect(rect)
        item.getViewBox().setRange(rect, padding=0)  # exactly the mosaic: maps at their size

    def tile_pixels(self, node_id: str) -> float:
        """How many pixels wide one map of `node_id` is drawn on screen."""
        width = self.image.shape[2] if node_id == "input" else next(
            m.maps.shape[2] for m in self.maps if m.node_id == node_id)
        return width / self.items[node_id].getViewBox().viewPixelSize()[0]

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.image is not None:
            self._reflow.start()  # more or fewer maps to a row, once the resizing pauses

    @Slot(int)
    def _on_size_slider_value_changed(self, value: int) -> None:
        if self.image is not None:
            self._reflow.start()

    @Slot()
    def _on_reflow_timeout(self) -> None:
        if self.image is not None and self.is_shown():
            self.redraw()
        else:
            self.stale = True

    def _gap_colour(self) -> np.ndarray:
        colour = self.palette().color(QPalette.ColorRole.Base)
        return np.array([colour.red(), colour.green(), colour.blue(), 255], dtype=np.uint8)

    def _describe_sample(self, part) -> None:
        index = min(self.sample_spin.value(), part.n_samples - 1)
        if part.task == "regression":
            value = np.asarray(part.y[index]).reshape(-1)[0]
            self.sample_label.setText(f"target {float(value):.4g}")
        else:
            label = int(part.y[index])
            names = part.class_names
            self.sample_label.setText(f"class {names[label] if label < len(names) else label}")
        self.caption.setText("Each small square is one filter's feature map for this sample: "
                             "where it responds strongly (dark blue; orange for negative "
                             "values), it found its pattern.")

    def _show_note(self, text: str) -> None:
        self.maps = []
        self.image = None
        self.mosaics = {}
        self.controls.setVisible(text != NO_CONV_NOTE)
        self.controls.setEnabled(self.live.data_fits)
        self.note.setText(text)
        self.stack.setCurrentIndex(1)

    # ---- for checks ----
    def map_values(self, node_id: str, index: int) -> np.ndarray:
        """Map `index` of layer `node_id` as shown (cut from its mosaic)."""
        rows, columns = self.grids[node_id]
        shape = self.image.shape if node_id == "input" else next(
            m.maps.shape for m in self.maps if m.node_id == node_id)
        top, left, h, w = map_rect(index, columns, shape[1], shape[2])
        return self.mosaics[node_id][top:top + h, left:left + w]
