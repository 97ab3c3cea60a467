"""Editors for `ParamSpec` settings, shared by the data and hyperparameter panels.

One function makes the right widget for a spec (spin box, check box, combo box) with its range,
tooltip and object name `param_<name>`; another sets its value without echoing a change.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox, QScrollArea, QSpinBox, QVBoxLayout,
    QWidget,
)

from nnstudio.core.params import BOOL, CHOICE, FLOAT, INT, ParamSpec

INT_LIMIT = 2_000_000_000
LADDER = (1.0, 2.0, 5.0)  # log-scale numbers step through 1, 2, 5, 10, 20, 50, ...

# Words for choices where the key alone reads poorly.
CHOICE_LABELS = {
    "sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop", "adagrad": "Adagrad",
    "one_cycle": "one cycle", "bce": "binary cross-entropy", "cross_entropy": "cross-entropy",
    "mse": "mean squared error", "mae": "mean absolute error", "huber": "Huber",
    "auto": "auto", "val_loss": "validation loss", "val_accuracy": "validation accuracy",
    "val_f1": "validation F1", "val_mse": "validation MSE", "val_mae": "validation MAE",
    "val_r2": "validation R²",
}


def choice_label(choice: str) -> str:
    return CHOICE_LABELS.get(choice, choice.replace("_", " "))


class NumberSpinBox(QDoubleSpinBox):
    """A number shown as people write it: 0.05 and 0.0001, not 0.0500 and 0.0001000."""

    def __init__(self, minimum: float, maximum: float, parent: QWidget | None = None):
        super().__init__(parent)
        self.setDecimals(10)
        self.setRange(minimum, maximum)
        self.setKeyboardTracking(False)

    def textFromValue(self, value: float) -> str:
        return f"{value:.4g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return self.value()

    def validate(self, text: str, position: int):
        from PySide6.QtGui import QValidator

        stripped = text.strip().replace(",", ".")
        try:
            value = float(stripped)
        except ValueError:
            partial = stripped == "" or stripped[-1] in "eE.-+"
            return (QValidator.State.Intermediate if partial else QValidator.State.Invalid,
                    text, position)
        inside = self.minimum() <= value <= self.maximum()
        return (QValidator.State.Acceptable if inside else QValidator.State.Intermediate,
                text, position)



class LogSpinBox(NumberSpinBox):
    """A number spanning decades (a learning rate): shown as 0.003 or 1e-05, stepped 1-2-5."""

    def stepBy(self, steps: int) -> None:
        value = self.value()
        for _ in range(abs(steps)):
            value = ladder_step(value, 1 if steps > 0 else -1)
        self.setValue(min(max(value, self.minimum()), self.maximum()))


def ladder_step(value: float, direction: int) -> float:
    """The next number up (direction 1) or down (-1) on the 1-2-5 ladder from `value`."""
    if value <= 0:
        return 1e-6 if direction > 0 else value
    exponent = math.floor(math.log10(value))
    rungs = [m * 10.0 ** e for e in (exponent - 1, exponent, exponent + 1) for m in LADDER]
    if direction > 0:
        return next(r for r in rungs if r > value * (1 + 1e-9))
    return next(r for r in reversed(rungs) if r < value * (1 - 1e-9))


class _WheelGuard(QObject):
    """Lets a wheel turn over an editor scroll its panel unless the editor has the focus:
    scrolling down a form must never change the values it passes over."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Wheel and not watched.hasFocus():
            event.ignore()  # the scroll area behind gets it
            return True
        return False


_WHEEL_GUARD = _WheelGuard()


def fill_with_scrolling(panel: QWidget, content: QWidget) -> None:
    """Give `panel` one vertically scrolling area holding `content`: a form in a low dock
    scrolls instead of squeezing its rows."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(content)
    outer = QVBoxLayout(panel)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(scroll)


def guard_wheel(editor: QWidget) -> QWidget:
    """Make `editor` take wheel turns only once clicked (or tabbed) into."""
    editor.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    editor.installEventFilter(_WHEEL_GUARD)
    return editor


def make_editor(spec: ParamSpec, changed: Callable[[str, Any], None]) -> QWidget:
    """A widget for `spec` that calls `changed(name, value)` when a person changes it."""
    name = spec.name
    if spec.kind == INT:
        box = QSpinBox()
        box.setRange(int(spec.minimum if spec.minimum is not None else -INT_LIMIT),
                     int(spec.maximum if spec.maximum is not None else INT_LIMIT))
        box.setKeyboardTracking(False)
        if spec.log_scale:
            box.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        box.valueChanged.connect(lambda value: changed(name, int(value)))
        editor: QWidget = box
    elif spec.kind == FLOAT and spec.log_scale:
        box = LogSpinBox(spec.minimum or 1e-12, spec.maximum or 1e12)
        box.valueChanged.connect(lambda value: changed(name, float(value)))
        editor = box
    elif spec.kind == FLOAT:
        box = NumberSpinBox(spec.minimum if spec.minimum is not None else -1e9,
                            spec.maximum if spec.maximum is not None else 1e9)
        span = (spec.maximum or 1.0) - (spec.minimum or 0.0)
        box.setSingleStep(0.01 if span <= 1.0 else 0.1)
        box.valueChanged.connect(lambda value: changed(name, float(value)))
        editor = box
    elif spec.kind == BOOL:
        check = QCheckBox()
        check.toggled.connect(lambda value: changed(name, bool(value)))
        editor = check
    elif spec.kind == CHOICE:
        combo = QComboBox()
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(8)  # a narrow dock squeezes it rather than scrolling
        for choice in spec.choices:
            combo.addItem(choice_label(choice), choice)
        combo.currentIndexChanged.connect(
            lambda index: changed(name, combo.itemData(index)) if index >= 0 else None)
        editor = combo
    else:
        raise ValueError(f"no editor for settings of kind {spec.kind}")
    editor.setObjectName(f"param_{name}")
    editor.setToolTip(spec.help)
    return guard_wheel(editor)


def set_editor_value(editor: QWidget, value: Any) -> None:
    """Show `value` in an editor from `make_editor` without it reporting a change."""
    with QSignalBlocker(editor):
        if isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QComboBox):
            index = editor.findData(value)
            if index < 0:  # a value this list lacks (a device another machine had)
                editor.addItem(str(value), value)
                index = editor.count() - 1
            editor.setCurrentIndex(index)
        elif isinstance(editor, (QSpinBox, QDoubleSpinBox)):
            if editor.value() != value:
                editor.setValue(value)


def editor_value(editor: QWidget) -> Any:
    """The value an editor from `make_editor` shows."""
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    if isinstance(editor, QComboBox):
        return editor.currentData()
    return editor.value()
