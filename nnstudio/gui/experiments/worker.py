"""Experiments in the background: one piece of work at a time on its own QThread.

`BackgroundTask` lives on the GUI thread. `start(work)` runs `work(report, control)` on a new
QThread: `report(value)` hands progress to the GUI thread by a queued signal (at most about
20 times a second, unless `force`), `control` is the `TrainingControl` the engine's loops check
between batches. `cancel()` sets its thread-safe stop flag; the work then returns early, usually
with a partial result. `shutdown()` is for closing: cancel, then quit and wait for the thread
from the GUI thread (waiting without quitting first would deadlock: the worker's own quit
request would come through this blocked thread's queue).

Every signal carries the start's token, so whatever an abandoned worker still had queued is
dropped. Nothing raises into Qt: an error ends in `failed(message)`.
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
Work = Callable[[Report, TrainingControl], Any]


class TaskWorker(QObject):
    """Runs `work` once; move it to a QThread and connect `thread.started` to `run`."""

    progressed = Signal(int, object)  # token, whatever the work reported
    succeeded = Signal(int, object)  # token, the work's result
    failed = Signal(int, str)  # token, a message for a person

    def __init__(self, work: Work, control: TrainingControl, token: int):
        super().__init__()
        self.work, self.control, self.token = work, control, token
        self._last_report = -math.inf

    @Slot()
    def run(self) -> None:
        try:
            result = self.work(self.report, self.control)
        except NNStudioError as error:
            self.failed.emit(self.token, str(error))
        except BaseException as error:  # nothing may escape into Qt's event loop
            log.exception("an experiment failed")
            from nnstudio.gui.training.worker import unexpected_message

            self.failed.emit(self.token, unexpected_message(error))
        else:
            self.succeeded.emit(self.token, result)

    def report(self, value: Any, force: bool = False) -> None:
        """Send `value` to the GUI thread, unless one went less than REPORT_INTERVAL ago."""
        now = time.monotonic()
        if force or now - self._last_report >= REPORT_INTERVAL:
            self._last_report = now
            self.progressed.emit(self.token, value)


class BackgroundTask(QObject):
    """One experiment at a time in the background, with progress, cancel and a clean close."""

    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str)
    running_changed = Signal(bool)

    def __init__(self, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self.name = name
        self.control: TrainingControl | None = None
        self._thread: QThread | None = None
        self._worker: TaskWorker | None = None
        self._token = 0

    @property
    def is_running(self) -> bool:
        return self._thread is not None

    @property
    def cancel_requested(self) -> bool:
        return self.control is not None and self.control.stop_requested

    def start(self, work: Work) -> bool:
        """Run `work(report, control)` on a new thread; False if one is still running."""
        if self._thread is not None:
            return False
        self._token += 1
        self.control = TrainingControl()
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
        """Ask the work to stop after the current batch (it ends on its own)."""
        if self.control is not None:
            self.control.stop()
            self.control.resume()  # a paused loop would never see the stop

    def shutdown(self) -> bool:
        """Cancel and wait for the thread; what it was doing is dropped. For closing."""
        if self._thread is None:
            return True
        self.cancel()
        self._release()
        self.running_changed.emit(False)
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
