"""The built-in course trains: every lesson's starting project trains, and every goal is reached
by the change its step asks for and a short training (the lessons' own epoch counts)."""

from __future__ import annotations

import dataclasses

import pytest

from nnstudio.core.lessons import builtin_lesson, builtin_lessons, check_goal
from nnstudio.core.network import Network, chain
from nnstudio.core.project import Project
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.experiments import record_run
from nnstudio.engine.trainer import fit


def trained(project: Project, **settings) -> Project:
    """`project` with one more run, trained with its settings changed by `settings`."""
    config = project.training.replace(**settings)
    result = fit(project.network, prepare_project_data(project, "lesson.nnstudio"), config)
    record = record_run(project, result, config=config)
    return dataclasses.replace(project, runs=[*project.runs, record], training=config)


def dense_net(inputs: int, *layers: tuple[int, str]):
    return chain(("input", {"shape": [inputs]}),
                 *(("dense", {"units": units, "activation": activation})
                   for units, activation in layers))


def with_network(project: Project, network) -> Project:
    return dataclasses.replace(project, network=network)


@pytest.mark.parametrize("lesson", builtin_lessons(), ids=lambda lesson: lesson.id)
def test_every_starting_project_trains(lesson):
    project = trained(lesson.project, epochs=2)
    assert len(project.runs[-1].history["loss"]) == 2


# Per lesson, for each goal in step order: what a learner does to reach it (change the network or
# a setting, then train; lesson 1's second goal is about the network alone, so no training).
SCRIPTS = {
    "1-neuron": [
        lambda p: trained(p),
        lambda p: with_network(p, dense_net(2, (2, "relu"), (1, "sigmoid"))),
    ],
    "2-activations": [lambda p: trained(with_network(p, dense_net(2, (8, "relu"), (1, "sigmoid"))))],
    "3-learning-rate": [lambda p: trained(p, learning_rate=0.1)],
    "4-depth-width": [lambda p: trained(with_network(
        p, dense_net(2, (32, "tanh"), (32, "tanh"), (1, "sigmoid"))))],
    "5-overfitting": [lambda p: trained(p), lambda p: trained(p, l2=0.03)],
    "6-metrics": [lambda p: trained(p)],
    "7-random-labels": [lambda p: trained(with_network(
        p, dense_net(2, (128, "relu"), (128, "relu"), (1, "sigmoid"))))],
    "8-grokking": [lambda p: trained(p), lambda p: trained(p, epochs=1000),
                   lambda p: trained(p, weight_decay=0.0)],
    "9-double-descent": [lambda p: trained(p), lambda p: trained(with_width(p, 8))],
    "10-mirage": [lambda p: trained(p), lambda p: trained(with_width(p, 128))],
}


def with_width(project: Project, units: int) -> Project:
    """`project` with its first hidden Dense layer `units` wide (as typed in the inspector)."""
    hidden = next(node for node in project.network.nodes if node.type == "dense")
    return with_network(project, Network(tuple(
        node.with_params(units=units) if node.id == hidden.id else node
        for node in project.network.nodes)))


def test_every_builtin_lesson_has_a_script():
    assert {lesson.id for lesson in builtin_lessons()} == set(SCRIPTS)


@pytest.mark.parametrize("lesson_id", sorted(SCRIPTS))
def test_every_goal_is_reached_by_its_steps_change(lesson_id):
    lesson = builtin_lesson(lesson_id)
    assert len(SCRIPTS[lesson_id]) == len(lesson.goals)
    for goal, change in zip(lesson.goals, SCRIPTS[lesson_id]):
        start = lesson.project
        assert not check_goal(goal, start).met
        result = check_goal(goal, change(start))
        assert result.met, [r.actual for r in result.results]


def test_the_course_runs_in_its_numbers_order_ten_after_nine():
    ids = [lesson.id for lesson in builtin_lessons()]
    assert ids[:2] == ["1-neuron", "2-activations"]
    assert ids[-3:] == ["8-grokking", "9-double-descent", "10-mirage"]
