"""What the experiment windows share: one job on a background thread, a Start button that
turns into Cancel while it runs, a progress bar and a status line.

The hyperparameter search, twin runs and scale sweep differ in what they set up, run and
show, not in how a job starts, reports, fails, is cancelled or is stopped on closing; that
part lives here once. `JobMixin` holds it; `JobDialog` adds what a dialog needs (a Close
button, and stopping the job when it closes). The sweep is a top-level QWidget window rather
than a QDialog (no Escape-to-close, no modality), so it takes the mixin and its own
`closeEvent`.

A subclass sets `self.document` and `self.task` (a `BackgroundTask`; `JobDialog` sets both),
builds the status row with `_build_status_row`, wires it with `_connect_task`, and implements
`_prepare`, `_inputs`, `_on_task_progressed` and `_on_task_succeeded`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QTableView,
    QWidget,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.core.network import Network
from nnstudio.gui.experiments.tables import MissingLastProxy, RowsTableModel
from nnstudio.gui.background import BackgroundTask, Work
from nnstudio.gui.theme import ERROR_COLOR

SCREEN_SHARE = 0.9  # at most this share of the screen's free area, each way


class JobMixin:
    """Start, cancel and stop one background job, and show how it goes. Mix into a QWidget."""

    document: Any
    task: BackgroundTask
    progress: QProgressBar
    status: QLabel

    # ---- for subclasses ----
    def _prepare(self) -> Work:
        """Check the set-up, clear what the last job showed, and return the work to run;
        NNStudioError saying what to fix (shown, and nothing starts)."""
        raise NotImplementedError

    def _inputs(self) -> list[QWidget]:
        """The set-up controls, disabled while the job runs."""
        raise NotImplementedError

    def _on_task_progressed(self, update: Any) -> None:
        raise NotImplementedError

    def _on_task_succeeded(self, result: Any) -> None:
        raise NotImplementedError

    # ---- building ----
    def _fit_screen(self, wanted: QSize) -> None:
        """`wanted`, or 90% of the screen's free area where that is smaller (1366x768): the
        title bar and the desktop's panels keep room."""
        free = self.screen().availableGeometry()
        self.resize(wanted.boundedTo(QSize(int(free.width() * SCREEN_SHARE),
                                           int(free.height() * SCREEN_SHARE))))

    def _build_status_row(self, name: str, width: int, *buttons: QPushButton) -> QHBoxLayout:
        """The bottom row: progress bar (while a job runs), status line (`name`_progress,
        `name`_status), then `buttons`."""
        self.progress = QProgressBar()
        self.progress.setObjectName(f"{name}_progress")
        self.progress.setMaximumWidth(width)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)  # shown while a job runs: idle, it is an empty box
        self.status = QLabel()
        self.status.setObjectName(f"{name}_status")
        row = QHBoxLayout()
        row.addWidget(self.progress)
        row.addWidget(self.status, 1)
        for button in buttons:
            row.addWidget(button)
        return row

    def _build_results_table(self, name: str) -> None:
        """`self.table` (object name `name`_table) showing `self.table_model` through
        `self.proxy`: rows selected whole, sortable by any column with missing values last,
        unsorted (in the order they came) until a header is clicked."""
        self.table_model = RowsTableModel(self)
        self.proxy = MissingLastProxy(self)
        self.proxy.setSourceModel(self.table_model)
        self.table = QTableView()
        self.table.setObjectName(f"{name}_table")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)

    def _connect_task(self, start_button: QPushButton) -> None:
        """Wire `start_button` (Start while idle, Cancel while running) and the task."""
        self._start_button, self._start_text = start_button, start_button.text()
        start_button.clicked.connect(self._on_start_button_clicked)
        self.task.progressed.connect(self._on_task_progressed)
        self.task.succeeded.connect(self._on_task_succeeded)
        self.task.failed.connect(self._on_task_failed)
        self.task.running_changed.connect(self._on_task_running_changed)

    # ---- acting ----
    def _project_copy(self, epochs: int) -> tuple[Any, Any]:
        """The project as the job will see it, and its training settings: the network as it
        is now, `epochs` epochs, no runs. A copy, so edits made while the job runs on its
        thread don't reach it."""
        project = self.document.project
        config = project.training.replace(epochs=epochs)
        snapshot = dataclasses.replace(project, network=Network(self.document.network.nodes),
                                       training=config, runs=[])
        return snapshot, config

    def start(self) -> bool:
        """Run the job on a background thread; a problem is shown and nothing starts."""
        if self.task.is_running:
            return False
        try:
            work = self._prepare()
        except NNStudioError as error:
            self._show_status(str(error), error=True)
            return False
        return self.task.start(work)

    @Slot()
    def cancel(self) -> None:
        """Stop after the current batch; what finished so far stays."""
        if self.task.is_running:
            self.task.cancel()
            self._show_status("Cancelling after the current batch…")

    def shutdown(self) -> bool:
        """Stop a running job and wait for its thread (closing)."""
        return self.task.shutdown()

    def _show_status(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(f"color: {ERROR_COLOR};" if error else "")
        self.status.setText(text)

    # ---- slots ----
    @Slot()
    def _on_start_button_clicked(self) -> None:
        if self.task.is_running:
            self.cancel()
        else:
            self.start()

    @Slot(str)
    def _on_task_failed(self, message: str) -> None:
        self._show_status(message, error=True)

    @Slot(bool)
    def _on_task_running_changed(self, running: bool) -> None:
        self._start_button.setText("Cancel" if running else self._start_text)
        self.progress.setVisible(running)
        for widget in self._inputs():
            widget.setEnabled(not running)


class JobDialog(JobMixin, QDialog):
    """An experiment dialog: a Close button at the end of the status row, and closing
    stops the job first, so no thread outlives the dialog's work."""

    def __init__(self, document: Any, name: str, title: str, parent: QWidget | None = None):
        """`name`: the task's name, and the dialog's object name `name`_dialog."""
        super().__init__(parent)
        self.setObjectName(f"{name}_dialog")
        self.setWindowTitle(f"{title} — NN Studio")
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint)
        self.document = document
        self.task = BackgroundTask(name, self)

    def _build_status_row(self, name: str, width: int, *buttons: QPushButton) -> QHBoxLayout:
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        return super()._build_status_row(name, width, *buttons, close)

    def reject(self) -> None:
        """Closing (Escape, the Close button) stops the job first."""
        self.shutdown()
        super().reject()
