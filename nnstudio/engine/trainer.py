"""The training loop: `fit(network, data, config)` turns a spec and prepared data into weights.

Built for small models, where per-batch overhead is most of the time:
- the data lives as tensors on the device; each epoch gathers it once in a seeded random order
  and the batches are slices (views) of that, so no DataLoader and no per-batch indexing;
- per batch the loop only appends the detached loss and outputs to lists; metrics are computed
  from them once per epoch, on the device, and read back once;
- fused optimizers, gradients dropped (set to None) rather than zeroed, CPU threads pinned for
  the model's size.

Everything the outside sees goes through `callbacks` (frozen snapshots) and `control` (flags).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch

from nnstudio.core.config import MONITORS, TrainingConfig
from nnstudio.core.errors import SpecError, TrainingError
from nnstudio.core.metrics import for_task, lower_is_better
from nnstudio.core.model_size import check_trainable
from nnstudio.core.network import Network
from nnstudio.data.preprocessing import PreparedData
from nnstudio.engine.fast_path import FastSteps, blocker
from nnstudio.engine.callbacks import (
    BatchSnapshot,
    Callback,
    EpochSnapshot,
    FitResult,
    TrainingControl,
    TrainStart,
    frozen_mapping,
)
from nnstudio.engine.devices import device_label, pinned_threads, resolve_device, threads_for
from nnstudio.engine.evaluate import measure
from nnstudio.engine.inspection import gradient_norms, weight_norm
from nnstudio.engine.losses import Objective, make_objective
from nnstudio.engine.metrics import (
    EXACT_MATCH,
    REGRESSION_METRICS,
    RegressionAccumulator,
    classification_metrics,
    confusion_matrix,
    exact_matches,
    scores_from_confusion,
)
from nnstudio.engine.modules import GraphModule, build_model, multiply_adds, parameter_count
from nnstudio.engine.optim import Schedule, make_optimizer, set_learning_rate
from nnstudio.engine.target_scaling import ScaledTraining
from nnstudio.engine.weights import arrays_to_model, model_to_arrays

__all__ = [
    "BatchSnapshot", "Callback", "EpochSnapshot", "FitResult", "TrainStart", "TrainingControl",
    "TrainingFailed", "fit", "plan_run", "training_path",
]

# The validation metrics each task can monitor (which way is better: core/metrics.py).
CLASSIFICATION_MONITORS = for_task(MONITORS, classification=True)
REGRESSION_MONITORS = for_task(MONITORS, classification=False)


class TrainingFailed(TrainingError):
    """A run that could not go on. `result` holds what it had: the history so far and the last
    good weights (the state after the last epoch whose weights were all finite)."""

    def __init__(self, message: str, result: FitResult | None = None):
        super().__init__(message)
        self.result = result


class _Diverged(Exception):
    def __init__(self, epoch: int, batch: int, value: float):
        super().__init__(epoch, batch, value)
        self.epoch, self.batch, self.value = epoch, batch, value


# ---- planning: every check before the first batch ---------------------------------------------

@dataclass
class RunPlan:
    """A checked run: model on its device, objective, data tensors, threads."""

    config: TrainingConfig
    model: GraphModule
    objective: Objective
    device: torch.device
    threads: int
    x_train: torch.Tensor
    t_train: torch.Tensor  # targets in the loss's form
    c_train: torch.Tensor | None  # class indices (classification)
    x_val: torch.Tensor
    t_val: torch.Tensor
    c_val: torch.Tensor | None
    monitor: str | None  # the validation metric early stopping / plateau watch

    @property
    def train_samples(self) -> int:
        return int(self.x_train.shape[0])

    @property
    def validation_samples(self) -> int:
        return int(self.x_val.shape[0])

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(self.train_samples / self.config.batch_size)


def plan_run(network: Network, data: PreparedData, config: TrainingConfig | dict,
             initial_weights: dict[str, np.ndarray] | None = None,
             threads: int | None = None) -> RunPlan:
    """Check everything a run needs and set it up; SpecError/DataError names what to fix.

    Shape errors, a network that does not fit the data, bad settings and weights that do not fit
    all stop here, before anything trains.
    """
    config = config if isinstance(config, TrainingConfig) else TrainingConfig(config)
    train, validation = data.train, data.validation
    if train.n_samples == 0:
        raise SpecError("data: the training split is empty; lower the validation and test shares")
    check_trainable(network, train, config.batch_size)
    device = resolve_device(config.device)
    model = build_model(network, seed=config.seed)
    objective = make_objective(config.loss, train.task, train.n_classes, train.output_size, model)
    _check_embeddings(network, model, train)
    monitor = _monitor(config, objective, validation.n_samples)
    if initial_weights is not None:
        arrays_to_model(model, initial_weights)
    model.to(device)
    if threads is None:
        work = multiply_adds(model) * min(config.batch_size, train.n_samples) * 3
        threads = threads_for(work) if device.type == "cpu" else torch.get_num_threads()
    tensors = [_tensors(part, objective, device) for part in (train, validation)]
    return RunPlan(config, model, objective, device, threads, *tensors[0], *tensors[1], monitor)


def _check_embeddings(network: Network, model: GraphModule, train: Any) -> None:
    for node in network.nodes:
        if node.type == "embedding" and model.input_id in node.inputs:
            x = train.x
            vocabulary = node.params["vocabulary"]
            if x.size and (x.min() < 0 or x.max() >= vocabulary or not np.all(x == np.round(x))):
                raise SpecError(
                    f"{node.id}: takes token indices 0 to {vocabulary - 1}, but the data holds "
                    f"values from {x.min():g} to {x.max():g}: raise its vocabulary or feed it "
                    "whole-number token indices")


def watched_metric(config: TrainingConfig, objective: Objective) -> str | None:
    """The validation metric early stopping or the plateau schedule watches (None: neither is
    on); SpecError when it does not apply to the task. The exported script asks this too."""
    if not (config.early_stopping or config.schedule == "plateau"):
        return None
    allowed = CLASSIFICATION_MONITORS if objective.is_classification else REGRESSION_MONITORS
    if config.monitor not in allowed:
        kind = "classes" if objective.is_classification else "numbers"
        raise SpecError(f"training.monitor: {config.monitor} does not apply when predicting "
                        f"{kind}: choose one of {', '.join(allowed)}")
    return config.monitor


def _monitor(config: TrainingConfig, objective: Objective, validation_samples: int) -> str | None:
    if watched_metric(config, objective) is None:
        return None
    if validation_samples == 0:
        if config.early_stopping:
            raise SpecError("training.early_stopping: needs validation data to watch; give the "
                            "validation split a share above 0, or turn early stopping off")
        return None  # the plateau schedule then watches the training loss
    return config.monitor


def _tensors(part: Any, objective: Objective, device: torch.device):
    x = torch.tensor(part.x, device=device)
    y = torch.tensor(part.y, device=device)
    classes = y if objective.is_classification else None
    return x, objective.targets(y), classes


# ---- the run ----------------------------------------------------------------------------------

def fit(network: Network, data: PreparedData, config: TrainingConfig | dict,
        callbacks: Sequence[Callback] = (), control: TrainingControl | None = None,
        initial_weights: dict[str, np.ndarray] | None = None, *,
        threads: int | None = None, path: str = "auto") -> FitResult:
    """Train `network` on `data.train`, measuring `data.validation` after every epoch.

    `initial_weights` continues from saved weights (keys "{node_id}.{tensor}"). `threads` pins
    the CPU threads (default: chosen from the model's size). `path` picks the training code:
    "auto" takes the NumPy fast path (`engine.backprop`) wherever it covers the run, else torch;
    "torch" always torch; "fast" insists (ValueError naming what it does not cover). The same
    seed, device, data and path give the same history, bit for bit on the CPU; the two paths
    agree within float rounding. `FitResult.path` says which one ran. Raises SpecError before
    training when something does not fit, and `TrainingFailed` (a TrainingError, with a partial
    `result`) when the loss turns NaN/infinite or memory runs out.
    """
    config = config if isinstance(config, TrainingConfig) else TrainingConfig(config)
    # A regression target trains standardized; the result and every snapshot come back in the
    # target's own units (see engine.target_scaling).
    scaled = ScaledTraining.for_run(network, data, config.loss)
    if scaled is not None:
        data, initial_weights = scaled.data(data), scaled.unfolded(initial_weights)
        callbacks = scaled.callbacks(callbacks)
    plan = plan_run(network, data, config, initial_weights, threads)
    rng_devices = [plan.device.index or 0] if plan.device.type == "cuda" else []
    with pinned_threads(plan.threads), torch.random.fork_rng(devices=rng_devices):
        torch.manual_seed(plan.config.seed)  # dropout draws from the global generator
        path = choose_path(network, plan, path)
        try:
            result = _Run(plan, tuple(callbacks), control, network, path).run()
        except TrainingFailed as failed:
            if scaled is not None:
                scaled.failure(failed)
            raise
    return scaled.result(result) if scaled is not None else result


def choose_path(network: Network, plan: RunPlan, requested: str = "auto") -> str:
    """"fast" or "torch": which code trains this run (see `fit`'s `path`)."""
    if requested == "torch":
        return "torch"
    reason = blocker(network, plan.model, plan.objective, plan.config, plan.device, plan.threads)
    if requested == "fast" and reason is not None:
        raise ValueError(f"the fast path does not cover this run: {reason}")
    return "torch" if reason else "fast"


def training_path(network: Network, data: PreparedData, config: TrainingConfig | dict) -> str:
    """The path `fit(network, data, config)` would take: "fast" or "torch" (SpecError as
    `plan_run` when the run cannot start)."""
    return choose_path(network, plan_run(network, data, config))


class _TorchSteps:
    """The per-batch work with autograd and a torch optimizer (the general path).

    `begin_epoch(order)` gathers the epoch's data; `step(batch, start, end)` trains one batch
    and keeps its detached loss and outputs for the epoch's metrics.
    """

    def __init__(self, plan: RunPlan):
        config = plan.config
        self.model, self.objective, self.plan = plan.model, plan.objective, plan
        self.optimizer = make_optimizer(config, self.model.parameters(), plan.device)
        self.parameters = [p for p in self.model.parameters() if p.requires_grad]
        self.penalized = [p for name, p in self.model.named_parameters()
                          if name.rsplit(".", 1)[-1].startswith("weight") and p.dim() > 1]
        self.l1, self.l2, self.clip = config.l1, config.l2, config.grad_clip
        self.losses: list[torch.Tensor] = []
        self.outputs: list[torch.Tensor] = []

    def set_learning_rate(self, rate: float) -> None:
        set_learning_rate(self.optimizer, rate)

    def weights(self) -> dict[str, np.ndarray]:
        return model_to_arrays(self.model)

    def gradient_norms(self) -> dict[str, float]:
        return gradient_norms(self.model)

    def weight_norm(self) -> float:
        return weight_norm(self.model)

    def begin_epoch(self, order: torch.Tensor) -> None:
        order = order.to(self.plan.device)
        self.xs = self.plan.x_train.index_select(0, order)
        self.ts = self.plan.t_train.index_select(0, order)
        self.losses, self.outputs = [], []

    def step(self, batch: int, start: int, end: int) -> None:
        logits = self.model(self.xs[start:end])
        values = logits if self.objective.on_logits else \
            self.model.apply_output_activation(logits)
        loss = self.objective.function(values, self.ts[start:end])
        if self.l1 > 0 or self.l2 > 0:
            loss = loss + self._penalty()
        for parameter in self.parameters:  # as zero_grad(set_to_none=True), minus its overhead
            parameter.grad = None
        loss.backward()
        if self.clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.clip, foreach=True)
        self.optimizer.step()
        self.losses.append(loss.detach())
        self.outputs.append(values.detach())

    def _penalty(self) -> torch.Tensor:
        total = 0.0
        if self.l1 > 0:
            total = total + self.l1 * sum(p.abs().sum() for p in self.penalized)
        if self.l2 > 0:
            total = total + self.l2 * sum(p.square().sum() for p in self.penalized)
        return total

    def mean_loss(self, first: int, last: int) -> float:
        return float(torch.stack(self.losses[first:last]).mean())

    def epoch_losses(self) -> torch.Tensor:
        return torch.stack(self.losses)

    def epoch_outputs(self) -> torch.Tensor:
        return torch.cat(self.outputs)

    def epoch_targets(self) -> torch.Tensor:
        return self.ts


class _Run:
    def __init__(self, plan: RunPlan, callbacks: tuple[Callback, ...],
                 control: TrainingControl | None, network: Network, path: str):
        self.plan = plan
        self.config = config = plan.config
        self.model = plan.model
        self.callbacks = callbacks
        self.control = control
        self.objective = plan.objective
        self.path = path
        # First: the fast path rebinds the model's parameters to its own buffers.
        self.steps = FastSteps(network, plan.model, plan.objective, config, plan.x_train,
                               plan.t_train) if path == "fast" else _TorchSteps(plan)
        self.schedule = Schedule(config, plan.batches_per_epoch)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.history: dict[str, list[float]] = {name: [] for name in self._metric_names()}
        self.tensors = list(self.model.state_dict().values())
        intervals = [c.batch_interval for c in callbacks if c.batch_interval > 0]
        self.report_every = min(intervals) if intervals else 0
        self.wants_gradient_norms = any(c.wants_gradient_norms for c in callbacks)
        sizes = [min(config.batch_size, plan.train_samples - start)
                 for start in range(0, plan.train_samples, config.batch_size)]
        self.batch_sizes = torch.tensor(sizes, dtype=torch.float64)
        self.learning_rate = self.schedule.rate(0)
        self.initial_state = self._copy_state()
        self.good_state = self._copy_state()  # overwritten at each epoch's start
        self.best_state: list[torch.Tensor] | None = None
        self.best_value: float | None = None
        self.best_epoch = 0
        self.best_confusion: np.ndarray | None = None
        self._batches_since_epoch = 0
        self.epochs_run = 0
        self.samples_seen = 0
        self.elapsed = 0.0
        self._clock = time.perf_counter()
        self._confusion: np.ndarray | None = None

    # ---- names and helpers ----
    def _metric_names(self) -> list[str]:
        names = (classification_metrics(self.objective.positions)
                 if self.objective.is_classification else REGRESSION_METRICS)
        train = ["loss", *names]
        val = [f"val_{n}" for n in train] if self.plan.validation_samples else []
        return [*train, *val, "lr"]

    def _copy_state(self) -> list[torch.Tensor]:
        return [t.detach().clone() for t in self.tensors]

    def _load_state(self, state: list[torch.Tensor]) -> None:
        with torch.no_grad():
            for tensor, saved in zip(self.tensors, state):
                tensor.copy_(saved)

    def _save_state(self, state: list[torch.Tensor]) -> None:
        with torch.no_grad():
            for saved, tensor in zip(state, self.tensors):
                saved.copy_(tensor)

    @staticmethod
    def _is_finite(state: list[torch.Tensor]) -> bool:
        return all(bool(torch.isfinite(t).all()) for t in state if t.is_floating_point())

    def _notify(self, hook: str, argument: Any) -> None:
        for callback in self.callbacks:
            getattr(callback, hook)(argument)

    def _tick(self) -> float:
        now = time.perf_counter()
        self.elapsed += now - self._clock
        self._clock = now
        return self.elapsed

    # ---- the run ----
    def run(self) -> FitResult:
        plan, config = self.plan, self.config
        try:
            self._notify("on_train_start", TrainStart(
                config.epochs, plan.batches_per_epoch, config.batch_size, plan.train_samples,
                plan.validation_samples, str(plan.device), device_label(plan.device),
                plan.threads if plan.device.type == "cpu" else torch.get_num_threads(),
                self.objective.loss, parameter_count(self.model), tuple(self.history),
                self.path))
            self._clock = time.perf_counter()
            reason = self._epochs()
        except _Diverged as diverged:
            self._fail(self._diverged_error(diverged))
        except (torch.OutOfMemoryError, MemoryError):  # MemoryError: NumPy, on the fast path
            self._fail(self._memory_error())
        except RuntimeError as error:
            if "can't allocate memory" not in str(error):
                self._notify_exception(error)
                raise
            self._fail(self._memory_error())
        except BaseException as error:
            self._notify_exception(error)
            raise
        result = self._result(reason)
        self._notify("on_train_end", result)
        return result

    def _notify_exception(self, error: BaseException) -> None:
        for callback in self.callbacks:
            try:
                callback.on_exception(error)
            except Exception:  # a listener's own failure must not hide the run's
                pass

    def _fail(self, error: TrainingFailed) -> None:
        self._notify_exception(error)
        raise error from None

    def _epochs(self) -> str:
        for epoch in range(self.config.epochs):
            self._save_state(self.good_state)
            self._schedule_rate(epoch, 0, force=True)
            if not self._train_epoch(epoch):
                return "stopped"
            self.epochs_run = epoch + 1
            if self._end_epoch(epoch):
                return "early_stopping"
        return "completed"

    def _schedule_rate(self, epoch: int, batch: int, force: bool = False) -> None:
        rate = self.schedule.rate(epoch, batch)
        if force or rate != self.learning_rate:
            self.learning_rate = rate
            self.steps.set_learning_rate(rate)

    def _train_epoch(self, epoch: int) -> bool:
        """One pass over the shuffled training data; False if a stop was requested."""
        n, size = self.plan.train_samples, self.config.batch_size
        control, steps = self.control, self.steps
        per_batch = self.schedule.per_batch
        report_every = self.report_every
        steps.begin_epoch(torch.randperm(n, generator=self.generator))
        with np.errstate(all="ignore"):  # a diverging fast path: the loss check names it
            for batch, start in enumerate(range(0, n, size)):
                if control is not None and control.pending and self._handle_control(epoch, batch):
                    self._batches_since_epoch = batch
                    return False
                if per_batch:
                    self._schedule_rate(epoch, batch)
                steps.step(batch, start, start + size)
                if report_every and (batch + 1) % report_every == 0:
                    self._report_batch(epoch, batch)
        self.samples_seen += n
        return True

    def _handle_control(self, epoch: int, batch: int) -> bool:
        stop, rate = self.control.take(on_pause=self._tick, on_resume=self._restart_clock)
        if rate is not None:
            self.schedule.base = rate
            self._schedule_rate(epoch, batch, force=True)
        return stop

    def _restart_clock(self) -> None:
        self._clock = time.perf_counter()

    def _report_batch(self, epoch: int, batch: int) -> None:
        loss = self.steps.mean_loss(batch + 1 - self.report_every, batch + 1)
        elapsed = self._tick()
        seen = self.samples_seen + min((batch + 1) * self.config.batch_size,
                                       self.plan.train_samples)
        snapshot = BatchSnapshot(epoch + 1, batch + 1, self.plan.batches_per_epoch, loss,
                                 self.learning_rate, seen, elapsed, seen / max(elapsed, 1e-9))
        for callback in self.callbacks:
            if callback.batch_interval > 0 and (batch + 1) % callback.batch_interval == 0:
                callback.on_batch_end(snapshot)

    # ---- after each epoch ----
    def _end_epoch(self, epoch: int) -> bool:
        """Metrics, history, schedule, callbacks; True if early stopping ends the run."""
        row = self._train_metrics(epoch)
        if self.plan.validation_samples:
            plan = self.plan
            metrics, confusion, _ = measure(self.model, self.objective, plan.x_val, plan.t_val,
                                            plan.c_val)
            row.update({f"val_{k}": v for k, v in metrics.items()})
            self._confusion = confusion
        row["lr"] = self.learning_rate
        for name in self.history:
            self.history[name].append(float(row[name]))
        stop = self._watch(epoch, row)
        elapsed = self._tick()
        done = epoch + 1
        eta = elapsed / done * (self.config.epochs - done)
        # Asked at every epoch: a listener may want weights only while someone looks.
        wanted = any(c.wants_weights for c in self.callbacks)
        weights = frozen_mapping(self.steps.weights()) if wanted else None
        norms = frozen_mapping(self.steps.gradient_norms()) if self.wants_gradient_norms else None
        confusion = self._confusion.copy() if self._confusion is not None else None
        norm = self.steps.weight_norm() if self.wants_gradient_norms else None
        self._notify("on_epoch_end", EpochSnapshot(
            done, self.config.epochs, frozen_mapping(row), self.learning_rate, elapsed,
            self.samples_seen / max(elapsed, 1e-9), eta, self.best_epoch, confusion, weights,
            norms, norm))
        self._clock = time.perf_counter()  # listeners' time is not training time
        return stop

    def _train_metrics(self, epoch: int) -> dict[str, float]:
        """Running metrics of the epoch just trained, from the saved per-batch values."""
        stacked = self.steps.epoch_losses()
        for batch, value in enumerate(stacked.tolist()):
            if not math.isfinite(value):
                raise _Diverged(epoch, batch, value)
        weighted = stacked.cpu().double() * self.batch_sizes
        mean_loss = float(weighted.sum()) / self.plan.train_samples
        outputs = self.steps.epoch_outputs()
        targets = self.steps.epoch_targets()
        if self.objective.is_classification:
            classes = self.objective.target_classes(targets)
            predicted = self.objective.predicted_classes(outputs)
            n_classes = max(self.objective.classes, 2)
            confusion = confusion_matrix(predicted, classes, n_classes).cpu().numpy()
            scores = {"loss": mean_loss, **scores_from_confusion(confusion)}
            if self.objective.positions > 1:
                scores[EXACT_MATCH] = float(exact_matches(predicted, classes)) / len(classes)
            return scores
        accumulator = RegressionAccumulator(self.plan.device)
        accumulator.update(torch.zeros(()), outputs, targets)
        metrics = accumulator.compute()
        metrics["loss"] = mean_loss
        return metrics

    def _watch(self, epoch: int, row: dict[str, float]) -> bool:
        """Plateau schedule and early stopping; True when patience ran out."""
        monitor = self.plan.monitor
        name = monitor or "loss"
        value = row[name]
        lower = monitor is None or lower_is_better(monitor)
        self.schedule.observe(value, lower)
        if monitor is None or not self.config.early_stopping:
            return False
        better = self.best_value is None or (value < self.best_value if lower
                                             else value > self.best_value)
        if better and math.isfinite(value):
            self.best_value, self.best_epoch = value, epoch + 1
            self.best_confusion = self._confusion
            if self.config.restore_best:
                self.best_state = self._copy_state()
            return False
        return epoch + 1 - self.best_epoch >= self.config.patience

    # ---- results ----
    def _result(self, reason: str) -> FitResult:
        epoch, confusion = self.epochs_run, self._confusion  # whose row describes the weights
        if reason == "early_stopping" and self.best_state is not None:
            self._load_state(self.best_state)
            epoch, confusion = self.best_epoch, self.best_confusion
        elif reason == "stopped" and self._batches_since_epoch:
            epoch = 0  # stopped within an epoch: no row describes these weights
        return self._build_result(reason, epoch, confusion)

    def _build_result(self, reason: str, epoch: int = 0,
                      confusion: np.ndarray | None = None) -> FitResult:
        """The result, its final metrics measured on the returned weights in evaluation mode.
        `epoch` > 0 names the history row whose validation metrics already measured these
        weights (the same numbers, so they are not measured twice)."""
        final, confusion = self._measure_now(self.history if epoch else None, epoch, confusion)
        return FitResult(
            history={k: list(v) for k, v in self.history.items()},
            final_metrics=final, weights=model_to_arrays(self.model),
            epochs_run=self.epochs_run, stop_reason=reason, best_epoch=self.best_epoch,
            seconds=self._tick(), device=str(self.plan.device),
            confusion=None if confusion is None else confusion.copy(), model=self.model,
            path=self.path)

    def _measure_now(self, history: dict[str, list[float]] | None, epoch: int,
                     confusion: np.ndarray | None) -> tuple[dict[str, float], np.ndarray | None]:
        plan = self.plan
        final, train_confusion, _ = measure(self.model, self.objective, plan.x_train,
                                            plan.t_train, plan.c_train)
        if not plan.validation_samples:
            return final, train_confusion
        if history is not None:
            final.update({k: v[epoch - 1] for k, v in history.items() if k.startswith("val_")})
            return final, confusion
        val, confusion, _ = measure(self.model, self.objective, plan.x_val, plan.t_val,
                                    plan.c_val)
        final.update({f"val_{k}": v for k, v in val.items()})
        return final, confusion

    def _diverged_error(self, diverged: _Diverged) -> TrainingFailed:
        # The weights at the start of the failing epoch, unless its first step already
        # started from broken ones; then the initial weights.
        good = self._is_finite(self.good_state)
        self._load_state(self.good_state if good else self.initial_state)
        kind = "NaN" if math.isnan(diverged.value) else "infinite"
        message = (
            f"Training stopped: the loss became {kind} at epoch {diverged.epoch + 1}, batch "
            f"{diverged.batch + 1} (learning rate {self.learning_rate:g}). The weights are those "
            "of the last good epoch. Try a lower learning rate, standardize the inputs, or set "
            "gradient clipping.")
        return TrainingFailed(message, self._build_result("failed"))

    def _memory_error(self) -> TrainingFailed:
        where = "GPU" if self.plan.device.type != "cpu" else "computer"
        size = self.config.batch_size
        message = (f"Training stopped: the {where} ran out of memory with batch size {size}. "
                   f"Try a smaller batch size (e.g. {max(1, size // 2)}) or a smaller network.")
        if self.plan.device.type == "cuda":
            torch.cuda.empty_cache()
        return TrainingFailed(message, None)
