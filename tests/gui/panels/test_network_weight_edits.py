"""Weights by hand on the Network view: a value typed in the neuron's list, a double-clicked
link or bias; the edit is undoable, the drawing follows, and edits are refused while the views
show an earlier epoch."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QLineEdit

from tests.gui.panels.inspection_support import example_document, show
from nnstudio.gui.live_model import LiveModel
from nnstudio.gui.panels.network_panel import NetworkPanel, link_width

pytestmark = pytest.mark.usefixtures("warm_torch")


@pytest.fixture
def panel(qtbot):
    document = example_document("spiral")
    document.undo_stack.setClean()
    return show(qtbot, NetworkPanel(LiveModel(document)), (900, 600))


def double_click_scene_point(qtbot, panel, point) -> None:
    position = panel.view.mapFromScene(point)
    qtbot.mouseDClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=position)


def test_a_value_typed_in_the_neurons_list_becomes_that_weight(panel, qtbot):
    document = panel.live.document
    qtbot.waitUntil(lambda: not panel.live.pending, timeout=3000)
    panel.select_neuron(1, 2)  # dense_1, unit 3: its weights from x1 and x2, then its bias
    table = panel.details
    cell = table.visualItemRect(table.item(1, 1)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell)  # as a person's
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell)  # double-click
    editor = table.findChild(QLineEdit)
    editor.selectAll()
    qtbot.keyClicks(editor, "-0.75")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the view commits the value a moment later
    qtbot.waitUntil(lambda: document.weights["dense_1.weight"][2, 1] == pytest.approx(-0.75),
                    timeout=3000)
    qtbot.waitUntil(lambda: panel.details_rows()[1][1] == pytest.approx(-0.75), timeout=3000)
    document.undo()
    qtbot.waitUntil(lambda: panel.details_rows()[1][1] != pytest.approx(-0.75), timeout=3000)


def test_a_double_clicked_link_asks_for_its_value_and_the_link_follows(panel, qtbot,
                                                                        monkeypatch):
    document = panel.live.document
    before = document.weights["dense_2.weight"].copy()
    (column, source, target), link = next(
        (place, link) for place, link in panel.link_items.items()
        if link.column.node_id == "dense_2")
    asked = []
    monkeypatch.setattr(QInputDialog, "getDouble",
                        lambda *args, **kwargs: (asked.append(args[2]) or (2.5, True)))
    double_click_scene_point(qtbot, panel, link.path().pointAtPercent(0.5))
    assert asked and "Weight from" in asked[0]
    after = document.weights["dense_2.weight"]
    assert after[target, source] == 2.5
    assert np.count_nonzero(after != before) == 1
    qtbot.waitUntil(lambda: link.pen().widthF() == pytest.approx(link_width(2.5)),
                    timeout=3000)
    document.undo()
    assert np.array_equal(document.weights["dense_2.weight"], before)


def test_a_double_clicked_bias_asks_for_the_bias(panel, qtbot, monkeypatch):
    document = panel.live.document
    (column, unit), bias = next(iter(panel.bias_items.items()))
    key = f"{panel.columns[column].node_id}.bias"
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *args, **kwargs: (0.125, True))
    double_click_scene_point(qtbot, panel, bias.sceneBoundingRect().center())
    assert document.weights[key][unit] == 0.125


def test_cancelling_the_question_changes_nothing(panel, qtbot, monkeypatch):
    document = panel.live.document
    _, link = next(iter(panel.link_items.items()))
    monkeypatch.setattr(QInputDialog, "getDouble", lambda *args, **kwargs: (9.0, False))
    double_click_scene_point(qtbot, panel, link.path().pointAtPercent(0.5))
    assert document.undo_stack.count() == 0


def test_an_earlier_epoch_on_screen_is_not_edited(panel, qtbot):
    document = panel.live.document
    rejected = []
    document.edit_rejected.connect(rejected.append)
    earlier = {key: array * 0.5 for key, array in document.weights.items()}
    panel.live.snapshot_source = lambda run, epoch: earlier
    panel.live.view_epoch(None, 3)
    assert not panel.set_weight("dense_1.bias", (0,), 1.0)
    assert "earlier epoch" in rejected[-1] and document.undo_stack.count() == 0


def test_text_that_is_not_a_number_is_refused_and_the_value_stays(panel, qtbot):
    document = panel.live.document
    rejected = []
    document.edit_rejected.connect(rejected.append)
    qtbot.waitUntil(lambda: not panel.live.pending, timeout=3000)
    panel.select_neuron(1, 0)
    before = panel.details_rows()[0][1]
    panel.details.item(0, 1).setText("lots")  # what the editor commits
    assert rejected == ["'lots' is not a number."] and document.undo_stack.count() == 0
    qtbot.waitUntil(lambda: panel.details.item(0, 1).text() != "lots", timeout=3000)
    assert panel.details_rows()[0][1] == before
