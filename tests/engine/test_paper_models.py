"""A published benchmark's own models, built as its paper gives them (MNIST-1D, Greydanus 2020):
the CNN with kernel 5/3/3, stride 2, padding 1, and a bidirectional GRU. Each has the paper's
parameter count, learns, and exports to ONNX that onnxruntime runs like PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.examples import example_project
from nnstudio.core.network import chain
from nnstudio.core.shapes import infer_shapes
from nnstudio.data.dataset import Dataset
from nnstudio.data.preprocessing import prepare
from nnstudio.data.split import split_indices
from nnstudio.engine.evaluate import evaluate
from nnstudio.core.project import load_project, save_project
from nnstudio.engine.export import export, import_weights, save_weights
from nnstudio.engine.export.onnx_export import export_onnx, run_onnx
from nnstudio.engine.modules import build_model, parameter_count
from nnstudio.engine.trainer import fit
from nnstudio.engine.weights import model_to_arrays
from tests.engine.export.test_model_files import expected_outputs

LENGTH, CLASSES = 40, 10

# input 40 -> reshape (1, 40) -> 3 x Conv1d 25 (kernel 5, 3, 3; stride 2; padding 1; ReLU)
# -> flatten 25 x 5 = 125 -> Dense 10.
MNIST1D_CNN = chain(
    ("input", {"shape": (LENGTH,)}), ("reshape", {"shape": (1, LENGTH)}),
    *[("conv1d", {"filters": 25, "kernel": kernel, "stride": 2, "padding": 1,
                  "activation": "relu"}) for kernel in (5, 3, 3)],
    ("flatten", {}), ("dense", {"units": CLASSES, "activation": "softmax"}))

# (40, 1) -> bidirectional GRU of 6 units, every step -> flatten 40 x 12 = 480 -> Dense 10.
MNIST1D_GRU = chain(
    ("input", {"shape": (LENGTH, 1)}),
    ("gru", {"units": 6, "return_sequences": True, "bidirectional": True}),
    ("flatten", {}), ("dense", {"units": CLASSES, "activation": "softmax"}))

MODELS = {"cnn": (MNIST1D_CNN, 5_210, (125,)), "bidirectional gru": (MNIST1D_GRU, 5_134, (480,))}


def signals(shape: tuple[int, ...], samples: int = 600, seed: int = 0):
    """A small MNIST-1D-like task: each class a wave of its own frequency, shifted at random
    and noisy, split and standardized as a project would."""
    rng = np.random.default_rng(seed)
    labels = np.arange(samples) % CLASSES
    steps = np.arange(LENGTH)[None, :] + rng.integers(-4, 5, (samples, 1))
    waves = np.sin(2 * np.pi * (labels[:, None] + 1) * steps / (2 * LENGTH))
    x = (waves + rng.normal(0, 0.3, waves.shape)).astype(np.float32).reshape((samples, *shape))
    dataset = Dataset("waves", x, labels, "multiclass",
                      class_names=tuple(f"wave {k + 1}" for k in range(CLASSES)))
    return prepare(dataset, split_indices(dataset.y, dataset.task, 0.2, 0.2, seed), "standardize")


@pytest.mark.parametrize("name", MODELS)
def test_the_papers_models_have_the_papers_parameter_counts(name):
    network, count, flattened = MODELS[name]
    report = infer_shapes(network)
    assert report.ok, report.errors
    assert report.shape("flatten_1") == flattened
    assert report.total_params == count
    assert parameter_count(build_model(network)) == count


@pytest.mark.parametrize("name", MODELS)
def test_the_papers_models_learn_and_their_onnx_runs_like_pytorch(name, tmp_path):
    network, _, _ = MODELS[name]
    data = signals(infer_shapes(network).shape("input_1"))
    config = {"optimizer": "adam", "learning_rate": 0.01, "epochs": 15, "batch_size": 32}
    result = fit(network, data, config)
    accuracy = evaluate(result.model, data.test, "auto").metrics["accuracy"]
    assert accuracy >= 0.6  # ten classes: chance is 0.1

    weights = model_to_arrays(result.model)
    written = export_onnx(network, weights, tmp_path / "model.onnx")
    inputs, expected = expected_outputs(network, weights)
    got = run_onnx(written, inputs)
    assert got.shape == expected.shape == (7, CLASSES)
    assert np.max(np.abs(got - expected)) <= 1e-5


@pytest.mark.parametrize("name", MODELS)
def test_the_papers_weights_save_with_the_project_and_import_back(name, tmp_path):
    network, _, _ = MODELS[name]
    project = example_project("spiral")
    project.network = network
    weights = model_to_arrays(build_model(network, seed=4))
    save_project(tmp_path / "paper.nnstudio", project, weights)
    loaded = load_project(tmp_path / "paper.nnstudio")
    assert set(loaded.weights) == set(weights)
    assert all(np.array_equal(loaded.weights[key], weights[key]) for key in weights)
    imported = import_weights(project, save_weights(project, weights, tmp_path / "w.safetensors"))
    assert all(np.array_equal(imported.weights[key], weights[key]) for key in weights)
