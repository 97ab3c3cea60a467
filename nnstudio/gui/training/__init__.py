"""Training from the window: the controller (GUI thread), the worker (a QThread) and their
place in the window. `install(window)` is called by the main window while it is built."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt


def install(window: Any) -> Any:
    """Dock the data, hyperparameters and metrics panels and add the Train menu and toolbar.

    Returns the `TrainingActions`; `window.training` is set to it too.
    """
    from nnstudio.gui.panels.dataset_panel import DatasetPanel
    from nnstudio.gui.panels.hyperparameters_panel import HyperparametersPanel
    from nnstudio.gui.panels.metrics_panel import MetricsPanel
    from nnstudio.gui.training.actions import TrainingActions
    from nnstudio.gui.training.controller import TrainingController

    controller = TrainingController(window.document, window)
    actions = TrainingActions(window, controller)
    actions.dataset_panel = DatasetPanel(window.document, controller, window)
    actions.hyperparameters_panel = HyperparametersPanel(window.document, controller)
    actions.metrics_panel = MetricsPanel(controller)
    right = Qt.DockWidgetArea.RightDockWidgetArea
    actions.dataset_dock = window.add_panel(actions.dataset_panel, "Data", "dataset_dock", right)
    actions.hyperparameters_dock = window.add_panel(
        actions.hyperparameters_panel, "Training Settings", "hyperparameters_dock", right)
    actions.metrics_dock = window.add_panel(actions.metrics_panel, "Metrics", "metrics_dock",
                                            Qt.DockWidgetArea.BottomDockWidgetArea)
    inspector = getattr(window, "inspector_dock", None)
    if inspector is not None:
        window.tabifyDockWidget(inspector, actions.dataset_dock)
        window.tabifyDockWidget(inspector, actions.hyperparameters_dock)
        inspector.raise_()
    window.resizeDocks([actions.metrics_dock], [260], Qt.Orientation.Vertical)
    window.training = actions
    actions.controller = controller
    return actions
