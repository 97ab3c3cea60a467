"""The Lesson panel: the built-in course, one lesson's steps, and its goals ticked live.

With no lesson open it lists the course (also in Help → Lessons). Opening a lesson asks about
unsaved work like any other project change, then loads the lesson's starting project as an
untitled copy and shows its steps. Each goal is checked again whenever the project's runs,
network or settings change, so it ticks as soon as the person reaches it, with a short "why this
worked". The person is free to use the whole window meanwhile. Opening another project ends the
lesson, so the ticks never speak about a project the lesson did not start.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Slot
from PySide6.QtGui import QAction, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QFileDialog, QFrame, QLabel, QListView, QMenu, QPushButton, QScrollArea, QStackedWidget,
    QVBoxLayout, QWidget)

from nnstudio.core.errors import NNStudioError
from nnstudio.core.lessons import (
    LESSON_SUFFIX, NODE_HIGHLIGHT, SETTING_HIGHLIGHT, GoalResult, Lesson, builtin_lesson,
    builtin_lessons, load_lesson)

if TYPE_CHECKING:
    from nnstudio.gui.document import ProjectDocument
    from nnstudio.gui.main_window import MainWindow

LESSON_DOCK = "lesson_dock"
MET, OPEN = "☑", "☐"


class LessonPanel(QWidget):
    def __init__(self, document: ProjectDocument, window: MainWindow,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.window_ = window
        self.lesson: Lesson | None = None
        self.goal_labels: list[QLabel] = []
        self._starting = False

        self.course = QStandardItemModel(self)
        self.chooser = QListView()
        self.chooser.setObjectName("lesson_list")
        self.chooser.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.chooser.setModel(self.course)
        self.chooser.activated.connect(self._on_chooser_activated)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold; font-size: 13pt")
        self.steps = QVBoxLayout()
        steps_widget = QWidget()
        steps_widget.setLayout(self.steps)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(steps_widget)
        self.back_button = QPushButton("All lessons")
        self.back_button.clicked.connect(self.end_lesson)
        lesson_page = QWidget()
        lesson_layout = QVBoxLayout(lesson_page)
        lesson_layout.addWidget(self.title)
        lesson_layout.addWidget(scroll, 1)
        lesson_layout.addWidget(self.back_button)
        chooser_page = QWidget()
        chooser_layout = QVBoxLayout(chooser_page)
        course_hint = QLabel("The course: double-click a lesson to start it. It opens its own "
                             "project; your open project stays on disk.")
        course_hint.setWordWrap(True)  # else the panel asks for 630 pixels of width
        chooser_layout.addWidget(course_hint)
        chooser_layout.addWidget(self.chooser, 1)
        open_file = QPushButton("Open a Lesson File…")
        open_file.clicked.connect(self.open_lesson_file)
        chooser_layout.addWidget(open_file)
        self.pages = QStackedWidget()
        self.pages.addWidget(chooser_page)
        self.pages.addWidget(lesson_page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.pages)
        self._fill_chooser()

        document.runs_changed.connect(self.refresh)
        document.network_changed.connect(self.refresh)
        document.training_config_changed.connect(self.refresh)
        document.project_replaced.connect(self._on_document_project_replaced)

    # ---- the course ----
    def _fill_chooser(self) -> None:
        try:
            lessons = builtin_lessons()
        except NNStudioError as error:  # a damaged installation: say which file, list nothing
            self.course.appendRow(QStandardItem(f"The lessons could not be read: {error}"))
            return
        for lesson in lessons:
            item = QStandardItem(lesson.title)
            item.setData(lesson.id, Qt.ItemDataRole.UserRole)
            item.setToolTip(lesson.summary)
            self.course.appendRow(item)

    def lesson_ids(self) -> list[tuple[str, str]]:
        """(id, title) of each lesson in the course list."""
        items = (self.course.item(row) for row in range(self.course.rowCount()))
        return [(item.data(Qt.ItemDataRole.UserRole), item.text()) for item in items
                if item.data(Qt.ItemDataRole.UserRole)]

    @Slot(QModelIndex)
    def _on_chooser_activated(self, index: QModelIndex) -> None:
        lesson_id = index.data(Qt.ItemDataRole.UserRole)
        if lesson_id:
            self.start(lesson_id)

    def start(self, lesson_id: str) -> bool:
        """Open built-in lesson `lesson_id` (read afresh, so its project is a new copy); False
        when the person keeps their unsaved work instead."""
        return self.start_lesson(builtin_lesson(lesson_id))

    @Slot()
    def open_lesson_file(self) -> bool:
        """Ask for a .nnlesson file (a teacher's) and start it; a bad file says why."""
        path, _ = QFileDialog.getOpenFileName(self, "Open Lesson", "",
                                              f"NN Studio lessons (*{LESSON_SUFFIX})")
        if not path:
            return False
        try:
            return self.start_lesson_file(path)
        except NNStudioError as error:
            self.window_.show_error("Could not open the lesson", str(error))
            return False

    def start_lesson_file(self, path: str, ask: bool = True) -> bool:
        """Start the lesson in the file at `path` (File → Open, a drop, the command line);
        LessonError naming the file and field when it is no usable lesson."""
        return self.start_lesson(load_lesson(path), ask)

    def start_lesson(self, lesson: Lesson, ask: bool = True) -> bool:
        """Open `lesson` (its project must not be shared with another open lesson); `ask`
        False when the caller has already asked about unsaved work."""
        if ask and not self.window_.release_project():
            return False
        self._starting = True
        try:
            self.document.new_untitled(lesson.project)
        finally:
            self._starting = False
        self.lesson = lesson
        self._show_steps(lesson)
        self.pages.setCurrentIndex(1)
        self.refresh()
        dock = self.window_.panel_docks.get(LESSON_DOCK)
        if dock is not None:
            dock.show()
            dock.raise_()
        return True

    @Slot()
    def end_lesson(self) -> None:
        self.lesson = None
        self.goal_labels = []
        self._clear_steps()
        self.pages.setCurrentIndex(0)

    @Slot()
    def _on_document_project_replaced(self) -> None:
        if not self._starting and self.lesson is not None:
            self.end_lesson()

    # ---- steps and goals ----
    def _clear_steps(self) -> None:
        while self.steps.count():
            widget = self.steps.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()

    def _show_steps(self, lesson: Lesson) -> None:
        self._clear_steps()
        self.goal_labels = []
        self.title.setText(lesson.title)
        for number, step in enumerate(lesson.steps, start=1):
            frame = QFrame()
            frame.setFrameShape(QFrame.Shape.StyledPanel)
            box = QVBoxLayout(frame)
            text = QLabel(f"<b>{number}.</b> {escape(step.text)}")
            text.setWordWrap(True)
            box.addWidget(text)
            show = self._highlight_button(step.highlight)
            if show is not None:
                box.addWidget(show)
            if step.goal is not None:
                goal = QLabel()
                goal.setWordWrap(True)
                goal.setTextFormat(Qt.TextFormat.RichText)
                box.addWidget(goal)
                self.goal_labels.append(goal)
            self.steps.addWidget(frame)
        self.steps.addStretch(1)

    def _highlight_button(self, highlight: str) -> QPushButton | None:
        """A button that brings what the step points at into view: a panel, a layer on the
        canvas (selected), or a training setting (its field focused)."""
        if highlight.startswith(NODE_HIGHLIGHT):
            node_id = highlight[len(NODE_HIGHLIGHT):]
            button = QPushButton(f"Show layer {node_id}")
            button.clicked.connect(lambda checked=False: self._show_node(node_id))
            return button
        if highlight.startswith(SETTING_HIGHLIGHT):
            setting = highlight[len(SETTING_HIGHLIGHT):]
            button = QPushButton(f"Show the setting {setting.replace('_', ' ')}")
            button.clicked.connect(lambda checked=False: self._show_setting(setting))
            return button
        dock = self.window_.panel_docks.get(f"{highlight}_dock")
        if dock is None:
            return None
        button = QPushButton(f"Show {dock.windowTitle()}")
        button.clicked.connect(lambda checked=False, d=dock: (d.show(), d.raise_()))
        return button

    def _show_node(self, node_id: str) -> None:
        build = self.window_.findChild(QAction, "build_layout_action")
        if not self.window_.canvas.isVisible() and build is not None:
            build.trigger()  # the Learn layout puts the canvas away
        self.window_.canvas.select_nodes([node_id], centre=True)
        self.window_.canvas.setFocus()

    def _show_setting(self, setting: str) -> None:
        from nnstudio.gui.panels.hyperparameters_panel import HyperparametersPanel

        panel = self.window_.panels.get("hyperparameters_dock")
        if not isinstance(panel, HyperparametersPanel) or setting not in panel.editors:
            return
        dock = self.window_.panel_docks["hyperparameters_dock"]
        dock.show()
        dock.raise_()
        panel.editors[setting].setFocus()

    def results(self) -> list[GoalResult]:
        """Each goal of the open lesson, checked on the open project now."""
        return [] if self.lesson is None else self.lesson.check(self.document.project)

    @Slot()
    def refresh(self) -> None:
        for label, result in zip(self.goal_labels, self.results()):
            label.setText(_goal_text(result))


def _goal_text(result: GoalResult) -> str:
    # Escaped: goals read "loss < 0.3", which rich text would take for the start of a tag.
    # Each condition says what it found; "no run yet" once, however many conditions need a run.
    found = escape("; ".join(dict.fromkeys(condition.actual for condition in result.results)))
    goal, why = escape(result.goal.describe()), escape(result.goal.why)
    if result.met:
        return (f"<span style='color:#2e7d32'>{MET} <b>Goal met:</b> {goal}"
                f"</span><br><i>Why this worked:</i> {why}")
    return f"{OPEN} <b>Goal:</b> {goal}<br><small>now: {found}</small>"


def install_lessons_menu(window: MainWindow, panel: LessonPanel) -> None:
    """Help → Lessons: one entry per built-in lesson, opening it in `panel`; before About,
    which stays last."""
    help_menu = window.menu("Help")
    about = next((action for action in help_menu.actions()
                  if action.menuRole() == QAction.MenuRole.AboutRole), None)
    menu = QMenu("&Lessons", help_menu)
    help_menu.insertMenu(about, menu)
    for lesson_id, title in panel.lesson_ids():
        action = menu.addAction(title)
        action.triggered.connect(lambda checked=False, key=lesson_id: panel.start(key))
