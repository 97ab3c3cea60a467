"""The data-scaling sweep: nested training subsets of the asked sizes, each trained with every
seed and reported with accuracy beside the log loss; `nnstudio sweep --train-sizes`."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from nnstudio.commands import run_subcommand
from nnstudio.core.errors import SpecError
from nnstudio.core.examples import example_project
from nnstudio.core.project import save_project
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.data_sweep import run_data_sweep, training_subsets


def _spiral():
    project = example_project("spiral")
    project.training = project.training.replace(epochs=2, device="cpu")
    return project


def _rows(subset):
    return {tuple(row) for row in subset.train.x.tolist()}


def test_subsets_have_the_asked_sizes_are_nested_and_keep_held_out_rows():
    data = prepare_project_data(_spiral())
    small, large = training_subsets(data, [30, 120], seed=0)
    assert (small.train.n_samples, large.train.n_samples) == (30, 120)
    assert _rows(small) <= _rows(large) <= {tuple(row) for row in data.train.x.tolist()}
    assert small.validation is data.validation and small.test is data.test
    again, _ = training_subsets(data, [30, 120], seed=0)
    np.testing.assert_array_equal(again.train.x, small.train.x)


@pytest.mark.parametrize("sizes", [[0], [10_000], [20, 20], []])
def test_sizes_out_of_range_or_repeated_are_refused_naming_the_option(sizes):
    data = prepare_project_data(_spiral())
    with pytest.raises(SpecError, match="^--train-sizes: "):
        training_subsets(data, sizes, seed=0)


def test_each_size_trains_every_seed_and_reports_accuracy_beside_log_loss():
    project = _spiral()
    data = prepare_project_data(project)
    result = run_data_sweep(project, [100, 25], 2, data=data, config=project.training)
    assert result.train_sizes == [25, 100]
    assert [[run.seed for run in runs] for runs in result.runs_by_size] == [[0, 1], [0, 1]]
    assert result.columns() == ["train_size", "seed", "train_accuracy", "test_accuracy",
                                "train_loss", "test_loss", "epochs"]
    assert [row[0] for row in result.rows()] == [25, 25, 100, 100]
    assert all(row[5] > 0 for row in result.rows())  # a log loss, never exactly 0


def test_sweep_command_with_train_sizes_prints_the_table_and_writes_the_csv(tmp_path, capsys):
    path = tmp_path / "spiral.nnstudio"
    save_project(path, _spiral())
    status = run_subcommand(["sweep", str(path), "--train-sizes", "40,160", "--seeds", "1",
                             "--out", str(tmp_path / "data")])
    out, _ = capsys.readouterr()
    assert status == 0
    assert out.splitlines()[0].split()[:2] == ["train_size", "seed"]
    with open(tmp_path / "data.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["train_size"] for row in rows] == ["40", "160"]
    assert all(float(row["test_loss"]) > 0 for row in rows)


def test_a_train_size_beyond_the_training_rows_exits_2_with_one_line(tmp_path, capsys):
    path = tmp_path / "spiral.nnstudio"
    save_project(path, _spiral())
    status = run_subcommand(["sweep", str(path), "--train-sizes", "5000"])
    _, err = capsys.readouterr()
    assert status == 2
    assert "--train-sizes: each must be from 1 to the 300 training rows" in err
