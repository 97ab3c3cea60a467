"""The canvas, used as a person would: drops from the palette, port-to-port drags, mouse moves,
keys; every check looks at both the network (the model) and the items (the view)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from nnstudio.core.commands import ConnectCommand, DisconnectCommand, MoveNodesCommand
from nnstudio.core.network import chain


def wires_of(window) -> set[tuple[str, str]]:
    return set(window.canvas.canvas.wire_items)


def test_dropping_a_palette_layer_below_the_last_layer_appends_and_wires_it(make_window, user):
    window = make_window()
    view, network = window.canvas, window.document.network
    below = user.node_centre(view, "dense_2") + QPointF(0, 110)

    assert user.drag_layer(window.palette_widget, view, "dropout", below)

    added = network.node("dropout_1")
    assert added.inputs == ("dense_2",)
    assert network.output_node().id == "dropout_1"
    assert ("dense_2", "dropout_1") in wires_of(window)
    assert view.selected_ids() == ["dropout_1"]
    assert window.inspector.node_id == "dropout_1"
    assert abs(added.position[1] - below.y()) <= 10  # where it was dropped, snapped to the grid


def test_a_plain_stack_needs_no_wiring_when_dropping_anywhere_off_the_wires(make_window, user):
    window = make_window(chain(("input", {"shape": (4,)})))
    view = window.canvas
    for index, key in enumerate(["dense", "relu", "dense", "softmax"]):
        user.drag_layer(window.palette_widget, view, key, QPointF(300, 100 * (index + 1)))
    network = window.document.network
    assert [n.id for n in network.topological_order()] == [
        "input_1", "dense_1", "relu_1", "dense_2", "softmax_1"]
    assert window.document.report.ok
    assert len(wires_of(window)) == 4


def test_dropping_a_layer_on_a_wire_inserts_it_and_makes_room_below(make_window, user):
    window = make_window()
    view, network = window.canvas, window.document.network
    wire = view.canvas.wire_items[("dense_1", "dense_2")]
    middle = wire.path().pointAtPercent(0.5)
    old_y = network.node("dense_2").position[1]

    assert user.drag_layer(window.palette_widget, view, "batchnorm", middle)

    assert network.node("batchnorm_1").inputs == ("dense_1",)
    assert network.node("dense_2").inputs == ("batchnorm_1",)
    assert wires_of(window) == {("input_1", "dense_1"), ("dense_1", "batchnorm_1"),
                                ("batchnorm_1", "dense_2")}
    assert network.node("dense_2").position[1] > old_y  # pushed down: nothing overlaps
    assert window.document.undo_stack.count() == 1  # insert and make room: one step


def test_dragging_a_layer_over_a_wire_highlights_the_wire_it_would_go_on(make_window, user, qtbot):
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent

    window = make_window()
    view = window.canvas
    wire = view.canvas.wire_items[("dense_1", "dense_2")]
    point = user.view_point(view, wire.path().pointAtPercent(0.5))
    mime = window.palette_widget.mime_data_for("dropout")
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.viewport(), QDragEnterEvent(point, *args))
    QApplication.sendEvent(view.viewport(), QDragMoveEvent(point, *args))
    assert wire.highlighted
    QApplication.sendEvent(view.viewport(), QDragMoveEvent(point + QPoint(400, 0), *args))
    assert not wire.highlighted


def test_a_drag_that_is_not_a_layer_is_refused_by_the_canvas(make_window, user):
    from PySide6.QtCore import QMimeData

    window = make_window()
    mime = QMimeData()
    mime.setText("dense")
    assert not user.drop_mime(window.canvas, mime, QPointF(0, 400))
    assert len(window.document.network) == 3


def test_port_to_port_drags_wire_a_branch_and_a_merge(make_window, user):
    window = make_window()
    view, network = window.canvas, window.document.network
    # An Add appended after dense_2, then a skip wire from dense_1 into it.
    user.drag_layer(window.palette_widget, view, "add",
                    user.node_centre(view, "dense_2") + QPointF(0, 120))
    assert network.node("add_1").inputs == ("dense_2",)
    assert window.document.report.errors  # an Add needs two inputs

    user.drag(view, user.output_port(view, "dense_1"), user.input_port(view, "add_1"))

    assert network.node("add_1").inputs == ("dense_2", "dense_1")
    assert {n.id for n in network.consumers("dense_1")} == {"dense_2", "add_1"}  # the branch
    assert ("dense_1", "add_1") in wires_of(window)
    # dense_2 has 1 unit and dense_1 has 8: the merge does not fit, and says so.
    assert view.canvas.node_items["add_1"].has_error
    window.inspector.show_nodes(["dense_2"])
    window.inspector.editors["units"].setValue(8)
    assert window.document.report.ok
    assert not view.canvas.node_items["add_1"].has_error


def test_dragging_from_an_input_port_back_to_an_output_port_also_connects(make_window, user):
    window = make_window()
    view, network = window.canvas, window.document.network
    user.drag_layer(window.palette_widget, view, "concatenate",
                    user.node_centre(view, "dense_2") + QPointF(0, 120))
    user.drag(view, user.input_port(view, "concatenate_1"), user.output_port(view, "input_1"))
    assert network.node("concatenate_1").inputs == ("dense_2", "input_1")


def test_a_wire_that_would_make_a_loop_is_refused_with_a_message(make_window, user):
    window = make_window()
    view, network = window.canvas, window.document.network
    before = network.to_dict()
    user.drag(view, user.output_port(view, "dense_2"), user.input_port(view, "dense_1"))
    assert network.to_dict() == before
    assert "cycle" in window.statusBar().currentMessage()
    assert window.document.undo_stack.count() == 0


def test_moving_selected_layers_with_the_mouse_is_one_undo_step(make_window, user):
    window = make_window()
    view, network = window.canvas, window.document.network
    view.select_nodes(["dense_1", "dense_2"])
    start = user.node_centre(view, "dense_1")
    user.drag(view, start, start + QPointF(200, 40))

    assert network.node("dense_1").position == (200.0, 130.0)
    assert network.node("dense_2").position == (200.0, 220.0)
    assert view.canvas.node_items["dense_2"].pos() == QPointF(200, 220)
    assert window.document.undo_stack.count() == 1
    window.document.undo_stack.undo()
    assert network.node("dense_1").position == (0.0, 90.0)
    assert view.canvas.node_items["dense_1"].pos() == QPointF(0, 90)


def test_rubber_band_selects_the_layers_it_covers(make_window, user):
    window = make_window()
    view = window.canvas
    top_left = view.canvas.node_items["dense_1"].sceneBoundingRect().topLeft() - QPointF(60, 20)
    bottom_right = view.canvas.node_items["dense_2"].sceneBoundingRect().bottomRight() + QPointF(60, 20)
    user.drag(view, top_left, bottom_right)
    assert sorted(view.selected_ids()) == ["dense_1", "dense_2"]
    assert window.inspector.title.text() == "2 layers selected"


def test_delete_key_removes_selected_layers_and_closes_the_chain(make_window, qtbot):
    window = make_window()
    view, network = window.canvas, window.document.network
    view.setFocus()
    view.select_nodes(["dense_1"])
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert network.ids() == ["input_1", "dense_2"]
    assert network.node("dense_2").inputs == ("input_1",)
    assert set(view.canvas.node_items) == {"input_1", "dense_2"}
    assert wires_of(window) == {("input_1", "dense_2")}


def test_backspace_on_a_selected_wire_disconnects_it(make_window, qtbot):
    window = make_window()
    view, network = window.canvas, window.document.network
    view.setFocus()
    view.canvas.wire_items[("dense_1", "dense_2")].setSelected(True)
    qtbot.keyClick(view, Qt.Key.Key_Backspace)
    assert network.node("dense_2").inputs == ()
    assert len(network) == 3
    assert ("dense_1", "dense_2") not in wires_of(window)


def test_copy_and_paste_adds_wired_copies_with_fresh_ids(make_window, qtbot):
    window = make_window()
    view, network = window.canvas, window.document.network
    view.setFocus()
    view.select_nodes(["dense_1", "dense_2"])
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)

    assert network.ids() == ["input_1", "dense_1", "dense_2", "dense_3", "dense_4"]
    assert network.node("dense_3").inputs == ()  # its input was not copied
    assert network.node("dense_4").inputs == ("dense_3",)  # the wire inside the copy stays
    assert network.node("dense_3").params == network.node("dense_1").params
    assert sorted(view.selected_ids()) == ["dense_3", "dense_4"]
    assert ("dense_3", "dense_4") in wires_of(window)


def test_cut_then_paste_puts_the_layer_back_under_its_name(make_window, qtbot):
    window = make_window()
    view, network = window.canvas, window.document.network
    view.setFocus()
    view.select_nodes(["dense_2"])
    qtbot.keyClick(view, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier)
    assert "dense_2" not in network
    qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert "dense_2" in network


def test_ctrl_d_duplicates_the_selection_beside_it(make_window, qtbot):
    window = make_window()
    view, network = window.canvas, window.document.network
    view.setFocus()
    view.select_nodes(["dense_1"])
    qtbot.keyClick(view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    copy = network.node("dense_3")
    assert copy.params == network.node("dense_1").params
    assert copy.position == (40.0, 130.0)
    assert view.selected_ids() == ["dense_3"]


def test_pasting_text_that_is_not_layers_changes_nothing(make_window, qtbot):
    window = make_window()
    view, network = window.canvas, window.document.network
    QApplication.clipboard().setText("hello")
    view.setFocus()
    before = network.to_dict()
    qtbot.keyClick(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert network.to_dict() == before
    assert "clipboard" in window.statusBar().currentMessage()


def test_select_all_then_delete_empties_the_canvas_and_undo_brings_it_back(make_window, qtbot):
    window = make_window()
    view, network = window.canvas, window.document.network
    before = network.to_dict()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert len(network) == 0 and not view.canvas.node_items
    window.undo_action.trigger()
    assert network.to_dict() == before
    assert set(view.canvas.node_items) == {"input_1", "dense_1", "dense_2"}


def test_tidy_layout_lays_a_branch_out_in_rows_as_one_undo_step(make_window, user):
    window = make_window()
    view, network = window.canvas, window.document.network
    window.document.push(MoveNodesCommand({"dense_1": (333.0, 17.0), "dense_2": (-250.0, 400.0)}))
    steps = window.document.undo_stack.count()
    window.canvas.tidy_action.trigger()
    ys = [network.node(i).position[1] for i in ("input_1", "dense_1", "dense_2")]
    xs = {network.node(i).position[0] for i in ("input_1", "dense_1", "dense_2")}
    assert ys[0] < ys[1] < ys[2] and len(xs) == 1
    assert window.document.undo_stack.count() == steps + 1
    assert window.document.undo_stack.undoText() == "Tidy layout"


def test_ctrl_wheel_zooms_and_f_fits_the_network(make_window, qtbot):
    window = make_window()
    view = window.canvas
    before = view.zoom_level()
    centre = QPointF(view.viewport().rect().center())
    wheel = QWheelEvent(centre, QPointF(view.viewport().mapToGlobal(centre.toPoint())),
                        QPointF(0, 0).toPoint(), QPointF(0, 240).toPoint(),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), wheel)
    assert view.zoom_level() > before
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F)
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    for item in view.canvas.node_items.values():
        assert visible.contains(item.sceneBoundingRect())
    qtbot.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert view.zoom_level() < before


def test_middle_drag_pans_the_view_without_editing(make_window, user):
    window = make_window()
    view = window.canvas
    before = view.mapToScene(view.viewport().rect().center())
    start = view.mapToScene(view.viewport().rect().center())
    user.drag(view, start, start + QPointF(120, 0), button=Qt.MouseButton.MiddleButton)
    after = view.mapToScene(view.viewport().rect().center())
    assert after.x() < before.x() - 50
    assert window.document.undo_stack.count() == 0


def test_the_scene_reuses_items_of_layers_that_did_not_change(make_window, user):
    window = make_window()
    view = window.canvas
    items = dict(view.canvas.node_items)
    user.drag_layer(window.palette_widget, view, "relu",
                    user.node_centre(view, "dense_2") + QPointF(0, 120))
    for node_id, item in items.items():
        assert view.canvas.node_items[node_id] is item


def test_a_node_shows_its_type_key_settings_shape_and_parameters(make_window):
    from nnstudio.gui.editor.items import key_params_text, shape_text

    window = make_window()
    item = window.canvas.canvas.node_items["dense_1"]
    assert key_params_text(item.node) == "8 units · relu"
    assert shape_text(item.info) == "→ (8,) · 24 params"
    assert "Output (8,), 24 parameters" in item.toolTip()


def test_dropping_onto_a_layer_puts_the_new_one_in_the_next_row(make_window, user):
    window = make_window()
    network = window.document.network
    user.drag_layer(window.palette_widget, window.canvas, "relu",
                    user.node_centre(window.canvas, "dense_1"))
    added = network.node("relu_1")
    assert added.inputs == ("dense_2",)
    assert added.position == (0.0, network.node("dense_2").position[1] + 100.0)


def test_while_dragging_a_dashed_wire_shows_where_the_layer_will_be_wired_from(make_window, user):
    from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent

    window = make_window()
    view = window.canvas
    point = user.view_point(view, user.node_centre(view, "dense_2") + QPointF(0, 150))
    mime = window.palette_widget.mime_data_for("dropout")
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.viewport(), QDragEnterEvent(point, *args))
    QApplication.sendEvent(view.viewport(), QDragMoveEvent(point, *args))
    preview = view._wire_preview
    assert preview is not None and preview.scene() is view.canvas
    assert preview.path().pointAtPercent(0) == user.output_port(view, "dense_2")
    QApplication.sendEvent(view.viewport(), QDragLeaveEvent())
    assert view._wire_preview is None
    assert len(window.document.network) == 3


def test_with_two_ends_a_drop_just_below_one_end_is_wired_after_it(make_window, user):
    window = make_window()
    view, network = window.canvas, window.document.network
    user.drag_layer(window.palette_widget, view, "dense", QPointF(400, 90))  # appended: 1 end
    window.document.push(DisconnectCommand("dense_2", "dense_3"))
    assert len(network.output_nodes()) == 2
    user.drag_layer(window.palette_widget, view, "tanh",
                    user.node_centre(view, "dense_3") + QPointF(0, 100))
    assert network.node("tanh_1").inputs == ("dense_3",)
    user.drag_layer(window.palette_widget, view, "sigmoid", QPointF(-600, -600))
    assert network.node("sigmoid_1").inputs == ()  # near no end: left for the user to wire


def test_a_wire_that_skips_layers_swings_out_beside_them(make_window):
    window = make_window(chain(("input", {"shape": (4,)}), ("dense", {"units": 4}),
                               ("dense", {"units": 4}), ("add", {})))
    window.document.push(ConnectCommand("input_1", "add_1"))
    scene = window.canvas.canvas
    skip = scene.wire_items[("input_1", "add_1")]
    middle = skip.path().pointAtPercent(0.5)
    for node_id in ("dense_1", "dense_2"):
        assert not scene.node_items[node_id].sceneBoundingRect().contains(middle)
    assert skip.path().pointAtPercent(0.5).x() > 100


def test_holding_space_and_dragging_pans_instead_of_moving_or_selecting(make_window, user, qtbot):
    window = make_window()
    view, network = window.canvas, window.document.network
    view.setFocus()
    before = view.mapToScene(view.viewport().rect().center())
    start = user.node_centre(view, "dense_1")
    qtbot.keyPress(view, Qt.Key.Key_Space)
    user.drag(view, start, start + QPointF(150, 0))
    qtbot.keyRelease(view, Qt.Key.Key_Space)
    after = view.mapToScene(view.viewport().rect().center())
    assert after.x() < before.x() - 50
    assert network.node("dense_1").position == (0.0, 90.0)
    assert window.document.undo_stack.count() == 0
    assert view.dragMode() == view.DragMode.RubberBandDrag and view.isInteractive()
