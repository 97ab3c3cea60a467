"""Shape inference: every node's output shape and parameter count, or an error naming the node.

Runs on every edit, so it is a single pass in topological order with no copying.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nnstudio.core.errors import SpecError
from nnstudio.core.layers import LAYER_TYPES, ParamConflict, Shape, ShapeMismatch, layer_type
from nnstudio.core.network import Network, Node


@dataclass(frozen=True)
class NodeShape:
    """What inference found for one node: its output shape and parameters, or why not."""

    shape: Shape | None
    params: int = 0
    error: str | None = None


@dataclass(frozen=True)
class ShapeReport:
    """The result of inference over a whole network."""

    nodes: dict[str, NodeShape] = field(default_factory=dict)
    errors: tuple[tuple[str | None, str], ...] = ()  # (node id or None for the graph, message)
    order: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total_params(self) -> int:
        return sum(info.params for info in self.nodes.values())

    def shape(self, node_id: str) -> Shape | None:
        info = self.nodes.get(node_id)
        return info.shape if info else None

    def raise_if_invalid(self) -> None:
        """SpecError with every problem, one per line, for code paths that need a valid network."""
        if self.errors:
            raise SpecError("\n".join(message for _, message in self.errors))


def format_shape(shape: Shape | None) -> str:
    if shape is None:
        return "?"
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def infer_shapes(network: Network) -> ShapeReport:
    """Infer every node's shape; collect errors that name the node and suggest a fix."""
    errors: list[tuple[str | None, str]] = []
    try:
        order = network.topological_order()
    except SpecError as error:
        return ShapeReport({}, ((None, str(error)),), ())
    errors.extend(_graph_errors(network))
    results: dict[str, NodeShape] = {}
    for node in order:
        info = _infer_node(node, results)
        results[node.id] = info
        if info.error:
            errors.append((node.id, info.error))
    return ShapeReport(results, tuple(errors), tuple(n.id for n in order))


def _graph_errors(network: Network) -> list[tuple[str | None, str]]:
    errors: list[tuple[str | None, str]] = []
    inputs = network.input_nodes()
    if not inputs:
        errors.append((None, "The network has no Input layer: add one at the top."))
    for extra in inputs[1:]:
        errors.append((extra.id, f"{extra.id}: a network has one Input layer; remove this one."))
    outputs = network.output_nodes()
    if len(outputs) > 1:
        names = ", ".join(n.id for n in outputs)
        errors.append((outputs[-1].id, f"The network has {len(outputs)} ends ({names}): "
                                       "connect them so exactly one layer is the output."))
    return errors


def _infer_node(node: Node, results: dict[str, NodeShape]) -> NodeShape:
    if node.type not in LAYER_TYPES:
        return NodeShape(None, error=f"{node.id}: unknown layer type \"{node.type}\"")
    kind = layer_type(node.type)
    # Topological order puts every existing input first, so a source not yet seen is missing.
    missing = [source for source in node.inputs if source not in results]
    if missing:
        return NodeShape(None, error=f"{node.id} reads from {missing[0]}, which does not exist: "
                                     "connect it to a layer of this network.")
    count = len(node.inputs)
    if count < kind.min_inputs:
        return NodeShape(None, error=_too_few_inputs(node, kind.min_inputs))
    if count > kind.max_inputs:
        return NodeShape(None, error=_too_many_inputs(node, kind.max_inputs))
    shapes = [results[source].shape for source in node.inputs]
    if any(shape is None for shape in shapes):
        return NodeShape(None)  # an upstream node already reported the problem
    try:
        out = kind.shape_rule(node.params, shapes)
    except ParamConflict as conflict:
        return NodeShape(None, error=_with_hint(f"{node.id}: {conflict.expected}", conflict.hint))
    except ShapeMismatch as mismatch:
        source = node.inputs[mismatch.culprit]
        message = (f"{node.id} expects {mismatch.expected} "
                   f"but {source} gives {format_shape(shapes[mismatch.culprit])}")
        return NodeShape(None, error=_with_hint(message, mismatch.hint))
    return NodeShape(out, kind.count_params(node.params, shapes, out))


def _with_hint(message: str, hint: str) -> str:
    return message + (f": {hint}" if hint else "")


def _too_few_inputs(node: Node, minimum: int) -> str:
    if not node.inputs:
        wanted = "an input" if minimum == 1 else f"at least {minimum} inputs"
        return f"{node.id} needs {wanted}: connect a layer to it."
    return (f"{node.id} needs at least {minimum} inputs but has {len(node.inputs)} "
            f"({', '.join(node.inputs)}): connect another layer to it.")


def _too_many_inputs(node: Node, maximum: int) -> str:
    sources = ", ".join(node.inputs)
    if maximum == 0:
        return f"{node.id} takes no inputs but has {len(node.inputs)} ({sources}): " \
               "the Input layer is where data enters; disconnect them."
    if maximum == 1:
        return f"{node.id} takes one input but has {len(node.inputs)} ({sources}): " \
               "join them with an Add or Concatenate first."
    return f"{node.id} takes at most {maximum} inputs but has {len(node.inputs)} ({sources}): " \
           "disconnect some."


def summary(network: Network, report: ShapeReport | None = None) -> str:
    """A layer table in the style of Keras' summary(): name, type, output shape, parameters."""
    report = report or infer_shapes(network)
    order = report.order or tuple(n.id for n in network.nodes)
    rows = [("Layer", "Type", "Output shape", "Params", "Inputs")]
    for node_id in order:
        node = network.node(node_id)
        info = report.nodes.get(node_id, NodeShape(None))
        type_name = LAYER_TYPES[node.type].name if node.type in LAYER_TYPES else node.type
        rows.append((node.id, type_name, format_shape(info.shape),
                     f"{info.params:,}", ", ".join(node.inputs)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    rule = "─" * (sum(widths) + 2 * (len(widths) - 1))
    lines = [rule, _row(rows[0], widths), rule]
    lines += [_row(row, widths) for row in rows[1:]]
    lines += [rule, f"Total params: {report.total_params:,}"]
    lines += [f"Problem: {message}" for _, message in report.errors]
    return "\n".join(lines)


def _row(cells: tuple[str, ...], widths: list[int]) -> str:
    parts = [cell.rjust(w) if i == 3 else cell.ljust(w) for i, (cell, w) in enumerate(zip(cells, widths))]
    return "  ".join(parts).rstrip()
