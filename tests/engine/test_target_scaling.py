"""A regression target in its own units (grams) trains standardized, and every number and
weight a run hands out is back in grams."""

from __future__ import annotations

import numpy as np

from nnstudio.core.network import chain
from nnstudio.data.dataset import Dataset
from nnstudio.data.preprocessing import TargetScaling, prepare
from nnstudio.data.split import split_indices
from nnstudio.engine.callbacks import Callback
from nnstudio.engine.evaluate import evaluate, predict
from nnstudio.engine.target_scaling import ScaledTraining
from nnstudio.engine.trainer import fit


def penguins(n=300, seed=1):
    """Body mass in grams from flipper and bill lengths, noise of 150 g."""
    rng = np.random.default_rng(seed)
    flipper, bill = rng.normal(200, 14, n), rng.normal(44, 5, n)
    mass = 4200 + 50 * (flipper - 200) + 30 * (bill - 44) + rng.normal(0, 150, n)
    x = np.stack([flipper, bill], axis=1)
    dataset = Dataset("penguins", x, mass.astype(np.float32), "regression",
                      ("flipper_mm", "bill_mm"))
    return prepare(dataset, split_indices(dataset.y, "regression", 0.2, 0.2, 0), "standardize")


def regression_network(output_activation="linear"):
    return chain(("input", {"shape": (2,)}), ("dense", {"units": 16, "activation": "relu"}),
                 ("dense", {"units": 1, "activation": output_activation}))


class Recorder(Callback):
    wants_weights = True
    batch_interval = 1

    def __init__(self):
        self.epochs, self.batch_losses = [], []

    def on_batch_end(self, snapshot):
        self.batch_losses.append(snapshot.loss)

    def on_epoch_end(self, snapshot):
        self.epochs.append(snapshot)


def test_the_scaling_is_measured_on_the_training_rows_only():
    data = penguins()
    scaling = data.target_scaling
    assert scaling.shift == float(np.mean(data.train.y.astype(np.float64)))
    assert np.isclose(scaling.scale, np.std(data.train.y.astype(np.float64)))
    # The prepared targets stay in grams: views and metrics read them as they are.
    assert 3000 < float(data.test.y.mean()) < 5500


def test_a_target_in_grams_reaches_a_good_r2_in_a_few_epochs_and_reports_grams():
    data = penguins()
    recorder = Recorder()
    result = fit(regression_network(), data, {"epochs": 10, "batch_size": 32}, [recorder])
    assert result.final_metrics["val_r2"] > 0.8
    # The returned model and weights predict grams: evaluating them independently gives the
    # metrics the run reported.
    measured = evaluate(result.model, data.validation, "mse").metrics
    for name in ("mse", "mae", "r2", "loss"):
        assert np.isclose(measured[name], result.final_metrics[f"val_{name}"], rtol=1e-4)
    assert 100 < measured["mae"] < 250  # grams, with 150 g of noise
    predictions = predict(result.model, data.test.x)[:, 0]
    assert abs(float(predictions.mean()) - float(data.test.y.mean())) < 150
    # Listeners see grams too: the last epoch's row is the history's, weights are folded.
    last = recorder.epochs[-1]
    assert last.metrics["mae"] == result.history["mae"][-1]
    assert result.history["mse"][-1] > 1000  # grams², not standardized units
    assert min(recorder.batch_losses) > 1000
    bias = last.weights["dense_2.bias"]
    assert 3000 < float(bias[0]) < 5500


def test_continuing_from_saved_weights_starts_where_the_run_ended():
    data = penguins()
    first = fit(regression_network(), data, {"epochs": 5})
    again = fit(regression_network(), data, {"epochs": 1, "learning_rate": 1e-6, "optimizer": "sgd"},
                initial_weights=first.weights)
    assert np.isclose(again.final_metrics["val_mse"], first.final_metrics["val_mse"], rtol=1e-3)


def test_folding_and_unfolding_weights_are_inverse():
    data = penguins()
    scaled = ScaledTraining.for_run(regression_network(), data, "mse")
    rng = np.random.default_rng(0)
    weights = {"dense_1.weight": rng.normal(size=(16, 2)).astype(np.float32),
               "dense_1.bias": rng.normal(size=16).astype(np.float32),
               "dense_2.weight": rng.normal(size=(1, 16)).astype(np.float32),
               "dense_2.bias": rng.normal(size=1).astype(np.float32)}
    back = scaled.folded(scaled.unfolded(weights))
    for key, value in weights.items():
        np.testing.assert_allclose(back[key], value, rtol=1e-5, atol=1e-5)


def test_classes_and_outputs_that_cannot_fold_train_on_the_raw_target():
    data = penguins()
    assert ScaledTraining.for_run(regression_network("tanh"), data, "mse") is None
    x = np.zeros((6, 2), dtype=np.float32)
    classes = Dataset("c", x, np.array([0, 1] * 3), "binary", (), ("a", "b"))
    assert TargetScaling.fit(classes) is None


def test_a_sweep_trains_the_target_standardized_and_reports_grams_like_fit():
    from nnstudio.engine.stacked import fit_many

    data = penguins()
    config = {"epochs": 10, "batch_size": 32}
    many = fit_many([regression_network()] * 2, [0, 1], data, config)
    alone = fit(regression_network(), data, config)
    for job in many:
        assert job.result.final_metrics["val_r2"] > 0.8
        assert 100 < job.test_metrics["test_mae"] < 250  # grams
    assert np.isclose(many[0].result.final_metrics["val_mse"],
                      alone.final_metrics["val_mse"], rtol=1e-3)
