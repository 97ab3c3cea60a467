"""Keeping a run's timeline: its weights at the epochs `core.timeline.kept_epochs` names.

`TimelineRequest` is the engine callback that asks the run for weight copies at those epochs
only (the trainer's `wants_weights`, read at each epoch's end, on both training paths); the
copies ride in the run's epoch snapshots, the one route of what a run produces. `Timeline`
gathers them from the snapshots, wherever they arrive (the CLI's own callback, the window's
GUI thread), and `finish` adds the run's final weights at the epoch they are from.
`TimelineRecorder` is both in one callback, for a run with no other listener (the CLI).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from nnstudio.core.timeline import is_kept
from nnstudio.engine.callbacks import Callback, EpochSnapshot, FitResult


class TimelineRequest(Callback):
    """Asks a run of `epochs` planned epochs for its weights at the epochs it keeps."""

    def __init__(self, epochs: int):
        self.planned = epochs
        self.epochs_done = 0  # counted on the training thread, as the run reports them

    @property
    def wants_weights(self) -> bool:  # read as epoch `epochs_done + 1` ends
        return is_kept(self.epochs_done + 1, self.planned)

    def on_epoch_end(self, snapshot: EpochSnapshot) -> None:
        self.epochs_done = snapshot.epoch


class Timeline:
    """The weights one run kept so far: `snapshots` maps epochs (the run's own, from 1) to
    weights, in increasing order."""

    def __init__(self, epochs: int):
        self.planned = epochs
        self.snapshots: dict[int, Mapping[str, np.ndarray]] = {}

    def add(self, snapshot: EpochSnapshot) -> bool:
        """Keep `snapshot`'s weights if its epoch is one the run keeps; True if kept."""
        if snapshot.weights is None or not is_kept(snapshot.epoch, self.planned):
            return False
        self.snapshots[snapshot.epoch] = snapshot.weights
        return True

    def finish(self, weights: Mapping[str, np.ndarray], epoch: int) -> None:
        """The run ended with `weights`, those of its epoch `epoch` (its last, or the best
        one early stopping put back; 0: none): kept too, so the timeline ends where the run
        does."""
        if epoch > 0 and weights and epoch not in self.snapshots:
            self.snapshots = dict(sorted({**self.snapshots, epoch: weights}.items()))

    @property
    def epochs(self) -> tuple[int, ...]:
        return tuple(self.snapshots)

    def arrays(self) -> dict[int, dict[str, np.ndarray]]:
        """The snapshots as plain dicts of arrays, for `save_project(run_timelines=...)`."""
        return {epoch: dict(weights) for epoch, weights in self.snapshots.items()}


def final_epoch(result: FitResult, restore_best: bool) -> int:
    """The epoch `result`'s weights are from: the best one when early stopping put it back,
    else the run's last (as `RunRecord.final_origin` records it)."""
    last = max((len(values) for values in result.history.values()), default=0)
    if result.stop_reason == "early_stopping" and restore_best and 0 < result.best_epoch < last:
        return result.best_epoch
    return last


class TimelineRecorder(TimelineRequest):
    """Asks for and keeps a run's timeline (`timeline`), its final weights included."""

    def __init__(self, epochs: int, restore_best: bool = True):
        super().__init__(epochs)
        self.restore_best = restore_best
        self.timeline = Timeline(epochs)

    def on_epoch_end(self, snapshot: EpochSnapshot) -> None:
        super().on_epoch_end(snapshot)
        self.timeline.add(snapshot)

    def on_train_end(self, result: FitResult) -> None:
        self.timeline.finish(result.weights, final_epoch(result, self.restore_best))
