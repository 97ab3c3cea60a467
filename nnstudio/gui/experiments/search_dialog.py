"""A small hyperparameter search: learning rate, batch size and L2, on a grid or at random.

Every trial trains the project's network with the project's seed (the same initial weights
and batch order), so the settings tried are the only difference. Trials run one after another
on a background thread (progress, Cancel); each lands in the table as it finishes, the best
by the validation score highlighted. "Apply Best Settings" puts the winner's values into the
project's training settings.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QSize, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QGridLayout, QHBoxLayout, QHeaderView, QLabel,
    QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

from nnstudio.core.config import TRAINING_SCHEMA
from nnstudio.core.errors import NNStudioError, SpecError
from nnstudio.core.history import format_value
from nnstudio.core.params import INT
from nnstudio.engine.experiments import SearchProgress, SearchResult
from nnstudio.gui.experiments.job_dialog import JobDialog
from nnstudio.gui.experiments.tables import column_title
from nnstudio.gui.background import Work

# Setting, label, values tried by default, searched by default.
SEARCHED = (("learning_rate", "Learning rate", "0.003, 0.01, 0.03, 0.1", True),
            ("batch_size", "Batch size", "16, 32, 64", True),
            ("l2", "L2 penalty", "0, 0.0001, 0.001", False))
GRID, RANDOM = "grid", "random"


def parse_values(setting: str, text: str) -> list[Any]:
    """The numbers typed for `setting`, each checked; SpecError naming the setting."""
    spec = TRAINING_SCHEMA[setting]
    values = []
    for part in text.replace(",", " ").split():
        try:
            number = int(part) if spec.kind == INT else float(part)
        except ValueError:
            kind = "whole numbers" if spec.kind == INT else "numbers"
            raise SpecError(f"{column_title(setting)}: give {kind} separated by commas, got "
                            f"\"{part}\"") from None
        values.append(spec.validate(number, column_title(setting)))
    if not values:
        raise SpecError(f"{column_title(setting)}: give at least one value to try")
    return values


class SearchDialog(JobDialog):
    """Choose what to search, run the trials, see them ranked, apply the best."""

    search_finished = Signal(object)  # SearchResult

    def __init__(self, document: Any, parent: QWidget | None = None):
        super().__init__(document, "search", "Hyperparameter Search", parent)
        self.partial: SearchResult | None = None
        self.result: SearchResult | None = None
        self._total = 0
        self._build()
        self._connect()
        self._on_controls_changed()
        self._fit_screen(QSize(1240, 620))

    # ---- building ----
    def _build(self) -> None:
        self.mode_combo = QComboBox()
        self.mode_combo.setObjectName("search_mode_combo")
        self.mode_combo.addItem("Grid: every combination", GRID)
        self.mode_combo.addItem("Random: draw combinations", RANDOM)
        self.mode_combo.setToolTip("A grid tries every combination of the values; random draws "
                                   "combinations (from a low, high range when two values are "
                                   "given).")
        self.count_spin = QSpinBox()
        self.count_spin.setObjectName("search_count_spin")
        self.count_spin.setRange(1, 1000)
        self.count_spin.setValue(8)
        self.count_label = QLabel("Trials:")
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setObjectName("search_epochs_spin")
        self.epochs_spin.setRange(1, 100_000)
        self.epochs_spin.setValue(self.document.project.training.epochs)
        grid = QGridLayout()
        grid.addWidget(QLabel("Search:"), 0, 0)
        grid.addWidget(self.mode_combo, 0, 1)
        self.checks: dict[str, QCheckBox] = {}
        self.edits: dict[str, QLineEdit] = {}
        for row, (name, label, values, searched) in enumerate(SEARCHED, start=1):
            check = QCheckBox(label)
            check.setObjectName(f"search_{name}_check")
            check.setChecked(searched)
            edit = QLineEdit(values)
            edit.setObjectName(f"search_{name}_edit")
            grid.addWidget(check, row, 0)
            grid.addWidget(edit, row, 1)
            self.checks[name], self.edits[name] = check, edit
        options = QHBoxLayout()
        options.addWidget(self.count_label)
        options.addWidget(self.count_spin)
        options.addWidget(QLabel("Epochs per trial:"))
        options.addWidget(self.epochs_spin)
        options.addStretch(1)
        grid.addLayout(options, len(SEARCHED) + 1, 0, 1, 2)
        grid.setColumnStretch(1, 1)

        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("search_start_button")
        self.start_button.setDefault(True)
        self.plan_label = QLabel()
        self.plan_label.setObjectName("search_plan")
        starting = QHBoxLayout()
        starting.addWidget(self.plan_label, 1)
        starting.addWidget(self.start_button)

        self._build_results_table("search")
        # A dozen metric columns: narrow headers fit them in a 1366-pixel screen, and where
        # they still do not fit, scrolling by pixel (not by column) reaches the whole last one.
        self.table_model.narrow_headers = True
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        # The sort arrow's room is kept in every header while it shows: only once the person
        # sorts (the trials come unsorted, in the order they ran).
        header.setSortIndicatorShown(False)
        header.sectionClicked.connect(lambda: header.setSortIndicatorShown(True))

        self.apply_button = QPushButton("Apply Best Settings")
        self.apply_button.setObjectName("search_apply_button")
        self.apply_button.setToolTip("Use the best trial's values in the project's training "
                                     "settings.")
        self.apply_button.setEnabled(False)
        bottom = self._build_status_row("search", 240, self.apply_button)
        self.status.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addLayout(starting)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

    def _connect(self) -> None:
        self.mode_combo.currentIndexChanged.connect(self._on_controls_changed)
        self.count_spin.valueChanged.connect(self._on_controls_changed)
        self.epochs_spin.valueChanged.connect(self._on_controls_changed)
        for name in self.checks:
            self.checks[name].toggled.connect(self._on_controls_changed)
            self.edits[name].textChanged.connect(self._on_controls_changed)
        self.apply_button.clicked.connect(self.apply_best)
        self._connect_task(self.start_button)

    # ---- setting up ----
    @property
    def mode(self) -> str:
        return self.mode_combo.currentData()

    def space(self) -> dict[str, Any]:
        """What to search: setting -> values (a (low, high) range in random mode when two
        are given). SpecError saying what to fix."""
        space: dict[str, Any] = {}
        for name, check in self.checks.items():
            if check.isChecked():
                values = parse_values(name, self.edits[name].text())
                if self.mode == RANDOM and len(values) == 2:
                    low, high = sorted(values)
                    values = (low, high)
                space[name] = values
        if not space:
            raise SpecError("Tick at least one setting to search.")
        return space

    def trial_count(self, space: dict[str, Any]) -> int:
        if self.mode == RANDOM:
            return self.count_spin.value()
        return math.prod(len(values) for values in space.values())

    def _prepare(self) -> Work:
        """The trials to run (`start` runs them on a background thread)."""
        space = self.space()
        epochs = self.epochs_spin.value()
        snapshot, config = self._project_copy(epochs)
        path = self.document.path
        mode, count, seed = self.mode, self.count_spin.value(), config.seed

        def work(report, control):
            from nnstudio.data.source import prepare_project_data
            from nnstudio.engine.experiments import run_search

            data = prepare_project_data(snapshot, path)
            prefix = "val_" if data.validation.n_samples else ""
            metric = prefix + ("accuracy" if data.train.is_classification else "loss")
            report(("metric", metric), force=True)
            return run_search(snapshot, space, mode=mode, count=count, seed=seed,
                              metric=metric, data=data, config=config, project_path=path,
                              cancel=control, keep_weights=False,
                              progress=lambda p: report(p, force=p.trial is not None))

        self.partial, self.result = None, None
        self._total = self.trial_count(space)
        self.progress.setRange(0, self._total * epochs)
        self.progress.setValue(0)
        self.table_model.set_rows([], [])
        self.apply_button.setEnabled(False)
        self._show_status("Preparing the data…")
        return work

    @Slot()
    def apply_best(self) -> bool:
        """Put the best trial's values into the project's training settings."""
        result = self.result
        if result is None or result.best is None:
            return False
        values = result.trials[result.best].values
        self.document.set_training_config(self.document.project.training.replace(**values))
        said = ", ".join(f"{column_title(k)} {format_value(v)}" for k, v in values.items())
        self._show_status(f"Applied {said} to the training settings.")
        return True

    # ---- showing ----
    def show_result(self, result: SearchResult) -> None:
        best = result.best
        tip = f"The best {column_title(result.metric)} of all trials." if best is not None \
            else ""
        columns, rows = result.columns(), result.rows()
        if len(rows) == self.table_model.rowCount() + 1 and columns == self.table_model.columns:
            self.table_model.append_rows(rows[-1:])
            self.table_model.set_highlighted(best, tip)
        else:
            self.table_model.set_rows(columns, rows, best, tip)

    # ---- slots ----
    @Slot()
    def _on_controls_changed(self) -> None:
        random = self.mode == RANDOM
        self.count_spin.setVisible(random)
        self.count_label.setVisible(random)
        for name, edit in self.edits.items():
            edit.setEnabled(self.checks[name].isChecked())
            edit.setToolTip("Two values: a range to draw from (log scale for learning rate and "
                            "batch size). More: the values to pick from." if random else
                            "The values to try, separated by commas.")
        try:
            count = self.trial_count(self.space())
        except NNStudioError as error:
            self.plan_label.setText(str(error))
            return
        epochs = self.epochs_spin.value()
        self.plan_label.setText(f"{count} trial{'s' if count != 1 else ''} of {epochs} "
                                f"epoch{'s' if epochs != 1 else ''}, each from the project's "
                                "seed: the settings are the only difference.")

    @Slot(object)
    def _on_task_progressed(self, update: Any) -> None:
        if isinstance(update, tuple) and update[0] == "metric":
            names = [name for name, check in self.checks.items() if check.isChecked()]
            self.partial = SearchResult(update[1], names)
            self._show_status(f"Ranking by {column_title(update[1])}…")
            return
        if not isinstance(update, SearchProgress):
            return
        epochs = self.epochs_spin.value()
        if update.trial is not None and self.partial is not None:
            self.partial.trials.append(update.trial)
            self.show_result(self.partial)
            self.progress.setValue(update.done * epochs)
        else:
            epoch = _epoch_of(update.text)
            self.progress.setValue(update.done * epochs + epoch)
            if not self.task.cancel_requested:
                self._show_status(update.text)

    @Slot(object)
    def _on_task_succeeded(self, result: SearchResult) -> None:
        self.result, self.partial = result, None
        self.show_result(result)
        best = result.best
        done = f"{len(result.trials)} of {self._total} trials"
        if best is None:
            self._show_status(f"{'Cancelled' if result.cancelled else 'Done'}: {done}; none "
                              "finished with a score.")
            return
        winner = result.trials[best]
        said = ", ".join(f"{column_title(k)} {format_value(v)}" for k, v in
                         winner.values.items())
        score = winner.final_metrics.get(result.metric)
        self._show_status(f"{'Cancelled' if result.cancelled else 'Done'}: {done}. Best "
                          f"{column_title(result.metric)} {format_value(score)} with {said}.")
        self.apply_button.setEnabled(True)
        self.search_finished.emit(result)

    def _inputs(self) -> list[QWidget]:
        return [self.mode_combo, self.count_spin, self.epochs_spin, *self.checks.values(),
                *self.edits.values()]

    @Slot(bool)
    def _on_task_running_changed(self, running: bool) -> None:
        super()._on_task_running_changed(running)
        if not running:
            self._on_controls_changed()


def _epoch_of(text: str) -> int:
    """The epoch in a progress text "... epoch 3 of 20" (0 when it has none)."""
    words = text.rsplit("epoch ", 1)
    if len(words) == 2:
        number = words[1].split(" ", 1)[0]
        if number.isdigit():
            return int(number)
    return 0
