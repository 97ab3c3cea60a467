"""The window follows where the weights came from, acting as a person: Restore a run and the
metrics show that run; Train then continues from it and says so by the run's name; Step while
paused trains one epoch at a time inside the same run; Reset clears every trace of the old run."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnstudio.core.project import WeightsOrigin
from tests.gui.experiments.test_runs_panel import click_row
from tests.gui.projects import spiral_project
from tests.gui.training.conftest import TRAINING_PANELS

WAIT = 20_000  # ms
LONG = 100_000  # epochs: a run that only ends when the test ends it


@pytest.fixture
def window(composed_window, qtbot, warm_torch):
    """The window with training, the metrics and the runs table, around a small spiral."""
    from nnstudio.gui.document import ProjectDocument

    made = composed_window(ProjectDocument(spiral_project(epochs=3)), size=(1300, 850),
                           panels=(*TRAINING_PANELS, "runs_dock"))
    made.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is made, timeout=2000)
    return made


def press(qtbot, window, action) -> None:
    button = window.training.toolbar.widgetForAction(action)
    assert button is not None and button.isEnabled(), f"{action.objectName()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def train(qtbot, window, epochs: int):
    document = window.document
    document.set_training_config(document.project.training.replace(epochs=epochs))
    with qtbot.waitSignal(window.training.controller.run_finished, timeout=WAIT) as finished:
        press(qtbot, window, window.training.train_action)
    return finished.args[0].record


def rename(window, run_id: str, name: str) -> None:
    runs = window.panels["runs_dock"]
    index = runs.view_index(run_id, "name")
    runs.table.model().setData(index, name)  # as an edit in place commits it


def test_restore_shows_that_run_s_curves_and_train_continues_from_it_by_name(qtbot, window):
    document, metrics = window.document, window.panels["metrics_dock"]
    runs = window.panels["runs_dock"]
    window.panel_docks["runs_dock"].raise_()
    first = train(qtbot, window, 3)
    rename(window, first.id, "Baseline")
    second = train(qtbot, window, 4)  # continues: 3 + 4 epochs on the curves
    assert second.parent == WeightsOrigin(first.id, 3) and metrics.count == 7

    click_row(qtbot, runs, first.id)
    qtbot.mouseClick(runs.restore_button, Qt.MouseButton.LeftButton)
    assert document.weights_origin == WeightsOrigin(first.id, 3)
    assert metrics.history()["loss"] == first.history["loss"]  # that run, not the last one
    assert "Restored the network and weights of Baseline" in runs.status.text()

    with qtbot.waitSignal(window.training.controller.notice, timeout=WAIT) as notice:
        press(qtbot, window, window.training.train_action)
        qtbot.waitUntil(lambda: window.training.controller.state == "idle", timeout=WAIT)
    assert notice.args[0] == "Training on from Baseline, epoch 3."
    third = document.project.runs[-1]
    assert third.parent == WeightsOrigin(first.id, 3)
    assert metrics.history()["loss"] == first.history["loss"] + third.history["loss"]
    assert runs.model.rows[-1][runs.model.columns.index("changes")].startswith(
        "continued from Baseline, epoch 3")

    document.undo_stack.undo()  # Undo the restore: the weights before it, and their origin
    assert document.weights_origin == second.final_origin
    assert metrics.history()["loss"] == first.history["loss"] + second.history["loss"]


def test_the_lineage_survives_save_and_reopen(qtbot, window, tmp_path):
    first = train(qtbot, window, 3)
    window.panels["runs_dock"].select_runs([first.id])
    assert window.panels["runs_dock"].restore_selected()
    train(qtbot, window, 2)
    path = tmp_path / "spiral.nnstudio"
    assert window.document.save(path) is None
    shown = window.panels["metrics_dock"].history()
    assert window.document.open(path) is None
    assert window.document.weights_origin == WeightsOrigin("run_2", 2)
    assert window.document.project.run("run_2").parent == WeightsOrigin("run_1", 3)
    assert window.panels["metrics_dock"].history()["loss"] == shown["loss"]


def test_step_while_paused_trains_one_epoch_at_a_time_in_the_same_run(qtbot, window):
    training, controller = window.training, window.training.controller
    metrics = window.panels["metrics_dock"]
    window.document.set_training_config(window.document.project.training.replace(epochs=LONG))
    qtbot.keyClick(window, Qt.Key.Key_F10)  # from idle: a run that pauses after epoch 1
    for epochs in (1, 2, 3):
        qtbot.waitUntil(lambda: controller.state == "paused" and metrics.count == epochs,
                        timeout=WAIT)
        assert training.step_action.isEnabled() and "paused" in training.status.label.text()
        assert window.document.project.runs == []  # no run per step: one run, still going
        if epochs < 3:
            qtbot.keyClick(window, Qt.Key.Key_F10)
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT) as finished:
        press(qtbot, window, training.stop_action)
    record = finished.args[0].record
    assert [run.id for run in window.document.project.runs] == [record.id]
    assert len(record.history["loss"]) == 3 and record.name != "Step"


def test_pause_then_step_goes_on_from_where_the_run_paused(qtbot, window):
    training, controller = window.training, window.training.controller
    metrics = window.panels["metrics_dock"]
    window.document.set_training_config(window.document.project.training.replace(epochs=LONG))
    with qtbot.waitSignal(controller.epochs_reached, timeout=WAIT):
        press(qtbot, window, training.train_action)
    press(qtbot, window, training.pause_action)
    assert controller.state == "paused" and training.step_action.isEnabled()
    shown = metrics.count
    qtbot.keyClick(window, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: controller.state == "paused" and metrics.count > shown,
                    timeout=WAIT)
    qtbot.wait(200)  # anything more the paused run sent would arrive now
    shown = metrics.count
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT) as finished:
        press(qtbot, window, training.stop_action)  # a paused run stops without training on
    record = finished.args[0].record
    assert window.document.project.runs == [record]
    assert len(record.history["loss"]) == shown  # paused, it showed every epoch it trained


def test_step_from_idle_then_resume_runs_to_the_end(qtbot, window):
    training, controller = window.training, window.training.controller
    qtbot.keyClick(window, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: controller.state == "paused", timeout=WAIT)
    qtbot.waitUntil(lambda: window.panels["metrics_dock"].count == 1, timeout=WAIT)
    assert training.step_action.isEnabled() and training.stop_action.isEnabled()
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT) as finished:
        press(qtbot, window, training.pause_action)  # Resume: the run goes on to its end
    assert len(finished.args[0].record.history["loss"]) == 3


def test_reset_weights_clears_the_status_the_metrics_and_the_origin(qtbot, window):
    training, metrics = window.training, window.panels["metrics_dock"]
    train(qtbot, window, 1)
    assert "Trained 1 epoch" in training.status.label.text()
    press(qtbot, window, training.reset_action)
    assert window.document.weights is None and window.document.weights_origin is None
    assert training.status.label.text() == ""
    metrics.redraw()
    assert metrics.count == 0 and not metrics.metric_combo.isEnabled()
    assert metrics.metric_combo.currentText() == ""  # the placeholder shows, not a stale name
    ticks = metrics.loss_plot.getAxis("bottom").tickValues(1, 2, 400)
    assert all(float(value).is_integer() for _, values in ticks for value in values)
    assert metrics.readout.text().startswith("No training yet")


def test_a_v1_project_opens_with_its_lineage_inferred_and_says_so(qtbot, window, tmp_path):
    from tests.core.test_migrations import v1_fixture

    path = v1_fixture("spiral_runs", tmp_path)
    assert window.document.open(path) is None
    document, metrics = window.document, window.panels["metrics_dock"]
    assert document.weights_origin == WeightsOrigin("run_3", 3)
    # run_3 continued (format 1 said) from run_2, which continued from run_1: 3 + 3 + 3 epochs
    assert metrics.count == 9
    runs = window.panels["runs_dock"]
    changes = runs.model.rows[2][runs.model.columns.index("changes")]
    assert changes.startswith("continued from Longer, epoch 3 (inferred from an older project")
    assert document.save() is None  # saved in the current format, lineage and all
    assert document.open(path) is None and document.weights_origin == WeightsOrigin("run_3", 3)


def test_re_run_exactly_repeats_a_continued_run_from_its_parent_s_weights(qtbot, window):
    first = train(qtbot, window, 3)
    second = train(qtbot, window, 2)
    assert second.parent == WeightsOrigin(first.id, 3)
    runs = window.panels["runs_dock"]
    window.panel_docks["runs_dock"].raise_()
    click_row(qtbot, runs, second.id)
    with qtbot.waitSignal(runs.rerun_finished, timeout=WAIT) as finished:
        qtbot.mouseClick(runs.rerun_button, Qt.MouseButton.LeftButton)
    assert finished.args[0].identical
    assert runs.status.text().startswith(f"✓ {second.id} repeated exactly")
    window.document.remove_run(first.id)  # its weights are gone with it
    click_row(qtbot, runs, second.id)
    assert not runs.rerun_selected()
    assert runs.status.text() == (f"{second.id} continued from a deleted run ({first.id}), "
                                  "epoch 3, whose weights at that epoch were not kept: it "
                                  "cannot be repeated exactly.")
