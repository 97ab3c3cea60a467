"""Edit commands: each applies and reverts exactly; refused commands change nothing; and any
sequence of edits undone in reverse order restores the exact original network."""

import math

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from nnstudio.core.commands import (
    AddNodeCommand, AddNodesCommand, ConnectCommand, DisconnectCommand, EditCommand,
    MoveNodesCommand, RemoveNodesCommand, RenameNodeCommand, ReplaceNetworkCommand,
    SetParamCommand,
)
from nnstudio.core.errors import SpecError
from nnstudio.core.layers import BOOL, CHOICE, CHOICE_OR_INT, FLOAT, INT, LAYER_TYPES, SHAPE
from nnstudio.core.network import Network, Node, chain, make_node
from nnstudio.core.shapes import infer_shapes


def seed_article():
    return chain(("input", {"shape": [2]}), ("dense", {"units": 2, "activation": "relu"}),
                 ("dense", {"units": 1, "activation": "sigmoid"}))


def spiral():
    return chain(("input", {"shape": [2]}), ("dense", {"units": 8, "activation": "tanh"}),
                 ("dense", {"units": 8, "activation": "tanh"}),
                 ("dense", {"units": 1, "activation": "sigmoid"}))


def digits_cnn():
    return chain(("input", {"shape": [1, 8, 8]}), ("conv2d", {"filters": 8, "activation": "relu"}),
                 ("maxpool2d", {}), ("flatten", {}), ("dropout", {"rate": 0.2}),
                 ("dense", {"units": 10}), ("softmax", {}))


def residual():
    return Network([
        make_node("input", "input_1", shape=[4]),
        make_node("dense", "dense_1", ("input_1",), units=8),
        make_node("relu", "relu_1", ("dense_1",)),
        make_node("dense", "dense_2", ("relu_1",), units=8),
        make_node("add", "add_1", ("dense_1", "dense_2")),
        make_node("dense", "dense_3", ("add_1",), units=1),
    ])


def ids_and_inputs(network):
    return {n.id: n.inputs for n in network.nodes}


def assert_refused(network, command, match):
    """The command raises SpecError, the network keeps its very tuple, no listener hears it."""
    before, heard = network.nodes, []
    network.subscribe(lambda: heard.append(1))
    with pytest.raises(SpecError, match=match):
        command.apply(network)
    assert network.nodes is before and heard == []


def applied(network, command):
    before = network.nodes
    command.apply(network)
    return before


def assert_reverts(network, command):
    """Apply, revert (back to the very tuple), apply again (the very same result)."""
    before = applied(network, command)
    after = network.nodes
    command.revert(network)
    assert network.nodes is before
    command.apply(network)
    assert network.nodes is after
    return after


# ---- add ----------------------------------------------------------------------------------------

def test_adding_a_layer_alone_leaves_it_unconnected():
    network = seed_article()
    command = AddNodeCommand(make_node("dropout", "dropout_1"))
    assert_reverts(network, command)
    assert network.node("dropout_1").inputs == () and command.text == "Add Dropout"


def test_appending_a_layer_wires_it_after_the_chains_last_layer():
    network = seed_article()
    assert_reverts(network, AddNodeCommand(make_node("sigmoid", "sigmoid_1"), append=True))
    assert network.node("sigmoid_1").inputs == ("dense_2",)
    assert network.output_node().id == "sigmoid_1" and infer_shapes(network).ok


def test_appending_to_an_empty_network_or_one_with_two_ends_leaves_it_unconnected():
    empty = Network()
    AddNodeCommand(make_node("input", "input_1"), append=True).apply(empty)
    AddNodeCommand(make_node("dense", "dense_1"), append=True).apply(empty)
    assert empty.node("dense_1").inputs == ("input_1",)
    AddNodeCommand(make_node("dense", "dense_2"), append=False).apply(empty)
    AddNodeCommand(make_node("relu", "relu_1"), append=True).apply(empty)
    assert empty.node("relu_1").inputs == ()


def test_an_appended_input_layer_takes_no_input():
    network = seed_article()
    AddNodeCommand(make_node("input", "input_2"), append=True).apply(network)
    assert network.node("input_2").inputs == ()


