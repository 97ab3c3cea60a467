"""The layer registry: every entry explains itself, computes PyTorch's shapes and parameter
counts, and reports a wrong input with a message that names both nodes and the fix.

The expected counts were checked once against real torch modules (nn.Linear, nn.Conv1d/2d,
nn.MaxPool*, nn.AvgPool*, nn.BatchNorm1d/2d, nn.LayerNorm(last dim), nn.Embedding,
nn.LSTM/GRU(batch_first=True)) with `sum(p.numel() for p in m.parameters())` and the output's
shape without the batch; these tests must not import torch, so the numbers are written out.
"""

import pytest

from nnstudio.core.errors import SpecError
from nnstudio.core.layers import (
    ACTIVATIONS, CATEGORIES, INITIALIZERS, LAYER_TYPES, ParamConflict, ShapeMismatch, layer_type,
)
from nnstudio.core.network import Network, make_node
from nnstudio.core.shapes import infer_shapes

# (key, input shapes, params, output shape, PyTorch's parameter count)
GOOD_CASES = [
    ("input", [], {"shape": [1, 8, 8]}, (1, 8, 8), 0),
    ("dense", [(2,)], {}, (8,), 24),
    ("dense", [(64,)], {"units": 10}, (10,), 650),
    ("dense", [(64,)], {"units": 10, "use_bias": False}, (10,), 640),
    ("dense", [(5, 3)], {"units": 4}, (5, 4), 16),
    ("conv1d", [(3, 20)], {}, (8, 18), 80),
    ("conv1d", [(3, 20)], {"filters": 6, "kernel": 5, "stride": 2, "dilation": 2}, (6, 6), 96),
    ("conv1d", [(3, 20)], {"filters": 6, "kernel": 4, "padding": "same", "dilation": 3,
                           "use_bias": False}, (6, 20), 72),
    ("conv2d", [(1, 8, 8)], {}, (8, 6, 6), 80),
    ("conv2d", [(1, 28, 28)], {"filters": 16, "kernel": 5, "stride": 2}, (16, 12, 12), 416),
    ("conv2d", [(3, 9, 7)], {"filters": 4, "padding": "same"}, (4, 9, 7), 112),
    ("conv2d", [(3, 9, 7)], {"filters": 4, "dilation": 2, "stride": 3}, (4, 2, 1), 112),
    ("maxpool1d", [(4, 10)], {}, (4, 5), 0),
    ("maxpool1d", [(4, 11)], {"pool_size": 3}, (4, 5), 0),
    ("maxpool2d", [(4, 9, 7)], {}, (4, 4, 3), 0),
    ("maxpool2d", [(4, 9, 7)], {"pool_size": 3, "stride": 1}, (4, 7, 5), 0),
    ("avgpool1d", [(4, 11)], {"pool_size": 3}, (4, 5), 0),
    ("avgpool2d", [(4, 9, 7)], {}, (4, 4, 3), 0),
    ("global_avg_pool", [(4, 9, 7)], {}, (4,), 0),
    ("global_avg_pool", [(4, 9)], {}, (4,), 0),
    ("flatten", [(4, 9, 7)], {}, (252,), 0),
    ("reshape", [(64,)], {}, (1, 8, 8), 0),
    ("reshape", [(2, 3, 4)], {"shape": [6, 4]}, (6, 4), 0),
    ("dropout", [(5,)], {}, (5,), 0),
    ("batchnorm", [(10,)], {}, (10,), 20),
    ("batchnorm", [(4, 10)], {}, (4, 10), 8),
    ("batchnorm", [(4, 9, 7)], {}, (4, 9, 7), 8),
    ("layernorm", [(10,)], {}, (10,), 20),
    ("layernorm", [(5, 6)], {}, (5, 6), 12),
    ("embedding", [(12,)], {}, (12, 16), 1600),
    ("embedding", [(12,)], {"vocabulary": 50, "embedding_dim": 3}, (12, 3), 150),
    ("lstm", [(7, 5)], {}, (16,), 1472),
    ("lstm", [(7, 5)], {"units": 3, "return_sequences": True}, (7, 3), 120),
    ("gru", [(7, 5)], {}, (16,), 1104),
    ("gru", [(7, 5)], {"units": 3, "return_sequences": True}, (7, 3), 90),
    ("relu", [(3, 4)], {}, (3, 4), 0),
    ("leaky_relu", [(3, 4)], {"negative_slope": 0.2}, (3, 4), 0),
    ("elu", [(3, 4)], {}, (3, 4), 0),
    ("gelu", [(8,)], {}, (8,), 0),
    ("sigmoid", [(1,)], {}, (1,), 0),
    ("tanh", [(1, 8, 8)], {}, (1, 8, 8), 0),
    ("softmax", [(10,)], {}, (10,), 0),
    ("linear", [(3, 4)], {}, (3, 4), 0),
    ("sine", [(2,)], {"frequency": 30.0}, (2,), 0),
    ("add", [(8,), (8,), (8,)], {}, (8,), 0),
    ("concatenate", [(8,), (4,)], {}, (12,), 0),
    ("concatenate", [(5, 3), (5, 2)], {"axis": -1}, (5, 5), 0),
    ("concatenate", [(4, 6, 6), (2, 6, 6)], {}, (6, 6, 6), 0),
    # The options papers use: integer padding, padding modes, padded pooling, zero padding,
    # bidirectional and stacked recurrent layers (MNIST-1D's first conv and GRU among them).
    ("conv1d", [(1, 40)], {"filters": 25, "kernel": 5, "stride": 2, "padding": 1}, (25, 19), 150),
    ("conv1d", [(25, 19)], {"filters": 25, "kernel": 3, "stride": 2, "padding": 1}, (25, 10),
     1900),
    ("conv2d", [(3, 9, 7)], {"filters": 4, "padding": 2, "padding_mode": "reflect"}, (4, 11, 9),
     112),
    ("conv1d", [(2, 10)], {"filters": 3, "kernel": 4, "padding": "same",
                           "padding_mode": "circular"}, (3, 10), 27),
    ("maxpool1d", [(4, 11)], {"pool_size": 3, "stride": 1, "padding": "same"}, (4, 11), 0),
    ("avgpool2d", [(4, 9, 7)], {"padding": 1}, (4, 5, 4), 0),
    ("zeropad1d", [(2, 10)], {"padding": 2}, (2, 14), 0),
    ("zeropad2d", [(1, 8, 8)], {}, (1, 10, 10), 0),
    ("gru", [(40, 1)], {"units": 6, "return_sequences": True, "bidirectional": True}, (40, 12),
     324),
    ("lstm", [(7, 5)], {"units": 3, "bidirectional": True, "num_layers": 2, "dropout": 0.2},
     (6,), 504),
    ("gru", [(7, 5)], {"units": 3, "num_layers": 3}, (3,), 234),
]


