"""A run's timeline: which epochs it keeps (few, log-spaced, bounded), and how they are saved
beside the project and read back, checked."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from nnstudio.core.errors import ProjectError
from nnstudio.core.examples import example_project
from nnstudio.core.project import (
    MAX_EPOCHS, RunRecord, load_project, load_run_snapshot, load_run_timeline, save_project,
)
from nnstudio.core.network import chain
from nnstudio.core.timeline import MAX_SNAPSHOTS, is_kept, kept_epochs, nearest_epoch

NETWORK = chain(("input", {"shape": (2,)}), ("dense", {"units": 3, "activation": "sigmoid"}))


def small_project(runs: int = 1, epochs: int = 1):
    """A project of a 2 -> 3 network with `runs` runs of `epochs` epochs, and weights for it
    (no torch: core tests run where it is not installed)."""
    project = example_project("spiral")
    project = dataclasses.replace(project, network=NETWORK, runs=[
        RunRecord(f"run_{i + 1}", name=f"Run {i + 1}", network=NETWORK,
                  history={"loss": [1.0] * epochs}) for i in range(runs)])
    weights = {"dense_1.weight": np.arange(6, dtype=np.float32).reshape(3, 2),
               "dense_1.bias": np.ones(3, np.float32)}
    return project, weights


def test_kept_epochs_are_fibonacci_numbers_and_the_last():
    assert kept_epochs(1) == (1,)
    assert kept_epochs(4) == (1, 2, 3, 4)
    assert kept_epochs(13) == (1, 2, 3, 5, 8, 13)
    assert kept_epochs(100) == (1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 100)
    assert kept_epochs(0) == ()


@pytest.mark.parametrize("epochs", [1, 7, 500, 10_000, MAX_EPOCHS])
def test_a_run_keeps_a_bounded_number_of_snapshots_whatever_its_length(epochs):
    kept = kept_epochs(epochs)
    assert len(kept) <= 25 <= MAX_SNAPSHOTS - 1  # and one more: a best epoch put back
    assert kept[0] == 1 and kept[-1] == epochs and list(kept) == sorted(set(kept))
    assert [e for e in range(1, min(epochs, 3000) + 1) if is_kept(e, epochs)] == \
        [e for e in kept if e <= 3000]


def test_nearest_epoch_takes_the_closest_kept_one_and_the_earlier_on_a_tie():
    assert nearest_epoch((1, 2, 3, 5, 8), 4) == 3
    assert nearest_epoch((1, 2, 3, 5, 8), 7) == 8
    assert nearest_epoch((1, 2, 3, 5, 8), 1000) == 8
    assert nearest_epoch((5,), 1) == 5




def test_a_timeline_is_saved_by_checksum_and_read_back_exactly(tmp_path):
    project, base = small_project(epochs=5)
    snapshots = {e: {k: v + e for k, v in base.items()} for e in (1, 2, 3, 5)}
    path = tmp_path / "s.nnstudio"
    saved = save_project(path, project, run_weights={"run_1": snapshots[5]},
                         run_timelines={"run_1": snapshots})
    ref = saved.runs[0].timeline
    assert ref.epochs == (1, 2, 3, 5)
    assert ref.path.startswith("s.runs/run_1.timeline.") and ref.sha256[:16] in ref.path
    loaded = load_project(path)
    record = loaded.project.runs[0]
    assert record.timeline == ref and record.snapshot_epochs == (1, 2, 3, 5)
    read = load_run_timeline(path, record)
    for epoch, weights in snapshots.items():
        for key, array in weights.items():
            np.testing.assert_array_equal(read[epoch][key], array)
    np.testing.assert_array_equal(load_run_snapshot(path, record, 3)["dense_1.bias"],
                                  snapshots[3]["dense_1.bias"])
    np.testing.assert_array_equal(load_run_snapshot(path, record, 5)["dense_1.bias"],
                                  snapshots[5]["dense_1.bias"])  # the run's final weights
    with pytest.raises(ProjectError, match="kept no weights at epoch 4"):
        load_run_snapshot(path, record, 4)
    # Saved again (as the window does after each change), the file stays; moved, it follows.
    save_project(path, loaded.project, source_path=path)
    assert (tmp_path / ref.path).is_file()
    moved = tmp_path / "other" / "m.nnstudio"
    moved.parent.mkdir()
    again = save_project(moved, loaded.project, source_path=path)
    assert again.runs[0].timeline.path.startswith("m.runs/run_1.timeline.")
    assert load_run_timeline(moved, load_project(moved).project.runs[0]).keys() == {1, 2, 3, 5}
    # A deleted run's timeline file goes at the next save.
    save_project(path, dataclasses.replace(loaded.project, runs=[]), source_path=path)
    assert not (tmp_path / ref.path).exists()


def test_an_old_run_without_a_timeline_offers_only_its_final_weights(tmp_path):
    project, weights = small_project(epochs=7)
    path = tmp_path / "old.nnstudio"
    save_project(path, project, run_weights={"run_1": weights})
    record = load_project(path).project.runs[0]
    assert record.timeline is None and record.snapshot_epochs == (7,)
    assert "timeline" not in json.loads(path.read_text())["runs"][0]
    assert load_run_timeline(path, record) == {}
    np.testing.assert_array_equal(load_run_snapshot(path, record, 7)["dense_1.weight"],
                                  weights["dense_1.weight"])


@pytest.mark.parametrize("value, message", [
    ({"path": "s.runs/a.safetensors", "sha256": "0" * 64, "epochs": []}, "1 to"),
    ({"path": "s.runs/a.safetensors", "sha256": "0" * 64, "epochs": [3, 2]}, "must increase"),
    ({"path": "s.runs/a.safetensors", "sha256": "0" * 64, "epochs": [0]}, "epochs\\[0\\]"),
    ({"path": "s.runs/a.safetensors", "sha256": "0" * 64}, "epochs"),
    ({"path": "../a.safetensors", "sha256": "0" * 64, "epochs": [1]}, "timeline.path"),
])
def test_a_malformed_timeline_is_refused_naming_the_field(tmp_path, value, message):
    project, _ = small_project()
    path = tmp_path / "s.nnstudio"
    save_project(path, project)
    document = json.loads(path.read_text())
    document["runs"][0]["timeline"] = value
    path.write_text(json.dumps(document))
    with pytest.raises(ProjectError, match=f"runs\\[0\\]\\.timeline.*{message}|{message}"):
        load_project(path)


def test_a_changed_timeline_file_is_refused_when_read(tmp_path):
    project, weights = small_project()
    path = tmp_path / "s.nnstudio"
    saved = save_project(path, project, run_timelines={"run_1": {1: weights}})
    (tmp_path / saved.runs[0].timeline.path).write_bytes(b"not the same")
    with pytest.raises(ProjectError, match="timeline.*sha256"):
        load_run_timeline(path, load_project(path).project.runs[0])
