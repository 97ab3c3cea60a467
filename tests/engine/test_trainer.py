"""The training loop: learning, determinism, control from another thread, faults, callbacks."""

from __future__ import annotations

import dataclasses
import math
import threading

import numpy as np
import pytest
import torch

from nnstudio.core.config import TrainingConfig
from nnstudio.core.errors import SpecError, TrainingError
from nnstudio.core.network import chain
from nnstudio.engine.callbacks import Callback, TrainingControl
from nnstudio.engine.evaluate import evaluate
from nnstudio.engine.modules import GraphModule
from nnstudio.engine.trainer import TrainingFailed, fit


def config(**values) -> TrainingConfig:
    return TrainingConfig({"epochs": 5, "batch_size": 32, "learning_rate": 0.01, **values})


class Recorder(Callback):
    """Keeps everything it is told."""

    def __init__(self, batch_interval: int = 0, wants_weights: bool = False):
        self.batch_interval = batch_interval
        self.wants_weights = wants_weights
        self.events: list[tuple[str, object]] = []

    def on_train_start(self, info):
        self.events.append(("start", info))

    def on_epoch_end(self, snapshot):
        self.events.append(("epoch", snapshot))

    def on_batch_end(self, snapshot):
        self.events.append(("batch", snapshot))

    def on_train_end(self, result):
        self.events.append(("end", result))

    def on_exception(self, error):
        self.events.append(("exception", error))

    def of(self, kind: str) -> list:
        return [value for name, value in self.events if name == kind]


class AtEpoch(Callback):
    """Calls `action(snapshot)` when epoch `epoch` ends."""

    def __init__(self, epoch: int, action):
        self.epoch, self.action = epoch, action

    def on_epoch_end(self, snapshot):
        if snapshot.epoch == self.epoch:
            self.action(snapshot)


# ---- learning -------------------------------------------------------------------------------

# The example projects' own settings are tested in test_example_training.py; these are
# smaller networks of the same kind, trained briefly.

def test_digits_mlp_reaches_95_percent_test_accuracy(digits):
    network = chain(("input", {"shape": (1, 8, 8)}), ("flatten", {}),
                    ("dense", {"units": 64, "activation": "relu"}),
                    ("dense", {"units": 10, "activation": "softmax"}))
    result = fit(network, digits, config(epochs=20, learning_rate=0.003))
    assert evaluate(result.model, digits.test).metrics["accuracy"] >= 0.95


def test_digits_cnn_reaches_97_percent_test_accuracy(digits):
    network = chain(("input", {"shape": (1, 8, 8)}),
                    ("conv2d", {"filters": 16, "kernel": 3, "padding": "same", "activation": "relu"}),
                    ("maxpool2d", {}), ("flatten", {}),
                    ("dense", {"units": 64, "activation": "relu"}),
                    ("dense", {"units": 10, "activation": "softmax"}))
    result = fit(network, digits, config(epochs=15, learning_rate=0.003))
    assert evaluate(result.model, digits.test).metrics["accuracy"] >= 0.97


def test_regression_learns_the_plane(make_data, make_mlp):
    data = make_data("plane", {"n_samples": 300})
    network = make_mlp(2, (8,), 1, output_activation="linear")
    result = fit(network, data, config(epochs=30))
    assert result.final_metrics["val_r2"] > 0.95
    assert set(result.history) == {"loss", "mse", "mae", "r2", "val_loss", "val_mse", "val_mae",
                                   "val_r2", "lr"}


