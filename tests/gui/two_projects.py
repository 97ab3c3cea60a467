"""Two saved projects that share nothing a person could confuse: a three-class CSV of cell
measurements (classes indolent, aggressive, borderline: words no built-in text uses; columns
radius_mm, texture_au) trained for a few epochs, and the built-in spiral (classes first arm,
second arm), never trained."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

CELLS_CLASSES = ("aggressive", "borderline", "indolent")  # the CSV reader sorts text labels
CELLS_WORDS = (*CELLS_CLASSES, "radius_mm", "texture_au", "cells")


def write_cells_csv(path: Path, rows: int = 90, classes: int = 3) -> Path:
    rng = np.random.default_rng(0)
    lines = ["radius_mm,texture_au,diagnosis"]
    for i in range(rows):
        kind = ("indolent", "aggressive", "borderline")[i % classes]
        radius = {"indolent": 11.0, "aggressive": 19.0, "borderline": 15.0}[kind] \
            + rng.normal(0, 1)
        texture = 400.0 + 60.0 * (kind == "aggressive") + rng.normal(0, 15)
        lines.append(f"{radius:.3f},{texture:.2f},{kind}")
    path.write_text("\n".join(lines) + "\n")
    return path


def save_cells_project(folder: Path, epochs: int = 3, classes: int = 3) -> Path:
    """A trained project on the cells CSV (three classes, or the first two), with a dense net
    2 → 8 → one output per class."""
    from nnstudio.commands import run_subcommand
    from nnstudio.core.config import TrainingConfig
    from nnstudio.core.network import chain
    from nnstudio.core.project import DataConfig, DataSource, Project
    from nnstudio.data.importers import data_checksum
    from nnstudio.gui.document import ProjectDocument

    csv = write_cells_csv(folder / "cells.csv", classes=classes)
    source = DataSource(kind="file", path="cells.csv", sha256=data_checksum(csv), format="csv",
                        options={"target": "diagnosis"})
    network = chain(("input", {"shape": (2,)}),
                    ("dense", {"units": 8, "activation": "tanh"}),
                    ("dense", {"units": classes, "activation": "softmax"}))
    project = Project(name="cells", network=network,
                      data=DataConfig(source, preprocessing="standardize"),
                      training=TrainingConfig({"epochs": epochs, "batch_size": 16,
                                               "device": "cpu"}))
    path = folder / "cells.nnstudio"
    assert ProjectDocument(project).save(path) is None
    assert run_subcommand(["train", str(path)]) == 0
    return path


def save_spiral_project(folder: Path) -> Path:
    from nnstudio.core.examples import example_project
    from nnstudio.gui.document import ProjectDocument

    project = dataclasses.replace(example_project("spiral"), name="spiral")
    path = folder / "spiral.nnstudio"
    assert ProjectDocument(project).save(path) is None
    return path
