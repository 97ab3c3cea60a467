"""The sweep's emergence views: the interpolation threshold and error of double descent, and
exact match beside per-position accuracy for the mirage."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nnstudio.core.examples import example_project
from nnstudio.engine import sweep_plot
from nnstudio.engine.sweep import SweepResult, SweepRun, SweepSize, run_sweep

WIDTHS = (4, 8, 16, 32, 64)


def result(train, test, label_noise=0.2, exact=False, metric="accuracy"):
    """A sweep of WIDTHS with two seeds each, training and test accuracies as given."""
    runs = []
    for width, fit, held in zip(WIDTHS, train, test):
        for seed, wobble in ((0, -0.004), (1, 0.004)):
            metrics = {f"train_{metric}": min(1.0, fit + wobble), f"test_{metric}": held,
                       "train_loss": 0.1, "test_loss": 0.3}
            if exact:
                metrics.update(train_exact_match=fit ** 3, test_exact_match=held ** 3)
            runs.append(SweepRun(SweepSize(width=width), seed, 75 * width, metrics,
                                 {f"val_{metric}": [0.5, held]}, 2, 0.1, "stacked",
                                 "completed"))
    return SweepResult("demo", "width", [SweepSize(width=w) for w in WIDTHS], [0, 1], 2,
                       "multiclass", metric, 0.1 if metric == "accuracy" else None, runs,
                       label_noise=label_noise)


def colour_pixels(image, colour, tolerance=30):
    pixels = np.asarray(image.convert("RGB")).astype(int)
    return int((np.abs(pixels - np.array(colour)).sum(axis=2) < tolerance).sum())


def test_the_threshold_is_the_smallest_size_whose_mean_training_error_is_about_zero():
    found = result([0.7, 0.9, 0.995, 1.0, 1.0], [0.8, 0.75, 0.7, 0.78, 0.82])
    threshold = found.interpolation_threshold()
    assert threshold.size == SweepSize(width=16) and threshold.parameters == 75 * 16
    assert found.to_dict()["interpolation_threshold"] == {"width": 16, "depth": None,
                                                          "parameters": 1200}
    never = result([0.7, 0.8, 0.9, 0.95, 0.98], [0.8] * 5)
    assert never.interpolation_threshold() is None
    assert never.to_dict()["interpolation_threshold"] is None
    numbers = result([0.99] * 5, [0.9] * 5, metric="r2")
    assert numbers.interpolation_threshold() is None


def test_with_label_noise_the_picture_shows_the_error_and_marks_the_threshold():
    noisy = result([0.7, 0.9, 1.0, 1.0, 1.0], [0.8, 0.75, 0.7, 0.78, 0.82])
    clean = dataclasses.replace(noisy, label_noise=0.0)
    assert noisy.plots_error and not clean.plots_error
    assert sweep_plot.plotted(noisy, 0.75) == pytest.approx(0.25)
    assert sweep_plot.plotted_name(noisy).startswith("error")
    assert colour_pixels(sweep_plot.draw_sweep(noisy), sweep_plot.THRESHOLD) > 100
    assert colour_pixels(sweep_plot.draw_sweep(clean), sweep_plot.THRESHOLD) == 0


def test_exact_match_is_drawn_and_tabled_beside_the_per_position_accuracy():
    mirage = result([0.5, 0.7, 0.9, 0.99, 1.0], [0.5, 0.7, 0.85, 0.95, 0.97], label_noise=0,
                    exact=True)
    assert mirage.exact_match and sweep_plot.plotted_name(mirage) == "accuracy per position"
    assert "test_exact_match" in mirage.columns() and "train_exact_match" in mirage.columns()
    row = mirage.rows()[0]
    assert row[mirage.columns().index("test_exact_match")] == pytest.approx(0.5 ** 3)
    assert colour_pixels(sweep_plot.draw_sweep(mirage), sweep_plot.EXACT) > 100
    plain = result([0.5] * 5, [0.5] * 5, label_noise=0)
    assert not plain.exact_match and "test_exact_match" not in plain.columns()
    assert colour_pixels(sweep_plot.draw_sweep(plain), sweep_plot.EXACT) == 0


def test_a_sweep_of_a_noisy_project_knows_its_noise():
    project = example_project("spiral")
    project = dataclasses.replace(project, data=dataclasses.replace(project.data,
                                                                    label_noise=0.1))
    found = run_sweep(project, [2, 4], seeds=1, epochs=2)
    assert found.label_noise == 0.1 and found.plots_error
    assert found.to_dict()["label_noise"] == 0.1
