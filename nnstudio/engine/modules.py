"""Build a torch `nn.Module` from a network spec, each layer from its row in `torch_layers`.

The module runs the nodes in topological order. Its `forward` returns *logits*: a classifier's
final sigmoid or softmax (its own node, or the output Dense's activation) is left out, so the
loss can work on logits (BCEWithLogits / CrossEntropy, which are exact where sigmoid-then-log is
not) and the activation is never applied twice. `output_activation` names what was left out;
`predict_output` and `predict_proba` put it back.

Each step calls torch functions directly where it can (F.linear rather than Linear.__call__):
for the small networks learners build, per-call overhead is most of the time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from nnstudio.core.errors import SpecError
from nnstudio.core.model_size import check_memory
from nnstudio.core.network import Network, Node
from nnstudio.core.output_fit import ABSORBED_ACTIVATIONS, absorbed_activation
from nnstudio.core.shapes import Shape, infer_shapes
from nnstudio.engine.torch_layers import (
    Activation, activation_function, layer_activation, torch_layer,
)

__all__ = ["ABSORBED_ACTIVATIONS", "GraphModule", "Layer", "absorbed_activation",
           "activation_function", "build_layer",
           "build_model", "logits_to_proba", "multiply_adds", "parameter_count"]


# ---- initializers ------------------------------------------------------------------------------

def _initialize(module: nn.Module, params: dict) -> None:
    """Apply the node's initializer to `module.weight`; non-default ones start biases at 0."""
    name = params.get("initializer", "default")
    if name == "default":
        return  # PyTorch's own (Kaiming-uniform with a=sqrt(5)), already applied
    weight = module.weight
    with torch.no_grad():
        if name == "xavier_uniform":
            nn.init.xavier_uniform_(weight)
        elif name == "xavier_normal":
            nn.init.xavier_normal_(weight)
        elif name == "he_uniform":
            nn.init.kaiming_uniform_(weight, nonlinearity="relu")
        elif name == "he_normal":
            nn.init.kaiming_normal_(weight, nonlinearity="relu")
        elif name == "zeros":
            nn.init.zeros_(weight)
        elif name == "constant":
            nn.init.constant_(weight, params.get("init_value", 0.0))
        else:
            raise SpecError(f"unknown initializer \"{name}\"")
        if module.bias is not None:
            nn.init.zeros_(module.bias)


# ---- one layer -----------------------------------------------------------------------------------
# A node becomes a `Layer`: the module holding its tensors (or None), and how to run it:
# `call(*inputs, *args)`. Both come from the layer type's row in `engine.torch_layers`, the same
# row the code exporter writes out. Dense calls F.linear with its weight and bias directly,
# saving Linear.__call__'s overhead.

StepFunction = Callable[..., torch.Tensor]


@dataclass
class Layer:
    module: nn.Module | None
    call: StepFunction | None  # None: the node passes its input on unchanged
    args: tuple = ()
    activation: Activation | None = None
    bind: Callable[[nn.Module], tuple] | None = None  # args read from the module, see _bind

    def run(self, module: nn.Module | None, *inputs: torch.Tensor) -> torch.Tensor:
        """Run this layer alone on `inputs`, without its activation (probes and exporters)."""
        args = self.bind(module) if self.bind is not None else self.args
        return self.call(*inputs, *args) if self.call is not None else inputs[0]


def _linear_args(module: nn.Linear) -> tuple:
    return (module.weight, module.bias)


def build_layer(node: Node, shapes: list[Shape]) -> Layer:
    """Node `node` (reading inputs shaped `shapes`) as torch runs it, from its row in
    `TORCH_LAYERS`: its module, initialized as its settings say, and its forward step."""
    row = torch_layer(node.type)
    described = row.module(node.params, shapes)
    module = described.build() if described is not None else None
    if module is not None and "initializer" in node.params:
        _initialize(module, node.params)
    name = layer_activation(node.type, node.params)
    activation = activation_function(name, node.params, dim=1 if row.channels_first else -1) \
        if name else None
    step = row.forward(node.params, shapes)
    if step.run is not None:
        return Layer(module, step.run, step.args + ((module,) if step.passes_module else ()),
                     activation)
    if isinstance(module, nn.Linear):
        return Layer(module, F.linear, (), activation, _linear_args)  # see Layer's note
    return Layer(module, module, (), activation)


# ---- the module --------------------------------------------------------------------------------

@dataclass
class _Step:
    node_id: str
    call: StepFunction | None
    args: tuple
    activation: Activation | None
    sources: tuple[int, ...]  # indexes into the list of values computed so far
    module: nn.Module | None = None
    bind: Callable[[nn.Module], tuple] | None = None


