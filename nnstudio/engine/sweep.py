"""The scale sweep ("emergence explorer"): one network trained at many sizes and seeds.

- `scale_network` multiplies every hidden layer's width and/or repeats the hidden block to a
  depth, keeping the input and output layers; `SweepSize` names one size by absolute width
  (the widest hidden layer's units) and depth.
- `run_sweep` trains every size x seed with `fit_many` (nnstudio.engine.stacked): the seeds
  of one size, and where it pays several widths padded together, train as one batched
  computation. It measures train / validation / test and returns a `SweepResult` with a
  text table, a CSV and a PNG of the metric against the parameter count.

Every size is trained with the same seeds, and a model's seed fixes both its initial weights
and its batch order: size k and size k' for seed s see the same batches in the same order, so
the comparison between sizes is as fair as one network can be with another, and the spread
over seeds shows how much of a difference is luck.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import textwrap
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from nnstudio.core.config import TRAINING_SCHEMA, TrainingConfig
from nnstudio.core.errors import SpecError
from nnstudio.core.history import format_table, metric_columns
from nnstudio.core.layers import LAYER_TYPES, layer_type
from nnstudio.core.metrics import REPORT_SPLITS, format_metric_value, report_metrics
from nnstudio.core.network import Network, Node
from nnstudio.core.shapes import infer_shapes
from nnstudio.core.sweep_settings import SCALES, SweepSettings
from nnstudio.data.preprocessing import PreparedData

if TYPE_CHECKING:  # torch is imported only when a sweep trains: scaling and --help need none
    from nnstudio.engine.stacked import Cancel, ManyResult

__all__ = [
    "INTERPOLATION_ERROR", "SCALES", "SIZE_COLUMNS", "SizeSummary", "SweepProgress",
    "SweepResult", "SweepRun", "SweepSize", "WIDTH_PARAMS", "add_sweep_arguments",
    "hidden_depth", "hidden_layers", "hidden_width",
    "output_layer", "run_sweep", "scale_network", "sized_network", "sweep_from_arguments",
    "sweep_sizes",
]


# Said wherever a sweep's numbers are shown (its window, `sweep --help`, the README).
BATCHING_NOTE = (
    "Sizes and seeds train batched together, and a batched model's float rounding depends on "
    "which other models share its batch: one (size, seed) can end elsewhere than when trained "
    "alone or beside other sizes (after 500 epochs, losses up to 0.6 apart), while the "
    "distribution over seeds stays the same. Read the spread over seeds, not one seed's number.")
# The table's size columns, left out where no size sets them.
SIZE_COLUMNS = ("width", "depth", "train_rows")
# Training error at or below which a size counts as fitting every training label.
INTERPOLATION_ERROR = 0.01

# The parameter that is a layer's width, for every layer type that has one (from the registry).
WIDTH_PARAMS = {key: kind.width_param for key, kind in LAYER_TYPES.items() if kind.width_param}


# ==== scaling a network =========================================================================

def output_layer(network: Network) -> Node | None:
    """The layer whose width is the network's output width (the last Dense/Conv/LSTM/GRU on the
    way back from the output through single-input layers), or None if there is none."""
    node = network.output_node()
    while node is not None and node.type not in WIDTH_PARAMS:
        if len(node.inputs) != 1:
            return None
        node = network.node(node.inputs[0])
    return node


def hidden_layers(network: Network) -> list[Node]:
    """Layers with a width (units or filters) other than the output layer, in order."""
    out = output_layer(network)
    return [n for n in network.topological_order()
            if n.type in WIDTH_PARAMS and (out is None or n.id != out.id)]


def hidden_width(network: Network) -> int:
    """The widest hidden layer's units or filters (0 when there is no hidden layer)."""
    return max((n.params[WIDTH_PARAMS[n.type]] for n in hidden_layers(network)), default=0)


def hidden_depth(network: Network) -> int:
    """The number of hidden layers with a width."""
    return len(hidden_layers(network))


def scale_network(network: Network, width_multiplier: float = 1.0,
                  depth: int | None = None) -> Network:
    """A copy of `network` with every hidden layer `width_multiplier` times as wide (rounded,
    at least 1) and, if `depth` is given, that many hidden blocks.

    A hidden block is a hidden Dense/Conv/LSTM/GRU layer and the layers after it up to the
    next one (its activation, dropout, pooling, ...). More depth repeats the last block (new
    ids, same settings); less keeps the first `depth` blocks. The input layer, the layers
    before the first hidden layer (e.g. a Flatten) and the output layer stay as they are.
    Depth needs a plain stack. SpecError when the result does not fit together.
    """
    if not (isinstance(width_multiplier, (int, float)) and width_multiplier > 0
            and math.isfinite(width_multiplier)):
        raise SpecError(f"sweep: the width multiplier must be a number above 0, "
                        f"got {width_multiplier!r}")
    scaled = network if depth is None else _with_depth(network, depth)
    if width_multiplier != 1.0:
        scaled = _with_width(scaled, float(width_multiplier))
    report = infer_shapes(scaled)
    if not report.ok:
        parts = ([] if width_multiplier == 1.0 else [f"width x{width_multiplier:g}"]) + \
            ([] if depth is None else [f"depth {depth}"])
        what = ", ".join(parts) or "its own size"
        raise SpecError(f"sweep: at {what} the network does not fit together: "
                        + "; ".join(message for _, message in report.errors))
    return scaled


