"""The network written out as a plain nn.Module: same weights from the same seed, same outputs,
NN Studio's tensor names."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nnstudio.core.errors import SpecError
from nnstudio.core.network import Network, chain, make_node
from nnstudio.engine.export.model_code import model_code
from nnstudio.engine.modules import build_model
from nnstudio.engine.weights import model_to_arrays
from tests.engine.test_modules import NETWORKS as ENGINE_NETWORKS


def compile_model(network: Network):
    """The generated class, run as the script runs it, and what the generator said about it."""
    code = model_code(network)
    namespace = {"torch": torch, "nn": nn, "F": F}
    exec(compile(code.source, "<generated>", "exec"), namespace)  # the test runs our own text
    return namespace[code.class_name], code


def studio_keys(model: nn.Module, renamed: dict[str, str]) -> dict[str, np.ndarray]:
    arrays = {}
    for key, tensor in model.state_dict().items():
        layer, _, name = key.partition(".")
        if name != "num_batches_tracked":
            arrays[f"{renamed.get(layer, layer)}.{name}"] = tensor.numpy()
    return arrays


GRAPH = Network([
    make_node("input", "input_1", shape=(2,)),
    make_node("dense", "forward", ("input_1",), units=4, activation="relu",
              initializer="he_normal"),
    make_node("dense", "class", ("forward",), units=2, activation="tanh",
              initializer="xavier_uniform"),
    make_node("concatenate", "x", ("class", "input_1")),
    make_node("dense", "training", ("x",), units=4, activation="sine",
              initializer="constant", init_value=0.5),
    make_node("add", "add_1", ("training", "forward")),
    make_node("batchnorm", "bn", ("add_1",), momentum=0.2),
    make_node("leaky_relu", "leaky", ("bn",), negative_slope=0.2),
    make_node("dense", "out", ("leaky",), units=3),
    make_node("softmax", "sm", ("out",)),
])

NETWORKS = {
    "graph with skip connections and reserved names": GRAPH,
    "convolutions": chain(
        ("input", {"shape": (1, 8, 8)}),
        ("conv2d", {"filters": 4, "padding": "same", "activation": "relu", "dilation": 2}),
        ("batchnorm", {}), ("maxpool2d", {}), ("dropout", {"rate": 0.2}),
        ("conv2d", {"filters": 3, "kernel": 2, "stride": 2, "use_bias": False,
                    "activation": "softmax"}),
        ("avgpool2d", {"pool_size": 1, "stride": 1}), ("flatten", {}), ("layernorm", {}),
        ("dense", {"units": 10, "activation": "softmax"})),
    "signals": chain(
        ("input", {"shape": (3, 20)}),
        ("conv1d", {"filters": 4, "kernel": 3, "padding": "same", "dilation": 2,
                    "activation": "gelu"}),
        ("maxpool1d", {}), ("avgpool1d", {}), ("global_avg_pool", {}), ("elu", {"alpha": 0.5}),
        ("dense", {"units": 1, "activation": "sigmoid", "initializer": "zeros"})),
    "sequences": chain(
        ("input", {"shape": (5,)}), ("embedding", {"vocabulary": 10, "embedding_dim": 4}),
        ("lstm", {"units": 6, "return_sequences": True}), ("gru", {"units": 3}),
        ("sigmoid", {})),
    "reshape and linear": chain(
        ("input", {"shape": (12,)}), ("reshape", {"shape": (3, 4)}), ("linear", {}),
        ("lstm", {"units": 2}), ("tanh", {}), ("sine", {"frequency": 2.0}),
        ("dense", {"units": 2, "initializer": "he_uniform"}), ("gelu", {})),
}


# The engine tests' networks together use every registered layer type and option.
NETWORKS.update({f"engine: {name}": network for name, network in ENGINE_NETWORKS.items()})


def sample(network_name: str, shape: tuple[int, ...]) -> torch.Tensor:
    generator = torch.Generator().manual_seed(5)
    if network_name in ("sequences", "engine: lstm"):
        return torch.randint(0, 10, (4,) + shape, generator=generator).float()
    return torch.randn((4,) + shape, generator=generator)


@pytest.mark.parametrize("name", NETWORKS)
def test_generated_module_starts_from_the_apps_weights_and_computes_the_same(name):
    network = NETWORKS[name]
    model_class, code = compile_model(network)
    torch.manual_seed(3)
    written = model_class()
    engine = build_model(network, seed=3)
    expected = model_to_arrays(engine)
    got = studio_keys(written, code.renamed)
    assert set(got) == set(expected)
    for key in expected:
        assert np.array_equal(got[key], expected[key]), key
    written.eval()
    engine.eval()
    x = sample(name, engine.input_shape)
    with torch.no_grad():
        assert torch.equal(written(x), engine(x))
        assert torch.allclose(written.predict(x), engine.predict_output(x))


def test_ids_python_or_nn_module_reserve_become_other_attributes_mapped_back():
    _, code = compile_model(GRAPH)
    assert code.renamed == {"forward_layer": "forward", "class_layer": "class",
                            "training_layer": "training"}
    assert "self.forward_layer = nn.Linear(2, 4)" in code.source
    assert "class_out = torch.tanh(self.class_layer(forward))" in code.source


def test_final_sigmoid_or_softmax_is_left_to_the_loss_and_said_so():
    _, code = compile_model(GRAPH)
    assert code.output_activation == "softmax"
    assert "sm = out  # softmax: applied by the loss, and by predict()" in code.source
    assert "return torch.softmax(self(x), dim=1)" in code.source


def test_a_chain_reads_as_one_line_per_layer_with_its_shape():
    network = chain(("input", {"shape": (2,)}), ("dense", {"units": 8, "activation": "tanh"}),
                    ("linear", {}), ("dense", {"units": 1, "activation": "sigmoid"}))
    source = model_code(network).source
    assert "        x = torch.tanh(self.dense_1(x))  # -> (8,)\n" \
           "        x = self.dense_2(x)  # sigmoid: applied by the loss, and by predict()\n" \
           "        return x\n" in source
    assert "init_weights" not in source  # only written when a layer needs it


def test_an_invalid_network_is_refused_with_the_shape_problem():
    network = chain(("input", {"shape": (1, 8, 8)}), ("dense", {"units": 3}))
    with pytest.raises(SpecError, match="dense_1 expects"):
        model_code(network)
