"""File ▸ Export ▸ <format>… and File ▸ Import Weights…, driven as a person would."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import safetensors.numpy
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from nnstudio.engine.modules import build_model
from nnstudio.engine.weights import model_to_arrays
from nnstudio.gui.dialogs.export_dialog import ExportDialog, FORMAT_TEXT
from nnstudio.gui.theme import ERROR_COLOR


@pytest.fixture
def export_window(qtbot, make_document, settings):
    """A main window with its menus (File ▸ Export among them), as the app builds it."""
    from nnstudio.gui.composition import build_window

    window = build_window(make_document(), settings, panels=())
    window.show()
    qtbot.waitExposed(window)
    yield window
    # Closed here, not by qtbot (which closes before fixtures end): imported weights leave the
    # document unsaved, and closing must not stop at the "Unsaved changes" question.
    window.document.undo_stack.setClean()
    window.document._unsaved = False
    window.close()
    window.deleteLater()


def trained(document) -> dict:
    weights = model_to_arrays(build_model(document.network, seed=8))
    document.set_weights(weights)
    return weights


def open_from_menu(window, fmt: str) -> ExportDialog:
    action = next(a for a in window.menu("Export").actions() if a.data() == fmt)
    action.trigger()
    # A closed dialog lingers until Qt deletes it: the open one is the visible one.
    dialogs = [d for d in window.findChildren(ExportDialog, f"export_dialog_{fmt}")
               if d.isVisible()]
    assert len(dialogs) == 1
    return dialogs[0]


def type_path(qtbot, dialog: ExportDialog, path) -> None:
    dialog.path_edit.selectAll()
    qtbot.keyClicks(dialog.path_edit, str(path))


def test_file_menu_offers_every_export_format_and_import_weights(export_window):
    texts = [a.text() for a in export_window.menu("Export").actions()]
    assert texts == [text for text, _, _ in FORMAT_TEXT.values()]
    file_actions = export_window.menu("File").actions()
    names = [a.objectName() or a.text() for a in file_actions]
    export_index = file_actions.index(export_window.menu("Export").menuAction())
    assert names[export_index - 1] == "import_weights_action"


def test_script_export_writes_the_file_and_says_so(export_window, qtbot, tmp_path):
    dialog = open_from_menu(export_window, "script")
    assert dialog.path_edit.text().endswith("test.py")
    target = tmp_path / "train_it.py"
    type_path(qtbot, dialog, target)
    with qtbot.waitSignal(dialog.exported) as signal:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert signal.args == [str(target)]
    assert target.read_text(encoding="utf-8").startswith('"""Test: train this network')
    assert "Wrote the training script train_it.py" in dialog.result_label.text()
    assert ERROR_COLOR not in dialog.result_label.styleSheet()
    assert "Exported train_it.py." in export_window.statusBar().currentMessage()


def test_onnx_export_uses_the_chosen_opset_and_notes_untrained_weights(export_window, qtbot,
                                                                       tmp_path):
    dialog = open_from_menu(export_window, "onnx")
    assert "not trained yet" in dialog.note_label.text()
    dialog.opset_spin.setFocus()
    qtbot.keyClick(dialog.opset_spin, Qt.Key.Key_Up)
    assert dialog.opset_spin.value() == 18
    type_path(qtbot, dialog, tmp_path / "model")  # no suffix: the format's is added
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    written = tmp_path / "model.onnx"
    assert onnx.load(str(written)).opset_import[0].version == 18
    assert dialog.path_edit.text() == str(written)
    assert "(opset 18)" in dialog.result_label.text()


def metadata(path) -> dict[str, str]:
    return {prop.key: prop.value for prop in onnx.load(str(path)).metadata_props}


@pytest.mark.parametrize("fmt", ["onnx", "torchscript"])
def test_the_input_scaling_is_inside_unless_the_box_is_ticked(fmt, export_window, qtbot,
                                                                tmp_path):
    dialog = open_from_menu(export_window, fmt)
    assert not dialog.raw_inputs_check.isChecked()
    type_path(qtbot, dialog, tmp_path / "scaled")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert "the model applies the project's standardize scaling" in dialog.result_label.text()
    qtbot.mouseClick(dialog.raw_inputs_check, Qt.MouseButton.LeftButton)
    assert dialog.raw_inputs_check.isChecked()
    type_path(qtbot, dialog, tmp_path / "raw")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert "Scale the inputs first" in dialog.result_label.text()
    if fmt == "onnx":
        assert metadata(tmp_path / "scaled.onnx")["scaling_in_model"] == "true"
        assert metadata(tmp_path / "raw.onnx")["scaling_in_model"] == "false"


