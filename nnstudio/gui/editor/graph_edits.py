"""Editor operations on the network that need no Qt: compound edits, tidy layout, copy and paste.

Kept free of Qt so they are tested in milliseconds and read like the core.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Iterable

from nnstudio.core.commands import (
    AddNodeCommand, EditCommand, MoveNodesCommand, RemoveNodesCommand, SetParamCommand,
)
from nnstudio.core.errors import SpecError
from nnstudio.core.layers import layer_type
from nnstudio.core.network import Network, Node, make_node

NODE_WIDTH = 210.0
NODE_HEIGHT = 60.0
LAYER_SPACING = 100.0  # vertical distance between layers in a tidy layout
COLUMN_SPACING = NODE_WIDTH + 40.0
CLIPBOARD_FORMAT = "nnstudio-nodes"


class CompoundCommand(EditCommand):
    """Several edits as one undo step, e.g. delete layers and wires, or insert and make room.

    The parts run on a private copy of the graph, so listeners hear one change, and a part that
    does not fit (SpecError) leaves the network untouched.
    """

    def __init__(self, parts: Iterable[EditCommand], text: str = "Edit"):
        super().__init__()
        self.parts, self.text = tuple(parts), text

    def _build(self, network: Network) -> Iterable[Node]:
        scratch = Network(network.nodes)
        for part in self.parts:
            part.apply(scratch)
        return scratch.nodes


def insert_on_wire(network: Network, node: Node, wire: tuple[str, str]) -> CompoundCommand:
    """Insert `node` on the wire `wire` (source, target); when the two layers sit close, the
    target and everything below it move down a row to make room."""
    source, target = network.node(wire[0]), network.node(wire[1])
    parts: list[EditCommand] = []
    if target.position[1] - source.position[1] < 2 * LAYER_SPACING - 1:
        node = replace(node, position=target.position)
        below = downstream(network, target.id)
        parts.append(MoveNodesCommand({
            i: (network.node(i).position[0], network.node(i).position[1] + LAYER_SPACING)
            for i in below}))
    parts.insert(0, AddNodeCommand(node, on_wire=wire))
    return CompoundCommand(parts, f"Insert {layer_type(node.type).name}")


def downstream(network: Network, node_id: str) -> list[str]:
    """`node_id` and every layer fed by it, directly or not."""
    seen, todo = [], [node_id]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.append(current)
        todo.extend(n.id for n in network.consumers(current))
    return seen


# ---- neurons and layers, as Playground's +/− buttons -------------------------------------

def units_command(network: Network, node_id: str, change: int) -> SetParamCommand:
    """One more (`change` 1) or one fewer (-1) neuron in Dense layer `node_id`; spinning the
    inspector's units and clicking +/− in a row are one undo step. SpecError below one unit."""
    units = int(network.node(node_id).params["units"]) + change
    if units < 1:
        raise SpecError(f"{node_id}: a layer keeps at least one neuron")
    return SetParamCommand(node_id, "units", units)


def hidden_layers(network: Network) -> list[tuple[Node, ...]]:
    """The hidden Dense layers on the chain into the network's Dense output, first to last,
    each with the activations and dropout that follow it (which the network view folds in)."""
    output = network.output_node()
    if output is None or output.type != "dense" or len(output.inputs) != 1:
        return []
    chain: list[Node] = []
    node = network.node(output.inputs[0])
    while node.type != "input" and len(node.inputs) == 1:
        chain.insert(0, node)
        node = network.node(node.inputs[0])
    layers: list[list[Node]] = []
    folding = False  # the node before was a Dense layer or folded into one
    for node in chain:
        if node.type == "dense":
            layers.append([node])
            folding = True
        elif folding and layer_type(node.type).folds:
            layers[-1].append(node)
        else:
            folding = False
    return [tuple(layer) for layer in layers]


def add_hidden_layer_command(network: Network) -> CompoundCommand | None:
    """A Dense layer inserted before the Dense output layer, with the units and activation of
    the last hidden Dense layer (4 ReLU neurons when there is none); None for a network whose
    output is not a Dense layer fed by one other layer."""
    output = network.output_node()
    if output is None or output.type != "dense" or len(output.inputs) != 1:
        return None
    hidden = hidden_layers(network)
    like = hidden[-1][0].params if hidden else {"units": 4, "activation": "relu"}
    node = make_node("dense", network.unique_id("dense"), units=like["units"],
                     activation=like.get("activation", "relu"))
    return insert_on_wire(network, node, (output.inputs[0], output.id))


def remove_hidden_layer_command(network: Network) -> RemoveNodesCommand | None:
    """Remove the last hidden Dense layer with what is folded into it (the layers on either
    side join up); None when there is none."""
    hidden = hidden_layers(network)
    if not hidden:
        return None
    return RemoveNodesCommand(node.id for node in hidden[-1])


