"""Training from the window, acting as a person: Train, Pause, Stop, Step, Reset, a live learning
rate, a NaN loss, closing mid-run, and a saved project that shows its curves and trains on.
Step and the weights' lineage: test_lineage.py."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from nnstudio.core.commands import MoveNodesCommand, RemoveNodesCommand
from nnstudio.core.project import WeightsOrigin
from nnstudio.engine import trainer
from nnstudio.engine.modules import GraphModule

LONG = 100_000  # epochs: a run that only ends when the test ends it
WAIT = 20_000  # ms


def parts(window):
    training = window.training
    return training, training.controller, window.panels["metrics_dock"]


def test_clicking_train_trains_and_the_curves_hold_one_point_per_epoch(
        qtbot, click, train_window, make_project):
    window = train_window(make_project(epochs=6))
    training, controller, panel = parts(window)
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT) as finished:
        click(window, training.train_action)
    end = finished.args[0]
    assert end.outcome.status == "completed" and end.record is not None
    panel.redraw()
    x, y = panel.curve_points("loss")
    assert x.tolist() == [1, 2, 3, 4, 5, 6]
    assert y.tolist() == end.record.history["loss"]
    _, val = panel.curve_points("val_loss")
    assert val.tolist() == end.record.history["val_loss"]
    assert panel.metric == "accuracy"
    assert panel.curve_points("metric")[1].tolist() == end.record.history["accuracy"]
    document = window.document
    assert [run.id for run in document.project.runs] == [end.record.id]
    assert document.weights is not None and document.is_dirty
    assert set(document.weights) == set(end.outcome.result.weights)
    assert "Trained 6 epochs" in training.status.label.text()
    assert training.train_action.isEnabled() and not training.stop_action.isEnabled()


def test_f5_starts_training_and_shift_f5_stops_it_keeping_what_was_learned(
        qtbot, train_window, make_project):
    window = train_window(make_project(epochs=LONG))
    training, controller, panel = parts(window)
    with qtbot.waitSignal(controller.epochs_reached, timeout=WAIT):
        qtbot.keyClick(window, Qt.Key.Key_F5)
    assert controller.state == "running" and training.stop_action.isEnabled()
    assert not training.train_action.isEnabled()
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT) as finished:
        qtbot.keyClick(window, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)
    end = finished.args[0]
    result = end.outcome.result
    assert end.outcome.status == "stopped" and 1 <= result.epochs_run < LONG
    assert len(end.record.history["loss"]) == result.epochs_run
    assert panel.count == result.epochs_run
    assert window.document.weights is not None
    assert controller.state == "idle" and training.train_action.isEnabled()


def test_pause_holds_the_run_and_resume_carries_it_to_the_end(
        qtbot, click, train_window, make_project):
    window = train_window(make_project(epochs=400))
    training, controller, panel = parts(window)
    with qtbot.waitSignal(controller.epochs_reached, timeout=WAIT):
        click(window, training.train_action)
    click(window, training.pause_action)
    assert controller.state == "paused" and controller.control.paused
    assert training.pause_action.text() == "&Resume"
    qtbot.wait(150)  # epochs sent just before the pause arrive
    held = panel.count
    qtbot.wait(300)
    assert panel.count == held < 400
    assert "paused" in training.status.label.text()
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT) as finished:
        click(window, training.pause_action)
    assert finished.args[0].outcome.status == "completed"
    assert finished.args[0].outcome.result.epochs_run == 400
    assert panel.count == 400 and training.pause_action.text() == "&Pause"


def test_a_learning_rate_typed_mid_run_reaches_the_engine(qtbot, click, train_window, make_project):
    window = train_window(make_project(epochs=LONG, learning_rate=0.03))
    training, controller, _ = parts(window)
    editor = window.panels["hyperparameters_dock"].editors["learning_rate"]
    with qtbot.waitSignal(controller.epochs_reached, timeout=WAIT):
        click(window, training.train_action)
    assert editor.isEnabled()
    assert not window.panels["hyperparameters_dock"].editors["batch_size"].isEnabled()
    editor.lineEdit().selectAll()
    qtbot.keyClicks(editor.lineEdit(), "0.001")
    qtbot.keyClick(editor.lineEdit(), Qt.Key.Key_Return)
    assert window.document.project.training.learning_rate == 0.001

    def at_new_rate(snapshots) -> bool:
        return snapshots[-1].metrics["lr"] == pytest.approx(0.001)

    with qtbot.waitSignal(controller.epochs_reached, timeout=WAIT, check_params_cb=at_new_rate):
        pass  # an epoch trained at the new rate
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT) as finished:
        controller.stop()
    rates = finished.args[0].outcome.result.history["lr"]
    assert rates[0] == pytest.approx(0.03) and rates[-1] == pytest.approx(0.001)
    # The record keeps the settings the run started with; the curve shows the change.
    assert finished.args[0].record.config.learning_rate == pytest.approx(0.03)


def torch_path_only(monkeypatch) -> None:
    """These tests inject their fault into `GraphModule.forward`, which only the torch path
    calls in training (the NumPy fast path's faults: tests/engine/test_backprop.py)."""
    monkeypatch.setattr(trainer, "blocker", lambda *args: "a test injects faults into torch")


def test_a_loss_turning_nan_shows_the_message_and_keeps_good_weights_and_curves(
        qtbot, click, train_window, make_project, monkeypatch):
    window = train_window(make_project(epochs=20))
    training, controller, panel = parts(window)
    shown = []
    monkeypatch.setattr(window, "show_error", lambda title, message: shown.append((title,
                                                                                  message)))
    forward = GraphModule.forward
    calls = {"training": 0}

    def poisoned(self, x):  # training batches from the fourth epoch on give NaN
        out = forward(self, x)
        if self.training:
            calls["training"] += 1
            if calls["training"] > 3 * 4:  # 120 training samples / 32: 4 batches an epoch
                return out * float("nan")
        return out

    monkeypatch.setattr(GraphModule, "forward", poisoned)
    torch_path_only(monkeypatch)
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT) as finished:
        click(window, training.train_action)
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    title, message = shown[0]
    assert title == "Training stopped" and "NaN" in message and "learning rate" in message
    end = finished.args[0]
    assert end.outcome.status == "failed"
    good = len(end.outcome.result.history["loss"])  # the epochs before the NaN
    assert good == 3
    assert all(np.isfinite(w).all() for w in window.document.weights.values())
    assert len(window.document.project.runs) == 1
    assert window.document.project.runs[0].note == f"Failed: {message}"  # as the CLI marks it
    assert panel.count == good and all(map(math.isfinite, panel.history()["loss"]))
    assert controller.state == "idle" and training.train_action.isEnabled()


