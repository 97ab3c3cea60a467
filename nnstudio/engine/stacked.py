"""Training many models at once: N networks of one structure as ONE batched computation.

For small networks most of a training step is per-operation overhead, so N models stacked
into one computation cost about as much per step as one (benchmarks/bench_sweep.py).

- Plain Dense stacks are hand-stacked into (N, in, out) weights run with `torch.baddbmm`.
  Stacks that differ only in width can be padded to the widest and masked (`pad`): the padded
  weights start at zero and their gradients are masked to zero, so each model still computes
  exactly its own function.
- Other networks (convolutions, normalization, embeddings, merges) go through
  `torch.func.vmap(functional_call)` over `stack_module_state`; BatchNorm keeps running
  statistics per model.
- LSTM and GRU layers (vmap has no batching rule for them) and the plateau schedule (each
  model would need its own learning rate) train one after another with `fit`.

One optimizer steps the stacked weights. Adam, AdamW, SGD (momentum, Nesterov), RMSprop and
Adagrad all update every number from its own gradient and state alone, so one of them over N
stacked models is exactly N independent optimizers. The loss is each model's own mean loss
(the sum over models is only what backward starts from: model i's gradient is its own);
L1/L2 penalties, gradient clipping (each model's norm on its own), early stopping and NaN
detection are per model, as `fit` does them for one.

Each model gets its own seed for its initial weights and its own batch order, drawn exactly
as `fit` draws them, so model i is the model `fit(networks[i], data, config.replace(seed=
seeds[i]))` trains, equal up to float rounding. Dropout masks come from one stream for the
group, so with Dropout the models match single runs in distribution only.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from nnstudio.core.config import TrainingConfig
from nnstudio.core.errors import SpecError
from nnstudio.core.layers import LAYER_TYPES
from nnstudio.core.metrics import lower_is_better
from nnstudio.core.network import Network, Node
from nnstudio.core.shapes import infer_shapes
from nnstudio.data.preprocessing import PreparedData
from nnstudio.engine.callbacks import Callback, EpochSnapshot, FitResult, TrainingControl
from nnstudio.engine.devices import pinned_threads, threads_for
from nnstudio.engine.evaluate import CHUNK, measure
from nnstudio.engine.losses import Objective
from nnstudio.engine.metrics import (
    CLASSIFICATION_METRICS,
    EXACT_MATCH,
    REGRESSION_METRICS,
    classification_metrics,
    exact_matches,
    regression_scores,
)
from nnstudio.engine.modules import GraphModule, activation_function, build_model, multiply_adds
from nnstudio.engine.optim import Schedule, make_optimizer, set_learning_rate
from nnstudio.engine.target_scaling import ScaledTraining
from nnstudio.engine.trainer import RunPlan, TrainingFailed, fit, plan_run
from nnstudio.engine.weights import model_to_arrays

__all__ = [
    "Cancel", "Group", "METHODS", "ManyResult", "StopWhen", "can_stack", "fit_many",
    "plan_groups", "scores_from_confusions", "stop_function",
]

METHODS = ("auto", "stacked", "vmap", "sequential")

# Layer types the hand-stacked (baddbmm) path runs, besides activations.
_STACKABLE = {"input", "dense", "dropout", "flatten"}
# Layer types vmap cannot batch (no batching rule for aten::lstm / aten::gru).
_NOT_VMAPPABLE = {"lstm", "gru"}

# Cost of one optimizer step apart from its arithmetic, in multiply-adds: the per-operation
# overhead of a small model. Padding several widths into one group pays while the zeros it adds
# cost less than the steps it saves. CPU: chosen with benchmarks/bench_sweep.py (on the CLI's
# default widths it groups 1-64 and trains 128 apart, 4.0x against 3.0x unpadded). GPUs: not
# measured (no GPU where this was written); a launch costs microseconds while thousands of
# multiply-adds run in parallel, so padding almost always pays there.
STEP_OVERHEAD_MACS = {"cpu": 2_000_000, "cuda": 200_000_000, "mps": 200_000_000}
# A stacked group stays below this many weights in all (Adam keeps three more copies).
MAX_GROUP_NUMBERS = 50_000_000


Cancel = Callable[[], bool] | TrainingControl | None


def stop_function(cancel: Cancel) -> Callable[[], bool]:
    """`cancel` (None, a `TrainingControl` or a function) as a function: True means stop."""
    if cancel is None:
        return lambda: False
    if isinstance(cancel, TrainingControl):
        return lambda: cancel.stop_requested
    return cancel


@dataclass(frozen=True)
class Group:
    """Jobs (positions into the `fit_many` lists) trained together, and how."""

    method: str  # "stacked", "vmap" or "sequential"
    jobs: tuple[int, ...]
    reason: str = ""  # why a group trains one model after another


def _network_key(network: Network) -> str:
    return json.dumps([[n.id, n.type, n.to_dict()["params"], list(n.inputs)]
                       for n in network.topological_order()], sort_keys=True)


def _structure_key(network: Network) -> str:
    """A plain Dense stack with its hidden widths left out: stacks with one key can share a
    padded group. The last Dense (the output layer) keeps its width."""
    order = network.topological_order()
    last = max((i for i, n in enumerate(order) if n.type == "dense"), default=-1)
    rows = []
    for index, node in enumerate(order):
        params = node.to_dict()["params"]
        if node.type == "dense" and index != last:
            params.pop("units")
        rows.append([node.type, params, len(node.inputs)])
    return json.dumps(rows, sort_keys=True)


def _has_hidden_softmax(network: Network) -> bool:
    """A softmax before the output layer: padding would count the padded units in its sum."""
    order = network.topological_order()
    last = max((i for i, n in enumerate(order) if n.type == "dense"), default=-1)
    return any(n.type == "softmax" or n.params.get("activation") == "softmax"
               for n in order[:last])


def can_stack(network: Network) -> bool:
    """Whether the hand-stacked path runs `network`: a plain stack of Dense layers on feature
    vectors, with activations, Dropout and a Flatten right after the input."""
    order = network.topological_order()
    if not order or order[0].type != "input":
        return False
    report = infer_shapes(network)
    for index, node in enumerate(order):
        if index and node.inputs != (order[index - 1].id,):
            return False
        is_activation = LAYER_TYPES[node.type].is_activation
        if node.type not in _STACKABLE and not is_activation:
            return False
        if node.type == "flatten" and index != 1:
            return False
        if node.type == "dense" and len(report.nodes[node.inputs[0]].shape) != 1:
            return False
    return True


def _sequential_reason(network: Network, config: TrainingConfig, method: str) -> str:
    if method == "sequential":
        return "asked for"
    if config.schedule == "plateau":
        return "the plateau schedule cuts each model's learning rate on its own"
    blocked = sorted({n.type for n in network.nodes} & _NOT_VMAPPABLE)
    if blocked:
        return f"{'/'.join(LAYER_TYPES[t].name for t in blocked)} layers cannot be batched"
    return ""


def plan_groups(networks: Sequence[Network], config: TrainingConfig, method: str = "auto",
                pad: bool | str = "auto", device: str = "cpu", batch: int = 32) -> list[Group]:
    """How `fit_many` will train the jobs: groups of models computed together.

    Jobs with the same network (the seeds of one size) always share a group; with `pad`
    ("auto": when it is cheaper, True: always, False: never), hand-stacked networks that differ
    only in width share one too, padded to the widest. Groups come smallest first.
    """
    if method not in METHODS:
        raise SpecError(f"sweep.method: must be one of {', '.join(METHODS)}, got {method!r}")
    groups: list[Group] = []
    buckets: dict[tuple[str, str], list[int]] = {}
    for index, network in enumerate(networks):
        reason = _sequential_reason(network, config, method)
        if reason:
            groups.append(Group("sequential", (index,), reason))
            continue
        stacked = method in ("auto", "stacked") and can_stack(network)
        if method == "stacked" and not stacked:
            raise SpecError("sweep.method: \"stacked\" runs plain stacks of Dense layers only; "
                            "choose \"auto\"")
        kind = "stacked" if stacked else "vmap"
        buckets.setdefault((kind, _network_key(network)), []).append(index)
    by_structure: dict[str, list[tuple[int, ...]]] = {}
    for (kind, key), jobs in buckets.items():
        if kind == "vmap":
            groups.append(Group("vmap", tuple(jobs)))
        else:
            by_structure.setdefault(_structure_key(networks[jobs[0]]), []).append(tuple(jobs))
    overhead = STEP_OVERHEAD_MACS.get(device.split(":")[0], STEP_OVERHEAD_MACS["cpu"])
    for shapes in by_structure.values():
        for jobs in _merge_widths(shapes, networks, pad, overhead, batch):
            groups.append(Group("stacked", jobs))
    sizes = {i: infer_shapes(n).total_params for i, n in enumerate(networks)}
    groups.sort(key=lambda g: (max(sizes[j] for j in g.jobs), g.jobs[0]))
    return groups


def _dense_widths(network: Network) -> list[tuple[int, int]]:
    report = infer_shapes(network)
    return [(report.nodes[n.inputs[0]].shape[0], n.params["units"])
            for n in network.topological_order() if n.type == "dense"]


def _merge_widths(shapes: list[tuple[int, ...]], networks: Sequence[Network], pad: bool | str,
                  overhead: int, batch: int) -> list[tuple[int, ...]]:
    """Groups of same-structure stacks: one per width, merged (padded) where it pays."""
    if pad is False or _has_hidden_softmax(networks[shapes[0][0]]):
        return shapes
    ordered = sorted(shapes, key=lambda jobs: infer_shapes(networks[jobs[0]]).total_params)

    def cost(jobs: tuple[int, ...]) -> float:
        layers = [_dense_widths(networks[j]) for j in jobs]
        padded = [(max(l[k][0] for l in layers), max(l[k][1] for l in layers))
                  for k in range(len(layers[0]))]
        return overhead + len(jobs) * batch * sum(a * b for a, b in padded)

    def numbers(jobs: tuple[int, ...]) -> int:
        layers = [_dense_widths(networks[j]) for j in jobs]
        return len(jobs) * sum(max(l[k][0] for l in layers) * max(l[k][1] for l in layers)
                               for k in range(len(layers[0])))

    merged = [ordered[0]]
    for jobs in ordered[1:]:
        candidate = merged[-1] + jobs
        pays = pad is True or cost(candidate) <= cost(merged[-1]) + cost(jobs)
        if pays and numbers(candidate) <= MAX_GROUP_NUMBERS:
            merged[-1] = candidate
        else:
            merged.append(jobs)
    return merged


# ---- the stacked models ------------------------------------------------------------------------

class _DenseStack:
    """N plain Dense stacks as (N, in, out) weights run with baddbmm; mixed widths are padded
    to the widest and masked, so every model computes exactly its own function."""

    def __init__(self, networks: Sequence[Network], models: Sequence[GraphModule],
                 device: torch.device):
        self.count = len(models)
        first = models[0]
        order = networks[0].topological_order()
        self.ops: list[tuple] = []
        self.parameters: list[torch.Tensor] = []
        self.penalized: list[torch.Tensor] = []
        self._exports: list[tuple[str, int, int]] = []  # (node id, weight index, bias index)
        for node in order[1:]:
            absorbed = node.id == first.output_id and first.output_activation is not None
            if node.type == "dense":
                self._add_dense(node, [m.layer(node.id) for m in models], absorbed, device)
            elif node.type == "dropout":
                self.ops.append(("dropout", node.params["rate"]))
            elif node.type == "flatten":
                self.ops.append(("flatten",))
            elif not absorbed:
                function = activation_function(node.type, node.params, dim=-1)
                if function is not None:
                    self.ops.append(("act", function))
        self.training = True

    def _add_dense(self, node: Node, layers: list, absorbed: bool, device: torch.device) -> None:
        fan_in = max(layer.in_features for layer in layers)
        fan_out = max(layer.out_features for layer in layers)
        weight = torch.zeros(self.count, fan_in, fan_out)
        mask = torch.zeros(self.count, fan_in, fan_out)
        bias = torch.zeros(self.count, 1, fan_out) if layers[0].bias is not None else None
        for i, layer in enumerate(layers):
            weight[i, :layer.in_features, :layer.out_features] = layer.weight.detach().T
            mask[i, :layer.in_features, :layer.out_features] = 1.0
            if bias is not None:
                bias[i, 0, :layer.out_features] = layer.bias.detach()
        padded = not bool(mask.all())
        weight = weight.to(device).requires_grad_()
        self.parameters.append(weight)
        self.penalized.append(weight)
        bias_index = -1
        if bias is not None:
            bias = bias.to(device).requires_grad_()
            self.parameters.append(bias)
            bias_index = len(self.parameters) - 1
        self._exports.append((node.id, len(self.parameters) - 1 - (bias is not None), bias_index))
        activation = None if absorbed else activation_function(node.params["activation"], dim=-1)
        self.ops.append(("dense", weight, bias, mask.to(device) if padded else None, activation))

    def set_training(self, training: bool) -> None:
        self.training = training

    def forward(self, x: torch.Tensor, shared: bool = False) -> torch.Tensor:
        """Logits (N, batch, outputs) from inputs (N, batch, ...), or from (batch, ...) shared
        by all models when `shared`."""
        if shared:
            x = x.unsqueeze(0).expand(self.count, *x.shape)
        for op in self.ops:
            kind = op[0]
            if kind == "dense":
                _, weight, bias, mask, activation = op
                if mask is not None:
                    weight = weight * mask
                x = torch.bmm(x, weight) if bias is None else torch.baddbmm(bias, x, weight)
                if activation is not None:
                    x = activation(x)
            elif kind == "act":
                x = op[1](x)
            elif kind == "dropout":
                x = F.dropout(x, op[1], self.training)
            else:
                x = x.flatten(2)
        return x

    def state(self) -> list[torch.Tensor]:
        """Every stacked tensor (parameters; this stack has no buffers)."""
        return self.parameters

    def export(self, index: int, state: list[torch.Tensor], model: GraphModule) -> None:
        """Copy model `index`'s part of `state` into `model` (cutting away the padding)."""
        with torch.no_grad():
            for node_id, weight_index, bias_index in self._exports:
                layer = model.layer(node_id)
                rows, cols = layer.in_features, layer.out_features
                layer.weight.copy_(state[weight_index][index, :rows, :cols].T)
                if bias_index >= 0:
                    layer.bias.copy_(state[bias_index][index, 0, :cols])


