"""Hover to enlarge: the pointer on a neuron (or an input) of the network view puts that
neuron's own output over the plane in the large decision-boundary picture, with the data and a
colour bar, equal to the engine's forward pass on the grid; off the neuron, the network's
output comes back."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from nnstudio.gui.live_model import LiveModel
from nnstudio.gui.panels.boundary_panel import RESOLUTION, BoundaryPanel
from nnstudio.gui.panels.network_panel import NetworkPanel
from tests.gui.panels.inspection_support import engine_outputs, example_document, show

pytestmark = pytest.mark.usefixtures("warm_torch")


def move_pointer(view, scene_point: QPointF | None) -> None:
    """The pointer moves to `scene_point` of the network view (None: a corner with nothing)."""
    viewport = view.viewport()
    local = (QPointF(view.mapFromScene(scene_point)) if scene_point is not None
             else QPointF(2, 2))
    event = QMouseEvent(QEvent.Type.MouseMove, local, QPointF(viewport.mapToGlobal(local)),
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, event)


def grid_values(document, live, node_id: str, unit: int) -> np.ndarray:
    """The engine's output of `unit` of `node_id` at every grid point, as the image's rows."""
    inputs = live.plane.inputs(RESOLUTION)
    return engine_outputs(document, inputs)[node_id][:, unit].reshape(RESOLUTION, RESOLUTION)


@pytest.fixture
def side_by_side(qtbot):
    document = example_document("spiral")
    live = LiveModel(document)
    network = show(qtbot, NetworkPanel(live))
    boundary = show(qtbot, BoundaryPanel(live), (700, 560))
    return document, live, network, boundary


def test_hovering_a_neuron_shows_its_own_output_and_leaving_restores_the_output(side_by_side):
    document, live, network, boundary = side_by_side
    output = boundary.image.image.copy()
    title = boundary.plot.getPlotItem().titleLabel.text
    assert boundary.mode == "scalar" and title == "Over the inputs x1 × x2"
    neuron = network.neuron_items[(1, 2)]
    node_id = neuron.column.shown_id
    move_pointer(network.view, neuron.sceneBoundingRect().center())
    assert live.hovered == (node_id, 2)
    assert boundary.mode == "neuron" and boundary.shown_neuron == (node_id, 2)
    expected = grid_values(document, live, node_id, 2)
    np.testing.assert_allclose(boundary.image.image, expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(boundary.image.image, output)
    assert boundary.legend.levels == (-1.0, 1.0)  # tanh's range
    assert boundary.legend.texts() == ("-1", "0", "1")
    assert f"neuron 3 of {node_id}" in boundary.plot.getPlotItem().titleLabel.text
    x, _ = boundary.train_points.getData()
    assert len(x) == live.prepared.train.n_samples  # the data stays on top
    move_pointer(network.view, None)  # off the neuron
    assert live.hovered is None and boundary.mode == "scalar"
    np.testing.assert_array_equal(boundary.image.image, output)
    assert boundary.plot.getPlotItem().titleLabel.text == title
    assert boundary.legend.levels == (0.0, 1.0)


def test_hovering_an_input_shows_that_input_and_leaving_the_view_restores(side_by_side):
    document, live, network, boundary = side_by_side
    output = boundary.image.image.copy()
    neuron = network.neuron_items[(0, 1)]
    move_pointer(network.view, neuron.sceneBoundingRect().center())
    node_id = neuron.column.shown_id
    assert boundary.shown_neuron == (node_id, 1)
    values = boundary.image.image
    np.testing.assert_allclose(values, grid_values(document, live, node_id, 1), rtol=1e-6)
    # Input x2 grows upwards only: each row one value, rising from the bottom row.
    assert np.ptp(values, axis=1).max() < 1e-6 and values[-1, 0] > values[0, 0]
    assert "input x2" in boundary.plot.getPlotItem().titleLabel.text
    assert boundary.legend.levels == (float(values.min()), float(values.max()))
    QApplication.sendEvent(network.view, QEvent(QEvent.Type.Leave))
    assert live.hovered is None
    np.testing.assert_array_equal(boundary.image.image, output)
