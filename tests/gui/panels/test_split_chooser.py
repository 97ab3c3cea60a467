"""The data panel's split controls: random shares, a test file, or a split column, chosen as a
person would (keys and clicks), checked in the project and on screen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog

from nnstudio.core.project import DataConfig, DataSource, load_project
from nnstudio.data.importers import data_checksum
from nnstudio.gui.panels.dataset_panel import DatasetPanel

HEADER = "x,y,label,part\n"


class FakeController(QObject):
    state_changed = Signal(str)


def rows(n: int, start: int = 0) -> str:
    return "".join(f"{start + i},{i % 5},{'ab'[i % 2]},{('train', 'train', 'TEST')[i % 3]}\n"
                   for i in range(n))


@pytest.fixture
def panel(qtbot, make_document, tmp_path):
    (tmp_path / "train.csv").write_text(HEADER + rows(30))
    (tmp_path / "test.csv").write_text(HEADER + rows(11, start=100))
    document = make_document()
    source = DataSource(kind="file", path="train.csv", sha256=data_checksum(tmp_path /
                        "train.csv"), format="csv", options={"target": "label",
                                                             "features": ["x", "y"]})
    document.set_data_config(DataConfig(source=source))
    document.save(tmp_path / "p.nnstudio")
    widget = DatasetPanel(document, FakeController())
    qtbot.addWidget(widget)
    widget.resize(380, 900)
    widget.show()
    return widget


def pick(qtbot, combo, text: str) -> None:
    """Choose an item as a person does: open the list, arrow down or up to it, press Return."""
    target = next(i for i in range(combo.count()) if combo.itemText(i).startswith(text))
    combo.showPopup()
    view = combo.view()
    key = Qt.Key.Key_Down if target > combo.currentIndex() else Qt.Key.Key_Up
    for _ in range(abs(target - combo.currentIndex())):
        qtbot.keyClick(view, key)
    qtbot.keyClick(view, Qt.Key.Key_Return)


def test_a_test_file_chosen_in_the_panel_fixes_the_test_rows(panel, qtbot, monkeypatch, tmp_path):
    chooser = panel.split_chooser
    assert chooser.isVisible() and not chooser.test_file.isVisible()
    pick(qtbot, chooser.kind_combo, "Separate")
    assert chooser.kind_combo.currentData() == "files"
    assert chooser.test_file.isVisible() and not chooser.column_combo.isVisible()
    assert panel.document.project.data.split_kind == "random"  # nothing chosen yet
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *args, **kwargs: (str(tmp_path / "test.csv"), "")))
    qtbot.mouseClick(chooser.test_file.choose_button, Qt.MouseButton.LeftButton)
    data = panel.document.project.data
    assert (data.split_kind, data.test_file.path, data.test) == ("files", "test.csv", 0.0)
    assert chooser.test_file.name_edit.text() == "test.csv"
    assert not panel.test_box.isEnabled() and panel.validation_box.isEnabled()
    assert "11 test (test.csv)" in panel.split_note.text()
    panel.document.save()
    assert load_project(tmp_path / "p.nnstudio").project.data.test_file.path == "test.csv"
    # "None" drops the file: random shares again, with the test share back.
    qtbot.mouseClick(chooser.test_file.clear_button, Qt.MouseButton.LeftButton)
    data = panel.document.project.data
    assert (data.split_kind, data.test) == ("random", 0.2)
    assert panel.test_box.isEnabled() and panel.test_box.value() == 20.0
    assert panel.split_note.text() == ""


def test_a_split_column_is_offered_from_the_file_and_an_input_column_is_refused(panel, qtbot):
    chooser = panel.split_chooser
    pick(qtbot, chooser.kind_combo, "A split")
    assert chooser.kind_combo.currentData() == "column"
    combo = chooser.column_combo
    assert [combo.itemText(i) for i in range(combo.count())][1:] == ["x", "y", "label", "part"]
    pick(qtbot, combo, "part")
    data = panel.document.project.data
    assert (data.split_kind, data.split_column, data.test) == ("column", "part", 0.0)
    assert "10 test" in panel.split_note.text()
    assert not panel.test_box.isEnabled()
    pick(qtbot, combo, "y")
    assert panel.problem.isVisible()
    assert "'y' is also listed as an input feature" in panel.problem.text()
    assert panel.document.project.data.split_column == "part"  # unchanged
    assert combo.currentText() == "part"  # the view shows the project again


def test_files_and_columns_are_only_for_ones_own_data(qtbot, make_document):
    document = make_document()
    widget = DatasetPanel(document, FakeController())
    qtbot.addWidget(widget)
    widget.show()
    assert not widget.split_chooser.isVisible()
