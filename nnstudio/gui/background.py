"""The one way the window runs work in the background: training, experiments, data imports.

`BackgroundTask` lives on the GUI thread. `start(work)` runs `work(report, control)` once on a
new QThread, in a `TaskWorker` moved there:

- `report(value, force=False)` hands progress to the GUI thread by a queued signal, at most
  about 20 times a second unless `force` (work that throttles itself passes force);
- `control` is a thread-safe flag object the work checks in its loops (the engine's
  `TrainingControl` by default: stop, pause, a new learning rate); `cancel()` sets its stop
  flag, and the work returns early, usually with a partial result;
- every signal carries the start's run token, so whatever an abandoned or finished worker
  still had queued is dropped;
- nothing raises into Qt: an `NNStudioError` ends in `failed(message)`, anything else in
  `failed` with a message that says what happened and that the work is safe.

`finish_now()` is for closing: stop, quit and wait for the thread from the GUI thread (waiting
without quitting first would deadlock: the worker's quit request would come through the
blocked thread's queue), and return what the work returned.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from nnstudio.core.errors import NNStudioError
from nnstudio.engine.callbacks import TrainingControl

log = logging.getLogger(__name__)

REPORT_INTERVAL = 0.05  # seconds between progress signals: about 20 a second at most

Report = Callable[..., None]  # report(value, force=False)
Work = Callable[[Report, Any], Any]  # work(report, control) -> result


def unexpected_message(error: BaseException, what: str = "Training") -> str:
    """A message for an error nobody foresaw: what it was, and that the work is safe."""
    if isinstance(error, MemoryError):
        return (f"{what} stopped: the computer ran out of memory. Try a smaller batch size or "
                "a smaller network.")
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    detail = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return (f"{what} stopped because of an unexpected error ({detail[:500]}). The network "
            "and the weights from before this run are kept.")


class TaskWorker(QObject):
    """Runs `work` once; move it to a QThread and connect `thread.started` to `run`."""

    progressed = Signal(int, object)  # token, whatever the work reported
    succeeded = Signal(int, object)  # token, the work's result
    failed = Signal(int, str)  # token, a message for a person

    def __init__(self, work: Work, control: Any, token: int):
        super().__init__()
        self.work, self.control, self.token = work, control, token
        self.result: Any = None  # kept for a GUI thread that waited instead of listening
        self._last_report = -math.inf

    @Slot()
    def run(self) -> None:
        try:
            result = self.work(self.report, self.control)
        except NNStudioError as error:
            self.failed.emit(self.token, str(error))
        except BaseException as error:  # nothing may escape into Qt's event loop
            log.exception("background work failed")
            self.failed.emit(self.token, unexpected_message(error))
        else:
            self.result = result
            self.succeeded.emit(self.token, result)

    def report(self, value: Any, force: bool = False) -> None:
        """Send `value` to the GUI thread, unless one went less than REPORT_INTERVAL ago."""
        now = time.monotonic()
        if force or now - self._last_report >= REPORT_INTERVAL:
            self._last_report = now
            self.progressed.emit(self.token, value)


class BackgroundTask(QObject):
    """One piece of work at a time in the background, with progress, stop and a clean close."""

    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str)
    running_changed = Signal(bool)

    def __init__(self, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self.name = name
        self.control: Any = None
        self._thread: QThread | None = None
        self._worker: TaskWorker | None = None
        self._token = 0

    @property
    def is_running(self) -> bool:
        return self._thread is not None

    @property
    def cancel_requested(self) -> bool:
        return self.control is not None and self.control.stop_requested

    def start(self, work: Work, control: Any = None) -> bool:
        """Run `work(report, control)` on a new thread (`control`: a fresh TrainingControl
        unless given); False if one is still running."""
        if self._thread is not None:
            return False
        self._token += 1
        self.control = control if control is not None else TrainingControl()
        thread = QThread()
        thread.setObjectName(self.name)
        worker = TaskWorker(work, self.control, self._token)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progressed.connect(self._on_worker_progressed)
        worker.succeeded.connect(self._on_worker_succeeded)
        worker.failed.connect(self._on_worker_failed)
        self._thread, self._worker = thread, worker
        thread.start()
        self.running_changed.emit(True)
        return True

    @Slot()
    def cancel(self) -> None:
        """Ask the work to stop at its next check (it ends on its own)."""
        if self.control is not None:
            self.control.stop()
            self.control.resume()  # a paused loop would never see the stop

    def finish_now(self) -> Any:
        """Stop the work, wait for its thread and return its result (None when it failed or
        nothing ran); nothing it still had queued arrives. For closing."""
        if self._thread is None:
            return None
        self.cancel()
        worker = self._worker
        self._release()
        self.running_changed.emit(False)
        return worker.result

    def shutdown(self) -> bool:
        """`finish_now()` for a close guard: drops the result, never refuses."""
        self.finish_now()
        return True

    def _release(self) -> None:
        thread, worker = self._thread, self._worker
        self._thread = self._worker = None
        self._token += 1  # anything the old worker still has queued is dropped
        if thread is not None:
            thread.quit()
            thread.wait()
            thread.deleteLater()
        if worker is not None:
            worker.deleteLater()

    @Slot(int, object)
    def _on_worker_progressed(self, token: int, value: Any) -> None:
        if token == self._token:
            self.progressed.emit(value)

    @Slot(int, object)
    def _on_worker_succeeded(self, token: int, result: Any) -> None:
        if token == self._token:
            self._release()
            self.running_changed.emit(False)
            self.succeeded.emit(result)

    @Slot(int, str)
    def _on_worker_failed(self, token: int, message: str) -> None:
        if token == self._token:
            self._release()
            self.running_changed.emit(False)
            self.failed.emit(message)
