"""What the canvas draws: a node per layer, a wire per connection.

Items only show the network; they never change it. The view turns mouse gestures on them into
edit commands.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPainterPathStroker, QPalette,
    QPen, QPolygonF,
)
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyle, QStyleOptionGraphicsItem

from nnstudio.core.layers import layer_type
from nnstudio.core.network import Node
from nnstudio.core.params import BOOL, FLOAT, SHAPE
from nnstudio.core.shapes import NodeShape, format_shape
from nnstudio.gui.editor.graph_edits import NODE_HEIGHT, NODE_WIDTH
from nnstudio.gui.theme import category_color, error_color, is_dark, muted

PORT_RADIUS = 5.0
PORT_HIT_RADIUS = 11.0  # generous, so a port is easy to grab
HEADER_HEIGHT = 22.0
SKIP_BEND = 190.0  # how far a wire that skips layers swings out beside them
MIN_TEXT_POINTS = 8.0  # node texts are never smaller than this at zoom 1 (nor when fitted)


def key_params_text(node: Node) -> str:
    """The key parameters in a few words, e.g. "8 units · relu"."""
    parts = []
    for spec in layer_type(node.type).schema:
        if not spec.key:
            continue
        value = node.params.get(spec.name)
        if spec.kind == SHAPE:
            parts.append(f"{spec.display_label.lower()} " + "×".join(str(v) for v in value))
        elif spec.kind == BOOL:
            parts.append(spec.display_label.lower() if value else "")
        elif spec.name == "activation":
            parts.append("" if value == "linear" else str(value))
        elif spec.kind == FLOAT:
            parts.append(f"{spec.display_label.lower()} {value:g}")
        elif isinstance(value, int):
            label = spec.display_label.lower()
            if label.endswith("s"):  # a count: "8 units", "1 filter"
                parts.append(f"{value} {label[:-1] if value == 1 else label}")
            else:  # a size: "kernel 3"
                parts.append(f"{label} {value}")
        else:
            parts.append(str(value))
    return " · ".join(p for p in parts if p)


def shape_text(info: NodeShape | None) -> str:
    if info is None or info.shape is None:
        return "→ ?"
    text = f"→ {format_shape(info.shape)}"
    if info.params:
        text += f" · {info.params:,} params"
    return text


class NodeItem(QGraphicsItem):
    """A layer: header with its type and name, key parameters, output shape and parameters."""

    def __init__(self, node: Node, info: NodeShape | None):
        super().__init__()
        self.node, self.info = node, info
        self.wires: list[WireItem] = []
        self.hovered_port: str | None = None
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                      | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self.setPos(QPointF(*node.position))
        self._update_tooltip()

    @property
    def node_id(self) -> str:
        return self.node.id

    @property
    def has_error(self) -> bool:
        return bool(self.info and self.info.error)

    @property
    def takes_inputs(self) -> bool:
        return layer_type(self.node.type).max_inputs > 0

    def set_model(self, node: Node, info: NodeShape | None) -> bool:
        """Show a new version of the layer; True when anything visible changed."""
        if node is self.node and info == self.info:
            return False
        moved = tuple(node.position) != (self.pos().x(), self.pos().y())
        self.prepareGeometryChange()
        self.node, self.info = node, info
        if moved:
            self.setPos(QPointF(*node.position))
        self._update_tooltip()
        self.update()
        return True

    def _update_tooltip(self) -> None:
        kind = layer_type(self.node.type)
        lines = [f"<b>{self.node.id}</b> — {kind.name}", kind.help]
        if self.info and self.info.error:
            lines.append(f"<span style='color:{error_color().name()}'><b>Problem:</b> "
                         f"{self.info.error}</span>")
        elif self.info and self.info.shape is not None:
            lines.append(f"Output {format_shape(self.info.shape)}, {self.info.params:,} parameters")
        self.setToolTip("<br>".join(lines))

    # ---- geometry ----
    def body_rect(self) -> QRectF:
        return QRectF(-NODE_WIDTH / 2, -NODE_HEIGHT / 2, NODE_WIDTH, NODE_HEIGHT)

    def boundingRect(self) -> QRectF:
        return self.body_rect().adjusted(-4, -PORT_RADIUS - 4, 4, PORT_RADIUS + 4)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.body_rect(), 6, 6)
        return path

    def input_anchor(self, index: int = 0, count: int = 1) -> QPointF:
        """Where the `index`-th of `count` incoming wires ends (spread out on a merge)."""
        spread = min(NODE_WIDTH * 0.6, 30.0 * (count - 1))
        x = 0.0 if count <= 1 else -spread / 2 + spread * index / (count - 1)
        return self.mapToScene(QPointF(x, -NODE_HEIGHT / 2))

    def output_anchor(self) -> QPointF:
        return self.mapToScene(QPointF(0.0, NODE_HEIGHT / 2))

    def port_at(self, scene_pos: QPointF) -> str | None:
        """"in" or "out" when `scene_pos` is on one of this node's ports."""
        local = self.mapFromScene(scene_pos)
        if _near(local, QPointF(0, NODE_HEIGHT / 2), PORT_HIT_RADIUS):
            return "out"
        if self.takes_inputs:
            near_top = abs(local.y() + NODE_HEIGHT / 2) <= PORT_HIT_RADIUS
            reach = max(PORT_HIT_RADIUS, 30.0 * len(self.node.inputs) / 2)
            if near_top and abs(local.x()) <= reach:
                return "in"
        return None

    # ---- painting ----
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        palette = widget.palette() if widget is not None else QPalette()
        dark = is_dark(palette)
        rect = self.body_rect()
        accent = category_color(layer_type(self.node.type).category)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)

        body = palette.color(QPalette.ColorRole.Base)
        body = body.lighter(135) if dark else body
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 60 if dark else 28))
        painter.drawRoundedRect(rect.translated(0, 2), 6, 6)  # a soft drop shadow
        painter.setBrush(body)
        painter.drawRoundedRect(rect, 6, 6)

        header = QPainterPath()
        header.addRoundedRect(QRectF(rect.left(), rect.top(), rect.width(), HEADER_HEIGHT + 6),
                              6, 6)
        clip = QPainterPath()
        clip.addRect(QRectF(rect.left(), rect.top(), rect.width(), HEADER_HEIGHT))
        painter.setBrush(accent)
        painter.drawPath(header.intersected(clip))

        self._paint_text(painter, palette, rect)

        if self.has_error:
            border, width = error_color(), 2.5
        elif selected:
            border, width = palette.color(QPalette.ColorRole.Highlight), 2.5
        else:
            border, width = accent.darker(115), 1.2
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(border, width))
        painter.drawRoundedRect(rect, 6, 6)
        if selected and self.has_error:  # keep the selection visible on a red node
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 1.5,
                                Qt.PenStyle.DashLine))
            painter.drawRoundedRect(rect.adjusted(-4, -4, 4, 4), 8, 8)
        self._paint_ports(painter, palette, accent)

    def _paint_text(self, painter: QPainter, palette: QPalette, rect: QRectF) -> None:
        kind = layer_type(self.node.type)
        font = node_font(painter.font())
        bold = QFont(font)
        bold.setBold(True)
        pad = 8.0
        header = QRectF(rect.left() + pad, rect.top(), rect.width() - 2 * pad, HEADER_HEIGHT)
        painter.setFont(bold)
        painter.setPen(QColor("white"))
        title = f"{kind.symbol}  {kind.name}" if kind.symbol else kind.name
        painter.drawText(header, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, title)
        title_width = QFontMetricsF(bold).horizontalAdvance(title) + 10
        painter.setFont(font)
        painter.setPen(QColor(255, 255, 255, 215))
        id_rect = header.adjusted(title_width, 0, 0, 0)
        painter.drawText(id_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                         QFontMetricsF(font).elidedText(self.node.id, Qt.TextElideMode.ElideMiddle,
                                                        id_rect.width()))

        metrics = QFontMetricsF(font)
        line = metrics.height() + 1
        body_top = rect.top() + HEADER_HEIGHT + 3
        text = palette.color(QPalette.ColorRole.Text)
        first = QRectF(rect.left() + pad, body_top, rect.width() - 2 * pad, line)
        second = first.translated(0, line)
        params = key_params_text(self.node)
        painter.setPen(text if params else muted(palette))
        # A layer without settings says what it does instead (the full text is in the tooltip).
        painter.drawText(first, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         metrics.elidedText(params or kind.help, Qt.TextElideMode.ElideRight,
                                            first.width()))
        if self.has_error:
            painter.setPen(error_color())
            message = "⚠ " + self.info.error.removeprefix(self.node.id).lstrip(": ")
        else:
            painter.setPen(muted(palette))
            message = shape_text(self.info)
        painter.drawText(second, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         metrics.elidedText(message, Qt.TextElideMode.ElideRight, second.width()))

    def _paint_ports(self, painter: QPainter, palette: QPalette, accent: QColor) -> None:
        base = palette.color(QPalette.ColorRole.Base)
        ports = [("out", QPointF(0, NODE_HEIGHT / 2))]
        if self.takes_inputs:
            ports.append(("in", QPointF(0, -NODE_HEIGHT / 2)))
        for name, centre in ports:
            hovered = name == self.hovered_port
            painter.setPen(QPen(accent.darker(120), 1.5))
            painter.setBrush(accent if hovered else base)
            radius = PORT_RADIUS + (2 if hovered else 0)
            painter.drawEllipse(centre, radius, radius)

    # ---- interaction feedback ----
    def hoverMoveEvent(self, event) -> None:
        port = self.port_at(event.scenePos())
        if port != self.hovered_port:
            self.hovered_port = port
            self.setCursor(Qt.CursorShape.CrossCursor if port else Qt.CursorShape.ArrowCursor)
            self.update()
        super().hoverMoveEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        self.hovered_port = None
        self.unsetCursor()
        self.update()
        super().hoverLeaveEvent(event)

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for wire in self.wires:
                wire.update_path()
        return super().itemChange(change, value)


