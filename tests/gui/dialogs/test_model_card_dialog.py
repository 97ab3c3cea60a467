"""Export ▸ Model Card: the card's own words (intended use, out-of-scope use, limitations) are
typed in the dialog, kept in the project, and written on the card."""

from __future__ import annotations

from PySide6.QtCore import Qt

from nnstudio.core.card_text import CardText
from nnstudio.gui.dialogs.export_dialog import ExportDialog
from tests.gui.dialogs.test_export_dialog import export_window, open_from_menu, type_path

__all__ = ["export_window"]  # the fixture, shared with the export dialog's tests


def test_the_card_dialog_keeps_the_words_in_the_project_and_writes_them(export_window, qtbot,
                                                                        tmp_path):
    dialog: ExportDialog = open_from_menu(export_window, "card")
    edits = dialog.card_edits
    assert list(edits) == ["intended_use", "out_of_scope", "limitations"]
    assert edits["intended_use"].placeholderText().startswith("Who should use this model")
    qtbot.keyClicks(edits["intended_use"], "Teaching only.")
    edits["limitations"].setFocus()
    qtbot.keyClicks(edits["limitations"], "Seen on one dataset.")
    target = tmp_path / "card.md"
    type_path(qtbot, dialog, target)
    with qtbot.waitSignal(dialog.exported):
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)

    document = export_window.document
    assert document.project.card == CardText(intended_use="Teaching only.",
                                             limitations="Seen on one dataset.")
    assert document.is_dirty  # the words are the project's: saving keeps them
    text = target.read_text(encoding="utf-8")
    assert "## Intended use\n\nTeaching only.\n" in text
    assert "## Limitations\n\nSeen on one dataset.\n" in text
    assert "## Out-of-scope use\n\n*To fill in: " in text
    dialog.close()

    again = open_from_menu(export_window, "card")  # the next dialog shows what was kept
    assert again.card_edits["intended_use"].toPlainText() == "Teaching only."
    assert again.card_edits["out_of_scope"].toPlainText() == ""


def test_words_typed_and_closed_without_exporting_are_kept(export_window, qtbot):
    dialog = open_from_menu(export_window, "card")
    qtbot.keyClicks(dialog.card_edits["out_of_scope"], "Medical use.")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Close),
                     Qt.MouseButton.LeftButton)
    assert export_window.document.project.card == CardText(out_of_scope="Medical use.")


def test_other_formats_have_no_card_boxes(export_window):
    assert open_from_menu(export_window, "onnx").card_edits == {}
