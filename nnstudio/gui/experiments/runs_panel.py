"""The runs panel: every training run of the project in a table, and their curves together.

The table (a `RunsTableModel` behind a `MissingLastProxy`) has a row per run, its metrics as
columns, sorts by any column and marks the best run by a chosen metric. Selecting runs
overlays their curves. A run's name and note are edited in place (double-click or F2); Delete
removes runs after asking. "Restore" puts a run's network and weights into the editor as one
undo step; "Re-run exactly" repeats a run from its record on a background thread and says
whether every value of its curves came out the same.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal, Slot
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox,
    QProgressBar, QPushButton, QSplitter, QTableView, QVBoxLayout, QWidget,
)

from nnstudio.core.commands import ReplaceNetworkCommand
from nnstudio.core.errors import NNStudioError
from nnstudio.core.history import (
    best_run_index, metric_columns, run_label, run_rows, start_text,
)
from nnstudio.engine.callbacks import Callback
from nnstudio.gui.experiments.plots import (
    MetricComboBox, add_legend, axis_title, curve_names, curve_xy, default_curve, make_plot,
    run_color,
)
from nnstudio.gui.experiments.tables import MissingLastProxy, RowsTableModel, column_title
from nnstudio.gui.background import BackgroundTask
from nnstudio.gui.theme import ERROR_COLOR

NAME, NOTE = "name", "note"
MAX_NAME = 200
MAX_COLUMN_WIDTH = 180  # pixels
OK_COLOR = "#2e9d4f"
SELECT_HINT = "Select runs in the table to see their curves together."
NO_RUNS_HINT = ("No runs yet: each training run (Train, F5) lands in the table with its settings "
                "and final scores, to compare, restore or re-run.")
# The metric that picks the best run when a project has it, in this order of preference.
BEST_PREFERENCE = ("val_accuracy", "val_r2", "val_loss", "accuracy", "r2", "loss")


class RunsTableModel(RowsTableModel):
    """A row per run of `document`'s project: name, created, seed, epochs, changes, every final
    metric, note. Name and note are editable; an edit changes the run in the document."""

    def __init__(self, document: Any, parent=None):
        super().__init__(parent)
        self.document = document
        self.run_ids: list[str] = []
        self.best_metric = ""

    def refresh(self) -> None:
        runs = list(self.document.project.runs)
        base, rows = run_rows(runs)
        metrics = base[len(("name", "created", "seed", "changes")):]
        columns = ["name", "created", "seed", "epochs", "changes", *metrics, NOTE]
        table = []
        for run, row in zip(runs, rows):
            epochs = max((len(v) for v in run.history.values()), default=0)
            table.append([row[0], row[1], row[2], epochs, row[3], *row[4:], run.note])
        self.run_ids = [run.id for run in runs]
        best = best_run_index(runs, self.best_metric) if self.best_metric else None
        tip = f"The best {column_title(self.best_metric)} of all runs." if best is not None \
            else ""
        self.set_rows(columns, table, best, tip)

    def metrics(self) -> list[str]:
        return metric_columns(run.final_metrics for run in self.document.project.runs)

    def set_best_metric(self, metric: str) -> None:
        self.best_metric = metric
        runs = self.document.project.runs
        best = best_run_index(runs, metric) if metric else None
        self.set_highlighted(best, f"The best {column_title(metric)} of all runs."
                             if best is not None else "")

    def run(self, row: int) -> Any:
        return self.document.project.run(self.run_ids[row])

    def flags(self, index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and self.columns[index.column()] in (NAME, NOTE):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.EditRole and index.isValid():
            run = self.run(index.row())
            return run.name if self.columns[index.column()] == NAME else run.note
        return super().data(index, role)

    def display_text(self, row: int, column: int, value: Any) -> str:
        name = self.columns[column]
        if name == "created" and isinstance(value, str):
            return value.replace("T", " ")[:16]  # to the minute; the tooltip has it all
        if name == NOTE and isinstance(value, str):
            return value.splitlines()[0] if value else ""
        return super().display_text(row, column, value)

    def tooltip(self, row: int, column: int, value: Any) -> str | None:
        name = self.columns[column]
        if name == NAME:
            run = self.run(row)
            lines = [f"{run.id}: {run.name}" if run.name else run.id,
                     f"device {run.device or '?'}, seed {run.seed}",
                     "versions " + ", ".join(f"{k} {v}" for k, v in run.versions.items())]
            if row == self.highlighted and self.highlight_tip:
                lines.append(self.highlight_tip)
            return "\n".join(lines)
        return super().tooltip(row, column, value)

    def setData(self, index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        field = self.columns[index.column()]
        if field not in (NAME, NOTE):
            return False
        run = self.run(index.row())
        text = str(value)
        if field == NAME:
            text = " ".join(text.split())[:MAX_NAME]  # one line: it names the run in lists
        if text == getattr(run, field):
            return False
        self.document.replace_run(dataclasses.replace(run, **{field: text}))
        return True


class RestoreRunCommand(QUndoCommand):
    """A run's network and weights into the editor as one undo step (undo puts back both,
    with where the weights came from)."""

    def __init__(self, document: Any, run: Any, weights: dict[str, Any] | None):
        super().__init__(f"Restore {run_label(run)}")
        self.document = document
        self.edit = ReplaceNetworkCommand(run.network.nodes, self.text())
        self.old_weights, self.new_weights = document.weights, weights
        self.old_origin = document.weights_origin
        self.new_origin = run.final_origin if weights is not None else None
        self.edit.apply(document.network)  # SpecError here refuses it before it is on the stack
        self._applied = True

    def redo(self) -> None:
        if self._applied:  # the first redo is the push: already applied above
            self._applied = False
        else:
            self.edit.apply(self.document.network)
        self.document.set_weights(self.new_weights, self.new_origin)

    def undo(self) -> None:
        self.edit.revert(self.document.network)
        self.document.set_weights(self.old_weights, self.old_origin)


class EpochReporter(Callback):
    """Hands (epoch, epochs) to `report` after each epoch (on the worker thread)."""

    def __init__(self, report):
        self.report = report

    def on_epoch_end(self, snapshot: Any) -> None:
        self.report((snapshot.epoch, snapshot.epochs), force=snapshot.epoch == snapshot.epochs)


class RunsTableView(QTableView):
    """The table; Delete (or Backspace, as on a Mac) asks to delete the selected runs."""

    delete_pressed = Signal()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and \
                self.state() != QAbstractItemView.State.EditingState:
            self.delete_pressed.emit()
            return
        super().keyPressEvent(event)


class RunsPanel(QWidget):
    """The project's runs: a sortable table, their curves, restore, re-run, rename, delete."""

    rerun_finished = Signal(object)  # RerunReport
    message = Signal(str)  # a line for the status bar

    def __init__(self, document: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("runs_panel")
        self.document = document
        self.model = RunsTableModel(document, self)
        self.proxy = MissingLastProxy(self)
        self.proxy.setSourceModel(self.model)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.repeated_curve: pg.PlotDataItem | None = None
        self.last_rerun: Any = None
        self._rerun_id = ""
        self.rerun_task = BackgroundTask("rerun", self)
        self._build()
        self._connect()
        self._on_document_runs_changed()

    # ---- building ----
    def _build(self) -> None:
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("runs_filter")
        self.filter_edit.setPlaceholderText("Filter runs…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setToolTip("Show only runs whose name, note or changes contain this.")
        self.best_combo = MetricComboBox()
        self.best_combo.setObjectName("best_metric_combo")
        self.best_combo.setSizeAdjustPolicy(MetricComboBox.SizeAdjustPolicy.AdjustToContents)
        self.best_combo.setToolTip("The run with the best value of this metric is highlighted "
                                   "(lowest for losses and errors, highest otherwise).")
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(QLabel("Best by:"))
        top.addWidget(self.best_combo)

        self.table = RunsTableView()
        self.table.setObjectName("runs_table")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the order they ran in
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setToolTip("Select runs to compare their curves. Double-click a name or a "
                              "note to edit it.")

        self.curve_combo = MetricComboBox()
        self.curve_combo.setObjectName("runs_curve_combo")
        self.curve_combo.setToolTip("The curve drawn for each selected run.")
        self.plot = make_plot(self, "", "epoch")
        self.plot.setObjectName("runs_plot")
        self.legend = add_legend(self.plot)
        self.plot_hint = QLabel()
        self.plot_hint.setObjectName("runs_plot_hint")
        self.plot_hint.setWordWrap(True)
        plot_box = QWidget()
        plot_layout = QVBoxLayout(plot_box)
        plot_layout.setContentsMargins(0, 0, 0, 0)
        curve_row = QHBoxLayout()
        curve_row.addWidget(QLabel("Curve:"))
        curve_row.addWidget(self.curve_combo, 1)
        plot_layout.addLayout(curve_row)
        plot_layout.addWidget(self.plot, 1)
        plot_layout.addWidget(self.plot_hint)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(plot_box)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([900, 600])

        self.restore_button = QPushButton("Restore")
        self.restore_button.setObjectName("restore_run_button")
        self.restore_button.setToolTip("Put this run's network and weights into the editor "
                                       "(Edit ▸ Undo takes it back).")
        self.rerun_button = QPushButton("Re-run exactly")
        self.rerun_button.setObjectName("rerun_button")
        self.rerun_button.setToolTip("Train this run again from its record (network, data, "
                                     "settings, seed) and check every value of its curves.")
        self.rename_button = QPushButton("Rename")
        self.rename_button.setObjectName("rename_run_button")
        self.note_button = QPushButton("Note")
        self.note_button.setObjectName("note_run_button")
        self.note_button.setToolTip("Write a note about this run.")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("delete_runs_button")
        self.progress = QProgressBar()
        self.progress.setObjectName("rerun_progress")
        self.progress.setMaximumWidth(160)
        self.progress.setVisible(False)
        self.status = QLabel()
        self.status.setObjectName("runs_status")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.restore_button, self.rerun_button, self.rename_button,
                       self.note_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addWidget(self.progress)
        buttons.addWidget(self.status, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(buttons)

    def _connect(self) -> None:
        self.document.runs_changed.connect(self._on_document_runs_changed)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.best_combo.currentIndexChanged.connect(self._on_best_combo_changed)
        self.curve_combo.currentIndexChanged.connect(self._on_curve_combo_changed)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.restore_button.clicked.connect(self.restore_selected)
        self.rerun_button.clicked.connect(self._on_rerun_button_clicked)
        self.rename_button.clicked.connect(lambda: self._edit_selected(NAME))
        self.note_button.clicked.connect(lambda: self._edit_selected(NOTE))
        self.delete_button.clicked.connect(self.delete_selected)
        self.table.delete_pressed.connect(self.delete_selected)
        self.rerun_task.progressed.connect(self._on_rerun_progressed)
        self.rerun_task.succeeded.connect(self._on_rerun_succeeded)
        self.rerun_task.failed.connect(self._on_rerun_failed)
        self.rerun_task.running_changed.connect(self._update_buttons)

    # ---- reading ----
    def selected_ids(self) -> list[str]:
        """The ids of the selected runs, in the table model's order."""
        rows = sorted(self.proxy.mapToSource(index).row()
                      for index in self.table.selectionModel().selectedRows())
        return [self.model.run_ids[row] for row in rows]

    def selected_runs(self) -> list[Any]:
        """The selected runs, in the project's order."""
        return [self.document.project.run(run_id) for run_id in self.selected_ids()]

    def select_runs(self, run_ids: list[str]) -> None:
        """Select the rows of `run_ids` (as clicking them would)."""
        selection = self.table.selectionModel()
        selection.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | \
            QItemSelectionModel.SelectionFlag.Rows
        for run_id in run_ids:
            row = self.model.run_ids.index(run_id)
            selection.select(self.proxy.mapFromSource(self.model.index(row, 0)), flags)

    def view_index(self, run_id: str, column: str) -> QModelIndex:
        """The table view's index of `run_id`'s cell in `column`."""
        source = self.model.index(self.model.run_ids.index(run_id),
                                  self.model.columns.index(column))
        return self.proxy.mapFromSource(source)

    # ---- actions ----
    @Slot()
    def restore_selected(self) -> bool:
        """Put the selected run's network and weights into the editor, as one undo step."""
        runs = self.selected_runs()
        if len(runs) != 1:
            return False
        run = runs[0]
        document = self.document
        if document.edit_lock is not None:
            self._show_status(document.edit_lock, error=True)
            return False
        try:
            weights = document.run_weights(run.id)
        except NNStudioError as error:
            self._warn("Could not read the run's weights", str(error))
            return False
        if weights is None and not self._ask(
                "No weights kept",
                f"{run_label(run)} kept no weights (it ran before they were kept, or its "
                "weights file is gone).",
                "Restore its network with fresh, untrained weights?", "Restore network"):
            return False
        try:
            command = RestoreRunCommand(document, run, weights)
        except NNStudioError as error:
            self._warn("Could not restore the run", str(error))
            return False
        document.undo_stack.push(command)
        what = "network and weights" if weights is not None else "network"
        self._show_status(f"Restored the {what} of {run_label(run)}. Edit ▸ Undo puts back "
                          "what was there.")
        return True

    @Slot()
    def delete_selected(self) -> bool:
        runs = self.selected_runs()
        if not runs:
            return False
        names = ", ".join(run_label(run) for run in runs[:5]) + ("…" if len(runs) > 5 else "")
        count = f"{len(runs)} runs" if len(runs) > 1 else "this run"
        if not self._ask("Delete runs", f"Delete {count} ({names}) from the history?",
                         "Their curves and weights go when the project is saved.", "Delete"):
            return False
        for run in runs:
            self.document.remove_run(run.id)
        self._show_status(f"Deleted {names}.")
        return True

    def _edit_selected(self, column: str) -> None:
        runs = self.selected_runs()
        if len(runs) == 1:
            index = self.view_index(runs[0].id, column)
            self.table.setCurrentIndex(index)
            self.table.edit(index)

    def rerun_selected(self) -> bool:
        """Repeat the selected run on a background thread; `rerun_finished` says how it went."""
        runs = self.selected_runs()
        if len(runs) != 1 or self.rerun_task.is_running:
            return False
        run = runs[0]
        path = self.document.path
        initial = None
        if run.parent is not None:
            initial = self._parent_weights(run)
            if initial is None:
                return False

        def work(report, control):
            from nnstudio.engine.experiments import rerun

            return rerun(run, project_path=path, callbacks=[EpochReporter(report)],
                         control=control, initial_weights=initial)

        self._rerun_id = run.id
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self._show_status(f"Repeating {run_label(run)}…")
        return self.rerun_task.start(work)

    def _parent_weights(self, run: Any) -> dict[str, Any] | None:
        """The weights a continuing run began from: its parent's kept weights, when they are
        of the epoch it began from; else None, and the status says why it cannot repeat."""
        parent = self.document.project.find_run(run.parent.run)
        origin = parent.final_origin if parent is not None else None
        try:
            weights = self.document.run_weights(parent.id) if origin is not None and (
                origin.run, origin.epoch) == (run.parent.run, run.parent.epoch) else None
        except NNStudioError as error:
            self._warn("Could not read the run's weights", str(error))
            return None
        if weights is None:
            self._show_status(
                f"{run_label(run)} {start_text(run, self.document.project.runs)}, whose "
                "weights at that epoch were not kept: it cannot be repeated exactly.",
                error=True)
        return weights

    def shutdown(self) -> bool:
        """Stop a re-run and wait for its thread (closing the window)."""
        return self.rerun_task.shutdown()

    # ---- drawing ----
    def _update_curves(self) -> None:
        runs = self.selected_runs()
        name = self.curve_combo.current_name()
        wanted = {run.id for run in runs if name in run.history}
        for run_id in list(self.curves):
            if run_id not in wanted:
                self.plot.removeItem(self.curves.pop(run_id))
        self.legend.clear()
        for run in runs:
            if run.id not in wanted:
                continue
            color = run_color(self.model.run_ids.index(run.id))
            curve = self.curves.get(run.id)
            if curve is None:
                curve = self.plot.plot(pen=pg.mkPen(color, width=2))
                self.curves[run.id] = curve
            curve.setPen(pg.mkPen(color, width=2))
            curve.setData(*curve_xy(run.history[name]), connect="finite")
            self.legend.addItem(curve, run_label(run))
        if self.repeated_curve is not None:
            self.plot.removeItem(self.repeated_curve)
            self.repeated_curve = None
        report = self.last_rerun
        if report is not None and report.run_id in wanted and name in report.result.history:
            self.repeated_curve = self.plot.plot(
                pen=pg.mkPen("#303030", width=1.5, style=Qt.PenStyle.DashLine))
            self.repeated_curve.setData(*curve_xy(report.result.history[name]),
                                        connect="finite")
            self.legend.addItem(self.repeated_curve, f"{self._run_name(report.run_id)} repeated")
        self.plot.getPlotItem().setLabel("left", axis_title(name) if name else "")
        self.plot_hint.setText(SELECT_HINT if self.document.project.runs else NO_RUNS_HINT)
        self.plot_hint.setVisible(not wanted)

    def _fill_combos(self) -> None:
        runs = self.document.project.runs
        metrics = self.model.metrics()
        best = self.best_combo.current_name() or self.model.best_metric
        if best not in metrics:
            best = next((m for m in BEST_PREFERENCE if m in metrics),
                        metrics[0] if metrics else "")
        self.best_combo.set_names(metrics, best)
        self.model.set_best_metric(best)
        names = curve_names(run.history for run in runs)
        current = self.curve_combo.current_name()
        self.curve_combo.set_names(names, current if current in names else default_curve(names))

    def _update_buttons(self) -> None:
        count = len(self.selected_runs())
        busy = self.rerun_task.is_running
        self.restore_button.setEnabled(count == 1)
        self.rename_button.setEnabled(count == 1)
        self.note_button.setEnabled(count == 1)
        self.delete_button.setEnabled(count > 0 and not busy)
        self.rerun_button.setEnabled(busy or count == 1)
        self.rerun_button.setText("Cancel re-run" if busy else "Re-run exactly")

    def _run_name(self, run_id: str) -> str:
        run = self.document.project.find_run(run_id)
        return run_label(run) if run is not None else run_id

    def _show_status(self, text: str, error: bool = False, ok: bool = False) -> None:
        color = ERROR_COLOR if error else OK_COLOR if ok else ""
        self.status.setStyleSheet(f"color: {color};" if color else "")
        self.status.setText(text)
        self.message.emit(text)

    def _warn(self, title: str, text: str) -> None:
        QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                    self).exec()

    def _ask(self, title: str, text: str, detail: str, action: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self)
        box.setInformativeText(detail)
        box.button(QMessageBox.StandardButton.Yes).setText(action)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box.exec() == QMessageBox.StandardButton.Yes

    # ---- slots ----
    @Slot()
    def _on_document_runs_changed(self) -> None:
        selected = self.selected_ids()
        self.model.refresh()
        self._fill_combos()
        kept = [run_id for run_id in selected if run_id in self.model.run_ids]
        if self.selected_ids() != kept:  # a reset (runs added or deleted) forgets the selection
            self.select_runs(kept)
        if self.last_rerun is not None and self.last_rerun.run_id not in self.model.run_ids:
            self.last_rerun = None
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        for column in range(header.count()):  # long changes and notes: the tooltip has them
            header.resizeSection(column, min(header.sectionSize(column), MAX_COLUMN_WIDTH))
        self._update_curves()
        self._update_buttons()

    @Slot(int)
    def _on_best_combo_changed(self, _: int) -> None:
        self.model.set_best_metric(self.best_combo.current_name())

    @Slot(int)
    def _on_curve_combo_changed(self, _: int) -> None:
        self._update_curves()

    @Slot()
    def _on_table_selection_changed(self) -> None:
        self._update_curves()
        self._update_buttons()

    @Slot()
    def _on_rerun_button_clicked(self) -> None:
        if self.rerun_task.is_running:
            self.rerun_task.cancel()
            self._show_status("Cancelling the re-run…")
        else:
            self.rerun_selected()

    @Slot(object)
    def _on_rerun_progressed(self, value: tuple[int, int]) -> None:
        epoch, epochs = value
        self.progress.setRange(0, epochs)
        self.progress.setValue(epoch)

    @Slot(object)
    def _on_rerun_succeeded(self, report: Any) -> None:
        self.progress.setVisible(False)
        if self.rerun_task.cancel_requested or report.result.stop_reason == "stopped":
            self._show_status(f"The re-run of {self._run_name(report.run_id)} was cancelled.")
            return
        self.last_rerun = report
        self._show_status(("✓ " if report.identical else "✗ ") + report.message,
                          error=not report.identical, ok=report.identical)
        self._update_curves()
        self.rerun_finished.emit(report)

    @Slot(str)
    def _on_rerun_failed(self, message: str) -> None:
        self.progress.setVisible(False)
        self._show_status(f"The re-run failed: {message}", error=True)