class _Rebinding(torch.nn.Module):
    """Runs a GraphModule with the tensors functional_call put in place of its own.

    GraphModule reads some tensors once, ahead of time (Dense calls F.linear with its weight
    and bias bound in advance, for speed), so under functional_call it would silently compute
    with its own weights. Binding again inside the call reads the swapped-in ones.
    """

    def __init__(self, model: GraphModule):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rebind = getattr(self.model, "_bind", None)
        if rebind is not None:
            rebind()
        return self.model(x)


class _VmapStack:
    """N identical networks through `vmap(functional_call)` over `stack_module_state`."""

    def __init__(self, models: Sequence[GraphModule], device: torch.device):
        from torch.func import functional_call, stack_module_state, vmap

        self.count = len(models)
        for model in models:
            model.to(device)
        params, buffers = stack_module_state(list(models))
        # Names as the template (a _Rebinding around a copy) knows them.
        params = {f"model.{k}": v for k, v in params.items()}
        buffers = {f"model.{k}": v for k, v in buffers.items()}
        self.names = list(params)
        self.parameters = [p.detach().clone().requires_grad_() for p in params.values()]
        self.buffer_names = list(buffers)
        self.buffers = [b.detach().clone() for b in buffers.values()]
        self.penalized = [p for name, p in zip(self.names, self.parameters)
                          if name.rsplit(".", 1)[-1].startswith("weight") and p.dim() > 2]
        # A copy as the template: functional_call runs it with the stacked tensors put in
        # place of its own, and the copy keeps the models handed back untouched by that.
        self.base = _Rebinding(copy.deepcopy(models[0]))

        def call(parameters: dict, buffers: dict, x: torch.Tensor) -> torch.Tensor:
            return functional_call(self.base, (parameters, buffers), (x,))

        self._each = vmap(call, in_dims=(0, 0, 0), randomness="different")
        self._shared = vmap(call, in_dims=(0, 0, None), randomness="different")

    def set_training(self, training: bool) -> None:
        self.base.train(training)

    def forward(self, x: torch.Tensor, shared: bool = False) -> torch.Tensor:
        params = dict(zip(self.names, self.parameters))
        buffers = dict(zip(self.buffer_names, self.buffers))
        return (self._shared if shared else self._each)(params, buffers, x)

    def state(self) -> list[torch.Tensor]:
        return self.parameters + self.buffers

    def export(self, index: int, state: list[torch.Tensor], model: GraphModule) -> None:
        with torch.no_grad():
            for name, tensor in zip(self.names + self.buffer_names, state):
                name = name.removeprefix("model.")
                target = (model.get_parameter(name) if f"model.{name}" in self.names
                          else model.get_buffer(name))
                target.copy_(tensor[index])


