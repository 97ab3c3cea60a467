"""The hyperparameters panel: the project's training settings as a form, from `TRAINING_SCHEMA`.

Every change replaces the document's `TrainingConfig`; the form redraws from the document with
its signals blocked, so nothing echoes. Settings that do not apply (momentum for Adam, the step
schedule's step size for a cosine schedule, early stopping's patience while it is off) are
hidden. While a run trains, the form is locked except the learning rate, which then also goes to
the running trainer.

The device list needs torch, so it is filled once torch is imported (the app imports it in the
background after the window shows) or when someone opens the list, whichever comes first.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Callable

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import (
    QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget,
)

from nnstudio.core.config import TRAINING_SCHEMA, until_stopped_problem
from nnstudio.core.errors import SpecError
from nnstudio.gui.theme import ERROR_COLOR
from nnstudio.gui.training.forms import (
    fill_with_scrolling, guard_wheel, make_editor, set_editor_value,
)

GROUPS = (
    ("Optimizer", ("optimizer", "learning_rate", "momentum", "nesterov", "weight_decay")),
    ("Learning-rate schedule", ("schedule", "step_size", "gamma", "plateau_patience")),
    ("Training", ("epochs", "batch_size", "loss", "seed", "device")),
    ("Regularization", ("l1", "l2", "grad_clip")),
    ("Early stopping", ("early_stopping", "monitor", "patience", "restore_best")),
)
LABELS = {"learning_rate": "Learning rate", "l1": "L1 penalty", "l2": "L2 penalty",
          "grad_clip": "Gradient clipping", "plateau_patience": "Plateau patience",
          "restore_best": "Restore best", "early_stopping": "Enabled", "batch_size": "Batch size",
          "step_size": "Step size", "weight_decay": "Weight decay"}
DEVICE_POLL_MS = 300


def applies(name: str, values: dict[str, Any]) -> bool:
    """Whether setting `name` matters with the other `values` (hidden when it does not)."""
    optimizer, schedule = values["optimizer"], values["schedule"]
    rules = {
        "momentum": optimizer in ("sgd", "rmsprop"),
        "nesterov": optimizer == "sgd",
        "weight_decay": optimizer == "adamw",
        "step_size": schedule == "step",
        "gamma": schedule in ("step", "plateau"),
        "plateau_patience": schedule == "plateau",
        "monitor": values["early_stopping"] or schedule == "plateau",
        "patience": values["early_stopping"],
        "restore_best": values["early_stopping"],
    }
    return rules.get(name, True)


class DeviceComboBox(QComboBox):
    """Devices to train on; lists what exists once torch is there, or when opened."""

    def __init__(self, fill: Callable[[], None]):
        super().__init__()
        self._fill = fill

    def showPopup(self) -> None:
        self._fill()
        super().showPopup()


class HyperparametersPanel(QWidget):
    """Training settings of `document`'s project; `controller` gets live learning rates."""

    def __init__(self, document: Any, controller: Any = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("hyperparameters_panel")
        self.document = document
        self.controller = controller
        self.editors: dict[str, QWidget] = {}
        self._labels: dict[str, QLabel] = {}
        self._devices_listed = False
        self._idle = True
        self._build()
        self.problem = QLabel()
        self.problem.setObjectName("hyperparameters_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {ERROR_COLOR};")
        self.problem.hide()
        self._column.insertWidget(0, self.problem)
        document.training_config_changed.connect(self._on_document_training_config_changed)
        if controller is not None:
            controller.state_changed.connect(self._on_controller_state_changed)
        self._on_document_training_config_changed()
        self._device_timer = QTimer(self)
        self._device_timer.setInterval(DEVICE_POLL_MS)
        self._device_timer.timeout.connect(self._on_device_timer_timeout)
        self._device_timer.start()
        self._on_device_timer_timeout()

    # ---- building ----
    def _build(self) -> None:
        inner = QWidget()
        self._column = QVBoxLayout(inner)
        self._column.setContentsMargins(8, 8, 8, 8)
        for title, names in GROUPS:
            group = QGroupBox(title)
            form = QFormLayout(group)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            for name in names:
                spec = TRAINING_SCHEMA[name]
                if name == "device":
                    editor: QWidget = DeviceComboBox(self.list_devices)
                    editor.setSizeAdjustPolicy(
                        QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
                    editor.setMinimumContentsLength(8)
                    guard_wheel(editor)
                    editor.setObjectName("param_device")
                    editor.setToolTip(spec.help)
                    editor.addItem("Automatic", "auto")
                    editor.currentIndexChanged.connect(
                        lambda index, box=editor: self._on_editor_changed(
                            "device", box.itemData(index)) if index >= 0 else None)
                else:
                    editor = make_editor(spec, self._on_editor_changed)
                label = QLabel(LABELS.get(name, spec.display_label))
                label.setToolTip(spec.help)
                label.setBuddy(editor)
                form.addRow(label, self._with_until_stopped(editor, label)
                            if name == "epochs" else editor)
                self.editors[name] = editor
                self._labels[name] = label
            self._column.addWidget(group)
        self._column.addStretch(1)
        fill_with_scrolling(self, inner)

    def _with_until_stopped(self, epochs: QWidget, label: QLabel) -> QWidget:
        """The epochs box with an "until stopped" tick box beside it (Playground's play)."""
        check = make_editor(TRAINING_SCHEMA["until_stopped"], self._on_editor_changed)
        check.setText("until stopped")
        self.editors["until_stopped"] = check
        self._labels["until_stopped"] = label
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(epochs, 1)
        line.addWidget(check)
        return row

    # ---- devices ----
    def list_devices(self) -> None:
        """Fill the device list from `engine.devices.available_devices()` (imports torch)."""
        if self._devices_listed:
            return
        from nnstudio.engine.devices import available_devices

        self._devices_listed = True
        self._device_timer.stop()
        box = self.editors["device"]
        current = self.document.project.training.device
        box.blockSignals(True)
        box.clear()
        for key, label in available_devices():
            box.addItem(label, key)
        box.blockSignals(False)
        set_editor_value(box, current)

    @Slot()
    def _on_device_timer_timeout(self) -> None:
        if torch_is_ready():
            self.list_devices()

    # ---- edits ----
    def _on_editor_changed(self, name: str, value: Any) -> None:
        config = self.document.project.training
        if config.get(name) == value:
            return
        try:
            changed = config.replace(**{name: value})
        except SpecError as error:
            self._show_problem(str(error))
            self._on_document_training_config_changed()
            return
        problem = until_stopped_problem(changed)
        if problem is not None:
            self._show_problem(problem)
            self._on_document_training_config_changed()
            return
        self._show_problem(None)
        if name == "learning_rate" and self.controller is not None:
            self.controller.set_learning_rate(value)
        self.document.set_training_config(changed)

    def _show_problem(self, message: str | None) -> None:
        self.problem.setText(f"⚠ {message}" if message else "")
        self.problem.setVisible(bool(message))

    # ---- model changes ----
    @Slot()
    def _on_document_training_config_changed(self) -> None:
        values = self.document.project.training.to_dict()
        for name, editor in self.editors.items():
            set_editor_value(editor, values[name])
            visible = applies(name, values)
            editor.setVisible(visible)
            self._labels[name].setVisible(visible)
        # Epochs are not counted while training goes on until stopped.
        self.editors["epochs"].setEnabled(self._idle and not values["until_stopped"])

    @Slot(str)
    def _on_controller_state_changed(self, state: str) -> None:
        locked = state != "idle"
        self._idle = not locked
        for name, editor in self.editors.items():
            editor.setEnabled(not locked or name == "learning_rate")
            self._labels[name].setEnabled(not locked or name == "learning_rate")
        self._on_document_training_config_changed()


def torch_is_ready() -> bool:
    """True once torch is fully imported: warmed by the app, or imported by someone else
    while no background import is still running."""
    from nnstudio.gui import app

    if app.torch_ready.is_set():
        return True
    warming = any(thread.name == "warm-torch" and thread.is_alive()
                  for thread in threading.enumerate())
    return "torch" in sys.modules and not warming
