"""Fit to Window keeps the nodes' texts readable: never below 8 points on screen; a network too
large for that (the digits CNN in a small window) is shown from its start and scrolls."""

from __future__ import annotations

from PySide6.QtCore import Qt

from nnstudio.core.examples import example_project
from nnstudio.gui.editor.items import MIN_TEXT_POINTS, node_font


def text_points_on_screen(view) -> float:
    return node_font(view.viewport().font()).pointSizeF() * view.zoom_level()


def test_fit_keeps_node_text_readable_and_scrolls_a_network_too_tall_for_it(make_window, qtbot):
    from nnstudio.gui.document import ProjectDocument

    window = make_window(document=ProjectDocument(example_project("digits_cnn")))
    window.resize(1100, 560)  # a small screen, or a canvas sharing it with docks
    view = window.canvas
    # Fitted whole, the CNN's nine layers would be drawn with text below 8 points.
    qtbot.waitUntil(lambda: (view._items_rect().height() + 60) * view.readable_zoom()
                    > view.viewport().height(), timeout=2000)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F)
    assert text_points_on_screen(view) >= MIN_TEXT_POINTS - 1e-6
    items = view._items_rect()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    # The CNN's nine layers do not fit at that size: the view scrolls, from the input down.
    assert items.height() > visible.height()
    first = view.canvas.node_items["input_1"].sceneBoundingRect()
    assert visible.contains(first)
    assert abs(visible.center().x() - items.center().x()) < 1  # its width fits: centred
    bar = view.verticalScrollBar()
    # The user scrolls down to the network's end.
    bar.setValue(bar.value() + round((items.bottom() - visible.bottom()) * view.zoom_level()))
    last = view.canvas.node_items[window.document.network.output_node().id]
    assert view.mapToScene(view.viewport().rect()).boundingRect().intersects(
        last.sceneBoundingRect())


def test_a_network_that_fits_readably_is_fitted_whole(make_window, qtbot):
    window = make_window()  # three layers
    view = window.canvas
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F)
    assert text_points_on_screen(view) >= MIN_TEXT_POINTS - 1e-6
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    for item in view.canvas.node_items.values():
        assert visible.contains(item.sceneBoundingRect())
