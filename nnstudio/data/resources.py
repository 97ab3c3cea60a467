"""Where NN Studio's bundled files live: datasets, icons, lessons, the guide (`resources/`)
and example projects.

setup.py installs the repository's `resources/` and `examples/` folders inside the package, as
`nnstudio.resources` and `nnstudio.examples`, so importlib.resources finds them the same way in a
wheel, an editable install and a PyInstaller bundle (built from the installed package).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

RESOURCES_ENV = "NNSTUDIO_RESOURCES"
RESOURCES_PACKAGE = "nnstudio.resources"
EXAMPLES_PACKAGE = "nnstudio.examples"


def resources_dir() -> Path:
    """The folder that holds `resources/` content.

    The `NNSTUDIO_RESOURCES` environment variable wins (tests, unusual installs); it is read on
    every call, so changing it takes effect at once.
    """
    override = os.environ.get(RESOURCES_ENV)
    if override:
        return Path(override)
    return _package_folder(RESOURCES_PACKAGE, "resources")


def guide_pages() -> list[Path]:
    """The offline guide's pages (`resources/guide/*.md`), in reading order (by file name)."""
    return sorted((resources_dir() / "guide").glob("*.md"))


def examples_dir() -> Path:
    """The folder of the shipped example projects (`<key>.nnstudio`)."""
    return _package_folder(EXAMPLES_PACKAGE, "examples")


def _package_folder(package: str, checkout_folder: str) -> Path:
    try:
        return Path(str(resources.files(package)))
    except ModuleNotFoundError:
        # Only a checkout that was never installed (`PYTHONPATH=. python -m nnstudio`), or an
        # editable install made before setup.py mapped these folders, lacks the package: the
        # folder then sits at the top of the repository, two levels above this file.
        return Path(__file__).resolve().parents[2] / checkout_folder
