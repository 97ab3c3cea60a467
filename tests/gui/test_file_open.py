"""Projects macOS asks the app to open (Finder double-click, a drop on the Dock icon) arrive as
QFileOpenEvents on the application and must reach the window's open action."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QUrl
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QApplication

from nnstudio.gui.file_open import FileOpenEventFilter, install_file_open_handler


def test_a_file_open_event_on_the_application_reaches_the_open_action(qapp, tmp_path):
    opened: list[str] = []
    handler = install_file_open_handler(opened.append)
    try:
        path = tmp_path / "my spiral.nnstudio"
        handled = QApplication.sendEvent(qapp, QFileOpenEvent(str(path)))
    finally:
        qapp.removeEventFilter(handler)

    assert handled
    assert opened == [str(path)]


def test_a_file_open_event_given_as_a_url_opens_the_local_path(qapp, tmp_path):
    opened: list[str] = []
    handler = install_file_open_handler(opened.append, qapp)
    path = tmp_path / "digits cnn.nnstudio"
    try:
        QApplication.sendEvent(qapp, QFileOpenEvent(QUrl.fromLocalFile(str(path))))
    finally:
        qapp.removeEventFilter(handler)

    assert opened == [str(path)]


def test_other_events_pass_through_untouched(qapp):
    opened: list[str] = []
    event_filter = FileOpenEventFilter(opened.append)

    assert event_filter.eventFilter(qapp, QEvent(QEvent.Type.User)) is False
    assert opened == []


def test_the_filter_lives_as_long_as_the_application(qapp):
    handler = install_file_open_handler(lambda path: None)
    try:
        assert handler.parent() is qapp
    finally:
        qapp.removeEventFilter(handler)
        handler.deleteLater()
