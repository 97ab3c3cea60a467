"""Draw Data, as a person uses it: click and drag points of a class onto the plane, erase them,
undo and redo, then use them as the project's data, which saves, reloads and trains."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QToolButton

from nnstudio.core.project import load_project
from nnstudio.data.drawn import DrawnPoints, with_points
from nnstudio.gui.dialogs.draw_data import DrawDataDialog, use_drawn_points

WAIT = 20_000


@pytest.fixture
def dialog(qtbot):
    made = DrawDataDialog()
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    return made


def at(dialog, x: float, y: float) -> QPointF:
    """The scene point of plane position (x, y)."""
    return dialog.view_box.mapViewToScene(QPointF(x, y))


def drag(qtbot, user, dialog, start: QPointF, end: QPointF, steps: int) -> None:
    """Press, move in steps and release, pausing between moves as a hand does (pyqtgraph
    drops moves that come faster than about 60 a second)."""
    button = Qt.MouseButton.LeftButton
    user.mouse(dialog.plot, QEvent.Type.MouseButtonPress, start, button)
    for index in range(1, steps + 1):
        qtbot.wait(25)
        user.mouse(dialog.plot, QEvent.Type.MouseMove, start + (end - start) * (index / steps),
                   button, buttons=button)
    user.mouse(dialog.plot, QEvent.Type.MouseButtonRelease, end, button)


def pick(qtbot, dialog, name: str) -> None:
    qtbot.mouseClick(dialog.findChild(QToolButton, name), Qt.MouseButton.LeftButton)


def test_a_click_adds_a_point_of_the_chosen_class_where_it_lands(qtbot, user, dialog):
    user.click(dialog.plot, at(dialog, 2.0, 3.0))
    assert dialog.drawn.labels.tolist() == [0]
    np.testing.assert_allclose(dialog.drawn.points, [[2.0, 3.0]], atol=0.05)
    pick(qtbot, dialog, "draw_class_1")
    user.click(dialog.plot, at(dialog, -4.0, -1.0))
    assert dialog.drawn.labels.tolist() == [0, 1]
    x, y = dialog.scatters[1].getData()
    assert np.allclose([x[0], y[0]], [-4.0, -1.0], atol=0.05)  # drawn in class 2's colour
    assert dialog.count_label.text() == "2 points: class 1 1, class 2 1"


def test_a_drag_leaves_a_line_of_points_and_the_eraser_drag_removes_them(
        qtbot, user, dialog):
    user.click(dialog.plot, at(dialog, 4.0, 4.0))
    pick(qtbot, dialog, "draw_class_1")
    drag(qtbot, user, dialog, at(dialog, -4.0, -3.0), at(dialog, 0.0, -3.0), 12)
    line = dialog.drawn.labels == 1
    assert line.sum() >= 10  # about one point every 0.3 units along 4
    assert np.allclose(dialog.drawn.points[line, 1], -3.0, atol=0.05)
    pick(qtbot, dialog, "draw_eraser")
    drag(qtbot, user, dialog, at(dialog, -4.5, -3.0), at(dialog, 0.5, -3.0), 20)
    assert dialog.drawn.labels.tolist() == [0]  # the line is gone, the other point stays
    undo = dialog.findChild(QAction, "draw_undo")
    undo.trigger()
    assert (dialog.drawn.labels == 1).sum() == line.sum()
    undo.trigger()
    assert dialog.drawn.labels.tolist() == [0]
    dialog.findChild(QAction, "draw_redo").trigger()
    dialog.findChild(QAction, "draw_redo").trigger()
    assert dialog.drawn.labels.tolist() == [0]


def test_a_new_class_gets_its_button_and_undo_takes_it_away(qtbot, user, dialog):
    pick(qtbot, dialog, "draw_add_class")
    assert dialog.drawn.class_names == ("class 1", "class 2", "class 3") and dialog.tool == 2
    user.click(dialog.plot, at(dialog, 0.0, 0.0))
    assert dialog.drawn.labels.tolist() == [2]
    dialog.undo_stack.undo()
    dialog.undo_stack.undo()
    assert dialog.drawn.class_names == ("class 1", "class 2") and len(dialog.class_buttons) == 2
    assert dialog.tool == 0


def test_use_is_offered_once_two_classes_have_points(qtbot, user, dialog):
    assert not dialog.use_button.isEnabled()
    user.click(dialog.plot, at(dialog, 1.0, 1.0))
    assert not dialog.use_button.isEnabled()
    pick(qtbot, dialog, "draw_class_1")
    user.click(dialog.plot, at(dialog, -1.0, -1.0))
    assert dialog.use_button.isEnabled()


def three_clouds() -> DrawnPoints:
    rng = np.random.default_rng(1)
    drawn = DrawnPoints.empty(3)
    for label, centre in enumerate(([-3, -3], [3, -3], [0, 3])):
        drawn = with_points(drawn, rng.normal(centre, 0.6, (30, 2)), label)
    return drawn


def test_draw_data_from_the_menu_becomes_the_data_and_the_network_follows(
        qtbot, user, composed_window, tmp_path):
    window = composed_window(size=(1300, 850), panels=("dataset_dock",))
    document = window.document
    before_source = document.project.data.source
    seen = {}

    def draw_and_use() -> None:
        drawing = QApplication.activeModalWidget()
        if not isinstance(drawing, DrawDataDialog):
            QTimer.singleShot(20, draw_and_use)
            return
        for x in (-3.0, -2.5, -2.0):
            user.click(drawing.plot, at(drawing, x, -2.0))
        pick(qtbot, drawing, "draw_class_1")
        drag(qtbot, user, drawing, at(drawing, 1.0, 2.0), at(drawing, 3.0, 2.0), 8)
        seen["drawn"] = drawing.drawn
        qtbot.mouseClick(drawing.use_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, draw_and_use)
    window.findChild(QAction, "draw_data_action").trigger()
    source = document.project.data.source
    assert source.kind == "drawn" and source.drawn().same_as(seen["drawn"])
    assert window.panels["dataset_dock"].dataset_combo.currentText() == "Your drawn points"
    output = document.network.output_node()
    assert (output.params["units"], output.params["activation"]) == (1, "sigmoid")
    document.undo()  # one step: the data and the network go back together
    assert document.project.data.source == before_source


def test_three_drawn_classes_give_three_outputs_save_reload_exactly_and_train(
        qtbot, composed_window, tmp_path, warm_torch):
    window = composed_window(size=(1300, 850), panels=("dataset_dock", "metrics_dock"))
    document = window.document
    assert use_drawn_points(document, three_clouds())
    output = document.network.output_node()
    assert (output.params["units"], output.params["activation"]) == (3, "softmax")
    path = tmp_path / "drawn.nnstudio"
    assert document.save(path) is None
    assert load_project(path).project.data.source.drawn().same_as(three_clouds())
    assert document.open(path) is None
    assert document.project.data.source.drawn().same_as(three_clouds())
    controller = window.services.controller
    document.set_training_config(document.project.training.replace(epochs=3, device="cpu"))
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT) as finished:
        controller.train()
    assert finished.args[0].outcome.status == "completed"


def test_start_from_the_data_copies_the_projects_points_to_draw_on(qtbot, user, make_document):
    from nnstudio.core.project import DataSource
    from nnstudio.gui.dialogs.draw_data import project_points

    document = make_document()
    document.set_data_config(dataclasses.replace(
        document.project.data, source=DataSource.builtin("moons", {"n_samples": 120})))
    drawing = DrawDataDialog(parent=None, project_points=project_points(document))
    qtbot.addWidget(drawing)
    drawing.show()
    copy = drawing.findChild(QToolButton, "draw_copy_data")
    assert copy.isVisible()
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    assert len(drawing.drawn) == 120 and drawing.drawn.class_names == ("upper moon",
                                                                       "lower moon")
    pick(qtbot, drawing, "draw_eraser")
    drag(qtbot, user, drawing, at(drawing, -6.0, 0.0), at(drawing, 6.0, 0.0), 30)
    assert 0 < len(drawing.drawn) < 120  # erased along the middle
    drawing.undo_stack.undo()
    drawing.undo_stack.undo()
    assert len(drawing.drawn) == 0


def test_data_that_is_no_plane_of_classes_offers_nothing_to_start_from(make_document):
    from nnstudio.core.project import DataSource
    from nnstudio.gui.dialogs.draw_data import project_points

    document = make_document()
    document.set_data_config(dataclasses.replace(
        document.project.data, source=DataSource.builtin("iris")))
    assert project_points(document) is None
    assert DrawDataDialog().findChild(QToolButton, "draw_copy_data").isHidden()
