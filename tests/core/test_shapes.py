"""Shape inference over whole networks, graph-level problems, and the Keras-style summary."""

import pytest

from nnstudio.core.errors import SpecError
from nnstudio.core.network import Network, chain, make_node
from nnstudio.core.shapes import NodeShape, format_shape, infer_shapes, summary


def small_cnn():
    return chain(("input", {"shape": [1, 8, 8]}), ("conv2d", {"filters": 4, "activation": "relu"}),
                 ("maxpool2d", {}), ("flatten", {}), ("dense", {"units": 10}), ("softmax", {}))


def seed_article():
    return chain(("input", {"shape": [2]}), ("dense", {"units": 2, "activation": "relu"}),
                 ("dense", {"units": 1, "activation": "sigmoid"}))


def test_every_node_gets_its_shape_and_parameter_count():
    report = infer_shapes(small_cnn())
    assert report.ok and report.errors == ()
    assert {node_id: (info.shape, info.params) for node_id, info in report.nodes.items()} == {
        "input_1": ((1, 8, 8), 0),
        "conv2d_1": ((4, 6, 6), 40),       # 1*4*3*3 weights + 4 biases
        "maxpool2d_1": ((4, 3, 3), 0),
        "flatten_1": ((36,), 0),
        "dense_1": ((10,), 370),           # 36*10 + 10
        "softmax_1": ((10,), 0),
    }
    assert report.total_params == 410
    assert report.order == tuple(small_cnn().ids())
    assert report.shape("dense_1") == (10,) and report.shape("nope") is None
    report.raise_if_invalid()  # a valid network raises nothing


def test_the_seed_articles_network_has_nine_parameters():
    assert infer_shapes(seed_article()).total_params == (2 * 2 + 2) + (2 * 1 + 1)


def test_an_activation_as_a_parameter_or_as_its_own_layer_gives_the_same_shapes():
    as_param = chain(("input", {"shape": [3]}), ("dense", {"units": 5, "activation": "tanh"}))
    as_layer = chain(("input", {"shape": [3]}), ("dense", {"units": 5}), ("tanh", {}))
    assert infer_shapes(as_param).shape("dense_1") == infer_shapes(as_layer).shape("tanh_1") == (5,)
    assert infer_shapes(as_param).total_params == infer_shapes(as_layer).total_params == 20


def test_a_skip_connection_merges_matching_branches():
    network = Network([
        make_node("input", "input_1", shape=[1, 8, 8]),
        make_node("conv2d", "conv2d_1", ("input_1",), filters=4, padding="same"),
        make_node("relu", "relu_1", ("conv2d_1",)),
        make_node("conv2d", "conv2d_2", ("relu_1",), filters=4, padding="same"),
        make_node("add", "add_1", ("conv2d_1", "conv2d_2")),
        make_node("global_avg_pool", "global_avg_pool_1", ("add_1",)),
        make_node("concatenate", "concatenate_1", ("global_avg_pool_1", "global_avg_pool_1_copy")),
        make_node("dense", "global_avg_pool_1_copy", ("global_avg_pool_1",), units=4),
        make_node("dense", "dense_9", ("concatenate_1",), units=3),
    ])
    report = infer_shapes(network)
    assert report.ok, report.errors
    assert report.shape("add_1") == (4, 8, 8) and report.shape("concatenate_1") == (8,)
    assert report.total_params == 40 + 148 + 20 + 27


def test_an_error_is_reported_once_where_it_starts_and_not_again_downstream():
    network = chain(("input", {"shape": [64]}), ("conv2d", {}), ("flatten", {}), ("dense", {}))
    report = infer_shapes(network)
    assert report.errors == (("conv2d_1", "conv2d_1 expects (channels, height, width) but "
                                          "input_1 gives (64,): add a Reshape before it"),)
    assert report.nodes["flatten_1"] == NodeShape(None) and report.nodes["dense_1"] == NodeShape(None)
    assert report.nodes["input_1"] == NodeShape((64,), 0)


def test_raise_if_invalid_lists_every_problem_one_per_line():
    network = Network(chain(("input", {"shape": [64]}), ("conv2d", {})).nodes
                      + (make_node("relu", "relu_1"),))
    with pytest.raises(SpecError) as error:
        infer_shapes(network).raise_if_invalid()
    lines = str(error.value).splitlines()
    assert lines[0].startswith("The network has 2 ends (conv2d_1, relu_1)")
    assert any(line.startswith("conv2d_1 expects") for line in lines)
    assert "relu_1 needs an input: connect a layer to it." in lines


