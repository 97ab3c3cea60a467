"""Teacher mode: write a lesson in a form and save it as a `.nnlesson` file.

File → New Lesson starts one from the open project (its network, data and settings; no runs);
File → Edit Lesson… opens a lesson file. The form holds the title, a summary and the steps
(add, remove, move up and down); each step has its text, an optional highlight (a panel, a layer of
the lesson's network, a training setting) and an optional goal whose conditions are rows of
dropdowns and number fields. The rows are made from `condition_fields` in core/lessons.py, the
table the checks and the validator read, so the form offers exactly what a file may hold. The
steps live as the file's JSON; saving checks them with the loader's own validator and refuses
with its message (which step, which field), so the editor can never write a file the Lesson
panel would refuse.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox, QDialog, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
    QListWidget, QMessageBox, QPlainTextEdit, QPushButton, QSpinBox, QSplitter, QVBoxLayout,
    QWidget,
)

from nnstudio.core.config import TRAINING_SCHEMA
from nnstudio.core.errors import NNStudioError
from nnstudio.core.params import typed_value
from nnstudio.core.lessons import (
    CONDITION_KINDS, LESSON_SUFFIX, NODE_HIGHLIGHT, OPERATORS, SETTING_HIGHLIGHT, Lesson,
    condition_fields, lesson_document, lesson_from_document, lesson_from_project, lesson_id_for,
    load_lesson, save_lesson, setting_value_choices,
)
from nnstudio.gui.panels.table import PANELS

if TYPE_CHECKING:
    from nnstudio.gui.main_window import MainWindow

LESSON_FILTER = f"NN Studio lessons (*{LESSON_SUFFIX})"
FIELD_LABELS = {"metric": "metric", "minus": "minus", "epochs": "within epochs",
                "layer": "layer type", "activation": "activation", "setting": "setting"}
ANY = "(any)"
NEW_CONDITION = {"kind": "metric", "metric": "val_accuracy", "op": ">=", "value": 0.9}


class ConditionRow(QWidget):
    """One condition of a goal as a row: kind, its named fields, operator, value, remove."""

    changed = Signal()
    remove_requested = Signal(object)  # this row

    def __init__(self, condition: dict[str, Any], parent: QWidget | None = None):
        super().__init__(parent)
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("condition_kind")
        for key, kind in CONDITION_KINDS.items():
            self.kind_combo.addItem(kind.label, key)
        # The kinds' labels are long: the combo shows the start, its list shows them whole.
        self.kind_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.kind_combo.setMinimumContentsLength(16)
        self.fields: dict[str, QWidget] = {}
        self._value_choices: tuple[Any, ...] | None = None  # a setting's named values, if any
        self.op_combo = QComboBox()
        self.op_combo.setObjectName("condition_op")
        self.value_edit = QLineEdit()
        self.value_edit.setObjectName("condition_value")
        self.value_edit.setPlaceholderText("number")
        self.value_edit.setMinimumWidth(80)
        self.value_combo = QComboBox()  # a setting's named values (optimizer, yes/no)
        self.value_combo.setObjectName("condition_value_choice")
        remove = QPushButton("Remove")
        remove.setToolTip("Remove this condition from the goal.")
        remove.clicked.connect(lambda: self.remove_requested.emit(self))
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.addWidget(self.kind_combo)
        self.fields_box = QHBoxLayout()
        self.row.addLayout(self.fields_box)
        for widget in (self.op_combo, self.value_edit, self.value_combo):
            self.row.addWidget(widget)
        self.row.addWidget(remove)
        self.row.addStretch(1)
        self.show_condition(condition)
        self.kind_combo.currentIndexChanged.connect(self._on_kind_combo_changed)
        self.op_combo.currentIndexChanged.connect(self.changed)
        self.value_edit.textEdited.connect(self.changed)
        self.value_combo.currentIndexChanged.connect(self.changed)

    # ---- from and to the file's form ----
    def show_condition(self, condition: dict[str, Any]) -> None:
        kind = condition.get("kind", "metric")
        self.kind_combo.blockSignals(True)
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))
        self.kind_combo.blockSignals(False)
        self._build_fields(kind, condition)
        self._fill_values(condition)

    def to_dict(self) -> dict[str, Any]:
        """The condition as the file holds it; a value typed as text stays text, so the
        validator refuses it naming the field."""
        condition: dict[str, Any] = {"kind": self.kind_combo.currentData(),
                                     "op": self.op_combo.currentText()}
        for name, widget in self.fields.items():
            if isinstance(widget, QSpinBox):
                condition[name] = widget.value()
            elif widget.currentData() is not None:
                condition[name] = widget.currentData()
        condition["value"] = self.value_combo.currentData() if self._value_choices is not None \
            else typed_value(self.value_edit.text())
        return condition

    # ---- building ----
    def _build_fields(self, kind: str, condition: dict[str, Any]) -> None:
        for widget in self.fields.values():
            self.fields_box.removeWidget(widget)
            widget.deleteLater()
        self.fields = {}
        for spec in condition_fields(kind):
            current = condition.get(spec.name)
            if spec.choices is None:
                widget: QWidget = QSpinBox()
                widget.setRange(1, 100_000)
                widget.setValue(current if isinstance(current, int) else 100)
                widget.setSuffix(" epochs")
                widget.valueChanged.connect(self._on_field_changed)
            else:
                widget = QComboBox()
                if spec.optional:
                    widget.addItem(ANY, None)
                for choice in spec.choices:
                    widget.addItem(choice, choice)
                if current not in (None, "") and widget.findData(current) < 0:
                    widget.addItem(str(current), current)  # a hand-written file's name
                widget.setCurrentIndex(max(0, widget.findData(current)))
                widget.currentIndexChanged.connect(self._on_field_changed)
            widget.setObjectName(f"condition_{spec.name}")
            widget.setToolTip(FIELD_LABELS[spec.name])
            self.fields_box.addWidget(widget)
            self.fields[spec.name] = widget

    def _named_values(self) -> tuple[Any, ...] | None:
        setting = self.fields.get("setting")
        if self.kind_combo.currentData() != "setting" or setting is None:
            return None
        return setting_value_choices(setting.currentData())

    def _fill_values(self, condition: dict[str, Any]) -> None:
        """The operator and value widgets for the current kind (and setting)."""
        named = self._value_choices = self._named_values()
        ops = ("==",) if named is not None else tuple(OPERATORS)
        op = condition.get("op", ops[0])
        self.op_combo.blockSignals(True)
        self.op_combo.clear()
        self.op_combo.addItems(ops)
        self.op_combo.setCurrentIndex(max(0, self.op_combo.findText(op)))
        self.op_combo.blockSignals(False)
        value = condition.get("value")
        self.value_combo.blockSignals(True)
        self.value_combo.clear()
        for choice in named or ():
            self.value_combo.addItem(_choice_text(choice), choice)
        self.value_combo.setCurrentIndex(max(0, self.value_combo.findData(value)))
        self.value_combo.blockSignals(False)
        self.value_combo.setVisible(named is not None)
        self.value_edit.setVisible(named is None)
        if named is None:
            self.value_edit.setText("" if value is None or isinstance(value, bool)
                                    else str(value))

    # ---- slots ----
    @Slot()
    def _on_kind_combo_changed(self) -> None:
        kind = self.kind_combo.currentData()
        self._build_fields(kind, {})
        self._fill_values({"value": typed_value(self.value_edit.text())})
        self.changed.emit()

    @Slot()
    def _on_field_changed(self) -> None:
        if self.sender() is self.fields.get("setting"):
            self._fill_values(self.to_dict())  # choices or a number, as the setting needs
        self.changed.emit()


def _choice_text(choice: Any) -> str:
    if isinstance(choice, bool):
        return "yes" if choice else "no"
    return str(choice)


class LessonEditorDialog(QDialog):
    """The lesson form: title, summary, steps, and per step its highlight and goal."""

    saved = Signal(str)  # the path written

    def __init__(self, lesson: Lesson, path: Path | None = None,
                 parent: QWidget | None = None,
                 try_lesson: Callable[[Lesson], bool] | None = None):
        """`try_lesson(lesson)` starts the lesson as a learner would meet it (the Try It
        button; none without it)."""
        super().__init__(parent)
        self.setObjectName("lesson_editor")
        self.try_lesson = try_lesson
        self.path = path
        self._id_from_title = path is None  # a new lesson's id follows its title
        self._document = lesson_document(lesson)  # the file's JSON; the form edits its steps
        self._saved_text = self._text_of_form()
        self._loading = False
        self.condition_rows: list[ConditionRow] = []
        self._build()
        self._show_lesson()
        self._update_title()
        self.resize(980, 640)

    # ---- building ----
    def _build(self) -> None:
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("lesson_title")
        self.summary_edit = QLineEdit()
        self.summary_edit.setObjectName("lesson_summary")
        self.summary_edit.setPlaceholderText("One line for the course list's tooltip")
        heading = QFormLayout()
        heading.addRow("Title:", self.title_edit)
        heading.addRow("Summary:", self.summary_edit)

        self.step_list = QListWidget()
        self.step_list.setObjectName("lesson_steps")
        self.step_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.step_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.add_button = QPushButton("Add Step")
        self.remove_button = QPushButton("Remove")
        self.up_button = QPushButton("Move Up")
        self.down_button = QPushButton("Move Down")
        steps_buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            steps_buttons.addWidget(button)
        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.addWidget(QLabel("Steps, in the order the learner reads them:"))
        left_box.addWidget(self.step_list, 1)
        left_box.addLayout(steps_buttons)

        self.step_form = self._build_step_form()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.step_form)
        splitter.setStretchFactor(1, 2)

        self.message = QLabel()
        self.message.setObjectName("lesson_message")
        self.message.setWordWrap(True)
        self.save_button = QPushButton("Save")
        self.save_as_button = QPushButton("Save As…")
        self.try_button = QPushButton("Try It")
        self.try_button.setToolTip("Start the lesson in the Lesson panel, as a learner would "
                                   "(its project opens as an untitled copy).")
        self.try_button.setVisible(self.try_lesson is not None)
        close = QPushButton("Close")
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        for button in (self.try_button, self.save_button, self.save_as_button, close):
            bottom.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)

        save = QAction(self)
        save.setShortcut(QKeySequence.StandardKey.Save)
        save.triggered.connect(self.save)
        self.addAction(save)
        self.title_edit.textEdited.connect(self._on_form_edited)
        self.summary_edit.textEdited.connect(self._on_form_edited)
        self.step_list.currentRowChanged.connect(self._on_step_list_row_changed)
        self.add_button.clicked.connect(self.add_step)
        self.remove_button.clicked.connect(self.remove_step)
        self.up_button.clicked.connect(lambda: self.move_step(-1))
        self.down_button.clicked.connect(lambda: self.move_step(1))
        self.save_button.clicked.connect(self.save)
        self.save_as_button.clicked.connect(self.save_as)
        self.try_button.clicked.connect(self.try_it)
        close.clicked.connect(self.close)

    def _build_step_form(self) -> QWidget:
        self.text_edit = QPlainTextEdit()
        self.text_edit.setObjectName("step_text")
        self.text_edit.setPlaceholderText("What to notice, what to try.")
        self.text_edit.setMaximumHeight(160)
        self.highlight_combo = QComboBox()
        self.highlight_combo.setObjectName("step_highlight")
        self.goal_box = QGroupBox("A goal the app checks")
        self.goal_box.setObjectName("step_goal")
        self.goal_box.setCheckable(True)
        self.conditions_box = QVBoxLayout()
        self.add_condition_button = QPushButton("Add Condition")
        self.why_edit = QPlainTextEdit()
        self.why_edit.setObjectName("goal_why")
        self.why_edit.setPlaceholderText("Shown once the goal is met: why this worked.")
        self.why_edit.setMaximumHeight(70)
        goal_layout = QVBoxLayout(self.goal_box)
        goal_layout.addWidget(QLabel("Met when all of these hold (on the latest run):"))
        goal_layout.addLayout(self.conditions_box)
        goal_layout.addWidget(self.add_condition_button, 0, Qt.AlignmentFlag.AlignLeft)
        goal_layout.addWidget(QLabel("Why this worked:"))
        goal_layout.addWidget(self.why_edit)
        form = QWidget()
        box = QFormLayout(form)
        box.addRow("Text:", self.text_edit)
        box.addRow("Highlight:", self.highlight_combo)
        box.addRow(self.goal_box)
        self.text_edit.textChanged.connect(self._on_form_edited)
        self.why_edit.textChanged.connect(self._on_form_edited)
        self.highlight_combo.currentIndexChanged.connect(self._on_form_edited)
        self.goal_box.toggled.connect(self._on_goal_box_toggled)
        self.add_condition_button.clicked.connect(lambda: self.add_condition())
        return form

    def _fill_highlights(self, current: str) -> None:
        """Nothing, each panel of the window, each layer of the lesson's network, each
        training setting; a highlight the lists lack (a hand-written file's) is kept."""
        combo = self.highlight_combo
        combo.clear()
        combo.addItem("(none)", "")
        for entry in PANELS:
            combo.addItem(f"Panel: {entry.title}", entry.object_name.removesuffix("_dock"))
        for node in self._document["project"]["network"]["nodes"]:
            combo.addItem(f"Layer: {node['id']} ({node['type']})", NODE_HIGHLIGHT + node["id"])
        for spec in TRAINING_SCHEMA:
            combo.addItem(f"Setting: {spec.display_label}", SETTING_HIGHLIGHT + spec.name)
        if combo.findData(current) < 0:
            combo.addItem(current, current)
        combo.setCurrentIndex(combo.findData(current))

    # ---- the steps ----
    @property
    def steps(self) -> list[dict[str, Any]]:
        """The steps as the file will hold them (the form writes into these)."""
        return self._document["steps"]

    def _show_lesson(self) -> None:
        self._loading = True
        self.title_edit.setText(self._document["title"])
        self.summary_edit.setText(self._document.get("summary", ""))
        self._loading = False
        self._refill_step_list(0)

    def _refill_step_list(self, current: int) -> None:
        self.step_list.blockSignals(True)
        self.step_list.clear()
        for number, step in enumerate(self.steps, start=1):
            self.step_list.addItem(_step_title(number, step))
        self.step_list.blockSignals(False)
        self.step_list.setCurrentRow(min(current, len(self.steps) - 1))
        self._show_step()

    def _show_step(self) -> None:
        row = self.step_list.currentRow()
        has_step = 0 <= row < len(self.steps)
        self.step_form.setEnabled(has_step)
        self.remove_button.setEnabled(has_step)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(has_step and row < len(self.steps) - 1)
        step = self.steps[row] if has_step else {"text": ""}
        self._loading = True
        self.text_edit.setPlainText(step.get("text", ""))
        self._fill_highlights(step.get("highlight", ""))
        goal = step.get("goal")
        self.goal_box.setChecked(goal is not None)
        self.why_edit.setPlainText(goal.get("why", "") if goal else "")
        self._show_conditions(goal.get("conditions", []) if goal else [])
        self._loading = False

    def _show_conditions(self, conditions: list[dict[str, Any]]) -> None:
        for row in self.condition_rows:
            self.conditions_box.removeWidget(row)
            row.deleteLater()
        self.condition_rows = []
        for condition in conditions:
            self._add_condition_row(condition)

    def _add_condition_row(self, condition: dict[str, Any]) -> ConditionRow:
        row = ConditionRow(condition)
        row.changed.connect(self._on_form_edited)
        row.remove_requested.connect(self._on_condition_remove_requested)
        self.conditions_box.addWidget(row)
        self.condition_rows.append(row)
        return row

    @Slot()
    def add_step(self) -> None:
        """A new step after the current one, its text ready to type."""
        at = self.step_list.currentRow() + 1
        self.steps.insert(at, {"text": "What should the learner notice or try?"})
        self._refill_step_list(at)
        self._on_form_edited()
        self.text_edit.setFocus()
        self.text_edit.selectAll()

    @Slot()
    def remove_step(self) -> None:
        row = self.step_list.currentRow()
        if 0 <= row < len(self.steps):
            del self.steps[row]
            self._refill_step_list(max(0, row - 1) if row >= len(self.steps) else row)
            self._on_form_edited()

    def move_step(self, by: int) -> None:
        """Move the current step `by` places (-1 up, 1 down)."""
        row = self.step_list.currentRow()
        target = row + by
        if 0 <= row < len(self.steps) and 0 <= target < len(self.steps):
            self.steps[row], self.steps[target] = self.steps[target], self.steps[row]
            self._refill_step_list(target)
            self._on_form_edited()

    def add_condition(self, condition: dict[str, Any] | None = None) -> ConditionRow:
        """A new condition row in the current step's goal (ticking the goal on)."""
        self._loading = True
        self.goal_box.setChecked(True)
        self._loading = False
        row = self._add_condition_row(copy.deepcopy(condition or NEW_CONDITION))
        self._on_form_edited()
        return row

    # ---- form -> steps ----
    def _store_step(self) -> None:
        """Write the form into the current step's JSON."""
        row = self.step_list.currentRow()
        if not 0 <= row < len(self.steps):
            return
        step: dict[str, Any] = {"text": self.text_edit.toPlainText()}
        highlight = self.highlight_combo.currentData()
        if highlight:
            step["highlight"] = highlight
        if self.goal_box.isChecked():
            step["goal"] = {"conditions": [r.to_dict() for r in self.condition_rows],
                            "why": self.why_edit.toPlainText()}
        self.steps[row] = step
        self.step_list.item(row).setText(_step_title(row + 1, step))

    def _document_of_form(self) -> dict[str, Any]:
        self._document["title"] = self.title_edit.text()
        if self._id_from_title:
            self._document["id"] = lesson_id_for(self.title_edit.text())
        self._document["summary"] = self.summary_edit.text()
        return self._document

    def _text_of_form(self) -> str:
        return json.dumps(self._document, sort_keys=True)

    def lesson(self) -> Lesson:
        """The lesson the form holds, checked by the loader's validator (LessonError naming
        the step and field otherwise)."""
        name = self.path.name if self.path is not None else "the lesson"
        return lesson_from_document(copy.deepcopy(self._document_of_form()), name)

    @property
    def is_modified(self) -> bool:
        return self._text_of_form() != self._saved_text

    # ---- saving ----
    @Slot()
    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._save_to(self.path)

    @Slot()
    def save_as(self) -> bool:
        try:
            lesson = self.lesson()  # refuse before asking where to save it
        except NNStudioError as error:
            self._refuse(str(error))
            return False
        folder = self.path.parent if self.path is not None else Path.home()
        suggested = folder / (lesson.id + LESSON_SUFFIX)
        path, _ = QFileDialog.getSaveFileName(self, "Save Lesson As", str(suggested),
                                              LESSON_FILTER)
        if not path:
            return False
        if not path.endswith(LESSON_SUFFIX):
            path += LESSON_SUFFIX
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        try:
            lesson = self.lesson()
            save_lesson(path, lesson)
        except NNStudioError as error:
            self._refuse(str(error))
            return False
        self.path = path
        self._saved_text = self._text_of_form()
        self._update_title()
        self.message.setStyleSheet("")
        self.message.setText(f"Saved {path}. It opens like a project: File → Open, a drop on "
                             "the window, or a double-click once NN Studio is installed.")
        self.saved.emit(str(path))
        return True

    @Slot()
    def try_it(self) -> bool:
        """Start the lesson as it stands in the Lesson panel (refused, saying why, when it
        would not load)."""
        try:
            lesson = self.lesson()
        except NNStudioError as error:
            self._refuse(str(error), "The lesson cannot be tried")
            return False
        return self.try_lesson is not None and self.try_lesson(lesson)

    def _refuse(self, message: str, title: str = "The lesson cannot be saved") -> None:
        """Say why the lesson cannot be saved (or tried), in the editor and in a box."""
        self.message.setStyleSheet("color: #c62828")
        self.message.setText(f"Not saved: {message}" if "saved" in title else message)
        QMessageBox.warning(self, title, message)

    def _update_title(self) -> None:
        name = self.path.name if self.path is not None else "new lesson"
        self.setWindowTitle(f"Lesson Editor — {name}[*]")
        self.setWindowModified(self.is_modified)

    # ---- slots ----
    @Slot()
    def _on_form_edited(self) -> None:
        if self._loading:
            return
        self._store_step()
        self._document_of_form()
        self.setWindowModified(self.is_modified)

    @Slot(int)
    def _on_step_list_row_changed(self, row: int) -> None:
        self._show_step()

    @Slot(bool)
    def _on_goal_box_toggled(self, checked: bool) -> None:
        if checked and not self.condition_rows and not self._loading:
            self.add_condition()  # a goal needs a condition: start with one to adjust
            return
        self._on_form_edited()

    @Slot(object)
    def _on_condition_remove_requested(self, row: ConditionRow) -> None:
        self.condition_rows.remove(row)
        self.conditions_box.removeWidget(row)
        row.deleteLater()
        self._on_form_edited()

    # ---- Qt events ----
    def closeEvent(self, event: QCloseEvent) -> None:
        if self.is_modified and not self._ask_to_save():
            event.ignore()
            return
        event.accept()

    def _ask_to_save(self) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved lesson",
                          "Save the changes to this lesson first?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard


def _step_title(number: int, step: dict[str, Any]) -> str:
    first_line = step.get("text", "").strip().splitlines()[0] if step.get("text", "").strip() \
        else "(no text yet)"
    mark = "◎ " if "goal" in step else ""  # a step with a goal, seen at a glance
    return f"{number}. {mark}{first_line}"


# ---- File menu: New Lesson, Edit Lesson… ----------------------------------------------------

def new_lesson(window: MainWindow) -> LessonEditorDialog:
    """Open the editor on a new lesson made from the window's project."""
    return _show_editor(window, lesson_from_project(window.document.project), None)


def edit_lesson(window: MainWindow, path: str | None = None) -> LessonEditorDialog | None:
    """Ask for a lesson file (unless `path` is given) and open it in the editor; a bad file
    says why."""
    if path is None:
        path, _ = QFileDialog.getOpenFileName(window, "Edit Lesson", "", LESSON_FILTER)
        if not path:
            return None
    try:
        lesson = load_lesson(path)
    except NNStudioError as error:
        window.show_error("Could not open the lesson", str(error))
        return None
    return _show_editor(window, lesson, Path(path))


def _show_editor(window: MainWindow, lesson: Lesson, path: Path | None) -> LessonEditorDialog:
    from nnstudio.gui.panels.lesson_panel import LESSON_DOCK, LessonPanel

    panel = window.panels.get(LESSON_DOCK)
    start = panel.start_lesson if isinstance(panel, LessonPanel) else None
    dialog = LessonEditorDialog(lesson, path, window, try_lesson=start)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()  # not modal: the teacher may look at the project while writing
    return dialog


def install_lesson_editor_menu(window: MainWindow) -> None:
    """File → New Lesson and File → Edit Lesson…, with the teacher's entries."""
    new = QAction("New &Lesson from Project", window)
    new.setObjectName("new_lesson_action")
    new.setStatusTip("Write a lesson that starts from this project: steps, highlights and goals.")
    new.triggered.connect(lambda: new_lesson(window))
    edit = QAction("Edit Lesson…", window)
    edit.setObjectName("edit_lesson_action")
    edit.setStatusTip("Open a .nnlesson file in the lesson editor.")
    edit.triggered.connect(lambda: edit_lesson(window))
    window.add_file_action(new)
    window.add_file_action(edit)
