"""The decision boundary on every example: the image equals the network's output over the
plane, points sit where the data is, test points and discretize toggle, the plane can be two
chosen features or the principal components, and image inputs get a note instead."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from tests.gui.panels.inspection_support import (
    EXAMPLE_KEYS, IMAGE_EXAMPLES, PLANE_EXAMPLES, TOKEN_EXAMPLES, colour_count, engine_outputs,
    example_document, scaled_weights, show,
)
from nnstudio.gui.live_model import LiveModel
from nnstudio.gui.panels.boundary_panel import FEATURES_ITEM, PCA_ITEM, RESOLUTION, BoundaryPanel

pytestmark = pytest.mark.usefixtures("warm_torch")

PIXELS = [(0, 0), (10, 90), (99, 99), (57, 33), (99, 0)]


@pytest.fixture
def open_panel(qtbot):
    def make(key: str, seed: int = 3) -> BoundaryPanel:
        document = example_document(key, seed)
        panel = BoundaryPanel(LiveModel(document))
        panel.document = document
        return show(qtbot, panel, (700, 560))

    return make


def expected_output(panel, pixels=PIXELS) -> np.ndarray:
    """The engine's output (n, k) at the plane points of image pixels (row, column)."""
    inputs = np.stack([panel.live.plane.point_inputs(*panel.pixel_point(r, c)) for r, c in pixels])
    return engine_outputs(panel.document, inputs)[panel.live.display.output_id]


@pytest.mark.parametrize("key", EXAMPLE_KEYS)
def test_every_example_renders_a_boundary_or_says_why_there_is_none(open_panel, key):
    panel = open_panel(key)
    if key in IMAGE_EXAMPLES:
        assert panel.stack.currentWidget() is panel.note
        assert "no input plane" in panel.note.text()
        assert colour_count(panel) > 5  # the words are drawn
    elif key in TOKEN_EXAMPLES:
        assert panel.stack.currentWidget() is panel.note
        assert "token ids read by an Embedding" in panel.note.text()
    else:
        assert panel.stack.currentIndex() == 0
        assert colour_count(panel.plot) > 50
        assert panel.values is not None and panel.caption.text().startswith("Colour:")


@pytest.mark.parametrize("key", PLANE_EXAMPLES)
def test_each_pixel_of_the_boundary_equals_the_networks_output_at_that_input(open_panel, key):
    panel = open_panel(key)
    image = panel.image.image
    assert image.dtype == np.float32 and image.flags.c_contiguous
    assert image.shape == (RESOLUTION, RESOLUTION)
    assert panel.image.levels is not None and tuple(panel.image.levels) == panel.levels
    expected = expected_output(panel)
    for index, (row, column) in enumerate(PIXELS):
        assert image[row, column] == pytest.approx(float(expected[index, 0]), rel=1e-5, abs=1e-6)


def test_the_image_sits_on_the_plane_pixel_centres_at_their_inputs(open_panel):
    panel = open_panel("spiral")
    for row, column in PIXELS:
        centre = panel.image.mapToParent(QPointF(column + 0.5, row + 0.5))
        u, v = panel.pixel_point(row, column)
        assert (centre.x(), centre.y()) == pytest.approx((u, v), abs=1e-6)


def test_a_classifiers_probability_uses_fixed_levels_from_zero_to_one(open_panel):
    panel = open_panel("spiral")
    assert panel.levels == (0.0, 1.0)
    assert "probability of “second arm” (blue) against “first arm” (orange)" in \
        panel.caption.text()


def test_training_points_sit_where_the_data_is_coloured_by_class(open_panel):
    panel = open_panel("spiral")
    train = panel.live.prepared.train
    x, y = panel.train_points.getData()
    np.testing.assert_allclose(np.column_stack([x, y]), train.x, rtol=1e-6)
    brushes = [spot.brush().color().name() for spot in panel.train_points.points()]
    from nnstudio.gui.panels.heatmap import CLASS_COLORS

    assert brushes == [CLASS_COLORS[int(label)] for label in train.y]


def test_test_points_appear_when_asked_for(open_panel, qtbot):
    panel = open_panel("spiral")
    assert not panel.test_points.isVisible()
    qtbot.mouseClick(panel.test_check, Qt.MouseButton.LeftButton)
    assert panel.test_points.isVisible()
    x, y = panel.test_points.getData()
    np.testing.assert_allclose(np.column_stack([x, y]), panel.live.prepared.test.x, rtol=1e-6)


def test_discretize_shows_only_the_decision(open_panel, qtbot):
    panel = open_panel("spiral")
    smooth = panel.image.image.copy()
    qtbot.mouseClick(panel.discrete_check, Qt.MouseButton.LeftButton)
    decided = panel.image.image
    assert set(np.unique(decided).tolist()) == {0.0, 1.0}  # both classes somewhere
    np.testing.assert_array_equal(decided == 1.0, smooth >= 0.5)
    qtbot.mouseClick(panel.discrete_check, Qt.MouseButton.LeftButton)
    np.testing.assert_allclose(panel.image.image, smooth)


def test_regression_draws_the_output_surface_over_the_principal_components(open_panel):
    panel = open_panel("regression")
    plane = panel.live.plane
    assert plane.kind == "pca" and panel.plane_controls.isVisible()
    assert panel.plane_combo.currentText() == PCA_ITEM
    train = panel.live.prepared.train
    assert panel.levels == (float(train.y.min()), float(train.y.max()))
    centred = train.x - train.x.mean(axis=0)
    _, _, vt = np.linalg.svd(centred.astype(np.float64), full_matrices=False)
    x, y = panel.train_points.getData()
    np.testing.assert_allclose(np.abs(np.column_stack([x, y])), np.abs(centred @ vt[:2].T),
                               rtol=1e-4, atol=1e-4)


