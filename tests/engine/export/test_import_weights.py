"""`nnstudio import-weights` refuses weights that are not finite and says what it converted."""

from __future__ import annotations

import numpy as np
import safetensors.numpy

from nnstudio.commands import run_subcommand
from nnstudio.core.examples import example_project
from nnstudio.core.project import load_project
from nnstudio.engine.modules import build_model
from nnstudio.engine.weights import model_to_arrays
from tests.engine.export.test_cli import project_file  # noqa: F401 - a fixture


def weights_file(tmp_path, change):
    weights = model_to_arrays(build_model(example_project("spiral").network, seed=4))
    change(weights)
    file = tmp_path / "trained.safetensors"
    safetensors.numpy.save_file(weights, str(file))
    return file


def test_nan_or_infinite_weights_are_refused_naming_the_tensor(project_file, tmp_path, capsys):
    def poison(weights):
        weights["dense_2.weight"][0, 0] = np.nan

    before = project_file.read_bytes()
    file = weights_file(tmp_path, poison)
    assert run_subcommand(["import-weights", str(project_file), str(file)]) == 2
    err = capsys.readouterr().err
    assert err == ("nnstudio import-weights: trained.safetensors: dense_2.weight holds 1 NaN or "
                   "infinite value: weights must be finite numbers (were they saved from a run "
                   "that diverged?)\n")
    assert project_file.read_bytes() == before


def test_the_conversions_made_are_said(project_file, tmp_path, capsys):
    def widen(weights):
        weights["dense_1.weight"] = weights["dense_1.weight"].astype(np.float64)
        weights["dense_1.bias"] = np.arange(len(weights["dense_1.bias"]), dtype=np.uint64)

    file = weights_file(tmp_path, widen)
    assert run_subcommand(["import-weights", str(project_file), str(file)]) == 0
    out = capsys.readouterr().out
    assert out.rstrip().endswith("; converted dense_1.bias from uint64 to float32, "
                                 "dense_1.weight from float64 to float32")
    loaded = load_project(project_file).weights
    assert loaded["dense_1.weight"].dtype == np.float32
    assert loaded["dense_1.bias"].tolist() == list(range(len(loaded["dense_1.bias"])))
