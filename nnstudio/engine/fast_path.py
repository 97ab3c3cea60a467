"""The trainer's fast path: small Dense networks trained with `backprop.DenseStack` in NumPy.

For the networks learners build most (a few hundred weights, batches of 32), PyTorch's cost per
operation (autograd bookkeeping, dispatch, a new tensor per result) is most of a step; NumPy with
`out=` buffers does the same arithmetic in a fraction of the time (benchmarks/bench_training.py,
variant e against d). The trainer (`engine.trainer`) uses this path when `blocker()` finds
nothing it does not cover, and nothing else can tell: the model's own parameters are views of
the flat buffer this path updates (`backprop.FlatParameters`), so validation, snapshots, early
stopping and the returned model read the very numbers trained, and `.grad` views the gradients.

Randomness is drawn as the torch path draws it (the epoch order from the run's generator,
dropout masks from the global torch generator), so both paths see the same batches and masks
and end at the same weights within float rounding; within this path a run repeats bit for bit.
The optimizer step is fused: a few operations over the whole flat buffer, whatever the layers.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from nnstudio.core.config import TrainingConfig
from nnstudio.core.network import Network
from nnstudio.engine.backprop import DenseStack, LossHead, unsupported_layer
from nnstudio.engine.losses import Objective
from nnstudio.engine.modules import GraphModule
from nnstudio.engine.weights import named_tensors

OPTIMIZERS = ("sgd", "adam", "adamw")
LOSSES = ("bce", "cross_entropy", "mse", "mae", "huber")
ADAM_BETAS = (0.9, 0.999)  # torch.optim.Adam's defaults, as the torch path uses them
ADAM_EPS = 1e-8
CLIP_EPS = 1e-6  # as torch.nn.utils.clip_grad_norm_


def blocker(network: Network, model: GraphModule, objective: Objective, config: TrainingConfig,
            device: torch.device, threads: int) -> str | None:
    """Why this run needs the torch path, in words; None when the fast path covers it.

    Covered: the networks `DenseStack` runs (see `backprop.unsupported_layer`), float32 on the
    CPU with one thread (bigger models get more threads, where torch's kernels win), every loss,
    optimizers SGD/Adam/AdamW, any schedule, L1/L2 and clipping.
    """
    if device.type != "cpu":
        return f"runs on {device.type}"
    if threads != 1:
        return f"{threads} CPU threads (the fast path uses one; bigger models get more)"
    if config.optimizer not in OPTIMIZERS:
        return f"optimizer {config.optimizer}"
    if objective.loss not in LOSSES:
        return f"loss {objective.loss}"
    if objective.positions > 1:
        return "a class per position (a softmax per group of outputs)"
    reason = unsupported_layer(network, model)
    if reason is not None:
        return reason
    if any(p.dtype != torch.float32 for p in model.parameters()):
        return "parameters are not float32"
    return None


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
        self.head = LossHead(objective, rows)
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
        # The epoch snapshots' weights and gradient norms read these NumPy views directly:
        # through torch they cost about a tenth of a small network's training.
        self.stored = {key: tensor.numpy() for key, tensor in named_tensors(model).items()}
        self.layer_grads = {
            node_id: [self.flat.of(parameter)[1].reshape(-1)
                      for parameter in model.layer(node_id).parameters()
                      if id(parameter) in self.flat.views]
            for node_id in model.node_ids if model.layer(node_id) is not None}

    def set_learning_rate(self, rate: float) -> None:
        self.rate = rate

    def weights(self) -> dict[str, np.ndarray]:
        """Copies of every stored tensor, as `weights.model_to_arrays` gives them."""
        return {key: array.copy() for key, array in self.stored.items()}

    def gradient_norms(self) -> dict[str, float]:
        """Each layer's gradient norm on the last batch, as `inspection.gradient_norms`."""
        return {node_id: math.sqrt(sum(float(np.dot(g, g)) for g in grads))
                for node_id, grads in self.layer_grads.items() if grads}

    def weight_norm(self) -> float:
        """The L2 norm of all learned parameters together, as `inspection.weight_norm`."""
        values = self.flat.values
        return math.sqrt(float(np.dot(values, values)))

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
