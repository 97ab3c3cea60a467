"""The window's layout presets: View → Learn Layout and View → Build Layout.

Learn gives the network view the main area, with the metrics and the training settings in a
column beside it (the canvas and the palette make way); Build gives the canvas the main area,
with the palette, the inspector and the problems around it and the network view in a low row
below (the other views put away there, a View menu click from coming back).
A new window opens in the Learn layout, laid out to fit a 1366x768 screen.

A preset places every dock afresh: in each dock area a tree of splits whose leaves are groups
of tabs (the first tab in front); a dock the preset does not name joins its catch-all group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDockWidget

if TYPE_CHECKING:
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QMenu

    from nnstudio.gui.main_window import MainWindow

LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
BOTTOM = Qt.DockWidgetArea.BottomDockWidgetArea
ACROSS, DOWN = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
NETWORK_VIEWS = ("network_dock", "weights_dock", "evaluation_dock", "backprop_dock")
PLANE_VIEWS = ("boundary_dock", "forward_dock", "activations_dock", "feature_maps_dock")


@dataclass(frozen=True)
class Group:
    """Docks tabbed together (the first in front), `size` pixels along the split it is in;
    those in `closed` are put away there (View opens them in this group)."""

    docks: tuple[str, ...]
    size: int
    closed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Split:
    """Parts side by side (`orientation` ACROSS) or one above the other (DOWN)."""

    orientation: Qt.Orientation
    parts: tuple[Union[Group, "Split"], ...]
    size: int = 0  # along the split this one is in

    def groups(self) -> list[Group]:
        return [g for part in self.parts
                for g in (part.groups() if isinstance(part, Split) else [part])]


@dataclass(frozen=True)
class Preset:
    title: str
    shortcut: str
    canvas: bool  # the canvas (the central area) shown
    areas: tuple[tuple[Qt.DockWidgetArea, Split], ...]
    catch_all: str  # the dock whose group takes docks the preset does not name
    area_sizes: tuple[tuple[str, int, Qt.Orientation], ...] = ()  # a dock's area, across


# The panels' smallest sizes decide much here: the metrics need about 300 pixels of height and
# 520 of width, the runs table 470, the decision boundary about 630; so the boundary is put
# away in Learn (the network view draws the output's picture itself, and a hovered neuron's),
# and the window still fits a 1100-pixel-wide remembered size.
LEARN = Preset(
    "&Learn Layout", "Ctrl+1", False,
    ((LEFT, Split(DOWN, (Group(("palette_dock",), 500, ("palette_dock",)),))),
     (BOTTOM, Split(ACROSS, (
         Group((*NETWORK_VIEWS, "runs_dock", "boundary_dock", "lesson_dock", "data_view_dock",
                *PLANE_VIEWS[1:]), 760,
               ("boundary_dock", "data_view_dock", *PLANE_VIEWS[1:])),
         Split(DOWN, (
             Group(("metrics_dock",), 310),
             Group(("hyperparameters_dock", "dataset_dock", "inspector_dock", "problems_dock"),
                   240)), 470))))),
    "network_dock")
BUILD = Preset(
    "&Build Layout", "Ctrl+2", True,
    ((LEFT, Split(DOWN, (Group(("palette_dock",), 500),))),
     (RIGHT, Split(DOWN, (Group(("inspector_dock", "dataset_dock", "hyperparameters_dock"), 330),
                          Group(("problems_dock",), 110)))),
     (BOTTOM, Split(ACROSS, (
         Group((*NETWORK_VIEWS, *PLANE_VIEWS, "data_view_dock", "lesson_dock", "metrics_dock",
                "runs_dock"), 600,
               (*PLANE_VIEWS, "data_view_dock", "lesson_dock", "metrics_dock", "runs_dock")),)))),
    "network_dock",
    (("palette_dock", 200, ACROSS), ("inspector_dock", 400, ACROSS),
     ("network_dock", 190, DOWN)))
PRESETS = {"learn": LEARN, "build": BUILD}


def default_layout(window: MainWindow) -> str | None:
    """Learn when the window has a network view to give the main area to; None (the docks as
    they were added) for a window made of some panels only."""
    return "learn" if window.findChild(QDockWidget, "network_dock") is not None else None


def apply_layout(window: MainWindow, name: str, geometry: QRect | None = None) -> None:
    """Arrange the window's docks (and show or hide the canvas) as preset `name` says; with
    `geometry`, the window takes it once the docks no longer ask for more room."""
    preset = PRESETS[name]
    # Docks moved one by one may ask, on the way, for more room than the window has: Qt then
    # grows it; it takes back its size once they are all in place.
    geometry = geometry if geometry is not None else window.geometry()
    docks = {dock.objectName(): dock for dock in window.findChildren(QDockWidget)}
    members = _members(preset, docks)
    window.canvas.setVisible(preset.canvas)
    for corner, side in ((Qt.Corner.TopLeftCorner, LEFT), (Qt.Corner.BottomLeftCorner, LEFT),
                         (Qt.Corner.TopRightCorner, RIGHT), (Qt.Corner.BottomRightCorner, RIGHT)):
        window.setCorner(corner, side)  # the side columns run the window's full height
    for dock in docks.values():
        window.removeDockWidget(dock)  # out of its tab group, so it can start a new one
    for area, split in preset.areas:
        _split(window, area, split, members)
        for group in split.groups():
            for dock in members[group]:
                if dock.objectName() in group.closed:
                    dock.hide()
    window.layout().invalidate()  # else the window keeps the minimum of the way
    window.layout().activate()
    window.setGeometry(geometry)
    # Laid out now, shown or not, so the docks can be sized at once.
    window.layout().setGeometry(window.rect())
    _size_docks(window, preset, members)


def _members(preset: Preset, docks: dict[str, QDockWidget]) -> dict[Group, list[QDockWidget]]:
    """Each group's docks that exist, the catch-all group taking those no group names."""
    groups = [group for _, split in preset.areas for group in split.groups()]
    named = {name for group in groups for name in group.docks}
    others = [dock for name, dock in docks.items() if name not in named]
    return {group: [docks[n] for n in group.docks if n in docks]
            + (others if preset.catch_all in group.docks else []) for group in groups}


