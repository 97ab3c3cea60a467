"""Every export writes its files whole or not at all: an interrupted export keeps what was
there before and leaves no temporary file behind."""

from __future__ import annotations

import os

import pytest

from nnstudio.core.examples import example_project
from nnstudio.core.project import RunRecord
from nnstudio.engine.export import FORMATS, export
from nnstudio.engine.modules import build_model
from nnstudio.engine.weights import model_to_arrays


def spiral_with_a_run():
    project = example_project("spiral")
    project.runs.append(RunRecord(
        id="run_1", name="first", note="", created="2026-01-02T03:04:05Z", device="cpu",
        config=project.training, history={"loss": [0.7, 0.4], "val_loss": [0.8, 0.5]},
        final_metrics={"loss": 0.4}, network=project.network, data=project.data))
    return project


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_an_interrupted_export_keeps_the_old_files_and_leaves_no_temporary_one(
        fmt, tmp_path, monkeypatch):
    project = spiral_with_a_run()
    weights = model_to_arrays(build_model(project.network, seed=1))
    out = tmp_path / f"model{FORMATS[fmt][1]}"
    written = export(project, weights, fmt, out).files
    before = {path.name: path.read_bytes() for path in written}

    def interrupted(handle):  # Ctrl+C while the new file's bytes are on their way to disk
        raise KeyboardInterrupt

    project.name = "Spiral again"  # so every new file differs from the old one
    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export(project, model_to_arrays(build_model(project.network, seed=2)), fmt, out)
    monkeypatch.undo()
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before
