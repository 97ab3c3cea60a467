"""Help inside the window: the offline guide, the keyboard shortcuts, and What's This.

Help → Guide (F1) shows the pages of `resources/guide/` (Markdown, found through
importlib.resources, so it works from a wheel or a bundle) with a contents list. Help →
Keyboard Shortcuts builds its table from the window's actions when it opens, so it lists every
shortcut there is and no other. Help → What's This? (Shift+F1) turns the pointer into a question
mark: a click on a panel shows the paragraph its row of the panel table carries.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Slot
from PySide6.QtGui import QAction, QKeySequence, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QDialogButtonBox, QDockWidget, QHeaderView, QListWidget,
    QMainWindow, QMenu, QSplitter, QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout,
    QWhatsThis, QWidget,
)

from nnstudio.data.resources import guide_pages

if TYPE_CHECKING:
    from nnstudio.gui.main_window import MainWindow

# The window's own parts (not rows of the panel table): what each is for, for What's This.
WINDOW_PARTS_HELP = {
    "canvas": "<b>Canvas</b>: the network as boxes and wires. Drag a layer here from the palette, "
              "drag from an output port to an input port to connect, Delete removes, Ctrl+Z "
              "undoes. Each box shows its layer's output shape.",
    "palette_dock": "<b>Layers</b>: every layer type. Search by name, drag one onto the canvas "
                    "(onto a wire to insert it there) or double-click to add it at the end.",
    "inspector_dock": "<b>Inspector</b>: the selected layer's settings, checked as you type; "
                      "hover a field to read what it does.",
    "problems_dock": "<b>Problems</b>: what stops the network from training on its data "
                     "(shapes that do not fit, an output that cannot fit the classes, a final "
                     "activation that does not suit the loss). Double-click one to select its "
                     "layer.",
}


# ---- the guide ---------------------------------------------------------------------------------

def page_title(path: Path) -> str:
    """A page's title: its first '# ' heading, else its file name."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem


class GuideDialog(QDialog):
    """The guide's pages: a contents list on the left, the page on the right."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("guide_dialog")
        self.setWindowTitle("NN Studio Guide")
        self.pages = guide_pages()
        self.contents = QListWidget()
        self.contents.setObjectName("guide_contents")
        self.contents.addItems([page_title(path) for path in self.pages])
        self.contents.setWordWrap(True)  # long titles on two lines, not a scroll bar
        self.contents.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.browser = QTextBrowser()
        self.browser.setObjectName("guide_browser")
        self.browser.setOpenExternalLinks(True)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.contents)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([220, 660])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self.contents.currentRowChanged.connect(self._on_contents_row_changed)
        self.browser.sourceChanged.connect(self._on_browser_source_changed)
        if self.pages:
            self.contents.setCurrentRow(0)
        else:  # a damaged installation: say so instead of an empty window
            self.browser.setPlainText("The guide's pages were not found in this installation.")
        self.resize(900, 620)

    def show_page(self, title: str) -> None:
        """Show the page called `title` (as in the contents list)."""
        matches = self.contents.findItems(title, Qt.MatchFlag.MatchExactly)
        if matches:
            self.contents.setCurrentItem(matches[0])

    @Slot(int)
    def _on_contents_row_changed(self, row: int) -> None:
        if 0 <= row < len(self.pages):
            # A file URL, so links between the pages ("09-files.md") follow as well.
            self.browser.setSource(QUrl.fromLocalFile(str(self.pages[row])),
                                   QTextDocument.ResourceType.MarkdownResource)

    @Slot(QUrl)
    def _on_browser_source_changed(self, url: QUrl) -> None:
        shown = Path(url.toLocalFile())
        if shown in self.pages:
            self.contents.blockSignals(True)
            self.contents.setCurrentRow(self.pages.index(shown))
            self.contents.blockSignals(False)


# ---- keyboard shortcuts ------------------------------------------------------------------------

def common_keys(shortcuts: list[QKeySequence]) -> list[QKeySequence]:
    """`shortcuts` without the keys few keyboards have, which Qt's standard shortcuts add on
    Linux (Undo: Ctrl+Z, F14 and a dedicated Undo key): F13 and up, and the Undo, Copy, Paste…
    keys. All of them when none is common."""
    common = [key for key in shortcuts if key.count() and key[0].key() <= Qt.Key.Key_F12]
    return common or list(shortcuts)


def shortcut_rows(window: QWidget) -> list[tuple[str, str, str]]:
    """(where, action, keys) for every action of `window` that has a shortcut: those in the
    menus first, in menu order (where = "File › New"), then the window's other actions."""
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()

    def add(action: QAction, where: str) -> None:
        if id(action) in seen or not action.shortcuts():
            return
        seen.add(id(action))
        keys = ", ".join(key.toString(QKeySequence.SequenceFormat.NativeText)
                         for key in common_keys(action.shortcuts()))
        rows.append((where, _plain(action.text()) or action.objectName(), keys))

    def walk(menu: QMenu, where: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), f"{where} › {_plain(action.text())}")
            else:
                add(action, where)

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu(), _plain(top.text()))
    for action in window.findChildren(QAction):
        add(action, _owner_name(action))
    return rows


