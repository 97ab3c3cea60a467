"""The training work: `TrainingRun` runs `engine.trainer.fit` as a `BackgroundTask`'s work
(nnstudio.gui.background: a QThread, a run token, a thread-safe stop) and reports back.

The engine knows nothing of Qt; `SnapshotRelay` is the plain callback that hands its frozen
snapshots to the task's `report`. It is the one throttle of what training produces: epoch snapshots are gathered and sent together at most
about 20 times a second, batch progress at most as often, so a tiny model that finishes an epoch
every millisecond does not flood the GUI thread (one signal per epoch and a redraw each made such
a run 13× slower here).

The run never raises: whatever happens ends in one `Outcome`, the task's result.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from nnstudio.core.config import TrainingConfig
from nnstudio.core.errors import NNStudioError
from nnstudio.core.network import Network
from nnstudio.engine.callbacks import (
    BatchSnapshot, Callback, EpochSnapshot, FitResult, TrainingControl, TrainStart,
)
from nnstudio.gui.background import unexpected_message

log = logging.getLogger(__name__)

REPORT_INTERVAL = 0.05  # seconds between signals: about 20 a second at most
MIN_REPORTED_BATCHES = 32  # epochs with fewer batches get no batch reports
MAX_BATCH_INTERVAL = 64  # batches between the engine's batch reports, at most


@dataclass(frozen=True)
class TrainingJob:
    """What one run trains, copied on the GUI thread when Train is pressed."""

    network: Network
    config: TrainingConfig
    project: Any  # a Project holding `network`, `data` and `config`, for loading the data
    project_path: Any = None
    initial_weights: dict[str, np.ndarray] | None = None
    prepared: Any = None  # PreparedData from an earlier run on the same data, if any
    callback_factories: tuple[Callable[[], Callback], ...] = ()


@dataclass(frozen=True)
class RunBegan:
    """Sent once the data is ready and the model is built, before the first batch."""

    info: TrainStart
    continued: bool  # True when training starts from the weights the job carried
    notice: str = ""  # e.g. why the weights were not used


@dataclass
class Outcome:
    """How a run ended.

    `status`: "completed", "stopped", "early_stopping" (the engine's stop reasons), "failed"
    (an error during training; `result` holds the good part when the engine kept one) or
    "refused" (nothing trained: the network, the data or a setting did not fit).
    """

    status: str
    message: str = ""
    result: FitResult | None = None
    continued: bool = False
    prepared: Any = None
    wall_seconds: float = 0.0
    samples: int = 0  # training samples processed, every epoch counted

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "refused")


class SnapshotRelay(Callback):
    """Gathers the engine's snapshots and hands them to `send_*` at most every `interval` s.

    Called on the worker thread; the `send_*` callables emit queued signals.
    """

    def __init__(self, send_start: Callable[[TrainStart], None],
                 send_epochs: Callable[[tuple[EpochSnapshot, ...]], None],
                 send_batch: Callable[[BatchSnapshot], None], batch_interval: int = 0,
                 interval: float = REPORT_INTERVAL, clock: Callable[[], float] = time.monotonic):
        self.send_start, self.send_epochs, self.send_batch = send_start, send_epochs, send_batch
        self.batch_interval = batch_interval
        self.interval = interval
        self.clock = clock
        self._pending: list[EpochSnapshot] = []
        self._last_sent = -math.inf

    def on_train_start(self, info: TrainStart) -> None:
        self.send_start(info)
        self._last_sent = self.clock()

    def on_epoch_end(self, snapshot: EpochSnapshot) -> None:
        self._pending.append(snapshot)
        now = self.clock()
        if now - self._last_sent >= self.interval:
            self.flush(now)

    def on_batch_end(self, snapshot: BatchSnapshot) -> None:
        now = self.clock()
        if now - self._last_sent >= self.interval:
            self.flush(now)  # epochs that waited for a slow next epoch go first
            self.send_batch(snapshot)
            self._last_sent = now

    def on_train_end(self, result: FitResult) -> None:
        self.flush(self.clock())

    def on_exception(self, error: BaseException) -> None:
        self.flush(self.clock())

    def flush(self, now: float) -> None:
        if self._pending:
            pending, self._pending = tuple(self._pending), []
            self.send_epochs(pending)
        self._last_sent = now


def batch_interval_for(train_samples: int, batch_size: int) -> int:
    """Batches between the engine's batch reports: none when an epoch is a few dozen batches
    or fewer (its epochs are quick, and each report costs a small model's batch some 10%),
    else about eight reports an epoch."""
    batches = math.ceil(train_samples / max(batch_size, 1))
    if batches < MIN_REPORTED_BATCHES:
        return 0
    return min(MAX_BATCH_INTERVAL, batches // 8)


class TrainingRun:
    """One `TrainingJob` as background work (`nnstudio.gui.background.BackgroundTask`):
    `run(report, control)` trains and returns the `Outcome`, whatever happens. It reports a
    `RunBegan`, tuples of `EpochSnapshot`s and `BatchSnapshot`s, throttled by its relay."""

    def __init__(self, job: TrainingJob):
        self.job = job
        self._continued = False
        self._notice = ""

    def run(self, report: Callable[..., None], control: TrainingControl) -> Outcome:
        self.report, self.control = report, control
        started = time.perf_counter()
        try:
            outcome = self._train()
        except BaseException as error:  # kept as a failed run with its message, never raised
            log.exception("training failed")
            outcome = Outcome("failed", unexpected_message(error), continued=self._continued)
        outcome.wall_seconds = time.perf_counter() - started
        return outcome

    def _train(self) -> Outcome:
        job = self.job
        try:
            prepared = job.prepared or _prepare(job)
        except NNStudioError as error:
            return Outcome("refused", str(error))
        from nnstudio.engine.trainer import TrainingFailed, fit

        try:
            initial = self._usable_weights(prepared)
        except NNStudioError as error:
            return Outcome("refused", str(error), prepared=prepared)
        relay = SnapshotRelay(
            self._send_start, self._send_epochs, self._send_batch,
            batch_interval_for(prepared.train.n_samples, job.config.batch_size))
        self.control.on_wait = lambda: relay.flush(relay.clock())  # a paused run shows it all
        callbacks: list[Callback] = [relay, *(make() for make in job.callback_factories)]
        continued = self._continued
        try:
            result = fit(job.network, prepared, job.config, callbacks=callbacks,
                         control=self.control, initial_weights=initial)
        except TrainingFailed as error:
            return Outcome("failed", str(error), error.result, continued, prepared,
                           samples=_samples(error.result, prepared))
        except NNStudioError as error:
            return Outcome("refused", str(error), continued=continued, prepared=prepared)
        return Outcome(result.stop_reason, "", result, continued, prepared,
                       samples=_samples(result, prepared))

    def _usable_weights(self, prepared: Any) -> dict[str, np.ndarray] | None:
        """The job's weights if they fit the network; None (and a notice) when it changed."""
        weights = self.job.initial_weights
        if not weights:
            return None
        from nnstudio.engine.modules import build_model
        from nnstudio.engine.weights import check_arrays

        try:
            model = build_model(self.job.network, seed=self.job.config.seed)
        except NNStudioError:
            return weights  # the network itself does not build: fit says why, the same way
        try:
            check_arrays(model, weights)
        except NNStudioError:
            self._notice = ("The network changed since its weights were trained, so training "
                            "started from fresh weights.")
            return None
        self._continued = True
        return weights

    # The relay throttles already: each of its sends goes through (force).
    def _send_start(self, info: TrainStart) -> None:
        self.report(RunBegan(info, self._continued, self._notice), force=True)

    def _send_epochs(self, snapshots: tuple[EpochSnapshot, ...]) -> None:
        self.report(snapshots, force=True)

    def _send_batch(self, snapshot: BatchSnapshot) -> None:
        self.report(snapshot, force=True)


def _prepare(job: TrainingJob) -> Any:
    from nnstudio.data.source import prepare_project_data

    return prepare_project_data(job.project, job.project_path)


def _samples(result: FitResult | None, prepared: Any) -> int:
    # The history's length, not epochs_run: a failed run's epochs_run counts the failing epoch.
    return 0 if result is None else history_length(result.history) * prepared.train.n_samples


def history_length(history: dict[str, Sequence[float]]) -> int:
    """Epochs in a history (its longest column)."""
    return max((len(values) for values in history.values()), default=0)