def test_a_network_without_an_input_layer_is_told_to_add_one():
    network = Network([make_node("dense", "dense_1")])
    assert (None, "The network has no Input layer: add one at the top.") in infer_shapes(network).errors


def test_a_second_input_layer_is_named_as_the_one_to_remove():
    network = Network([
        make_node("input", "input_1"), make_node("input", "input_2"),
        make_node("add", "add_1", ("input_1", "input_2")),
    ])
    assert infer_shapes(network).errors == (
        ("input_2", "input_2: a network has one Input layer; remove this one."),)


def test_two_ends_are_reported_with_both_names():
    network = Network(seed_article().nodes + (make_node("dense", "dense_9", ("dense_1",)),))
    report = infer_shapes(network)
    assert report.errors == (("dense_9", "The network has 2 ends (dense_2, dense_9): connect them "
                                         "so exactly one layer is the output."),)
    assert report.shape("dense_9") == (8,)  # the shapes are still inferred


def test_a_cycle_is_the_only_error_and_no_shapes_are_given():
    network = Network([make_node("input", "input_1"),
                       make_node("dense", "dense_1", ("input_1", "dense_2")),
                       make_node("dense", "dense_2", ("dense_1",))])
    report = infer_shapes(network)
    assert len(report.errors) == 1 and report.errors[0][0] is None
    assert "is part of a cycle" in report.errors[0][1]
    assert report.nodes == {} and report.order == () and report.total_params == 0


def test_an_unknown_layer_type_in_a_live_network_is_an_error_not_a_crash():
    from nnstudio.core.network import Node

    network = Network([make_node("input", "input_1"), Node("x", "maxpool3d", {}, ("input_1",))])
    report = infer_shapes(network)
    assert report.nodes["x"].error == 'x: unknown layer type "maxpool3d"'
    assert "maxpool3d" in summary(network, report)


def test_an_empty_network_only_lacks_an_input():
    report = infer_shapes(Network())
    assert report.errors == ((None, "The network has no Input layer: add one at the top."),)


def test_format_shape_writes_python_tuples_and_a_question_mark_for_unknown():
    assert format_shape((64,)) == "(64,)"
    assert format_shape((1, 8, 8)) == "(1, 8, 8)"
    assert format_shape(None) == "?"


def test_summary_of_a_small_cnn_is_a_keras_style_table():
    assert summary(small_cnn()) == "\n".join([
        "─" * 57,
        "Layer        Type       Output shape  Params  Inputs",
        "─" * 57,
        "input_1      Input      (1, 8, 8)          0",
        "conv2d_1     Conv2d     (4, 6, 6)         40  input_1",
        "maxpool2d_1  MaxPool2d  (4, 3, 3)          0  conv2d_1",
        "flatten_1    Flatten    (36,)              0  maxpool2d_1",
        "dense_1      Dense      (10,)            370  flatten_1",
        "softmax_1    Softmax    (10,)              0  dense_1",
        "─" * 57,
        "Total params: 410",
    ])


def test_summary_columns_line_up_and_large_counts_get_thousands_separators():
    network = chain(("input", {"shape": [784]}), ("dense", {"units": 128}), ("dense", {"units": 10}))
    lines = summary(network).splitlines()
    header = lines[1]
    params_end = header.index("Params") + len("Params")
    for row in lines[3:6]:
        assert row[:params_end].rstrip().endswith(("0", "100,480", "1,290"))
        assert row[params_end - 1] != " "  # counts are right-aligned under "Params"
    assert "100,480" in lines[4] and "1,290" in lines[5]
    assert lines[-1] == "Total params: 101,770"


def test_summary_lists_the_problems_under_the_table():
    network = chain(("input", {"shape": [64]}), ("dense", {"units": 64}), ("conv2d", {}))
    text = summary(network)
    assert "conv2d_1  Conv2d  ?                  0  dense_1" in text.splitlines()
    assert text.splitlines()[-2:] == [
        "Total params: 4,160",
        "Problem: conv2d_1 expects (channels, height, width) but dense_1 gives (64,): "
        "add a Reshape before it",
    ]


def test_summary_of_a_cyclic_network_still_lists_every_layer():
    network = Network([make_node("input", "input_1"),
                       make_node("dense", "dense_1", ("input_1", "dense_2")),
                       make_node("dense", "dense_2", ("dense_1",))])
    text = summary(network)
    assert all(node_id in text for node_id in ("input_1", "dense_1", "dense_2"))
    assert "Problem: " in text and "cycle" in text
