"""One command-line contract across commands: `train`, `evaluate` and `sweep` write the same
metric keys (core.metrics.report_keys) and sample counts; Ctrl+C keeps a sweep's finished sizes
and exits 130; -o/--output, -o -, --force and --quiet behave alike everywhere."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from nnstudio.commands import BAD_INPUT, INTERRUPTED, OK, SUBCOMMANDS, run_subcommand
from nnstudio.core.examples import example_project
from nnstudio.core.metrics import REPORT_SPLITS, report_keys
from nnstudio.core.project import load_project, save_project
from nnstudio.engine.sweep import BATCHING_NOTE

SAMPLES = {"train", "validation", "test"}


@pytest.fixture(autouse=True)
def one_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def project_file(tmp_path: Path, example: str) -> Path:
    path = tmp_path / f"{example}.nnstudio"
    save_project(path, example_project(example))
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = run_subcommand([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def json_of(capsys, *argv) -> dict:
    code, out, err = run(capsys, *argv)
    assert code == OK, err
    return json.loads(out)


def metric_keys(document: dict) -> list[str]:
    return [key for key in document if key.startswith(tuple(REPORT_SPLITS.values()))]


# ---- one key list ------------------------------------------------------------------------------

@pytest.mark.parametrize("example, task", [("spiral", "binary"), ("digits_mlp", "multiclass"),
                                           ("regression", "regression")])
def test_train_evaluate_and_sweep_write_the_same_metric_keys(tmp_path, capsys, example, task):
    path = project_file(tmp_path, example)
    expected = report_keys(task)
    trained = json_of(capsys, "train", path, "--epochs", "2", "--json")
    assert trained["task"] == task
    assert metric_keys(trained) == list(expected)  # the same keys, in the same order
    samples = trained["samples"]
    assert set(samples) == SAMPLES and all(n > 0 for n in samples.values())

    for split, prefix in REPORT_SPLITS.items():
        evaluated = json_of(capsys, "evaluate", path, "--split", split, "--json")
        assert evaluated["task"] == task and evaluated["samples"] == samples
        assert metric_keys(evaluated) == list(report_keys(task, (split,)))
        for key in metric_keys(evaluated):  # the same weights: the same numbers as train's
            assert evaluated[key] == pytest.approx(trained[key], rel=1e-5, abs=1e-6), key

    swept = json_of(capsys, "sweep", path, "--widths", "2,3", "--seeds", "2", "--epochs", "1",
                    "-o", tmp_path / "sweep", "--json")
    assert swept["task"] == task and swept["samples"] == samples
    for row in swept["runs"]:
        assert list(row["metrics"]) == list(expected)
    for size in swept["summary"]:
        assert list(size["metrics"]) == list(expected) and size["seeds"] == 2
        for key, spread in size["metrics"].items():
            assert list(spread) == ["mean", "sd", "min", "median", "max"]
            values = [r["metrics"][key] for r in swept["runs"] if r["width"] == size["width"]]
            assert spread["min"] == min(values) and spread["max"] == max(values)


def test_sweep_help_names_the_keys_it_writes(capsys):
    code, out, _ = run(capsys, "sweep", "--help")
    assert code == OK
    for task in ("binary", "multiclass", "regression"):
        assert ", ".join(name[len("train_"):] for name in report_keys(task, ("train",))) in out
    assert "train_/val_/test_" in out and "{mean, sd, min, median, max}" in out
    assert BATCHING_NOTE in " ".join(out.split())  # wrapped to the terminal's width


def test_sweep_text_shows_the_spread_over_seeds_not_one_number(tmp_path, capsys):
    path = project_file(tmp_path, "spiral")
    code, out, _ = run(capsys, "sweep", path, "--widths", "2", "--seeds", "3", "--epochs", "2",
                       "-o", tmp_path / "s")
    assert code == OK
    header, _, row = out.splitlines()[1:4]
    assert "test_accuracy median [min, max]" in header and "test_accuracy mean ± sd" in header
    with open(tmp_path / "s.csv", newline="") as file:
        accuracies = sorted(float(r["test_accuracy"]) for r in csv.DictReader(file))
    low, median, high = (f"{v:.3f}" for v in accuracies)
    assert f"{median} [{low}, {high}]" in row


# ---- Ctrl+C ------------------------------------------------------------------------------------

def test_ctrl_c_in_a_sweep_writes_what_it_trained_and_exits_130(tmp_path):
    path = project_file(tmp_path, "spiral")
    # Depths cannot share a batched computation: each trains on its own, one after another;
    # Ctrl+C comes at depth 2's first epoch, long before its 2,000th.
    process = subprocess.Popen(
        [sys.executable, "-m", "nnstudio", "sweep", str(path), "--scale", "depth", "--depths",
         "1,2", "--seeds", "2", "--epochs", "2000", "-o", str(tmp_path / "s")], cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    seen = []
    for line in process.stderr:
        seen.append(line)
        if "depth 2" in line and "epoch" in line:  # depth 1 done, depth 2 training
            process.send_signal(signal.SIGINT)
            break
    out, rest = process.communicate(timeout=600)
    err = "".join(seen) + rest
    assert process.returncode == INTERRUPTED, err
    assert "Traceback" not in err
    assert "stopped by Ctrl+C after 2 of 4 runs, and 2 kept as trained so far" in out
    with open(tmp_path / "s.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    # depth 1 finished; depth 2 kept as it was when Ctrl+C came
    assert [(r["depth"], r["seed"], r["stop_reason"]) for r in rows] == [
        ("1", "0", "completed"), ("1", "1", "completed"), ("2", "0", "stopped"),
        ("2", "1", "stopped")]
    assert [int(r["epochs"]) for r in rows][:2] == [2000, 2000]
    assert all(1 <= int(r["epochs"]) < 2000 for r in rows[2:])
    assert (tmp_path / "s.png").is_file()


# ---- -o, -o -, --force, --quiet ------------------------------------------------------------------

@pytest.mark.parametrize("command", sorted(SUBCOMMANDS))
def test_every_command_takes_quiet(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == OK and "--quiet" in out


def test_quiet_silences_the_text_but_not_the_json(tmp_path, capsys):
    path = project_file(tmp_path, "spiral")
    assert run(capsys, "train", path, "--epochs", "1", "--quiet") == (OK, "", "")
    assert run(capsys, "evaluate", path, "-q") == (OK, "", "")
    assert run(capsys, "summary", path, "-q") == (OK, "", "")
    assert run(capsys, "sweep", path, "--widths", "2", "--seeds", "1", "--epochs", "1", "-o",
               tmp_path / "s", "-q") == (OK, "", "")
    code, out, err = run(capsys, "evaluate", path, "-q", "--json")
    assert code == OK and json.loads(out)["split"] == "test" and err == ""


def test_sweep_keeps_existing_files_unless_forced(tmp_path, capsys):
    path = project_file(tmp_path, "spiral")
    (tmp_path / "s.png").write_bytes(b"mine")
    arguments = ("sweep", path, "--widths", "2", "--seeds", "1", "--epochs", "1", "-o",
                 tmp_path / "s")
    code, out, err = run(capsys, *arguments)
    assert code == BAD_INPUT and out == ""
    assert err == f"nnstudio sweep: {tmp_path / 's.png'}: already exists; add --force to " \
                  f"replace, or choose another -o PREFIX\n"
    assert (tmp_path / "s.png").read_bytes() == b"mine" and not (tmp_path / "s.csv").exists()
    assert run(capsys, *arguments, "--force")[0] == OK
    assert (tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"


def test_sweep_old_out_flag_still_works_but_is_not_advertised(tmp_path, capsys):
    path = project_file(tmp_path, "spiral")
    assert run(capsys, "sweep", path, "--widths", "2", "--seeds", "1", "--epochs", "1",
               "--out", tmp_path / "old")[0] == OK
    assert (tmp_path / "old.csv").is_file()
    assert re.search(r"--out(?!put)", run(capsys, "sweep", "--help")[1]) is None


def test_sweep_to_stdout_only_where_it_writes_one_file(tmp_path, capsys, monkeypatch):
    path = project_file(tmp_path, "spiral")
    code, out, err = run(capsys, "sweep", path, "--widths", "2", "-o", "-")
    assert code == BAD_INPUT and "writes two files (a CSV and a PNG)" in err
    buffer = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(buffer, encoding="utf-8"))
    code = run_subcommand(["sweep", str(path), "--train-sizes", "50,100", "--seeds", "1",
                           "--epochs", "1", "-o", "-"])
    assert code == OK
    rows = list(csv.reader(io.StringIO(buffer.getvalue().decode())))
    assert len(rows) == 3 and "train_size" in ",".join(rows[0])
    assert list(tmp_path.glob("*.csv")) == []


def test_import_weights_output_needs_force_to_replace_a_file(tmp_path, capsys):
    path = project_file(tmp_path, "spiral")
    assert run(capsys, "train", path, "--epochs", "1", "-q")[0] == OK
    weights = tmp_path / "w.safetensors"
    assert run(capsys, "export", path, "-f", "weights", "-o", weights, "-q")[0] == OK
    other = tmp_path / "other.nnstudio"
    other.write_text("mine")
    code, _, err = run(capsys, "import-weights", path, weights, "-o", other)
    assert code == BAD_INPUT and "already exists; add --force" in err
    assert other.read_text() == "mine"
    assert run(capsys, "import-weights", path, weights, "--output", other, "--force",
               "-q") == (OK, "", "")
    assert load_project(other).weights is not None
    assert run(capsys, "import-weights", path, weights, "--out", tmp_path / "third.nnstudio",
               "-q")[0] == OK  # the older flag


def test_lessons_writes_its_project_to_stdout_and_replaces_only_when_forced(tmp_path, capsys):
    code, out, _ = run(capsys, "lessons", "--open", "1-neuron", "-o", "-")
    assert code == OK and json.loads(out)["format"] == "nnstudio-project"
    target = tmp_path / "l.nnstudio"
    target.write_text("mine")
    assert run(capsys, "lessons", "--open", "1-neuron", "-o", target)[0] == BAD_INPUT
    assert run(capsys, "lessons", "--open", "1-neuron", "-o", target, "--force",
               "-q") == (OK, "", "")
    assert load_project(target).project.name


def test_example_writes_to_stdout_and_replaces_only_when_forced(tmp_path, capsys):
    from nnstudio import cli

    assert cli.main(["--example", "spiral", "-o", "-"]) == OK
    assert json.loads(capsys.readouterr().out)["name"] == "Spiral"
    target = tmp_path / "e.nnstudio"
    target.write_text("mine")
    assert cli.main(["--example", "spiral", "-o", str(target)]) == BAD_INPUT
    assert "already exists; add --force to replace it" in capsys.readouterr().err
    assert cli.main(["--example", "spiral", "-o", str(target), "--force", "-q"]) == OK
    assert capsys.readouterr() == ("", "")
    assert load_project(target).project.name == "Spiral"


def test_ctrl_c_in_lr_find_prints_the_curve_so_far_and_exits_130(tmp_path, capsys,
                                                                  monkeypatch):
    from nnstudio.engine import lr_find

    real = lr_find.find_learning_rate

    def interrupted(*args, **kwargs):  # Ctrl+C arrives once the range test has started
        os.kill(os.getpid(), signal.SIGINT)
        return real(*args, **kwargs)

    monkeypatch.setattr(lr_find, "find_learning_rate", interrupted)
    path = project_file(tmp_path, "spiral")
    before = path.read_bytes()
    code, out, err = run(capsys, "lr-find", path, "--json")
    assert code == INTERRUPTED and err == ""
    assert json.loads(out)["stop_reason"] == "stopped"
    assert path.read_bytes() == before


def test_ctrl_c_in_export_exits_130_and_keeps_the_project(tmp_path, capsys, monkeypatch):
    from nnstudio.engine import export as export_package

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(export_package, "export", interrupted)
    path = project_file(tmp_path, "spiral")
    code, out, err = run(capsys, "export", path, "-f", "onnx", "-o", tmp_path / "m.onnx")
    assert (code, out) == (INTERRUPTED, "")
    assert err == "nnstudio export: interrupted; the project was not changed\n"
