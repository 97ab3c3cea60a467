"""Lessons in core: the goal vocabulary checked condition by condition, the file format checked
like a project's (every bad file gives LessonError naming the field), and the built-in course."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio.core.config import TrainingConfig
from nnstudio.core.lessons import (
    CONDITION_KINDS, Condition, Goal, LessonError, builtin_lesson, builtin_lessons, check_goal,
    lesson_document, lesson_from_bytes, lesson_from_document, load_lesson, save_lesson)
from nnstudio.core.network import chain
from nnstudio.core.project import Project, RunRecord

SMALL = chain(("input", {"shape": [2]}), ("dense", {"units": 2, "activation": "relu"}),
              ("dense", {"units": 1, "activation": "sigmoid"}))
BIG = chain(("input", {"shape": [2]}), ("dense", {"units": 16, "activation": "tanh"}),
            ("dense", {"units": 16, "activation": "tanh"}),
            ("dense", {"units": 1, "activation": "sigmoid"}))


def _project(network=SMALL, metrics=None, loss=(), run_network=None, **settings_):
    project = Project(network=network, training=TrainingConfig(settings_))
    if metrics is not None:
        project.runs.append(RunRecord(
            id="run_1", final_metrics=metrics, history={"loss": list(loss)},
            network=run_network or network, config=project.training))
    return project


def _met(condition: Condition, project: Project) -> bool:
    return check_goal(Goal((condition,), "why"), project).met


def test_a_metric_condition_reads_the_latest_run_and_is_unmet_without_one():
    condition = Condition("metric", ">=", 0.9, "val_accuracy")
    assert not _met(condition, _project())
    assert not _met(condition, _project(metrics={"val_accuracy": 0.85}))
    assert _met(condition, _project(metrics={"val_accuracy": 0.93}))
    result = check_goal(Goal((condition,), ""), _project(metrics={"accuracy": 1.0}))
    assert result.results[0].actual == "the latest run has no val_accuracy"


def test_a_metric_gap_subtracts_the_second_metric():
    condition = Condition("metric_gap", ">=", 0.2, "accuracy", "val_accuracy")
    assert _met(condition, _project(metrics={"accuracy": 0.95, "val_accuracy": 0.7}))
    assert not _met(condition, _project(metrics={"accuracy": 0.95, "val_accuracy": 0.8}))


def test_a_nan_metric_meets_nothing():
    assert not _met(Condition("metric", "<=", 1.0, "loss"), _project(metrics={"loss": float("nan")}))


def test_parameter_count_of_the_current_network_when_the_goal_has_no_run_condition():
    condition = Condition("parameters", "<=", 9)
    assert _met(condition, _project(SMALL))  # 2*2+2 + 2+1 = 9
    assert not _met(condition, _project(BIG))


def test_a_goal_with_a_run_condition_checks_the_network_that_ran():
    # Trained big, then shrunk without training again: the numbers are not the small network's.
    goal = Goal((Condition("metric", ">=", 0.9, "val_accuracy"),
                 Condition("parameters", "<=", 9)), "")
    assert not check_goal(goal, _project(SMALL, {"val_accuracy": 0.95}, run_network=BIG)).met
    assert check_goal(goal, _project(BIG, {"val_accuracy": 0.95}, run_network=SMALL)).met


def test_hidden_units_looks_at_hidden_dense_layers_only():
    condition = Condition("hidden_units", "<=", 2)
    assert _met(condition, _project(SMALL))
    assert not _met(condition, _project(BIG))
    single = chain(("input", {"shape": [2]}), ("dense", {"units": 1}))
    assert not _met(condition, _project(single))  # the output neuron is not hidden


def test_layer_count_by_type_and_by_activation():
    assert _met(Condition("layer_count", ">=", 3, "dense"), _project(BIG))
    assert not _met(Condition("layer_count", ">=", 3, "dense"), _project(SMALL))
    assert _met(Condition("layer_count", "==", 1, "dense", "relu"), _project(SMALL))
    assert not _met(Condition("layer_count", ">=", 1, "dense", "relu"), _project(BIG))


def test_settings_compare_numbers_and_match_texts():
    assert _met(Condition("setting", ">", 0, "l2"), _project(l2=0.01))
    assert not _met(Condition("setting", ">", 0, "l2"), _project())
    assert _met(Condition("setting", "==", "sgd", "optimizer"), _project(optimizer="sgd"))
    assert not _met(Condition("setting", "==", "sgd", "optimizer"), _project())


def test_loss_within_looks_only_at_the_first_epochs():
    condition = Condition("loss_within", "<", 0.1, extra=3)
    assert _met(condition, _project(metrics={}, loss=[0.5, 0.2, 0.05, 0.01]))
    assert not _met(condition, _project(metrics={}, loss=[0.5, 0.2, 0.15, 0.01]))
    assert not _met(condition, _project())


def test_every_condition_kind_is_tested_above():
    assert set(CONDITION_KINDS) == {"metric", "metric_gap", "parameters", "hidden_units",
                                    "layer_count", "setting", "loss_within"}


# ---- the file format ----------------------------------------------------------------------------

def _document():
    return lesson_document(builtin_lesson("5-overfitting"))


def test_a_lesson_saves_and_loads_back_equal(tmp_path):
    lesson = builtin_lesson("1-neuron")
    save_lesson(tmp_path / "copy.nnlesson", lesson)
    again = load_lesson(tmp_path / "copy.nnlesson")
    assert lesson_document(again) == lesson_document(lesson)
    assert [g.describe() for g in again.goals] == [g.describe() for g in lesson.goals]


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(format="nnstudio-project"), "x.nnlesson: format: must be"),
    (lambda d: d.update(format_version=7), "format_version: this NN Studio reads lesson format 1"),
    (lambda d: d.pop("steps"), "the file: missing 'steps'"),
    (lambda d: d["steps"][0].update(text=""), "steps[0].text: must be a non-empty text"),
    (lambda d: d["steps"][0].update(colour="red"), "steps[0]: unknown field \"colour\""),
    (lambda d: d["steps"][0]["goal"]["conditions"][0].update(kind="magic"),
     "steps[0].goal.conditions[0].kind: must be one of metric"),
    (lambda d: d["steps"][0]["goal"]["conditions"][0].update(op="=>"),
     "steps[0].goal.conditions[0].op: must be one of"),
    (lambda d: d["steps"][0]["goal"]["conditions"][0].update(value="high"),
     "steps[0].goal.conditions[0].value: must be a finite number"),
    (lambda d: d["steps"][1]["goal"]["conditions"][0].update(setting="l3"),
     "steps[1].goal.conditions[0].setting: no training setting named \"l3\""),
    (lambda d: d["steps"][0]["goal"].update(conditions=[]), "a goal needs at least one condition"),
    (lambda d: d["steps"][0]["goal"]["conditions"].append(
        {"kind": "layer_count", "layer": "dense", "activation": "relux", "op": ">=", "value": 1}),
     "steps[0].goal.conditions[1].activation: no activation named \"relux\""),
    (lambda d: d["steps"][0]["goal"]["conditions"].append(
        {"kind": "layer_count", "layer": "dense2", "op": ">=", "value": 1}),
     "steps[0].goal.conditions[1].layer: no layer type named \"dense2\""),
    (lambda d: d["steps"][0]["goal"]["conditions"].append(
        {"kind": "loss_within", "op": "<", "value": 0.1, "epochs": 0}),
     "steps[0].goal.conditions[1].epochs: must be a whole number from 1 to 100000, got 0"),
    (lambda d: d["project"]["network"]["nodes"][1]["params"].update(units=-3),
     "x.nnlesson: project: "),
])
def test_a_bad_lesson_names_the_field(change, message):
    document = _document()
    change(document)
    with pytest.raises(LessonError) as error:
        lesson_from_document(document, "x.nnlesson")
    assert message in str(error.value)


def test_a_lesson_starts_without_runs():
    document = _document()
    document["project"]["runs"] = [{"id": "run_1"}]
    with pytest.raises(LessonError, match="project.runs: a lesson starts without runs"):
        lesson_from_document(document, "x.nnlesson")


def test_bytes_that_are_not_json_are_a_lesson_error():
    with pytest.raises(LessonError, match="not a lesson file"):
        lesson_from_bytes(b"\xff\xfe{", "x.nnlesson")


def _paths(value, prefix=()):
    """Every place in a JSON value, as key paths."""
    yield prefix
    children = value.items() if isinstance(value, dict) else \
        enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield from _paths(child, (*prefix, key))


DOCUMENT = _document()
PLACES = [path for path in _paths(DOCUMENT) if path]
JUNK = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                 st.text(max_size=5), st.lists(st.integers(), max_size=2),
                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PLACES), JUNK, st.booleans())
def test_a_damaged_lesson_raises_only_lesson_error(place, junk, delete):
    document = copy.deepcopy(DOCUMENT)
    parent = document
    for key in place[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        del parent[place[-1]]
    else:
        parent[place[-1]] = junk
    try:
        lesson = lesson_from_bytes(json.dumps(document).encode(), "x.nnlesson")
    except LessonError as error:
        assert str(error).startswith("x.nnlesson: ")
        return
    lesson.check(lesson.project)  # what loads can be checked


# ---- the built-in course ------------------------------------------------------------------------

def test_the_course_has_seven_lessons_in_order_each_with_a_goal():
    lessons = builtin_lessons()
    assert len(lessons) >= 7
    assert [lesson.title[0] for lesson in lessons[:7]] == list("1234567")
    for lesson in lessons:
        assert lesson.goals, lesson.id


def test_no_goal_is_met_at_the_start():
    for lesson in builtin_lessons():
        assert not any(result.met for result in lesson.check(lesson.project)), lesson.id


def test_the_course_fixes_the_articles_two_mistakes():
    forward = " ".join(step.text for step in builtin_lesson("1-neuron").steps)
    assert "ωᵀx + b = [2, −1] + [0, 1] = [2, 0]" in forward
    assert "The article writes [2, 1]" in forward
    random = " ".join(step.text for step in builtin_lesson("7-random-labels").steps)
    assert "99%" in random and "cannot" in random.lower() or "no model can beat chance" in random


def test_an_unknown_builtin_lesson_lists_the_ids():
    with pytest.raises(LessonError, match="no built-in lesson 'nope'; choose one of 1-neuron"):
        builtin_lesson("nope")
