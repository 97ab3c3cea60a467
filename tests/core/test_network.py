"""The network graph: nodes, reading, order, cycles, and files that name every bad field."""

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core.errors import SpecError
from nnstudio.core.network import MAX_NODES, Network, Node, chain, make_node
from nnstudio.core.shapes import infer_shapes

ROOT = Path(__file__).resolve().parents[2]


def residual():
    """input → dense_1 → relu_1 → dense_2 → add_1(dense_1, dense_2) → dense_3: a skip."""
    return Network([
        make_node("input", "input_1", shape=[4]),
        make_node("dense", "dense_1", ("input_1",), units=8),
        make_node("relu", "relu_1", ("dense_1",)),
        make_node("dense", "dense_2", ("relu_1",), units=8),
        make_node("add", "add_1", ("dense_1", "dense_2")),
        make_node("dense", "dense_3", ("add_1",), units=1, activation="sigmoid"),
    ])


def small_cnn():
    return chain(("input", {"shape": [1, 8, 8]}), ("conv2d", {"filters": 4, "activation": "relu"}),
                 ("maxpool2d", {}), ("flatten", {}), ("dense", {"units": 10}), ("softmax", {}))


# ---- nodes ---------------------------------------------------------------------------------------

def test_make_node_fills_every_default_and_validates_the_rest():
    node = make_node("conv2d", "conv2d_1", ["input_1"], (10, 20), filters=16)
    assert node.params == {"filters": 16, "kernel": 3, "stride": 1, "padding": "valid",
                           "dilation": 1, "activation": "linear", "use_bias": True,
                           "initializer": "default", "init_value": 0.0,
                           "padding_mode": "zeros"}
    assert node.inputs == ("input_1",) and node.position == (10.0, 20.0)
    with pytest.raises(SpecError, match=r"^conv2d_1\.params\.kernel: must be an integer from 1 to 15"):
        make_node("conv2d", "conv2d_1", kernel=0)


def test_make_node_refuses_an_unknown_type_and_a_malformed_id():
    with pytest.raises(SpecError, match=r'^x: unknown layer type "transformer"$'):
        make_node("transformer", "x")
    for bad in ("1dense", "has space", "", "a" * 41, "dense-1"):
        with pytest.raises(SpecError, match=r"a layer's name is letters, digits and _"):
            make_node("dense", bad)


def test_nodes_are_immutable_and_with_params_makes_a_new_one():
    node = make_node("dense", "dense_1")
    with pytest.raises(AttributeError):
        node.id = "other"
    wider = node.with_params(units=32)
    assert (wider.params["units"], node.params["units"]) == (32, 8)


def test_node_to_dict_is_plain_json_with_float_positions():
    node = make_node("input", "input_1", position=(3, -0.001), shape=[1, 8, 8])
    assert node.to_dict() == {"id": "input_1", "type": "input", "params": {"shape": [1, 8, 8]},
                              "inputs": [], "position": [3.0, 0.0]}
    assert json.dumps(node.to_dict()["position"]) == "[3.0, 0.0]"  # never "3" nor "-0.0"


# ---- reading ---------------------------------------------------------------------------------------

def test_readers_find_nodes_consumers_inputs_and_the_single_output():
    network = residual()
    assert len(network) == 6 and "relu_1" in network and "relu_9" not in network
    assert network.node("add_1").inputs == ("dense_1", "dense_2")
    assert network.ids() == ["input_1", "dense_1", "relu_1", "dense_2", "add_1", "dense_3"]
    assert [n.id for n in network.consumers("dense_1")] == ["relu_1", "add_1"]
    assert [n.id for n in network.input_nodes()] == ["input_1"]
    assert network.output_node().id == "dense_3" and network.chain_tail().id == "dense_3"
    with pytest.raises(KeyError):
        network.node("nope")


