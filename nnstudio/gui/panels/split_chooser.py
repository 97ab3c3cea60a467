"""Choosing which rows test and validate: random shares, separate files, or a split column.

One widget for the data settings panel and the import wizard's split page. It only edits a
`SplitChoice`; whoever holds it applies the choice to a project (`apply_split_choice`) and
draws the choice back with `set_choice`, so the widget never owns project state.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSignalBlocker, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLineEdit, QPushButton, QWidget,
)

from nnstudio.data.fixed_split import SplitChoice

KINDS = (
    ("Random shares", "random",
     "Validation and test rows are drawn at random with the shares below."),
    ("Separate files", "files",
     "A test file and/or a validation file, read like the main file: e.g. a paper's published "
     "test set, so its score is comparable."),
    ("A split column", "column",
     "A column of the table says train, validation or test for each row; it is never an input."),
)
NO_COLUMN = "(choose a column)"


class SplitChooserWidget(QWidget):
    """The kind of split and its files or column; `choice_changed` after each person's edit."""

    choice_changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("split_chooser")
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("split_kind_combo")
        for label, kind, tip in KINDS:
            self.kind_combo.addItem(label, kind)
            self.kind_combo.setItemData(self.kind_combo.count() - 1, tip,
                                        Qt.ItemDataRole.ToolTipRole)
        self.kind_combo.setToolTip("Which rows the network is tested and validated on.")
        self.test_file = _FileRow("test_file", "Choose the file of test rows")
        self.validation_file = _FileRow("validation_file", "Choose the file of validation rows")
        self.column_combo = QComboBox()
        self.column_combo.setObjectName("split_column_combo")
        self.column_combo.setToolTip("Its values must be train, validation or test (any case).")
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.addRow("Rows", self.kind_combo)
        self.form.addRow("Test file", self.test_file)
        self.form.addRow("Validation file", self.validation_file)
        self.form.addRow("Split column", self.column_combo)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_combo_changed)
        self.column_combo.activated.connect(self._on_column_combo_activated)
        for row in (self.test_file, self.validation_file):
            row.file_changed.connect(self.choice_changed)
        self.start_folder: Path | None = None  # where the file dialogs open
        self._show_rows()

    # ---- the model's side ----
    def set_columns(self, columns: Sequence[str]) -> None:
        """The table's columns a split column may be chosen from (none for other data)."""
        with QSignalBlocker(self.column_combo):
            current = self.column_combo.currentText()
            self.column_combo.clear()
            self.column_combo.addItem(NO_COLUMN, "")
            for name in columns:
                self.column_combo.addItem(name, name)
            self.column_combo.setCurrentIndex(max(0, self.column_combo.findData(current)))
        self.kind_combo.model().item(2).setEnabled(bool(columns))

    def set_choice(self, choice: SplitChoice) -> None:
        """Show `choice` without emitting `choice_changed`."""
        with QSignalBlocker(self.kind_combo), QSignalBlocker(self.column_combo):
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(choice.kind))
            if choice.column and self.column_combo.findData(choice.column) < 0:
                self.column_combo.addItem(choice.column, choice.column)
            self.column_combo.setCurrentIndex(max(0, self.column_combo.findData(choice.column)))
        self.test_file.set_path(choice.test_file)
        self.validation_file.set_path(choice.validation_file)
        self._show_rows()

    def choice(self) -> SplitChoice:
        kind = self.kind_combo.currentData()
        return SplitChoice(kind=kind,
                           test_file=self.test_file.path if kind == "files" else None,
                           validation_file=self.validation_file.path if kind == "files" else None,
                           column=self.column_combo.currentData() or "" if kind == "column"
                           else "")

    # ---- the person's side ----
    @Slot(int)
    def _on_kind_combo_changed(self, _index: int) -> None:
        self._show_rows()
        self.choice_changed.emit()

    @Slot(int)
    def _on_column_combo_activated(self, _index: int) -> None:
        self.choice_changed.emit()

    def _show_rows(self) -> None:
        kind = self.kind_combo.currentData()
        for widget in (self.test_file, self.validation_file):
            widget.start_folder = lambda: self.start_folder
            self.form.setRowVisible(widget, kind == "files")
        self.form.setRowVisible(self.column_combo, kind == "column")


class _FileRow(QWidget):
    """A file's name, a Choose… button and a clear button."""

    file_changed = Signal()

    def __init__(self, name: str, title: str):
        super().__init__()
        self.setObjectName(f"{name}_row")
        self.title = title
        self.path: Path | None = None
        self.start_folder = lambda: None
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName(f"{name}_name")
        self.name_edit.setReadOnly(True)
        self.name_edit.setPlaceholderText("none")
        self.choose_button = QPushButton("Choose…")
        self.choose_button.setObjectName(f"{name}_choose")
        self.clear_button = QPushButton("None")
        self.clear_button.setObjectName(f"{name}_clear")
        self.clear_button.setToolTip("Use no file for these rows.")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.name_edit, 1)
        row.addWidget(self.choose_button)
        row.addWidget(self.clear_button)
        self.choose_button.clicked.connect(self._on_choose_clicked)
        self.clear_button.clicked.connect(self._on_clear_clicked)

    def set_path(self, path: Path | None) -> None:
        self.path = Path(path) if path is not None else None
        self.name_edit.setText(self.path.name if self.path else "")
        self.name_edit.setToolTip(str(self.path) if self.path else "")
        self.clear_button.setEnabled(self.path is not None)

    @Slot()
    def _on_choose_clicked(self) -> None:
        folder = self.start_folder()
        chosen, _ = QFileDialog.getOpenFileName(
            self, self.title, str(folder or ""),
            "Data files (*.csv *.tsv *.txt *.npy *.npz);;All files (*)")
        if chosen:
            self.set_path(Path(chosen))
            self.file_changed.emit()

    @Slot()
    def _on_clear_clicked(self) -> None:
        self.set_path(None)
        self.file_changed.emit()
