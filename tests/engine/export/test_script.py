"""The exported training script: it runs on its own (copied with its data file to another
folder, run from a third, with nnstudio not importable), repeats the app's run exactly in one
process, trains with DistributedDataParallel under torchrun, and saves weights NN Studio loads
back."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
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
from nnstudio.data.resources import resources_dir
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.export import export, import_weights
from nnstudio.engine.export.script import BUNDLED_FILES, script_source
from nnstudio.engine.trainer import fit

PYTHON = Path(sys.executable)
TORCHRUN = PYTHON.with_name("torchrun")


@pytest.fixture(scope="module")
def no_nnstudio(tmp_path_factory) -> Path:
    """A folder whose `nnstudio` package fails to import: first on PYTHONPATH, it hides the
    installed one, so a script that imports nnstudio at all fails."""
    folder = tmp_path_factory.mktemp("no_nnstudio")
    (folder / "nnstudio").mkdir()
    (folder / "nnstudio" / "__init__.py").write_text(
        "raise ImportError('the exported script must not need nnstudio')\n")
    return folder


def run(command: list, cwd: Path, hide: Path, timeout: int = 180) -> subprocess.CompletedProcess:
    """Run the script as a person would: its own process, one CPU thread, nnstudio hidden."""
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(hide)}
    environment.pop("WORLD_SIZE", None)
    return subprocess.run([str(part) for part in command], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=timeout)


def export_alone(project: Project, tmp_path: Path, project_path: Path | None = None) -> Path:
    """Export the script, copy only the exported files into a folder of their own, and return
    the script's path there."""
    exported = tmp_path / "export"
    exported.mkdir()
    result = export(project, None, "script", exported / "train.py", project_path=project_path)
    alone = tmp_path / "alone"
    alone.mkdir()
    for path in result.files:
        shutil.copyfile(path, alone / path.name)
    return alone / "train.py"


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


