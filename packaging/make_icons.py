"""Render the app icon's raster sizes from its SVG source (a build-time tool, not part of the app).

    python packaging/make_icons.py          # rewrites resources/icons/app/{png/*,*.ico,*.icns}

Qt's SVG renderer (QtSvg, in PySide6-Essentials) draws each size from the vector source, so small
sizes are rendered, not scaled down from a big bitmap; Pillow packs them into the Windows .ico and
the macOS .icns. The outputs are committed, so a bundle build needs neither step.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ICON_DIR = Path(__file__).resolve().parents[1] / "resources" / "icons" / "app"
SOURCE = ICON_DIR / "nnstudio.svg"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # what Windows asks for; .ico stops at 256
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)  # Pillow picks the icns slots from these


def png_path(size: int) -> Path:
    return ICON_DIR / "png" / f"nnstudio-{size}.png"


def render_pngs() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (painting needs one)
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"{SOURCE}: not a valid SVG")
    png_path(PNG_SIZES[0]).parent.mkdir(parents=True, exist_ok=True)
    for size in PNG_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        if not image.save(str(png_path(size))):
            raise SystemExit(f"{png_path(size)}: could not be written")


def pack_ico_and_icns() -> None:
    from PIL import Image

    images = {size: Image.open(png_path(size)).convert("RGBA") for size in PNG_SIZES}
    largest = images[max(ICO_SIZES)]
    # Pillow's ICO writer takes the sizes plus same-format frames to use as they are.
    largest.save(ICON_DIR / "nnstudio.ico", sizes=[(s, s) for s in ICO_SIZES],
                 append_images=[images[s] for s in ICO_SIZES if s != max(ICO_SIZES)])
    images[1024].save(ICON_DIR / "nnstudio.icns",
                      append_images=[images[s] for s in ICNS_SIZES if s != 1024])


def main() -> int:
    render_pngs()
    pack_ico_and_icns()
    for path in sorted(ICON_DIR.rglob("*")):
        if path.is_file():
            print(f"{path.relative_to(ICON_DIR.parents[2])}  {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
