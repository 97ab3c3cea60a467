"""The network view: the network drawn neuron by neuron, as in TensorFlow Playground.

Each layer is a column (or, in a tall view, a row) of square tiles; links between neurons are
coloured by the weight's sign (orange negative, blue positive) and thickened by |w|; each
neuron's bias is the small square at its lower left. A layer too wide to draw neuron by neuron
(more than 32 units, or an image) is a band with a summary; a layer with more neurons than the
view has room for shows its first ones and a "+N more" slot that, clicked, draws them all. The
drawing is laid out in the view's pixels (nnstudio.gui.panels.network_layout): tiles of at
least 32 pixels, labels of at least 9 points, the mouse wheel zooms. Hovering a link or a
neuron shows its value; clicking a neuron lists its incoming weights and its bias below.

When the input is a vector (two features, or more seen through a plane of two features or of
the first two principal components), every neuron's tile is a heatmap of its output over the
input plane, and the output's decision picture is drawn large beside the network, with the
training points. The drawing is also an editor, as Playground is: the input tiles carry tick
boxes that switch the project's computed inputs on and off (data.transforms), and +/− buttons
add or remove neurons of a hidden Dense layer and hidden layers; each is an undoable edit of the
document, the same the data panel and the canvas make. Weights too are edited by hand:
double-click a link or a bias (or a value in the neuron's list) and type a number; the change
is an undoable edit of the current weights (nnstudio.gui.weight_edits). The items are made once
per network structure and layout; a refresh only sets pens, brushes and pixmaps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSignalBlocker, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPainterPathStroker, QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView, QGraphicsItem, QGraphicsPathItem, QGraphicsPixmapItem, QGraphicsRectItem,
    QGraphicsScene, QGraphicsSimpleTextItem, QGraphicsView, QHBoxLayout, QHeaderView, QLabel,
    QInputDialog, QSplitter, QTableWidget, QTableWidgetItem, QToolButton, QToolTip, QVBoxLayout,
    QWidget,
)

from nnstudio.core.layers import LAYER_TYPES
from nnstudio.data.classes import class_color
from nnstudio.gui.live_model import INITIAL, LIVE, MISMATCH, LivePanel, LiveModel
from nnstudio.gui.panels.heatmap import (
    BACKGROUND_LUT, NEGATIVE_COLOR, POSITIVE_COLOR, ColorLegendBar, class_rgba, levels_for, qimage,
    to_rgba,
)
from nnstudio.gui.panels.network_layout import COLUMNS, Labels, NetworkLayout, plan_layout
from nnstudio.gui.weight_edits import edit_weight

MAX_NEURONS = 32  # wider layers are drawn as a band
THUMBNAIL_RESOLUTION = 24  # grid points per side of a neuron's heatmap
PICTURE_RESOLUTION = 80  # grid points per side of the output's decision picture
MAX_POINTS = 600  # training points drawn on the decision picture
LABEL_POINTS = 9.0  # the smallest text in the drawing, at zoom 1
BIAS_SHARE = 0.28  # a bias square's side, in tiles
SELECTED_RING = 4.5  # pen width of the chosen neuron's outline
MAX_WIDTH_WEIGHT = 3.0  # |w| at and beyond which a link has its full width
ZOOM_STEP = 1.15  # per wheel notch
ZOOM_RANGE = (0.25, 4.0)
BUTTON = 18.0  # side of a +/− button and of an input's tick box
WEIGHT_PLACE_ROLE = Qt.ItemDataRole.UserRole + 1  # (tensor key, index) of a listed value
# Drawn inside the column of the layer before them (activations, dropout), and drawn with
# weights: both are traits of the layer registry.
FOLDED_TYPES = tuple(key for key, kind in LAYER_TYPES.items() if kind.folds)
WEIGHTED_TYPES = tuple(key for key, kind in LAYER_TYPES.items() if kind.weighted)


def link_width(weight: np.ndarray | float) -> np.ndarray | float:
    """A link's pen width for weight `weight`: 0.5 for 0, growing with |w| up to 4.1 at 3."""
    return 0.5 + 1.2 * np.minimum(np.abs(weight), MAX_WIDTH_WEIGHT)


def link_color(weight: float) -> QColor:
    """Blue for a positive weight, orange for a negative one, more opaque as |w| grows."""
    color = QColor(POSITIVE_COLOR if weight >= 0 else NEGATIVE_COLOR)
    color.setAlphaF(0.35 + 0.65 * min(abs(float(weight)), 1.0))
    return color


# ---- what is drawn: columns ------------------------------------------------------------------

@dataclass
class Column:
    """One drawn layer: the node whose weights come in (`node_id`), the node whose output the
    neurons show once activations and dropout that follow it are folded in (`shown_id`)."""

    index: int
    node_id: str
    node_type: str
    shown_id: str
    shape: tuple[int, ...]
    activation: str | None
    sources: list[int] = field(default_factory=list)
    folded: list[str] = field(default_factory=list)

    @property
    def units(self) -> int:
        return int(math.prod(self.shape))

    @property
    def drawn_as_neurons(self) -> bool:
        return len(self.shape) == 1 and self.units <= MAX_NEURONS

    @property
    def title(self) -> str:
        return " + ".join([self.node_id, *self.folded])

    @property
    def subtitle(self) -> str:
        size = str(self.units) if len(self.shape) == 1 else "×".join(map(str, self.shape))
        if self.node_type == "input":
            return f"{size} {'features' if len(self.shape) == 1 else 'input'}"
        kind = self.node_type if self.node_type != "dense" else ""
        act = self.activation if self.activation not in (None, "linear") else ""
        return " ".join(part for part in (size, kind, act) if part)


def network_columns(display) -> list[Column]:
    """The columns to draw for a `DisplayModel`, in running order."""
    from nnstudio.engine.probes import activation_name

    network = display.network
    columns: list[Column] = []
    column_of: dict[str, int] = {}
    for node_id in display.node_ids:
        node = network.node(node_id)
        if node.type in FOLDED_TYPES and len(node.inputs) == 1:
            source = columns[column_of[node.inputs[0]]]
            only_reader = [n.id for n in network.consumers(source.shown_id)] == [node_id]
            if only_reader and source.shown_id == node.inputs[0] and source.node_type != "input":
                source.shown_id = node_id
                source.folded.append(node_id)
                source.shape = display.shape(node_id)
                if node.type != "dropout":
                    source.activation = activation_name(node)
                column_of[node_id] = source.index
                continue
        column = Column(len(columns), node_id, node.type, node_id, display.shape(node_id),
                        activation_name(node), [column_of[s] for s in node.inputs])
        columns.append(column)
        column_of[node_id] = column.index
    return columns


# ---- the items -------------------------------------------------------------------------------

class NeuronItem(QGraphicsRectItem):
    """A neuron: a square tile, its heatmap filling it when there is an input plane."""

    def __init__(self, column: Column, unit: int, rect: QRectF):
        super().__init__(rect)
        self.column, self.unit = column, unit
        self.setZValue(2)
        self.heatmap = QGraphicsPixmapItem(self)
        self.heatmap.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.heatmap.setPos(rect.topLeft())
        self.heatmap.setScale(rect.width() / THUMBNAIL_RESOLUTION)
        self.heatmap.setVisible(False)
        # The outline, drawn over the heatmap (a chosen neuron's is thick).
        self.ring = QGraphicsRectItem(rect)
        self.ring.setZValue(3)
        self.describe = lambda: ""


