"""The inspection panels in the window: one dock (and View toggle) per live panel of the panel
table, one live model feeding them all, and a training run that feeds them live weights."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from nnstudio.core.examples import example_project
from nnstudio.gui.live_model import LIVE, TRAINED, LivePanel
from nnstudio.gui.panels.table import LIVE_PANELS

pytestmark = pytest.mark.usefixtures("warm_torch")

TRAINING = ("dataset_dock", "hyperparameters_dock", "metrics_dock")
INSPECTION = tuple(entry.object_name for entry in LIVE_PANELS)


@pytest.fixture
def window(composed_window):
    from nnstudio.gui.document import ProjectDocument

    def make(panels=TRAINING + INSPECTION, menus: bool = True, epochs: int = 40):
        project = example_project("spiral")
        project.training = project.training.replace(epochs=epochs, device="cpu")
        return composed_window(ProjectDocument(project), size=(1300, 850), panels=panels,
                               menus=menus)

    return make


def test_every_live_panel_gets_a_dock_and_a_view_menu_toggle_and_shares_one_live_model(
        window, qtbot):
    win = window()
    toggles = {action.text() for action in win.menu("View").actions()}
    for entry in LIVE_PANELS:
        panel = win.panels[entry.object_name]
        dock = win.findChild(QDockWidget, entry.object_name)
        assert dock is not None and dock.widget() is panel
        assert entry.title in toggles
        assert isinstance(panel, LivePanel) and panel.live is win.services.live


def test_training_in_the_window_updates_the_views_live_and_ends_on_the_trained_weights(
        window, qtbot):
    win = window(epochs=5000)  # stopped as soon as the views have moved
    live = win.services.live
    network_panel = win.panels["network_dock"]
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


def test_without_the_training_part_the_panels_still_work(window, qtbot):
    win = window(panels=INSPECTION, menus=False)
    panel = win.panels["network_dock"]
    qtbot.waitUntil(lambda: panel.redraws > 0, timeout=3000)
    assert panel.neuron_items and win.findChild(QDockWidget, "network_dock").isVisible()
    assert Qt.DockWidgetArea.BottomDockWidgetArea == win.dockWidgetArea(
        win.findChild(QDockWidget, "network_dock"))


def test_a_view_behind_another_tab_does_no_work_until_its_tab_is_chosen(window, qtbot):
    win = window()
    network = win.findChild(QDockWidget, "network_dock")
    panel = win.panels["network_dock"]
    others = win.tabifiedDockWidgets(network)
    assert others, "the network view starts in a tab group"
    others[0].raise_()  # another tab in front
    qtbot.wait(300)
    redraws, refreshes = panel.redraws, win.services.live.refreshes
    assert panel.isVisible() and not panel.is_shown()  # Qt calls it visible; nothing is drawn
    from tests.gui.panels.inspection_support import seeded_weights

    win.document.set_weights(seeded_weights(win.document.network, 5))
    qtbot.wait(300)
    assert panel.redraws == redraws
    network.raise_()  # its tab is chosen
    qtbot.waitUntil(lambda: panel.redraws > redraws, timeout=3000)
    assert win.services.live.refreshes > refreshes
    link = panel.link_items[(1, 1, 0)]
    assert link.weight == pytest.approx(float(win.document.weights["dense_1.weight"][0, 1]))
