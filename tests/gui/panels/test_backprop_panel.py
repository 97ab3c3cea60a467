"""The Backprop view: one sample stepped forward, through the loss, backward and the update."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from nnstudio.gui.document import ProjectDocument
from tests.gui.projects import spiral_project

WAIT = 60_000


@pytest.fixture
def panel(composed_window, warm_torch):
    window = composed_window(ProjectDocument(spiral_project()), panels=("backprop_dock",),
                             menus=False)
    panel = window.panels["backprop_dock"]
    window.panel_docks["backprop_dock"].raise_()
    return panel


def compute(qtbot, panel, sample: int):
    panel.sample_spin.setValue(sample)
    with qtbot.waitSignal(panel.task.succeeded, timeout=WAIT):
        qtbot.mouseClick(panel.compute_button, Qt.MouseButton.LeftButton)


def test_stepping_shows_forward_loss_backward_and_update_with_the_engines_numbers(
        qtbot, panel):
    compute(qtbot, panel, 7)
    result = panel.result
    assert result["sample"] == 7 and "fresh weights from seed" in panel.heading.text()
    titles = [panel.steps.item(i).text() for i in range(panel.steps.count())]
    assert titles[:3] == ["Input x", "Forward dense_1", "Forward dense_2"]
    assert "Loss" in titles and titles.index("Backward dense_2") < titles.index("Backward dense_1")
    assert titles[-1] == "Update dense_2.bias"
    panel.steps.setCurrentRow(titles.index("Forward dense_1"))
    z = result["layers"][0]["z"]
    assert f"{z[0]:.4g}" in panel.page.toPlainText() and "z = W·x + b" in panel.page.toPlainText()
    panel.steps.setCurrentRow(titles.index("Backward dense_2"))
    delta = result["layers"][1]["delta"][0]
    assert f"{delta:.4g}" in panel.page.toPlainText()
    panel.steps.setCurrentRow(len(titles) - 1)
    text = panel.page.toPlainText()
    assert "Adam" in text and "m_hat" in text and "step" in text


def test_new_weights_clear_the_numbers_they_no_longer_describe(qtbot, panel):
    compute(qtbot, panel, 1)
    panel.document.set_weights(None)
    assert panel.result is None and panel.steps.count() == 0 and panel.page.toPlainText() == ""
