"""`nnstudio --check`: what a bug report needs to know about this installation.

Versions (NN Studio, Python, torch, Qt), where training would run, how many threads it may use,
whether Qt's window would start here, and the folders the app reads and writes. Each part that
cannot be found says so on its own line instead of stopping the report, so a broken install
still gets a useful answer.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
from typing import Callable

from nnstudio import __version__


def report() -> tuple[list[str], bool]:
    """The report's lines, and whether everything the app needs was found."""
    from nnstudio.gui.desktop_libraries import missing_libraries, missing_libraries_message

    lines = [f"NN Studio {__version__}",
             f"Python {platform.python_version()} ({sys.executable}) on {platform.platform()}"]
    broken = []
    for name, part in (("torch", _torch_lines), ("Qt", _qt_lines), ("folders", _folder_lines)):
        try:
            lines += part()
        except Exception as error:  # ImportError, a broken library: the report goes on
            broken.append(name)
            lines.append(f"{name}: NOT WORKING: {type(error).__name__}: {error}")
    missing = missing_libraries()
    lines.append(missing_libraries_message(missing) if missing
                 else "system libraries for the window: all found")
    return lines, not broken and not missing


def _torch_lines() -> list[str]:
    import torch

    from nnstudio.engine.devices import available_devices, resolve_device

    devices = ", ".join(label for key, label in available_devices() if key != "auto")
    return [f"torch {torch.__version__}; training device \"auto\" is {resolve_device('auto')}; "
            f"devices here: {devices}",
            f"threads: torch may use {torch.get_num_threads()} of {os.cpu_count()} logical "
            "CPUs (NN Studio picks 1 or more per run by the network's size)"]


def _qt_lines() -> list[str]:
    import PySide6
    from PySide6.QtCore import QLibraryInfo, qVersion

    from nnstudio.gui.desktop_libraries import uses_xcb

    platform_name = os.environ.get("QT_QPA_PLATFORM") or (
        "xcb (X11)" if uses_xcb(os.environ) else "the system's default")
    plugins = QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)
    return [f"Qt {qVersion()} (PySide6 {PySide6.__version__}); window platform: "
            f"{platform_name}; Qt plugins: {plugins}"]


def _folder_lines() -> list[str]:
    import nnstudio
    from nnstudio.data.resources import examples_dir, resources_dir
    from nnstudio.gui.settings import app_settings

    folders: list[tuple[str, Callable[[], object]]] = [
        ("program", lambda: os.path.dirname(nnstudio.__file__)),
        ("resources (datasets, icons)", resources_dir),
        ("examples", examples_dir),
        ("settings file", lambda: app_settings().fileName()),
        ("temporary files", tempfile.gettempdir),
    ]
    return ["folders:"] + [f"  {name}: {where()}" for name, where in folders]
