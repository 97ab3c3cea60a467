"""The Problems list checks the network against its data before training, as a run would."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnstudio.gui.document import ProjectDocument
from tests.gui.projects import spiral_project

pytestmark = pytest.mark.usefixtures("warm_torch")

MISMATCH = "dense_3: outputs 16 values but the data has 2 classes"


@pytest.fixture
def spiral_window(composed_window, qtbot):
    window = composed_window(ProjectDocument(spiral_project()))
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.waitUntil(lambda: window.problems.train_data is not None, timeout=20000)
    return window


def double_click_palette_layer(qtbot, palette, type_key: str) -> None:
    tree = palette.tree
    rect = tree.visualItemRect(palette.item_for(type_key))
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_a_dense_16_after_the_sigmoid_output_is_a_problem_before_training(spiral_window, qtbot):
    window = spiral_window
    assert window.problems.messages() == []
    assert "fits the data" in window.problems.list.item(0).text()
    double_click_palette_layer(qtbot, window.palette_widget, "dense")
    window.inspector.editors["units"].setValue(16)
    assert window.document.network.node("dense_3").params["units"] == 16
    [message] = window.problems.messages()
    assert message.startswith(MISMATCH) and "set its units to 1 (with sigmoid)" in message
    assert window.problems_label.text() == "⚠ 1 problem"
    assert MISMATCH in window.problems_label.toolTip()


def test_delete_right_after_a_palette_double_click_removes_the_new_layer(spiral_window, qtbot):
    window = spiral_window
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # Build layout
    double_click_palette_layer(qtbot, window.palette_widget, "dense")
    assert window.canvas.selected_ids() == ["dense_3"]
    assert QApplication.focusWidget() is window.canvas  # not left in the palette
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Delete)
    assert "dense_3" not in {node.id for node in window.document.network.nodes}
    assert window.problems.messages() == []
