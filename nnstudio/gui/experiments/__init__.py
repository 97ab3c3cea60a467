"""The experiment side of the window: the Experiments menu with twin runs, the scale sweep and
the hyperparameter search, around the runs panel (docked from the panel table). The
composition root (`nnstudio.gui.composition`) makes `Experiments`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QDockWidget, QMenu, QWidget

if TYPE_CHECKING:
    from nnstudio.gui.experiments.runs_panel import RunsPanel
    from nnstudio.gui.main_window import MainWindow


class Experiments(QObject):
    """The runs dock, the Experiments menu, and the experiment windows opened from it.

    Each window is made on first use and shown again later (it keeps its settings and last
    result). The close guard stops whatever any of them is running and waits for its thread.
    """

    def __init__(self, window: MainWindow, runs_panel: RunsPanel | None,
                 runs_dock: QDockWidget | None):
        super().__init__(window)
        self.window = window
        self.document = window.document
        self.runs_panel = runs_panel
        self.runs_dock = runs_dock
        self.twins_dialog: QWidget | None = None
        self.sweep_window: QWidget | None = None
        self.search_dialog: QWidget | None = None
        self.menu = experiments_menu(window)
        self.twins_action = self.menu.addAction("&Twin Runs…")
        self.twins_action.setObjectName("twins_action")
        self.twins_action.setStatusTip("Train the network twice, A and B, differing in one "
                                       "setting, from the same start.")
        self.twins_action.triggered.connect(self.show_twins)
        self.sweep_action = self.menu.addAction("&Scale Sweep…")
        self.sweep_action.setObjectName("sweep_action")
        self.sweep_action.setStatusTip("Train the network at many sizes and watch what it can "
                                       "do appear as it grows.")
        self.sweep_action.triggered.connect(self.show_sweep)
        self.search_action = self.menu.addAction("&Hyperparameter Search…")
        self.search_action.setObjectName("search_action")
        self.search_action.setStatusTip("Try combinations of learning rate, batch size and "
                                        "L2, and keep the best.")
        self.search_action.triggered.connect(self.show_search)
        if runs_dock is not None:
            self.menu.addSeparator()
            self.menu.addAction(runs_dock.toggleViewAction())
        window.add_close_guard(self.shutdown)

    @Slot()
    def show_twins(self) -> QWidget:
        if self.twins_dialog is None:
            from nnstudio.gui.experiments.twins_dialog import TwinsDialog

            self.twins_dialog = TwinsDialog(self.document, self.window)
        return _show(self.twins_dialog)

    @Slot()
    def show_sweep(self) -> QWidget:
        if self.sweep_window is None:
            from nnstudio.gui.experiments.sweep_window import SweepWindow

            self.sweep_window = SweepWindow(self.document, self.window)
        return _show(self.sweep_window)

    @Slot()
    def show_search(self) -> QWidget:
        if self.search_dialog is None:
            from nnstudio.gui.experiments.search_dialog import SearchDialog

            self.search_dialog = SearchDialog(self.document, self.window)
        return _show(self.search_dialog)

    def shutdown(self) -> bool:
        """Stop every experiment and wait for its thread (the window is closing, or another
        project replaces this one). Never refuses."""
        for part in (self.runs_panel, self.twins_dialog, self.sweep_window, self.search_dialog):
            if part is not None:
                part.shutdown()
        return True


def experiments_menu(window: MainWindow) -> QMenu:
    """The window's Experiments menu (made before Help when the window has none)."""
    try:
        return window.menu("Experiments")
    except KeyError:
        menu = QMenu("E&xperiments", window)
        window.menuBar().insertMenu(window.menu("Help").menuAction(), menu)
        return menu


def _show(widget: QWidget) -> QWidget:
    widget.show()
    widget.raise_()
    widget.activateWindow()
    return widget

