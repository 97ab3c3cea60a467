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
    loaded = load_project(path, migrations={0: v0_to_v1})
    assert loaded.project.name == "Spiral" and loaded.format_version == 0
    with pytest.raises(ProjectError, match=r"^old\.nnstudio: format_version: format 0 is too old"):
        load_project(path)