def run_rule(key, shapes, params):
    kind = layer_type(key)
    checked = kind.schema.validate(params, key)
    out = kind.shape_rule(checked, list(shapes))
    return out, kind.count_params(checked, list(shapes), out)


@pytest.mark.parametrize("key, shapes, params, shape, count", GOOD_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(GOOD_CASES)])
def test_shape_rule_and_parameter_count_match_pytorch(key, shapes, params, shape, count):
    assert run_rule(key, shapes, params) == (shape, count)


# ---- one error case for every layer type ------------------------------------------------------

def _net(*nodes):
    return Network(nodes)


def _input(shape, node_id="input_1"):
    return make_node("input", node_id, shape=list(shape))


def _fed(key, shape, node_id=None, **params):
    """An Input of `shape` feeding one `key` node (id `<key>_1` unless given)."""
    return _net(_input(shape), make_node(key, node_id or f"{key}_1", ("input_1",), **params))


def _two_branches(key, first_units, second_units, **params):
    return _net(
        _input((4,)),
        make_node("dense", "dense_1", ("input_1",), units=first_units),
        make_node("dense", "dense_2", ("input_1",), units=second_units),
        make_node(key, f"{key}_1", ("dense_1", "dense_2"), **params),
    )


def _too_many_inputs_message(key):
    return (f"{key}_1 takes one input but has 2 (dense_1, dense_2): "
            "join them with an Add or Concatenate first.")