def test_there_is_no_single_output_when_two_layers_end_the_network():
    network = Network(residual().nodes + (make_node("dense", "dense_9", ("relu_1",)),))
    assert [n.id for n in network.output_nodes()] == ["dense_3", "dense_9"]
    assert network.output_node() is None


def test_unique_id_takes_the_first_free_number():
    network = residual()
    assert network.unique_id("dense") == "dense_4"
    assert network.unique_id("conv2d") == "conv2d_1"


def test_chain_wires_a_plain_stack_top_to_bottom():
    network = small_cnn()
    assert network.ids() == ["input_1", "conv2d_1", "maxpool2d_1", "flatten_1", "dense_1",
                             "softmax_1"]
    assert [n.inputs for n in network.nodes][1:] == [(i,) for i in network.ids()[:-1]]
    assert [n.position for n in network.nodes][:2] == [(0.0, 0.0), (0.0, 90.0)]


def test_listeners_hear_each_change_and_not_a_no_change():
    network, calls = residual(), []
    network.subscribe(lambda: calls.append(len(network)))
    network.set_nodes(network.nodes)
    network.set_nodes(network.nodes[:-1])
    assert calls == [5]
    listener = calls.append
    network.subscribe(listener)
    network.unsubscribe(listener)
    network.set_nodes(network.nodes[:-1])
    assert calls == [5, 4]


# ---- order and cycles ------------------------------------------------------------------------------

def test_topological_order_puts_every_input_before_its_consumers_whatever_the_listing():
    nodes = residual().nodes
    scrambled = Network(tuple(reversed(nodes)))
    order = [n.id for n in scrambled.topological_order()]
    assert sorted(order) == sorted(n.id for n in nodes)
    for node in nodes:
        for source in node.inputs:
            assert order.index(source) < order.index(node.id)
    assert [n.id for n in residual().topological_order()] == residual().ids()


def test_a_cycle_is_refused_with_a_node_on_it_named():
    network = Network([
        make_node("input", "input_1", shape=[4]),
        make_node("dense", "dense_1", ("input_1", "dense_3")),
        make_node("dense", "dense_2", ("dense_1",)),
        make_node("dense", "dense_3", ("dense_2",)),
        make_node("dense", "dense_4", ("dense_3",)),
    ])
    with pytest.raises(SpecError) as error:
        network.topological_order()
    named = str(error.value).split(":")[0]
    assert named in {"dense_1", "dense_2", "dense_3"}
    assert str(error.value) == f"{named}: is part of a cycle; a network must flow one way"


def test_a_layer_feeding_itself_is_a_cycle():
    network = Network([make_node("input", "input_1"), make_node("relu", "relu_1", ("relu_1",))])
    with pytest.raises(SpecError, match=r"^relu_1: is part of a cycle"):
        network.topological_order()


def test_order_tolerates_an_input_that_names_no_node_and_inference_reports_it():
    network = Network([make_node("input", "input_1"), make_node("dense", "dense_1", ("ghost",))])
    assert [n.id for n in network.topological_order()] == ["input_1", "dense_1"]
    assert infer_shapes(network).nodes["dense_1"].error == (
        "dense_1 reads from ghost, which does not exist: connect it to a layer of this network.")


def test_a_deep_chain_orders_without_recursion_limits():
    layers = [("input", {"shape": [2]})] + [("relu", {})] * (MAX_NODES - 1)
    network = chain(*layers)
    assert len(network.topological_order()) == MAX_NODES


# ---- files -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("build", [residual, small_cnn])
def test_to_dict_and_from_dict_round_trip_to_the_same_nodes_and_the_same_json(build):
    network = build()
    data = network.to_dict()
    again = Network.from_dict(copy.deepcopy(data))
    assert again.nodes == network.nodes
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(data, sort_keys=True)
    assert json.loads(json.dumps(data)) == data  # plain JSON: no tuples, no objects


