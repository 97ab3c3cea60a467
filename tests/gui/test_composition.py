"""The window built by its one composition root: every panel listed in one table, fed by one
services object; opening another project leaves nothing of the old one in any panel; closing
during training asks first."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QAbstractButton, QApplication, QComboBox, QLabel, QMessageBox, QWidget,
)

from tests.gui.two_projects import CELLS_WORDS, save_cells_project, save_spiral_project

pytestmark = pytest.mark.usefixtures("warm_torch")


@pytest.fixture(scope="module")
def projects(tmp_path_factory, qapp):
    folder = tmp_path_factory.mktemp("projects")
    return save_cells_project(folder), save_spiral_project(folder)


@pytest.fixture
def full_window(composed_window):
    return lambda: composed_window(size=(1400, 900))


def texts_in(widget: QWidget) -> list[str]:
    """Every text a person can read in `widget` (its widgets not hidden): labels, buttons, lists and tables (cells and
    headers), combo boxes, tooltips, and the plots' titles, axis labels, ticks and legends."""
    import pyqtgraph as pg

    found: list[str] = []
    for child in [widget, *widget.findChildren(QWidget)]:
        if not child.isVisibleTo(widget.window()):
            continue  # hidden (another tab or page): nobody reads it
        found.append(child.toolTip())
        if isinstance(child, (QLabel, QAbstractButton)):
            found.append(child.text())
        elif isinstance(child, QComboBox):
            found += [child.itemText(i) for i in range(child.count())]
        elif isinstance(child, QAbstractItemView) and child.model() is not None:
            found += model_texts(child.model())
        elif isinstance(child, pg.GraphicsView):
            found += scene_texts(child.scene())
    return [text for text in found if text]


def model_texts(model) -> list[str]:
    texts = []
    rows = model.rowCount(QModelIndex())
    # A list widget's model hides columnCount (a list has one column).
    columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(QModelIndex())
    for orientation, count in ((Qt.Orientation.Horizontal, columns),
                               (Qt.Orientation.Vertical, rows)):
        texts += [str(model.headerData(i, orientation) or "") for i in range(min(count, 200))]
    for row in range(min(rows, 200)):
        for column in range(columns):
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                texts.append(str(model.index(row, column).data(role) or ""))
    return texts


def scene_texts(scene) -> list[str]:
    import pyqtgraph as pg

    texts = []
    for item in scene.items():
        if isinstance(item, pg.AxisItem):
            texts.append(item.labelText)
            for level in item._tickLevels or []:
                texts += [str(label) for _, label in level]
        elif hasattr(item, "toPlainText"):
            texts.append(item.toPlainText())
        elif isinstance(item, pg.LabelItem):
            texts.append(item.text)
    return texts


def scatter_colours(widget: QWidget) -> set[str]:
    """The fill colours of every scatter point the widget's plots draw."""
    import pyqtgraph as pg

    colours = set()
    for view in [widget, *widget.findChildren(QWidget)]:
        if isinstance(view, pg.GraphicsView):
            for item in view.scene().items():
                if isinstance(item, pg.ScatterPlotItem) and item.isVisible():
                    colours |= {brush.color().name() for brush in item.data["brush"]
                                if brush is not None}
    return colours


def curves(widget: QWidget) -> list[np.ndarray]:
    import pyqtgraph as pg

    found = []
    for view in [widget, *widget.findChildren(QWidget)]:
        if isinstance(view, pg.GraphicsView):
            for item in view.scene().items():
                if isinstance(item, pg.PlotCurveItem) and item.isVisible():
                    _, y = item.getData()
                    if y is not None and len(y) > 2:  # not a fixed guide (chance line)
                        found.append(np.asarray(y, dtype=np.float64))
    return found


def settle(qtbot, window, entry) -> None:
    """Show the entry's panel (raise its dock) and let it draw what the project holds."""
    dock = window.panel_docks[entry.object_name]
    dock.show()
    dock.raise_()
    qtbot.wait(50)
    live = window.services.live
    if entry.live:  # the live model waits for a shown view before it refreshes
        qtbot.waitUntil(lambda: not live.pending, timeout=20_000)
    data_view = window.data_view
    qtbot.waitUntil(lambda: not data_view.runner.is_running(), timeout=20_000)
    qtbot.wait(400)  # throttled views redraw a quarter-second later
    QApplication.processEvents()


def panel_entries():
    from nnstudio.gui.panels.table import PANELS

    return PANELS


