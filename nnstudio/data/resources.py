"""Where NN Studio's bundled files (datasets, icons, ...) live on this machine."""

from __future__ import annotations

import os
import sys
from pathlib import Path

RESOURCES_ENV = "NNSTUDIO_RESOURCES"


def resources_dir() -> Path:
    """The folder that holds `resources/` content.

    In order: the `NNSTUDIO_RESOURCES` environment variable (tests, unusual installs), the
    unpacked PyInstaller bundle (`sys._MEIPASS/resources`), else `<repository root>/resources`
    for a source checkout. Read on every call, so changing the variable takes effect at once.
    """
    override = os.environ.get(RESOURCES_ENV)
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"
