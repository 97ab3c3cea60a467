"""Dividing samples into training, validation and test sets, reproducibly.

Classification splits are stratified: every class appears in each part in about its overall
proportion, and always at least once in training (a class the network never trains on cannot be
learned). The same labels, fractions and seed always give the same split.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from nnstudio.core.errors import DataError
from nnstudio.data.dataset import TASKS, is_classification


@dataclass(frozen=True, eq=False)
class Split:
    """Sorted, disjoint int64 sample indices of the three parts; together they cover all samples."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray

    @property
    def sizes(self) -> tuple[int, int, int]:
        """(train, validation, test) sample counts."""
        return len(self.train), len(self.validation), len(self.test)


def split_indices(
    y: np.ndarray, task: str, validation: float, test: float, seed: int
) -> Split:
    """Split the samples with targets `y` into train / validation / test index arrays.

    `validation` and `test` are fractions of all samples (0 to below 1, together below 1); the
    counts are rounded to the nearest whole sample. For "binary" and "multiclass" each class is
    split in proportion, and each class keeps at least one training sample even when that takes
    a sample from validation or test. Raises `DataError` naming `data.split.<field>` for bad
    fractions, including fractions that would leave nothing to train on.
    """
    validation = _fraction(validation, "validation")
    test = _fraction(test, "test")
    if validation + test >= 1.0:
        raise DataError(
            f"data.split: validation ({validation:g}) and test ({test:g}) add up to "
            f"{validation + test:g}, which leaves no samples for training; "
            f"make them add up to less than 1"
        )
    if str(task) not in TASKS:
        raise DataError(f"data.split.task: must be one of {', '.join(TASKS)}, got {task!r}")
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise DataError(f"data.split.seed: must be a whole number of 0 or more, got {seed!r}")
    y = np.asarray(y)
    n = len(y)
    if n == 0:
        raise DataError("data.split: the dataset has no samples to split")

    if is_classification(task) and y.ndim == 2:
        groups = [np.arange(n)]  # one label per position: no single class to stratify by
    elif is_classification(task):
        if y.ndim != 1 or y.dtype.kind not in "iu":
            raise DataError(
                f"data.split: class labels must be a 1-D array of integers, "
                f"got {y.dtype} with shape {y.shape}"
            )
        groups = [np.flatnonzero(y == label) for label in np.unique(y)]
    else:
        groups = [np.arange(n)]
    sizes = np.array([len(group) for group in groups])
    n_test = _apportion(_round(test * n), sizes)
    n_validation = _apportion(_round(validation * n), sizes)

    rng = np.random.default_rng(int(seed))
    parts: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    for group, size, t, v in zip(groups, sizes, n_test, n_validation):
        # Give one sample back to training until it has one, from the larger of the others.
        while size - t - v < 1:
            if v >= t:
                v -= 1
            else:
                t -= 1
        shuffled = rng.permutation(group)
        parts[2].append(shuffled[:t])
        parts[1].append(shuffled[t : t + v])
        parts[0].append(shuffled[t + v :])
    train, valid, held_out = (np.sort(np.concatenate(p)).astype(np.int64) for p in parts)
    return Split(train=train, validation=valid, test=held_out)


def _fraction(value: object, field: str) -> float:
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or not 0.0 <= value < 1.0
    ):
        shown = f'"{value}"' if isinstance(value, str) else repr(value)
        raise DataError(
            f"data.split.{field}: must be a fraction from 0 up to (not including) 1, got {shown}"
        )
    return float(value)


def _round(value: float) -> int:
    # Round half up: Python's round() sends 2.5 to 2, which would surprise a person counting.
    return int(math.floor(value + 0.5))


def _apportion(total: int, sizes: np.ndarray) -> np.ndarray:
    """Share `total` between groups in proportion to `sizes`, in whole numbers that add up.

    Largest-remainder method: floor every share, then give the leftover units to the groups
    whose shares lost the most; ties go to the earlier group, so the result is deterministic.
    """
    exact = total * sizes / sizes.sum()
    counts = np.floor(exact).astype(np.int64)
    leftover = total - int(counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:leftover]] += 1
    return counts