class WireItem(QGraphicsPathItem):
    """A connection drawn as a smooth curve from an output port down to an input port."""

    def __init__(self, source: NodeItem, target: NodeItem, index: int, count: int):
        super().__init__()
        self.source, self.target = source, target
        self.index, self.count = index, count
        self.highlighted = False
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(0)
        self.setAcceptHoverEvents(True)
        source.wires.append(self)
        target.wires.append(self)
        self.setToolTip(f"{source.node_id} → {target.node_id}<br><i>Drop a layer here to insert "
                        "it; select and press Delete to disconnect.</i>")
        self.update_path()

    @property
    def key(self) -> tuple[str, str]:
        return (self.source.node_id, self.target.node_id)

    def detach(self) -> None:
        for node in (self.source, self.target):
            if self in node.wires:
                node.wires.remove(self)

    def set_slot(self, index: int, count: int) -> None:
        if (index, count) != (self.index, self.count):
            self.index, self.count = index, count
            self.update_path()

    def update_path(self) -> None:
        start = self.source.output_anchor()
        end = self.target.input_anchor(self.index, self.count)
        straight = QPainterPath(start)
        straight.lineTo(end)
        scene = self.scene()
        blocked = scene is not None and any(
            isinstance(item, NodeItem) and item is not self.source and item is not self.target
            for item in scene.items(straight, Qt.ItemSelectionMode.IntersectsItemShape))
        # A wire that would cross other layers swings out to the side they are not on.
        self.setPath(wire_path(start, end, SKIP_BEND if blocked else 0.0))

    def set_highlighted(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            self.update()

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(14)  # easy to hit with a drop or a click
        return stroker.createStroke(self.path())

    def boundingRect(self) -> QRectF:
        return super().boundingRect().adjusted(-8, -8, 8, 8)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        palette = widget.palette() if widget is not None else QPalette()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if self.highlighted or selected:
            color, width = palette.color(QPalette.ColorRole.Highlight), 3.0
        else:
            color, width = muted(palette), 1.8
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(color))
        painter.drawPolygon(arrow_head(self.path()))


