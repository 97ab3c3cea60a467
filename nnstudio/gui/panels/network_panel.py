"""The network view: the network drawn neuron by neuron, as in TensorFlow Playground.

Each layer is a column of circles; links between neurons are coloured by the weight's sign
(orange negative, blue positive) and thickened by |w|; each neuron's bias is the small square at
its lower left. A layer too wide to draw neuron by neuron (more than 32 units, or an image) is a
band with a summary. Hovering a link or a neuron shows its value; clicking a neuron lists its
incoming weights and its bias below the drawing.

When the input is a vector (two features, or more seen through a plane of two features or of
the first two principal components), every neuron shows a small heatmap of its output over the
input plane, as in Playground. The items are made once per network structure; a refresh only
sets pens, brushes and pixmaps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import (
    QBrush, QColor, QFont, QPainter, QPainterPath, QPainterPathStroker, QPen, QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView, QGraphicsEllipseItem, QGraphicsItem, QGraphicsPathItem,
    QGraphicsPixmapItem, QGraphicsRectItem, QGraphicsScene, QGraphicsSimpleTextItem,
    QGraphicsView, QHeaderView, QLabel, QSplitter, QTableWidget, QTableWidgetItem, QToolTip,
    QVBoxLayout, QWidget,
)

from nnstudio.core.layers import LAYER_TYPES
from nnstudio.gui.live_model import INITIAL, LIVE, MISMATCH, LivePanel, LiveModel
from nnstudio.gui.panels.heatmap import (
    NEGATIVE_COLOR, POSITIVE_COLOR, levels_for, qimage, to_rgba,
)

MAX_NEURONS = 32  # wider layers are drawn as a band
THUMBNAIL_RESOLUTION = 24  # grid points per side of a neuron's heatmap
RADIUS = 24.0
NEURON_GAP = 62.0  # between neuron centres in a column
COLUMN_GAP = 210.0  # between columns, at the least; wider to fill a wide, low view
MAX_COLUMN_GAP = 480.0
BAND_WIDTH = 46.0
BIAS_SIZE = 11.0
SELECTED_RING = 4.5  # pen width of the chosen neuron's ring
MAX_WIDTH_WEIGHT = 3.0  # |w| at and beyond which a link has its full width
# Drawn inside the column of the layer before them (activations, dropout), and drawn with
# weights: both are traits of the layer registry.
FOLDED_TYPES = tuple(key for key, kind in LAYER_TYPES.items() if kind.folds)
WEIGHTED_TYPES = tuple(key for key, kind in LAYER_TYPES.items() if kind.weighted)
# The heatmap pixels inside the neuron's circle (the others are left transparent).
_centres = (np.arange(THUMBNAIL_RESOLUTION) + 0.5) / THUMBNAIL_RESOLUTION * 2 - 1
DISC = (_centres[None, :] ** 2 + _centres[:, None] ** 2) <= 1.0


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

class NeuronItem(QGraphicsEllipseItem):
    """A neuron: a circle, with its heatmap inside when there is an input plane (the heatmap's
    corners are transparent, which costs far less to paint than clipping to the circle)."""

    def __init__(self, column: Column, unit: int, centre: QPointF):
        super().__init__(centre.x() - RADIUS, centre.y() - RADIUS, 2 * RADIUS, 2 * RADIUS)
        self.column, self.unit = column, unit
        self.setZValue(2)
        self.heatmap = QGraphicsPixmapItem(self)
        self.heatmap.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.heatmap.setPos(centre.x() - RADIUS, centre.y() - RADIUS)
        self.heatmap.setScale(2 * RADIUS / THUMBNAIL_RESOLUTION)
        self.heatmap.setVisible(False)
        # Drawn over the heatmap; not a child, which the circle would clip to half its pen.
        self.ring = QGraphicsEllipseItem(self.rect())
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

    def __init__(self, column: Column, rect: QRectF):
        super().__init__(rect)
        self.column = column
        self.setZValue(2)
        self.label = QGraphicsSimpleTextItem(self)
        font = QFont()
        font.setPointSizeF(8)
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
    """The drawing: fits itself to its size; tooltips and clicks go to the panel."""

    neuron_clicked = Signal(object)  # NeuronItem
    neuron_hovered = Signal(object)  # the NeuronItem under the pointer, or None
    resized = Signal()

    def __init__(self, scene: QGraphicsScene, parent: QWidget | None = None):
        super().__init__(scene, parent)
        self.setObjectName("network_view")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMouseTracking(True)

    def fit(self) -> None:
        rect = self.scene().itemsBoundingRect().adjusted(-12, -12, 12, 12)
        if rect.isValid():
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit()
        self.resized.emit()

    def item_at(self, view_point) -> QGraphicsItem | None:
        """The neuron, bias, link or band under `view_point` (viewport coordinates)."""
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
        if isinstance(item, NeuronItem) and event.button() == Qt.MouseButton.LeftButton:
            self.neuron_clicked.emit(item)
            event.accept()
            return
        super().mousePressEvent(event)


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
        self.thumbnails: dict[int, np.ndarray] = {}  # column -> (units, res, res) float32
        self.selected: tuple[int, int] | None = None
        self.column_gap = COLUMN_GAP
        self._built_for: int | None = None
        self._relayout = False
        self.highlight_item: QGraphicsRectItem | None = None  # around live.highlighted_layer
        self._build()
        live.highlight_changed.connect(self.show_highlight)

    def _build(self) -> None:
        self.note = QLabel("Getting the network ready…")
        self.note.setObjectName("network_note")
        self.note.setWordWrap(True)
        self.scene = NetworkScene(self)
        self.view = NetworkView(self.scene)
        self.view.neuron_clicked.connect(self._on_view_neuron_clicked)
        self.view.neuron_hovered.connect(self._on_view_neuron_hovered)
        self.view.resized.connect(self._on_view_resized)
        self.details_title = QLabel("Click a neuron to list its incoming weights and bias.")
        self.details_title.setObjectName("neuron_details_title")
        self.details_title.setWordWrap(True)
        self.details = QTableWidget(0, 2)
        self.details.setObjectName("neuron_details")
        self.details.setHorizontalHeaderLabels(["Weight from", "Value"])
        self.details.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.details.verticalHeader().setVisible(False)
        self.details.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
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
        layout.addWidget(self.note)
        layout.addWidget(splitter, 1)

    # ---- refresh ----
    def update_view(self) -> None:
        live = self.live
        if live.display is None:
            self._clear()
            self.note.setText(live.error or "Nothing to draw yet.")
            return
        if self._built_for != live.structure_version or self._relayout:
            same_network = self._built_for == live.structure_version
            kept = self.selected if same_network else None
            self._rebuild_scene()
            if kept is not None and kept in self.neuron_items:
                self.select_neuron(*kept)
        self.note.setText(self._note_text())
        self._update_weights()
        self._update_heatmaps()
        if self.selected is not None:
            self._show_details(*self.selected)

    def _note_text(self) -> str:
        state = self.live.weights_state
        parts = []
        if state == INITIAL:
            parts.append("Not trained yet: these are the initial random weights.")
        elif state == MISMATCH:
            parts.append("The network changed since it was trained: these are fresh initial "
                         "weights. Train again to see learned ones.")
        elif state == LIVE:
            parts.append("Training: live weights.")
        plane = self.live.plane
        if plane is not None:
            parts.append(f"Heatmaps: each neuron's output over {plane_description(plane)}.")
        parts.append("Click a neuron for its weights.")
        return " ".join(parts)

    def _clear(self) -> None:
        self.scene.clear()
        self.columns, self.thumbnails = [], {}
        self.neuron_items, self.bias_items, self.link_items = {}, {}, {}
        self.band_items, self.connector_items = {}, []
        self.selected = None
        self.highlight_item = None
        self._built_for = None
        self._clear_details()

    def _rebuild_scene(self) -> None:
        self._clear()
        display = self.live.display
        self.columns = network_columns(display)
        self.column_gap = self._fitting_column_gap()
        self._relayout = False
        text_color = self.palette().color(self.foregroundRole())
        for column in self.columns:
            self._add_column(column, text_color)
        for column in self.columns:
            self._add_links(column)
        self._add_output_labels(text_color)
        self._add_input_labels(text_color)
        self._built_for = self.live.structure_version
        self.view.fit()
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

    def _column_x(self, column: Column) -> float:
        return column.index * self.column_gap

    def _fitting_column_gap(self) -> float:
        """Columns spread so the drawing has the view's shape (a wide, low dock is filled)."""
        if len(self.columns) < 2:
            return COLUMN_GAP
        tallest = max((c.units if c.drawn_as_neurons else 12) for c in self.columns)
        height = tallest * NEURON_GAP + 90
        size = self.view.viewport().size()
        width = height * size.width() / max(size.height(), 1)
        gap = (width - 2 * RADIUS - 120) / (len(self.columns) - 1)
        return float(min(MAX_COLUMN_GAP, max(COLUMN_GAP, gap)))

    @Slot()
    def _on_view_resized(self) -> None:
        if not self.columns:
            return
        gap = self._fitting_column_gap()
        if abs(gap - self.column_gap) > 0.15 * self.column_gap:
            self._relayout = True  # lay the drawing out again at the next redraw
            if self.isVisible():
                self.redraw()

    def _unit_y(self, column: Column, unit: int) -> float:
        return (unit - (column.units - 1) / 2) * NEURON_GAP

    def _band_rect(self, column: Column) -> QRectF:
        height = min(column.units, 12) * NEURON_GAP * 0.5 + 60
        return QRectF(self._column_x(column) - BAND_WIDTH / 2, -height / 2, BAND_WIDTH, height)

    def _add_column(self, column: Column, text_color: QColor) -> None:
        x = self._column_x(column)
        if column.drawn_as_neurons:
            top = self._unit_y(column, 0) - RADIUS
            for unit in range(column.units):
                centre = QPointF(x, self._unit_y(column, unit))
                neuron = NeuronItem(column, unit, centre)
                neuron.describe = lambda c=column, u=unit: self.describe_neuron(c.index, u)
                neuron.setBrush(QBrush(self.palette().color(self.backgroundRole()).lighter(105)))
                neuron.setPen(QPen(Qt.PenStyle.NoPen))
                neuron.ring.setPen(QPen(text_color.darker(110) if text_color.lightness() < 128
                                        else text_color, 1.0))
                self.scene.addItem(neuron)
                self.scene.addItem(neuron.ring)
                self.neuron_items[(column.index, unit)] = neuron
                if self._has_bias(column):
                    bias = QGraphicsRectItem(centre.x() - RADIUS - BIAS_SIZE / 3,
                                             centre.y() + RADIUS - BIAS_SIZE * 2 / 3,
                                             BIAS_SIZE, BIAS_SIZE)
                    bias.setZValue(4)
                    bias.setPen(QPen(text_color, 0.6))
                    bias.describe = lambda c=column, u=unit: self.describe_bias(c.index, u)
                    self.scene.addItem(bias)
                    self.bias_items[(column.index, unit)] = bias
        else:
            rect = self._band_rect(column)
            band = BandItem(column, rect)
            band.setBrush(QBrush(QColor(128, 128, 128, 60)))
            band.setPen(QPen(text_color, 0.8))
            band.label.setBrush(text_color)
            band.describe = lambda c=column: self.describe_band(c.index)
            self.scene.addItem(band)
            self.band_items[column.index] = band
            top = rect.top()
        header = QGraphicsSimpleTextItem(f"{column.title}\n{column.subtitle}")
        header.setBrush(text_color)
        header.setFont(self._scene_font())
        width = header.boundingRect().width()
        header.setPos(x - width / 2, top - 38)
        self.scene.addItem(header)

    def _scene_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(9)
        return font

    def _add_output_labels(self, text_color: QColor) -> None:
        """Class names beside the output neurons of a classifier."""
        column = self.columns[-1]
        if not column.drawn_as_neurons:
            return
        for unit, name in enumerate(self.live.output_names(column.units)):
            label = QGraphicsSimpleTextItem(name)
            label.setBrush(text_color)
            label.setFont(self._scene_font())
            height = label.boundingRect().height()
            label.setPos(self._column_x(column) + RADIUS + 8,
                         self._unit_y(column, unit) - height / 2)
            self.scene.addItem(label)

    def _add_input_labels(self, text_color: QColor) -> None:
        """Feature names to the left of the input neurons."""
        column = self.columns[0]
        if not (column.node_type == "input" and column.drawn_as_neurons):
            return
        for unit in range(column.units):
            label = QGraphicsSimpleTextItem(self.unit_name(column, unit))
            label.setBrush(text_color)
            label.setFont(self._scene_font())
            box = label.boundingRect()
            label.setPos(self._column_x(column) - RADIUS - 8 - box.width(),
                         self._unit_y(column, unit) - box.height() / 2)
            self.scene.addItem(label)

    def _has_bias(self, column: Column) -> bool:
        return self.live.display.has_tensor(f"{column.node_id}.bias")

    def _right_edge(self, column: Column, unit: int) -> QPointF:
        return QPointF(self._column_x(column) + RADIUS, self._unit_y(column, unit))

    def _left_edge(self, column: Column, unit: int) -> QPointF:
        return QPointF(self._column_x(column) - RADIUS, self._unit_y(column, unit))

    def _add_links(self, column: Column) -> None:
        grey = QColor(128, 128, 128, 110)
        for source_index in column.sources:
            source = self.columns[source_index]
            weighted = column.node_type in WEIGHTED_TYPES
            if (column.node_type == "dense" and source.drawn_as_neurons
                    and column.drawn_as_neurons and source.units == self._in_features(column)):
                for target in range(column.units):
                    for unit in range(source.units):
                        path = _curve(self._right_edge(source, unit),
                                      self._left_edge(column, target))
                        link = LinkItem(path, column, unit, target)
                        link.describe = lambda l=link: self.describe_link(l)
                        self.scene.addItem(link)
                        self.link_items[(column.index, unit, target)] = link
                continue
            if column.node_type == "dense" and column.drawn_as_neurons:
                self._add_fan(source, column)
                continue
            start = QPointF(self._column_x(source) + (RADIUS if source.drawn_as_neurons
                                                      else BAND_WIDTH / 2), 0)
            end = QPointF(self._column_x(column) - (RADIUS if column.drawn_as_neurons
                                                    else BAND_WIDTH / 2), 0)
            path = QPainterPath(start)
            path.lineTo(end)
            connector = ConnectorItem(path, column)
            connector.setPen(QPen(grey, 10.0 if weighted else 3.0, Qt.PenStyle.SolidLine,
                                  Qt.PenCapStyle.FlatCap))
            connector.describe = lambda c=column, s=source: self.describe_connector(c.index,
                                                                                    s.index)
            self.scene.addItem(connector)
            self.connector_items.append(connector)

    def _add_fan(self, source: Column, column: Column) -> None:
        """From a band into each neuron: one connector per neuron, as wide as its mean |w|."""
        start = QPointF(self._column_x(source) + BAND_WIDTH / 2, 0)
        for unit in range(column.units):
            path = _curve(start, self._left_edge(column, unit))
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
        self.thumbnails = {}
        for neuron in self.neuron_items.values():
            if neuron.heatmap.isVisible() != (probe is not None):
                neuron.heatmap.setVisible(probe is not None)
        if probe is None:
            return
        for column in self.columns:
            if not column.drawn_as_neurons:
                continue
            values = probe.values[column.shown_id]
            self.thumbnails[column.index] = values
            low, high = heatmap_levels(column, values)
            # One colour lookup per column; image rows run top-down, the grid's bottom-up.
            rgba = to_rgba(values[:, ::-1], (np.reshape(low, (-1, 1, 1)),
                                             np.reshape(high, (-1, 1, 1))))
            rgba[:, ~DISC, 3] = 0
            for unit in range(column.units):
                self.neuron_items[(column.index, unit)].heatmap.setPixmap(
                    QPixmap.fromImage(qimage(rgba[unit])))

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
        rows = [(self._source_name(source, i), float(weight[unit, i]))
                for i in range(weight.shape[1])]
        if bias is not None:
            rows.append(("bias b", float(bias[unit])))
        act = column.activation or "linear"
        self.details_title.setText(
            f"{self.unit_name(column, unit)}: a = {act}(Σ wᵢ·xᵢ + b), "
            f"{weight.shape[1]} incoming weights")
        self.details.setRowCount(len(rows))
        for row, (name, value) in enumerate(rows):
            label = QTableWidgetItem(name)
            number = QTableWidgetItem(format_value(value))
            number.setData(Qt.ItemDataRole.UserRole, value)
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            number.setForeground(QBrush(QColor(POSITIVE_COLOR if value >= 0 else NEGATIVE_COLOR)))
            self.details.setItem(row, 0, label)
            self.details.setItem(row, 1, number)

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


def _curve(start: QPointF, end: QPointF) -> QPainterPath:
    path = QPainterPath(start)
    middle = (start.x() + end.x()) / 2
    path.cubicTo(QPointF(middle, start.y()), QPointF(middle, end.y()), end)
    return path
