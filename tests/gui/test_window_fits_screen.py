"""The window on a small laptop screen (the tests' offscreen screen is 1366x768): the first window
opens inside the screen's free area, and a remembered layout comes back only if it still fits."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication

from nnstudio.gui.main_window import SCREEN_SHARE

pytestmark = pytest.mark.usefixtures("warm_torch")


def available() -> QRect:
    return QApplication.primaryScreen().availableGeometry()


def test_the_tests_run_on_a_1366_by_768_screen(qapp):
    assert (available().width(), available().height()) == (1366, 768)


def test_the_first_window_fits_the_screen_centred_with_its_status_bar_visible(composed_window):
    window = composed_window()
    screen = available()
    assert screen.contains(window.frameGeometry())
    assert window.width() <= screen.width() * SCREEN_SHARE
    assert window.height() <= screen.height() * SCREEN_SHARE
    assert abs(window.geometry().center().x() - screen.center().x()) <= 1
    assert abs(window.geometry().center().y() - screen.center().y()) <= 1
    # Nothing inside asks for more room than the screen has, so Qt does not grow the window.
    assert window.minimumSizeHint().width() <= window.width()
    assert window.minimumSizeHint().height() <= window.height()
    bar = window.status_bar
    assert screen.contains(QRect(bar.mapToGlobal(bar.rect().topLeft()), bar.size()))


def test_a_layout_saved_on_a_larger_screen_is_not_restored(composed_window):
    first = composed_window()
    first.setGeometry(0, 0, 1900, 1150)  # as on a large monitor
    first.save_window_state()
    first.close()
    second = composed_window()
    assert available().contains(second.frameGeometry())
    assert second.width() <= available().width() * SCREEN_SHARE


def test_a_layout_that_fits_is_restored(composed_window):
    first = composed_window()
    first.setGeometry(40, 30, 1100, 660)
    first.inspector_dock.hide()
    saved = first.size()  # Qt may have kept it a little taller, for the panels' minimum
    first.save_window_state()
    first.close()
    second = composed_window()
    assert second.size() == saved and saved.width() == 1100
    assert second.inspector_dock.isHidden()
