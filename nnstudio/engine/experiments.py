"""Experiments on a project: twin runs, a small hyperparameter search, and re-running a run.

- `record_run` turns a `fit` result into the project's `RunRecord` (what changed from the run
  before, seed, data, device, library versions, curves, final metrics).
- `prepare_twins` / `run_twins`: the current setup as A, and B differing in one setting
  (activation, optimizer, learning rate, L2, dropout, width, depth, or any training setting),
  trained from the same initial weights where the shapes allow, on the same split and in the
  same batch order, so the one difference is the only difference.
- `run_search`: a grid or random search over training settings (learning rate, batch size,
  L2, ...), each trial a `fit` with the project's seed; a table with the best trial marked.
- `rerun`: repeat a `RunRecord` from its network, data, settings and seed and report whether
  every per-epoch value matches bit for bit.

`source` arguments take a `Project` (with `project_path` to find a data file) or a `Network`
with `data=` (prepared) and `config=`.
"""

from __future__ import annotations

import datetime
import itertools
import math
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch

import nnstudio
from nnstudio.core.config import DEVICES, TRAINING_SCHEMA, TrainingConfig
from nnstudio.core.errors import SpecError
from nnstudio.core.history import (
    CONTINUED_FROM_UNRECORDED, best_index, format_table, history_length, list_changes,
    metric_columns, run_label,
)
from nnstudio.core.layers import ACTIVATIONS, LAYER_TYPES
from nnstudio.core.network import Network, Node, make_node
from nnstudio.core.params import FLOAT, INT
from nnstudio.core.project import Project, RunRecord, WeightsOrigin
from nnstudio.data.preprocessing import PreparedData
from nnstudio.engine.callbacks import Callback, FitResult, TrainingControl
from nnstudio.engine.modules import build_model
from nnstudio.engine.stacked import Cancel, StopWhen, stop_function
from nnstudio.engine.sweep import (
    SweepSize, hidden_depth, hidden_layers, hidden_width, output_layer, sized_network,
)
from nnstudio.engine.trainer import TrainingFailed, fit, training_path
from nnstudio.engine.weights import model_to_arrays

__all__ = [
    "NETWORK_SETTINGS", "RerunReport", "SearchProgress", "SearchResult", "SearchTrial",
    "TwinResult", "TwinSetup", "library_versions", "prepare_twins", "record_run", "rerun",
    "run_search", "run_twins", "search_grid", "search_random",
]

# Settings a twin can differ in besides every training setting (TRAINING_SCHEMA's names).
NETWORK_SETTINGS = ("activation", "dropout", "width", "depth")


def _inputs(source: Any, data: PreparedData | None, config: Any, project_path: Any
            ) -> tuple[Network, PreparedData, TrainingConfig]:
    if isinstance(source, Network):
        if data is None:
            raise SpecError("experiment: a network needs its prepared data (data=...)")
        chosen = TrainingConfig() if config is None else config
        if not isinstance(chosen, TrainingConfig):
            chosen = TrainingConfig(chosen)
        return source, data, chosen
    from nnstudio.data.source import prepare_project_data

    prepared = data if data is not None else prepare_project_data(source, project_path)
    chosen = source.training if config is None else config
    chosen = chosen if isinstance(chosen, TrainingConfig) else TrainingConfig(chosen)
    return source.network, prepared, chosen


# ==== run records ================================================================================

def library_versions() -> dict[str, str]:
    """The versions a run depends on, kept in its record: results can differ across them."""
    return {"nnstudio": nnstudio.__version__, "torch": torch.__version__.split("+")[0],
            "numpy": np.__version__}


