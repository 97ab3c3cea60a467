"""The composition root: the one place the window's parts are made and wired together.

`build_window()` makes the document, the training controller, the live model and the main
window, hands every panel of `nnstudio.gui.panels.table.PANELS` one frozen `PanelServices`,
docks them, and adds the menus that act on them (Train, Experiments, Import Data, Export).
Parts reach each other only through the typed fields of `PanelServices`: nobody looks for
another part by name, attribute or type at run time.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDockWidget

from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.live_model import LiveModel
from nnstudio.gui.main_window import MainWindow
from nnstudio.gui.panels.table import PANELS, PanelEntry
from nnstudio.gui.training.controller import TrainingController

if TYPE_CHECKING:
    from nnstudio.gui.classroom import ClassroomPreset
    from nnstudio.gui.experiments import Experiments
    from nnstudio.gui.panels.data_view_panel import DataViewController
    from nnstudio.gui.training.actions import TrainingActions
    from nnstudio.gui.training.lr_find_dialog import LearningRateFinder

STATUS_MESSAGE_MS = 8000


@dataclass(frozen=True)
class PanelServices:
    """What a panel may use: the open project, training, the live display model and the
    window it is docked in (for dialogs, the status bar and menus)."""

    document: ProjectDocument
    controller: TrainingController
    live: LiveModel
    window: MainWindow

    def show_message(self, text: str) -> None:
        """A line in the window's status bar."""
        self.window.statusBar().showMessage(text, STATUS_MESSAGE_MS)

    def select_sample(self, split: str, index: int) -> None:
        """Sample `index` of `split` was picked in a view: the one selected sample (the
        live model's), which the Backprop view steps through."""
        self.live.select_sample(split, index)

    def show_sample(self, split: str, index: int) -> None:
        """Select sample `index` of `split` and show it in the forward pass and the feature
        maps, bringing the one that says most to the front (the feature maps for a conv
        network)."""
        from nnstudio.gui.panels.feature_maps_panel import FeatureMapsPanel
        from nnstudio.gui.panels.forward_panel import ForwardPanel

        self.select_sample(split, index)
        panels = self.window.panels
        front = None
        for name, kind in (("forward_dock", ForwardPanel), ("feature_maps_dock",
                                                             FeatureMapsPanel)):
            panel = panels.get(name)
            if isinstance(panel, kind):
                panel.choose(split, index)
                if name == "forward_dock" or self.live.has_conv_layer:
                    front = name
        if front is not None:
            dock = self.window.panel_docks[front]
            dock.show()
            dock.raise_()


def build_window(document: ProjectDocument | None = None, settings: QSettings | None = None,
                 panels: Collection[str] | None = None, menus: bool = True) -> MainWindow:
    """The application window around `document` (the default example when None).

    `panels` names the docks of the panel table to make (default: all of them); `menus`
    adds the Train, Experiments, Import Data and Export menus. Tests build smaller windows.
    """
    chosen = [entry for entry in PANELS if panels is None or entry.object_name in panels]
    parts: dict[str, object] = {}

    def install(window: MainWindow) -> None:
        controller = TrainingController(window.document, window)
        live = LiveModel(window.document, parent=window)
        services = PanelServices(window.document, controller, live, window)
        window.services = services
        # The one route of what a run produces: snapshots (with weights while a live view is
        # on screen), throttled once by the run's relay, through the controller's signals.
        controller.add_callback_factory(live.make_request)
        controller.epochs_reached.connect(live.show_epochs)
        live.snapshot_source = _snapshot_source(window.document, controller)
        parts["timeline"] = _install_timeline(services)
        live.refreshed.connect(lambda: window.problems.set_data(
            live.prepared.train if live.prepared is not None else None))
        _dock_panels(services, chosen)
        if menus:
            parts["training"] = _install_training(services)
            parts["lr_find"] = _install_lr_find(services)
            parts["experiments"] = _install_experiments(services)
            _install_export(window)
            parts["classroom"] = _install_classroom(window)
            _install_lesson_editor(window)
        if "data_view_dock" in window.panels:
            parts["data_view"] = _install_data_view(services)
        if menus:
            _install_draw_data(window)  # after Import Data, to stand beside it

    window = MainWindow(document, settings=settings, install=install)
    window.training = parts.get("training")
    window.lr_find = parts.get("lr_find")
    window.experiments = parts.get("experiments")
    window.data_view = parts.get("data_view")
    window.timeline = parts.get("timeline")
    window.classroom = parts.get("classroom")
    if window.classroom is not None:
        window.classroom.start()  # after the saved layout is restored, which it trims
    return window


