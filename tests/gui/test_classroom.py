"""Classroom presets, as a teacher sets one and a student opens the file: the listed panels and
controls are hidden (and nothing else), the notes open, and Show Everything brings all back."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QCheckBox

from nnstudio.core.classroom import Classroom
from nnstudio.core.examples import example_project
from nnstudio.core.project import load_project, save_project
from nnstudio.gui.classroom import CONTROLS, ClassroomPresetDialog

PRESET = Classroom(("weights_dock", "backprop_dock", "lesson_dock"),
                   ("import_data", "training_toolbar", "reset_weights", "layer_palette"), True)
NOTES = "# Lesson 1\n\nTrain the spiral, then **add a layer**."


def everything(window) -> dict:
    """Each dock's open state and View entry, and each control part's visibility."""
    state = {name: (dock.toggleViewAction().isChecked(), dock.toggleViewAction().isEnabled())
             for name, dock in window.panel_docks.items()}
    for control in CONTROLS:
        for index, part in enumerate(control.find(window)):
            toggle = getattr(part, "toggleViewAction", None)
            state[f"{control.name}[{index}]"] = (
                toggle().isChecked() if toggle else part.isVisible(),
                toggle().isEnabled() if toggle else True)
    return state


@pytest.fixture
def student_file(tmp_path):
    project = example_project("spiral")
    project.classroom = PRESET
    project.notes = NOTES
    path = tmp_path / "lesson.nnstudio"
    save_project(path, project)
    return path


def test_a_preset_hides_what_it_lists_and_nothing_else(qtbot, composed_window, student_file):
    window = composed_window(size=(1366, 768))
    before = everything(window)
    assert all(parts for parts in (c.find(window) for c in CONTROLS))  # every control exists
    assert window.open_path(student_file)
    after = everything(window)
    hidden = {*PRESET.hidden_panels,
              *(f"{c.name}[0]" for c in CONTROLS if c.name in PRESET.hidden_controls)}
    for name, (shown, enabled) in after.items():
        if name in hidden:
            assert not shown and (not enabled or name.startswith(("import_data", "reset"))), name
        else:
            assert (shown, enabled) == before[name], name
    assert not window.findChild(type(window.training.toolbar), "training_toolbar").isVisible()
    show = window.classroom.show_everything_action
    assert show.isEnabled() and not show.isChecked()
    show.trigger()
    assert everything(window) == before
    show.trigger()
    assert everything(window) == after
    window.new_from_example("seed_article")  # a project without a preset: all back
    assert everything(window) == before and not show.isEnabled()


def test_the_notes_open_beside_the_window(qtbot, composed_window, student_file):
    window = composed_window(size=(1366, 768))
    assert window.open_path(student_file)
    qtbot.waitUntil(lambda: window.classroom.notes_window is not None
                    and window.classroom.notes_window.isVisible(), timeout=3000)
    notes = window.classroom.notes_window
    assert "add a layer" in notes.browser.toPlainText()
    assert notes.windowTitle() == "Notes: " + load_project(student_file).project.name


def test_closing_saves_the_persons_own_layout_not_the_presets(
        qtbot, composed_window, student_file, settings):
    window = composed_window(size=(1366, 768))
    assert window.open_path(student_file)
    assert not window.panel_docks["weights_dock"].toggleViewAction().isChecked()
    window.close()
    hidden = settings.value("window/hidden_panels", [])
    assert not set(PRESET.hidden_panels) & set(hidden if isinstance(hidden, list) else [hidden])


def test_the_preset_dialog_sets_the_projects_preset_and_it_saves(
        qtbot, composed_window, tmp_path):
    window = composed_window(size=(1366, 768))

    def tick_and_accept() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ClassroomPresetDialog):
            QTimer.singleShot(20, tick_and_accept)
            return
        for name in ("hide_panel_evaluation_dock", "hide_control_export", "show_notes_box"):
            box = dialog.findChild(QCheckBox, name)
            qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(6, box.height() // 2))
        dialog.accept()

    QTimer.singleShot(0, tick_and_accept)
    window.findChild(type(window.classroom.edit_action), "classroom_preset_action").trigger()
    preset = window.document.project.classroom
    assert preset == Classroom(("evaluation_dock",), ("export",), True)
    assert not window.panel_docks["evaluation_dock"].toggleViewAction().isChecked()
    assert window.document.is_dirty
    path = tmp_path / "teacher.nnstudio"
    assert window.document.save(path) is None
    assert load_project(path).project.classroom == preset