def test_from_dict_fills_missing_optional_fields_with_defaults():
    network = Network.from_dict({"nodes": [{"id": "input_1", "type": "input"},
                                           {"id": "d", "type": "dense", "inputs": ["input_1"]}]})
    assert network.node("input_1").params == {"shape": (2,)}
    assert network.node("d").position == (0.0, 0.0) and network.node("d").params["units"] == 8


def file_with(mutate):
    data = small_cnn().to_dict()
    mutate(data)
    return data


def _set(path, value):
    def mutate(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return mutate


def _delete(path):
    def mutate(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return mutate


FILE_ERRORS = [
    (_set(["nodes", 3, "params", "kernel"], "x"),
     'network.nodes[3].params.kernel: unknown setting (allowed: none)'),
    (_set(["nodes", 1, "params", "kernel"], "x"),
     'network.nodes[1].params.kernel: must be an integer from 1 to 15, got "x"'),
    (_set(["nodes", 4, "params", "units"], 0),
     "network.nodes[4].params.units: must be an integer from 1 to 4096, got 0"),
    (_set(["nodes", 4, "params", "activation"], "swish"),
     'network.nodes[4].params.activation: must be one of "linear", "relu", "leaky_relu", "elu", '
     '"gelu", "sigmoid", "tanh", "softmax", "sine", got "swish"'),
    (_set(["nodes", 0, "params", "shape"], [0, 8]),
     "network.nodes[0].params.shape: must be a list of 1 to 4 positive integers, got a list"),
    (_set(["nodes", 2, "params"], []),
     "network.nodes[2].params: must be an object of settings, got a list"),
    (_set(["nodes", 2, "type"], "maxpool3d"), 'network.nodes[2].type: unknown layer type "maxpool3d"'),
    (_delete(["nodes", 2, "type"]), "network.nodes[2].type: unknown layer type null"),
    (_set(["nodes", 2, "id"], "2pool"),
     'network.nodes[2].id: must be a short name of letters, digits and _, got "2pool"'),
    (_set(["nodes", 2, "id"], "conv2d_1"), 'network.nodes[2].id: "conv2d_1" is used twice'),
    (_set(["nodes", 2, "inputs"], "conv2d_1"),
     'network.nodes[2].inputs: must be a list of node ids, got "conv2d_1"'),
    (_set(["nodes", 2, "inputs"], ["conv2d_1", "conv2d_1"]),
     "network.nodes[2].inputs: lists the same node twice"),
    (_set(["nodes", 2, "inputs"], ["ghost"]), 'network.nodes[2].inputs: no node has the id "ghost"'),
    (_set(["nodes", 2, "position"], [1, "2"]),
     "network.nodes[2].position: must be two numbers [x, y] within ±10,000,000, got a list"),
    (_set(["nodes", 2, "position"], [1, 1e9]),
     "network.nodes[2].position: must be two numbers [x, y] within ±10,000,000, got a list"),
    (_set(["nodes", 2, "colour"], "red"), "network.nodes[2].colour: unknown field"),
    (_set(["nodes", 2], "maxpool"), 'network.nodes[2]: must be an object, got "maxpool"'),
    (_set(["nodes"], {}), "network.nodes: must be a list of nodes, got a dict"),
    (_delete(["nodes"]), "network.nodes: must be a list of nodes, got null"),
    (_set(["edges"], []), "network.edges: unknown field"),
    (_set(["nodes", 0, "inputs"], ["softmax_1"]),
     "input_1: is part of a cycle; a network must flow one way"),
]


@pytest.mark.parametrize("mutate, message", FILE_ERRORS, ids=[m for _, m in FILE_ERRORS])
def test_from_dict_names_the_bad_field(mutate, message):
    with pytest.raises(SpecError) as error:
        Network.from_dict(file_with(mutate))
    assert str(error.value) == message


def test_the_issues_example_message_for_a_bad_kernel():
    data = {"nodes": [n.to_dict() for n in chain(
        ("input", {"shape": [1, 8, 8]}), ("conv2d", {}), ("conv2d", {}), ("conv2d", {})).nodes]}
    data["nodes"][3]["params"]["kernel"] = "x"
    with pytest.raises(SpecError) as error:
        Network.from_dict(data)
    assert str(error.value) == 'network.nodes[3].params.kernel: must be an integer from 1 to 15, got "x"'


def test_from_dict_refuses_a_non_object_and_too_many_nodes_and_uses_the_given_place():
    with pytest.raises(SpecError, match=r"^project\.network: must be an object with a list of nodes, got 3$"):
        Network.from_dict(3, "project.network")
    nodes = [{"id": f"n{i}", "type": "relu"} for i in range(MAX_NODES + 1)]
    with pytest.raises(SpecError, match=rf"^network\.nodes: at most {MAX_NODES} nodes, got {MAX_NODES + 1}$"):
        Network.from_dict({"nodes": nodes})


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def mutated_files(draw):
    """A valid network file with one value somewhere replaced, added or deleted."""
    data = (residual() if draw(st.booleans()) else small_cnn()).to_dict()
    containers = [data]
    stack = [data]
    while stack:
        item = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, (dict, list)):
                containers.append(child)
                stack.append(child)
    target = draw(st.sampled_from(containers))
    keys = list(target) if isinstance(target, dict) else list(range(len(target)))
    action = draw(st.sampled_from(["set", "delete", "add"]))
    if action == "add" or not keys:
        key = draw(st.text(max_size=6)) if isinstance(target, dict) else len(target)
        if isinstance(target, dict):
            target[key] = draw(JSON_VALUES)
        else:
            target.append(draw(JSON_VALUES))
    elif action == "delete":
        del target[draw(st.sampled_from(keys))]
    else:
        target[draw(st.sampled_from(keys))] = draw(JSON_VALUES)
    return data


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_files())
def test_any_mutated_file_loads_or_fails_with_a_spec_error_naming_the_network(data):
    try:
        network = Network.from_dict(data)
    except SpecError as error:
        assert str(error).startswith(("network", "input_", "dense_", "relu_", "add_", "conv2d_",
                                      "maxpool2d_", "flatten_", "softmax_")), str(error)
    else:
        infer_shapes(network)  # whatever loads can be inferred without crashing
        assert Network.from_dict(network.to_dict()).nodes == network.nodes


