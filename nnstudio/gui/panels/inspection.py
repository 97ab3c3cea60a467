"""The inspection panels (see inside the network), installed into the main window together.

`INSPECTION_PANELS` is one list of panel factories: each makes its widget from the shared
`LiveModel` (and the window). A view added later registers itself with `register_panel(...)`
before the window is built, and so gets its dock, its View-menu toggle, live updates while
training, and its place in `benchmarks/bench_views.py`, which opens every registered panel.

The main window calls `install(window)` (this module is listed in its EXTENSION_MODULES).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDockWidget, QWidget

from nnstudio.gui.live_model import LiveModel

PanelFactory = Callable[[LiveModel, Any], QWidget]  # (live model, window or None) -> widget
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea


@dataclass(frozen=True)
class InspectionPanel:
    """A dockable view: `object_name` names its dock (and its saved place); `tab_with` puts it
    in a tab beside that dock by default, `split_from` beside it side by side."""

    object_name: str
    title: str
    factory: PanelFactory
    area: Qt.DockWidgetArea = BOTTOM
    tab_with: str | None = None
    split_from: str | None = None


def _network(live: LiveModel, window: Any) -> QWidget:
    from nnstudio.gui.panels.network_panel import NetworkPanel

    return NetworkPanel(live)


def _boundary(live: LiveModel, window: Any) -> QWidget:
    from nnstudio.gui.panels.boundary_panel import BoundaryPanel

    return BoundaryPanel(live)


def _forward(live: LiveModel, window: Any) -> QWidget:
    from nnstudio.gui.panels.forward_panel import ForwardPanel

    return ForwardPanel(live)


def _activations(live: LiveModel, window: Any) -> QWidget:
    from nnstudio.gui.panels.activations_panel import ActivationsPanel

    return ActivationsPanel(live)


def _weights(live: LiveModel, window: Any) -> QWidget:
    from nnstudio.gui.panels.weights_panel import WeightsPanel

    return WeightsPanel(live, training_controller(window) if window is not None else None)


def _feature_maps(live: LiveModel, window: Any) -> QWidget:
    from nnstudio.gui.panels.feature_maps_panel import FeatureMapsPanel

    return FeatureMapsPanel(live)


def _evaluation(live: LiveModel, window: Any) -> QWidget:
    from nnstudio.gui.panels.evaluation_panel import EvaluationPanel, follow_sample

    panel = EvaluationPanel(live)
    if window is not None:  # a double-clicked mistake opens in the forward pass and maps
        panel.sample_chosen.connect(lambda split, index: follow_sample(window, split, index))
    return panel


INSPECTION_PANELS: list[InspectionPanel] = [
    InspectionPanel("network_dock", "Network", _network),
    InspectionPanel("boundary_dock", "Decision Boundary", _boundary, split_from="network_dock"),
    InspectionPanel("forward_dock", "Forward Pass", _forward, tab_with="boundary_dock"),
    InspectionPanel("feature_maps_dock", "Feature Maps", _feature_maps, tab_with="boundary_dock"),
    InspectionPanel("activations_dock", "Activations", _activations, tab_with="boundary_dock"),
    InspectionPanel("weights_dock", "Weights and Gradients", _weights, tab_with="network_dock"),
    InspectionPanel("evaluation_dock", "Evaluation", _evaluation, tab_with="network_dock"),
]


def register_panel(panel: InspectionPanel) -> None:
    """Add a view to the inspection panels (one with the same object name is replaced)."""
    INSPECTION_PANELS[:] = [p for p in INSPECTION_PANELS if p.object_name != panel.object_name]
    INSPECTION_PANELS.append(panel)


def make_panels(live: LiveModel, window: Any = None) -> dict[str, QWidget]:
    """Every registered view's widget by its dock's object name (benchmarks and tests)."""
    return {panel.object_name: panel.factory(live, window) for panel in INSPECTION_PANELS}


def install_inspection_panels(window: Any) -> LiveModel:
    """Dock every inspection panel in `window`, all fed by one `LiveModel` (also kept as
    `window.live_model`); a training controller found on the window feeds it live weights."""
    live = LiveModel(window.document, parent=window)
    window.live_model = live
    window.inspection_panels = {}
    docks: dict[str, QDockWidget] = {}
    for panel in INSPECTION_PANELS:
        widget = panel.factory(live, window)
        dock = window.add_panel(widget, panel.title, panel.object_name, panel.area)
        if panel.tab_with in docks:
            window.tabifyDockWidget(docks[panel.tab_with], dock)
        elif panel.split_from in docks:
            window.splitDockWidget(docks[panel.split_from], dock, Qt.Orientation.Horizontal)
        docks[panel.object_name] = dock
        window.inspection_panels[panel.object_name] = widget
    for first_tab in dict.fromkeys(p.tab_with for p in INSPECTION_PANELS if p.tab_with in docks):
        docks[first_tab].raise_()  # each tab group opens on its first view
    if "network_dock" in docks and "boundary_dock" in docks:
        # The network drawing is wide; the boundary is about square.
        window.resizeDocks([docks["network_dock"], docks["boundary_dock"]], [620, 420],
                           Qt.Orientation.Horizontal)
        window.resizeDocks([docks["network_dock"]], [330], Qt.Orientation.Vertical)
    connect_training(live, training_controller(window))
    return live


install = install_inspection_panels


def connect_training(live: LiveModel, controller: Any) -> bool:
    """Have each run of `controller` hand weight snapshots to `live`; False without one."""
    if controller is None or not hasattr(controller, "add_callback_factory"):
        return False
    controller.add_callback_factory(live.make_callback)
    return True


def training_controller(window: Any) -> Any:
    """The window's training controller, wherever the training part of the app keeps it."""
    training = getattr(window, "training", None)  # nnstudio.gui.training.install sets it
    for found in (getattr(training, "controller", None),
                  getattr(window, "training_controller", None)):
        if found is not None and hasattr(found, "add_callback_factory"):
            return found
    if isinstance(window, QObject):
        for child in window.findChildren(QObject):
            if hasattr(child, "add_callback_factory") and hasattr(child, "run_started"):
                return child
    return None
