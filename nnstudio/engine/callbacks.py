"""How the outside listens to and steers a run: callbacks, frozen snapshots, and the control.

The trainer knows nothing of Qt. A listener subclasses `Callback` and overrides what it needs;
everything it is handed is a frozen snapshot of floats and numpy copies, never a live tensor, so
it may be passed to another thread as it is. `TrainingControl` is the other direction: flags a
GUI thread sets and the trainer reads between batches.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Mapping

import numpy as np

from nnstudio.core.config import TRAINING_SCHEMA


def frozen_mapping(values: Mapping) -> Mapping:
    """A read-only copy of `values`."""
    return MappingProxyType(dict(values))


@dataclass(frozen=True)
class TrainStart:
    """What a run is about to do (handed to `on_train_start`)."""

    epochs: int
    batches_per_epoch: int
    batch_size: int
    train_samples: int
    validation_samples: int
    device: str  # e.g. "cpu", "cuda:0"
    device_label: str  # e.g. "CPU", "NVIDIA H200"
    threads: int  # torch intra-op threads on the CPU
    loss: str  # e.g. "bce", "cross_entropy", "mse"
    parameters: int
    metric_names: tuple[str, ...]  # the history's keys, in order
    path: str = "torch"  # the training code: "fast" (NumPy, engine.backprop) or "torch"


@dataclass(frozen=True)
class EpochSnapshot:
    """The state after an epoch (handed to `on_epoch_end`). Epochs count from 1."""

    epoch: int
    epochs: int
    metrics: Mapping[str, float]  # this epoch's row of the history, e.g. loss, val_accuracy, lr
    learning_rate: float
    elapsed: float  # seconds of training so far, pauses excluded
    samples_per_second: float
    eta: float  # seconds left at the pace so far
    best_epoch: int  # the best epoch by the monitored metric so far (0 when not watched)
    confusion: np.ndarray | None = None  # validation confusion matrix (classification)
    weights: Mapping[str, np.ndarray] | None = None  # only if a callback `wants_weights`
    # Each layer's gradient norm on the epoch's last batch, by node id; only if a callback
    # `wants_gradient_norms`.
    gradient_norms: Mapping[str, float] | None = None
    # The L2 norm of all learned parameters together (what weight decay shrinks; grokking's
    # slow fall); with the gradient norms, only if a callback `wants_gradient_norms`.
    weight_norm: float | None = None


@dataclass(frozen=True)
class BatchSnapshot:
    """Progress within an epoch (handed to `on_batch_end` every `batch_interval` batches)."""

    epoch: int
    batch: int  # 1 .. batches_per_epoch
    batches_per_epoch: int
    loss: float  # mean training loss over the batches since the last report
    learning_rate: float
    samples_seen: int  # in this run, all epochs
    elapsed: float
    samples_per_second: float


@dataclass(frozen=True)
class FitResult:
    """What a run produced.

    `final_metrics` measure the returned `weights` in evaluation mode (no dropout; BatchNorm's
    running statistics), on the training and validation splits: unlike the history's running
    training metrics, they are comparable with the validation ones.

    `stop_reason` is "completed", "stopped" (by the control), "early_stopping", or "failed"
    (in the result a `TrainingFailed` error carries).
    """

    history: dict[str, list[float]]
    final_metrics: dict[str, float]
    weights: dict[str, np.ndarray]
    epochs_run: int
    stop_reason: str
    best_epoch: int = 0
    seconds: float = 0.0
    device: str = "cpu"
    confusion: np.ndarray | None = None  # validation confusion matrix of the final weights
    model: object = field(default=None, repr=False, compare=False)  # the trained GraphModule
    path: str = "torch"  # the training code that ran: "fast" (NumPy, engine.backprop) or "torch"


class Callback:
    """Override the hooks you need. `batch_interval` > 0 asks for `on_batch_end` every that many
    batches (0: never); `wants_weights` asks for numpy copies of the weights (read at every
    epoch's end, so it may be a property that is true only while someone looks),
    `wants_gradient_norms` for each layer's gradient norm on the epoch's last batch."""

    batch_interval: int = 0
    wants_weights: bool = False
    wants_gradient_norms: bool = False

    def on_train_start(self, info: TrainStart) -> None:
        """Before the first batch."""

    def on_epoch_end(self, snapshot: EpochSnapshot) -> None:
        """After each epoch, with its metrics."""

    def on_batch_end(self, snapshot: BatchSnapshot) -> None:
        """Every `batch_interval` batches."""

    def on_train_end(self, result: FitResult) -> None:
        """After the last epoch, a stop, or early stopping (not after a failure)."""

    def on_exception(self, error: BaseException) -> None:
        """When the run fails; the error is raised to `fit`'s caller afterwards."""


class TrainingControl:
    """Thread-safe requests to a running `fit`: stop, pause, resume, a new learning rate.

    Requests take effect between batches. Pausing holds the run between two batches; resuming
    continues the same run, with the same optimizer state.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self.pending = False  # read by the trainer each batch without a lock: a cheap hint
        self._stop = False
        self._paused = False
        self._learning_rate: float | None = None
        # Called on the training thread as a pause begins, e.g. to send what it has not
        # reported yet: a paused run's views then show every epoch it finished.
        self.on_wait: Callable[[], None] | None = None

    def stop(self) -> None:
        """End the run after the current batch (a paused run ends too)."""
        with self._condition:
            self._stop = True
            self.pending = True
            self._condition.notify_all()

    def pause(self) -> None:
        with self._condition:
            self._paused = True
            self.pending = True

    def resume(self) -> None:
        with self._condition:
            self._paused = False
            self._condition.notify_all()

    def set_learning_rate(self, value: float) -> None:
        """Use `value` as the base learning rate from the next batch (SpecError if invalid)."""
        checked = TRAINING_SCHEMA["learning_rate"].validate(value, "learning rate")
        with self._condition:
            self._learning_rate = checked
            self.pending = True

    @property
    def stop_requested(self) -> bool:
        return self._stop

    @property
    def paused(self) -> bool:
        return self._paused

    def take(self, on_pause=None, on_resume=None) -> tuple[bool, float | None]:
        """For the trainer: wait while paused, then (stop?, new learning rate or None).

        `on_pause` and `on_resume` are called around the wait (to stop the clock).
        """
        with self._condition:
            if self._paused and not self._stop:
                if on_pause:
                    on_pause()
                if self.on_wait:
                    self.on_wait()
                while self._paused and not self._stop:
                    self._condition.wait()
                if on_resume:
                    on_resume()
            learning_rate, self._learning_rate = self._learning_rate, None
            self.pending = self._paused or self._stop
            return self._stop, learning_rate