class LinkItem(QGraphicsPathItem):
    """One weight: from unit `source` of the column before to unit `target`."""

    def __init__(self, path: QPainterPath, column: Column, source: int, target: int):
        super().__init__(path)
        self.column, self.source, self.target = column, source, target
        self.setZValue(0)
        self.weight = 0.0
        stroker = QPainterPathStroker()
        stroker.setWidth(7)  # easy to hover even while the link is thin
        self._shape = stroker.createStroke(path)

    def shape(self) -> QPainterPath:
        return self._shape


class BandItem(QGraphicsRectItem):
    """A layer too wide to draw neuron by neuron, with a summary inside."""

    def __init__(self, column: Column, rect: QRectF, font: QFont):
        super().__init__(rect)
        self.column = column
        self.setZValue(2)
        self.label = QGraphicsSimpleTextItem(self)
        self.label.setFont(font)
        self.describe = lambda: ""


class ConnectorItem(QGraphicsPathItem):
    """Between layers drawn as bands (or without weights): one grey connector."""

    def __init__(self, path: QPainterPath, column: Column, outline: QPainterPath | None = None):
        super().__init__(path)
        self.column = column
        self.setZValue(0)
        stroker = QPainterPathStroker()
        stroker.setWidth(9)
        self._shape = stroker.createStroke(path) if outline is None else outline
        self.describe = lambda: ""

    def shape(self) -> QPainterPath:
        return self._shape


class ButtonItem(QGraphicsRectItem):
    """A small clickable square with a sign or a tick in it: `activate()` runs on a click."""

    def __init__(self, rect: QRectF, text: str, activate: Callable[[], None], tip: str,
                 font: QFont, color: QColor):
        super().__init__(rect)
        self.setZValue(5)
        self.setPen(QPen(color, 1.0))
        self.setBrush(QBrush(QColor(128, 128, 128, 40)))
        self.activate = activate
        self.describe = lambda: tip
        self.label = QGraphicsSimpleTextItem(text, self)
        self.label.setFont(font)
        self.label.setBrush(color)
        box = self.label.boundingRect()
        self.label.setPos(rect.center().x() - box.width() / 2,
                          rect.center().y() - box.height() / 2)
        self.setCursor(Qt.CursorShape.PointingHandCursor)


class NetworkScene(QGraphicsScene):
    """The scene; tooltips come from the item under the pointer's `describe()`, worked out
    when asked, so a refresh formats no text. (Handled here, not in the view's viewportEvent:
    every paint passes through that one, and Python there would hold up the training thread.)"""

    def helpEvent(self, event) -> None:
        item = _describable(self.items(event.scenePos()))
        text = item.describe() if item is not None else ""
        if text:
            QToolTip.showText(event.screenPos(), text, event.widget())
        else:
            QToolTip.hideText()
        event.accept()


def _describable(items) -> QGraphicsItem | None:
    for item in items:
        while item is not None and not hasattr(item, "describe"):
            item = item.parentItem()
        if item is not None:
            return item
    return None


class NetworkView(QGraphicsView):
    """The drawing at the view's own pixel size, zoomed by the mouse wheel; tooltips and clicks
    go to the panel."""

    neuron_clicked = Signal(object)  # NeuronItem
    neuron_hovered = Signal(object)  # the NeuronItem under the pointer, or None
    item_double_clicked = Signal(object)  # the link, bias or neuron double-clicked
    resized = Signal()

    def __init__(self, scene: QGraphicsScene, parent: QWidget | None = None):
        super().__init__(scene, parent)
        self.setObjectName("network_view")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setMouseTracking(True)
        self.zoom = 1.0

    def set_zoom(self, zoom: float) -> None:
        self.zoom = float(min(max(zoom, ZOOM_RANGE[0]), ZOOM_RANGE[1]))
        self.resetTransform()
        self.scale(self.zoom, self.zoom)

    def wheelEvent(self, event) -> None:
        notches = event.angleDelta().y() / 120
        if notches:
            self.set_zoom(self.zoom * ZOOM_STEP ** notches)
            event.accept()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.resized.emit()

    def item_at(self, view_point) -> QGraphicsItem | None:
        """The neuron, bias, link, band or button under `view_point` (viewport coordinates)."""
        return _describable(self.items(view_point))

    def mouseMoveEvent(self, event) -> None:
        item = self.item_at(event.position().toPoint())
        self.neuron_hovered.emit(item if isinstance(item, NeuronItem) else None)
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:
        self.neuron_hovered.emit(None)
        super().leaveEvent(event)

    def mousePressEvent(self, event) -> None:
        item = self.item_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton:
            if isinstance(item, ButtonItem):
                if item.isEnabled():
                    item.activate()
                event.accept()
                return
            if isinstance(item, NeuronItem):
                self.neuron_clicked.emit(item)
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        item = self.item_at(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and item is not None \
                and not isinstance(item, ButtonItem):
            self.item_double_clicked.emit(item)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)


# ---- the panel -------------------------------------------------------------------------------

