"""The CLI follows the weights' lineage: train --continue records where it began, evaluate says
where its weights came from; both, and summary, work on format-1 and format-2 files."""

from __future__ import annotations

import json

import pytest

from nnstudio.commands import OK
from nnstudio.core.migrations import FORMAT_VERSION
from nnstudio.core.history import CONTINUED_FROM_UNRECORDED
from nnstudio.core.project import WeightsOrigin, load_project
from tests.core.test_migrations import V1_EXPECTED, v1_fixture
from tests.test_cli import one_thread, run, spiral  # noqa: F401 - fixtures


def test_continue_records_the_run_and_epoch_it_began_from_by_name(capsys, spiral):  # noqa: F811
    run(capsys, "train", spiral, "--epochs", "2")
    code, out, _ = run(capsys, "train", spiral, "--epochs", "1", "--continue")
    assert code == OK
    assert "Run 2: 1 epochs" in out and "continued from Run 1, epoch 2" in out
    project = load_project(spiral).project
    assert project.runs[1].parent == WeightsOrigin("run_1", 2)
    assert project.weights_origin == WeightsOrigin("run_2", 1)
    code, out, _ = run(capsys, "train", spiral, "--epochs", "1", "--json")
    assert json.loads(out)["continued_from"] is None  # fresh weights
    assert load_project(spiral).project.runs[2].parent is None


def test_evaluate_says_which_run_and_epoch_its_weights_came_from(capsys, spiral):  # noqa: F811
    run(capsys, "train", spiral, "--epochs", "2")
    code, out, _ = run(capsys, "evaluate", spiral)
    assert code == OK and "weights from Run 1, epoch 2" in out
    code, out, _ = run(capsys, "evaluate", spiral, "--json")
    assert json.loads(out)["weights_from"] == {"run": "run_1", "name": "Run 1", "epoch": 2,
                                                "inferred": False}


@pytest.mark.parametrize("name", list(V1_EXPECTED))
def test_train_summary_and_evaluate_work_on_a_v1_file_and_leave_a_current_one(capsys, tmp_path, name):
    path = v1_fixture(name, tmp_path)
    origin = V1_EXPECTED[name][0]
    code, out, _ = run(capsys, "summary", path)
    assert code == OK and "Total params" in out
    code, out, _ = run(capsys, "evaluate", path, "--json")
    expected = None if origin is None else dict(zip(("run", "epoch", "inferred"), origin))
    weights_from = json.loads(out)["weights_from"]
    assert code == OK and (weights_from and {k: weights_from[k] for k in expected}) == expected
    before = load_project(path).project
    code, out, _ = run(capsys, "train", path, "--epochs", "1", "--continue", "--json")
    assert code == OK
    after = load_project(path)
    assert json.loads(path.read_text(encoding="utf-8"))["format_version"] == FORMAT_VERSION
    assert [r.to_dict() for r in after.project.runs[:-1]] == [
        {**r.to_dict(), "weights": a.weights.to_dict()} for r, a in
        zip(before.runs, after.project.runs)]
    new = after.project.runs[-1]
    assert new.parent == before.weights_origin
    if new.parent is None:  # weights from elsewhere: said in its changes, not claimed fresh
        assert new.changes[0] == CONTINUED_FROM_UNRECORDED
    assert after.project.weights_origin == WeightsOrigin(new.id, 1)
    assert after.project.notes == before.notes
    code, out, _ = run(capsys, "evaluate", path)
    assert code == OK and f"weights from {new.name}, epoch 1" in out


def test_imported_weights_come_from_no_run_and_evaluate_says_so(capsys, spiral, tmp_path):  # noqa: F811
    import safetensors.numpy

    run(capsys, "train", spiral, "--epochs", "2")
    file = tmp_path / "other.safetensors"
    safetensors.numpy.save_file(load_project(spiral).weights, str(file))
    assert run(capsys, "import-weights", spiral, file)[0] == OK
    assert load_project(spiral).project.weights_origin is None
    code, out, _ = run(capsys, "evaluate", spiral)
    assert code == OK and "weights from no recorded run (imported or edited)" in out
    code, out, _ = run(capsys, "train", spiral, "--epochs", "1", "--continue")
    assert "continued from weights no run recorded (imported or edited)" in out
