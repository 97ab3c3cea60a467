"""The layer palette: every layer type from the registry, grouped by category, searchable.

Drag a layer onto the canvas (mime type `application/x-nnstudio-layer`, the type key as bytes)
or double-click it to append it to the network.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QMimeData, QPoint, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QColor, QDrag, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QLabel, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from nnstudio.core.layers import CATEGORIES, LAYER_TYPES, LayerType
from nnstudio.gui.theme import category_color

LAYER_MIME_TYPE = "application/x-nnstudio-layer"
KEY_ROLE = Qt.ItemDataRole.UserRole


def layer_mime_data(type_key: str) -> QMimeData:
    """What a palette drag carries: the layer type key."""
    mime = QMimeData()
    mime.setData(LAYER_MIME_TYPE, type_key.encode("utf-8"))
    return mime


def layer_key_from_mime(mime: QMimeData) -> str | None:
    """The layer type key a drag carries, or None when it is not a known layer."""
    if not mime.hasFormat(LAYER_MIME_TYPE):
        return None
    key = bytes(mime.data(LAYER_MIME_TYPE)).decode("utf-8", "replace")
    return key if key in LAYER_TYPES else None


@lru_cache(maxsize=None)
def layer_icon(type_key: str) -> QIcon:
    """A rounded square in the category's colour with the layer's symbol, drawn at 1x and 2x."""
    kind = LAYER_TYPES[type_key]
    icon = QIcon()
    for scale in (1, 2):
        icon.addPixmap(_icon_pixmap(kind, 20, scale))
    return icon


def _icon_pixmap(kind: LayerType, size: int, scale: int) -> QPixmap:
    pixmap = QPixmap(size * scale, size * scale)
    pixmap.setDevicePixelRatio(scale)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(category_color(kind.category))
    painter.drawRoundedRect(QRectF(1, 1, size - 2, size - 2), 4, 4)
    font = QFont()
    font.setPixelSize(int(size * 0.62))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, kind.symbol or "?")
    painter.end()
    return pixmap


def drag_pixmap(kind: LayerType, scale: float = 1.0) -> QPixmap:
    """What follows the mouse while a layer is dragged: its header in the category colour."""
    width, height = 150, 24
    pixmap = QPixmap(int(width * scale), int(height * scale))
    pixmap.setDevicePixelRatio(scale)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = category_color(kind.category)
    color.setAlpha(225)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawRoundedRect(QRectF(0, 0, width, height), 6, 6)
    font = QFont()
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(QRectF(8, 0, width - 16, height),
                     Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                     f"{kind.symbol}  {kind.name}")
    painter.end()
    return pixmap


def layer_tooltip(kind: LayerType) -> str:
    return f"<b>{kind.name}</b> <i>({kind.category})</i><br>{kind.help}"


class LayerTreeWidget(QTreeWidget):
    """The tree of layers; a drag carries the type key of the dragged layer."""

    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME_TYPE]

    def mimeData(self, items) -> QMimeData:
        keys = [item.data(0, KEY_ROLE) for item in items if item.data(0, KEY_ROLE)]
        return layer_mime_data(keys[0]) if keys else QMimeData()

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction

    def startDrag(self, actions) -> None:
        # Our own drag image: a small node card, not a row of the tree.
        item = self.currentItem()
        key = item.data(0, KEY_ROLE) if item is not None else None
        if not key:
            return
        drag = QDrag(self)
        drag.setMimeData(layer_mime_data(key))
        pixmap = drag_pixmap(LAYER_TYPES[key], self.devicePixelRatioF())
        drag.setPixmap(pixmap)
        # Beside the pointer, not under it: the wire the pointer is over stays visible.
        drag.setHotSpot(QPoint(-14, 12))
        drag.exec(Qt.DropAction.CopyAction)


class PaletteWidget(QWidget):
    """Layers grouped by category with a search box; drag one out or double-click it."""

    layer_activated = Signal(str)  # a layer was double-clicked (or Enter pressed): append it

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.search = QLineEdit(placeholderText="Search layers…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.tree = LayerTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setIconSize(QSize(20, 20))
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(8)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.itemActivated.connect(self._on_tree_item_activated)
        self.tree.currentItemChanged.connect(self._on_tree_current_changed)
        self.help = QLabel("Drag a layer onto the canvas, or double-click it to add it at the end.")
        self.help.setWordWrap(True)
        self.help.setMinimumHeight(self.help.fontMetrics().lineSpacing() * 3 + 6)
        self.help.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.help)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self._fill()

    def _fill(self) -> None:
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for category in CATEGORIES:
            group = QTreeWidgetItem(self.tree, [category])
            group.setFont(0, bold)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setForeground(0, category_color(category))
            for kind in LAYER_TYPES.values():
                if kind.category != category:
                    continue
                item = QTreeWidgetItem(group, [kind.name])
                item.setData(0, KEY_ROLE, kind.key)
                item.setIcon(0, layer_icon(kind.key))
                item.setToolTip(0, layer_tooltip(kind))
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsDragEnabled)
            group.setExpanded(True)

    # ---- reading, for tests and the canvas ----
    def item_for(self, type_key: str) -> QTreeWidgetItem:
        for group in self._groups():
            for index in range(group.childCount()):
                if group.child(index).data(0, KEY_ROLE) == type_key:
                    return group.child(index)
        raise KeyError(type_key)

    def mime_data_for(self, type_key: str) -> QMimeData:
        """The mime data a drag of this layer carries (what the tree's drag builds)."""
        return self.tree.mimeData([self.item_for(type_key)])

    def visible_keys(self) -> list[str]:
        return [group.child(i).data(0, KEY_ROLE) for group in self._groups() if not group.isHidden()
                for i in range(group.childCount()) if not group.child(i).isHidden()]

    def _groups(self) -> list[QTreeWidgetItem]:
        return [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]

    # ---- slots ----
    @Slot(str)
    def _on_search_text_changed(self, text: str) -> None:
        words = text.lower().split()
        for group in self._groups():
            shown = 0
            for index in range(group.childCount()):
                item = group.child(index)
                kind = LAYER_TYPES[item.data(0, KEY_ROLE)]
                haystack = f"{kind.name} {kind.key} {kind.category} {kind.help}".lower()
                match = all(word in haystack for word in words)
                item.setHidden(not match)
                shown += match
            group.setHidden(shown == 0)
        visible = self.visible_keys()
        if words and visible:
            self.tree.setCurrentItem(self.item_for(visible[0]))

    @Slot()
    def _on_search_return_pressed(self) -> None:
        visible = self.visible_keys()
        if self.search.text() and visible:
            self.layer_activated.emit(visible[0])

    @Slot(QTreeWidgetItem, int)
    def _on_tree_item_activated(self, item: QTreeWidgetItem, column: int) -> None:
        key = item.data(0, KEY_ROLE)
        if key:
            self.layer_activated.emit(key)

    @Slot(QTreeWidgetItem, QTreeWidgetItem)
    def _on_tree_current_changed(self, current: QTreeWidgetItem | None, previous) -> None:
        key = current.data(0, KEY_ROLE) if current is not None else None
        if key:
            kind = LAYER_TYPES[key]
            self.help.setText(f"<b>{kind.name}</b>: {kind.help}")