def record_run(project: Project, result: FitResult, *, name: str = "", note: str = "",
               network: Network | None = None, config: TrainingConfig | None = None,
               previous: RunRecord | None = None, created: str | None = None) -> RunRecord:
    """A `RunRecord` for `result`, trained on `project` (its current network, data, training
    settings unless `network`/`config` say otherwise).

    `changes` compares with `previous` (default: the project's last run). Weights are not
    part of the record here: `save_project(..., run_weights={record.id: result.weights})`
    writes them beside the project. The caller appends the record to `project.runs`.
    """
    network = project.network if network is None else network
    config = project.training if config is None else config
    if previous is None and project.runs:
        previous = project.runs[-1]
    changes = (list_changes(previous.config, config, previous.network, network)
               if previous is not None else list_changes(None, config))
    stamp = created or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    # Early stopping that put the best epoch's weights back: the run's weights are that epoch's.
    restored = result.stop_reason == "early_stopping" and config.restore_best and \
        0 < result.best_epoch < history_length(result.history)
    return RunRecord(
        id=project.next_run_id(), name=name, note=note, created=stamp, seed=config.seed,
        device=result.device, versions=library_versions(), config=config,
        changes=tuple(changes), history={k: [float(v) for v in values]
                                         for k, values in result.history.items()},
        final_metrics={k: float(v) for k, v in result.final_metrics.items()},
        network=Network(network.nodes), data=project.data, training_path=result.path,
        weights_epoch=result.best_epoch if restored else 0)


FAILED_NOTE = "Failed: "  # starts the note of a run that stopped on an error, e.g. a NaN loss


def marked_failed(record: RunRecord, message: str) -> RunRecord:
    """`record` kept as a failed run: its note says so and why (the curves stop where it
    failed; its weights are the last good ones)."""
    return replace(record, note=FAILED_NOTE + message)


def continued_run(project: Project, result: FitResult, origin: WeightsOrigin | None, *,
                  name: str = "", network: Network | None = None,
                  config: TrainingConfig | None = None) -> RunRecord:
    """The record of a run that started from the project's current weights, whose origin is
    `origin`: its parent, and its changes measured against that parent run. Weights no run
    recorded (imported, or from a run since deleted) are said so in its changes."""
    parent = project.find_run(origin.run) if origin is not None else None
    record = record_run(project, result, name=name, network=network, config=config,
                        previous=parent)
    if origin is None:
        return replace(record, changes=(CONTINUED_FROM_UNRECORDED, *record.changes))
    return replace(record, parent=origin)


# ==== twin runs ==================================================================================

@dataclass(frozen=True)
class TwinSetup:
    """A and B before training: networks, settings, and the initial weights each starts from.

    `shared` names the tensors B starts with A's initial values (all of them when the shapes
    agree; the layers that kept their shape when the width or depth changed).
    """

    setting: str
    value_a: Any
    value_b: Any
    network_a: Network
    config_a: TrainingConfig
    initial_a: dict[str, np.ndarray]
    network_b: Network
    config_b: TrainingConfig
    initial_b: dict[str, np.ndarray]
    shared: tuple[str, ...]
    changes: tuple[str, ...]  # B against A, in words


@dataclass(frozen=True)
class TwinResult:
    """Both runs of a twin experiment: their `FitResult`s (curves, final metrics, weights)."""

    setup: TwinSetup
    a: FitResult
    b: FitResult

    def table(self) -> str:
        """Final metrics of A and B side by side, with B minus A."""
        metrics = metric_columns([self.a.final_metrics, self.b.final_metrics])
        rows = []
        for name in metrics:
            a, b = self.a.final_metrics.get(name), self.b.final_metrics.get(name)
            difference = b - a if a is not None and b is not None else None
            rows.append([name, a, b, difference])
        setup = self.setup
        header = ["metric", f"A ({setup.setting} {_show(setup.value_a)})",
                  f"B ({setup.setting} {_show(setup.value_b)})", "B - A"]
        return format_table(header, rows)


