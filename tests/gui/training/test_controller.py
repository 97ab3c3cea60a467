"""The controller on its own: runs recorded in the document, curves that follow the weights'
lineage, extra engine callbacks, and a project replaced under a running run."""

from __future__ import annotations

import math
import threading
from types import SimpleNamespace

import pytest

from nnstudio.engine.callbacks import Callback
from nnstudio.gui.training.controller import (
    CONTINUED_FROM, TrainingController, join_histories, lineage_history,
)

WAIT = 20_000


@pytest.fixture
def controller(qtbot, make_project, warm_torch):
    from nnstudio.gui.document import ProjectDocument

    document = ProjectDocument(make_project(epochs=3))
    made = TrainingController(document)
    yield made
    made.shutdown()


def run(id_, history, changes=()):
    return SimpleNamespace(id=id_, history=history, changes=tuple(changes))


def test_histories_join_column_by_column_padding_what_one_side_lacks():
    joined = join_histories({"loss": [3.0, 2.0], "lr": [0.1, 0.1]},
                            {"loss": [1.0], "val_loss": [1.5]})
    assert joined["loss"] == [3.0, 2.0, 1.0]
    assert joined["lr"][:2] == [0.1, 0.1] and math.isnan(joined["lr"][2])
    assert all(math.isnan(v) for v in joined["val_loss"][:2]) and joined["val_loss"][2] == 1.5
    assert join_histories({}, {"loss": [1.0]}) == {"loss": [1.0]}


def test_the_lineage_follows_continued_runs_back_and_stops_at_a_fresh_one():
    runs = [run("run_1", {"loss": [9.0]}),
            run("run_2", {"loss": [5.0, 4.0]}),
            run("run_3", {"loss": [3.0]}, [CONTINUED_FROM + "run_2", "epochs 2 → 1"]),
            run("run_4", {"loss": [2.0]}, [CONTINUED_FROM + "run_3"])]
    assert lineage_history(runs)["loss"] == [5.0, 4.0, 3.0, 2.0]
    assert lineage_history(runs[:2])["loss"] == [5.0, 4.0]
    assert lineage_history([]) == {}
    looped = [run("a", {"loss": [1.0]}, [CONTINUED_FROM + "b"]),
              run("b", {"loss": [2.0]}, [CONTINUED_FROM + "a"])]
    assert lineage_history(looped)["loss"] == [1.0, 2.0]  # a broken file cannot loop forever


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
        controller.step()
    assert second.args[0].outcome.prepared is first.args[0].outcome.prepared
    document = controller.document
    document.set_data_config(document.project.data.__class__(
        document.project.data.source, validation=0.3, test=0.2))
    with qtbot.waitSignal(controller.run_finished, timeout=WAIT) as third:
        controller.step()
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
