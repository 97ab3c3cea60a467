"""The emergence lab's examples train as shipped, in short versions (the full sweeps, a few
minutes each, are benchmarks/double_descent.py and benchmarks/mirage.py)."""

from __future__ import annotations

import dataclasses

import numpy as np

from nnstudio.core.examples import example_project
from nnstudio.data.label_noise import flipped_labels_count
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.sweep import run_sweep
from nnstudio.engine.trainer import fit


def test_double_descent_trains_on_flipped_labels_and_is_tested_on_clean_ones():
    project = example_project("double_descent")
    noisy = prepare_project_data(project)
    clean = prepare_project_data(dataclasses.replace(
        project, data=dataclasses.replace(project.data, label_noise=0.0)))
    assert noisy.train.n_samples == 539
    assert int((noisy.train.y != clean.train.y).sum()) == flipped_labels_count(539, 0.2) == 108
    np.testing.assert_array_equal(noisy.test.y, clean.test.y)
    result = run_sweep(project, [4, 16], seeds=1, epochs=3)
    assert [r.size.width for r in result.runs] == [4, 16] and result.plots_error
    assert result.held_out == "test"
    assert all(0 <= r.metrics["test_accuracy"] <= 1 for r in result.runs)


def test_the_mirage_reports_exact_match_below_the_per_digit_accuracy():
    project = example_project("mirage")
    data = prepare_project_data(project)
    result = fit(project.network, data, project.training.replace(epochs=3), threads=1)
    history = result.history
    assert history["val_accuracy"][-1] > 0.3  # three of ten digits: it is learning
    assert history["val_exact_match"][-1] < history["val_accuracy"][-1]
    sweep = run_sweep(project, [8, 32], seeds=1, epochs=2)
    assert sweep.exact_match and "test_exact_match" in sweep.columns()
