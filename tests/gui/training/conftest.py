"""Training-window helpers: a small spiral project and a main window with training installed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnstudio.core.project import Project
from tests.gui.projects import spiral_project

TRAINING_PANELS = ("dataset_dock", "hyperparameters_dock", "metrics_dock")


@pytest.fixture
def train_window(composed_window, qtbot, warm_torch):
    """A shown main window with the training parts installed, around `project`."""
    from nnstudio.gui.document import ProjectDocument

    def make(project: Project | None = None, path=None) -> MainWindow:
        document = ProjectDocument(project or spiral_project())
        if path is not None:
            assert document.open(path) is None
        window = composed_window(document, size=(1300, 850), panels=TRAINING_PANELS)
        window.activateWindow()  # shortcuts only fire in the active window
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
        return window

    return make


@pytest.fixture
def click(qtbot):
    """Click the toolbar button of an action, as a person would."""

    def click_action(window, action) -> None:
        button = window.training.toolbar.widgetForAction(action)
        assert button is not None and button.isEnabled(), f"{action.objectName()} is disabled"
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    return click_action