def test_a_layer_dropped_on_a_wire_is_inserted_between_its_ends():
    network = seed_article()
    assert_reverts(network, AddNodeCommand(make_node("dropout", "dropout_1"),
                                           on_wire=("dense_1", "dense_2")))
    assert ids_and_inputs(network) == {"input_1": (), "dense_1": ("input_1",),
                                       "dense_2": ("dropout_1",), "dropout_1": ("dense_1",)}


def test_inserting_on_a_merges_wire_keeps_the_merges_input_order():
    network = residual()
    AddNodeCommand(make_node("relu", "relu_9"), on_wire=("dense_1", "add_1")).apply(network)
    assert network.node("add_1").inputs == ("relu_9", "dense_2")
    assert network.node("relu_1").inputs == ("dense_1",)  # the other wire from dense_1 stays


def test_adding_is_refused_for_a_taken_or_malformed_name_a_missing_wire_or_an_input_on_a_wire():
    network = seed_article()
    assert_refused(network, AddNodeCommand(make_node("relu", "dense_1")),
                   r"^dense_1: a layer with this name already exists$")
    assert_refused(network, AddNodeCommand(Node("bad name", "relu", {}, ())),
                   r"a layer's name is letters")
    assert_refused(network, AddNodeCommand(make_node("relu", "relu_1"), on_wire=("input_1", "dense_2")),
                   r"^dense_2: is not fed by input_1$")
    assert_refused(network, AddNodeCommand(make_node("relu", "relu_1"), on_wire=("input_1", "nope")),
                   r"^nope: there is no such layer$")
    assert_refused(network, AddNodeCommand(make_node("input", "input_2"), on_wire=("input_1", "dense_1")),
                   r"^input_2: an Input layer cannot sit on a wire")


def test_adding_a_node_that_could_not_be_saved_is_refused():
    network = seed_article()
    assert_refused(network, AddNodeCommand(make_node("relu", "relu_1", ("ghost",))),
                   r"^relu_1: its input ghost is not a layer of this network$")
    assert_refused(network, AddNodeCommand(make_node("add", "add_1", ("dense_1", "dense_1"))),
                   r"^add_1: lists the same input twice$")
    assert_refused(network, AddNodeCommand(make_node("relu", "relu_1", ("relu_1",))),
                   r"^relu_1: is part of a cycle")
    assert_refused(network, AddNodeCommand(Node("dense_9", "dense", {"units": 0}, ())),
                   r"^dense_9\.units: must be an integer")
    assert_refused(network, AddNodeCommand(Node("x", "maxpool3d", {}, ())), r'unknown layer type "maxpool3d"')
    assert_refused(network, AddNodeCommand(make_node("relu", "relu_1", position=(math.nan, 0))),
                   r"^relu_1\.position: must be two numbers")


def test_pasting_several_wired_layers_is_one_step():
    network = seed_article()
    pasted = (make_node("dense", "dense_8", ("dense_2",), units=3),
              make_node("relu", "relu_8", ("dense_8",)))
    command = AddNodesCommand(pasted, text="Duplicate")
    assert_reverts(network, command)
    assert network.nodes[-2:] == pasted and command.text == "Duplicate"


def test_pasting_is_refused_for_names_taken_or_repeated():
    network = seed_article()
    assert_refused(network, AddNodesCommand([make_node("relu", "dense_1")]), r"^dense_1: a layer")
    assert_refused(network, AddNodesCommand([make_node("relu", "r"), make_node("tanh", "r")]),
                   r"^r: a layer with this name already exists$")


# ---- remove -------------------------------------------------------------------------------------

def test_removing_a_layer_closes_the_chain_over_the_gap():
    network = spiral()
    command = RemoveNodesCommand(["dense_2"])
    assert_reverts(network, command)
    assert ids_and_inputs(network) == {"input_1": (), "dense_1": ("input_1",),
                                       "dense_3": ("dense_1",)}
    assert command.text == "Delete dense_2" and infer_shapes(network).ok


def test_removing_neighbours_closes_the_chain_over_the_whole_gap():
    network = spiral()
    command = RemoveNodesCommand(["dense_1", "dense_2", "dense_1"])
    command.apply(network)
    assert ids_and_inputs(network) == {"input_1": (), "dense_3": ("input_1",)}
    assert command.text == "Delete 2 layers"


