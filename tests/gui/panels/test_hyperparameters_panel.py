"""The training-settings panel: a form from TRAINING_SCHEMA that edits the project's config,
hides what does not apply, lists the devices once torch is there, and locks all but the
learning rate while a run trains."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Qt, Signal

from nnstudio.core.config import TRAINING_SCHEMA
from nnstudio.gui.panels.hyperparameters_panel import HyperparametersPanel, applies
from nnstudio.gui.training.forms import ladder_step


class FakeController(QObject):
    state_changed = Signal(str)

    def __init__(self):
        super().__init__()
        self.rates: list[float] = []

    def set_learning_rate(self, value: float) -> None:
        self.rates.append(value)


@pytest.fixture
def panel(qtbot, make_document, warm_torch):
    document = make_document()
    controller = FakeController()
    widget = HyperparametersPanel(document, controller)
    qtbot.addWidget(widget)
    widget.resize(360, 800)
    widget.show()
    return widget


def type_into(qtbot, box, text: str) -> None:
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), text)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)


def test_every_training_setting_has_an_editor_showing_the_project_value(panel):
    config = panel.document.project.training
    assert set(panel.editors) == set(TRAINING_SCHEMA.names())
    assert panel.editors["epochs"].value() == config.epochs
    assert panel.editors["learning_rate"].value() == pytest.approx(config.learning_rate)
    assert panel.editors["optimizer"].currentData() == config.optimizer
    assert panel.editors["learning_rate"].text() == "0.01"


def test_typed_values_become_the_project_training_config(panel, qtbot):
    type_into(qtbot, panel.editors["epochs"], "37")
    type_into(qtbot, panel.editors["learning_rate"], "0.003")
    panel.editors["optimizer"].setCurrentIndex(panel.editors["optimizer"].findData("sgd"))
    config = panel.document.project.training
    assert (config.epochs, config.learning_rate, config.optimizer) == (37, 0.003, "sgd")
    assert panel.document.is_dirty
    assert panel.controller.rates == [0.003]  # no run is active: the fake just records


def test_settings_that_do_not_apply_are_hidden(panel):
    editors = panel.editors
    assert editors["momentum"].isHidden() and editors["weight_decay"].isHidden()
    assert editors["patience"].isHidden() and editors["step_size"].isHidden()
    editors["optimizer"].setCurrentIndex(editors["optimizer"].findData("sgd"))
    assert not editors["momentum"].isHidden() and not editors["nesterov"].isHidden()
    editors["early_stopping"].click()
    assert not editors["patience"].isHidden() and not editors["monitor"].isHidden()
    values = panel.document.project.training.to_dict()
    assert all(applies(name, values) != editors[name].isHidden() for name in editors)


def test_the_learning_rate_steps_along_one_two_five(panel, qtbot):
    box = panel.editors["learning_rate"]
    box.stepBy(1)
    assert panel.document.project.training.learning_rate == pytest.approx(0.02)
    box.stepBy(-2)
    assert panel.document.project.training.learning_rate == pytest.approx(0.005)
    assert ladder_step(0.005, -1) == pytest.approx(0.002)
    assert ladder_step(0.03, 1) == pytest.approx(0.05)


def test_the_device_list_shows_what_torch_finds_with_auto_first(panel):
    from nnstudio.engine.devices import available_devices

    box = panel.editors["device"]
    listed = [(box.itemData(i), box.itemText(i)) for i in range(box.count())]
    assert listed == available_devices()
    assert box.currentData() == "auto"
    box.setCurrentIndex(box.findData("cpu"))
    assert panel.document.project.training.device == "cpu"


def test_while_training_only_the_learning_rate_can_change(panel, qtbot):
    panel.controller.state_changed.emit("running")
    enabled = {name for name, editor in panel.editors.items() if editor.isEnabled()}
    assert enabled == {"learning_rate"}
    type_into(qtbot, panel.editors["learning_rate"], "0.0005")
    assert panel.controller.rates == [0.0005]
    assert panel.document.project.training.learning_rate == 0.0005
    panel.controller.state_changed.emit("idle")
    assert all(editor.isEnabled() for editor in panel.editors.values())


def test_a_config_changed_elsewhere_shows_in_the_form_without_echoing(panel):
    document = panel.document
    document.set_training_config(document.project.training.replace(batch_size=8, l2=0.01))
    assert panel.editors["batch_size"].value() == 8
    assert panel.editors["l2"].value() == pytest.approx(0.01)
    assert panel.controller.rates == []
