"""Training-window helpers: a small spiral project and a main window with training installed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnstudio.core.project import Project
from tests.gui.projects import spiral_project

TRAINING_PANELS = ("dataset_dock", "hyperparameters_dock", "metrics_dock")


@pytest.fixture
def train_window(qtbot, settings, warm_torch):
    """A shown main window with the training parts installed, around `project`."""
    from nnstudio.gui.document import ProjectDocument
    from nnstudio.gui.composition import build_window

    def before_close(window) -> None:  # pytest-qt closes the window: no run, no prompt then
        window.training.controller.shutdown()
        window.document.undo_stack.setClean()
        window.document._unsaved = False

    def make(project: Project | None = None, path=None) -> MainWindow:
        document = ProjectDocument(project or spiral_project())
        if path is not None:
            assert document.open(path) is None
        window = build_window(document, settings, panels=TRAINING_PANELS)
        qtbot.addWidget(window, before_close_func=before_close)
        window.resize(1300, 850)
        window.show()
        qtbot.waitExposed(window)
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
