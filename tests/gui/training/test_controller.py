"""The controller on its own: runs recorded in the document, curves that follow the weights'
lineage, extra engine callbacks, and a project replaced under a running run."""

from __future__ import annotations

import threading

import pytest

from nnstudio.engine.callbacks import Callback
from nnstudio.gui.training.controller import TrainingController

WAIT = 20_000


@pytest.fixture
def controller(qtbot, make_project, warm_torch):
    from nnstudio.gui.document import ProjectDocument

    document = ProjectDocument(make_project(epochs=3))
    made = TrainingController(document)
    yield made
    made.shutdown()


def test_a_run_lands_in_the_document_with_its_weights(qtbot, controller):
    document = controller.document
    states = []
    controller.state_changed.connect(states.append)
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT) as finished:
        assert controller.train()
        assert not controller.train()  # one run at a time
    end = finished.args[0]
    assert states == ["running", "idle"]
    assert document.project.runs == [end.record]
    assert document.weights is end.outcome.result.weights
    assert controller.history == end.record.history and len(end.record.history["loss"]) == 3
    assert end.record.config.epochs == 3 and end.record.changes == ("first run",)


def test_extra_engine_callbacks_run_on_the_worker_thread(qtbot, controller):
    seen = []

    class Probe(Callback):
        def on_epoch_end(self, snapshot):
            seen.append((snapshot.epoch, threading.current_thread() is threading.main_thread()))

    controller.add_callback_factory(Probe)
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT):
        controller.train()
    assert seen == [(1, False), (2, False), (3, False)]


def test_the_data_is_prepared_once_for_runs_on_the_same_data(qtbot, controller):
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT) as first:
        controller.train()
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT) as second:
        controller.train()
    assert second.args[0].outcome.prepared is first.args[0].outcome.prepared
    document = controller.document
    document.set_data_config(document.project.data.__class__(
        document.project.data.source, validation=0.3, test=0.2))
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT) as third:
        controller.train()
    assert third.args[0].outcome.prepared is not first.args[0].outcome.prepared
    assert third.args[0].outcome.prepared.validation.n_samples == 60


def test_a_project_replaced_mid_run_drops_the_run_without_touching_the_new_project(
        qtbot, controller, make_project):
    document = controller.document
    document.set_training_config(document.project.training.replace(epochs=100_000))
    with qtbot.waitSignal(controller.epochs_reached, timeout=WAIT):
        controller.train()
    document.new_from_example("empty")
    assert controller.state == "idle" and not controller.is_active
    assert document.project.runs == [] and document.weights is None
    assert controller.history == {}


def test_stopping_or_shutting_down_with_nothing_running_does_nothing(controller):
    controller.stop()
    controller.pause()
    assert controller.shutdown() and controller.state == "idle"
    assert controller.reset_weights() and controller.history == {}
