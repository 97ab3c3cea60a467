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
    whats_this: str = ""  # one paragraph for What's This (Shift+F1): what the panel is for


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

    return MetricsPanel(services.controller, live=services.live)


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
    PanelEntry("data_view_dock", "Data View", _data_view,
               whats_this=("The data itself: the training, validation and test points on a "
                           "plane of two features (coloured by class), or the rows as a table. "
                           "Use it to see what the network is asked to learn before training.")),
    PanelEntry("dataset_dock", "Data", _dataset, RIGHT, tab_with="inspector_dock",
               whats_this=("Which data the project trains on: a built-in dataset, a generator "
                           "(spiral, circles, moons…) with its noise, or your own file; how it "
                           "is split into training, validation and test rows; scaling, "
                           "transforms and label noise.")),
    PanelEntry("hyperparameters_dock", "Training Settings", _hyperparameters, RIGHT,
               tab_with="inspector_dock",
               whats_this=("How the network learns: the optimizer, learning rate, batch size, "
                           "epochs, loss, L1/L2 penalties, early stopping, seed and device. "
                           "Changes apply to the next run; the learning rate can be changed "
                           "while training.")),
    PanelEntry("metrics_dock", "Metrics", _metrics,
               whats_this=("Loss and metrics per epoch for the current run, training and "
                           "validation side by side. A training curve that keeps improving "
                           "while the validation curve turns is overfitting. Hover for values; "
                           "log scale and export in the context menu.")),
    PanelEntry("network_dock", "Network", _network, live=True,
               whats_this=("The network neuron by neuron: each square is a picture of what "
                           "that neuron outputs over the plane of two input features, and the "
                           "wires' colours and thickness are the weights. Watch the pictures "
                           "sharpen as training goes. Tick an input to use it, +/− add or "
                           "remove neurons and hidden layers, the wheel zooms.")),
    PanelEntry("boundary_dock", "Decision Boundary", _boundary, split_from="network_dock",
               live=True,
               whats_this=("The network's answer over the plane of two input features (or the "
                           "first two principal components), with the data points on top: "
                           "where it says which class, and how sure it is.")),
    PanelEntry("forward_dock", "Forward Pass", _forward, tab_with="boundary_dock", live=True,
               whats_this=("One sample's numbers through every layer: the inputs (raw and "
                           "scaled), each layer's weighted sum plus bias, its activation, and "
                           "the output. Choose the sample by index or double-click a mistake "
                           "in the Evaluation panel.")),
    PanelEntry("feature_maps_dock", "Feature Maps", _feature_maps, tab_with="boundary_dock",
               live=True,
               whats_this=("For convolutional networks: what each filter of each convolution "
                           "layer responds to in one image. Bright areas are where a filter "
                           "fires.")),
    PanelEntry("activations_dock", "Activations", _activations, tab_with="boundary_dock",
               live=True,
               whats_this=("How each layer's outputs are spread over the data: dead ReLU units "
                           "(always zero) and saturated sigmoid or tanh units (stuck at their "
                           "limits) are marked, since they no longer learn.")),
    PanelEntry("weights_dock", "Weights and Gradients", _weights, tab_with="network_dock",
               live=True,
               whats_this=("The size of each layer's weights and gradients over the epochs: "
                           "vanishing gradients (tiny in the first layers) and exploding ones "
                           "(growing without end) show here first.")),
    PanelEntry("evaluation_dock", "Evaluation", _evaluation, tab_with="network_dock",
               live=True,
               whats_this=("How good the trained network is on a split: the confusion matrix, "
                           "precision, recall and F1 per class, the ROC curve, a threshold "
                           "slider for two classes, and the misclassified samples "
                           "(double-click one to inspect it).")),
    PanelEntry("backprop_dock", "Backprop", _backprop, tab_with="network_dock",
               whats_this=("Backpropagation for one sample, step by step: each layer's "
                           "weighted sum z, activation a, error δ, the weight gradients and "
                           "the optimizer's update, equal to what training computes.")),
    PanelEntry("runs_dock", "Runs", _runs, tab_with="metrics_dock",
               whats_this=("Every run of the project with its settings and final metrics: "
                           "sort, compare curves, rename, add a note, restore a run's weights "
                           "or re-run it exactly.")),
    PanelEntry("lesson_dock", "Lesson", _lesson, RIGHT, tab_with="inspector_dock",
               whats_this=("The guided course (Help → Lessons): a lesson's steps, what to "
                           "notice and what to try, with goals the app checks as you train. "
                           "Open a teacher's .nnlesson file here too.")),
)
LIVE_PANELS: tuple[PanelEntry, ...] = tuple(entry for entry in PANELS if entry.live)


def panel_entry(object_name: str) -> PanelEntry:
    """The table's entry for the dock called `object_name` (KeyError if there is none)."""
    for entry in PANELS:
        if entry.object_name == object_name:
            return entry
    raise KeyError(object_name)
