"""What the app remembers between sessions: recent files, window geometry, dock layout.

Everything goes through one QSettings (organization "NNStudio", application "NN Studio"), so
tests point it at a temporary folder and never touch a real user's settings.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = "NNStudio"
APPLICATION = "NN Studio"
MAX_RECENT = 8


def app_settings() -> QSettings:
    return QSettings(ORGANIZATION, APPLICATION)


def recent_files(settings: QSettings) -> list[str]:
    value = settings.value("recent_files", [])
    if isinstance(value, str):  # QSettings gives a bare string for a one-item list
        value = [value]
    return [str(v) for v in value or [] if v]


def remember_recent(settings: QSettings, path: str | Path) -> list[str]:
    """Put `path` first in the recent list (once) and return the new list."""
    path = str(Path(path).resolve())
    files = [path] + [f for f in recent_files(settings) if f != path]
    settings.setValue("recent_files", files[:MAX_RECENT])
    return files[:MAX_RECENT]


def forget_recent(settings: QSettings, path: str | Path) -> list[str]:
    files = [f for f in recent_files(settings) if f != str(path)]
    settings.setValue("recent_files", files)
    return files


def byte_array(settings: QSettings, key: str) -> QByteArray | None:
    value = settings.value(key)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None
