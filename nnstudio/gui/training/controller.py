"""The training controller: Train, Pause, Stop, Step and Reset for one `ProjectDocument`.

It lives on the GUI thread. Train copies the network, the data settings and the training
settings, runs them as a `TrainingRun` on the window's one background-task pattern
(`nnstudio.gui.background.BackgroundTask`: a QThread, a run token, a thread-safe stop), and
relays what the run reports as its own signals; the task drops anything a finished run sent
late. When a run ends its history and
weights become part of the project (`document.add_run`, `document.set_weights`).

The curves the window shows are `history`: the epochs that led to the current weights, found
from where they came from (`document.weights_origin`, a run and epoch) back through each run's
parent. A run that continues from the current weights appends to it and records them as its
parent; Restore, Reset weights or another project replace it. Step trains one epoch and pauses:
from idle it starts a run, while paused it extends that run, so steps never pile up runs.

Each run keeps its timeline (engine.timeline): a `TimelineRequest` asks the run for weights at
the kept epochs, and `timeline` gathers them here, on the GUI thread, from the epoch snapshots
as they arrive (the timeline scrubber reads it while the run goes on); the record takes it.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal, Slot

from nnstudio.core.config import UNTIL_STOPPED_EPOCHS, TrainingConfig, until_stopped_problem
from nnstudio.core.history import lineage_history, origin_text
from nnstudio.core.network import Network
from nnstudio.engine.callbacks import Callback, TrainingControl
from nnstudio.engine.timeline import Timeline, TimelineRequest
from nnstudio.gui.background import BackgroundTask
from nnstudio.gui.training.worker import (
    Outcome, RunBegan, TrainingJob, TrainingRun, history_length,
)

log = logging.getLogger(__name__)

IDLE, RUNNING, PAUSED, STOPPING = "idle", "running", "paused", "stopping"


@dataclasses.dataclass(frozen=True)
class RunStart:
    """What panels need when a run begins: the engine's plan and where its epochs go."""

    began: RunBegan
    first_epoch: int  # the number the run's epoch 1 gets on the curves
    until_stopped: bool = False  # the run has no planned end: it trains until Pause or Stop


@dataclasses.dataclass(frozen=True)
class RunEnd:
    """How a run ended, and the record it left in the project (None if it left none)."""

    outcome: Outcome
    record: Any = None
    history: dict[str, list[float]] = dataclasses.field(default_factory=dict)


class EpochStepper(Callback):
    """Step on the worker thread: once armed, pauses the run when its epoch ends (before the
    next batch, so the paused run's weights are exactly that epoch's)."""

    def __init__(self, control: TrainingControl):
        self.control = control
        self._armed = threading.Event()

    def arm(self) -> None:
        self._armed.set()

    def on_epoch_end(self, snapshot: Any) -> None:
        if self._armed.is_set():
            self._armed.clear()
            self.control.pause()