@pytest.mark.parametrize("entry", panel_entries(), ids=lambda entry: entry.object_name)
def test_opening_another_project_leaves_nothing_of_the_first_in_the_panel(
        full_window, projects, qtbot, entry):
    from nnstudio.data.classes import class_color

    cells, spiral = projects
    window = full_window()
    assert window.open_path(cells, ask=False)
    settle(qtbot, window, entry)
    panel = window.panels[entry.object_name]
    before_curves = curves(panel)
    assert window.open_path(spiral, ask=False)
    settle(qtbot, window, entry)
    left = [text for text in texts_in(panel)
            if any(word in text for word in CELLS_WORDS)]
    assert left == [], f"{entry.object_name} still shows the cells project: {left[:5]}"
    assert class_color(2) not in scatter_colours(panel)  # the cells' third class
    for curve in curves(panel):
        assert not any(len(old) == len(curve) and np.allclose(old, curve, equal_nan=True)
                       for old in before_curves), f"{entry.object_name} kept a curve"


def test_the_confusion_matrix_relabels_its_classes_when_another_project_has_as_many(
        full_window, tmp_path, qtbot):
    from nnstudio.gui.panels.table import panel_entry

    cells = save_cells_project(tmp_path, classes=2)  # aggressive, indolent: two, as the spiral
    spiral = save_spiral_project(tmp_path)
    window = full_window()
    entry = panel_entry("evaluation_dock")
    axis = window.panels["evaluation_dock"].matrix.getPlotItem().getAxis("bottom")
    assert window.open_path(cells, ask=False)
    settle(qtbot, window, entry)
    assert [label for _, label in axis._tickLevels[0]] == ["aggressive", "indolent"]
    assert window.open_path(spiral, ask=False)
    settle(qtbot, window, entry)
    assert [label for _, label in axis._tickLevels[0]] == ["first arm", "second arm"]


def test_every_panel_in_the_table_is_docked_once_with_a_view_menu_toggle(full_window):
    from nnstudio.gui.panels.table import PANELS

    window = full_window()
    names = [entry.object_name for entry in PANELS]
    assert len(set(names)) == len(names)
    toggles = {action.text() for action in window.menu("View").actions()}
    for entry in PANELS:
        assert window.panel_docks[entry.object_name].widget() is window.panels[entry.object_name]
        assert entry.title in toggles


def test_the_services_object_is_frozen_and_typed(full_window):
    import dataclasses

    from nnstudio.gui.composition import PanelServices
    from nnstudio.gui.document import ProjectDocument
    from nnstudio.gui.live_model import LiveModel
    from nnstudio.gui.training.controller import TrainingController

    services = full_window().services
    assert isinstance(services, PanelServices)
    assert isinstance(services.document, ProjectDocument)
    assert isinstance(services.controller, TrainingController)
    assert isinstance(services.live, LiveModel)
    with pytest.raises(dataclasses.FrozenInstanceError):
        services.document = None


# ---- closing while training ----

def start_long_run(qtbot, window) -> None:
    import dataclasses

    document = window.document
    document.set_training_config(document.project.training.replace(epochs=100_000))
    controller = window.services.controller
    window.training.train_action.trigger()
    qtbot.waitUntil(lambda: len(controller.history.get("loss", [])) > 0 or
                    controller.state == "running", timeout=10_000)
    assert controller.state == "running"


def test_closing_while_training_asks_first_and_cancel_keeps_it_training(
        full_window, qtbot, user):
    window = full_window()
    start_long_run(qtbot, window)
    controller = window.services.controller
    seen: list[str] = []
    user.answer_next_dialog(QMessageBox.StandardButton.Cancel, seen)
    assert not window.close()
    assert seen and "training" in seen[0].lower()
    assert window.isVisible() and controller.state == "running"
    controller.stop()
    qtbot.waitUntil(lambda: controller.state == "idle", timeout=10_000)


def test_closing_while_training_and_saving_stops_records_and_saves(
        full_window, qtbot, user, tmp_path, monkeypatch):
    window = full_window()
    target = tmp_path / "closed.nnstudio"
    monkeypatch.setattr(window, "_ask_save_path", lambda: str(target))
    start_long_run(qtbot, window)
    user.answer_next_dialog(QMessageBox.StandardButton.Save)
    assert window.close()
    assert window.services.controller.state == "idle"
    from nnstudio.core.project import load_project

    assert load_project(target).project.runs  # the stopped run was recorded and saved
