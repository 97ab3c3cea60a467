"""Sanity checks before training: plain warnings about data that will surprise a learner.

`check_dataset` looks for what most often makes a first model on one's own data disappoint or
mislead: imbalanced classes (accuracy flatters), classes with too few samples, constant columns,
columns on very different scales, missing values found on import, and samples that appear both
in the training data and in the validation or test data (the scores then flatter too).

Each finding is a `DataWarning`: a severity, one sentence saying what was found (with the
numbers), and one saying what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from nnstudio.data.dataset import Dataset
from nnstudio.data.split import Split

WARNING = "warning"
INFO = "info"

IMBALANCE_RATIO = 3.0  # largest class / smallest class
FEW_SAMPLES = 10  # a class with fewer samples can hardly be learned or tested
SCALE_RATIO = 100.0  # largest / smallest column spread that preprocessing should even out
LARGE_VALUE = 1000.0  # inputs this large saturate sigmoid and tanh units without scaling


@dataclass(frozen=True)
class DataWarning:
    """One finding: `severity` ("warning" or "info"), `check` (a stable key for tests and
    icons), `message` (what was found) and `hint` (what to do about it)."""

    severity: str
    check: str
    message: str
    hint: str


def check_dataset(
    dataset: Dataset,
    split: Split | None = None,
    missing: Mapping[str, int] | None = None,
    rows_read: int | None = None,
    preprocessing: str | None = None,
) -> list[DataWarning]:
    """Plain-language warnings about `dataset`, most serious first.

    - `split`: with it, samples shared by training and validation/test are looked for, and
      classes absent from a part are named.
    - `missing`, `rows_read`: missing values per column as the importer found them.
    - `preprocessing`: the chosen method; "standardize" or "minmax" silences the scale check.
    """
    findings: list[DataWarning] = []
    if dataset.is_classification:
        findings += _imbalance(dataset)
        findings += _few_samples(dataset, split)
    if dataset.x.ndim == 2:  # per-column checks make sense for tables, not for pixels
        findings += _constant_columns(dataset)
        if preprocessing in (None, "none"):
            findings += _unscaled_columns(dataset)
    if missing:
        findings += _missing_values(missing, rows_read)
    if split is not None:
        findings += _shared_samples(dataset, split)
    return sorted(findings, key=lambda f: f.severity != WARNING)


def _percent(part: int, whole: int) -> str:
    share = 100 * part / max(1, whole)
    return f"{share:.0f}%" if share >= 1 or share == 0 else "under 1%"


def _imbalance(dataset: Dataset) -> list[DataWarning]:
    counts = dataset.class_counts()
    present = counts[counts > 0]
    if len(present) < 2 or present.max() < IMBALANCE_RATIO * present.min():
        return []
    big = int(np.argmax(counts))
    small = int(np.argmin(np.where(counts > 0, counts, counts.max() + 1)))  # ignore empty ones
    names = dataset.class_names
    n = dataset.n_samples
    return [DataWarning(
        WARNING, "imbalance",
        f"The classes are imbalanced: {names[big]!r} has {counts[big]} samples "
        f"({_percent(counts[big], n)}), {names[small]!r} only {counts[small]} "
        f"({_percent(counts[small], n)}).",
        f"Always guessing {names[big]!r} would already score {_percent(counts[big], n)} "
        f"accuracy, so watch the F1 score and the confusion matrix rather than accuracy.",
    )]


def _few_samples(dataset: Dataset, split: Split | None) -> list[DataWarning]:
    counts = dataset.class_counts()
    findings = []
    rare = [k for k, count in enumerate(counts) if count < FEW_SAMPLES]
    if rare:
        listed = ", ".join(f"{dataset.class_names[k]!r} ({counts[k]})" for k in rare)
        findings.append(DataWarning(
            WARNING, "few_samples",
            f"{'A class has' if len(rare) == 1 else 'Some classes have'} fewer than "
            f"{FEW_SAMPLES} samples: {listed}.",
            "The network can hardly learn a class from so few examples, and the validation "
            "and test parts may hold none of it. Collect more samples, or merge it with a "
            "similar class.",
        ))
    if split is not None:
        for part in ("validation", "test"):
            indices = getattr(split, part)
            if len(indices) == 0:
                continue
            seen = np.bincount(dataset.y[indices].ravel(),  # all positions of a sum's digits
                               minlength=dataset.n_classes)
            absent = [dataset.class_names[k] for k in range(dataset.n_classes)
                      if seen[k] == 0 and counts[k] > 0]
            if absent:
                findings.append(DataWarning(
                    INFO, "few_samples",
                    f"The {part} part holds no sample of {', '.join(map(repr, absent))}.",
                    f"Scores on the {part} part say nothing about that class; a larger "
                    f"{part} fraction or more data helps.",
                ))
    return findings


def _constant_columns(dataset: Dataset) -> list[DataWarning]:
    x = dataset.x
    if len(x) == 0:
        return []
    constant = np.flatnonzero(np.all(x == x[0], axis=0))
    if len(constant) == 0:
        return []
    names = ", ".join(repr(dataset.feature_names[j]) for j in constant[:5])
    more = f" and {len(constant) - 5} more" if len(constant) > 5 else ""
    return [DataWarning(
        WARNING, "constant",
        f"{'Column' if len(constant) == 1 else 'Columns'} {names}{more} "
        f"{'has' if len(constant) == 1 else 'have'} the same value in every row.",
        "A column that never changes cannot help tell samples apart; leave it out of the "
        "features.",
    )]


def _unscaled_columns(dataset: Dataset) -> list[DataWarning]:
    x = dataset.x.astype(np.float64)
    spread = x.std(axis=0)
    varying = np.flatnonzero(spread > 0)
    if len(varying) == 0:
        return []
    wide, narrow = varying[np.argmax(spread[varying])], varying[np.argmin(spread[varying])]
    largest = np.abs(x).max(axis=0)
    huge = int(np.argmax(largest))
    names = dataset.feature_names
    if spread[wide] >= SCALE_RATIO * spread[narrow]:
        message = (
            f"The columns are on very different scales: {names[wide]!r} varies by about "
            f"{spread[wide]:.3g}, {names[narrow]!r} by about {spread[narrow]:.3g}."
        )
    elif largest[huge] >= LARGE_VALUE:
        message = f"Column {names[huge]!r} holds large values (up to {largest[huge]:.3g})."
    else:
        return []
    return [DataWarning(
        WARNING, "unscaled", message,
        "Unscaled inputs make training slow and unstable; choose the preprocessing "
        "\"standardize\" so every column has mean 0 and spread 1.",
    )]


def _missing_values(missing: Mapping[str, int], rows_read: int | None) -> list[DataWarning]:
    total = sum(missing.values())
    worst = max(missing, key=missing.get)
    share = f" ({_percent(missing[worst], rows_read)} of its rows)" if rows_read else ""
    return [DataWarning(
        WARNING if rows_read and missing[worst] > 0.1 * rows_read else INFO, "missing",
        f"The file had {total} missing values in {len(missing)} "
        f"{'column' if len(missing) == 1 else 'columns'}; {worst!r} had the most, "
        f"{missing[worst]}{share}.",
        "Rows without a target are always dropped. For the inputs, dropping rows loses data "
        "and filling guesses values; if one column is mostly empty, leave it out instead.",
    )]


def _shared_samples(dataset: Dataset, split: Split) -> list[DataWarning]:
    rows = _row_keys(dataset.x)
    train = rows[split.train]
    findings = []
    for part in ("validation", "test"):
        indices = getattr(split, part)
        if len(indices) == 0 or len(train) == 0:
            continue
        shared = int(np.isin(rows[indices], train).sum())
        if shared:
            findings.append(DataWarning(
                WARNING, "duplicates",
                f"{shared} of the {len(indices)} {part} samples also appear in the training "
                f"data (the same inputs).",
                f"The {part} score then measures memory, not generalization, and looks better "
                f"than it is; remove duplicate rows from the file.",
            ))
    return findings


def _row_keys(x: np.ndarray) -> np.ndarray:
    """Each sample's bytes as one opaque value, so equal samples compare equal in numpy."""
    flat = np.ascontiguousarray(x.reshape(len(x), -1))
    return flat.view(np.dtype((np.void, flat.dtype.itemsize * flat.shape[1]))).ravel()
