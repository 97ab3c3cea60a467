"""Test-wide setup: Qt runs offscreen, and no test reads or writes a real user's settings.

This module imports neither Qt nor torch: the core and data tests must run where neither can
be imported (see .ci/no_torch_qt.py). Qt is configured only once a test has imported it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest


# Folders that Qt (QSettings, QStandardPaths) and platformdirs use for user config, data and
# caches on Linux; on Windows APPDATA/LOCALAPPDATA. Pointed at a throwaway folder for the whole
# session at once, so even code that runs at import time never touches the real ones; each test
# then gets its own folder (the `isolated_user_folders` fixture).
USER_FOLDER_VARIABLES = {
    "XDG_CONFIG_HOME": "config",
    "XDG_DATA_HOME": "data",
    "XDG_CACHE_HOME": "cache",
    "XDG_STATE_HOME": "state",
    "APPDATA": "appdata",
    "LOCALAPPDATA": "localappdata",
}
_SESSION_FOLDER = Path(tempfile.mkdtemp(prefix="nnstudio-tests-"))

# Before anything imports Qt: the platform plugin is chosen when the QApplication is made.
# setdefault, so `QT_QPA_PLATFORM=xcb pytest ...` still shows real windows under Xvfb. The
# offscreen screen is a small laptop's (its default is 800x800), so the window is tested where
# it has to fit.
TEST_SCREEN = {"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768,
               "logicalDpiX": 96, "logicalDpiY": 96, "dpr": 1}
if os.environ.setdefault("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    _screen_file = _SESSION_FOLDER / "screen.json"
    _screen_file.write_text(json.dumps({"screens": [TEST_SCREEN]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_screen_file}"


def _point_user_folders_at(root: Path, setenv) -> None:
    for variable, name in USER_FOLDER_VARIABLES.items():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        setenv(variable, str(folder))


_point_user_folders_at(_SESSION_FOLDER, os.environ.__setitem__)

TEST_ORGANIZATION = "NNStudioTests"


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_SESSION_FOLDER, ignore_errors=True)


@pytest.fixture(autouse=True)
def isolated_user_folders(tmp_path_factory: pytest.TempPathFactory,
                          monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own settings and app folders; QSettings too once Qt has been imported."""
    root = tmp_path_factory.mktemp("user")
    _point_user_folders_at(root, monkeypatch.setenv)
    if "PySide6.QtCore" in sys.modules:  # never import Qt here: core tests must not need it
        _isolate_qsettings(root / "config")
    return root


def _isolate_qsettings(folder: Path) -> None:
    from PySide6.QtCore import QCoreApplication, QSettings

    for settings_format in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(settings_format, scope, str(folder))
    # A distinct organization name: even a QSettings path we missed lands in a test-only file.
    QCoreApplication.setOrganizationName(TEST_ORGANIZATION)
    QCoreApplication.setOrganizationDomain("tests.nnstudio.invalid")


@pytest.fixture(scope="session")
def warm_torch():
    """torch, imported once with its first optimizer step paid, so no test's timing pays it.

    Engine and GUI tests request it; core and data tests never do (they run without torch).
    """
    import torch

    torch.set_num_threads(1)
    weight = torch.zeros(2, requires_grad=True)
    optimizer = torch.optim.Adam([weight], lr=0.1)
    weight.sum().backward()
    optimizer.step()
    return torch