def _snapshot_source(document: ProjectDocument, controller: TrainingController):
    """Where the live model finds a kept epoch's weights: the run in progress (run id None)
    keeps them in the controller until it ends, a recorded run in the document."""
    def weights(run_id: str | None, epoch: int):
        if run_id is None:
            timeline = controller.timeline
            return timeline.snapshots.get(epoch) if timeline is not None else None
        return document.snapshot_weights(run_id, epoch)

    return weights


def _install_timeline(services: PanelServices):
    """The timeline scrubber under the views (nnstudio.gui.timeline_bar)."""
    from nnstudio.gui.timeline_bar import TimelineBar

    bar = TimelineBar(services)
    services.window.addToolBar(Qt.ToolBarArea.BottomToolBarArea, bar)
    return bar


def _dock_panels(services: PanelServices, entries: list[PanelEntry]) -> None:
    window = services.window
    docks: dict[str, QDockWidget] = {"inspector_dock": window.inspector_dock}
    for entry in entries:
        widget = entry.factory(services)
        dock = window.add_panel(widget, entry.title, entry.object_name, entry.area)
        dock.setWhatsThis(entry.whats_this)  # Help -> What's This? (Shift+F1)
        widget.setWhatsThis(entry.whats_this)
        if entry.tab_with in docks:
            window.tabifyDockWidget(docks[entry.tab_with], dock)
        elif entry.split_from in docks:
            window.splitDockWidget(docks[entry.split_from], dock, Qt.Orientation.Horizontal)
        docks[entry.object_name] = dock
        window.panels[entry.object_name] = widget
        window.panel_docks[entry.object_name] = dock
    for first_tab in dict.fromkeys(e.tab_with for e in entries if e.tab_with in docks):
        docks[first_tab].raise_()  # each tab group opens on its first view
    if "network_dock" in docks and "boundary_dock" in docks:
        # The network drawing is wide; the boundary is about square.
        window.resizeDocks([docks["network_dock"], docks["boundary_dock"]], [620, 420],
                           Qt.Orientation.Horizontal)
        window.resizeDocks([docks["network_dock"]], [330], Qt.Orientation.Vertical)
    if "metrics_dock" in docks:
        window.resizeDocks([docks["metrics_dock"]], [260], Qt.Orientation.Vertical)


def _install_training(services: PanelServices) -> TrainingActions:
    """The Train menu, toolbar and status readout; a run in progress guards the close."""
    from nnstudio.gui.training.actions import TrainingActions

    return TrainingActions(services.window, services.controller)


def _install_lr_find(services: PanelServices) -> LearningRateFinder:
    """Train -> Find Learning Rate (the range test)."""
    from nnstudio.gui.training.lr_find_dialog import LearningRateFinder

    return LearningRateFinder(services.window)


def _install_experiments(services: PanelServices) -> Experiments:
    from nnstudio.gui.experiments import Experiments

    return Experiments(services.window, services.window.panels.get("runs_dock"),
                       services.window.panel_docks.get("runs_dock"))


def _install_export(window: MainWindow) -> None:
    from nnstudio.gui.dialogs.export_dialog import install as install_export_menu

    install_export_menu(window)


def _install_classroom(window: MainWindow) -> ClassroomPreset:
    """File -> Classroom Preset…, View -> Show Everything (started once the window is built)."""
    from nnstudio.gui.classroom import install

    return install(window)


def _install_draw_data(window: MainWindow) -> None:
    """File -> Draw Data… (a 2-D dataset drawn by hand)."""
    from nnstudio.gui.dialogs.draw_data import install

    install(window)


def _install_lesson_editor(window: MainWindow) -> None:
    """File -> New Lesson from Project and Edit Lesson... (teacher mode)."""
    from nnstudio.gui.dialogs.lesson_editor import install_lesson_editor_menu

    install_lesson_editor_menu(window)


def _install_data_view(services: PanelServices) -> DataViewController:
    from nnstudio.gui.panels.data_view_panel import install_data_view

    return install_data_view(services.window, services.window.panels["data_view_dock"],
                             services.window.panel_docks["data_view_dock"])

