"""The File menu: each part of the app adds its entries through the window, and they land in
their section and order whichever part is installed first."""

from __future__ import annotations

from PySide6.QtGui import QAction

from nnstudio.gui.main_window import FILE_ENTRIES


def names(menu) -> list[str]:
    return [a.objectName() or ("----" if a.isSeparator() else a.text()) for a in menu.actions()]


def test_the_composed_window_lists_data_entries_before_export_and_the_teachers_after(
        composed_window):
    window = composed_window()
    entries = names(window.menu("File"))
    export = entries.index("&Export")
    data, teaching = FILE_ENTRIES["data"], FILE_ENTRIES["teaching"]
    assert entries[export - len(data):export] == list(data)
    assert entries[export + 2:export + 2 + len(teaching)] == list(teaching)
    assert entries[export + 1] == "----" and entries[-2:] == ["----", "&Quit"]


def test_entries_added_in_any_order_take_their_own_places(composed_window):
    window = composed_window()
    menu = window.menu("File")
    for action in menu.actions():
        if action.objectName() in FILE_ENTRIES["data"] + FILE_ENTRIES["teaching"]:
            menu.removeAction(action)
    for name in reversed(FILE_ENTRIES["data"] + FILE_ENTRIES["teaching"]):
        action = QAction(name, window)
        action.setObjectName(name)
        window.add_file_action(action)
    entries = [n for n in names(window.menu("File"))
               if n in FILE_ENTRIES["data"] + FILE_ENTRIES["teaching"]]
    assert entries == list(FILE_ENTRIES["data"] + FILE_ENTRIES["teaching"])
