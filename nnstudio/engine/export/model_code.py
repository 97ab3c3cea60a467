"""A network spec written out as a plain, readable `nn.Module` class: Python source text.

The class builds its layers in the same order, with the same torch classes and initializers,
as `nnstudio.engine.modules.build_model`, so after `torch.manual_seed(seed)` both start from
the same weights; and its `state_dict()` keys are NN Studio's own (`"{node_id}.{tensor}"`), so
weights trained by the exported script load straight back into the project.
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass

from torch import nn

from nnstudio.core.layers import LAYER_TYPES
from nnstudio.core.network import Network, Node
from nnstudio.core.shapes import Shape, format_shape, infer_shapes
from nnstudio.engine.modules import absorbed_activation
from nnstudio.engine.torch_layers import activation_code, torch_layer

# Names the generated code itself uses: a layer may not shadow them as a variable.
_RESERVED_NAMES = {"self", "x", "torch", "nn", "F", "np", "math", "init_weights"}

_INITIALIZER_CODE = '''
def init_weights(module, how, value=0.0):
    """Start a layer's weights as NN Studio's initializer setting says; biases start at 0."""
    with torch.no_grad():
        if how == "xavier_uniform":
            nn.init.xavier_uniform_(module.weight)
        elif how == "xavier_normal":
            nn.init.xavier_normal_(module.weight)
        elif how == "he_uniform":
            nn.init.kaiming_uniform_(module.weight, nonlinearity="relu")
        elif how == "he_normal":
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
        elif how == "zeros":
            nn.init.zeros_(module.weight)
        elif how == "constant":
            nn.init.constant_(module.weight, value)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
'''


@dataclass(frozen=True)
class ModelCode:
    """The generated source and what the rest of the script needs to know about it.

    `renamed` maps attribute names back to node ids where an id could not be used as an
    attribute (a Python keyword, or a name nn.Module already has, such as `training`).
    `output_activation` is the final "sigmoid"/"softmax" that `forward` leaves to the loss.
    """

    source: str
    class_name: str
    renamed: dict[str, str]
    output_activation: str | None
    input_shape: Shape
    output_shape: Shape


def model_code(network: Network, class_name: str = "Model") -> ModelCode:
    """Write `network` out as an `nn.Module` class; SpecError if the network is not valid."""
    report = infer_shapes(network)
    report.raise_if_invalid()
    order = [network.node(node_id) for node_id in report.order]
    shapes = {node_id: report.nodes[node_id].shape for node_id in report.order}
    output = order[-1]
    absorbed = absorbed_activation(output, shapes[output.id])  # the same rule as the engine
    attributes = _attribute_names(network)
    chain = all(node.inputs == (order[index].id,) for index, node in enumerate(order[1:]))
    variables = {node.id: "x" for node in order} if chain else _variable_names(order)

    init_lines: list[str] = []
    forward_lines: list[str] = []
    uses_init = False
    for node in order:
        input_shapes = [shapes[source] for source in node.inputs]
        construct = _construction(node, input_shapes)
        attribute = attributes[node.id]
        if construct is not None:
            init_lines.append(f"self.{attribute} = {construct}")
            if node.params.get("initializer", "default") != "default":
                uses_init = True
                how = node.params["initializer"]
                value = f", {node.params['init_value']!r}" if how == "constant" else ""
                init_lines.append(f"init_weights(self.{attribute}, \"{how}\"{value})")
        if node.type == "input":
            if not chain:
                forward_lines.append(f"{variables[node.id]} = x")
            continue
        inputs = [variables[source] for source in node.inputs]
        # A layer's own activation setting; an activation layer's function is its expression.
        activation = None if LAYER_TYPES[node.type].is_activation else \
            node.params.get("activation")
        comment = ""
        if node is output and absorbed and LAYER_TYPES[node.type].is_activation:
            expression = inputs[0]  # the layer is the final activation itself
        else:
            expression = _expression(node, f"self.{attribute}", inputs, input_shapes)
        if expression == variables[node.id] and not (node is output and absorbed):
            continue  # a linear activation in a chain: x = x says nothing
        if node is output and absorbed:
            comment = f"  # {absorbed}: applied by the loss, and by predict()"
        elif activation:
            dim = 1 if torch_layer(node.type).channels_first else -1
            expression = activation_code(activation, node.params, expression, dim)
        shape = f"  # -> {format_shape(shapes[node.id])}" if not comment else comment
        forward_lines.append(f"{variables[node.id]} = {expression}{shape}")
    forward_lines.append(f"return {variables[output.id]}")

    source = _class_source(class_name, init_lines, forward_lines, absorbed, shapes[order[0].id],
                           shapes[output.id], report.total_params)
    if uses_init:
        source = _INITIALIZER_CODE.lstrip("\n") + "\n\n" + source
    renamed = {attribute: node_id for node_id, attribute in attributes.items()
               if attribute != node_id}
    return ModelCode(source, class_name, renamed, absorbed, shapes[order[0].id], shapes[output.id])


def _class_source(class_name: str, init_lines: list[str], forward_lines: list[str],
                  absorbed: str | None, input_shape: Shape, output_shape: Shape,
                  parameters: int) -> str:
    if absorbed == "sigmoid":
        predict = "torch.sigmoid(self(x))"
        note = ("forward() returns logits: the final sigmoid is left to the loss\n    "
                "(BCEWithLogits is exact where sigmoid-then-log is not); predict() puts it back.")
    elif absorbed == "softmax":
        predict = "torch.softmax(self(x), dim=1)"
        note = ("forward() returns logits: the final softmax is left to the loss\n    "
                "(cross-entropy works on logits); predict() puts it back.")
    else:
        predict = "self(x)"
        note = "forward() returns the network's output as drawn."
    body = "\n".join(f"        {line}" for line in init_lines) or "        pass"
    forward = "\n".join(f"        {line}" for line in forward_lines)
    return (
        f"class {class_name}(nn.Module):\n"
        f"    \"\"\"The network as drawn in NN Studio: one attribute per layer, named by its "
        f"id.\n\n"
        f"    Input {format_shape(input_shape)} per sample, output {format_shape(output_shape)}; "
        f"{parameters:,} parameters.\n"
        f"    {note}\n"
        f"    \"\"\"\n\n"
        f"    def __init__(self):\n"
        f"        super().__init__()\n"
        f"{body}\n\n"
        f"    def forward(self, x):\n"
        f"{forward}\n\n"
        f"    def predict(self, x):\n"
        f"        \"\"\"The output as drawn on the canvas, final activation included.\"\"\"\n"
        f"        return {predict}\n"
    )


def _unique(name: str, taken: set[str]) -> str:
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def _attribute_names(network: Network) -> dict[str, str]:
    """Node id -> attribute name; the id itself unless Python or nn.Module reserve it."""
    taken = set(network.ids())
    names = {}
    module = nn.Module()  # an instance: `training` is set in __init__, not on the class
    for node_id in network.ids():
        if keyword.iskeyword(node_id) or hasattr(module, node_id) or node_id.startswith("__"):
            names[node_id] = _unique(node_id.strip("_") + "_layer", taken)
        else:
            names[node_id] = node_id
    return names


def _variable_names(order: list[Node]) -> dict[str, str]:
    """Node id -> local variable name in a graph's forward()."""
    taken = {node.id for node in order} | _RESERVED_NAMES
    names = {}
    for node in order:
        unsafe = keyword.iskeyword(node.id) or node.id in _RESERVED_NAMES
        names[node.id] = _unique(node.id + "_out", taken) if unsafe else node.id
    return names


# ---- one layer: written from its row in engine.torch_layers ----------------------------------

def _construction(node: Node, input_shapes: list[Shape]) -> str | None:
    """The `nn.Module(...)` expression for a layer that holds one, else None."""
    described = torch_layer(node.type).module(node.params, input_shapes)
    return described.code() if described is not None else None


def _expression(node: Node, module: str, inputs: list[str], input_shapes: list[Shape]) -> str:
    """The forward expression for a layer, before its activation (an activation layer's
    expression is its function)."""
    if LAYER_TYPES[node.type].is_activation:
        return activation_code(node.type, node.params, inputs[0], -1)
    return torch_layer(node.type).forward(node.params, input_shapes).source(module, inputs)
