"""The live display model: it follows the document's network, weights and data, refreshes at a
throttled rate and only while a view is visible, rebuilds only for a new structure, and takes
live weights from a training run through its engine callback."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from nnstudio.core.commands import DisconnectCommand, MoveNodesCommand, SetParamCommand
from nnstudio.core.examples import example_project
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.callbacks import Callback
from nnstudio.engine.modules import build_model
from nnstudio.engine.trainer import fit
from nnstudio.engine.weights import model_to_arrays
from nnstudio.gui.live_model import INITIAL, LIVE, MISMATCH, TRAINED, LivePanel, LiveModel

pytestmark = pytest.mark.usefixtures("warm_torch")


class CountingPanel(LivePanel):
    def update_view(self) -> None:
        pass


@pytest.fixture
def document(qapp):
    from nnstudio.gui.document import ProjectDocument

    return ProjectDocument(example_project("spiral"))


def weights(network, seed: int) -> dict[str, np.ndarray]:
    return model_to_arrays(build_model(network, seed))


def shown_panel(qtbot, live) -> CountingPanel:
    panel = CountingPanel(live)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: panel.redraws > 0, timeout=3000)
    return panel


def wait(qtbot, ms: int) -> None:
    qtbot.wait(ms)


def test_nothing_is_computed_while_no_view_is_visible(qtbot, document):
    live = LiveModel(document)
    panel = CountingPanel(live)
    qtbot.addWidget(panel)  # made but never shown
    document.set_weights(weights(document.network, 1))
    wait(qtbot, 300)
    assert live.refreshes == 0 and live.display is None and panel.redraws == 0
    panel.show()
    qtbot.waitUntil(lambda: panel.redraws == 1, timeout=3000)
    assert live.refreshes == 1 and live.weights_state == TRAINED


def test_a_hidden_view_does_no_work_and_catches_up_when_shown(qtbot, document):
    live = LiveModel(document)
    panel = shown_panel(qtbot, live)
    panel.hide()
    redraws, refreshes = panel.redraws, live.refreshes
    for seed in range(3):
        document.set_weights(weights(document.network, seed))
    wait(qtbot, 300)
    assert (panel.redraws, live.refreshes) == (redraws, refreshes)
    panel.show()
    qtbot.waitUntil(lambda: panel.redraws == redraws + 1, timeout=3000)
    np.testing.assert_array_equal(live.display.array("dense_1.weight"),
                                  document.weights["dense_1.weight"])


def test_many_weight_changes_in_a_burst_give_few_refreshes_with_the_last_weights(qtbot, document):
    live = LiveModel(document)
    shown_panel(qtbot, live)
    before = live.refreshes
    started = time.monotonic()
    for seed in range(40):
        document.set_weights(weights(document.network, seed))
        QApplication.processEvents()
    elapsed = time.monotonic() - started
    qtbot.waitUntil(lambda: not live.pending, timeout=3000)
    # At most one refresh per 100 ms interval (plus the one that ends the burst).
    assert live.refreshes - before <= elapsed / 0.1 + 2
    np.testing.assert_array_equal(live.display.array("dense_2.weight"),
                                  weights(document.network, 39)["dense_2.weight"])


def test_moving_a_node_keeps_the_display_model_and_a_new_width_rebuilds_it(qtbot, document):
    live = LiveModel(document)
    shown_panel(qtbot, live)
    model, version = live.display, live.structure_version
    document.push(MoveNodesCommand({"dense_1": (500.0, 120.0)}))
    qtbot.waitUntil(lambda: not live.pending, timeout=3000)
    assert live.display is model and live.structure_version == version
    document.push(SetParamCommand("dense_1", "units", 5))
    qtbot.waitUntil(lambda: live.structure_version == version + 1, timeout=3000)
    assert live.display is not model and live.display.shape("dense_1") == (5,)


def test_weights_from_before_an_edit_give_fresh_initial_weights_and_say_so(qtbot, document):
    document.set_weights(weights(document.network, 2))
    live = LiveModel(document)
    shown_panel(qtbot, live)
    assert live.weights_state == TRAINED
    document.push(SetParamCommand("dense_2", "units", 3))
    qtbot.waitUntil(lambda: live.display.shape("dense_2") == (3,), timeout=3000)
    assert live.weights_state == MISMATCH
    np.testing.assert_array_equal(live.display.array("dense_2.weight"),
                                  live.display.initial["dense_2.weight"])
    document.set_weights(None)
    qtbot.waitUntil(lambda: live.weights_state == INITIAL, timeout=3000)


def test_an_invalid_network_leaves_no_display_model_and_a_message(qtbot, document):
    live = LiveModel(document)
    shown_panel(qtbot, live)
    document.push(DisconnectCommand("dense_1", "dense_2"))  # two loose ends
    qtbot.waitUntil(lambda: live.display is None, timeout=3000)
    assert live.error
    document.undo_stack.undo()
    qtbot.waitUntil(lambda: live.display is not None, timeout=3000)
    assert live.error == ""


def test_live_weights_are_shown_and_marked_live(qtbot, document):
    live = LiveModel(document)
    shown_panel(qtbot, live)
    snapshot = weights(document.network, 7)
    live.offer_weights(snapshot)
    qtbot.waitUntil(lambda: live.weights_state == LIVE, timeout=3000)
    np.testing.assert_array_equal(live.display.array("dense_3.weight"), snapshot["dense_3.weight"])


def test_the_plane_follows_the_data_two_features_or_principal_components(qtbot):
    from nnstudio.gui.document import ProjectDocument

    spiral = LiveModel(ProjectDocument(example_project("spiral")))
    shown_panel(qtbot, spiral)
    assert spiral.plane_choice == ("features", 0, 1) and spiral.plane.kind == "features"
    regression = LiveModel(ProjectDocument(example_project("regression")))
    shown_panel(qtbot, regression)
    assert regression.plane.kind == "pca"
    assert regression.feature_names[:3] == ("age", "sex", "bmi")
    regression.set_plane("features", 2, 3)
    plane = regression.plane
    assert plane.kind == "features" and plane.labels == ("bmi", "bp")
    np.testing.assert_allclose(plane.origin[[0, 1, 4]],
                               np.median(regression.prepared.train.x, axis=0)[[0, 1, 4]])
    regression.document.new_from_example("regression")  # another project: its default plane
    qtbot.waitUntil(lambda: not regression.pending, timeout=3000)
    assert regression.plane.kind == "pca"
    digits = LiveModel(ProjectDocument(example_project("digits_mlp")))
    shown_panel(qtbot, digits)
    assert digits.plane is None and digits.plane_probe(10) is None


def test_plane_probes_are_computed_once_per_refresh(qtbot, document):
    live = LiveModel(document)
    shown_panel(qtbot, live)
    first = live.plane_probe(16)
    assert live.plane_probe(16) is first
    document.set_weights(weights(document.network, 5))
    qtbot.waitUntil(lambda: not live.pending, timeout=3000)
    assert live.plane_probe(16) is not first


def test_a_run_copies_weights_only_while_a_view_of_the_live_model_is_on_screen(qtbot,
                                                                             document):
    live = LiveModel(document)
    request = live.make_request()
    assert not request.wants_weights  # nothing shown: the trainer copies nothing
    panel = shown_panel(qtbot, live)
    assert request.wants_weights
    panel.hide()
    assert not request.wants_weights


def test_a_run_copies_weights_for_the_views_at_most_as_often_as_they_are_delivered(
        qtbot, document, monkeypatch):
    from nnstudio.gui import live_model

    monkeypatch.setattr(live_model, "LIVE_WEIGHTS_INTERVAL_S", 0.3)
    live = LiveModel(document)
    request = live.make_request()
    shown_panel(qtbot, live)
    assert request.wants_weights
    assert not request.wants_weights  # the epoch after: too soon
    time.sleep(0.3)
    assert request.wants_weights


def test_a_training_runs_snapshots_feed_the_live_model_while_it_is_watched(qtbot, document,
                                                                           monkeypatch):
    from nnstudio.gui import live_model

    monkeypatch.setattr(live_model, "LIVE_WEIGHTS_INTERVAL_S", 0.0)  # weights every epoch
    live = LiveModel(document)
    shown_panel(qtbot, live)
    sent: list = []

    class Relay(Callback):  # the controller's route, without its thread
        def on_epoch_end(self, snapshot) -> None:
            sent.append(snapshot)

    project = document.project
    result = fit(project.network, prepare_project_data(project),
                 project.training.replace(epochs=3), callbacks=[Relay(), live.make_request()])
    assert all(snapshot.weights is not None for snapshot in sent)
    live.show_epochs(tuple(sent))
    qtbot.waitUntil(lambda: live.weights_state == LIVE and not live.pending, timeout=3000)
    for key, array in result.weights.items():
        np.testing.assert_allclose(live.display.array(key), array)


def test_what_the_views_spend_delays_the_next_refresh_to_keep_within_their_share(qtbot,
                                                                                  document):
    from nnstudio.gui.live_model import MAX_BUSY_SHARE

    live = LiveModel(document)
    shown_panel(qtbot, live)
    live.offer_weights(weights(document.network, 3))  # a run streams live weights
    qtbot.waitUntil(lambda: not live.pending, timeout=5000)
    live._debt = 0.0  # (its first picture is paid)
    live.note_cost(0.03)  # e.g. a view's redraw took 30 ms of the GUI thread
    assert live.debt == pytest.approx(0.03, abs=0.002)
    live.offer_weights(weights(document.network, 4))
    assert live._timer.isActive()
    assert live._timer.interval() >= 0.9 * 0.03 / MAX_BUSY_SHARE * 1000
    qtbot.waitUntil(lambda: not live.pending, timeout=5000)


def test_however_much_the_views_spent_a_refresh_waits_at_most_two_seconds(qtbot, document):
    from nnstudio.gui.live_model import MAX_WAIT_S

    live = LiveModel(document)
    shown_panel(qtbot, live)
    live.offer_weights(weights(document.network, 3))  # a run streams live weights
    qtbot.waitUntil(lambda: not live.pending, timeout=5000)
    live.note_cost(5.0)  # a very slow drawing
    live.offer_weights(weights(document.network, 4))
    assert live._timer.interval() <= MAX_WAIT_S * 1000


def test_a_redraw_during_a_refresh_is_counted_once(qtbot, document):
    class SlowPanel(LivePanel):
        def update_view(self) -> None:
            end = time.thread_time() + 0.02  # 20 ms of CPU
            while time.thread_time() < end:
                pass

    live = LiveModel(document)
    panel = SlowPanel(live)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.redraws > 0, timeout=3000)
    live.offer_weights(weights(document.network, 3))
    live._debt = 0.0  # (a run's first weights pay for its first picture in advance)
    live._timer.stop()
    assert live.refresh_now()
    assert live.last_cost >= 0.02
    assert live.debt <= live.last_cost + 0.002  # the redraw is inside the refresh's cost
    before = live.debt
    panel.redraw()  # a redraw of its own (a throttled view) adds its cost
    assert live.debt >= before + 0.018
