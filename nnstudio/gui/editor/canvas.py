"""The canvas: a node editor over the network.

`CanvasView` turns gestures into edit commands pushed on the document: drop a layer from the
palette (on a wire: insert; elsewhere: append after the last layer), drag from a port to a port
(connect), move, delete, duplicate, copy and paste, zoom, pan, fit and tidy. What it shows is a
`CanvasScene` (`scene.py`), which redraws from the document's network.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QMimeData, QPointF, QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QAction, QColor, QKeySequence, QPainter, QPalette, QPen, QTransform,
)
from PySide6.QtWidgets import (
    QApplication, QGraphicsPathItem, QGraphicsView, QMenu, QWidget,
)

from nnstudio.core.commands import (
    AddNodeCommand, AddNodesCommand, ConnectCommand, DisconnectCommand, MoveNodesCommand,
    RemoveNodesCommand,
)
from nnstudio.core.errors import SpecError
from nnstudio.core.layers import layer_type
from nnstudio.core.network import make_node
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.editor.graph_edits import (
    LAYER_SPACING, NODE_HEIGHT, NODE_WIDTH, CompoundCommand, changed_positions, insert_on_wire,
    nodes_from_json, nodes_to_json, position_below, tidy_positions,
)
from nnstudio.gui.editor.items import MIN_TEXT_POINTS, NodeItem, WireItem, node_font, wire_path
from nnstudio.gui.editor.palette import layer_key_from_mime
from nnstudio.gui.editor.scene import CanvasScene
from nnstudio.gui.theme import is_dark, muted

NODES_MIME_TYPE = "application/x-nnstudio-nodes"
GRID = 10.0
MIN_ZOOM, MAX_ZOOM, MAX_FIT_ZOOM = 0.2, 3.0, 1.25


def snap(value: float) -> float:
    return round(value / GRID) * GRID


class CanvasView(QGraphicsView):
    """The node editor: drop, wire, move, select, delete, copy, paste, zoom, pan, fit, tidy."""

    selection_changed = Signal(list)  # the selected layer ids

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.canvas = CanvasScene(document, self)
        self.setScene(self.canvas)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.BoundingRectViewportUpdate)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(320, 240)
        # Pan with the middle button, space-drag or the wheel; scroll bars only add clutter.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._wiring: tuple[NodeItem, str] | None = None
        self._wire_preview: QGraphicsPathItem | None = None
        self._pan_from: QPointF | None = None
        self._space_panning = False
        self._press_positions: dict[str, tuple[float, float]] = {}
        self._last_paste: tuple[str, int] = ("", 0)
        self._drop_wire: WireItem | None = None
        self._make_actions()
        self._last_selection: list[str] = []
        self.canvas.selectionChanged.connect(self._on_scene_selection_changed)
        document.network_changed.connect(self._on_document_network_changed)
        document.project_replaced.connect(self._on_document_project_replaced)
        self._update_scene_rect()

    # ---- actions (the main window puts the same actions in its menus) ----
    def _make_actions(self) -> None:
        def action(text, slot, keys=(), context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
                   tip=""):
            act = QAction(text, self)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(context)
            act.setStatusTip(tip)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        window = Qt.ShortcutContext.WindowShortcut
        self.cut_action = action("Cu&t", self.cut, [QKeySequence.StandardKey.Cut])
        self.copy_action = action("&Copy", self.copy, [QKeySequence.StandardKey.Copy])
        self.paste_action = action("&Paste", self.paste, [QKeySequence.StandardKey.Paste])
        self.duplicate_action = action("&Duplicate", self.duplicate, ["Ctrl+D"])
        self.delete_action = action("De&lete", self.delete_selection,
                                    [QKeySequence.StandardKey.Delete, "Backspace"])
        self.select_all_action = action("Select &All", self.select_all,
                                        [QKeySequence.StandardKey.SelectAll])
        self.zoom_in_action = action("Zoom &In", self.zoom_in, ["Ctrl++", "Ctrl+="], window)
        self.zoom_out_action = action("Zoom &Out", self.zoom_out, ["Ctrl+-"], window)
        self.fit_action = action("&Fit to Window", self.fit_to_view, ["Ctrl+0"], window,
                                 tip="Show the whole network (F on the canvas)")
        self._fit_key_action = action("Fit", self.fit_to_view, ["F"],
                                      Qt.ShortcutContext.WidgetShortcut)
        self.tidy_action = action("&Tidy Layout", self.tidy_layout, ["Ctrl+L"], window,
                                  tip="Arrange the layers top to bottom in the order data flows")

    def edit_actions(self) -> list[QAction]:
        return [self.cut_action, self.copy_action, self.paste_action, self.duplicate_action,
                self.delete_action, self.select_all_action]

    def view_actions(self) -> list[QAction]:
        return [self.zoom_in_action, self.zoom_out_action, self.fit_action, self.tidy_action]

    # ---- selection ----
    def selected_ids(self) -> list[str]:
        return self.canvas.selected_ids()

    def select_nodes(self, node_ids, centre: bool = False) -> None:
        self.canvas.clearSelection()
        items = [self.canvas.node_items[i] for i in node_ids if i in self.canvas.node_items]
        for item in items:
            item.setSelected(True)
        if centre and items:
            self.centerOn(items[0])

    @Slot()
    def select_all(self) -> None:
        for item in self.canvas.node_items.values():
            item.setSelected(True)

    @Slot()
    def _on_scene_selection_changed(self) -> None:
        self._last_selection = self.selected_ids()
        self.selection_changed.emit(self._last_selection)

    @Slot()
    def _on_document_network_changed(self) -> None:
        self._update_scene_rect()
        # A renamed layer keeps its item and stays selected, but under a new id: say so.
        if self.selected_ids() != self._last_selection:
            self._on_scene_selection_changed()

    # ---- adding layers ----
    def drop_layer(self, type_key: str, scene_pos: QPointF) -> bool:
        """Add a layer where it was dropped: on a wire it is inserted, elsewhere appended.

        Appended means wired after the network's last layer; when the network has several ends,
        after the end just above the drop point, if there is one, else not wired at all.
        """
        network = self.document.network
        position = (snap(scene_pos.x()), snap(scene_pos.y()))
        node = make_node(type_key, network.unique_id(type_key), position=position)
        wire = self.canvas.wire_at(scene_pos)
        if wire is not None and layer_type(type_key).max_inputs > 0:
            command = insert_on_wire(network, node, wire.key)
        else:
            source = self.append_source(type_key, scene_pos)
            if self._overlaps_a_layer(position):  # dropped onto a layer: take the next row
                node = replace(node, position=position_below(network, source))
            if source is not None and network.chain_tail() is None:
                command = AddNodeCommand(replace(node, inputs=(source,)))
            else:
                command = AddNodeCommand(node, append=True)
        ok = self._push_and_select(command, [node.id])
        if ok:
            self.ensureVisible(self.canvas.node_items[node.id], 20, 20)
        return ok

    def append_source(self, type_key: str, scene_pos: QPointF) -> str | None:
        """The layer a layer dropped at `scene_pos` (not on a wire) gets wired after."""
        network = self.document.network
        if layer_type(type_key).max_inputs == 0:
            return None
        tail = network.chain_tail()
        if tail is not None:
            return tail.id
        ends = {n.id for n in network.output_nodes()}
        above = [item for node_id, item in self.canvas.node_items.items()
                 if node_id in ends and abs(item.pos().x() - scene_pos.x()) < NODE_WIDTH / 2 + 20
                 and 0 < scene_pos.y() - item.pos().y() < 1.6 * LAYER_SPACING]
        if not above:
            return None
        return min(above, key=lambda item: scene_pos.y() - item.pos().y()).node_id

    def _overlaps_a_layer(self, position: tuple[float, float]) -> bool:
        x, y = position
        return any(abs(item.pos().x() - x) < NODE_WIDTH
                   and abs(item.pos().y() - y) < NODE_HEIGHT + 16
                   for item in self.canvas.node_items.values())

    def append_layer(self, type_key: str) -> bool:
        """Add a layer after the last one, one row below it (the palette's double-click)."""
        network = self.document.network
        tail = network.chain_tail()
        position = position_below(network, tail.id if tail else None)
        node = make_node(type_key, network.unique_id(type_key), position=position)
        ok = self._push_and_select(AddNodeCommand(node, append=True), [node.id])
        if ok:
            self.ensureVisible(self.canvas.node_items[node.id], 40, 40)
            # The new layer is selected here: the keys (Delete, arrows) now act on it, not on
            # the palette the double-click came from.
            self.setFocus(Qt.FocusReason.OtherFocusReason)
        return ok

    def _push_and_select(self, command, node_ids) -> bool:
        if not self.document.push(command):
            return False
        self.select_nodes(node_ids)
        return True

    # ---- editing the selection ----
    @Slot()
    def delete_selection(self) -> bool:
        node_ids = self.selected_ids()
        wires = [w.key for w in self.canvas.selected_wires()
                 if w.key[0] not in node_ids and w.key[1] not in node_ids]
        parts = [DisconnectCommand(s, t) for s, t in wires]
        if node_ids:
            parts.append(RemoveNodesCommand(node_ids))
        if not parts:
            return False
        command = parts[0] if len(parts) == 1 else CompoundCommand(parts, "Delete")
        return self.document.push(command)

    @Slot()
    def copy(self) -> bool:
        node_ids = self.selected_ids()
        if not node_ids:
            return False
        text = nodes_to_json(self.document.network, node_ids)
        mime = QMimeData()
        mime.setData(NODES_MIME_TYPE, text.encode("utf-8"))
        mime.setText(text)
        QApplication.clipboard().setMimeData(mime)
        return True

    @Slot()
    def cut(self) -> bool:
        node_ids = self.selected_ids()
        if not self.copy():
            return False
        command = RemoveNodesCommand(node_ids)
        command.text = "Cut " + (node_ids[0] if len(node_ids) == 1 else f"{len(node_ids)} layers")
        return self.document.push(command)

    @Slot()
    def paste(self) -> bool:
        mime = QApplication.clipboard().mimeData()
        if mime is None:
            return False
        if mime.hasFormat(NODES_MIME_TYPE):
            text = bytes(mime.data(NODES_MIME_TYPE)).decode("utf-8", "replace")
        else:
            text = mime.text()
        return self._paste_text(text, "Paste")

    @Slot()
    def duplicate(self) -> bool:
        node_ids = self.selected_ids()
        if not node_ids:
            return False
        return self._paste_text(nodes_to_json(self.document.network, node_ids), "Duplicate")

    def _paste_text(self, text: str, verb: str) -> bool:
        # Each paste of the same layers lands a step further, so copies never hide each other.
        count = self._last_paste[1] + 1 if self._last_paste[0] == text else 1
        self._last_paste = (text, count)
        try:
            nodes = nodes_from_json(text, self.document.network, (40.0 * count, 40.0 * count))
        except SpecError as error:
            self.document.edit_rejected.emit(str(error))
            return False
        if not nodes:
            return False
        return self._push_and_select(AddNodesCommand(nodes, verb), [n.id for n in nodes])

    # ---- view ----
    @Slot()
    def zoom_in(self) -> None:
        self.zoom(1.2)

    @Slot()
    def zoom_out(self) -> None:
        self.zoom(1 / 1.2)

    def zoom_level(self) -> float:
        return self.transform().m11()

    def zoom(self, factor: float) -> None:
        level = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom_level() * factor))
        factor = level / self.zoom_level()
        self.scale(factor, factor)

    @Slot()
    def fit_to_view(self) -> None:
        self._update_scene_rect()
        if not self.canvas.node_items:
            self.setTransform(QTransform())
            self.centerOn(0, 0)
            return
        rect = self._items_rect().adjusted(-30, -30, 30, 30)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom_level() > MAX_FIT_ZOOM:  # a small network should not look huge
            self.setTransform(QTransform.fromScale(MAX_FIT_ZOOM, MAX_FIT_ZOOM))
        readable = self.readable_zoom()
        if self.zoom_level() < readable:  # too small to read: readable, and scroll to the rest
            self.setTransform(QTransform.fromScale(readable, readable))
            self.centerOn(self._start_of(rect))
            return
        self.centerOn(rect.center())

    def readable_zoom(self) -> float:
        """The least zoom at which the nodes' texts are MIN_TEXT_POINTS on screen."""
        return MIN_TEXT_POINTS / node_font(self.viewport().font()).pointSizeF()

    def _start_of(self, rect: QRectF) -> QPointF:
        """Where to centre the view to show `rect` from its top-left (where the network starts)
        along each direction it does not fit in, centred along one it fits in."""
        zoom = self.zoom_level()
        width, height = self.viewport().width() / zoom, self.viewport().height() / zoom
        x = rect.center().x() if rect.width() <= width else rect.left() + width / 2
        y = rect.center().y() if rect.height() <= height else rect.top() + height / 2
        return QPointF(x, y)

    @Slot()
    def tidy_layout(self) -> bool:
        network = self.document.network
        try:
            moves = changed_positions(network, tidy_positions(network))
        except SpecError as error:
            self.document.edit_rejected.emit(str(error))
            return False
        if not moves:
            return False
        command = MoveNodesCommand(moves)
        command.text = "Tidy layout"
        return self.document.push(command)

    def _items_rect(self) -> QRectF:
        rect = QRectF()
        for item in self.canvas.node_items.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    @Slot()
    def _update_scene_rect(self) -> None:
        # Room around the network to pan into and drop on, whatever the zoom.
        rect = self._items_rect()
        if rect.isNull():
            rect = QRectF(-200, -150, 400, 300)
        self.canvas.setSceneRect(rect.adjusted(-2000, -2000, 2000, 2000))

    @Slot()
    def _on_document_project_replaced(self) -> None:
        QTimer.singleShot(0, self.fit_to_view)  # after the new items exist and sizes settle

    # ---- drag and drop from the palette ----
    def dragEnterEvent(self, event) -> None:
        if layer_key_from_mime(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()  # e.g. a project file: the main window opens it

    def dragMoveEvent(self, event) -> None:
        key = layer_key_from_mime(event.mimeData())
        if not key:
            event.ignore()
            return
        scene_pos = self.mapToScene(event.position().toPoint())
        wire = self.canvas.wire_at(scene_pos)
        if layer_type(key).max_inputs == 0:
            wire = None
        self._highlight_drop_wire(wire)
        # Show where an appended layer will be wired from: a dashed wire from that layer.
        source = self.append_source(key, scene_pos) if wire is None else None
        self._show_append_preview(source, scene_pos)
        event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:
        self._highlight_drop_wire(None)
        self._show_append_preview(None, QPointF())
        super().dragLeaveEvent(event)

    def _show_append_preview(self, source_id: str | None, scene_pos: QPointF) -> None:
        if source_id is None or source_id not in self.canvas.node_items:
            if self._wire_preview is not None and self._wiring is None:
                self._remove_preview()
            return
        if self._wire_preview is None:
            self._wire_preview = self._make_preview_item()
        start = self.canvas.node_items[source_id].output_anchor()
        self._wire_preview.setPath(wire_path(start, scene_pos - QPointF(0, 20)))

    def dropEvent(self, event) -> None:
        key = layer_key_from_mime(event.mimeData())
        self._highlight_drop_wire(None)
        self._show_append_preview(None, QPointF())
        if not key:
            event.ignore()
            return
        self.drop_layer(key, self.mapToScene(event.position().toPoint()))
        event.acceptProposedAction()
        self.setFocus()

    def _highlight_drop_wire(self, wire: WireItem | None) -> None:
        if self._drop_wire is not None and self._drop_wire is not wire:
            self._drop_wire.set_highlighted(False)
        self._drop_wire = wire
        if wire is not None:
            wire.set_highlighted(True)

    # ---- mouse: wiring, moving, panning ----
    def mousePressEvent(self, event) -> None:
        scene_pos = self.mapToScene(event.position().toPoint())
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton and not self._space_panning:
            hit = self.canvas.port_at(scene_pos)
            if hit is not None:
                self._start_wiring(*hit)
                event.accept()
                return
        super().mousePressEvent(event)
        self._press_positions = {item.node_id: (item.pos().x(), item.pos().y())
                                 for item in self.canvas.node_items.values() if item.isSelected()}

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            event.accept()
            return
        if self._wiring is not None:
            self._update_wiring(self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None and event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        if self._wiring is not None and event.button() == Qt.MouseButton.LeftButton:
            self._finish_wiring(self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton:
            self._push_moves()

    def _push_moves(self) -> None:
        """One MoveNodesCommand for the whole drag, snapped to the grid."""
        moved = {}
        for node_id in self._press_positions:
            item = self.canvas.node_items.get(node_id)
            if item is None:
                continue
            position = (snap(item.pos().x()), snap(item.pos().y()))
            if position != tuple(item.node.position):
                moved[node_id] = position
        self._press_positions = {}
        if moved:
            if not self.document.push(MoveNodesCommand(moved)):
                self.canvas.sync()

    def _start_wiring(self, item: NodeItem, port: str) -> None:
        self._wiring = (item, port)
        self._wire_preview = self._make_preview_item()

    def _remove_preview(self) -> None:
        if self._wire_preview is None:
            return
        self.canvas.removeItem(self._wire_preview)
        self._wire_preview = None
        # A drop can scroll the view in the same turn; repaint all so no trace of it stays.
        self.viewport().update()

    def _make_preview_item(self) -> QGraphicsPathItem:
        preview = QGraphicsPathItem()
        preview.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 2,
                            Qt.PenStyle.DashLine))
        preview.setZValue(3)
        self.canvas.addItem(preview)
        return preview

    def _update_wiring(self, scene_pos: QPointF) -> None:
        item, port = self._wiring
        if port == "out":
            path = wire_path(item.output_anchor(), scene_pos)
        else:
            path = wire_path(scene_pos, item.input_anchor())
        self._wire_preview.setPath(path)

    def _finish_wiring(self, scene_pos: QPointF) -> None:
        item, port = self._wiring
        self._wiring = None
        item.hovered_port = None  # the mouse was grabbed: no hover-leave came
        item.update()
        self._remove_preview()
        other = self.canvas.node_at(scene_pos)
        if other is None:
            hit = self.canvas.port_at(scene_pos)
            other = hit[0] if hit else None
        if other is None or other is item:
            return
        if port == "out":
            self.document.push(ConnectCommand(item.node_id, other.node_id))
        else:
            self.document.push(ConnectCommand(other.node_id, item.node_id))

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.zoom(1.15 ** steps)
            event.accept()
            return
        super().wheelEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat() and self._wiring is None:
            self._space_panning = True
            self.setInteractive(False)
            self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat() and self._space_panning:
            self._space_panning = False
            self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
            self.setInteractive(True)
            event.accept()
            return
        super().keyReleaseEvent(event)

    def contextMenuEvent(self, event) -> None:
        item = self.canvas.node_at(self.mapToScene(event.pos()))
        if item is not None and not item.isSelected():
            self.select_nodes([item.node_id])
        menu = QMenu(self)
        for act in self.edit_actions()[:5]:
            menu.addAction(act)
        menu.addSeparator()
        menu.addAction(self.tidy_action)
        menu.addAction(self.fit_action)
        menu.exec(event.globalPos())

    # ---- painting ----
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        dark = is_dark(palette)
        painter.fillRect(rect, base.darker(112) if not dark else base)
        if self.zoom_level() < 0.45:
            return
        dot = QColor(muted(palette))
        dot.setAlpha(90 if dark else 110)
        painter.setPen(QPen(dot, 1.6 / self.zoom_level()))
        step = GRID * 2
        left, top = int(rect.left() // step) * step, int(rect.top() // step) * step
        points = [QPointF(x, y)
                  for x in _frange(left, rect.right(), step)
                  for y in _frange(top, rect.bottom(), step)]
        painter.drawPoints(points)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        if self.canvas.node_items:
            return
        painter.save()
        painter.resetTransform()
        painter.setPen(muted(self.palette()))
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        painter.setFont(font)
        painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter,
                         "Drag layers here from the palette.\nStart with an Input layer.")
        painter.restore()


def _frange(start: float, stop: float, step: float):
    value = start
    while value <= stop:
        yield value
        value += step

