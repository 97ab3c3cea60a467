"""Scaling inputs before training, fitted on the training split only.

Statistics come from the training samples alone: computing them over validation or test data
would leak those samples into training and make the scores look better than they are.

Tabular inputs (n, features) are scaled per feature; images (n, channels, height, width) by one
global shift and scale, so that pixels keep their relative brightness.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from nnstudio.core.errors import DataError
from nnstudio.data.dataset import Dataset
from nnstudio.data.split import Split

METHODS: tuple[str, ...] = ("none", "standardize", "minmax")

METHOD_HELP: dict[str, str] = {
    "none": "Use the inputs as they are.",
    "standardize": "Shift and scale each input to mean 0 and standard deviation 1 "
    "(measured on the training split).",
    "minmax": "Shift and scale each input to the range 0 to 1 (measured on the training split).",
}


@dataclass(frozen=True, eq=False)
class Preprocessor:
    """Maps inputs to `(x - shift) / scale`, with `shift` and `scale` learned by `fit`.

    Build one with a method, call `fit` on the training inputs to get a fitted copy, then
    `transform` any split. `to_dict` / `from_dict` carry a fitted one in a project or an
    exported script as plain lists.
    """

    method: str = "none"
    shift: np.ndarray | None = None  # float64, shape (features,) or () for images
    scale: np.ndarray | None = None
    input_shape: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise DataError(
                f"preprocessing.method: must be one of {', '.join(METHODS)}, got {self.method!r}"
            )

    @property
    def fitted(self) -> bool:
        """True once `fit` has measured the training inputs."""
        return self.input_shape is not None

    def fit(self, x_train: np.ndarray) -> Preprocessor:
        """A fitted copy of this preprocessor, measured on `x_train` (training split only).

        Constant inputs get scale 1, so they become 0 rather than a division by zero.
        """
        x = np.asarray(x_train, dtype=np.float64)
        if x.ndim < 2 or len(x) == 0:
            raise DataError(
                f"preprocessing: cannot fit on inputs of shape {x.shape}; "
                f"the training split needs at least one sample"
            )
        input_shape = tuple(int(size) for size in x.shape[1:])
        if self.method == "none":
            return dataclasses.replace(self, shift=None, scale=None, input_shape=input_shape)
        # Per feature for tabular data; one value over every pixel for images.
        axis = 0 if x.ndim == 2 else None
        if self.method == "standardize":
            shift = x.mean(axis=axis)
            scale = x.std(axis=axis)
        else:
            shift = x.min(axis=axis)
            scale = x.max(axis=axis) - shift
        # Relative threshold: float noise on a constant column must not blow it up.
        constant = scale <= 1e-12 * np.maximum(1.0, np.abs(shift))
        scale = np.where(constant, 1.0, scale)
        return dataclasses.replace(
            self,
            shift=np.asarray(shift, dtype=np.float64),
            scale=np.asarray(scale, dtype=np.float64),
            input_shape=input_shape,
        )

    def transform(self, x: np.ndarray) -> np.ndarray:
        """`x` scaled with the fitted statistics, as a float32 C-contiguous array."""
        if not self.fitted:
            raise DataError(
                "preprocessing: not fitted yet; fit it on the training split before transforming"
            )
        x = np.asarray(x)
        if tuple(x.shape[1:]) != self.input_shape:
            raise DataError(
                f"preprocessing: fitted on inputs of shape {self.input_shape}, "
                f"got {tuple(x.shape[1:])}"
            )
        if self.method == "none":
            return np.ascontiguousarray(x, dtype=np.float32)
        shift = self.shift.astype(np.float32)
        scale = self.scale.astype(np.float32)
        return np.ascontiguousarray((x.astype(np.float32) - shift) / scale, dtype=np.float32)

    def inverse_transform(self, x: np.ndarray) -> np.ndarray:
        """Scaled inputs `x` back in the data's own units (float64): what a person reads."""
        if not self.fitted:
            raise DataError("preprocessing: not fitted yet; nothing to undo")
        x = np.asarray(x, dtype=np.float64)
        if self.method == "none":
            return x
        raw = x * self.scale + self.shift
        # The network's numbers are float32: a 0 of the file comes back as ±1e-8 or so. Under
        # float32's resolution of the column's numbers, a value is 0.
        resolution = 8 * np.finfo(np.float32).eps * (np.abs(self.shift) + self.scale)
        return np.where(np.abs(raw) < resolution, 0.0, raw)

    @property
    def scales_inputs(self) -> bool:
        """True when the network sees other numbers than the data's own (standardize, minmax)."""
        return self.method != "none"

    def to_dict(self) -> dict:
        """Plain JSON-ready dict: method, input_shape, and shift/scale as lists of floats."""
        result: dict = {"method": self.method}
        if self.input_shape is not None:
            result["input_shape"] = list(self.input_shape)
        if self.shift is not None:
            # Always lists (length 1 for images), so readers never special-case scalars.
            result["shift"] = [float(v) for v in np.atleast_1d(self.shift)]
            result["scale"] = [float(v) for v in np.atleast_1d(self.scale)]
        return result

    @classmethod
    def from_dict(cls, data: Mapping) -> Preprocessor:
        """Rebuild a preprocessor written by `to_dict`; `DataError` names any bad field."""
        if not isinstance(data, Mapping):
            raise DataError(f"preprocessing: must be a mapping, got {type(data).__name__}")
        unknown = sorted(set(data) - {"method", "input_shape", "shift", "scale"})
        if unknown:
            raise DataError(f"preprocessing.{unknown[0]}: unknown field")
        method = data.get("method", "none")
        if method not in METHODS:
            raise DataError(
                f"preprocessing.method: must be one of {', '.join(METHODS)}, got {method!r}"
            )
        input_shape = data.get("input_shape")
        if input_shape is not None:
            if not isinstance(input_shape, (list, tuple)) or not input_shape or not all(
                isinstance(size, int) and not isinstance(size, bool) and size > 0
                for size in input_shape
            ):
                raise DataError(
                    f"preprocessing.input_shape: must be a list of positive whole numbers, "
                    f"got {input_shape!r}"
                )
            input_shape = tuple(input_shape)
        if method == "none" or input_shape is None:
            if "shift" in data or "scale" in data:
                raise DataError(
                    "preprocessing.shift: only a fitted standardize or minmax "
                    "preprocessing has shift and scale"
                )
            return cls(method, input_shape=input_shape)
        # Tabular statistics are per feature; images share one value.
        expected = input_shape[0] if len(input_shape) == 1 else 1
        stats = {name: _read_floats(data, name, expected) for name in ("shift", "scale")}
        if np.any(stats["scale"] <= 0):
            raise DataError("preprocessing.scale: every value must be greater than 0")
        if len(input_shape) > 1:
            stats = {name: values.reshape(()) for name, values in stats.items()}
        return cls(method, stats["shift"], stats["scale"], input_shape)


