"""NumPy files: a `.npz` archive with named arrays, or `.npy` files.

- `.npz`: choose which array holds the inputs (`x`) and which the targets (`y`);
  `guess_npz_arrays` picks the usual names (x/y, features/labels, ...).
- `.npy`: one array whose last column is the target (`y_path=None`), or a pair of files, the
  inputs in this one and the targets in `y_path`, a file name in the same folder.

Pickled object arrays are never loaded (`allow_pickle=False` always): a data file must not be
able to run code.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from nnstudio.core.errors import DataError
from nnstudio.data.dataset import Dataset
from nnstudio.data.importers.common import (
    Cancel,
    Progress,
    check_cancel,
    check_fits_in_memory,
    make_targets,
    report_progress,
)

X_NAMES = ("x", "X", "features", "inputs", "data", "x_train", "X_train", "images")
Y_NAMES = ("y", "Y", "labels", "targets", "target", "label", "y_train")
_ROWS_PER_STEP = 65_536  # rows converted between progress reports and cancel checks


def npz_arrays(path: str | Path) -> dict[str, tuple[tuple[int, ...], str]]:
    """Name → (shape, dtype) of each array in a `.npz`, read from the headers only."""
    path = Path(path)
    result: dict[str, tuple[tuple[int, ...], str]] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if not member.endswith(".npy"):
                    continue
                with archive.open(member) as file:
                    shape, dtype = _read_header(file)
                result[member[:-4]] = (shape, dtype)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DataError(f"{path}: not a readable .npz archive ({exc})") from None
    if not result:
        raise DataError(f"{path}: the archive holds no arrays")
    return result


def npy_shape(path: str | Path) -> tuple[tuple[int, ...], str]:
    """(shape, dtype) of a `.npy` file, read from its header only."""
    path = Path(path)
    try:
        with open(path, "rb") as file:
            return _read_header(file)
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: not a readable .npy file ({exc})") from None


def _read_header(file) -> tuple[tuple[int, ...], str]:
    version = np.lib.format.read_magic(file)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(file)
    else:
        shape, _, dtype = np.lib.format.read_array_header_2_0(file)
    return tuple(int(n) for n in shape), dtype.str if dtype.names is None else "structured"


def guess_npz_arrays(arrays: dict[str, tuple[tuple[int, ...], str]]) -> tuple[str, str] | None:
    """The (x, y) array names a person most likely means, or None when it is unclear."""
    x = next((name for name in X_NAMES if name in arrays), None)
    y = next((name for name in Y_NAMES if name in arrays), None)
    if x and y:
        return x, y
    if len(arrays) == 2:
        (a, (shape_a, _)), (b, (shape_b, _)) = arrays.items()
        if len(shape_a) >= 2 and len(shape_b) == 1:
            return a, b
        if len(shape_b) >= 2 and len(shape_a) == 1:
            return b, a
    return None


def read_npz(path: str | Path, x: str | None = None, y: str | None = None,
             task: str | None = None, progress: Progress | None = None,
             cancel: Cancel | None = None) -> Dataset:
    """A dataset from arrays `x` (inputs, (n, ...)) and `y` (targets, (n,)) of a `.npz` file.

    None for `x` or `y` uses `guess_npz_arrays`. `task` None infers it from `y`.
    """
    path = Path(path)
    arrays = npz_arrays(path)
    if x is None or y is None:
        guess = guess_npz_arrays(arrays)
        if guess is None:
            raise DataError(
                f"{path}: choose the arrays for inputs and targets; the file holds "
                f"{', '.join(repr(name) for name in arrays)}"
            )
        x, y = x or guess[0], y or guess[1]
    for role, name in (("inputs", x), ("targets", y)):
        if name not in arrays:
            raise DataError(
                f"{path}: there is no array {name!r} for the {role}; the file holds "
                f"{', '.join(repr(n) for n in arrays)}"
            )
    if x == y:
        raise DataError(f"{path}: the inputs and the targets must be different arrays")
    check_fits_in_memory(path, _float32_bytes(arrays[x][0]) * 2, "loading these arrays")
    check_cancel(cancel, path)
    with _open_npz(path) as archive:
        x_array = _load_member(archive, path, x)
        report_progress(progress, 0.4)
        y_array = _load_member(archive, path, y)
    return _dataset(path, x_array, y_array, task, f"array {x!r}", f"array {y!r}", progress, cancel)


def read_npy(path: str | Path, y_path: str | Path | None = None, task: str | None = None,
             progress: Progress | None = None, cancel: Cancel | None = None) -> Dataset:
    """A dataset from a `.npy` file: with `y_path`, the inputs here and the targets there;
    without, a 2-D array whose last column is the target.
    """
    path = Path(path)
    shape, _ = npy_shape(path)
    check_fits_in_memory(path, _float32_bytes(shape) * 2, "loading this array")
    check_cancel(cancel, path)
    array = _load_npy(path)
    if y_path is None:
        if array.ndim != 2 or array.shape[1] < 2:
            raise DataError(
                f"{path}: a single array needs 2 dimensions (samples, columns) with the target "
                f"in the last column, got shape {array.shape}; or choose a second file with "
                f"the targets"
            )
        return _dataset(path, array[:, :-1], array[:, -1], task, "the columns before the last",
                        "the last column", progress, cancel)
    # Only a file beside the inputs: a project's options must not reach other folders.
    if Path(y_path).name != str(y_path):
        raise DataError(
            f"{path}: the targets file must be a file name in the same folder, got {str(y_path)!r}"
        )
    y_file = path.parent / y_path
    targets = _load_npy(y_file)
    return _dataset(path, array, targets, task, "the inputs", f"targets file {y_file.name!r}",
                    progress, cancel)


def _open_npz(path: Path):
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: not a readable .npz archive ({exc})") from None


def _load_member(archive, path: Path, name: str) -> np.ndarray:
    try:
        return archive[name]
    except ValueError as exc:
        raise DataError(_pickle_message(path, f"array {name!r}", exc)) from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(f"{path}: array {name!r} cannot be read ({exc})") from None


def _load_npy(path: Path) -> np.ndarray:
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    try:
        # mmap: a large array is converted to float32 in steps instead of being copied whole.
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except ValueError as exc:
        raise DataError(_pickle_message(path, "the array", exc)) from None
    except OSError as exc:
        raise DataError(f"{path}: not a readable .npy file ({exc})") from None


def _pickle_message(path: Path, what: str, exc: Exception) -> str:
    if any(word in str(exc) for word in ("allow_pickle", "Object arrays", "Python objects")):
        return (
            f"{path}: {what} holds Python objects, which NN Studio never loads (loading them "
            f"could run code). Save it with a number dtype, e.g. np.save(file, x.astype(float))."
        )
    return f"{path}: {what} cannot be read ({exc})"


def _float32_bytes(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64)) * 4


def _dataset(path: Path, x: np.ndarray, y: np.ndarray, task: str | None, x_what: str,
             y_what: str, progress: Progress | None, cancel: Cancel | None) -> Dataset:
    if x.dtype.kind not in "biuf":
        raise DataError(f"{path}: {x_what} must hold numbers, got dtype {x.dtype}")
    if y.dtype.kind not in "biufUS":
        raise DataError(f"{path}: {y_what} must hold numbers or texts, got dtype {y.dtype}")
    if x.ndim < 2:
        raise DataError(
            f"{path}: {x_what} must have shape (samples, features...), got {x.shape}"
        )
    if y.ndim not in (1, 2) or y.shape[0] != x.shape[0]:
        raise DataError(
            f"{path}: {y_what} must have one target per sample ({x.shape[0]}), got shape {y.shape}"
        )
    x32 = _to_float32(x, path, progress, cancel)
    _check_finite(path, x32, x_what)
    if y.dtype.kind == "S":
        y = y.astype(str)
    if y.dtype.kind != "U":
        y = np.asarray(y, dtype=np.float64)
        _check_finite(path, y, y_what)
    targets = make_targets(np.asarray(y), task, f"{path}: {y_what}")
    report_progress(progress, 1.0)
    return Dataset(path.stem or "data", x32, targets.y, targets.task, (), targets.class_names)


def _to_float32(x: np.ndarray, path: Path, progress: Progress | None,
                cancel: Cancel | None) -> np.ndarray:
    out = np.empty(x.shape, dtype=np.float32)
    for start in range(0, x.shape[0], _ROWS_PER_STEP):
        check_cancel(cancel, path)
        stop = min(start + _ROWS_PER_STEP, x.shape[0])
        out[start:stop] = x[start:stop]
        report_progress(progress, 0.4 + 0.5 * stop / max(1, x.shape[0]))
    return out


def _check_finite(path: Path, array: np.ndarray, what: str) -> None:
    bad = ~np.isfinite(array)
    if bad.any():
        where = np.argwhere(bad)[0]
        raise DataError(
            f"{path}: {what}: {int(bad.sum())} values are missing or infinite (NaN or inf); "
            f"the first is at index {tuple(int(i) for i in where)}. Fill or remove them first."
        )
