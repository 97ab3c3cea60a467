"""The torch module built from a network: one builder per layer type, shapes, parameters,
initializers, and the final sigmoid/softmax left to the loss."""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core.errors import SpecError
from nnstudio.core.layers import LAYER_TYPES
from nnstudio.core.network import Network, chain, make_node
from nnstudio.core.shapes import infer_shapes
from nnstudio.engine.modules import build_model, parameter_count
from nnstudio.engine.torch_layers import TORCH_LAYERS


def graph(*nodes):
    return Network(nodes)


NETWORKS = {
    "mlp": chain(("input", {"shape": (2,)}), ("dense", {"units": 8, "activation": "tanh"}),
                 ("dense", {"units": 1, "activation": "sigmoid"})),
    "mlp_no_bias": chain(("input", {"shape": (5,)}),
                         ("dense", {"units": 7, "use_bias": False}), ("leaky_relu", {}),
                         ("dense", {"units": 3, "activation": "softmax"})),
    "cnn2d": chain(("input", {"shape": (1, 8, 8)}),
                   ("conv2d", {"filters": 4, "kernel": 3, "padding": "same", "activation": "relu"}),
                   ("batchnorm", {}), ("maxpool2d", {}),
                   ("conv2d", {"filters": 6, "kernel": 2, "stride": 2, "dilation": 1}),
                   ("avgpool2d", {"pool_size": 2, "stride": 1}), ("flatten", {}),
                   ("dropout", {"rate": 0.3}), ("dense", {"units": 10}), ("softmax", {})),
    "cnn1d": chain(("input", {"shape": (2, 20)}),
                   ("conv1d", {"filters": 5, "kernel": 3, "dilation": 2, "activation": "elu"}),
                   ("maxpool1d", {}), ("batchnorm", {"momentum": 0.5}), ("avgpool1d", {}),
                   ("global_avg_pool", {}), ("elu", {"alpha": 0.5}), ("dense", {"units": 2}),
                   ("gelu", {})),
    "reshape": chain(("input", {"shape": (64,)}), ("reshape", {"shape": (1, 8, 8)}),
                     ("conv2d", {"filters": 2, "kernel": 3}), ("global_avg_pool", {}),
                     ("layernorm", {}), ("dense", {"units": 1})),
    "lstm": chain(("input", {"shape": (6,)}), ("embedding", {"vocabulary": 20, "embedding_dim": 4}),
                  ("lstm", {"units": 5, "return_sequences": True}), ("gru", {"units": 3}),
                  ("dense", {"units": 1, "activation": "sigmoid"})),
    "sequence_dense": chain(("input", {"shape": (4, 3)}), ("dense", {"units": 5, "activation": "sine"}),
                            ("layernorm", {}), ("gru", {"units": 2, "return_sequences": True}),
                            ("flatten", {}), ("dense", {"units": 2}), ("tanh", {})),
    "mnist1d_cnn": chain(("input", {"shape": (40,)}), ("reshape", {"shape": (1, 40)}),
                         *[("conv1d", {"filters": 25, "kernel": k, "stride": 2, "padding": 1,
                                       "activation": "relu"}) for k in (5, 3, 3)],
                         ("flatten", {}), ("dense", {"units": 10, "activation": "softmax"})),
    "padded_cnn": chain(("input", {"shape": (2, 7, 6)}), ("zeropad2d", {"padding": 1}),
                        ("conv2d", {"filters": 3, "kernel": 3, "padding": 2,
                                    "padding_mode": "reflect"}),
                        ("maxpool2d", {"pool_size": 3, "stride": 1, "padding": "same"}),
                        ("conv2d", {"filters": 2, "kernel": 2, "padding": "same",
                                    "padding_mode": "circular"}),
                        ("avgpool2d", {"padding": 1}), ("flatten", {}),
                        ("reshape", {"shape": (2, 36)}), ("zeropad1d", {"padding": 2}),
                        ("conv1d", {"filters": 2, "kernel": 3, "stride": 3, "padding": 1,
                                    "padding_mode": "replicate"}),
                        ("maxpool1d", {"pool_size": 2, "padding": 1}), ("flatten", {}),
                        ("dense", {"units": 1})),
    "bidirectional": chain(("input", {"shape": (9, 3)}),
                           ("lstm", {"units": 4, "return_sequences": True, "bidirectional": True,
                                     "num_layers": 2, "dropout": 0.2}),
                           ("gru", {"units": 3, "bidirectional": True}),
                           ("dense", {"units": 2})),
    "bidirectional_lstm": chain(("input", {"shape": (6, 2)}),
                                ("lstm", {"units": 3, "bidirectional": True, "num_layers": 2}),
                                ("dense", {"units": 1, "activation": "sigmoid"})),
    "residual": graph(
        make_node("input", "x", shape=(4,)),
        make_node("dense", "a", ("x",), units=4, activation="relu"),
        make_node("dense", "b", ("a",), units=4),
        make_node("add", "skip", ("x", "b")),
        make_node("relu", "r", ("skip",)),
        make_node("sine", "wave", ("r",), frequency=3.0),
        make_node("sigmoid", "squash", ("wave",)),
        make_node("dense", "out", ("squash",), units=1, activation="sigmoid"),
    ),
    "concatenate": graph(
        make_node("input", "x", shape=(3,)),
        make_node("dense", "left", ("x",), units=2, activation="sigmoid"),
        make_node("dense", "right", ("x",), units=5, initializer="he_normal"),
        make_node("concatenate", "join", ("left", "right")),
        make_node("linear", "same", ("join",)),
        make_node("dense", "out", ("same",), units=3),
        make_node("softmax", "p", ("out",)),
    ),
    "image_concat": graph(
        make_node("input", "x", shape=(2, 6, 6)),
        make_node("conv2d", "c1", ("x",), filters=3, kernel=3, padding="same"),
        make_node("conv2d", "c2", ("x",), filters=1, kernel=1),
        make_node("concatenate", "join", ("c1", "c2"), axis=0),
        make_node("flatten", "f", ("join",)),
        make_node("dense", "out", ("f",), units=1),
    ),
}


