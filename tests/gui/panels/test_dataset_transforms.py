"""The data panel's network inputs: ticking Playground's transforms for two-column data sets
`data.transforms` and the network's input shape; the plain columns write no key."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.gui.panels.test_dataset_panel import make_panel  # noqa: F401 (a fixture)


def click(qtbot, box):
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)


def shown(make_panel, qtbot):
    panel = make_panel()
    qtbot.waitUntil(lambda: panel.transforms_group.isVisible())
    return panel


def input_shape(panel):
    return list(panel.document.network.input_nodes()[0].params["shape"])


def test_ticking_inputs_sets_the_transforms_and_the_input_shape(make_panel, qtbot):
    panel = shown(make_panel, qtbot)
    boxes = panel.transform_boxes
    assert list(boxes) == ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    assert [box.isChecked() for box in boxes.values()] == [True, True] + [False] * 5
    click(qtbot, boxes["x1^2"])
    click(qtbot, boxes["x2^2"])
    assert panel.document.project.data.transforms == ("x1", "x2", "x1^2", "x2^2")
    assert input_shape(panel) == [4]
    qtbot.waitUntil(lambda: "2 columns → 4 network inputs" in panel.summary.text())
    click(qtbot, boxes["x1"])
    click(qtbot, boxes["x2"])
    assert panel.document.project.data.transforms == ("x1^2", "x2^2")
    assert input_shape(panel) == [2]
    for text in ("x1", "x2", "x1^2", "x2^2"):
        click(qtbot, boxes[text])
    assert panel.document.project.data.transforms == ()  # the columns as they are: no key
    assert input_shape(panel) == [2]


def test_the_last_input_cannot_be_unticked(make_panel, qtbot):
    panel = shown(make_panel, qtbot)
    click(qtbot, panel.transform_boxes["x1"])
    click(qtbot, panel.transform_boxes["x2"])
    assert panel.transform_boxes["x2"].isChecked()
    assert panel.document.project.data.transforms == ("x2",)
    assert "at least one input" in panel.problem.text()


def test_inputs_are_offered_only_for_two_columns_and_locked_while_training(make_panel, qtbot):
    from tests.gui.panels.test_dataset_panel import choose

    panel = shown(make_panel, qtbot)
    panel.controller.state_changed.emit("running")
    assert not panel.transforms_group.isEnabled()
    panel.controller.state_changed.emit("idle")
    choose(panel.dataset_combo, "iris")
    qtbot.waitUntil(lambda: not panel.transforms_group.isVisible())
