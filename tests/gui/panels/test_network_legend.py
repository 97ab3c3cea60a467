"""The Network view's colour scale: the last hidden layer's by default, the hovered neuron's
layer (or input) while the pointer is on one, hidden without heatmaps."""

from __future__ import annotations

import pytest

from tests.gui.panels.inspection_support import example_document, show
from nnstudio.gui.live_model import LiveModel
from nnstudio.gui.panels.network_panel import NetworkPanel

pytestmark = pytest.mark.usefixtures("warm_torch")


def test_the_scale_follows_the_layer_under_the_pointer(qtbot):
    panel = show(qtbot, NetworkPanel(LiveModel(example_document("spiral"))), (900, 600))
    qtbot.waitUntil(lambda: bool(panel.heatmap_levels), timeout=3000)
    assert panel.legend.isVisible()
    assert panel.legend.levels == (-1.0, 1.0) and "dense_2" in panel.legend.title  # tanh
    panel.live.set_hovered("dense_3", 0)  # the sigmoid output
    assert panel.legend.levels == (0.0, 1.0) and "dense_3" in panel.legend.title
    panel.live.set_hovered("input_1", 1)
    low, high = panel.heatmap_levels[0]
    assert panel.legend.levels == (float(low[1]), float(high[1])) and "x2" in panel.legend.title
    panel.live.set_hovered(None)
    assert "dense_2" in panel.legend.title


def test_images_have_no_heatmaps_and_no_scale(qtbot):
    panel = show(qtbot, NetworkPanel(LiveModel(example_document("digits_mlp"))), (900, 600))
    qtbot.waitUntil(lambda: panel.live.display is not None and not panel.live.pending,
                    timeout=5000)
    assert not panel.legend.isVisible()
