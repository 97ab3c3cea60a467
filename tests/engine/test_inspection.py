"""Inspection data against torch and numpy: gradient norms from the trainer, activation
statistics on a probe batch, weight histograms, feature maps and evaluation on a split."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nnstudio.core.network import chain
from nnstudio.engine.callbacks import Callback
from nnstudio.engine.modules import build_model
from nnstudio.engine.trainer import fit


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
