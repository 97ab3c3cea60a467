"""The training controller: Train, Pause, Stop, Step and Reset for one `ProjectDocument`.

It lives on the GUI thread. Train copies the network, the data settings and the training
settings, hands them to a `TrainingWorker` on a QThread, and relays what the worker reports as
its own signals, dropping anything a finished run sent late. When a run ends its history and
weights become part of the project (`document.add_run`, `document.set_weights`).

The curves the window shows are `history`: the epochs that led to the current weights. A run
that continues from the current weights appends to it; a run from fresh weights, Reset weights
or another project starts it anew. A continuing run says so in its record's changes
("continued from run_3"), which is how a reopened project finds its whole curve again.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from nnstudio.core.config import TrainingConfig
from nnstudio.core.network import Network
from nnstudio.engine.callbacks import Callback, TrainingControl
from nnstudio.gui.training.worker import (
    Outcome, RunBegan, TrainingJob, TrainingWorker, history_length,
)

log = logging.getLogger(__name__)

IDLE, RUNNING, PAUSED, STOPPING = "idle", "running", "paused", "stopping"
CONTINUED_FROM = "continued from "  # the first of a continuing run's changes, then the run id
STEP_NAME = "Step"


@dataclasses.dataclass(frozen=True)
class RunStart:
    """What panels need when a run begins: the engine's plan and where its epochs go."""

    began: RunBegan
    first_epoch: int  # the number the run's epoch 1 gets on the curves
    step: bool


