"""The problems list: shape and graph errors; clicking one shows its layer."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt

from nnstudio.core.commands import SetParamCommand
from nnstudio.core.network import chain


def test_a_problem_is_listed_and_clicking_it_selects_and_centres_the_layer(make_window, qtbot):
    network = chain(("input", {"shape": (2,)}), *[("dense", {}) for _ in range(8)], ("conv1d", {}))
    window = make_window(network)
    problems = window.problems
    assert problems.messages() == [
        "conv1d_1 expects (channels, length) but dense_8 gives (8,): add a Reshape before it"]
    assert "1 problem" in window.problems_label.text()
    window.canvas.centerOn(QPointF(-2000, -2000))
    item = problems.list.item(0)
    qtbot.mouseClick(problems.list.viewport(), Qt.MouseButton.LeftButton,
                     pos=problems.list.visualItemRect(item).center())
    assert window.canvas.selected_ids() == ["conv1d_1"]
    visible = window.canvas.mapToScene(window.canvas.viewport().rect()).boundingRect()
    assert visible.contains(window.canvas.canvas.node_items["conv1d_1"].pos())
    assert window.inspector.node_id == "conv1d_1"


def test_the_list_empties_when_the_problem_is_fixed_and_says_so(make_window):
    window = make_window(chain(("input", {"shape": (1, 8, 8)}), ("dense", {})))
    assert window.problems.messages()
    assert window.canvas.canvas.node_items["dense_1"].has_error
    window.document.push(SetParamCommand("input_1", "shape", (64,)))
    assert window.problems.messages() == []
    assert "No problems" in window.problems.list.item(0).text()
    assert not window.canvas.canvas.node_items["dense_1"].has_error
    assert window.problems_label.text() == "✓ No problems"
