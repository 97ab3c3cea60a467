"""The import wizard's second page: the target, the inputs and how each is encoded, the task
and missing values.

The target and the inputs start as the shared column checks (`nnstudio.data.columns`, the same
as `nnstudio new`) choose them, each decision said beside the column; the person's ticks and
per-column encodings override them and are stored in the project as they are.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Slot
from PySide6.QtWidgets import (
    QComboBox, QFormLayout, QLabel, QListWidget, QListWidgetItem, QWidget, QWizardPage,
)

from nnstudio.gui.theme import ERROR_COLOR

TASKS = [("Binary classification", "binary"), ("Multiclass classification", "multiclass"),
         ("Regression (predict a number)", "regression")]
CATEGORICAL = [("One-hot: one 0/1 input per category", "onehot"),
               ("Ordinal: one input numbering the categories", "ordinal")]
MISSING = [("Drop rows with missing values", "drop"), ("Fill with the column's mean", "mean"),
           ("Fill with the column's median", "median"),
           ("Fill with the most frequent value", "most_frequent")]


def combo_box(items: list[tuple[str, Any]]) -> QComboBox:
    """A combo box of (label, value) items."""
    combo = QComboBox()
    for label, value in items:
        combo.addItem(label, value)
    return combo


def select_data(combo: QComboBox, value: Any) -> None:
    """Show the item whose value is `value`, if there is one."""
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)


class ColumnsPage(QWizardPage):
    """Target, inputs, task and the handling of text and missing values.

    The target and the inputs start as the shared column checks choose them
    (`nnstudio.data.columns`, the same as `nnstudio new`), each decision said beside it.
    """

    def __init__(self, file_page: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.file_page = file_page
        self.setTitle("What to learn")
        self.setSubTitle("Choose the column to predict (the target) and the columns the network "
                         "sees (the inputs).")
        self._columns_for: tuple | None = None
        self._ticked: dict[str, bool] = {}  # the person's own ticks, over the checks' choice
        self._encodings: dict[str, str] = {}  # per text column, over the default
        self.plan = None  # the ColumnPlan for the current target
        self._guessed: tuple[str | None, str, str] = (None, "", "")  # target, hint, reason

        self.target = QComboBox()
        self.target.setObjectName("target_combo")
        self.target_hint = QLabel()
        self.target_hint.setObjectName("target_hint")
        self.target_hint.setWordWrap(True)
        self.features = QListWidget()
        self.features.setObjectName("feature_list")
        self.checks = QLabel()
        self.checks.setObjectName("checks_label")
        self.checks.setWordWrap(True)
        self.checks.setStyleSheet(f"color: {ERROR_COLOR};")
        self.task = QComboBox()
        self.task.setObjectName("task_combo")
        self.categorical = combo_box(CATEGORICAL)
        self.categorical.setObjectName("categorical_combo")
        self.column_encoding = combo_box(CATEGORICAL)
        self.column_encoding.setObjectName("column_encoding_combo")
        self.column_encoding.setToolTip("How the selected text column becomes numbers.")
        self.missing = combo_box(MISSING)
        self.missing.setObjectName("missing_combo")
        self.task_hint = QLabel()
        self.task_hint.setWordWrap(True)

        self.form = QFormLayout(self)
        self.form.addRow("Target (to predict)", self.target)
        self.form.addRow("", self.target_hint)
        self.form.addRow("Inputs", self.features)
        self.form.addRow("", self.checks)
        self.form.addRow("Task", self.task)
        self.form.addRow("", self.task_hint)
        self.form.addRow("Text columns", self.categorical)
        self.form.addRow("Selected text column", self.column_encoding)
        self.form.addRow("Missing values", self.missing)
        self.target.currentIndexChanged.connect(self._on_target_changed)
        self.features.itemChanged.connect(self._on_features_item_changed)
        self.features.currentItemChanged.connect(self._on_features_current_changed)
        self.categorical.currentIndexChanged.connect(self._on_encoding_changed)
        self.column_encoding.currentIndexChanged.connect(self._on_column_encoding_changed)

    def is_table(self) -> bool:
        return self.file_page.format in ("csv", "tsv")

    def initializePage(self) -> None:
        table = self.is_table()
        for widget in (self.target, self.target_hint, self.features, self.checks,
                       self.categorical, self.column_encoding, self.missing):
            self.form.setRowVisible(widget, table)
        if table:
            preview = self.file_page.preview
            key = (preview.columns, preview.kinds)
            if key != self._columns_for:  # a new file: new columns, else keep the choices
                self._columns_for = key
                self._ticked, self._encodings = {}, {}
                self._choose_target(preview)
                self._on_target_changed()
        else:
            self._fill_tasks(None)
        self.form.setRowVisible(self.task, self.file_page.format != "images")
        self.form.setRowVisible(self.task_hint, self.file_page.format != "images")

    def _choose_target(self, preview) -> None:
        """The column the checks find most label-like, and why; the last one if none is."""
        from nnstudio.data.columns import NoTargetFound, guess_target

        try:
            target, reason = guess_target(preview.samples)
            hint = f"Chosen because {reason}."
        except NoTargetFound:
            target = preview.columns[-1]
            reason = "no column looks like a label, so the last one was chosen"
            hint = "No column looks like a label, so the last one is chosen: check it."
        with QSignalBlocker(self.target):
            self.target.clear()
            self.target.addItems(list(preview.columns))
            self.target.setCurrentText(target)
        self._guessed = (target, hint, reason)

    def _plan(self):
        """The checks' choice for the current target, with the person's encodings (of text
        columns only, so the checks have nothing to refuse)."""
        from nnstudio.data.columns import plan_columns

        preview = self.file_page.preview
        return plan_columns(preview.samples, target=self.target.currentText(),
                            encodings=self._encodings,
                            default_encoding=self.categorical.currentData(),
                            complete=preview.rows_exact)

    @Slot()
    def _on_target_changed(self) -> None:
        """Inputs as the checks choose them for this target, except where the person ticked."""
        target = self.target.currentText()
        guessed, hint, _ = self._guessed
        self.target_hint.setText(hint if target == guessed else "Chosen by you.")
        self._show_plan()
        self._fill_tasks(self._detected_task(target))
        self.completeChanged.emit()

    def _show_plan(self) -> None:
        self.plan = self._plan()
        handling = {c.name: c for c in self.plan.columns}
        current = self.features.currentItem()
        current_name = current.data(Qt.ItemDataRole.UserRole) if current else None
        with QSignalBlocker(self.features):
            self.features.clear()
            for name in self.file_page.preview.columns:
                item = QListWidgetItem()
                item.setData(Qt.ItemDataRole.UserRole, name)
                if name == self.target.currentText():
                    item.setText(f"{name}  (the target)")
                    item.setFlags(Qt.ItemFlag.NoItemFlags)
                    item.setCheckState(Qt.CheckState.Unchecked)
                    item.setToolTip("This is the target; it is never an input.")
                else:
                    column = handling[name]
                    ticked = self._ticked.get(name, column.used)
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                                  | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(Qt.CheckState.Checked if ticked
                                       else Qt.CheckState.Unchecked)
                    item.setText(self._item_text(column, ticked))
                    if column.reason:
                        item.setToolTip(f"{name}: {column.reason}; tick it to keep it.")
                self.features.addItem(item)
                if name == current_name:
                    self.features.setCurrentItem(item)
        self.checks.setText("\n".join(self.plan.warnings))
        self.checks.setVisible(bool(self.checks.text()))
        self._on_features_current_changed(self.features.currentItem())

    def _item_text(self, column, ticked: bool) -> str:
        name = column.name
        if not ticked:
            return f"{name}  — left out: {column.reason if not column.used else 'unticked'}"
        if column.used and column.handling in ("onehot", "ordinal"):
            kind = "one-hot" if column.handling == "onehot" else "ordinal"
            return f"{name}  (text, {kind}: {len(column.categories)} categories)"
        kind = self.file_page.preview.kind(name)
        return name if kind == "number" else f"{name}  ({kind})"

    @Slot(QListWidgetItem)
    def _on_features_item_changed(self, item: QListWidgetItem) -> None:
        name = item.data(Qt.ItemDataRole.UserRole)
        self._ticked[name] = item.checkState() == Qt.CheckState.Checked
        column = next(c for c in self.plan.columns if c.name == name)
        with QSignalBlocker(self.features):
            item.setText(self._item_text(column, self._ticked[name]))
        self.completeChanged.emit()

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_features_current_changed(self, item: QListWidgetItem | None,
                                     _previous: QListWidgetItem | None = None) -> None:
        """The encoding choice follows the selected column; only text columns have one."""
        name = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        text = name is not None and self.file_page.preview.kind(name) == "text" and \
            name != self.target.currentText()
        self.column_encoding.setEnabled(text)
        if text:
            with QSignalBlocker(self.column_encoding):
                select_data(self.column_encoding,
                            self._encodings.get(name, self.categorical.currentData()))

    @Slot()
    def _on_encoding_changed(self) -> None:
        if self.file_page.preview is not None and self.is_table():
            self._show_plan()

    @Slot(int)
    def _on_column_encoding_changed(self, _index: int) -> None:
        item = self.features.currentItem()
        if item is not None:
            self._encodings[item.data(Qt.ItemDataRole.UserRole)] = \
                self.column_encoding.currentData()
            self._show_plan()

    def _detected_task(self, target: str) -> tuple[str, str] | None:
        """The task the sampled rows suggest for `target`, with a reason."""
        import numpy as np

        from nnstudio.data.importers import infer_task

        preview = self.file_page.preview
        if preview is None or target not in preview.columns:
            return None
        j = preview.columns.index(target)
        values = [row[j] for row in preview.rows if row[j] is not None]
        if not values:
            return None
        if preview.kinds[j] == "text":
            array = np.array(values, dtype=object)
            reason = f"{len(set(values))} different texts in the first rows"
        else:
            try:
                array = np.array([float(v.replace(",", ".")) for v in values])
            except ValueError:
                return None
            reason = f"{len(set(array.tolist()))} different values in the first rows"
        return infer_task(array), reason

    def _fill_tasks(self, detected: tuple[str, str] | None) -> None:
        previous = self.task.currentData()
        with QSignalBlocker(self.task):
            self.task.clear()
            if detected:
                name = dict((v, k) for k, v in TASKS)[detected[0]]
                self.task.addItem(f"Automatic: {name.lower()}", None)
                self.task_hint.setText(f"Guessed from {detected[1]}; the whole file decides.")
            else:
                self.task.addItem("Automatic", None)
                self.task_hint.setText("Guessed from the targets when the file is read.")
            for label, value in TASKS:
                self.task.addItem(label, value)
            select_data(self.task, previous)

    def confirmed_columns(self, dataset) -> list[str]:
        """The inputs and their handling as the full read confirmed them, for the last page."""
        from nnstudio.data.columns import describe_plan, plan_columns, with_read_categories

        if not self.is_table():
            return []
        options = self.column_options()
        preview = self.file_page.preview
        chosen = plan_columns(preview.samples, target=options["target"],
                              features=options["features"],
                              encodings=options.get("categorical"),
                              complete=preview.rows_exact)
        # Columns the checks left out keep their reason; the others were unticked.
        checked = {c.name: c for c in self.plan.columns if not c.used}
        guessed, _, reason = self._guessed
        plan = dataclasses.replace(
            chosen, target_reason=reason if chosen.target == guessed else "chosen by you",
            columns=tuple(c if c.used else checked.get(c.name, c) for c in chosen.columns))
        return describe_plan(with_read_categories(plan, dataset.feature_names))

    def chosen_features(self) -> list[str]:
        return [self.features.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.features.count())
                if self.features.item(i).checkState() == Qt.CheckState.Checked]

    def set_features(self, names: list[str]) -> None:
        """Tick exactly `names` (what clicking the check boxes does)."""
        for i in range(self.features.count()):
            item = self.features.item(i)
            if item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                wanted = item.data(Qt.ItemDataRole.UserRole) in names
                item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)

    def column_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {}
        if self.task.currentData() is not None and self.file_page.format != "images":
            options["task"] = self.task.currentData()
        if self.is_table():
            # Always the exact columns and encodings: reopening the project repeats them.
            options["target"] = self.target.currentText()
            options["features"] = features = self.chosen_features()
            preview = self.file_page.preview
            encodings = {name: self._encodings.get(name, self.categorical.currentData())
                         for name in features if preview.kind(name) == "text"}
            if encodings:
                options["categorical"] = encodings
            options["missing"] = self.missing.currentData()
        return options

    def isComplete(self) -> bool:
        return not self.is_table() or bool(self.chosen_features())
