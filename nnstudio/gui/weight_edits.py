"""Weights by hand: one weight or bias changed as an undoable edit of the current weights.

The new weights keep the run and epoch they came from, marked `edited`, so the lineage (runs
table, a run continued from them, the saved file) says "then edited by hand". Weights no run
made (fresh or imported) stay without an origin: a run continued from them already says so.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Mapping

import numpy as np
from PySide6.QtGui import QUndoCommand


class EditWeightCommand(QUndoCommand):
    """Sets one value of one tensor; undo puts back the very arrays and origin of before."""

    def __init__(self, document: Any, base: Mapping[str, np.ndarray], key: str,
                 index: tuple[int, ...], value: float):
        super().__init__(f"Set {key}[{', '.join(map(str, index))}] to {value:g}")
        self.document = document
        self.old_weights, self.old_origin = document.weights, document.weights_origin
        tensor = np.array(base[key], copy=True)
        tensor[index] = value
        self.new_weights = {**base, key: tensor}
        origin = self.old_origin if document.weights is not None else None
        self.new_origin = None if origin is None else dataclasses.replace(origin, edited=True)

    def redo(self) -> None:
        self.document.set_weights(self.new_weights, self.new_origin)

    def undo(self) -> None:
        self.document.set_weights(self.old_weights, self.old_origin)


def edit_weight(document: Any, key: str, index: tuple[int, ...], value: float,
                fresh: Mapping[str, np.ndarray] | None = None) -> str | None:
    """Set `key[index]` of the current weights to `value` as one undo step, or say why not.

    `fresh` are the weights a network without trained weights shows (its initial ones): the
    first edit of an untrained network starts from them.
    """
    if document.edit_lock is not None:
        return document.edit_lock
    base = document.weights if document.weights is not None else fresh
    if base is None or key not in base:
        return f"The network has no tensor {key} to edit."
    shape = np.shape(base[key])
    if len(index) != len(shape) or not all(0 <= i < n for i, n in zip(index, shape)):
        return f"{key} has shape {shape}; there is no entry {list(index)}."
    if not math.isfinite(value):
        return f"A weight must be a finite number, not {value}."
    document.undo_stack.push(EditWeightCommand(document, base, key, tuple(index), value))
    return None
