"""Every training setting the script mirrors gives the app's run bit for bit: the script's own
`train()` is run in this process (fast) and compared with the engine's `fit`."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

from nnstudio.core.network import chain
from nnstudio.core.project import DataConfig, DataSource, Project
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.export.script import script_source
from nnstudio.engine.trainer import fit


def project_for(dataset: str, params: dict, network, training: dict,
                preprocessing: str = "standardize") -> Project:
    project = Project(name="Settings", network=network,
                      data=DataConfig(DataSource.builtin(dataset, params),
                                      preprocessing=preprocessing))
    project.training = project.training.replace(device="cpu", **training)
    return project


def two_class(output_activation: str = "sigmoid", units: int = 1):
    return chain(("input", {"shape": (2,)}), ("dense", {"units": 6, "activation": "relu"}),
                 ("dense", {"units": units, "activation": output_activation}))


CASES = {
    "sgd with nesterov and a step schedule": (
        "moons", {"n_samples": 80}, two_class(),
        {"optimizer": "sgd", "nesterov": True, "schedule": "step", "step_size": 2,
         "epochs": 4}),
    "rmsprop with a cosine schedule and mse on classes": (
        "circle", {"n_samples": 80}, two_class(),
        {"optimizer": "rmsprop", "schedule": "cosine", "loss": "mse", "epochs": 3}),
    "adagrad, softmax over two classes": (
        "xor", {"n_samples": 80}, two_class("softmax", 2),
        {"optimizer": "adagrad", "epochs": 3}),
    "softmax over three spiral arms, l2 and clipping": (
        "spiral_arms", {"n_samples": 90, "classes": 3}, two_class("softmax", 3),
        {"l2": 0.001, "grad_clip": 0.5, "epochs": 3}),
    "adamw with a plateau schedule watching validation accuracy": (
        "gaussians", {"n_samples": 80, "noise": 0.5}, two_class(),
        {"optimizer": "adamw", "schedule": "plateau", "plateau_patience": 1,
         "monitor": "val_accuracy", "epochs": 5, "learning_rate": 0.5}),
    "early stopping restores the best epoch": (
        "circle", {"n_samples": 60}, two_class(),
        {"early_stopping": True, "patience": 1, "monitor": "val_f1", "learning_rate": 3.0,
         "epochs": 12}),
    "huber regression with minmax scaling": (
        "multi_gaussian", {"n_samples": 90},
        chain(("input", {"shape": (2,)}), ("dense", {"units": 5, "activation": "tanh"}),
              ("dense", {"units": 1})),
        {"loss": "huber", "epochs": 3, "early_stopping": True, "monitor": "val_r2"}),
    "mae regression, unscaled": (
        "plane", {"n_samples": 50},
        chain(("input", {"shape": (2,)}), ("dense", {"units": 1, "activation": "tanh"})),
        {"loss": "mae", "epochs": 2, "batch_size": 7}),
}


def run_script_here(project: Project, folder) -> tuple[dict, dict]:
    """The script's own main(), run in this process as `python train.py --out folder`."""
    namespace = {"__name__": "exported_script", "__file__": str(folder / "train.py")}
    exec(compile(script_source(project), "train.py", "exec"), namespace)  # our own text
    namespace["main"](["--out", str(folder), "--device", "cpu"])
    metrics = json.loads((folder / "metrics.json").read_text())
    return metrics, load_file(str(folder / "weights.safetensors"))


@pytest.mark.parametrize("case", CASES)
def test_script_mirrors_the_apps_run_for_this_setting(case, tmp_path, capsys):
    dataset, params, network, training = CASES[case]
    preprocessing = "minmax" if "minmax" in case else "none" if "unscaled" in case \
        else "standardize"
    project = project_for(dataset, params, network, training, preprocessing)
    # The torch path, which the script writes out (the fast path agrees within float rounding).
    app = fit(project.network, prepare_project_data(project), project.training, threads=1,
              path="torch")
    metrics, weights = run_script_here(project, tmp_path)
    for name, values in app.history.items():
        assert metrics["history"][name] == values, name
    assert metrics.get("best_epoch", 0) == app.best_epoch  # written only with early stopping
    for key, array in app.weights.items():
        assert np.array_equal(weights[key], array), key
    if app.stop_reason == "early_stopping":
        assert "early stopping:" in capsys.readouterr().out
    torch.set_num_threads(1)  # the script chose its threads; the suite runs on one


def test_early_stopping_case_really_stops_early(tmp_path):
    dataset, params, network, training = CASES["early stopping restores the best epoch"]
    project = project_for(dataset, params, network, training)
    app = fit(project.network, prepare_project_data(project), project.training, threads=1)
    assert app.stop_reason == "early_stopping" and app.best_epoch < app.epochs_run