def _with_width(network: Network, multiplier: float) -> Network:
    hidden = {n.id for n in hidden_layers(network)}
    nodes = []
    for node in network.nodes:
        if node.id in hidden:
            name = WIDTH_PARAMS[node.type]
            width = max(1, int(round(node.params[name] * multiplier)))
            spec = layer_type(node.type).schema[name]
            if spec.maximum is not None and width > spec.maximum:
                raise SpecError(f"sweep: {node.id} would need {width} {name}; a "
                                f"{LAYER_TYPES[node.type].name} layer has at most "
                                f"{int(spec.maximum)}: choose smaller sizes")
            node = node.with_params(**{name: width})
        nodes.append(node)
    return Network(nodes)


def _with_depth(network: Network, depth: int) -> Network:
    if not isinstance(depth, int) or isinstance(depth, bool) or depth < 0:
        raise SpecError(f"sweep: the depth must be a whole number of 0 or more, got {depth!r}")
    order = network.topological_order()
    for node in order:
        if len(node.inputs) > 1 or len(network.consumers(node.id)) > 1:
            raise SpecError(f"sweep: {node.id} joins or splits branches; scaling the depth "
                            "needs a plain stack of layers (scale the width instead)")
    out = output_layer(network)
    if out is None:
        raise SpecError("sweep: the network has no output layer with units to keep")
    end = order.index(out)
    starts = [i for i, n in enumerate(order[:end]) if n.type in WIDTH_PARAMS]
    prefix = order[:starts[0]] if starts else order[:end]
    blocks = [order[a:b] for a, b in zip(starts, starts[1:] + [end])]
    if depth > len(blocks) and not blocks:
        raise SpecError("sweep: the network has no hidden layer to repeat; add one (e.g. a "
                        "Dense layer before the output) to scale the depth")
    taken = {n.id for n in order}
    while len(blocks) < depth:
        blocks.append([_renamed(node, taken) for node in blocks[-1]])
    chosen = prefix + [n for block in blocks[:depth] for n in block] + order[end:]
    return Network(_rewired(chosen))


def _renamed(node: Node, taken: set[str]) -> Node:
    number = 1
    while f"{node.type}_{number}" in taken:
        number += 1
    new_id = f"{node.type}_{number}"
    taken.add(new_id)
    return Node(new_id, node.type, dict(node.params), node.inputs, node.position)