# key -> (network, node id, the exact message). Layers that accept any shape (activations,
# dropout, flatten, layer norm) can still be wired wrongly: two inputs into a one-input layer.
ERROR_CASES = {
    "input": (
        _net(_input((2,)), make_node("input", "input_2", ("input_1",), shape=[2])),
        "input_2",
        "input_2 takes no inputs but has 1 (input_1): the Input layer is where data enters; "
        "disconnect them.",
    ),
    "dense": (
        _net(_input((1, 8, 8)), make_node("conv2d", "conv2d_1", ("input_1",)),
             make_node("dense", "dense_2", ("conv2d_1",))),
        "dense_2",
        "dense_2 expects (features,) or (steps, features) but conv2d_1 gives (8, 6, 6): "
        "add a Flatten before it",
    ),
    "conv1d": (
        _fed("conv1d", (64,)), "conv1d_1",
        "conv1d_1 expects (channels, length) but input_1 gives (64,): add a Reshape before it",
    ),
    "conv2d": (
        _net(_input((64,)), make_node("dense", "dense_2", ("input_1",), units=64),
             make_node("conv2d", "conv2d_3", ("dense_2",))),
        "conv2d_3",
        "conv2d_3 expects (channels, height, width) but dense_2 gives (64,): "
        "add a Reshape before it",
    ),
    "maxpool1d": (
        _fed("maxpool1d", (2, 3, 4)), "maxpool1d_1",
        "maxpool1d_1 expects (channels, length) but input_1 gives (2, 3, 4): "
        "add a Reshape before it",
    ),
    "maxpool2d": (
        _fed("maxpool2d", (10,)), "maxpool2d_1",
        "maxpool2d_1 expects (channels, height, width) but input_1 gives (10,): "
        "add a Reshape before it",
    ),
    "avgpool1d": (
        _fed("avgpool1d", (3, 2), pool_size=3), "avgpool1d_1",
        "avgpool1d_1 expects an input at least 3 wide but input_1 gives (3, 2): "
        "use a smaller pool size",
    ),
    "avgpool2d": (
        _fed("avgpool2d", (5,)), "avgpool2d_1",
        "avgpool2d_1 expects (channels, height, width) but input_1 gives (5,): "
        "add a Reshape before it",
    ),
    "zeropad1d": (
        _fed("zeropad1d", (8,)), "zeropad1d_1",
        "zeropad1d_1 expects (channels, length) but input_1 gives (8,): add a Reshape before it",
    ),
    "zeropad2d": (
        _fed("zeropad2d", (2, 8)), "zeropad2d_1",
        "zeropad2d_1 expects (channels, height, width) but input_1 gives (2, 8): "
        "add a Reshape before it",
    ),
    "global_avg_pool": (
        _fed("global_avg_pool", (8,)), "global_avg_pool_1",
        "global_avg_pool_1 expects (channels, length) or (channels, height, width) but input_1 "
        "gives (8,): it averages over space; vectors have none",
    ),
    "flatten": (_two_branches("flatten", 8, 8), "flatten_1", _too_many_inputs_message("flatten")),
    "reshape": (
        _fed("reshape", (10,)), "reshape_1",
        "reshape_1 expects an input of 64 values to make (1, 8, 8) but input_1 gives (10,): "
        "change the target shape so its values multiply to the input's size",
    ),
    "dropout": (_two_branches("dropout", 8, 8), "dropout_1", _too_many_inputs_message("dropout")),
    "batchnorm": (
        _fed("batchnorm", (1, 2, 3, 4)), "batchnorm_1",
        "batchnorm_1 expects (features,), (channels, length) or (channels, height, width) but "
        "input_1 gives (1, 2, 3, 4): add a Flatten or a Reshape before it",
    ),
    "layernorm": (_two_branches("layernorm", 8, 8), "layernorm_1",
                  _too_many_inputs_message("layernorm")),
    "embedding": (
        _fed("embedding", (5, 3)), "embedding_1",
        "embedding_1 expects (steps,) of token indices but input_1 gives (5, 3): "
        "feed it an Input of shape (steps,), one token index per step",
    ),
    "lstm": (
        _fed("lstm", (8,)), "lstm_1",
        "lstm_1 expects (steps, features) but input_1 gives (8,): "
        "add an Embedding or a Reshape before it",
    ),
    "gru": (
        _fed("gru", (1, 8, 8)), "gru_1",
        "gru_1 expects (steps, features) but input_1 gives (1, 8, 8): add a Reshape",
    ),
    **{
        key: (_two_branches(key, 8, 8), f"{key}_1", _too_many_inputs_message(key))
        for key in ("relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softmax",
                    "linear", "sine")
    },
    "add": (
        _two_branches("add", 8, 4), "add_1",
        "add_1 expects every input shaped (8,) like its first input but dense_2 gives (4,): "
        "make the branches end in the same shape",
    ),
    "concatenate": (
        _net(_input((4,)), make_node("dense", "dense_1", ("input_1",)),
             make_node("reshape", "reshape_1", ("input_1",), shape=[2, 2]),
             make_node("concatenate", "concatenate_1", ("dense_1", "reshape_1"))),
        "concatenate_1",
        "concatenate_1 expects inputs equal to (8,) except along axis 0 but reshape_1 gives "
        "(2, 2): make the branches agree on every other axis",
    ),
}


