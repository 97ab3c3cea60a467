"""The sweep window for the emergence lab: the project's suggested sweep, growing the training
rows, the interpolation threshold and error of double descent, exact match for the mirage."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.core.examples import example_project
from nnstudio.engine.sweep import SweepResult, SweepRun, SweepSize
from nnstudio.gui.experiments.sweep_window import SweepWindow

WAIT = 120_000  # ms: a generous ceiling for a few small models on a busy machine


@pytest.fixture
def open_window(qtbot, warm_torch):
    from nnstudio.gui.document import ProjectDocument

    def make(project) -> SweepWindow:
        window = SweepWindow(ProjectDocument(project))
        qtbot.addWidget(window, before_close_func=lambda w: w.shutdown())
        window.resize(1200, 800)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


def type_into(qtbot, edit, text):
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def noisy_result(train, test):
    widths = (4, 8, 16, 32)
    runs = [SweepRun(SweepSize(width=w), seed, 75 * w,
                     {"train_accuracy": fit, "test_accuracy": held - 0.01 * seed,
                      "train_loss": 0.1, "test_loss": 0.3},
                     {"val_accuracy": [0.5, held]}, 2, 0.1, "stacked", "completed")
            for w, fit, held in zip(widths, train, test) for seed in (0, 1)]
    return SweepResult("noisy", "width", [SweepSize(width=w) for w in widths], [0, 1], 2,
                       "multiclass", "accuracy", 0.1, runs, label_noise=0.2)


def test_the_double_descent_example_opens_with_its_sweep_and_marks_the_threshold(
        qtbot, open_window):
    window = open_window(example_project("double_descent"))
    assert window.widths_edit.text() == "4, 8, 16, 32, 64, 128, 256, 512, 1024"
    assert (window.seeds_spin.value(), window.epochs_spin.value()) == (2, 1000)
    assert window.scale_combo.currentData() == "width"
    window.show_result(noisy_result([0.8, 0.95, 1.0, 1.0], [0.85, 0.75, 0.8, 0.86]))
    line = window.threshold_line
    assert line.isVisible() and line.value() == pytest.approx(np.log10(75 * 16))
    assert "interpolation threshold (width 16)" in line.label.toPlainText()  # as drawn
    held = window.splits["held"].mean
    assert list(held.yData) == pytest.approx([0.155, 0.255, 0.205, 0.145])  # errors
    assert window.final_plot.getPlotItem().getAxis("left").labelText == "error (1 − accuracy)"
    text = window.findings_text(window.result or noisy_result([0.8, 0.95, 1.0, 1.0],
                                                              [0.85, 0.75, 0.8, 0.86]))
    assert "interpolation threshold" in text and "peaks at width 8 (0.255)" in text
    window.show_result(dataclasses.replace(noisy_result([0.8, 0.9, 0.95, 0.97],
                                                        [0.8] * 4)))
    assert not window.threshold_line.isVisible()  # no size fits every label yet


def test_growing_the_training_rows_plots_against_rows_and_exports_a_png(
        qtbot, open_window, make_project, tmp_path):
    window = open_window(make_project())
    window.scale_combo.setCurrentIndex(window.scale_combo.findData("data"))
    assert window.train_sizes_edit.isEnabled() and not window.widths_edit.isEnabled()
    type_into(qtbot, window.train_sizes_edit, "20, 60")
    window.seeds_spin.setValue(2)
    window.epochs_spin.setValue(2)
    with qtbot.waitSignal(window.sweep_finished, timeout=WAIT) as finished:
        qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    result = finished.args[0]
    assert result.grows_data and [s.train_rows for s in result.sizes] == [20, 60]
    model = window.table_model
    assert model.columns[:3] == ["train_rows", "seed", "parameters"]
    assert [model.value(r, "train_rows") for r in range(4)] == [20, 20, 60, 60]
    assert list(window.splits["train"].points.xData) == [20, 20, 60, 60]
    assert window.final_plot.getPlotItem().getAxis("bottom").labelText.startswith(
        "training rows")
    assert window.png_button.isEnabled()
    path = tmp_path / "rows.png"
    window.export_png(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_bad_row_list_says_what_to_fix(qtbot, open_window, make_project):
    window = open_window(make_project())
    window.scale_combo.setCurrentIndex(window.scale_combo.findData("data"))
    type_into(qtbot, window.train_sizes_edit, "40, x")
    assert not window.start()
    assert "Rows" in window.status.text()
    type_into(qtbot, window.train_sizes_edit, "20, 500")  # more than the training rows
    with qtbot.waitSignal(window.task.failed, timeout=WAIT):
        window.start()
    assert "Rows: each must be from 1 to the 72 training rows, got 500" in window.status.text()


def test_the_mirage_example_draws_exact_match_beside_the_per_digit_accuracy(
        qtbot, open_window):
    project = example_project("mirage")
    data = dataclasses.replace(project.data, source=dataclasses.replace(
        project.data.source, params={"digits": 2, "n_samples": 600}))
    network = project.network
    from nnstudio.core.network import chain

    network = chain(("input", {"shape": (40,)}), ("dense", {"units": 32, "activation": "relu"}),
                    ("dense", {"units": 30, "activation": "linear"}))
    window = open_window(dataclasses.replace(project, data=data, network=network))
    type_into(qtbot, window.widths_edit, "8, 32")
    window.seeds_spin.setValue(1)
    window.epochs_spin.setValue(3)
    with qtbot.waitSignal(window.sweep_finished, timeout=WAIT) as finished:
        window.start()
    result = finished.args[0]
    assert result.exact_match and not result.plots_error
    exact = window.splits["exact"].mean
    assert list(exact.yData) == pytest.approx(
        [s.values["test"][0] for s in result.summary("exact_match")])
    assert "test_exact_match" in window.table_model.columns
    assert "exact match (every position right)" in window.findings.text()
