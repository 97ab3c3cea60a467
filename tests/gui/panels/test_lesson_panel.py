"""The Lesson panel, acting as a learner: Help → Lessons opens lesson 3 as an untitled copy, a
first run leaves its goal open (saying what it found), a learning rate typed into the training
settings and a second run tick it with its "why this worked"; opening another project ends the
lesson; keeping unsaved work keeps the project and the lesson shut."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QPushButton

from nnstudio.core.lessons import builtin_lesson, builtin_lessons, save_lesson
from nnstudio.gui.panels.lesson_panel import LESSON_DOCK, MET, OPEN
from nnstudio.gui.panels.table import PANELS
from tests.gui.training.conftest import TRAINING_PANELS

WAIT = 20_000  # ms


@pytest.fixture
def window(composed_window, qtbot, warm_torch):
    made = composed_window(size=(1300, 850), panels=(*TRAINING_PANELS, LESSON_DOCK))
    made.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is made, timeout=2000)
    return made


def shown(label) -> str:
    """What a rich-text label reads on screen."""
    document = QTextDocument()
    document.setHtml(label.text())
    return document.toPlainText()


def lesson_action(window, title: str):
    lessons = next(action.menu() for action in window.menu("Help").actions()
                   if action.menu() is not None and action.text() == "&Lessons")
    return next(action for action in lessons.actions() if action.text() == title)


def train(qtbot, window) -> None:
    button = window.training.toolbar.widgetForAction(window.training.train_action)
    with qtbot.waitSignal(window.training.controller.run_finished, timeout=WAIT):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_learner_walks_the_learning_rate_lesson(qtbot, window):
    panel = window.panels[LESSON_DOCK]
    lesson_action(window, "3. Gradient descent and the learning rate").trigger()

    document = window.document
    assert document.path is None and not document.is_dirty
    assert document.project.name == "Lesson 3: learning rate"
    assert document.project.training.learning_rate == 0.0005
    assert panel.title.text() == "3. Gradient descent and the learning rate"
    [goal] = panel.goal_labels
    assert goal.text().startswith(f"{OPEN} <b>Goal:</b> loss &lt; 0.3 within 50 epochs")
    assert shown(goal).startswith(f"{OPEN} Goal: loss < 0.3 within 50 epochs")  # read whole
    assert "now: no run yet" in goal.text()

    train(qtbot, window)  # the tiny rate: the loss hardly moves
    assert goal.text().startswith(OPEN)
    assert "now: lowest loss" in goal.text()

    editor = window.panels["hyperparameters_dock"].editors["learning_rate"]
    editor.lineEdit().selectAll()
    qtbot.keyClicks(editor.lineEdit(), "0.1")
    qtbot.keyClick(editor.lineEdit(), Qt.Key.Key_Return)
    assert document.project.training.learning_rate == 0.1
    train(qtbot, window)
    assert goal.text().startswith(f"<span style='color:#2e7d32'>{MET} <b>Goal met:</b>")
    assert "Why this worked:</i> A larger step" in goal.text()
    assert [result.met for result in panel.results()] == [True]


def test_opening_another_project_ends_the_lesson(qtbot, window):
    panel = window.panels[LESSON_DOCK]
    lesson_action(window, "6. Accuracy, recall and F1").trigger()
    assert panel.lesson is not None and panel.pages.currentIndex() == 1
    window.new_from_example("spiral")
    assert panel.lesson is None and panel.goal_labels == []
    assert panel.pages.currentIndex() == 0  # the course list again, no ticks about the spiral


def test_keeping_unsaved_work_keeps_the_project(qtbot, window, user):
    document = window.document
    document.set_training_config(document.project.training.replace(epochs=7))
    before = document.project
    seen: list[str] = []
    user.answer_next_dialog(QMessageBox.StandardButton.Cancel, seen)
    assert not window.panels[LESSON_DOCK].start("1-neuron")
    assert seen and "Save the changes" in seen[0]
    assert document.project is before and window.panels[LESSON_DOCK].lesson is None


def test_the_course_list_opens_the_chosen_lesson(qtbot, window):
    panel = window.panels[LESSON_DOCK]
    assert panel.course.rowCount() == len(builtin_lessons())
    window.panel_docks[LESSON_DOCK].raise_()
    panel.chooser.setFocus()
    qtbot.keyClick(panel.chooser, Qt.Key.Key_Home)
    qtbot.keyClick(panel.chooser, Qt.Key.Key_Return)
    assert panel.lesson is not None and panel.lesson.id == "1-neuron"
    assert window.document.project.name == "Lesson 1: one neuron"


def test_every_highlight_names_a_panel_of_the_window():
    docks = {entry.object_name for entry in PANELS}
    for lesson in builtin_lessons():
        for step in lesson.steps:
            assert not step.highlight or f"{step.highlight}_dock" in docks, (lesson.id, step)


def click_open_file(qtbot, panel) -> None:
    button = next(b for b in panel.findChildren(QPushButton) if b.text() == "Open a Lesson File…")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_a_teachers_lesson_file_opens_from_the_panel(qtbot, window, monkeypatch, tmp_path):
    teacher = dataclasses.replace(builtin_lesson("7-random-labels"), id="mine",
                                  title="Memorize 200 points")
    save_lesson(tmp_path / "mine.nnlesson", teacher)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(
        lambda *args, **kwargs: (str(tmp_path / "mine.nnlesson"), "")))
    panel = window.panels[LESSON_DOCK]
    window.panel_docks[LESSON_DOCK].raise_()
    click_open_file(qtbot, panel)
    assert panel.title.text() == "Memorize 200 points"
    assert window.document.project.name == "Lesson 7: random labels"
    assert len(panel.goal_labels) == 1 and panel.goal_labels[0].text().startswith(OPEN)


def test_a_bad_lesson_file_says_why_and_keeps_the_project(qtbot, window, monkeypatch, tmp_path,
                                                          user):
    (tmp_path / "bad.nnlesson").write_text('{"format": "nnstudio-lesson"}')
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(
        lambda *args, **kwargs: (str(tmp_path / "bad.nnlesson"), "")))
    before = window.document.project
    seen: list[str] = []
    user.answer_next_dialog(QMessageBox.StandardButton.Ok, seen)
    window.panel_docks[LESSON_DOCK].raise_()
    click_open_file(qtbot, window.panels[LESSON_DOCK])
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen[0].startswith("bad.nnlesson: the file: missing 'format_version'")
    assert window.document.project is before and window.panels[LESSON_DOCK].lesson is None


def test_what_a_goal_found_says_no_run_yet_once():
    from nnstudio.core.lessons import builtin_lesson
    from nnstudio.gui.panels.lesson_panel import _goal_text

    lesson = builtin_lesson("5-overfitting")
    results = lesson.check(lesson.project)
    texts = [_goal_text(result) for result in results]
    assert any("now: l2 0.0; no run yet</small>" in text for text in texts), texts
    assert not any("no run yet; no run yet" in text for text in texts)
