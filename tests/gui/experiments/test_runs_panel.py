"""The runs panel: the table of runs, their curves together, restore, rename, annotate, delete,
and re-run exactly."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QPlainTextEdit

from nnstudio.gui.experiments.runs_panel import RunsPanel
from nnstudio.gui.experiments.tables import SORT_ROLE

WAIT = 30_000  # ms: a generous ceiling for a small background run on a busy machine


@pytest.fixture
def panel(qtbot, document_with_runs):
    made = RunsPanel(document_with_runs)
    qtbot.addWidget(made)
    made.resize(1000, 400)
    made.show()
    qtbot.waitExposed(made)
    made.activateWindow()  # typing goes to the focused editor of the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is made, timeout=2000)
    yield made
    made.shutdown()


def cell(panel, run_id: str, column: str):
    return panel.view_index(run_id, column).data()


def click_row(qtbot, panel, run_id: str, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    index = panel.view_index(run_id, "seed")
    rect = panel.table.visualRect(index)
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def test_every_run_is_a_row_with_its_final_metrics_as_columns(panel):
    document = panel.document
    model = panel.model
    assert model.rowCount() == 2 and model.run_ids == ["run_1", "run_2"]
    for metric in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert metric in model.columns
    run = document.project.run("run_2")
    assert panel.view_index("run_2", "val_accuracy").data(SORT_ROLE) == \
        run.final_metrics["val_accuracy"]
    assert cell(panel, "run_2", "changes") == "learning_rate 0.03 → 0.3"
    assert cell(panel, "run_1", "epochs") == "3"
    header = panel.table.model().headerData(model.columns.index("val_accuracy"),
                                            Qt.Orientation.Horizontal)
    assert header == "validation accuracy"


def test_the_best_run_by_the_chosen_metric_is_highlighted(panel):
    runs = panel.document.project.runs
    assert panel.best_combo.currentText() == "validation accuracy"
    values = [run.final_metrics["val_accuracy"] for run in runs]
    best = int(np.argmax(values))  # the first of equals, as best_index picks
    for row in range(2):
        font = panel.model.index(row, 0).data(Qt.ItemDataRole.FontRole)
        assert (font is not None and font.bold()) == (row == best)
    panel.best_combo.setCurrentText("validation loss")
    lowest = int(np.argmin([run.final_metrics["val_loss"] for run in runs]))
    assert panel.model.highlighted == lowest
    assert panel.model.index(lowest, 0).data(Qt.ItemDataRole.BackgroundRole) is not None


def test_clicking_a_metric_header_sorts_by_value_with_missing_values_last(qtbot, panel,
                                                                          train_run):
    document = panel.document
    record, _ = train_run(document, learning_rate=0.01)
    document.replace_run(dataclasses.replace(record, final_metrics={}))  # no metrics
    column = panel.model.columns.index("val_loss")
    header = panel.table.horizontalHeader()
    for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
        x = header.sectionViewportPosition(column) + 5
        if header.sortIndicatorSection() != column or header.sortIndicatorOrder() != order:
            qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                             pos=QPoint(x, 5))
        assert header.sortIndicatorOrder() == order
        values = [panel.proxy.index(row, column).data(SORT_ROLE) for row in range(3)]
        assert values[2] is None
        assert values[:2] == sorted(values[:2], reverse=order == Qt.SortOrder.DescendingOrder)


def test_selecting_runs_overlays_their_curves(qtbot, panel):
    click_row(qtbot, panel, "run_1")
    click_row(qtbot, panel, "run_2", Qt.KeyboardModifier.ControlModifier)
    assert [run.id for run in panel.selected_runs()] == ["run_1", "run_2"]
    assert panel.curve_combo.current_name() == "val_loss"
    assert panel.curve_combo.currentText() == "validation loss"
    assert set(panel.curves) == {"run_1", "run_2"}
    for run_id, curve in panel.curves.items():
        x, y = curve.getData()
        assert list(x) == [1.0, 2.0, 3.0]
        assert list(y) == panel.document.project.run(run_id).history["val_loss"]
    assert not panel.plot_hint.isVisible()
    panel.curve_combo.set_current_name("accuracy")
    _, y = panel.curves["run_2"].getData()
    assert list(y) == panel.document.project.run("run_2").history["accuracy"]
    click_row(qtbot, panel, "run_1")  # a plain click selects only that run
    assert set(panel.curves) == {"run_1"}


def test_restoring_a_run_puts_its_network_and_weights_in_the_editor_as_one_undo_step(
        qtbot, panel):
    document = panel.document
    run_1 = document.project.run("run_1")
    wanted = document.run_weights("run_1")
    before_nodes, before_weights = document.network.nodes, document.weights
    from nnstudio.core.commands import SetParamCommand

    assert document.push(SetParamCommand("dense_1", "units", 5))  # the editor moved on
    edited = document.network.nodes
    click_row(qtbot, panel, "run_1")
    qtbot.mouseClick(panel.restore_button, Qt.MouseButton.LeftButton)
    assert document.network.nodes == run_1.network.nodes
    assert document.weights.keys() == wanted.keys()
    for key, array in wanted.items():
        np.testing.assert_array_equal(document.weights[key], array)
    assert "Restored" in panel.status.text()
    assert document.undo()  # one step takes back the network and the weights
    assert document.network.nodes == edited and document.weights is before_weights
    assert document.redo()
    assert document.network.nodes == run_1.network.nodes
    np.testing.assert_array_equal(document.weights["dense_1.weight"], wanted["dense_1.weight"])
    assert before_nodes != edited


def test_a_saved_and_reopened_run_restores_its_weights_from_its_file(qtbot, panel, tmp_path):
    document = panel.document
    wanted = {k: v.copy() for k, v in document.run_weights("run_2").items()}
    assert document.save(tmp_path / "spiral.nnstudio") is None
    assert document.open(tmp_path / "spiral.nnstudio") is None
    document.set_weights(None)
    assert panel.model.run_ids == ["run_1", "run_2"]
    click_row(qtbot, panel, "run_2")
    assert panel.restore_selected()
    for key, array in wanted.items():
        np.testing.assert_array_equal(document.weights[key], array)


def test_restoring_is_refused_while_training_locks_the_network(qtbot, panel):
    document = panel.document
    document.lock_edits("Stop training to change the network.")
    click_row(qtbot, panel, "run_1")
    assert not panel.restore_selected()
    assert panel.status.text() == "Stop training to change the network."
    assert document.weights is None


def edit_cell(qtbot, panel, run_id: str, column: str, text: str) -> None:
    """Double-click a cell, type `text` into its editor, press Enter."""
    index = panel.view_index(run_id, column)
    rect = panel.table.visualRect(index)
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    editor = QApplication.focusWidget()
    assert isinstance(editor, (QLineEdit, QPlainTextEdit)) and editor is not panel.filter_edit
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def test_renaming_and_annotating_a_run_in_the_table_changes_the_project(qtbot, panel):
    document = panel.document
    edit_cell(qtbot, panel, "run_2", "name", "fast   learning rate")
    qtbot.waitUntil(lambda: document.project.run("run_2").name == "fast learning rate")
    assert cell(panel, "run_2", "name") == "fast learning rate"
    assert document.is_dirty
    click_row(qtbot, panel, "run_1")
    qtbot.mouseClick(panel.note_button, Qt.MouseButton.LeftButton)  # the button edits too
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    qtbot.keyClicks(editor, "the baseline")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the table commits it once back in its loop
    qtbot.waitUntil(lambda: document.project.run("run_1").note == "the baseline")
    assert cell(panel, "run_1", "note") == "the baseline"
    assert [run.id for run in panel.selected_runs()] == ["run_1"]  # an edit keeps the selection


def test_deleting_runs_asks_first_and_removes_them_and_their_weights(qtbot, panel, user):
    document = panel.document
    click_row(qtbot, panel, "run_1")
    user.answer_next_dialog(QMessageBox.StandardButton.Cancel)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert [run.id for run in document.project.runs] == ["run_1", "run_2"]
    seen = []
    user.answer_next_dialog(QMessageBox.StandardButton.Yes, seen)
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    assert "run_1" in seen[0]
    assert [run.id for run in document.project.runs] == ["run_2"]
    assert panel.model.run_ids == ["run_2"] and panel.model.rowCount() == 1
    assert document.run_weights("run_2") is not None
    with pytest.raises(KeyError):
        document.run_weights("run_1")


def test_filtering_shows_only_matching_runs(qtbot, panel):
    qtbot.keyClicks(panel.filter_edit, "0.3")
    assert panel.proxy.rowCount() == 1
    assert panel.proxy.index(0, 0).data() == "run_2"
    panel.filter_edit.clear()
    assert panel.proxy.rowCount() == 2


def test_rerun_exactly_repeats_a_run_in_the_background_and_reports_identical_curves(
        qtbot, panel):
    document = panel.document
    document.replace_run(dataclasses.replace(document.project.run("run_2"), name="Baseline"))
    click_row(qtbot, panel, "run_2")
    with qtbot.waitSignal(panel.rerun_finished, timeout=WAIT) as finished:
        qtbot.mouseClick(panel.rerun_button, Qt.MouseButton.LeftButton)
        assert panel.rerun_button.text() == "Cancel re-run"
    report = finished.args[0]
    assert report.identical and report.run_id == "run_2"
    assert report.result.history == panel.document.project.run("run_2").history
    assert panel.status.text().startswith("✓ Baseline repeated exactly")  # by its name
    assert panel.rerun_button.text() == "Re-run exactly"
    assert panel.repeated_curve is not None  # drawn dashed over the recorded one
    _, y = panel.repeated_curve.getData()
    assert list(y) == report.result.history["val_loss"]


def test_a_changed_run_record_is_reported_as_different(qtbot, panel):
    document = panel.document
    run = document.project.run("run_1")
    history = {k: list(v) for k, v in run.history.items()}
    history["loss"][1] += 1e-6
    document.replace_run(dataclasses.replace(run, history=history))
    click_row(qtbot, panel, "run_1")
    with qtbot.waitSignal(panel.rerun_finished, timeout=WAIT) as finished:
        assert panel.rerun_selected()
    report = finished.args[0]
    assert not report.identical and report.first_difference == ("loss", 2)
    assert panel.status.text().startswith("✗ run_1 did not repeat exactly")  # no name: its id
    assert math.isclose(report.largest_difference, 1e-6, rel_tol=0.2)


def test_with_no_runs_yet_the_empty_table_says_what_will_land_there(qtbot, train_run):
    from nnstudio.gui.document import ProjectDocument
    from tests.gui.experiments.conftest import small_spiral_project

    document = ProjectDocument(small_spiral_project())
    made = RunsPanel(document)
    qtbot.addWidget(made)
    made.resize(1000, 400)
    made.show()
    qtbot.waitExposed(made)
    assert made.model.rowCount() == 0
    assert made.plot_hint.isVisible() and "No runs yet" in made.plot_hint.text()
    train_run(document)
    assert made.model.rowCount() == 1
    assert made.plot_hint.isVisible() and "Select runs" in made.plot_hint.text()
    made.shutdown()
