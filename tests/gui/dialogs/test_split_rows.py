"""The import wizard offers fixed test rows (a test file) on its reading page; importing keeps
them, copies the file into the project's folder when asked, and turns early stopping on."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWizard

from nnstudio.core.network import chain
from nnstudio.gui.panels.data_view_panel import import_data
from tests.gui.panels.test_data_view_panel import CSV, data_window  # noqa: F401 (fixture)

TEST_ROWS = "".join(["a,b,c,label\n"] + [f"{i % 4},{i * 0.25},{i % 9},{('yes', 'no')[i % 2]}\n"
                                         for i in range(17)])


def read_in_wizard(qtbot, path):
    from nnstudio.gui.dialogs.import_wizard import ImportWizard

    wizard = ImportWizard()
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.keyClicks(wizard.file_page.path_edit, str(path))
    qtbot.waitUntil(lambda: wizard.file_page.format is not None, timeout=3000)
    for _ in range(2):
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.dataset is not None, timeout=10_000)
    return wizard


def test_a_test_file_chosen_in_the_wizard_becomes_the_projects_test_rows(
        qtbot, data_window, tmp_path, user, make_document, monkeypatch):  # noqa: F811
    (tmp_path / "project").mkdir()
    (tmp_path / "downloads").mkdir()
    fitting = chain(("input", {"shape": (3,)}), ("dense", {"units": 1, "activation": "sigmoid"}))
    window = data_window(make_document(fitting))
    window.document.save(tmp_path / "project" / "p.nnstudio")
    (tmp_path / "project" / "d.csv").write_text(CSV)
    (tmp_path / "downloads" / "held_out.csv").write_text(TEST_ROWS)
    assert not window.document.project.training.early_stopping
    wizard = read_in_wizard(qtbot, tmp_path / "project" / "d.csv")
    chooser = wizard.split_chooser
    assert chooser.isEnabled() and chooser.isVisible()
    chooser.kind_combo.setFocus()
    qtbot.keyClick(chooser.kind_combo, Qt.Key.Key_Down)  # "Separate files"
    assert chooser.test_file.isVisible()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(
        lambda *args, **kwargs: (str(tmp_path / "downloads" / "held_out.csv"), "")))
    qtbot.mouseClick(chooser.test_file.choose_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    wizard.exec = lambda: QDialog.DialogCode.Accepted  # it was just finished, not shown again
    user.answer_next_dialog(QMessageBox.StandardButton.Yes)  # copy the test file in
    assert import_data(window, window.data_view, wizard=wizard)
    data = window.document.project.data
    assert (data.split_kind, data.test_file.path, data.test) == ("files", "held_out.csv", 0.0)
    assert (tmp_path / "project" / "held_out.csv").read_text() == TEST_ROWS
    training = window.document.project.training
    assert (training.early_stopping, training.restore_best) == (True, True)
    message = window.statusBar().currentMessage()
    assert "17 test (held_out.csv)" in message and "early stopping is on" in message


def test_a_test_file_with_other_columns_is_refused_and_the_split_stays_random(
        qtbot, data_window, tmp_path, user, make_document, monkeypatch):  # noqa: F811
    fitting = chain(("input", {"shape": (3,)}), ("dense", {"units": 1, "activation": "sigmoid"}))
    window = data_window(make_document(fitting))
    window.document.save(tmp_path / "p.nnstudio")
    (tmp_path / "d.csv").write_text(CSV)
    (tmp_path / "other.csv").write_text(TEST_ROWS.replace("a,b,c,", "a,b,z,"))
    wizard = read_in_wizard(qtbot, tmp_path / "d.csv")
    chooser = wizard.split_chooser
    chooser.kind_combo.setFocus()
    qtbot.keyClick(chooser.kind_combo, Qt.Key.Key_Down)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(
        lambda *args, **kwargs: (str(tmp_path / "other.csv"), "")))
    qtbot.mouseClick(chooser.test_file.choose_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    wizard.exec = lambda: QDialog.DialogCode.Accepted
    seen: list[str] = []
    user.answer_next_dialog(QMessageBox.StandardButton.Ok, seen)
    assert import_data(window, window.data_view, wizard=wizard)
    assert "other.csv" in seen[0] and "split at random instead" in seen[0]
    data = window.document.project.data
    assert (data.split_kind, data.source.path) == ("random", "d.csv")
