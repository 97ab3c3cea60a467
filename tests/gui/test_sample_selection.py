"""One selected sample (the live model's): a row double-clicked in the Data View's table, a point
clicked on the decision boundary or a mistake double-clicked in the evaluation sets it, and the
Backprop view steps through that sample."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from nnstudio.gui.document import ProjectDocument
from tests.gui.projects import spiral_project

WAIT = 60_000
VIEWS = ("data_view_dock", "network_dock", "boundary_dock", "evaluation_dock", "backprop_dock")


@pytest.fixture
def window(composed_window, warm_torch):
    document = ProjectDocument(spiral_project(epochs=3))
    return composed_window(document, size=(1300, 850), panels=VIEWS)


def show(qtbot, window, dock: str):
    window.panel_docks[dock].show()  # the Learn layout puts some views away
    window.panel_docks[dock].raise_()
    panel = window.panels[dock]
    if hasattr(panel, "is_shown"):
        qtbot.waitUntil(panel.is_shown, timeout=WAIT)
    return panel


def backprop_result(qtbot, window, act) -> dict:
    """What the Backprop view computed after `act` picked a sample."""
    backprop = window.panels["backprop_dock"]
    with qtbot.waitSignal(backprop.task.succeeded, timeout=WAIT):
        act()
    return backprop.result


def double_click_row(qtbot, panel, row: int) -> None:
    """Scroll the Data View's table to `row` and double-click it, as a person does."""
    table = panel.table
    table.scrollTo(panel.table_model.index(row, 0))
    rect = table.visualRect(panel.table_model.index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_double_clicking_a_data_table_row_steps_through_that_sample(qtbot, window):
    panel = show(qtbot, window, "data_view_dock")
    qtbot.waitUntil(lambda: panel.split is not None, timeout=WAIT)
    row = int(panel.split.validation[4])  # the table lists the data's rows in file order
    result = backprop_result(qtbot, window, lambda: double_click_row(qtbot, panel, row))
    assert window.services.live.selected_sample == ("validation", 4)
    assert (result["split"], result["sample"]) == ("validation", 4)
    live = window.services.live
    expected = live.prepared.validation.x[4]
    np.testing.assert_allclose(result["input"], expected, rtol=1e-6)


def test_clicking_a_point_of_the_boundary_steps_through_that_sample(qtbot, window):
    boundary = show(qtbot, window, "boundary_dock")
    qtbot.waitUntil(lambda: len(boundary.train_points.points()) > 0, timeout=WAIT)
    points = boundary.train_points.points()
    # A point far from the others, so the click cannot land on a neighbour.
    spots = np.array([[p.pos().x(), p.pos().y()] for p in points])
    gaps = np.linalg.norm(spots[:, None] - spots[None], axis=2) + np.eye(len(spots)) * 1e9
    index = int(np.argmax(gaps.min(axis=1)))
    scene = boundary.train_points.mapToScene(points[index].pos())
    where = boundary.plot.mapFromScene(scene)

    def click() -> None:
        qtbot.mouseClick(boundary.plot.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(where.x(), where.y()))

    result = backprop_result(qtbot, window, click)
    assert window.services.live.selected_sample == ("train", index)
    assert (result["split"], result["sample"]) == ("train", index)


def test_double_clicking_a_mistake_in_the_evaluation_steps_through_it(qtbot, window):
    evaluation = show(qtbot, window, "evaluation_dock")
    qtbot.waitUntil(lambda: evaluation.redraws > 0 and evaluation.sample_table.rowCount() > 1,
                    timeout=WAIT)
    table = evaluation.sample_table
    rect = table.visualItemRect(table.item(1, 0))
    wanted = ("test", evaluation.shown_samples()[1])

    def double_click() -> None:
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    result = backprop_result(qtbot, window, double_click)
    assert window.services.live.selected_sample == wanted
    assert (result["split"], result["sample"]) == wanted



def fixed_rows_window(composed_window, tmp_path, how: str):
    """The spiral network on a CSV whose test rows are fixed: by a split column (`how`
    "column") or by a separate test file ("files"; the main file's own rows then split at
    random into training and validation)."""
    from dataclasses import replace

    from nnstudio.core.project import DataSource, SplitFile
    from nnstudio.data.importers import data_checksum

    rng = np.random.default_rng(0)

    def write(name: str, n: int, parts) -> None:
        points = rng.normal(size=(n, 2))
        lines = ["x1,x2,label,part"] + [
            f"{x:.4f},{y:.4f},{int(x * y > 0)},{parts[i % len(parts)]}"
            for i, (x, y) in enumerate(points)]
        (tmp_path / name).write_text("\n".join(lines) + "\n")

    write("data.csv", 90, ("train", "train", "test") if how == "column" else ("train",))
    options = {"target": "label", "features": ["x1", "x2"]}
    source = DataSource(kind="file", path="data.csv", format="csv", options=options,
                        sha256=data_checksum(tmp_path / "data.csv"))
    project = spiral_project(epochs=3)
    if how == "column":
        data = replace(project.data, source=source, split_column="part", test=0.0)
    else:
        write("test.csv", 20, ("train",))
        test_file = SplitFile("test.csv", data_checksum(tmp_path / "test.csv"))
        data = replace(project.data, source=source, test_file=test_file, test=0.0)
    project.data = data
    document = ProjectDocument(project)
    document.save(tmp_path / "fixed.nnstudio")
    return composed_window(document, size=(1300, 850), panels=VIEWS)


@pytest.mark.parametrize("how", ["column", "files"])
def test_with_fixed_rows_a_double_clicked_row_is_the_sample_training_uses(
        qtbot, composed_window, warm_torch, tmp_path, how):
    window = fixed_rows_window(composed_window, tmp_path, how)
    panel = show(qtbot, window, "data_view_dock")
    qtbot.waitUntil(lambda: panel.split is not None, timeout=WAIT)
    part = "test" if how == "column" else "validation"
    rows = getattr(panel.split, part)
    assert len(rows) and (how != "column" or list(rows[:3]) == [2, 5, 8])  # every third row
    result = backprop_result(qtbot, window, lambda: double_click_row(qtbot, panel, int(rows[4])))
    assert window.services.live.selected_sample == (part, 4)
    from nnstudio.data.source import prepare_project_data

    prepared = prepare_project_data(window.document.project, window.document.path)
    expected = getattr(prepared, part).x[4]  # as training prepares it
    np.testing.assert_allclose(result["input"], expected, rtol=1e-6)
