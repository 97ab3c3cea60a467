"""The timeline on the command line: `train --from-run RUN --epoch N` forks a run from a kept
epoch, and `evaluate --epoch N [--run RUN]` measures the snapshot kept nearest to epoch N.

A run keeps its weights at a few epochs (core.timeline) and its final weights; both commands
take the kept epoch nearest to the one asked for and say which they used. Runs are named by id
("run_3") or by name ("Run 3"); bad choices are SpecErrors naming the flag (exit 2).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnstudio.core.errors import SpecError
from nnstudio.core.project import LoadedProject, RunRecord, WeightsOrigin, load_run_snapshot
from nnstudio.core.timeline import nearest_epoch


@dataclass(frozen=True)
class Snapshot:
    """Weights a run kept: the run, the epoch asked for (None: its final weights), the epoch
    used, and the weights."""

    run: RunRecord
    wanted: int | None
    epoch: int
    weights: dict[str, np.ndarray]

    @property
    def origin(self) -> WeightsOrigin:
        return WeightsOrigin(self.run.id, self.epoch)

    def text(self) -> str:
        """ "Run 3 (run_3), epoch 13 (the kept epoch nearest to 12)"."""
        text = f"{self.run.name or self.run.id} ({self.run.id}), epoch {self.epoch}"
        if self.wanted is not None and self.wanted != self.epoch:
            text += f" (the kept epoch nearest to {self.wanted})"
        return text


def add_fork_arguments(parser: argparse.ArgumentParser) -> None:
    """train's --from-run and --epoch."""
    parser.add_argument("--from-run", metavar="RUN",
                        help="fork: start from the weights run RUN (its id or name) kept at "
                             "--epoch, recorded as the new run's parent")
    parser.add_argument("--epoch", type=int, metavar="N",
                        help="with --from-run: the epoch to start from; the run's kept epoch "
                             "nearest to N is used (default: the run's final weights)")


def add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    """evaluate's --epoch and --run."""
    parser.add_argument("--epoch", type=int, metavar="N",
                        help="measure the weights the run kept nearest to epoch N (says which "
                             "epoch it used) instead of the project's current weights")
    parser.add_argument("--run", metavar="RUN",
                        help="with --epoch: the run (its id or name; default: the run the "
                             "current weights came from, else the last run)")


def fork_snapshot(loaded: LoadedProject, args: argparse.Namespace) -> Snapshot | None:
    """The weights `train --from-run RUN [--epoch N]` starts from, or None without --from-run."""
    if args.from_run is None:
        if args.epoch is not None:
            raise SpecError("--epoch: name the run to fork with --from-run RUN")
        return None
    if getattr(args, "continue_", False):
        raise SpecError("--from-run: starts from a run's weights; leave out --continue")
    return _snapshot(loaded, _find_run(loaded, args.from_run, "--from-run"), args.epoch)


def evaluate_snapshot(loaded: LoadedProject, args: argparse.Namespace) -> Snapshot | None:
    """The weights `evaluate --epoch N [--run RUN]` measures, or None without --epoch."""
    if args.epoch is None:
        if args.run is not None:
            raise SpecError("--run: give the epoch to measure with --epoch N")
        return None
    project = loaded.project
    if args.run is not None:
        run = _find_run(loaded, args.run, "--run")
    else:
        origin = project.weights_origin
        run = project.find_run(origin.run) if origin is not None else None
        run = run or (project.runs[-1] if project.runs else None)
        if run is None:
            raise SpecError("--epoch: the project has no runs yet; train it first")
    return _snapshot(loaded, run, args.epoch)


def _find_run(loaded: LoadedProject, name: str, flag: str) -> RunRecord:
    runs = loaded.project.runs
    found = [run for run in runs if name in (run.id, run.name)]
    if not found:
        known = ", ".join(f"{run.id} ({run.name})" if run.name else run.id for run in runs)
        raise SpecError(f"{flag}: no run is called {name!r}; the project's runs are: "
                        f"{known or 'none yet'}")
    return found[-1]


def _snapshot(loaded: LoadedProject, run: RunRecord, wanted: int | None) -> Snapshot:
    kept = run.snapshot_epochs
    if not kept:
        raise SpecError(f"run {run.id} kept no weights to start from or measure; train it "
                        f"again to keep them")
    if wanted is not None and wanted < 1:
        raise SpecError(f"--epoch: must be 1 or more, got {wanted}")
    epoch = kept[-1] if wanted is None else nearest_epoch(kept, wanted)
    return Snapshot(run, wanted, epoch, load_run_snapshot(loaded.path, run, epoch))


def snapshot_json(snapshot: Snapshot) -> dict[str, Any]:
    """The snapshot for --json output: run, epoch asked for and "epoch_used"."""
    return {"run": snapshot.run.id, "epoch_requested": snapshot.wanted,
            "epoch_used": snapshot.epoch}
