"""The project document: undo over core commands, dirty state, files that open or fail cleanly."""

from __future__ import annotations

import numpy as np

from nnstudio.core.commands import AddNodeCommand, ConnectCommand, SetParamCommand
from nnstudio.core.config import TrainingConfig
from nnstudio.core.examples import EXAMPLES, example_project
from nnstudio.core.network import make_node
from nnstudio.core.project import WeightsOrigin
from nnstudio.gui.document import ProjectDocument


def test_a_new_document_opens_the_spiral_example_clean(qapp):
    document = ProjectDocument()
    assert document.project.name == example_project("spiral").name
    assert document.network.to_dict() == example_project("spiral").network.to_dict()
    assert not document.is_dirty and document.path is None


def test_each_push_is_an_undo_step_and_undo_restores_the_exact_network(make_document):
    document = make_document()
    start = document.network.to_dict()
    document.push(AddNodeCommand(make_node("relu", "relu_1"), append=True))
    document.push(SetParamCommand("dense_1", "units", 3))
    assert document.is_dirty and document.undo_stack.count() == 2
    while document.undo_stack.canUndo():
        document.undo_stack.undo()
    assert document.network.to_dict() == start
    assert not document.is_dirty


def test_a_refused_edit_is_reported_and_leaves_no_undo_step(make_document, qtbot):
    document = make_document()
    with qtbot.waitSignal(document.edit_rejected) as signal:
        assert not document.push(ConnectCommand("dense_2", "dense_1"))
    assert "cycle" in signal.args[0]
    assert document.undo_stack.count() == 0 and not document.is_dirty


def test_setting_the_same_parameter_repeatedly_merges_into_one_step(make_document):
    document = make_document()
    for units in (9, 10, 11):
        document.push(SetParamCommand("dense_1", "units", units))
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.network.node("dense_1").params["units"] == 8
    document.undo_stack.redo()
    assert document.network.node("dense_1").params["units"] == 11


def test_the_shape_report_follows_the_network(make_document):
    document = make_document()
    assert document.report.total_params == 33
    document.push(SetParamCommand("dense_1", "units", 4))
    assert document.report.total_params == 17


def dense_weights(node_id: str, inputs: int, units: int) -> dict[str, np.ndarray]:
    return {f"{node_id}.weight": np.ones((units, inputs), np.float32),
            f"{node_id}.bias": np.zeros(units, np.float32)}


def test_forgetting_the_weights_forgets_where_they_came_from(make_document):
    document = make_document()
    document.set_weights(dense_weights("dense_1", 2, 8), WeightsOrigin("run_2", 7))
    assert document.weights_origin == WeightsOrigin("run_2", 7) and document.is_dirty
    document.set_weights(dense_weights("dense_1", 2, 8))  # imported: no run made them
    assert document.weights_origin is None
    document.set_weights(None, WeightsOrigin("run_2", 7))
    assert document.weights is None and document.weights_origin is None


def test_save_then_open_gives_back_the_same_project_and_weights(make_document, tmp_path):
    document = make_document()
    document.push(SetParamCommand("dense_1", "units", 5))
    weights = {**dense_weights("dense_1", 2, 5), **dense_weights("dense_2", 5, 1)}
    document.set_weights(weights, WeightsOrigin("run_1", 3))
    assert document.save(tmp_path / "mine") is None
    assert document.path == tmp_path / "mine.nnstudio"
    assert not document.is_dirty and document.display_name == "mine"

    other = ProjectDocument()
    assert other.open(document.path) is None
    assert other.network.to_dict() == document.network.to_dict()
    assert set(other.weights) == set(weights)
    np.testing.assert_array_equal(other.weights["dense_1.weight"], weights["dense_1.weight"])
    assert other.weights_origin == WeightsOrigin("run_1", 3)  # where they came from, too
    assert not other.is_dirty and other.undo_stack.count() == 0


def test_weights_of_a_deleted_layer_do_not_stop_a_save(make_document, tmp_path):
    from nnstudio.core.commands import RemoveNodesCommand

    document = make_document()
    document.set_weights({**dense_weights("dense_1", 2, 8), **dense_weights("dense_2", 8, 1)})
    document.push(RemoveNodesCommand(["dense_2"]))
    assert document.save(tmp_path / "p.nnstudio") is None


def test_a_corrupt_file_gives_its_message_and_the_open_project_stays(make_document, tmp_path):
    document = make_document()
    document.push(SetParamCommand("dense_1", "units", 5))
    before, steps = document.network.to_dict(), document.undo_stack.count()
    bad = tmp_path / "bad.nnstudio"
    bad.write_text("{ not json", encoding="utf-8")
    replaced = []
    document.project_replaced.connect(lambda: replaced.append(1))

    message = document.open(bad)

    assert message.startswith("bad.nnstudio: line 1 column 3: not valid JSON")
    assert document.network.to_dict() == before and document.undo_stack.count() == steps
    assert document.is_dirty and document.path is None and not replaced
    assert "no such file" in document.open(tmp_path / "missing.nnstudio")


def test_saving_where_it_cannot_be_written_returns_the_reason(make_document, tmp_path):
    document = make_document()
    document.push(SetParamCommand("dense_1", "units", 5))
    (tmp_path / "taken.nnstudio").mkdir()
    message = document.save(tmp_path / "taken.nnstudio")
    assert message is not None and "taken.nnstudio" in message
    assert document.is_dirty and document.path is None


def test_new_from_example_replaces_everything_and_clears_undo(make_document):
    document = make_document()
    document.push(SetParamCommand("dense_1", "units", 5))
    for key in EXAMPLES:
        document.new_from_example(key)
        assert document.network.to_dict() == example_project(key).network.to_dict()
        assert not document.is_dirty and document.undo_stack.count() == 0


def test_the_new_network_is_watched_after_a_project_is_replaced(make_document, qtbot):
    document = make_document()
    old = document.network
    document.new_from_example("digits_mlp")
    with qtbot.waitSignal(document.network_changed):
        document.push(SetParamCommand("dense_1", "units", 32))
    changes = []
    document.network_changed.connect(lambda: changes.append(1))
    SetParamCommand("dense_1", "units", 2).apply(old)  # the old network is not listened to
    assert changes == []


def test_settings_weights_and_runs_make_the_project_dirty_until_saved(make_document, tmp_path):
    from nnstudio.core.project import RunRecord

    document = make_document()
    seen = []
    document.dirty_changed.connect(seen.append)
    document.set_training_config(TrainingConfig({"epochs": 7}))
    assert document.project.training.epochs == 7 and document.is_dirty and seen == [True]
    assert document.save(tmp_path / "a.nnstudio") is None and seen == [True, False]
    record = RunRecord("run_1", network=document.network)
    document.add_run(record, {**dense_weights("dense_1", 2, 8), **dense_weights("dense_2", 8, 1)})
    assert document.is_dirty
    assert document.save() is None
    assert document.project.runs[0].weights is not None  # now saved beside the project


def test_while_edits_are_locked_undo_and_redo_are_refused_with_the_reason(make_document, qtbot):
    document = make_document()
    document.push(SetParamCommand("dense_1", "units", 5))
    document.lock_edits("Training is running")
    with qtbot.waitSignal(document.edit_rejected) as signal:
        assert not document.undo()
    assert signal.args == ["Training is running"]
    assert document.network.node("dense_1").params["units"] == 5
    document.lock_edits(None)
    assert document.undo() and document.network.node("dense_1").params["units"] == 8
    assert document.redo() and not document.redo()
