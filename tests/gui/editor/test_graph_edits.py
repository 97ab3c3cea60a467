"""Editor operations without Qt: compound edits, tidy layout, clipboard JSON."""

from __future__ import annotations

import json

import pytest

from nnstudio.core.commands import AddNodeCommand, ConnectCommand, MoveNodesCommand
from nnstudio.core.errors import SpecError
from nnstudio.core.network import Network, chain, make_node
from nnstudio.gui.editor.graph_edits import (
    LAYER_SPACING, CompoundCommand, add_hidden_layer_command, hidden_layers, nodes_from_json,
    nodes_to_json, remove_hidden_layer_command, tidy_positions, units_command,
)


def stack() -> Network:
    return chain(("input", {"shape": (2,)}), ("dense", {"units": 4}), ("dense", {"units": 1}))


def test_a_compound_edit_is_one_change_and_reverts_exactly():
    network = stack()
    before = network.to_dict()
    heard = []
    network.subscribe(lambda: heard.append(1))
    command = CompoundCommand([AddNodeCommand(make_node("relu", "relu_1"), append=True),
                               MoveNodesCommand({"relu_1": (0.0, 500.0)})], "Add and move")
    command.apply(network)
    assert heard == [1]
    assert network.node("relu_1").position == (0.0, 500.0)
    command.revert(network)
    assert network.to_dict() == before


def test_a_compound_edit_with_a_refused_part_changes_nothing():
    network = stack()
    before = network.to_dict()
    command = CompoundCommand([AddNodeCommand(make_node("relu", "relu_1"), append=True),
                               ConnectCommand("relu_1", "input_1")])
    with pytest.raises(SpecError):
        command.apply(network)
    assert network.to_dict() == before


def test_tidy_layout_puts_each_layer_one_row_below_its_deepest_input():
    network = stack()
    positions = tidy_positions(network)
    assert positions["input_1"][1] < positions["dense_1"][1] < positions["dense_2"][1]
    assert positions["dense_2"][1] - positions["dense_1"][1] == LAYER_SPACING
    assert len({x for x, _ in positions.values()}) == 1


def test_tidy_layout_puts_a_skip_connection_beside_the_chain_not_through_it():
    network = chain(("input", {"shape": (4,)}), ("dense", {"units": 4}), ("dense", {"units": 4}),
                    ("add", {}))
    ConnectCommand("input_1", "add_1").apply(network)
    positions = tidy_positions(network)
    assert [positions[i][1] for i in ("input_1", "dense_1", "dense_2", "add_1")] == sorted(
        positions[i][1] for i in ("input_1", "dense_1", "dense_2", "add_1"))
    # the placeholder of the long wire takes a column, so the chain moves to one side
    assert positions["dense_1"][0] != positions["input_1"][0]


def test_copied_layers_keep_wires_inside_the_selection_only():
    network = stack()
    data = json.loads(nodes_to_json(network, ["dense_1", "dense_2"]))
    inputs = {node["id"]: node["inputs"] for node in data["nodes"]}
    assert inputs == {"dense_1": [], "dense_2": ["dense_1"]}


def test_pasted_layers_get_fresh_ids_and_their_wires_follow():
    network = stack()
    nodes = nodes_from_json(nodes_to_json(network, ["dense_1", "dense_2"]), network)
    assert [n.id for n in nodes] == ["dense_3", "dense_4"]
    assert nodes[1].inputs == ("dense_3",)
    assert nodes[0].position == (40.0, 130.0)


def test_pasting_into_a_network_without_those_names_keeps_them():
    source = stack()
    text = nodes_to_json(source, ["dense_2"])
    nodes = nodes_from_json(text, Network(), (0.0, 0.0))
    assert [n.id for n in nodes] == ["dense_2"]


@pytest.mark.parametrize("text", ["", "hello", "[]", '{"format": "other"}',
                                  '{"format": "nnstudio-nodes", "nodes": [{"id": 3}]}'])
def test_text_that_is_not_layers_is_refused_with_a_message(text):
    with pytest.raises(SpecError, match="clipboard"):
        nodes_from_json(text, stack())


# ---- Playground's +/− buttons ----------------------------------------------------------------

def playground_chain() -> Network:
    """Input 2 → Dense 4 → ReLU → Dropout → Dense 3 tanh → Dense 1 sigmoid."""
    return chain(("input", {"shape": (2,)}), ("dense", {"units": 4}), ("relu", {}),
                 ("dropout", {"rate": 0.1}), ("dense", {"units": 3, "activation": "tanh"}),
                 ("dense", {"units": 1, "activation": "sigmoid"}))


def test_hidden_layers_are_the_dense_layers_before_the_output_with_what_folds_into_them():
    layers = hidden_layers(playground_chain())
    assert [[node.id for node in layer] for layer in layers] == [
        ["dense_1", "relu_1", "dropout_1"], ["dense_2"]]


def test_a_neuron_more_or_fewer_and_never_none():
    network = playground_chain()
    units_command(network, "dense_2", 1).apply(network)
    assert network.node("dense_2").params["units"] == 4
    network = chain(("input", {"shape": (2,)}), ("dense", {"units": 1}), ("dense", {"units": 1}))
    with pytest.raises(SpecError, match="at least one neuron"):
        units_command(network, "dense_1", -1)


def test_a_hidden_layer_goes_in_before_the_output_like_the_last_one_and_out_again_exactly():
    network = playground_chain()
    before = network.nodes
    add = add_hidden_layer_command(network)
    add.apply(network)
    new = network.node("dense_4")
    assert new.inputs == ("dense_2",) and network.node("dense_3").inputs == ("dense_4",)
    assert new.params["units"] == 3 and new.params["activation"] == "tanh"
    add.revert(network)
    assert network.nodes == before
    remove = remove_hidden_layer_command(network)
    remove.apply(network)
    assert network.node("dense_3").inputs == ("dropout_1",)
    remove_hidden_layer_command(network).apply(network)  # the first, with its ReLU and dropout
    assert network.node("dense_3").inputs == ("input_1",)
    assert hidden_layers(network) == [] and remove_hidden_layer_command(network) is None
    assert add_hidden_layer_command(network) is not None  # 4 ReLU neurons, when none is left


def test_a_network_whose_output_is_not_dense_gets_no_layer_buttons():
    network = chain(("input", {"shape": (2,)}), ("dense", {"units": 4}), ("softmax", {}))
    assert add_hidden_layer_command(network) is None and hidden_layers(network) == []
