"""Project files: round trips, atomic saves, weights beside the JSON, and a loader that lets only
ProjectError out, with a message that names the file and the field."""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nnstudio.core.project as project_module
from nnstudio.core.config import TrainingConfig
from nnstudio.core.errors import ProjectError
from nnstudio.core.examples import EXAMPLES, example_project
from nnstudio.core.migrations import FORMAT_VERSION
from nnstudio.core.project import (
    DataConfig,
    DataSource,
    LoadedProject,
    Project,
    RunRecord,
    dumps_document,
    file_sha256,
    load_project,
    load_project_bytes,
    load_run_weights,
    project_document,
    project_from_document,
    project_relative_path,
    resolve_project_path,
    save_project,
)

EXAMPLES_FOLDER = Path(__file__).resolve().parents[2] / "examples"


# ---- helpers -------------------------------------------------------------------------------------

def spiral_weights(scale: float = 1.0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(int(scale * 10))
    return {
        "dense_1.weight": (rng.standard_normal((8, 2)) * scale).astype(np.float32),
        "dense_1.bias": np.zeros(8, np.float32),
        "dense_2.weight": rng.standard_normal((8, 8)).astype(np.float32),
        "dense_2.bias": np.zeros(8, np.float32),
        "dense_3.weight": rng.standard_normal((1, 8)).astype(np.float32),
        "dense_3.bias": np.array([0.25], np.float32),
    }


def a_run(project: Project, run_id: str = "run_1", **changes) -> RunRecord:
    fields = dict(
        id=run_id, name="first try", note="lr 0.03", created="2025-06-01T12:00:00Z", seed=7,
        device="cpu", versions={"nnstudio": "0.1.0", "torch": "2.13.0"}, config=project.training,
        changes=("first run",), history={"loss": [0.7, 0.5, 0.1 + 0.2], "val_accuracy": [0.5, 0.75, 1.0]},
        final_metrics={"test_accuracy": 0.96, "test_loss": 0.125}, network=project.network,
        data=project.data)
    fields.update(changes)
    return RunRecord(**fields)


def full_project() -> Project:
    """The spiral example with two runs: a project that uses every part of the format."""
    project = example_project("spiral")
    project.runs.append(a_run(project, "run_1"))
    project.runs.append(a_run(project, "run_2", history={"loss": [float("nan")]},
                              final_metrics={"test_loss": float("inf")}))
    return project


def save_full(folder: Path, name: str = "spiral.nnstudio") -> Path:
    path = folder / name
    save_project(path, full_project(), spiral_weights(), {"run_1": spiral_weights(2.0)})
    return path


def read_doc(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write_doc(path: Path, doc) -> Path:
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(ProjectError) as caught:
        load_project(path)
    message = str(caught.value)
    assert message.startswith(f"{path.name}: "), message
    return message


def files_in(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


# ---- round trips ---------------------------------------------------------------------------------

@pytest.mark.parametrize("key", list(EXAMPLES))
def test_every_example_file_round_trips_to_the_same_network_and_byte_identical_json(key, tmp_path):
    first = load_project(EXAMPLES_FOLDER / f"{key}.nnstudio")
    save_project(tmp_path / "a.nnstudio", first.project, first.weights)
    second = load_project(tmp_path / "a.nnstudio")
    assert second.project.network.to_dict() == first.project.network.to_dict()
    assert second.project.to_dict() == first.project.to_dict()
    save_project(tmp_path / "b.nnstudio", second.project, second.weights)
    assert (tmp_path / "b.nnstudio").read_bytes() == (tmp_path / "a.nnstudio").read_bytes()
    assert (tmp_path / "a.nnstudio").read_bytes() == (EXAMPLES_FOLDER / f"{key}.nnstudio").read_bytes()


def test_a_project_with_weights_and_runs_round_trips_exactly(tmp_path):
    path = save_full(tmp_path)
    loaded = load_project(path)
    assert isinstance(loaded, LoadedProject) and loaded.path == path
    assert loaded.format_version == FORMAT_VERSION and loaded.app_version
    assert loaded.project.to_dict()["runs"][0] == {
        **a_run(full_project()).to_dict(), "weights": loaded.project.runs[0].weights.to_dict()}
    for name, array in spiral_weights().items():
        assert loaded.weights[name].dtype == array.dtype
        np.testing.assert_array_equal(loaded.weights[name], array)
    for name, array in spiral_weights(2.0).items():
        np.testing.assert_array_equal(loaded.run_weights("run_1")[name], array)
    before = path.read_bytes()
    save_project(path, loaded.project, loaded.weights)
    assert path.read_bytes() == before


def test_a_run_says_which_training_path_ran_and_older_runs_read_as_torch(tmp_path):
    project = example_project("spiral")
    project.runs = [a_run(project, "run_1"), a_run(project, "run_2", training_path="fast")]
    path = tmp_path / "p.nnstudio"
    save_project(path, project)
    written = [run.get("training_path") for run in read_doc(path)["runs"]]
    assert written == [None, "fast"]  # the default is not written: older files stay as they were
    assert [r.training_path for r in load_project(path).project.runs] == ["torch", "fast"]


def test_the_document_is_sorted_indented_utf8_with_a_final_newline(tmp_path):
    project = example_project("spiral")
    project.name = "Spirale – Zürich ✓"
    path = tmp_path / "s.nnstudio"
    save_project(path, project)
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    assert raw.endswith(b"}\n") and not raw.endswith(b"\n\n")
    assert "Spirale – Zürich ✓" in text  # readable, not \u escapes
    assert text.splitlines()[1].startswith('  "app_version"')
    doc = json.loads(text)
    assert text == json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert (doc["format"], doc["format_version"], doc["weights"]) == ("nnstudio-project", FORMAT_VERSION, None)


def test_floats_are_written_so_they_read_back_to_the_same_bits(tmp_path):
    rng = random.Random(3)
    values = [0.1 + 0.2, 1e-300, 5e-324, 123456789.123456789, 1 / 3, 2.0 ** 60, -0.0]
    values += [rng.uniform(-1e6, 1e6) for _ in range(200)]
    values += [rng.random() * 10 ** rng.randint(-300, 300) for _ in range(200)]
    project = example_project("spiral")
    project.runs.append(a_run(project, history={"loss": values}, final_metrics={"x": values[0]}))
    path = tmp_path / "f.nnstudio"
    save_project(path, project)
    run = load_project(path).project.runs[0]
    assert [v.hex() for v in run.history["loss"]] == [float(v).hex() for v in values]
    assert run.final_metrics == {"x": 0.1 + 0.2}


def test_metrics_that_are_not_numbers_are_stored_as_null_and_read_back_as_nan(tmp_path):
    path = save_full(tmp_path)
    assert read_doc(path)["runs"][1]["final_metrics"] == {"test_loss": None}
    run = load_project(path).project.runs[1]
    assert math.isnan(run.history["loss"][0]) and math.isnan(run.final_metrics["test_loss"])


def test_a_minimal_hand_written_project_loads_with_every_default_filled_in(tmp_path):
    doc = {"format": "nnstudio-project", "format_version": 1,
           "network": {"nodes": [{"id": "input_1", "type": "input"}]}}
    loaded = load_project(write_doc(tmp_path / "min.nnstudio", doc))
    project = loaded.project
    assert (project.name, project.notes, project.runs, loaded.weights) == ("Untitled", "", [], None)
    assert project.training == TrainingConfig()
    assert project.data == DataConfig()
    assert project.data.source.params == {"n_samples": 500, "noise": 0.0}


def test_a_file_data_source_round_trips_with_its_path_checksum_format_and_options(tmp_path):
    (tmp_path / "data").mkdir()
    csv = tmp_path / "data" / "points.csv"
    csv.write_text("x,y\n1,0\n")
    project = example_project("empty")
    project.data = DataConfig(DataSource(
        kind="file", path=project_relative_path(tmp_path / "p.nnstudio", csv),
        sha256=file_sha256(csv), format="csv",
        options={"target": "y", "features": ["x"], "header": True, "missing": "mean"}))
    save_project(tmp_path / "p.nnstudio", project)
    source = load_project(tmp_path / "p.nnstudio").project.data.source
    assert source == project.data.source and source.path == "data/points.csv"
    assert read_doc(tmp_path / "p.nnstudio")["data"]["source"] == {
        "kind": "file", "path": "data/points.csv", "sha256": hashlib.sha256(b"x,y\n1,0\n").hexdigest(),
        "format": "csv", "options": {"target": "y", "features": ["x"], "header": True, "missing": "mean"}}


def test_builtin_source_fills_defaults_and_refuses_bad_parameters():
    assert DataSource.builtin("moons").params == {"n_samples": 500, "noise": 0.0}
    assert DataSource.builtin("digits").params == {}
    with pytest.raises(Exception, match=r"data\.source\.params\.noise: must be a number from 0 to 1"):
        DataSource.builtin("moons", {"noise": 3})


def test_next_run_id_is_fresh_and_run_finds_a_record():
    project = full_project()
    assert project.next_run_id() == "run_3"
    assert project.run("run_2").id == "run_2"
    with pytest.raises(KeyError):
        project.run("run_9")


# ---- weights files -------------------------------------------------------------------------------

def test_weights_live_beside_the_project_named_by_their_checksum(tmp_path):
    path = save_full(tmp_path)
    doc = read_doc(path)
    current, run = doc["weights"], doc["runs"][0]["weights"]
    assert current["path"] == f"spiral.weights.{current['sha256'][:16]}.safetensors"
    assert run["path"] == f"spiral.runs/run_1.{run['sha256'][:16]}.safetensors"
    assert doc["runs"][1]["weights"] is None
    histories = [doc["runs"][i]["history_file"]["path"] for i in (0, 1)]
    assert histories[0] == f"spiral.runs/run_1.history.{doc['runs'][0]['history_file']['sha256'][:16]}.safetensors"
    assert files_in(tmp_path) == sorted(["spiral.nnstudio", current["path"], run["path"],
                                         *histories])
    assert file_sha256(tmp_path / current["path"]) == current["sha256"]


def test_save_returns_the_project_with_its_runs_pointing_to_their_weights(tmp_path):
    saved = save_project(tmp_path / "s.nnstudio", full_project(), None, {"run_2": spiral_weights()})
    assert saved.runs[0].weights is None
    assert saved.runs[1].weights.path.startswith("s.runs/run_2.")
    assert saved.runs[1].weights == load_project(tmp_path / "s.nnstudio").project.runs[1].weights


def test_new_weights_replace_the_old_file_only_after_the_json_points_to_them(tmp_path):
    path = save_full(tmp_path)
    old = read_doc(path)["weights"]["path"]
    loaded = load_project(path)
    save_project(path, loaded.project, spiral_weights(3.0))
    new = read_doc(path)["weights"]["path"]
    assert new != old and not (tmp_path / old).exists() and (tmp_path / new).exists()
    np.testing.assert_array_equal(load_project(path).weights["dense_1.weight"],
                                  spiral_weights(3.0)["dense_1.weight"])


def test_a_run_removed_from_the_history_takes_its_weights_file_with_it(tmp_path):
    path = save_full(tmp_path)
    loaded = load_project(path)
    run_file = tmp_path / loaded.project.runs[0].weights.path
    assert run_file.exists()
    del loaded.project.runs[0]
    save_project(path, loaded.project, loaded.weights)
    assert not run_file.exists()
    assert [f.name for f in (tmp_path / "spiral.runs").iterdir()] == [
        read_doc(path)["runs"][0]["history_file"]["path"].split("/")[1]]  # run_2's history
    assert [r.id for r in load_project(path).project.runs] == ["run_2"]
    del loaded.project.runs[0]
    save_project(path, loaded.project, loaded.weights)
    assert not (tmp_path / "spiral.runs").exists()


def test_cleanup_never_touches_files_the_project_did_not_write(tmp_path):
    path = save_full(tmp_path)
    others = ["spiral.weights.safetensors", "notes.txt", "spiral.runs/mine.safetensors",
              "other.weights.0123456789abcdef.safetensors"]
    for name in others:
        (tmp_path / name).write_bytes(b"keep me")
    save_project(path, load_project(path).project, None)
    for name in others:
        assert (tmp_path / name).read_bytes() == b"keep me"


def test_save_as_elsewhere_copies_run_weights_from_the_source_project(tmp_path):
    (tmp_path / "old").mkdir()
    path = save_full(tmp_path / "old")
    loaded = load_project(path)
    target = tmp_path / "new" / "copy.nnstudio"
    target.parent.mkdir()
    saved = save_project(target, loaded.project, loaded.weights, source_path=path)
    assert saved.runs[0].weights.path.startswith("copy.runs/run_1.")
    copy_loaded = load_project(target)
    np.testing.assert_array_equal(copy_loaded.run_weights("run_1")["dense_1.weight"],
                                  spiral_weights(2.0)["dense_1.weight"])
    assert load_project(path).project.runs[0].weights.path.startswith("spiral.runs/")


def test_save_as_in_the_same_folder_gives_the_copy_its_own_weights_files(tmp_path):
    path = save_full(tmp_path)
    loaded = load_project(path)
    save_project(tmp_path / "twin.nnstudio", loaded.project, loaded.weights, source_path=path)
    twin = read_doc(tmp_path / "twin.nnstudio")
    assert twin["runs"][0]["weights"]["path"].startswith("twin.runs/")
    assert twin["weights"]["path"].startswith("twin.weights.")
    # Deleting the original's runs must not break the twin.
    del loaded.project.runs[:]
    save_project(path, loaded.project, None)
    assert load_project(tmp_path / "twin.nnstudio").run_weights("run_1")


def test_saving_elsewhere_without_the_source_names_the_missing_run_weights(tmp_path):
    path = save_full(tmp_path)
    other = tmp_path / "sub"
    other.mkdir()
    with pytest.raises(ProjectError, match=r"^x\.nnstudio: runs\[0\]\.weights\.path: the weights file "
                                           r'"spiral\.runs/run_1\.[0-9a-f]{16}\.safetensors" is missing'):
        save_project(other / "x.nnstudio", load_project(path).project)
    assert not (other / "x.nnstudio").exists()


def test_save_refuses_weights_of_unknown_nodes_and_runs_and_non_arrays(tmp_path):
    path = tmp_path / "s.nnstudio"
    with pytest.raises(ProjectError, match=r'^s\.nnstudio: cannot save weights: tensor "conv_9\.weight" '
                                           r"belongs to no node"):
        save_project(path, example_project("spiral"), {"conv_9.weight": np.ones(2)})
    with pytest.raises(ProjectError, match=r'cannot save weights of run "run_5": no such run'):
        save_project(path, example_project("spiral"), None, {"run_5": spiral_weights()})
    with pytest.raises(ProjectError, match=r"cannot save weights: must map tensor names to numpy"):
        save_project(path, example_project("spiral"), {"dense_1.weight": [1.0, 2.0]})
    with pytest.raises(ProjectError, match=r'tensor "dense_1\.weight" holds object'):
        save_project(path, example_project("spiral"), {"dense_1.weight": np.array([None])})
    assert files_in(tmp_path) == []


def test_save_refuses_a_project_it_could_not_read_back(tmp_path):
    project = example_project("spiral")
    project.name = "broken \ud800"
    with pytest.raises(ProjectError, match=r"^s\.nnstudio: cannot save: name: holds a broken character"):
        save_project(tmp_path / "s.nnstudio", project)
    project = example_project("spiral")
    project.runs += [a_run(project), a_run(project)]
    with pytest.raises(ProjectError, match=r'cannot save: runs\[1\]\.id: "run_1" is used twice'):
        save_project(tmp_path / "s.nnstudio", project)
    assert files_in(tmp_path) == []


def test_load_run_weights_says_when_a_run_kept_none(tmp_path):
    path = save_full(tmp_path)
    loaded = load_project(path)
    with pytest.raises(ProjectError, match=r'^spiral\.nnstudio: run "run_2" kept no weights'):
        load_run_weights(path, loaded.project.runs[1])


# ---- atomic saves --------------------------------------------------------------------------------

def fail_replacing(monkeypatch, suffix: str) -> list[str]:
    """Make os.replace fail for targets ending with `suffix`; returns the targets attempted."""
    real_replace = os.replace
    attempts: list[str] = []

    def replace(source, target):
        attempts.append(str(target))
        if str(target).endswith(suffix):
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    return attempts


def test_a_failure_while_writing_the_json_keeps_the_previous_project_whole(tmp_path, monkeypatch):
    path = save_full(tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in files_in(tmp_path)}
    loaded = load_project(path)
    loaded.project.name = "changed"
    attempts = fail_replacing(monkeypatch, ".nnstudio")
    with pytest.raises(ProjectError, match=r"^spiral\.nnstudio: cannot save \(No space left on "
                                           r"device\); the previous file is unchanged$"):
        save_project(path, loaded.project, spiral_weights(5.0))
    assert attempts[0].endswith(".safetensors") and attempts[-1].endswith("spiral.nnstudio")
    monkeypatch.undo()
    for name, data in before.items():  # the old JSON and every file it names are intact
        assert (tmp_path / name).read_bytes() == data
    assert not [n for n in files_in(tmp_path) if n.endswith(".tmp")]
    again = load_project(path)
    assert again.project.name == "Spiral"
    np.testing.assert_array_equal(again.weights["dense_1.weight"], spiral_weights()["dense_1.weight"])
    # The weights written before the failure are an orphan; the next good save removes it.
    assert len(files_in(tmp_path)) == len(before) + 1
    save_project(path, again.project, again.weights)
    assert sorted(files_in(tmp_path)) == sorted(before)


def test_a_failure_while_writing_weights_leaves_the_previous_files_untouched(tmp_path, monkeypatch):
    path = save_full(tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in files_in(tmp_path)}
    fail_replacing(monkeypatch, ".safetensors")
    with pytest.raises(ProjectError, match="the previous file is unchanged"):
        save_project(path, load_project(path).project, spiral_weights(5.0))
    monkeypatch.undo()
    assert {name: (tmp_path / name).read_bytes() for name in files_in(tmp_path)} == before


def test_an_interrupted_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    real_fsync = os.fsync

    def interrupted(handle):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_project(tmp_path / "s.nnstudio", example_project("spiral"))
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert files_in(tmp_path) == []


def test_saving_keeps_the_permissions_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "s.nnstudio"
    save_project(path, example_project("spiral"))
    assert path.stat().st_mode & 0o777 == 0o644
    path.chmod(0o600)
    project = example_project("spiral")
    project.notes = "changed"
    save_project(path, project)
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_folder_that_cannot_hold_the_project_is_a_project_error(tmp_path):
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ProjectError, match=r"^s\.nnstudio: cannot save \(.+\); the previous file is "):
        save_project(tmp_path / "file.txt" / "s.nnstudio", example_project("spiral"))
    (tmp_path / "taken.nnstudio").mkdir()
    with pytest.raises(ProjectError, match=r"^taken\.nnstudio: cannot save"):
        save_project(tmp_path / "taken.nnstudio", example_project("spiral"))


# ---- every error names the file and the field ----------------------------------------------------

def example_doc(key: str = "digits_cnn") -> dict:
    return read_doc(EXAMPLES_FOLDER / f"{key}.nnstudio")


def test_the_issues_example_message_for_a_bad_kernel(tmp_path):
    doc = example_doc()
    doc["network"]["nodes"][3]["params"]["kernel"] = "x"
    message = load_error(write_doc(tmp_path / "spiral.nnstudio", doc))
    assert message == ('spiral.nnstudio: network.nodes[3].params.kernel: must be an integer '
                       'from 1 to 15, got "x"')


def test_a_newer_format_says_so_and_what_this_version_reads(tmp_path):
    doc = example_doc()
    doc["format_version"] = FORMAT_VERSION + 1
    assert load_error(write_doc(tmp_path / "p.nnstudio", doc)) == (
        f"p.nnstudio: made by a newer NN Studio (format {FORMAT_VERSION + 1}); this one reads "
        f"up to {FORMAT_VERSION}. "
        "Update NN Studio to open it.")


def test_text_that_is_not_json_gives_the_line_and_column(tmp_path):
    path = tmp_path / "p.nnstudio"
    path.write_text('{\n  "format": "nnstudio-project",\n  "name": oops\n}\n')
    assert load_error(path) == "p.nnstudio: line 3 column 11: not valid JSON (Expecting value)"


def test_bytes_that_are_not_utf8_give_the_line_and_column(tmp_path):
    path = tmp_path / "p.nnstudio"
    path.write_bytes(b'{\n  "name": "caf\xe9"\n}\n')
    assert load_error(path) == ("p.nnstudio: line 2 column 15: not UTF-8 text; is this really an "
                                "NN Studio project?")


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "p.nnstudio"
    path.write_bytes(b"\xef\xbb\xbf" + (EXAMPLES_FOLDER / "spiral.nnstudio").read_bytes())
    assert load_project(path).project.name == "Spiral"


MUTATIONS = [
    (lambda d: [1, 2], 'not an NN Studio project: the file holds a list, not a JSON object'),
    (lambda d: "project", 'not an NN Studio project: the file holds "project", not a JSON object'),
    (lambda d: d.update(format="keras"),
     'format: not an NN Studio project (expected "nnstudio-project", got "keras")'),
    (lambda d: d.__delitem__("format"),
     'format: not an NN Studio project (expected "nnstudio-project", got null)'),
    (lambda d: d.update(format_version="1"), 'format_version: must be a whole number, got "1"'),
    (lambda d: d.update(format_version=1.5), "format_version: must be a whole number, got 1.5"),
    (lambda d: d.update(format_version=0), "format_version: format 0 is too old to open"),
    (lambda d: d.update(extra=1), "extra: unknown field (allowed: "),
    (lambda d: d.__delitem__("network"), "network: missing"),
    (lambda d: d.update(name=5), "name: must be a text, got 5"),
    (lambda d: d.update(notes=["a"]), "notes: must be a text, got a list"),
    (lambda d: d.update(name="x" * 201), "name: must be at most 200 characters, got 201"),
    (lambda d: d["network"]["nodes"][1].update(type="transformer"),
     'network.nodes[1].type: unknown layer type "transformer"'),
    (lambda d: d["network"]["nodes"][3]["params"].update(kernel=99),
     "network.nodes[3].params.kernel: must be an integer from 1 to 15, got 99"),
    (lambda d: d["network"]["nodes"][1]["params"].update(activation="swish"),
     'network.nodes[1].params.activation: must be one of'),
    (lambda d: d["network"]["nodes"][2].update(inputs=["nowhere"]),
     'network.nodes[2].inputs: no node has the id "nowhere"'),
    (lambda d: d["training"].update(learning_rate="fast"),
     'training.learning_rate: must be a number from 1e-06 to 10, got "fast"'),
    (lambda d: d["training"].update(epochs=10 ** 30),
     "training.epochs: must be an integer from 1 to 100000, got 1e+30"),
    (lambda d: d["training"].update(warp=9), "training.warp: unknown setting"),
    (lambda d: d.update(training=[]), "training: must be an object of settings, got a list"),
    (lambda d: d["data"].update(test=0.9), "data.test: validation and test add up to 1.1"),
    (lambda d: d["data"].update(validation=-0.1),
     "data.validation: must be a fraction from 0 up to (not including) 1, got -0.1"),
    (lambda d: d["data"].update(preprocessing="whiten"),
     'data.preprocessing: must be one of none, standardize, minmax, got "whiten"'),
    (lambda d: d["data"].update(split_seed=-1),
     "data.split_seed: must be a whole number from 0 to 2147483647, got -1"),
    (lambda d: d["data"]["source"].update(kind="url"),
     'data.source.kind: must be one of "builtin", "file", "drawn", got "url"'),
    (lambda d: d["data"]["source"].update(name="imagenet"),
     'data.source.name: unknown built-in dataset "imagenet"; choose one of circle,'),
    (lambda d: d["data"].update(source={"kind": "builtin", "name": "moons", "params": {"noise": 5}}),
     "data.source.params.noise: must be a number from 0 to 1, got 5"),
    (lambda d: d["data"].update(source={"kind": "builtin", "name": "moons", "params": {"bend": 1}}),
     "data.source.params.bend: unknown setting"),
    (lambda d: d["data"].update(source={"kind": "file", "path": "../x.csv", "sha256": "0" * 64,
                                        "format": "csv"}),
     'data.source.path: "../x.csv" leaves the project\'s folder'),
    (lambda d: d["data"].update(source={"kind": "file", "path": "x.csv", "sha256": "abc",
                                        "format": "csv"}),
     'data.source.sha256: must be a sha256 checksum (64 lowercase hex digits), got "abc"'),
    (lambda d: d["data"].update(source={"kind": "file", "path": "x.csv", "sha256": "0" * 64,
                                        "format": "Exe!"}),
     'data.source.format: must be an importer name like "csv", got "Exe!"'),
    (lambda d: d["data"].update(source={"kind": "file", "path": "x.csv", "sha256": "0" * 64,
                                        "format": "csv", "options": {"a": {"b": 1}}}),
     "data.source.options.a: must be a text, number, true/false or null, or a list of them"),
    (lambda d: d.update(runs={}), "runs: must be a list of runs, got a dict"),
    (lambda d: d.update(runs=[{"id": "bad id!", "network": d["network"]}]),
     'runs[0].id: must be 1 to 40 letters, digits, _ or -, got "bad id!"'),
    (lambda d: d.update(runs=[{"id": "r1"}]), "runs[0].network: missing"),
    (lambda d: d.update(runs=[{"id": "r1", "network": d["network"], "history": {"loss": [0.5, "x"]}}]),
     'runs[0].history.loss[1]: must be a number or null, got "x"'),
    (lambda d: d.update(runs=[{"id": "r1", "network": d["network"], "created": "yesterday"}]),
     'runs[0].created: must be a date and time like "2025-06-01T12:00:00Z", got "yesterday"'),
    (lambda d: d.update(runs=[{"id": "r1", "network": d["network"], "created": "2025-13-45T00:00:00Z"}]),
     'runs[0].created: must be a date and time'),
    (lambda d: d.update(runs=[{"id": "r1", "network": d["network"], "device": "GPU please"}]),
     'runs[0].device: must be a device name like "cpu" or "cuda:0", got "GPU please"'),
    (lambda d: d.update(runs=[{"id": "r1", "network": d["network"], "config": {"epochs": 0}}]),
     "runs[0].config.epochs: must be an integer from 1 to 100000, got 0"),
    (lambda d: d.update(runs=[{"id": "r1", "network": d["network"],
                               "data": {"source": {"kind": "builtin", "name": "nope"}}}]),
     'runs[0].data.source.name: unknown built-in dataset "nope"'),
    (lambda d: d.update(runs=[{"id": "r1", "network": {"nodes": [{"id": "x", "type": "y"}]}}]),
     'runs[0].network.nodes[0].type: unknown layer type "y"'),
    (lambda d: d.update(runs=[{"id": "r1", "network": d["network"], "final_metrics": {"1x": 1}}]),
     'runs[0].final_metrics: "1x" is not a metric name like "val_loss"'),
    (lambda d: d.update(runs=[{"id": "r1", "network": d["network"], "versions": {"torch": 2}}]),
     "runs[0].versions.torch: must be a text, got 2"),
    (lambda d: d.update(runs=[{"id": "r1", "network": d["network"], "training_path": "gpu"}]),
     'runs[0].training_path: must be "torch" or "fast", got "gpu"'),
    (lambda d: d.update(weights="model.pt"), 'weights: must be an object, got "model.pt"'),
    (lambda d: d.update(weights={"path": "w.pt", "sha256": "0" * 64}),
     'weights.path: must name a .safetensors file, got "w.pt"'),
    (lambda d: d.update(weights={"path": "/etc/w.safetensors", "sha256": "0" * 64}),
     'weights.path: "/etc/w.safetensors" is an absolute path; it must be relative'),
    (lambda d: d.update(weights={"path": "C:/w.safetensors", "sha256": "0" * 64}),
     'weights.path: "C:/w.safetensors" is an absolute path'),
    (lambda d: d.update(weights={"path": "..\\w.safetensors", "sha256": "0" * 64}),
     'weights.path: "..\\w.safetensors" must use "/" between folders'),
    (lambda d: d.update(weights={"path": "a/../../w.safetensors", "sha256": "0" * 64}),
     'weights.path: "a/../../w.safetensors" leaves the project\'s folder'),
    (lambda d: d.update(weights={"path": "./w.safetensors", "sha256": "0" * 64}),
     'weights.path: "./w.safetensors" has an empty or "." part'),
    (lambda d: d.update(weights={"path": "w.safetensors", "sha256": "0" * 64, "code": "rm"}),
     "weights.code: unknown field (allowed: edited, epoch, inferred, path, run, sha256)"),
]


@pytest.mark.parametrize("mutate, expected", MUTATIONS, ids=[m[1][:50] for m in MUTATIONS])
def test_a_bad_field_is_a_project_error_naming_the_file_and_the_field(mutate, expected, tmp_path):
    doc = example_doc()
    result = mutate(doc)
    if isinstance(result, (list, str)):
        doc = result
    message = load_error(write_doc(tmp_path / "p.nnstudio", doc))
    assert message.startswith(f"p.nnstudio: {expected}"), message


@pytest.mark.parametrize("text, expected", [
    ('{"a": 1, "a": 2}', 'not valid JSON (the key "a" appears twice in one object)'),
    ('{"a": NaN}', "not valid JSON (NaN is not a JSON number)"),
    ('{"a": -Infinity}', "not valid JSON (-Infinity is not a JSON number)"),
    ("[" * 100_000 + "]" * 100_000, "not a project: its JSON is nested far too deeply"),
    ('{"format": "nnstudio-project", "format_version": 1' + "9" * 5000 + "}",
     "format_version: must be a whole number, got inf"),
    ("", "line 1 column 1: not valid JSON (Expecting value)"),
])
def test_malformed_json_is_a_project_error(text, expected, tmp_path):
    path = tmp_path / "p.nnstudio"
    path.write_text(text)
    assert load_error(path) == f"p.nnstudio: {expected}"


def test_a_missing_file_and_a_folder_are_project_errors(tmp_path):
    assert load_error(tmp_path / "none.nnstudio") == "none.nnstudio: no such file"
    (tmp_path / "dir.nnstudio").mkdir()
    assert load_error(tmp_path / "dir.nnstudio") == "dir.nnstudio: is a folder, not a project file"


def test_a_file_far_too_large_to_be_a_project_is_refused_without_reading_it_all(tmp_path, monkeypatch):
    monkeypatch.setattr(project_module, "MAX_PROJECT_BYTES", 1000)
    path = tmp_path / "big.nnstudio"
    path.write_bytes(b" " * 5000)
    assert load_error(path) == ("big.nnstudio: is larger than 0.000953674 MB, far too large to be "
                                "a project file")
    assert project_module._size(50 * 1024 * 1024) == "50 MB"


def test_a_lone_surrogate_is_refused_and_the_message_stays_printable(tmp_path):
    doc = example_doc()
    doc["name"] = "\ud800"
    doc["\udfff\n"] = 1
    message = load_error(write_doc(tmp_path / "p.nnstudio", doc))
    assert "\n" not in message
    message.encode("utf-8")
    assert message.startswith('p.nnstudio: "\\udfff\\n": unknown field')


# ---- weights files that do not fit ---------------------------------------------------------------

def saved_doc(tmp_path) -> tuple[Path, dict]:
    path = save_full(tmp_path)
    return path, read_doc(path)


def test_a_missing_weights_file_is_named(tmp_path):
    path, doc = saved_doc(tmp_path)
    (tmp_path / doc["weights"]["path"]).unlink()
    assert load_error(path) == (
        f'spiral.nnstudio: weights.path: the weights file "{doc["weights"]["path"]}" is missing; '
        f'put it back beside the project, or remove "weights" to drop those weights')


def test_a_missing_run_weights_file_is_named(tmp_path):
    path, doc = saved_doc(tmp_path)
    (tmp_path / doc["runs"][0]["weights"]["path"]).unlink()
    assert "runs[0].weights.path: the weights file" in load_error(path)


def test_a_changed_weights_file_is_refused_by_its_checksum(tmp_path):
    path, doc = saved_doc(tmp_path)
    weights_file = tmp_path / doc["weights"]["path"]
    data = bytearray(weights_file.read_bytes())
    data[-1] ^= 1
    weights_file.write_bytes(bytes(data))
    assert "weights.sha256: the weights file" in load_error(path)
    assert "has changed since the project was saved" in load_error(path)


@pytest.mark.parametrize("content, reason", [
    (b"PK\x03\x04 a zip or a pickle, not safetensors", "not a safetensors weights file"),
    (b"", "not a safetensors weights file"),
    ((20).to_bytes(8, "little") + b'{"a": [1, 2, 3]}    ', "not a safetensors weights file"),
    ((16).to_bytes(8, "little") + b'{"x.w": "bogus"}', "not a safetensors weights file ("),
    (b"\xff" * 8 + b"{}", "not a safetensors weights file"),
])
def test_a_file_that_is_not_safetensors_is_refused_even_with_a_matching_checksum(content, reason, tmp_path):
    path, doc = saved_doc(tmp_path)
    (tmp_path / "fake.safetensors").write_bytes(content)
    doc["weights"] = {"path": "fake.safetensors", "sha256": hashlib.sha256(content).hexdigest()}
    message = load_error(write_doc(path, doc))
    assert message.startswith(f'spiral.nnstudio: weights.path: "fake.safetensors": {reason}')


def test_weights_for_a_node_the_network_lacks_are_refused(tmp_path):
    path = tmp_path / "p.nnstudio"
    save_project(path, example_project("spiral"), spiral_weights())
    doc = read_doc(path)
    doc["network"]["nodes"] = doc["network"]["nodes"][:2]
    doc["network"]["nodes"][1]["id"] = "renamed"
    assert load_error(write_doc(path, doc)).startswith(
        'p.nnstudio: weights.path: "p.weights.')
    assert 'safetensors": tensor "dense_1.bias" belongs to no node of the network' in load_error(path)


def test_a_weights_file_too_large_is_refused(tmp_path, monkeypatch):
    path = save_full(tmp_path)
    monkeypatch.setattr(project_module, "MAX_WEIGHTS_BYTES", 100)
    assert "is larger than" in load_error(path) and "far too large to be a weights file" in load_error(path)


def test_a_weights_path_that_escapes_through_a_link_is_refused(tmp_path):
    outside = tmp_path / "outside"
    inside = tmp_path / "project"
    outside.mkdir()
    inside.mkdir()
    path = save_full(inside)
    doc = read_doc(path)
    real = inside / doc["weights"]["path"]
    (outside / "w.safetensors").write_bytes(real.read_bytes())
    (inside / "link").symlink_to(outside, target_is_directory=True)
    doc["weights"]["path"] = "link/w.safetensors"
    assert load_error(write_doc(path, doc)) == (
        'spiral.nnstudio: weights.path: "link/w.safetensors" leads out of the project\'s folder '
        'through a link; copy the file into the folder instead')
    # A link that stays inside the folder is fine.
    (inside / "models").mkdir()
    real.rename(inside / "models" / "w.safetensors")
    (inside / "inner").symlink_to(inside / "models", target_is_directory=True)
    doc["weights"]["path"] = "inner/w.safetensors"
    assert load_project(write_doc(path, doc)).weights.keys() == spiral_weights().keys()


def test_project_paths_resolve_inside_the_folder_and_refuse_the_outside(tmp_path):
    project = tmp_path / "p.nnstudio"
    assert resolve_project_path(project, "data/x.csv") == tmp_path.resolve() / "data" / "x.csv"
    with pytest.raises(ProjectError, match=r"^p\.nnstudio: path: \"\.\./x\.csv\" leaves the project's folder"):
        resolve_project_path(project, "../x.csv")
    assert project_relative_path(project, tmp_path / "d" / "y.npz") == "d/y.npz"
    with pytest.raises(ProjectError, match=r"^p\.nnstudio: z\.csv is outside the project's folder"):
        project_relative_path(project, tmp_path.parent / "z.csv")


# ---- mutated projects: only ProjectError ever comes out -----------------------------------------

class Corpus(tuple):
    """(folder, documents), shown briefly: a failing example's report prints its arguments."""

    def __repr__(self) -> str:
        return f"Corpus({self[0]}, {len(self[1])} documents)"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A folder holding a full project (weights, runs), and documents to mutate."""
    folder = tmp_path_factory.mktemp("corpus")
    full = read_doc(save_full(folder))
    # The full project uses every part of the format: half the mutations start from it.
    docs = [full] * len(EXAMPLES) + [example_doc(key) for key in EXAMPLES]
    return Corpus((folder, docs))


ODD_TEXT = ["", " ", "\ud800", "\udfff", "\x00", "\u202e", "e\u0301", "💥" * 50, "Ω≈ç√", "\n\t",
            "../../etc/passwd", "/abs/w.safetensors", "C:\\w.safetensors", "a/./b", "a//b",
            "link/../x.safetensors", "x" * 5000, "nnstudio-project", "input", "dense_1", "run_1"]
ODD_NUMBERS = [0, -1, 1, 2 ** 31, 2 ** 63, 10 ** 30, -10 ** 30, 10 ** 400, -(10 ** 4000),
               1e308, -1e308, 5e-324, 0.5, -0.0,
               1.5, 15, 16, 4096, 100_000]

json_scalars = st.one_of(
    st.sampled_from([*ODD_TEXT, *ODD_NUMBERS, None, True, False]),
    st.integers(), st.floats(allow_nan=False),
    st.text(st.characters(exclude_categories=()), max_size=20),  # lone surrogates included
)
json_values = st.one_of(json_scalars, json_scalars, json_scalars, st.recursive(
    json_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                          st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=8))  # mostly plain values: a container replacing a field fails early


def walk(doc, choose) -> tuple:
    """A path from the root into `doc`, going one level deeper while `choose(n)` (an index into
    n + 1 choices, the last meaning "stop here") picks a child: any depth can be hit."""
    path, node = (), doc
    while isinstance(node, (dict, list)) and node:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        pick = choose(len(keys) + 1)
        if pick == len(keys) and path:
            break
        key = keys[min(pick, len(keys) - 1)]
        path, node = (*path, key), node[key]
    return path


def all_paths(doc) -> list[tuple]:
    """Every path into `doc`, the root included."""
    found: list[tuple] = []

    def visit(node, path):
        found.append(path)
        items = node.items() if isinstance(node, dict) else (
            enumerate(node) if isinstance(node, list) else ())
        for key, child in items:
            visit(child, (*path, key))

    visit(doc, ())
    return found


def pick_path(doc, level_by_level: bool, choose) -> tuple:
    """A path into `doc`: level by level (the small sections, data, training and weights, are
    hit as often as the long list of network nodes), or any path alike (deep values are hit
    as often as top-level fields)."""
    if level_by_level:
        return walk(doc, choose)
    paths = all_paths(doc)
    return paths[choose(len(paths))]


def mutate(doc, path, action, value):
    """A copy of `doc` changed at `path`: deleted, replaced by `value`, or `value` added beside.

    Only the containers along the path are copied, so the corpus documents stay untouched.
    """
    if not path:
        return value if action == "replace" else doc
    root = copy.copy(doc)
    parent = root
    for step in path[:-1]:
        parent[step] = copy.copy(parent[step])
        parent = parent[step]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "replace":
        parent[last] = value
    elif isinstance(parent, dict):
        parent[str(value)[:20]] = value
    else:
        parent.insert(last, value)
    return root


def check_load(path: Path, data: bytes) -> LoadedProject | None:
    """Load `data` as the file `path`; only ProjectError may come out, on one line naming it.

    In memory (load_project_bytes is load_project after the read): thousands of file writes
    would cost far more than the loading under test.
    """
    try:
        return load_project_bytes(data, path)
    except ProjectError as error:
        message = str(error)
        assert message.startswith(f"{path.name}: "), message
        assert "\n" not in message and len(message) <= project_module.MAX_MESSAGE
        message.encode("utf-8")
        return None


def check_round_trip(loaded: LoadedProject | None) -> None:
    """Whatever the loader accepts, the writer writes in a form the loader reads back the same."""
    if loaded is not None:
        written = dumps_document(project_document(loaded.project, None))
        again, _, _ = project_from_document(json.loads(written))
        assert dumps_document(project_document(again)) == written


def mutant_bytes(doc, truncate: float | None = None) -> bytes:
    text = json.dumps(doc, indent=2, ensure_ascii=True, allow_nan=True)
    if truncate is not None:
        text = text[:int(len(text) * truncate)]
    return text.encode("utf-8")


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large])
@given(data=st.data())
def test_any_mutated_project_loads_or_fails_with_a_project_error_and_what_loads_saves(corpus, data):
    folder, docs = corpus
    doc = docs[data.draw(st.integers(0, len(docs) - 1))]
    # Mostly one change: with several, the first error found hides the others.
    for _ in range(data.draw(st.sampled_from([1, 1, 1, 2, 3]))):
        path = pick_path(doc, data.draw(st.booleans()),
                         lambda n: data.draw(st.integers(0, n - 1)))
        action = data.draw(st.sampled_from(["delete", "replace", "replace", "add"]))
        doc = mutate(doc, path, action, data.draw(json_values))
        if not isinstance(doc, (dict, list)):
            break
    truncate = data.draw(st.one_of(st.none(), st.none(), st.floats(0, 1)))
    check_round_trip(check_load(folder / "mutant.nnstudio", mutant_bytes(doc, truncate)))


def test_thousands_of_random_mutations_only_ever_raise_project_error(corpus):
    folder, docs = corpus
    rng = random.Random(20250601)
    scalars = ODD_TEXT + ODD_NUMBERS + [None, True, False, [], {}, [1, "a"], {"a": None}]
    outcomes = {True: 0, False: 0}
    for _ in range(4000):
        doc = rng.choice(docs)
        for _ in range(rng.choice([1, 1, 1, 2, 4])):
            path = pick_path(doc, rng.random() < 0.5, rng.randrange)
            action = rng.choice(["delete", "replace", "replace", "add"])
            doc = mutate(doc, path, action, copy.deepcopy(rng.choice(scalars)))
            if not isinstance(doc, (dict, list)):
                break
        raw = bytearray(mutant_bytes(doc, rng.random() if rng.random() < 0.2 else None))
        if raw and rng.random() < 0.05:  # raw byte damage too
            for _ in range(rng.randint(1, 5)):
                raw[rng.randrange(len(raw))] = rng.randrange(256)
        loaded = check_load(folder / "random.nnstudio", bytes(raw))
        check_round_trip(loaded)
        outcomes[loaded is not None] += 1
    assert outcomes[False] > 2000 and outcomes[True] > 50  # the mutations reach both outcomes


def test_every_truncation_of_a_project_is_a_project_error(corpus):
    folder, _ = corpus
    text = (folder / "spiral.nnstudio").read_bytes()
    for end in range(0, len(text) - 2, 3):
        assert check_load(folder / "cut.nnstudio", text[:end]) is None
