"""Importers: a person's own data files turned into a `Dataset`.

One table, `LOADERS`, maps a format key (stored in a project's `DataSource.format`) to its
loader. Every loader is called the same way, `loader(path, options, progress, cancel, report)`,
with `options` the plain dict stored in the project (`DataSource.options`), so the import wizard,
`nnstudio new` and reopening a project all read a file through the same code.

    csv, tsv   nnstudio.data.importers.csv          (options: CsvOptions fields, target,
                                                     features, task, categorical, missing)
    npz        nnstudio.data.importers.numpy_files  (options: x, y, task)
    npy        nnstudio.data.importers.numpy_files  (options: y_path, task)
    images     nnstudio.data.importers.images       (options: size [h, w], color)
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from nnstudio.core.errors import DataError
from nnstudio.data.dataset import Dataset
from nnstudio.data.importers.common import (
    Cancel,
    ImportCancelled,
    ImportReport,
    Progress,
    available_memory,
    infer_task,
)
from nnstudio.data.importers.csv import (
    CsvOptions,
    CsvPreview,
    preview_csv,
    read_csv,
    sniff_csv,
)
from nnstudio.data.importers.images import (
    IMAGE_EXTENSIONS,
    read_image_folder,
    scan_image_folder,
)
from nnstudio.data.importers.numpy_files import (
    guess_npz_arrays,
    npy_shape,
    npz_arrays,
    read_npy,
    read_npz,
)

Loader = Callable[[Path, Mapping[str, Any], Progress | None, Cancel | None, ImportReport | None],
                  Dataset]


class DataFileMissing(DataError):
    """A project's data file is not where the project says; the GUI offers to locate it."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