def wire_path(start: QPointF, end: QPointF, bend: float = 0.0) -> QPainterPath:
    """A vertical S-curve: leaves the output downwards, enters the input from above.

    `bend` pushes the middle of the curve sideways, so a long wire can pass beside the layers
    between its ends instead of through them.
    """
    path = QPainterPath(start)
    drop = end.y() - start.y()
    pull = max(12.0, drop / 2) if drop > 0 else 40.0 + abs(drop) / 4
    path.cubicTo(QPointF(start.x() + bend, start.y() + pull),
                 QPointF(end.x() + bend, end.y() - pull),
                 QPointF(end.x(), end.y() - PORT_RADIUS))
    return path


def arrow_head(path: QPainterPath, size: float = 8.0) -> QPolygonF:
    tip = path.pointAtPercent(1.0)
    angle = path.angleAtPercent(0.97)  # degrees, counter-clockwise, y up
    rad = math.radians(angle)
    direction = QPointF(math.cos(rad), -math.sin(rad))
    normal = QPointF(-direction.y(), direction.x())
    back = tip - direction * size
    return QPolygonF([tip, back + normal * (size * 0.5), back - normal * (size * 0.5)])


def _near(a: QPointF, b: QPointF, radius: float) -> bool:
    delta = a - b
    return delta.x() ** 2 + delta.y() ** 2 <= radius ** 2


def node_font(base: QFont) -> QFont:
    """The font a node's texts are drawn in: `base` (the view's), at least MIN_TEXT_POINTS."""
    font = QFont(base)
    font.setPointSizeF(max(font.pointSizeF(), MIN_TEXT_POINTS))
    return font
