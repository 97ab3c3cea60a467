"""Train -> Find Learning Rate: the range test in the window, its plot, and using its rate."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.gui.document import ProjectDocument
from tests.gui.projects import spiral_project

WAIT = 60_000


@pytest.fixture
def window(composed_window, warm_torch):
    return composed_window(ProjectDocument(spiral_project()), panels=())


def find_rate(qtbot, window):
    """Open the dialog from the Train menu, press Start, and wait for the result."""
    action = next(a for a in window.menu("Train").actions() if a.objectName() == "lr_find_action")
    action.trigger()
    dialog = window.lr_find.dialog
    qtbot.waitExposed(dialog)
    with qtbot.waitSignal(dialog.task.succeeded, timeout=WAIT):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    return dialog


def test_the_dialog_plots_the_smoothed_loss_and_marks_both_suggestions(qtbot, window):
    from nnstudio.engine.modules import build_model
    from nnstudio.engine.weights import model_to_arrays

    weights = model_to_arrays(build_model(window.document.network, seed=7))
    window.document.set_weights({k: v.copy() for k, v in weights.items()})
    window.document.undo_stack.setClean()
    window.document._unsaved = False
    dialog = find_rate(qtbot, window)
    result = dialog.result
    x, y = dialog.curve.getData()
    assert np.allclose(10 ** x, result.learning_rates) and np.allclose(y, result.losses)
    assert dialog.suggested_line.isVisible()
    assert math.isclose(dialog.suggested_line.value(), math.log10(result.suggested))
    assert dialog.steepest_line.isVisible() == (result.steepest is not None)
    assert f"{result.suggested:.3g}" in dialog.summary.text()
    assert dialog.use_button.isEnabled() and not window.document.is_dirty
    assert window.document.weights.keys() == weights.keys()
    assert all(np.array_equal(window.document.weights[k], weights[k]) for k in weights)


def test_use_sets_the_projects_learning_rate_through_the_document(qtbot, window):
    dialog = find_rate(qtbot, window)
    with qtbot.waitSignal(window.document.training_config_changed):
        qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    rate = window.document.project.training.learning_rate
    assert rate == float(f"{dialog.result.suggested:.3g}") and window.document.is_dirty
    assert dialog.result is not None  # using the rate keeps the curve it came from


def test_a_result_is_dropped_when_it_no_longer_describes_the_project(qtbot, window):
    dialog = find_rate(qtbot, window)
    document = window.document
    document.set_training_config(document.project.training.replace(batch_size=8))
    assert dialog.result is None and not dialog.use_button.isEnabled()
    assert len(dialog.curve.getData()[0] or []) == 0 and not dialog.suggested_line.isVisible()
    dialog = find_rate(qtbot, window)
    document.new_from_example("spiral")
    assert dialog.result is None and dialog.summary.text() == ""


def open_dialog(qtbot, window):
    action = next(a for a in window.menu("Train").actions() if a.objectName() == "lr_find_action")
    action.trigger()
    dialog = window.lr_find.dialog
    qtbot.waitExposed(dialog)
    return dialog


def test_the_plot_is_drawn_in_the_windows_colours_not_pyqtgraphs_black(qtbot, window):
    from PySide6.QtGui import QPalette

    dialog = open_dialog(qtbot, window)
    base = dialog.palette().color(QPalette.ColorRole.Base)
    assert dialog.plot.backgroundBrush().color() == base
    corner = dialog.plot.grab().toImage().pixelColor(3, 3)
    assert corner == base


def test_the_progress_bar_shows_only_while_the_test_runs(qtbot, window):
    dialog = open_dialog(qtbot, window)
    assert not dialog.progress.isVisible()  # idle: no empty box beside the status
    with qtbot.waitSignal(dialog.task.running_changed, timeout=WAIT):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.progress.isVisible()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: not dialog.task.is_running, timeout=WAIT)
    assert not dialog.progress.isVisible() and dialog.status.text()
