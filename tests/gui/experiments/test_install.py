"""The experiments in the main window: the Runs dock, the Experiments menu, runs trained from
the window in the table, and a clean close."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QDockWidget

from nnstudio.gui.experiments.search_dialog import SearchDialog
from nnstudio.gui.experiments.sweep_window import SweepWindow
from nnstudio.gui.experiments.twins_dialog import TwinsDialog

WAIT = 30_000


@pytest.fixture
def window(qtbot, settings, make_project, warm_torch):
    from nnstudio.gui.document import ProjectDocument
    from nnstudio.gui.composition import build_window

    def before_close(made) -> None:
        # Emptied while the window lives: the training actions' undo slot must not hear a stack
        # that is being destroyed (it raises then).
        made.document.undo_stack.clear()
        made.document._unsaved = False

    made = build_window(ProjectDocument(make_project()), settings,
                        panels=("dataset_dock", "hyperparameters_dock", "metrics_dock",
                                "runs_dock"))
    qtbot.addWidget(made, before_close_func=before_close)
    made.show()
    qtbot.waitExposed(made)
    return made


def test_the_window_has_a_runs_dock_and_an_experiments_menu_before_help(window):
    dock = window.findChild(QDockWidget, "runs_dock")
    assert dock is window.experiments.runs_dock and dock.widget() is window.experiments.runs_panel
    assert window.tabifiedDockWidgets(window.panel_docks["metrics_dock"]) == [dock]  # a tab beside
    titles = [action.text() for action in window.menuBar().actions()]
    assert titles.index("E&xperiments") == titles.index("&Help") - 1
    menu = window.experiments.menu
    assert [a.text() for a in menu.actions() if a.text()][:3] == [
        "&Twin Runs…", "&Scale Sweep…", "&Hyperparameter Search…"]
    for action, kind in ((window.experiments.twins_action, TwinsDialog),
                         (window.experiments.sweep_action, SweepWindow),
                         (window.experiments.search_action, SearchDialog)):
        action.trigger()
        opened = [w for w in window.findChildren(kind) if w.isVisible()]
        assert len(opened) == 1
        action.trigger()  # a second time shows the same one again
        assert window.findChildren(kind) == opened
        opened[0].close()


def test_a_run_trained_in_the_window_lands_in_the_table_and_restores_its_weights(qtbot, window):
    controller = window.training.controller
    panel = window.experiments.runs_panel
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT) as finished:
        assert controller.train()
    record = finished.args[0].record
    assert panel.model.run_ids == [record.id]
    trained = {k: v.copy() for k, v in window.document.weights.items()}
    assert controller.reset_weights() and window.document.weights is None
    panel.select_runs([record.id])
    assert panel.restore_selected()
    assert window.document.weights.keys() == trained.keys()
    for key, array in trained.items():
        np.testing.assert_array_equal(window.document.weights[key], array)


@pytest.mark.parametrize("name", ("twins_dialog", "search_dialog", "sweep_window"))
def test_an_experiment_window_fits_a_1366_by_768_screen_with_room_for_its_title_bar(window,
                                                                                    name):
    getattr(window.experiments, f"{name.split('_')[0]}_action").trigger()
    dialog = getattr(window.experiments, name)
    free = dialog.screen().availableGeometry()
    assert (free.width(), free.height()) == (1366, 768)
    assert dialog.width() <= free.width() * 0.9 and dialog.height() <= free.height() * 0.9
    assert dialog.minimumSizeHint().height() <= dialog.height()
    dialog.close()