class TrainingController(QObject):
    """Starts, steers and ends training runs of `document`'s network."""

    state_changed = Signal(str)  # IDLE, RUNNING, PAUSED or STOPPING
    run_started = Signal(object)  # RunStart
    epochs_reached = Signal(object)  # tuple of EpochSnapshots, epoch numbers as the engine's
    batch_reached = Signal(object)  # BatchSnapshot
    history_replaced = Signal(object)  # dict name -> list: the whole curve, replacing any
    run_finished = Signal(object)  # RunEnd
    run_failed = Signal(str, str)  # a title and a message for a dialog
    notice = Signal(str)  # a line for the status bar

    def __init__(self, document: Any, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.state = IDLE
        self.history: dict[str, list[float]] = {}
        self.control: TrainingControl | None = None
        self._task = BackgroundTask("training", self)
        self._task.progressed.connect(self._on_task_progressed)
        self._task.succeeded.connect(self._complete)
        self._job: TrainingJob | None = None
        self._stepper: EpochStepper | None = None
        self._start_origin: Any = None  # where the run's first weights came from
        self._first_epoch = 1
        self._prepared: tuple[Any, Any] | None = None  # (data key, PreparedData)
        self._callback_factories: list[Callable[[], Callback]] = []
        self.timeline: Timeline | None = None  # the active run's kept weights, by epoch
        document.project_replaced.connect(self._on_document_project_replaced)
        document.weights_changed.connect(self._on_document_weights_changed)
        self._on_document_project_replaced()

    # ---- state ----
    @property
    def is_active(self) -> bool:
        """True from Train until the run has ended (running, paused or stopping)."""
        return self._task.is_running

    def add_callback_factory(self, factory: Callable[[], Callback]) -> None:
        """Each run also gets `factory()` as an engine callback (called on the worker thread)."""
        self._callback_factories.append(factory)

    # ---- commands ----
    @Slot()
    def train(self) -> bool:
        """Train for the configured epochs (or until Pause or Stop when the settings say
        `until_stopped`), from the current weights if there are any."""
        return self._start()

    @Slot()
    def step(self) -> bool:
        """Train one more epoch, then pause: a paused run goes on for one epoch; with none
        active, a run starts (from the current weights if any) and pauses after its first."""
        if self.state == PAUSED and self._stepper is not None:
            self._stepper.arm()
            self.resume()
            return True
        if not self._start():
            return False
        self._stepper.arm()
        return True

    @Slot()
    def pause(self) -> None:
        if self.state == RUNNING and self.control is not None:
            self.control.pause()
            self._set_state(PAUSED)

    @Slot()
    def resume(self) -> None:
        if self.state == PAUSED and self.control is not None:
            self.control.resume()
            self._set_state(RUNNING)

    @Slot()
    def toggle_pause(self) -> None:
        if self.state == PAUSED:
            self.resume()
        else:
            self.pause()

    @Slot()
    def stop(self) -> None:
        """Ask the run to end after the current batch; it ends (and records) on its own."""
        if self.state in (RUNNING, PAUSED) and self.control is not None:
            self.control.stop()
            self._set_state(STOPPING)

    def set_learning_rate(self, value: float) -> None:
        """Use `value` from the run's next batch on (nothing happens when no run is active)."""
        if self.control is not None and self.is_active:
            self.control.set_learning_rate(value)

    @Slot()
    def reset_weights(self) -> bool:
        """Forget the trained weights: the next run starts fresh, and the curves are cleared."""
        if self.is_active:
            self.notice.emit("Stop training before resetting the weights.")
            return False
        self.document.set_weights(None)  # the curves go with them (weights_changed)
        self.notice.emit("Weights reset: the next run starts from fresh random weights.")
        return True

    def shutdown(self) -> bool:
        """Stop any run and wait for its thread; what it trained is recorded. For closing."""
        if not self._task.is_running:
            return True
        self._set_state(STOPPING)
        outcome = self._task.finish_now()  # stops it, waits for its thread, drops the queue
        self._complete(outcome or Outcome("stopped"))
        return True

    # ---- starting ----
    def _start(self) -> bool:
        if self.is_active:
            return False
        document = self.document
        project = document.project
        config: TrainingConfig = project.training
        problem = until_stopped_problem(config)
        if problem is not None:
            self.run_failed.emit("Training could not start", problem)
            return False
        if config.until_stopped:  # the engine counts to a limit no one waits for
            config = config.replace(epochs=UNTIL_STOPPED_EPOCHS)
        network = Network(document.network.nodes)
        snapshot = dataclasses.replace(project, network=network, training=config,
                                       runs=list(project.runs))
        key = (project.data, str(document.path))
        prepared = self._prepared[1] if self._prepared and self._prepared[0] == key else None
        self.control = TrainingControl()
        stepper = EpochStepper(self.control)
        self.timeline = Timeline(config.epochs)
        job = TrainingJob(network, config, snapshot, document.path,
                          dict(document.weights) if document.weights else None, prepared,
                          (*self._callback_factories, lambda: stepper,
                           lambda: TimelineRequest(config.epochs)))
        self._job, self._stepper = job, stepper
        self._start_origin = document.weights_origin
        self._set_state(RUNNING)
        self._task.start(TrainingRun(job).run, self.control)
        return True

    # ---- what the run reports ----
    @Slot(object)
    def _on_task_progressed(self, report: Any) -> None:
        if isinstance(report, RunBegan):
            self._on_run_began(report)
        elif isinstance(report, tuple):
            self._on_epochs_reached(report)
        else:
            self.batch_reached.emit(report)

    def _on_run_began(self, began: RunBegan) -> None:
        if not began.continued:
            self._replace_history({})
        self._first_epoch = history_length(self.history) + 1
        if began.notice:
            self.notice.emit(began.notice)
        elif began.continued:
            origin = self._start_origin
            self.notice.emit("Training on from " + (
                origin_text(origin, self.document.project.runs) if origin is not None
                else "weights no run recorded (imported or edited)") + ".")
        until_stopped = self._job is not None and self._job.config.until_stopped
        self.run_started.emit(RunStart(began, self._first_epoch, until_stopped))

    def _on_epochs_reached(self, snapshots: tuple) -> None:
        if self.timeline is not None:
            for snapshot in snapshots:
                self.timeline.add(snapshot)
        self.epochs_reached.emit(snapshots)
        if self.state == RUNNING and self.control is not None and self.control.paused:
            self._set_state(PAUSED)  # a Step's epoch is done: the stepper paused the run

    # ---- ending ----
    @Slot(object)
    def _complete(self, outcome: Outcome) -> None:
        """Record the run, go idle, tell the panels (once per run; its thread is gone)."""
        job = self._job
        if outcome.prepared is not None and job is not None and job.project.data.source.kind \
                == "builtin":
            self._prepared = ((job.project.data, str(job.project_path)), outcome.prepared)
        record = self._record(job, outcome)
        self.timeline = None
        self._set_state(IDLE)
        self.run_finished.emit(RunEnd(outcome, record, self.history))
        if outcome.failed:
            title = "Training could not start" if outcome.status == "refused" \
                else "Training stopped"
            self.run_failed.emit(title, outcome.message)

    def _record(self, job: TrainingJob | None, outcome: Outcome) -> Any:
        """Add the run to the project when it trained at least one epoch; returns the record."""
        result = outcome.result
        if job is None or result is None or not history_length(result.history):
            return None
        from nnstudio.engine.experiments import continued_run, marked_failed, record_run

        project = self.document.project
        config = job.config
        if config.until_stopped:  # the record says how long it ran, so a re-run repeats it
            config = config.replace(epochs=max(1, result.epochs_run))
        if outcome.continued:
            record = continued_run(project, result, self._start_origin, network=job.network,
                                   config=config)
        else:
            record = record_run(project, result, network=job.network, config=config)
        if outcome.status == "failed":  # kept with its curves and last good weights, marked
            record = marked_failed(record, outcome.message)
        timeline = self.timeline or Timeline(job.config.epochs)
        final = record.final_origin
        timeline.finish(result.weights, final.epoch if final is not None else 0)
        self.document.add_run(record, result.weights, timeline.arrays())
        # The curves follow: weights_changed puts this run's lineage in `history`.
        self.document.set_weights(result.weights, record.final_origin)
        return record

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    def _replace_history(self, history: dict[str, list[float]]) -> None:
        self.history = history
        self.history_replaced.emit(history)

    @Slot()
    def _on_document_project_replaced(self) -> None:
        if self.is_active:  # another project came in without the close guard
            log.warning("a project was replaced while training; the run is dropped")
            self._job = None
            self.shutdown()
        self._prepared = None
        self._on_document_weights_changed()

    @Slot()
    def _on_document_weights_changed(self) -> None:
        """New weights (a run's, a restored run's, none): show the epochs that led to them."""
        if self.is_active:
            return  # a run is recording its end; its weights come with their lineage
        document = self.document
        runs = list(getattr(document.project, "runs", []))
        self._replace_history(lineage_history(runs, document.weights_origin)
                              if document.weights else {})
