"""Edit commands: every change to a network is one of these, so every change can be undone.

A command computes the new node tuple once, on its first `apply`, from the network it is given;
`revert` puts back the tuple that was there before. Because nodes are immutable, undoing any
sequence of commands in reverse order restores the exact previous graph. A command that does
not fit (a bad value, a cycle, an unknown node) raises SpecError and changes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable

from nnstudio.core.errors import SpecError
from nnstudio.core.layers import LAYER_TYPES, layer_type
from nnstudio.core.network import NODE_ID_PATTERN, Network, Node


class EditCommand:
    """Base class: subclasses implement `_build(network) -> new nodes` and set `text`."""

    text = "Edit"
    merge_key: tuple | None = None  # commands with equal keys in a row become one undo step

    def __init__(self) -> None:
        self._before: tuple[Node, ...] | None = None
        self._after: tuple[Node, ...] | None = None

    def apply(self, network: Network) -> None:
        """Make the change (the first time: compute it); SpecError leaves everything as it was."""
        if self._after is None:
            before = network.nodes
            after = tuple(self._build(network))  # may raise: then nothing is recorded
            self._before, self._after = before, after
        network.set_nodes(self._after)

    def revert(self, network: Network) -> None:
        """Put back the node tuple that was there before the first `apply`."""
        if self._before is None:
            raise RuntimeError(f"{type(self).__name__}: revert before apply")
        network.set_nodes(self._before)

    def merge(self, later: EditCommand) -> bool:
        """Absorb `later` (already applied right after this one) when both have the same key."""
        if self.merge_key is None or later.merge_key != self.merge_key:
            return False
        if self._after is None or later._after is None:
            return False  # one of them never applied (it was refused): nothing to merge
        self._after = later._after
        return True

    def _build(self, network: Network) -> Iterable[Node]:
        raise NotImplementedError


def _require(network: Network, node_id: str) -> Node:
    try:
        return network.node(node_id)
    except KeyError:
        raise SpecError(f"{node_id}: there is no such layer") from None


def _replace_input(node: Node, old: str, new: tuple[str, ...]) -> Node:
    inputs: list[str] = []
    for source in node.inputs:
        for item in (new if source == old else (source,)):
            if item not in inputs:
                inputs.append(item)
    return replace(node, inputs=tuple(inputs))


def _check_acyclic(nodes: Iterable[Node]) -> None:
    Network(nodes).topological_order()


def _check_new_nodes(new_nodes: Iterable[Node], ids: set[str]) -> None:
    # Whatever a command builds can be saved and opened again: refuse here what a project file
    # would refuse (a wire to nowhere, a wire twice, an unknown type or a bad setting).
    for node in new_nodes:
        if node.type not in LAYER_TYPES:
            raise SpecError(f"{node.id}: unknown layer type \"{node.type}\"")
        LAYER_TYPES[node.type].schema.validate(node.params, f"{node.id}")
        _checked_position(node.id, node.position)
        if len(set(node.inputs)) != len(node.inputs):
            raise SpecError(f"{node.id}: lists the same input twice")
        for source in node.inputs:
            if source not in ids:
                raise SpecError(f"{node.id}: its input {source} is not a layer of this network")


def _check_new_id(node_id: object, taken: Network | set[str]) -> None:
    if not isinstance(node_id, str) or not NODE_ID_PATTERN.match(node_id):
        shown = str(node_id)[:40]
        raise SpecError(f"\"{shown}\": a layer's name is letters, digits and _ (not starting "
                        "with a digit, at most 40)")
    if node_id in taken:
        raise SpecError(f"{node_id}: a layer with this name already exists")


class AddNodeCommand(EditCommand):
    """Add a layer: unconnected, appended after the chain's last layer, or inserted on a wire."""

    def __init__(self, node: Node, append: bool = False, on_wire: tuple[str, str] | None = None):
        super().__init__()
        self.node, self.append, self.on_wire = node, append, on_wire
        kind = LAYER_TYPES.get(node.type)
        self.text = f"Add {kind.name if kind else node.type}"

    def _build(self, network: Network) -> Iterable[Node]:
        _check_new_id(self.node.id, network)
        node, nodes = self.node, list(network.nodes)
        if self.on_wire:
            source, target = self.on_wire
            target_node = _require(network, target)
            if source not in target_node.inputs:
                raise SpecError(f"{target}: is not fed by {source}")
            if layer_type(node.type).max_inputs == 0:
                raise SpecError(f"{node.id}: an Input layer cannot sit on a wire; it takes no inputs")
            node = replace(node, inputs=(source,))
            nodes = [_replace_input(n, source, (node.id,)) if n.id == target else n for n in nodes]
        elif self.append:
            tail = network.chain_tail()
            node = replace(node, inputs=(tail.id,) if tail and node.type != "input" else ())
        nodes.append(node)
        _check_new_nodes([node], {n.id for n in nodes})
        _check_acyclic(nodes)  # a self-loop in the new node's own inputs
        return nodes