class GraphModule(nn.Module):
    """A network spec as a torch module. `forward(x)` returns the output before any final
    sigmoid/softmax (see `output_activation`); `predict_output` gives the network's output as
    drawn, `predict_proba` class probabilities."""

    def __init__(self, network: Network):
        super().__init__()
        report = infer_shapes(network)
        report.raise_if_invalid()
        check_memory(report)  # a project file may describe a network too large to build
        self.layers = nn.ModuleDict()
        self.node_ids: tuple[str, ...] = report.order
        self.shapes: dict[str, Shape] = {i: report.nodes[i].shape for i in report.order}
        self.input_shapes: dict[str, list[Shape]] = {
            n.id: [self.shapes[s] for s in n.inputs] for n in network.nodes}
        self.input_id = network.input_nodes()[0].id
        self.output_id = report.order[-1]
        self.input_shape: Shape = self.shapes[self.input_id]
        self.output_shape: Shape = self.shapes[self.output_id]
        self.output_activation: str | None = absorbed_activation(
            network.node(self.output_id), self.output_shape)
        self._output_function = (
            activation_function(self.output_activation, dim=1) if self.output_activation else None)
        self._module_keys: dict[str, str] = {}
        position = {node_id: index for index, node_id in enumerate(report.order)}
        steps: list[_Step] = []
        for node_id in report.order:
            node = network.node(node_id)
            layer = build_layer(node, self.input_shapes[node_id])
            if layer.module is not None:
                key = _module_key(node_id)
                self.layers[key] = layer.module
                self._module_keys[node_id] = key
            activation = None if (node_id == self.output_id and self.output_activation) \
                else layer.activation
            sources = tuple(position[s] for s in node.inputs)
            steps.append(_Step(node_id, layer.call, layer.args, activation, sources,
                               layer.module, layer.bind))
        self._steps = steps[1:]  # the input is step 0: its value is x itself
        self._is_chain = all(step.sources == (index,) for index, step in enumerate(self._steps))
        self._chain: list[tuple[StepFunction, tuple]] | None = None
        self._every_module: list[nn.Module] = list(self.modules())
        self._bind()

    def _bind(self) -> None:
        """Read the tensors steps call with straight from their modules, and lay out a plain
        stack as one flat list of calls, the fastest loop Python allows."""
        for step in self._steps:
            if step.bind is not None:
                step.args = step.bind(step.module)
        if self._is_chain:
            self._chain = []
            for step in self._steps:
                if step.call is not None:
                    self._chain.append((step.call, step.args))
                if step.activation is not None:
                    self._chain.append((step.activation, ()))

    def train(self, mode: bool = True) -> GraphModule:
        """As nn.Module.train, without its recursion: the trainer switches to evaluation mode
        and back every epoch, and none of the modules built here override train()."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self._every_module:
            module.__dict__["training"] = mode
        return self

    def _apply(self, fn, *args, **kwargs):
        # .to(device), .double() etc. may replace parameter tensors: bind the new ones.
        result = super()._apply(fn, *args, **kwargs)
        self._bind()
        return result

    def layer(self, node_id: str) -> nn.Module | None:
        """The module holding `node_id`'s tensors, or None for layers without any."""
        key = self._module_keys.get(node_id)
        return self.layers[key] if key is not None else None

    def before_activation(self, node_id: str, *inputs: torch.Tensor) -> torch.Tensor:
        """What node `node_id` computes from `inputs` before its own activation setting (the
        z of z = Wx + b): the forward-pass view shows both."""
        step = next(step for step in self._steps if step.node_id == node_id)
        return step.call(*inputs, *step.args) if step.call is not None else inputs[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self._chain is not None:
            for call, args in self._chain:
                x = call(x, *args)
            return x
        return self._run_graph(x)[-1]

    def _run_graph(self, x: torch.Tensor) -> list[torch.Tensor]:
        values = [x]
        for step in self._steps:
            inputs = [values[i] for i in step.sources]
            value = step.call(*inputs, *step.args) if step.call is not None else inputs[0]
            if step.activation is not None:
                value = step.activation(value)
            values.append(value)
        return values

    def forward_all(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every node's output by id (the output node's as drawn, activation applied)."""
        values = self._run_graph(x)
        outputs = dict(zip(self.node_ids, values))
        outputs[self.output_id] = self.apply_output_activation(values[-1])
        return outputs

    def apply_output_activation(self, logits: torch.Tensor) -> torch.Tensor:
        """Put back the final sigmoid/softmax that `forward` leaves out (if any)."""
        return self._output_function(logits) if self._output_function else logits

    def predict_output(self, x: torch.Tensor) -> torch.Tensor:
        """The network's output as drawn on the canvas, final activation included."""
        return self.apply_output_activation(self(x))

    def predict_proba(self, x: torch.Tensor) -> torch.Tensor:
        """Class probabilities: sigmoid of one logit (binary) or softmax over several."""
        return logits_to_proba(self(x))


def logits_to_proba(logits: torch.Tensor) -> torch.Tensor:
    """Sigmoid for a single output, softmax over the last axis for several."""
    if logits.shape[-1] == 1:
        return torch.sigmoid(logits)
    return torch.softmax(logits, dim=-1)


def _module_key(node_id: str) -> str:
    # A node may be called "training" or "keys", which nn.ModuleDict reserves: such ids get a
    # suffix no node id can contain ("-"), so keys never collide. Asked of an instance, since
    # "training" is set in Module.__init__, not on the class.
    return node_id + "-" if hasattr(nn.ModuleDict(), node_id) else node_id


def build_model(network: Network, seed: int = 0) -> GraphModule:
    """Build `network` as a torch module with every initial weight drawn from `seed`.

    Raises SpecError (every shape problem, one per line) if the network is not valid. The
    global random state is left as it was.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return GraphModule(network)


def parameter_count(model: nn.Module) -> int:
    """Learned numbers in `model` (running statistics are not learned, so not counted)."""
    return sum(p.numel() for p in model.parameters())


def multiply_adds(model: GraphModule) -> int:
    """A rough count of multiply-adds per sample, used to choose how many threads pay off."""
    total = 0
    for node_id in model.node_ids:
        module = model.layer(node_id)
        out = model.shapes[node_id]
        if isinstance(module, nn.Linear):
            total += module.in_features * math.prod(out)
        elif isinstance(module, (nn.Conv1d, nn.Conv2d)):
            total += module.weight[0].numel() * math.prod(out)
        elif isinstance(module, (nn.LSTM, nn.GRU)):
            steps = model.input_shapes[node_id][0][0]
            total += sum(p.numel() for p in module.parameters()) * steps
    return total
