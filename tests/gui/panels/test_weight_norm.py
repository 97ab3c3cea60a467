"""The norm of all weights over the epochs: sent with the gradient norms, recorded every epoch by
the Weights panel and drawn under them (grokking's slow fall under weight decay)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.core.examples import example_project
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.callbacks import Callback
from nnstudio.engine.trainer import fit
from nnstudio.gui.live_model import LiveModel
from nnstudio.gui.panels.weights_panel import WeightsPanel

from .inspection_support import show
from .test_weights_panel import train, training_window_parts

pytestmark = pytest.mark.usefixtures("warm_torch")


def norm_of(weights) -> float:
    return math.sqrt(sum(float(np.square(a.astype(np.float64)).sum()) for a in weights.values()))


class Norms(Callback):
    wants_gradient_norms = True

    def __init__(self):
        self.values = []

    def on_epoch_end(self, snapshot):
        self.values.append(snapshot.weight_norm)


@pytest.mark.parametrize("path", ["torch", "auto"])  # auto: the NumPy fast path for the spiral
def test_each_epoch_sends_the_norm_of_all_weights_when_norms_are_asked_for(path):
    project = example_project("spiral")
    asked = Norms()
    result = fit(project.network, prepare_project_data(project),
                 project.training.replace(epochs=5), [asked], path=path)
    assert len(asked.values) == 5 and all(v > 0 for v in asked.values)
    assert asked.values[-1] == pytest.approx(norm_of(result.weights), rel=1e-5)
    quiet = Norms()
    quiet.wants_gradient_norms = False
    fit(project.network, prepare_project_data(project), project.training.replace(epochs=2),
        [quiet], path=path)
    assert quiet.values == [None, None]


def test_the_weights_panel_records_and_draws_the_weight_norm_of_every_epoch(qtbot):
    document, controller = training_window_parts(qtbot, epochs=12)
    live = LiveModel(document)
    controller.add_callback_factory(live.make_request)
    panel = show(qtbot, WeightsPanel(live, controller), (1000, 620))
    sent = train(qtbot, controller)
    history = panel.history
    assert history.weight_norms == [s.weight_norm for s in sent]
    assert history.weight_norms[-1] == pytest.approx(norm_of(document.weights), rel=1e-5)
    qtbot.waitUntil(lambda: panel.weight_norm_curve.getData()[0] is not None
                    and len(panel.weight_norm_curve.getData()[0]) == 12, timeout=3000)
    epochs, values = panel.weight_norm_curve.getData()
    assert list(epochs) == list(range(1, 13)) and list(values) == history.weight_norms