def _read_floats(data: Mapping, name: str, expected: int) -> np.ndarray:
    values = data.get(name)
    if (
        not isinstance(values, (list, tuple))
        or len(values) != expected
        or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for v in values
        )
    ):
        raise DataError(
            f"preprocessing.{name}: must be a list of {expected} finite numbers, got {values!r}"
        )
    return np.array(values, dtype=np.float64)


@dataclass(frozen=True)
class TargetScaling:
    """A regression target's mean and standard deviation on the training split.

    Networks learn a target like body mass in grams far better standardized (a linear output
    starts near 0 and would crawl towards 4000); the engine trains on `standardize(y)` and
    gives every prediction, loss and metric back in the target's own units. Only a single
    target column is scaled, so every metric converts exactly.
    """

    shift: float
    scale: float

    @classmethod
    def fit(cls, train: Dataset) -> TargetScaling | None:
        """Measured on the training split; None for classes or several target columns."""
        y = np.asarray(train.y, dtype=np.float64)
        if train.task != "regression" or len(y) == 0 or (y.ndim == 2 and y.shape[1] != 1):
            return None
        shift, scale = float(y.mean()), float(y.std())
        # A constant target: keep its size, so the network still predicts it exactly.
        return cls(shift, scale if scale > 1e-12 * max(1.0, abs(shift)) else 1.0)

    def standardize(self, y: np.ndarray) -> np.ndarray:
        """Targets in training units: `(y - shift) / scale`, float32."""
        return ((np.asarray(y, dtype=np.float64) - self.shift) / self.scale).astype(np.float32)


@dataclass(frozen=True, eq=False)
class PreparedData:
    """The three splits, already transformed, and the preprocessor fitted on training.

    Targets stay in their own units; `target_scaling` (regression only) is what the engine
    trains with, the one place the target's scaling is known.
    """

    train: Dataset
    validation: Dataset
    test: Dataset
    preprocessor: Preprocessor
    target_scaling: TargetScaling | None = None


def prepare(dataset: Dataset, split: Split, method: str = "none") -> PreparedData:
    """Split `dataset`, fit a `method` preprocessor on the training part, transform all three.

    Training, evaluation and export all start from exactly this, so they cannot disagree.
    """
    train = dataset.subset(split.train)
    preprocessor = Preprocessor(method).fit(train.x)

    def transformed(part: Dataset) -> Dataset:
        return dataclasses.replace(part, x=preprocessor.transform(part.x))

    return PreparedData(
        train=transformed(train),
        validation=transformed(dataset.subset(split.validation)),
        test=transformed(dataset.subset(split.test)),
        preprocessor=preprocessor,
        target_scaling=TargetScaling.fit(train),
    )
