"""Data ▸ Draw Data…: draw a 2-D dataset by hand (Playground #54, Orange's Paint Data).

A plane of ±6 units, as the generators draw. Pick a class and click (or drag, for a line of
points) to add points of it; pick the eraser and drag over points to remove them. Every stroke,
new class and Clear is one step of the dialog's own undo (Ctrl+Z, Ctrl+Shift+Z). "Use These
Points" makes them the project's data (`data.source` kind "drawn") and sizes the network's
input and output for them, as one step of the window's undo.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal, Slot
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPixmap, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QButtonGroup, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QToolButton, QVBoxLayout,
    QWidget,
)

from nnstudio.data.classes import class_color
from nnstudio.data.drawn import (
    MAX_CLASSES, MAX_POINTS, PLANE, DrawnPoints, with_points, without_points,
)

SPACING = 0.3  # plane units between the points a dragged stroke leaves
ERASER_RADIUS = 0.6  # plane units
ERASER = 99  # the tool number of the eraser; classes are 0, 1, ... (-1 is "none" to Qt)


class DrawingViewBox(pg.ViewBox):
    """A fixed ±PLANE view whose left-button presses, drags and releases become strokes (in
    plane units) instead of panning and zooming."""

    pressed = Signal(float, float)
    moved = Signal(float, float)
    released = Signal()

    def __init__(self) -> None:
        super().__init__(enableMenu=False)
        self.setMouseEnabled(False, False)
        self.setAspectLocked(True)
        self.setRange(xRange=(-PLANE, PLANE), yRange=(-PLANE, PLANE), padding=0.02)

    def _at(self, scene_point: QPointF) -> tuple[float, float]:
        point = self.mapSceneToView(scene_point)
        return point.x(), point.y()

    def mouseClickEvent(self, ev: Any) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        self.pressed.emit(*self._at(ev.scenePos()))
        self.released.emit()

    def mouseDragEvent(self, ev: Any, axis: Any = None) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        if ev.isStart():
            self.pressed.emit(*self._at(ev.buttonDownScenePos()))
        self.moved.emit(*self._at(ev.scenePos()))
        if ev.isFinish():
            self.released.emit()

    def wheelEvent(self, ev: Any, axis: Any = None) -> None:
        ev.ignore()  # the plane stays put


class DrawingStepCommand(QUndoCommand):
    """One stroke (or new class, or Clear) of the drawing: the points before and after."""

    def __init__(self, dialog: DrawDataDialog, before: DrawnPoints, after: DrawnPoints,
                 text: str):
        super().__init__(text)
        self.dialog, self.before, self.after = dialog, before, after
        self._applied = True  # the stroke drew itself as it went

    def redo(self) -> None:
        if self._applied:
            self._applied = False
            return
        self.dialog.show_points(self.after)

    def undo(self) -> None:
        self.dialog.show_points(self.before)


class DrawDataDialog(QDialog):
    """Draw points of classes on the plane; `drawn` holds them when the dialog is accepted."""

    def __init__(self, drawn: DrawnPoints | None = None, parent: QWidget | None = None,
                 project_points: DrawnPoints | None = None):
        super().__init__(parent)
        self.setObjectName("draw_data_dialog")
        self.setWindowTitle("Draw Data")
        self.drawn = drawn if drawn is not None else DrawnPoints.empty()
        self.project_points = project_points  # the project's data, to start from
        self.undo_stack = QUndoStack(self)
        self._before: DrawnPoints | None = None
        self._last_added: tuple[float, float] | None = None
        self.view_box = DrawingViewBox()
        self.plot = pg.PlotWidget(viewBox=self.view_box)
        self.plot.setObjectName("draw_plane")
        self.plot.setMinimumSize(420, 420)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setLabel("bottom", "x1")
        self.plot.setLabel("left", "x2")
        self.scatters = [pg.ScatterPlotItem(size=8, pen=pg.mkPen("w", width=0.5),
                                            brush=pg.mkBrush(class_color(index)))
                         for index in range(MAX_CLASSES)]
        for scatter in self.scatters:
            self.plot.addItem(scatter)
        self.view_box.pressed.connect(self._on_view_box_pressed)
        self.view_box.moved.connect(self._on_view_box_moved)
        self.view_box.released.connect(self._on_view_box_released)
        self._build_tools()
        self.count_label = QLabel()
        self.count_label.setObjectName("draw_count")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.use_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.use_button.setText("Use These Points")
        self.use_button.setObjectName("draw_use")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addLayout(self.tools)
        column.addWidget(self.plot, 1)
        column.addWidget(self.count_label)
        column.addWidget(buttons)
        self.show_points(self.drawn)

    # ---- tools ----
    def _build_tools(self) -> None:
        self.tools = QHBoxLayout()
        self.tool_group = QButtonGroup(self)
        self.tool_group.setExclusive(True)
        self.class_buttons: list[QToolButton] = []
        self.class_row = QHBoxLayout()
        self.tools.addLayout(self.class_row)
        self.eraser_button = self._tool_button("Eraser", "draw_eraser", ERASER)
        self.eraser_button.setToolTip("Drag over points to remove them.")
        self.tools.addWidget(self.eraser_button)
        self.add_class_button = QToolButton()
        self.add_class_button.setText("+ Class")
        self.add_class_button.setObjectName("draw_add_class")
        self.add_class_button.setToolTip(f"Another class to draw (at most {MAX_CLASSES}).")
        self.add_class_button.clicked.connect(self._on_add_class_clicked)
        self.tools.addWidget(self.add_class_button)
        clear = QToolButton()
        clear.setText("Clear")
        clear.setObjectName("draw_clear")
        clear.clicked.connect(self._on_clear_clicked)
        self.tools.addWidget(clear)
        copy = QToolButton()
        copy.setText("Start from the Data")
        copy.setObjectName("draw_copy_data")
        copy.setToolTip("Replace the drawing with the project's current points, to add to or "
                        "erase from.")
        copy.setVisible(self.project_points is not None)
        copy.clicked.connect(self._on_copy_clicked)
        self.tools.addWidget(copy)
        self.tools.addStretch(1)
        for name, text, keys, slot in (("draw_undo", "Undo", QKeySequence.StandardKey.Undo,
                                        self.undo_stack.undo),
                                       ("draw_redo", "Redo", QKeySequence.StandardKey.Redo,
                                        self.undo_stack.redo)):
            action = QAction(text, self)
            action.setObjectName(name)
            action.setShortcut(keys)
            action.triggered.connect(slot)
            self.addAction(action)
            button = QToolButton()
            button.setDefaultAction(action)
            self.tools.addWidget(button)
        self.undo_stack.canUndoChanged.connect(self.findChild(QAction, "draw_undo").setEnabled)
        self.undo_stack.canRedoChanged.connect(self.findChild(QAction, "draw_redo").setEnabled)
        self.findChild(QAction, "draw_undo").setEnabled(False)
        self.findChild(QAction, "draw_redo").setEnabled(False)

    def _tool_button(self, text: str, name: str, tool: int) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setObjectName(name)
        button.setCheckable(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.tool_group.addButton(button, tool)
        return button

    def _show_class_buttons(self) -> None:
        """One button per class, coloured as every view colours it."""
        for index in range(len(self.class_buttons), len(self.drawn.class_names)):
            button = self._tool_button(self.drawn.class_names[index], f"draw_class_{index}",
                                       index)
            swatch = QPixmap(12, 12)
            swatch.fill(QColor(class_color(index)))
            button.setIcon(QIcon(swatch))
            button.setToolTip(f"Click or drag on the plane to add points of "
                              f"{self.drawn.class_names[index]}.")
            self.class_row.addWidget(button)
            self.class_buttons.append(button)
        while len(self.class_buttons) > len(self.drawn.class_names):  # a new class undone
            button = self.class_buttons.pop()
            if button.isChecked():
                self.class_buttons[0].setChecked(True)
            self.tool_group.removeButton(button)
            button.deleteLater()
        if self.tool_group.checkedId() == -1 and not self.eraser_button.isChecked():
            self.class_buttons[0].setChecked(True)
        self.add_class_button.setEnabled(len(self.class_buttons) < MAX_CLASSES)

    @property
    def tool(self) -> int:
        """The chosen class number, or ERASER."""
        return self.tool_group.checkedId()

    def choose_tool(self, tool: int) -> None:
        self.tool_group.button(tool).setChecked(True)

    # ---- drawing ----
    def show_points(self, drawn: DrawnPoints) -> None:
        """Show `drawn` (the dialog's points from now on)."""
        self.drawn = drawn
        self._show_class_buttons()
        for index, scatter in enumerate(self.scatters):
            mine = drawn.points[drawn.labels == index]
            scatter.setData(mine[:, 0], mine[:, 1])
        counts = np.bincount(drawn.labels, minlength=len(drawn.class_names))
        full = " (the most a project keeps)" if len(drawn) >= MAX_POINTS else ""
        self.count_label.setText(f"{len(drawn)} points{full}: " + ", ".join(
            f"{name} {count}" for name, count in zip(drawn.class_names, counts)))
        self.use_button.setEnabled(int((counts > 0).sum()) >= 2)

    @Slot(float, float)
    def _on_view_box_pressed(self, x: float, y: float) -> None:
        self._before = self.drawn
        self._last_added = None
        self._apply_tool(x, y)

    @Slot(float, float)
    def _on_view_box_moved(self, x: float, y: float) -> None:
        if self._before is None:
            return
        last = self._last_added
        if self.tool == ERASER or last is None or np.hypot(x - last[0], y - last[1]) >= SPACING:
            self._apply_tool(x, y)

    @Slot()
    def _on_view_box_released(self) -> None:
        before, self._before = self._before, None
        if before is None or before.same_as(self.drawn):
            return
        if self.tool == ERASER:
            text = f"Erase {len(before) - len(self.drawn)} points"
        else:
            text = f"Add {len(self.drawn) - len(before)} {self.drawn.class_names[self.tool]}"
        self.undo_stack.push(DrawingStepCommand(self, before, self.drawn, text))

    def _apply_tool(self, x: float, y: float) -> None:
        if abs(x) > PLANE or abs(y) > PLANE:
            return  # outside the plane: nothing to add or erase
        if self.tool == ERASER:
            self.show_points(without_points(self.drawn, (x, y), ERASER_RADIUS))
        else:
            self._last_added = (x, y)
            self.show_points(with_points(self.drawn, [[x, y]], self.tool))

    def _step(self, after: DrawnPoints, text: str) -> None:
        before = self.drawn
        self.show_points(after)
        self.undo_stack.push(DrawingStepCommand(self, before, after, text))

    @Slot()
    def _on_add_class_clicked(self) -> None:
        self._step(self.drawn.with_class(), "Add a class")
        self.choose_tool(len(self.drawn.class_names) - 1)

    @Slot()
    def _on_copy_clicked(self) -> None:
        if self.project_points is not None:
            self._step(self.project_points, "Start from the project's data")

    @Slot()
    def _on_clear_clicked(self) -> None:
        if len(self.drawn):
            self._step(DrawnPoints.empty(len(self.drawn.class_names)), "Clear")


# ---- into the project ---------------------------------------------------------------------------

def starting_points(document: Any) -> DrawnPoints:
    """The project's drawn points, or an empty drawing of two classes."""
    source = document.project.data.source
    return source.drawn() if source.kind == "drawn" else DrawnPoints.empty()


def project_points(document: Any) -> DrawnPoints | None:
    """The project's built-in data as points to draw on (two columns of classes inside the
    plane), or None (files are not read again here; drawn data is the drawing already)."""
    from nnstudio.core.errors import NNStudioError
    from nnstudio.data.drawn import from_dataset
    from nnstudio.data.source import load_dataset

    if document.project.data.source.kind != "builtin":
        return None
    try:
        return from_dataset(load_dataset(document.project))
    except NNStudioError:
        return None


def use_drawn_points(document: Any, drawn: DrawnPoints) -> bool:
    """Make `drawn` the project's data and fit the network's input and output to it, as one
    undo step; False when the document refuses edits (training)."""
    from nnstudio.core.project import DataSource

    if document.edit_lock is not None:
        document.edit_rejected.emit(document.edit_lock)
        return False
    data = document.project.data
    # Fixed rows come from files beside a file source; drawn points split at random.
    shares = {} if data.split_kind == "random" else {
        "validation": 0.2, "test": 0.2, "split_column": "", "test_file": None,
        "validation_file": None}
    changed = dataclasses.replace(data, source=DataSource.from_drawn(drawn), **shares)
    stack = document.undo_stack
    stack.beginMacro(f"Draw data ({len(drawn)} points)")
    document.push_data_config(changed, "Drawn points")
    for edit in network_edits(document, drawn, changed.transforms):
        document.push(edit)
    stack.endMacro()
    return True


def network_edits(document: Any, drawn: DrawnPoints, transforms: tuple[str, ...]) -> list:
    """The edits that give the network one input per (computed) column and the output the
    drawn classes need: set on a vector input and a Dense output, else a first network."""
    from nnstudio.core.commands import ReplaceNetworkCommand, SetParamCommand
    from nnstudio.data.cli_new import default_network
    from nnstudio.data.transforms import apply_transforms

    dataset = apply_transforms(drawn.dataset(), transforms)
    network = document.network
    inputs, output = network.input_nodes(), network.output_node()
    if len(inputs) != 1 or output is None or output.type != "dense" \
            or len(inputs[0].params.get("shape", ())) != 1:
        return [ReplaceNetworkCommand(default_network(dataset).nodes,
                                      "Network for the drawn data")]
    wanted = {(inputs[0].id, "shape"): list(dataset.input_shape),
              (output.id, "units"): dataset.output_size,
              (output.id, "activation"): "sigmoid" if dataset.task == "binary" else "softmax"}
    nodes = {node.id: node for node in network.nodes}
    return [SetParamCommand(node_id, name, value) for (node_id, name), value in wanted.items()
            if _current(nodes[node_id].params.get(name)) != value]


def _current(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def draw_data(window: Any, dialog: DrawDataDialog | None = None) -> bool:
    """Data ▸ Draw Data…: the dialog, then its points become the project's data."""
    document = window.document
    dialog = dialog or DrawDataDialog(starting_points(document), window,
                                      project_points(document))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    if not use_drawn_points(document, dialog.drawn):
        return False
    window.statusBar().showMessage(
        f"The project now trains on {len(dialog.drawn)} drawn points of "
        f"{len(dialog.drawn.class_names)} classes (Edit ▸ Undo brings the previous data back).",
        8000)
    return True


def install(window: Any) -> QAction:
    """File ▸ Draw Data… (Ctrl+Shift+D), beside Import Data."""
    action = QAction("Dra&w Data…", window)
    action.setObjectName("draw_data_action")
    action.setShortcut(QKeySequence("Ctrl+Shift+D"))
    action.setStatusTip("Draw your own 2-D dataset: points of each class, by hand.")
    action.triggered.connect(lambda checked=False: draw_data(window))
    window.add_file_action(action)
    return action
