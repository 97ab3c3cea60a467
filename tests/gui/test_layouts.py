"""View → Learn Layout and Build Layout on a 1366x768 screen: the first window opens in Learn
(the network view has the main area, the metrics are in view, no stray tab groups), Build gives
the canvas the main area, and the layout chosen comes back in the next window."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDockWidget

from nnstudio.gui.layouts import BUILD, LEARN

pytestmark = pytest.mark.usefixtures("warm_torch")


def on_screen(window) -> dict[str, QDockWidget]:
    """The docks one can see: open and in front of their tab group."""
    return {d.objectName(): d for d in window.findChildren(QDockWidget)
            if d.isVisible() and not d.visibleRegion().isEmpty()}


def area(widget) -> int:
    return widget.width() * widget.height()


def choose(window, qtbot, name: str) -> None:
    window.findChild(QAction, f"{name}_layout_action").trigger()
    qtbot.wait(50)  # the docks settle


def test_the_first_window_opens_in_the_learn_layout_with_the_network_as_main_area(
        composed_window):
    window = composed_window()
    assert QApplication.primaryScreen().availableGeometry().contains(window.frameGeometry())
    shown = on_screen(window)
    assert not window.canvas.isVisible() and "palette_dock" not in shown
    assert {"network_dock", "metrics_dock", "hyperparameters_dock"} <= set(shown)
    network = shown["network_dock"]
    assert all(area(network) > area(dock) for name, dock in shown.items() if dock is not network)
    assert network.width() >= 0.55 * window.width()


def test_the_default_layout_has_no_stray_or_squeezed_tab_groups(composed_window):
    window = composed_window()
    groups = {LEARN_GROUP: set(), RUNS_GROUP: set(), SETTINGS_GROUP: set()}
    for name, dock in on_screen(window).items():
        together = {name} | {d.objectName() for d in window.tabifiedDockWidgets(dock)
                             if not d.isHidden()}
        assert frozenset(together) in groups, f"{name} sits in a group of {sorted(together)}"
        # Each is given at least the room it asks for, and a reading's worth.
        assert dock.width() >= max(dock.minimumSizeHint().width(), 300)
        assert dock.height() >= max(dock.minimumSizeHint().height(), 150)
        groups[frozenset(together)].add(name)
    assert all(groups.values()), "every group is on screen"


LEARN_GROUP = frozenset({"network_dock", "weights_dock", "evaluation_dock", "backprop_dock",
                         "runs_dock", "lesson_dock"})
RUNS_GROUP = frozenset({"metrics_dock"})
SETTINGS_GROUP = frozenset({"hyperparameters_dock", "dataset_dock", "inspector_dock",
                            "problems_dock"})


def test_build_gives_the_canvas_the_main_area_and_learn_gives_it_back_to_the_network(
        composed_window, qtbot):
    window = composed_window()
    choose(window, qtbot, "build")
    shown = on_screen(window)
    assert window.canvas.isVisible() and {"palette_dock", "inspector_dock", "problems_dock",
                                          "network_dock"} <= set(shown)
    assert all(area(window.canvas) > area(dock) for dock in shown.values())
    assert shown["network_dock"].height() < window.canvas.height()
    assert QApplication.primaryScreen().availableGeometry().contains(window.frameGeometry())
    choose(window, qtbot, "learn")
    shown = on_screen(window)
    assert not window.canvas.isVisible() and "metrics_dock" in shown
    assert all(area(shown["network_dock"]) >= area(dock) for dock in shown.values())


def test_the_layout_chosen_comes_back_in_the_next_window(composed_window, qtbot):
    first = composed_window()
    choose(first, qtbot, "build")
    first.save_window_state()
    first.close()
    second = composed_window()
    assert second.canvas.isVisible() and "palette_dock" in on_screen(second)
    choose(second, qtbot, "learn")
    second.save_window_state()
    second.close()
    third = composed_window()
    assert not third.canvas.isVisible() and "network_dock" in on_screen(third)


def test_each_preset_has_its_own_shortcut_in_the_view_menu(composed_window):
    window = composed_window()
    actions = {a.objectName(): a for a in window.menu("View").actions()}
    assert actions["learn_layout_action"].shortcut().toString() == LEARN.shortcut
    assert actions["build_layout_action"].shortcut().toString() == BUILD.shortcut
