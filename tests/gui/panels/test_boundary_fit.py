"""The decision boundary's picture covers the data and nothing more: its ranges are the data's
plus the margin, one unit across is as long as one unit up when the two ranges are alike
(the spiral, a dataset from 0 to 1000), else the picture is square; with feature transforms it
lies in the data's own columns and each point's inputs are computed from them; a colour bar
gives the values at the scale's ends."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nnstudio.core.examples import example_project
from nnstudio.core.network import chain
from nnstudio.data.dataset import Dataset
from nnstudio.data.transforms import apply_transforms
from nnstudio.engine.probes import MARGIN
from nnstudio.gui.live_model import LiveModel
from nnstudio.gui.panels.boundary_panel import RESOLUTION, BoundaryPanel
from tests.gui.panels.inspection_support import (
    engine_outputs, example_document, seeded_weights, show,
)

pytestmark = pytest.mark.usefixtures("warm_torch")

PIXELS = [(0, 0), (10, 90), (99, 99), (57, 33), (99, 0), (50, 50)]


def settled(qtbot, panel, size=(1000, 520)) -> BoundaryPanel:
    """`panel` shown at `size` (wide and low, as a dock at 1366×768) once its layout settled."""
    show(qtbot, panel, size)
    qtbot.wait(100)  # the aspect box places the plot again once the axes took their size
    return panel


def view_box(panel):
    return panel.plot.getPlotItem().getViewBox()


def raw_view_ranges(panel) -> list[tuple[float, float]]:
    """The view's ranges across and up in the data's own units, as the ticks read them."""
    ranges = view_box(panel).viewRange()
    return [tuple(panel.axes[axis].raw(value) for value in ranges[i])
            for i, axis in enumerate(("bottom", "left"))]


def pixels_per_raw_unit(panel) -> tuple[float, float]:
    box = view_box(panel)
    (x0, x1), (y0, y1) = raw_view_ranges(panel)
    return box.width() / (x1 - x0), box.height() / (y1 - y0)


def padded(values: np.ndarray) -> tuple[float, float]:
    low, high = float(values.min()), float(values.max())
    return low - MARGIN * (high - low), high + MARGIN * (high - low)


def assert_fills_one_side(panel) -> None:
    """The drawing area is as large as the panel allows: the plot spans the box's width or
    its height."""
    plot, box = panel.plot.geometry(), panel.plot_box
    assert plot.width() >= box.width() - 2 or plot.height() >= box.height() - 2
    assert plot.width() <= box.width() + 1 and plot.height() <= box.height() + 1


def test_the_spiral_fills_its_panel_with_the_datas_range_at_equal_scale(qtbot):
    panel = settled(qtbot, BoundaryPanel(LiveModel(example_document("spiral"))))
    live = panel.live
    raw = live.raw_inputs(live.prepared.train.x)
    (x0, x1), (y0, y1) = raw_view_ranges(panel)
    for (low, high), column in (((x0, x1), 0), ((y0, y1), 1)):
        expected = padded(raw[:, column])
        span = expected[1] - expected[0]
        assert low == pytest.approx(expected[0], abs=0.02 * span)
        assert high == pytest.approx(expected[1], abs=0.02 * span)
    assert x1 - x0 < 14  # the spiral's ±5 and a margin, not the ±40 of a wide panel
    across, up = pixels_per_raw_unit(panel)
    assert panel.equal_units and across == pytest.approx(up, rel=0.03)
    assert_fills_one_side(panel)
    # A taller panel: the picture follows, still the data's range at equal scale.
    panel.resize(500, 900)
    qtbot.wait(150)
    assert raw_view_ranges(panel)[0][0] == pytest.approx(x0, abs=0.02 * (x1 - x0))
    across, up = pixels_per_raw_unit(panel)
    assert across == pytest.approx(up, rel=0.03)
    assert_fills_one_side(panel)


def csv_document(tmp_path, x_high: float, y_high: float):
    """A project on a CSV whose columns run 0…x_high and 0…y_high (two classes by a line)."""
    from nnstudio.data.cli_new import run_new
    from nnstudio.gui.document import ProjectDocument

    rng = np.random.default_rng(4)
    points = rng.uniform(0, 1, size=(160, 2))
    lines = ["width,height,label"] + [
        f"{a * x_high:.4f},{b * y_high:.6f},{int(a + b > 1)}" for a, b in points]
    (tmp_path / "wide.csv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "wide.nnstudio"
    assert run_new(["--data", str(tmp_path / "wide.csv"), "--target", "label",
                    "-o", str(out)]) == 0
    document = ProjectDocument()
    assert document.open(out) is None
    document.set_weights(seeded_weights(document.network, 2))
    return document


def test_data_from_0_to_1000_is_drawn_over_its_own_range_at_equal_scale(qtbot, tmp_path):
    panel = settled(qtbot, BoundaryPanel(LiveModel(csv_document(tmp_path, 1000, 1000))))
    raw = panel.live.raw_inputs(panel.live.prepared.train.x)
    for (low, high), column in zip(raw_view_ranges(panel), (0, 1)):
        expected = padded(raw[:, column])
        assert (low, high) == pytest.approx(expected, abs=0.02 * (expected[1] - expected[0]))
    assert raw_view_ranges(panel)[0][1] > 900  # ticks in the file's units, not ±1.7
    across, up = pixels_per_raw_unit(panel)
    assert panel.equal_units and across == pytest.approx(up, rel=0.03)
    assert_fills_one_side(panel)


def test_unlike_ranges_get_a_square_picture_each_axis_at_its_own_scale(qtbot, tmp_path):
    panel = settled(qtbot, BoundaryPanel(LiveModel(csv_document(tmp_path, 1000, 1))))
    raw = panel.live.raw_inputs(panel.live.prepared.train.x)
    (x0, x1), (y0, y1) = raw_view_ranges(panel)
    assert (x0, x1) == pytest.approx(padded(raw[:, 0]), abs=20)
    assert (y0, y1) == pytest.approx(padded(raw[:, 1]), abs=0.02)
    assert not panel.equal_units
    box = view_box(panel)
    assert box.width() == pytest.approx(box.height(), rel=0.03)
    assert_fills_one_side(panel)


def circle_document(transforms=("x1^2", "x2^2")):
    """The circle with inputs x1², x2² and no hidden layer, with weights that draw a ring."""
    from nnstudio.gui.document import ProjectDocument

    project = example_project("spiral")
    source = dataclasses.replace(project.data.source, name="circle", params={})
    network = chain(("input", {"shape": [len(transforms)]}),
                    ("dense", {"units": 1, "activation": "sigmoid"}))
    project = dataclasses.replace(project, network=network, data=dataclasses.replace(
        project.data, source=source, transforms=transforms))
    document = ProjectDocument(project)
    document.set_weights({"dense_1.weight": np.full((1, len(transforms)), -3.0, np.float32),
                          "dense_1.bias": np.array([1.0], np.float32)})
    return document


def test_with_transforms_the_plane_is_the_raw_columns_and_inputs_are_computed(qtbot):
    document = circle_document()
    panel = settled(qtbot, BoundaryPanel(LiveModel(document)), (800, 600))
    live = panel.live
    plane = live.plane
    assert plane.kind == "features" and plane.labels == ("x1", "x2")
    assert "the data's columns x1 × x2" in panel.plot.getPlotItem().titleLabel.text
    assert "inputs x1^2, x2^2 are computed" in panel.caption.text()
    # The points are the data's own columns (the circle's radius 5), not x1², x2².
    plain = dataclasses.replace(document.project.data, transforms=(), preprocessing="none")
    from nnstudio.data.source import prepare_project_data

    columns = prepare_project_data(dataclasses.replace(document.project, data=plain)).train.x
    x, y = panel.train_points.getData()
    axes = panel.axes
    np.testing.assert_allclose(np.column_stack([[axes["bottom"].raw(v) for v in x],
                                                [axes["left"].raw(v) for v in y]]),
                               columns, rtol=1e-4, atol=1e-4)
    assert columns.min() < -3 and columns.max() > 3
    # Each pixel: the model on x1², x2² of that point, scaled as in training.
    u, v = plane.coordinates(RESOLUTION)
    raw_points = np.array([[axes["bottom"].raw(u[c]), axes["left"].raw(v[r])]
                           for r, c in PIXELS])
    grid = Dataset("check", raw_points, np.zeros(len(PIXELS)), "regression", ("x1", "x2"))
    inputs = live.prepared.preprocessor.transform(
        apply_transforms(grid, ("x1^2", "x2^2")).x)
    expected = engine_outputs(document, inputs)[live.display.output_id][:, 0]
    for index, (row, column) in enumerate(PIXELS):
        assert panel.image.image[row, column] == pytest.approx(float(expected[index]),
                                                               rel=1e-4, abs=1e-5)
    # So the ring is a ring: inside (the centre) blue, outside (a corner) orange.
    assert panel.image.image[50, 50] > 0.9 and panel.image.image[0, 0] < 0.1


def test_the_colour_bar_gives_the_range_the_picture_uses(qtbot, tmp_path):
    panel = settled(qtbot, BoundaryPanel(LiveModel(example_document("spiral"))))
    assert panel.legend.isVisible() and panel.legend.texts() == ("0", "0.5", "1")
    assert panel.legend.levels == panel.levels == (0.0, 1.0)
    regression = settled(qtbot, BoundaryPanel(LiveModel(example_document("regression"))))
    y = regression.live.prepared.train.y
    assert regression.legend.levels == (float(y.min()), float(y.max()))
    assert regression.legend.texts()[0] == f"{float(y.min()):.3g}"
    several = settled(qtbot, BoundaryPanel(LiveModel(example_document("empty"))))
    assert several.mode == "classes" and not several.legend.isVisible()
