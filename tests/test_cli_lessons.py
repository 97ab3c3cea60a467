"""`nnstudio lessons`: list the course, write a lesson's project, check a trained project."""

from __future__ import annotations

import json

from nnstudio.commands import BAD_INPUT, OK, run_subcommand
from nnstudio.core.lessons import builtin_lessons
from nnstudio.core.project import load_project


def test_lessons_json_lists_every_lesson_with_its_steps_and_goals(capsys):
    assert run_subcommand(["lessons", "--json"]) == OK
    listed = json.loads(capsys.readouterr().out)
    assert [item["id"] for item in listed] == [lesson.id for lesson in builtin_lessons()]
    first = listed[0]
    assert first["title"] == "1. One neuron, one layer"
    assert first["steps"][1]["goal"] == "val_accuracy >= 0.95 and parameters <= 3"
    assert "goal" not in first["steps"][0]


def test_open_writes_the_starting_project_and_check_reports_goals_after_training(tmp_path, capsys):
    path = tmp_path / "metrics.nnstudio"
    assert run_subcommand(["lessons", "--open", "6-metrics", "-o", str(path)]) == OK
    assert load_project(path).project.name == "Lesson 6: metrics"
    capsys.readouterr()
    assert run_subcommand(["lessons", "--check", "6-metrics", str(path), "--json"]) == OK
    assert json.loads(capsys.readouterr().out)[0]["met"] is False

    assert run_subcommand(["train", str(path), "--json"]) == OK
    capsys.readouterr()
    assert run_subcommand(["lessons", "--check", "6-metrics", str(path)]) == OK
    out = capsys.readouterr().out
    assert out.startswith("[x] val_recall >= 0.95 and val_f1 >= 0.95  (val_recall ")
    assert out.endswith("1 of 1 goals met\n")


def test_open_never_replaces_a_file(tmp_path, capsys):
    path = tmp_path / "mine.nnstudio"
    path.write_text("my work")
    assert run_subcommand(["lessons", "--open", "1-neuron", "-o", str(path)]) == BAD_INPUT
    assert path.read_text() == "my work"
    assert capsys.readouterr().err == \
        f"nnstudio lessons: {path}: already exists; add --force to replace it\n"


def test_an_unknown_lesson_is_one_line_and_exit_2(tmp_path, capsys):
    code = run_subcommand(["lessons", "--check", "nope", str(tmp_path / "x.nnstudio")])
    assert code == BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("nnstudio lessons: no built-in lesson 'nope'; choose one of 1-neuron")
    assert err.count("\n") == 1