@pytest.mark.parametrize("key", sorted(ERROR_CASES))
def test_a_wrong_input_is_reported_naming_the_node_its_source_and_the_fix(key):
    network, node_id, message = ERROR_CASES[key]
    report = infer_shapes(network)
    assert report.nodes[node_id].error == message
    assert (node_id, message) in report.errors
    assert report.nodes[node_id].shape is None and not report.ok


def test_every_registered_layer_type_has_a_good_case_and_an_error_case():
    """Adding a layer type means adding its tests: this fails until both exist."""
    missing_good = set(LAYER_TYPES) - {case[0] for case in GOOD_CASES}
    missing_error = set(LAYER_TYPES) - set(ERROR_CASES)
    assert not missing_good, f"no shape/parameter-count case for {sorted(missing_good)}"
    assert not missing_error, f"no error-message case for {sorted(missing_error)}"
    assert set(ERROR_CASES) <= set(LAYER_TYPES)


@pytest.mark.parametrize("key", sorted(LAYER_TYPES))
def test_every_layer_type_and_parameter_explains_itself_and_has_valid_defaults(key):
    kind = LAYER_TYPES[key]
    assert kind.key == key
    assert kind.name.strip() and kind.symbol.strip(), key
    assert kind.category in CATEGORIES, key
    assert len(kind.help.strip()) >= 10, f"{key}: the palette tooltip needs a real sentence"
    for spec in kind.schema:
        assert len(spec.help.strip()) >= 10, f"{key}.{spec.name} has no explanation"
        assert spec.display_label.strip()
        assert spec.validate(spec.default, f"{key}.{spec.name}") == spec.default
    assert kind.schema.validate({}, key) == kind.schema.defaults()
    assert 0 <= kind.min_inputs <= kind.max_inputs


def test_the_registry_has_the_issues_layer_types():
    assert set(LAYER_TYPES) == {
        "input", "dense", "conv1d", "conv2d", "maxpool1d", "maxpool2d", "avgpool1d",
        "avgpool2d", "global_avg_pool", "flatten", "reshape", "dropout", "batchnorm",
        "layernorm", "embedding", "lstm", "gru", "relu", "leaky_relu", "elu", "gelu", "sigmoid",
        "tanh", "softmax", "linear", "sine", "add", "concatenate", "zeropad1d", "zeropad2d"}
    assert layer_type("dense") is LAYER_TYPES["dense"]
    with pytest.raises(KeyError):
        layer_type("transformer")


def test_every_activation_works_as_a_parameter_and_as_its_own_layer():
    activation_layers = {key for key, kind in LAYER_TYPES.items() if kind.is_activation}
    assert activation_layers == set(ACTIVATIONS)
    for key in ("dense", "conv1d", "conv2d"):
        spec = layer_type(key).schema["activation"]
        assert spec.choices == ACTIVATIONS and spec.default == "linear"


def test_dense_and_convolutions_share_the_contracts_parameters():
    assert INITIALIZERS == ("default", "xavier_uniform", "xavier_normal", "he_uniform",
                            "he_normal", "zeros", "constant")
    assert layer_type("dense").schema.names() == (
        "units", "activation", "use_bias", "initializer", "init_value")
    for key in ("conv1d", "conv2d"):
        assert layer_type(key).schema.names() == (
            "filters", "kernel", "stride", "padding", "dilation", "activation", "use_bias",
            "initializer", "init_value", "padding_mode")
        assert layer_type(key).schema["padding"].choices == ("valid", "same")


def test_only_input_takes_no_inputs_and_only_add_and_concatenate_merge():
    assert [k for k, t in LAYER_TYPES.items() if t.max_inputs == 0] == ["input"]
    assert {k for k, t in LAYER_TYPES.items() if t.is_merge} == {"add", "concatenate"}
    assert all(t.min_inputs == 2 for t in LAYER_TYPES.values() if t.is_merge)


def test_the_palette_categories_each_hold_a_layer():
    assert {kind.category for kind in LAYER_TYPES.values()} == set(CATEGORIES)


# ---- rules that need more than one case -------------------------------------------------------

def test_a_convolution_wider_than_its_input_says_how_wide_the_input_must_be():
    with pytest.raises(ShapeMismatch) as mismatch:
        run_rule("conv2d", [(1, 4, 4)], {"kernel": 3, "dilation": 2})
    assert mismatch.value.expected == "an input at least 5 wide"
    report = infer_shapes(_fed("conv1d", (2, 4), kernel=5))
    assert report.nodes["conv1d_1"].error == (
        "conv1d_1 expects an input at least 5 wide but input_1 gives (2, 4): use a smaller "
        "kernel, padding 'same', or fewer pooling layers before it")