# ---- per-model loss and metrics ----------------------------------------------------------------

def _losses(objective: Objective, values: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Each model's mean loss over its batch: (N,) from values (N, B, k) and targets."""
    n, batch = values.shape[0], values.shape[1]
    if objective.loss == "cross_entropy":  # one row per sample, or per position of a sample
        flat = F.cross_entropy(values.reshape(targets.numel(), -1), targets.reshape(-1),
                               reduction="none")
        return flat.reshape(n, -1).mean(1)
    if objective.loss == "bce":
        each = F.binary_cross_entropy_with_logits(values, targets, reduction="none")
    elif objective.loss == "mse":
        each = F.mse_loss(values, targets, reduction="none")
    elif objective.loss == "mae":
        each = F.l1_loss(values, targets, reduction="none")
    else:
        each = F.huber_loss(values, targets, reduction="none")
    return each.reshape(n, -1).mean(1)


def _predicted(objective: Objective, values: torch.Tensor) -> torch.Tensor:
    if objective.positions > 1:
        return objective.predicted_classes(values)
    if values.shape[-1] == 1:
        return (values[..., 0] > (0.0 if objective.on_logits else 0.5)).long()
    return values.argmax(dim=-1)


def _confusions(objective: Objective, values: torch.Tensor, classes: torch.Tensor) -> np.ndarray:
    """Each model's confusion matrix (N, C, C) from values (N, n, k) and classes (N, n) or,
    for a class per position, (N, n, positions)."""
    n_classes = max(objective.classes, 2)
    predicted = _predicted(objective, values)
    offsets = torch.arange(values.shape[0], device=values.device).reshape(
        -1, *[1] * (classes.dim() - 1))
    flat = (offsets * n_classes + classes) * n_classes + predicted
    counts = torch.bincount(flat.reshape(-1), minlength=values.shape[0] * n_classes ** 2)
    return counts.reshape(values.shape[0], n_classes, n_classes).cpu().numpy()


def scores_from_confusions(confusions: np.ndarray) -> list[dict[str, float]]:
    """`scores_from_confusion` for many confusion matrices (N, C, C) at once, with the same
    numbers: per epoch a sweep scores every model, and one numpy pass beats N small ones."""
    confusions = np.asarray(confusions, dtype=np.float64)
    total = confusions.sum(axis=(1, 2))
    true_positive = np.diagonal(confusions, axis1=1, axis2=2)
    predicted, actual = confusions.sum(axis=1), confusions.sum(axis=2)
    precision = _divide(true_positive, predicted)
    recall = _divide(true_positive, actual)
    f1 = _divide(2 * precision * recall, precision + recall)
    accuracy = _divide(true_positive.sum(axis=1), total)
    if confusions.shape[1] == 2:
        columns = (accuracy, precision[:, 1], recall[:, 1], f1[:, 1])
    else:
        present = (predicted + actual) > 0
        count = present.sum(axis=1)
        columns = (accuracy, *(_divide((m * present).sum(axis=1), count)
                               for m in (precision, recall, f1)))
    return [dict(zip(CLASSIFICATION_METRICS, map(float, row))) for row in zip(*columns)]


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.zeros(np.broadcast(numerator, denominator).shape, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def _scores(objective: Objective, values: torch.Tensor, targets: torch.Tensor,
            classes: torch.Tensor | None) -> tuple[list[dict[str, float]], np.ndarray | None]:
    """Metrics of each model (loss left out) and, for classes, the confusion matrices."""
    if objective.is_classification:
        confusions = _confusions(objective, values, classes)
        scores = scores_from_confusions(confusions)
        if objective.positions > 1:
            exact = (exact_matches(_predicted(objective, values), classes).double()
                     / classes.shape[1]).tolist()
            for row, share in zip(scores, exact):
                row[EXACT_MATCH] = share
        return scores, confusions
    return [regression_scores(v.cpu().numpy(), t.cpu().numpy())
            for v, t in zip(values, targets)], None


# ---- the batched run ---------------------------------------------------------------------------

@dataclass
class _ModelState:
    """What the batched loop tracks for one model."""

    history: dict[str, list[float]]
    reason: str = ""  # set when the model has finished: early_stopping / failed / completed
    finished_state: list[torch.Tensor] | None = None
    best_state: list[torch.Tensor] | None = None
    best_value: float | None = None
    best_epoch: int = 0
    epochs_run: int = 0
    error: str = ""


class _StackedRun:
    """The training loop of `fit`, for N models at once."""

    def __init__(self, plan: RunPlan, stack: _DenseStack | _VmapStack, seeds: Sequence[int],
                 cancel: Callable[[], bool], on_epoch: Callable[[int], None] | None):
        self.plan, self.stack, self.config = plan, stack, plan.config
        self.objective = plan.objective
        self.cancel, self.on_epoch = cancel, on_epoch
        self.count = stack.count
        self.optimizer = make_optimizer(self.config, stack.parameters, plan.device)
        self.schedule = Schedule(self.config, plan.batches_per_epoch)
        self.generators = [torch.Generator().manual_seed(int(s)) for s in seeds]
        names = self._metric_names()
        self.models = [_ModelState({name: [] for name in names}) for _ in range(self.count)]
        sizes = [min(self.config.batch_size, plan.train_samples - start)
                 for start in range(0, plan.train_samples, self.config.batch_size)]
        self.batch_sizes = torch.tensor(sizes, dtype=torch.float64)
        self.learning_rate = self.schedule.rate(0)
        self.output = (activation_function(plan.model.output_activation, dim=-1)
                       if plan.model.output_activation else None)

    def _metric_names(self) -> list[str]:
        names = (classification_metrics(self.objective.positions)
                 if self.objective.is_classification else REGRESSION_METRICS)
        train = ["loss", *names]
        val = [f"val_{n}" for n in train] if self.plan.validation_samples else []
        return [*train, *val, "lr"]

    def _values(self, logits: torch.Tensor) -> torch.Tensor:
        if self.objective.on_logits or self.output is None:
            return logits
        return self.output(logits)

    def _slice(self, index: int) -> list[torch.Tensor]:
        return [t[index].detach().clone() for t in self.stack.state()]

    def run(self) -> tuple[bool, list[torch.Tensor]]:
        """Train; (completed without a cancel, each model's finishing state as stacks)."""
        completed = True
        for epoch in range(self.config.epochs):
            good = [t.detach().clone() for t in self.stack.state()]
            if not self._train_epoch(epoch):
                completed = False
                break
            self._end_epoch(epoch, good)
            if self.on_epoch:
                self.on_epoch(epoch + 1)
            if all(m.reason for m in self.models):
                break
        if not completed:
            for model in self.models:
                model.reason = model.reason or "stopped"
        return completed, self._final_state()

    def _train_epoch(self, epoch: int) -> bool:
        plan, config, stack = self.plan, self.config, self.stack
        n, size = plan.train_samples, config.batch_size
        orders = torch.stack([torch.randperm(n, generator=g) for g in self.generators])
        orders = orders.to(plan.device)
        xs, ts = plan.x_train[orders], plan.t_train[orders]
        self.set_rate(self.schedule.rate(epoch, 0))
        penalty = config.l1 > 0 or config.l2 > 0
        parameters = stack.parameters
        ones = torch.ones(self.count, device=plan.device)
        losses: list[torch.Tensor] = []
        outputs: list[torch.Tensor] = []
        stack.set_training(True)
        for batch, start in enumerate(range(0, n, size)):
            if self.cancel():
                return False
            if self.schedule.per_batch:
                self.set_rate(self.schedule.rate(epoch, batch))
            values = self._values(stack.forward(xs[:, start:start + size]))
            loss = _losses(self.objective, values, ts[:, start:start + size])
            if penalty:
                loss = loss + self._penalty()
            for parameter in parameters:  # as zero_grad(set_to_none=True), minus its overhead
                parameter.grad = None
            # Backward from each model's own loss: d(total)/d(loss_i) = 1 for every model, so
            # model i's gradient is its own loss's gradient, as if it trained alone.
            loss.backward(ones)
            if config.grad_clip:
                self._clip(config.grad_clip)
            self.optimizer.step()
            losses.append(loss.detach())
            outputs.append(values.detach())
        self._epoch = (torch.stack(losses, 1), torch.cat(outputs, 1), ts, orders)
        return True

    def set_rate(self, rate: float) -> None:
        self.learning_rate = rate
        set_learning_rate(self.optimizer, rate)

    def _penalty(self) -> torch.Tensor:
        total = torch.zeros(self.count, device=self.plan.device)
        for weight in self.stack.penalized:
            if self.config.l1 > 0:
                total = total + self.config.l1 * weight.abs().flatten(1).sum(1)
            if self.config.l2 > 0:
                total = total + self.config.l2 * weight.square().flatten(1).sum(1)
        return total

    def _clip(self, limit: float) -> None:
        # As clip_grad_norm_, but each model's gradient is measured and scaled on its own.
        grads = [p.grad for p in self.stack.parameters if p.grad is not None]
        norms = torch.stack([g.flatten(1).square().sum(1) for g in grads]).sum(0).sqrt()
        factor = (limit / (norms + 1e-6)).clamp(max=1.0)
        for grad in grads:
            grad.mul_(factor.reshape(-1, *([1] * (grad.dim() - 1))))

    def _end_epoch(self, epoch: int, good: list[torch.Tensor]) -> None:
        plan = self.plan
        loss_matrix, outputs, targets, orders = self._epoch
        host = loss_matrix.double().cpu()  # the one read-back of the epoch's losses
        mean_loss = ((host * self.batch_sizes).sum(1) / plan.train_samples).tolist()
        finite = torch.isfinite(host).all(1).tolist()
        classes = plan.c_train[orders] if self.objective.is_classification else None
        train_scores, _ = _scores(self.objective, outputs, targets, classes)
        val_rows = self.measure(plan.x_val, plan.t_val, plan.c_val)[0] \
            if plan.validation_samples else None
        for i, model in enumerate(self.models):
            if model.reason:
                continue
            if not finite[i]:
                self._fail(i, epoch, host[i], good)
                continue
            row = {"loss": mean_loss[i], **train_scores[i]}
            if val_rows is not None:
                row.update({f"val_{k}": v for k, v in val_rows[i].items()})
            row["lr"] = self.learning_rate
            for name, values in model.history.items():
                values.append(float(row[name]))
            model.epochs_run = epoch + 1
            if self._watch(i, epoch, row):
                model.reason = "early_stopping"
                model.finished_state = model.best_state or self._slice(i)

    def _fail(self, index: int, epoch: int, losses: torch.Tensor, good: list[torch.Tensor]) -> None:
        model = self.models[index]
        batch = int((~torch.isfinite(losses)).nonzero()[0, 0])
        value = float(losses[batch])
        kind = "NaN" if math.isnan(value) else "infinite"
        model.reason = "failed"
        model.error = (f"the loss became {kind} at epoch {epoch + 1}, batch {batch + 1} "
                       f"(learning rate {self.learning_rate:g}); try a lower learning rate, "
                       "standardize the inputs, or set gradient clipping")
        model.finished_state = [t[index].clone() for t in good]

    def _watch(self, index: int, epoch: int, row: dict[str, float]) -> bool:
        """Early stopping for one model, as `fit` does it; True when its patience ran out."""
        monitor = self.plan.monitor
        if monitor is None or not self.config.early_stopping:
            return False
        model = self.models[index]
        value, lower = row[monitor], lower_is_better(monitor)
        better = model.best_value is None or (value < model.best_value if lower
                                              else value > model.best_value)
        if better and math.isfinite(value):
            model.best_value, model.best_epoch = value, epoch + 1
            if self.config.restore_best:
                model.best_state = self._slice(index)
            return False
        return epoch + 1 - model.best_epoch >= self.config.patience

    def _final_state(self) -> list[torch.Tensor]:
        """The stacked state with each finished model's chosen weights put back."""
        state = [t.detach().clone() for t in self.stack.state()]
        for i, model in enumerate(self.models):
            if model.finished_state is not None:
                for stacked, own in zip(state, model.finished_state):
                    stacked[i] = own
            if not model.reason:
                model.reason = "completed"
        return state

    def load(self, state: list[torch.Tensor]) -> None:
        with torch.no_grad():
            for tensor, value in zip(self.stack.state(), state):
                tensor.copy_(value)

    def measure(self, x: torch.Tensor, targets: torch.Tensor, classes: torch.Tensor | None
                 ) -> tuple[list[dict[str, float]], np.ndarray | None]:
        """Loss and metrics of every model on one split (eval mode, in chunks)."""
        self.stack.set_training(False)
        loss_sum = torch.zeros(self.count, dtype=torch.float64, device=x.device)
        values = []
        try:
            with torch.no_grad():
                for start in range(0, x.shape[0], CHUNK):
                    chunk = self._values(self.stack.forward(x[start:start + CHUNK], shared=True))
                    part = targets[start:start + CHUNK]
                    expanded = part.unsqueeze(0).expand(self.count, *part.shape)
                    loss_sum += _losses(self.objective, chunk, expanded).double() * part.shape[0]
                    values.append(chunk)
        finally:
            self.stack.set_training(True)
        values = torch.cat(values, 1)
        expanded_targets = targets.unsqueeze(0).expand(self.count, *targets.shape)
        expanded_classes = (classes.unsqueeze(0).expand(self.count, *classes.shape)
                            if classes is not None else None)
        rows, confusions = _scores(self.objective, values, expanded_targets, expanded_classes)
        losses = (loss_sum / max(1, x.shape[0])).cpu().tolist()
        return [{"loss": loss, **row} for loss, row in zip(losses, rows)], confusions


def _test_tensors(data: PreparedData, plan: RunPlan) -> tuple | None:
    if data.test.n_samples == 0:
        return None
    x = torch.tensor(data.test.x, device=plan.device)
    y = torch.tensor(data.test.y, device=plan.device)
    classes = y if plan.objective.is_classification else None
    return x, plan.objective.targets(y), classes


@dataclass(frozen=True)
class ManyResult:
    """One job of `fit_many`: the `FitResult` `fit` would give, its test metrics (empty when
    there is no test split), and how it was trained ("stacked", "vmap", "sequential")."""

    result: FitResult
    test_metrics: dict[str, float]
    method: str
    error: str = ""  # why a model failed (stop_reason "failed"); its weights are the last good


def fit_many(networks: Sequence[Network], seeds: Sequence[int], data: PreparedData,
             config: TrainingConfig | dict, *, method: str = "auto", pad: bool | str = "auto",
             on_progress: Callable[[int, int], None] | None = None, cancel: Cancel = None,
             groups: Sequence[Group] | None = None,
             keep_stopped: bool = False) -> list[ManyResult | None]:
    """Train `networks[i]` with seed `seeds[i]` for every i, batching what can be batched.

    Each result equals what `fit(networks[i], data, config.replace(seed=seeds[i]))` gives, up
    to float rounding (see the module notes for Dropout), plus test metrics. A model whose loss
    turns NaN does not stop the others: its result has stop_reason "failed" and the error.
    `on_progress(done, total)` counts model-epochs. `cancel` (a `TrainingControl` or a function
    returning True to stop) ends the run between batches; jobs not finished then are None,
    unless `keep_stopped`: then the models training when it came are kept as trained so far
    (stop_reason "stopped") and only jobs not started are None.
    SpecError (naming what to fix) before anything trains if a network does not fit the data.
    """
    config = config if isinstance(config, TrainingConfig) else TrainingConfig(config)
    if len(networks) != len(seeds):
        raise SpecError("sweep: give one seed per network")
    # A regression target trains standardized, as in `fit`, when every network can give its
    # predictions back in the target's units (engine.target_scaling).
    scalings = [ScaledTraining.for_run(network, data, config.loss) for network in networks]
    if scalings and all(scalings):
        data = scalings[0].data(data)
    else:
        scalings = [None] * len(networks)
    results = _fit_many(networks, seeds, data, config, method, pad, on_progress, cancel, groups,
                        keep_stopped)
    return [result if result is None or scaled is None else dataclasses.replace(
                result, result=scaled.result(result.result),
                test_metrics=scaled.metrics(result.test_metrics))
            for result, scaled in zip(results, scalings)]


def _fit_many(networks: Sequence[Network], seeds: Sequence[int], data: PreparedData,
              config: TrainingConfig, method: str, pad: bool | str,
              on_progress: Callable[[int, int], None] | None, cancel: Cancel,
              groups: Sequence[Group] | None, keep_stopped: bool) -> list[ManyResult | None]:
    stop = stop_function(cancel)
    plans = {}
    for index, network in enumerate(networks):  # every check before the first batch
        key = _network_key(network)
        if key not in plans:
            plans[key] = plan_run(network, data, config.replace(seed=int(seeds[index])))
    first = next(iter(plans.values()), None)
    if first is None:
        return []
    if groups is None:
        groups = plan_groups(networks, config, method, pad, first.device.type, config.batch_size)
    results: list[ManyResult | None] = [None] * len(networks)
    total = len(networks) * config.epochs
    done = 0
    for group in groups:
        if stop():
            break

        def progress(epochs: int, base: int = done, width: int = len(group.jobs)) -> None:
            if on_progress:
                on_progress(base + epochs * width, total)

        jobs = [(networks[j], int(seeds[j])) for j in group.jobs]
        plan = plans[_network_key(jobs[0][0])]
        trained = _train_group(group, jobs, data, plan, stop, progress, keep_stopped)
        for job, result in zip(group.jobs, trained):
            results[job] = result
        if any(result is None or result.result.stop_reason == "stopped" for result in trained):
            break
        done += len(group.jobs) * config.epochs
        if on_progress:
            on_progress(done, total)
    return results


def _train_group(group: Group, jobs: list[tuple[Network, int]], data: PreparedData,
                 plan: RunPlan, stop: Callable[[], bool], progress: Callable[[int], None],
                 keep_stopped: bool = False) -> list[ManyResult | None]:
    if group.method == "sequential":  # once stopped, the models after are not started
        return [None if stop() else _train_one(network, seed, data, plan.config, stop, progress,
                                               keep_stopped)
                for network, seed in jobs]
    config = plan.config
    device = plan.device
    models = [build_model(network, seed) for network, seed in jobs]
    if group.method == "stacked":
        stack: _DenseStack | _VmapStack = _DenseStack([n for n, _ in jobs], models, device)
    else:
        stack = _VmapStack(models, device)
    # Threads as `fit` would choose them for the largest model alone: the stacked models
    # share each operation, and a second thread on a busy 2-core machine costs far more
    # than it gives (measured: 10x slower with two threads on a loaded machine).
    widest = max(multiply_adds(model) for model in models)
    work = widest * min(config.batch_size, plan.train_samples) * 3
    threads = threads_for(work) if device.type == "cpu" else torch.get_num_threads()
    rng_devices = [device.index or 0] if device.type == "cuda" else []
    started = time.perf_counter()
    with pinned_threads(threads), torch.random.fork_rng(devices=rng_devices):
        torch.manual_seed(int(jobs[0][1]))  # dropout masks: one stream for the group
        run = _StackedRun(plan, stack, [seed for _, seed in jobs], stop, progress)
        completed, state = run.run()
        if not completed and not keep_stopped:
            return [None] * len(jobs)
        run.load(state)
        train_rows, _ = run.measure(plan.x_train, plan.t_train, plan.c_train)
        val_rows, confusions = (run.measure(plan.x_val, plan.t_val, plan.c_val)
                                if plan.validation_samples else (None, None))
        test = _test_tensors(data, plan)
        test_rows = run.measure(*test)[0] if test else None
    seconds = (time.perf_counter() - started) / len(jobs)
    results = []
    for i, (model, state_i) in enumerate(zip(models, run.models)):
        stack.export(i, state, model)
        final = dict(train_rows[i])
        if val_rows is not None:
            final.update({f"val_{k}": v for k, v in val_rows[i].items()})
        tested = {f"test_{k}": v for k, v in test_rows[i].items()} if test_rows else {}
        confusion = confusions[i] if confusions is not None else None
        result = FitResult(
            history={k: list(v) for k, v in state_i.history.items()}, final_metrics=final,
            weights=model_to_arrays(model), epochs_run=state_i.epochs_run,
            stop_reason=state_i.reason, best_epoch=state_i.best_epoch, seconds=seconds,
            device=str(device), confusion=confusion, model=model)
        results.append(ManyResult(result, tested, group.method, state_i.error))
    return results


class StopWhen(Callback):
    """Bridges a cancel function and per-epoch progress into one `fit`: asks `control` to stop
    when `stop()` turns True, and calls `progress(epoch)` after each epoch."""

    batch_interval = 16

    def __init__(self, stop: Callable[[], bool], control: TrainingControl,
                 progress: Callable[[int], None]):
        self.stop, self.control, self.progress = stop, control, progress

    def on_batch_end(self, snapshot: Any) -> None:
        if self.stop():
            self.control.stop()

    def on_epoch_end(self, snapshot: EpochSnapshot) -> None:
        self.progress(snapshot.epoch)
        if self.stop():
            self.control.stop()


def _train_one(network: Network, seed: int, data: PreparedData, config: TrainingConfig,
               stop: Callable[[], bool], progress: Callable[[int], None],
               keep_stopped: bool = False) -> ManyResult | None:
    control = TrainingControl()
    error = ""
    try:
        result = fit(network, data, config.replace(seed=seed),
                     [StopWhen(stop, control, progress)], control)
    except TrainingFailed as failure:
        if failure.result is None:
            raise
        result, error = failure.result, str(failure)
    if result.stop_reason == "stopped" and not keep_stopped:
        return None
    tested = {}
    if data.test.n_samples:
        plan = plan_run(network, data, config.replace(seed=seed))
        x, t, c = _test_tensors(data, plan)
        result.model.to(plan.device)
        metrics, _, _ = measure(result.model, plan.objective, x, t, c)
        tested = {f"test_{k}": v for k, v in metrics.items()}
    return ManyResult(result, tested, "sequential", error)