def _plain(text: str) -> str:
    """A menu text without its mnemonic marks and trailing dots: "&Open…" → "Open"."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(".…").strip()


def _owner_name(action: QAction) -> str:
    """Where an action outside the menus lives: the panel it belongs to, or the canvas (its
    shortcut works while that one has the focus), else the window."""
    owner = action.parent()
    while owner is not None:
        if isinstance(owner, QDockWidget):
            return f"{owner.windowTitle()} panel"
        main = owner.window() if isinstance(owner, QWidget) else None
        if isinstance(main, QMainWindow) and owner is main.centralWidget():
            return "Canvas"
        owner = owner.parent()
    return "Window"


class ShortcutsDialog(QDialog):
    """A table of every shortcut of the window: where, what, which keys."""

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.setObjectName("shortcuts_dialog")
        self.setWindowTitle("Keyboard Shortcuts")
        rows = shortcut_rows(window)
        self.table = QTableWidget(len(rows), 3)
        self.table.setObjectName("shortcuts_table")
        self.table.setHorizontalHeaderLabels(["Menu", "Action", "Keys"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(620, 560)


# ---- the Help menu -----------------------------------------------------------------------------

def install_help(window: MainWindow) -> None:
    """Guide, Keyboard Shortcuts and What's This? at the top of the Help menu, and What's This
    texts for the window's own parts (the panel table's rows bring their own)."""
    menu = window.menu("Help")
    first = menu.actions()[0] if menu.actions() else None
    guide = QAction("&Guide", window)
    guide.setObjectName("guide_action")
    guide.setShortcut(QKeySequence.StandardKey.HelpContents)
    guide_dialog: list[GuideDialog] = []  # made on first use, then shown again where it was
    guide.triggered.connect(lambda: _show(guide_dialog[0] if guide_dialog
                                          else _keep(guide_dialog, GuideDialog(window))))
    shortcuts = QAction("&Keyboard Shortcuts", window)
    shortcuts.setObjectName("shortcuts_action")
    shortcuts.setShortcut(QKeySequence("Ctrl+/"))
    shortcuts.triggered.connect(lambda: _show(_made_fresh(ShortcutsDialog(window))))
    whats_this = QWhatsThis.createAction(window)  # Shift+F1, Qt's own mode and cursor
    whats_this.setObjectName("whats_this_action")
    for action in (guide, shortcuts, whats_this):
        menu.insertAction(first, action)
    menu.insertSeparator(first)
    window.canvas.setWhatsThis(WINDOW_PARTS_HELP["canvas"])
    for dock in (window.palette_dock, window.inspector_dock, window.problems_dock):
        dock.setWhatsThis(WINDOW_PARTS_HELP[dock.objectName()])
        dock.widget().setWhatsThis(WINDOW_PARTS_HELP[dock.objectName()])


def _keep(kept: list[QDialog], dialog: QDialog) -> QDialog:
    kept.append(dialog)
    return dialog


def _made_fresh(dialog: QDialog) -> QDialog:
    """A dialog read from the window's state when opened: gone when closed, so the next one
    reads it again."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return dialog


def _show(dialog: QDialog) -> QDialog:
    """Show `dialog` beside the window (not modal) and bring it to the front."""
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog
