"""The headless command line: `nnstudio train|evaluate|summary|sweep PROJECT ...`.

One table, `SUBCOMMANDS`, maps a name to its help line, the function that adds its arguments and
the function that runs it, so another subcommand is one more entry. Nothing here imports Qt, and
torch is imported only inside the commands that train or evaluate, so `nnstudio` (the window)
still starts without waiting for it.

Exit codes: 0 done; 2 bad input (an unreadable project, a bad option), with one line on stderr
and no traceback; 1 a failure during training, with its message; 130 stopped by Ctrl+C (a
partly trained run is saved first).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TextIO

from nnstudio.core.errors import NNStudioError, TrainingError
from nnstudio.core.history import origin_text, start_text
from nnstudio.core.metrics import REPORT_SPLITS, format_metric_value, metric_label

OK, FAILED, BAD_INPUT = 0, 1, 2
INTERRUPTED = 130  # Ctrl+C, as shells report SIGINT (128 + 2); what was done is kept


class BadInput(Exception):
    """A command line or input that cannot be used; its message is the one line to print."""


@dataclass(frozen=True)
class Subcommand:
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse, but errors become BadInput (one line, exit 2) instead of usage and exit."""

    def error(self, message: str):  # noqa: D401 - argparse's hook
        raise BadInput(f"{message} (see {self.prog} --help)")


# ---- shared helpers -----------------------------------------------------------------------------

def _add_project(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", metavar="PROJECT", help="a .nnstudio project file")


def _add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object instead of text, for scripts")


def _load(path: str):
    from nnstudio.core.project import load_project

    if not Path(path).is_file():
        raise BadInput(f"{path}: no such project file")
    return load_project(path)


def _prepared_data(loaded):
    from nnstudio.data.source import prepare_project_data

    return prepare_project_data(loaded.project, loaded.path)


def _print_json(value: Any, out: TextIO) -> None:
    out.write(json.dumps(_json_safe(value), sort_keys=False) + "\n")


def _json_safe(value: Any) -> Any:
    """NaN and infinity are not JSON: they become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def _format_number(value: float) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.4g}"


def _format_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


# ---- summary ----------------------------------------------------------------------------------

def _summary_arguments(parser: argparse.ArgumentParser) -> None:
    _add_project(parser)
    _add_json(parser)


def _summary(args: argparse.Namespace) -> int:
    from nnstudio.core.layers import layer_type
    from nnstudio.core.shapes import infer_shapes, summary

    project = _load(args.project).project
    network = project.network
    report = infer_shapes(network)
    if not args.json:
        print(f"{project.name} ({args.project})")
        print(summary(network, report))
        return OK
    order = report.order or tuple(network.ids())
    layers = []
    for node_id in order:
        node = network.node(node_id)
        info = report.nodes.get(node_id)
        shape = info.shape if info else None
        layers.append({"id": node_id, "type": node.type, "name": layer_type(node.type).name,
                       "output_shape": list(shape) if shape is not None else None,
                       "params": info.params if info else 0, "inputs": list(node.inputs)})
    _print_json({"name": project.name, "layers": layers, "total_params": report.total_params,
                 "errors": [message for _, message in report.errors]}, sys.stdout)
    return OK


# ---- train ------------------------------------------------------------------------------------

# Command-line option -> training setting, each checked by the setting's own rules.
_OVERRIDES = {"epochs": "epochs", "device": "device", "seed": "seed", "lr": "learning_rate",
              "batch_size": "batch_size", "early_stopping": "early_stopping",
              "patience": "patience"}


def _train_arguments(parser: argparse.ArgumentParser) -> None:
    _add_project(parser)
    parser.add_argument("--epochs", type=int, metavar="N", help="epochs to train")
    parser.add_argument("--device", metavar="D",
                        help="auto, cpu, cuda, cuda:0 to cuda:7, or mps")
    parser.add_argument("--seed", type=int, metavar="S", help="random seed of the run")
    parser.add_argument("--lr", type=float, metavar="X", help="learning rate")
    parser.add_argument("--batch-size", type=int, metavar="B", help="samples per step")
    parser.add_argument("--early-stopping", action=argparse.BooleanOptionalAction,
                        help="stop when the validation loss stops improving, and keep the best "
                             "epoch's weights (default: the project's setting)")
    parser.add_argument("--patience", type=int, metavar="N",
                        help="early stopping: epochs without improvement before it stops")
    parser.add_argument("--continue", dest="continue_", action="store_true",
                        help="start from the project's saved weights instead of fresh ones")
    from nnstudio.engine.timeline_cli import add_fork_arguments

    add_fork_arguments(parser)
    parser.add_argument("--no-save", dest="save", action="store_false",
                        help="train and report, but leave the project file as it is")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="print nothing but errors (and the --json object)")
    _add_json(parser)


def _training_config(project, args: argparse.Namespace):
    from nnstudio.core.config import TRAINING_SCHEMA

    changes = {}
    for option, setting in _OVERRIDES.items():
        value = getattr(args, option)
        if value is not None:
            flag = "--" + option.replace("_", "-")
            changes[setting] = TRAINING_SCHEMA[setting].validate(value, flag)
    return project.training.replace(**changes)


def _train(args: argparse.Namespace) -> int:
    loaded = _load(args.project)
    project = loaded.project
    config = _training_config(project, args)
    if config.until_stopped:  # a command needs an end: the project's epochs give it
        if not args.quiet:
            print(f"nnstudio train: the project trains until stopped in the window; here it "
                  f"trains {config.epochs} epochs (--epochs N for another count, Ctrl+C keeps "
                  f"what was learned)", file=sys.stderr)
        config = config.replace(until_stopped=False)
    if args.continue_ and loaded.weights is None:
        raise BadInput(f"{args.project}: --continue needs saved weights, and the project has "
                       "none yet: train it once without --continue")
    from nnstudio.engine.timeline_cli import fork_snapshot

    fork = fork_snapshot(loaded, args)  # --from-run RUN --epoch N
    data = _prepared_data(loaded)
    from nnstudio.core.model_size import check_trainable

    check_trainable(project.network, data.train, config.batch_size)  # before torch loads

    from nnstudio.engine.evaluate import split_metrics, split_samples
    from nnstudio.engine.timeline import TimelineRecorder
    from nnstudio.engine.trainer import TrainingControl, TrainingFailed, fit, plan_run

    initial = fork.weights if fork else loaded.weights if args.continue_ else None
    plan_run(project.network, data, config, initial)  # every check before any output
    progress = _progress_for(args.json, sys.stderr, quiet=args.quiet)
    recorder = TimelineRecorder(config.epochs, config.restore_best)
    control = TrainingControl()
    failure = None
    with _stop_on_interrupt(control):
        try:
            result = fit(project.network, data, config, callbacks=[progress, recorder],
                         control=control, initial_weights=initial)
        except TrainingFailed as failed:
            if failed.result is None or not failed.result.history.get("loss"):
                raise  # nothing was learned: the project stays as it was
            result, failure = failed.result, failed
    progress.close()
    report = split_metrics(result.model, data, config.loss)  # the keys evaluate and sweep use
    metrics = dict(result.final_metrics)  # the run's record keeps the history's names
    metrics.update({k: v for k, v in report.items() if k.startswith("test_")})
    record, runs = _save_run(loaded, config, result, metrics, args.continue_, failure,
                             write=args.save, fork=fork, timeline=recorder)
    if failure is not None:  # kept like the window keeps it: marked, curves, last good weights
        epochs = len(result.history["loss"])
        _fail(f"nnstudio train: {failure} Kept as {record.name} ({record.id}), marked failed, "
              f"with its curves up to epoch {epochs} and the last good weights, which are now "
              f"the project's weights.")
    if args.json:
        _print_json({"run": record.id, "name": record.name,
                     "continued_from": _origin_json(record.parent, runs),
                     "epochs": result.epochs_run,
                     "stop_reason": result.stop_reason, "seconds": round(result.seconds, 3),
                     "device": result.device, "training_path": result.path,
                     "task": str(data.train.task), "samples": split_samples(data), **report},
                    sys.stdout)
    elif not args.quiet:
        print(f"{record.name}: {result.epochs_run} epochs in {result.seconds:.1f} s on "
              f"{result.device} ({_reason_text(result)})")
        if args.continue_:  # where it began: a run by its name, or weights no run recorded
            print(f"  {start_text(record, runs) or record.changes[0]}")
        elif fork is not None:
            print(f"  forked from {fork.text()}")
        print(_metrics_text(report))
        print(f"saved weights and history to {args.project}" if args.save else
              f"not saved (--no-save): {args.project} is unchanged")
    if failure is not None:
        return FAILED
    return INTERRUPTED if result.stop_reason == "stopped" else OK


def _origin_json(origin, runs) -> dict[str, Any] | None:
    """Where weights came from, for --json: the run's id and name, the epoch, inferred or not."""
    if origin is None:
        return None
    run = next((r for r in runs if r.id == origin.run), None)
    return {"run": origin.run, "name": run.name if run is not None else None,
            "epoch": origin.epoch, "inferred": origin.inferred}


def _reason_text(result) -> str:
    if result.stop_reason == "early_stopping":
        return f"early stopping, weights of epoch {result.best_epoch}" if result.best_epoch \
            else "early stopping"
    return {"completed": "completed", "stopped": "stopped by Ctrl+C"}.get(
        result.stop_reason, result.stop_reason)


class _stop_on_interrupt:
    """Ctrl+C asks the run to stop after the current batch (and keeps what it trained); a
    second Ctrl+C interrupts at once."""

    def __init__(self, control) -> None:
        self.control = control
        self.previous = None

    def __enter__(self):
        try:
            self.previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread: leave Ctrl+C alone
            self.previous = None
        return self

    def _handle(self, signum, frame) -> None:
        if self.control.stop_requested:
            raise KeyboardInterrupt
        self.control.stop()

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _save_run(loaded, config, result, metrics: dict[str, float], continued: bool,
              failure: Exception | None = None, write: bool = True, fork=None, timeline=None):
    """Add the run to the project and save it (unless not `write`) with the run's weights as
    the current ones and its `timeline` (a TimelineRecorder); (the run's record, the
    project's runs now). A run that ended in `failure` is marked so; one that started from
    `fork` (a kept snapshot) records it as its parent."""
    from nnstudio.core.project import save_project
    from nnstudio.engine.experiments import continued_run, marked_failed, record_run
    from nnstudio.engine.timeline import final_epoch

    project = loaded.project
    name = f"Run {len(project.runs) + 1}"
    origin = fork.origin if fork is not None else project.weights_origin
    record = (continued_run(project, result, origin, name=name, config=config)
              if continued or fork is not None
              else record_run(project, result, name=name, config=config))
    record = dataclasses.replace(record, final_metrics=metrics)
    if failure is not None:
        record = marked_failed(record, str(failure))
    updated = dataclasses.replace(project, runs=[*project.runs, record],
                                  weights_origin=record.final_origin)
    if not write:
        return record, updated.runs
    timelines = None
    if timeline is not None:  # a failed run ends without on_train_end: its last good weights
        timeline.timeline.finish(result.weights, final_epoch(result, config.restore_best))
        timelines = {record.id: timeline.timeline.arrays()}
    save_project(loaded.path, updated, weights=result.weights,
                 run_weights={record.id: result.weights}, source_path=loaded.path,
                 run_timelines=timelines)
    return record, updated.runs


# ---- progress ---------------------------------------------------------------------------------

def _progress_for(json_output: bool, stream: TextIO, quiet: bool = False):
    from nnstudio.engine.callbacks import Callback

    class Progress(Callback):
        """Epoch, loss, metrics, samples/s and ETA: a bar redrawn in place on a terminal,
        plain lines (at most about one a second) otherwise; nothing with --json unless the
        terminal can show a bar."""

        def __init__(self) -> None:
            self.tty = stream.isatty()
            self.quiet = quiet or (json_output and not self.tty)
            self.batch_interval = 1 if self.tty and not self.quiet else 0
            self.epochs = 0
            self.batches = 1
            self.last_line = 0.0
            self.last_draw = 0.0
            self.metrics: dict[str, float] = {}
            self.drawn = False

        def on_train_start(self, info) -> None:
            self.epochs, self.batches = info.epochs, info.batches_per_epoch
            if not self.quiet:
                path = ", NumPy fast path" if info.path == "fast" else ""
                stream.write(f"training {info.parameters:,} parameters on {info.device_label}"
                             f"{path} ({info.train_samples} training samples, {info.epochs} "
                             f"epochs of {info.batches_per_epoch} batches)\n")
                stream.flush()

        def on_batch_end(self, snapshot) -> None:
            now = time.monotonic()
            if now - self.last_draw < 0.1:
                return
            self.last_draw = now
            done = (snapshot.epoch - 1 + snapshot.batch / snapshot.batches_per_epoch)
            rate = snapshot.samples_per_second
            remaining = (self.epochs - done) / max(done, 1e-9) * snapshot.elapsed
            self._draw(snapshot.epoch, done, {"train_loss": snapshot.loss, **self._val()}, rate,
                       remaining)

        def _val(self) -> dict[str, float]:
            return {k: v for k, v in self.metrics.items() if k.startswith("val_")}

        def on_epoch_end(self, snapshot) -> None:
            self.metrics = {k: v for k, v in snapshot.metrics.items() if k != "lr"}
            if self.quiet:
                return
            # Named as in --json: the history's "loss" is the training split's train_loss.
            shown = {k if k.startswith("val_") else f"train_{k}": v
                     for k, v in self.metrics.items()
                     if k in ("loss", "accuracy", "r2", "val_loss", "val_accuracy", "val_r2")}
            if self.tty:
                self._draw(snapshot.epoch, snapshot.epoch, shown,
                           snapshot.samples_per_second, snapshot.eta)
                return
            now = time.monotonic()
            if now - self.last_line >= 1.0 or snapshot.epoch in (1, snapshot.epochs):
                self.last_line = now
                stream.write(f"epoch {snapshot.epoch}/{snapshot.epochs}  " + "  ".join(
                    f"{k} {_format_number(v)}" for k, v in shown.items())
                    + f"  {snapshot.samples_per_second:,.0f} samples/s"
                    + f"  ETA {_format_duration(snapshot.eta)}\n")
                stream.flush()

        def _draw(self, epoch: int, done: float, shown: dict, rate: float, eta: float) -> None:
            width = shutil.get_terminal_size((100, 20)).columns
            text = (f" epoch {epoch}/{self.epochs} " + " ".join(
                f"{k} {_format_number(v)}" for k, v in shown.items())
                + f" {rate:,.0f}/s ETA {_format_duration(eta)}")
            bar_width = max(10, min(30, width - len(text) - 3))
            filled = int(bar_width * min(1.0, done / max(self.epochs, 1)))
            line = ("[" + "#" * filled + "-" * (bar_width - filled) + "]" + text)[:width - 1]
            stream.write("\r" + line.ljust(width - 1))
            stream.flush()
            self.drawn = True

        def close(self) -> None:
            if self.drawn:
                stream.write("\n")
                stream.flush()

    return Progress()


# ---- evaluate ---------------------------------------------------------------------------------

SPLITS = ("test", "validation", "train")


def _evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    _add_project(parser)
    parser.add_argument("--split", choices=SPLITS, default="test",
                        help="which part of the data to measure (default: test)")
    from nnstudio.engine.timeline_cli import add_evaluate_arguments

    add_evaluate_arguments(parser)
    _add_json(parser)


def _evaluate(args: argparse.Namespace) -> int:
    loaded = _load(args.project)
    project = loaded.project
    from nnstudio.engine.timeline_cli import evaluate_snapshot, snapshot_json

    snapshot = evaluate_snapshot(loaded, args)  # --epoch N [--run RUN]
    if snapshot is None and loaded.weights is None:
        raise BadInput(f"{args.project}: has no trained weights yet; run "
                       f"\"nnstudio train {args.project}\" first")
    data = _prepared_data(loaded)
    split = getattr(data, args.split)
    if split.n_samples == 0:
        raise BadInput(f"{args.project}: the {args.split} split is empty; choose another "
                       "--split or give it a share of the data")

    from nnstudio.engine.evaluate import evaluate, split_samples
    from nnstudio.engine.metrics import per_class_scores
    from nnstudio.engine.modules import build_model
    from nnstudio.engine.weights import arrays_to_model

    model = build_model(project.network if snapshot is None else snapshot.run.network)
    arrays_to_model(model, loaded.weights if snapshot is None else snapshot.weights)
    result = evaluate(model, split, project.training.loss)
    prefix = REPORT_SPLITS[args.split]
    metrics = {prefix + name: value for name, value in result.metrics.items()}
    confusion = result.confusion.tolist() if result.confusion is not None else None
    origin = project.weights_origin
    if args.json:
        output = {"split": args.split, "task": str(split.task), "samples": split_samples(data),
                  "weights_from": _origin_json(origin, project.runs), **metrics}
        if snapshot is not None:
            output.update(weights_from=_origin_json(snapshot.origin, project.runs),
                          **snapshot_json(snapshot))
        if confusion is not None:
            output.update(confusion_matrix=confusion, class_names=list(result.class_names),
                          per_class=per_class_scores(confusion, result.class_names))
        _print_json(output, sys.stdout)
        return OK
    print(f"{project.name}: {args.split} split, {result.samples} samples")
    if snapshot is not None:
        print(f"weights kept by {snapshot.text()}")
    else:
        print("weights from " + (origin_text(origin, project.runs) if origin is not None
                                 else "no recorded run (imported or edited)"))
    for name, value in metrics.items():  # named and written as the metrics table says
        print(f"  {metric_label(name):<16} {format_metric_value(name, value)}")
    if confusion is not None:
        print("per class")
        print(_per_class_text(per_class_scores(confusion, result.class_names)))
        print("confusion matrix (rows: true class, columns: predicted)")
        print(_confusion_text(confusion, list(result.class_names)))
    return OK


def _per_class_text(scores: list[dict[str, Any]]) -> str:
    width = max(len("class"), *(len(score["class"][:20]) for score in scores))
    lines = [f"  {'class':<{width}}  precision  recall  F1     support"]
    lines += [f"  {score['class'][:20]:<{width}}  {score['precision']:<9.3f}  "
              f"{score['recall']:<6.3f}  {score['f1']:<5.3f}  {score['support']}"
              for score in scores]
    return "\n".join(lines)


def _metrics_text(metrics: dict[str, float]) -> str:
    """One line per split, named as in --json: "  test_loss 0.21  test_accuracy 0.930 ...",
    each value written as the metrics table says."""
    lines = []
    for prefix in REPORT_SPLITS.values():
        found = [(name, value) for name, value in metrics.items() if name.startswith(prefix)]
        if found:
            lines.append("  " + "  ".join(f"{name} {format_metric_value(name, value)}"
                                          for name, value in found))
    return "\n".join(lines)


def _confusion_text(confusion: list[list[int]], names: list[str]) -> str:
    labels = [name[:12] for name in names] or [str(i) for i in range(len(confusion))]
    width = max([len(label) for label in labels] + [len(str(v)) for row in confusion for v in row])
    header = " " * (width + 2) + " ".join(label.rjust(width) for label in labels)
    rows = [labels[i].rjust(width) + "  " + " ".join(str(v).rjust(width) for v in row)
            for i, row in enumerate(confusion)]
    return "\n".join([header, *rows])


# ---- sweep (nnstudio.engine.sweep) -------------------------------------------------------------

def _sweep_arguments(parser: argparse.ArgumentParser) -> None:
    from nnstudio.engine.sweep import add_sweep_arguments

    add_sweep_arguments(parser)


def _sweep(args: argparse.Namespace) -> int:
    from nnstudio.engine.sweep import sweep_from_arguments

    return sweep_from_arguments(args)


# ---- lr-find ----------------------------------------------------------------------------------

def _lr_find_arguments(parser: argparse.ArgumentParser) -> None:
    _add_project(parser)
    parser.add_argument("--steps", type=int, default=300, metavar="N",
                        help="batches to train while the rate grows (default 300)")
    _add_json(parser)


def _lr_find(args: argparse.Namespace) -> int:
    if args.steps < 10:
        raise BadInput(f"--steps: {args.steps} is too few for a curve; give 10 or more")
    loaded = _load(args.project)
    project = loaded.project
    data = _prepared_data(loaded)
    from nnstudio.engine.callbacks import TrainingControl
    from nnstudio.engine.lr_find import find_learning_rate

    control = TrainingControl()
    with _stop_on_interrupt(control):  # Ctrl+C: the curve so far, and exit 130
        found = find_learning_rate(project.network, data, project.training, steps=args.steps,
                                   control=control)
    done = INTERRUPTED if found.stop_reason == "stopped" else OK
    if args.json:
        _print_json(found.to_json(), sys.stdout)
        return done
    print(f"{args.project}: learning-rate range test, {len(found.learning_rates)} batches from "
          f"fresh weights ({found.stop_reason}); the project is unchanged")
    print("  rate        smoothed loss")
    shown = range(0, len(found.learning_rates), max(1, len(found.learning_rates) // 15))
    for i in shown:
        print(f"  {found.learning_rates[i]:<10.3g}  {found.losses[i]:.4g}")
    print(f"steepest descent: {_format_number(found.steepest)}   "
          f"min/10: {_format_number(found.minimum_tenth)}")
    print(f"suggested learning rate: {_format_number(found.suggested)} (now "
          f"{project.training.learning_rate:g})")
    return done


# ---- backprop ---------------------------------------------------------------------------------

def _backprop_arguments(parser: argparse.ArgumentParser) -> None:
    _add_project(parser)
    parser.add_argument("--sample", type=int, required=True, metavar="I",
                        help="the sample's row in the split (from 0)")
    parser.add_argument("--split", choices=("train", "validation", "test"), default="train",
                        help="which split the sample is from (default train)")
    _add_json(parser)


def _backprop(args: argparse.Namespace) -> int:
    loaded = _load(args.project)
    project = loaded.project
    data = _prepared_data(loaded)
    from nnstudio.engine.sample_backprop import backprop_sample

    found = backprop_sample(project.network, data, project.training, loaded.weights,
                            args.sample, args.split)
    if args.json:
        _print_json(found, sys.stdout)
        return OK
    weights = "the project's weights" if loaded.weights is not None else \
        f"fresh weights (seed {project.training.seed}): the project has none yet"
    print(f"{args.project}: {args.split} sample {args.sample}, with {weights}")
    print(f"  input {_short(found['input'])}  target {found['target']}  "
          f"loss {_format_number(found['loss'])}")
    for layer in found["layers"]:
        if found["explicit"]:
            print(f"  {layer['id']}: z {_short(layer['z'])}  a {_short(layer['a'])}  "
                  f"delta {_short(layer['delta'])}")
        else:
            print(f"  {layer['id']}: shape {layer['shape']}  |a| {_format_number(layer['a_norm'])}"
                  f"  |delta| {_format_number(layer['delta_norm'])}")
    update = found["update"]
    print(f"update: {update['optimizer']}, learning rate {update['learning_rate']:g}")
    for key, entry in update["parameters"].items():
        print(f"  {key}: step {_short(entry['step'])}")
    return OK


def _short(values: list, shown: int = 4) -> str:
    """A few numbers of a (nested) list, for one line of text."""
    import numpy as np

    values = np.ravel(np.asarray(values, dtype=np.float64)).tolist()
    text = ", ".join(_format_number(v) for v in values[:shown])
    return f"[{text}{', …' if len(values) > shown else ''}] ({len(values)})"


# ---- export and import-weights (nnstudio.engine.export.cli) -----------------------------------

def _export_arguments(parser: argparse.ArgumentParser) -> None:
    from nnstudio.engine.export.cli import add_export_arguments

    add_export_arguments(parser)


def _export(args: argparse.Namespace) -> int:
    from nnstudio.engine.export.cli import export_from_arguments

    return export_from_arguments(args)


def _import_weights_arguments(parser: argparse.ArgumentParser) -> None:
    from nnstudio.engine.export.cli import add_import_arguments

    add_import_arguments(parser)


def _import_weights(args: argparse.Namespace) -> int:
    from nnstudio.engine.export.cli import import_from_arguments

    return import_from_arguments(args)


def _new_arguments(parser: argparse.ArgumentParser) -> None:
    from nnstudio.data.cli_new import add_arguments

    add_arguments(parser)


def _new(args: argparse.Namespace) -> int:
    from nnstudio.data.cli_new import run_arguments

    return run_arguments(args)


def _lessons_arguments(parser: argparse.ArgumentParser) -> None:
    from nnstudio.core.lessons_cli import add_arguments

    add_arguments(parser)


def _lessons(args: argparse.Namespace) -> int:
    from nnstudio.core.lessons_cli import run

    return run(args)


# ---- the table and dispatch ---------------------------------------------------------------------

SUBCOMMANDS: dict[str, Subcommand] = {
    "train": Subcommand("train a project and save its weights and run history",
                        _train_arguments, _train),
    "evaluate": Subcommand("measure a project's trained network on a data split",
                           _evaluate_arguments, _evaluate),
    "summary": Subcommand("print the network's layer table: shapes and parameters",
                          _summary_arguments, _summary),
    "sweep": Subcommand("train the network at many sizes and seeds; write a CSV and a PNG",
                        _sweep_arguments, _sweep),
    "export": Subcommand("write the network as a training script, ONNX, TorchScript, weights "
                         "or a model card", _export_arguments, _export),
    "import-weights": Subcommand("load weights from a safetensors file into a project",
                                 _import_weights_arguments, _import_weights),
    "lr-find": Subcommand("find a learning rate: train from fresh weights with a growing rate and "
                          "watch the loss (the project is not changed)", _lr_find_arguments,
                          _lr_find),
    "backprop": Subcommand("backpropagation for one sample, step by step: z, a, delta, "
                           "gradients and the optimizer's update", _backprop_arguments,
                           _backprop),
    "new": Subcommand("make a project with a first network for your own data file (CSV, "
                      "NumPy, images) or a generated dataset", _new_arguments, _new),
    "lessons": Subcommand("the built-in course: list lessons, write one's starting project, "
                          "check a trained project against its goals", _lessons_arguments,
                          _lessons),
}


def run_subcommand(argv: list[str]) -> int:
    """Run `argv` (e.g. ["train", "spiral.nnstudio", "--epochs", "5"]); the exit code."""
    if not argv or argv[0] not in SUBCOMMANDS:
        names = ", ".join(SUBCOMMANDS)
        _fail(f"nnstudio: unknown command {argv[0]!r}; {_suggestion(argv[0])}choose one of "
              f"{names}" if argv else f"nnstudio: name a command: {names}")
        return BAD_INPUT
    name = argv[0]
    command = SUBCOMMANDS[name]
    parser = _Parser(prog=f"nnstudio {name}", description=command.help)
    command.add_arguments(parser)
    _add_quiet(parser)
    try:
        args = parser.parse_args(argv[1:])
        with _quieted(args):
            return command.run(args)
    except SystemExit as exit_:  # --help
        return exit_.code if isinstance(exit_.code, int) else OK
    except BadInput as error:
        _fail(f"nnstudio {name}: {error}")
        return BAD_INPUT
    except TrainingError as error:
        _fail(f"nnstudio {name}: {error} The project was not changed.")
        return FAILED
    except NNStudioError as error:  # SpecError, DataError, ProjectError: the input's fault
        _fail(f"nnstudio {name}: {error}")
        return BAD_INPUT
    except KeyboardInterrupt:
        _fail(f"nnstudio {name}: interrupted; the project was not changed")
        return INTERRUPTED
    except OSError as error:
        _fail(f"nnstudio {name}: {error.strerror or error}"
              + (f": {error.filename}" if getattr(error, "filename", None) else ""))
        return BAD_INPUT


def _add_quiet(parser: argparse.ArgumentParser) -> None:
    """--quiet on every command that has not its own (train's also silences progress)."""
    try:
        parser.add_argument("--quiet", "-q", action="store_true",
                            help="print nothing but errors (and the --json object, or the "
                                 "file that -o - writes to stdout)")
    except argparse.ArgumentError:  # the command defines it
        pass


@contextlib.contextmanager
def _quieted(args: argparse.Namespace):
    """With --quiet, the command's text on stdout goes nowhere; its --json object and a file
    written to stdout (-o -) still go out, and errors still go to stderr."""
    to_stdout = "-" in (str(getattr(args, "out", None)), str(getattr(args, "output", None)))
    if not args.quiet or getattr(args, "json", False) or to_stdout:
        yield
        return
    with open(os.devnull, "w", encoding="utf-8") as nowhere, \
            contextlib.redirect_stdout(nowhere):
        yield


def _suggestion(word: str) -> str:
    """"did you mean 'train'? " for a near miss of a command's name, else ""."""
    import difflib

    close = difflib.get_close_matches(word, SUBCOMMANDS, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}? " if close else ""


def _fail(message: str) -> None:
    # One line: a message that spans lines (several shape errors) is joined.
    sys.stderr.write(" ".join(message.split("\n")) + "\n")
    sys.stderr.flush()


__all__ = ["SUBCOMMANDS", "Subcommand", "BadInput", "run_subcommand", "OK", "FAILED",
           "BAD_INPUT", "INTERRUPTED"]
