"""ONNX and TorchScript exports: they compute what the app computes, for every example."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch

import nnstudio
from nnstudio.core.errors import NNStudioError, SpecError
from nnstudio.data.cli_new import new_project
from nnstudio.data.source import prepare_project_data
from nnstudio.core.examples import EXAMPLES, example_project
from nnstudio.core.network import Network, chain, make_node
from nnstudio.engine.export import export
from nnstudio.engine.export import onnx_export
from nnstudio.engine.export.common import prediction_model, sample_inputs
from nnstudio.engine.export.onnx_export import run_onnx
from nnstudio.engine.export.torchscript import (
    export_torchscript, load_torchscript, torchscript_metadata,
)
from nnstudio.engine.modules import build_model
from nnstudio.engine.weights import model_to_arrays
from tests.engine.test_modules import NETWORKS as ENGINE_NETWORKS


def trained_looking_weights(network: Network) -> dict[str, np.ndarray]:
    """Weights unlike the seeded start, running statistics included, so a test cannot pass
    by exporting the starting weights instead of the given ones."""
    arrays = model_to_arrays(build_model(network, seed=42))
    rng = np.random.default_rng(0)
    for key, array in arrays.items():
        if key.endswith("running_var"):
            arrays[key] = (array + rng.uniform(0.5, 1.5, array.shape)).astype(array.dtype)
        elif array.dtype.kind == "f":
            arrays[key] = (array + rng.normal(0, 0.1, array.shape)).astype(array.dtype)
    return arrays


def expected_outputs(network: Network, weights, batch: int = 7) -> tuple[np.ndarray, np.ndarray]:
    model = prediction_model(network, weights)
    inputs = sample_inputs(network, model.model, batch, seed=9)
    with torch.no_grad():
        return inputs.numpy(), model(inputs).numpy()


def app_predictions(project, weights, project_path=None) -> tuple[np.ndarray, np.ndarray]:
    """Test rows (training rows when a project has no test split) in the data's own units, and
    what the app predicts for them: the network on the inputs scaled as training scaled them."""
    prepared = prepare_project_data(project, project_path)
    rows = (prepared.test if prepared.test.n_samples else prepared.train).x[:40]
    raw = prepared.preprocessor.inverse_transform(rows).astype(np.float32)
    model = prediction_model(project.network, weights, project.training.seed)
    with torch.no_grad():
        return raw, model(torch.from_numpy(rows)).numpy()


def run_exported(fmt: str, path, inputs: np.ndarray) -> np.ndarray:
    if fmt == "onnx":
        return run_onnx(path, inputs)
    with torch.no_grad():
        return load_torchscript(path)(torch.from_numpy(inputs)).numpy()


def exported_metadata(fmt: str, path) -> dict[str, str]:
    if fmt == "onnx":
        return {prop.key: prop.value for prop in onnx.load(str(path)).metadata_props}
    return torchscript_metadata(path)


def check_contract(project, weights, fmt, path, project_path=None) -> dict[str, str]:
    """The export predicts what the app does from raw inputs and names what it expects."""
    raw, expected = app_predictions(project, weights, project_path)
    got = run_exported(fmt, path, raw)
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) <= 1e-5
    metadata = exported_metadata(fmt, path)
    dataset = prepare_project_data(project, project_path).train
    assert metadata["project"] == project.name
    assert metadata["task"] == str(dataset.task)
    assert metadata["nnstudio_version"] == nnstudio.__version__
    assert json.loads(metadata["class_names"]) == list(dataset.class_names)
    assert json.loads(metadata["input_features"]) == list(dataset.feature_names)
    assert json.loads(metadata["scaling"])["method"] == project.data.preprocessing
    return metadata


@pytest.mark.parametrize("fmt", ["onnx", "torchscript"])
@pytest.mark.parametrize("key", [key for key in EXAMPLES if example_project(key).network.nodes])
def test_every_example_exports_with_its_scaling_and_predicts_like_the_app(key, fmt, tmp_path):
    project = example_project(key)
    weights = trained_looking_weights(project.network)
    result = export(project, weights, fmt, tmp_path / f"{key}.{fmt}")
    metadata = check_contract(project, weights, fmt, result.path)
    assert metadata["scaling_in_model"] == json.dumps(project.data.preprocessing != "none")
    if fmt == "onnx":
        model = onnx.load(str(result.path))
        onnx.checker.check_model(model)
        assert model.opset_import[0].version >= 17
        batch_dimension = model.graph.input[0].type.tensor_type.shape.dim[0]
        assert batch_dimension.dim_param == "batch"  # any batch size, not the one exported with


@pytest.mark.parametrize("fmt", ["onnx", "torchscript"])
def test_raw_inputs_leaves_the_scaling_to_the_caller_and_says_so(fmt, tmp_path):
    project = example_project("spiral")
    weights = trained_looking_weights(project.network)
    result = export(project, weights, fmt, tmp_path / f"m.{fmt}", raw_inputs=True)
    prepared = prepare_project_data(project)
    metadata = exported_metadata(fmt, result.path)
    scaling = json.loads(metadata["scaling"])
    assert metadata["scaling_in_model"] == "false"
    assert "Scale the inputs first" in result.message
    raw = prepared.preprocessor.inverse_transform(prepared.test.x)
    scaled = (raw - scaling["shift"]) / scaling["scale"]  # as a caller would, from the metadata
    with torch.no_grad():
        expected = prediction_model(project.network, weights)(
            torch.from_numpy(prepared.test.x)).numpy()
    got = run_exported(fmt, result.path, scaled.astype(np.float32))
    assert np.max(np.abs(got - expected)) <= 1e-5


CSV_WITH_TEXT = """bill,flipper,island,species
39.1,181,Torgersen,Adelie
46.5,192,Dream,Chinstrap
50.0,220,Biscoe,Gentoo
38.6,190,Dream,Adelie
49.3,200,Dream,Chinstrap
47.6,215,Biscoe,Gentoo
"""


@pytest.mark.parametrize("fmt", ["onnx", "torchscript"])
def test_an_imported_csv_project_exports_its_contract_text_columns_named(fmt, tmp_path):
    data = tmp_path / "penguins.csv"
    header, rows = CSV_WITH_TEXT.split("\n", 1)
    data.write_text(header + "\n" + rows * 8, encoding="utf-8")
    project_path = tmp_path / "penguins.nnstudio"
    project, _ = new_project(data, project_path, options={"target": "species"})
    weights = trained_looking_weights(project.network)
    result = export(project, weights, fmt, tmp_path / f"penguins.{fmt}",
                    project_path=project_path)
    metadata = check_contract(project, weights, fmt, result.path, project_path)
    assert json.loads(metadata["class_names"]) == ["Adelie", "Chinstrap", "Gentoo"]
    assert json.loads(metadata["text_columns"]) == {"island": ["Biscoe", "Dream", "Torgersen"]}
    assert "Text columns (island) are not in the graph" in result.message
    assert "Text columns (island)" in metadata["inputs"]


def test_export_of_a_project_whose_data_is_gone_says_why_and_writes_nothing(tmp_path):
    data = tmp_path / "penguins.csv"
    data.write_text(CSV_WITH_TEXT, encoding="utf-8")
    project_path = tmp_path / "penguins.nnstudio"
    project, _ = new_project(data, project_path, options={"target": "species"})
    data.unlink()
    with pytest.raises(NNStudioError, match="penguins.csv.*exporting reads the data"):
        export(project, None, "onnx", tmp_path / "m.onnx", project_path=project_path)
    assert not (tmp_path / "m.onnx").exists()


EVERY_LAYER = Network([
    make_node("input", "input_1", shape=(12,)),
    make_node("reshape", "reshape_1", ("input_1",), shape=(3, 4)),
    make_node("conv1d", "conv1d_1", ("reshape_1",), filters=4, kernel=2, padding="same",
              dilation=3, activation="gelu"),  # odd total padding: padded before the layer
    make_node("conv1d", "conv1d_2", ("conv1d_1",), filters=4, kernel=3, padding="same",
              dilation=2, activation="elu"),
    make_node("batchnorm", "batchnorm_1", ("conv1d_2",)),
    make_node("maxpool1d", "maxpool1d_1", ("batchnorm_1",), pool_size=2, stride=1),
    make_node("avgpool1d", "avgpool1d_1", ("maxpool1d_1",), pool_size=1, stride=1),
    make_node("global_avg_pool", "pool", ("avgpool1d_1",)),
    make_node("flatten", "flat", ("reshape_1",)),
    make_node("layernorm", "norm", ("flat",)),
    make_node("dense", "dense_1", ("norm",), units=4, activation="sine"),
    make_node("add", "add_1", ("dense_1", "pool")),
    make_node("concatenate", "cat", ("add_1", "pool")),
    make_node("dropout", "drop", ("cat",), rate=0.3),
    make_node("leaky_relu", "leaky", ("drop",)),
    make_node("dense", "dense_2", ("leaky",), units=3),
    make_node("softmax", "out", ("dense_2",)),
])

SEQUENCES = chain(("input", {"shape": (6,)}),
                  ("embedding", {"vocabulary": 20, "embedding_dim": 4}),
                  ("lstm", {"units": 5, "return_sequences": True}), ("gru", {"units": 3}),
                  ("dense", {"units": 1, "activation": "sigmoid"}))


# Integer and 'same' padding with every padding mode, padded pooling, zero padding, and
# bidirectional stacked recurrent layers.
PAPER_OPTIONS = {name: ENGINE_NETWORKS[name]
                 for name in ("mnist1d_cnn", "padded_cnn", "bidirectional", "bidirectional_lstm")}


# torch warns that the odd 'same' padding (kernel 2, dilation 3) costs a copy: it is the point.
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@pytest.mark.parametrize("network", [EVERY_LAYER, SEQUENCES, *PAPER_OPTIONS.values()],
                         ids=["graph", "sequences", *PAPER_OPTIONS])
@pytest.mark.parametrize("fmt", ["onnx", "torchscript"])
def test_every_layer_type_exports_and_matches(network, fmt, tmp_path):
    weights = trained_looking_weights(network)
    write = onnx_export.export_onnx if fmt == "onnx" else export_torchscript
    path = write(network, weights, tmp_path / f"model.{fmt}")
    inputs, expected = expected_outputs(network, weights)
    got = run_exported(fmt, path, inputs)
    assert np.max(np.abs(got - expected)) <= 1e-5


def test_a_layer_onnx_cannot_express_is_named_in_the_message(tmp_path, monkeypatch):
    # No layer type fails in today's exporter, so stand in for an older one without GRU.
    real_export = torch.onnx.export

    def without_gru(model, *args, **kwargs):
        if any(isinstance(m, torch.nn.GRU) for m in model.modules()):
            raise RuntimeError("Exporting the operator 'aten::gru' to ONNX is not supported")
        return real_export(model, *args, **kwargs)

    monkeypatch.setattr(onnx_export.torch.onnx, "export", without_gru)
    out = tmp_path / "model.onnx"
    with pytest.raises(SpecError) as caught:
        onnx_export.export_onnx(SEQUENCES, None, out)
    message = str(caught.value)
    assert message.startswith("gru_1: ONNX opset 17 cannot express this GRU layer "
                              "(Exporting the operator 'aten::gru' to ONNX is not supported)")
    assert "export TorchScript or the training script instead" in message
    assert not out.exists()


def test_onnx_that_runs_differently_in_onnxruntime_is_not_written(tmp_path, monkeypatch):
    monkeypatch.setattr(onnx_export, "compare_with_torch", lambda *args: 0.5)
    monkeypatch.setattr(onnx_export, "_failing_layer", lambda network, opset: "dense_3")
    out = tmp_path / "model.onnx"
    with pytest.raises(NNStudioError, match="dense_3: the ONNX model's outputs differ from "
                                            "PyTorch's by 0.5"):
        export(example_project("spiral"), None, "onnx", out)
    assert not out.exists()


@pytest.mark.parametrize("opset", [16, 99, "17"])
def test_an_opset_out_of_range_is_refused(opset, tmp_path):
    with pytest.raises(SpecError, match=f"onnx.opset: must be a whole number from 17 to 21"):
        export(example_project("spiral"), None, "onnx", tmp_path / "m.onnx", opset=opset)


def test_a_newer_opset_is_written_as_asked(tmp_path):
    result = export(example_project("spiral"), None, "onnx", tmp_path / "m.onnx", opset=20)
    assert onnx.load(str(result.path)).opset_import[0].version == 20
    assert "(opset 20)" in result.message
