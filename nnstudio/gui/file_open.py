"""Projects opened from the desktop: macOS Finder's double-click and drops on the Dock icon.

macOS does not put the file in argv; it sends an "open documents" Apple event, which Qt delivers
to the QApplication as a `QFileOpenEvent` (also at launch, once the event loop runs). Windows and
Linux pass the path on the command line instead, so this filter never fires there.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal
from PySide6.QtGui import QFileOpenEvent


class FileOpenEventFilter(QObject):
    """Turns each QFileOpenEvent into a call of `open_path(path)` and the signal
    `file_open_requested(path)`. Parented to the application, so it lives as long as it."""

    file_open_requested = Signal(str)

    def __init__(self, open_path: Callable[[str], object] | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        if open_path is not None:
            self.file_open_requested.connect(open_path)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() != QEvent.Type.FileOpen:
            return False
        path = _event_path(event)
        if not path:
            return False
        self.file_open_requested.emit(path)
        return True


def _event_path(event: QEvent) -> str:
    if not isinstance(event, QFileOpenEvent):
        return ""
    return event.file() or event.url().toLocalFile()


def install_file_open_handler(open_path: Callable[[str], object],
                              app: QCoreApplication | None = None) -> FileOpenEventFilter:
    """Install the filter on `app` (the running application by default) so that every project
    macOS asks NN Studio to open goes to `open_path(path)`."""
    app = app or QCoreApplication.instance()
    if app is None:
        raise RuntimeError("install_file_open_handler needs a QApplication first")
    event_filter = FileOpenEventFilter(open_path, parent=app)
    app.installEventFilter(event_filter)
    return event_filter
