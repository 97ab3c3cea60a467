"""Classroom presets in the window: a project may hide panels and controls and open its notes,
so a teacher hands out a trimmed window (Playground hides controls through its URL).

`ClassroomPreset` applies the open project's `classroom` (nnstudio.core.classroom) whenever a
project comes in: listed panels are hidden and their View-menu entries disabled, listed controls
hidden, and the notes shown in a window beside it. View ▸ Show Everything turns presets off for
the session; File ▸ Classroom Preset… edits the open project's preset (and shows it at once).
The panels to choose from are the rows of PANELS; the controls are the fixed table CONTROLS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox, QDialog, QDialogButtonBox, QGridLayout, QGroupBox, QLabel, QTextBrowser,
    QVBoxLayout, QWidget,
)

from nnstudio.core.classroom import Classroom
from nnstudio.gui.panels.table import PANELS


@dataclass(frozen=True)
class Control:
    """A part of the window a preset can hide: its name in the file, its words, and how to
    find its widgets and actions in a window."""

    name: str
    title: str
    find: Callable[[Any], list]


def _action(name: str) -> Callable[[Any], list]:
    return lambda window: [a for a in [window.findChild(QAction, name)] if a is not None]


def _attribute(*path: str) -> Callable[[Any], list]:
    def find(window: Any) -> list:
        found = window
        for name in path:
            found = getattr(found, name, None)
        return [found] if found is not None else []
    return find


def _export_menu(window: Any) -> list:
    try:
        return [window.menu("Export").menuAction()]
    except KeyError:
        return []


CONTROLS: tuple[Control, ...] = (
    Control("training_toolbar", "Training toolbar", _attribute("training", "toolbar")),
    Control("layer_palette", "Layer palette", _attribute("palette_dock")),
    Control("inspector", "Inspector", _attribute("inspector_dock")),
    Control("problems", "Problems list", _attribute("problems_dock")),
    Control("step", "Step One Epoch", _action("step_action")),
    Control("reset_weights", "Reset Weights", _action("reset_weights_action")),
    Control("regenerate_data", "Regenerate Data", _action("regenerate_action")),
    Control("import_data", "Import Data…", _action("import_data_action")),
    Control("draw_data", "Draw Data…", _action("draw_data_action")),
    Control("export", "Export menu", _export_menu),
)


class ClassroomPreset(QObject):
    """Keeps the window trimmed as the open project's preset says, unless turned off."""

    def __init__(self, window: Any):
        super().__init__(window)
        self.window = window
        self.hidden: list[tuple[Any, bool]] = []  # (widget or action, visible before)
        self.notes_window: ClassroomNotesWindow | None = None
        self.show_everything_action = QAction("Show &Everything", window)
        self.show_everything_action.setObjectName("show_everything_action")
        self.show_everything_action.setCheckable(True)
        self.show_everything_action.setStatusTip("Show the panels and controls this project's "
                                                 "classroom preset hides, for this session")
        self.show_everything_action.toggled.connect(self._on_show_everything_toggled)
        view = window.menu("View")  # beside the layouts: another way to arrange the window
        actions = view.actions()
        layouts = [i for i, a in enumerate(actions) if a.objectName() == "build_layout_action"]
        after = layouts[0] + 1 if layouts else len(actions)
        view.insertAction(actions[after] if after < len(actions) else None,
                          self.show_everything_action)
        self.edit_action = QAction("Classroom &Preset…", window)
        self.edit_action.setObjectName("classroom_preset_action")
        self.edit_action.setStatusTip("Choose the panels and controls a student opening this "
                                      "project does not see, and whether its notes open")
        self.edit_action.triggered.connect(lambda checked=False: self.edit())
        window.add_file_action(self.edit_action)
        window.add_before_state_saved(self.lift)  # the saved layout stays the person's own

    def start(self) -> None:
        """Apply the open project's preset, and each next project's: once the window has its
        layout, which restoring the saved one would otherwise undo."""
        self.window.document.project_replaced.connect(self._on_document_project_replaced)
        self._on_document_project_replaced()

    @property
    def preset(self) -> Classroom | None:
        return getattr(self.window.document.project, "classroom", None)

    # ---- applying ----
    def apply(self) -> None:
        """Hide what the open project's preset lists (nothing when turned off or none)."""
        self.lift()
        preset = self.preset
        if preset is None or self.show_everything_action.isChecked():
            self.show_everything_action.setEnabled(preset is not None)
            return
        self.show_everything_action.setEnabled(True)
        for name in preset.hidden_panels:
            dock = self.window.panel_docks.get(name)
            if dock is not None:
                self._hide(dock)
        controls = {control.name: control for control in CONTROLS}
        for name in preset.hidden_controls:
            if name in controls:
                for part in controls[name].find(self.window):
                    self._hide(part)

    def _hide(self, part: Any) -> None:
        toggle = getattr(part, "toggleViewAction", None)  # docks and toolbars: in View
        # A dock in a tab behind another is open, though not visible: its View entry knows.
        self.hidden.append((part, toggle().isChecked() if toggle else part.isVisible()))
        part.setVisible(False)
        if toggle is not None:
            toggle().setEnabled(False)

    def lift(self) -> None:
        """Show again what the preset hid, as it was before."""
        for part, visible in reversed(self.hidden):
            part.setVisible(visible)
            toggle = getattr(part, "toggleViewAction", None)
            if toggle is not None:
                toggle().setEnabled(True)
        self.hidden = []

    def hidden_parts(self) -> list:
        return [part for part, _ in self.hidden]

    # ---- notes ----
    def show_notes(self) -> None:
        project = self.window.document.project
        if self.notes_window is None:
            self.notes_window = ClassroomNotesWindow(self.window)
        self.notes_window.show_notes(project.name, project.notes)

    # ---- editing ----
    def edit(self, dialog: ClassroomPresetDialog | None = None) -> bool:
        """File ▸ Classroom Preset…: edit the preset; the window shows it at once."""
        dialog = dialog or ClassroomPresetDialog(self.preset, self.window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        preset = dialog.preset()
        self.window.document.set_classroom(None if preset.is_empty else preset)
        self.show_everything_action.setChecked(False)
        self.apply()
        self.window.statusBar().showMessage(
            "Classroom preset set: whoever opens this project sees the trimmed window once it "
            "is saved (View ▸ Show Everything turns it off for a session)."
            if not preset.is_empty else "Classroom preset removed.", 10000)
        return True

    # ---- signals ----
    @Slot()
    def _on_document_project_replaced(self) -> None:
        self.apply()
        preset = self.preset
        if preset is not None and preset.show_notes and self.window.document.project.notes \
                and not self.show_everything_action.isChecked():
            QTimer.singleShot(0, self.show_notes)  # once the window is up

    @Slot(bool)
    def _on_show_everything_toggled(self, checked: bool) -> None:
        self.apply()


class ClassroomNotesWindow(QDialog):
    """The project's notes in a window of their own, beside the main window (not modal)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("classroom_notes")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        column = QVBoxLayout(self)
        column.addWidget(self.browser)
        column.addWidget(buttons)
        self.resize(460, 420)

    def show_notes(self, name: str, notes: str) -> None:
        self.setWindowTitle(f"Notes: {name}")
        self.browser.setMarkdown(notes)
        self.show()
        self.raise_()


class ClassroomPresetDialog(QDialog):
    """Tick the panels and controls to hide, and whether the notes open with the project."""

    def __init__(self, preset: Classroom | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("classroom_preset_dialog")
        self.setWindowTitle("Classroom Preset")
        preset = preset or Classroom()
        intro = QLabel("A student opening this project sees the window without the ticked "
                       "panels and controls. View ▸ Show Everything brings them back for a "
                       "session.")
        intro.setWordWrap(True)
        self.panel_boxes = self._boxes([(e.object_name, e.title) for e in PANELS],
                                       preset.hidden_panels, "hide_panel_")
        self.control_boxes = self._boxes([(c.name, c.title) for c in CONTROLS],
                                         preset.hidden_controls, "hide_control_")
        self.notes_box = QCheckBox("Show the project's notes when it opens")
        self.notes_box.setObjectName("show_notes_box")
        self.notes_box.setChecked(preset.show_notes)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(intro)
        column.addWidget(self._group("Hide these panels", self.panel_boxes))
        column.addWidget(self._group("Hide these controls", self.control_boxes))
        column.addWidget(self.notes_box)
        column.addWidget(buttons)

    @staticmethod
    def _boxes(choices: list[tuple[str, str]], ticked: tuple[str, ...],
               prefix: str) -> dict[str, QCheckBox]:
        boxes = {}
        for name, title in choices:
            box = QCheckBox(title)
            box.setObjectName(prefix + name)
            box.setChecked(name in ticked)
            boxes[name] = box
        return boxes

    @staticmethod
    def _group(title: str, boxes: dict[str, QCheckBox]) -> QGroupBox:
        group = QGroupBox(title)
        grid = QGridLayout(group)
        for index, box in enumerate(boxes.values()):
            grid.addWidget(box, index // 3, index % 3)
        return group

    def preset(self) -> Classroom:
        """The preset as ticked (names of unknown panels from a newer file are dropped)."""
        return Classroom(
            tuple(name for name, box in self.panel_boxes.items() if box.isChecked()),
            tuple(name for name, box in self.control_boxes.items() if box.isChecked()),
            self.notes_box.isChecked())


def install(window: Any) -> ClassroomPreset:
    """View ▸ Show Everything and File ▸ Classroom Preset…; `start()` it once the window is
    built."""
    return ClassroomPreset(window)
