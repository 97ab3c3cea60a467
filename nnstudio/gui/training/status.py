"""The status-bar readout of a run: a progress bar, then epoch, batch, loss, pace, time and ETA;
and `EpochStrip`, the epoch and the training and validation loss, always on show.

The readout keeps the latest numbers as they arrive and shows them on a timer, four times a
second: more often only costs the GUI thread (and the training thread the GIL) for text nobody
reads.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from nnstudio.core.history import history_length

PROGRESS_STEPS = 1000
SHOW_MS = 250


def format_duration(seconds: float) -> str:
    """0:07, 3:25, 1:02:03."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class TrainingStatusWidget(QWidget):
    """Shows a `TrainingController`'s progress; hidden while nothing trains."""

    def __init__(self, controller: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("training_status")
        self.progress = QProgressBar()
        self.progress.setObjectName("training_progress")
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setMaximumWidth(180)
        self.progress.setTextVisible(True)
        self.label = QLabel()
        self.label.setObjectName("training_status_label")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 0, 8, 0)
        row.addWidget(self.progress)
        row.addWidget(self.label)
        self._epochs = 1
        self._batches = 1
        self._first_epoch = 1
        self._epoch = 0
        self._loss: float | None = None
        self._pace = 0.0
        self._elapsed = 0.0
        self._eta: float | None = None
        self._batch_text = ""
        self._state = "idle"
        self._fraction = 0.0
        self._current_epoch: int | None = None
        self._until_stopped = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SHOW_MS)
        self._timer.timeout.connect(self.show_progress)
        controller.run_started.connect(self._on_run_started)
        controller.epochs_reached.connect(self._on_epochs_reached)
        controller.batch_reached.connect(self._on_batch_reached)
        controller.state_changed.connect(self._on_state_changed)
        controller.run_finished.connect(self._on_run_finished)
        controller.history_replaced.connect(self._on_history_replaced)
        self.progress.hide()

    @Slot(object)
    def _on_run_started(self, start: Any) -> None:
        info = start.began.info
        self._epochs, self._batches = info.epochs, max(info.batches_per_epoch, 1)
        self._first_epoch = start.first_epoch
        self._until_stopped = start.until_stopped
        self._epoch, self._loss, self._pace, self._elapsed, self._eta = 0, None, 0.0, 0.0, None
        self._batch_text = ""
        self.progress.setValue(0)
        self.progress.setVisible(not start.until_stopped)  # no end to measure progress by
        where = info.device_label
        self.label.setText(f"Training on {where}: {info.train_samples:,} samples, "
                           f"{info.parameters:,} parameters…")

    @Slot(object)
    def _on_epochs_reached(self, snapshots: tuple) -> None:
        last = snapshots[-1]
        self._epoch = last.epoch
        self._loss = last.metrics.get("loss")
        self._pace, self._elapsed, self._eta = last.samples_per_second, last.elapsed, last.eta
        self._batch_text = ""
        self._later(last.epoch / max(self._epochs, 1))

    @Slot(object)
    def _on_batch_reached(self, snapshot: Any) -> None:
        self._loss = snapshot.loss
        self._pace, self._elapsed = snapshot.samples_per_second, snapshot.elapsed
        done = (snapshot.epoch - 1 + snapshot.batch / snapshot.batches_per_epoch)
        if self._pace > 0 and done > 0:
            self._eta = self._elapsed / done * (self._epochs - done)
        self._batch_text = f" · batch {snapshot.batch}/{snapshot.batches_per_epoch}"
        self._epoch = snapshot.epoch - 1
        self._later(done / max(self._epochs, 1), current_epoch=snapshot.epoch)

    def _later(self, fraction: float, current_epoch: int | None = None) -> None:
        self._fraction, self._current_epoch = fraction, current_epoch
        if not self._timer.isActive():
            self._timer.start()

    @Slot()
    def show_progress(self) -> None:
        """Show the latest numbers now (the timer calls this)."""
        self._timer.stop()
        if self._state == "idle":
            return
        fraction, current_epoch = self._fraction, self._current_epoch
        self.progress.setValue(int(round(min(max(fraction, 0.0), 1.0) * PROGRESS_STEPS)))
        epoch = current_epoch if current_epoch is not None else self._epoch
        shown = self._first_epoch - 1 + epoch
        # A run that continues earlier training counts on from it: "Epoch 512 (12/100)".
        counted = f"Epoch {epoch}/{self._epochs}" if self._first_epoch == 1 else \
            f"Epoch {shown} ({epoch}/{self._epochs})"
        if self._until_stopped:
            counted = f"Epoch {shown} (until stopped)"
        parts = [counted + self._batch_text]
        if self._loss is not None:
            parts.append(f"loss {self._loss:.4g}")
        if self._pace:
            parts.append(f"{self._pace:,.0f} samples/s")
        parts.append(f"{format_duration(self._elapsed)} elapsed")
        if self._eta is not None and self._state == "running" and not self._until_stopped:
            parts.append(f"ETA {format_duration(self._eta)}")
        if self._state == "paused":
            parts.append("paused")
        self.label.setText(" · ".join(parts))

    @Slot(str)
    def _on_state_changed(self, state: str) -> None:
        self._state = state
        if state == "paused":
            self.label.setText(self.label.text() + " · paused")
        elif state == "stopping":
            self.label.setText("Stopping after this batch…")

    @Slot(object)
    def _on_history_replaced(self, history: dict) -> None:
        # Other weights (reset, restored, another project): the last run's words are not theirs.
        if self._state == "idle":
            self.label.clear()

    @Slot(object)
    def _on_run_finished(self, end: Any) -> None:
        self._timer.stop()
        self.progress.hide()
        outcome = end.outcome
        result = outcome.result
        if outcome.status == "refused":
            self.label.setText("Training could not start: see the message.")
            return
        if result is None:
            self.label.setText("Training stopped by an error: see the message.")
            return
        words = {"completed": "Trained", "stopped": "Stopped after", "early_stopping":
                 "Early stopping after", "failed": "Failed after"}
        metrics = result.final_metrics
        key = next((k for k in ("val_accuracy", "val_r2", "accuracy", "r2") if k in metrics),
                   None)
        score = f" · {key.replace('val_', 'validation ')} {metrics[key]:.3g}" if key else ""
        pace = (f" · {outcome.samples / outcome.wall_seconds:,.0f} samples/s"
                if outcome.wall_seconds > 0 and outcome.samples else "")
        self.label.setText(f"{words.get(outcome.status, 'Ran')} {result.epochs_run} epoch"
                           f"{'s' if result.epochs_run != 1 else ''} in "
                           f"{format_duration(result.seconds)}{pace}{score}")