class AddNodesCommand(EditCommand):
    """Add several wired nodes at once (paste, duplicate); their ids must be free."""

    text = "Paste"

    def __init__(self, nodes: Iterable[Node], text: str = "Paste"):
        super().__init__()
        self.nodes, self.text = tuple(nodes), text

    def _build(self, network: Network) -> Iterable[Node]:
        taken = set(network.ids())
        for node in self.nodes:
            _check_new_id(node.id, taken)  # also catches the same id twice among the new nodes
            taken.add(node.id)
        _check_new_nodes(self.nodes, taken)
        nodes = network.nodes + self.nodes
        _check_acyclic(nodes)
        return nodes


class RemoveNodesCommand(EditCommand):
    """Remove layers; a chain closes over each gap (a layer's consumers take its input)."""

    def __init__(self, node_ids: Iterable[str]):
        super().__init__()
        self.node_ids = tuple(dict.fromkeys(node_ids))  # each once, in the order given
        self.text = "Delete " + (self.node_ids[0] if len(self.node_ids) == 1 else f"{len(self.node_ids)} layers")

    def _build(self, network: Network) -> Iterable[Node]:
        nodes = list(network.nodes)
        for node_id in self.node_ids:
            removed = _require(Network(nodes), node_id)
            bridge = removed.inputs if len(removed.inputs) == 1 else ()
            nodes = [_replace_input(n, node_id, bridge) for n in nodes if n.id != node_id]
        return nodes


class MoveNodesCommand(EditCommand):
    """Move layers on the canvas; one drag of many layers is one step."""

    def __init__(self, positions: dict[str, tuple[float, float]]):
        super().__init__()
        self.positions = dict(positions)
        self.text = "Move" if len(positions) != 1 else f"Move {next(iter(positions))}"

    def _build(self, network: Network) -> Iterable[Node]:
        positions = {}
        for node_id, position in self.positions.items():
            _require(network, node_id)
            positions[node_id] = _checked_position(node_id, position)
        return [replace(n, position=positions[n.id]) if n.id in positions else n
                for n in network.nodes]


def _checked_position(node_id: str, position: Any) -> tuple[float, float]:
    # The same limits a project file enforces, so a moved layer can always be saved and reopened.
    try:
        x, y = (float(v) for v in position)
    except (TypeError, ValueError):
        raise SpecError(f"{node_id}.position: must be two numbers [x, y]") from None
    if not (abs(x) < 1e7 and abs(y) < 1e7):  # also false for nan
        raise SpecError(f"{node_id}.position: must be two numbers [x, y] within ±10,000,000, "
                        f"got [{x:g}, {y:g}]")
    return (x, y)


