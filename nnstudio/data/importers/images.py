"""Image folders: one subfolder per class, each holding PNG, JPEG or BMP files.

    flowers/
        daisy/   001.jpg 002.png ...
        tulip/   a.bmp ...

Every image is converted to grayscale or RGB and resized to one chosen size (so mixed sizes are
fine), then scaled to 0..1 and stored channels-first, (n, channels, height, width), like the
built-in digits. Files with other extensions and hidden files are ignored. An image that cannot
be read stops the import with a DataError naming the file: a silently skipped image would make
the class counts lie, and the fix (delete or replace the file) is quick.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from nnstudio.core.errors import DataError
from nnstudio.data.dataset import Dataset
from nnstudio.data.importers.common import (
    Cancel,
    Progress,
    check_cancel,
    check_fits_in_memory,
    report_progress,
    targets_from_codes,
)

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp"})
COLORS = ("grayscale", "rgb")
MAX_SIDE = 1024


def scan_image_folder(path: str | Path) -> dict[str, list[Path]]:
    """Class name → its image files (sorted), for each subfolder of `path` (sorted).

    Raises DataError when the folder has no class subfolders or a class has no images.
    """
    path = Path(path)
    if not path.is_dir():
        raise DataError(
            f"{path}: not a folder; choose the folder that holds one subfolder per class"
        )
    classes: dict[str, list[Path]] = {}
    for folder in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = sorted(
            f for f in folder.rglob("*")
            if f.is_file() and f.suffix.lower() in IMAGE_EXTENSIONS
            and not any(part.startswith(".") for part in f.relative_to(folder).parts)
        )
        if not files:
            raise DataError(
                f"{folder}: the class folder {folder.name!r} holds no PNG, JPEG or BMP images; "
                f"add some or remove the folder"
            )
        classes[folder.name] = files
    if not classes:
        raise DataError(
            f"{path}: no class subfolders found; put the images of each class in their own "
            f"subfolder (e.g. {path.name}/cats/, {path.name}/dogs/)"
        )
    return classes


def read_image_folder(path: str | Path, size: tuple[int, int] = (32, 32),
                      color: str = "grayscale", progress: Progress | None = None,
                      cancel: Cancel | None = None) -> Dataset:
    """A classification dataset from an image folder; `size` is (height, width)."""
    path = Path(path)
    height, width = _check_size(size)
    if color not in COLORS:
        raise DataError(f"color: must be one of {', '.join(COLORS)}, got {color!r}")
    classes = scan_image_folder(path)
    files = [f for names in classes.values() for f in names]
    codes = np.repeat(np.arange(len(classes)), [len(names) for names in classes.values()])
    channels = 1 if color == "grayscale" else 3
    check_fits_in_memory(path, len(files) * channels * height * width * 4, "these images")
    x = np.empty((len(files), channels, height, width), dtype=np.float32)
    for i, file in enumerate(files):
        if i % 16 == 0:
            check_cancel(cancel, path)
            report_progress(progress, i / len(files))
        x[i] = _read_image(file, (height, width), color)
    targets = targets_from_codes(codes, tuple(classes), None, f"{path}: classes")
    report_progress(progress, 1.0)
    return Dataset(path.name or "images", x, targets.y, targets.task, (), targets.class_names)


def _check_size(size: tuple[int, int]) -> tuple[int, int]:
    try:
        height, width = (int(side) for side in size)
    except (TypeError, ValueError):
        raise DataError(f"size: must be (height, width), got {size!r}") from None
    if not (1 <= height <= MAX_SIDE and 1 <= width <= MAX_SIDE):
        raise DataError(f"size: height and width must be from 1 to {MAX_SIDE}, got {size!r}")
    return height, width


def _read_image(file: Path, size: tuple[int, int], color: str) -> np.ndarray:
    try:
        with Image.open(file) as image:
            image = image.convert("L" if color == "grayscale" else "RGB")
            image = image.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            pixels = np.asarray(image, dtype=np.float32) / 255.0
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError) as exc:
        raise DataError(
            f"{file}: this image cannot be read ({exc.__class__.__name__}: {exc}). "
            f"Delete or replace the file, then import again."
        ) from None
    return pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1)