def _rewired(nodes: list[Node]) -> list[Node]:
    """`nodes` as a chain in this order, laid out top to bottom from the first one's place."""
    x, y = nodes[0].position
    gaps = [b.position[1] - a.position[1] for a, b in zip(nodes, nodes[1:])]
    spacing = sorted(gaps)[len(gaps) // 2] if gaps and sorted(gaps)[len(gaps) // 2] > 0 else 90.0
    chained = []
    for index, node in enumerate(nodes):
        inputs = (chained[-1].id,) if index else ()
        chained.append(Node(node.id, node.type, dict(node.params), inputs,
                            (x, y + index * spacing)))
    return chained


# ==== sizes ======================================================================================

@dataclass(frozen=True)
class SweepSize:
    """One size of a sweep: the widest hidden layer's width and the number of hidden layers,
    or (for the data-scaling sweep, engine.data_sweep) the training rows.

    None keeps what the network has. Widths are absolute: width 16 makes the widest hidden
    layer 16 wide and scales the others by the same factor.
    """

    width: int | None = None
    depth: int | None = None
    train_rows: int | None = None

    @property
    def label(self) -> str:
        if self.train_rows is not None:
            return f"{self.train_rows} training rows"
        parts = []
        if self.width is not None:
            parts.append(f"width {self.width}")
        if self.depth is not None:
            parts.append(f"depth {self.depth}")
        return ", ".join(parts) or "as is"


def sweep_sizes(scale: str, widths: Sequence[int] = (), depths: Sequence[int] = ()
                ) -> list[SweepSize]:
    """The sizes for `scale`: "width" uses `widths`, "depth" uses `depths`, "both" pairs them
    (equal counts). SpecError naming the option when one is missing or malformed."""
    if scale not in SCALES:
        raise SpecError(f"sweep.scale: must be one of {', '.join(SCALES)}, got {scale!r}")
    for name, values in (("widths", widths), ("depths", depths)):
        low = 1 if name == "widths" else 0
        for value in values:
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise SpecError(f"sweep.{name}: each must be a whole number of {low} or more, "
                                f"got {value!r}")
    if scale == "width":
        if not widths:
            raise SpecError("sweep.widths: give at least one width, e.g. 1,2,4,8,16")
        return [SweepSize(width=w) for w in widths]
    if scale == "depth":
        if not depths:
            raise SpecError("sweep.depths: give at least one depth, e.g. 1,2,3,4")
        return [SweepSize(depth=d) for d in depths]
    if not widths or len(widths) != len(depths):
        raise SpecError(f"sweep: scaling both needs as many widths as depths, got "
                        f"{len(widths)} widths and {len(depths)} depths")
    return [SweepSize(w, d) for w, d in zip(widths, depths)]


def sized_network(network: Network, size: SweepSize) -> Network:
    """`network` at `size`: depth first, then every hidden layer scaled so the widest is
    `size.width` wide."""
    deep = network if size.depth is None else scale_network(network, depth=size.depth)
    if size.width is None:
        return deep
    widest = hidden_width(deep)
    if widest == 0:
        raise SpecError("sweep: the network has no hidden layer to widen; add one (e.g. a "
                        "Dense layer before the output) or sweep the depth")
    return scale_network(deep, size.width / widest)


# ==== the sweep =================================================================================

@dataclass(frozen=True)
class SweepRun:
    """One row of a sweep: one size trained with one seed.

    `metrics` are the final weights' scores, prefixed by split: train_loss, train_accuracy,
    val_..., test_... (test only when the data has a test split). `history` holds the
    per-epoch curves as `fit` records them (loss, accuracy, val_loss, ..., lr).
    """

    size: SweepSize
    seed: int
    parameters: int
    metrics: dict[str, float]
    history: dict[str, list[float]]
    epochs_run: int
    seconds: float
    method: str  # "stacked", "vmap" or "sequential"
    stop_reason: str
    error: str = ""
    weights: dict[str, np.ndarray] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class SweepProgress:
    """Handed to `run_sweep`'s `progress` after each epoch of each group of models."""

    done: int  # model-epochs trained so far
    total: int
    text: str  # e.g. "width 16 (3 seeds): epoch 40 of 100"
    finished: tuple[SweepRun, ...] = ()  # rows finished since the last report

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


@dataclass(frozen=True)
class SizeSummary:
    """The seeds of one size together: mean, lowest and highest of a metric per split."""

    size: SweepSize
    parameters: int
    seeds: int
    values: dict[str, tuple[float, float, float]]  # split -> (mean, min, max)


@dataclass
class SweepResult:
    """What a sweep found: one `SweepRun` per size x seed, in size order.

    `metric` is the score plotted and tabled ("accuracy" for classes, "r2" for numbers);
    `chance` the accuracy of guessing (1 / classes; None for regression). `cancelled` says
    the sweep was stopped: `runs` then hold the sizes finished before. `label_noise` is the
    share of training labels the data flipped: with noise the pictures show the error
    (1 − accuracy), as the double-descent papers do.
    """

    name: str
    scale: str
    sizes: list[SweepSize]
    seeds: list[int]
    epochs: int
    task: str
    metric: str
    chance: float | None
    runs: list[SweepRun] = field(default_factory=list)
    seconds: float = 0.0
    cancelled: bool = False
    notes: list[str] = field(default_factory=list)
    samples: dict[str, int] = field(default_factory=dict)  # rows per split
    label_noise: float = 0.0

    @property
    def held_out(self) -> str:
        """The split results are judged on: "test", or "val" when there is no test split."""
        return "test" if any(f"test_{self.metric}" in r.metrics for r in self.runs) else "val"

    @property
    def grows_data(self) -> bool:
        """True for a data-scaling sweep: the sizes are training rows, the network stays."""
        return self.scale == "data"

    @property
    def x_label(self) -> str:
        """What the pictures' x axis counts."""
        return "training rows" if self.grows_data else "parameters"

    def x_value(self, size: SweepSize, parameters: int) -> int:
        """Where a size sits on the x axis: its training rows, or its parameter count."""
        return size.train_rows if self.grows_data else parameters

    @property
    def exact_match(self) -> bool:
        """True for a class per position (a sum's digits): the runs report exact match, the
        all-or-nothing score, beside the per-position accuracy."""
        return any(name.endswith("exact_match") for r in self.runs for name in r.metrics)

    @property
    def plots_error(self) -> bool:
        """Whether pictures show the error (1 − accuracy) rather than the accuracy: with
        label noise, where double descent is drawn as test error."""
        return self.label_noise > 0 and self.metric == "accuracy"

    def interpolation_threshold(self) -> SizeSummary | None:
        """The smallest size whose mean training error over the seeds is at most
        `INTERPOLATION_ERROR`: from there on the models fit every training label, noisy ones
        included (where double descent peaks). None for regression or when no size gets there."""
        if self.metric != "accuracy":
            return None
        for summary in self.summary():
            train = summary.values.get("train")
            if train is not None and 1.0 - train[0] <= INTERPOLATION_ERROR:
                return summary
        return None

    def columns(self) -> list[str]:
        """The table's columns: size, seed, parameters, then train / held-out metric (and
        exact match, where there is one) and loss."""
        held = self.held_out
        exact = ["train_exact_match", f"{held}_exact_match"] if self.exact_match else []
        return ["width", "depth", "train_rows", "seed", "parameters", f"train_{self.metric}",
                f"{held}_{self.metric}", *exact, "train_loss", f"{held}_loss", "epochs",
                "method"]

    def rows(self) -> list[list[Any]]:
        """One row of raw values per run, matching `columns()`."""
        names = self.columns()[5:-2]
        return [[run.size.width, run.size.depth, run.size.train_rows, run.seed, run.parameters,
                 *[run.metrics.get(name) for name in names], run.epochs_run, run.method]
                for run in self.runs]

    def table(self) -> str:
        """The runs as a plain-text table, one line per size x seed."""
        columns, rows = self.columns(), self.rows()
        keep = [i for i, c in enumerate(columns)
                if not (c in SIZE_COLUMNS and all(r[i] is None for r in rows))]
        marks = {i: f"failed: {run.error}" for i, run in enumerate(self.runs) if run.error}
        return format_table([columns[i] for i in keep], [[r[i] for i in keep] for r in rows],
                            marks)

    def summary(self, metric: str | None = None) -> list[SizeSummary]:
        """Per size: mean, min and max of `metric` (default the sweep's) on train and the
        held-out split."""
        metric = metric or self.metric
        summaries = []
        for size in self.sizes:
            runs = [r for r in self.runs if r.size == size]
            if not runs:
                continue
            values = {}
            for split in ("train", self.held_out):
                found = [r.metrics.get(f"{split}_{metric}", math.nan) for r in runs]
                finite = [v for v in found if math.isfinite(v)]
                if finite:
                    values[split] = (float(np.mean(finite)), min(finite), max(finite))
            summaries.append(SizeSummary(size, runs[0].parameters, len(runs), values))
        return summaries

    def seed_spread(self) -> list[dict[str, Any]]:
        """Per size, every final metric over its seeds: {"mean", "sd", "min", "median",
        "max"} (sd with n - 1; 0 for one seed), from the finite values. A size's models are
        batched with others and float rounding then differs with the company they keep, so
        a single seed's number is one draw: the spread is the result."""
        spreads = []
        for size in self.sizes:
            runs = [r for r in self.runs if r.size == size]
            if not runs:
                continue
            metrics = {}
            for name in metric_columns(r.metrics for r in runs):
                values = [r.metrics[name] for r in runs
                          if name in r.metrics and math.isfinite(r.metrics[name])]
                if values:
                    metrics[name] = _spread(values)
            spreads.append({"width": size.width, "depth": size.depth,
                            "parameters": runs[0].parameters, "seeds": len(runs),
                            "metrics": metrics})
        return spreads

    def spread_table(self) -> str:
        """Per size, the median over the seeds with the lowest and highest in brackets, and
        mean ± sd, of the metric on train and held-out data and the held-out loss."""
        held = self.held_out
        score = f"{held}_{self.metric}"
        shown = [(f"train_{self.metric}", _median_range), (score, _median_range),
                 (score, _mean_sd), (f"{held}_loss", _median_range)]
        spreads = self.seed_spread()
        sized = [c for c in ("width", "depth") if any(s[c] is not None for s in spreads)]
        rows = []
        for spread in spreads:
            row = [spread[c] for c in sized] + [spread["parameters"], spread["seeds"]]
            for name, write in shown:
                found = spread["metrics"].get(name)
                row.append(write(name, found) if found else "-")
            rows.append(row)
        columns = [*sized, "parameters", "seeds"] + [
            f"{name} {'median [min, max]' if write is _median_range else 'mean ± sd'}"
            for name, write in shown]
        return format_table(columns, rows)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values: the settings, every row with its final metrics and curves, and
        per size the spread of each metric over the seeds."""
        return {
            "name": self.name, "scale": self.scale, "epochs": self.epochs, "seeds": self.seeds,
            "task": self.task, "metric": self.metric, "chance": self.chance,
            "samples": self.samples,
            "label_noise": self.label_noise,
            "interpolation_threshold": _size_dict(self.interpolation_threshold()),
            "seconds": round(self.seconds, 3), "cancelled": self.cancelled, "notes": self.notes,
            "summary": [{**spread, "metrics": {name: {k: _json_number(v) for k, v in
                                                      values.items()}
                                               for name, values in spread["metrics"].items()}}
                        for spread in self.seed_spread()],
            "runs": [{"width": r.size.width, "depth": r.size.depth, "seed": r.seed,
                      "parameters": r.parameters, "epochs": r.epochs_run,
                      "seconds": round(r.seconds, 4), "method": r.method,
                      "stop_reason": r.stop_reason, "error": r.error,
                      "metrics": {k: _json_number(v) for k, v in r.metrics.items()},
                      "history": {k: [_json_number(v) for v in values]
                                  for k, values in r.history.items()}}
                     for r in self.runs],
        }

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """One line per size x seed: size, seed, parameters, epochs, every final metric."""
        metrics = metric_columns(r.metrics for r in self.runs)
        header = ["width", "depth", "seed", "parameters", "epochs", "seconds", "method",
                  "stop_reason", *metrics]
        with open(path, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(header)
            for r in self.runs:
                writer.writerow([_csv(r.size.width), _csv(r.size.depth), r.seed, r.parameters,
                                 r.epochs_run, f"{r.seconds:.4f}", r.method, r.stop_reason,
                                 *[_csv(r.metrics.get(m)) for m in metrics]])

    def to_png(self, path: str | os.PathLike[str], size: tuple[int, int] = (1200, 520)) -> None:
        """A picture of the sweep: the final metric on train and held-out data against the
        parameter count (log axis; mean line, min-max bar, one dot per seed), and beside it
        each size's held-out curve over the epochs."""
        from nnstudio.engine.sweep_plot import draw_sweep

        draw_sweep(self, size).save(path, format="PNG")


def _spread(values: list[float]) -> dict[str, float]:
    array = np.asarray(values, dtype=np.float64)
    return {"mean": float(array.mean()), "sd": float(array.std(ddof=1)) if len(array) > 1
            else 0.0, "min": float(array.min()), "median": float(np.median(array)),
            "max": float(array.max())}


def _median_range(name: str, spread: dict[str, float]) -> str:
    median, low, high = (format_metric_value(name, spread[k]) for k in ("median", "min", "max"))
    return f"{median} [{low}, {high}]"


def _mean_sd(name: str, spread: dict[str, float]) -> str:
    return f"{format_metric_value(name, spread['mean'])} ± {spread['sd']:.2g}"


def _size_dict(summary: SizeSummary | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    return {"width": summary.size.width, "depth": summary.size.depth,
            "parameters": summary.parameters}


def _json_number(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _csv(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


def _as_sizes(sizes: Sequence[SweepSize | int | tuple[int, int]], scale: str) -> list[SweepSize]:
    if scale not in SCALES:
        raise SpecError(f"sweep.scale: must be one of {', '.join(SCALES)}, got {scale!r}")
    result = []
    for size in sizes:
        if isinstance(size, SweepSize):
            result.append(size)
        elif isinstance(size, tuple) and len(size) == 2:
            result.append(SweepSize(*size))
        elif scale == "depth":
            result.append(SweepSize(depth=size))
        elif scale == "width":
            result.append(SweepSize(width=size))
        else:
            raise SpecError(f"sweep: scaling both needs (width, depth) pairs, got {size!r}")
    if not result:
        raise SpecError("sweep: give at least one size")
    widths = [s.width for s in result if s.width is not None]
    depths = [s.depth for s in result if s.depth is not None]
    sweep_sizes("width", widths) if widths else None
    sweep_sizes("depth", (), depths) if depths else None
    if len(set(result)) != len(result):
        raise SpecError("sweep: a size is listed twice")
    return result


def _as_seeds(seeds: int | Sequence[int], base: int) -> list[int]:
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        if not 1 <= seeds <= 1000:
            raise SpecError(f"sweep.seeds: must be from 1 to 1000, got {seeds}")
        return [base + i for i in range(seeds)]
    chosen = [int(s) for s in seeds]
    if not chosen or len(set(chosen)) != len(chosen) or min(chosen) < 0:
        raise SpecError("sweep.seeds: give distinct whole numbers of 0 or more")
    return chosen


def run_sweep(source: Any, sizes: Sequence[SweepSize | int | tuple[int, int]],
              seeds: int | Sequence[int] = 3, scale: str = "width", *,
              data: PreparedData | None = None, config: TrainingConfig | dict | None = None,
              project_path: str | os.PathLike[str] | None = None, epochs: int | None = None,
              method: str = "auto", pad: bool | str = "auto",
              progress: Callable[[SweepProgress], None] | None = None, cancel: Cancel = None,
              keep_weights: bool = False, keep_stopped: bool = False) -> SweepResult:
    """Train `source`'s network at every size with every seed; a `SweepResult`.

    `source` is a `Project` (its network, data and training settings; `project_path` finds a
    data file) or a `Network` with `data` (prepared) and `config`. `sizes` are widths for
    scale "width" (the widest hidden layer's units), depths for "depth", (width, depth) pairs
    for "both", or `SweepSize`s. `seeds` is a count (from the config's seed up) or a list.
    `epochs` overrides the config's. `progress` gets a `SweepProgress` after every epoch;
    `cancel` (a `TrainingControl` or a function returning True) stops between batches and the
    result keeps the models finished (`cancelled` True), and with `keep_stopped` those training
    when it came too, as trained so far (stop_reason "stopped"). `keep_weights` keeps every
    model's final weights in its row. SpecError/DataError before training for anything that
    does not fit.
    """
    from nnstudio.engine.devices import resolve_device
    from nnstudio.engine.stacked import Group, fit_many, plan_groups, stop_function

    network, data, config, name = _sweep_inputs(source, data, config, project_path)
    if epochs is not None:
        config = config.replace(epochs=epochs)
    chosen = _as_sizes(sizes, scale)
    seed_list = _as_seeds(seeds, config.seed)
    networks = {size: sized_network(network, size) for size in chosen}
    jobs = [(size, seed) for size in chosen for seed in seed_list]
    job_networks = [networks[size] for size, _ in jobs]
    task = data.train.task
    classes = data.train.is_classification
    result = SweepResult(name, scale, chosen, seed_list, config.epochs, str(task),
                         "accuracy" if classes else "r2",
                         1.0 / max(2, data.train.n_classes) if classes else None,
                         samples={split: getattr(data, split).n_samples
                                  for split in REPORT_SPLITS})
    stop = stop_function(cancel)
    started = time.perf_counter()
    groups = plan_groups(job_networks, config, method, pad, resolve_device(config.device).type,
                         config.batch_size)
    total = len(jobs) * config.epochs
    done = 0
    for group in groups:
        members = [jobs[j] for j in group.jobs]
        text = _group_text(members)
        if group.method == "sequential":
            result.notes.append(f"{text}: trained one after another ({group.reason})")
        own_group = Group(group.method, tuple(range(len(members))), group.reason)
        trained = fit_many([job_networks[j] for j in group.jobs], [s for _, s in members],
                           data, config, cancel=stop, groups=[own_group],
                           on_progress=_epoch_reporter(progress, done, total, text,
                                                       len(members), config.epochs),
                           keep_stopped=keep_stopped)
        rows = [_sweep_row(size, seed, networks[size], many, keep_weights, data, config.loss)
                for (size, seed), many in zip(members, trained) if many is not None]
        result.runs.extend(rows)
        if len(rows) < len(members) or any(r.stop_reason == "stopped" for r in rows):
            result.cancelled = True
            break
        done += len(members) * config.epochs
        if progress:
            progress(SweepProgress(done, total, f"{text}: done", tuple(rows)))
        if stop():
            result.cancelled = len(result.runs) < len(jobs)
            break
    order = {size: i for i, size in enumerate(chosen)}
    result.runs.sort(key=lambda r: (order[r.size], seed_list.index(r.seed)))
    result.seconds = time.perf_counter() - started
    result.label_noise = 0.0 if isinstance(source, Network) else source.data.label_noise
    return result


def _epoch_reporter(progress: Callable[[SweepProgress], None] | None, base: int, total: int,
                    text: str, models: int, epochs: int) -> Callable[[int, int], None] | None:
    """`fit_many`'s progress (model-epochs of one group) as the sweep's `SweepProgress`."""
    if progress is None:
        return None

    def report(count: int, _: int) -> None:
        progress(SweepProgress(base + count, total,
                               f"{text}: epoch {count // max(1, models)} of {epochs}"))

    return report


def _sweep_inputs(source: Any, data: PreparedData | None, config: Any,
                  project_path: Any) -> tuple[Network, PreparedData, TrainingConfig, str]:
    if isinstance(source, Network):
        if data is None:
            raise SpecError("sweep: a network needs its prepared data (data=...)")
        config = config if isinstance(config, TrainingConfig) else TrainingConfig(config)
        return source, data, config, data.train.name
    from nnstudio.data.source import prepare_project_data

    network = source.network
    prepared = data if data is not None else prepare_project_data(source, project_path)
    chosen = config if config is not None else source.training
    chosen = chosen if isinstance(chosen, TrainingConfig) else TrainingConfig(chosen)
    return network, prepared, chosen, source.name


def _group_text(members: list[tuple[SweepSize, int]]) -> str:
    labels = list(dict.fromkeys(size.label for size, _ in members))
    seeds = len({seed for _, seed in members})
    shown = labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"
    return f"{shown} ({seeds} seed{'s' if seeds != 1 else ''})"


def _sweep_row(size: SweepSize, seed: int, network: Network, many: ManyResult,
               keep_weights: bool, data: PreparedData, loss: str) -> SweepRun:
    result = many.result
    metrics = {}
    for name, value in result.final_metrics.items():
        metrics[name if name.startswith("val_") else f"train_{name}"] = float(value)
    metrics.update({k: float(v) for k, v in many.test_metrics.items()})
    if data.train.is_classification and result.model is not None:
        # AUC needs the scores the batched training does not keep: measured as `evaluate`
        # measures it, so the keys are those of `nnstudio train` and `evaluate`.
        from nnstudio.engine.evaluate import split_metrics

        metrics.update({k: v for k, v in split_metrics(result.model, data, loss).items()
                        if k.endswith("_auc")})
    metrics = {name: metrics[name] for name in metric_columns([metrics])}
    return SweepRun(size, seed, infer_shapes(network).total_params, metrics,
                    {k: list(v) for k, v in result.history.items()}, result.epochs_run,
                    result.seconds, many.method, result.stop_reason, many.error,
                    result.weights if keep_weights else None)


# ==== command line ==============================================================================
# `nnstudio sweep`: nnstudio.commands lists it in its table and calls these two.

def add_sweep_arguments(parser: Any) -> None:
    """The options of `nnstudio sweep PROJECT ...` (an argparse parser)."""
    parser.add_argument("project", metavar="PROJECT", help="a .nnstudio project file")
    parser.add_argument("--widths", metavar="W,W,...",
                        help="widths of the widest hidden layer (default: the project's "
                             "suggested sweep, else 1,2,4,...,128)")
    parser.add_argument("--depths", metavar="D,D,...",
                        help="numbers of hidden layers, for --scale depth or both (default: "
                             "the project's, else 1,2,3,4)")
    parser.add_argument("--train-sizes", metavar="N,N,...",
                        help="grow the training data instead of the network: train on this "
                             "many training rows each (nested, from one seeded shuffle)")
    parser.add_argument("--seeds", type=int, metavar="N",
                        help="seeds per size (default: the project's, else 3), from the "
                             "project's seed up")
    parser.add_argument("--scale", choices=SCALES,
                        help="what grows: the width, the depth, or both (widths and depths "
                             "paired; default: the project's, else the width)")
    parser.add_argument("--epochs", type=int, metavar="N", help="epochs per run")
    parser.add_argument("--device", metavar="D", help="auto, cpu, cuda, cuda:0 to cuda:7, or mps")
    parser.add_argument("-o", "--output", dest="out", metavar="PREFIX",
                        help="write PREFIX.csv and PREFIX.png (default: PROJECT-sweep in the "
                             "working folder); with --train-sizes, '-' writes the CSV to stdout")
    parser.add_argument("--out", dest="out", help=argparse.SUPPRESS)  # the older name
    parser.add_argument("--force", action="store_true",
                        help="replace PREFIX.csv and PREFIX.png if they exist (without it, "
                             "existing files are kept and nothing trains)")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object (settings, rows, curves, spread over the "
                             "seeds) instead of the table")
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = _json_keys_help()


def _json_keys_help() -> str:
    """`sweep --help`'s list of what --json writes: the metric keys are those of `nnstudio
    train` and `evaluate` (core.metrics.report_keys)."""
    prefixes = "/".join(REPORT_SPLITS.values())
    tasks = {"classes": "binary", "numbers": "regression"}
    lines = ["--json writes: name, scale, epochs, seeds, task, metric, chance, samples "
             "{train, validation, test}, seconds, cancelled, notes,",
             "  runs[]: width, depth, seed, parameters, epochs, seconds, method, stop_reason, "
             "error, history, metrics;",
             "  summary[] (one per size): width, depth, parameters, seeds, metrics, each "
             "{mean, sd, min, median, max} over the seeds.",
             f"metrics keys: {prefixes} followed by"]
    lines += [f"  {what}: {', '.join(report_metrics(task))}" for what, task in tasks.items()]
    lines += ["(auc for more than two classes: each class against the rest, averaged)"]
    lines += ["(validation only with a validation split, test only with a test split).", "",
              textwrap.fill(BATCHING_NOTE, 96)]
    return "\n".join(lines)


DEFAULT_SWEEP = SweepSettings(widths=(1, 2, 4, 8, 16, 32, 64, 128), depths=(1, 2, 3, 4),
                              seeds=3)


def _fill_from_project(args: Any) -> None:
    """The options not given, from the sweep the project suggests (core.sweep_settings; the
    emergence examples carry one), else from DEFAULT_SWEEP. An unreadable project suggests
    nothing: loading it later says what is wrong."""
    from nnstudio.core.errors import NNStudioError
    from nnstudio.core.project import load_project

    try:
        suggested = load_project(args.project).project.sweep or DEFAULT_SWEEP
    except (NNStudioError, OSError):
        suggested = DEFAULT_SWEEP
    sizes_given = any(v is not None for v in (args.widths, args.depths, args.train_sizes,
                                              args.scale))
    if not sizes_given and suggested.train_sizes:
        args.train_sizes = ",".join(map(str, suggested.train_sizes))
    args.scale = args.scale or suggested.scale
    for option in ("widths", "depths"):
        if getattr(args, option) is None:
            chosen = getattr(suggested, option) or getattr(DEFAULT_SWEEP, option)
            setattr(args, option, ",".join(map(str, chosen)))
    if args.seeds is None:
        args.seeds = suggested.seeds or DEFAULT_SWEEP.seeds
    if args.epochs is None:
        args.epochs = suggested.epochs


def _numbers(text: str, option: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise SpecError(f"{option}: must be whole numbers separated by commas, "
                        f"got {text!r}") from None


class _ProgressLine:
    """The sweep's progress on stderr: one line redrawn in place on a terminal, otherwise a
    line per finished size."""

    def __init__(self, stream: Any, quiet: bool = False):
        self.stream = stream
        self.quiet = quiet
        self.live = hasattr(stream, "isatty") and stream.isatty() and not quiet
        self.last_line = 0.0

    def __call__(self, report: SweepProgress) -> None:
        if self.quiet:
            return
        bar = "#" * int(report.fraction * 20)
        line = f"[{bar:<20}] {report.fraction:4.0%}  {report.text}"
        now = time.monotonic()
        if self.live:
            self.stream.write("\r" + line[:100].ljust(100))
        elif report.finished or now - self.last_line >= 1.0:  # a log: a line a second
            self.last_line = now
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()


def sweep_from_arguments(args: Any) -> int:
    """Run `nnstudio sweep` from parsed options: train, write PREFIX.csv and PREFIX.png, print
    the table (or JSON). Bad input raises an NNStudioError (the caller prints one line and
    exits 2). Ctrl+C stops after the current batch: the models finished and those training
    then (as trained so far, marked stopped) are still written and the exit code is 130, as
    for every command."""
    import json
    import signal
    import sys
    from pathlib import Path

    from nnstudio.commands import INTERRUPTED
    from nnstudio.core.project import load_project
    from nnstudio.engine.callbacks import TrainingControl

    _fill_from_project(args)
    train_sizes = _numbers(args.train_sizes, "--train-sizes") if args.train_sizes else []
    widths = _numbers(args.widths, "--widths") if args.scale != "depth" else []
    depths = _numbers(args.depths, "--depths") if args.scale != "width" else []
    sizes = [SweepSize()] if train_sizes else sweep_sizes(args.scale, widths, depths)
    prefix = Path(args.out) if args.out else Path(Path(args.project).stem + "-sweep")
    if args.out == "-" and args.json:
        raise SpecError("-o - and --json both write to stdout; choose one")
    if args.out == "-" and not train_sizes:
        raise SpecError("-o -: a size sweep writes two files (a CSV and a PNG); give a "
                        "PREFIX, or use --json for the results on stdout")
    folder = prefix.absolute().parent
    if not folder.is_dir():
        raise SpecError(f"-o: the folder {str(folder)!r} does not exist")
    suffixes = (".csv",) if train_sizes else (".csv", ".png")
    existing = [str(prefix.with_name(prefix.name + suffix)) for suffix in suffixes
                if args.out != "-" and prefix.with_name(prefix.name + suffix).exists()]
    if existing and not args.force:
        verb = "exists" if len(existing) == 1 else "exist"
        raise SpecError(f"{' and '.join(existing)}: already {verb}; add --force to replace, "
                        "or choose another -o PREFIX")
    if not Path(args.project).is_file():
        raise SpecError(f"{args.project}: no such project file")
    loaded = load_project(args.project)
    config = loaded.project.training
    for option, setting in (("device", "device"), ("epochs", "epochs")):
        if getattr(args, option) is not None:
            value = TRAINING_SCHEMA[setting].validate(getattr(args, option), f"--{option}")
            config = config.replace(**{setting: value})
    control = TrainingControl()
    progress = _ProgressLine(sys.stderr, quiet=getattr(args, "quiet", False))
    previous = _on_interrupt(signal, control)
    try:
        if train_sizes:
            return _data_sweep(loaded, train_sizes, args, config, prefix, progress, control)
        result = run_sweep(loaded.project, sizes, seeds=args.seeds, scale=args.scale,
                           config=config, project_path=loaded.path, progress=progress,
                           cancel=control, keep_stopped=True)
    finally:
        progress.close()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if not result.runs:
        print("stopped by Ctrl+C before any model trained; nothing written", file=sys.stderr)
        return INTERRUPTED
    csv_path = prefix.with_name(prefix.name + ".csv")
    png_path = prefix.with_name(prefix.name + ".png")
    result.to_csv(csv_path)
    result.to_png(png_path)
    if args.json:
        document = {**result.to_dict(), "csv": str(csv_path), "png": str(png_path)}
        print(json.dumps(document))
    else:
        print(f"over {len(result.seeds)} seeds ({', '.join(map(str, result.seeds))}); one "
              f"line per seed in {csv_path}")
        print(result.spread_table())
        for note in result.notes:
            print(note)
        partial = sum(r.stop_reason == "stopped" for r in result.runs)
        done = (f"{len(result.runs) - partial} of {len(sizes) * len(result.seeds)} runs"
                + (f", and {partial} kept as trained so far (stop_reason stopped)"
                   if partial else ""))
        stopped = f" (stopped by Ctrl+C after {done})" if result.cancelled else ""
        print(f"wrote {csv_path} and {png_path} in {result.seconds:.1f} s{stopped}")
    return INTERRUPTED if result.cancelled else 0


def _data_sweep(loaded: Any, train_sizes: list[int], args: Any, config: TrainingConfig,
                prefix: Any, progress: _ProgressLine, control: Any) -> int:
    """`nnstudio sweep --train-sizes`: the data-scaling sweep's table (or JSON) and CSV."""
    import json
    import sys

    from nnstudio.commands import INTERRUPTED
    from nnstudio.data.source import prepare_project_data
    from nnstudio.engine.data_sweep import run_data_sweep

    data = prepare_project_data(loaded.project, loaded.path)
    result = run_data_sweep(loaded.project, train_sizes, args.seeds, data=data, config=config,
                            progress=progress, cancel=control, keep_stopped=True)
    progress.close()
    if not result.runs_by_size:
        print("stopped by Ctrl+C before any model trained; nothing written", file=sys.stderr)
        return INTERRUPTED
    if args.out == "-":
        _csv_to_stdout(result)
        return INTERRUPTED if result.cancelled else 0
    csv_path = prefix.with_name(prefix.name + ".csv")
    result.to_csv(csv_path)
    if args.json:
        print(json.dumps({"train_sizes": result.train_sizes, "columns": result.columns(),
                          "rows": result.rows(), "csv": str(csv_path)}))
    else:
        print(result.table())
        print(f"wrote {csv_path} in {result.seconds:.1f} s (loss is the log loss for classes)"
              + (_data_sweep_stopped(result, len(train_sizes)) if result.cancelled else ""))
    return INTERRUPTED if result.cancelled else 0


def _data_sweep_stopped(result: Any, sizes: int) -> str:
    """What a data sweep stopped by Ctrl+C kept: the runs finished, and those kept partway."""
    runs = [run for runs in result.runs_by_size for run in runs]
    partial = sum(run.stop_reason == "stopped" for run in runs)
    kept = f", and {partial} kept as trained so far (stop_reason stopped)" if partial else ""
    return (f" (stopped by Ctrl+C after {len(runs) - partial} of {sizes * len(result.seeds)} "
            f"runs{kept})")


def _csv_to_stdout(result: Any) -> None:
    """`-o -`: the CSV alone on stdout (written to a temporary file by the result's own
    writer, then copied)."""
    import shutil
    import sys
    import tempfile

    with tempfile.TemporaryDirectory(prefix="nnstudio-sweep-") as folder:
        path = os.path.join(folder, "sweep.csv")
        result.to_csv(path)
        sys.stdout.flush()
        with open(path, "rb") as source:
            shutil.copyfileobj(source, sys.stdout.buffer)
        sys.stdout.buffer.flush()


def _on_interrupt(signal: Any, control: Any) -> Any:
    """Ctrl+C asks the sweep to stop after the current batch; a second one interrupts at once.
    The previous handler, to put back (None off the main thread, where Ctrl+C is not ours)."""
    def handle(signum: int, frame: Any) -> None:
        if control.stop_requested:
            raise KeyboardInterrupt
        control.stop()

    try:
        return signal.signal(signal.SIGINT, handle)
    except ValueError:
        return None