def test_removing_a_merge_disconnects_its_consumer_and_removing_a_branch_shrinks_the_merge():
    network = residual()
    RemoveNodesCommand(["add_1"]).apply(network)
    assert network.node("dense_3").inputs == ()
    network = residual()
    RemoveNodesCommand(["dense_2"]).apply(network)
    assert network.node("add_1").inputs == ("dense_1", "relu_1")


def test_removing_a_layer_whose_input_already_feeds_the_consumer_does_not_double_the_wire():
    network = residual()
    RemoveNodesCommand(["relu_1", "dense_2"]).apply(network)
    assert network.node("add_1").inputs == ("dense_1",)


def test_removing_an_unknown_layer_is_refused():
    assert_refused(seed_article(), RemoveNodesCommand(["dense_1", "ghost"]), r"^ghost: there is no such layer$")


# ---- move ---------------------------------------------------------------------------------------

def test_moving_layers_sets_their_positions_in_one_step():
    network = seed_article()
    command = MoveNodesCommand({"dense_1": (10, 20), "dense_2": (30.5, -4)})
    assert_reverts(network, command)
    assert network.node("dense_1").position == (10.0, 20.0)
    assert network.node("dense_2").position == (30.5, -4.0)
    assert network.node("input_1").position == (0.0, 0.0)
    assert command.text == "Move" and MoveNodesCommand({"dense_1": (0, 0)}).text == "Move dense_1"


@pytest.mark.parametrize("position", [(math.nan, 0), (0, math.inf), (1e8, 0), ("a", 0), (1,)])
def test_moving_to_a_place_a_file_could_not_hold_is_refused(position):
    assert_refused(seed_article(), MoveNodesCommand({"dense_1": position}),
                   r"^dense_1\.position: must be two numbers")


def test_moving_an_unknown_layer_is_refused():
    assert_refused(seed_article(), MoveNodesCommand({"ghost": (0, 0)}), r"^ghost: there is no such")


# ---- connect and disconnect ---------------------------------------------------------------------

def test_connecting_into_a_one_input_layer_replaces_its_input():
    network = spiral()
    command = ConnectCommand("input_1", "dense_2")
    assert_reverts(network, command)
    assert network.node("dense_2").inputs == ("input_1",)
    assert command.text == "Connect input_1 → dense_2"


def test_connecting_into_a_merge_adds_an_input():
    network = residual()
    ConnectCommand("relu_1", "add_1").apply(network)
    assert network.node("add_1").inputs == ("dense_1", "dense_2", "relu_1")


def test_a_connection_that_would_close_a_cycle_is_refused_and_changes_nothing():
    network = spiral()
    assert_refused(network, ConnectCommand("dense_3", "dense_1"), r"is part of a cycle")
    assert_refused(network, ConnectCommand("dense_2", "add_9"), r"^add_9: there is no such layer$")
    network = residual()
    assert_refused(network, ConnectCommand("dense_2", "dense_1"), r"is part of a cycle")


@pytest.mark.parametrize("source, target, message", [
    ("dense_1", "input_1", r"^input_1: an Input layer takes no inputs$"),
    ("dense_1", "dense_1", r"^dense_1: a layer cannot feed itself$"),
    ("input_1", "dense_1", r"^dense_1: is already fed by input_1$"),
    ("ghost", "dense_1", r"^ghost: there is no such layer$"),
])
def test_impossible_connections_are_refused(source, target, message):
    assert_refused(seed_article(), ConnectCommand(source, target), message)


def test_a_full_merge_refuses_another_input():
    nodes = [make_node("input", "input_1")] + [make_node("relu", f"r{i}", ("input_1",)) for i in range(9)]
    network = Network(nodes + [make_node("add", "add_1", tuple(f"r{i}" for i in range(8)))])
    assert_refused(network, ConnectCommand("r8", "add_1"), r"^add_1: takes at most 8 inputs$")


def test_disconnecting_removes_just_that_wire():
    network = residual()
    command = DisconnectCommand("dense_1", "add_1")
    assert_reverts(network, command)
    assert network.node("add_1").inputs == ("dense_2",) and network.node("relu_1").inputs == ("dense_1",)
    assert command.text == "Disconnect dense_1 → add_1"
    assert_refused(network, DisconnectCommand("dense_1", "add_1"), r"^add_1: is not fed by dense_1$")
    assert_refused(network, DisconnectCommand("dense_1", "ghost"), r"^ghost: there is no such layer$")


