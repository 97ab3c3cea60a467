"""Explicit backpropagation in NumPy for plain stacks of Dense, activation and Dropout layers.

`DenseStack` runs a network's layers over the model's own parameters (rebound to views of one
flat buffer, `FlatParameters`) with preallocated buffers: `forward` keeps every layer's output,
`backward` writes every parameter's gradient, each readable by node id after a step. `LossHead`
gives dL/dlogits for every loss. Tested against autograd; the trainer's fast path
(`engine.fast_path`) is built on it, and so can any view that steps through backpropagation.

Dropout masks come from the global torch generator, drawn as `F.dropout` draws them on the CPU,
so a stack drops the same units as the torch module would.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from nnstudio.core.network import Network
from nnstudio.engine.losses import Objective
from nnstudio.engine.modules import GraphModule

ACTIVATIONS = ("linear", "relu", "leaky_relu", "elu", "sigmoid", "tanh", "sine")
PASSIVE_LAYERS = ("input", "flatten")  # layers that only reshape


def unsupported_layer(network: Network, model: GraphModule) -> str | None:
    """Why `DenseStack` cannot run this network (naming the node), or None when it can: a plain
    stack of Input, Flatten, Dense on 1-D inputs, Dropout and the activations in ACTIVATIONS
    (a final sigmoid/softmax is the loss's), with at least one Dense layer."""
    previous = None
    for node_id in model.node_ids:
        node = network.node(node_id)
        if previous is not None and tuple(node.inputs) != (previous,):
            return f"{node_id}: not a plain stack"
        previous = node_id
        if node.type == "dense":
            if len(model.input_shapes[node_id][0]) != 1:
                return f"{node_id}: Dense on {len(model.input_shapes[node_id][0])}-D inputs"
            if node.params["activation"] not in ACTIVATIONS and not absorbed(model, node_id):
                return f"{node_id}: activation {node.params['activation']}"
        elif node.type not in (*PASSIVE_LAYERS, "dropout", *ACTIVATIONS) \
                and not absorbed(model, node_id):
            return f"{node_id}: layer type {node.type}"
    if not any(network.node(node_id).type == "dense" for node_id in model.node_ids):
        return "no Dense layer to train"
    return None


def absorbed(model: GraphModule, node_id: str) -> bool:
    """The output node's sigmoid/softmax, which the loss takes over (see `modules`)."""
    return node_id == model.output_id and model.output_activation is not None


# ---- activations: in place on a layer's output buffer -----------------------------------------

class _Activation:
    """Applies itself in place to `y`, and multiplies a gradient by its derivative."""

    def forward(self, y: np.ndarray) -> None:
        pass

    def backward(self, g: np.ndarray, y: np.ndarray) -> None:
        pass


class _Relu(_Activation):
    def forward(self, y):
        np.maximum(y, 0, out=y)

    def backward(self, g, y):
        np.multiply(g, y > 0, out=g)


class _Tanh(_Activation):
    def forward(self, y):
        np.tanh(y, out=y)

    def backward(self, g, y):
        g -= g * y * y


class _Sigmoid(_Activation):
    # Through tanh: no overflow for large negative inputs, which exp(-x) would warn about.
    def forward(self, y):
        y *= 0.5
        np.tanh(y, out=y)
        y *= 0.5
        y += 0.5

    def backward(self, g, y):
        g *= y * (1 - y)


class _LeakyRelu(_Activation):
    def __init__(self, slope: float):
        self.slope = np.float32(slope)

    def forward(self, y):
        y *= np.where(y > 0, np.float32(1), self.slope)

    def backward(self, g, y):
        g *= np.where(y > 0, np.float32(1), self.slope)


class _Elu(_Activation):
    def __init__(self, alpha: float):
        self.alpha = np.float32(alpha)

    def forward(self, y):
        negative = y <= 0
        y[negative] = self.alpha * np.expm1(y[negative])

    def backward(self, g, y):
        g *= np.where(y > 0, np.float32(1), y + self.alpha)


class _Sine(_Activation):
    """sin(f·x); keeps f·x to take the cosine of on the way back."""

    def __init__(self, frequency: float):
        self.frequency = np.float32(frequency)
        self.scaled: np.ndarray | None = None

    def forward(self, y):
        if self.frequency != 1:
            y *= self.frequency
        self.scaled = y.copy()
        np.sin(y, out=y)

    def backward(self, g, y):
        g *= np.cos(self.scaled)
        if self.frequency != 1:
            g *= self.frequency


def _activation(name: str, params: dict) -> _Activation:
    if name == "relu":
        return _Relu()
    if name == "tanh":
        return _Tanh()
    if name == "sigmoid":
        return _Sigmoid()
    if name == "leaky_relu":
        return _LeakyRelu(params.get("negative_slope", 0.01))
    if name == "elu":
        return _Elu(params.get("alpha", 1.0))
    if name == "sine":
        return _Sine(params.get("frequency", 1.0))
    return _Activation()  # linear


# ---- layers -----------------------------------------------------------------------------------

class DenseLayer:
    """y = act(x Wᵀ + b). `backward(g)` takes dL/dy, writes dL/dW and dL/db into the gradient
    views, and returns dL/dx (None for the first layer, which needs none)."""

    def __init__(self, node_id: str, weight: np.ndarray, bias: np.ndarray | None,
                 weight_grad: np.ndarray, bias_grad: np.ndarray | None, activation: _Activation,
                 rows: int, first: bool):
        self.node_id = node_id
        self.weight, self.bias = weight, bias
        self.weight_grad, self.bias_grad = weight_grad, bias_grad
        self.activation = activation
        units, inputs = weight.shape
        self.output_buffer = np.empty((rows, units), np.float32)
        self.input_grad_buffer = None if first else np.empty((rows, inputs), np.float32)
        self.input: np.ndarray | None = None
        self.output: np.ndarray | None = None
        self.delta: np.ndarray | None = None  # dL/dz of the last backward, for the step view

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        y = self.output_buffer[:x.shape[0]]
        np.matmul(x, self.weight.T, out=y)
        if self.bias is not None:
            y += self.bias
        self.activation.forward(y)
        self.input, self.output = x, y
        return y

    def backward(self, g: np.ndarray) -> np.ndarray | None:
        self.activation.backward(g, self.output)
        self.delta = g
        np.matmul(g.T, self.input, out=self.weight_grad)
        if self.bias_grad is not None:
            np.sum(g, axis=0, out=self.bias_grad)
        if self.input_grad_buffer is None:
            return None
        return np.matmul(g, self.weight, out=self.input_grad_buffer[:g.shape[0]])


class ActivationLayer:
    """A standalone activation node."""

    def __init__(self, node_id: str, activation: _Activation, rows: int, width: int):
        self.node_id = node_id
        self.activation = activation
        self.output_buffer = np.empty((rows, width), np.float32)
        self.output: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        y = self.output_buffer[:x.shape[0]]
        np.copyto(y, x)
        self.activation.forward(y)
        self.output = y
        return y

    def backward(self, g: np.ndarray) -> np.ndarray:
        self.activation.backward(g, self.output)
        return g


class DropoutLayer:
    """Inverted dropout with torch's own masks (`bernoulli_(1 - rate) / (1 - rate)` from the
    global generator, as `F.dropout` draws them on the CPU), so both paths drop the same units."""

    def __init__(self, node_id: str, rate: float, rows: int, width: int):
        self.node_id = node_id
        self.keep = 1.0 - rate
        self.output_buffer = np.empty((rows, width), np.float32)
        self.mask: np.ndarray | None = None
        self.output: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        if not training or self.keep == 1.0:
            self.mask = None
            self.output = x
            return x
        self.mask = torch.empty(x.shape).bernoulli_(self.keep).div_(self.keep).numpy()
        self.output = np.multiply(x, self.mask, out=self.output_buffer[:x.shape[0]])
        return self.output

    def backward(self, g: np.ndarray) -> np.ndarray:
        if self.mask is not None:
            g *= self.mask
        return g


class FlattenLayer:
    """Flatten (and the input's own shape): a reshape both ways."""

    def __init__(self, node_id: str):
        self.node_id = node_id
        self.shape: tuple[int, ...] = ()
        self.output: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        self.shape = x.shape
        self.output = x.reshape(x.shape[0], -1)
        return self.output

    def backward(self, g: np.ndarray) -> np.ndarray:
        return g.reshape(self.shape)


# ---- the parameters: one flat buffer ----------------------------------------------------------

class FlatParameters:
    """Every trainable tensor of `model` as a view of one float32 buffer `values`, with a
    gradient buffer `grads` of the same layout, so an optimizer step is a few operations on
    whole buffers. The model's parameters are rebound to these views (`.data`, `.grad`); the
    weights the L1/L2 penalties apply to come first, `values[:penalized]`."""

    def __init__(self, model: GraphModule):
        parameters = [p for p in model.parameters() if p.requires_grad]
        # The penalty's selection, as the torch path makes it (weights of rank > 1).
        penalized_ids = {id(p) for name, p in model.named_parameters()
                         if name.rsplit(".", 1)[-1].startswith("weight") and p.dim() > 1}
        ordered = sorted(parameters, key=lambda p: id(p) not in penalized_ids)
        self.penalized = sum(p.numel() for p in ordered if id(p) in penalized_ids)
        total = sum(p.numel() for p in ordered)
        self.values = np.empty(total, np.float32)
        self.grads = np.zeros(total, np.float32)
        self.views: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        offset = 0
        with torch.no_grad():
            for parameter in ordered:
                end = offset + parameter.numel()
                value = self.values[offset:end].reshape(parameter.shape)
                grad = self.grads[offset:end].reshape(parameter.shape)
                value[...] = parameter.detach().numpy()
                parameter.data = torch.from_numpy(value)
                parameter.grad = torch.from_numpy(grad)
                self.views[id(parameter)] = (value, grad)
                offset = end

    def of(self, parameter: torch.nn.Parameter | None
           ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(values view, gradient view) of one of the model's parameters (None, None for None)."""
        return self.views[id(parameter)] if parameter is not None else (None, None)


# ---- the stack: per-layer forward and backward ------------------------------------------------

class DenseStack:
    """A covered network (see `blocker`) as NumPy layers over the model's own parameters.

    `forward(x, training)` returns the logits (the output's sigmoid/softmax left to the loss, as
    `GraphModule.forward` does); `backward(g)` takes dL/dlogits and fills `parameters.grads`.
    After a step every layer's `output` (and the gradient buffers) can be read, per node.
    """

    def __init__(self, network: Network, model: GraphModule, rows: int):
        self.parameters = FlatParameters(model)
        self.layers: list = []
        first_dense = True
        for node_id in model.node_ids:
            node = network.node(node_id)
            width = math.prod(model.shapes[node_id])
            activation_name = None if absorbed(model, node_id) else \
                node.params.get("activation", node.type)
            if node.type in PASSIVE_LAYERS:
                self.layers.append(FlattenLayer(node_id))
            elif node.type == "dense":
                module = model.layer(node_id)
                weight, weight_grad = self.parameters.of(module.weight)
                bias, bias_grad = self.parameters.of(module.bias)
                self.layers.append(DenseLayer(
                    node_id, weight, bias, weight_grad, bias_grad,
                    _activation(activation_name or "linear", {}), rows, first_dense))
                first_dense = False
            elif node.type == "dropout":
                self.layers.append(DropoutLayer(node_id, node.params["rate"], rows, width))
            elif activation_name is not None:
                self.layers.append(ActivationLayer(
                    node_id, _activation(activation_name, node.params), rows, width))
        # Layers before the first Dense need no gradient (nothing to learn below them).
        first = next(i for i, layer in enumerate(self.layers) if isinstance(layer, DenseLayer))
        self._backward_layers = self.layers[first:][::-1]

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def backward(self, g: np.ndarray) -> None:
        for layer in self._backward_layers:
            g = layer.backward(g)


# ---- losses: gradient per batch, values per batch afterwards ----------------------------------

class LossHead:
    """Turns logits into the values the loss compares (kept for the epoch's metrics) and writes
    dL/dlogits; batch losses are computed later, at once, from the kept values."""

    def __init__(self, objective: Objective, rows: int):
        self.loss = objective.loss
        self.output = objective.output_activation if not objective.on_logits else None
        self.grad_buffer = np.empty((rows, objective.outputs), np.float32)

    def values(self, logits: np.ndarray, out: np.ndarray) -> None:
        """`out` = what the loss compares: logits for cross-entropy, the drawn output else."""
        np.copyto(out, logits)
        if self.output == "sigmoid":
            _Sigmoid().forward(out)
        elif self.output == "softmax":
            _softmax(out)

    def gradient(self, values: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """dL/dlogits of the batch's mean loss. `targets` one-hot for cross-entropy."""
        g = self.grad_buffer[:values.shape[0]]
        if self.loss == "bce":
            np.copyto(g, values)
            _Sigmoid().forward(g)
            g -= targets
            g *= np.float32(1 / g.size)
            return g
        if self.loss == "cross_entropy":
            np.copyto(g, values)
            _softmax(g)
            g -= targets
            g *= np.float32(1 / g.shape[0])
            return g
        np.subtract(values, targets, out=g)
        if self.loss == "mse":
            g *= np.float32(2 / g.size)
        elif self.loss == "mae":
            np.sign(g, out=g)
            g *= np.float32(1 / g.size)
        else:  # huber, delta 1
            np.clip(g, -1, 1, out=g)
            g *= np.float32(1 / g.size)
        if self.output == "sigmoid":
            g *= values * (1 - values)
        elif self.output == "softmax":
            g -= (g * values).sum(axis=1, keepdims=True)
            g *= values
        return g

    def sample_losses(self, values: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Each sample's loss, summed over its outputs (float64)."""
        v, t = values.astype(np.float64), targets.astype(np.float64)
        if self.loss == "bce":
            return (np.maximum(v, 0) - v * t + np.log1p(np.exp(-np.abs(v)))).sum(axis=1)
        if self.loss == "cross_entropy":
            top = v.max(axis=1, keepdims=True)
            log_z = np.log(np.exp(v - top).sum(axis=1)) + top[:, 0]
            return log_z - (v * t).sum(axis=1)
        error = v - t
        if self.loss == "mse":
            return (error * error).sum(axis=1)
        if self.loss == "mae":
            return np.abs(error).sum(axis=1)
        size = np.abs(error)
        return np.where(size < 1, 0.5 * error * error, size - 0.5).sum(axis=1)

    def per_sample_divisor(self, width: int) -> int:
        """What a batch's summed sample losses are divided by, per sample (mean reduction)."""
        return 1 if self.loss == "cross_entropy" else width


def _softmax(x: np.ndarray) -> None:
    x -= x.max(axis=1, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=1, keepdims=True)