def test_history_has_one_value_per_epoch_for_every_metric(spiral, make_mlp):
    result = fit(make_mlp(2, (4,), 1), spiral, config(epochs=3))
    assert list(result.history) == [
        "loss", "accuracy", "precision", "recall", "f1",
        "val_loss", "val_accuracy", "val_precision", "val_recall", "val_f1", "lr"]
    assert all(len(values) == 3 for values in result.history.values())
    assert result.stop_reason == "completed" and result.epochs_run == 3
    assert all(np.isfinite(value) for value in result.final_metrics.values())


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_every_optimizer_lowers_the_loss(optimizer, spiral, make_mlp):
    lr = {"sgd": 0.05, "rmsprop": 0.003}.get(optimizer, 0.01)
    result = fit(make_mlp(2, (16,), 1), spiral,
                 config(optimizer=optimizer, learning_rate=lr, nesterov=True, epochs=6))
    assert result.history["loss"][-1] < result.history["loss"][0]


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_value_losses_train_a_classifier_on_its_probabilities(loss, make_data, make_mlp):
    data = make_data("gaussians")
    result = fit(make_mlp(2, (4,), 1), data, config(loss=loss, epochs=10, learning_rate=0.05))
    assert result.final_metrics["val_accuracy"] > 0.9


# ---- determinism --------------------------------------------------------------------------

def test_same_seed_gives_the_same_history_and_weights_bit_for_bit(spiral, make_mlp):
    network = chain(("input", {"shape": (2,)}), ("dense", {"units": 16, "activation": "relu"}),
                    ("dropout", {"rate": 0.2}), ("dense", {"units": 1, "activation": "sigmoid"}))
    settings = config(seed=3, epochs=4)
    first, second = fit(network, spiral, settings), fit(network, spiral, settings)
    assert first.history == second.history
    assert all(np.array_equal(first.weights[k], second.weights[k]) for k in first.weights)
    third = fit(network, spiral, settings.replace(seed=4))
    assert third.history["loss"] != first.history["loss"]


def test_fit_leaves_the_global_random_state_and_thread_count_alone(spiral, make_mlp):
    torch.manual_seed(11)
    expected = torch.rand(2)
    threads = torch.get_num_threads()
    torch.manual_seed(11)
    fit(make_mlp(2, (4,), 1), spiral, config(epochs=1), threads=2)
    assert torch.equal(torch.rand(2), expected)
    assert torch.get_num_threads() == threads


# ---- control --------------------------------------------------------------------------------

def test_stop_ends_the_run_after_the_current_batch(spiral, make_mlp):
    control = TrainingControl()
    recorder = Recorder()
    result = fit(make_mlp(2, (4,), 1), spiral, config(epochs=50),
                 callbacks=[AtEpoch(3, lambda s: control.stop()), recorder], control=control)
    assert result.stop_reason == "stopped"
    assert result.epochs_run == 3 and len(result.history["loss"]) == 3
    assert len(recorder.of("epoch")) == 3 and recorder.of("end") == [result]


def test_pause_holds_the_run_between_batches_and_resume_continues_the_same_run(spiral, make_mlp):
    network, settings = make_mlp(2, (8,), 1), config(epochs=6)
    control, recorder = TrainingControl(), Recorder()
    paused = threading.Event()

    def pause(snapshot):
        control.pause()
        paused.set()

    results = []
    worker = threading.Thread(target=lambda: results.append(fit(
        network, spiral, settings, callbacks=[AtEpoch(2, pause), recorder], control=control)))
    worker.start()
    assert paused.wait(30)
    worker.join(0.3)
    assert worker.is_alive() and control.paused
    assert len(recorder.of("epoch")) == 2  # held: no epoch went by while paused
    control.resume()
    worker.join(30)
    assert not worker.is_alive()
    assert results[0].stop_reason == "completed"
    assert results[0].history == fit(network, spiral, settings).history


def test_stop_while_paused_ends_the_run(spiral, make_mlp):
    control = TrainingControl()
    results = []
    worker = threading.Thread(target=lambda: results.append(fit(
        make_mlp(2, (4,), 1), spiral, config(epochs=20),
        callbacks=[AtEpoch(1, lambda s: control.pause())], control=control)))
    worker.start()
    while not control.paused:
        worker.join(0.01)
    control.stop()
    worker.join(30)
    assert results[0].stop_reason == "stopped" and results[0].epochs_run == 1


