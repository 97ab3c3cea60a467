"""`nnstudio train` on a project set to train until stopped: a command needs an end, so it
trains the project's epochs, says so, and records what ran."""

from __future__ import annotations

from nnstudio.commands import OK, run_subcommand
from nnstudio.core.project import load_project, save_project
from tests.gui.projects import spiral_project


def test_train_runs_the_epochs_of_an_until_stopped_project_and_says_so(tmp_path, capsys):
    path = tmp_path / "until.nnstudio"
    save_project(path, spiral_project(epochs=3, until_stopped=True))
    assert run_subcommand(["train", str(path)]) == OK
    err = capsys.readouterr().err
    assert "trains until stopped in the window; here it trains 3 epochs" in err
    project = load_project(path).project
    run = project.runs[0]
    assert run.epochs == 3 and not run.config.until_stopped
    assert project.training.until_stopped  # the window's setting stays


def test_quiet_train_says_nothing_about_it(tmp_path, capsys):
    path = tmp_path / "until.nnstudio"
    save_project(path, spiral_project(epochs=2, until_stopped=True))
    assert run_subcommand(["train", str(path), "--quiet", "--epochs", "2"]) == OK
    assert capsys.readouterr().err == ""
