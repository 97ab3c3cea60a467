"""Teacher mode, acting as a teacher: File → New Lesson from the open project, steps typed,
added, reordered and removed, goals built from dropdowns; the saved file passes the loader's
validator and reads back equal; a bad value is refused with the loader's message; a saved
lesson opens again in the editor."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from nnstudio.core.lessons import (
    CONDITION_KINDS, condition_fields, lesson_document, load_lesson)
from nnstudio.gui.dialogs.lesson_editor import LessonEditorDialog


@pytest.fixture
def window(composed_window):
    return composed_window(size=(1300, 760), panels=("hyperparameters_dock", "lesson_dock"))


def file_menu_action(window, text: str):
    return next(a for a in window.menu("File").actions() if a.text() == text)


def open_editor(qtbot, window) -> LessonEditorDialog:
    file_menu_action(window, "New &Lesson from Project").trigger()
    # The window's own child (a scan of every top-level widget may meet a deleted one).
    editor = next(w for w in window.findChildren(LessonEditorDialog) if w.isVisible())
    qtbot.addWidget(editor, before_close_func=forget_edits)
    return editor


def forget_edits(editor) -> None:
    """For pytest-qt's close: no "save the lesson?" prompt."""
    editor._saved_text = editor._text_of_form()


def save_as(monkeypatch, qtbot, editor, path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *args, **kwargs: (str(path), "")))
    qtbot.mouseClick(editor.save_as_button, Qt.MouseButton.LeftButton)


def choose(combo, data) -> None:
    combo.setCurrentIndex(combo.findData(data))


def type_into(qtbot, widget, text: str) -> None:
    widget.selectAll()
    qtbot.keyClicks(widget, text)


def test_a_teacher_writes_reorders_and_saves_a_lesson_that_reads_back_equal(
        qtbot, window, monkeypatch, tmp_path):
    window.document.new_from_example("spiral")
    editor = open_editor(qtbot, window)
    assert editor.title_edit.text() == "A lesson on Spiral"
    type_into(qtbot, editor.title_edit, "Overfit the spiral")
    editor.text_edit.setPlainText("Look at the data: two arms of a spiral.")
    choose(editor.highlight_combo, "boundary")

    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    editor.text_edit.setPlainText("Make the network memorize the training points.")
    editor.goal_box.setChecked(True)  # ticking the goal starts it with one condition
    [row] = editor.condition_rows
    choose(row.kind_combo, "metric_gap")
    assert list(row.fields) == [f.name for f in condition_fields("metric_gap")]
    choose(row.fields["metric"], "accuracy")
    choose(row.fields["minus"], "val_accuracy")
    row.op_combo.setCurrentText(">=")
    type_into(qtbot, row.value_edit, "0.2")
    qtbot.mouseClick(editor.add_condition_button, Qt.MouseButton.LeftButton)
    second = editor.condition_rows[1]
    choose(second.kind_combo, "setting")
    choose(second.fields["setting"], "optimizer")
    assert [second.op_combo.itemText(i) for i in range(second.op_combo.count())] == ["=="]
    choose(second.value_combo, "sgd")
    editor.why_edit.setPlainText("A large network with no penalty fits the noise.")
    choose(editor.highlight_combo, "setting:l2")

    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    editor.text_edit.setPlainText("A step to throw away.")
    qtbot.mouseClick(editor.remove_button, Qt.MouseButton.LeftButton)
    editor.step_list.setCurrentRow(1)
    qtbot.mouseClick(editor.up_button, Qt.MouseButton.LeftButton)  # the goal step first
    assert editor.step_list.currentRow() == 0

    save_as(monkeypatch, qtbot, editor, tmp_path / "overfit.nnlesson")
    assert editor.message.text().startswith("Saved ")
    assert not editor.is_modified
    saved = load_lesson(tmp_path / "overfit.nnlesson")  # the loader's own validator
    assert saved.title == "Overfit the spiral" and saved.id == "overfit-the-spiral"
    assert [s.text for s in saved.steps] == ["Make the network memorize the training points.",
                                            "Look at the data: two arms of a spiral."]
    assert [s.highlight for s in saved.steps] == ["setting:l2", "boundary"]
    assert saved.steps[0].goal.describe() == \
        "accuracy − val_accuracy >= 0.2 and optimizer == sgd"
    assert saved.project.network.to_dict() == window.document.project.network.to_dict()
    assert saved.project.runs == []

    editor.close()
    again = LessonEditorDialog(saved, tmp_path / "overfit.nnlesson")
    qtbot.addWidget(again)
    assert lesson_document(again.lesson()) == lesson_document(saved)
    again.step_list.setCurrentRow(0)
    assert [r.to_dict() for r in again.condition_rows] == [
        c.to_dict() for c in saved.steps[0].goal.conditions]


