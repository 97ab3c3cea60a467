"""Image folders: one subfolder per class, resized to one size, grayscale or RGB."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nnstudio.core.errors import DataError
from nnstudio.data.importers.common import ImportCancelled
from nnstudio.data.importers.images import read_image_folder, scan_image_folder


def save(path: Path, size: tuple[int, int], color: tuple[int, int, int], fmt: str | None = None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, format=fmt)


@pytest.fixture
def shapes(tmp_path: Path) -> Path:
    root = tmp_path / "shapes"
    save(root / "circle" / "a.png", (10, 20), (255, 0, 0))
    save(root / "circle" / "b.jpg", (40, 30), (255, 0, 0))
    save(root / "square" / "c.bmp", (8, 8), (0, 0, 255))
    save(root / "square" / "nested" / "d.PNG", (64, 16), (0, 0, 255), fmt="PNG")
    save(root / "triangle" / "e.png", (5, 5), (255, 255, 255))
    (root / "triangle" / "notes.txt").write_text("not an image")
    (root / ".hidden").mkdir()
    return root


def test_scan_lists_classes_and_images_in_order_ignoring_other_files(shapes):
    classes = scan_image_folder(shapes)
    assert list(classes) == ["circle", "square", "triangle"]
    assert [f.name for f in classes["square"]] == ["c.bmp", "d.PNG"]
    assert [f.name for f in classes["triangle"]] == ["e.png"]


def test_mixed_sizes_are_resized_to_one_grayscale_size(shapes):
    data = read_image_folder(shapes, size=(12, 16), color="grayscale")
    assert data.x.shape == (5, 1, 12, 16)
    assert (data.task, data.class_names) == ("multiclass", ("circle", "square", "triangle"))
    assert data.y.tolist() == [0, 0, 1, 1, 2]
    assert data.x.min() >= 0.0 and data.x.max() <= 1.0
    assert data.x[4].mean() == pytest.approx(1.0)  # white


def test_rgb_keeps_three_channels_first(shapes):
    data = read_image_folder(shapes, size=(4, 4), color="rgb")
    assert data.x.shape == (5, 3, 4, 4)
    np.testing.assert_allclose(data.x[0, :, 0, 0], [1.0, 0.0, 0.0], atol=0.02)  # red, png
    np.testing.assert_allclose(data.x[2, :, 0, 0], [0.0, 0.0, 1.0], atol=0.02)  # blue, bmp


def test_two_classes_make_a_binary_task(tmp_path):
    save(tmp_path / "d" / "no" / "1.png", (3, 3), (0, 0, 0))
    save(tmp_path / "d" / "yes" / "1.png", (3, 3), (9, 9, 9))
    assert read_image_folder(tmp_path / "d", size=(2, 2)).task == "binary"


def test_an_unreadable_image_is_named(shapes):
    (shapes / "circle" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(DataError, match=r"broken\.png: this image cannot be read .*Delete or "
                                        r"replace the file"):
        read_image_folder(shapes, size=(8, 8))


def test_a_folder_without_class_subfolders_explains_the_layout(tmp_path):
    save(tmp_path / "flat" / "a.png", (3, 3), (0, 0, 0))
    with pytest.raises(DataError, match="no class subfolders found"):
        read_image_folder(tmp_path / "flat")


def test_an_empty_class_folder_is_named(shapes):
    (shapes / "empty").mkdir()
    with pytest.raises(DataError, match="the class folder 'empty' holds no PNG, JPEG or BMP"):
        scan_image_folder(shapes)


def test_a_single_class_is_refused(tmp_path):
    save(tmp_path / "d" / "only" / "a.png", (3, 3), (0, 0, 0))
    with pytest.raises(DataError, match="has only one class"):
        read_image_folder(tmp_path / "d")


def test_bad_size_and_color_are_named(shapes):
    with pytest.raises(DataError, match="size: height and width must be from 1 to 1024"):
        read_image_folder(shapes, size=(0, 8))
    with pytest.raises(DataError, match="color: must be one of grayscale, rgb"):
        read_image_folder(shapes, color="cmyk")


def test_progress_and_cancel(shapes):
    seen: list[float] = []
    read_image_folder(shapes, size=(4, 4), progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0
    with pytest.raises(ImportCancelled):
        read_image_folder(shapes, cancel=lambda: True)
