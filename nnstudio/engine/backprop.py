"""The fast path: explicit forward and backward passes in NumPy for small stacks of Dense,
activation and dropout layers, with a fused optimizer step and preallocated buffers.

For the networks learners build most (a few hundred weights, batches of 32), PyTorch's cost per
operation (autograd bookkeeping, dispatch, a new tensor per result) is most of a step; NumPy with
`out=` buffers does the same arithmetic in a fraction of the time (benchmarks/bench_training.py,
variant e against d). The trainer (`engine.trainer`) uses this path when `blocker()` finds
nothing it does not cover, and nothing else can tell: the model's own parameters become views
of one flat NumPy buffer, so validation, snapshots, early stopping and the returned model read
the very numbers this path updates, and each parameter's `.grad` views the gradient buffer.

Randomness is drawn as the torch path draws it (the epoch order from the run's generator,
dropout masks from the global torch generator with `bernoulli_`), so both paths see the same
batches and masks and end at the same weights within float rounding; within this path a run is
repeatable bit for bit.

`DenseStack` is the per-layer forward/backward on its own (every layer's output and gradient
readable after a step), for any caller that wants explicit backpropagation, and is tested
against autograd.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from nnstudio.core.config import TrainingConfig
from nnstudio.core.network import Network
from nnstudio.engine.losses import Objective
from nnstudio.engine.modules import GraphModule

OPTIMIZERS = ("sgd", "adam", "adamw")
LOSSES = ("bce", "cross_entropy", "mse", "mae", "huber")
ACTIVATIONS = ("linear", "relu", "leaky_relu", "elu", "sigmoid", "tanh", "sine")
PASSIVE_LAYERS = ("input", "flatten")  # layers that only reshape
ADAM_BETAS = (0.9, 0.999)  # torch.optim.Adam's defaults, as the torch path uses them
ADAM_EPS = 1e-8
CLIP_EPS = 1e-6  # as torch.nn.utils.clip_grad_norm_


def blocker(network: Network, model: GraphModule, objective: Objective, config: TrainingConfig,
            device: torch.device, threads: int) -> str | None:
    """Why this run needs the torch path, in words; None when the fast path covers it.

    Covered: a plain stack of Input, Flatten, Dense (1-D inputs), Dropout and the activations
    in ACTIVATIONS, float32 on the CPU with one thread (bigger models get more threads, where
    torch's kernels win), every loss, optimizers SGD/Adam/AdamW, any schedule, L1/L2, clipping.
    """
    if device.type != "cpu":
        return f"runs on {device.type}"
    if threads != 1:
        return f"{threads} CPU threads (the fast path uses one; bigger models get more)"
    if config.optimizer not in OPTIMIZERS:
        return f"optimizer {config.optimizer}"
    if objective.loss not in LOSSES:
        return f"loss {objective.loss}"
    previous = None
    for node_id in model.node_ids:
        node = network.node(node_id)
        if previous is not None and tuple(node.inputs) != (previous,):
            return f"{node_id}: not a plain stack"
        previous = node_id
        if node.type == "dense":
            if len(model.input_shapes[node_id][0]) != 1:
                return f"{node_id}: Dense on {len(model.input_shapes[node_id][0])}-D inputs"
            if node.params["activation"] not in ACTIVATIONS and not _absorbed(model, node_id):
                return f"{node_id}: activation {node.params['activation']}"
        elif node.type not in (*PASSIVE_LAYERS, "dropout", *ACTIVATIONS) \
                and not _absorbed(model, node_id):
            return f"{node_id}: layer type {node.type}"
    if any(p.dtype != torch.float32 for p in model.parameters()):
        return "parameters are not float32"
    return None


def _absorbed(model: GraphModule, node_id: str) -> bool:
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

    def of(self, parameter: torch.nn.Parameter | None) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(values view, gradient view) of one of the model's parameters (None, None for None)."""
        return self.views[id(parameter)] if parameter is not None else (None, None)


# ---- optimizers: fused steps on the flat buffers ----------------------------------------------

class _Sgd:
    """torch.optim.SGD (dampening 0): momentum buffer starts as the first gradient."""

    def __init__(self, config: TrainingConfig, size: int):
        self.momentum = config.momentum
        self.nesterov = config.nesterov and self.momentum > 0
        self.buffer = np.zeros(size, np.float32) if self.momentum > 0 else None
        self.started = False

    def step(self, values: np.ndarray, grads: np.ndarray, rate: float) -> None:
        direction = grads
        if self.buffer is not None:
            if self.started:
                self.buffer *= np.float32(self.momentum)
                self.buffer += grads
            else:
                np.copyto(self.buffer, grads)
                self.started = True
            if self.nesterov:
                grads += np.float32(self.momentum) * self.buffer
            else:
                direction = self.buffer
        values -= np.float32(rate) * direction


class _Adam:
    """torch.optim.Adam / AdamW with default betas and eps (decoupled decay for AdamW)."""

    def __init__(self, config: TrainingConfig, size: int):
        self.decay = config.weight_decay if config.optimizer == "adamw" else 0.0
        self.first = np.zeros(size, np.float32)
        self.second = np.zeros(size, np.float32)
        self.scratch = np.empty(size, np.float32)
        self.steps = 0

    def step(self, values: np.ndarray, grads: np.ndarray, rate: float) -> None:
        beta1, beta2 = ADAM_BETAS
        self.steps += 1
        if self.decay:
            values *= np.float32(1 - rate * self.decay)
        scratch = self.scratch
        self.first *= np.float32(beta1)
        np.multiply(grads, np.float32(1 - beta1), out=scratch)
        self.first += scratch
        self.second *= np.float32(beta2)
        np.multiply(grads, grads, out=scratch)
        scratch *= np.float32(1 - beta2)
        self.second += scratch
        correction1 = 1 - beta1 ** self.steps
        correction2_root = math.sqrt(1 - beta2 ** self.steps)
        np.sqrt(self.second, out=scratch)
        scratch *= np.float32(1 / correction2_root)
        scratch += np.float32(ADAM_EPS)
        np.divide(self.first, scratch, out=scratch)
        scratch *= np.float32(rate / correction1)
        values -= scratch


def _optimizer(config: TrainingConfig, size: int):
    return _Sgd(config, size) if config.optimizer == "sgd" else _Adam(config, size)


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
            activation_name = None if _absorbed(model, node_id) else \
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

class _LossHead:
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


# ---- the trainer's steps ----------------------------------------------------------------------

class FastSteps:
    """The trainer's per-batch work on the fast path (the torch path has the same methods).

    `begin_epoch(order)` gathers the epoch's data; `step(batch, start, end)` trains one batch;
    the epoch's batch losses and outputs are read back as tensors for the trainer's metrics.
    """

    def __init__(self, network: Network, model: GraphModule, objective: Objective,
                 config: TrainingConfig, x: torch.Tensor, targets: torch.Tensor):
        self.n = int(x.shape[0])
        rows = min(config.batch_size, self.n)
        self.stack = DenseStack(network, model, rows)
        self.flat = self.stack.parameters
        self.head = _LossHead(objective, rows)
        self.optimizer = _optimizer(config, self.flat.values.size)
        self.rate = config.learning_rate
        self.l1, self.l2, self.clip = config.l1, config.l2, config.grad_clip
        self.batch_size = config.batch_size
        self.batches = math.ceil(self.n / config.batch_size)
        self.x = x.numpy()
        self.targets = targets  # the loss's form, for the trainer's metrics
        self.compared = _compared_targets(objective, targets.numpy())
        self.outputs = np.empty((self.n, objective.outputs), np.float32)
        self.penalties = np.zeros(self.batches, np.float64)
        self.divisor = self.head.per_sample_divisor(objective.outputs)
        self.xs = self.ts = self.compared_batches = None

    def set_learning_rate(self, rate: float) -> None:
        self.rate = rate

    def begin_epoch(self, order: torch.Tensor) -> None:
        index = order.numpy()
        self.xs = self.x[index]
        self.ts = self.targets.index_select(0, order)
        self.compared_batches = self.compared[index]

    def step(self, batch: int, start: int, end: int) -> None:
        """Forward, loss gradient, backward, penalties, clipping, optimizer: one batch."""
        values = self.outputs[start:end]
        self.head.values(self.stack.forward(self.xs[start:end]), values)
        self.stack.backward(self.head.gradient(values, self.compared_batches[start:end]))
        flat = self.flat
        if self.l1 or self.l2:
            self.penalties[batch] = self._penalize(flat.values[:flat.penalized],
                                                   flat.grads[:flat.penalized])
        if self.clip:
            norm = math.sqrt(float(np.dot(flat.grads, flat.grads)))
            scale = self.clip / (norm + CLIP_EPS)
            if not scale >= 1.0:  # NaN scales too, as in torch
                flat.grads *= np.float32(scale)
        self.optimizer.step(flat.values, flat.grads, self.rate)

    def _penalize(self, weights: np.ndarray, grads: np.ndarray) -> float:
        penalty = 0.0
        if self.l1:
            penalty += self.l1 * float(np.abs(weights).sum())
            grads += np.float32(self.l1) * np.sign(weights)
        if self.l2:
            penalty += self.l2 * float(np.dot(weights, weights))
            grads += np.float32(2 * self.l2) * weights
        return penalty

    def batch_losses(self, first: int = 0, last: int | None = None) -> np.ndarray:
        """The mean loss of batches `first` to `last` (exclusive) of this epoch, as trained."""
        last = self.batches if last is None else last
        start, end = first * self.batch_size, min(last * self.batch_size, self.n)
        bounds = np.arange(0, end - start, self.batch_size)
        sizes = np.minimum(bounds + self.batch_size, end - start) - bounds
        with np.errstate(all="ignore"):  # a diverged run's losses are NaN/inf: the trainer says so
            per_sample = self.head.sample_losses(self.outputs[start:end],
                                                 self.compared_batches[start:end])
            means = np.add.reduceat(per_sample, bounds) / (sizes * self.divisor)
            return (means + self.penalties[first:last]).astype(np.float32)

    def mean_loss(self, first: int, last: int) -> float:
        return float(self.batch_losses(first, last).mean())

    def epoch_losses(self) -> torch.Tensor:
        return torch.from_numpy(self.batch_losses())

    def epoch_outputs(self) -> torch.Tensor:
        return torch.from_numpy(self.outputs)

    def epoch_targets(self) -> torch.Tensor:
        return self.ts


def _compared_targets(objective: Objective, targets: np.ndarray) -> np.ndarray:
    """Targets as the gradient compares them: one-hot rows for cross-entropy."""
    if objective.loss == "cross_entropy":
        return np.eye(objective.outputs, dtype=np.float32)[targets]
    return targets.astype(np.float32, copy=False)
