"""Views of a network with a class per position (the mirage's sum digits): evaluation lists a
sample as wrong when any digit is, and names answers digit by digit; the forward pass says how
many positions are right."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.gui.live_model import LiveModel
from nnstudio.gui.panels.evaluation_panel import EvaluationPanel
from nnstudio.gui.panels.forward_panel import ForwardPanel

from .inspection_support import example_document, show

pytestmark = pytest.mark.usefixtures("warm_torch")


def test_evaluation_counts_a_sum_wrong_when_any_digit_is_and_names_it_digit_by_digit(qtbot):
    document = example_document("mirage")
    panel = show(qtbot, EvaluationPanel(LiveModel(document)), (1000, 700))
    result = panel.result
    assert result.predicted.shape[1] == 4 and not result.is_binary
    wrong = (result.predicted != result.targets).any(axis=1)
    assert list(panel.misclassified) == list(np.flatnonzero(wrong))
    assert result.metrics["exact_match"] == pytest.approx(1 - wrong.mean())
    table = panel.sample_table
    first = panel.shown_samples()[0]
    truth = "".join(str(d) for d in result.targets[first])
    guess = "".join(str(d) for d in result.predicted[first])
    assert (table.item(0, 1).text(), table.item(0, 2).text()) == (truth, guess)
    probability = float(table.item(0, 3).text())
    chosen = result.probabilities[first, np.arange(4), result.predicted[first]]
    assert probability == pytest.approx(np.prod(chosen), abs=1e-3)


def test_the_forward_pass_says_how_many_digits_of_the_sum_are_right(qtbot):
    document = example_document("mirage")
    panel = show(qtbot, ForwardPanel(LiveModel(document)))
    text = panel.sample_label.text()
    assert text.startswith("true ") and "positions right" in text
    truth = text.split(";")[0].removeprefix("true ")
    assert len(truth) == 4 and truth.isdigit()


def test_the_data_view_describes_a_class_per_position():
    from nnstudio.core.examples import example_project
    from nnstudio.data.source import load_dataset
    from nnstudio.gui.panels.data_view_panel import describe

    dataset = load_dataset(example_project("mirage"))
    assert describe(dataset).endswith("60 inputs · 4 positions of 10 classes each")
