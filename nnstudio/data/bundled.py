"""Small real datasets shipped with NN Studio as plain CSV files in `resources/datasets/`.

Each file has one header row of column names and one row per sample, numbers only; the last
column is the target (a class index for classification). Class names and scaling live here, in
code, so the files stay plain tables anyone can open. Sources and licences:
`resources/datasets/README.md`.
"""

from __future__ import annotations

import functools
import gzip
from pathlib import Path

import numpy as np

from nnstudio.core.errors import DataError
from nnstudio.data.dataset import Dataset, Task
from nnstudio.data.resources import resources_dir


def dataset_path(filename: str) -> Path:
    """Full path of a bundled dataset file."""
    return resources_dir() / "datasets" / filename


def read_table(filename: str) -> tuple[tuple[str, ...], np.ndarray]:
    """The header and the float64 values of a bundled CSV file (read once, then cached).

    The returned array is read-only because every caller shares the cached copy.
    Raises `DataError` naming the file when it is missing or malformed.
    """
    return _read_table(dataset_path(filename))


@functools.lru_cache(maxsize=16)
def _read_table(path: Path) -> tuple[tuple[str, ...], np.ndarray]:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            header = tuple(handle.readline().strip().split(","))
            values = np.loadtxt(handle, delimiter=",", dtype=np.float64, ndmin=2)
    except FileNotFoundError:
        raise DataError(
            f"{path}: bundled dataset file is missing; reinstall NN Studio "
            f"or point NNSTUDIO_RESOURCES at a folder that has datasets/"
        ) from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: bundled dataset file is damaged ({exc})") from None
    if values.shape[1] != len(header):
        raise DataError(
            f"{path}: header names {len(header)} columns but rows have {values.shape[1]}"
        )
    values.setflags(write=False)
    return header, values


def _load(
    filename: str,
    name: str,
    task: Task,
    class_names: tuple[str, ...] = (),
) -> Dataset:
    header, values = read_table(filename)
    # Dataset converts x to float32 and y to int64 / float32, which copies both, so no caller
    # can write into the shared cached table.
    return Dataset(name, values[:, :-1], values[:, -1], task, header[:-1], class_names)


def load_digits() -> Dataset:
    """1797 handwritten digits as 8×8 grey images, x shape (n, 1, 8, 8) scaled to [0, 1]."""
    flat = _load("digits.csv.gz", "Digits (8×8)", Task.MULTICLASS, tuple("0123456789"))
    # The file stores pixel counts 0..16 (4×4 blocks of a 32×32 bitmap); one channel first,
    # as convolution layers expect.
    images = flat.x.reshape(-1, 1, 8, 8) / 16.0
    return Dataset(flat.name, images, flat.y, flat.task, flat.feature_names, flat.class_names)


def load_iris() -> Dataset:
    """Fisher's 150 iris flowers: 4 measurements in cm, 3 species of 50 each."""
    return _load("iris.csv", "Iris", Task.MULTICLASS, ("setosa", "versicolor", "virginica"))


def load_wine() -> Dataset:
    """178 Italian wines: 13 chemical measurements, 3 cultivars."""
    return _load("wine.csv", "Wine", Task.MULTICLASS, ("cultivar 1", "cultivar 2", "cultivar 3"))


def load_breast_cancer() -> Dataset:
    """569 breast tumour samples: 30 cell-nucleus features, malignant (0) or benign (1)."""
    return _load("breast_cancer.csv", "Breast Cancer", Task.BINARY, ("malignant", "benign"))


def load_diabetes() -> Dataset:
    """442 diabetes patients: 10 baseline measurements, target disease progression a year on."""
    return _load("diabetes.csv", "Diabetes", Task.REGRESSION)
