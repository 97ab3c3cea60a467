"""Twin runs: A and B from the same initial weights, their curves and boundaries together."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.engine.modules import build_model
from nnstudio.engine.weights import model_to_arrays
from nnstudio.gui.experiments.twins_dialog import TwinsDialog, parse_value

WAIT = 60_000


@pytest.fixture
def twins(qtbot, make_project, warm_torch):
    from nnstudio.gui.document import ProjectDocument

    def make(**project) -> TwinsDialog:
        dialog = TwinsDialog(ProjectDocument(make_project(**project)))
        qtbot.addWidget(dialog, before_close_func=lambda d: d.shutdown())
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    return make


def test_choosing_a_setting_shows_a_s_value_and_offers_b_values(twins):
    dialog = twins()
    dialog.choose("learning_rate", 0.3)
    assert dialog.a_label.text() == "A: 0.03"
    assert dialog.value_combo.isEditable() and dialog.value_combo.currentText() == "0.3"
    dialog.setting_combo.setCurrentIndex(dialog.setting_combo.findData("activation"))
    assert dialog.a_label.text() == "A: tanh"
    assert not dialog.value_combo.isEditable()
    assert dialog.value_combo.currentText() != "tanh"  # B starts out different
    dialog.setting_combo.setCurrentIndex(dialog.setting_combo.findData("width"))
    assert dialog.a_label.text() == "A: 8" and dialog.value_combo.currentText() == "32"


def test_twins_that_differ_in_width_share_the_initial_weights_that_fit_and_both_curves_show(
        qtbot, twins):
    dialog = twins(epochs=4)
    dialog.choose("width", 16)
    with qtbot.waitSignal(dialog.twins_finished, timeout=WAIT) as finished:
        qtbot.mouseClick(dialog.train_button, Qt.MouseButton.LeftButton)
        assert dialog.train_button.text() == "Cancel"
    result = finished.args[0]
    setup = result.setup
    assert setup.network_b.node("dense_1").params["units"] == 16
    # The output layer keeps its bias shape; A's first weights match B's where shapes allow.
    assert "dense_2.bias" in setup.shared and "dense_1.weight" not in setup.shared
    for key in setup.shared:
        np.testing.assert_array_equal(setup.initial_a[key], setup.initial_b[key])
    fresh = model_to_arrays(build_model(dialog.document.network, seed=0))
    for key, array in fresh.items():  # A starts where a plain run of the project starts
        np.testing.assert_array_equal(setup.initial_a[key], array)
    for label, fit in (("A", result.a), ("B", result.b)):
        x, y = dialog.curves[label].getData()
        assert list(x) == [1.0, 2.0, 3.0, 4.0]
        assert list(y) == fit.history[dialog.curve_combo.current_name()]
        assert dialog.boundaries[label].values is not None  # its decision boundary is drawn
        assert dialog.boundaries[label].stack.currentWidget() is dialog.boundaries[label].plot
    assert dialog.progress.value() == dialog.progress.maximum() == 8
    assert "of its" in dialog.about.text()  # says which weights B shares
    assert dialog.table_model.rowCount() == len(result.a.final_metrics)


def test_learning_rate_twins_start_from_exactly_the_same_weights(qtbot, twins):
    dialog = twins(epochs=2)
    dialog.choose("learning_rate", 0.3)
    with qtbot.waitSignal(dialog.twins_finished, timeout=WAIT) as finished:
        assert dialog.start()
    setup = finished.args[0].setup
    assert set(setup.shared) == set(setup.initial_a) == set(setup.initial_b)
    for key in setup.initial_a:
        np.testing.assert_array_equal(setup.initial_a[key], setup.initial_b[key])
    assert dialog.about.text().startswith("B differs from A in: learning_rate 0.03 → 0.3. "
                                          "B started from exactly A's initial weights")
    a_loss, b_loss = (finished.args[0].a.history["loss"], finished.args[0].b.history["loss"])
    assert a_loss != b_loss


def test_both_twins_can_be_kept_as_runs(qtbot, twins):
    dialog = twins(epochs=2)
    dialog.choose("activation", "relu")
    with qtbot.waitSignal(dialog.twins_finished, timeout=WAIT):
        dialog.start()
    qtbot.mouseClick(dialog.keep_button, Qt.MouseButton.LeftButton)
    runs = dialog.document.project.runs
    assert [run.name for run in runs] == ["Twin A: activation tanh", "Twin B: activation relu"]
    assert runs[1].network.node("dense_1").params["activation"] == "relu"
    np.testing.assert_array_equal(dialog.document.run_weights(runs[1].id)["dense_1.weight"],
                                  dialog.result.b.weights["dense_1.weight"])
    assert not dialog.keep_button.isEnabled()
    # Each twin keeps its timeline, like any run.
    assert [dialog.document.snapshot_epochs(run.id) for run in runs] == [(1, 2), (1, 2)]
    np.testing.assert_array_equal(dialog.document.snapshot_weights(runs[1].id, 2)["dense_1.weight"],
                                  dialog.result.b.weights["dense_1.weight"])


def test_a_bad_value_for_b_says_what_to_type(qtbot, twins):
    dialog = twins()
    dialog.choose("learning_rate", "fast")
    assert not dialog.start()
    assert dialog.status.text() == 'B\'s learning_rate: must be a number, got "fast"'
    with pytest.raises(Exception, match="from 1e-06 to 10"):
        parse_value("learning_rate", "100")


def test_cancel_stops_the_twins(qtbot, twins):
    dialog = twins(epochs=2000, n_samples=400)
    dialog.choose("learning_rate", 0.1)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.progress.value() > 0, timeout=WAIT)
    with qtbot.waitSignal(dialog.task.running_changed, timeout=WAIT):
        qtbot.mouseClick(dialog.train_button, Qt.MouseButton.LeftButton)
    assert dialog.result is None and dialog.status.text() == "Cancelled."
    assert dialog.progress.value() < 4000
