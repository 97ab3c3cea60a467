"""The one in-memory dataset type every other part of NN Studio reads.

A `Dataset` is a frozen pair of numpy arrays plus the names a person needs to understand them.
It checks itself when it is built, so code that receives one never has to re-validate it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum

import numpy as np

from nnstudio.core.errors import DataError


class Task(str, Enum):
    """What the network is asked to predict. The string values are stored in project files."""

    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"

    def __str__(self) -> str:  # so f-strings and messages show "binary", not "Task.BINARY"
        return self.value


TASKS: tuple[str, ...] = tuple(task.value for task in Task)
CLASSIFICATION_TASKS: frozenset[str] = frozenset({Task.BINARY.value, Task.MULTICLASS.value})


def is_classification(task: str) -> bool:
    """True for "binary" and "multiclass", False for "regression"."""
    return str(task) in CLASSIFICATION_TASKS


# eq=False: numpy arrays make field-by-field equality ambiguous, so datasets compare by identity.
@dataclass(frozen=True, eq=False)
class Dataset:
    """Samples `x` with targets `y`, checked and normalised on construction.

    - `x`: float32, C-contiguous, shape (n, *input_shape); tabular data is (n, features),
      images are (n, channels, height, width).
    - `y`: int64 (n,) class indices for "binary" / "multiclass"; float32 (n,) or (n, k) for
      "regression". A multiclass target may be (n, positions): one class per position, all
      positions sharing the classes (the digits of a sum), for a network with one softmax
      group of `n_classes` outputs per position.
    - `feature_names`: one name per input value (filled with defaults when empty).
    - `class_names`: one name per class for classification, empty for regression.

    Arrays are converted (never rejected) when their dtype or layout differs but the values fit;
    anything that cannot be used raises `DataError` naming the dataset and the field.
    Treat the arrays as read-only: the dataclass is frozen and caches may share them.
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    task: str
    feature_names: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise DataError(f"dataset name: must be a non-empty text, got {self.name!r}")
        where = f"dataset {self.name!r}"
        task = _check_task(self.task, where)
        x = _check_x(self.x, where)
        n = x.shape[0]
        if is_classification(task):
            class_names = _check_names(self.class_names, f"{where}: class_names")
            y = _check_class_labels(self.y, n, task, len(class_names), where)
        else:
            if len(self.class_names) != 0:
                raise DataError(
                    f"{where}: class_names: a regression dataset has no classes, "
                    f"got {len(self.class_names)} names"
                )
            class_names = ()
            y = _check_regression_targets(self.y, n, where)
        feature_names = _feature_names(self.feature_names, x.shape[1:], where)
        # Frozen dataclass: normalised values are written once, here, and never again.
        object.__setattr__(self, "task", task)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "feature_names", feature_names)
        object.__setattr__(self, "class_names", class_names)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one sample, e.g. (2,) for the 2-D playground sets, (1, 8, 8) for digits."""
        return tuple(self.x.shape[1:])

    @property
    def n_samples(self) -> int:
        """Number of samples (rows)."""
        return int(self.x.shape[0])

    @property
    def n_classes(self) -> int:
        """Number of classes; 0 for regression."""
        return len(self.class_names)

    @property
    def positions(self) -> int:
        """Class labels per sample: 1, or the width of a multi-position multiclass target."""
        return int(self.y.shape[1]) if self.is_classification and self.y.ndim == 2 else 1

    @property
    def output_size(self) -> int:
        """Width of the network's last layer for this data.

        1 for binary (one sigmoid logit) and single-target regression, `n_classes` for
        multiclass (one logit per class; times `positions` for a multi-position target), k for
        regression with k targets.
        """
        if self.task == Task.BINARY:
            return 1
        if self.task == Task.MULTICLASS:
            return self.n_classes * self.positions
        return 1 if self.y.ndim == 1 else int(self.y.shape[1])

    @property
    def is_classification(self) -> bool:
        """True for binary and multiclass datasets."""
        return is_classification(self.task)

    def class_counts(self) -> np.ndarray:
        """Samples per class as an int64 array of length `n_classes` (empty for regression)."""
        if not self.is_classification:
            return np.zeros(0, dtype=np.int64)
        return np.bincount(self.y.ravel(), minlength=self.n_classes).astype(np.int64)

    def subset(self, indices: np.ndarray | list[int]) -> Dataset:
        """A new dataset holding the samples at `indices` (ints, in that order) or a bool mask.

        Names, task and classes are kept, so a subset may lack some classes entirely.
        """
        index = np.asarray(indices)
        if index.dtype == np.bool_:
            if index.shape != (self.n_samples,):
                raise DataError(
                    f"dataset {self.name!r}: subset mask has shape {index.shape}, "
                    f"expected ({self.n_samples},)"
                )
            index = np.flatnonzero(index)
        elif index.size == 0:
            index = np.zeros(0, dtype=np.int64)  # np.asarray([]) is float64, not an index
        elif not np.issubdtype(index.dtype, np.integer):
            raise DataError(
                f"dataset {self.name!r}: subset indices must be integers, got {index.dtype}"
            )
        return dataclasses.replace(self, x=self.x[index], y=self.y[index])


def _check_task(task: object, where: str) -> str:
    value = task.value if isinstance(task, Task) else task
    if value not in TASKS:
        raise DataError(f"{where}: task: must be one of {', '.join(TASKS)}, got {task!r}")
    return str(value)


def _check_x(x: object, where: str) -> np.ndarray:
    try:
        array = np.ascontiguousarray(x, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where}: x: values must be numbers ({exc})") from None
    if array.ndim < 2:
        raise DataError(
            f"{where}: x: must have shape (samples, features...), got shape {array.shape}"
        )
    if 0 in array.shape[1:]:
        raise DataError(
            f"{where}: x: each sample needs at least one value, got shape {array.shape}"
        )
    _check_finite(array, "x", where)
    return array


def _check_finite(array: np.ndarray, field: str, where: str) -> None:
    finite = np.isfinite(array)
    if not finite.all():
        bad = np.argwhere(~finite)
        raise DataError(
            f"{where}: {field}: {len(bad)} values are not finite (NaN or infinity); "
            f"the first is in sample {int(bad[0][0])}"
        )


def _check_class_labels(
    y: object, n: int, task: str, n_classes: int, where: str
) -> np.ndarray:
    if n_classes < 2:
        raise DataError(
            f"{where}: class_names: a classification target needs at least 2 classes, "
            f"got {n_classes}"
        )
    if task == Task.BINARY and n_classes != 2:
        raise DataError(
            f"{where}: class_names: a binary target has exactly 2 classes, got {n_classes}; "
            f"use task \"multiclass\""
        )
    labels = np.asarray(y)
    positions = task == Task.MULTICLASS and labels.ndim == 2 and labels.shape[1] >= 2
    if labels.shape != (n,) and not (positions and labels.shape[0] == n):
        raise DataError(f"{where}: y: expected shape ({n},) to match x, got {labels.shape}")
    if labels.dtype.kind == "f":
        _check_finite(labels, "y", where)
        if not np.all(labels == np.round(labels)):
            raise DataError(f"{where}: y: class labels must be whole numbers")
    elif labels.dtype.kind not in "iub":
        raise DataError(f"{where}: y: class labels must be integers, got {labels.dtype}")
    labels = np.ascontiguousarray(labels, dtype=np.int64)
    if n and (labels.min() < 0 or labels.max() >= n_classes):
        bad = np.argwhere((labels < 0) | (labels >= n_classes))[0]
        raise DataError(
            f"{where}: y: class labels must be 0 to {n_classes - 1}, "
            f"got {int(labels[tuple(bad)])} in sample {int(bad[0])}"
        )
    return labels


def _check_regression_targets(y: object, n: int, where: str) -> np.ndarray:
    try:
        targets = np.ascontiguousarray(y, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where}: y: targets must be numbers ({exc})") from None
    if targets.ndim not in (1, 2) or targets.shape[0] != n or (
        targets.ndim == 2 and targets.shape[1] == 0
    ):
        raise DataError(
            f"{where}: y: expected shape ({n},) or ({n}, targets) to match x, got {targets.shape}"
        )
    _check_finite(targets, "y", where)
    return targets


def _check_names(names: object, where: str) -> tuple[str, ...]:
    if isinstance(names, str) or not all(isinstance(name, str) for name in names):
        raise DataError(f"{where}: must be a sequence of texts, got {names!r}")
    names = tuple(names)
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise DataError(f"{where}: names must be unique, {name!r} repeats")
        seen.add(name)
    return names


def _feature_names(names: object, input_shape: tuple[int, ...], where: str) -> tuple[str, ...]:
    names = _check_names(names, f"{where}: feature_names")
    n_features = int(np.prod(input_shape))
    if not names:
        # Playground calls its inputs X1, X2; images get their pixel position.
        if len(input_shape) == 1:
            return tuple(f"x{i + 1}" for i in range(n_features))
        return tuple(f"pixel[{','.join(map(str, idx))}]" for idx in np.ndindex(*input_shape))
    if len(names) != n_features:
        raise DataError(
            f"{where}: feature_names: expected {n_features} names for input shape "
            f"{input_shape}, got {len(names)}"
        )
    return names