def test_every_layer_type_in_the_registry_has_exactly_one_torch_row():
    assert set(TORCH_LAYERS) == set(LAYER_TYPES)


def test_the_test_networks_use_every_layer_type():
    used = {node.type for network in NETWORKS.values() for node in network.nodes}
    assert used == set(LAYER_TYPES)


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_built_module_has_the_parameter_count_and_output_shape_shape_inference_reports(name):
    network = NETWORKS[name]
    report = infer_shapes(network)
    assert report.ok, report.errors
    model = build_model(network, seed=0)
    assert parameter_count(model) == report.total_params
    x = torch.rand((3,) + model.input_shape) * (19 if name == "lstm" else 1)
    model.eval()
    assert tuple(model(x).shape) == (3,) + report.shape(model.output_id)
    for node_id, value in model.forward_all(x).items():
        assert tuple(value.shape) == (3,) + report.shape(node_id), node_id


_HIDDEN = st.sampled_from([
    ("dense", {"units": 3}), ("dense", {"units": 6, "activation": "relu", "use_bias": False}),
    ("relu", {}), ("tanh", {}), ("batchnorm", {}), ("layernorm", {}), ("dropout", {"rate": 0.1}),
    ("dense", {"units": 4, "activation": "softmax"}), ("sine", {"frequency": 2.0}),
])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs=st.integers(1, 6), layers=st.lists(_HIDDEN, max_size=6), outputs=st.integers(1, 4))
def test_parameter_counts_match_shape_inference_for_random_stacks(inputs, layers, outputs):
    network = chain(("input", {"shape": (inputs,)}), *layers, ("dense", {"units": outputs}))
    model = build_model(network, seed=1)
    assert parameter_count(model) == infer_shapes(network).total_params


def test_invalid_network_raises_spec_error_naming_the_node():
    network = chain(("input", {"shape": (1, 8, 8)}), ("dense", {"units": 3}))
    with pytest.raises(SpecError, match="dense_1"):
        build_model(network)


@pytest.mark.parametrize("output", [
    [("dense", {"units": 1, "activation": "sigmoid"})],
    [("dense", {"units": 1}), ("sigmoid", {})],
])
def test_final_sigmoid_is_left_to_the_loss_and_put_back_by_predict(output):
    model = build_model(chain(("input", {"shape": (2,)}), *output), seed=0)
    x = torch.randn(50, 2) * 5
    assert model.output_activation == "sigmoid"
    logits = model(x)
    assert (logits < 0).any() and (logits > 1).any()  # raw logits, no sigmoid applied
    assert torch.equal(model.predict_output(x), torch.sigmoid(logits))
    assert torch.equal(model.predict_proba(x), torch.sigmoid(logits))


def test_final_softmax_is_left_to_the_loss_once_and_probabilities_sum_to_one():
    model = build_model(NETWORKS["concatenate"], seed=0)
    x = torch.randn(10, 3)
    assert model.output_activation == "softmax"
    proba = model.predict_proba(x)
    assert torch.allclose(proba.sum(dim=1), torch.ones(10))
    assert torch.allclose(proba, torch.softmax(model(x), dim=1))


def test_a_sigmoid_before_the_last_layer_stays_in_the_forward_pass():
    network = chain(("input", {"shape": (2,)}), ("dense", {"units": 3, "activation": "sigmoid"}),
                    ("dense", {"units": 1, "activation": "tanh"}))
    model = build_model(network, seed=0)
    assert model.output_activation is None
    hidden = model.forward_all(torch.randn(20, 2) * 10)["dense_1"]
    assert hidden.min() >= 0 and hidden.max() <= 1


def test_same_seed_builds_the_same_weights_and_another_seed_different_ones():
    network = NETWORKS["cnn2d"]
    first, second, other = build_model(network, 7), build_model(network, 7), build_model(network, 8)
    for a, b, c in zip(first.parameters(), second.parameters(), other.parameters()):
        assert torch.equal(a, b)
    assert not all(torch.equal(a, c) for a, c in zip(first.parameters(), other.parameters()))


