"""The network graph: nodes `{id, type, params, inputs}`; a plain stack is the chain case.

Nodes are immutable and a `Network` holds them in a tuple, so an edit replaces the tuple and a
snapshot of the whole graph is just a reference: undo restores it exactly, at no copying cost.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable

from nnstudio.core.errors import SpecError
from nnstudio.core.layers import LAYER_TYPES, layer_type
from nnstudio.core.params import _show

NODE_ID_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
MAX_NODES = 500


@dataclass(frozen=True)
class Node:
    """One layer in the graph. `params` holds every parameter of the type, defaults filled in."""

    id: str
    type: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    inputs: tuple[str, ...] = ()
    position: tuple[float, float] = (0.0, 0.0)

    def __post_init__(self) -> None:
        # Canonical from the start, so a node equals itself after a save and a load: positions
        # are stored to 2 decimals, and inputs may arrive as a list.
        object.__setattr__(self, "inputs", tuple(self.inputs))
        try:
            position = (_coordinate(self.position[0]), _coordinate(self.position[1]))
        except (TypeError, ValueError, IndexError, OverflowError):
            return  # not numbers: left as given for the validation that follows to refuse
        object.__setattr__(self, "position", position)

    def with_params(self, **changes: Any) -> Node:
        return replace(self, params={**self.params, **changes})

    def to_dict(self) -> dict[str, Any]:
        params = {k: list(v) if isinstance(v, tuple) else v for k, v in self.params.items()
                  if not _optional_default(self.type, k, v)}
        return {
            "id": self.id,
            "type": self.type,
            "params": params,
            "inputs": list(self.inputs),
            "position": list(self.position),
        }


def _optional_default(type_key: str, name: str, value: Any) -> bool:
    """True for a setting added after format 1 that still has its default: left out of the
    file, so projects that never use it save byte-identical to before."""
    try:
        spec = layer_type(type_key).schema[name]
    except KeyError:
        return False
    return spec.optional and value == spec.default


def _coordinate(value: float) -> float:
    # Always a float rounded to 2 places, and never -0.0: a network made in code (integer
    # positions) and the same network read back from its file save byte-identical JSON.
    value = float(value)
    if not math.isfinite(value):
        return value  # nan and inf stay as they are, for validation to refuse
    return float(round(value, 2)) + 0.0


def make_node(type_key: str, node_id: str, inputs: Iterable[str] = (),
              position: tuple[float, float] = (0.0, 0.0), **params: Any) -> Node:
    """A node of `type_key` with its defaults, overridden by `params` (validated).

    SpecError for an unknown type, a malformed id or a bad parameter value.
    """
    if type_key not in LAYER_TYPES:
        raise SpecError(f"{node_id}: unknown layer type {_show(type_key)}")
    if not isinstance(node_id, str) or not NODE_ID_PATTERN.match(node_id):
        raise SpecError(f"{_show(node_id)}: a layer's name is letters, digits and _ "
                        "(not starting with a digit, at most 40)")
    schema = layer_type(type_key).schema
    checked = schema.validate(params, f"{node_id}.params")
    return Node(node_id, type_key, checked, tuple(inputs), position)


class Network:
    """A graph of layers. Listeners are told after every change of the node tuple."""

    def __init__(self, nodes: Iterable[Node] = ()):
        self._nodes: tuple[Node, ...] = tuple(nodes)
        self._listeners: list[Callable[[], None]] = []

    # ---- reading ----
    @property
    def nodes(self) -> tuple[Node, ...]:
        return self._nodes

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, node_id: str) -> bool:
        return any(n.id == node_id for n in self._nodes)

    def node(self, node_id: str) -> Node:
        for node in self._nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def ids(self) -> list[str]:
        return [n.id for n in self._nodes]

    def consumers(self, node_id: str) -> list[Node]:
        """Nodes that take `node_id` as an input."""
        return [n for n in self._nodes if node_id in n.inputs]

    def input_nodes(self) -> list[Node]:
        return [n for n in self._nodes if n.type == "input"]

    def output_nodes(self) -> list[Node]:
        """Nodes nothing else reads from: a valid network has exactly one."""
        used = {i for n in self._nodes for i in n.inputs}
        return [n for n in self._nodes if n.id not in used]

    def output_node(self) -> Node | None:
        outputs = self.output_nodes()
        return outputs[0] if len(outputs) == 1 else None

    def topological_order(self) -> list[Node]:
        """Nodes with every input before its consumers; SpecError naming a node on a cycle."""
        by_id = {n.id: n for n in self._nodes}
        order: list[Node] = []
        state: dict[str, int] = {}  # 1 = visiting, 2 = done
        for start in self._nodes:
            if state.get(start.id) == 2:
                continue
            stack: list[tuple[Node, int]] = [(start, 0)]
            state[start.id] = 1
            while stack:
                node, next_input = stack[-1]
                if next_input < len(node.inputs):
                    stack[-1] = (node, next_input + 1)
                    source = by_id.get(node.inputs[next_input])
                    if source is None or state.get(source.id) == 2:
                        continue
                    if state.get(source.id) == 1:
                        raise SpecError(f"{source.id}: is part of a cycle; a network must flow one way")
                    state[source.id] = 1
                    stack.append((source, 0))
                else:
                    stack.pop()
                    state[node.id] = 2
                    order.append(node)
        return order

    def chain_tail(self) -> Node | None:
        """The node a newly dropped layer is appended after: the single output, if any."""
        return self.output_node()

    def unique_id(self, type_key: str) -> str:
        """A fresh short id like `dense_3`."""
        taken = set(self.ids())
        number = 1
        while f"{type_key}_{number}" in taken:
            number += 1
        return f"{type_key}_{number}"

    # ---- changing (only edit commands call this) ----
    def set_nodes(self, nodes: tuple[Node, ...]) -> None:
        if nodes is self._nodes:
            return
        self._nodes = nodes
        for listener in list(self._listeners):
            listener()

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.remove(listener)

    # ---- files ----
    def to_dict(self) -> dict[str, Any]:
        return {"nodes": [n.to_dict() for n in self._nodes]}

    @classmethod
    def from_dict(cls, data: Any, where: str = "network") -> Network:
        """Build and validate a network read from a file; SpecError names the bad field."""
        if not isinstance(data, dict):
            raise SpecError(f"{where}: must be an object with a list of nodes, got {_show(data)}")
        unknown = sorted(set(data) - {"nodes"}, key=str)
        if unknown:
            raise SpecError(f"{where}.{unknown[0]}: unknown field")
        items = data.get("nodes")
        if not isinstance(items, list):
            raise SpecError(f"{where}.nodes: must be a list of nodes, got {_show(items)}")
        if len(items) > MAX_NODES:
            raise SpecError(f"{where}.nodes: at most {MAX_NODES} nodes, got {len(items)}")
        nodes: list[Node] = []
        seen: set[str] = set()
        for index, item in enumerate(items):
            node = _node_from_dict(item, f"{where}.nodes[{index}]")
            if node.id in seen:
                raise SpecError(f"{where}.nodes[{index}].id: \"{node.id}\" is used twice")
            seen.add(node.id)
            nodes.append(node)
        for index, node in enumerate(nodes):
            for source in node.inputs:
                if source not in seen:
                    raise SpecError(f"{where}.nodes[{index}].inputs: no node has the id \"{source}\"")
        network = cls(nodes)
        network.topological_order()
        return network


_NODE_FIELDS = {"id", "type", "params", "inputs", "position"}


def _node_from_dict(item: Any, where: str) -> Node:
    if not isinstance(item, dict):
        raise SpecError(f"{where}: must be an object, got {_show(item)}")
    unknown = sorted(set(item) - _NODE_FIELDS, key=str)
    if unknown:
        raise SpecError(f"{where}.{unknown[0]}: unknown field")
    node_id = item.get("id")
    if not isinstance(node_id, str) or not NODE_ID_PATTERN.match(node_id):
        raise SpecError(f"{where}.id: must be a short name of letters, digits and _, got {_show(node_id)}")
    type_key = item.get("type")
    if not isinstance(type_key, str) or type_key not in LAYER_TYPES:
        raise SpecError(f"{where}.type: unknown layer type {_show(type_key)}")
    params = layer_type(type_key).schema.validate(item.get("params", {}), f"{where}.params")
    inputs = item.get("inputs", [])
    if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
        raise SpecError(f"{where}.inputs: must be a list of node ids, got {_show(inputs)}")
    if len(set(inputs)) != len(inputs):
        raise SpecError(f"{where}.inputs: lists the same node twice")
    position = item.get("position", [0.0, 0.0])
    if (not isinstance(position, list) or len(position) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                       and abs(v) < 1e7 for v in position)):
        raise SpecError(f"{where}.position: must be two numbers [x, y] within ±10,000,000, "
                        f"got {_show(position)}")
    return Node(node_id, type_key, params, tuple(inputs), (float(position[0]), float(position[1])))


def chain(*layers: tuple[str, dict[str, Any]], spacing: float = 90.0) -> Network:
    """A plain stack from (type, params) pairs, wired in order and laid out top to bottom."""
    network = Network()
    nodes: list[Node] = []
    for index, (type_key, params) in enumerate(layers):
        node_id = Network(nodes).unique_id(type_key)
        inputs = (nodes[-1].id,) if nodes else ()
        nodes.append(make_node(type_key, node_id, inputs, (0.0, index * spacing), **params))
    network.set_nodes(tuple(nodes))
    return network
