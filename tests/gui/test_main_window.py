"""The main window: files, the unsaved-changes prompt, title, recent files, panels, undo to the
exact start, and the plug-in points other parts of the app use."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDockWidget, QLabel, QMessageBox

from nnstudio.core.examples import example_project
from nnstudio.core.project import save_project
from nnstudio.gui.main_window import MainWindow

Save, Discard, Cancel, Ok = (QMessageBox.StandardButton.Save, QMessageBox.StandardButton.Discard,
                             QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Ok)


def edit(window) -> None:
    window.inspector.show_nodes(["dense_1"])
    window.inspector.editors["units"].setValue(5)


def test_a_user_builds_breaks_fixes_then_undoes_to_the_exact_start_and_redoes(
        make_window, user, qtbot):
    window = make_window()
    view, document = window.canvas, window.document
    start = document.network.to_dict()

    user.drag_layer(window.palette_widget, view, "dense",
                    user.node_centre(view, "dense_2") + QPointF(0, 110))
    wire = view.canvas.wire_items[("input_1", "dense_1")]
    user.drag_layer(window.palette_widget, view, "conv1d", wire.path().pointAtPercent(0.5))
    assert view.canvas.node_items["conv1d_1"].has_error  # a vector into a convolution
    assert any("conv1d_1" in m for m in window.problems.messages())
    view.setFocus()
    view.select_nodes(["conv1d_1"])
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert document.report.ok and window.problems.messages() == []
    user.drag_layer(window.palette_widget, view, "add",
                    user.node_centre(view, "dense_3") + QPointF(0, 110))
    user.drag(view, user.output_port(view, "dense_1"), user.input_port(view, "add_1"))
    window.inspector.show_nodes(["dense_3"])
    window.inspector.editors["units"].setValue(8)
    window.inspector.editors["activation"].setCurrentIndex(
        window.inspector.editors["activation"].findData("tanh"))
    end = document.network.to_dict()
    assert document.network.node("add_1").inputs == ("dense_3", "dense_1")
    assert "[*]" in window.windowTitle() and window.isWindowModified()

    steps = 0
    while window.undo_action.isEnabled():
        window.undo_action.trigger()
        steps += 1
    assert document.network.to_dict() == start
    assert set(view.canvas.node_items) == {"input_1", "dense_1", "dense_2"}
    assert not window.isWindowModified()
    for _ in range(steps):
        window.redo_action.trigger()
    assert document.network.to_dict() == end
    assert set(view.canvas.wire_items) == {
        ("input_1", "dense_1"), ("dense_1", "dense_2"), ("dense_2", "dense_3"),
        ("dense_3", "add_1"), ("dense_1", "add_1")}


def test_ctrl_z_and_ctrl_shift_z_undo_and_redo(make_window, qtbot):
    window = make_window()
    assert not window.undo_action.isEnabled()
    edit(window)
    assert window.undo_action.isEnabled() and window.undo_action.text() == "&Undo Set dense_1.units"
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.document.network.node("dense_1").params["units"] == 8
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.document.network.node("dense_1").params["units"] == 5


def test_delete_while_typing_in_the_inspector_edits_text_not_the_network(make_window, qtbot):
    window = make_window()
    window.canvas.select_nodes(["dense_1"])
    qtbot.wait(1)
    name = window.inspector.editors["__name__"]
    name.setFocus()
    assert name.hasFocus()
    name.setCursorPosition(0)
    qtbot.keyClick(name, Qt.Key.Key_Delete)
    assert name.text() == "ense_1"
    assert "dense_1" in window.document.network


def test_a_name_typed_in_the_inspector_applies_when_the_canvas_is_clicked(make_window, user,
                                                                         qtbot):
    window = make_window()
    window.canvas.select_nodes(["dense_1"])
    qtbot.wait(1)  # new form rows show on the next turn of the event loop
    name = window.inspector.editors["__name__"]
    name.setFocus()
    assert name.hasFocus()
    name.selectAll()
    qtbot.keyClicks(name, "hidden")
    window.canvas.setFocus()  # what a click on the canvas does first
    user.click(window.canvas, user.node_centre(window.canvas, "hidden"))
    assert window.document.network.node("dense_2").inputs == ("hidden",)
    assert window.canvas.selected_ids() == ["hidden"]
    assert window.inspector.editors["__name__"].text() == "hidden"


def test_closing_finishes_a_half_typed_edit_and_asks_to_save_it(make_window, user, qtbot):
    window = make_window()
    window.canvas.select_nodes(["dense_1"])
    qtbot.wait(1)
    name = window.inspector.editors["__name__"]
    name.setFocus()
    name.selectAll()
    qtbot.keyClicks(name, "hidden")  # typed, not yet applied: the field still has the focus
    assert not window.document.is_dirty
    seen = []
    user.answer_next_dialog(Cancel, seen)
    assert not window.close()
    assert "hidden" in window.document.network
    assert seen and window.isVisible()


def test_double_clicking_in_the_palette_appends_below_the_last_layer(make_window):
    window = make_window()
    window.palette_widget.layer_activated.emit("softmax")
    network = window.document.network
    assert network.node("softmax_1").inputs == ("dense_2",)
    assert network.node("softmax_1").position[1] > network.node("dense_2").position[1]


def test_the_status_bar_always_shows_parameters_and_problems(make_window):
    window = make_window()
    assert window.params_label.text() == "Parameters: 33"
    assert window.problems_label.text() == "✓ No problems"
    edit(window)
    assert window.params_label.text() == "Parameters: 21"
    window.statusBar().showMessage("something else")
    assert window.params_label.isVisible() and window.problems_label.isVisible()


def test_save_as_then_reopen_from_recent_files(make_window, tmp_path, monkeypatch):
    window = make_window()
    edit(window)
    target = tmp_path / "built"
    monkeypatch.setattr(window, "_ask_save_path", lambda: str(target))
    assert window.save()
    assert (tmp_path / "built.nnstudio").is_file()
    assert window.windowTitle() == "built[*] — NN Studio" and not window.isWindowModified()
    window._fill_recent_menu()
    entries = [a for a in window.recent_menu.actions() if a.text() == "built.nnstudio"]
    assert entries

    window.document.new_from_example("empty")
    entries[0].trigger()
    assert window.document.path == tmp_path / "built.nnstudio"
    assert window.document.network.node("dense_1").params["units"] == 5


def test_ctrl_s_saves_to_the_current_file(make_window, tmp_path, qtbot):
    window = make_window()
    assert window.document.save(tmp_path / "p.nnstudio") is None
    edit(window)
    assert window.isWindowModified()
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not window.isWindowModified()


def test_closing_with_unsaved_changes_asks_and_cancel_keeps_the_window(make_window, user):
    window = make_window()
    edit(window)
    seen = []
    user.answer_next_dialog(Cancel, seen)
    assert not window.close()
    assert window.isVisible() and "Save the changes" in seen[0]


def test_closing_and_discarding_closes_without_saving(make_window, user, settings):
    window = make_window()
    edit(window)
    user.answer_next_dialog(Discard)
    assert window.close()
    assert settings.value("window/geometry") is not None  # the layout is remembered


def test_closing_and_saving_saves_first(make_window, user, tmp_path, monkeypatch):
    window = make_window()
    edit(window)
    monkeypatch.setattr(window, "_ask_save_path", lambda: str(tmp_path / "kept.nnstudio"))
    user.answer_next_dialog(Save)
    assert window.close()
    assert (tmp_path / "kept.nnstudio").is_file()


def test_new_from_template_asks_about_unsaved_changes(make_window, user):
    window = make_window()
    edit(window)
    user.answer_next_dialog(Cancel)
    assert not window.new_from_example("digits_cnn")
    assert window.document.network.node("dense_1").params["units"] == 5
    user.answer_next_dialog(Discard)
    assert window.new_from_example("digits_cnn")
    assert "conv2d_1" in window.document.network
    assert window.windowTitle() == "Digits CNN[*] — NN Studio"


def test_the_new_menu_lists_every_template_with_the_empty_one_first(make_window):
    window = make_window()
    new_menu = window.menu("File").actions()[0].menu()
    keys = [a.data() for a in new_menu.actions()]
    assert keys[0] == "empty"
    assert set(keys) == {"empty", "seed_article", "spiral", "digits_mlp", "digits_cnn", "regression",
                         "grokking", "double_descent", "mirage"}


def test_opening_a_corrupt_file_shows_the_message_and_keeps_the_project(make_window, user,
                                                                         tmp_path):
    window = make_window()
    edit(window)
    bad = tmp_path / "broken.nnstudio"
    bad.write_text('{"format": "nnstudio-project", "format_version": 1, "network": 3}')
    before = window.document.network.to_dict()
    seen = []
    user.answer_next_dialog(Ok, seen)
    assert not window.open_path(bad, ask=False)
    assert "broken.nnstudio" in seen[0] and "network" in seen[0]
    assert window.document.network.to_dict() == before and window.isWindowModified()


def test_opening_asks_about_unsaved_changes_first(make_window, user, tmp_path):
    window = make_window()
    path = tmp_path / "other.nnstudio"
    save_project(path, example_project("regression"))
    edit(window)
    user.answer_next_dialog(Cancel)
    assert not window.open_path(path)
    assert window.document.path is None
    user.answer_next_dialog(Discard)
    assert window.open_path(path)
    assert window.document.path == path and window.windowTitle() == "other[*] — NN Studio"


def test_dropping_a_project_file_on_the_window_opens_it(make_window, qtbot, tmp_path):
    window = make_window()
    path = tmp_path / "dropped.nnstudio"
    save_project(path, example_project("digits_mlp"))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    target = window.canvas.viewport()  # dropped on the canvas: it passes it to the window
    point = target.rect().center()
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(point, *args)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(target, QDropEvent(QPointF(point), *args))
    qtbot.waitUntil(lambda: window.document.path == path, timeout=2000)
    assert "flatten_1" in window.document.network


def test_a_file_that_is_not_a_project_is_not_accepted_as_a_drop(make_window, tmp_path):
    window = make_window()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "data.csv"))])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


def test_add_panel_docks_a_widget_with_a_toggle_in_the_view_menu(make_window):
    window = make_window()
    panel = QLabel("metrics")
    dock = window.add_panel(panel, "Metrics", "metrics_dock", Qt.DockWidgetArea.BottomDockWidgetArea)
    assert isinstance(dock, QDockWidget) and dock.widget() is panel
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.BottomDockWidgetArea
    toggles = {a.text(): a for a in window.menu("View").actions()}
    assert toggles["Metrics"].isCheckable() and dock.isVisible()
    toggles["Metrics"].trigger()
    assert dock.isHidden()
    assert window.menu("Train").isEmpty() and window.menu("Export").isEmpty()


def test_a_close_guard_can_keep_the_window_open(make_window):
    window = make_window()
    calls = []
    window.add_close_guard(lambda: calls.append("asked") or False)
    assert not window.close()
    assert calls == ["asked"] and window.isVisible()


def test_window_layout_and_hidden_panels_are_restored(qtbot, make_document, settings):
    first = MainWindow(make_document(), settings=settings)
    qtbot.addWidget(first)
    first.resize(760, 560)  # the offscreen screen is 800×600
    first.show()
    first.problems_dock.hide()
    first.save_window_state()
    second = MainWindow(make_document(), settings=settings)
    qtbot.addWidget(second)
    second.show()
    assert second.size().width() == 760
    assert second.problems_dock.isHidden() and not second.inspector_dock.isHidden()


def test_the_install_hook_docks_its_panels_while_the_window_is_built(qtbot, make_document,
                                                                     settings):
    from PySide6.QtWidgets import QLabel

    window = MainWindow(make_document(), settings=settings,
                        install=lambda made: made.add_panel(QLabel("hi"), "Fake", "fake_dock"))
    qtbot.addWidget(window)
    assert window.findChild(QDockWidget, "fake_dock").widget().text() == "hi"