# ---- parameters ---------------------------------------------------------------------------------

def test_setting_a_parameter_validates_it_into_its_canonical_type():
    network = seed_article()
    command = SetParamCommand("dense_1", "units", 16.0)
    assert_reverts(network, command)
    assert network.node("dense_1").params["units"] == 16
    assert type(network.node("dense_1").params["units"]) is int
    assert command.text == "Set dense_1.units"


def test_a_bad_or_unknown_parameter_is_refused_naming_the_field():
    network = seed_article()
    assert_refused(network, SetParamCommand("dense_1", "units", 0),
                   r"^dense_1\.units: must be an integer from 1 to 4096, got 0$")
    assert_refused(network, SetParamCommand("dense_1", "kernel", 3),
                   r"^dense_1\.kernel: Dense has no such setting$")
    assert_refused(network, SetParamCommand("ghost", "units", 3), r"^ghost: there is no such layer$")


def test_spinning_one_parameter_merges_into_one_undo_step():
    network = seed_article()
    original = network.nodes
    first = SetParamCommand("dense_1", "units", 3)
    first.apply(network)
    for value in (4, 5, 6):
        later = SetParamCommand("dense_1", "units", value)
        later.apply(network)
        assert first.merge(later)
    final = network.nodes
    first.revert(network)
    assert network.nodes is original
    first.apply(network)
    assert network.nodes is final and network.node("dense_1").params["units"] == 6


def test_different_parameters_layers_or_commands_do_not_merge():
    network = seed_article()
    first = SetParamCommand("dense_1", "units", 3)
    first.apply(network)
    other_name = SetParamCommand("dense_1", "activation", "tanh")
    other_layer = SetParamCommand("dense_2", "units", 3)
    for later in (other_name, other_layer):
        later.apply(network)
        assert not first.merge(later)
    move = MoveNodesCommand({"dense_1": (1, 1)})
    move.apply(network)
    assert not first.merge(move) and not move.merge(first)


def test_a_refused_change_never_merges():
    network = seed_article()
    first = SetParamCommand("dense_1", "units", 3)
    first.apply(network)
    refused = SetParamCommand("dense_1", "units", -1)
    with pytest.raises(SpecError):
        refused.apply(network)
    assert not first.merge(refused)


# ---- rename and replace -------------------------------------------------------------------------

def test_renaming_a_layer_updates_every_wire_that_names_it():
    network = residual()
    command = RenameNodeCommand("dense_1", "encoder")
    assert_reverts(network, command)
    assert "dense_1" not in network and network.node("encoder").type == "dense"
    assert network.node("relu_1").inputs == ("encoder",)
    assert network.node("add_1").inputs == ("encoder", "dense_2")
    assert command.text == "Rename dense_1 to encoder"
    assert network.ids().index("encoder") == 1  # it keeps its place


@pytest.mark.parametrize("new, message", [
    ("dense_2", r"^dense_1: the name dense_2 is taken$"),
    ("2nd", r"^dense_1: a name is letters, digits and _"),
    ("", r"^dense_1: a name is letters"),
    (None, r"^dense_1: a name is letters"),
])
def test_renaming_to_a_taken_or_malformed_name_is_refused(new, message):
    assert_refused(residual(), RenameNodeCommand("dense_1", new), message)


def test_renaming_to_the_same_name_is_harmless():
    network = residual()
    RenameNodeCommand("dense_1", "dense_1").apply(network)
    assert ids_and_inputs(network) == ids_and_inputs(residual())


def test_replacing_the_network_is_one_step_and_refuses_a_broken_graph():
    network = seed_article()
    command = ReplaceNetworkCommand(spiral().nodes, text="Tidy layout")
    assert_reverts(network, command)
    assert network.nodes == spiral().nodes and command.text == "Tidy layout"
    loop = (make_node("relu", "a", ("b",)), make_node("relu", "b", ("a",)))
    assert_refused(network, ReplaceNetworkCommand(loop), r"is part of a cycle")
    twice = (make_node("relu", "a"), make_node("relu", "a"))
    assert_refused(network, ReplaceNetworkCommand(twice), r"^a: a layer with this name already exists$")