@pytest.mark.parametrize("kind", list(CONDITION_KINDS))
def test_every_condition_kind_has_a_row_the_validator_accepts(qtbot, window, kind):
    editor = open_editor(qtbot, window)
    row = editor.add_condition()
    choose(row.kind_combo, kind)
    if row.value_edit.isVisibleTo(row):
        type_into(qtbot, row.value_edit, "1")
    editor.why_edit.setPlainText("Because.")
    goal = editor.lesson().steps[0].goal
    assert [c.kind for c in goal.conditions] == [kind]


@pytest.mark.parametrize("typed, message", [
    ("high", "steps[0].goal.conditions[0].value: must be a finite number, got \"high\""),
    ("nan", "steps[0].goal.conditions[0].value: must be a finite number"),
])
def test_an_invalid_goal_value_is_refused_with_the_validators_message(
        qtbot, window, monkeypatch, tmp_path, user, typed, message):
    editor = open_editor(qtbot, window)
    row = editor.add_condition()
    type_into(qtbot, row.value_edit, typed)
    editor.why_edit.setPlainText("Because.")
    seen: list[str] = []
    user.answer_next_dialog(QMessageBox.StandardButton.Ok, seen)
    save_as(monkeypatch, qtbot, editor, tmp_path / "bad.nnlesson")
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert message in seen[0]
    assert message in editor.message.text() and editor.message.text().startswith("Not saved")
    assert not (tmp_path / "bad.nnlesson").exists()


def test_a_goal_without_why_is_refused_naming_the_field(qtbot, window, user):
    editor = open_editor(qtbot, window)
    editor.add_condition()
    seen: list[str] = []
    user.answer_next_dialog(QMessageBox.StandardButton.Ok, seen)
    assert not editor.save_as()
    assert "steps[0].goal.why: must be a non-empty text" in seen[0]


def test_edit_lesson_opens_a_saved_file_and_saves_it_in_place(qtbot, window, monkeypatch,
                                                             tmp_path):
    editor = open_editor(qtbot, window)
    save_as(monkeypatch, qtbot, editor, tmp_path / "mine.nnlesson")
    editor.close()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(
        lambda *args, **kwargs: (str(tmp_path / "mine.nnlesson"), "")))
    file_menu_action(window, "Edit Lesson…").trigger()
    reopened = next(w for w in window.findChildren(LessonEditorDialog)
                    if w.isVisible() and w.path is not None)
    qtbot.addWidget(reopened, before_close_func=forget_edits)
    assert reopened.path == tmp_path / "mine.nnlesson"
    reopened.text_edit.setPlainText("Changed.")
    assert reopened.is_modified
    reopened.activateWindow()  # shortcuts go to the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is reopened, timeout=2000)
    qtbot.keySequence(reopened, "Ctrl+S")
    assert not reopened.is_modified
    assert load_lesson(tmp_path / "mine.nnlesson").steps[0].text == "Changed."


def test_try_it_starts_the_lesson_being_written_in_the_lesson_panel(qtbot, window):
    window.document.new_from_example("spiral")
    editor = open_editor(qtbot, window)
    type_into(qtbot, editor.title_edit, "Trying")
    editor.add_condition({"kind": "parameters", "op": "<=", "value": 60})
    editor.why_edit.setPlainText("Small is enough.")
    qtbot.mouseClick(editor.try_button, Qt.MouseButton.LeftButton)
    panel = window.panels["lesson_dock"]
    assert panel.lesson is not None and panel.title.text() == "Trying"
    assert window.document.path is None and window.document.project.name == "Spiral"
    assert len(panel.goal_labels) == 1 and "parameters &lt;= 60" in panel.goal_labels[0].text()
    assert editor.isVisible()  # the teacher keeps writing