@pytest.mark.parametrize("error, words", [
    (lambda: __import__("torch").OutOfMemoryError("CUDA out of memory"), "ran out of memory"),
    (lambda: RuntimeError("mat1 and mat2 shapes cannot be multiplied"),
     "unexpected error (RuntimeError: mat1 and mat2"),
])
def test_out_of_memory_or_any_error_mid_run_shows_why_and_keeps_weights_and_curves(
        qtbot, click, train_window, make_project, monkeypatch, error, words):
    window = train_window(make_project(epochs=3))
    training, controller, panel = parts(window)
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT):
        click(window, training.train_action)
    before = {k: v.copy() for k, v in window.document.weights.items()}
    shown = []
    monkeypatch.setattr(window, "show_error", lambda title, message: shown.append((title,
                                                                                  message)))
    forward = GraphModule.forward
    calls = {"training": 0}

    def failing(self, x):  # fails in the third epoch of the next run
        if self.training:
            calls["training"] += 1
            if calls["training"] > 2 * 4:
                raise error()
        return forward(self, x)

    monkeypatch.setattr(GraphModule, "forward", failing)
    torch_path_only(monkeypatch)
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT):
        click(window, training.train_action)
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    assert shown[0][0] == "Training stopped" and words in shown[0][1]
    weights = window.document.weights
    assert set(weights) == set(before) and all(np.array_equal(weights[k], before[k])
                                               for k in before)
    assert panel.count == 3 + 2  # the first run and the two epochs that went well
    assert len(window.document.project.runs) == 1
    assert controller.state == "idle" and training.train_action.isEnabled()


def test_a_network_that_does_not_fit_the_data_says_why_and_trains_nothing(
        qtbot, train_window, make_project, monkeypatch):
    from nnstudio.core.network import chain

    project = make_project()
    project.network = chain(("input", {"shape": (3,)}), ("dense", {"units": 1}))
    window = train_window(project)
    shown = []
    monkeypatch.setattr(window, "show_error", lambda title, message: shown.append((title,
                                                                                  message)))
    with qtbot.waitSignal(window.training.controller.run_finished, timeout=WAIT):
        window.training.train_action.trigger()
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    assert shown[0][0] == "Training could not start"
    assert "Input's shape to [2]" in shown[0][1]
    assert window.document.project.runs == [] and window.document.weights is None


