"""A step's highlight as a learner meets it: a button that selects the layer on the canvas, or
brings the training setting's field forward with the keyboard in it."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from nnstudio.core.lessons import Step, builtin_lesson
from nnstudio.gui.panels.lesson_panel import LESSON_DOCK


def test_a_layer_highlight_brings_the_canvas_back_in_the_learn_layout(qtbot, composed_window):
    window = composed_window(size=(1300, 760))
    assert not window.canvas.isVisible()  # the first window's Learn layout
    lesson = builtin_lesson("1-neuron")
    node = lesson.project.network.nodes[-1].id
    lesson = dataclasses.replace(lesson, steps=(
        Step("Look at the output layer.", highlight=f"node:{node}"),))
    panel = window.panels[LESSON_DOCK]
    assert panel.start_lesson(lesson)
    button = next(b for b in panel.findChildren(QPushButton) if b.text() == f"Show layer {node}")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.canvas.isVisible()
    assert [item.node_id for item in window.canvas.canvas.selectedItems()] == [node]


def test_layer_and_setting_highlights_show_what_they_name(qtbot, composed_window):
    window = composed_window(size=(1300, 760), panels=("hyperparameters_dock", LESSON_DOCK))
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    lesson = builtin_lesson("1-neuron")
    node = lesson.project.network.nodes[-1].id
    lesson = dataclasses.replace(lesson, steps=(
        Step("Look at the output layer.", highlight=f"node:{node}"),
        Step("Now the learning rate.", highlight="setting:learning_rate")))
    panel = window.panels[LESSON_DOCK]
    assert panel.start_lesson(lesson)
    buttons = {b.text(): b for b in panel.findChildren(QPushButton)}
    window.panel_docks["hyperparameters_dock"].hide()

    qtbot.mouseClick(buttons[f"Show layer {node}"], Qt.MouseButton.LeftButton)
    assert [item.node_id for item in window.canvas.canvas.selectedItems()] == [node]
    qtbot.mouseClick(buttons["Show the setting learning rate"], Qt.MouseButton.LeftButton)
    settings = window.panels["hyperparameters_dock"]
    assert window.panel_docks["hyperparameters_dock"].isVisible()
    qtbot.waitUntil(lambda: settings.editors["learning_rate"].hasFocus(), timeout=2000)