class ConnectCommand(EditCommand):
    """Wire `source` into `target`; a one-input layer's old input is replaced."""

    def __init__(self, source: str, target: str):
        super().__init__()
        self.source, self.target = source, target
        self.text = f"Connect {source} → {target}"

    def _build(self, network: Network) -> Iterable[Node]:
        _require(network, self.source)
        target = _require(network, self.target)
        kind = layer_type(target.type)
        if kind.max_inputs == 0:
            raise SpecError(f"{self.target}: an Input layer takes no inputs")
        if self.source == self.target:
            raise SpecError(f"{self.target}: a layer cannot feed itself")
        if self.source in target.inputs:
            raise SpecError(f"{self.target}: is already fed by {self.source}")
        if kind.max_inputs == 1:
            inputs = (self.source,)
        elif len(target.inputs) >= kind.max_inputs:
            raise SpecError(f"{self.target}: takes at most {kind.max_inputs} inputs")
        else:
            inputs = target.inputs + (self.source,)
        nodes = [replace(n, inputs=inputs) if n.id == self.target else n for n in network.nodes]
        _check_acyclic(nodes)
        return nodes


class DisconnectCommand(EditCommand):
    """Remove the wire from `source` to `target`."""

    def __init__(self, source: str, target: str):
        super().__init__()
        self.source, self.target = source, target
        self.text = f"Disconnect {source} → {target}"

    def _build(self, network: Network) -> Iterable[Node]:
        target = _require(network, self.target)
        if self.source not in target.inputs:
            raise SpecError(f"{self.target}: is not fed by {self.source}")
        return [_replace_input(n, self.source, ()) if n.id == self.target else n
                for n in network.nodes]


class SetParamCommand(EditCommand):
    """Set one parameter; spinning a value or dragging a slider merges into one step."""

    def __init__(self, node_id: str, name: str, value: Any):
        super().__init__()
        self.node_id, self.name, self.value = node_id, name, value
        self.merge_key = ("param", node_id, name)
        self.text = f"Set {node_id}.{name}"

    def _build(self, network: Network) -> Iterable[Node]:
        node = _require(network, self.node_id)
        schema = layer_type(node.type).schema
        try:
            spec = schema[self.name]
        except KeyError:
            raise SpecError(f"{self.node_id}.{self.name}: {layer_type(node.type).name} has no such setting") from None
        value = spec.validate(self.value, f"{self.node_id}.{self.name}")
        return [n.with_params(**{self.name: value}) if n.id == self.node_id else n
                for n in network.nodes]


class RenameNodeCommand(EditCommand):
    """Give a layer a new name (its id); every wire that names it follows."""

    def __init__(self, old_id: str, new_id: str):
        super().__init__()
        self.old_id, self.new_id = old_id, new_id
        self.text = f"Rename {old_id} to {new_id}"

    def _build(self, network: Network) -> Iterable[Node]:
        _require(network, self.old_id)
        if not isinstance(self.new_id, str) or not NODE_ID_PATTERN.match(self.new_id):
            raise SpecError(f"{self.old_id}: a name is letters, digits and _ (not starting with a "
                            f"digit, at most 40), got \"{str(self.new_id)[:40]}\"")
        if self.new_id != self.old_id and self.new_id in network:
            raise SpecError(f"{self.old_id}: the name {self.new_id} is taken")
        renamed = []
        for node in network.nodes:
            if node.id == self.old_id:
                node = replace(node, id=self.new_id)
            if self.old_id in node.inputs:
                node = replace(node, inputs=tuple(self.new_id if i == self.old_id else i
                                                  for i in node.inputs))
            renamed.append(node)
        return renamed


class ReplaceNetworkCommand(EditCommand):
    """Swap in a whole new graph (tidy layout, restoring a run's network)."""

    def __init__(self, nodes: Iterable[Node], text: str = "Replace network"):
        super().__init__()
        self.nodes, self.text = tuple(nodes), text

    def _build(self, network: Network) -> Iterable[Node]:
        taken: set[str] = set()
        for node in self.nodes:
            _check_new_id(node.id, taken)
            taken.add(node.id)
        _check_new_nodes(self.nodes, taken)
        _check_acyclic(self.nodes)
        return self.nodes
