"""GUI test helpers: a document around a small network, a main window, and ways to act as a user
(drop a palette layer, drag between ports, answer a dialog) on Qt's offscreen platform.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QSettings, Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from nnstudio.core.network import Network, chain
from nnstudio.core.project import Project
from tests.gui.projects import spiral_project


def small_network() -> Network:
    """Input (2,) → Dense 8 relu → Dense 1 sigmoid."""
    return chain(("input", {"shape": (2,)}),
                 ("dense", {"units": 8, "activation": "relu"}),
                 ("dense", {"units": 1, "activation": "sigmoid"}))


@pytest.fixture
def make_project():
    return spiral_project


@pytest.fixture
def make_document(qapp):
    from nnstudio.gui.document import ProjectDocument

    def make(network: Network | None = None) -> ProjectDocument:
        network = network if network is not None else small_network()
        return ProjectDocument(Project(name="Test", network=network))

    return make


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, make_document, settings):
    """A shown main window (no extensions) around a document; closes without prompting."""
    from nnstudio.gui.main_window import MainWindow

    def forget_changes(window) -> None:  # pytest-qt closes the window: no prompt then
        focused = QApplication.focusWidget()
        if focused is not None:
            focused.clearFocus()
        window.document.undo_stack.setClean()
        window.document._unsaved = False

    def make(network: Network | None = None, document=None) -> MainWindow:
        window = MainWindow(document or make_document(network), settings=settings)
        qtbot.addWidget(window, before_close_func=forget_changes)
        window.resize(1200, 800)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()  # shortcuts only fire in the active window
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
        window.canvas.fit_to_view()
        return window

    return make


def close_without_asking(window) -> None:
    """For pytest-qt's close of a composed window: no run left going, no save prompt."""
    window.services.controller.shutdown()
    window.document.undo_stack.setClean()
    window.document._unsaved = False


@pytest.fixture
def composed_window(qtbot, settings):
    """`make(document=None, size=None, panels=None, menus=True)`: a shown window as the app
    composes it (`build_window`), closed without prompting."""
    from nnstudio.gui.composition import build_window

    def make(document=None, size: tuple[int, int] | None = None, **options):
        window = build_window(document, settings, **options)
        qtbot.addWidget(window, before_close_func=close_without_asking)
        if size is not None:
            window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


# ---- acting as a user -------------------------------------------------------------------------

class User:
    """What a person does with the mouse and keyboard, sent as real Qt events."""

    def __init__(self, qtbot):
        self.qtbot = qtbot

    @staticmethod
    def output_port(view, node_id: str) -> QPointF:
        return view.canvas.node_items[node_id].output_anchor()

    @staticmethod
    def input_port(view, node_id: str) -> QPointF:
        return view.canvas.node_items[node_id].input_anchor()

    @staticmethod
    def node_centre(view, node_id: str) -> QPointF:
        return view.canvas.node_items[node_id].sceneBoundingRect().center()

    @staticmethod
    def view_point(view, scene_point) -> QPoint:
        return view.mapFromScene(_point(scene_point))

    def drop_mime(self, view, mime, scene_point) -> bool:
        """Drag `mime` over the canvas and drop it at `scene_point`, as a real drag would."""
        viewport = view.viewport()
        point = self.view_point(view, scene_point)
        actions = Qt.DropAction.CopyAction
        buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        enter = QDragEnterEvent(point, actions, mime, buttons, mods)
        QApplication.sendEvent(viewport, enter)
        if not enter.isAccepted():
            return False
        move = QDragMoveEvent(point, actions, mime, buttons, mods)
        QApplication.sendEvent(viewport, move)
        drop = QDropEvent(QPointF(point), actions, mime, buttons, mods)
        QApplication.sendEvent(viewport, drop)
        return drop.isAccepted()

    def drag_layer(self, palette, view, type_key: str, scene_point) -> bool:
        """Drag a layer out of the palette (with the palette's own mime data) onto the canvas."""
        return self.drop_mime(view, palette.mime_data_for(type_key), scene_point)

    def mouse(self, view, kind: QEvent.Type, scene_point, button=Qt.MouseButton.LeftButton,
              buttons=None, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
        viewport = view.viewport()
        local = QPointF(self.view_point(view, scene_point))
        if buttons is None:
            buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button
        pressed = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else button
        event = QMouseEvent(kind, local, QPointF(viewport.mapToGlobal(local.toPoint())),
                            pressed, buttons, modifiers)
        QApplication.sendEvent(viewport, event)

    def drag(self, view, start, end, steps: int = 6, button=Qt.MouseButton.LeftButton) -> None:
        """Press at `start`, move in steps to `end`, release (scene coordinates)."""
        start, end = _point(start), _point(end)
        self.mouse(view, QEvent.Type.MouseButtonPress, start, button)
        for index in range(1, steps + 1):
            self.mouse(view, QEvent.Type.MouseMove, start + (end - start) * (index / steps),
                       button, buttons=button)
        self.mouse(view, QEvent.Type.MouseButtonRelease, end, button)

    def click(self, view, scene_point, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
        self.mouse(view, QEvent.Type.MouseButtonPress, scene_point, modifiers=modifiers)
        self.mouse(view, QEvent.Type.MouseButtonRelease, scene_point, modifiers=modifiers)

    def answer_next_dialog(self, button: QMessageBox.StandardButton, seen: list | None = None):
        """Click `button` on the next modal message box; its text goes into `seen`."""
        tries = [0]

        def answer() -> None:
            box = QApplication.activeModalWidget()
            if not isinstance(box, QMessageBox):
                tries[0] += 1
                if tries[0] < 250:  # about 5 s: then the test fails on its own checks
                    QTimer.singleShot(20, answer)
                return
            if seen is not None:
                seen.append(box.text() + "\n" + box.informativeText())
            box.button(button).click()

        QTimer.singleShot(0, answer)


def _point(value) -> QPointF:
    return QPointF(*value) if isinstance(value, tuple) else QPointF(value)


@pytest.fixture
def user(qtbot) -> User:
    return User(qtbot)
