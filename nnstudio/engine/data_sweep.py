"""The data-scaling sweep: one network trained on more and more of its training rows.

Where the scale sweep (engine.sweep) grows the network, this one grows the data: each training
size n trains on the first n rows of one seeded shuffle of the training split (so a larger set
holds every smaller one), with every seed, and is measured on the same validation and test rows.
Each size reports accuracy beside the loss (log loss for classes): a continuous metric that
shows gradual progress where the accuracy may seem to jump (Schaeffer et al. 2023).
"""

from __future__ import annotations

import csv
import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from nnstudio.core.errors import SpecError
from nnstudio.core.history import format_table, metric_columns
from nnstudio.data.preprocessing import PreparedData
from nnstudio.engine.sweep import SweepProgress, SweepResult, SweepRun, SweepSize, run_sweep


@dataclass
class DataSweepResult:
    """One `SweepRun` per training size x seed, in size order; `sizes[i]` is the training row
    count of the runs in `runs_by_size[i]`."""

    name: str
    metric: str
    train_sizes: list[int]
    runs_by_size: list[list[SweepRun]] = field(default_factory=list)
    seconds: float = 0.0
    cancelled: bool = False
    seeds: list[int] = field(default_factory=list)
    epochs: int = 0
    task: str = ""
    chance: float | None = None
    label_noise: float = 0.0

    def as_sweep_result(self) -> SweepResult:
        """The same runs as a `SweepResult` of scale "data" (sizes are training rows), for the
        pictures and the sweep window."""
        sizes = [SweepSize(train_rows=n) for n in self.train_sizes]
        return SweepResult(self.name, "data", sizes, self.seeds, self.epochs, self.task,
                           self.metric, self.chance,
                           [run for runs in self.runs_by_size for run in runs],
                           self.seconds, self.cancelled, label_noise=self.label_noise)

    def to_png(self, path: str | os.PathLike[str], size: tuple[int, int] = (1200, 520)) -> None:
        """The picture `SweepResult.to_png` draws, against the training rows."""
        self.as_sweep_result().to_png(path, size)

    @property
    def held_out(self) -> str:
        runs = [run for runs in self.runs_by_size for run in runs]
        return "test" if any(f"test_{self.metric}" in r.metrics for r in runs) else "val"

    def columns(self) -> list[str]:
        held = self.held_out
        return ["train_size", "seed", f"train_{self.metric}", f"{held}_{self.metric}",
                "train_loss", f"{held}_loss", "epochs"]

    def rows(self) -> list[list[Any]]:
        held = self.held_out
        return [[size, run.seed, run.metrics.get(f"train_{self.metric}"),
                 run.metrics.get(f"{held}_{self.metric}"), run.metrics.get("train_loss"),
                 run.metrics.get(f"{held}_loss"), run.epochs_run]
                for size, runs in zip(self.train_sizes, self.runs_by_size) for run in runs]

    def table(self) -> str:
        return format_table(self.columns(), self.rows())

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """One line per training size x seed with every final metric, and whether the run
        completed or was stopped partway (Ctrl+C keeps it as trained so far)."""
        pairs = [(size, run) for size, runs in zip(self.train_sizes, self.runs_by_size)
                 for run in runs]
        metrics = metric_columns(run.metrics for _, run in pairs)
        with open(path, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(["train_size", "seed", "epochs", "stop_reason", *metrics])
            for size, run in pairs:
                writer.writerow([size, run.seed, run.epochs_run, run.stop_reason,
                                 *[repr(run.metrics[m]) if m in run.metrics else ""
                                   for m in metrics]])


def training_subsets(data: PreparedData, train_sizes: Sequence[int],
                     seed: int, where: str = "--train-sizes") -> list[PreparedData]:
    """`data` with its training split cut to each size: the first n rows of one shuffle drawn
    with `seed`, so the sets are nested. SpecError naming `where` (the option or the field)
    for a size below 1, above the training rows, or listed twice."""
    available = data.train.n_samples
    for size in train_sizes:
        if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= available:
            raise SpecError(f"{where}: each must be from 1 to the {available} training "
                            f"rows, got {size!r}")
    if not train_sizes or len(set(train_sizes)) != len(train_sizes):
        raise SpecError(f"{where}: give distinct sizes, e.g. 50,100,200")
    order = np.random.default_rng(seed).permutation(available)
    return [dataclasses.replace(data, train=data.train.subset(np.sort(order[:size])))
            for size in train_sizes]


def run_data_sweep(project: Any, train_sizes: Sequence[int], seeds: int | Sequence[int] = 3,
                   *, data: PreparedData, config: Any, progress: Any = None,
                   where: str = "--train-sizes", **sweep_options: Any) -> DataSweepResult:
    """Train `project`'s network on each training size with each seed (options as
    `run_sweep`'s: progress, cancel, epochs, keep_stopped); stops early when cancelled, keeping
    the sizes finished and, with keep_stopped, the models of the size then training as trained
    so far. Each run's size is its training rows; `progress` counts over all the sizes; `where`
    names the sizes in messages."""
    sizes = sorted(train_sizes)
    result = None
    subsets = training_subsets(data, sizes, project.data.split_seed, where)
    for index, subset in enumerate(subsets):
        rows = SweepSize(train_rows=sizes[index])
        one = run_sweep(project.network, [SweepSize()], seeds, data=subset, config=config,
                        progress=_overall(progress, index, len(sizes), rows), **sweep_options)
        if result is None:
            result = DataSweepResult(project.name, one.metric, sizes, seeds=one.seeds,
                                     epochs=one.epochs, task=one.task, chance=one.chance,
                                     label_noise=project.data.label_noise)
        if one.runs:  # a size stopped before any of its models was kept has no line
            result.runs_by_size.append([dataclasses.replace(run, size=rows)
                                        for run in one.runs])
        result.seconds += one.seconds
        if one.cancelled:
            result.cancelled = True
            result.train_sizes = sizes[:len(result.runs_by_size)]
            break
    return result


def _overall(progress: Any, index: int, count: int, rows: SweepSize) -> Any:
    """One training size's progress as a share of the whole data sweep, its rows named."""
    if progress is None:
        return None

    def report(update: SweepProgress) -> None:
        progress(SweepProgress(
            index * update.total + update.done, count * update.total,
            f"{rows.label}: {update.text.split(': ', 1)[-1]}",
            tuple(dataclasses.replace(run, size=rows) for run in update.finished)))

    return report
