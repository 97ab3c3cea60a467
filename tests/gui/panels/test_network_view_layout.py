"""The network view at Playground's size and as an editor, acting as a user: on a 1366x768
screen the first window's network tiles are at least 32 pixels and its labels at least 9 points
(the spiral, and a network with a 16-unit layer); the layers follow the view's shape; "+N more"
draws a layer's other neurons; the wheel zooms; the input tiles switch the project's computed
inputs on and off, and +/− change neurons and hidden layers, each undone in one step; a hovered
neuron's output fills the output picture."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QGraphicsSimpleTextItem

from nnstudio.gui.document import ProjectDocument
from nnstudio.gui.live_model import LiveModel
from nnstudio.gui.panels.network_layout import COLUMNS, MIN_TILE, ROWS
from nnstudio.gui.panels.heatmap import to_rgba
from nnstudio.gui.panels.network_panel import LABEL_POINTS, PICTURE_RESOLUTION, NetworkPanel
from tests.gui.panels.inspection_support import example_document, show
from tests.gui.projects import spiral_project

pytestmark = pytest.mark.usefixtures("warm_torch")


def sixteen_unit_document() -> ProjectDocument:
    return ProjectDocument(spiral_project(units=16))


def drawn_sizes(panel: NetworkPanel) -> tuple[float, float]:
    """The smallest tile on screen, in pixels, and the smallest text, in points."""
    zoom = panel.view.transform().m11()
    tiles = [item.rect().width() for item in panel.neuron_items.values()]
    texts = [item.font().pointSizeF() for item in panel.scene.items()
             if isinstance(item, QGraphicsSimpleTextItem)]
    return min(tiles) * zoom, min(texts) * zoom


@pytest.mark.parametrize("make", [lambda: example_document("spiral"), sixteen_unit_document],
                         ids=["spiral example", "16-unit layer"])
def test_the_first_window_on_a_laptop_screen_draws_the_network_at_playground_size(
        composed_window, qtbot, make):
    window = composed_window(make())
    screen = QApplication.primaryScreen().availableGeometry()
    assert (screen.width(), screen.height()) == (1366, 768)
    assert screen.contains(window.frameGeometry())
    panel = window.panels["network_dock"]
    qtbot.waitUntil(lambda: panel.redraws > 0 and bool(panel.neuron_items), timeout=5000)
    assert panel.is_shown()  # the network view is in front, not behind a tab
    tile, text = drawn_sizes(panel)
    assert tile >= MIN_TILE and text >= LABEL_POINTS
    # The output's decision picture, large beside the network.
    assert panel.picture is not None
    assert panel.picture.sceneBoundingRect().width() >= 3 * panel.plan.tile
    hidden_layer = panel.columns[1]
    drawn = sum(1 for column, _ in panel.neuron_items if column == 1)
    assert drawn + panel.plan.hidden[1] == hidden_layer.units
    assert (panel.plan.hidden[1] > 0) == (1 in panel.more_items)


def test_the_layers_are_columns_in_a_wide_view_and_rows_in_a_tall_one(qtbot):
    panel = show(qtbot, NetworkPanel(LiveModel(example_document("spiral"))), (1400, 460))
    assert panel.plan.orientation == COLUMNS
    xs = [panel.neuron_items[(column, 0)].sceneBoundingRect().center().x() for column in range(4)]
    assert xs == sorted(xs) and len(set(xs)) == 4
    panel.resize(460, 1200)
    qtbot.waitUntil(lambda: panel.plan.orientation == ROWS and not panel.stale, timeout=3000)
    ys = [panel.neuron_items[(column, 0)].sceneBoundingRect().center().y() for column in range(4)]
    assert ys == sorted(ys) and len(set(ys)) == 4


def test_more_draws_the_rest_of_a_large_layer_and_fewer_puts_it_back(qtbot, user):
    panel = show(qtbot, NetworkPanel(LiveModel(sixteen_unit_document())), (640, 330))
    hidden = panel.plan.hidden[1]
    assert hidden > 0 and panel.more_items[1].label.text() == f"+{hidden} more"
    user.click(panel.view, panel.more_items[1].sceneBoundingRect().center())
    qtbot.waitUntil(lambda: len([k for k in panel.neuron_items if k[0] == 1]) == 16,
                    timeout=3000)
    assert panel.plan.hidden[1] == 0 and panel.more_items[1].label.text() == "fewer"
    assert len([k for k in panel.link_items if k[0] == 1]) == 2 * 16  # every link drawn
    user.click(panel.view, panel.more_items[1].sceneBoundingRect().center())
    qtbot.waitUntil(lambda: panel.plan.hidden[1] == hidden, timeout=3000)


def wheel(view, notches: int) -> None:
    viewport = view.viewport()
    centre = QPointF(viewport.rect().center())
    event = QWheelEvent(centre, QPointF(viewport.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(viewport, event)


def test_the_mouse_wheel_zooms_and_100_percent_zooms_back(qtbot):
    panel = show(qtbot, NetworkPanel(LiveModel(example_document("spiral"))))
    tile = panel.neuron_items[(1, 0)].sceneBoundingRect().width()
    wheel(panel.view, 2)
    assert panel.view.transform().m11() == pytest.approx(1.15 ** 2)
    wheel(panel.view, -4)
    assert panel.view.transform().m11() == pytest.approx(1.15 ** -2)
    assert panel.neuron_items[(1, 0)].sceneBoundingRect().width() == tile  # the view scales
    qtbot.mouseClick(panel.zoom_button, Qt.MouseButton.LeftButton)
    assert panel.view.transform().m11() == 1.0


def test_an_input_tiles_tick_box_switches_that_input_and_undo_restores_it(qtbot, user):
    document = ProjectDocument(spiral_project())
    panel = show(qtbot, NetworkPanel(LiveModel(document)))
    assert panel.inputs_offered == ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
    assert document.project.data.transforms == ()
    user.click(panel.view, panel.toggle_items["x1^2"].sceneBoundingRect().center())
    assert document.project.data.transforms == ("x1", "x2", "x1^2")
    assert list(document.network.node("input_1").params["shape"]) == [3]
    qtbot.waitUntil(lambda: (0, 2) in panel.neuron_items and not panel.stale, timeout=5000)
    assert panel.toggle_items["x1^2"].label.text() == "✓"
    assert panel.unit_name(panel.columns[0], 2) == "x1^2"
    user.click(panel.view, panel.toggle_items["x1"].sceneBoundingRect().center())
    assert document.project.data.transforms == ("x2", "x1^2")
    document.undo()
    assert document.project.data.transforms == ("x1", "x2", "x1^2")
    document.undo()  # the data and the input layer's shape, in one step
    assert document.project.data.transforms == ()
    assert list(document.network.node("input_1").params["shape"]) == [2]
    qtbot.waitUntil(lambda: (0, 2) not in panel.neuron_items and not panel.stale, timeout=5000)
    assert panel.toggle_items["x1^2"].label.text() == ""


def test_plus_and_minus_change_a_layers_neurons_and_the_hidden_layers_and_undo_restores(
        qtbot, user):
    document = example_document("spiral")
    panel = show(qtbot, NetworkPanel(LiveModel(document)))
    before = document.network.nodes
    assert (0, 1) not in panel.unit_buttons and (3, 1) not in panel.unit_buttons  # in, out
    user.click(panel.view, panel.unit_buttons[(1, 1)].sceneBoundingRect().center())
    assert document.network.node("dense_1").params["units"] == 9
    qtbot.waitUntil(lambda: (1, 8) in panel.neuron_items, timeout=5000)
    for _ in range(2):
        user.click(panel.view, panel.unit_buttons[(1, -1)].sceneBoundingRect().center())
        qtbot.waitUntil(lambda: not panel.stale, timeout=5000)
    assert document.network.node("dense_1").params["units"] == 7
    assert panel.layers_label.text() == "2 hidden layers"
    qtbot.mouseClick(panel.add_layer_button, Qt.MouseButton.LeftButton)
    added = [n for n in document.network.nodes if n.id not in {m.id for m in before}]
    assert [n.type for n in added] == ["dense"]
    assert document.network.node("dense_3").inputs == (added[0].id,)
    assert added[0].params["units"] == 8 and added[0].params["activation"] == "tanh"
    qtbot.waitUntil(lambda: panel.layers_label.text() == "3 hidden layers", timeout=5000)
    qtbot.mouseClick(panel.remove_layer_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.remove_layer_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.layers_label.text() == "1 hidden layer", timeout=5000)
    assert document.network.node("dense_3").inputs == ("dense_1",)
    while document.undo_stack.canUndo():
        document.undo()
    assert document.network.nodes == before


def test_edits_on_the_drawing_are_refused_while_training_locks_the_network(qtbot, user):
    document = example_document("spiral")
    panel = show(qtbot, NetworkPanel(LiveModel(document)))
    reasons = []
    document.edit_rejected.connect(reasons.append)
    document.lock_edits("Training is running.")
    user.click(panel.view, panel.toggle_items["x2^2"].sceneBoundingRect().center())
    user.click(panel.view, panel.unit_buttons[(2, 1)].sceneBoundingRect().center())
    assert document.project.data.transforms == ()
    assert document.network.node("dense_2").params["units"] == 8
    assert reasons == ["Training is running."] * 2


def test_hovering_a_neuron_shows_its_output_in_the_picture_until_the_pointer_leaves(qtbot):
    from tests.gui.panels.test_hover_neuron import move_pointer

    document = example_document("spiral")
    panel = show(qtbot, NetworkPanel(LiveModel(document)), (1200, 640))
    output = panel.picture.pixmap().toImage()
    neuron = panel.neuron_items[(1, 4)]
    move_pointer(panel.view, neuron.sceneBoundingRect().center())
    assert panel.picture_caption.text().startswith("dense_1 neuron 5")
    values = panel.live.plane_probe(PICTURE_RESOLUTION, ("dense_1",)).values["dense_1"][4]
    image = panel.picture.pixmap().toImage()
    for row, col in [(0, 0), (17, 60), (79, 79), (40, 3)]:  # image rows run top-down
        r, g, b, _ = to_rgba(values[PICTURE_RESOLUTION - 1 - row, col], (-1.0, 1.0))  # tanh
        painted = image.pixelColor(col, row)
        assert (painted.red(), painted.green(), painted.blue()) == (r, g, b)
    move_pointer(panel.view, None)
    assert panel.picture_caption.text().startswith("Output")
    assert panel.picture.pixmap().toImage() == output