def script_run(project: Project, tmp_path: Path, hide: Path, *args: str,
               project_path: Path | None = None):
    """Export, then run the script alone from another folder; its output, metrics and weights."""
    script = export_alone(project, tmp_path, project_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run([PYTHON, script, "--out", "out", "--device", "cpu", *args], elsewhere, hide)
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((elsewhere / "out" / "metrics.json").read_text())
    return result, metrics, load_file(str(elsewhere / "out" / "weights.safetensors"))


def assert_same_run(app, metrics: dict, weights: dict) -> None:
    assert metrics["history"].keys() == app.history.keys()
    for name, values in app.history.items():
        assert metrics["history"][name] == values, name  # bit for bit, every epoch
    assert weights.keys() == app.weights.keys()
    for key, array in app.weights.items():
        assert np.array_equal(weights[key], array), key
    for name, value in app.final_metrics.items():
        assert metrics["final_metrics"][name] == value, name


def test_script_alone_repeats_the_apps_run_with_the_settings_given_as_flags(tmp_path,
                                                                           no_nnstudio):
    project = small_spiral(epochs=5)
    result, metrics, weights = script_run(project, tmp_path, no_nnstudio, "--epochs", "2",
                                          "--batch-size", "10", "--lr", "0.02", "--seed", "3")
    flagged = dataclasses.replace(project, training=project.training.replace(
        epochs=2, batch_size=10, learning_rate=0.02, seed=3))
    assert_same_run(app_run(flagged), metrics, weights)
    assert "epoch 2/2  loss " in result.stdout
    assert "test_accuracy" in metrics["final_metrics"]
    saved = tmp_path / "elsewhere" / "out" / "weights.safetensors"
    imported = import_weights(project, saved).weights
    assert imported.keys() == weights.keys()
    assert all(np.array_equal(imported[k], weights[k]) for k in weights)


@pytest.mark.parametrize("example", ["digits_cnn", "regression"])
def test_script_of_an_example_with_bundled_data_repeats_the_apps_first_epochs(example, tmp_path,
                                                                              no_nnstudio):
    project = example_project(example)
    project.training = project.training.replace(epochs=1 if example == "digits_cnn" else 2)
    _, metrics, weights = script_run(project, tmp_path, no_nnstudio)
    assert (tmp_path / "alone" / BUNDLED_FILES[project.data.source.name]).is_file()
    assert_same_run(app_run(project), metrics, weights)


def test_script_computes_the_feature_transforms_and_repeats_the_apps_run(tmp_path, no_nnstudio):
    project = Project(name="Circle squared", network=chain(
        ("input", {"shape": (4,)}), ("dense", {"units": 1, "activation": "sigmoid"})),
        data=DataConfig(DataSource.builtin("circle", {"n_samples": 120, "noise": 0.1}),
                        transforms=("x1^2", "x2^2", "x1*x2", "sin(x1)")))
    project.training = project.training.replace(epochs=3, batch_size=16)
    source = script_source(project)
    assert "eval(" not in source.replace("model.eval()", "")  # code, never an evaluated string
    assert "x[:, 0] ** 2,  # x1^2" in source and "np.sin(x[:, 0]),  # sin(x1)" in source
    _, metrics, weights = script_run(project, tmp_path, no_nnstudio)
    assert_same_run(app_run(project), metrics, weights)


def test_two_torchrun_processes_train_on_shards_and_end_with_identical_weights(tmp_path,
                                                                               no_nnstudio):
    project = small_spiral(epochs=3)
    script = export_alone(project, tmp_path)
    result = run([TORCHRUN, "--standalone", "--nproc_per_node=2", script, "--out", "out",
                  "--device", "cpu", "--save-every-rank"], tmp_path, no_nnstudio, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "training on cpu in 2 processes, 3 epochs of 6 batches" in result.stdout
    assert "all 2 processes end with identical weights" in result.stdout
    assert "terminate called" not in result.stderr  # every process left the group cleanly
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


def test_dry_run_trains_one_batch_and_writes_nothing(tmp_path, no_nnstudio):
    script = export_alone(small_spiral(epochs=50), tmp_path)
    result = run([PYTHON, script, "--dry-run", "--device", "cpu"], tmp_path, no_nnstudio)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "epochs of" in result.stdout and "epoch 1/1  loss " in result.stdout
    assert "epoch 2/" not in result.stdout
    assert not (tmp_path / "out").exists()


def test_flags_are_listed_and_bad_values_refused_in_one_line(tmp_path, no_nnstudio):
    script = export_alone(small_spiral(), tmp_path)
    shown = run([PYTHON, script, "--help"], tmp_path, no_nnstudio)
    assert shown.returncode == 0
    for flag in ("--epochs", "--batch-size", "--lr", "--seed", "--device", "--data", "--out",
                 "--dry-run"):
        assert flag in shown.stdout, flag
    refused = run([PYTHON, script, "--batch-size", "0"], tmp_path, no_nnstudio)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "--batch-size must be 1 or more" in refused.stderr


def test_data_option_trains_on_a_csv_table_and_bad_tables_get_a_message(tmp_path, no_nnstudio):
    rows = ["x1,x2,label"] + [f"{i % 7 - 3},{i % 5 - 2},{int(i % 7 > 3)}" for i in range(60)]
    (tmp_path / "mine.csv").write_text("\n".join(rows) + "\n")
    project = small_spiral(epochs=50)
    result, metrics, _ = script_run(project, tmp_path, no_nnstudio,
                                    "--data", str(tmp_path / "mine.csv"), "--epochs", "1")
    assert "train: 36 samples" in result.stdout
    assert len(metrics["history"]["loss"]) == 1
    (tmp_path / "bad.csv").write_text("x1,x2,label\n1,2,0\n3,oops,1\n")
    failed = run([PYTHON, tmp_path / "alone" / "train.py", "--data", "bad.csv"], tmp_path,
                 no_nnstudio)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "bad.csv: cannot be read as a table of numbers with a header row" in failed.stderr


def test_missing_data_file_ends_with_a_message_not_a_traceback(tmp_path, no_nnstudio):
    script = export_alone(example_project("digits_mlp"), tmp_path)
    (script.parent / "digits.csv.gz").unlink()
    result = run([PYTHON, script], tmp_path, no_nnstudio)
    assert result.returncode == 1
    assert "Cannot find the data file" in result.stderr
    assert "pass --data PATH" in result.stderr
    assert "Traceback" not in result.stderr


def test_data_from_a_file_travels_beside_the_script_and_trains_the_same(tmp_path, no_nnstudio):
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
    _, metrics, weights = script_run(project, tmp_path, no_nnstudio, project_path=project_path)
    assert (tmp_path / "alone" / "train_data.npz").is_file()
    assert_same_run(app_run(project, project_path), metrics, weights)


# Code each optional part of a run brings; a script whose project does not use it has none of it.
OPTIONAL_CODE = ("math.cos", "cosine_between", "Plateau", "learning_rate(", "set_rate",
                 "penalized", "clip_grad_norm_", "best_state", "MONITOR", "weight_decay",
                 "momentum", "nesterov", "standardized_target", "folded", "network_inputs",
                 "fixed_parts", "init_weights", "RENAMED", "TRAINING")


def test_a_script_holds_only_the_code_its_run_uses():
    plain = script_source(example_project("spiral"))  # Adam at a constant rate, nothing else
    for code in OPTIONAL_CODE:
        assert code not in plain, code
    full = script_source(small_spiral())  # one-cycle, L1 and L2, clipping, early stopping
    for code in ("cosine_between", "set_rate", "penalized", "clip_grad_norm_(network.parameters"
                 "(), 1.0", "0.0005 * sum(w.abs()", "0.001 * sum(w.square()", "best_state",
                 'MONITOR = "val_loss"', "init_weights"):
        assert code in full, code
    stepped = script_source(small_spiral(schedule="step", optimizer="sgd", l1=0.0, l2=0.0,
                                         grad_clip=0.0, early_stopping=False))
    assert "learning_rate(args.lr, epoch)" in stepped and "momentum=0.9" in stepped
    for code in ("math.cos", "penalized", "clip_grad_norm_", "best_state", "weight_decay"):
        assert code not in stepped, code


def test_a_bundled_tables_script_names_no_path_of_this_machine():
    source = script_source(example_project("digits_cnn"))
    assert str(resources_dir()) not in source and "resources/" not in source
    assert "DEFAULT_DATA = Path(__file__).with_name('digits.csv.gz')" in source


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


def test_a_projects_fixed_test_file_travels_with_the_script_and_trains_the_same(tmp_path,
                                                                                no_nnstudio):
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
    _, metrics, weights = script_run(project, tmp_path, no_nnstudio, project_path=project_path)
    with np.load(tmp_path / "alone" / "train_data.npz") as arrays:
        assert np.bincount(arrays["part"]).tolist() == [48, 12, 21]
    app = app_run(project, project_path)
    assert_same_run(app, metrics, weights)
    prepared = prepare_project_data(project, project_path)
    from nnstudio.engine.evaluate import evaluate

    test = evaluate(app.model, prepared.test, project.training.loss).metrics
    assert metrics["final_metrics"]["test_accuracy"] == pytest.approx(test["accuracy"])
