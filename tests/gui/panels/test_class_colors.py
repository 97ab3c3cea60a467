"""Class k has one colour in every view: the Data View, the decision boundary, the evaluation
and the twin runs all take it from the data's class legend, and captions name it truly."""

from __future__ import annotations

import pytest

from nnstudio.data.classes import class_color
from tests.gui.test_composition import full_window, projects, settle  # noqa: F401 (fixtures)
from tests.gui.two_projects import CELLS_CLASSES

pytestmark = pytest.mark.usefixtures("warm_torch")


def entry(name: str):
    from nnstudio.gui.panels.table import PANELS

    return next(e for e in PANELS if e.object_name == name)


def colours_by_label(item, labels) -> dict[int, set[str]]:
    brushes = item.data["brush"]
    found: dict[int, set[str]] = {}
    for brush, label in zip(brushes, labels):
        found.setdefault(int(label), set()).add(brush.color().name())
    return found


def test_class_k_has_the_same_colour_in_data_view_boundary_evaluation_and_twin_runs(
        full_window, projects, qtbot):  # noqa: F811
    cells, _ = projects
    window = full_window()
    assert window.open_path(cells, ask=False)
    expected = {k: class_color(k) for k in range(len(CELLS_CLASSES))}

    settle(qtbot, window, entry("data_view_dock"))
    data_view = window.panels["data_view_dock"]
    qtbot.waitUntil(lambda: len(data_view.scatter_items()) == 3, timeout=10_000)
    data_view_colours = {k: item.opts["brush"].color().name()
                         for k, item in enumerate(data_view.scatter_items())}
    assert [item.name() for item in data_view.scatter_items()] == list(CELLS_CLASSES)

    settle(qtbot, window, entry("boundary_dock"))
    boundary = window.panels["boundary_dock"]
    train = window.services.live.prepared.train
    boundary_colours = colours_by_label(boundary.train_points, train.y)

    settle(qtbot, window, entry("evaluation_dock"))
    evaluation = window.panels["evaluation_dock"]
    qtbot.waitUntil(lambda: evaluation.table.rowCount() == 3, timeout=10_000)
    evaluation_colours = {k: evaluation.class_color_of_row(k) for k in range(3)}

    twins = window.experiments.show_twins()
    view = twins.boundaries["A"]  # as a finished twin run shows its model
    assert view.show_model(window.document.network, window.document.weights,
                           window.services.live.prepared)
    twin_colours = colours_by_label(view.points, train.y)

    for k, colour in expected.items():
        assert data_view_colours[k] == colour
        assert boundary_colours[k] == {colour}
        assert evaluation_colours[k] == colour
        assert twin_colours[k] == {colour}
    twins.close()


def test_the_boundary_caption_names_the_classes_with_the_colours_they_are_drawn_in(
        full_window, projects, qtbot):  # noqa: F811
    _, spiral = projects
    window = full_window()
    assert window.open_path(spiral, ask=False)
    settle(qtbot, window, entry("boundary_dock"))
    caption = window.panels["boundary_dock"].caption.text()
    assert "“second arm” (blue)" in caption and "“first arm” (orange)" in caption
    assert class_color(1) == "#0877bd" and class_color(0) == "#f59322"
