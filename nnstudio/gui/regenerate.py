"""Regenerate: new points for a generated dataset, as one undoable edit (Playground's button).

The data settings keep everything but the seed, which moves on by one, so the points are new,
the run after them is repeatable, and Edit ▸ Undo brings the previous points back.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from nnstudio.core.project import MAX_SEED
from nnstudio.data.builtin import BUILTIN_DATASETS, GENERATED


def can_regenerate(data: Any) -> bool:
    """Whether `data` (a DataConfig) draws random points a new seed changes: the generated
    point sets, which take a number of points (the modular table is the same for any seed)."""
    source = data.source
    entry = BUILTIN_DATASETS.get(source.name) if source.kind == "builtin" else None
    return entry is not None and entry.kind == GENERATED and "n_samples" in entry.params.names()


def regenerate(document: Any) -> str:
    """Give `document`'s generated dataset its next seed as an undo step; returns what happened
    in words for the status bar."""
    data = document.project.data
    if not can_regenerate(data):
        return "Regenerate draws new points for a generated dataset (Circle, Spiral, …); " \
               "this project's data does not change with a seed."
    source = data.source
    seed = (source.seed + 1) % (MAX_SEED + 1)
    changed = dataclasses.replace(data, source=dataclasses.replace(source, seed=seed))
    name = BUILTIN_DATASETS[source.name].display_name
    if not document.push_data_config(changed, f"Regenerate {name} (seed {seed})"):
        return document.edit_lock or "The data cannot change now."
    return (f"New points for {name}: seed {source.seed} → {seed} "
            f"(Edit ▸ Undo brings the previous points back).")