def test_node_equality_ignores_nothing_that_is_saved():
    node = make_node("dense", "dense_1")
    assert node == Node("dense_1", "dense", dict(node.params), (), (0.0, 0.0))
    assert node != node.with_params(units=9)


# ---- settings added after format 1 ---------------------------------------------------------------

OLD_FILES = sorted([*(ROOT / "examples").glob("*.nnstudio"),
                    *(ROOT / "tests" / "fixtures" / "v1").glob("*.nnstudio")])


@pytest.mark.parametrize("path", OLD_FILES, ids=[p.name for p in OLD_FILES])
def test_a_network_saved_before_the_padding_and_recurrent_options_loads_and_saves_unchanged(path):
    written = json.loads(path.read_text(encoding="utf-8"))["network"]
    network = Network.from_dict(written)
    assert network.to_dict() == written  # no new key appears while it has its default


def test_new_layer_options_are_written_once_they_differ_from_the_old_behaviour():
    network = chain(("input", {"shape": [1, 40]}),
                    ("conv1d", {"padding": 1, "padding_mode": "reflect"}),
                    ("maxpool1d", {"padding": 1}), ("reshape", {"shape": [8, 20]}),
                    ("gru", {"units": 6, "bidirectional": True}))
    params = {node["id"]: node["params"] for node in network.to_dict()["nodes"]}
    assert params["conv1d_1"]["padding"] == 1 and params["conv1d_1"]["padding_mode"] == "reflect"
    assert params["maxpool1d_1"]["padding"] == 1
    assert params["gru_1"]["bidirectional"] is True and "num_layers" not in params["gru_1"]
    assert list(Network.from_dict(network.to_dict()).nodes) == list(network.nodes)
