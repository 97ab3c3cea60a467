"""The learning-rate range test: its curve, its suggestions, and that the suggestion trains."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from nnstudio.core.project import load_project
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.evaluate import evaluate
from nnstudio.engine.lr_find import SKIP_START, find_learning_rate, suggestions
from nnstudio.engine.trainer import fit

SPIRAL = Path(__file__).resolve().parents[2] / "examples" / "spiral.nnstudio"


def spiral():
    loaded = load_project(SPIRAL)
    return loaded.project, prepare_project_data(loaded.project, loaded.path)


def test_the_suggested_rate_trains_the_spiral_to_95_percent_test_accuracy():
    project, data = spiral()
    found = find_learning_rate(project.network, data, project.training)
    assert found.suggested is not None and found.steepest is not None
    config = project.training.replace(learning_rate=found.suggested)
    result = fit(project.network, data, config)
    assert evaluate(result.model, data.test, config.loss).metrics["accuracy"] >= 0.95
    # Both marks lie where that good rate lies, within a factor of 10.
    assert 0.1 <= found.steepest / found.suggested <= 10


def test_the_rate_grows_exponentially_and_the_test_stops_when_the_loss_explodes():
    project, data = spiral()
    # Up to 1e4, so the explosion comes well before the last step.
    found = find_learning_rate(project.network, data, project.training, steps=300, end=1e4)
    ratios = np.diff(np.log(found.learning_rates))
    assert np.allclose(ratios, ratios[0]) and math.isclose(found.learning_rates[0], 1e-7)
    assert found.stop_reason == "exploded" and len(found.learning_rates) < 300
    assert found.losses[-1] > 4 * min(found.losses)


def test_the_range_test_starts_from_fresh_weights_the_same_each_time():
    project, data = spiral()
    first = find_learning_rate(project.network, data, project.training, steps=30)
    second = find_learning_rate(project.network, data, project.training, steps=30)
    assert first.raw_losses == second.raw_losses


def test_steepest_descent_is_looked_for_before_the_minimum_and_min_over_ten_at_it():
    rates = list(np.logspace(-6, 1, 60))
    # Flat, a steep fall centred at 1e-3, a minimum at about 1e-1, then a rise that is steeper.
    x = np.log10(rates)
    losses = list(1 - 0.5 * np.tanh(3 * (x + 3)) + np.where(x > -1, 4 * (x + 1) ** 2, 0))
    steepest, minimum_tenth = suggestions(rates, losses)
    assert math.isclose(math.log10(steepest), -3, abs_tol=0.15)
    lowest = rates[SKIP_START + int(np.argmin(losses[SKIP_START:]))]
    assert minimum_tenth == lowest / 10


def test_a_curve_too_short_to_judge_suggests_nothing():
    assert suggestions([1e-7, 1e-6, 1e-5], [1.0, 0.9, 0.8]) == (None, None)
