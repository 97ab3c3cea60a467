"""Format 2: where the current weights came from, each run's parent, and run histories kept in
checksummed safetensors files beside the JSON."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import safetensors.numpy

from nnstudio.core.errors import ProjectError
from nnstudio.core.examples import example_project
from nnstudio.core.history import (
    join_histories, lineage_changes, lineage_history, origin_text, run_rows,
)
from nnstudio.core.project import RunRecord, WeightsOrigin, load_project, save_project
from tests.core.test_project import a_run, read_doc, spiral_weights, write_doc


def trained_project(epochs: int = 3, runs: int = 2):
    project = example_project("spiral")
    for number in range(1, runs + 1):
        history = {"loss": [1.0 / (number + e) for e in range(epochs)],
                   "val_accuracy": [0.5 + e / (10 * epochs) for e in range(epochs)]}
        parent = WeightsOrigin(f"run_{number - 1}", epochs) if number > 1 else None
        project.runs.append(a_run(project, f"run_{number}", name=f"Try {number}",
                                  history=history, parent=parent))
    project.weights_origin = WeightsOrigin(f"run_{runs}", epochs)
    return project


def test_the_weights_say_which_run_and_epoch_they_came_from(tmp_path):
    path = tmp_path / "p.nnstudio"
    save_project(path, trained_project(), spiral_weights())
    doc = read_doc(path)
    assert (doc["weights"]["run"], doc["weights"]["epoch"]) == ("run_2", 3)
    assert "inferred" not in doc["weights"]
    assert doc["runs"][1]["parent"] == {"run": "run_1", "epoch": 3}
    assert doc["runs"][0]["parent"] is None
    loaded = load_project(path).project
    assert loaded.weights_origin == WeightsOrigin("run_2", 3)
    assert [run.parent for run in loaded.runs] == [None, WeightsOrigin("run_1", 3)]


def test_no_weights_means_no_origin_is_written(tmp_path):
    path = tmp_path / "p.nnstudio"
    saved = save_project(path, trained_project(), None)
    assert read_doc(path)["weights"] is None and saved.weights_origin is None
    assert load_project(path).project.weights_origin is None


@pytest.mark.parametrize("change, expected", [
    (lambda d: d["weights"].update(epoch=0), "weights.epoch: must be a whole number from 1 to"),
    (lambda d: d["weights"].pop("epoch"), "weights.epoch: missing"),
    (lambda d: d["weights"].update(run="../x"), 'weights.run: must be a run id'),
    (lambda d: d["weights"].update(inferred="yes"), "weights.inferred: must be true or false"),
    (lambda d: d["weights"].update(edited=1), "weights.edited: must be true or false"),
    (lambda d: d["runs"][1]["parent"].update(edited="no"),
     "runs[1].parent.edited: must be true or false"),
    (lambda d: d["runs"][1]["parent"].update(epoch=1.5), "runs[1].parent.epoch: must be a whole"),
    (lambda d: d["runs"][1]["parent"].update(path="x"), "runs[1].parent.path: unknown field"),
])
def test_a_bad_origin_is_refused_naming_the_field(tmp_path, change, expected):
    path = tmp_path / "p.nnstudio"
    save_project(path, trained_project(), spiral_weights())
    doc = read_doc(path)
    change(doc)
    with pytest.raises(ProjectError) as caught:
        load_project(write_doc(path, doc))
    assert str(caught.value).startswith(f"p.nnstudio: {expected}"), str(caught.value)


def test_histories_live_in_checksummed_files_and_read_back_to_the_same_bits(tmp_path):
    project = trained_project()
    values = [0.1 + 0.2, 1e-300, 5e-324, -0.0, math.nan, 1 / 3]
    project.runs[0] = dataclasses.replace(project.runs[0], history={"loss": values})
    path = tmp_path / "p.nnstudio"
    save_project(path, project, spiral_weights())
    doc = read_doc(path)
    ref = doc["runs"][0]["history_file"]
    assert "history" not in doc["runs"][0]
    assert ref["path"] == f"p.runs/run_1.history.{ref['sha256'][:16]}.safetensors"
    assert safetensors.numpy.load_file(tmp_path / ref["path"])["loss"].dtype == np.float64
    loaded = load_project(path).project
    assert [v.hex() for v in loaded.runs[0].history["loss"]] == [v.hex() for v in values]
    assert loaded.runs[1].history == project.runs[1].history
    written = path.read_bytes()
    save_project(path, loaded, spiral_weights(), source_path=path)
    assert path.read_bytes() == written  # byte-stable


def test_a_changed_history_file_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "p.nnstudio"
    save_project(path, trained_project(), spiral_weights())
    relative = read_doc(path)["runs"][1]["history_file"]["path"]
    sidecar = tmp_path / relative
    sidecar.write_bytes(safetensors.numpy.save({"loss": np.zeros(3)}))
    with pytest.raises(ProjectError) as caught:
        load_project(path)
    assert str(caught.value) == (
        f'p.nnstudio: runs[1].history_file.sha256: the history file "{relative}" has changed '
        f'since the project was saved (its sha256 differs); it does not belong to this project')
    sidecar.unlink()
    with pytest.raises(ProjectError, match=rf'runs\[1\]\.history_file\.path: the history file '
                                           rf'"{relative}" is missing'):
        load_project(path)


@pytest.mark.parametrize("arrays, expected", [
    ({"not a name": np.zeros(2)}, '"not a name" is not a metric name'),
    ({"loss": np.zeros((2, 2))}, "loss must be one list of at most"),
    ({"loss": np.zeros(2, np.int64)}, "loss must be one list of at most"),
])
def test_a_history_file_that_holds_no_history_is_refused(tmp_path, arrays, expected):
    path = tmp_path / "p.nnstudio"
    save_project(path, trained_project(), spiral_weights())
    doc = read_doc(path)
    blob = safetensors.numpy.save(arrays)
    (tmp_path / "h.safetensors").write_bytes(blob)
    import hashlib

    doc["runs"][0]["history_file"] = {"path": "h.safetensors",
                                      "sha256": hashlib.sha256(blob).hexdigest()}
    with pytest.raises(ProjectError) as caught:
        load_project(write_doc(path, doc))
    assert str(caught.value).startswith('p.nnstudio: runs[0].history_file.path: "h.safetensors": ')
    assert expected in str(caught.value)


def test_a_run_has_its_history_in_the_json_or_in_a_file_not_both(tmp_path):
    path = tmp_path / "p.nnstudio"
    save_project(path, trained_project(), spiral_weights())
    doc = read_doc(path)
    doc["runs"][0]["history"] = {"loss": [1.0]}
    with pytest.raises(ProjectError, match=r"runs\[0\]\.history_file: a run keeps its history"):
        load_project(write_doc(path, doc))


def test_seven_runs_of_500_epochs_leave_a_small_json(tmp_path):
    project = trained_project(epochs=500, runs=7)
    path = tmp_path / "p.nnstudio"
    save_project(path, project, spiral_weights())
    assert len(path.read_bytes()) <= 64 * 1024
    assert load_project(path).project.runs[6].history == project.runs[6].history


def test_a_removed_run_takes_its_history_file_with_it(tmp_path):
    path = tmp_path / "p.nnstudio"
    project = trained_project()
    save_project(path, project, spiral_weights())
    first = read_doc(path)["runs"][0]["history_file"]["path"]
    project.runs.pop(0)
    save_project(path, project, spiral_weights(), source_path=path)
    assert not (tmp_path / first).exists()
    assert (tmp_path / read_doc(path)["runs"][0]["history_file"]["path"]).exists()


# ---- lineage in words and curves (nnstudio.core.history) ----------------------------------------

def lineage_runs() -> list[RunRecord]:
    network = example_project("spiral").network
    return [RunRecord("run_1", "Baseline", history={"loss": [5.0, 4.0, 3.5]}, network=network),
            RunRecord("run_2", "", history={"loss": [3.0, 2.0]}, network=network,
                      parent=WeightsOrigin("run_1", 2), changes=("epochs 3 → 2",)),
            RunRecord("run_3", "Longer", history={"loss": [1.0]}, network=network,
                      parent=WeightsOrigin("run_2", 2, inferred=True))]


def test_lineage_history_follows_parents_up_to_the_epoch_each_child_started_from():
    runs = lineage_runs()
    assert lineage_history(runs, WeightsOrigin("run_3", 1))["loss"] == [5.0, 4.0, 3.0, 2.0, 1.0]
    assert lineage_history(runs, WeightsOrigin("run_2", 1))["loss"] == [5.0, 4.0, 3.0]
    assert lineage_history(runs, WeightsOrigin("run_1", 3))["loss"] == [5.0, 4.0, 3.5]
    assert lineage_history(runs, None) == {} and lineage_history(runs, WeightsOrigin("x", 1)) == {}
    looped = [dataclasses.replace(runs[0], parent=WeightsOrigin("run_2", 2)), runs[1]]
    assert lineage_history(looped, WeightsOrigin("run_2", 2))["loss"] == [5.0, 4.0, 3.0, 2.0]


def test_lineage_is_said_with_run_names_and_says_when_it_was_inferred():
    runs = lineage_runs()
    assert origin_text(WeightsOrigin("run_1", 2), runs) == "Baseline, epoch 2"
    assert origin_text(WeightsOrigin("run_2", 2), runs) == "run_2, epoch 2"  # no name yet
    assert origin_text(WeightsOrigin("run_9", 4), runs) == "a deleted run (run_9), epoch 4"
    assert lineage_changes(runs[1], runs) == "continued from Baseline, epoch 2; epochs 3 → 2"
    assert lineage_changes(runs[2], runs) == (
        "continued from run_2, epoch 2 (inferred from an older project file)")
    assert run_rows(runs)[1][1][3] == "continued from Baseline, epoch 2; epochs 3 → 2"
    assert origin_text(WeightsOrigin("run_1", 2, edited=True), runs) == (
        "Baseline, epoch 2, then edited by hand")


def test_histories_join_column_by_column_padding_what_one_side_lacks():
    joined = join_histories({"loss": [3.0, 2.0], "lr": [0.1, 0.1]},
                            {"loss": [1.0], "val_loss": [1.5]})
    assert joined["loss"] == [3.0, 2.0, 1.0]
    assert joined["lr"][:2] == [0.1, 0.1] and math.isnan(joined["lr"][2])
    assert all(math.isnan(v) for v in joined["val_loss"][:2]) and joined["val_loss"][2] == 1.5
    assert join_histories({}, {"loss": [1.0]}) == {"loss": [1.0]}


def test_a_run_s_final_weights_are_from_its_last_epoch_unless_early_stopping_put_back_another():
    run = lineage_runs()[0]
    assert run.final_origin == WeightsOrigin("run_1", 3)
    assert dataclasses.replace(run, weights_epoch=2).final_origin == WeightsOrigin("run_1", 2)
    assert dataclasses.replace(run, history={}).final_origin is None
