"""The timeline scrubber under the views: a slider over the epochs a run kept, Play, Latest and
Fork from Here.

It shows the timeline of the run the current weights came from (or of the run in progress,
whose kept epochs grow as it trains and whose last position is always the live weights). Moving
the slider sets the one piece of state every live view draws from, the live model's viewed
epoch (`LiveModel.view_epoch`); the last position, or Latest, goes back to the latest weights
(`view_latest`), and while a run trains the slider follows it there. Play steps through the
kept epochs. Fork from Here makes the viewed epoch's weights the project's, recorded as coming
from that run and epoch, and trains on from them: the new run's parent is that epoch.

A run saved before timelines were kept offers only its last epoch, and says so.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Slot
from PySide6.QtWidgets import QLabel, QSlider, QStyle, QToolBar, QToolButton

from nnstudio.core.errors import NNStudioError
from nnstudio.core.history import run_label
from nnstudio.core.metrics import format_metric_value, metric_label

log = logging.getLogger(__name__)

PLAY_INTERVAL_MS = 400  # one kept epoch after another: a run's ~20 snapshots in ~8 s
NO_TIMELINE = ("Only this run's last epoch was kept: it was trained before NN Studio kept "
               "timelines. Train it again to scrub through its epochs.")


class TimelineBar(QToolBar):
    """The timeline scrubber: what the views show is `services.live`'s viewed epoch."""

    def __init__(self, services: Any):
        super().__init__("Timeline")
        self.setObjectName("timeline_toolbar")
        self.setMovable(False)
        self.services = services
        self.document, self.controller, self.live = (services.document, services.controller,
                                                     services.live)
        self.run_id: str | None = None  # the run whose epochs the slider walks (None: running)
        self.positions: list[tuple[int, bool]] = []  # (epoch, is the latest weights)
        self._live_epoch = 0  # the run in progress: its newest epoch
        self._build()
        self._timer = QTimer(self)
        self._timer.setInterval(PLAY_INTERVAL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        document = self.document
        for signal in (document.weights_changed, document.runs_changed,
                       document.project_replaced, self.controller.state_changed):
            signal.connect(self.refresh)
        self.controller.epochs_reached.connect(self._on_controller_epochs_reached)
        self.controller.run_started.connect(self._on_controller_run_started)
        self.live.viewed_changed.connect(self._show_viewed)
        self.refresh()

    def _build(self) -> None:
        style = self.style()
        self._play_icon = style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        self._pause_icon = style.standardIcon(QStyle.StandardPixmap.SP_MediaPause)
        self.play_button = QToolButton()
        self.play_button.setObjectName("timeline_play")
        self.play_button.setIcon(self._play_icon)
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Play the run's kept epochs one after another")
        self.play_button.toggled.connect(self._on_play_toggled)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("timeline_slider")
        self.slider.setPageStep(1)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setMinimumWidth(240)
        self.slider.setToolTip("Move every view to an epoch the run kept (1, 2, 3, 5, 8, 13, … "
                               "and its last)")
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.label = QLabel()
        self.label.setObjectName("timeline_label")
        self.label.setMinimumWidth(260)
        self.latest_button = QToolButton()
        self.latest_button.setObjectName("timeline_latest")
        self.latest_button.setText("Latest")
        self.latest_button.setToolTip("Back to the latest weights (and follow a running "
                                      "training)")
        self.latest_button.clicked.connect(self.show_latest)
        self.fork_button = QToolButton()
        self.fork_button.setObjectName("timeline_fork")
        self.fork_button.setText("Fork from Here")
        self.fork_button.setToolTip("Train a new run from the weights of the epoch shown; the "
                                    "run records that it started there")
        self.fork_button.clicked.connect(self.fork)
        self.note = QLabel()
        self.note.setObjectName("timeline_note")
        self.note.setWordWrap(False)
        self.addWidget(QLabel(" Timeline "))
        self.addWidget(self.play_button)
        self.addWidget(self.slider)
        self.addWidget(self.label)
        self.addWidget(self.latest_button)
        self.addWidget(self.fork_button)
        self.addWidget(self.note)

    # ---- what the slider walks ----
    @Slot()
    def refresh(self) -> None:
        """Take the epochs of the run to show again (a run's progress, its end, a restore,
        another project). While a run goes on it comes with each delivery of epochs: it
        changes no widget that has not changed (a changed text lays the whole window out
        again)."""
        if self.note.text():
            self.note.clear()
        running = self.controller.is_active and self.controller.timeline is not None
        if running:
            self.run_id = None
            kept = [e for e in self.controller.timeline.epochs if e < self._live_epoch]
            latest = self._live_epoch
        else:
            self._live_epoch = 0
            origin = self.document.weights_origin
            record = self.document.project.find_run(origin.run) if origin is not None else None
            self.run_id = record.id if record is not None else None
            latest = origin.epoch if record is not None and self.document.weights else 0
            kept = [e for e in self.document.snapshot_epochs(self.run_id) if e != latest] \
                if record is not None else []
            if record is not None and not kept and record.epochs > 1:
                self.note.setText(NO_TIMELINE)
        self.positions = sorted([(e, False) for e in kept] + ([(latest, True)] if latest
                                                                 else []))
        with QSignalBlocker(self.slider):
            self.slider.setRange(0, max(len(self.positions) - 1, 0))
        usable = len(self.positions) > 1
        self.slider.setEnabled(usable)
        self.play_button.setEnabled(usable)
        if not usable:
            self.play_button.setChecked(False)
        self._show_viewed()

    @Slot(object)
    def _on_controller_run_started(self, start: Any) -> None:
        self._live_epoch = 0
        self.refresh()

    @Slot(object)
    def _on_controller_epochs_reached(self, snapshots: tuple) -> None:
        if snapshots:
            self._live_epoch = snapshots[-1].epoch
        self.refresh()  # following the run: its new epochs, the handle at the live one

    def _latest_index(self) -> int:
        return next((i for i, (_, latest) in enumerate(self.positions) if latest),
                    len(self.positions) - 1)

    @Slot()
    def _show_viewed(self) -> None:
        """Put the handle where the live model's viewed epoch is, and say which it is."""
        viewed = self.live.viewed
        index = self._latest_index()
        if viewed is not None and viewed[0] == self.run_id:
            index = next((i for i, (e, latest) in enumerate(self.positions)
                          if e == viewed[1] and not latest), index)
        with QSignalBlocker(self.slider):
            self.slider.setValue(max(index, 0))
        self.label.setText(self._describe(index))
        self.latest_button.setEnabled(viewed is not None)
        self.fork_button.setEnabled(self._can_fork())

    def _describe(self, index: int) -> str:
        if not self.positions:
            return "No trained weights yet: train to see the run's timeline."
        epoch, latest = self.positions[index]
        if self.run_id is None:  # the live epoch's number is in the epoch strip below
            return "Latest epoch (live), run in progress" if latest else \
                f"Epoch {epoch}, run in progress"
        record = self.document.project.find_run(self.run_id)
        text = f"Epoch {epoch} of {record.epochs}, {run_label(record)}"
        if latest and self.live.viewed is None:
            text += " (latest)"
        for name in ("loss", "val_accuracy", "val_r2"):
            values = record.history.get(name, ())
            if 0 < epoch <= len(values):
                text += f", {metric_label(name)} {format_metric_value(name, values[epoch - 1])}"
        return text

    # ---- moving ----
    @Slot(int)
    def _on_slider_value_changed(self, index: int) -> None:
        if not 0 <= index < len(self.positions):
            return
        epoch, latest = self.positions[index]
        try:
            if latest:
                self.live.view_latest()
            else:
                self.live.view_epoch(self.run_id, epoch)
        except (NNStudioError, KeyError) as error:
            log.warning("timeline: epoch %s of %s: %s", epoch, self.run_id, error)
            self.services.show_message(f"The weights of epoch {epoch} cannot be shown: {error}")
            self._show_viewed()
        self.label.setText(self._describe(index))

    def show_epoch(self, epoch: int) -> bool:
        """Move the views to kept epoch `epoch` (as moving the slider there); False if the run
        kept none there."""
        for index, (kept, _) in enumerate(self.positions):
            if kept == epoch:
                self.slider.setValue(index)
                return True
        return False

    @Slot()
    def show_latest(self) -> None:
        self.play_button.setChecked(False)
        self.live.view_latest()

    @Slot(bool)
    def _on_play_toggled(self, playing: bool) -> None:
        self.play_button.setIcon(self._pause_icon if playing else self._play_icon)
        if not playing:
            self._timer.stop()
            return
        if self.slider.value() >= self.slider.maximum():
            self.slider.setValue(0)  # played to the end before: from the start again
        self._timer.start()

    @Slot()
    def _on_timer_timeout(self) -> None:
        if self.slider.value() >= self.slider.maximum():
            self.play_button.setChecked(False)
            return
        self.slider.setValue(self.slider.value() + 1)

    # ---- forking ----
    def _can_fork(self) -> bool:
        return (self.run_id is not None and bool(self.positions)
                and not self.controller.is_active)

    @Slot()
    def fork(self) -> bool:
        """Train a new run from the viewed epoch's weights (the run's parent: that epoch)."""
        if not self._can_fork():
            return False
        from nnstudio.core.project import WeightsOrigin
        from nnstudio.engine.probes import structure_key

        epoch, latest = self.positions[self.slider.value()]
        record = self.document.project.run(self.run_id)
        if structure_key(record.network) != structure_key(self.document.network):
            self.services.show_message(
                f"{run_label(record)} trained another network than the one in the "
                f"editor; restore it from the Runs panel before forking from it.")
            return False
        try:
            weights = self.document.snapshot_weights(record.id, epoch)
        except (NNStudioError, KeyError) as error:
            self.services.show_message(f"Cannot fork from epoch {epoch}: {error}")
            return False
        self.play_button.setChecked(False)
        if not latest or self.document.weights_origin != WeightsOrigin(record.id, epoch):
            self.document.set_weights(dict(weights), WeightsOrigin(record.id, epoch))
        started = self.controller.train()
        if started:
            self.services.show_message(f"Forked from {run_label(record)}, epoch {epoch}.")
        return started
