"""Datasets a person draws: points on the 2-D plane, each with a class, kept in the project.

The drawing itself is plain arrays (`DrawnPoints`); the window adds and erases points through
`with_points` and `without_points`, and the project stores them as its data source
(`{"kind": "drawn", "points": [[x1, x2], ...], "labels": [...], "class_names": [...]}`),
checked by `check_drawn` when read. Bounded, so a project file stays small: at most
`MAX_POINTS` points of at most `MAX_CLASSES` classes, inside the plane of ±`PLANE` units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnstudio.core.errors import DataError
from nnstudio.data.dataset import Dataset, Task

MAX_POINTS = 2000
MAX_CLASSES = 8
PLANE = 6.0  # the drawing plane is [-PLANE, PLANE]², the generators' range
MAX_NAME = 40
DECIMALS = 3  # drawn positions are kept to a thousandth: exact in the file, short to write
FEATURE_NAMES = ("x1", "x2")


@dataclass(frozen=True, eq=False)
class DrawnPoints:
    """Points (n, 2) float64 and their class labels (n,) int64, with the classes' names."""

    points: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]

    @classmethod
    def empty(cls, classes: int = 2) -> DrawnPoints:
        return cls(np.zeros((0, 2)), np.zeros(0, np.int64), default_class_names(classes))

    def __len__(self) -> int:
        return len(self.labels)

    def same_as(self, other: DrawnPoints) -> bool:
        return (self.class_names == other.class_names
                and np.array_equal(self.points, other.points)
                and np.array_equal(self.labels, other.labels))

    def with_class(self) -> DrawnPoints:
        """One more class (up to MAX_CLASSES), named like the others."""
        count = min(len(self.class_names) + 1, MAX_CLASSES)
        names = self.class_names + default_class_names(count)[len(self.class_names):]
        return DrawnPoints(self.points, self.labels, names)

    def to_source(self) -> dict[str, Any]:
        """The project file's form: plain lists (positions already rounded, so exact)."""
        return {"kind": "drawn", "points": self.points.tolist(),
                "labels": self.labels.tolist(), "class_names": list(self.class_names)}

    def dataset(self) -> Dataset:
        """The points as a dataset: binary for two classes, multiclass for more."""
        task = Task.BINARY if len(self.class_names) == 2 else Task.MULTICLASS
        return Dataset("Drawn points", self.points, self.labels, task, FEATURE_NAMES,
                       self.class_names)


def default_class_names(count: int) -> tuple[str, ...]:
    return tuple(f"class {index + 1}" for index in range(count))


def with_points(drawn: DrawnPoints, positions: np.ndarray, label: int) -> DrawnPoints:
    """`drawn` plus points of class `label` at `positions` (k, 2), clipped to the plane and
    rounded to DECIMALS; points past MAX_POINTS are not added."""
    room = MAX_POINTS - len(drawn)
    positions = np.round(np.clip(np.asarray(positions, np.float64).reshape(-1, 2), -PLANE,
                                 PLANE), DECIMALS)[:max(room, 0)]
    labels = np.full(len(positions), label, np.int64)
    return DrawnPoints(np.concatenate([drawn.points, positions]),
                       np.concatenate([drawn.labels, labels]), drawn.class_names)


def without_points(drawn: DrawnPoints, centre: tuple[float, float], radius: float) -> DrawnPoints:
    """`drawn` without the points within `radius` of `centre` (the eraser)."""
    keep = np.hypot(*(drawn.points - np.asarray(centre, np.float64)).T) > radius
    return DrawnPoints(drawn.points[keep], drawn.labels[keep], drawn.class_names)


def from_dataset(dataset: Dataset) -> DrawnPoints | None:
    """Points to draw on from `dataset`: two columns of classes (at most MAX_CLASSES) inside
    the plane, at most MAX_POINTS of them spread evenly over its rows; None when it is not
    such data."""
    x, names = dataset.x, dataset.class_names
    if not (dataset.is_classification and x.ndim == 2 and x.shape[1] == 2
            and dataset.y.ndim == 1 and 2 <= len(names) <= MAX_CLASSES
            and len(x) and np.abs(x).max() <= PLANE):
        return None
    names = tuple(name.strip()[:MAX_NAME] or f"class {i + 1}" for i, name in enumerate(names))
    if len(set(names)) != len(names):
        names = default_class_names(len(names))
    rows = np.unique(np.linspace(0, len(x) - 1, min(len(x), MAX_POINTS)).round().astype(int))
    return DrawnPoints(np.round(x[rows].astype(np.float64), DECIMALS),
                       dataset.y[rows].astype(np.int64), names)


def check_drawn(value: dict[str, Any], where: str) -> DrawnPoints:
    """The drawn points of a project's data source `value`; DataError names the field."""
    names = value.get("class_names")
    if not isinstance(names, list) or not 2 <= len(names) <= MAX_CLASSES:
        raise DataError(f"{where}.class_names: must list 2 to {MAX_CLASSES} class names, "
                        f"got {_brief(names)}")
    for index, name in enumerate(names):
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
            raise DataError(f"{where}.class_names[{index}]: must be a name of 1 to {MAX_NAME} "
                            f"characters, got {_brief(name)}")
    if len(set(names)) != len(names):
        raise DataError(f"{where}.class_names: each class needs its own name")
    points, labels = value.get("points"), value.get("labels")
    if not isinstance(points, list) or len(points) > MAX_POINTS:
        raise DataError(f"{where}.points: must be a list of at most {MAX_POINTS} points, got "
                        f"{_brief(points, len(points) if isinstance(points, list) else None)}")
    if not isinstance(labels, list) or len(labels) != len(points):
        raise DataError(f"{where}.labels: must hold one class number per point "
                        f"({len(points)}), got {_brief(labels)}")
    for index, point in enumerate(points):
        if not (isinstance(point, list) and len(point) == 2
                and all(_is_number(v) and abs(v) <= PLANE for v in point)):
            raise DataError(f"{where}.points[{index}]: must be [x1, x2], two numbers from "
                            f"{-PLANE:g} to {PLANE:g}, got {_brief(point)}")
    for index, label in enumerate(labels):
        if isinstance(label, bool) or not isinstance(label, int) or \
                not 0 <= label < len(names):
            raise DataError(f"{where}.labels[{index}]: must be a class number from 0 to "
                            f"{len(names) - 1}, got {_brief(label)}")
    return DrawnPoints(np.array(points, np.float64).reshape(-1, 2),
                       np.array(labels, np.int64), tuple(names))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)


def _brief(value: Any, count: int | None = None) -> str:
    if count is not None:
        return f"{count} points"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
