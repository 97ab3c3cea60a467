"""A project whose inputs are feature transforms of its columns (data.transforms) exports to every
format: ONNX and TorchScript compute the transforms and the scaling in the graph, the script
computes them in NumPy, and each predicts what the app predicts from the data's raw columns."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch

from nnstudio.core.network import chain
from nnstudio.core.project import DataConfig, DataSource, Project
from nnstudio.data.source import load_dataset, prepare_project_data
from nnstudio.data.split import split_indices
from nnstudio.engine.export import export
from nnstudio.engine.export.common import prediction_model
from nnstudio.engine.export.script import script_source
from tests.engine.export.test_model_files import (
    exported_metadata, run_exported, trained_looking_weights,
)

TRANSFORMS = ("x1", "x2", "x1^2", "x2^3", "x1*x2", "sin(x1)", "cos(x2)")


def circle_with_transforms() -> Project:
    network = chain(("input", {"shape": (len(TRANSFORMS),)}),
                    ("dense", {"units": 4, "activation": "tanh"}),
                    ("dense", {"units": 1, "activation": "sigmoid"}))
    data = DataConfig(DataSource.builtin("circle", {"n_samples": 200, "noise": 0.1}),
                      transforms=TRANSFORMS)
    return Project(name="Circle, transformed", network=network, data=data)


def raw_rows_and_app_predictions(project: Project, weights) -> tuple[np.ndarray, np.ndarray]:
    """The test rows as the data holds them (the columns x1, x2, before any transform) and what
    the app predicts for them."""
    dataset = load_dataset(project)
    split = split_indices(dataset.y, dataset.task, project.data.validation, project.data.test,
                          project.data.split_seed)
    prepared = prepare_project_data(project)
    model = prediction_model(project.network, weights, project.training.seed)
    with torch.no_grad():
        expected = model(torch.from_numpy(prepared.test.x)).numpy()
    return dataset.x[split.test], expected


@pytest.mark.parametrize("fmt", ["onnx", "torchscript"])
def test_model_files_compute_the_transforms_from_raw_columns_like_the_app(fmt, tmp_path):
    project = circle_with_transforms()
    weights = trained_looking_weights(project.network)
    result = export(project, weights, fmt, tmp_path / f"circle.{fmt}")
    raw, expected = raw_rows_and_app_predictions(project, weights)
    assert raw.shape[1] == 2  # the file takes the data's two columns, not the seven inputs
    got = run_exported(fmt, result.path, raw)
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) <= 1e-5
    metadata = exported_metadata(fmt, result.path)
    assert json.loads(metadata["input_features"]) == ["x1", "x2"]
    assert json.loads(metadata["input_shape"]) == [2]
    assert json.loads(metadata["transforms"]) == list(TRANSFORMS)
    assert json.loads(metadata["network_inputs"]) == list(TRANSFORMS)
    assert metadata["transforms_in_model"] == "true"
    assert "Feed the data's columns (x1, x2)" in result.message
    assert "computes its inputs (x1, x2, x1^2" in metadata["inputs"]
    if fmt == "onnx":
        model = onnx.load(str(result.path))
        onnx.checker.check_model(model)
        assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"


@pytest.mark.parametrize("fmt", ["onnx", "torchscript"])
def test_raw_inputs_leaves_transforms_and_scaling_to_the_caller_and_says_so(fmt, tmp_path):
    project = circle_with_transforms()
    weights = trained_looking_weights(project.network)
    result = export(project, weights, fmt, tmp_path / f"circle.{fmt}", raw_inputs=True)
    metadata = exported_metadata(fmt, result.path)
    assert metadata["transforms_in_model"] == "false"
    assert json.loads(metadata["input_features"]) == list(TRANSFORMS)
    assert "Compute the network's inputs from the data's columns first" in result.message
    prepared = prepare_project_data(project)
    got = run_exported(fmt, result.path, prepared.test.x)  # computed and scaled, as told
    _, expected = raw_rows_and_app_predictions(project, weights)
    assert np.max(np.abs(got - expected)) <= 1e-5


def test_script_computes_the_transforms_and_predicts_like_the_app_from_raw_columns():
    project = circle_with_transforms()
    weights = trained_looking_weights(project.network)
    namespace: dict = {"__name__": "exported_script"}
    exec(compile(script_source(project), "train.py", "exec"), namespace)  # our own text
    x, y = namespace["load_data"](None)
    columns = np.ascontiguousarray(x, dtype=np.float32)
    inputs = namespace["network_inputs"](columns)
    parts = namespace["split_indices"](y, True, project.data.validation, project.data.test,
                                       project.data.split_seed)
    scaling = namespace["fit_scaling"](inputs[parts[0]])
    model = namespace["Model"]()
    model.load_state_dict({key: torch.from_numpy(value) for key, value in weights.items()})
    raw, expected = raw_rows_and_app_predictions(project, weights)
    assert np.array_equal(columns[parts[2]], raw)
    with torch.no_grad():
        got = model.eval().predict(torch.from_numpy(
            namespace["scale"](namespace["network_inputs"](raw), scaling))).numpy()
    assert np.max(np.abs(got - expected)) <= 1e-5


def test_weights_sidecar_lists_the_transforms_to_compute(tmp_path):
    project = circle_with_transforms()
    weights = trained_looking_weights(project.network)
    result = export(project, weights, "weights", tmp_path / "w.safetensors")
    sidecar = json.loads(result.files[1].read_text(encoding="utf-8"))
    assert sidecar["transforms"] == list(TRANSFORMS)
    assert sidecar["transforms_in_model"] is False
    assert sidecar["input_features"] == list(TRANSFORMS)
    assert "Compute the network's inputs from the data's columns first" in sidecar["inputs"]


def test_a_project_without_transforms_says_it_has_none(tmp_path):
    project = circle_with_transforms()
    project.data = DataConfig(project.data.source)
    project.network = chain(("input", {"shape": (2,)}), ("dense", {"units": 1}))
    weights = trained_looking_weights(project.network)
    result = export(project, weights, "onnx", tmp_path / "m.onnx")
    metadata = exported_metadata("onnx", result.path)
    assert json.loads(metadata["transforms"]) == []
    assert metadata["transforms_in_model"] == "false"
    assert json.loads(metadata["input_features"]) == ["x1", "x2"]
