"""The timeline scrubber: a run keeps its weights at a few epochs, the slider moves every view to
one of them (through the live model's one viewed epoch), Play walks them, Latest goes back,
training is followed, Fork from Here trains on from the viewed epoch and records it; a run
saved before timelines offers only its last epoch, with a note."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.core.project import WeightsOrigin, load_project
from nnstudio.gui.document import ProjectDocument
from tests.gui.projects import spiral_project

WAIT = 60_000
VIEWS = ("network_dock", "boundary_dock", "backprop_dock")


@pytest.fixture
def window(composed_window, warm_torch):
    document = ProjectDocument(spiral_project(epochs=10, early_stopping=False))
    return composed_window(document, size=(1300, 850), panels=VIEWS)


def train(qtbot, window) -> None:
    controller = window.services.controller
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT):
        assert controller.train()
    qtbot.waitUntil(lambda: not controller.is_active, timeout=WAIT)


def settle(qtbot, window) -> None:
    """Let the live model apply what changed and the shown views redraw."""
    live = window.services.live
    qtbot.waitUntil(lambda: not live.pending, timeout=WAIT)


def show(qtbot, window, dock: str):
    """Bring view `dock` to the front (the default layout may tab the views together)."""
    window.panel_docks[dock].show()  # the Learn layout puts some views away
    window.panel_docks[dock].raise_()
    panel = window.panels[dock]
    qtbot.waitUntil(panel.is_shown, timeout=WAIT)
    return panel


def expected_output(window, weights) -> np.ndarray:
    """The network's output over the boundary's plane with `weights`, computed apart."""
    from nnstudio.engine.probes import DisplayModel

    live = window.services.live
    model = DisplayModel(window.document.network, live.display.seed)
    assert model.load(weights)
    output = model.output_id
    return model.plane_probe(live.plane, 100, (output,)).values[output]


def test_scrubbing_moves_the_network_and_boundary_to_the_kept_epochs_weights(qtbot, window):
    train(qtbot, window)
    bar, live, document = window.timeline, window.services.live, window.document
    assert [epoch for epoch, _ in bar.positions] == [1, 2, 3, 5, 8, 10]
    assert bar.slider.value() == bar.slider.maximum() and live.viewed is None
    boundary = show(qtbot, window, "boundary_dock")
    settle(qtbot, window)
    latest = boundary.values.copy()
    bar.slider.setFocus()
    qtbot.keyClick(bar.slider, Qt.Key.Key_Home)
    qtbot.keyClick(bar.slider, Qt.Key.Key_Right)
    qtbot.keyClick(bar.slider, Qt.Key.Key_Right)  # epoch 3
    assert live.viewed == ("run_1", 3) and "Epoch 3 of 10" in bar.label.text()
    settle(qtbot, window)
    snapshot = document.snapshot_weights("run_1", 3)
    np.testing.assert_allclose(boundary.values, expected_output(window, snapshot), atol=1e-6)
    assert not np.allclose(boundary.values, latest, atol=1e-4)
    network = show(qtbot, window, "network_dock")
    column = next(c for c in network.columns if c.node_id == "dense_1")
    links = {(source, target): link for (index, source, target), link
             in network.link_items.items() if index == column.index}
    assert links
    expected = {key: float(snapshot["dense_1.weight"][key[1], key[0]]) for key in links}
    # The network view may redraw on its own pacing: it catches up with the viewed epoch.
    qtbot.waitUntil(lambda: all(link.weight == pytest.approx(expected[key])
                                for key, link in links.items()), timeout=WAIT)
    # Latest goes back to the run's final weights.
    qtbot.mouseClick(bar.latest_button, Qt.MouseButton.LeftButton)
    assert live.viewed is None and bar.slider.value() == bar.slider.maximum()
    show(qtbot, window, "boundary_dock")
    settle(qtbot, window)
    np.testing.assert_allclose(boundary.values, latest, atol=1e-6)


def test_play_walks_the_kept_epochs_and_stops_at_the_latest(qtbot, window):
    train(qtbot, window)
    bar, live = window.timeline, window.services.live
    seen = []
    live.viewed_changed.connect(lambda: seen.append(live.viewed))
    qtbot.mouseClick(bar.play_button, Qt.MouseButton.LeftButton)  # at the end: from the start
    qtbot.waitUntil(lambda: not bar.play_button.isChecked(), timeout=WAIT)
    assert [v[1] for v in seen if v is not None] == [1, 2, 3, 5, 8]
    assert seen[-1] is None and live.viewed is None  # the last is the latest weights


def test_saved_timeline_scrubs_after_reopening(qtbot, window, tmp_path):
    train(qtbot, window)
    path = tmp_path / "spiral.nnstudio"
    assert window.document.save(path) is None
    assert load_project(path).project.runs[0].timeline.epochs == (1, 2, 3, 5, 8, 10)
    assert window.document.open(path) is None
    bar = window.timeline
    assert [epoch for epoch, _ in bar.positions] == [1, 2, 3, 5, 8, 10]
    assert bar.show_epoch(5) and window.services.live.viewed == ("run_1", 5)
    from nnstudio.core.project import load_run_timeline

    kept = load_run_timeline(path, load_project(path).project.runs[0])[5]
    for key, array in window.services.live.shown_weights.items():
        np.testing.assert_array_equal(array, kept[key])


def test_an_old_run_without_a_timeline_shows_only_its_last_epoch_with_a_note(
        qtbot, window, tmp_path):
    train(qtbot, window)
    path = tmp_path / "old.nnstudio"
    assert window.document.save(path) is None
    loaded = load_project(path)
    old = dataclasses.replace(loaded.project.runs[0], timeline=None)
    from nnstudio.core.project import save_project

    save_project(path, dataclasses.replace(loaded.project, runs=[old]), loaded.weights,
                 source_path=path)
    assert window.document.open(path) is None
    bar = window.timeline
    assert bar.positions == [(10, True)] and not bar.slider.isEnabled()
    assert "last epoch" in bar.note.text() and "Epoch 10 of 10" in bar.label.text()


def test_fork_from_here_trains_from_the_viewed_epoch_and_records_it(qtbot, window):
    train(qtbot, window)
    bar, controller, document = window.timeline, window.services.controller, window.document
    assert bar.show_epoch(5)
    kept = document.snapshot_weights("run_1", 5)
    started = []
    controller.run_started.connect(lambda start: started.append(dict(document.weights)))
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT) as finished:
        qtbot.mouseClick(bar.fork_button, Qt.MouseButton.LeftButton)
    record = finished.args[0].record
    assert record.parent == WeightsOrigin("run_1", 5)
    assert document.weights_origin == WeightsOrigin(record.id, record.epochs)
    for key, array in kept.items():
        np.testing.assert_array_equal(started[0][key], array)  # it began from epoch 5
    qtbot.waitUntil(lambda: not controller.is_active, timeout=WAIT)
    assert bar.run_id == record.id and window.services.live.viewed is None


def test_while_training_the_scrubber_follows_the_live_run(qtbot, window):
    controller, bar = window.services.controller, window.timeline
    document = window.document
    document.set_training_config(document.project.training.replace(epochs=40))
    seen = []
    controller.epochs_reached.connect(
        lambda _: seen.append((bar.run_id, bar.positions[-1], bar.slider.value() ==
                               bar.slider.maximum())))
    train(qtbot, window)
    assert seen and all(run is None and latest and at_end for run, (_, latest), at_end in seen)
    assert seen[-1][1][0] == 40
    assert bar.run_id == "run_1" and bar.positions[-1] == (40, True)


def test_backprop_steps_through_the_viewed_epochs_weights(qtbot, window):
    from nnstudio.data.source import prepare_project_data
    from nnstudio.engine.sample_backprop import backprop_sample

    train(qtbot, window)
    bar, document = window.timeline, window.document
    backprop = window.panels["backprop_dock"]
    assert bar.show_epoch(2)
    backprop.sample_spin.setValue(5)
    with qtbot.waitSignal(backprop.task.succeeded, timeout=WAIT):
        qtbot.mouseClick(backprop.compute_button, Qt.MouseButton.LeftButton)
    assert "weights kept at epoch 2" in backprop.heading.text()
    project = document.project
    expected = backprop_sample(document.network, prepare_project_data(project, None),
                               project.training, document.snapshot_weights("run_1", 2), 5)
    assert backprop.result["loss"] == pytest.approx(expected["loss"], rel=1e-6)
    latest = backprop_sample(document.network, prepare_project_data(project, None),
                             project.training, document.weights, 5)
    assert latest["loss"] != pytest.approx(expected["loss"], rel=1e-3)
    qtbot.mouseClick(bar.latest_button, Qt.MouseButton.LeftButton)
    assert backprop.result is None  # its numbers were the epoch's, not the latest weights'



def test_the_weights_histogram_shows_the_viewed_epoch_even_while_training(qtbot, composed_window,
                                                                           warm_torch):
    from nnstudio.engine.inspection import histogram

    document = ProjectDocument(spiral_project(epochs=5000, early_stopping=False))
    window = composed_window(document, size=(1300, 850), panels=("weights_dock",))
    panel = show(qtbot, window, "weights_dock")
    controller, bar, live = window.services.controller, window.timeline, window.services.live
    assert controller.train()
    qtbot.waitUntil(lambda: (8, False) in bar.positions, timeout=WAIT)
    controller.pause()
    qtbot.waitUntil(lambda: controller.state == "paused", timeout=WAIT)
    assert bar.show_epoch(5) and live.viewed == (None, 5)  # the run in progress, epoch 5
    settle(qtbot, window)
    qtbot.waitUntil(lambda: "epoch 5" in panel.now_plot.titleLabel.text, timeout=WAIT)
    key = panel.tensor_combo.currentData()
    expected = histogram(np.asarray(controller.timeline.snapshots[5][key]), 40)
    np.testing.assert_array_equal(panel.current.counts, expected.counts)
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT):
        controller.stop()


def test_fork_refuses_a_run_whose_network_the_editor_has_changed_since(qtbot, window):
    from nnstudio.core.commands import SetParamCommand

    train(qtbot, window)
    bar, document = window.timeline, window.document
    assert bar.show_epoch(3)
    assert document.push(SetParamCommand("dense_1", "units", 12))
    runs_before = len(document.project.runs)
    qtbot.mouseClick(bar.fork_button, Qt.MouseButton.LeftButton)
    assert not window.services.controller.is_active
    assert len(document.project.runs) == runs_before
    assert "trained another network" in window.statusBar().currentMessage()


def test_the_metrics_panel_marks_the_viewed_epoch_on_the_curves_of_its_lineage(
        qtbot, composed_window, warm_torch):
    document = ProjectDocument(spiral_project(epochs=10, early_stopping=False))
    window = composed_window(document, size=(1300, 850), panels=("metrics_dock",))
    bar, metrics = window.timeline, window.panels["metrics_dock"]
    train(qtbot, window)

    def marked() -> list[float | None]:
        return [line.value() if line.isVisible() else None for line in metrics.viewed_lines]

    assert marked() == [None, None]  # the latest weights: nothing to mark
    bar.slider.setFocus()
    qtbot.keyClick(bar.slider, Qt.Key.Key_Home)
    qtbot.keyClick(bar.slider, Qt.Key.Key_Right)
    qtbot.keyClick(bar.slider, Qt.Key.Key_Right)  # epoch 3
    assert marked() == [3, 3]
    qtbot.mouseClick(metrics.log_epochs_check, Qt.MouseButton.LeftButton)
    assert marked() == [pytest.approx(np.log10(3))] * 2
    qtbot.mouseClick(metrics.log_epochs_check, Qt.MouseButton.LeftButton)
    # A run forked at epoch 5 is drawn after those 5 epochs: its own epoch 3 is the curve's 8.
    assert bar.show_epoch(5)
    with qtbot.waitSignal(window.services.controller.run_finished, timeout=WAIT):
        qtbot.mouseClick(bar.fork_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.services.controller.is_active, timeout=WAIT)
    assert metrics.count == 15 and bar.run_id == "run_2"
    assert bar.show_epoch(3)
    assert marked() == [8, 8]
    qtbot.mouseClick(bar.latest_button, Qt.MouseButton.LeftButton)
    assert marked() == [None, None]
