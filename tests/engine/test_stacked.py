"""Training many models at once: each stacked model is the model `fit` trains with its seed."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.core.config import TrainingConfig
from nnstudio.core.errors import SpecError
from nnstudio.core.network import chain
from nnstudio.engine.callbacks import TrainingControl
from nnstudio.engine.metrics import scores_from_confusion
from nnstudio.engine.stacked import can_stack, fit_many, plan_groups, scores_from_confusions
from nnstudio.engine.trainer import TrainingFailed, fit


def config(**values) -> TrainingConfig:
    return TrainingConfig({"epochs": 3, "batch_size": 32, "learning_rate": 0.01,
                           "device": "cpu", **values})


def assert_same_run(many, single, tolerance=2e-5):
    """Histories and weights equal up to float rounding (batched sums add in another order)."""
    assert many.result.history.keys() == single.history.keys()
    for name, values in single.history.items():
        np.testing.assert_allclose(many.result.history[name], values, atol=tolerance, err_msg=name)
    for name, array in single.weights.items():
        np.testing.assert_allclose(many.result.weights[name], array, atol=tolerance, err_msg=name)
    assert many.result.epochs_run == single.epochs_run
    assert many.result.stop_reason == single.stop_reason


def test_each_stacked_model_trains_exactly_as_fit_with_its_seed(spiral, make_mlp):
    network = make_mlp(2, (16, 16), 1)
    settings = config(l2=0.001, grad_clip=1.0)  # per-model penalty and per-model clipping
    results = fit_many([network] * 3, [0, 1, 2], spiral, settings)
    assert [r.method for r in results] == ["stacked"] * 3
    for seed, many in enumerate(results):
        assert_same_run(many, fit(network, spiral, settings.replace(seed=seed)))
    # The seeds really differ: a stack of copies would prove nothing.
    assert results[0].result.history["loss"] != results[1].result.history["loss"]


@pytest.mark.parametrize("optimizer", ["sgd", "adamw", "rmsprop", "adagrad"])
def test_one_optimizer_over_stacked_weights_is_exactly_n_independent_optimizers(
        optimizer, spiral, make_mlp):
    network = make_mlp(2, (8,), 1)
    settings = config(optimizer=optimizer, nesterov=True, l1=0.001, epochs=2,
                      schedule="cosine")
    for seed, many in enumerate(fit_many([network] * 2, [3, 4], spiral, settings)):
        assert_same_run(many, fit(network, spiral, settings.replace(seed=3 + seed)))


def test_networks_the_dense_stack_cannot_run_go_through_vmap_with_the_same_result(make_data):
    data = make_data("digits", validation=0.1, test=0.1)
    network = chain(("input", {"shape": (1, 8, 8)}),
                    ("conv2d", {"filters": 4, "kernel": 3, "activation": "relu"}),
                    ("batchnorm", {}), ("flatten", {}),
                    ("dense", {"units": 10, "activation": "softmax"}))
    settings = config(epochs=2, batch_size=64)
    assert not can_stack(network)
    results = fit_many([network] * 2, [0, 1], data, settings)
    assert [r.method for r in results] == ["vmap", "vmap"]
    for seed, many in enumerate(results):
        single = fit(network, data, settings.replace(seed=seed))
        assert_same_run(many, single, tolerance=1e-4)
        # BatchNorm's running statistics are kept per model.
        np.testing.assert_allclose(many.result.weights["batchnorm_1.running_mean"],
                                   single.weights["batchnorm_1.running_mean"], atol=1e-4)


def test_mixed_widths_padded_into_one_group_compute_each_models_own_function(spiral, make_mlp):
    networks = [make_mlp(2, (width, width), 1, activation="sigmoid") for width in (1, 5, 12)]
    settings = config(l1=0.001)  # sigmoid(0) = 0.5 in the padding must not leak through
    groups = plan_groups(networks, settings, pad=True)
    assert [g.jobs for g in groups] == [(0, 1, 2)]
    results = fit_many(networks, [7, 7, 7], spiral, settings, pad=True)
    for network, many in zip(networks, results):
        assert_same_run(many, fit(network, spiral, settings.replace(seed=7)))


def test_widths_are_not_padded_when_told_not_to_or_when_a_hidden_softmax_would_see_the_zeros(
        make_mlp):
    networks = [make_mlp(2, (w,), 1) for w in (2, 4)]
    assert len(plan_groups(networks, config(), pad=False)) == 2
    softmax = [make_mlp(2, (w,), 1, activation="softmax") for w in (2, 4)]
    assert len(plan_groups(softmax, config(), pad=True)) == 2


def test_seeds_of_one_network_always_share_a_group_and_groups_come_smallest_first(make_mlp):
    networks = [make_mlp(2, (64,), 1), make_mlp(2, (2,), 1)] * 2
    groups = plan_groups(networks, config(), pad=False)
    assert [g.jobs for g in groups] == [(1, 3), (0, 2)]


def test_lstm_networks_and_the_plateau_schedule_train_one_after_another_and_say_why(make_mlp):
    lstm = chain(("input", {"shape": (5, 3)}), ("lstm", {"units": 4}),
                 ("dense", {"units": 1, "activation": "sigmoid"}))
    groups = plan_groups([lstm, lstm], config())
    assert [(g.method, g.jobs) for g in groups] == [("sequential", (0,)), ("sequential", (1,))]
    assert "LSTM layers cannot be batched" in groups[0].reason
    plateau = plan_groups([make_mlp(2, (4,), 1)], config(schedule="plateau"))
    assert plateau[0].method == "sequential" and "plateau" in plateau[0].reason


def test_sequential_fallback_gives_fit_results_and_test_metrics(spiral, make_mlp):
    network = make_mlp(2, (4,), 1)
    settings = config(epochs=2, schedule="plateau")
    [many] = fit_many([network], [5], spiral, settings)
    assert many.method == "sequential"
    assert_same_run(many, fit(network, spiral, settings.replace(seed=5)), tolerance=0)
    assert set(many.test_metrics) == {"test_loss", "test_accuracy", "test_precision",
                                      "test_recall", "test_f1"}


def test_early_stopping_stops_each_model_on_its_own_as_fit_does(spiral, make_mlp):
    network = make_mlp(2, (8,), 1)
    settings = config(epochs=25, early_stopping=True, patience=2, monitor="val_accuracy",
                      learning_rate=0.05)
    results = fit_many([network] * 4, [0, 1, 2, 3], spiral, settings)
    for seed, many in enumerate(results):
        assert_same_run(many, fit(network, spiral, settings.replace(seed=seed)), tolerance=1e-4)
    assert any(r.result.stop_reason == "early_stopping" for r in results)


def test_a_model_whose_loss_turns_nan_fails_alone_and_keeps_its_last_good_weights(make_data,
                                                                                   make_mlp):
    data = make_data("plane", {"n_samples": 200}, method="none")
    # Measured with fit: at this rate the 64-wide network diverges, the 16-wide one does not.
    networks = [make_mlp(2, (w,), 1, output_activation="linear") for w in (16, 64)]
    settings = config(optimizer="sgd", learning_rate=0.05, momentum=0.9, epochs=5)
    narrow, wide = fit_many(networks, [0, 0], data, settings, pad=True)
    assert wide.result.stop_reason == "failed" and "loss became" in wide.error
    with pytest.raises(TrainingFailed) as failure:
        fit(networks[1], data, settings)
    for name, array in failure.value.result.weights.items():  # the same last good epoch
        np.testing.assert_allclose(wide.result.weights[name], array, rtol=1e-3)
    assert wide.result.history["loss"] == pytest.approx(failure.value.result.history["loss"],
                                                        rel=1e-4)
    assert narrow.result.stop_reason == "completed" and not narrow.error
    assert all(math.isfinite(v) for v in narrow.result.history["loss"])
    assert len(narrow.result.history["loss"]) == 5 > len(wide.result.history["loss"])


def test_progress_counts_model_epochs_and_cancel_leaves_unfinished_jobs_empty(spiral, make_mlp):
    networks = [make_mlp(2, (2,), 1)] * 2 + [make_mlp(2, (32,), 1)] * 2
    seen = []
    results = fit_many(networks, [0, 1, 0, 1], spiral, config(), pad=False,
                       on_progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (12, 12) and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert all(r is not None for r in results)
    control = TrainingControl()
    stopped = fit_many(networks, [0, 1, 0, 1], spiral, config(), pad=False,
                       on_progress=lambda done, total: control.stop(), cancel=control)
    assert stopped[2:] == [None, None]


def test_a_network_that_does_not_fit_the_data_is_refused_before_training(spiral, make_mlp):
    with pytest.raises(SpecError, match="Input"):
        fit_many([make_mlp(3, (4,), 1)], [0], spiral, config())
    with pytest.raises(SpecError, match="one seed per network"):
        fit_many([make_mlp(2, (4,), 1)], [0, 1], spiral, config())


@pytest.mark.parametrize("classes", [2, 3, 10])
def test_scores_of_many_confusion_matrices_equal_the_one_at_a_time_scores(classes):
    rng = np.random.default_rng(classes)
    confusions = rng.integers(0, 5, (40, classes, classes)) * (rng.random((40, 1, 1)) > 0.1)
    confusions[3, :, 1:] = 0  # a class never predicted
    confusions[4] = 0  # nothing at all
    batched = scores_from_confusions(confusions)
    for matrix, scores in zip(confusions, batched):
        assert scores == pytest.approx(scores_from_confusion(matrix), abs=1e-12)
