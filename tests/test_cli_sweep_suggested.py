"""`nnstudio sweep PROJECT` starts from the sweep the project suggests (the emergence examples
carry one); options given on the command line win."""

from __future__ import annotations

import dataclasses
import json

from nnstudio.commands import run_subcommand
from nnstudio.core.examples import example_project
from nnstudio.core.project import save_project
from nnstudio.core.sweep_settings import SweepSettings


def project_file(tmp_path, sweep):
    project = dataclasses.replace(example_project("spiral"), sweep=sweep)
    path = tmp_path / "suggests.nnstudio"
    save_project(path, project)
    return path


def sweep_json(capsys, *argv):
    assert run_subcommand(["sweep", *map(str, argv), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_without_options_the_projects_widths_seeds_and_epochs_are_swept(tmp_path, capsys):
    path = project_file(tmp_path, SweepSettings(widths=(2, 5), seeds=2, epochs=3))
    found = sweep_json(capsys, path, "-o", tmp_path / "a")
    assert sorted({run["width"] for run in found["runs"]}) == [2, 5]
    assert found["seeds"] == [0, 1] and found["epochs"] == 3
    given = sweep_json(capsys, path, "-o", tmp_path / "b", "--widths", "3",
                       "--seeds", "1", "--epochs", "2")
    assert [run["width"] for run in given["runs"]] == [3]
    assert given["seeds"] == [0] and given["epochs"] == 2


def test_suggested_training_rows_grow_the_data(tmp_path, capsys):
    path = project_file(tmp_path, SweepSettings(train_sizes=(30, 60), seeds=1, epochs=2))
    found = sweep_json(capsys, path, "-o", tmp_path / "rows")
    assert found["train_sizes"] == [30, 60]


def test_a_project_without_a_suggestion_keeps_the_defaults(tmp_path, capsys):
    path = tmp_path / "plain.nnstudio"
    save_project(path, example_project("spiral"))
    found = sweep_json(capsys, path, "-o", tmp_path / "plain", "--epochs", "1",
                       "--seeds", "1")
    assert sorted({run["width"] for run in found["runs"]}) == [1, 2, 4, 8, 16, 32, 64, 128]
