"""What every importer shares: progress and cancel, the memory check, the import report and
turning a target column into class labels or regression targets.

numpy only, like the rest of `nnstudio.data`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nnstudio.core.errors import DataError
from nnstudio.data.dataset import Task

Progress = Callable[[float], None]
"""Called with the fraction done, 0.0 to 1.0, in the thread that runs the import."""

Cancel = Callable[[], bool]
"""Asked between blocks of work; returning True stops the import with `ImportCancelled`."""

# A numeric target with at most this many distinct whole numbers is read as class labels
# (e.g. 0/1, or wine quality 3..9); more distinct values make it a regression target.
MAX_CLASS_VALUES = 20


class ImportCancelled(DataError):
    """The person pressed Cancel. Nothing was changed; the message says which file."""


@dataclass
class ImportReport:
    """What an import did besides returning the dataset, for the data panel and the checks.

    Pass an empty one to an importer; it fills it in.
    """

    rows_read: int = 0
    rows_dropped: int = 0
    # The data row (0 = the first after any header) each sample came from, for reading other
    # columns of the same rows (a split column); None when the importer keeps every row.
    kept_rows: np.ndarray | None = None
    # Each text input column's categories in code order (an ordinal input's value k is the
    # k-th), so another file's codes can be matched to these.
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=dict)  # column -> missing values found
    notes: list[str] = field(default_factory=list)  # plain sentences, e.g. what was filled


def report_progress(progress: Progress | None, fraction: float) -> None:
    if progress is not None:
        progress(min(1.0, max(0.0, float(fraction))))


def check_cancel(cancel: Cancel | None, path: Path | str) -> None:
    if cancel is not None and cancel():
        raise ImportCancelled(f"{path}: import cancelled")


def available_memory() -> int | None:
    """Bytes of memory free for a new allocation, or None when the system does not say."""
    try:
        if sys.platform.startswith("linux"):
            with open("/proc/meminfo", encoding="ascii") as meminfo:
                for line in meminfo:
                    if line.startswith("MemAvailable:"):
                        return int(line.split()[1]) * 1024
        if sys.platform == "win32":
            return _windows_available_memory()
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    except (OSError, ValueError, AttributeError):
        return None


def _windows_available_memory() -> int:
    import ctypes

    class MemoryStatus(ctypes.Structure):
        _fields_ = [
            ("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
            ("ullTotalPhys", ctypes.c_ulonglong), ("ullAvailPhys", ctypes.c_ulonglong),
            ("ullTotalPageFile", ctypes.c_ulonglong), ("ullAvailPageFile", ctypes.c_ulonglong),
            ("ullTotalVirtual", ctypes.c_ulonglong), ("ullAvailVirtual", ctypes.c_ulonglong),
            ("ullAvailExtendedVirtual", ctypes.c_ulonglong),
        ]

    status = MemoryStatus()
    status.dwLength = ctypes.sizeof(MemoryStatus)
    ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status))  # type: ignore[attr-defined]
    return int(status.ullAvailPhys)


def check_fits_in_memory(path: Path | str, needed: int, what: str) -> None:
    """Raise DataError before reading when `needed` bytes clearly exceed the free memory.

    Reading first and failing later would freeze the machine while it swaps.
    """
    free = available_memory()
    if free is not None and needed > free:
        raise DataError(
            f"{path}: {what} needs about {format_bytes(needed)} of memory, but only "
            f"{format_bytes(free)} is free. Use a smaller file (for example a sample of its "
            f"rows) or close other programs."
        )


def format_bytes(size: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Targets:
    """A target column turned into what `Dataset` wants: labels or values, task, class names."""

    y: np.ndarray
    task: str
    class_names: tuple[str, ...]


def infer_task(values: np.ndarray) -> str:
    """The task a target suggests: text → classification, few whole numbers → classification,
    anything else → regression. Two classes make it "binary", more "multiclass".
    """
    values = np.asarray(values)
    if values.dtype.kind in "OUS":
        n_classes = len(np.unique(values))
    else:
        numbers = values.astype(np.float64, copy=False)
        # Whole numbers first: it settles most regression targets without sorting them all.
        if not (np.all(np.isfinite(numbers)) and np.all(numbers == np.round(numbers))):
            return Task.REGRESSION.value
        n_classes = len(np.unique(numbers))
        if n_classes > MAX_CLASS_VALUES:
            return Task.REGRESSION.value
    return Task.BINARY.value if n_classes <= 2 else Task.MULTICLASS.value


def make_targets(values: np.ndarray, task: str | None, where: str) -> Targets:
    """Turn a target column (numbers or texts, no missing values) into labels for `task`.

    `task` None infers it. Class names are the texts themselves, or the numbers written
    without a needless ".0"; classes are sorted so the same file always gives the same labels.
    """
    values = np.asarray(values)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    is_text = values.dtype.kind in "OUS"
    task = _check_task(task, where) if task is not None else (
        infer_task(values) if values.ndim == 1 else Task.REGRESSION.value
    )
    if task == Task.REGRESSION.value:
        if is_text:
            raise DataError(
                f"{where}: holds text, so it cannot be a regression target; "
                f"choose the task \"binary\" or \"multiclass\""
            )
        return Targets(values.astype(np.float32), task, ())
    if values.ndim != 1:
        raise DataError(
            f"{where}: class labels need one value per sample, got shape {values.shape}"
        )
    classes, codes = np.unique(values, return_inverse=True)
    if not is_text and len(classes) > 1000:
        raise DataError(
            f"{where}: has {len(classes)} different values, too many to be classes; "
            f"choose the task \"regression\""
        )
    names = tuple(str(c) if is_text else _number_name(float(c)) for c in classes)
    return targets_from_codes(codes.reshape(-1), names, task, where)


def targets_from_codes(codes: np.ndarray, categories: tuple[str, ...], task: str | None,
                       where: str) -> Targets:
    """Class labels from category codes (0..len(categories)-1) of a text or number column.

    Categories that no sample uses (e.g. all their rows were dropped) are left out.
    """
    if task is not None and _check_task(task, where) == Task.REGRESSION.value:
        raise DataError(
            f"{where}: holds text, so it cannot be a regression target; "
            f"choose the task \"binary\" or \"multiclass\""
        )
    used, labels = np.unique(codes, return_inverse=True)
    names = tuple(categories[k] for k in used)
    if len(names) < 2:
        only = f" ({names[0]!r})" if names else ""
        raise DataError(
            f"{where}: has only one class{only}; a classifier needs at least two. "
            f"Choose another target column, or check that the file holds all the classes."
        )
    if task is None:
        task = Task.BINARY.value if len(names) == 2 else Task.MULTICLASS.value
    if task == Task.BINARY.value and len(names) != 2:
        raise DataError(
            f"{where}: has {len(names)} classes, but the task \"binary\" needs exactly 2; "
            f"choose \"multiclass\""
        )
    return Targets(labels.reshape(-1).astype(np.int64), task, names)


def _check_task(task: str, where: str) -> str:
    task = str(task)
    if task not in (Task.BINARY.value, Task.MULTICLASS.value, Task.REGRESSION.value):
        raise DataError(f"{where}: task must be binary, multiclass or regression, got {task!r}")
    return task


def _number_name(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)
