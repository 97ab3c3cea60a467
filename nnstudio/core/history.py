"""Run history in words and tables: what changed between two runs, and rows to compare them.

Pure helpers (no torch, no Qt) shared by the CLI, the experiment engine and the runs table in
the window. A run is anything with the fields of `nnstudio.core.project.RunRecord` (`id`,
`name`, `seed`, `config`, `final_metrics`, ...); plain dicts with those keys work too, so the
helpers can be tested and used before a project exists.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Sequence

from nnstudio.core.config import TrainingConfig
# Which way is better, and the split prefixes, come from the metrics table.
from nnstudio.core.metrics import SPLIT_PREFIXES, base_metric, lower_is_better  # noqa: F401
from nnstudio.core.network import Network

NO_CHANGES = "no changes"
FIRST_RUN = "first run"
CONTINUED_FROM = "continued from "
CONTINUED_FROM_UNRECORDED = "continued from weights no run recorded (imported or edited)"

# The order metric columns appear in: the usual ones first, in the order a learner reads them.
_METRIC_ORDER = ("loss", "accuracy", "precision", "recall", "f1", "auc", "mse", "mae", "r2")


# ---- values in words ---------------------------------------------------------------------------

def format_value(value: Any) -> str:
    """A setting or metric as a person would write it: 0.01, 1e-05, 16, adam, (1, 8, 8), on/off."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return f"{value:.4g}"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(format_value(v) for v in value) + ")"
    if value is None:
        return "-"
    return str(value)


def format_metric(value: Any) -> str:
    """A metric for a table cell: four significant digits, '-' when missing."""
    if value is None:
        return "-"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # counts (parameters, epochs, seeds) stay whole
    if isinstance(value, float):
        number = value
        if math.isnan(number):
            return "-"
        return f"{number:.4g}" if abs(number) < 1e5 else f"{number:.3e}"
    return str(value)


def _config_dict(config: TrainingConfig | Mapping[str, Any] | None) -> dict[str, Any]:
    if config is None:
        return {}
    if isinstance(config, TrainingConfig):
        return config.to_dict()
    return dict(config)