def test_choosing_two_features_holds_the_others_at_their_median(open_panel, qtbot):
    panel = open_panel("regression")
    panel.plane_combo.setCurrentText(FEATURES_ITEM)
    panel.plane_combo.activated.emit(panel.plane_combo.currentIndex())
    panel.x_combo.setCurrentText("bmi")
    panel.x_combo.activated.emit(panel.x_combo.currentIndex())
    panel.y_combo.setCurrentText("s5")
    panel.y_combo.activated.emit(panel.y_combo.currentIndex())
    plane = panel.live.plane
    assert plane.kind == "features" and plane.labels == ("bmi", "s5")
    assert panel.x_combo.isVisible() and panel.y_combo.isVisible()
    names = panel.live.feature_names
    others = [i for i in range(len(names)) if names[i] not in ("bmi", "s5")]
    median = np.median(panel.live.prepared.train.x, axis=0)
    np.testing.assert_allclose(plane.origin[others], median[others])
    expected = expected_output(panel)
    for index, (row, column) in enumerate(PIXELS):
        assert panel.image.image[row, column] == pytest.approx(float(expected[index, 0]),
                                                               rel=1e-5, abs=1e-5)
    assert panel.plot.getPlotItem().getAxis("bottom").labelText == "bmi"


def test_the_same_feature_twice_moves_the_other_axis_along(open_panel):
    panel = open_panel("regression")
    panel.plane_combo.setCurrentText(FEATURES_ITEM)
    panel.plane_combo.activated.emit(panel.plane_combo.currentIndex())
    panel.y_combo.setCurrentIndex(panel.x_combo.currentIndex())
    panel.y_combo.activated.emit(panel.y_combo.currentIndex())
    choice = panel.live.plane_choice
    assert choice[0] == "features" and choice[1] != choice[2]


def test_two_feature_data_has_no_plane_controls(open_panel):
    panel = open_panel("spiral")
    assert not panel.plane_controls.isVisible()


def test_new_weights_redraw_the_boundary(open_panel, qtbot):
    panel = open_panel("spiral")
    document = panel.document
    redraws = panel.redraws
    document.set_weights(scaled_weights(document.weights, -1.0))
    qtbot.waitUntil(lambda: panel.redraws > redraws, timeout=3000)
    expected = expected_output(panel)
    for index, (row, column) in enumerate(PIXELS):
        assert panel.image.image[row, column] == pytest.approx(float(expected[index, 0]),
                                                               rel=1e-5, abs=1e-6)


def test_several_outputs_colour_each_region_by_the_class_the_network_picks(open_panel):
    panel = open_panel("empty")  # the input is the output: two values, so two "classes"
    assert panel.mode == "classes"
    image = panel.image.image
    assert image.dtype == np.uint8 and image.shape == (RESOLUTION, RESOLUTION, 4)
    from nnstudio.gui.panels.heatmap import CLASS_COLORS
    from PySide6.QtGui import QColor

    expected = expected_output(panel)
    for index, (row, column) in enumerate(PIXELS):
        winner = int(np.argmax(expected[index]))
        panel.discrete_check.setChecked(True)
        colour = QColor(CLASS_COLORS[winner])
        assert tuple(panel.image.image[row, column, :3]) == (colour.red(), colour.green(),
                                                              colour.blue())


def test_a_hidden_panel_does_no_work(qtbot):
    document = example_document("spiral")
    panel = BoundaryPanel(LiveModel(document))
    qtbot.addWidget(panel)
    document.set_weights(scaled_weights(document.weights, 2.0))
    qtbot.wait(250)
    assert panel.redraws == 0 and panel.values is None


def test_the_axes_read_the_datas_own_units_while_the_plane_stays_scaled(qtbot, tmp_path):
    """A standardized CSV: the points sit at the scaled values the network sees, the ticks say
    the millimetres the file holds, and the caption says which is which."""
    from nnstudio.gui.document import ProjectDocument
    from tests.gui.two_projects import save_cells_project

    document = ProjectDocument()
    assert document.open(save_cells_project(tmp_path)) is None
    panel = show(qtbot, BoundaryPanel(LiveModel(document)), (700, 600))
    live = panel.live
    raw = live.prepared.preprocessor.inverse_transform(live.prepared.train.x)
    axis = panel.axes["bottom"]
    x, _ = panel.train_points.getData()
    np.testing.assert_allclose(x, live.prepared.train.x[:, 0], rtol=1e-6)  # scaled inside
    np.testing.assert_allclose([axis.raw(v) for v in x], raw[:, 0], rtol=1e-5)
    low, high = panel.plot.getPlotItem().viewRange()[0]
    levels = axis.tickValues(low, high, 600)
    ticks = [value for _, values in levels for value in values]
    shown = [float(text) for spacing, values in levels
             for text in axis.tickStrings(values, 1.0, spacing)]
    assert min(shown) >= raw[:, 0].min() - 5 and max(shown) <= raw[:, 0].max() + 5
    assert max(shown) > 5  # radius in mm (about 9 to 21), not standard deviations (±2.5)
    np.testing.assert_allclose(shown, [axis.raw(t) for t in ticks], rtol=1e-3, atol=1e-3)
    assert "data's own units; the network sees them standardized" in panel.caption.text()
