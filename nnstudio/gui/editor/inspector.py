"""The inspector: a form for the selected layer, generated from its schema in the registry.

Each edit pushes a command; the form then updates from the model with its signals blocked, so
nothing echoes. Spinning a value is one undo step because SetParamCommands merge.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Slot
from PySide6.QtGui import QFont, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit,
    QScrollArea, QSpinBox, QVBoxLayout, QWidget,
)

from nnstudio.core.commands import RenameNodeCommand, SetParamCommand
from nnstudio.core.errors import SpecError
from nnstudio.core.layers import layer_type
from nnstudio.core.params import BOOL, CHOICE, CHOICE_OR_INT, FLOAT, INT, SHAPE, ParamSpec
from nnstudio.core.shapes import format_shape
from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.theme import ERROR_COLOR

INT_LIMIT = 2_000_000_000


def parse_shape(text: str) -> list[int] | str:
    """"1, 8, 8" (or "1×8×8") as a list of ints; the text itself when it is not numbers."""
    cleaned = text.replace("×", ",").replace("x", ",").replace("(", "").replace(")", "")
    parts = [p.strip() for p in cleaned.split(",") if p.strip()]
    try:
        return [int(p) for p in parts]
    except ValueError:
        return text


def show_shape(value) -> str:
    return ", ".join(str(v) for v in value)


class InspectorWidget(QWidget):
    """Settings of the selected layer: name, parameters, each with its explanation."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.node_id: str | None = None
        self._built_for: str | None = None  # the layer type the form was made for
        self.editors: dict[str, QWidget] = {}

        self.title = QLabel()
        title_font = QFont(self.title.font())
        title_font.setBold(True)
        title_font.setPointSizeF(title_font.pointSizeF() * 1.15)
        self.title.setFont(title_font)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {ERROR_COLOR};")
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form.setContentsMargins(0, 4, 0, 0)

        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(8, 8, 8, 8)
        column.addWidget(self.title)
        column.addWidget(self.summary)
        column.addWidget(self.problem)
        column.addWidget(self.form_host)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        document.network_changed.connect(self._on_document_network_changed)
        document.project_replaced.connect(self._on_document_project_replaced)
        self.show_nodes([])

    # ---- what is shown ----
    @Slot(list)
    def show_nodes(self, node_ids: list[str]) -> None:
        """Show the form for one selected layer, or a hint for none or several."""
        self.node_id = node_ids[0] if len(node_ids) == 1 else None
        if self.node_id is None:
            self._clear_form()
            self.problem.hide()
            if node_ids:
                self.title.setText(f"{len(node_ids)} layers selected")
                self.summary.setText("Select one layer to change its settings.")
            else:
                report = self.document.report
                self.title.setText("No layer selected")
                self.summary.setText(
                    f"The network has {len(self.document.network)} layers and "
                    f"{report.total_params:,} parameters. Click a layer to change its settings.")
            return
        self.refresh()

    def refresh(self) -> None:
        """Bring the form up to date with the model without echoing any edit."""
        if self.node_id is None or self.node_id not in self.document.network:
            self.show_nodes([])
            return
        node = self.document.network.node(self.node_id)
        if self._built_for != node.type:  # the same form serves every layer of a type
            self._build_form(node.type)
        kind = layer_type(node.type)
        self.title.setText(f"{kind.symbol}  {kind.name}" if kind.symbol else kind.name)
        info = self.document.report.nodes.get(node.id)
        shape = f"Output {format_shape(info.shape)}, {info.params:,} parameters. " \
            if info and info.shape is not None else ""
        self.summary.setText(f"{shape}{kind.help}")
        self._show_problem(info.error if info else None)
        self._set_editor_values(node)

    def _show_problem(self, message: str | None) -> None:
        self.problem.setText(f"⚠ {message}" if message else "")
        self.problem.setVisible(bool(message))

    # ---- building the form ----
    def _clear_form(self) -> None:
        # deleteLater, not removeRow: the form may be rebuilt from inside a signal of one of
        # its own editors (a rename on editingFinished), which must outlive that signal.
        while self.form.rowCount():
            row = self.form.takeRow(0)
            for part in (row.labelItem, row.fieldItem):
                if part is not None and part.widget() is not None:
                    part.widget().hide()
                    part.widget().deleteLater()
        self.editors = {}
        self._built_for = None

    def _build_form(self, type_key: str) -> None:
        self._clear_form()
        self._built_for = type_key
        name = QLineEdit()
        name.setValidator(QRegularExpressionValidator(r"[A-Za-z_][A-Za-z0-9_]{0,39}"))
        name.setToolTip("The layer's name: used in wires, messages, weights and exported code.")
        name.editingFinished.connect(self._on_name_editing_finished)
        self.editors["__name__"] = name
        self.form.addRow("Name", name)
        for spec in layer_type(type_key).schema:
            editor = self._make_editor(spec)
            editor.setToolTip(spec.help)
            editor.setObjectName(f"param_{spec.name}")
            self.editors[spec.name] = editor
            label = QLabel(spec.display_label)
            label.setToolTip(spec.help)
            label.setBuddy(editor)
            self.form.addRow(label, editor)
            caption = QLabel(spec.help)
            caption.setWordWrap(True)
            caption_font = QFont(caption.font())
            caption_font.setPointSizeF(caption_font.pointSizeF() * 0.88)
            caption.setFont(caption_font)
            caption.setEnabled(False)  # the disabled colour: a quiet, secondary line
            self.form.addRow("", caption)

    def _make_editor(self, spec: ParamSpec) -> QWidget:
        if spec.kind == INT:
            box = QSpinBox()
            box.setRange(int(spec.minimum if spec.minimum is not None else -INT_LIMIT),
                         int(spec.maximum if spec.maximum is not None else INT_LIMIT))
            if spec.log_scale:
                box.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
            box.valueChanged.connect(lambda value, name=spec.name: self._push_param(name, value))
            return box
        if spec.kind == FLOAT:
            box = QDoubleSpinBox()
            box.setDecimals(4 if spec.log_scale else 3)
            box.setRange(spec.minimum if spec.minimum is not None else -1e9,
                         spec.maximum if spec.maximum is not None else 1e9)
            span = (spec.maximum or 1.0) - (spec.minimum or 0.0)
            box.setSingleStep(0.01 if span <= 1.0 else 0.1)
            if spec.log_scale:
                box.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
            box.valueChanged.connect(lambda value, name=spec.name: self._push_param(name, value))
            return box
        if spec.kind == BOOL:
            box = QCheckBox()
            box.toggled.connect(lambda value, name=spec.name: self._push_param(name, value))
            return box
        if spec.kind == CHOICE:
            box = QComboBox()
            for choice in spec.choices:
                box.addItem(choice.replace("_", " "), choice)
            box.currentIndexChanged.connect(
                lambda index, name=spec.name, box=box: self._push_param(name, box.itemData(index)))
            return box
        if spec.kind == CHOICE_OR_INT:
            return self._make_choice_or_int_editor(spec)
        if spec.kind == SHAPE:
            line = QLineEdit()
            line.setPlaceholderText("e.g. 1, 8, 8")
            line.editingFinished.connect(
                lambda name=spec.name, line=line: self._on_shape_edited(name, line))
            return line
        raise ValueError(f"no editor for settings of kind {spec.kind}")

    def _make_choice_or_int_editor(self, spec: ParamSpec) -> QComboBox:
        """A combo box offering the named choices whose text can also be typed as a number
        (padding: 'valid', 'same' or so many values at each end)."""
        box = QComboBox()
        box.setEditable(True)
        box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for choice in spec.choices:
            box.addItem(choice, choice)
        box.lineEdit().setPlaceholderText(" / ".join(spec.choices) + " or a number")
        box.activated.connect(
            lambda index, name=spec.name, box=box: self._push_param(name, box.itemData(index)))
        box.lineEdit().editingFinished.connect(
            lambda spec=spec, box=box: self._on_choice_or_int_edited(spec, box))
        return box

    def _on_choice_or_int_edited(self, spec: ParamSpec, box: QComboBox) -> None:
        text = box.currentText().strip()
        if text in spec.choices:
            self._push_param(spec.name, text)
        elif text.isdigit():
            self._push_param(spec.name, int(text))  # out of range: refused, the form reverts
        else:
            self.refresh()  # not a value this setting takes: show the layer's own again

    def _set_editor_values(self, node) -> None:
        name = self.editors["__name__"]
        if not name.hasFocus() or name.text() == node.id:
            with QSignalBlocker(name):
                name.setText(node.id)
        for spec in layer_type(node.type).schema:
            self._set_value(self.editors[spec.name], spec, node.params[spec.name])

    @staticmethod
    def _set_value(editor: QWidget, spec: ParamSpec, value: Any) -> None:
        with QSignalBlocker(editor):
            if spec.kind in (INT, FLOAT):
                if editor.value() != value:
                    editor.setValue(value)
            elif spec.kind == BOOL:
                editor.setChecked(bool(value))
            elif spec.kind == CHOICE:
                editor.setCurrentIndex(editor.findData(value))
            elif spec.kind == CHOICE_OR_INT:
                index = editor.findData(value) if isinstance(value, str) else -1
                if index >= 0:
                    editor.setCurrentIndex(index)
                else:
                    editor.setEditText(str(value))
            elif spec.kind == SHAPE:
                if parse_shape(editor.text()) != list(value):
                    editor.setText(show_shape(value))

    # ---- edits become commands ----
    def _push_param(self, name: str, value: Any) -> None:
        if self.node_id is None:
            return
        if self.document.network.node(self.node_id).params.get(name) == value:
            return
        if not self.document.push(SetParamCommand(self.node_id, name, value)):
            self.refresh()

    def _on_shape_edited(self, name: str, line: QLineEdit) -> None:
        if self.node_id is None:
            return
        node = self.document.network.node(self.node_id)
        spec = layer_type(node.type).schema[name]
        value = parse_shape(line.text())
        try:
            checked = spec.validate(value, f"{node.id}.{name}")
        except SpecError as error:
            self._show_problem(str(error))
            return
        if tuple(checked) != tuple(node.params[name]):
            self.document.push(SetParamCommand(node.id, name, checked))
        else:
            self.refresh()

    @Slot()
    def _on_name_editing_finished(self) -> None:
        if self.node_id is None:
            return
        new_id = self.editors["__name__"].text().strip()
        if new_id and new_id != self.node_id:
            old_id = self.node_id
            self.node_id = new_id  # follow the layer through the rename
            if not self.document.push(RenameNodeCommand(old_id, new_id)):
                self.node_id = old_id
                self.refresh()

    # ---- model changes ----
    @Slot()
    def _on_document_network_changed(self) -> None:
        if self.node_id is not None and self.node_id not in self.document.network:
            self.show_nodes([])
        elif self.node_id is not None:
            self.refresh()
        else:
            self.show_nodes([])

    @Slot()
    def _on_document_project_replaced(self) -> None:
        self.node_id = None
        self.show_nodes([])
