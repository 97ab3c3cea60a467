"""Inspection data against torch and numpy: gradient norms from the trainer, activation
statistics on a probe batch, weight histograms, feature maps and evaluation on a split."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nnstudio.core.network import chain
from nnstudio.engine import inspection
from nnstudio.engine.callbacks import Callback
from nnstudio.engine.evaluate import evaluate
from nnstudio.engine.modules import build_model
from nnstudio.engine.probes import DisplayModel
from nnstudio.engine.trainer import fit
from nnstudio.engine.weights import model_to_arrays


class NormsRecorder(Callback):
    wants_gradient_norms = True

    def __init__(self):
        self.snapshots = []

    def on_epoch_end(self, snapshot):
        self.snapshots.append(snapshot)


class Silent(Callback):
    def __init__(self):
        self.snapshots = []

    def on_epoch_end(self, snapshot):
        self.snapshots.append(snapshot)


def tiny_network():
    return chain(("input", {"shape": (2,)}),
                 ("dense", {"units": 3, "activation": "tanh"}),
                 ("relu", {}),
                 ("dense", {"units": 1, "activation": "sigmoid"}))


def test_gradient_norms_equal_a_hand_computation_on_the_last_batch(make_data):
    data = make_data("circle", {"n_samples": 40}, validation=0.0, test=0.0)
    network = tiny_network()
    config = {"optimizer": "sgd", "learning_rate": 0.1, "batch_size": 64, "epochs": 1,
              "seed": 5, "device": "cpu"}
    recorder = NormsRecorder()
    fit(network, data, config, callbacks=[recorder])
    norms = recorder.snapshots[0].gradient_norms

    # One batch holds every sample, so the last batch's gradient is the full-data gradient at
    # the initial weights, whatever order the batch was shuffled in.
    model = build_model(network, seed=5)
    x = torch.tensor(data.train.x)
    y = torch.tensor(data.train.y, dtype=torch.float32).reshape(-1, 1)
    F.binary_cross_entropy_with_logits(model(x), y).backward()
    expected = {}
    for node_id in ("dense_1", "dense_2"):
        layer = model.layer(node_id)
        total = layer.weight.grad.double().square().sum() + layer.bias.grad.double().square().sum()
        expected[node_id] = float(total.sqrt())
    assert set(norms) == {"dense_1", "dense_2"}  # the relu layer has no parameters
    for node_id, value in expected.items():
        assert norms[node_id] == pytest.approx(value, rel=1e-5)
        assert value > 0


def test_gradient_norms_come_each_epoch_only_when_a_callback_asks(make_data):
    data = make_data("circle", {"n_samples": 40}, validation=0.0, test=0.0)
    config = {"batch_size": 8, "epochs": 3, "device": "cpu"}
    silent = Silent()
    fit(tiny_network(), data, config, callbacks=[silent])
    assert [s.gradient_norms for s in silent.snapshots] == [None, None, None]
    silent, recorder = Silent(), NormsRecorder()
    fit(tiny_network(), data, config, callbacks=[silent, recorder])
    assert len(recorder.snapshots) == 3
    assert all(set(s.gradient_norms) == {"dense_1", "dense_2"} for s in recorder.snapshots)
    assert silent.snapshots[0].gradient_norms is recorder.snapshots[0].gradient_norms


# ---- activation statistics ---------------------------------------------------------------------


def display_with(network, change=None, seed=0) -> DisplayModel:
    """A display model of `network` whose weights `change(arrays)` edited in place."""
    display = DisplayModel(network, seed)
    arrays = model_to_arrays(display.model)
    if change is not None:
        change(arrays)
    assert display.load(arrays)
    return display


def relu_network(units=8):
    return chain(("input", {"shape": (3,)}),
                 ("dense", {"units": units, "activation": "relu"}),
                 ("dense", {"units": 2, "activation": "tanh"}),
                 ("dense", {"units": 1, "activation": "sigmoid"}))


def test_the_probe_batch_is_a_fixed_sample_of_the_data_in_data_order():
    x = np.arange(1000 * 2, dtype=np.float64).reshape(1000, 2)
    batch = inspection.probe_batch(x, 100)
    assert batch.dtype == np.float32 and batch.shape == (100, 2)
    assert np.array_equal(batch, inspection.probe_batch(x, 100))
    assert np.all(np.diff(batch[:, 0]) > 0)  # rows of x, in order
    assert np.array_equal(inspection.probe_batch(x[:50], 100), x[:50].astype(np.float32))


def test_dead_relu_share_equals_a_hand_count_on_the_probe_batch():
    def kill(arrays):  # three units get a bias no input on the batch can beat
        arrays["dense_1.bias"][[1, 4, 6]] = -50.0

    display = display_with(relu_network(), kill)
    x = np.random.default_rng(0).normal(size=(200, 3)).astype(np.float32)
    layers = {layer.node_id: layer for layer in inspection.activation_statistics(display, x)}
    w, b = display.array("dense_1.weight"), display.array("dense_1.bias")
    hidden = np.maximum(x @ w.T + b, 0)
    never = ~(hidden > 0).any(axis=0)
    assert never.sum() >= 3
    layer = layers["dense_1"]
    assert np.array_equal(layer.dead, never)
    assert layer.dead_share == pytest.approx(never.mean())
    assert layer.hint.startswith(f"{round(never.mean() * 100)}% of dense_1's ReLUs never fire")
    assert "LeakyReLU" in layer.hint and "He initialization" in layer.hint
    counts, _ = np.histogram(hidden, bins=inspection.BINS, range=(layer.histogram.low,
                                                                  layer.histogram.high))
    assert np.array_equal(layer.histogram.counts, counts)
    assert layer.histogram.low == 0.0 and layer.histogram.high >= hidden.max()


def test_a_healthy_relu_layer_gets_no_hint():
    display = display_with(relu_network(), lambda a: a["dense_1.bias"].fill(0.5))
    x = np.random.default_rng(1).normal(size=(200, 3)).astype(np.float32)
    layer = inspection.activation_statistics(display, x)[0]
    assert layer.dead_share < inspection.HINT_SHARE and layer.hint == ""


def test_saturated_tanh_share_equals_a_hand_count_and_the_output_is_never_flagged():
    def saturate(arrays):
        arrays["dense_2.weight"][0] *= 200.0  # unit 0 is pushed to ±1 on almost every sample
        arrays["dense_3.weight"][:] = 100.0  # the sigmoid output is sure of itself: fine

    display = display_with(relu_network(), saturate)
    x = np.random.default_rng(2).normal(size=(256, 3)).astype(np.float32)
    layers = {layer.node_id: layer for layer in inspection.activation_statistics(display, x)}
    w1, b1 = display.array("dense_1.weight"), display.array("dense_1.bias")
    w2, b2 = display.array("dense_2.weight"), display.array("dense_2.bias")
    tanh = np.tanh(np.maximum(x @ w1.T + b1, 0) @ w2.T + b2)
    flat_slope = 1 - tanh ** 2 < 0.1
    expected = flat_slope.mean(axis=0) >= inspection.SATURATED_SAMPLES
    assert expected[0]
    layer = layers["dense_2"]
    assert np.array_equal(layer.saturated, expected)
    assert layer.saturated_share == pytest.approx(expected.mean())
    assert "dense_2's tanh units are saturated" in layer.hint and "-1 or 1" in layer.hint
    assert layer.histogram.low == -1.0 and layer.histogram.high == 1.0
    assert layers["dense_3"].saturated is None and layers["dense_3"].hint == ""


def test_conv_units_are_channels_dead_when_no_position_of_any_sample_fires():
    network = chain(("input", {"shape": (1, 6, 6)}),
                    ("conv2d", {"filters": 4, "kernel": 3, "activation": "relu"}),
                    ("flatten", {}),
                    ("dense", {"units": 3, "activation": "softmax"}))
    display = display_with(network, lambda a: a["conv2d_1.bias"].__setitem__(2, -100.0))
    x = np.random.default_rng(3).uniform(0, 1, size=(20, 1, 6, 6)).astype(np.float32)
    layers = {layer.node_id: layer for layer in inspection.activation_statistics(display, x)}
    assert "flatten_1" not in layers  # it only repeats the conv's values
    conv = layers["conv2d_1"]
    with torch.no_grad():
        out = F.relu(F.conv2d(torch.from_numpy(x), torch.from_numpy(display.array(
            "conv2d_1.weight")), torch.from_numpy(display.array("conv2d_1.bias")))).numpy()
    assert conv.units == 4
    assert np.array_equal(conv.dead, ~(out > 0).any(axis=(0, 2, 3)))
    assert conv.dead[2] and conv.histogram.total == out.size


def test_histogram_ranges_are_the_bounds_or_round_numbers():
    assert inspection.histogram_range(np.array([0.2, 0.3]), "sigmoid") == (0.0, 1.0)
    assert inspection.histogram_range(np.array([0.0, 3.7]), "relu") == (0.0, 5.0)
    assert inspection.histogram_range(np.array([-0.013, 0.004]), None) == (-0.02, 0.02)
    assert inspection.nice_ceiling(2.2) == 2.5 and inspection.nice_ceiling(10.0) == 10.0


# ---- weights -----------------------------------------------------------------------------------

def test_weight_histograms_count_each_learned_tensor_and_skip_running_statistics():
    rng = np.random.default_rng(4)
    arrays = {"dense_1.weight": rng.normal(size=(8, 3)), "dense_1.bias": rng.normal(size=8),
              "batchnorm_1.running_mean": np.zeros(8),
              "lstm_1.weight_ih_l0": rng.normal(size=(4, 2))}
    found = inspection.weight_histograms(arrays, bins=10)
    assert set(found) == {"dense_1.weight", "dense_1.bias", "lstm_1.weight_ih_l0"}
    weight = arrays["dense_1.weight"]
    counts, edges = np.histogram(weight, bins=10)
    assert np.array_equal(found["dense_1.weight"].counts, counts)
    assert np.allclose(found["dense_1.weight"].edges, edges)


def test_rebinning_keeps_each_histograms_shares_and_moves_them_onto_one_grid():
    a = inspection.Histogram(np.array([2, 2]), 0.0, 4.0, 4)
    b = inspection.Histogram(np.array([1, 3]), -2.0, 2.0, 4)
    grid = inspection.rebin([a, b], -2.0, 4.0, 6)  # unit bins from -2 to 4
    assert grid.shape == (2, 6)
    assert np.allclose(grid.sum(axis=1), 1.0)
    assert np.allclose(grid[0], [0, 0, 0.25, 0.25, 0.25, 0.25])
    assert np.allclose(grid[1], [0.125, 0.125, 0.375, 0.375, 0, 0])
    assert np.allclose(inspection.rebin([a], 0.0, 4.0, 2)[0], [0.5, 0.5])
    narrow = inspection.rebin([a], 1.0, 3.0, 2)  # values outside the grid are not drawn
    assert np.allclose(narrow[0], [0.25, 0.25])


# ---- feature maps ------------------------------------------------------------------------------

def test_feature_maps_equal_the_conv_outputs_computed_by_torch_directly():
    network = chain(("input", {"shape": (1, 8, 8)}),
                    ("conv2d", {"filters": 4, "kernel": 3, "padding": "same",
                                "activation": "relu"}),
                    ("maxpool2d", {"pool_size": 2, "stride": 2}),
                    ("conv2d", {"filters": 5, "kernel": 3, "activation": "tanh"}),
                    ("flatten", {}),
                    ("dense", {"units": 10, "activation": "softmax"}))
    display = display_with(network, seed=7)
    sample = np.random.default_rng(5).uniform(0, 1, size=(1, 8, 8)).astype(np.float32)
    maps = inspection.feature_maps(display, sample)
    assert [m.node_id for m in maps] == inspection.conv_layers(display.network)
    assert [m.node_id for m in maps] == ["conv2d_1", "conv2d_2"]

    def tensor(key):
        return torch.from_numpy(display.array(key))

    with torch.no_grad():
        first = F.relu(F.conv2d(torch.from_numpy(sample[None]), tensor("conv2d_1.weight"),
                                tensor("conv2d_1.bias"), padding=1))
        second = torch.tanh(F.conv2d(F.max_pool2d(first, 2), tensor("conv2d_2.weight"),
                                     tensor("conv2d_2.bias")))
    assert maps[0].maps.shape == (4, 8, 8) and maps[0].activation == "relu"
    assert np.allclose(maps[0].maps, first[0].numpy(), atol=1e-6)
    assert maps[1].maps.shape == (5, 2, 2) and maps[1].activation == "tanh"
    assert np.allclose(maps[1].maps, second[0].numpy(), atol=1e-6)
    assert inspection.input_image(sample).shape == (1, 8, 8)


def test_a_network_without_convolutions_has_no_feature_maps():
    display = display_with(relu_network())
    assert inspection.conv_layers(display.network) == []
    assert inspection.feature_maps(display, np.zeros(3, np.float32)) == []


def test_conv1d_maps_are_rows_of_one_pixel_height():
    network = chain(("input", {"shape": (2, 12)}),
                    ("conv1d", {"filters": 3, "kernel": 3, "activation": "linear"}),
                    ("flatten", {}), ("dense", {"units": 1, "activation": "linear"}))
    display = display_with(network)
    sample = np.ones((2, 12), np.float32)
    maps = inspection.feature_maps(display, sample)[0].maps
    assert maps.shape == (3, 1, 10)
    with torch.no_grad():
        direct = F.conv1d(torch.from_numpy(sample[None]), torch.from_numpy(
            display.array("conv1d_1.weight")), torch.from_numpy(display.array("conv1d_1.bias")))
    assert np.allclose(maps[:, 0, :], direct[0].numpy(), atol=1e-6)
    assert inspection.input_image(sample).shape == (2, 1, 12)


# ---- evaluation --------------------------------------------------------------------------------

def trained(network, data, epochs=15, seed=0):
    config = {"optimizer": "adam", "learning_rate": 0.01, "batch_size": 32, "epochs": epochs,
              "seed": seed, "device": "cpu"}
    result = fit(network, data, config)
    display = DisplayModel(network, seed)
    assert display.load(result.weights)
    return display


def hand_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """The chance that a random positive scores above a random negative (ties count half)."""
    pos, neg = scores[positive], scores[~positive]
    above = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(above / (len(pos) * len(neg)))


def test_binary_evaluation_matches_the_engine_and_a_hand_computation(make_data):
    data = make_data("breast_cancer")
    network = chain(("input", {"shape": (30,)}),
                    ("dense", {"units": 4, "activation": "relu"}),
                    ("dense", {"units": 1, "activation": "sigmoid"}))
    display = trained(network, data, epochs=3)
    result = inspection.evaluate_split(display.model, data.test, "test")
    engine = evaluate(display.model, data.test)
    assert result.is_binary and result.split == "test"
    assert np.array_equal(result.confusion, engine.confusion)
    assert np.array_equal(result.confusion_at(0.5), engine.confusion)
    y = data.test.y
    p = result.positive_scores()
    with torch.no_grad():
        logits = display.model(torch.from_numpy(data.test.x))[:, 0].double()
    assert np.allclose(p, torch.sigmoid(logits).numpy(), atol=1e-6)
    assert result.auc == pytest.approx(hand_auc(p, y == 1), abs=1e-9)
    assert result.auc == pytest.approx(engine.metrics["auc"])
    assert result.metrics == pytest.approx(engine.metrics, rel=1e-6)
    assert np.allclose(result.roc[0], engine.roc[0]) and np.allclose(result.roc[1], engine.roc[1])
    for threshold in (0.1, 0.35, 0.5, 0.8, 0.97):
        chosen = p > threshold
        tp = np.sum(chosen & (y == 1))
        precision = tp / chosen.sum() if chosen.sum() else 0.0
        recall = tp / np.sum(y == 1)
        scores = result.scores_at(threshold)
        assert scores["precision"] == pytest.approx(precision)
        assert scores["recall"] == pytest.approx(recall)
        assert scores["accuracy"] == pytest.approx(np.mean(chosen == (y == 1)))
        wrong = result.misclassified(threshold)
        assert np.array_equal(wrong, np.flatnonzero(chosen != (y == 1)))


def test_per_class_scores_equal_scikit_learns(make_data):
    from sklearn.metrics import precision_recall_fscore_support, roc_auc_score

    data = make_data("digits", validation=0.1, test=0.2)
    network = chain(("input", {"shape": (1, 8, 8)}), ("flatten", {}),
                    ("dense", {"units": 10, "activation": "softmax"}))
    display = trained(network, data, epochs=2)
    result = inspection.evaluate_split(display.model, data.validation, "validation")
    assert not result.is_binary and result.probabilities.shape == (len(data.validation.y), 10)
    assert np.allclose(result.probabilities.sum(axis=1), 1.0)
    assert np.array_equal(result.predicted, result.probabilities.argmax(axis=1))
    engine = evaluate(display.model, data.validation)
    assert np.array_equal(result.confusion, engine.confusion)
    assert result.metrics == pytest.approx(engine.metrics, rel=1e-6)
    assert result.roc is None  # more than two classes: no one ROC curve, but an AUC
    assert result.auc == pytest.approx(roc_auc_score(data.validation.y, result.probabilities,
                                                     multi_class="ovr"))
    scores = result.class_scores()
    expected = precision_recall_fscore_support(data.validation.y, result.predicted,
                                               labels=range(10), zero_division=0)
    for got, want in zip((scores.precision, scores.recall, scores.f1, scores.support), expected):
        assert np.allclose(got, want)
    assert np.array_equal(result.misclassified(),
                          np.flatnonzero(result.predicted != data.validation.y))


def test_regression_evaluation_lists_the_worst_predictions(make_data):
    data = make_data("diabetes")
    network = chain(("input", {"shape": (10,)}), ("dense", {"units": 1, "activation": "linear"}))
    display = DisplayModel(network, 0)
    result = inspection.evaluate_split(display.model, data.test, "test")
    assert not result.is_classification and result.confusion is None
    with torch.no_grad():
        outputs = display.model(torch.from_numpy(data.test.x)).numpy()
    errors = np.abs(outputs[:, 0] - data.test.y)
    assert np.array_equal(result.largest_errors(5), np.argsort(-errors)[:5])
    assert result.metrics["mse"] == pytest.approx(np.mean(errors ** 2), rel=1e-5)
    assert result.metrics == pytest.approx(evaluate(display.model, data.test).metrics, rel=1e-6)
