"""The canvas scene: the network as items, brought up to date after every change.

One `NodeItem` per layer and one `WireItem` per connection; items of layers that are still there
are reused (a renamed layer keeps its item and its selection), so an edit costs what it changes.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Slot
from PySide6.QtWidgets import QGraphicsScene

from nnstudio.core.network import Network
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.editor.items import NodeItem, WireItem


class CanvasScene(QGraphicsScene):
    """The network as items; `sync()` brings them up to date with the document."""

    def __init__(self, document: ProjectDocument, parent=None):
        super().__init__(parent)
        self.document = document
        self.node_items: dict[str, NodeItem] = {}
        self.wire_items: dict[tuple[str, str], WireItem] = {}
        document.project_replaced.connect(self._on_document_project_replaced)
        document.network_changed.connect(self.sync)
        self.sync()

    def selected_ids(self) -> list[str]:
        return [item.node_id for item in self.selectedItems() if isinstance(item, NodeItem)]

    def selected_wires(self) -> list[WireItem]:
        return [item for item in self.selectedItems() if isinstance(item, WireItem)]

    @Slot()
    def _on_document_project_replaced(self) -> None:
        self.clear()  # another project: nothing to reuse
        self.node_items.clear()
        self.wire_items.clear()

    @Slot()
    def sync(self) -> None:
        """Make the items show the document's network, reusing items by layer id."""
        network, report = self.document.network, self.document.report
        nodes = {node.id: node for node in network.nodes}
        self._sync_nodes(nodes, report)
        self._sync_wires(network)

    def _sync_nodes(self, nodes, report) -> None:
        gone = [node_id for node_id in self.node_items if node_id not in nodes]
        new = [node_id for node_id in nodes if node_id not in self.node_items]
        for old_id in gone:
            item = self.node_items.pop(old_id)
            # A renamed layer keeps its item (and so its selection): same type, same place.
            renamed = next((n for n in new if nodes[n].type == item.node.type
                            and nodes[n].position == item.node.position), None)
            if renamed is not None:
                new.remove(renamed)
                self.node_items[renamed] = item
            else:
                for wire in list(item.wires):
                    self._remove_wire(wire)
                self.removeItem(item)
        for node_id in new:
            item = NodeItem(nodes[node_id], report.nodes.get(node_id))
            self.node_items[node_id] = item
            self.addItem(item)
        for node_id, node in nodes.items():
            self.node_items[node_id].set_model(node, report.nodes.get(node_id))

    def _sync_wires(self, network: Network) -> None:
        wanted: dict[tuple[str, str], tuple[int, int]] = {}
        for node in network.nodes:
            for index, source in enumerate(node.inputs):
                wanted[(source, node.id)] = (index, len(node.inputs))
        current = {wire.key: wire for wire in self.wire_items.values()}  # keys follow renames
        for key, wire in current.items():
            if key not in wanted:
                self._remove_wire(wire)
        self.wire_items = {key: wire for key, wire in current.items() if key in wanted}
        for key, (index, count) in wanted.items():
            wire = self.wire_items.get(key)
            if wire is None:
                source, target = self.node_items[key[0]], self.node_items[key[1]]
                wire = WireItem(source, target, index, count)
                self.wire_items[key] = wire
                self.addItem(wire)
                wire.update_path()  # now that it can see which layers lie in its way
            else:
                wire.set_slot(index, count)
                wire.update_path()

    def _remove_wire(self, wire: WireItem) -> None:
        wire.detach()
        self.wire_items.pop(wire.key, None)
        if wire.scene() is self:
            self.removeItem(wire)

    # ---- hit tests ----
    def node_at(self, scene_pos: QPointF) -> NodeItem | None:
        for item in self.items(QRectF(scene_pos - QPointF(8, 8), scene_pos + QPointF(8, 8))):
            if isinstance(item, NodeItem):
                return item
        return None

    def port_at(self, scene_pos: QPointF) -> tuple[NodeItem, str] | None:
        area = QRectF(scene_pos - QPointF(14, 14), scene_pos + QPointF(14, 14))
        for item in self.items(area):
            if isinstance(item, NodeItem):
                port = item.port_at(scene_pos)
                if port:
                    return item, port
        return None

    def wire_at(self, scene_pos: QPointF) -> WireItem | None:
        for item in self.items(scene_pos):
            if isinstance(item, NodeItem):
                return None  # over a layer, not over the wire behind it
            if isinstance(item, WireItem):
                return item
        return None
