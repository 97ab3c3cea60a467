"""Weights as numpy arrays keyed "{node_id}.{tensor}": round trips and clear mismatches."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnstudio.core.errors import SpecError
from nnstudio.core.network import chain
from nnstudio.engine.modules import build_model
from nnstudio.engine.weights import arrays_to_model, model_to_arrays

NETWORK = chain(("input", {"shape": (1, 6, 6)}), ("conv2d", {"filters": 3, "kernel": 3}),
                ("batchnorm", {}), ("flatten", {}), ("dense", {"units": 2}))


def test_keys_name_the_node_and_the_tensor_including_running_statistics():
    arrays = model_to_arrays(build_model(NETWORK))
    assert set(arrays) == {
        "conv2d_1.weight", "conv2d_1.bias", "batchnorm_1.weight", "batchnorm_1.bias",
        "batchnorm_1.running_mean", "batchnorm_1.running_var",
        "dense_1.weight", "dense_1.bias",
    }
    assert arrays["dense_1.weight"].shape == (2, 48)
    assert arrays["dense_1.weight"].dtype == np.float32


def test_arrays_are_copies_that_later_training_does_not_change():
    model = build_model(NETWORK)
    arrays = model_to_arrays(model)
    before = arrays["dense_1.bias"].copy()
    with torch.no_grad():
        model.layer("dense_1").bias.add_(1.0)
    assert np.array_equal(arrays["dense_1.bias"], before)


def test_round_trip_gives_a_model_with_identical_outputs():
    source = build_model(NETWORK, seed=1)
    source.train()
    source(torch.randn(8, 1, 6, 6))  # moves the batchnorm running statistics
    source.eval()
    target = build_model(NETWORK, seed=2).eval()
    arrays_to_model(target, model_to_arrays(source))
    x = torch.randn(4, 1, 6, 6)
    assert torch.equal(target(x), source(x))


def test_mismatched_weights_name_every_missing_extra_and_misshapen_tensor():
    arrays = model_to_arrays(build_model(NETWORK))
    del arrays["conv2d_1.bias"]
    arrays["dense_1.weight"] = np.zeros((3, 48), np.float32)
    arrays["dense_9.weight"] = np.zeros(2, np.float32)
    with pytest.raises(SpecError) as error:
        arrays_to_model(build_model(NETWORK), arrays)
    message = str(error.value)
    assert "conv2d_1.bias: missing" in message
    assert "dense_1.weight: expected shape (2, 48), got (3, 48)" in message
    assert "dense_9.weight: the network has no such tensor" in message


def test_a_failed_load_leaves_the_model_unchanged():
    model = build_model(NETWORK)
    before = model_to_arrays(model)
    arrays = {key: value + 1 for key, value in before.items()}
    del arrays["dense_1.bias"]
    with pytest.raises(SpecError):
        arrays_to_model(model, arrays)
    after = model_to_arrays(model)
    assert all(np.array_equal(before[key], after[key]) for key in before)


def test_non_finite_values_are_named_per_tensor_with_their_count():
    from nnstudio.engine.weights import check_finite

    arrays = model_to_arrays(build_model(NETWORK))
    arrays["dense_1.bias"] = np.array([np.nan, np.inf], np.float32)
    arrays["conv2d_1.weight"][0, 0, 0, 0] = -np.inf
    with pytest.raises(SpecError, match=r"^conv2d_1.weight holds 1 NaN or infinite value; "
                                        r"dense_1.bias holds 2 NaN or infinite values: weights "
                                        r"must be finite numbers"):
        check_finite(arrays)
    check_finite({"counts": np.array([1, 2], np.int64)})


def test_conversions_name_each_tensor_whose_type_the_model_changes():
    from nnstudio.engine.weights import conversions

    model = build_model(NETWORK)
    arrays = model_to_arrays(model)
    assert conversions(model, arrays) == []
    arrays["dense_1.weight"] = arrays["dense_1.weight"].astype(np.float64)
    arrays["dense_1.bias"] = np.array([1, 2], np.int8)
    assert conversions(model, arrays) == ["dense_1.bias from int8 to float32",
                                          "dense_1.weight from float64 to float32"]