class DataFileChanged(DataError):
    """A project's data file is there but its checksum differs from the one saved."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


def _options(options: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> dict[str, Any]:
    unknown = sorted(set(options) - set(allowed) - {"format"})
    if unknown:
        raise DataError(
            f"{where}: unknown option {unknown[0]!r}; the options are {', '.join(allowed)}"
        )
    return dict(options)


_CSV_KEYS = (*CsvOptions.__dataclass_fields__, "target", "features", "task", "categorical",
             "missing")


def csv_dialect(path: Path, options: Mapping[str, Any]) -> CsvOptions:
    """The dialect a project's CSV options give for `path`: what they pin, the rest sniffed
    (so a hand-written source needs only a target)."""
    options = _options(options, _CSV_KEYS, f"{path.name}: options")
    given = {k: v for k, v in options.items() if k in CsvOptions.__dataclass_fields__}
    return dataclasses.replace(sniff_csv(path), **given)


def load_csv(path: Path, options: Mapping[str, Any], progress: Progress | None = None,
             cancel: Cancel | None = None, report: ImportReport | None = None) -> Dataset:
    dialect = csv_dialect(path, options)
    return read_csv(
        path, dialect, options.get("target"), options.get("features"), options.get("task"),
        options.get("categorical", "onehot"), options.get("missing", "drop"),
        progress, cancel, report,
    )


def load_npz(path: Path, options: Mapping[str, Any], progress: Progress | None = None,
             cancel: Cancel | None = None, report: ImportReport | None = None) -> Dataset:
    options = _options(options, ("x", "y", "task"), f"{path.name}: options")
    return read_npz(path, options.get("x"), options.get("y"), options.get("task"), progress, cancel)


def load_npy(path: Path, options: Mapping[str, Any], progress: Progress | None = None,
             cancel: Cancel | None = None, report: ImportReport | None = None) -> Dataset:
    options = _options(options, ("y_path", "task"), f"{path.name}: options")
    return read_npy(path, options.get("y_path"), options.get("task"), progress, cancel)


def load_images(path: Path, options: Mapping[str, Any], progress: Progress | None = None,
                cancel: Cancel | None = None, report: ImportReport | None = None) -> Dataset:
    options = _options(options, ("size", "color"), f"{path.name}: options")
    return read_image_folder(path, tuple(options.get("size", (32, 32))),
                             options.get("color", "grayscale"), progress, cancel)


LOADERS: dict[str, Loader] = {
    "csv": load_csv,
    "tsv": load_csv,
    "npz": load_npz,
    "npy": load_npy,
    "images": load_images,
}

FORMAT_NAMES: dict[str, str] = {
    "csv": "CSV table",
    "tsv": "TSV table",
    "npz": "NumPy archive (.npz)",
    "npy": "NumPy array (.npy)",
    "images": "Image folder (one subfolder per class)",
}


def format_for_path(path: str | Path) -> str:
    """The format key for a file or folder: by extension, "images" for a folder."""
    path = Path(path)
    if path.is_dir():
        return "images"
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("txt", "tab", "dat"):
        return "csv"  # the sniffer finds the delimiter
    if suffix not in LOADERS or suffix == "images":
        raise DataError(
            f"{path}: NN Studio reads .csv, .tsv, .npy and .npz files and image folders, "
            f"not .{suffix or path.name} files"
        )
    return suffix


def load_file(path: str | Path, format: str | None = None,
              options: Mapping[str, Any] | None = None, progress: Progress | None = None,
              cancel: Cancel | None = None, report: ImportReport | None = None) -> Dataset:
    """Read a data file (or image folder) with the loader for `format` (None: from the path)."""
    path = Path(path)
    format = format or format_for_path(path)
    loader = LOADERS.get(format)
    if loader is None:
        raise DataError(f"{path}: unknown data format {format!r}; known: {', '.join(LOADERS)}")
    if not path.exists():
        raise DataFileMissing(f"{path}: file not found", path)
    return loader(path, dict(options or {}), progress, cancel, report)


def data_checksum(path: str | Path) -> str:
    """sha256 of a data file; for an image folder, of every image's relative path and bytes."""
    path = Path(path)
    digest = hashlib.sha256()
    if path.is_dir():
        for file in sorted(f for f in path.rglob("*") if f.is_file()
                           and f.suffix.lower() in IMAGE_EXTENSIONS):
            digest.update(file.relative_to(path).as_posix().encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(file.read_bytes()).digest())
        return digest.hexdigest()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_data_file(path: Path, sha256: str, shown: str) -> None:
    """Raise DataFileMissing or DataFileChanged when `path` is gone or differs from `sha256`.

    `shown` is how the project names the file (its relative path), for the message.
    """
    if not path.exists():
        raise DataFileMissing(
            f"data file {shown!r} was not found at {path}: it may have been moved, renamed or "
            f"deleted. Put it back, or locate it.", path
        )
    if sha256 and data_checksum(path) != sha256:
        raise DataFileChanged(
            f"data file {shown!r} at {path} has changed since the project was saved (its "
            f"checksum differs), so results may differ from the saved runs. Use it anyway to "
            f"accept the new contents, or put the original file back.", path
        )


def load_data_source(source: Any, project_path: str | Path, *, verify: bool = True,
                     progress: Progress | None = None, cancel: Cancel | None = None,
                     report: ImportReport | None = None) -> Dataset:
    """The dataset a project's file `DataSource` names (path relative to the project file).

    With `verify`, a missing or changed file raises DataFileMissing / DataFileChanged first.
    """
    from nnstudio.core.project import resolve_project_path  # core.project imports data

    path = resolve_project_path(project_path, source.path, "data.source.path")
    if verify:
        check_data_file(path, source.sha256, source.path)
    return load_file(path, source.format, source.options, progress, cancel, report)


__all__ = [
    "FORMAT_NAMES",
    "IMAGE_EXTENSIONS",
    "LOADERS",
    "CsvOptions",
    "CsvPreview",
    "DataFileChanged",
    "DataFileMissing",
    "ImportCancelled",
    "ImportReport",
    "available_memory",
    "check_data_file",
    "csv_dialect",
    "data_checksum",
    "format_for_path",
    "guess_npz_arrays",
    "infer_task",
    "load_data_source",
    "load_file",
    "npy_shape",
    "npz_arrays",
    "preview_csv",
    "read_csv",
    "read_image_folder",
    "read_npy",
    "read_npz",
    "scan_image_folder",
    "sniff_csv",
]