def _split(window: MainWindow, area: Qt.DockWidgetArea, split: Split,
           members: dict[Group, list[QDockWidget]]) -> None:
    # Every group's first dock is placed and split first, then the rest tabbed onto it: Qt
    # adds a dock split from one in a tab group as a tab of that group instead.
    for group, lead in _place(window, area, split, members, None, split.orientation):
        for dock in members[group][1:]:
            _dock(window, area, dock)
            window.tabifyDockWidget(lead, dock)
        lead.raise_()


def _place(window: MainWindow, area: Qt.DockWidgetArea, part: Group | Split,
           members: dict[Group, list[QDockWidget]], anchor: QDockWidget | None,
           orientation: Qt.Orientation) -> list[tuple[Group, QDockWidget]]:
    """Dock the first dock of each group in `part`, the first of all split from `anchor`
    along `orientation` (just docked when None), the others from the part before them."""
    if isinstance(part, Group):
        if not members[part]:
            return []
        lead = members[part][0]
        _dock(window, area, lead)
        if anchor is not None:
            window.splitDockWidget(anchor, lead, orientation)
        return [(part, lead)]
    leads: list[tuple[Group, QDockWidget]] = []
    for child in part.parts:
        placed = _place(window, area, child, members, anchor, orientation)
        if placed:
            leads += placed
            anchor, orientation = placed[0][1], part.orientation
    return leads


def _lead(part: Group | Split, members: dict[Group, list[QDockWidget]]) -> QDockWidget | None:
    groups = part.groups() if isinstance(part, Split) else [part]
    return next((members[g][0] for g in groups if members[g]), None)


def _dock(window: MainWindow, area: Qt.DockWidgetArea, dock: QDockWidget) -> None:
    dock.setFloating(False)
    window.addDockWidget(area, dock)
    dock.show()


def _size_docks(window: MainWindow, preset: Preset,
                members: dict[Group, list[QDockWidget]]) -> None:
    docks = {dock.objectName(): dock for group in members.values() for dock in group}
    for name, size, orientation in preset.area_sizes:
        if name in docks:
            window.resizeDocks([docks[name]], [size], orientation)
    for _, split in preset.areas:
        _size_split(window, split, members)


def _size_split(window: MainWindow, split: Split,
                members: dict[Group, list[QDockWidget]]) -> None:
    leads = [(lead, part.size) for part in split.parts
             if (lead := _lead(part, members)) is not None and not lead.isHidden()]
    if len(leads) > 1:
        window.resizeDocks([lead for lead, _ in leads], [size for _, size in leads],
                           split.orientation)
    for part in split.parts:
        if isinstance(part, Split):
            _size_split(window, part, members)


def add_layout_actions(window: MainWindow, menu: QMenu) -> None:
    """View → Learn Layout and Build Layout."""
    for name, preset in PRESETS.items():
        action = menu.addAction(preset.title)
        action.setObjectName(f"{name}_layout_action")
        action.setShortcut(QKeySequence(preset.shortcut))
        action.triggered.connect(lambda checked=False, n=name: apply_layout(window, n))
