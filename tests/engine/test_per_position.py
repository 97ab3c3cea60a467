"""A class per position (the digits of a sum): one softmax per group of outputs, per-position
accuracy and exact match (every position right), in `fit`, the batched sweep and `evaluate`."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nnstudio.core.config import TrainingConfig
from nnstudio.core.errors import SpecError
from nnstudio.core.network import chain
from nnstudio.core.output_fit import choose_loss
from nnstudio.data.builtin import load_builtin
from nnstudio.data.preprocessing import prepare
from nnstudio.data.split import split_indices
from nnstudio.engine.evaluate import evaluate
from nnstudio.engine.losses import Objective
from nnstudio.engine.metrics import ClassificationAccumulator
from nnstudio.engine.modules import build_model
from nnstudio.engine.stacked import fit_many
from nnstudio.engine.trainer import fit, training_path
from nnstudio.engine.weights import arrays_to_model


def addition_data(digits=2, n_samples=1500):
    data = load_builtin("digit_addition", {"digits": digits, "n_samples": n_samples})
    return prepare(data, split_indices(data.y, data.task, 0.2, 0.2, seed=0), "none")


def network(digits=2, hidden=64, activation="linear"):
    return chain(("input", {"shape": (20 * digits,)}),
                 ("dense", {"units": hidden, "activation": "relu"}),
                 ("dense", {"units": 10 * (digits + 1), "activation": activation}))


def config(**values):
    return TrainingConfig({"epochs": 3, "batch_size": 64, "learning_rate": 0.01,
                           "device": "cpu", **values})


def test_the_loss_is_the_mean_cross_entropy_of_each_positions_own_softmax():
    objective = Objective("cross_entropy", "multiclass", 10, 30, None, positions=3)
    values = torch.randn(5, 30)
    targets = torch.randint(0, 10, (5, 3))
    by_hand = np.mean([float(F.cross_entropy(values[:, 10 * p:10 * p + 10], targets[:, p]))
                       for p in range(3)])
    assert float(objective(values, targets)) == pytest.approx(by_hand, rel=1e-6)
    predicted = objective.predicted_classes(values)
    assert predicted.shape == (5, 3)
    assert predicted[:, 1].tolist() == values[:, 10:20].argmax(1).tolist()
    np.testing.assert_allclose(objective.probabilities(values).sum(-1), 1.0, rtol=1e-6)


def test_exact_match_counts_samples_with_every_position_right():
    accumulator = ClassificationAccumulator(10, torch.device("cpu"))
    target = torch.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9], [0, 0, 0]])
    predicted = torch.tensor([[1, 2, 3], [4, 5, 0], [7, 8, 9], [1, 1, 1]])
    accumulator.update(torch.tensor(1.0), predicted, target)
    scores, _ = accumulator.compute()
    assert scores["accuracy"] == pytest.approx(8 / 12)  # positions right
    assert scores["exact_match"] == pytest.approx(2 / 4)  # whole samples right


def test_the_output_must_be_one_linear_group_per_position_and_the_loss_cross_entropy():
    def check(loss="auto", width=30, activation=None):
        return choose_loss(loss, "multiclass", 10, 30, "dense_2", (width,), activation)

    assert check() == "cross_entropy"
    with pytest.raises(SpecError, match="set its units to 30"):
        check(width=10)
    with pytest.raises(SpecError, match="softmax over all 30 outputs mixes the 3 positions"):
        check(activation="softmax")
    with pytest.raises(SpecError, match="choose cross_entropy"):
        check(loss="mse")


def test_fit_reports_per_position_accuracy_and_exact_match_and_learns():
    data = addition_data()
    result = fit(network(), data, config(epochs=15))
    history = result.history
    assert {"exact_match", "val_exact_match"} <= set(history)
    assert history["exact_match"][-1] <= history["accuracy"][-1]
    assert history["accuracy"][-1] > history["accuracy"][0] + 0.2
    assert training_path(network(), data, config()) == "torch"  # the fast path has no groups
    model = build_model(network())
    arrays_to_model(model, result.weights)
    scores = evaluate(model, data.validation).metrics
    assert scores["exact_match"] == pytest.approx(history["val_exact_match"][-1], abs=1e-6)


def test_the_batched_sweep_trains_each_model_as_fit_does():
    data = addition_data()
    many = fit_many([network(hidden=16), network(hidden=16)], [0, 1], data, config())
    single = fit(network(hidden=16), data, config(seed=1), path="torch")
    assert many[1].method == "stacked"
    for name, values in single.history.items():
        np.testing.assert_allclose(many[1].result.history[name], values, atol=2e-5,
                                   err_msg=name)
    assert 0 <= many[0].test_metrics["test_exact_match"] <= many[0].test_metrics["test_accuracy"]