def test_formats_without_scaling_offer_no_raw_inputs_box(export_window):
    assert open_from_menu(export_window, "script").raw_inputs_check is None


def test_weights_export_waits_for_training_then_writes_them(export_window, qtbot, tmp_path):
    dialog = open_from_menu(export_window, "weights")
    assert not dialog.export_button.isEnabled()
    assert "no trained weights yet" in dialog.note_label.text()
    dialog.close()
    weights = trained(export_window.document)
    dialog = open_from_menu(export_window, "weights")
    assert dialog.export_button.isEnabled() and dialog.note_label.text() == ""
    type_path(qtbot, dialog, tmp_path / "w.safetensors")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    saved = safetensors.numpy.load_file(str(tmp_path / "w.safetensors"))
    assert all(np.array_equal(saved[k], weights[k]) for k in weights)


def test_a_problem_is_shown_on_the_dialog_and_nothing_is_written(export_window, qtbot, tmp_path):
    dialog = open_from_menu(export_window, "torchscript")
    type_path(qtbot, dialog, tmp_path / "missing" / "model.pt")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert "no such folder" in dialog.result_label.text()
    assert ERROR_COLOR in dialog.result_label.styleSheet()
    assert dialog.isVisible()  # the person can fix the path and try again
    type_path(qtbot, dialog, tmp_path / "model.pt")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "model.pt").is_file()
    assert ERROR_COLOR not in dialog.result_label.styleSheet()


def test_an_unexpected_failure_is_shown_not_raised(export_window, qtbot, tmp_path, monkeypatch):
    import nnstudio.engine.export as engine_export

    def broken(*args, **kwargs):
        raise RuntimeError("exporter bug")

    monkeypatch.setattr(engine_export, "export", broken)
    dialog = open_from_menu(export_window, "card")
    type_path(qtbot, dialog, tmp_path / "card.md")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert "The export failed (RuntimeError: exporter bug)" in dialog.result_label.text()


def test_browse_puts_the_chosen_file_in_the_path_field(export_window, qtbot, tmp_path,
                                                       monkeypatch):
    chosen = str(tmp_path / "picked.md")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (chosen, ""))
    dialog = open_from_menu(export_window, "card")
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    assert dialog.path_edit.text() == chosen


def test_import_weights_loads_a_fitting_file_into_the_document(export_window, tmp_path,
                                                               monkeypatch):
    weights = model_to_arrays(build_model(export_window.document.network, seed=3))
    path = tmp_path / "trained.safetensors"
    safetensors.numpy.save_file(weights, str(path))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(path), ""))
    action = export_window.findChild(type(export_window.menu("File").actions()[0]),
                                     "import_weights_action")
    action.trigger()
    loaded = export_window.document.weights
    assert all(np.array_equal(loaded[k], weights[k]) for k in weights)
    assert export_window.document.is_dirty
    assert "Loaded the weights from trained.safetensors" in \
        export_window.statusBar().currentMessage()


def test_import_weights_that_do_not_fit_shows_each_tensor_and_keeps_the_old_ones(
        export_window, tmp_path, monkeypatch, user):
    before = trained(export_window.document)
    wrong = {"dense_1.weight": np.zeros((3, 2), np.float32)}
    path = tmp_path / "wrong.safetensors"
    safetensors.numpy.save_file(wrong, str(path))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(path), ""))
    seen: list[str] = []
    user.answer_next_dialog(QMessageBox.StandardButton.Ok, seen)
    action = next(a for a in export_window.menu("File").actions()
                  if a.objectName() == "import_weights_action")
    action.trigger()
    assert len(seen) == 1
    assert "dense_1.weight: expected shape (8, 2), got (3, 2)" in seen[0]
    assert "dense_2.weight: missing" in seen[0]
    assert export_window.document.weights is before


def test_import_weights_says_in_the_status_bar_what_it_converted(export_window, tmp_path,
                                                                 monkeypatch):
    weights = model_to_arrays(build_model(export_window.document.network, seed=3))
    weights["dense_1.weight"] = weights["dense_1.weight"].astype(np.float64)
    path = tmp_path / "wide.safetensors"
    safetensors.numpy.save_file(weights, str(path))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(path), ""))
    next(a for a in export_window.menu("File").actions()
         if a.objectName() == "import_weights_action").trigger()
    assert export_window.document.weights["dense_1.weight"].dtype == np.float32
    assert export_window.statusBar().currentMessage() == (
        "Loaded the weights from wide.safetensors (converted dense_1.weight from float64 to "
        "float32).")
