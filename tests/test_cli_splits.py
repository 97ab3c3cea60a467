"""`evaluate --split` on a project's fixed rows, and `train`'s early-stopping switches."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nnstudio.commands import BAD_INPUT, OK, run_subcommand
from nnstudio.core.project import load_project
from nnstudio.data.source import prepare_project_data

V1 = Path(__file__).resolve().parent / "fixtures" / "v1"


@pytest.fixture(autouse=True)
def one_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = run_subcommand([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write_rows(path: Path, start: int, n: int, part: str | None = None) -> list[int]:
    """Rows whose label is whether x + y > 0; `id`-like `row` is not written, `x` is unique."""
    rng = np.random.default_rng(start)
    lines = []
    for i in range(n):
        x, y = rng.normal(size=2)
        x = round(float(x), 3) + start  # tells the files' rows apart
        label = "up" if (x - start) + y > 0 else "down"
        lines.append(f"{x},{y:.3f},{label}" + (f",{part[i % len(part)]}" if part else ""))
    header = "x,y,label" + (",part" if part else "")
    path.write_text(header + "\n" + "\n".join(lines) + "\n")
    return lines


def test_evaluate_scores_exactly_the_rows_of_the_test_file(capsys, tmp_path):
    write_rows(tmp_path / "train.csv", 0, 120)
    test_lines = write_rows(tmp_path / "test.csv", 100, 31)
    project = tmp_path / "p.nnstudio"
    assert run(capsys, "new", "--data", tmp_path / "train.csv", "--target", "label",
               "--test-data", tmp_path / "test.csv", "-o", project)[0] == OK
    assert run(capsys, "train", project, "--epochs", "20", "--json")[0] == OK
    code, out, _ = run(capsys, "evaluate", project, "--split", "test", "--json")
    assert code == OK
    result = json.loads(out)
    assert result["samples"]["test"] == 31
    # The same numbers from the test file's own rows, predicted with the saved weights.
    loaded = load_project(project)
    prepared = prepare_project_data(loaded.project, project)
    pre = prepared.preprocessor
    raw_x = prepared.test.x[:, 0] * pre.scale[0] + pre.shift[0]
    np.testing.assert_allclose(raw_x, [float(line.split(",")[0]) for line in test_lines],
                               atol=1e-3)
    from nnstudio.engine.evaluate import predict
    from nnstudio.engine.modules import build_model
    from nnstudio.engine.weights import arrays_to_model

    model = build_model(loaded.project.network)
    arrays_to_model(model, loaded.weights)
    predicted = (predict(model, prepared.test.x)[:, 0] > 0.5).astype(int)
    truth = [prepared.test.class_names.index(line.split(",")[2]) for line in test_lines]
    assert result["test_accuracy"] == pytest.approx(np.mean(predicted == np.array(truth)))
    assert sum(map(sum, result["confusion_matrix"])) == 31


def test_evaluate_scores_exactly_the_rows_a_split_column_marks_test(capsys, tmp_path):
    lines = write_rows(tmp_path / "all.csv", 0, 90, part=["train", "train", "Test"])
    project = tmp_path / "p.nnstudio"
    assert run(capsys, "new", "--data", tmp_path / "all.csv", "--target", "label",
               "--split-column", "part", "-o", project)[0] == OK
    assert run(capsys, "train", project, "--epochs", "5")[0] == OK
    for split, expected in (("test", 30), ("validation", 12), ("train", 48)):
        code, out, _ = run(capsys, "evaluate", project, "--split", split, "--json")
        assert (code, json.loads(out)["samples"][split]) == (OK, expected)
    prepared = prepare_project_data(load_project(project).project, project)
    marked = [float(line.split(",")[0]) for line in lines if line.endswith("Test")]
    pre = prepared.preprocessor
    np.testing.assert_allclose(prepared.test.x[:, 0] * pre.scale[0] + pre.shift[0], marked,
                               atol=1e-3)


def test_new_projects_stop_early_and_train_can_switch_it(capsys, tmp_path):
    write_rows(tmp_path / "train.csv", 0, 60)
    project = tmp_path / "p.nnstudio"
    assert run(capsys, "new", "--data", tmp_path / "train.csv", "--target", "label",
               "-o", project)[0] == OK
    training = load_project(project).project.training
    assert (training.early_stopping, training.restore_best) == (True, True)
    code, out, _ = run(capsys, "train", project, "--epochs", "400", "--patience", "2", "--json")
    assert code == OK
    stopped = json.loads(out)
    assert stopped["stop_reason"] == "early_stopping" and stopped["epochs"] < 400
    code, out, _ = run(capsys, "train", project, "--epochs", "15", "--no-early-stopping",
                       "--json")
    assert (json.loads(out)["stop_reason"], json.loads(out)["epochs"]) == ("completed", 15)
    code, _, err = run(capsys, "train", project, "--patience", "0")
    assert code == BAD_INPUT and "--patience" in err and "Traceback" not in err


def test_a_v1_project_keeps_its_random_split(capsys):
    for path in sorted(V1.glob("*.nnstudio")):
        document = json.loads(path.read_text())
        data = load_project(path).project.data
        assert data.split_kind == "random"
        assert data.to_dict() == document["data"]  # no new keys, nothing changed
