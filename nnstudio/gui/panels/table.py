"""The one table of the window's dockable panels.

Every panel the window docks is one `PanelEntry` here: its dock's object name (also its saved
place and visibility), its View-menu title, where it docks by default, and a factory that makes
its widget from the window's `PanelServices` (nnstudio.gui.composition). Nothing else adds
panels: the composition root docks exactly these, in this order (the order decides the default
tab rows), and the tests and benchmarks walk this table to reach every panel.

Factories import their panel's module when called, so the window's start does not pay for
views (or torch) before it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from nnstudio.gui.composition import PanelServices

BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea


@dataclass(frozen=True)
class PanelEntry:
    """A dockable view: `tab_with` puts it in a tab beside that dock by default, `split_from`
    beside it side by side. `live` says it draws from the live model (the inspection views)."""

    object_name: str
    title: str
    factory: Callable[[PanelServices], QWidget]
    area: Qt.DockWidgetArea = BOTTOM
    tab_with: str | None = None
    split_from: str | None = None
    live: bool = False


def _data_view(services: PanelServices) -> QWidget:
    from nnstudio.gui.panels.data_view_panel import DataViewPanel

    panel = DataViewPanel()
    panel.sample_picked.connect(services.select_sample)  # Backprop steps through it
    return panel


def _dataset(services: PanelServices) -> QWidget:
    from nnstudio.gui.panels.dataset_panel import DatasetPanel

    return DatasetPanel(services.document, services.controller, services.window)


def _hyperparameters(services: PanelServices) -> QWidget:
    from nnstudio.gui.panels.hyperparameters_panel import HyperparametersPanel

    return HyperparametersPanel(services.document, services.controller)


def _metrics(services: PanelServices) -> QWidget:
    from nnstudio.gui.panels.metrics_panel import MetricsPanel

    return MetricsPanel(services.controller)


def _runs(services: PanelServices) -> QWidget:
    from nnstudio.gui.experiments.runs_panel import RunsPanel

    panel = RunsPanel(services.document)
    panel.message.connect(services.show_message)
    return panel


def _network(services: PanelServices) -> QWidget:
    from nnstudio.gui.panels.network_panel import NetworkPanel

    return NetworkPanel(services.live)


def _boundary(services: PanelServices) -> QWidget:
    from nnstudio.gui.panels.boundary_panel import BoundaryPanel

    return BoundaryPanel(services.live)


def _forward(services: PanelServices) -> QWidget:
    from nnstudio.gui.panels.forward_panel import ForwardPanel

    return ForwardPanel(services.live)


def _activations(services: PanelServices) -> QWidget:
    from nnstudio.gui.panels.activations_panel import ActivationsPanel

    return ActivationsPanel(services.live)


def _weights(services: PanelServices) -> QWidget:
    from nnstudio.gui.panels.weights_panel import WeightsPanel

    return WeightsPanel(services.live, services.controller)


def _feature_maps(services: PanelServices) -> QWidget:
    from nnstudio.gui.panels.feature_maps_panel import FeatureMapsPanel

    return FeatureMapsPanel(services.live)


def _evaluation(services: PanelServices) -> QWidget:
    from nnstudio.gui.panels.evaluation_panel import EvaluationPanel

    panel = EvaluationPanel(services.live)
    # A double-clicked mistake opens in the forward pass and the feature maps.
    panel.sample_chosen.connect(services.show_sample)
    return panel


def _lesson(services: PanelServices) -> QWidget:
    from nnstudio.gui.panels.lesson_panel import LessonPanel, install_lessons_menu

    panel = LessonPanel(services.document, services.window)
    install_lessons_menu(services.window, panel)
    return panel


def _backprop(services: PanelServices) -> QWidget:
    from nnstudio.gui.panels.backprop_panel import BackpropPanel

    panel = BackpropPanel(services.document, services.live)
    services.window.add_close_guard(panel.task.shutdown)  # no thread outlives the window
    return panel


PANELS: tuple[PanelEntry, ...] = (
    PanelEntry("data_view_dock", "Data View", _data_view),
    PanelEntry("dataset_dock", "Data", _dataset, RIGHT, tab_with="inspector_dock"),
    PanelEntry("hyperparameters_dock", "Training Settings", _hyperparameters, RIGHT,
               tab_with="inspector_dock"),
    PanelEntry("metrics_dock", "Metrics", _metrics),
    PanelEntry("network_dock", "Network", _network, live=True),
    PanelEntry("boundary_dock", "Decision Boundary", _boundary, split_from="network_dock",
               live=True),
    PanelEntry("forward_dock", "Forward Pass", _forward, tab_with="boundary_dock", live=True),
    PanelEntry("feature_maps_dock", "Feature Maps", _feature_maps, tab_with="boundary_dock",
               live=True),
    PanelEntry("activations_dock", "Activations", _activations, tab_with="boundary_dock",
               live=True),
    PanelEntry("weights_dock", "Weights and Gradients", _weights, tab_with="network_dock",
               live=True),
    PanelEntry("evaluation_dock", "Evaluation", _evaluation, tab_with="network_dock",
               live=True),
    PanelEntry("backprop_dock", "Backprop", _backprop, tab_with="network_dock"),
    PanelEntry("runs_dock", "Runs", _runs, tab_with="metrics_dock"),
    PanelEntry("lesson_dock", "Lesson", _lesson, RIGHT, tab_with="inspector_dock"),
)
LIVE_PANELS: tuple[PanelEntry, ...] = tuple(entry for entry in PANELS if entry.live)


def panel_entry(object_name: str) -> PanelEntry:
    """The table's entry for the dock called `object_name` (KeyError if there is none)."""
    for entry in PANELS:
        if entry.object_name == object_name:
            return entry
    raise KeyError(object_name)
