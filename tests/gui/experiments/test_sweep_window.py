"""The scale sweep window: set up, run in the background, table, plots, cancel, export, close."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from nnstudio.core.shapes import infer_shapes
from nnstudio.engine.sweep import SweepSize, sized_network
from nnstudio.gui.experiments.sweep_window import SweepWindow

WAIT = 60_000  # ms: a generous ceiling for a few tiny models on a busy machine


@pytest.fixture
def sweep_window(qtbot, make_project, warm_torch):
    from nnstudio.gui.document import ProjectDocument

    def make(**project) -> SweepWindow:
        window = SweepWindow(ProjectDocument(make_project(**project)))
        qtbot.addWidget(window, before_close_func=lambda w: w.shutdown())
        window.resize(1200, 800)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


def set_up(qtbot, window, widths: str, seeds: int, epochs: int) -> None:
    """Type the sizes, seeds and epochs as a person would."""
    window.widths_edit.selectAll()
    qtbot.keyClicks(window.widths_edit, widths)
    window.seeds_spin.setValue(seeds)
    window.epochs_spin.setValue(epochs)


def test_a_sweep_fills_a_row_per_size_and_seed_with_the_right_parameter_counts(
        qtbot, sweep_window):
    window = sweep_window()
    set_up(qtbot, window, "1, 4, 16", seeds=2, epochs=3)
    with qtbot.waitSignal(window.sweep_finished, timeout=WAIT) as finished:
        qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
        assert window.start_button.text() == "Cancel"
        assert not window.widths_edit.isEnabled()
    result = finished.args[0]
    assert not result.cancelled and window.result is result
    network = window.document.network
    expected = {w: infer_shapes(sized_network(network, SweepSize(width=w))).total_params
                for w in (1, 4, 16)}
    model = window.table_model
    assert model.rowCount() == 3 * 2
    assert model.columns[:3] == ["width", "seed", "parameters"]  # no depth column: it is unused
    rows = [(model.value(r, "width"), model.value(r, "seed"), model.value(r, "parameters"))
            for r in range(model.rowCount())]
    assert rows == [(w, seed, expected[w]) for w in (1, 4, 16) for seed in (0, 1)]
    assert window.proxy.rowCount() == 6  # the view shows them all
    for row in range(6):
        accuracy = model.value(row, "test_accuracy")
        assert 0.0 <= accuracy <= 1.0
    assert window.start_button.text() == "Start" and window.widths_edit.isEnabled()
    assert window.progress.value() == 1000
    assert window.status.text().startswith("Done: 6 models")


def test_the_plot_has_a_point_per_model_and_a_mean_per_size_against_parameters(
        qtbot, sweep_window):
    window = sweep_window()
    set_up(qtbot, window, "2, 8", seeds=2, epochs=2)
    with qtbot.waitSignal(window.sweep_finished, timeout=WAIT) as finished:
        window.start()
    result = finished.args[0]
    parameters = [run.parameters for run in result.runs]
    for key, split in (("train", "train"), ("held", "test")):
        items = window.splits[key]
        assert list(items.points.xData) == parameters
        assert list(items.points.yData) == [run.metrics[f"{split}_accuracy"]
                                            for run in result.runs]
        means = [np.mean([r.metrics[f"{split}_accuracy"] for r in result.runs
                          if r.size.width == w]) for w in (2, 8)]
        assert list(items.mean.xData) == sorted(set(parameters))
        np.testing.assert_allclose(items.mean.yData, means)
    assert window.final_plot.getPlotItem().getAxis("bottom").logMode
    assert window.chance_line.isVisible() and window.chance_line.value() == 0.5
    assert len(window._curves) == 2  # each size's validation curve over the epochs
    assert len(window._curves[0].yData) == 2
    assert "Test accuracy went from" in window.findings.text() or \
        "test accuracy went from" in window.findings.text()


def test_cancel_stops_the_sweep_and_keeps_the_sizes_finished(qtbot, sweep_window):
    window = sweep_window(n_samples=400)
    set_up(qtbot, window, "1, 2, 4, 8, 16, 32, 64, 128, 256", seeds=2, epochs=400)
    window.start()
    qtbot.waitUntil(lambda: window.progress.value() > 0, timeout=WAIT)
    with qtbot.waitSignal(window.sweep_finished, timeout=WAIT) as finished:
        qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)  # it reads Cancel now
    result = finished.args[0]
    assert result.cancelled and len(result.runs) < 9 * 2
    assert window.table_model.rowCount() == len(result.runs)
    assert window.status.text().startswith("Cancelled:")
    assert not window.task.is_running and window.start_button.text() == "Start"


def test_a_bad_size_list_says_what_to_fix_and_starts_nothing(qtbot, sweep_window):
    window = sweep_window()
    set_up(qtbot, window, "1, two, 4", seeds=1, epochs=1)
    qtbot.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
    assert not window.task.is_running
    assert window.status.text().startswith("Widths: give whole numbers")
    window.scale_combo.setCurrentIndex(2)  # both: widths and depths paired
    window.widths_edit.setText("4, 8")
    window.depths_edit.setText("1, 2, 3")
    assert not window.start()
    assert "as many widths as depths" in window.status.text()


def test_the_result_exports_as_csv_and_png(qtbot, sweep_window, tmp_path):
    window = sweep_window()
    set_up(qtbot, window, "1, 4", seeds=1, epochs=1)
    with qtbot.waitSignal(window.sweep_finished, timeout=WAIT):
        window.start()
    assert window.csv_button.isEnabled() and window.png_button.isEnabled()
    window.export_csv(tmp_path / "sweep.csv")
    window.export_png(tmp_path / "sweep.png")
    with open(tmp_path / "sweep.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [int(row["width"]) for row in rows] == [1, 4]
    assert (tmp_path / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_closing_the_main_window_while_a_sweep_runs_stops_it_without_hanging(
        qtbot, settings, make_project, warm_torch):
    from nnstudio.gui.document import ProjectDocument
    from nnstudio.gui.composition import build_window

    window = build_window(ProjectDocument(make_project(n_samples=400)), settings,
                          panels=("runs_dock",))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    sweep = window.experiments.show_sweep()
    assert isinstance(sweep, SweepWindow) and sweep.isVisible()
    set_up(qtbot, sweep, "1, 2, 4, 8, 16, 32, 64, 128, 256", seeds=3, epochs=1000)
    sweep.start()
    qtbot.waitUntil(lambda: sweep.progress.value() > 0, timeout=WAIT)
    thread = sweep.task._thread
    assert window.close()
    assert not sweep.task.is_running and thread.isFinished()
    QApplication.processEvents()  # whatever the worker had queued is dropped quietly
    assert sweep.result is None


def test_the_parameter_axis_reads_as_counts_at_powers_of_ten_and_in_between_when_short(qapp):
    import math

    from nnstudio.gui.experiments.plots import CountAxis

    axis = CountAxis("bottom")
    axis.setLogMode(True)
    ticks = [1, math.log10(20), math.log10(50), 2, 3, 4]
    axis.setRange(0, 5)  # five decades: powers of ten only
    assert axis.logTickStrings(ticks, 1, 1) == ["10", "", "", "100", "1k", "10k"]
    axis.setRange(1, 2.5)  # a decade and a half: 2 and 5 times them too
    assert axis.logTickStrings(ticks[:4], 1, 1) == ["10", "20", "50", "100"]
