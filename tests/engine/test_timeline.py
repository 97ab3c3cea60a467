"""A run keeps its weights at the timeline's epochs through its epoch snapshots, on both
training paths, and the snapshot of epoch N is exactly the weights of the same run stopped at
epoch N."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.config import TrainingConfig
from nnstudio.engine.callbacks import Callback
from nnstudio.engine.timeline import TimelineRecorder
from nnstudio.engine.trainer import fit


def settings(epochs: int, **values) -> TrainingConfig:
    return TrainingConfig({"epochs": epochs, "batch_size": 32, "learning_rate": 0.03,
                           "optimizer": "adam", "early_stopping": False, "seed": 3, **values})


class WeightCopies(Callback):
    """Counts the epochs whose snapshot carried weights."""

    def __init__(self):
        self.epochs: list[int] = []

    def on_epoch_end(self, snapshot) -> None:
        if snapshot.weights is not None:
            self.epochs.append(snapshot.epoch)


@pytest.mark.parametrize("path", ["fast", "torch"])
def test_the_snapshot_at_epoch_n_equals_the_same_run_stopped_at_n(spiral, make_mlp, path):
    network = make_mlp(2, (8, 8), 1, "tanh")
    recorder, copies = TimelineRecorder(20), WeightCopies()
    long = fit(network, spiral, settings(20), callbacks=[recorder, copies], path=path)
    assert long.path == path
    assert recorder.timeline.epochs == (1, 2, 3, 5, 8, 13, 20)
    assert copies.epochs == [1, 2, 3, 5, 8, 13, 20]  # weights copied at those epochs only
    for epoch in (3, 8):
        short = fit(network, spiral, settings(epoch), path=path)
        kept = recorder.timeline.snapshots[epoch]
        assert kept.keys() == short.weights.keys()
        for key, weight in short.weights.items():
            np.testing.assert_array_equal(kept[key], weight, err_msg=f"{key} at {epoch}")
    for key, weight in long.weights.items():
        np.testing.assert_array_equal(recorder.timeline.snapshots[20][key], weight)


def test_early_stopping_keeps_the_best_epoch_it_put_back(spiral, make_mlp):
    network = make_mlp(2, (8,), 1, "tanh")
    recorder = TimelineRecorder(60)
    result = fit(network, spiral, settings(60, early_stopping=True, patience=2,
                                           learning_rate=0.3), callbacks=[recorder])
    assert result.stop_reason == "early_stopping"
    kept = recorder.timeline.snapshots
    assert result.best_epoch in kept and 60 not in kept
    assert max(kept) <= len(result.history["loss"])
    for key, weight in result.weights.items():
        np.testing.assert_array_equal(kept[result.best_epoch][key], weight)


def test_a_regression_run_keeps_weights_in_the_targets_own_units(make_data):
    from nnstudio.core.network import chain

    data = make_data("diabetes")
    network = chain(("input", {"shape": (data.train.x.shape[1],)}),
                    ("dense", {"units": 8, "activation": "relu"}),
                    ("dense", {"units": 1, "activation": "linear"}))
    recorder = TimelineRecorder(5)
    config = settings(5, loss="mse", learning_rate=0.01)
    long = fit(network, data, config, callbacks=[recorder])
    short = fit(network, data, settings(3, loss="mse", learning_rate=0.01))
    for key, weight in short.weights.items():
        np.testing.assert_allclose(recorder.timeline.snapshots[3][key], weight, rtol=1e-6)
    assert long.weights.keys() == recorder.timeline.snapshots[5].keys()