def test_a_new_learning_rate_applies_from_the_next_batch(spiral, make_mlp):
    control = TrainingControl()
    result = fit(make_mlp(2, (4,), 1), spiral, config(epochs=4),
                 callbacks=[AtEpoch(2, lambda s: control.set_learning_rate(0.002))],
                 control=control)
    assert result.history["lr"] == [0.01, 0.01, 0.002, 0.002]


def test_setting_the_same_learning_rate_changes_nothing_so_the_optimizer_is_not_reset(
        spiral, make_mlp):
    network, settings = make_mlp(2, (8,), 1), config(epochs=4)
    control = TrainingControl()
    changed = fit(network, spiral, settings, control=control,
                  callbacks=[AtEpoch(2, lambda s: control.set_learning_rate(0.01))])
    assert changed.history == fit(network, spiral, settings).history


def test_an_invalid_learning_rate_is_refused_at_once():
    with pytest.raises(SpecError, match="learning rate"):
        TrainingControl().set_learning_rate(-1)


# ---- continuing ---------------------------------------------------------------------------

def test_training_continues_from_given_weights(spiral, make_mlp):
    network = make_mlp(2, (16, 16), 1)
    first = fit(network, spiral, config(epochs=15))
    continued = fit(network, spiral, config(epochs=1), initial_weights=first.weights)
    fresh = fit(network, spiral, config(epochs=1))
    # It goes on from where the first run ended, far below where a fresh start begins.
    assert continued.history["loss"][0] < 1.05 * first.history["loss"][-1]
    assert continued.history["loss"][0] < fresh.history["loss"][0] - 0.1


def test_weights_that_do_not_fit_stop_the_run_before_it_starts(spiral, make_mlp):
    weights = fit(make_mlp(2, (4,), 1), spiral, config(epochs=1)).weights
    recorder = Recorder()
    with pytest.raises(SpecError, match="dense_1.weight: expected shape"):
        fit(make_mlp(2, (5,), 1), spiral, config(), callbacks=[recorder],
            initial_weights=weights)
    assert recorder.events == []


# ---- early stopping and schedules -----------------------------------------------------------

def test_early_stopping_ends_when_the_monitor_stops_improving_and_restores_the_best(make_data,
                                                                                    make_mlp):
    data = make_data("random_labels", {"n_samples": 300})
    result = fit(make_mlp(2, (64, 64), 1), data,
                 config(epochs=200, early_stopping=True, patience=4, monitor="val_loss"))
    assert result.stop_reason == "early_stopping"
    assert result.epochs_run == result.best_epoch + 4
    best = result.history["val_loss"][result.best_epoch - 1]
    assert best == min(result.history["val_loss"])
    assert result.final_metrics["val_loss"] == pytest.approx(best, rel=1e-6)


def test_early_stopping_watches_a_metric_where_higher_is_better(spiral, make_mlp):
    result = fit(make_mlp(2, (4,), 1), spiral,
                 config(epochs=40, early_stopping=True, patience=2, monitor="val_accuracy"))
    assert result.history["val_accuracy"][result.best_epoch - 1] == max(
        result.history["val_accuracy"][:result.epochs_run])


def test_early_stopping_without_validation_data_says_how_to_fix_it(make_data, make_mlp):
    data = make_data("spiral", validation=0.0)
    with pytest.raises(SpecError, match="training.early_stopping: needs validation data"):
        fit(make_mlp(2, (4,), 1), data, config(early_stopping=True))


def test_a_monitor_for_the_other_task_is_refused(spiral, make_mlp):
    with pytest.raises(SpecError, match="training.monitor: val_r2"):
        fit(make_mlp(2, (4,), 1), spiral, config(early_stopping=True, monitor="val_r2"))


