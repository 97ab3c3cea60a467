"""Measure when the grokking example memorises and when it generalises.

    .venv/bin/python benchmarks/grokking.py [--epochs N] [--lr X] [--weight-decay X] ...

Trains the example project (or the settings given) on one thread and prints, every 100 epochs,
the training and validation accuracy, then the first epoch where training accuracy reaches
0.99 and the first where validation accuracy passes 0.9, with the wall time.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

from nnstudio.core.examples import example_project
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.callbacks import Callback
from nnstudio.engine.trainer import fit


class Milestones(Callback):
    def __init__(self, every: int) -> None:
        self.every, self.memorised, self.generalised = every, 0, 0
        self.started = time.perf_counter()

    def on_epoch_end(self, snapshot) -> None:
        metrics = snapshot.metrics
        train, held_out = metrics.get("accuracy", 0.0), metrics.get("val_accuracy", 0.0)
        if not self.memorised and train >= 0.99:
            self.memorised = snapshot.epoch
        if not self.generalised and held_out > 0.9:
            self.generalised = snapshot.epoch
        if snapshot.epoch % self.every == 0:
            print(f"epoch {snapshot.epoch:5d}  train {train:.3f}  validation {held_out:.3f}  "
                  f"{time.perf_counter() - self.started:6.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--weight-decay", type=float)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--train-fraction", type=float,
                        help="the share of pairs to train on; 10%% are the test set, the rest validation")
    parser.add_argument("--every", type=int, default=100)
    args = parser.parse_args()
    project = example_project("grokking")
    if args.train_fraction is not None:
        project = dataclasses.replace(project, data=dataclasses.replace(
            project.data, validation=0.9 - args.train_fraction, test=0.1))
    overrides = {key: value for key, value in (
        ("epochs", args.epochs), ("learning_rate", args.lr),
        ("weight_decay", args.weight_decay), ("batch_size", args.batch_size)) if value is not None}
    config = project.training.replace(**overrides) if overrides else project.training
    milestones = Milestones(args.every)
    fit(project.network, prepare_project_data(project), config, [milestones], threads=1)
    print(f"train accuracy >= 0.99 at epoch {milestones.memorised or 'never'}; validation "
          f"accuracy > 0.9 at epoch {milestones.generalised or 'never'}; "
          f"{time.perf_counter() - milestones.started:.1f} s")


if __name__ == "__main__":
    main()
