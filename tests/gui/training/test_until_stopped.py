"""Playground's learning loop in the window: train until stopped (the tick box beside the
epochs), the epoch and both losses always on show, and Regenerate as an undoable edit."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox

from nnstudio.core.project import load_project

WAIT = 20_000  # ms


def tick_until_stopped(qtbot, window) -> QCheckBox:
    panel = window.panels["hyperparameters_dock"]
    box = panel.findChild(QCheckBox, "param_until_stopped")
    window.panel_docks["hyperparameters_dock"].raise_()
    qtbot.waitUntil(box.isVisible, timeout=2000)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    return box


def test_until_stopped_trains_past_the_epochs_until_stop_and_records_what_ran(
        qtbot, click, train_window, make_project, tmp_path):
    window = train_window(make_project(epochs=3))
    training, controller = window.training, window.training.controller
    box = tick_until_stopped(qtbot, window)
    assert box.isChecked() and window.document.project.training.until_stopped
    epochs_box = window.panels["hyperparameters_dock"].editors["epochs"]
    assert not epochs_box.isEnabled()  # epochs count for nothing now
    click(window, training.train_action)
    qtbot.waitUntil(lambda: int(training.epoch_strip.text().split()[1]) > 6, timeout=WAIT)
    training.status.show_progress()
    assert "(until stopped)" in training.status.label.text()
    assert not training.status.progress.isVisible()
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT) as finished:
        click(window, training.stop_action)
    end = finished.args[0]
    ran = end.outcome.result.epochs_run
    assert end.outcome.status == "stopped" and ran > 3
    assert end.record.config.until_stopped and end.record.config.epochs == ran
    path = tmp_path / "until.nnstudio"
    assert window.document.save(path) is None
    reopened = load_project(path).project
    assert reopened.training.until_stopped and reopened.runs[0].config.epochs == ran


def test_until_stopped_with_a_cosine_schedule_is_refused_in_the_form(
        qtbot, train_window, make_project):
    window = train_window(make_project(epochs=3, schedule="cosine"))
    box = tick_until_stopped(qtbot, window)
    panel = window.panels["hyperparameters_dock"]
    assert not box.isChecked() and not window.document.project.training.until_stopped
    assert panel.problem.isVisible() and "cosine schedule" in panel.problem.text()


def test_epoch_strip_shows_epoch_and_training_and_validation_loss_always(
        qtbot, click, train_window, make_project):
    window = train_window(make_project(epochs=4))
    training, controller = window.training, window.training.controller
    strip = training.epoch_strip
    assert strip.isVisible() and strip.text() == "Epoch 0 · not trained yet"
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT) as finished:
        click(window, training.train_action)
    history = finished.args[0].record.history
    assert strip.text() == (f"Epoch 4 · training loss {history['loss'][-1]:.4f} · "
                            f"validation loss {history['val_loss'][-1]:.4f}")
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT):
        click(window, training.train_action)  # trains on: the count goes on from 4
    assert strip.text().startswith("Epoch 8 · training loss")
    click(window, training.reset_action)
    assert strip.text() == "Epoch 0 · not trained yet"


def test_regenerate_draws_new_points_undoably_and_says_the_seed(
        qtbot, click, train_window, make_project):
    window = train_window(make_project(epochs=2))
    document, training = window.document, window.training
    assert document.project.data.source.seed == 0 and not document.is_dirty
    click(window, training.regenerate_action)
    assert document.project.data.source.seed == 1 and document.is_dirty
    assert "seed 0 → 1" in window.statusBar().currentMessage()
    preview = window.panels["dataset_dock"]
    assert preview.seed_box.value() == 1  # the data panel follows
    click(window, training.regenerate_action)
    assert document.project.data.source.seed == 2
    document.undo()
    document.undo()
    assert document.project.data.source.seed == 0 and not document.is_dirty
    document.redo()
    assert document.project.data.source.seed == 1


def test_regenerate_is_off_while_training_and_for_data_without_a_seed(
        qtbot, click, train_window, make_project):
    import dataclasses

    from nnstudio.core.project import DataSource

    window = train_window(make_project(epochs=100_000))
    training, controller = window.training, window.training.controller
    with qtbot.waitSignal(controller.epochs_reached, timeout=WAIT):
        click(window, training.train_action)
    assert not training.regenerate_action.isEnabled()
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT):
        click(window, training.stop_action)
    assert training.regenerate_action.isEnabled()
    document = window.document
    document.set_data_config(dataclasses.replace(document.project.data,
                                                 source=DataSource.builtin("iris")))
    assert not training.regenerate_action.isEnabled()
