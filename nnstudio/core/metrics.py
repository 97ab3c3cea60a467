"""The metrics table: every number a run reports, described once.

Each row says how views name a metric, whether a lower or a higher value is better, which task
it belongs to and how its values are written. The metrics plots, the runs and experiment
tables, early stopping and best-epoch choice, the sweep's figures, the CLI and the model card
read it, so they cannot disagree on which way is better (a loss is lower-better everywhere).
Names may carry a split prefix ("val_accuracy", "test_mse"); the row is the base name's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

LOWER = "lower"
HIGHER = "higher"
CLASSIFICATION = "classification"
REGRESSION = "regression"
ANY_TASK = "any"

SPLIT_PREFIXES = ("train_", "val_", "validation_", "test_")
_SPLIT_WORDS = {"train_": "training", "val_": "validation", "validation_": "validation",
                "test_": "test"}


@dataclass(frozen=True)
class Metric:
    """One row of the metrics table."""

    key: str
    label: str  # as views name it: "F1", "R²"
    better: str  # LOWER or HIGHER
    task: str  # CLASSIFICATION, REGRESSION or ANY_TASK
    format: str  # a format spec for its values, e.g. ".3f"
    share: bool = False  # a fraction from 0 to 1 (plots start their axis there)

    @property
    def lower_is_better(self) -> bool:
        return self.better == LOWER

    @property
    def ascii_label(self) -> str:
        """The label in plain ASCII, for images drawn with a basic font."""
        return self.label.replace("²", "2")


_METRICS = (
    Metric("loss", "loss", LOWER, ANY_TASK, ".4g"),
    Metric("accuracy", "accuracy", HIGHER, CLASSIFICATION, ".3f", share=True),
    Metric("precision", "precision", HIGHER, CLASSIFICATION, ".3f", share=True),
    Metric("recall", "recall", HIGHER, CLASSIFICATION, ".3f", share=True),
    Metric("f1", "F1", HIGHER, CLASSIFICATION, ".3f", share=True),
    Metric("auc", "AUC", HIGHER, CLASSIFICATION, ".3f", share=True),
    # With a class per position (the digits of a sum): the share of samples with all right.
    Metric("exact_match", "exact match", HIGHER, CLASSIFICATION, ".3f", share=True),
    Metric("mse", "MSE", LOWER, REGRESSION, ".4g"),
    Metric("mae", "MAE", LOWER, REGRESSION, ".4g"),
    Metric("huber", "Huber loss", LOWER, REGRESSION, ".4g"),
    Metric("r2", "R²", HIGHER, REGRESSION, ".3f"),
    Metric("seconds", "seconds", LOWER, ANY_TASK, ".3g"),
)

METRICS: dict[str, Metric] = {row.key: row for row in _METRICS}


# The splits the command line reports on and the prefix their metrics carry there: one scheme
# for `train`, `evaluate` and `sweep` ("val_" as the trainer's history already names them).
REPORT_SPLITS = {"train": "train_", "validation": "val_", "test": "test_"}


def report_metrics(task: str) -> tuple[str, ...]:
    """The metrics reported for each split of a task ("binary", "multiclass", "regression"):
    the loss, then the task's scores; for classes AUC too (one-vs-rest, averaged over the
    classes, for more than two)."""
    if task == "regression":
        return ("loss", "mse", "mae", "r2")
    return ("loss", "accuracy", "precision", "recall", "f1", "auc")


def report_keys(task: str, splits: tuple[str, ...] = tuple(REPORT_SPLITS)) -> tuple[str, ...]:
    """Every metric key the command line writes for `splits` of a task: "train_loss", ...,
    "val_accuracy", ..., "test_auc"."""
    return tuple(REPORT_SPLITS[split] + name for split in splits for name in report_metrics(task))


def split_of(name: str) -> str:
    """The split prefix of a metric name ("val_"), or "" for the training split's plain name."""
    return next((prefix for prefix in SPLIT_PREFIXES if name.startswith(prefix)), "")


def base_metric(name: str) -> str:
    """The metric without its split prefix: "val_accuracy" → "accuracy"."""
    return name[len(split_of(name)):]


def metric_row(name: str) -> Metric | None:
    """The table's row for `name` (split prefix allowed), or None for a name it lacks."""
    return METRICS.get(base_metric(name))


def lower_is_better(name: str) -> bool:
    """True for losses and errors (val_loss, test_mse), False for scores (accuracy, r2) and
    for names the table lacks."""
    row = metric_row(name)
    return row is not None and row.lower_is_better


def metric_label(name: str) -> str:
    """A metric name in words: "val_f1" → "validation F1", "r2" → "R²"."""
    prefix = split_of(name)
    row = metric_row(name)
    label = row.label if row else base_metric(name).replace("_", " ")
    return f"{_SPLIT_WORDS[prefix]} {label}" if prefix else label


def for_task(names: tuple[str, ...], classification: bool) -> tuple[str, ...]:
    """The names in `names` whose metric applies to the task (classes or numbers)."""
    task = CLASSIFICATION if classification else REGRESSION
    return tuple(name for name in names
                 if (row := metric_row(name)) is not None and row.task in (task, ANY_TASK))


def format_metric_value(name: str, value: Any) -> str:
    """A metric's value as its row says to write it; '–' when missing or not a number."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return "–"
    if isinstance(value, float) and math.isnan(value):
        return "–"
    row = metric_row(name)
    return format(value, row.format if row else ".4g")
