"""The NumPy fast path: its gradients equal autograd's, and a run on it equals the torch path's
(loss curves, metrics, final weights) within float rounding, for every example it covers and
every optimizer, loss and setting it claims; what it does not cover goes to the torch path."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnstudio.core.config import TrainingConfig
from nnstudio.core.examples import example_project
from nnstudio.core.network import chain
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.backprop import DenseStack
from nnstudio.engine.fast_path import FastSteps
from nnstudio.engine.callbacks import Callback
from nnstudio.engine.modules import build_model
from nnstudio.engine.trainer import TrainingFailed, fit, plan_run

TOLERANCE = dict(rtol=2e-4, atol=2e-5)


def config(**values) -> TrainingConfig:
    return TrainingConfig({"epochs": 4, "batch_size": 32, "learning_rate": 0.01, **values})


def both_paths(network, data, settings, **keywords):
    return (fit(network, data, settings, path="torch", **keywords),
            fit(network, data, settings, path="fast", **keywords))


def assert_same_run(torch_run, fast_run):
    assert torch_run.path == "torch" and fast_run.path == "fast"
    assert list(torch_run.history) == list(fast_run.history)
    for name, values in torch_run.history.items():
        np.testing.assert_allclose(fast_run.history[name], values, **TOLERANCE, err_msg=name)
    for key, weight in torch_run.weights.items():
        np.testing.assert_allclose(fast_run.weights[key], weight, **TOLERANCE, err_msg=key)
    for name, value in torch_run.final_metrics.items():
        assert fast_run.final_metrics[name] == pytest.approx(value, rel=2e-4, abs=2e-5), name


# ---- the layers against autograd --------------------------------------------------------------

EVERY_LAYER = chain(
    ("input", {"shape": (3,)}),
    ("dense", {"units": 6, "activation": "tanh"}),
    ("dense", {"units": 6, "activation": "leaky_relu"}),
    ("elu", {"alpha": 0.7}),
    ("dropout", {"rate": 0.3}),
    ("dense", {"units": 5, "activation": "sine"}),
    ("sigmoid", {}),
    ("dense", {"units": 5, "activation": "relu", "use_bias": False}),
    ("dense", {"units": 4, "activation": "linear"}),
    ("softmax", {}),
)


def test_every_layer_gradient_equals_autograd():
    model = build_model(EVERY_LAYER, seed=2)
    x = torch.randn(7, 3, generator=torch.Generator().manual_seed(1))
    upstream = torch.randn(7, 4, generator=torch.Generator().manual_seed(2))
    torch.manual_seed(5)  # the dropout mask
    (model(x) * upstream).sum().backward()
    expected_grads = {name: p.grad.clone() for name, p in model.named_parameters()}
    expected_logits = model(x)  # dropout draws again: compare logits on the same draw below

    stack = DenseStack(EVERY_LAYER, model, rows=7)
    torch.manual_seed(5)
    logits = stack.forward(x.numpy())
    stack.backward(upstream.numpy().copy())
    for name, parameter in model.named_parameters():
        np.testing.assert_allclose(parameter.grad.numpy(), expected_grads[name], rtol=1e-5,
                                   atol=1e-6, err_msg=name)
    assert logits.shape == tuple(expected_logits.shape)
    # Every layer's output stays readable by node id after the step.
    assert [layer.node_id for layer in stack.layers][0] == "input_1"
    assert stack.layers[1].output.shape == (7, 6)


def test_the_parameters_are_views_the_model_and_its_gradients_share():
    model = build_model(EVERY_LAYER, seed=0)
    stack = DenseStack(EVERY_LAYER, model, rows=4)
    stack.parameters.values[:] = 0.5
    assert all(bool((p == 0.5).all()) for p in model.parameters())
    stack.parameters.grads[:] = 2.0
    assert all(bool((p.grad == 2.0).all()) for p in model.parameters())


# ---- whole runs: the same as the torch path ---------------------------------------------------

@pytest.mark.parametrize("key", ["seed_article", "spiral", "digits_mlp", "regression"])
def test_every_dense_example_trains_the_same_on_both_paths(key):
    project = example_project(key)
    data = prepare_project_data(project)
    torch_run, fast_run = both_paths(project.network, data, project.training.replace(epochs=5))
    assert_same_run(torch_run, fast_run)


@pytest.mark.parametrize("settings", [
    {"optimizer": "sgd", "momentum": 0.0, "learning_rate": 0.1},
    {"optimizer": "sgd", "momentum": 0.9, "learning_rate": 0.05},
    {"optimizer": "sgd", "momentum": 0.9, "nesterov": True, "learning_rate": 0.05},
    {"optimizer": "adam"},
    {"optimizer": "adamw", "weight_decay": 0.05},
    {"l1": 0.001, "l2": 0.002},
    {"grad_clip": 0.05},
    {"schedule": "one_cycle"},
    {"batch_size": 48},  # a short last batch
], ids=lambda s: "-".join(f"{k}={v}" for k, v in s.items()))
def test_every_optimizer_and_setting_trains_the_same_on_both_paths(settings, spiral, make_mlp):
    network = make_mlp(2, (8, 8), 1, activation="tanh")
    assert_same_run(*both_paths(network, spiral, config(**settings)))


@pytest.mark.parametrize("loss,outputs,activation", [
    ("bce", 1, "sigmoid"),
    ("cross_entropy", 2, "softmax"),
    ("mse", 1, "sigmoid"),
    ("mse", 2, "softmax"),
    ("mae", 1, "sigmoid"),
    ("huber", 2, "softmax"),
])
def test_every_loss_trains_the_same_on_both_paths(loss, outputs, activation, spiral, make_mlp):
    network = make_mlp(2, (8,), outputs, output_activation=activation)
    assert_same_run(*both_paths(network, spiral, config(loss=loss, learning_rate=0.03)))


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_regression_trains_the_same_on_both_paths(loss, make_data, make_mlp):
    data = make_data("plane", {"n_samples": 200})
    network = make_mlp(2, (8,), 1, activation="elu", output_activation="linear")
    assert_same_run(*both_paths(network, data, config(loss=loss)))


def test_dropout_draws_the_same_masks_on_both_paths(spiral):
    network = chain(("input", {"shape": (2,)}), ("dropout", {"rate": 0.1}),
                    ("dense", {"units": 16, "activation": "relu"}),
                    ("dropout", {"rate": 0.4}), ("dense", {"units": 1, "activation": "sigmoid"}))
    assert_same_run(*both_paths(network, spiral, config(seed=3)))


def test_early_stopping_restores_the_same_best_epoch_on_both_paths(make_data, make_mlp):
    data = make_data("random_labels", {"n_samples": 300})
    settings = config(epochs=60, early_stopping=True, patience=3)
    torch_run, fast_run = both_paths(make_mlp(2, (32, 32), 1), data, settings)
    assert fast_run.stop_reason == "early_stopping"
    assert fast_run.best_epoch == torch_run.best_epoch
    assert_same_run(torch_run, fast_run)


def test_continuing_from_weights_is_the_same_on_both_paths(spiral, make_mlp):
    network = make_mlp(2, (8,), 1)
    start = fit(network, spiral, config(epochs=2)).weights
    assert_same_run(*both_paths(network, spiral, config(), initial_weights=start))


def test_a_diverging_run_names_the_same_epoch_and_batch_on_both_paths(make_data, make_mlp):
    data = make_data("plane", {"n_samples": 200}, method="none")
    network = make_mlp(2, (16,), 1, output_activation="linear")
    settings = config(optimizer="sgd", learning_rate=5.0, momentum=0.9, epochs=20)
    messages = []
    for path in ("torch", "fast"):
        with pytest.raises(Exception) as failure:
            fit(network, data, settings, path=path)
        messages.append(str(failure.value))
        assert all(np.isfinite(w).all() for w in failure.value.result.weights.values())
    assert messages[0] == messages[1] and "epoch 1, batch" in messages[0]


class Everything(Callback):
    batch_interval = 4
    wants_weights = True
    wants_gradient_norms = True

    def __init__(self):
        self.start, self.epochs, self.batches = None, [], []

    def on_train_start(self, info):
        self.start = info

    def on_epoch_end(self, snapshot):
        self.epochs.append(snapshot)

    def on_batch_end(self, snapshot):
        self.batches.append(snapshot)


def test_callbacks_hear_the_same_on_both_paths(spiral, make_mlp):
    network = make_mlp(2, (8,), 1)
    listeners = {"torch": Everything(), "fast": Everything()}
    for path, listener in listeners.items():
        fit(network, spiral, config(), callbacks=[listener], path=path)
    slow, fast = listeners["torch"], listeners["fast"]
    assert (slow.start.path, fast.start.path) == ("torch", "fast")
    assert [b.batch for b in fast.batches] == [b.batch for b in slow.batches]
    np.testing.assert_allclose([b.loss for b in fast.batches], [b.loss for b in slow.batches],
                               **TOLERANCE)
    for slow_epoch, fast_epoch in zip(slow.epochs, fast.epochs):
        assert set(fast_epoch.gradient_norms) == set(slow_epoch.gradient_norms) == {
            "dense_1", "dense_2"}
        for node_id, norm in slow_epoch.gradient_norms.items():
            assert fast_epoch.gradient_norms[node_id] == pytest.approx(norm, rel=1e-3)
        assert set(fast_epoch.weights) == set(slow_epoch.weights)
        for key, weight in slow_epoch.weights.items():
            np.testing.assert_allclose(fast_epoch.weights[key], weight, **TOLERANCE)
        assert fast_epoch.weight_norm == pytest.approx(slow_epoch.weight_norm, rel=1e-4)
        np.testing.assert_array_equal(fast_epoch.confusion, slow_epoch.confusion)


def test_the_fast_path_repeats_bit_for_bit(spiral):
    network = chain(("input", {"shape": (2,)}), ("dense", {"units": 16, "activation": "relu"}),
                    ("dropout", {"rate": 0.2}), ("dense", {"units": 1, "activation": "sigmoid"}))
    first, second = (fit(network, spiral, config(seed=3), path="fast") for _ in range(2))
    assert first.history == second.history
    assert all(np.array_equal(first.weights[k], second.weights[k]) for k in first.weights)


# ---- which path ------------------------------------------------------------------------------

def test_small_dense_networks_take_the_fast_path_by_default(spiral, make_mlp):
    assert fit(make_mlp(2, (8,), 1), spiral, config(epochs=1)).path == "fast"


@pytest.mark.parametrize("change,reason", [
    ({"optimizer": "rmsprop"}, "optimizer rmsprop"),
    ({"optimizer": "adagrad"}, "optimizer adagrad"),
    ({"activation": "gelu"}, "dense_1: activation gelu"),
    ({"threads": 2}, "2 CPU threads"),
])
def test_what_the_fast_path_does_not_cover_trains_on_torch(change, reason, spiral, make_mlp):
    change = dict(change)
    network = make_mlp(2, (8,), 1, activation=change.pop("activation", "relu"))
    threads = change.pop("threads", None)
    settings = config(epochs=1, **change)
    assert fit(network, spiral, settings, threads=threads).path == "torch"
    with pytest.raises(ValueError, match=f"does not cover this run: {reason}"):
        fit(network, spiral, settings, threads=threads, path="fast")


def test_convolutions_train_on_torch(digits):
    network = chain(("input", {"shape": (1, 8, 8)}), ("conv2d", {"filters": 2, "kernel": 3}),
                    ("flatten", {}), ("dense", {"units": 10, "activation": "softmax"}))
    assert fit(network, digits, config(epochs=1)).path == "torch"


def test_steps_keep_their_buffers_between_batches(spiral, make_mlp):
    network = make_mlp(2, (8,), 1)
    plan = plan_run(network, spiral, config())
    steps = FastSteps(network, plan.model, plan.objective, plan.config, plan.x_train,
                      plan.t_train)
    buffers = [layer.output_buffer for layer in steps.stack.layers[1:]]
    steps.begin_epoch(torch.arange(plan.train_samples))
    steps.step(0, 0, 32)
    steps.step(1, 32, 64)
    assert all(layer.output.base is buffer
               for layer, buffer in zip(steps.stack.layers[1:], buffers))


def test_numpy_running_out_of_memory_suggests_a_smaller_batch(spiral, make_mlp, monkeypatch):
    def no_memory(self, batch, start, end):
        raise MemoryError("Unable to allocate 2.00 GiB")

    monkeypatch.setattr(FastSteps, "step", no_memory)
    with pytest.raises(TrainingFailed, match="out of memory with batch size 32.*smaller batch"):
        fit(make_mlp(2, (4,), 1), spiral, config(), path="fast")