@dataclasses.dataclass(frozen=True)
class RunEnd:
    """How a run ended, and the record it left in the project (None if it left none)."""

    outcome: Outcome
    record: Any = None
    history: dict[str, list[float]] = dataclasses.field(default_factory=dict)


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
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self._job: TrainingJob | None = None
        self._step = False
        self._token = 0
        self._first_epoch = 1
        self._prepared: tuple[Any, Any] | None = None  # (data key, PreparedData)
        self._callback_factories: list[Callable[[], Callback]] = []
        document.project_replaced.connect(self._on_document_project_replaced)
        self._on_document_project_replaced()

    # ---- state ----
    @property
    def is_active(self) -> bool:
        """True from Train until the run has ended (running, paused or stopping)."""
        return self._thread is not None

    def add_callback_factory(self, factory: Callable[[], Callback]) -> None:
        """Each run also gets `factory()` as an engine callback (called on the worker thread)."""
        self._callback_factories.append(factory)

    # ---- commands ----
    @Slot()
    def train(self) -> bool:
        """Train for the configured epochs, from the current weights if there are any."""
        return self._start(step=False)

    @Slot()
    def step(self) -> bool:
        """Train exactly one epoch, from the current weights if there are any."""
        return self._start(step=True)

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
        self.document.set_weights(None)
        self._replace_history({})
        self.notice.emit("Weights reset: the next run starts from fresh random weights.")
        return True

    def shutdown(self) -> bool:
        """Stop any run and wait for its thread; what it trained is recorded. For closing."""
        if self._thread is None:
            return True
        if self.control is not None:
            self.control.stop()
            self.control.resume()
        self._set_state(STOPPING)
        # quit() before wait(): the worker's own quit request would come through this
        # (blocked) thread's queue, so waiting without it would never end.
        self._thread.quit()
        self._thread.wait()
        outcome = self._worker.outcome if self._worker is not None else None
        self._complete(outcome or Outcome("stopped"))
        return True

    # ---- starting ----
    def _start(self, step: bool) -> bool:
        if self.is_active:
            return False
        document = self.document
        project = document.project
        config: TrainingConfig = project.training
        if step:
            config = config.replace(epochs=1)
        network = Network(document.network.nodes)
        snapshot = dataclasses.replace(project, network=network, training=config,
                                       runs=list(project.runs))
        key = (project.data, str(document.path))
        prepared = self._prepared[1] if self._prepared and self._prepared[0] == key else None
        job = TrainingJob(network, config, snapshot, document.path,
                          dict(document.weights) if document.weights else None, prepared,
                          tuple(self._callback_factories))
        self._token += 1
        self._job, self._step = job, step
        self.control = TrainingControl()
        thread = QThread()
        thread.setObjectName("training")
        worker = TrainingWorker(job, self.control, self._token)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.began.connect(self._on_worker_began)
        worker.epochs_reached.connect(self._on_worker_epochs_reached)
        worker.batch_reached.connect(self._on_worker_batch_reached)
        worker.ended.connect(self._on_worker_ended)
        self._thread, self._worker = thread, worker
        self._set_state(RUNNING)
        thread.start()
        return True

    # ---- what the worker reports ----
    @Slot(int, object)
    def _on_worker_began(self, token: int, began: RunBegan) -> None:
        if token != self._token or self._thread is None:
            return
        if not began.continued:
            self._replace_history({})
        self._first_epoch = history_length(self.history) + 1
        if began.notice:
            self.notice.emit(began.notice)
        self.run_started.emit(RunStart(began, self._first_epoch, self._step))

    @Slot(int, object)
    def _on_worker_epochs_reached(self, token: int, snapshots: tuple) -> None:
        if token == self._token and self._thread is not None:
            self.epochs_reached.emit(snapshots)

    @Slot(int, object)
    def _on_worker_batch_reached(self, token: int, snapshot: Any) -> None:
        if token == self._token and self._thread is not None:
            self.batch_reached.emit(snapshot)

    @Slot(int, object)
    def _on_worker_ended(self, token: int, outcome: Outcome) -> None:
        if token == self._token and self._thread is not None:
            self._complete(outcome)

    # ---- ending ----
    def _complete(self, outcome: Outcome) -> None:
        """Record the run, release the thread, go idle, tell the panels (once per run)."""
        job = self._job
        self._release_thread()
        if outcome.prepared is not None and job is not None and job.project.data.source.kind \
                == "builtin":
            self._prepared = ((job.project.data, str(job.project_path)), outcome.prepared)
        record = self._record(job, outcome)
        self._set_state(IDLE)
        self.run_finished.emit(RunEnd(outcome, record, self.history))
        if outcome.failed:
            title = "Training could not start" if outcome.status == "refused" \
                else "Training stopped"
            self.run_failed.emit(title, outcome.message)

    def _release_thread(self) -> None:
        thread, worker = self._thread, self._worker
        self._thread = self._worker = None
        self._token += 1  # anything the old worker still has queued is dropped
        if thread is not None:
            thread.quit()
            thread.wait()  # the run is over: only the thread's exit is left
            thread.deleteLater()
        if worker is not None:
            worker.deleteLater()

    def _record(self, job: TrainingJob | None, outcome: Outcome) -> Any:
        """Add the run to the project when it trained at least one epoch; returns the record."""
        result = outcome.result
        if job is None or result is None or not history_length(result.history):
            return None
        from nnstudio.engine.experiments import record_run

        project = self.document.project
        record = record_run(project, result, network=job.network, config=job.config,
                            name=STEP_NAME if self._step else "")
        if outcome.continued and project.runs:
            changes = (CONTINUED_FROM + project.runs[-1].id, *record.changes)
            record = dataclasses.replace(record, changes=changes)
        base = self.history if outcome.continued else {}
        self.history = join_histories(base, record.history)
        self.document.add_run(record, result.weights)
        self.document.set_weights(result.weights)
        self.history_replaced.emit(self.history)
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
        if self._thread is not None:  # another project came in without the close guard
            log.warning("a project was replaced while training; the run is dropped")
            self._job = None
            self.shutdown()
        self._prepared = None
        document = self.document
        runs = list(getattr(document.project, "runs", []))
        self._replace_history(lineage_history(runs) if document.weights else {})


def join_histories(before: dict[str, list[float]],
                   after: dict[str, list[float]]) -> dict[str, list[float]]:
    """`after` appended to `before`, column by column; a column one side lacks is padded with
    NaN so every column keeps one value per epoch."""
    if not before:
        return {name: list(values) for name, values in after.items()}
    length_before, length_after = history_length(before), history_length(after)
    joined: dict[str, list[float]] = {}
    for name in [*before, *(n for n in after if n not in before)]:
        old = list(before.get(name, []))
        old += [float("nan")] * (length_before - len(old))
        new = list(after.get(name, []))
        new += [float("nan")] * (length_after - len(new))
        joined[name] = old + new
    return joined


def lineage_history(runs: list[Any]) -> dict[str, list[float]]:
    """The curve that led to the last run's weights: its history after those of the runs it
    continued from, following "continued from <id>" back."""
    if not runs:
        return {}
    by_id = {run.id: run for run in runs}
    chain = [runs[-1]]
    seen = {runs[-1].id}
    while True:
        changes = chain[-1].changes
        origin = changes[0][len(CONTINUED_FROM):] if changes and \
            changes[0].startswith(CONTINUED_FROM) else None
        if origin is None or origin not in by_id or origin in seen:
            break
        seen.add(origin)
        chain.append(by_id[origin])
    history: dict[str, list[float]] = {}
    for run in reversed(chain):
        history = join_histories(history, run.history)
    return history
