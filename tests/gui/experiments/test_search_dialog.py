"""The hyperparameter search: grid and random trials, the best highlighted and applied."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from nnstudio.gui.experiments.search_dialog import RANDOM, SearchDialog

WAIT = 60_000


@pytest.fixture
def search(qtbot, make_project, warm_torch):
    from nnstudio.gui.document import ProjectDocument

    def make(**project) -> SearchDialog:
        dialog = SearchDialog(ProjectDocument(make_project(**project)))
        qtbot.addWidget(dialog, before_close_func=lambda d: d.shutdown())
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    return make


def type_values(qtbot, dialog, setting: str, text: str) -> None:
    edit = dialog.edits[setting]
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def test_a_grid_search_tries_every_combination_and_highlights_the_best(qtbot, search):
    dialog = search()
    type_values(qtbot, dialog, "learning_rate", "0.003, 0.3")
    type_values(qtbot, dialog, "batch_size", "16, 64")
    dialog.epochs_spin.setValue(2)
    assert dialog.plan_label.text().startswith("4 trials of 2 epochs")
    with qtbot.waitSignal(dialog.search_finished, timeout=WAIT) as finished:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    result = finished.args[0]
    model = dialog.table_model
    assert model.rowCount() == 4 and result.metric == "val_accuracy"
    combos = [(model.value(r, "learning_rate"), model.value(r, "batch_size")) for r in range(4)]
    assert combos == [(0.003, 16), (0.003, 64), (0.3, 16), (0.3, 64)]
    scores = [model.value(r, "val_accuracy") for r in range(4)]
    best = scores.index(max(scores))
    assert result.best == best and model.highlighted == best
    font = dialog.proxy.index(best, 0).data(Qt.ItemDataRole.FontRole)
    assert font is not None and font.bold()
    assert dialog.proxy.index((best + 1) % 4, 0).data(Qt.ItemDataRole.FontRole) is None
    assert dialog.status.text().startswith("Done: 4 of 4 trials. Best validation accuracy")

    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    training = dialog.document.project.training
    assert (training.learning_rate, training.batch_size) == combos[best]
    assert training.epochs == 3  # only the searched settings change
    assert dialog.document.is_dirty


def test_a_random_search_draws_from_a_range(qtbot, search):
    dialog = search()
    dialog.mode_combo.setCurrentIndex(dialog.mode_combo.findData(RANDOM))
    dialog.checks["batch_size"].setChecked(False)
    type_values(qtbot, dialog, "learning_rate", "0.001, 0.1")
    dialog.count_spin.setValue(3)
    dialog.epochs_spin.setValue(1)
    assert dialog.space() == {"learning_rate": (0.001, 0.1)}
    with qtbot.waitSignal(dialog.search_finished, timeout=WAIT) as finished:
        assert dialog.start()
    rates = [trial.values["learning_rate"] for trial in finished.args[0].trials]
    assert len(rates) == 3 and all(0.001 <= rate <= 0.1 for rate in rates)
    assert dialog.table_model.rowCount() == 3


def test_bad_values_say_what_to_fix(qtbot, search):
    dialog = search()
    type_values(qtbot, dialog, "batch_size", "16, 3.5")
    assert dialog.plan_label.text() == 'batch size: give whole numbers separated by commas, ' \
                                       'got "3.5"'
    assert not dialog.start() and not dialog.task.is_running
    for check in dialog.checks.values():
        check.setChecked(False)
    assert not dialog.start()
    assert dialog.status.text() == "Tick at least one setting to search."


def test_cancel_stops_the_search_and_keeps_the_trials_finished(qtbot, search):
    dialog = search(n_samples=400)
    type_values(qtbot, dialog, "learning_rate", "0.01, 0.02, 0.03, 0.04, 0.05")
    dialog.epochs_spin.setValue(400)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=WAIT)
    with qtbot.waitSignal(dialog.task.running_changed, timeout=WAIT):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.result.cancelled and len(dialog.result.trials) < 15
    assert dialog.status.text().startswith("Cancelled")
    assert dialog.start_button.text() == "Start"