def test_padding_same_with_a_stride_is_a_settings_problem_not_an_input_problem():
    with pytest.raises(ParamConflict):
        run_rule("conv2d", [(1, 8, 8)], {"padding": "same", "stride": 2})
    report = infer_shapes(_fed("conv2d", (1, 8, 8), padding="same", stride=2))
    assert report.nodes["conv2d_1"].error == (
        "conv2d_1: padding 'same' needs stride 1: set stride to 1, or padding to a number "
        "(kernel − 1) / 2 to pad each end")


def test_padding_takes_valid_same_or_a_number_and_names_the_field_otherwise():
    spec = layer_type("conv1d").schema["padding"]
    assert [spec.validate(v, "p") for v in ("valid", "same", 0, 3)] == ["valid", "same", 0, 3]
    for bad in ("full", -1, 2.5, True, None):
        with pytest.raises(SpecError, match='^conv1d_1.padding: must be "valid", "same" or an '
                                            'integer from 0 to 64'):
            spec.validate(bad, "conv1d_1.padding")


def test_pooling_padding_follows_pytorchs_limits_with_a_reason():
    with pytest.raises(ParamConflict, match="needs stride 1 and an odd pool size"):
        run_rule("maxpool2d", [(1, 8, 8)], {"padding": "same"})
    with pytest.raises(ParamConflict, match="padding 2 is more than half the pool size 2"):
        run_rule("avgpool1d", [(1, 8)], {"padding": 2})


def test_reflect_padding_wider_than_the_input_is_refused_as_pytorch_would():
    with pytest.raises(ShapeMismatch, match="an input at least 4 long for reflect padding of 3"):
        run_rule("conv1d", [(1, 3)], {"padding": 3, "padding_mode": "reflect", "kernel": 1})
    assert run_rule("conv1d", [(1, 3)], {"padding": 3, "padding_mode": "circular",
                                         "kernel": 1}) == ((8, 9), 16)
    with pytest.raises(ShapeMismatch, match="an input at least 4 long for circular padding"):
        run_rule("conv1d", [(1, 3)], {"padding": 4, "padding_mode": "circular", "kernel": 1})


def test_recurrent_dropout_needs_stacked_layers():
    with pytest.raises(ParamConflict, match="dropout between layers needs 2 or more layers"):
        run_rule("gru", [(5, 2)], {"dropout": 0.3})


def test_a_conv1d_fed_an_image_has_no_misleading_hint():
    report = infer_shapes(_fed("conv1d", (1, 8, 8)))
    assert report.nodes["conv1d_1"].error == (
        "conv1d_1 expects (channels, length) but input_1 gives (1, 8, 8)")


def test_concatenate_refuses_an_axis_its_inputs_do_not_have():
    with pytest.raises(ShapeMismatch) as mismatch:
        run_rule("concatenate", [(8,), (8,)], {"axis": 1})
    assert mismatch.value.expected == "inputs with an axis 1"
    assert mismatch.value.hint == "choose an axis the inputs have"


def test_concatenate_names_the_input_that_disagrees():
    with pytest.raises(ShapeMismatch) as mismatch:
        run_rule("concatenate", [(4, 6, 6), (2, 6, 6), (2, 5, 6)], {})
    assert mismatch.value.culprit == 2


def test_add_with_a_single_input_asks_for_another():
    network = _net(_input((4,)), make_node("add", "add_1", ("input_1",)))
    assert infer_shapes(network).nodes["add_1"].error == (
        "add_1 needs at least 2 inputs but has 1 (input_1): connect another layer to it.")


def test_a_layer_with_no_input_asks_to_be_connected():
    network = _net(_input((4,)), make_node("dense", "dense_1", ("input_1",)),
                   make_node("relu", "relu_1"))
    assert infer_shapes(network).nodes["relu_1"].error == (
        "relu_1 needs an input: connect a layer to it.")


def test_a_merge_refuses_more_inputs_than_it_allows():
    nodes = [_input((4,))] + [make_node("dense", f"d{i}", ("input_1",)) for i in range(9)]
    network = _net(*nodes, make_node("add", "add_1", tuple(f"d{i}" for i in range(9))))
    assert infer_shapes(network).nodes["add_1"].error == (
        "add_1 takes at most 8 inputs but has 9 (d0, d1, d2, d3, d4, d5, d6, d7, d8): "
        "disconnect some.")


def test_recurrent_layers_return_the_sequence_or_the_last_step():
    assert run_rule("lstm", [(7, 5)], {"units": 3})[0] == (3,)
    assert run_rule("lstm", [(7, 5)], {"units": 3, "return_sequences": True})[0] == (7, 3)