# ---- the base class -----------------------------------------------------------------------------

def test_reverting_a_command_that_never_applied_is_a_programming_error():
    with pytest.raises(RuntimeError, match="revert before apply"):
        SetParamCommand("dense_1", "units", 3).revert(seed_article())


def test_a_command_computes_its_result_once_so_redo_does_not_depend_on_the_network():
    network = seed_article()
    command = SetParamCommand("dense_1", "units", 5)
    command.apply(network)
    result = network.nodes
    command.revert(network)
    command.apply(network)
    assert network.nodes is result


def test_listeners_hear_each_apply_and_each_revert_once():
    network, heard = seed_article(), []
    original = network.nodes
    network.subscribe(lambda: heard.append(network.nodes))
    command = RemoveNodesCommand(["dense_1"])
    command.apply(network)
    command.revert(network)
    assert [len(nodes) for nodes in heard] == [2, 3] and heard[1] is original


def test_the_base_command_has_nothing_to_build():
    with pytest.raises(NotImplementedError):
        EditCommand().apply(seed_article())


# ---- any sequence of edits undoes exactly ---------------------------------------------------------

STARTS = {"seed_article": seed_article, "spiral": spiral, "digits_cnn": digits_cnn,
          "residual": residual}
BAD_VALUES = st.sampled_from(["x", None, -1, 10**9, 2.5, True, [], {"a": 1}, math.nan])
BAD_IDS = st.sampled_from(["ghost", "", "1abc", "has space", "a" * 41])


def valid_value(spec):
    if spec.kind == INT:
        return st.integers(int(spec.minimum if spec.minimum is not None else -100),
                           int(spec.maximum if spec.maximum is not None else 100))
    if spec.kind == FLOAT:
        return st.floats(spec.minimum if spec.minimum is not None else -100.0,
                         spec.maximum if spec.maximum is not None else 100.0)
    if spec.kind == BOOL:
        return st.booleans()
    if spec.kind == CHOICE:
        return st.sampled_from(spec.choices)
    if spec.kind == CHOICE_OR_INT:
        return st.sampled_from(spec.choices) | st.integers(int(spec.minimum), int(spec.maximum))
    assert spec.kind == SHAPE
    return st.lists(st.integers(1, 16), min_size=1, max_size=3)


POSITIONS = st.tuples(st.floats(-1e4, 1e4), st.floats(-1e4, 1e4)) | st.sampled_from(
    [(math.nan, 0.0), (0.0, math.inf), (2e7, 0.0)])


