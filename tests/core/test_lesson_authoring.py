"""What teacher mode needs from core/lessons.py: a new lesson from a project, the goal form's
fields read from the condition table, atomic saves, and the checks that keep a lesson's names
real (metrics, a setting's named values, highlights of layers and settings)."""

from __future__ import annotations

import dataclasses
import os

import pytest

from nnstudio.core.config import TRAINING_SCHEMA
from nnstudio.core.lessons import (
    CONDITION_KINDS, LessonError, Step, builtin_lesson, condition_fields, goal_metric_names,
    lesson_document, lesson_from_document, lesson_from_project, lesson_id_for, load_lesson,
    save_lesson, setting_value_choices,
)
from nnstudio.core.metrics import metric_row


def test_a_new_lesson_starts_from_the_project_without_runs_and_is_valid():
    source = builtin_lesson("5-overfitting").project
    lesson = lesson_from_project(source, "Overfit on purpose!")
    assert lesson.id == "overfit-on-purpose" and lesson.title == "Overfit on purpose!"
    assert lesson.project.network.to_dict() == source.network.to_dict()
    assert lesson.project.training == source.training and lesson.project.runs == []
    again = lesson_from_document(lesson_document(lesson), "x.nnlesson")
    assert lesson_document(again) == lesson_document(lesson)


@pytest.mark.parametrize("title, expected", [
    ("Overfit on purpose!", "overfit-on-purpose"), ("  ", "lesson"), ("ReLU & tanh", "relu-tanh"),
])
def test_lesson_ids_come_from_titles(title, expected):
    assert lesson_id_for(title) == expected


def test_the_goal_form_fields_come_from_the_condition_table():
    for key, kind in CONDITION_KINDS.items():
        names = [field.name for field in condition_fields(key)]
        assert names == [n for n in (kind.subject_field, kind.extra_field) if n]
    assert [(f.name, f.optional) for f in condition_fields("layer_count")] == [
        ("layer", False), ("activation", True)]
    assert condition_fields("loss_within")[0].choices is None  # a number of epochs
    assert condition_fields("setting")[0].choices == TRAINING_SCHEMA.names()
    assert all(metric_row(name) is not None for name in goal_metric_names())
    assert {"accuracy", "val_accuracy", "test_accuracy", "val_f1"} <= set(goal_metric_names())


def test_named_settings_offer_their_choices_and_numbers_offer_none():
    assert setting_value_choices("optimizer") == TRAINING_SCHEMA["optimizer"].choices
    assert setting_value_choices("nesterov") == (True, False)
    assert setting_value_choices("learning_rate") is None


def _with_step(**fields):
    document = lesson_document(builtin_lesson("1-neuron"))
    document["steps"].append({"text": "Try.", **fields})
    return document


def _goal(**condition):
    return {"goal": {"conditions": [condition], "why": "Because."}}


@pytest.mark.parametrize("fields, message", [
    (_goal(kind="metric", metric="val_acuracy", op=">=", value=0.9),
     ".metric: no metric named \"val_acuracy\""),
    (_goal(kind="metric_gap", metric="accuracy", minus="vall_accuracy", op=">=", value=0.2),
     ".minus: no metric named \"vall_accuracy\""),
    (_goal(kind="setting", setting="optimizer", op="==", value="adamm"),
     ".value: must be one of \"sgd\""),
    (_goal(kind="setting", setting="optimizer", op="==", value=3),
     ".value: must be one of \"sgd\""),
    (_goal(kind="setting", setting="learning_rate", op="==", value="fast"),
     ".value: must be a finite number, got \"fast\""),
    (_goal(kind="setting", setting="nesterov", op=">=", value=True),
     ".op: a text or yes/no setting compares only with =="),
    ({"highlight": "node:dense_99"}, ".highlight: the lesson's network has no layer \"dense_99\""),
    ({"highlight": "setting:speed"}, ".highlight: no training setting named \"speed\""),
    ({"highlight": "the metrics please"}, ".highlight: must be a panel's key, node:<layer id>"),
])
def test_names_a_lesson_cannot_use_are_refused_naming_the_field(fields, message):
    with pytest.raises(LessonError) as caught:
        lesson_from_document(_with_step(**fields), "x.nnlesson")
    assert message in str(caught.value)
    assert str(caught.value).startswith("x.nnlesson: steps[")


def test_layer_and_setting_highlights_and_named_values_are_accepted():
    node = builtin_lesson("1-neuron").project.network.nodes[-1].id
    document = _with_step(highlight=f"node:{node}",
                          **_goal(kind="setting", setting="nesterov", op="==", value=False))
    document["steps"].append({"text": "Set it.", "highlight": "setting:learning_rate"})
    lesson = lesson_from_document(document, "x.nnlesson")
    assert [s.highlight for s in lesson.steps[-2:]] == [f"node:{node}", "setting:learning_rate"]


def test_saving_replaces_the_file_whole_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "mine.nnlesson"
    lesson = builtin_lesson("2-activations")
    save_lesson(path, lesson)
    changed = dataclasses.replace(lesson, steps=(*lesson.steps, Step("One more.")))
    save_lesson(path, changed)
    assert load_lesson(path).steps[-1].text == "One more."
    assert os.listdir(tmp_path) == ["mine.nnlesson"]


def test_a_save_that_cannot_write_names_the_file(tmp_path):
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    with pytest.raises(LessonError, match=r"^mine\.nnlesson: cannot save \(.*\); the previous"):
        save_lesson(tmp_path / "notes.txt" / "mine.nnlesson", builtin_lesson("1-neuron"))
