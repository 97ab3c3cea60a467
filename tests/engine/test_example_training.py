"""The example projects train to what they promise, each with its own settings, in seconds."""

from __future__ import annotations

import pytest

from nnstudio.core.examples import example_project
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.evaluate import evaluate
from nnstudio.engine.trainer import fit


def trained_test_accuracy(key: str) -> float:
    """Train example `key` with its own settings; its accuracy on the test split."""
    project = example_project(key)
    data = prepare_project_data(project)
    result = fit(project.network, data, project.training)
    assert result.epochs_run == project.training.epochs
    return evaluate(result.model, data.test, project.training.loss).metrics["accuracy"]


def test_the_seed_articles_random_labels_stay_near_chance_on_new_points():
    # The labels are coin flips: whatever the network memorises, new points stay near 50%.
    assert 0.4 <= trained_test_accuracy("seed_article") <= 0.65


@pytest.mark.parametrize("key,least", [
    ("spiral", 0.95),
    ("digits_mlp", 0.95),
    ("digits_cnn", 0.97),
])
def test_examples_reach_their_promised_test_accuracy(key, least):
    assert trained_test_accuracy(key) >= least


def test_the_regression_example_explains_part_of_the_variance():
    project = example_project("regression")
    data = prepare_project_data(project)
    result = fit(project.network, data, project.training)
    assert evaluate(result.model, data.test, project.training.loss).metrics["r2"] > 0.3
