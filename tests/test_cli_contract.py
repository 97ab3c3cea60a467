"""One command-line contract: Ctrl+C keeps what was done and exits 130 in every command, a
mistyped command is an error with a suggestion (never the window), `train --no-save`."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from nnstudio import cli
from nnstudio.commands import BAD_INPUT, INTERRUPTED, OK, run_subcommand
from nnstudio.core.examples import example_project
from nnstudio.core.project import load_project, save_project
from nnstudio.engine import sweep


@pytest.fixture
def spiral(tmp_path) -> Path:
    path = tmp_path / "spiral.nnstudio"
    save_project(path, example_project("spiral"))
    return path


def interrupt_once_started(argv: list[str], started: str, cwd: Path
                           ) -> tuple[int, str, str]:
    """Run `nnstudio ARGV`, send Ctrl+C (SIGINT) once a stderr line contains `started`;
    (exit code, stdout, stderr)."""
    process = subprocess.Popen([sys.executable, "-m", "nnstudio", *argv], cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines = []
    for line in process.stderr:
        lines.append(line)
        if started in line:
            process.send_signal(signal.SIGINT)
            break
    out, rest = process.communicate(timeout=300)
    return process.returncode, out, "".join(lines) + rest


def test_ctrl_c_in_train_saves_the_partial_run_and_exits_130(spiral, tmp_path):
    code, out, err = interrupt_once_started(["train", str(spiral), "--epochs", "100000"],
                                       "epoch 1/", tmp_path)
    assert code == INTERRUPTED, err
    assert "Traceback" not in err
    loaded = load_project(spiral)
    (run,) = loaded.project.runs
    assert 1 <= len(run.history["loss"]) < 100000  # the epochs it trained, not all asked
    assert "stopped by Ctrl+C" in out and "saved weights and history" in out
    assert loaded.weights is not None


def test_ctrl_c_in_sweep_says_what_it_kept_and_exits_130(spiral, tmp_path, monkeypatch,
                                                              capsys):
    # The sweep reports nothing before a size finishes when stderr is no terminal, so the
    # process sends itself Ctrl+C at its first progress report instead of waiting for a line.
    real_run_sweep = sweep.run_sweep
    reports = []

    def interrupted_at_first_report(*args, progress, **kwargs):
        def report(value):
            reports.append(value)
            if len(reports) == 1:
                os.kill(os.getpid(), signal.SIGINT)
            progress(value)
        return real_run_sweep(*args, progress=report, **kwargs)

    monkeypatch.setattr(sweep, "run_sweep", interrupted_at_first_report)
    prefix = tmp_path / "sweep"
    code = run_subcommand(["sweep", str(spiral), "--widths", "1,2", "--seeds", "2", "--epochs",
                           "5", "--out", str(prefix)])
    assert code == INTERRUPTED
    # The sizes train together, so stopped at the first report none has finished: all four
    # are kept as trained so far, and say so.
    assert "stopped by Ctrl+C after 0 of 4 runs, and 4 kept as trained so far" in \
        capsys.readouterr().out
    with open(tmp_path / "sweep.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["stop_reason"] for row in rows] == ["stopped"] * 4
    assert all(1 <= int(row["epochs"]) < 5 for row in rows)


@pytest.mark.parametrize("word, hint", [("trian", "did you mean 'train'?"),
                                        ("evalute", "did you mean 'evaluate'?"),
                                        ("frobnicate", "choose one of train, evaluate")])
def test_a_mistyped_command_is_an_error_not_the_window(word, hint, capsys, monkeypatch):
    import nnstudio.gui.app

    monkeypatch.setattr(nnstudio.gui.app, "run_app",
                        lambda args: pytest.fail("the window opened"))
    assert cli.main([word, "spiral.nnstudio"]) == BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"unknown command {word!r}" in err and hint in err


def test_a_project_file_still_opens_the_window(spiral, monkeypatch):
    import nnstudio.gui.app

    opened = []
    monkeypatch.setattr(nnstudio.gui.app, "run_app", lambda args: opened.append(args) or OK)
    assert cli.main([str(spiral)]) == OK
    assert opened == [[str(spiral)]]


def test_train_no_save_reports_and_leaves_the_project_file_alone(spiral, capsys):
    before = spiral.read_bytes()
    assert run_subcommand(["train", str(spiral), "--epochs", "2", "--no-save", "--json"]) == OK
    assert json.loads(capsys.readouterr().out)["epochs"] == 2
    assert spiral.read_bytes() == before
    assert run_subcommand(["train", str(spiral), "--epochs", "2", "--no-save"]) == OK
    assert f"not saved (--no-save): {spiral} is unchanged" in capsys.readouterr().out


def test_train_quiet_prints_nothing_but_still_saves(spiral, capsys):
    assert run_subcommand(["train", str(spiral), "--epochs", "2", "--quiet"]) == OK
    assert capsys.readouterr() == ("", "")
    assert len(load_project(spiral).project.runs) == 1


def test_ctrl_c_in_a_training_size_sweep_keeps_the_size_training_and_exits_130(
        spiral, tmp_path, monkeypatch, capsys):
    # Ctrl+C comes at the first report of the second size: the first is finished, the
    # second's models are kept as trained so far, as the width sweep keeps them.
    from nnstudio.engine import data_sweep

    real_run_sweep = data_sweep.run_sweep
    calls = []

    def interrupted_in_the_second_size(*args, progress, **kwargs):
        calls.append(True)

        def report(value):
            if len(calls) == 2:
                os.kill(os.getpid(), signal.SIGINT)
            progress(value)
        return real_run_sweep(*args, progress=report, **kwargs)

    monkeypatch.setattr(data_sweep, "run_sweep", interrupted_in_the_second_size)
    prefix = tmp_path / "rows"
    code = run_subcommand(["sweep", str(spiral), "--train-sizes", "40,80", "--seeds", "2",
                           "--epochs", "50", "--out", str(prefix)])
    assert code == INTERRUPTED
    assert "stopped by Ctrl+C after 2 of 4 runs, and 2 kept as trained so far" in \
        capsys.readouterr().out
    with open(tmp_path / "rows.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [(row["train_size"], row["stop_reason"]) for row in rows] == [
        ("40", "completed"), ("40", "completed"), ("80", "stopped"), ("80", "stopped")]
    assert [int(row["epochs"]) for row in rows[:2]] == [50, 50]
    assert all(1 <= int(row["epochs"]) < 50 for row in rows[2:])