def test_structural_edits_are_refused_while_training_and_allowed_after(
        qtbot, click, train_window, make_project):
    window = train_window(make_project(epochs=LONG))
    training, controller, _ = parts(window)
    document = window.document
    with qtbot.waitSignal(controller.epochs_reached, timeout=WAIT):
        click(window, training.train_action)
    before = document.network.to_dict()
    window.canvas.select_nodes(["dense_1"])
    with qtbot.waitSignal(document.edit_rejected) as rejected:
        window.canvas.delete_selection()
    assert "stop training" in rejected.args[0].lower()
    assert "stop training" in window.statusBar().currentMessage().lower()
    assert document.network.to_dict() == before
    assert not window.palette_widget.isEnabled() and not window.inspector.isEnabled()
    assert document.push(MoveNodesCommand({"dense_1": (300.0, 40.0)}))  # moving is fine
    assert not window.undo_action.isEnabled()
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT):
        click(window, training.stop_action)
    assert window.palette_widget.isEnabled() and window.inspector.isEnabled()
    assert window.undo_action.isEnabled()
    assert document.push(RemoveNodesCommand(["dense_1"]))


def test_reset_weights_forgets_them_and_clears_the_curves(qtbot, click, train_window, make_project):
    window = train_window(make_project(epochs=3))
    training, controller, panel = parts(window)
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT):
        click(window, training.train_action)
    assert panel.count == 3
    replaced = []
    controller.history_replaced.connect(replaced.append)
    click(window, training.reset_action)
    assert window.document.weights is None and panel.count == 0
    assert replaced == [{}]  # said once
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT) as finished:
        click(window, training.train_action)
    assert not finished.args[0].outcome.continued
    assert "continued from run_1" not in finished.args[0].record.changes
    assert panel.count == 3


def test_closing_the_window_mid_run_asks_once_then_stops_waits_and_records_the_run(
        qtbot, click, train_window, make_project, user, qtlog):
    window = train_window(make_project(epochs=LONG))
    training, controller, _ = parts(window)
    with qtbot.waitSignal(controller.epochs_reached, timeout=WAIT):
        click(window, training.train_action)
    thread = controller._task._thread
    seen: list[str] = []
    user.answer_next_dialog(QMessageBox.StandardButton.Discard, seen)
    assert window.close()
    assert thread.isFinished() and not controller.is_active and controller.state == "idle"
    assert len(seen) == 1 and "A training run is still going" in seen[0]
    run = window.document.project.runs[-1]
    assert 1 <= len(run.history["loss"]) < LONG
    assert not [r for r in qtlog.records if "QThread" in r.message]


def test_opening_another_project_mid_run_asks_first_and_cancel_keeps_it_training(
        qtbot, click, train_window, make_project, user):
    window = train_window(make_project(epochs=LONG))
    training, controller, _ = parts(window)
    with qtbot.waitSignal(controller.epochs_reached, timeout=WAIT):
        click(window, training.train_action)
    user.answer_next_dialog(QMessageBox.StandardButton.Cancel)
    assert not window.new_from_example("empty")
    assert controller.state == "running" and not window.document.project.runs
    assert window.document.project.name == "Spiral test"
    user.answer_next_dialog(QMessageBox.StandardButton.Discard)
    assert window.new_from_example("empty")  # stopped, recorded, then replaced
    assert controller.state == "idle" and window.document.project.name != "Spiral test"


def test_a_saved_project_reopens_with_its_curves_and_trains_on_from_its_weights(
        qtbot, click, train_window, make_project, tmp_path):
    window = train_window(make_project(epochs=4))
    training, controller, panel = parts(window)
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT):
        click(window, training.train_action)
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT):
        click(window, training.train_action)
    assert panel.count == 8
    shown = panel.history()
    path = tmp_path / "spiral.nnstudio"
    assert window.document.save(path) is None

    reopened = train_window(path=path)
    training2, controller2, panel2 = parts(reopened)
    assert panel2.count == 8 and panel2.history()["loss"] == shown["loss"]
    saved = {k: v.copy() for k, v in reopened.document.weights.items()}
    with qtbot.waitSignal(controller2.run_finished, timeout=WAIT) as finished:
        click(reopened, training2.train_action)
    end = finished.args[0]
    assert end.outcome.continued and end.record.parent == WeightsOrigin("run_2", 4)
    assert panel2.count == 12
    # Continuing: the first epoch's loss is near where the saved run ended, not a fresh start.
    fresh_start = shown["loss"][0]
    assert abs(end.record.history["loss"][0] - shown["loss"][-1]) < \
        abs(fresh_start - shown["loss"][-1])
    assert any(not np.array_equal(saved[k], v) for k, v in reopened.document.weights.items())