# ---- tidy layout ----------------------------------------------------------------------------

def tidy_positions(network: Network) -> dict[str, tuple[float, float]]:
    """A layered top-to-bottom layout: each layer one row below its deepest input.

    Long wires get placeholder slots so a skip connection runs beside the chain, not through it;
    within a row nodes keep the order of their inputs (barycentre), which keeps wires uncrossed.
    The layout stays where the graph was: it starts at the top-left node's row and centre.
    """
    order = network.topological_order()
    if not order:
        return {}
    depth: dict[str, int] = {}
    for node in order:
        depth[node.id] = 1 + max((depth[i] for i in node.inputs), default=-1)
    rows: list[list[str]] = [[] for _ in range(max(depth.values()) + 1)]
    parents: dict[str, list[str]] = {}
    for node in sorted(order, key=lambda n: n.position[0]):
        rows[depth[node.id]].append(node.id)
    for node in order:
        parents.setdefault(node.id, [])
        for source in node.inputs:
            # A wire spanning several rows passes through one placeholder per row in between.
            previous = source
            for row in range(depth[source] + 1, depth[node.id]):
                dummy = f"\0{source}>{node.id}@{row}"
                rows[row].append(dummy)
                parents[dummy] = [previous]
                previous = dummy
            parents[node.id].append(previous)
    slot: dict[str, float] = {}
    for row in rows:
        if any(parents.get(item) for item in row):
            row.sort(key=lambda item: _barycentre(parents.get(item, []), slot))
        for index, item in enumerate(row):
            slot[item] = index - (len(row) - 1) / 2
    top = min(n.position[1] for n in order)
    centre = sum(n.position[0] for n in order) / len(order)
    centre = round(centre / 10) * 10
    return {n.id: (centre + slot[n.id] * COLUMN_SPACING, top + depth[n.id] * LAYER_SPACING)
            for n in order}


def _barycentre(sources: list[str], slot: dict[str, float]) -> float:
    placed = [slot[s] for s in sources if s in slot]
    return sum(placed) / len(placed) if placed else 0.0


def changed_positions(network: Network, positions: dict[str, tuple[float, float]]
                      ) -> dict[str, tuple[float, float]]:
    """Only the entries of `positions` that differ from where the nodes are now."""
    return {node_id: pos for node_id, pos in positions.items()
            if tuple(network.node(node_id).position) != tuple(pos)}


def position_below(network: Network, node_id: str | None) -> tuple[float, float]:
    """Where a layer appended after `node_id` goes: one row below it (or at the top)."""
    if node_id is None or node_id not in network:
        if not len(network):
            return (0.0, 0.0)
        lowest = max(network.nodes, key=lambda n: n.position[1])
        return (lowest.position[0] + COLUMN_SPACING, lowest.position[1])
    x, y = network.node(node_id).position
    return (x, y + LAYER_SPACING)


# ---- copy and paste -------------------------------------------------------------------------

def nodes_to_json(network: Network, node_ids: Iterable[str]) -> str:
    """The selected layers as JSON; wires from outside the selection are dropped."""
    chosen = [n for n in network.nodes if n.id in set(node_ids)]
    keep = {n.id for n in chosen}
    items = [replace(n, inputs=tuple(i for i in n.inputs if i in keep)).to_dict() for n in chosen]
    return json.dumps({"format": CLIPBOARD_FORMAT, "nodes": items}, indent=1, sort_keys=True)


def nodes_from_json(text: str, network: Network, offset: tuple[float, float] = (40.0, 40.0)
                    ) -> tuple[Node, ...]:
    """Layers read from clipboard JSON, ready to add to `network`.

    Ids already used in `network` are replaced by fresh ones (wires follow); positions move by
    `offset`. SpecError when the text is not NN Studio layers.
    """
    try:
        data: Any = json.loads(text)
    except ValueError:
        raise SpecError("clipboard: does not hold NN Studio layers") from None
    if not isinstance(data, dict) or data.get("format") != CLIPBOARD_FORMAT:
        raise SpecError("clipboard: does not hold NN Studio layers")
    pasted = Network.from_dict({"nodes": data.get("nodes")}, "clipboard")
    taken = set(network.ids())
    renames: dict[str, str] = {}
    for node in pasted.nodes:
        new_id = node.id
        number = 1
        while new_id in taken:
            new_id = f"{node.type}_{number}"
            number += 1
        taken.add(new_id)
        renames[node.id] = new_id
    dx, dy = offset
    return tuple(
        replace(node, id=renames[node.id], inputs=tuple(renames[i] for i in node.inputs),
                position=(node.position[0] + dx, node.position[1] + dy))
        for node in pasted.nodes
    )