class EditSequence(RuleBasedStateMachine):
    """Random edits, some refused, on example-like networks, as an undo stack would hold them."""

    @initialize(start=st.sampled_from(sorted(STARTS)))
    def start(self, start):
        self.network = STARTS[start]()
        self.original = self.network.nodes
        self.original_dict = self.network.to_dict()
        self.done: list[EditCommand] = []      # the undo stack
        self.before: list[tuple] = []          # the tuple before each entry, to check each undo
        self.after: list[tuple] = []           # the tuple after each entry, to check each redo

    def existing_or_bad(self, data):
        if self.network.ids() and data.draw(st.integers(0, 9)) > 0:
            return data.draw(st.sampled_from(self.network.ids()))
        return data.draw(BAD_IDS)

    def new_id(self, data, type_key):
        if data.draw(st.integers(0, 9)) == 0:
            return data.draw(BAD_IDS | st.sampled_from(self.network.ids() or ["x"]))
        return self.network.unique_id(type_key)

    def do(self, command):
        before, dict_before, heard = self.network.nodes, self.network.to_dict(), []
        listener = lambda: heard.append(1)  # noqa: E731
        self.network.subscribe(listener)
        try:
            command.apply(self.network)
        except SpecError:
            assert self.network.nodes is before and heard == []
            assert self.network.to_dict() == dict_before
            event(f"{type(command).__name__} refused")
            return
        finally:
            self.network.unsubscribe(listener)
        event(f"{type(command).__name__} applied")
        if self.done and self.done[-1].merge(command):
            self.after[-1] = self.network.nodes
        else:
            self.done.append(command)
            self.before.append(before)
            self.after.append(self.network.nodes)

    @rule(data=st.data(), type_key=st.sampled_from(sorted(LAYER_TYPES)),
          mode=st.sampled_from(["alone", "append", "wire"]))
    def add(self, data, type_key, mode):
        node = make_node(type_key, self.network.unique_id(type_key),
                         position=data.draw(st.tuples(st.floats(-500, 500), st.floats(-500, 500))))
        node_id = self.new_id(data, type_key)
        if isinstance(node_id, str) and node_id != node.id:
            node = Node(node_id, node.type, node.params, node.inputs, node.position)
        wire = None
        if mode == "wire":
            wired = [(s, n.id) for n in self.network.nodes for s in n.inputs]
            wire = data.draw(st.sampled_from(wired)) if wired and data.draw(st.booleans()) else (
                self.existing_or_bad(data), self.existing_or_bad(data))
        self.do(AddNodeCommand(node, append=mode == "append", on_wire=wire))

    @rule(data=st.data())
    def paste(self, data):
        first = make_node("dense", self.network.unique_id("dense"), units=3)
        source = self.existing_or_bad(data)
        second = make_node("relu", data.draw(st.sampled_from([first.id, "pasted_relu"])),
                           (first.id,) if data.draw(st.booleans()) else (source,))
        self.do(AddNodesCommand([first, second]))

    @rule(data=st.data())
    def remove(self, data):
        ids = [self.existing_or_bad(data) for _ in range(data.draw(st.integers(1, 3)))]
        self.do(RemoveNodesCommand(ids))

    @rule(data=st.data(), position=POSITIONS)
    def move(self, data, position):
        self.do(MoveNodesCommand({self.existing_or_bad(data): position}))

    @rule(data=st.data())
    def connect(self, data):
        self.do(ConnectCommand(self.existing_or_bad(data), self.existing_or_bad(data)))

    @rule(data=st.data())
    def disconnect(self, data):
        wired = [(s, n.id) for n in self.network.nodes for s in n.inputs]
        if wired and data.draw(st.booleans()):
            source, target = data.draw(st.sampled_from(wired))
        else:
            source, target = self.existing_or_bad(data), self.existing_or_bad(data)
        self.do(DisconnectCommand(source, target))

    @precondition(lambda self: len(self.network) > 0)
    @rule(data=st.data())
    def set_param(self, data):
        node = data.draw(st.sampled_from(self.network.nodes))
        specs = list(LAYER_TYPES[node.type].schema)
        if not specs or data.draw(st.integers(0, 9)) == 0:
            self.do(SetParamCommand(node.id, "no_such_setting", 1))
            return
        spec = data.draw(st.sampled_from(specs))
        value = data.draw(valid_value(spec) if data.draw(st.integers(0, 3)) else BAD_VALUES)
        self.do(SetParamCommand(node.id, spec.name, value))

    @rule(data=st.data())
    def rename(self, data):
        old = self.existing_or_bad(data)
        new = data.draw(st.sampled_from(["renamed", "other_1", "x9"]) | BAD_IDS
                        | st.sampled_from(self.network.ids() or ["y"]))
        self.do(RenameNodeCommand(old, new))

    @rule(start=st.sampled_from(sorted(STARTS)))
    def replace(self, start):
        self.do(ReplaceNetworkCommand(STARTS[start]().nodes))

    @invariant()
    def every_state_can_be_saved_loaded_and_inferred(self):
        if not hasattr(self, "network"):
            return
        infer_shapes(self.network)  # never crashes, whatever the graph
        assert Network.from_dict(self.network.to_dict()).nodes == self.network.nodes

    def teardown(self):
        if not hasattr(self, "network"):
            return
        final, final_dict = self.network.nodes, self.network.to_dict()
        for command, before in zip(reversed(self.done), reversed(self.before)):
            command.revert(self.network)
            assert self.network.nodes is before
        assert self.network.nodes is self.original
        assert self.network.to_dict() == self.original_dict
        for command, after in zip(self.done, self.after):
            command.apply(self.network)
            assert self.network.nodes is after
        assert self.network.nodes is final and self.network.to_dict() == final_dict


EditSequence.TestCase.settings = settings(
    max_examples=150, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_any_edits_undo_in_reverse_to_the_exact_original_and_redo_to_the_exact_result = (
    EditSequence.TestCase)
