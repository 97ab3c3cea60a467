"""The inspector: a form made from the schema; edits become (merged) commands; the form follows
undo without echoing."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox

from nnstudio.core.layers import layer_type
from nnstudio.core.network import chain
from nnstudio.gui.editor.inspector import InspectorWidget


def make(qtbot, make_document, network=None, select="dense_1"):
    document = make_document(network)
    inspector = InspectorWidget(document)
    qtbot.addWidget(inspector)
    inspector.show()
    inspector.show_nodes([select])
    return document, inspector


def test_the_form_has_one_editor_per_setting_of_the_right_kind_with_its_help(qtbot, make_document):
    document, inspector = make(qtbot, make_document)
    schema = layer_type("dense").schema
    assert set(inspector.editors) == {"__name__", *schema.names()}
    assert isinstance(inspector.editors["units"], QSpinBox)
    assert inspector.editors["units"].maximum() == schema["units"].maximum
    assert isinstance(inspector.editors["activation"], QComboBox)
    assert isinstance(inspector.editors["use_bias"], QCheckBox)
    assert isinstance(inspector.editors["init_value"], QDoubleSpinBox)
    assert inspector.editors["units"].toolTip() == schema["units"].help
    assert inspector.editors["units"].value() == 8


def test_typing_a_value_changes_the_layer_in_one_undo_step(qtbot, make_document):
    document, inspector = make(qtbot, make_document)
    box = inspector.editors["units"]
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, "32")
    assert document.network.node("dense_1").params["units"] == 32
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.network.node("dense_1").params["units"] == 8
    assert box.value() == 8  # the form follows the model


def test_spinning_with_arrow_keys_is_one_undo_step(qtbot, make_document):
    document, inspector = make(qtbot, make_document)
    box = inspector.editors["units"]
    box.setFocus()
    for _ in range(5):
        qtbot.keyClick(box, Qt.Key.Key_Up)
    assert document.network.node("dense_1").params["units"] == 13
    assert document.undo_stack.count() == 1


def test_spinning_back_to_the_start_leaves_nothing_to_undo(qtbot, make_document):
    document, inspector = make(qtbot, make_document)
    box = inspector.editors["units"]
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Up)
    qtbot.keyClick(box, Qt.Key.Key_Down)
    assert document.undo_stack.count() == 0 or not document.undo_stack.canUndo()
    assert not document.is_dirty


def test_choices_and_checkboxes_push_their_values(qtbot, make_document):
    document, inspector = make(qtbot, make_document)
    combo = inspector.editors["activation"]
    combo.setCurrentIndex(combo.findData("tanh"))
    inspector.editors["use_bias"].click()
    node = document.network.node("dense_1")
    assert node.params["activation"] == "tanh" and node.params["use_bias"] is False
    assert document.undo_stack.count() == 2


def test_updating_the_form_from_the_model_pushes_no_command(qtbot, make_document):
    document, inspector = make(qtbot, make_document)
    inspector.editors["units"].setValue(20)
    inspector.editors["activation"].setCurrentIndex(inspector.editors["activation"].findData("elu"))
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.undo_stack.index() == 0
    assert document.undo_stack.count() == 2  # nothing new pushed while the form followed
    assert inspector.editors["activation"].currentData() == "relu"


def test_a_shape_is_edited_as_text_and_a_bad_one_is_explained_inline(qtbot, make_document):
    document, inspector = make(qtbot, make_document, select="input_1")
    line = inspector.editors["shape"]
    assert isinstance(line, QLineEdit) and line.text() == "2"
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, "1, 8, 8")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert document.network.node("input_1").params["shape"] == (1, 8, 8)
    line.selectAll()
    qtbot.keyClicks(line, "0, x")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert document.network.node("input_1").params["shape"] == (1, 8, 8)
    assert inspector.problem.isVisible()
    assert "must be a list of 1 to 4 positive integers" in inspector.problem.text()


def test_a_shape_error_is_shown_on_the_layer_and_clears_when_fixed(qtbot, make_document):
    network = chain(("input", {"shape": (2,)}), ("conv2d", {}))
    document, inspector = make(qtbot, make_document, network, select="conv2d_1")
    assert inspector.problem.isVisible()
    assert "conv2d_1 expects (channels, height, width)" in inspector.problem.text()
    inspector.show_nodes(["input_1"])
    line = inspector.editors["shape"]
    line.setText("1, 8, 8")
    line.editingFinished.emit()
    inspector.show_nodes(["conv2d_1"])
    assert not inspector.problem.isVisible()
    assert "Output (8, 6, 6), 80 parameters" in inspector.summary.text()


def test_renaming_a_layer_renames_its_wires(qtbot, make_document):
    document, inspector = make(qtbot, make_document)
    name = inspector.editors["__name__"]
    name.setFocus()
    name.selectAll()
    qtbot.keyClicks(name, "hidden")
    qtbot.keyClick(name, Qt.Key.Key_Return)
    assert "hidden" in document.network and "dense_1" not in document.network
    assert document.network.node("dense_2").inputs == ("hidden",)
    assert inspector.node_id == "hidden"


def test_a_taken_name_is_refused_and_the_field_shows_the_old_name(qtbot, make_document):
    document, inspector = make(qtbot, make_document)
    messages = []
    document.edit_rejected.connect(messages.append)
    name = inspector.editors["__name__"]
    name.setText("dense_2")
    name.editingFinished.emit()
    assert "taken" in messages[0]
    assert name.text() == "dense_1" and inspector.node_id == "dense_1"


def test_no_selection_shows_the_network_summary(qtbot, make_document):
    document, inspector = make(qtbot, make_document)
    inspector.show_nodes([])
    assert "3 layers" in inspector.summary.text() and "33 parameters" in inspector.summary.text()
    assert inspector.editors == {}


def test_padding_is_chosen_by_name_or_typed_as_a_number_each_one_undo_step(qtbot, make_document):
    network = chain(("input", {"shape": (1, 40)}), ("conv1d", {"stride": 2}))
    document, inspector = make(qtbot, make_document, network, select="conv1d_1")
    box = inspector.editors["padding"]
    assert isinstance(box, QComboBox) and box.isEditable()
    assert box.currentText() == "valid"
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "1")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert document.network.node("conv1d_1").params["padding"] == 1
    assert document.undo_stack.count() == 1
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "wide")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert document.network.node("conv1d_1").params["padding"] == 1
    assert box.currentText() == "1"  # the form shows the layer's value again
    document.undo_stack.undo()
    assert document.network.node("conv1d_1").params["padding"] == "valid"
    assert box.currentText() == "valid"
