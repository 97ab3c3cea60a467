"""Format upgrades: a table of steps, applied one version at a time, before the checks run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nnstudio.core.errors import ProjectError
from nnstudio.core.migrations import FORMAT_VERSION, MIGRATIONS, migrate
from nnstudio.core.project import load_project

SPIRAL = Path(__file__).resolve().parents[2] / "examples" / "spiral.nnstudio"


def v1_document() -> dict:
    return json.loads(SPIRAL.read_text(encoding="utf-8"))


def fake_v1_to_v2(doc: dict) -> dict:
    """A made-up format 2 that moves `notes` into a `description` object."""
    doc["description"] = {"text": doc.pop("notes")}
    doc["network"]["nodes"][0]["position"] = [1.0, 2.0]
    return doc


def test_a_registered_v1_to_v2_step_upgrades_a_v1_document():
    original = v1_document()
    upgraded = migrate(original, 1, target=2, migrations={1: fake_v1_to_v2})
    assert upgraded["format_version"] == 2
    assert upgraded["description"] == {"text": original["notes"]} and "notes" not in upgraded
    assert upgraded["network"]["nodes"][0]["position"] == [1.0, 2.0]
    assert original == v1_document()  # the caller's document is never changed


def test_steps_run_one_version_at_a_time_in_order():
    seen = []

    def step(version):
        def upgrade(doc):
            seen.append((version, doc["format_version"]))
            doc.setdefault("trail", []).append(version)
            return doc
        return upgrade

    result = migrate({"format_version": 1}, 1, target=4, migrations={3: step(3), 1: step(1), 2: step(2)})
    assert seen == [(1, 1), (2, 2), (3, 3)]
    assert result == {"format_version": 4, "trail": [1, 2, 3]}


def test_a_document_already_current_is_returned_as_it_is():
    doc = v1_document()
    assert migrate(doc, FORMAT_VERSION) is doc


def test_a_version_with_no_known_step_is_a_project_error():
    with pytest.raises(ProjectError, match=r"^old\.nnstudio: format_version: format 1 is too old to open; "
                                           r"no upgrade to format 2 is known$"):
        migrate({}, 1, target=3, migrations={2: fake_v1_to_v2}, where="old.nnstudio")


def test_a_step_failing_on_a_damaged_document_is_a_project_error():
    with pytest.raises(ProjectError, match=r"^p: cannot upgrade from format 1 to 2: the file is damaged "
                                           r"\(KeyError: 'notes'\)$"):
        migrate({"network": {"nodes": [{}]}}, 1, target=2, migrations={1: fake_v1_to_v2}, where="p")
    with pytest.raises(ProjectError, match=r"upgrade from format 1 did not give a document"):
        migrate({}, 1, target=2, migrations={1: lambda doc: None}, where="p")


def test_every_format_before_the_current_one_has_an_upgrade_step():
    # Raising FORMAT_VERSION without a step would make every existing project unreadable.
    assert all(version in MIGRATIONS for version in range(1, FORMAT_VERSION))
    assert all(1 <= version < FORMAT_VERSION for version in MIGRATIONS)


def test_load_project_runs_the_table_before_checking_the_document(tmp_path):
    old = v1_document()
    old["format_version"] = 0
    old["title"] = old.pop("name")  # how a pretend format 0 named the project

    def v0_to_v1(doc):
        doc["name"] = doc.pop("title")
        return doc

    path = tmp_path / "old.nnstudio"
    path.write_text(json.dumps(old), encoding="utf-8")
    loaded = load_project(path, migrations={**MIGRATIONS, 0: v0_to_v1})
    assert loaded.project.name == "Spiral" and loaded.format_version == 0
    with pytest.raises(ProjectError, match=r"^old\.nnstudio: format_version: format 0 is too old"):
        load_project(path)


# ---- 1 -> 2: lineage, from files the previous release wrote (tests/fixtures/v1) ----------------

V1_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "v1"


def v1_fixture(name: str, folder: Path) -> Path:
    """A copy of a format-1 fixture (its JSON, weights and data) in `folder`, safe to save over."""
    import shutil

    for item in V1_FIXTURES.iterdir():
        if item.name.startswith(name) or item.suffix == ".csv":
            copy = shutil.copytree if item.is_dir() else shutil.copy2
            copy(item, folder / item.name)
    return folder / f"{name}.nnstudio"


# fixture: (current weights' origin, each run's (name, parent, changes), notes start)
V1_EXPECTED = {
    "spiral_runs": (("run_3", 3, False),
                    [("Baseline", None, ("first run",)),
                     ("Longer", ("run_1", 3, True), ()),
                     ("From baseline", ("run_2", 3, True), ("learning_rate 0.03 → 0.01",))],
                    "Spiral for the class"),
    "spiral_restored": (("run_1", 3, False),
                        [("lr 0.03", None, ("first run",)),
                         ("lr 0.01", None, ("learning_rate 0.03 → 0.01",))],
                        "Two interleaved spiral arms"),
    "spiral_changed_weights": (None, [("Only run", None, ("first run",))],
                               "Two interleaved spiral arms"),
    "csv_cli": (("run_2", 2, False),
                [("Run 1", None, ("first run",)), ("Run 2", None, ())],
                "Made with nnstudio new and train."),
}


def as_tuple(origin):
    return None if origin is None else (origin.run, origin.epoch, origin.inferred)


@pytest.mark.parametrize("name", list(V1_EXPECTED))
def test_a_v1_project_opens_with_its_runs_weights_and_notes_and_inferred_lineage(name, tmp_path):
    from nnstudio.core.project import save_project

    path = v1_fixture(name, tmp_path)
    v1_doc = json.loads(path.read_text(encoding="utf-8"))
    loaded = load_project(path)
    project = loaded.project
    origin, runs, notes = V1_EXPECTED[name]
    assert loaded.format_version == 1
    assert as_tuple(project.weights_origin) == origin
    assert [(run.name, as_tuple(run.parent), run.changes) for run in project.runs] == runs
    assert project.notes.startswith(notes)
    assert loaded.weights is not None
    for run, old in zip(project.runs, v1_doc["runs"]):  # histories and kept weights survive
        assert run.history.keys() == old["history"].keys()
        assert all(run.history[k] == [v for v in old["history"][k]] for k in run.history)
        assert loaded.run_weights(run.id).keys() == loaded.weights.keys()
        assert (run.note, run.created, run.final_metrics.keys()) == (
            old["note"], old["created"], old["final_metrics"].keys())

    save_project(path, project, loaded.weights, source_path=path)  # now the current format
    again = load_project(path)
    assert again.format_version == FORMAT_VERSION
    assert as_tuple(again.project.weights_origin) == origin
    written = path.read_bytes()
    save_project(path, again.project, again.weights, source_path=path)
    assert path.read_bytes() == written  # byte-stable from the first save on
    assert [(run.name, as_tuple(run.parent), run.history) for run in again.project.runs] == [
        (run.name, as_tuple(run.parent), run.history) for run in project.runs]
    assert again.project.notes == project.notes


def test_the_v1_fixtures_are_untouched_format_1_files():
    for path in V1_FIXTURES.glob("*.nnstudio"):
        assert json.loads(path.read_text(encoding="utf-8"))["format_version"] == 1, path.name


def v1_runs_document(*runs: dict, weights: dict | None = None) -> dict:
    doc = v1_document()
    doc["format_version"] = 1
    doc["runs"] = [{"id": run_id, "network": doc["network"], **fields} for run_id, fields in runs]
    doc["weights"] = weights
    return doc


def test_v1_to_v2_takes_the_parent_from_the_continued_from_words_at_its_final_epoch():
    doc = v1_runs_document(("run_1", {"history": {"loss": [3.0, 2.0]}}),
                           ("run_2", {"changes": ["continued from run_1", "epochs 2 → 1"],
                                      "history": {"loss": [1.0]}}))
    upgraded = migrate(doc, 1)
    assert upgraded["runs"][0]["parent"] is None
    assert upgraded["runs"][1]["parent"] == {"run": "run_1", "epoch": 2, "inferred": True}
    assert upgraded["runs"][1]["changes"] == ["epochs 2 → 1"]


def test_v1_to_v2_keeps_the_words_of_a_run_continued_from_a_deleted_run():
    doc = v1_runs_document(("run_2", {"changes": ["continued from run_1"]}))
    upgraded = migrate(doc, 1)
    assert upgraded["runs"][0]["parent"] is None
    assert upgraded["runs"][0]["changes"] == ["continued from run_1"]


def test_v1_to_v2_takes_the_best_epoch_of_a_run_early_stopping_put_back():
    sha = "ab" * 32
    config = {"early_stopping": True, "monitor": "val_loss", "epochs": 50}
    doc = v1_runs_document(("run_1", {"config": config, "history": {"val_loss": [3.0, 1.0, 2.0]},
                                      "weights": {"path": "w.safetensors", "sha256": sha}}),
                           weights={"path": "x.safetensors", "sha256": sha})
    upgraded = migrate(doc, 1)
    assert upgraded["weights"] == {"path": "x.safetensors", "sha256": sha, "run": "run_1",
                                   "epoch": 2, "inferred": True}
    assert upgraded["runs"][0]["weights_epoch"] == 2  # what Restore of that run puts back


def test_v1_to_v2_names_the_last_run_as_inferred_only_when_it_kept_no_weights():
    current = {"path": "x.safetensors", "sha256": "cd" * 32}
    kept = {"path": "w.safetensors", "sha256": "ab" * 32}
    without = v1_runs_document(("run_1", {"history": {"loss": [1.0]}}), weights=dict(current))
    assert migrate(without, 1)["weights"] == {**current, "run": "run_1", "epoch": 1,
                                              "inferred": True}
    other = v1_runs_document(("run_1", {"history": {"loss": [1.0]}, "weights": kept}),
                             weights=dict(current))
    assert migrate(other, 1)["weights"] == current  # weights from elsewhere: no origin
    no_runs = v1_runs_document(weights=dict(current))
    assert migrate(no_runs, 1)["weights"] == current


# ---- 2 -> 3: files the previous release wrote (tests/fixtures/v2) --------------------------------

V2_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "v2"


def v2_fixture(name: str, folder: Path) -> Path:
    """A copy of a format-2 fixture (its JSON, weights, runs and data) in `folder`."""
    import shutil

    for item in V2_FIXTURES.iterdir():
        if item.name.startswith(name):
            copy = shutil.copytree if item.is_dir() else shutil.copy2
            copy(item, folder / item.name)
    return folder / f"{name}.nnstudio"


V2_NAMES = ("spiral_runs", "shapes_split", "seed_noise")


@pytest.mark.parametrize("name", V2_NAMES)
def test_a_v2_project_opens_whole_and_saves_as_the_current_format(name, tmp_path):
    from nnstudio.core.project import save_project

    path = v2_fixture(name, tmp_path)
    v2_doc = json.loads(path.read_text(encoding="utf-8"))
    loaded = load_project(path)
    project = loaded.project
    assert loaded.format_version == 2
    assert project.data.to_dict() == v2_doc["data"]  # transforms, split column, label noise
    assert project.network.to_dict() == v2_doc["network"]
    assert project.notes == v2_doc["notes"]
    origin = v2_doc["weights"]
    assert (project.weights_origin.run, project.weights_origin.epoch) == (
        origin["run"], origin["epoch"])
    for run in project.runs:
        assert run.history and loaded.run_weights(run.id).keys() == loaded.weights.keys()

    save_project(path, project, loaded.weights, source_path=path)
    again = load_project(path)
    assert json.loads(path.read_text(encoding="utf-8"))["format_version"] == FORMAT_VERSION == 3
    assert again.project.data.to_dict() == v2_doc["data"]
    assert [(run.id, run.parent, run.history) for run in again.project.runs] == [
        (run.id, run.parent, run.history) for run in project.runs]
    assert all((again.weights[k] == loaded.weights[k]).all() for k in loaded.weights)


def test_the_v2_fixtures_are_untouched_format_2_files():
    names = {path.stem for path in V2_FIXTURES.glob("*.nnstudio")}
    assert names == set(V2_NAMES)
    for path in V2_FIXTURES.glob("*.nnstudio"):
        assert json.loads(path.read_text(encoding="utf-8"))["format_version"] == 2, path.name


def test_v2_to_v3_keeps_a_format_2_document_as_it_is():
    doc = v1_document()
    doc["format_version"] = 2
    upgraded = migrate(doc, 2)
    assert upgraded == {**doc, "format_version": 3}