@pytest.mark.parametrize("schedule,check", [
    ("step", lambda lr: lr == pytest.approx([0.01, 0.01, 0.001, 0.001, 0.0001])),
    ("cosine", lambda lr: lr[0] > lr[2] > lr[4] and lr[4] < 0.001),
    ("one_cycle", lambda lr: lr[1] == max(lr) and lr[4] < 1e-4),
])
def test_learning_rate_schedules_shape_the_rate_over_the_epochs(schedule, check, spiral, make_mlp):
    result = fit(make_mlp(2, (4,), 1), spiral,
                 config(schedule=schedule, step_size=2, gamma=0.1, epochs=5))
    assert check(result.history["lr"])


def test_plateau_schedule_cuts_the_rate_when_the_monitor_stalls(make_data, make_mlp):
    data = make_data("random_labels", {"n_samples": 200})
    result = fit(make_mlp(2, (32,), 1), data,
                 config(schedule="plateau", plateau_patience=1, gamma=0.5, epochs=30))
    assert result.history["lr"][-1] < 0.01


# ---- regularization -----------------------------------------------------------------------

@pytest.mark.parametrize("penalty", ["l1", "l2"])
def test_penalties_keep_the_weights_smaller(penalty, spiral, make_mlp):
    network = make_mlp(2, (32,), 1)
    plain = fit(network, spiral, config(epochs=10))
    penalized = fit(network, spiral, config(epochs=10, **{penalty: 0.01}))

    def size(result):
        return sum(np.abs(result.weights[k]).sum() for k in result.weights if k.endswith("weight"))

    assert size(penalized) < 0.8 * size(plain)


def test_gradient_clipping_tames_a_learning_rate_that_otherwise_diverges(make_data, make_mlp):
    data = make_data("plane", {"n_samples": 200}, method="none")
    network = make_mlp(2, (16,), 1, output_activation="linear")
    settings = config(optimizer="sgd", learning_rate=0.5, momentum=0.9, epochs=5)
    with pytest.raises(TrainingFailed):
        fit(network, data, settings)
    clipped = fit(network, data, settings.replace(grad_clip=0.1))
    assert all(math.isfinite(v) for v in clipped.history["loss"])


# ---- faults -----------------------------------------------------------------------------

def test_a_loss_that_turns_nan_stops_with_epoch_batch_and_fix_and_keeps_good_weights(
        make_data, make_mlp):
    data = make_data("plane", {"n_samples": 200}, method="none")
    network = make_mlp(2, (16,), 1, output_activation="linear")
    recorder = Recorder()
    with pytest.raises(TrainingFailed) as failure:
        fit(network, data, config(optimizer="sgd", learning_rate=5.0, momentum=0.9, epochs=20),
            callbacks=[recorder])
    error = failure.value
    assert isinstance(error, TrainingError)
    message = str(error)
    assert "epoch 1, batch" in message and "lower learning rate" in message
    assert "standardize" in message
    assert recorder.of("exception") == [error] and recorder.of("end") == []
    assert error.result.stop_reason == "failed"
    assert all(np.isfinite(w).all() for w in error.result.weights.values())


def test_out_of_memory_suggests_a_smaller_batch(spiral, make_mlp, monkeypatch):
    def no_memory(self, x):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(GraphModule, "forward", no_memory)
    with pytest.raises(TrainingFailed, match="out of memory with batch size 32.*smaller batch"):
        fit(make_mlp(2, (4,), 1), spiral, config())


def test_shape_errors_never_reach_training(spiral):
    recorder = Recorder()
    network = chain(("input", {"shape": (3,)}), ("dense", {"units": 1}))
    with pytest.raises(SpecError, match=r"input_1: expects samples shaped \[3\].*\[2\]"):
        fit(network, spiral, config(), callbacks=[recorder])
    network = chain(("input", {"shape": (2,)}), ("dense", {"units": 3, "activation": "softmax"}))
    with pytest.raises(SpecError, match="dense_1: outputs 3 values but the data has 2 classes"):
        fit(network, spiral, config(), callbacks=[recorder])
    assert recorder.events == []


