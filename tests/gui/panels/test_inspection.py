"""The inspection panels in the window: one dock (and View toggle) per registered panel, views
added later by registering a factory, and a training run that feeds the views live weights."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel

from nnstudio.core.examples import example_project
from nnstudio.gui.live_model import LIVE, TRAINED, LivePanel
from nnstudio.gui.panels import inspection
from nnstudio.gui.panels.inspection import INSPECTION_PANELS, InspectionPanel, register_panel

pytestmark = pytest.mark.usefixtures("warm_torch")

EXTENSIONS = ("nnstudio.gui.training", "nnstudio.gui.panels.inspection")


@pytest.fixture
def window(qtbot, settings):
    from nnstudio.gui.document import ProjectDocument
    from nnstudio.gui.main_window import MainWindow

    def before_close(window) -> None:
        if hasattr(window, "training"):
            window.training.controller.shutdown()
        window.document.undo_stack.setClean()
        window.document._unsaved = False

    def make(extensions=EXTENSIONS, epochs: int = 40):
        project = example_project("spiral")
        project.training = project.training.replace(epochs=epochs, device="cpu")
        window = MainWindow(ProjectDocument(project), settings=settings, extensions=extensions)
        qtbot.addWidget(window, before_close_func=before_close)
        window.resize(1300, 850)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


@pytest.fixture
def restore_panel_list():
    saved = list(INSPECTION_PANELS)
    yield
    INSPECTION_PANELS[:] = saved


def test_every_inspection_panel_gets_a_dock_and_a_view_menu_toggle(window):
    win = window()
    names = [panel.object_name for panel in INSPECTION_PANELS]
    assert list(win.inspection_panels) == names
    toggles = {action.text() for action in win.menu("View").actions()}
    for panel in INSPECTION_PANELS:
        dock = win.findChild(QDockWidget, panel.object_name)
        assert dock is not None and dock.widget() is win.inspection_panels[panel.object_name]
        assert panel.title in toggles


def test_a_view_registered_later_is_docked_and_fed_by_the_same_live_model(
        window, qtbot, restore_panel_list):
    class Extra(LivePanel):
        def update_view(self) -> None:
            self.seen = self.live.display.array("dense_1.weight").copy()

    register_panel(InspectionPanel("extra_dock", "Extra View", lambda live, win: Extra(live),
                                   tab_with="network_dock"))
    win = window()
    extra = win.inspection_panels["extra_dock"]
    assert extra.live is win.live_model
    dock = win.findChild(QDockWidget, "extra_dock")
    dock.raise_()
    qtbot.waitUntil(lambda: extra.redraws > 0, timeout=3000)
    assert extra.seen.shape == (8, 2)


def test_registering_a_name_again_replaces_the_panel(restore_panel_list):
    register_panel(InspectionPanel("network_dock", "Other", lambda live, win: QLabel()))
    assert [p.title for p in INSPECTION_PANELS if p.object_name == "network_dock"] == ["Other"]


def test_training_in_the_window_updates_the_views_live_and_ends_on_the_trained_weights(
        window, qtbot):
    win = window(epochs=5000)  # stopped as soon as the views have moved
    live = win.live_model
    network_panel = win.inspection_panels["network_dock"]
    qtbot.waitUntil(lambda: network_panel.redraws > 0, timeout=3000)
    redraws = network_panel.redraws
    controller = win.training.controller
    win.training.train_action.trigger()
    qtbot.waitUntil(lambda: live.weights_state == LIVE and network_panel.redraws > redraws,
                    timeout=15000)  # the views moved while it trained
    with qtbot.waitSignal(controller.run_finished, timeout=30000):
        controller.stop()
    qtbot.waitUntil(lambda: live.weights_state == TRAINED and not live.pending, timeout=3000)
    weights = win.document.weights
    link = network_panel.link_items[(1, 0, 0)]
    assert link.weight == pytest.approx(float(weights["dense_1.weight"][0, 0]))


def test_the_controller_is_found_where_the_training_part_keeps_it(window):
    win = window()
    assert inspection.training_controller(win) is win.training.controller
    assert inspection.training_controller(QApplication.instance()) is None


def test_without_the_training_part_the_panels_still_work(window, qtbot):
    win = window(extensions=("nnstudio.gui.panels.inspection",))
    panel = win.inspection_panels["network_dock"]
    qtbot.waitUntil(lambda: panel.redraws > 0, timeout=3000)
    assert panel.neuron_items and win.findChild(QDockWidget, "network_dock").isVisible()
    assert Qt.DockWidgetArea.BottomDockWidgetArea == win.dockWidgetArea(
        win.findChild(QDockWidget, "network_dock"))


def test_a_view_behind_another_tab_does_no_work_until_its_tab_is_chosen(window, qtbot):
    win = window()
    network = win.findChild(QDockWidget, "network_dock")
    panel = win.inspection_panels["network_dock"]
    others = win.tabifiedDockWidgets(network)
    assert others, "the network view starts in a tab group"
    others[0].raise_()  # another tab in front
    qtbot.wait(300)
    redraws, refreshes = panel.redraws, win.live_model.refreshes
    assert panel.isVisible() and not panel.is_shown()  # Qt calls it visible; nothing is drawn
    from tests.gui.panels.inspection_support import seeded_weights

    win.document.set_weights(seeded_weights(win.document.network, 5))
    qtbot.wait(300)
    assert panel.redraws == redraws
    network.raise_()  # its tab is chosen
    qtbot.waitUntil(lambda: panel.redraws > redraws, timeout=3000)
    assert win.live_model.refreshes > refreshes
    link = panel.link_items[(1, 1, 0)]
    assert link.weight == pytest.approx(float(win.document.weights["dense_1.weight"][0, 1]))