def _network_nodes(network: Network | Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """{node id: {"type", "params", "inputs"}} from a Network or its dict form."""
    if network is None:
        return {}
    data = network.to_dict() if isinstance(network, Network) else network
    nodes: dict[str, dict[str, Any]] = {}
    for item in data.get("nodes", []):
        params = {k: tuple(v) if isinstance(v, list) else v
                  for k, v in dict(item.get("params", {})).items()}
        nodes[item["id"]] = {"type": item.get("type"), "params": params,
                             "inputs": tuple(item.get("inputs", ()))}
    return nodes


# ---- what changed ------------------------------------------------------------------------------

def config_changes(old_config: TrainingConfig | Mapping[str, Any] | None,
                   new_config: TrainingConfig | Mapping[str, Any] | None) -> list[str]:
    """One phrase per changed training setting, e.g. "learning_rate 0.01 → 0.03"."""
    old, new = _config_dict(old_config), _config_dict(new_config)
    changes = []
    for name in _ordered_union(old, new):
        if name not in old:
            changes.append(f"{name} {format_value(new[name])}")
        elif name not in new:
            changes.append(f"{name} removed")
        elif old[name] != new[name]:
            changes.append(f"{name} {format_value(old[name])} → {format_value(new[name])}")
    return changes


def network_changes(old_network: Network | Mapping[str, Any] | None,
                    new_network: Network | Mapping[str, Any] | None) -> list[str]:
    """One phrase per layer added, removed, retyped, rewired or with a changed parameter.

    Positions on the canvas are not changes to the network: moving a layer changes nothing.
    """
    old, new = _network_nodes(old_network), _network_nodes(new_network)
    changes = []
    for node_id in _ordered_union(old, new):
        before, after = old.get(node_id), new.get(node_id)
        if before is None:
            changes.append(f"added {node_id} ({after['type']})")
        elif after is None:
            changes.append(f"removed {node_id} ({before['type']})")
        elif before["type"] != after["type"]:
            changes.append(f"{node_id} {before['type']} → {after['type']}")
        else:
            for name in _ordered_union(before["params"], after["params"]):
                a, b = before["params"].get(name), after["params"].get(name)
                if a != b:
                    changes.append(f"{node_id}.{name} {format_value(a)} → {format_value(b)}")
            if before["inputs"] != after["inputs"]:
                changes.append(f"{node_id} inputs {_ids(before['inputs'])} → "
                               f"{_ids(after['inputs'])}")
    return changes


def list_changes(old_config: TrainingConfig | Mapping[str, Any] | None,
                 new_config: TrainingConfig | Mapping[str, Any] | None,
                 old_network: Network | Mapping[str, Any] | None = None,
                 new_network: Network | Mapping[str, Any] | None = None) -> list[str]:
    """What changed between two runs, one phrase each, settings first (a `RunRecord`'s
    `changes`): ["learning_rate 0.01 → 0.03", "dense_1.units 8 → 16"].

    ["first run"] when there is nothing before (both olds None), [] when they agree. Configs
    may be `TrainingConfig`s or dicts; networks `Network`s or their dict form.
    """
    if old_config is None and old_network is None:
        return [FIRST_RUN]
    parts = config_changes(old_config, new_config) if old_config is not None else []
    if old_network is not None or new_network is not None:
        parts += network_changes(old_network, new_network)
    return parts


def describe_changes(old_config: TrainingConfig | Mapping[str, Any] | None,
                     new_config: TrainingConfig | Mapping[str, Any] | None,
                     old_network: Network | Mapping[str, Any] | None = None,
                     new_network: Network | Mapping[str, Any] | None = None) -> str:
    """What changed between two runs, in words, settings first:
    "learning_rate 0.01 → 0.03; dense_1.units 8 → 16".

    "first run" when there is nothing before (both olds None), "no changes" when they agree.
    Configs may be `TrainingConfig`s or dicts; networks `Network`s or their dict form.
    """
    return "; ".join(list_changes(old_config, new_config, old_network, new_network)) or NO_CHANGES


# ---- lineage: which run and epoch weights came from ---------------------------------------------

def run_label(run: Any) -> str:
    """How a run is named to a person: its name, or its id while it has none."""
    return _field(run, "name") or _field(run, "id")


def origin_text(origin: Any, runs: Sequence[Any]) -> str:
    """Where weights came from, in words: "Baseline, epoch 300" (the run by its name, as the
    runs table shows it); "a deleted run (run_3), epoch 300" when that run is gone. An origin
    guessed from an older file says so, and weights edited by hand since."""
    run = next((r for r in runs if _field(r, "id") == origin.run), None)
    name = run_label(run) if run is not None else f"a deleted run ({origin.run})"
    text = f"{name}, epoch {origin.epoch}"
    if origin.inferred:
        text += " (inferred from an older project file)"
    return text + ", then edited by hand" if origin.edited else text


def lineage_changes(run: Any, runs: Sequence[Any]) -> str:
    """A run's changes in words, starting with where it began when it continued a run:
    "continued from Baseline, epoch 3; learning_rate 0.03 → 0.01"."""
    changes = _field(run, "changes")
    if isinstance(changes, (list, tuple)):
        changes = "; ".join(changes)
    start = start_text(run, runs)
    if start is None:
        return changes or NO_CHANGES
    return f"{start}; {changes}" if changes else start


def start_text(run: Any, runs: Sequence[Any]) -> str | None:
    """Where a continuing run began: "continued from Baseline, epoch 3"; None for a run from
    fresh weights (or from weights no run recorded, which its changes say)."""
    parent = _field(run, "parent")
    return None if parent is None else CONTINUED_FROM + origin_text(parent, runs)


def history_length(history: Mapping[str, Sequence[float]]) -> int:
    """Epochs in a history: the length of its longest series."""
    return max((len(values) for values in history.values()), default=0)


def join_histories(before: Mapping[str, Sequence[float]],
                   after: Mapping[str, Sequence[float]]) -> dict[str, list[float]]:
    """`after` appended to `before`, column by column; a column one side lacks is padded with
    NaN so every column keeps one value per epoch."""
    if not before:
        return {name: list(values) for name, values in after.items()}
    length_before, length_after = history_length(before), history_length(after)
    joined: dict[str, list[float]] = {}
    for name in [*before, *(n for n in after if n not in before)]:
        old = list(before.get(name, []))
        old += [math.nan] * (length_before - len(old))
        new = list(after.get(name, []))
        new += [math.nan] * (length_after - len(new))
        joined[name] = old + new
    return joined


def lineage_history(runs: Sequence[Any], origin: Any) -> dict[str, list[float]]:
    """The curve that led to weights from `origin` (a run and epoch): that run's history up to
    the epoch, after the histories of the runs it continued from, each up to the epoch its
    child started from. {} when `origin` is None or names no run of `runs`."""
    by_id = {_field(run, "id"): run for run in runs}
    parts: list[dict[str, list[float]]] = []
    seen: set[str] = set()
    while origin is not None and origin.run in by_id and origin.run not in seen:
        seen.add(origin.run)  # a damaged file cannot make it loop
        run = by_id[origin.run]
        parts.append({name: list(values[:origin.epoch])
                      for name, values in (_field(run, "history") or {}).items()})
        origin = _field(run, "parent")
    history: dict[str, list[float]] = {}
    for part in reversed(parts):
        history = join_histories(history, part)
    return history


def _ordered_union(first: Mapping, second: Mapping) -> list:
    """Keys of `first` in order, then the keys only `second` has."""
    return list(first) + [key for key in second if key not in first]


def _ids(ids: Sequence[str]) -> str:
    return "(" + ", ".join(ids) + ")"


# ---- metrics -----------------------------------------------------------------------------------

def metric_columns(metric_dicts: Iterable[Mapping[str, Any]]) -> list[str]:
    """The metric names found in any of `metric_dicts`, ordered: train, validation, test, and
    within each the usual order (loss, accuracy, ..., r2), unknown ones last by name."""
    names = {name for metrics in metric_dicts for name in metrics}

    def key(name: str) -> tuple[int, int, str]:
        split = next((i + 1 for i, p in enumerate(SPLIT_PREFIXES) if name.startswith(p)), 0)
        split = {0: 0, 1: 0, 2: 1, 3: 1, 4: 2}[split]
        base = base_metric(name)
        rank = _METRIC_ORDER.index(base) if base in _METRIC_ORDER else len(_METRIC_ORDER)
        return split, rank, name

    return sorted(names, key=key)


def best_index(values: Sequence[float | None], metric: str) -> int | None:
    """The position of the best finite value of `metric` in `values` (first on ties), or None."""
    best: int | None = None
    lower = lower_is_better(metric)
    for index, value in enumerate(values):
        if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
            continue
        if best is None or (value < values[best] if lower else value > values[best]):
            best = index
    return best


# ---- runs as rows ------------------------------------------------------------------------------

def _field(run: Any, name: str, default: Any = None) -> Any:
    if isinstance(run, Mapping):
        return run.get(name, default)
    return getattr(run, name, default)


RUN_COLUMNS = ("name", "created", "seed", "changes")


def run_rows(runs: Sequence[Any], metrics: Sequence[str] | None = None
             ) -> tuple[list[str], list[list[Any]]]:
    """(column names, one row of raw values per run) for a runs table.

    The columns are name, created, seed, changes, then `metrics` (default: every final metric
    any run has, see `metric_columns`). Values stay raw (numbers, text, None for a metric a run
    lacks) so a table view can sort by them; `format_table` turns them into text.
    """
    finals = [dict(_field(run, "final_metrics", {}) or {}) for run in runs]
    metrics = list(metrics) if metrics is not None else metric_columns(finals)
    columns = list(RUN_COLUMNS) + metrics
    rows = []
    for run, final in zip(runs, finals):
        row = [run_label(run), _field(run, "created"), _field(run, "seed"),
               lineage_changes(run, runs)]
        rows.append(row + [final.get(name) for name in metrics])
    return columns, rows


def best_run_index(runs: Sequence[Any], metric: str) -> int | None:
    """The position of the run with the best final `metric` (lowest loss, highest accuracy)."""
    return best_index([(_field(run, "final_metrics", {}) or {}).get(metric) for run in runs],
                      metric)


def sort_rows(rows: Sequence[Sequence[Any]], column: int, descending: bool = False
              ) -> list[Sequence[Any]]:
    """Rows sorted by one column; missing values (None, nan) always last, whatever the order."""
    def missing(value: Any) -> bool:
        return value is None or (isinstance(value, float) and math.isnan(value))

    present = [row for row in rows if not missing(row[column])]
    absent = [row for row in rows if missing(row[column])]
    try:
        present.sort(key=lambda row: row[column], reverse=descending)
    except TypeError:  # mixed numbers and text: compare as text
        present.sort(key=lambda row: str(row[column]), reverse=descending)
    return present + absent


def format_table(columns: Sequence[str], rows: Sequence[Sequence[Any]],
                 marks: Mapping[int, str] | None = None) -> str:
    """A plain-text table: a header, a rule, one line per row; numbers right-aligned.

    `marks` puts a short text after given rows (e.g. {3: "← best"}).
    """
    cells = [[format_metric(value) if _is_number(value) else format_value(value)
              for value in row] for row in rows]
    widths = [len(column) for column in columns]
    for row in cells:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], len(cell))
    numeric = [any(_is_number(row[i]) for row in rows) and
               all(_is_number(row[i]) or row[i] is None for row in rows)
               for i in range(len(columns))]

    def line(values: Sequence[str]) -> str:
        parts = [value.rjust(width) if right else value.ljust(width)
                 for value, width, right in zip(values, widths, numeric)]
        return "  ".join(parts).rstrip()

    lines = [line(list(columns)), line(["-" * width for width in widths])]
    for index, row in enumerate(cells):
        text = line(row)
        if marks and index in marks:
            text = f"{line(row).ljust(sum(widths) + 2 * (len(widths) - 1))}  {marks[index]}"
        lines.append(text)
    return "\n".join(lines)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