def test_a_callback_error_reaches_the_caller_after_on_exception(spiral, make_mlp):
    recorder = Recorder()

    def broken(snapshot):
        raise ValueError("listener failed")

    with pytest.raises(ValueError, match="listener failed"):
        fit(make_mlp(2, (4,), 1), spiral, config(), callbacks=[AtEpoch(1, broken), recorder])
    assert [type(e) for e in recorder.of("exception")] == [ValueError]


# ---- callbacks ------------------------------------------------------------------------------

def test_callbacks_get_frozen_snapshots_of_floats_and_numpy_copies(spiral, make_mlp):
    recorder = Recorder(batch_interval=5, wants_weights=True)
    result = fit(make_mlp(2, (4,), 1), spiral, config(epochs=2, batch_size=16),
                 callbacks=[recorder])
    start = recorder.of("start")[0]
    assert start.batches_per_epoch == 19 and start.train_samples == 300
    assert start.metric_names == tuple(result.history)
    epochs = recorder.of("epoch")
    assert [s.epoch for s in epochs] == [1, 2]
    snapshot = epochs[-1]
    assert dict(snapshot.metrics) == {k: v[-1] for k, v in result.history.items()}
    assert all(type(v) is float for v in snapshot.metrics.values())
    assert all(isinstance(w, np.ndarray) for w in snapshot.weights.values())
    assert snapshot.confusion.sum() == spiral.validation.n_samples
    with pytest.raises(dataclasses.FrozenInstanceError):
        snapshot.epoch = 5
    with pytest.raises(TypeError):
        snapshot.metrics["loss"] = 0.0
    batches = recorder.of("batch")
    assert [(b.epoch, b.batch) for b in batches] == [(1, 5), (1, 10), (1, 15), (2, 5), (2, 10),
                                                     (2, 15)]
    assert all(type(b.loss) is float and b.samples_per_second > 0 for b in batches)
    assert [name for name, _ in recorder.events][-1] == "end"


def test_snapshot_weights_do_not_change_as_training_goes_on(spiral, make_mlp):
    recorder = Recorder(wants_weights=True)
    fit(make_mlp(2, (4,), 1), spiral, config(epochs=2), callbacks=[recorder])
    first, second = (s.weights for s in recorder.of("epoch"))
    assert not np.array_equal(first["dense_1.weight"], second["dense_1.weight"])


def test_a_stop_within_an_epoch_measures_the_final_weights_afresh(spiral, make_mlp):
    control = TrainingControl()

    class StopMidway(Callback):
        batch_interval = 3

        def on_batch_end(self, snapshot):
            if snapshot.epoch == 2:
                control.stop()

    result = fit(make_mlp(2, (8,), 1), spiral, config(epochs=5, batch_size=16),
                 callbacks=[StopMidway()], control=control)
    assert result.stop_reason == "stopped" and result.epochs_run == 1
    assert set(result.final_metrics) == set(result.history) - {"lr"}
    assert result.final_metrics["val_loss"] != result.history["val_loss"][-1]


def test_final_metrics_measure_the_returned_weights_without_dropout(spiral):
    network = chain(("input", {"shape": (2,)}), ("dense", {"units": 16, "activation": "relu"}),
                    ("dropout", {"rate": 0.5}), ("dense", {"units": 1, "activation": "sigmoid"}))
    result = fit(network, spiral, config(epochs=3))
    assert set(result.final_metrics) == set(result.history) - {"lr"}
    evaluation = evaluate(result.model, spiral.train)
    assert result.final_metrics["loss"] == pytest.approx(evaluation.metrics["loss"])
    assert result.final_metrics["loss"] != result.history["loss"][-1]  # not the running mean
    assert result.final_metrics["val_loss"] == result.history["val_loss"][-1]