class EpochStrip(QLabel):
    """The epoch the current weights reached and their last training and validation loss,
    shown whether or not a run is on (Playground's always-visible counter and test loss).

    The numbers come from the controller's curves: its `history` when they are replaced
    (another project, restored or reset weights), a run's latest epoch at most every SHOW_MS
    (each new text lays the window out again).
    """

    def __init__(self, controller: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("epoch_strip")
        self.setContentsMargins(8, 0, 8, 0)
        self.setToolTip("The epoch the current weights have trained to, with the loss on the "
                        "training data and on the validation data, which the network never "
                        "trains on (Playground's 'test loss'; the test split stays untouched "
                        "until you evaluate).")
        self._first_epoch = 1
        self._latest: tuple | None = None  # a run's numbers not shown yet
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SHOW_MS)
        self._timer.timeout.connect(self._show_latest)
        controller.history_replaced.connect(self._on_history_replaced)
        controller.run_started.connect(self._on_run_started)
        controller.epochs_reached.connect(self._on_epochs_reached)
        self._on_history_replaced(controller.history)

    def show_numbers(self, epoch: int, loss: float | None, validation_loss: float | None) -> None:
        parts = [f"Epoch {epoch}"]
        if loss is not None:
            parts.append(f"training loss {loss:.4f}")
        if validation_loss is not None:
            parts.append(f"validation loss {validation_loss:.4f}")
        elif epoch == 0:
            parts.append("not trained yet")
        self.setText(" · ".join(parts))

    @Slot(object)
    def _on_history_replaced(self, history: dict) -> None:
        def last(name: str) -> float | None:
            values = history.get(name) or []
            return values[-1] if values else None

        self._timer.stop()
        self._latest = None
        self.show_numbers(history_length(history), last("loss"), last("val_loss"))

    @Slot(object)
    def _on_run_started(self, start: Any) -> None:
        self._first_epoch = start.first_epoch

    @Slot(object)
    def _on_epochs_reached(self, snapshots: tuple) -> None:
        last = snapshots[-1]
        self._latest = (self._first_epoch - 1 + last.epoch, last.metrics.get("loss"),
                        last.metrics.get("val_loss"))
        if not self._timer.isActive():
            self._timer.start()

    @Slot()
    def _show_latest(self) -> None:
        if self._latest is not None:
            self.show_numbers(*self._latest)
            self._latest = None
