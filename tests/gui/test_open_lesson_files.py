"""A lesson file opens like a project: from the command line, File → Open and a drop on the
window; each starts it in the Lesson panel with its project as an untitled copy."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from nnstudio.core.lessons import builtin_lesson, save_lesson
from nnstudio.gui.app import _open_argument
from nnstudio.gui.panels.lesson_panel import LESSON_DOCK


@pytest.fixture
def lesson_file(tmp_path):
    lesson = dataclasses.replace(builtin_lesson("7-random-labels"), id="shared",
                                 title="A shared lesson")
    path = tmp_path / "shared.nnlesson"
    save_lesson(path, lesson)
    return path


@pytest.fixture
def window(composed_window):
    return composed_window(size=(1300, 760), panels=("hyperparameters_dock", LESSON_DOCK))


def assert_started(window) -> None:
    panel = window.panels[LESSON_DOCK]
    assert panel.lesson is not None and panel.title.text() == "A shared lesson"
    assert window.document.path is None  # an untitled copy: saving asks where
    assert window.document.project.name == "Lesson 7: random labels"


def test_the_command_line_argument_starts_a_lesson(window, lesson_file):
    assert _open_argument(window, str(lesson_file)) is None
    assert_started(window)


def test_a_bad_lesson_on_the_command_line_gives_the_reason(window, tmp_path):
    bad = tmp_path / "bad.nnlesson"
    bad.write_text("{}")
    assert _open_argument(window, str(bad)).startswith("bad.nnlesson: the file: missing")
    assert window.panels[LESSON_DOCK].lesson is None


def test_file_open_accepts_a_lesson(qtbot, window, lesson_file, monkeypatch):
    filters = []

    def choose(parent, caption, folder, file_filter):
        filters.append(file_filter)
        return str(lesson_file), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(choose))
    next(a for a in window.menu("File").actions() if a.text() == "&Open…").trigger()
    assert "*.nnlesson" in filters[0].split(";;")[0]
    assert_started(window)


def test_a_lesson_dropped_on_the_window_starts(qtbot, window, lesson_file):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(lesson_file))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    qtbot.waitUntil(lambda: window.panels[LESSON_DOCK].lesson is not None, timeout=5000)
    assert_started(window)


def test_unsaved_work_is_asked_about_before_a_dropped_lesson_replaces_it(qtbot, window,
                                                                         lesson_file, user):
    document = window.document
    document.set_training_config(document.project.training.replace(epochs=7))
    before = document.project
    seen: list[str] = []
    user.answer_next_dialog(QMessageBox.StandardButton.Cancel, seen)
    assert not window.open_path(lesson_file)
    assert "Save the changes" in seen[0]
    assert document.project is before and window.panels[LESSON_DOCK].lesson is None