def test_building_leaves_the_global_random_state_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    build_model(NETWORKS["mlp"], seed=5)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("initializer", ["zeros", "constant"])
def test_zeros_and_constant_initializers_set_every_weight_and_zero_the_bias(initializer):
    network = chain(("input", {"shape": (4,)}),
                    ("dense", {"units": 5, "initializer": initializer, "init_value": 0.25}),
                    ("dense", {"units": 1}))
    layer = build_model(network, seed=0).layer("dense_1")
    expected = 0.0 if initializer == "zeros" else 0.25
    assert torch.all(layer.weight == expected)
    assert torch.all(layer.bias == 0)


@pytest.mark.parametrize("initializer,std", [
    ("he_normal", (2 / 400) ** 0.5), ("xavier_normal", (2 / (400 + 300)) ** 0.5),
    ("he_uniform", (2 / 400) ** 0.5), ("xavier_uniform", (2 / (400 + 300)) ** 0.5),
])
def test_random_initializers_have_their_textbook_spread(initializer, std):
    network = chain(("input", {"shape": (400,)}),
                    ("dense", {"units": 300, "initializer": initializer}))
    weight = build_model(network, seed=0).layer("dense_1").weight
    assert weight.std().item() == pytest.approx(std, rel=0.03)
    assert abs(weight.mean().item()) < std / 20


def test_conv_initializer_applies_to_its_kernel():
    network = chain(("input", {"shape": (1, 5, 5)}),
                    ("conv2d", {"filters": 2, "kernel": 3, "initializer": "constant",
                                "init_value": -1.5}))
    assert torch.all(build_model(network).layer("conv2d_1").weight == -1.5)


def test_node_ids_that_torch_reserves_still_work():
    network = graph(make_node("input", "training", shape=(2,)),
                    make_node("dense", "keys", ("training",), units=2),
                    make_node("dense", "forward", ("keys",), units=1))
    model = build_model(network)
    assert model.layer("keys").out_features == 2
    assert model(torch.zeros(4, 2)).shape == (4, 1)


def test_recurrent_layers_return_the_last_step_or_every_step():
    network = chain(("input", {"shape": (7, 3)}), ("lstm", {"units": 4, "return_sequences": True}),
                    ("lstm", {"units": 2}))
    model = build_model(network)
    outputs = model.forward_all(torch.randn(5, 7, 3))
    assert outputs["lstm_1"].shape == (5, 7, 4)
    assert outputs["lstm_2"].shape == (5, 2)


def test_embedding_reads_float_token_indices_as_whole_numbers():
    network = chain(("input", {"shape": (3,)}), ("embedding", {"vocabulary": 5, "embedding_dim": 2}))
    model = build_model(network)
    table = model.layer("embedding_1").weight
    out = model(torch.tensor([[0.0, 4.0, 2.0]]))
    assert torch.equal(out[0], table[[0, 4, 2]])


def test_batchnorm_uses_1d_or_2d_by_the_rank_of_its_input():
    model = build_model(NETWORKS["cnn2d"])
    assert isinstance(model.layer("batchnorm_1"), torch.nn.BatchNorm2d)
    model = build_model(NETWORKS["cnn1d"])
    assert isinstance(model.layer("batchnorm_1"), torch.nn.BatchNorm1d)


def test_a_deep_copy_runs_on_its_own_weights():
    import copy

    model = build_model(NETWORKS["mlp"], seed=0)
    twin = copy.deepcopy(model)
    with torch.no_grad():
        twin.layer("dense_1").weight.add_(1.0)
    x = torch.randn(5, 2)
    assert not torch.equal(model(x), twin(x))
    assert torch.equal(model(x), build_model(NETWORKS["mlp"], seed=0)(x))


def test_converting_the_model_keeps_the_forward_pass_on_the_converted_weights():
    model = build_model(NETWORKS["residual"], seed=0).double()
    assert model(torch.randn(3, 4, dtype=torch.float64)).dtype == torch.float64


def test_eval_and_train_switch_every_layer_so_dropout_only_acts_while_training():
    model = build_model(NETWORKS["cnn2d"], seed=0)
    x = torch.randn(4, 1, 8, 8)
    model.eval()
    assert not any(module.training for module in model.modules())
    assert torch.equal(model(x), model(x))
    model.train()
    assert all(module.training for module in model.modules())
    assert not torch.equal(model(x), model(x))


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_a_bidirectional_layers_last_output_is_each_directions_final_state(kind):
    # Forward: after the last step; backward: after reading back to the first step.
    every = chain(("input", {"shape": (7, 2)}),
                  (kind, {"units": 3, "bidirectional": True, "return_sequences": True}))
    last = chain(("input", {"shape": (7, 2)}), (kind, {"units": 3, "bidirectional": True}))
    steps, final = build_model(every, seed=2).eval(), build_model(last, seed=2).eval()
    x = torch.randn(4, 7, 2)
    with torch.no_grad():
        outputs, got = steps(x), final(x)
    assert got.shape == (4, 6)
    assert torch.allclose(got[:, :3], outputs[:, -1, :3])
    assert torch.allclose(got[:, 3:], outputs[:, 0, 3:])
