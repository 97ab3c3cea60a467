"""ONNX and TorchScript exports: they compute what the app computes, for every example."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch

from nnstudio.core.errors import NNStudioError, SpecError
from nnstudio.core.examples import EXAMPLES, example_project
from nnstudio.core.network import Network, chain, make_node
from nnstudio.engine.export import export
from nnstudio.engine.export import onnx_export
from nnstudio.engine.export.common import prediction_model, sample_inputs
from nnstudio.engine.export.onnx_export import run_onnx
from nnstudio.engine.export.torchscript import load_torchscript
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


@pytest.mark.parametrize("key", EXAMPLES)
def test_onnx_of_every_example_gives_torchs_outputs_in_onnxruntime(key, tmp_path):
    project = example_project(key)
    weights = trained_looking_weights(project.network)
    result = export(project, weights, "onnx", tmp_path / f"{key}.onnx")
    model = onnx.load(str(result.path))
    onnx.checker.check_model(model)
    assert model.opset_import[0].version >= 17
    batch_dimension = model.graph.input[0].type.tensor_type.shape.dim[0]
    assert batch_dimension.dim_param == "batch"  # any batch size, not the one exported with
    inputs, expected = expected_outputs(project.network, weights)
    got = run_onnx(result.path, inputs)
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) <= 1e-5


@pytest.mark.parametrize("key", EXAMPLES)
def test_torchscript_of_every_example_loads_and_gives_the_same_outputs(key, tmp_path):
    project = example_project(key)
    weights = trained_looking_weights(project.network)
    result = export(project, weights, "torchscript", tmp_path / f"{key}.pt")
    loaded = load_torchscript(result.path)
    inputs, expected = expected_outputs(project.network, weights)
    with torch.no_grad():
        got = loaded(torch.from_numpy(inputs)).numpy()
    assert np.max(np.abs(got - expected)) <= 1e-6


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
    project = example_project("spiral")
    project.network = network
    weights = trained_looking_weights(network)
    result = export(project, weights, fmt, tmp_path / f"model.{fmt}")
    inputs, expected = expected_outputs(network, weights)
    if fmt == "onnx":
        got = run_onnx(result.path, inputs)
    else:
        with torch.no_grad():
            got = load_torchscript(result.path)(torch.from_numpy(inputs)).numpy()
    assert np.max(np.abs(got - expected)) <= 1e-5


def test_a_layer_onnx_cannot_express_is_named_in_the_message(tmp_path, monkeypatch):
    # No layer type fails in today's exporter, so stand in for an older one without GRU.
    real_export = torch.onnx.export

    def without_gru(model, *args, **kwargs):
        if any(isinstance(m, torch.nn.GRU) for m in model.modules()):
            raise RuntimeError("Exporting the operator 'aten::gru' to ONNX is not supported")
        return real_export(model, *args, **kwargs)

    monkeypatch.setattr(onnx_export.torch.onnx, "export", without_gru)
    project = example_project("spiral")
    project.network = SEQUENCES
    out = tmp_path / "model.onnx"
    with pytest.raises(SpecError) as caught:
        export(project, None, "onnx", out)
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
