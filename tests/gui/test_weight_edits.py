"""Weights by hand: an edit changes one value, every view follows, undo restores the very
weights and where they came from, and the lineage says "then edited by hand"."""

from __future__ import annotations

import numpy as np
import pytest

from tests.gui.panels.inspection_support import example_document, show
from nnstudio.core.history import origin_text
from nnstudio.core.project import WeightsOrigin, load_project
from nnstudio.gui.live_model import LiveModel
from nnstudio.gui.panels.boundary_panel import BoundaryPanel
from nnstudio.gui.weight_edits import edit_weight

pytestmark = pytest.mark.usefixtures("warm_torch")


def trained_spiral():
    document = example_document("spiral")
    document.set_weights(document.weights, WeightsOrigin("run_1", 5))
    document.undo_stack.setClean()
    return document


def test_an_edit_sets_one_value_and_undo_restores_the_weights_bit_for_bit():
    document = trained_spiral()
    before = document.weights
    copies = {key: array.copy() for key, array in before.items()}
    assert edit_weight(document, "dense_1.weight", (2, 1), 1.5) is None
    after = document.weights
    assert after["dense_1.weight"][2, 1] == 1.5
    changed = [key for key in after if not np.array_equal(after[key], copies[key])]
    assert changed == ["dense_1.weight"]
    assert np.count_nonzero(after["dense_1.weight"] != copies["dense_1.weight"]) == 1
    assert document.weights_origin == WeightsOrigin("run_1", 5, edited=True)
    assert document.is_dirty and document.undo_stack.undoText() == "Set dense_1.weight[2, 1] to 1.5"

    assert document.undo()
    assert document.weights is before and document.weights_origin == WeightsOrigin("run_1", 5)
    assert all(np.array_equal(before[key], copies[key]) for key in copies)  # untouched
    assert document.redo() and document.weights["dense_1.weight"][2, 1] == 1.5


def test_a_hand_edit_moves_the_boundary_and_undo_puts_it_back(qtbot):
    document = trained_spiral()
    panel = BoundaryPanel(LiveModel(document))
    show(qtbot, panel, (600, 500))
    original = panel.image.image.copy()
    redraws = panel.redraws
    assert edit_weight(document, "dense_1.bias", (0,), 25.0) is None
    qtbot.waitUntil(lambda: panel.redraws > redraws, timeout=3000)
    assert not np.array_equal(panel.image.image, original)
    redraws = panel.redraws
    document.undo()
    qtbot.waitUntil(lambda: panel.redraws > redraws, timeout=3000)
    assert np.array_equal(panel.image.image, original)


def test_an_untrained_network_is_edited_from_its_fresh_weights():
    document = example_document("spiral")
    fresh = dict(document.weights)
    document.set_weights(None)
    assert edit_weight(document, "dense_1.bias", (0,), 0.5, fresh=fresh) is None
    assert document.weights["dense_1.bias"][0] == 0.5
    assert document.weights_origin is None  # no run made them: a continued run says so
    assert np.array_equal(document.weights["dense_1.weight"], fresh["dense_1.weight"])


@pytest.mark.parametrize("key, index, value, message", [
    ("dense_9.weight", (0, 0), 1.0, "no tensor dense_9.weight"),
    ("dense_1.weight", (99, 0), 1.0, "there is no entry [99, 0]"),
    ("dense_1.weight", (0,), 1.0, "there is no entry [0]"),
    ("dense_1.bias", (0,), float("nan"), "finite number"),
])
def test_impossible_edits_are_refused_with_a_reason_and_change_nothing(key, index, value, message):
    document = trained_spiral()
    before = document.weights
    assert message in edit_weight(document, key, index, value)
    assert document.weights is before and document.undo_stack.count() == 0


def test_edits_wait_while_training_holds_the_weights():
    document = trained_spiral()
    document.lock_edits("Stop training to edit the network.")
    assert edit_weight(document, "dense_1.bias", (0,), 1.0) == "Stop training to edit the network."
    assert document.undo_stack.count() == 0


def test_the_edited_mark_is_saved_and_named_in_the_lineage(tmp_path):
    document = trained_spiral()
    edit_weight(document, "dense_1.bias", (0,), 2.0)
    assert document.save(tmp_path / "edited.nnstudio") is None
    loaded = load_project(tmp_path / "edited.nnstudio")
    assert loaded.project.weights_origin == WeightsOrigin("run_1", 5, edited=True)
    assert loaded.weights["dense_1.bias"][0] == 2.0
    assert origin_text(loaded.project.weights_origin, []) == (
        "a deleted run (run_1), epoch 5, then edited by hand")
