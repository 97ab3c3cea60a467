"""Help inside the window: the guide found through importlib.resources with its sections, a
shortcut table that lists every action with a shortcut, and What's This on every panel."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWhatsThis

from nnstudio.data.resources import RESOURCES_PACKAGE, guide_pages
from nnstudio.gui.help import (
    GuideDialog, ShortcutsDialog, common_keys, page_title, shortcut_rows,
)
from nnstudio.gui.panels.table import PANELS

GUIDE_SECTIONS = ("Getting started", "Neurons and layers", "Activations",
                  "Loss, gradient descent and backpropagation",
                  "Overfitting and regularization", "Metrics: accuracy, precision, recall, F1",
                  "The window, panel by panel", "Lessons and teacher mode",
                  "The project and lesson files", "The command line")


def help_action(window, name: str) -> QAction:
    return next(a for a in window.menu("Help").actions() if a.objectName() == name)


def test_the_guide_is_found_through_importlib_resources_with_its_sections():
    packaged = Path(str(resources.files(RESOURCES_PACKAGE))) / "guide"
    assert [page.parent for page in guide_pages()] == [packaged] * len(GUIDE_SECTIONS)
    assert tuple(page_title(page) for page in guide_pages()) == GUIDE_SECTIONS


def test_the_guide_corrects_the_articles_worked_example():
    neurons = next(p for p in guide_pages() if page_title(p) == "Neurons and layers")
    text = neurons.read_text(encoding="utf-8")
    assert "`Wᵀx + b = [2, −1] + [0, 1] = [2, 0]`" in text


def test_help_guide_shows_each_section_from_its_contents_list(qtbot, composed_window):
    window = composed_window(panels=())
    help_action(window, "guide_action").trigger()
    # The window's own child: scanning every top-level widget may meet one a previous test's
    # teardown has just deleted, and crash.
    dialog = window.findChild(GuideDialog)
    assert dialog.isVisible()
    qtbot.addWidget(dialog)
    titles = [dialog.contents.item(i).text() for i in range(dialog.contents.count())]
    assert tuple(titles) == GUIDE_SECTIONS
    dialog.show_page("The command line")
    assert "nnstudio lessons --json" in dialog.browser.toPlainText()
    dialog.show_page("Neurons and layers")
    assert "y = σ(ωᵀx + b)" in dialog.browser.toPlainText()
    assert help_action(window, "guide_action").shortcut() == \
        QKeySequence(QKeySequence.StandardKey.HelpContents)


def test_the_shortcut_table_lists_every_action_with_a_shortcut(qtbot, composed_window):
    window = composed_window()
    with_keys = {(a.text().replace("&", "").rstrip(".…").strip(),
                  ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText)
                            for k in common_keys(a.shortcuts())))
                 for a in window.findChildren(QAction) if a.shortcuts()}
    assert len(with_keys) >= 15  # File, Edit, View, Train and Help all have some
    help_action(window, "shortcuts_action").trigger()
    dialog = window.findChild(ShortcutsDialog)
    assert dialog.isVisible()
    qtbot.addWidget(dialog)
    table = dialog.table
    shown = {(table.item(r, 1).text(), table.item(r, 2).text()) for r in range(table.rowCount())}
    assert with_keys <= shown
    assert len(shown) == table.rowCount() == len(shortcut_rows(window))
    where = {table.item(r, 1).text(): table.item(r, 0).text() for r in range(table.rowCount())}
    assert where["Open"] == "File" and where["Keyboard Shortcuts"] == "Help"
    assert where["Fit"] == "Canvas"  # the canvas' own F key, in no menu


def test_a_new_action_with_a_shortcut_appears_in_the_table(composed_window):
    window = composed_window(panels=())
    extra = QAction("Frobnicate", window)
    extra.setShortcut(QKeySequence("Ctrl+Alt+F"))
    assert ("Window", "Frobnicate", QKeySequence("Ctrl+Alt+F").toString(
        QKeySequence.SequenceFormat.NativeText)) in shortcut_rows(window)


def test_every_panel_has_a_whats_this_paragraph(composed_window):
    window = composed_window()
    for entry in PANELS:
        assert len(entry.whats_this) > 80, entry.object_name
        assert window.panel_docks[entry.object_name].whatsThis() == entry.whats_this
        assert window.panels[entry.object_name].whatsThis() == entry.whats_this
    for dock in (window.palette_dock, window.inspector_dock, window.problems_dock):
        assert dock.whatsThis()
    assert window.canvas.whatsThis()


def test_whats_this_mode_starts_from_help_and_shift_f1(qtbot, composed_window):
    window = composed_window(panels=())
    action = help_action(window, "whats_this_action")
    assert action.shortcut() == QKeySequence("Shift+F1")
    action.trigger()
    assert QWhatsThis.inWhatsThisMode()
    QWhatsThis.leaveWhatsThisMode()


def test_the_help_menu_reads_guide_first_and_about_last(composed_window):
    window = composed_window(panels=("lesson_dock",))
    texts = [a.text() for a in window.menu("Help").actions()]
    assert texts == ["&Guide", "&Keyboard Shortcuts", "What's This?", "", "&Lessons",
                     "&About NN Studio"]


def test_the_shortcut_table_lists_the_keys_people_have_not_f14_or_a_dedicated_undo_key(
        composed_window):
    window = composed_window(panels=())
    keys = {action: keys for _where, action, keys in shortcut_rows(window)}
    assert keys["Undo"].startswith(
        QKeySequence("Ctrl+Z").toString(QKeySequence.SequenceFormat.NativeText))
    assert "F14" not in keys["Undo"] and "Undo" not in keys["Undo"]
    assert "Del" in keys["Delete"]  # Delete and Backspace are on every keyboard
    only_dedicated = [QKeySequence(Qt.Key.Key_Copy)]
    assert common_keys(only_dedicated) == only_dedicated  # never an empty row