def _show(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def prepare_twins(source: Any, setting: str, value_b: Any, *, data: PreparedData | None = None,
                  config: TrainingConfig | dict | None = None,
                  project_path: Any = None) -> tuple[TwinSetup, PreparedData]:
    """A (the setup as it is) and B (with `setting` set to `value_b`), and the data.

    `setting` is "activation" (every hidden layer's), "dropout" (the rate of every Dropout
    layer; one is added after each hidden layer if there is none), "width" (the widest hidden
    layer's units, others in proportion), "depth" (hidden layers), or any training setting
    ("optimizer", "learning_rate", "l2", "batch_size", ...). SpecError names a bad value.
    """
    network, prepared, config = _inputs(source, data, config, project_path)
    network_b, config_b, value_a = _variant(network, config, setting, value_b)
    model_a = build_model(network, seed=config.seed)
    initial_a = model_to_arrays(model_a)
    initial_b = model_to_arrays(build_model(network_b, seed=config.seed))
    shared = tuple(k for k, v in initial_b.items()
                   if k in initial_a and initial_a[k].shape == v.shape)
    initial_b.update({k: initial_a[k].copy() for k in shared})
    changes = tuple(list_changes(config, config_b, network, network_b))
    setup = TwinSetup(setting, value_a, value_b, network, config, initial_a, network_b,
                      config_b, initial_b, shared, changes)
    return setup, prepared


def run_twins(source: Any, setting: str, value_b: Any, *, data: PreparedData | None = None,
              config: TrainingConfig | dict | None = None, project_path: Any = None,
              callbacks_a: Sequence[Callback] = (), callbacks_b: Sequence[Callback] = (),
              control: TrainingControl | None = None) -> TwinResult:
    """Train twins A and B (see `prepare_twins`) one after the other with `fit`; both use the
    same data split, the same seed (so the same batch order and dropout stream) and, where
    shapes allow, the same initial weights. `control` stops either run. A run whose loss turns
    NaN raises `TrainingFailed` (with its partial result), as `fit` does."""
    setup, prepared = prepare_twins(source, setting, value_b, data=data, config=config,
                                    project_path=project_path)
    # One training path for both, so the setting is the only difference (the fast path and
    # torch agree only within float rounding): torch unless the fast path covers both twins.
    paths = {training_path(setup.network_a, prepared, setup.config_a),
             training_path(setup.network_b, prepared, setup.config_b)}
    path = "fast" if paths == {"fast"} else "torch"
    result_a = fit(setup.network_a, prepared, setup.config_a, callbacks_a, control,
                   initial_weights=setup.initial_a, path=path)
    result_b = fit(setup.network_b, prepared, setup.config_b, callbacks_b, control,
                   initial_weights=setup.initial_b, path=path)
    return TwinResult(setup, result_a, result_b)


def _variant(network: Network, config: TrainingConfig, setting: str, value: Any
             ) -> tuple[Network, TrainingConfig, Any]:
    """(network B, config B, A's value of the setting)."""
    if setting in TRAINING_SCHEMA.names():
        return network, config.replace(**{setting: value}), config.get(setting)
    if setting == "activation":
        network_b, before = _with_activation(network, value)
    elif setting == "dropout":
        network_b, before = _with_dropout(network, value)
    elif setting == "width":
        network_b, before = sized_network(network, SweepSize(width=value)), hidden_width(network)
    elif setting == "depth":
        network_b, before = sized_network(network, SweepSize(depth=value)), hidden_depth(network)
    else:
        choices = ", ".join((*NETWORK_SETTINGS, *TRAINING_SCHEMA.names()))
        raise SpecError(f"twin.setting: unknown setting {setting!r}; choose one of {choices}")
    return network_b, config, before


def _with_activation(network: Network, value: Any) -> tuple[Network, str]:
    """Every hidden activation set to `value`: the `activation` of hidden Dense/Conv layers
    and activation layers before the output layer (the output's own stays)."""
    if value not in ACTIVATIONS or value == "softmax":
        allowed = ", ".join(a for a in ACTIVATIONS if a != "softmax")
        raise SpecError(f"twin.activation: must be one of {allowed}, got {value!r}")
    order = network.topological_order()
    position = {n.id: i for i, n in enumerate(order)}
    out = output_layer(network)
    end = position[out.id] if out is not None else len(order)
    hidden = {n.id for n in hidden_layers(network)}
    before = ""
    nodes = []
    for node in network.nodes:
        if node.id in hidden and "activation" in node.params:
            before = before or node.params["activation"]
            node = node.with_params(activation=value)
        elif LAYER_TYPES[node.type].is_activation and position[node.id] < end:
            before = before or node.type
            node = make_node(value, node.id, node.inputs, node.position)  # same id: no weights
        nodes.append(node)
    if not before:
        raise SpecError("twin.activation: the network has no hidden activation to change; "
                        "add a hidden layer first")
    return Network(nodes), before


def _with_dropout(network: Network, rate: Any) -> tuple[Network, float]:
    """Every Dropout layer at `rate`; without any, one after each hidden layer (after its
    activation layer, if it has one). Dropout has no weights, so A's weights fit B."""
    rate = LAYER_TYPES["dropout"].schema["rate"].validate(rate, "twin.dropout")
    existing = [n for n in network.nodes if n.type == "dropout"]
    if existing:
        nodes = [n.with_params(rate=rate) if n.type == "dropout" else n for n in network.nodes]
        return Network(nodes), existing[0].params["rate"]
    nodes = list(network.nodes)
    taken = set(network.ids())
    for layer in hidden_layers(network):
        after = _block_end(Network(nodes), layer)
        number = 1
        while f"dropout_{number}" in taken:
            number += 1
        new_id = f"dropout_{number}"
        taken.add(new_id)
        position = (after.position[0] + 40.0, after.position[1] + 45.0)
        dropout = make_node("dropout", new_id, (after.id,), position, rate=rate)
        nodes = [replace(n, inputs=tuple(new_id if i == after.id else i for i in n.inputs))
                 for n in nodes]
        nodes.insert(next(i for i, n in enumerate(nodes) if n.id == after.id) + 1, dropout)
    if not taken - set(network.ids()):
        raise SpecError("twin.dropout: the network has no hidden layer to put Dropout after")
    return Network(nodes), 0.0


def _block_end(network: Network, layer: Node) -> Node:
    """`layer`, or the activation layer right after it (dropout goes after the activation)."""
    consumers = network.consumers(layer.id)
    if len(consumers) == 1 and LAYER_TYPES[consumers[0].type].is_activation:
        return consumers[0]
    return layer


# ==== hyperparameter search ======================================================================

@dataclass(frozen=True)
class SearchTrial:
    """One trial: the settings it tried, and how it went."""

    index: int
    values: dict[str, Any]
    final_metrics: dict[str, float]
    history: dict[str, list[float]]
    seconds: float
    error: str = ""  # why it failed (its loss turned NaN); metrics are then of the last good epoch
    weights: dict[str, np.ndarray] | None = field(default=None, repr=False, compare=False)


@dataclass
class SearchResult:
    """Every trial of a search, in the order tried, and the best by `metric`."""

    metric: str
    names: list[str]  # the settings searched
    trials: list[SearchTrial] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0

    @property
    def best(self) -> int | None:
        """The position of the best trial (lowest loss, highest accuracy), failed ones aside."""
        values = [t.final_metrics.get(self.metric) if not t.error else None for t in self.trials]
        return best_index(values, self.metric)

    def columns(self) -> list[str]:
        metrics = metric_columns(t.final_metrics for t in self.trials)
        return ["trial", *self.names, *metrics, "seconds"]

    def rows(self) -> list[list[Any]]:
        metrics = self.columns()[1 + len(self.names):-1]
        return [[t.index + 1, *[t.values[n] for n in self.names],
                 *[t.final_metrics.get(m) for m in metrics], round(t.seconds, 2)]
                for t in self.trials]

    def table(self) -> str:
        """One line per trial; the best marked "← best", failed ones with their reason."""
        marks = {i: f"failed: {t.error}" for i, t in enumerate(self.trials) if t.error}
        if self.best is not None:
            marks[self.best] = f"← best {self.metric}"
        return format_table(self.columns(), self.rows(), marks)


@dataclass(frozen=True)
class SearchProgress:
    done: int  # trials finished
    total: int
    text: str
    trial: SearchTrial | None = None  # the trial just finished


def search_grid(space: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the values in `space` (setting -> values), first setting slowest."""
    names = list(space)
    _check_space(space, grid=True)
    return [dict(zip(names, combo)) for combo in itertools.product(*(space[n] for n in names))]


def search_random(space: Mapping[str, Any], count: int, seed: int = 0) -> list[dict[str, Any]]:
    """`count` random combinations. A list of values is chosen from; a (low, high) tuple is
    sampled: log-uniformly for settings that span magnitudes (learning rate, batch size; L2
    when low > 0), uniformly otherwise; whole numbers for whole-number settings."""
    _check_space(space, grid=False)
    if not isinstance(count, int) or not 1 <= count <= 10_000:
        raise SpecError(f"search.count: must be from 1 to 10000, got {count!r}")
    rng = np.random.default_rng(seed)
    trials = []
    for _ in range(count):
        values = {}
        for name, choice in space.items():
            if isinstance(choice, tuple):
                values[name] = _sample(name, choice, rng)
            else:
                values[name] = choice[int(rng.integers(len(choice)))]
        trials.append(values)
    return trials


def _sample(name: str, bounds: tuple, rng: np.random.Generator) -> Any:
    spec = TRAINING_SCHEMA[name]
    low, high = bounds
    logarithmic = (spec.log_scale or name == "l2") and low > 0
    value = (math.exp(rng.uniform(math.log(low), math.log(high))) if logarithmic
             else rng.uniform(low, high))
    if spec.kind == INT:
        return int(round(value))
    return float(f"{value:.3g}")  # readable in a table; the search is coarse anyway


def _check_space(space: Mapping[str, Any], grid: bool) -> None:
    if not space:
        raise SpecError("search: give at least one setting to search, e.g. learning_rate")
    for name, choice in space.items():
        if name not in TRAINING_SCHEMA.names():
            raise SpecError(f"search: unknown training setting {name!r}")
        spec = TRAINING_SCHEMA[name]
        if isinstance(choice, tuple) and not grid:
            if len(choice) != 2 or spec.kind not in (INT, FLOAT):
                raise SpecError(f"search.{name}: a range is (low, high) of numbers")
            for bound in choice:
                spec.validate(bound, f"search.{name}")
            if choice[0] > choice[1]:
                raise SpecError(f"search.{name}: the low end {choice[0]} is above the high end")
            continue
        if not isinstance(choice, (list, tuple)) or not choice:
            raise SpecError(f"search.{name}: give a list of values to try")
        for value in choice:
            spec.validate(value, f"search.{name}")


def run_search(source: Any, space: Mapping[str, Any], *, mode: str = "grid", count: int = 10,
               seed: int = 0, metric: str | None = None, data: PreparedData | None = None,
               config: TrainingConfig | dict | None = None, project_path: Any = None,
               epochs: int | None = None, keep_weights: bool = False,
               progress: Callable[[SearchProgress], None] | None = None,
               cancel: Cancel = None) -> SearchResult:
    """Train one run per combination of settings and rank them by `metric`.

    `space` maps training settings to a list of values (grid or random) or a (low, high)
    range (random). `mode` "random" draws `count` combinations with `seed`. `metric` defaults
    to val_accuracy for classes and val_loss for numbers (the training ones without a
    validation split). Every trial uses the config's seed: the same initial weights and batch
    order, so the settings are the only difference. Trials run one after another with `fit`
    (different learning rates and batch sizes cannot share one batched computation).
    """
    network, prepared, config = _inputs(source, data, config, project_path)
    if epochs is not None:
        config = config.replace(epochs=epochs)
    if mode not in ("grid", "random"):
        raise SpecError(f"search.mode: must be \"grid\" or \"random\", got {mode!r}")
    combos = search_grid(space) if mode == "grid" else search_random(space, count, seed)
    configs = [config.replace(**values) for values in combos]  # every value checked up front
    if metric is None:
        prefix = "val_" if prepared.validation.n_samples else ""
        metric = prefix + ("accuracy" if prepared.train.is_classification else "loss")
    result = SearchResult(metric, list(space))
    stop = stop_function(cancel)
    started = time.perf_counter()
    for index, (values, trial_config) in enumerate(zip(combos, configs)):
        if stop():
            result.cancelled = True
            break
        text = ", ".join(f"{k} {_show(v)}" for k, v in values.items())
        trial = _trial(index, values, network, prepared, trial_config, stop, keep_weights,
                       lambda epoch, text=text, i=index: progress and progress(SearchProgress(
                           i, len(combos), f"trial {i + 1} of {len(combos)} ({text}): epoch "
                                           f"{epoch} of {trial_config.epochs}")))
        if trial is None:
            result.cancelled = True
            break
        result.trials.append(trial)
        if progress:
            progress(SearchProgress(index + 1, len(combos), f"trial {index + 1} done", trial))
    result.seconds = time.perf_counter() - started
    if not any(result.metric in t.final_metrics for t in result.trials) and result.trials:
        raise SpecError(f"search.metric: the runs have no metric {metric!r}; choose one of "
                        + ", ".join(sorted(result.trials[0].final_metrics)))
    return result


def _trial(index: int, values: dict[str, Any], network: Network, data: PreparedData,
           config: TrainingConfig, stop: Callable[[], bool], keep_weights: bool,
           progress: Callable[[int], None]) -> SearchTrial | None:
    control = TrainingControl()
    started = time.perf_counter()
    error = ""
    try:
        result = fit(network, data, config, [StopWhen(stop, control, progress)], control)
    except TrainingFailed as failure:
        if failure.result is None:
            raise
        result, error = failure.result, str(failure)
    if result.stop_reason == "stopped":
        return None
    return SearchTrial(index, dict(values), dict(result.final_metrics),
                       {k: list(v) for k, v in result.history.items()},
                       time.perf_counter() - started, error,
                       result.weights if keep_weights else None)


# ==== re-run exactly =============================================================================

@dataclass(frozen=True)
class RerunReport:
    """Whether repeating a run gave the same curves.

    `identical` is True when every per-epoch value of every metric is equal bit for bit
    (NaN equal to NaN) and the run lasted as many epochs. `first_difference` is
    (metric, epoch from 1) of the first value that differs; `largest_difference` the biggest
    absolute difference over all values.
    """

    run_id: str
    identical: bool
    epochs: tuple[int, int]  # (recorded, repeated)
    first_difference: tuple[str, int] | None
    largest_difference: float
    device: str
    message: str
    result: FitResult = field(repr=False, compare=False)


def rerun(run: RunRecord, *, project_path: Any = None, data: PreparedData | None = None,
          device: str | None = None, callbacks: Sequence[Callback] = (),
          control: TrainingControl | None = None,
          initial_weights: Mapping[str, np.ndarray] | None = None) -> RerunReport:
    """Repeat `run` from its record (network, data source and split, settings, seed) and
    compare its curves with the recorded ones. A run that continued another starts from
    `initial_weights`: its parent's weights at the epoch it began from.

    It runs on the recorded device unless `device` says otherwise; bit-for-bit equality is
    promised on the CPU (GPUs may add in a different order from run to run). SpecError when
    the device is not here; DataError when the data cannot be read.
    """
    from nnstudio.data.source import prepare_project_data

    chosen = device or (run.device if run.device in DEVICES else run.config.device)
    config = run.config.replace(seed=run.seed, device=chosen)
    if data is None:
        carrier = Project(name=run.id, network=run.network, data=run.data, training=config)
        data = prepare_project_data(carrier, project_path)
    # The recorded path where it still applies: the two agree only within float rounding.
    path = "torch" if run.training_path == "torch" else "auto"
    try:
        result = fit(run.network, data, config, callbacks, control,
                     initial_weights=dict(initial_weights) if initial_weights else None,
                     path=path)
    except TrainingFailed as failure:
        if failure.result is None:
            raise
        result = failure.result
    return _compare(run, result)


def _compare(run: RunRecord, result: FitResult) -> RerunReport:
    recorded, repeated = run.history, result.history
    first: tuple[str, int] | None = None
    largest = 0.0
    lengths = (max((len(v) for v in recorded.values()), default=0), result.epochs_run)
    for name in metric_columns([recorded, repeated]):
        old = np.asarray(recorded.get(name, []), dtype=np.float64)
        new = np.asarray(repeated.get(name, []), dtype=np.float64)
        length = min(len(old), len(new))
        same = (old[:length] == new[:length]) | (np.isnan(old[:length]) & np.isnan(new[:length]))
        if len(old) != len(new) or not same.all():
            epoch = int(np.argmin(same)) + 1 if not same.all() else length + 1
            if first is None or epoch < first[1]:
                first = (name, epoch)
        finite = np.isfinite(old[:length]) & np.isfinite(new[:length])
        if finite.any():
            largest = max(largest, float(np.abs(old[:length] - new[:length])[finite].max()))
    identical = first is None
    versions = library_versions()
    note = ""
    if run.versions and run.versions.get("torch") not in (None, versions["torch"]):
        note = (f" It was recorded with torch {run.versions['torch']} and repeated with "
                f"{versions['torch']}, which can change the last digits.")
    if identical:
        count = sum(len(v) for v in recorded.values())
        message = (f"{run_label(run)} repeated exactly: all {count} recorded values over "
                   f"{lengths[0]} epochs match bit for bit on {result.device}.")
    else:
        name, epoch = first
        message = (f"{run_label(run)} did not repeat exactly: {name} differs first at epoch "
                   f"{epoch} (largest difference {largest:.3g}; recorded {lengths[0]} epochs, "
                   f"repeated {lengths[1]}) on {result.device}.{note}")
    return RerunReport(run.id, identical, lengths, first, largest, result.device, message, result)