class NetworkPanel(LivePanel):
    """The network neuron by neuron, live; click a neuron for its incoming weights and bias."""

    def __init__(self, live: LiveModel, parent: QWidget | None = None):
        super().__init__(live, parent)
        self.setObjectName("network_panel")
        self.columns: list[Column] = []
        self.neuron_items: dict[tuple[int, int], NeuronItem] = {}
        self.bias_items: dict[tuple[int, int], QGraphicsRectItem] = {}
        self.link_items: dict[tuple[int, int, int], LinkItem] = {}
        self.band_items: dict[int, BandItem] = {}
        self.connector_items: list[ConnectorItem] = []
        self.more_items: dict[int, ButtonItem] = {}  # column -> its "+N more" (or "fewer")
        self.toggle_items: dict[str, ButtonItem] = {}  # offered input -> its tick box
        self.unit_buttons: dict[tuple[int, int], ButtonItem] = {}  # (column, +1 or -1)
        self.label_items: list[QGraphicsSimpleTextItem] = []
        self.picture: QGraphicsPixmapItem | None = None
        self.picture_caption: QGraphicsSimpleTextItem | None = None
        self.thumbnails: dict[int, np.ndarray] = {}  # column -> (units, res, res) float32
        self.heatmap_levels: dict[int, tuple] = {}  # column -> its heatmaps' (low, high)
        self.selected: tuple[int, int] | None = None
        self.expanded: set[int] = set()  # columns that show every neuron
        self.plan: NetworkLayout | None = None
        self.input_columns: tuple[str, ...] = ()  # the data's own columns
        self.inputs_chosen: tuple[str, ...] = ()  # what the network's inputs are computed as
        self.inputs_offered: tuple[str, ...] = ()  # what the input tiles offer to switch on
        self._built_for: tuple | None = None
        self._relayout = False
        self.highlight_item: QGraphicsRectItem | None = None  # around live.highlighted_layer
        self._build()
        live.highlight_changed.connect(self.show_highlight)
        live.hovered_changed.connect(self._on_live_hovered_changed)

    def _build(self) -> None:
        self.note = QLabel("Getting the network ready…")
        self.note.setObjectName("network_note")
        self.note.setWordWrap(True)
        self.scene = NetworkScene(self)
        self.view = NetworkView(self.scene)
        self.view.neuron_clicked.connect(self._on_view_neuron_clicked)
        self.view.neuron_hovered.connect(self._on_view_neuron_hovered)
        self.view.item_double_clicked.connect(self._on_view_item_double_clicked)
        self.view.resized.connect(self._on_view_resized)
        self.details_title = QLabel("Click a neuron to list its incoming weights and bias.")
        self.details_title.setObjectName("neuron_details_title")
        self.details_title.setWordWrap(True)
        self.details = QTableWidget(0, 2)
        self.details.setObjectName("neuron_details")
        self.details.setHorizontalHeaderLabels(["Weight from", "Value"])
        self.details.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.details.verticalHeader().setVisible(False)
        self.details.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                     | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.details.itemChanged.connect(self._on_details_item_changed)
        lower = QWidget()
        lower.setObjectName("neuron_details_box")
        lower.setVisible(False)  # shown once a neuron is clicked
        self.details_box = lower
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.details_title)
        lower_layout.addWidget(self.details)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.view)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setSizes([700, 240])
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._build_tools())
        layout.addWidget(splitter, 1)

    def _build_tools(self) -> QHBoxLayout:
        """The note, hidden layers' count with +/− (as Playground's), and zoom back to 100 %."""
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        # The heatmaps' scale, as under Playground's picture; in the row, not taking height.
        self.legend = ColorLegendBar(inline=True)
        self.legend.setMaximumWidth(220)
        policy = self.legend.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # showing it must not lay the drawing out again
        self.legend.setSizePolicy(policy)
        self.legend.hide()
        row.addWidget(self.legend)
        self.layers_label = QLabel()
        self.layers_label.setObjectName("hidden_layers_label")
        row.addWidget(self.layers_label)
        self.add_layer_button = self._tool("+", "add_layer_button",
                                           "Add a hidden Dense layer before the output layer")
        self.add_layer_button.clicked.connect(self.add_hidden_layer)
        self.remove_layer_button = self._tool("−", "remove_layer_button",
                                              "Remove the last hidden Dense layer")
        self.remove_layer_button.clicked.connect(self.remove_hidden_layer)
        self.zoom_button = self._tool("100 %", "zoom_reset_button",
                                      "Zoom back to 100 % (the mouse wheel zooms)")
        self.zoom_button.clicked.connect(lambda: self.view.set_zoom(1.0))
        for button in (self.add_layer_button, self.remove_layer_button, self.zoom_button):
            row.addWidget(button)
        self.live.document.network_changed.connect(self._update_layer_tools)
        self._update_layer_tools()
        return row

    def _tool(self, text: str, name: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        return button

    # ---- refresh ----
    def update_view(self) -> None:
        live = self.live
        if live.display is None:
            self._clear()
            self.note.setText(live.error or "Nothing to draw yet.")
            return
        key = (live.structure_version, live.data_version)
        if self._built_for != key or self._relayout:
            same_network = self._built_for is not None and self._built_for[0] == key[0]
            kept = self.selected if same_network else None
            if not same_network:
                self.expanded = set()
            self._rebuild_scene()
            self._built_for = key
            if kept is not None and kept in self.neuron_items:
                self.select_neuron(*kept)
        self.note.setText(self._note_text())
        self._update_weights()
        self._update_heatmaps()
        self._update_picture()
        if self.selected is not None:
            self._show_details(*self.selected)

    def _note_text(self) -> str:
        """The weights' state in a line; what the tiles show in its tooltip."""
        state = self.live.weights_state
        plane = self.live.plane
        tip = [f"Tiles: each neuron's output over {plane_description(plane)}."] if plane else []
        tip.append("Click a neuron for its weights; the mouse wheel zooms.")
        self.note.setToolTip(" ".join(tip))
        if state == INITIAL:
            return "Not trained yet: initial random weights."
        if state == MISMATCH:
            return ("The network changed since it was trained: fresh initial weights. Train "
                    "again to see learned ones.")
        return "Training: live weights." if state == LIVE else "Trained weights."

    @Slot()
    def _update_layer_tools(self) -> None:
        """The count and the buttons follow the document's network at once, not the drawing,
        which catches up at its next redraw."""
        from nnstudio.gui.editor.graph_edits import hidden_layers

        network = self.live.document.network
        count = len(hidden_layers(network))
        self.layers_label.setText(f"{count} hidden layer{'s' if count != 1 else ''}")
        output = network.output_node()
        self.add_layer_button.setEnabled(output is not None and output.type == "dense"
                                         and len(output.inputs) == 1)
        self.remove_layer_button.setEnabled(count > 0)

    def _clear(self) -> None:
        self.scene.clear()
        self.columns, self.thumbnails = [], {}
        self.neuron_items, self.bias_items, self.link_items = {}, {}, {}
        self.band_items, self.connector_items = {}, []
        self.more_items, self.toggle_items, self.unit_buttons = {}, {}, {}
        self.label_items, self.picture, self.picture_caption = [], None, None
        self.selected = None
        self.highlight_item = None
        self._built_for = None
        self._clear_details()

    def _rebuild_scene(self) -> None:
        self._clear()
        self.columns = network_columns(self.live.display)
        self._find_inputs()
        self.plan = self._plan()
        self._relayout = False
        text_color = self.palette().color(self.foregroundRole())
        for column in self.columns:
            self._add_column(column, text_color)
        for column in self.columns:
            self._add_links(column)
        self._add_output_labels(text_color)
        self._add_input_labels(text_color)
        self._add_picture(text_color)
        self.scene.setSceneRect(self.scene.itemsBoundingRect().adjusted(-12, -12, 12, 12))
        self.show_highlight()

    @Slot()
    def show_highlight(self) -> None:
        """Outline the layer the live model highlights (the Backprop view's current step)."""
        if self.highlight_item is not None:
            self.scene.removeItem(self.highlight_item)
            self.highlight_item = None
        layer = self.live.highlighted_layer
        index = next((c.index for c in self.columns if layer in (c.node_id, c.shown_id,
                                                                   *c.folded)), None)
        if index is None:
            return
        rects = [item.sceneBoundingRect() for (column, _), item in self.neuron_items.items()
                 if column == index]
        if index in self.band_items:
            rects.append(self.band_items[index].sceneBoundingRect())
        if not rects:
            return
        area = rects[0]
        for rect in rects[1:]:
            area = area.united(rect)
        self.highlight_item = self.scene.addRect(area.adjusted(-6, -6, 6, 6),
                                                 QPen(QColor("#f5a623"), 3))
        self.highlight_item.setZValue(-1)

    # ---- layout ----
    def _find_inputs(self) -> None:
        """The data's columns and the inputs computed from them, when the input tiles can
        switch inputs on and off (a vector input that the data fits)."""
        live = self.live
        first = self.columns[0] if self.columns else None
        if not (live.data_fits and first is not None and first.node_type == "input"
                and len(first.shape) == 1 and first.drawn_as_neurons):
            self.input_columns = self.inputs_chosen = self.inputs_offered = ()
            return
        from nnstudio.gui.transform_edits import offered_inputs, plain_inputs

        self.input_columns = tuple(live.plane_names)
        transforms = tuple(live.document.project.data.transforms or ())
        self.inputs_chosen = transforms or plain_inputs(self.input_columns)
        if len(self.inputs_chosen) != first.units:
            self.input_columns = self.inputs_chosen = self.inputs_offered = ()
            return
        self.inputs_offered = offered_inputs(self.input_columns, self.inputs_chosen)

    def _slot_counts(self) -> list[int]:
        counts = [column.units if column.drawn_as_neurons else 0 for column in self.columns]
        if self.inputs_offered:
            counts[0] = len(self.inputs_offered)
        return counts

    def _plan(self) -> NetworkLayout:
        size = self.view.viewport().size()
        return plan_layout(self._slot_counts(), size.width(), size.height(),
                           frozenset(self.expanded), self.live.plane is not None,
                           self._label_room())

    def _label_room(self) -> Labels:
        """The widths of the input names (and tick boxes) and of the class names."""
        metrics = QFontMetricsF(self._scene_font())
        first, last = self.columns[0], self.columns[-1]
        inputs: tuple[str, ...] = ()
        if first.node_type == "input" and first.drawn_as_neurons:
            inputs = self.inputs_offered or tuple(self.unit_name(first, unit)
                                                  for unit in range(first.units))
        outputs = self.live.output_names(last.units) if last.drawn_as_neurons else ()
        widest = lambda names: max((metrics.horizontalAdvance(n) for n in names), default=0)  # noqa: E731
        toggles = BUTTON + 10 if self.inputs_offered else 0
        return Labels(max(40.0, widest(inputs) + toggles + 14), widest(outputs) + 14)

    @Slot()
    def _on_view_resized(self) -> None:
        if not self.columns or self.plan is None:
            return
        if self._plan() != self.plan:
            # Laid out again once the resize is done, or when next shown: a dock moved by a
            # layout preset is resized before it is on screen again.
            self._relayout = self.stale = True
            QTimer.singleShot(0, self, self._catch_up)

    def expand(self, column_index: int, show_all: bool = True) -> None:
        """Draw every neuron of a column (or, `show_all` False, only as many as fit)."""
        if show_all:
            self.expanded.add(column_index)
        else:
            self.expanded.discard(column_index)
        self._relayout = True
        self.redraw()

    def _slot(self, column: Column, unit: int) -> int:
        if column.index == 0 and self.inputs_offered:
            return self.inputs_offered.index(self.inputs_chosen[unit])
        return unit

    def _drawn_units(self, column: Column) -> list[int]:
        shown = self.plan.shown(column.index)
        return [unit for unit in range(column.units) if self._slot(column, unit) < shown]

    def _centre(self, column: Column, unit: int) -> QPointF:
        return QPointF(*self.plan.centre(column.index, self._slot(column, unit)))

    def _tile_rect(self, centre: QPointF) -> QRectF:
        half = self.plan.tile / 2
        return QRectF(centre.x() - half, centre.y() - half, 2 * half, 2 * half)

    def _out_edge(self, column: Column, unit: int | None) -> QPointF:
        """Where links leave a neuron (or, `unit` None, a band) towards the next layer."""
        return self._edge(column, unit, 1)

    def _in_edge(self, column: Column, unit: int | None) -> QPointF:
        return self._edge(column, unit, -1)

    def _edge(self, column: Column, unit: int | None, side: int) -> QPointF:
        plan = self.plan
        if unit is None:
            x, y = plan.centre(column.index, (plan.slots[column.index] - 1) / 2)
            reach = self._band_rect(column).width() / 2 if plan.orientation == COLUMNS else \
                self._band_rect(column).height() / 2
        else:
            x, y = plan.centre(column.index, self._slot(column, unit))
            reach = plan.tile / 2
        if plan.orientation == COLUMNS:
            return QPointF(x + side * reach, y)
        return QPointF(x, y + side * reach)

    def _band_rect(self, column: Column) -> QRectF:
        plan = self.plan
        x, y = plan.centre(column.index, 0)
        thick = plan.tile * 1.3
        long = min(column.units, 12) * plan.tile * 0.6 + 60
        if plan.orientation == COLUMNS:
            return QRectF(x - thick / 2, y - long / 2, thick, long)
        return QRectF(x - long / 2, y - thick / 2, long, thick)

    def _link_path(self, start: QPointF, end: QPointF) -> QPainterPath:
        path = QPainterPath(start)
        if self.plan.orientation == COLUMNS:
            middle = (start.x() + end.x()) / 2
            path.cubicTo(QPointF(middle, start.y()), QPointF(middle, end.y()), end)
        else:
            middle = (start.y() + end.y()) / 2
            path.cubicTo(QPointF(start.x(), middle), QPointF(end.x(), middle), end)
        return path

    # ---- items ----
    def _scene_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(LABEL_POINTS, font.pointSizeF()))
        return font

    def _text(self, text: str, color: QColor) -> QGraphicsSimpleTextItem:
        label = QGraphicsSimpleTextItem(text)
        label.setBrush(color)
        label.setFont(self._scene_font())
        label.setZValue(4)
        self.scene.addItem(label)
        self.label_items.append(label)
        return label

    def _button(self, rect: QRectF, text: str, activate: Callable[[], None], tip: str,
                color: QColor) -> ButtonItem:
        button = ButtonItem(rect, text, activate, tip, self._scene_font(), color)
        self.scene.addItem(button)
        return button

    def _add_column(self, column: Column, text_color: QColor) -> None:
        if column.drawn_as_neurons:
            for unit in self._drawn_units(column):
                self._add_neuron(column, unit, text_color)
            if column.index == 0 and self.inputs_offered:
                self._add_input_toggles(text_color)
            self._add_more_item(column, text_color)
            first = self._tile_rect(QPointF(*self.plan.centre(column.index, 0)))
        else:
            rect = self._band_rect(column)
            band = BandItem(column, rect, self._scene_font())
            band.setBrush(QBrush(QColor(128, 128, 128, 60)))
            band.setPen(QPen(text_color, 0.8))
            band.label.setBrush(text_color)
            band.describe = lambda c=column: self.describe_band(c.index)
            self.scene.addItem(band)
            self.band_items[column.index] = band
            first = rect
        self._add_header(column, first, text_color)

    def _add_neuron(self, column: Column, unit: int, text_color: QColor) -> None:
        rect = self._tile_rect(self._centre(column, unit))
        neuron = NeuronItem(column, unit, rect)
        neuron.describe = lambda c=column, u=unit: self.describe_neuron(c.index, u)
        neuron.setBrush(QBrush(self.palette().color(self.backgroundRole()).lighter(105)))
        neuron.setPen(QPen(Qt.PenStyle.NoPen))
        neuron.ring.setPen(QPen(self._outline_color(text_color), 1.0))
        self.scene.addItem(neuron)
        self.scene.addItem(neuron.ring)
        self.neuron_items[(column.index, unit)] = neuron
        if self._has_bias(column):
            side = BIAS_SHARE * self.plan.tile
            bias = QGraphicsRectItem(rect.left() - side / 3, rect.bottom() - side * 2 / 3,
                                     side, side)
            bias.setZValue(4)
            bias.setPen(QPen(text_color, 0.6))
            bias.describe = lambda c=column, u=unit: self.describe_bias(c.index, u)
            self.scene.addItem(bias)
            self.bias_items[(column.index, unit)] = bias

    @staticmethod
    def _outline_color(text_color: QColor) -> QColor:
        return text_color.darker(110) if text_color.lightness() < 128 else text_color

    def _add_input_toggles(self, text_color: QColor) -> None:
        """A tick box beside each offered input; the inputs not used are empty grey tiles."""
        shown = self.plan.shown(0)
        for slot, text in enumerate(self.inputs_offered[:shown]):
            centre = QPointF(*self.plan.centre(0, slot))
            used = text in self.inputs_chosen
            if not used:
                tile = QGraphicsRectItem(self._tile_rect(centre))
                tile.setPen(QPen(text_color, 0.8, Qt.PenStyle.DashLine))
                tile.setBrush(QBrush(QColor(128, 128, 128, 30)))
                tile.setZValue(2)
                self.scene.addItem(tile)
            box = self._toggle_rect(centre)
            tip = (f"{text} is an input of the network: click to leave it out" if used else
                   f"{text} is not used: click to make it an input of the network")
            self.toggle_items[text] = self._button(
                box, "✓" if used else "", lambda t=text: self.toggle_input(t), tip, text_color)

    def _toggle_rect(self, centre: QPointF) -> QRectF:
        half = self.plan.tile / 2
        if self.plan.orientation == COLUMNS:
            return QRectF(centre.x() - half - BUTTON - 6, centre.y() - BUTTON / 2, BUTTON, BUTTON)
        return QRectF(centre.x() - BUTTON / 2, centre.y() - half - BUTTON - 4, BUTTON, BUTTON)

    def _add_more_item(self, column: Column, text_color: QColor) -> None:
        """"+N more" in the last slot of a column that hides neurons; "fewer" after an
        expanded one."""
        plan = self.plan
        hidden = plan.hidden[column.index]
        if hidden:
            centre = QPointF(*plan.centre(column.index, plan.slots[column.index] - 1))
            text, tip = f"+{hidden} more", f"Draw all {self._slot_counts()[column.index]}"
            activate = lambda c=column.index: self.expand(c)  # noqa: E731
        elif column.index in self.expanded:
            centre = QPointF(*plan.centre(column.index, plan.slots[column.index]))
            text, tip = "fewer", "Draw only as many as fit"
            activate = lambda c=column.index: self.expand(c, False)  # noqa: E731
        else:
            return
        label = QGraphicsSimpleTextItem(text)
        label.setFont(self._scene_font())
        width = max(plan.tile, label.boundingRect().width() + 10)
        height = min(plan.tile, label.boundingRect().height() + 8)
        # In a row it grows away from the neurons before it rather than over them.
        left = centre.x() - (width / 2 if plan.orientation == COLUMNS else plan.tile / 2)
        rect = QRectF(left, centre.y() - height / 2, width, height)
        self.more_items[column.index] = self._button(rect, text, activate, tip, text_color)

    def _add_header(self, column: Column, first: QRectF, text_color: QColor) -> None:
        """The layer's name and size before its first neuron, and its +/− neuron buttons."""
        header = self._text(f"{column.title}\n{column.subtitle}", text_color)
        box = header.boundingRect()
        editable = self._units_editable(column)
        if self.plan.orientation == COLUMNS:
            header.setPos(first.center().x() - box.width() / 2, first.top() - box.height() - 4)
            corner = QPointF(first.center().x() - BUTTON - 2, first.top() - box.height() - BUTTON - 8)
            step = QPointF(BUTTON + 4, 0)
        else:
            header.setPos(first.left() - box.width() - 14, first.center().y() - box.height() / 2)
            corner = QPointF(first.left() - 2 * BUTTON - 18, first.center().y() + box.height() / 2 + 2)
            step = QPointF(BUTTON + 4, 0)
        if not editable:
            return
        for index, (change, sign) in enumerate(((1, "+"), (-1, "−"))):
            at = corner + step * index
            word = "Add a neuron to" if change > 0 else "Remove a neuron from"
            button = self._button(QRectF(at.x(), at.y(), BUTTON, BUTTON), sign,
                                  lambda c=column.index, d=change: self.change_units(c, d),
                                  f"{word} {column.node_id}", text_color)
            button.setEnabled(change > 0 or column.units > 1)
            self.unit_buttons[(column.index, change)] = button

    def _units_editable(self, column: Column) -> bool:
        """A hidden Dense layer's neurons can be added and removed (the output's follow the
        data)."""
        return column.node_type == "dense" and 0 < column.index < len(self.columns) - 1

    def _add_output_labels(self, text_color: QColor) -> None:
        """Class names beside (or below) the output neurons of a classifier."""
        column = self.columns[-1]
        if not column.drawn_as_neurons:
            return
        names = self.live.output_names(column.units)
        for unit in self._drawn_units(column):
            if unit >= len(names):
                continue
            label = self._text(names[unit], text_color)
            box, tile = label.boundingRect(), self._tile_rect(self._centre(column, unit))
            if self.plan.orientation == COLUMNS:
                label.setPos(tile.right() + 8, tile.center().y() - box.height() / 2)
            else:
                label.setPos(tile.center().x() - box.width() / 2, tile.bottom() + 4)

    def _add_input_labels(self, text_color: QColor) -> None:
        """Input names before the input neurons (each offered input's, when they toggle)."""
        column = self.columns[0]
        if not (column.node_type == "input" and column.drawn_as_neurons):
            return
        if self.inputs_offered:
            named = list(enumerate(self.inputs_offered[:self.plan.shown(0)]))
        else:
            named = [(unit, self.unit_name(column, unit)) for unit in self._drawn_units(column)]
        columns = self.plan.orientation == COLUMNS
        for slot, name in named:
            label = self._text(name, text_color)
            box = label.boundingRect()
            tile = self._tile_rect(QPointF(*self.plan.centre(0, slot)))
            room = BUTTON + 10 if self.inputs_offered else 0
            if columns:
                label.setPos(tile.left() - room - 6 - box.width(),
                             tile.center().y() - box.height() / 2)
            else:
                label.setPos(tile.center().x() - box.width() / 2,
                             tile.top() - room - 2 - box.height())

    def _add_picture(self, text_color: QColor) -> None:
        """The output's decision picture, large beside the network, with the training points."""
        plan, plane = self.plan, self.live.plane
        if plane is None or plan.picture <= 0:
            return
        x, y = plan.picture_origin
        self.picture = QGraphicsPixmapItem()
        self.picture.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.picture.setPos(x, y)
        self.picture.setScale(plan.picture / PICTURE_RESOLUTION)
        self.picture.setZValue(1)
        self.picture.describe = lambda: ("The network's output over the input plane, with the "
                                         "training points: its decision.")
        self.scene.addItem(self.picture)
        frame = QGraphicsRectItem(x, y, plan.picture, plan.picture)
        frame.setPen(QPen(self._outline_color(text_color), 1.0))
        frame.setZValue(3)
        self.scene.addItem(frame)
        self.picture_caption = self._text(self._caption("Output"), text_color)
        self.picture_caption.setPos(x, y - self.picture_caption.boundingRect().height() - 4)
        self._add_points(QRectF(x, y, plan.picture, plan.picture), plane)

    def _add_points(self, rect: QRectF, plane) -> None:
        live = self.live
        if not live.data_fits or live.prepared.train.n_samples == 0:
            return
        train = live.prepared.train
        points = plane.project(live.plane_points("train"))[:MAX_POINTS]
        (x0, x1), (y0, y1) = plane.x_range, plane.y_range
        px = rect.left() + (points[:, 0] - x0) / (x1 - x0) * rect.width()
        py = rect.bottom() - (points[:, 1] - y0) / (y1 - y0) * rect.height()
        labels = (np.asarray(train.y).reshape(train.n_samples, -1)[:MAX_POINTS, 0]
                  if train.is_classification else np.zeros(len(points), dtype=int))
        radius = 2.6
        for label in np.unique(labels.astype(int)):
            path = QPainterPath()
            for u, v in zip(px[labels == label], py[labels == label]):
                if rect.contains(u, v):
                    path.addEllipse(QPointF(u, v), radius, radius)
            item = QGraphicsPathItem(path)
            item.setBrush(QBrush(QColor(class_color(int(label)) if train.is_classification
                                        else "#555555")))
            item.setPen(QPen(QColor("white"), 0.8))
            item.setZValue(2)
            self.scene.addItem(item)

    def _has_bias(self, column: Column) -> bool:
        return self.live.display.has_tensor(f"{column.node_id}.bias")

    def _add_links(self, column: Column) -> None:
        grey = QColor(128, 128, 128, 110)
        for source_index in column.sources:
            source = self.columns[source_index]
            weighted = column.node_type in WEIGHTED_TYPES
            if (column.node_type == "dense" and source.drawn_as_neurons
                    and column.drawn_as_neurons and source.units == self._in_features(column)):
                for target in self._drawn_units(column):
                    for unit in self._drawn_units(source):
                        path = self._link_path(self._out_edge(source, unit),
                                               self._in_edge(column, target))
                        link = LinkItem(path, column, unit, target)
                        link.describe = lambda l=link: self.describe_link(l)
                        self.scene.addItem(link)
                        self.link_items[(column.index, unit, target)] = link
                continue
            if column.node_type == "dense" and column.drawn_as_neurons:
                self._add_fan(source, column)
                continue
            start = self._out_edge(source, None if not source.drawn_as_neurons else
                                   self._middle_unit(source))
            end = self._in_edge(column, None if not column.drawn_as_neurons else
                                self._middle_unit(column))
            path = QPainterPath(start)
            path.lineTo(end)
            connector = ConnectorItem(path, column)
            connector.setPen(QPen(grey, 10.0 if weighted else 3.0, Qt.PenStyle.SolidLine,
                                  Qt.PenCapStyle.FlatCap))
            connector.describe = lambda c=column, s=source: self.describe_connector(c.index,
                                                                                    s.index)
            self.scene.addItem(connector)
            self.connector_items.append(connector)

    def _middle_unit(self, column: Column) -> int:
        drawn = self._drawn_units(column)
        return drawn[len(drawn) // 2]

    def _add_fan(self, source: Column, column: Column) -> None:
        """From a band into each neuron: one connector per neuron, as wide as its mean |w|."""
        start = self._out_edge(source, None)
        for unit in self._drawn_units(column):
            path = self._link_path(start, self._in_edge(column, unit))
            connector = ConnectorItem(path, column)
            connector.unit = unit
            connector.describe = lambda c=column, s=source, u=unit: self.describe_fan(
                c.index, s.index, u)
            self.scene.addItem(connector)
            self.connector_items.append(connector)

    def _in_features(self, column: Column) -> int:
        weight = self.live.display.array(f"{column.node_id}.weight")
        return int(weight.shape[1])

    def _update_weights(self) -> None:
        display = self.live.display
        for column in self.columns:
            if column.node_type not in WEIGHTED_TYPES or not display.has_tensor(
                    f"{column.node_id}.weight"):
                continue
            weight = display.array(f"{column.node_id}.weight")
            links = [(key, item) for key, item in self.link_items.items()
                     if key[0] == column.index]
            if links:
                widths = link_width(weight)
                for (_, source, target), link in links:
                    w = float(weight[target, source])
                    link.weight = w
                    link.setPen(QPen(link_color(w), float(widths[target, source])))
            if column.index in self.band_items:
                self.band_items[column.index].label.setText(self._band_summary(column))
                self._centre_label(self.band_items[column.index])
            bias_key = f"{column.node_id}.bias"
            if display.has_tensor(bias_key):
                bias = display.array(bias_key)
                colors = to_rgba(bias, (-1.0, 1.0))
                for unit in range(min(len(bias), column.units)):
                    item = self.bias_items.get((column.index, unit))
                    if item is not None:
                        r, g, b, a = (int(v) for v in colors[unit])
                        item.setBrush(QBrush(QColor(r, g, b, a)))
        for connector in self.connector_items:
            unit = getattr(connector, "unit", None)
            if unit is not None:
                row = display.array(f"{connector.column.node_id}.weight")[unit]
                strength = float(np.mean(np.abs(row)))
                connector.setPen(QPen(QColor(128, 128, 128, 130),
                                      float(link_width(4 * strength))))
        for index, band in self.band_items.items():
            if self.columns[index].node_type not in WEIGHTED_TYPES:
                band.label.setText(self._band_summary(self.columns[index]))
                self._centre_label(band)

    def _band_summary(self, column: Column) -> str:
        lines = [f"{column.units}", "units" if len(column.shape) == 1 else "values"]
        key = f"{column.node_id}.weight"
        if self.live.display.has_tensor(key):
            weight = self.live.display.array(key)
            lines.append(f"mean\n|w|\n{float(np.mean(np.abs(weight))):.3f}")
        return "\n".join(lines)

    @staticmethod
    def _centre_label(band: BandItem) -> None:
        rect, text = band.rect(), band.label.boundingRect()
        band.label.setPos(rect.center().x() - text.width() / 2,
                          rect.center().y() - text.height() / 2)

    def _update_heatmaps(self) -> None:
        probe = self.live.plane_probe(THUMBNAIL_RESOLUTION)
        self.thumbnails, self.heatmap_levels = {}, {}
        for neuron in self.neuron_items.values():
            if neuron.heatmap.isVisible() != (probe is not None):
                neuron.heatmap.setVisible(probe is not None)
        self.legend.setVisible(probe is not None)
        if probe is None:
            return
        for column in self.columns:
            if not column.drawn_as_neurons:
                continue
            values = probe.values[column.shown_id]
            self.thumbnails[column.index] = values
            low, high = heatmap_levels(column, values)
            self.heatmap_levels[column.index] = (low, high)
            # One colour lookup per column; image rows run top-down, the grid's bottom-up.
            rgba = to_rgba(values[:, ::-1], (np.reshape(low, (-1, 1, 1)),
                                             np.reshape(high, (-1, 1, 1))))
            for unit in self._drawn_units(column):
                self.neuron_items[(column.index, unit)].heatmap.setPixmap(
                    QPixmap.fromImage(qimage(rgba[unit])))
        self._update_legend()

    def _update_legend(self) -> None:
        """The colour scale of the hovered neuron's layer, else of the last hidden layer's
        heatmaps (an input's own range for an input)."""
        shown = {self.columns[index].shown_id: index for index in self.heatmap_levels}
        hovered = self.live.hovered
        if hovered is not None and hovered[0] in shown:
            index, unit = shown[hovered[0]], hovered[1]
        elif self.heatmap_levels:  # the layer before the output, as Playground's one scale
            layers = [i for i in self.heatmap_levels if self.columns[i].node_type != "input"]
            index, unit = (layers[-2] if len(layers) > 1 else max(self.heatmap_levels)), 0
        else:
            return
        column, (low, high) = self.columns[index], self.heatmap_levels[index]
        if column.node_type == "input":
            low, high = low[unit], high[unit]
            what = f"{self.unit_name(column, unit)} over the plane"
        else:
            what = f"the output of each neuron of {column.title} ({column.activation or 'linear'})"
        self.legend.set_scale((float(low), float(high)), title=what)

    def _caption(self, what: str) -> str:
        """What the picture shows, over which plane: two lines as wide as the picture."""
        plane, metrics = self.live.plane, QFontMetricsF(self._scene_font())
        lines = (what, f"over {plane.labels[0]} → and {plane.labels[1]} ↑")
        return "\n".join(metrics.elidedText(line, Qt.TextElideMode.ElideRight,
                                             self.plan.picture) for line in lines)

    def _update_picture(self) -> None:
        """The output's decision, or, while the pointer is over a neuron, that neuron's
        output at the picture's size."""
        if self.picture is None:
            return
        live = self.live
        hovered = next(((column, live.hovered[1]) for column in self.columns
                        if live.hovered and column.shown_id == live.hovered[0]
                        and column.drawn_as_neurons), None)
        if hovered is None:
            output = live.display.output_id
            values = live.plane_probe(PICTURE_RESOLUTION, (output,)).values[output]
            rgba, what = self.decision_rgba(values), "Output"
        else:
            column, unit = hovered
            values = live.plane_probe(PICTURE_RESOLUTION, (column.shown_id,)).values[
                column.shown_id]
            low, high = (np.broadcast_to(level, (column.units,))[unit]
                         for level in heatmap_levels(column, values))
            rgba, what = to_rgba(values[unit, ::-1], (low, high)), self.unit_name(column, unit)
        self.picture.setPixmap(QPixmap.fromImage(qimage(rgba)))
        self.picture_caption.setText(self._caption(what))

    @Slot()
    def _on_live_hovered_changed(self) -> None:
        if self.live.display is not None and self.is_shown():
            self._update_picture()
            self._update_legend()

    def decision_rgba(self, values: np.ndarray) -> np.ndarray:
        """The output picture's pixels (rows top-down) from the output over the plane: the
        class the network picks and how sure it is, or the value through the diverging scale."""
        activation = self.live.display.model.output_activation
        values = values[:, ::-1]
        if values.shape[0] > 1:
            if activation != "softmax":
                shifted = np.exp(values - values.max(axis=0, keepdims=True))
                values = shifted / shifted.sum(axis=0, keepdims=True)
            return class_rgba(values)
        levels = (0.0, 1.0) if activation == "sigmoid" else levels_for(None, values[0])
        return to_rgba(values[0], levels, BACKGROUND_LUT)

    # ---- edits from the drawing ----
    def toggle_input(self, text: str) -> None:
        """Switch the offered input `text` on or off: one undoable edit of the document."""
        from nnstudio.gui.transform_edits import choose_inputs

        chosen = set(self.inputs_chosen) ^ {text}
        ordered = tuple(t for t in self.inputs_offered if t in chosen)
        self._report(choose_inputs(self.live.document, ordered, self.input_columns))

    def change_units(self, column_index: int, change: int) -> None:
        """One neuron more or fewer in a hidden Dense layer."""
        from nnstudio.core.errors import SpecError
        from nnstudio.gui.editor.graph_edits import units_command

        document = self.live.document
        try:
            command = units_command(document.network, self.columns[column_index].node_id, change)
        except SpecError as error:
            self._report(str(error))
            return
        document.push(command)

    def add_hidden_layer(self) -> None:
        """A hidden Dense layer before the output, like the last hidden one."""
        from nnstudio.gui.editor.graph_edits import add_hidden_layer_command

        document = self.live.document
        command = add_hidden_layer_command(document.network)
        if command is not None:
            document.push(command)

    def remove_hidden_layer(self) -> None:
        """The last hidden Dense layer goes, with the activation or dropout folded into it."""
        from nnstudio.gui.editor.graph_edits import remove_hidden_layer_command

        document = self.live.document
        command = remove_hidden_layer_command(document.network)
        if command is not None:
            document.push(command)

    def _report(self, message: str | None) -> None:
        if message:  # the window shows a refused edit's reason in its status bar
            self.live.document.edit_rejected.emit(message)

    # ---- words for tooltips and details ----
    def unit_name(self, column: Column, unit: int) -> str:
        if column.node_type == "input" and len(column.shape) == 1:
            names = self.live.feature_names
            return names[unit] if unit < len(names) else f"x{unit + 1}"
        outputs = self.live.output_names(column.units) if column is self.columns[-1] else ()
        if outputs:  # the data's classes name the output neurons
            return f"{column.title} output “{outputs[unit]}”"
        return f"{column.title} neuron {unit + 1}"

    def describe_neuron(self, column_index: int, unit: int) -> str:
        column = self.columns[column_index]
        if column.node_type == "input":
            return f"Input {self.unit_name(column, unit)}{self._input_units(unit)}"
        lines = [f"{self.unit_name(column, unit)}"]
        if column.activation:
            lines.append(f"activation: {column.activation}")
        bias = self._bias(column)
        if bias is not None:
            lines.append(f"bias b = {format_value(bias[unit])}")
        weight = self._weight(column)
        if weight is not None and weight.ndim == 2:
            lines.append(f"{weight.shape[1]} incoming weights (click to list them)")
        return "\n".join(lines)

    def _input_units(self, feature: int) -> str:
        """Where input `feature` lies in the data's own units, and what the network sees."""
        live = self.live
        if not live.data_fits or len(live.display.input_shape) != 1:
            return ""
        raw = live.raw_inputs(live.prepared.train.x)[:, feature]
        text = f"\nin the data: {format_value(raw.min())} to {format_value(raw.max())}"
        if live.inputs_scaled:
            shift, scale = live.feature_units(feature)
            text += (f"\nthe network sees it scaled: (x − {format_value(shift)}) / "
                     f"{format_value(scale)}")
        return text

    def describe_bias(self, column_index: int, unit: int) -> str:
        column = self.columns[column_index]
        return (f"Bias of {self.unit_name(column, unit)}: "
                f"b = {format_value(self._bias(column)[unit])}")

    def describe_link(self, link: LinkItem) -> str:
        column = link.column
        source = self.columns[column.sources[0]]
        weight = float(self._weight(column)[link.target, link.source])
        return (f"Weight from {self.unit_name(source, link.source)} to "
                f"{self.unit_name(column, link.target)}: w = {format_value(weight)}")

    def describe_band(self, column_index: int) -> str:
        column = self.columns[column_index]
        text = f"{column.title}: {column.subtitle}\n{column.units} values"
        weight = self._weight(column)
        if weight is not None:
            text += (f"\n{weight.size} weights, mean |w| = {float(np.mean(np.abs(weight))):.4g}")
        return text

    def describe_connector(self, column_index: int, source_index: int) -> str:
        column, source = self.columns[column_index], self.columns[source_index]
        arrays = self.live.display.weight_arrays(column.node_id)  # a recurrent layer has several
        if not arrays:
            return f"{source.title} → {column.title} (no weights)"
        weight = np.concatenate([array.ravel() for array in arrays.values()])
        both = " (both directions)" if any(key.endswith("_reverse") for key in arrays) else ""
        return (f"{source.title} → {column.title}: {weight.size} weights{both}, "
                f"mean |w| = {float(np.mean(np.abs(weight))):.4g}")

    def describe_fan(self, column_index: int, source_index: int, unit: int) -> str:
        column, source = self.columns[column_index], self.columns[source_index]
        row = self._weight(column)[unit]
        return (f"{source.title} → {self.unit_name(column, unit)}: {row.size} weights, "
                f"mean |w| = {float(np.mean(np.abs(row))):.4g} (click the neuron to list them)")

    def _weight(self, column: Column) -> np.ndarray | None:
        key = f"{column.node_id}.weight"
        return self.live.display.array(key) if self.live.display.has_tensor(key) else None

    def _bias(self, column: Column) -> np.ndarray | None:
        key = f"{column.node_id}.bias"
        return self.live.display.array(key) if self.live.display.has_tensor(key) else None

    # ---- selection ----
    @Slot(object)
    def _on_view_neuron_clicked(self, neuron: NeuronItem) -> None:
        self.select_neuron(neuron.column.index, neuron.unit)

    @Slot(object)
    def _on_view_neuron_hovered(self, neuron: NeuronItem | None) -> None:
        # The live model holds it; the decision boundary shows that neuron's output large.
        if neuron is None:
            self.live.set_hovered(None)
        else:
            self.live.set_hovered(neuron.column.shown_id, neuron.unit)

    def select_neuron(self, column_index: int, unit: int) -> None:
        """Highlight a neuron and list its incoming weights and bias below the drawing."""
        if self.selected is not None and self.selected in self.neuron_items:
            old = self.neuron_items[self.selected].ring
            old.setPen(QPen(old.pen().color(), 1.0))
        self.selected = (column_index, unit)
        ring = self.neuron_items[self.selected].ring
        # The text colour, thick: it stands out on blue and orange heatmaps alike.
        ring.setPen(QPen(self.palette().color(self.foregroundRole()), SELECTED_RING))
        self.details_box.setVisible(True)
        self._show_details(column_index, unit)

    def _clear_details(self) -> None:
        self.details.setRowCount(0)
        self.details_box.setVisible(False)

    def _show_details(self, column_index: int, unit: int) -> None:
        column = self.columns[column_index]
        weight, bias = self._weight(column), self._bias(column)
        if column.node_type == "input" or weight is None or weight.ndim != 2:
            self.details.setRowCount(0)
            self.details_title.setText(f"{self.unit_name(column, unit)}: no incoming weights.")
            return
        source = self.columns[column.sources[0]]
        key = f"{column.node_id}.weight"
        rows = [(self._source_name(source, i), float(weight[unit, i]), (key, (unit, i)))
                for i in range(weight.shape[1])]
        if bias is not None:
            rows.append(("bias b", float(bias[unit]), (f"{column.node_id}.bias", (unit,))))
        act = column.activation or "linear"
        self.details_title.setText(
            f"{self.unit_name(column, unit)}: a = {act}(Σ wᵢ·xᵢ + b), "
            f"{weight.shape[1]} incoming weights")
        with QSignalBlocker(self.details):  # filling the table is not an edit
            self.details.setRowCount(len(rows))
            for row, (name, value, place) in enumerate(rows):
                label = QTableWidgetItem(name)
                label.setFlags(label.flags() & ~Qt.ItemFlag.ItemIsEditable)
                number = QTableWidgetItem(format_value(value))
                number.setData(Qt.ItemDataRole.UserRole, value)
                number.setData(WEIGHT_PLACE_ROLE, place)
                number.setToolTip("Double-click to type another value")
                number.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                        | Qt.AlignmentFlag.AlignVCenter)
                number.setForeground(QBrush(QColor(POSITIVE_COLOR if value >= 0
                                                   else NEGATIVE_COLOR)))
                self.details.setItem(row, 0, label)
                self.details.setItem(row, 1, number)

    # ---- weights by hand ----
    @Slot(object)
    def _on_view_item_double_clicked(self, item: QGraphicsItem) -> None:
        if isinstance(item, LinkItem):
            column, index = item.column, (item.target, item.source)
            key, what = f"{column.node_id}.weight", self.describe_link(item)
        else:
            place = next((p for p, bias in self.bias_items.items() if bias is item), None)
            if place is None:
                return
            column, index = self.columns[place[0]], (place[1],)
            key, what = f"{column.node_id}.bias", self.describe_bias(*place)
        current = float(self.live.display.array(key)[index])
        value, ok = QInputDialog.getDouble(self, "Edit by hand", f"{what}\nNew value:",
                                           current, -1e6, 1e6, 4)
        if ok:
            self.set_weight(key, index, value)

    @Slot(QTableWidgetItem)
    def _on_details_item_changed(self, item: QTableWidgetItem) -> None:
        place = item.data(WEIGHT_PLACE_ROLE)
        if place is None:
            return
        try:
            value = float(item.text().replace(",", "."))
        except ValueError:
            self._report(f"'{item.text()}' is not a number.")
            value = math.nan
        if math.isnan(value) or not self.set_weight(*place, value):
            self.update_view()  # the table shows the weights as they are

    def set_weight(self, key: str, index: tuple[int, ...], value: float) -> bool:
        """Set one weight or bias of the current weights by hand, as an undoable edit; False
        (and the reason in the status bar) when refused."""
        if self.live.viewed is not None:
            message = ("The views show an earlier epoch of the timeline: choose Latest to edit "
                       "the current weights.")
        else:
            message = edit_weight(self.live.document, key, tuple(index), value,
                                  fresh=self.live.display.initial)
        self._report(message)
        return message is None

    def _source_name(self, source: Column, index: int) -> str:
        """Where a weight comes from, short: "x1", "dense_1 #3", "flatten_1 #40"."""
        if source.node_type == "input" and len(source.shape) == 1:
            return self.unit_name(source, index)
        return f"{source.title} #{index + 1}"

    def details_rows(self) -> list[tuple[str, float]]:
        """What the details table lists: (name, value) per row."""
        return [(self.details.item(r, 0).text(),
                 self.details.item(r, 1).data(Qt.ItemDataRole.UserRole))
                for r in range(self.details.rowCount())]


def heatmap_levels(column: Column, values: np.ndarray) -> tuple:
    """Fixed levels for a column's heatmaps `values` (units, rows, columns): its activation's
    range when bounded, otherwise symmetric around zero and wide enough for the column; for
    the input features, each feature's own range over the plane (arrays, one per unit)."""
    if column.node_type == "input":
        low = values.min(axis=(1, 2))
        high = values.max(axis=(1, 2))
        flat = high <= low
        return np.where(flat, low - 1, low), np.where(flat, high + 1, high)
    return levels_for(column.activation, values)


def plane_description(plane) -> str:
    if plane.kind == "pca":
        share = sum(plane.explained or (0.0, 0.0))
        return (f"the first two principal components of the inputs ({share:.0%} of the "
                f"variance), the plane through the mean")
    others = plane.dimensions - 2
    text = f"{plane.labels[0]} (across) and {plane.labels[1]} (up)"
    return text + (f", the other {others} inputs at their median" if others > 0 else "")


def format_value(value: float) -> str:
    return f"{float(value):.4g}"

