"""The main window: the canvas in the middle, docked palette, inspector and problems around it.

The composition root (`nnstudio.gui.composition.build_window`) makes the rest and docks it
through three calls: `add_panel(widget, title, object_name)` for a dockable panel (with its
toggle in the View menu), `menu(name)` for a menu to fill (File, Edit, View, Train, Help,
Export) and `add_close_guard(guard)` for work that must end before the window closes. Its
`install(window)` runs while the window is built, before the saved dock layout is restored, so
the panels get their saved places too.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QPoint, QRect, QSettings, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication, QDockWidget, QFileDialog, QLabel, QMainWindow, QMenu, QMessageBox, QTabWidget,
    QWidget,
)

from nnstudio import __version__
from nnstudio.core.errors import NNStudioError
from nnstudio.core.lessons import LESSON_SUFFIX
from nnstudio.gui.document import PROJECT_SUFFIX, ProjectDocument
from nnstudio.gui.editor.canvas import CanvasView
from nnstudio.gui.editor.inspector import InspectorWidget
from nnstudio.gui.editor.palette import PaletteWidget
from nnstudio.gui.editor.problems import ProblemsWidget
from nnstudio.gui.help import install_help
from nnstudio.gui.layouts import add_layout_actions, apply_layout, default_layout
from nnstudio.gui.panels.lesson_panel import LESSON_DOCK
from nnstudio.gui.settings import (
    app_settings, byte_array, forget_recent, recent_files, remember_recent,
)
from nnstudio.gui.theme import ERROR_COLOR

if TYPE_CHECKING:
    from nnstudio.gui.classroom import ClassroomPreset
    from nnstudio.gui.composition import PanelServices
    from nnstudio.gui.experiments import Experiments
    from nnstudio.gui.panels.data_view_panel import DataViewController
    from nnstudio.gui.training.actions import TrainingActions
    from nnstudio.gui.timeline_bar import TimelineBar
    from nnstudio.gui.training.lr_find_dialog import LearningRateFinder

log = logging.getLogger(__name__)

MENU_NAMES = ("File", "Edit", "View", "Train", "Help")
FILE_FILTER = f"NN Studio projects (*{PROJECT_SUFFIX})"
OPEN_FILTER = (f"NN Studio projects and lessons (*{PROJECT_SUFFIX} *{LESSON_SUFFIX});;"
               f"{FILE_FILTER};;NN Studio lessons (*{LESSON_SUFFIX})")
DEFAULT_SIZE = (1440, 900)
# The first window takes at most this share of the screen's free area, so its edges and the
# status bar are on a small laptop screen too.
SCREEN_SHARE = 0.9



# The File menu's entries other parts of the app add, by section and in their order there: the
# data's and weights' before Export, the teacher's after it.
FILE_ENTRIES = {
    "data": ("import_data_action", "draw_data_action", "import_weights_action"),
    "teaching": ("new_lesson_action", "edit_lesson_action", "classroom_preset_action"),
}

class MainWindow(QMainWindow):
    """The application window around one `ProjectDocument`."""

    def __init__(self, document: ProjectDocument | None = None,
                 settings: QSettings | None = None,
                 install: Callable[[MainWindow], None] | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("main_window")
        self.document = document or ProjectDocument(parent=self)
        self.settings = settings if settings is not None else app_settings()
        self._close_guards: list[Callable[[], bool]] = []
        self._before_state_saved: list[Callable[[], None]] = []
        self._running_work: list[Callable[[], str]] = []
        self._menus: dict[str, QMenu] = {}
        self._panel_section: QAction | None = None
        self.panels: dict[str, QWidget] = {}  # the panel table's widgets by dock name
        self.panel_docks: dict[str, QDockWidget] = {}
        # Set by the composition root (nnstudio.gui.composition), None in a bare window.
        self.services: PanelServices | None = None
        self.training: TrainingActions | None = None
        self.lr_find: LearningRateFinder | None = None
        self.experiments: Experiments | None = None
        self.data_view: DataViewController | None = None
        self.classroom: ClassroomPreset | None = None
        self.timeline: TimelineBar | None = None
        self.setAcceptDrops(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks
                            | QMainWindow.DockOption.AllowNestedDocks)
        self.setTabPosition(Qt.DockWidgetArea.AllDockWidgetAreas, QTabWidget.TabPosition.North)

        self.canvas = CanvasView(self.document)
        self.setCentralWidget(self.canvas)
        self.palette_widget = PaletteWidget()
        self.inspector = InspectorWidget(self.document)
        self.problems = ProblemsWidget(self.document)
        self._build_menus()
        self.palette_dock = self.add_panel(self.palette_widget, "Layers", "palette_dock",
                                           Qt.DockWidgetArea.LeftDockWidgetArea)
        self.inspector_dock = self.add_panel(self.inspector, "Inspector", "inspector_dock")
        self.problems_dock = self.add_panel(self.problems, "Problems", "problems_dock")
        self.splitDockWidget(self.inspector_dock, self.problems_dock, Qt.Orientation.Vertical)
        self._build_status_bar()
        self._connect()
        install_help(self)
        if install is not None:
            install(self)
        self._restore_window_state()
        self._on_document_path_changed()
        self._on_document_network_changed()
        QTimer.singleShot(0, self.canvas.fit_to_view)

    # ---- the plug-in points ----
    def add_panel(self, widget: QWidget, title: str, object_name: str,
                  area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea) -> QDockWidget:
        """Dock `widget` as a panel (saved layout by `object_name`) with a toggle in View.

        Arrange it further with `tabifyDockWidget`/`splitDockWidget`; the first window then
        takes the default layout preset (nnstudio.gui.layouts), which places every dock.
        """
        dock = QDockWidget(title, self)
        dock.setObjectName(object_name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        toggle = dock.toggleViewAction()
        toggle.setText(title)
        self.menu("View").addAction(toggle)
        if getattr(self, "_state_restored", False):
            # A panel added after start-up still gets its saved place and visibility.
            self.restoreDockWidget(dock)
            dock.setVisible(object_name not in self._hidden_panels())
        return dock

    def menu(self, name: str) -> QMenu:
        """The menu called `name` ("File", "Edit", "View", "Train", "Help" or "Export")."""
        return self._menus[name]

    def add_close_guard(self, guard: Callable[[], bool]) -> None:
        """`guard()` runs when the window is about to close, or another project is about to
        replace the open one; returning False keeps it."""
        self._close_guards.append(guard)

    def add_before_state_saved(self, callback: Callable[[], None]) -> None:
        """Call `callback` once closing is agreed, just before the layout is saved (a classroom
        preset shows what it hid, so the saved layout stays the person's own)."""
        self._before_state_saved.append(callback)

    def add_running_work(self, describe: Callable[[], str]) -> None:
        """`describe()` names work in progress ("A training run"), or "" while there is none:
        closing the window or replacing the project asks about it before anything stops."""
        self._running_work.append(describe)

    def end_background_work(self) -> bool:
        """Run the close guards (a training run stops and is recorded); False if one refused."""
        return all(guard() is not False for guard in list(self._close_guards))

    def release_project(self) -> bool:
        """Ask about running work and unsaved changes, then end the background work, before
        the window closes or another project comes in. False when the person cancels: then
        nothing has stopped and nothing is lost."""
        self._finish_typing()
        running = [text for describe in self._running_work if (text := describe())]
        if not running:
            return self.end_background_work() and self.maybe_save()
        answer = self._ask_about_running_work(running)
        if answer == QMessageBox.StandardButton.Cancel or not self.end_background_work():
            return False
        # What the run learned is in the project now (the close guard recorded it).
        return self.save() if answer == QMessageBox.StandardButton.Save else True

    def _ask_about_running_work(self, running: list[str]) -> QMessageBox.StandardButton:
        what = " and ".join(running)
        box = QMessageBox(QMessageBox.Icon.Warning, "Training in progress",
                          f"{what} is still going. Stop it and save “"
                          f"{self.document.display_name}” first?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText("Save keeps what it has learned so far; Discard stops it and "
                               "drops every unsaved change; Cancel keeps it running.")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return QMessageBox.StandardButton(box.exec())

    # ---- building ----
    def _build_menus(self) -> None:
        bar = self.menuBar()
        for name in MENU_NAMES:
            self._menus[name] = bar.addMenu("&" + name)
        self._build_file_menu(self._menus["File"])
        self._build_edit_menu(self._menus["Edit"])
        view = self._menus["View"]
        for act in self.canvas.view_actions():
            view.addAction(act)
        view.addSeparator()
        add_layout_actions(self, view)
        self._panel_section = view.addSection("Panels")
        about = self._menus["Help"].addAction("&About NN Studio")
        about.setMenuRole(QAction.MenuRole.AboutRole)  # last in Help; macOS moves it
        about.triggered.connect(self._on_about_triggered)

    def _build_file_menu(self, menu: QMenu) -> None:
        new_menu = menu.addMenu("&New")
        for index, (key, title) in enumerate(example_entries()):
            act = new_menu.addAction(title)
            act.setData(key)
            if index == 0:
                act.setShortcut(QKeySequence.StandardKey.New)
            act.triggered.connect(lambda checked=False, key=key: self.new_from_example(key))
        open_act = menu.addAction("&Open…")
        open_act.setShortcut(QKeySequence.StandardKey.Open)
        open_act.triggered.connect(self._on_open_triggered)
        self.recent_menu = menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        menu.addSeparator()
        self.save_action = menu.addAction("&Save")
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.triggered.connect(self.save)
        save_as = menu.addAction("Save &As…")
        save_as.setShortcut(QKeySequence.StandardKey.SaveAs)
        save_as.triggered.connect(self.save_as)
        menu.addSeparator()
        self._menus["Export"] = menu.addMenu("&Export")
        menu.addSeparator()
        self._file_section_ends = {"data": self._menus["Export"].menuAction(),
                                   "teaching": menu.addSeparator()}
        quit_act = menu.addAction("&Quit")
        quit_act.setShortcut(QKeySequence.StandardKey.Quit)
        quit_act.setMenuRole(QAction.MenuRole.QuitRole)
        quit_act.triggered.connect(self.close)
        self._fill_recent_menu()

    def add_file_action(self, action: QAction) -> None:
        """Put `action`, one of FILE_ENTRIES by its object name, in its place in the File menu,
        whichever part of the app adds it first."""
        name = action.objectName()
        section, names = next((section, names) for section, names in FILE_ENTRIES.items()
                              if name in names)
        menu = self._menus["File"]
        later = [a for a in menu.actions() if a.objectName() in names[names.index(name) + 1:]]
        menu.insertAction(later[0] if later else self._file_section_ends[section], action)

    def _build_edit_menu(self, menu: QMenu) -> None:
        stack = self.document.undo_stack
        # Our own actions, not QUndoStack's: they go through the document, which refuses to
        # undo while training has the network locked.
        self.undo_action = QAction("&Undo", self)
        self.undo_action.setShortcuts(QKeySequence.StandardKey.Undo)
        self.undo_action.triggered.connect(self.document.undo)
        self.redo_action = QAction("&Redo", self)
        redo_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
        for extra in ("Ctrl+Shift+Z", "Ctrl+Y"):  # both habits, on every system
            if QKeySequence(extra) not in redo_keys:
                redo_keys.append(QKeySequence(extra))
        self.redo_action.setShortcuts(redo_keys)
        self.redo_action.triggered.connect(self.document.redo)
        stack.canUndoChanged.connect(self.undo_action.setEnabled)
        stack.canRedoChanged.connect(self.redo_action.setEnabled)
        stack.undoTextChanged.connect(self._on_stack_undo_text_changed)
        stack.redoTextChanged.connect(self._on_stack_redo_text_changed)
        self.undo_action.setEnabled(stack.canUndo())
        self.redo_action.setEnabled(stack.canRedo())
        menu.addAction(self.undo_action)
        menu.addAction(self.redo_action)
        menu.addSeparator()
        for act in self.canvas.edit_actions():
            menu.addAction(act)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_bar = bar
        self.problems_label = QLabel()
        self.problems_label.setObjectName("problems_label")
        self.params_label = QLabel()
        self.params_label.setObjectName("params_label")
        for label in (self.problems_label, self.params_label):
            label.setContentsMargins(8, 0, 8, 0)
            bar.addPermanentWidget(label)

    def _connect(self) -> None:
        doc = self.document
        doc.network_changed.connect(self._on_document_network_changed)
        doc.dirty_changed.connect(self._on_document_dirty_changed)
        doc.path_changed.connect(self._on_document_path_changed)
        doc.project_replaced.connect(self._on_document_path_changed)
        doc.edit_rejected.connect(self._on_document_edit_rejected)
        self.canvas.selection_changed.connect(self.inspector.show_nodes)
        self.palette_widget.layer_activated.connect(self.canvas.append_layer)
        self.problems.node_activated.connect(self._on_problems_node_activated)
        self.problems.changed.connect(self._on_problems_changed)

    # ---- window state ----
    def _first_geometry(self) -> QRect:
        """The default size, shrunk to fit the screen's free area, centred on it."""
        available = self.screen().availableGeometry()
        size = QSize(*DEFAULT_SIZE).boundedTo(QSize(int(available.width() * SCREEN_SHARE),
                                                    int(available.height() * SCREEN_SHARE)))
        geometry = QRect(QPoint(0, 0), size)
        geometry.moveCenter(available.center())
        return geometry

    def _restore_saved_geometry(self) -> bool:
        """Restore the remembered geometry if there is one and it lies on a screen's free area:
        a window saved on a larger or detached monitor would open partly off-screen, and Qt
        would only squeeze it, keeping dock sizes meant for the larger window."""
        geometry = byte_array(self.settings, "window/geometry")
        frame = self.settings.value("window/frame")  # absent in settings older than this check
        if isinstance(frame, QRect):
            screen = QGuiApplication.screenAt(frame.center())
            if screen is None or not screen.availableGeometry().contains(frame):
                return False
        return geometry is not None and self.restoreGeometry(geometry)

    def _restore_window_state(self) -> None:
        # The default layout first, also under a remembered one: its docks ask for no more
        # room than the screen has, so the remembered size is not grown to fit them.
        layout = default_layout(self)
        if layout is not None:
            apply_layout(self, layout, self._first_geometry())
        else:
            self.setGeometry(self._first_geometry())
        fits = self._restore_saved_geometry()
        state = byte_array(self.settings, "window/state")
        if fits and state is not None:  # the docks' sizes were for the remembered window
            self.restoreState(state)
            # The dock state leaves out the canvas, which the Learn layout puts away.
            self.canvas.setVisible(self.settings.value("window/canvas", "shown") != "hidden")
        self._state_restored = True

    def save_window_state(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/frame", self.frameGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/canvas", "shown" if self.canvas.isVisible() else "hidden")
        hidden = [d.objectName() for d in self.findChildren(QDockWidget) if d.isHidden()]
        self.settings.setValue("window/hidden_panels", hidden)
        self.settings.sync()

    def _hidden_panels(self) -> list[str]:
        value = self.settings.value("window/hidden_panels", [])
        return [value] if isinstance(value, str) else list(value or [])

    # ---- files ----
    def _finish_typing(self) -> None:
        """Apply a half-typed edit (a name, a shape) so the unsaved-changes prompt knows of it."""
        focused = QApplication.focusWidget()
        if focused is not None and self.isAncestorOf(focused):
            focused.clearFocus()

    def maybe_save(self) -> bool:
        """Ask to save unsaved changes; False when the person cancels (or saving fails)."""
        if not self.document.is_dirty:
            return True
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                          f"Save the changes to “{self.document.display_name}” first?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText("If you don't save, your changes will be lost.")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_from_example(self, key: str) -> bool:
        if not self.release_project():
            return False
        self.document.new_from_example(key)
        return True

    def open_path(self, path: str | Path, ask: bool = True) -> bool:
        """Open a project file (asking about unsaved changes first), or start a lesson file in
        the Lesson panel; a failure shows why."""
        self._finish_typing()
        if str(path).endswith(LESSON_SUFFIX):
            return self._start_lesson_file(str(path), ask)
        if ask and not self.release_project():
            return False
        message = self.document.open(path)
        if message is not None:
            if not Path(path).exists():
                forget_recent(self.settings, path)
            self.show_error("Could not open the project", message)
            return False
        remember_recent(self.settings, self.document.path)
        self.statusBar().showMessage(f"Opened {self.document.path}", 5000)
        return True

    def _start_lesson_file(self, path: str, ask: bool) -> bool:
        panel = self.panels.get(LESSON_DOCK)
        if panel is None:
            self.show_error("Could not open the lesson", "This window has no Lesson panel.")
            return False
        try:
            started = panel.start_lesson_file(path, ask)
        except NNStudioError as error:
            if not Path(path).exists():
                forget_recent(self.settings, path)
            self.show_error("Could not open the lesson", str(error))
            return False
        if started:
            remember_recent(self.settings, Path(path))
            self.statusBar().showMessage(f"Started the lesson {path}", 5000)
        return started

    @Slot()
    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    @Slot()
    def save_as(self) -> bool:
        path = self._ask_save_path()
        return bool(path) and self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        message = self.document.save(path)
        if message is not None:
            self.show_error("Could not save the project", message)
            return False
        remember_recent(self.settings, self.document.path)
        self.statusBar().showMessage(f"Saved {self.document.path}", 5000)
        return True

    def _ask_open_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self, "Open Project or Lesson",
                                              self._dialog_folder(), OPEN_FILTER)
        return path

    def _ask_save_path(self) -> str:
        folder = Path(self._dialog_folder())
        suggested = folder / (self.document.display_name + PROJECT_SUFFIX)
        path, _ = QFileDialog.getSaveFileName(self, "Save Project As", str(suggested), FILE_FILTER)
        return path

    def _dialog_folder(self) -> str:
        if self.document.path is not None:
            return str(self.document.path.parent)
        recent = recent_files(self.settings)
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def show_error(self, title: str, message: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok,
                          self)
        box.exec()

    # ---- slots ----
    @Slot()
    def _on_open_triggered(self) -> None:
        if not self.release_project():
            return
        path = self._ask_open_path()
        if path:
            self.open_path(path, ask=False)

    @Slot()
    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = recent_files(self.settings)
        for path in files:
            act = self.recent_menu.addAction(Path(path).name)
            act.setToolTip(path)
            act.setStatusTip(path)
            act.triggered.connect(lambda checked=False, path=path: self.open_path(path))
        if files:
            self.recent_menu.addSeparator()
            clear = self.recent_menu.addAction("Clear Recent")
            clear.triggered.connect(self._on_clear_recent_triggered)
        self.recent_menu.setEnabled(bool(files))

    @Slot(str)
    def _on_stack_undo_text_changed(self, text: str) -> None:
        self.undo_action.setText(f"&Undo {text}" if text else "&Undo")

    @Slot(str)
    def _on_stack_redo_text_changed(self, text: str) -> None:
        self.redo_action.setText(f"&Redo {text}" if text else "&Redo")

    @Slot()
    def _on_clear_recent_triggered(self) -> None:
        self.settings.setValue("recent_files", [])
        self._fill_recent_menu()

    @Slot()
    def _on_document_network_changed(self) -> None:
        self.params_label.setText(f"Parameters: {self.document.report.total_params:,}")
        self._on_problems_changed()

    @Slot()
    def _on_problems_changed(self) -> None:
        messages = self.problems.messages()
        if messages:
            count = len(messages)
            self.problems_label.setText(f"⚠ {count} problem{'s' if count > 1 else ''}")
            self.problems_label.setStyleSheet(f"color: {ERROR_COLOR}; font-weight: bold;")
            self.problems_label.setToolTip("\n".join(messages))
        else:
            self.problems_label.setText("✓ No problems")
            self.problems_label.setStyleSheet("")
            self.problems_label.setToolTip(self.problems.list.item(0).text())

    @Slot(bool)
    def _on_document_dirty_changed(self, dirty: bool) -> None:
        self.setWindowModified(dirty)

    @Slot()
    def _on_document_path_changed(self) -> None:
        self.setWindowTitle(f"{self.document.display_name}[*] — NN Studio")
        self.setWindowModified(self.document.is_dirty)

    @Slot(str)
    def _on_document_edit_rejected(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)

    @Slot(str)
    def _on_problems_node_activated(self, node_id: str) -> None:
        self.canvas.select_nodes([node_id], centre=True)
        self.canvas.setFocus()

    @Slot()
    def _on_about_triggered(self) -> None:
        QMessageBox.about(
            self, "About NN Studio",
            f"<b>NN Studio {__version__}</b><p>Build, train and understand neural networks: "
            "drag layers together, watch them learn, look inside.</p>")

    # ---- Qt events ----
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.release_project():
            event.ignore()
            return
        for callback in self._before_state_saved:
            callback()
        self.save_window_state()
        event.accept()

    def dragEnterEvent(self, event) -> None:
        if project_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        paths = project_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        # After the drop returns: a modal prompt inside a drop handler blocks the drag source.
        QTimer.singleShot(0, lambda: self.open_path(paths[0]))


def project_paths(mime) -> list[str]:
    """Local `.nnstudio` projects and `.nnlesson` lessons a drag carries."""
    if mime is None or not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls()
            if url.isLocalFile() and url.toLocalFile().endswith((PROJECT_SUFFIX, LESSON_SUFFIX))]


def example_entries() -> list[tuple[str, str]]:
    """(key, menu title) for each built-in example, the empty network first."""
    try:
        examples = importlib.import_module("nnstudio.core.examples")
    except ModuleNotFoundError as error:
        if error.name != "nnstudio.core.examples":
            raise
        return []
    entries = []
    for key, value in dict(examples.EXAMPLES).items():
        title = value if isinstance(value, str) else getattr(value, "title", None) or key
        entries.append((key, str(title)))
    entries.sort(key=lambda entry: entry[0] != "empty")
    return entries
