"""The exported training script: one file that runs on its own, repeats the app's run exactly in
one process, trains with DistributedDataParallel under torchrun, and saves weights NN Studio
loads back."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from nnstudio.core.errors import DataError, SpecError
from nnstudio.core.examples import example_project
from nnstudio.core.network import chain
from nnstudio.core.project import (
    DataConfig, DataSource, Project, file_sha256, load_project, save_project,
)
from nnstudio.data.builtin import load_builtin
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.export import export, import_weights
from nnstudio.engine.export.script import script_source
from nnstudio.engine.trainer import fit

PYTHON = Path(sys.executable)
TORCHRUN = PYTHON.with_name("torchrun")


def run(command: list, cwd: Path, timeout: int = 180, **env: str) -> subprocess.CompletedProcess:
    """Run the script as a person would: its own process, one CPU thread."""
    environment = {**os.environ, "OMP_NUM_THREADS": "1", **env}
    environment.pop("WORLD_SIZE", None)
    return subprocess.run([str(part) for part in command], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=timeout)


def small_spiral(**training) -> Project:
    """A spiral project with every part of the loop switched on, small enough to run at once."""
    network = chain(("input", {"shape": (2,)}),
                    ("dense", {"units": 8, "activation": "tanh"}),
                    ("dropout", {"rate": 0.1}),
                    ("batchnorm", {}),
                    ("dense", {"units": 8, "activation": "tanh", "initializer": "he_uniform"}),
                    ("dense", {"units": 1, "activation": "sigmoid"}))
    settings = {"epochs": 2, "batch_size": 16, "l1": 0.0005, "l2": 0.001,
                "schedule": "one_cycle", "grad_clip": 1.0, "early_stopping": True,
                "patience": 5, "learning_rate": 0.03, **training}
    project = Project(name="Small spiral", network=network,
                      data=DataConfig(DataSource.builtin("spiral", {"n_samples": 150,
                                                                    "noise": 0.1})))
    project.training = project.training.replace(**settings)
    return project


def app_run(project: Project, project_path: Path | None = None):
    """The app's own run of the project, on one CPU thread, on the torch path the script writes
    out (the fast path agrees with it within float rounding: tests/engine/test_backprop.py)."""
    return fit(project.network, prepare_project_data(project, project_path),
               project.training.replace(device="cpu"), threads=1, path="torch")


def script_run(project: Project, folder: Path, *args: str, project_path: Path | None = None):
    script = folder / "train.py"
    export(project, None, "script", script, project_path=project_path)
    result = run([PYTHON, script, "--out", "out", "--device", "cpu", *args], folder)
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((folder / "out" / "metrics.json").read_text())
    return result, metrics, load_file(str(folder / "out" / "weights.safetensors"))


def assert_same_run(app, metrics: dict, weights: dict) -> None:
    assert metrics["history"].keys() == app.history.keys()
    for name, values in app.history.items():
        assert metrics["history"][name] == values, name  # bit for bit, every epoch
    assert weights.keys() == app.weights.keys()
    for key, array in app.weights.items():
        assert np.array_equal(weights[key], array), key
    for name, value in app.final_metrics.items():
        assert metrics["final_metrics"][name] == value, name


def test_script_repeats_the_apps_run_exactly_and_its_weights_load_back(tmp_path):
    project = small_spiral()
    result, metrics, weights = script_run(project, tmp_path)
    assert_same_run(app_run(project), metrics, weights)
    assert "epoch 2/2  loss " in result.stdout
    assert "test_accuracy" in metrics["final_metrics"]
    imported = import_weights(project, tmp_path / "out" / "weights.safetensors").weights
    assert imported.keys() == weights.keys()
    assert all(np.array_equal(imported[k], weights[k]) for k in weights)


@pytest.mark.parametrize("example", ["digits_cnn", "regression"])
def test_script_of_an_example_with_bundled_data_repeats_the_apps_first_epochs(example, tmp_path):
    project = example_project(example)
    project.training = project.training.replace(epochs=1 if example == "digits_cnn" else 2)
    _, metrics, weights = script_run(project, tmp_path)
    assert_same_run(app_run(project), metrics, weights)


def test_two_torchrun_processes_train_on_shards_and_end_with_identical_weights(tmp_path):
    project = small_spiral(epochs=3)
    script = tmp_path / "train.py"
    export(project, None, "script", script)
    result = run([TORCHRUN, "--standalone", "--nproc_per_node=2", script, "--out", "out",
                  "--device", "cpu", "--save-every-rank"], tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "training on cpu in 2 processes, 3 epochs of 6 batches" in result.stdout
    assert "all 2 processes end with identical weights" in result.stdout
    out = tmp_path / "out"
    ranks = [load_file(str(out / f"weights.rank{rank}.safetensors")) for rank in (0, 1)]
    saved = load_file(str(out / "weights.safetensors"))
    for key in saved:
        assert np.array_equal(ranks[0][key], ranks[1][key]), key  # each process saved its own
        assert np.array_equal(saved[key], ranks[0][key]), key
    # BatchNorm's running statistics came from the shards' batches, and are shared too.
    assert np.array_equal(ranks[0]["batchnorm_1.running_mean"],
                          ranks[1]["batchnorm_1.running_mean"])
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["processes"] == 2
    # It trained: the weights moved from where the app starts them.
    start = app_run(dataclasses.replace(project, training=project.training.replace(epochs=1)))
    assert not np.array_equal(saved["dense_1.weight"], start.weights["dense_1.weight"])
    assert import_weights(project, out / "weights.safetensors").weights.keys() == saved.keys()


def test_data_and_epochs_options_train_on_a_csv_table_for_that_many_epochs(tmp_path):
    rows = ["x1,x2,label"] + [f"{i % 7 - 3},{i % 5 - 2},{int(i % 7 > 3)}" for i in range(60)]
    (tmp_path / "mine.csv").write_text("\n".join(rows) + "\n")
    project = small_spiral(epochs=50)
    result, metrics, _ = script_run(project, tmp_path, "--data", "mine.csv", "--epochs", "1")
    assert "train: 36 samples" in result.stdout
    assert len(metrics["history"]["loss"]) == 1
    (tmp_path / "bad.csv").write_text("x1,x2,label\n1,2,0\n3,oops,1\n")
    failed = run([PYTHON, tmp_path / "train.py", "--data", "bad.csv"], tmp_path)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "bad.csv: cannot be read as a table of numbers with a header row" in failed.stderr


def test_missing_bundled_table_ends_with_a_message_not_a_traceback(tmp_path, monkeypatch):
    digits = load_builtin("digits")
    monkeypatch.setenv("NNSTUDIO_RESOURCES", str(tmp_path / "nowhere"))  # where the app is not
    project = example_project("digits_mlp")
    (tmp_path / "train.py").write_text(script_source(project, dataset=digits))
    result = run([PYTHON, tmp_path / "train.py"], tmp_path)
    assert result.returncode == 1
    assert "Cannot find the data file" in result.stderr
    assert "pass --data PATH" in result.stderr
    assert "Traceback" not in result.stderr


def test_data_from_a_file_travels_beside_the_script_and_trains_the_same(tmp_path):
    rows = ["a,b,c,kind"] + [f"{i % 7},{(i * 3) % 11},{i % 4},{['x', 'y', 'z'][i % 3]}"
                             for i in range(90)]
    data_file = tmp_path / "table.csv"
    data_file.write_text("\n".join(rows) + "\n")
    network = chain(("input", {"shape": (3,)}), ("dense", {"units": 6, "activation": "relu"}),
                    ("dense", {"units": 3, "activation": "softmax"}))
    source = DataSource(kind="file", path="table.csv", sha256=file_sha256(data_file),
                        format="csv", options={"target": "kind"})
    project = Project(name="Table", network=network, data=DataConfig(source))
    project.training = project.training.replace(epochs=2, batch_size=8)
    project_path = tmp_path / "table.nnstudio"
    save_project(project_path, project)
    folder = tmp_path / "export"
    folder.mkdir()
    _, metrics, weights = script_run(project, folder, project_path=project_path)
    assert (folder / "train_data.npz").is_file()
    assert_same_run(app_run(project, project_path), metrics, weights)


def test_script_refuses_networks_it_cannot_train_with_a_message():
    empty = example_project("empty")
    with pytest.raises(SpecError, match="no weights to train"):
        script_source(empty)
    wrong = small_spiral()
    wrong.network = chain(("input", {"shape": (3,)}), ("dense", {"units": 1}))
    with pytest.raises(SpecError, match=r"input_1: expects samples shaped \[3\].*\[2\]"):
        script_source(wrong)


def test_file_data_of_an_unsaved_project_is_refused_with_a_message(tmp_path):
    project = small_spiral()
    project.data = DataConfig(DataSource(kind="file", path="x.csv", format="csv"))
    with pytest.raises(DataError, match="save the project first"):
        export(project, None, "script", tmp_path / "train.py")


def test_a_projects_fixed_test_file_travels_with_the_script_and_trains_the_same(tmp_path):
    from nnstudio.data.cli_new import run_new

    def table(path, start, n):
        rows = ["a,b,c,kind"] + [f"{start + i % 7},{(i * 3) % 11},{i % 4},{'xyz'[i % 3]}"
                                 for i in range(n)]
        path.write_text("\n".join(rows) + "\n")

    table(tmp_path / "train.csv", 0, 60)
    table(tmp_path / "test.csv", 100, 21)
    project_path = tmp_path / "table.nnstudio"
    assert run_new(["--data", str(tmp_path / "train.csv"), "--target", "kind", "--test-data",
                    str(tmp_path / "test.csv"), "-o", str(project_path)]) == 0
    project = load_project(project_path).project
    project.training = project.training.replace(epochs=2, batch_size=8, early_stopping=False)
    folder = tmp_path / "export"
    folder.mkdir()
    _, metrics, weights = script_run(project, folder, project_path=project_path)
    with np.load(folder / "train_data.npz") as arrays:
        assert np.bincount(arrays["part"]).tolist() == [48, 12, 21]
    app = app_run(project, project_path)
    assert_same_run(app, metrics, weights)
    prepared = prepare_project_data(project, project_path)
    from nnstudio.engine.evaluate import evaluate

    test = evaluate(app.model, prepared.test, project.training.loss).metrics
    assert metrics["final_metrics"]["test_accuracy"] == pytest.approx(test["accuracy"])
