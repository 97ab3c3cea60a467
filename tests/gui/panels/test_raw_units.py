"""Every value a person reads is in the data's own units (the scaled one the network computes
with is labelled as such), and the data's class names label every output: the misclassified
samples, the forward pass, the network's tooltips and output neurons, on a standardized CSV
and on the digits."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.gui.live_model import LiveModel
from tests.gui.panels.inspection_support import example_document, show
from tests.gui.two_projects import CELLS_CLASSES, save_cells_project

pytestmark = pytest.mark.usefixtures("warm_torch")


@pytest.fixture(scope="module")
def cells_path(tmp_path_factory, qapp):
    return save_cells_project(tmp_path_factory.mktemp("cells"))


@pytest.fixture
def cells_live(cells_path):
    from nnstudio.gui.document import ProjectDocument

    document = ProjectDocument()
    assert document.open(cells_path) is None
    return LiveModel(document)


def unit_rows(layer) -> list[str]:
    """The names of a forward-pass layer's unit rows (not its "input x" row)."""
    return [layer.child(i).text(0) for i in range(layer.childCount())
            if not layer.child(i).text(0).startswith("input x")]


def raw_of(live, part):
    return live.prepared.preprocessor.inverse_transform(part.x)


def test_misclassified_samples_list_the_files_values_with_the_scaled_ones_in_the_tooltip(
        qtbot, cells_live):
    from nnstudio.gui.panels.evaluation_panel import EvaluationPanel

    panel = show(qtbot, EvaluationPanel(cells_live), (1000, 700))
    panel.choose_split("train")
    qtbot.waitUntil(lambda: panel.sample_table.rowCount() > 0, timeout=5000)
    table = panel.sample_table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    first = headers.index("radius_mm")
    part = cells_live.prepared.train
    raw = raw_of(cells_live, part)
    for row, index in enumerate(panel.shown_samples()):
        item = table.item(row, first)
        assert item.text() == f"{raw[index, 0]:.4g}"
        assert f"{part.x[index, 0]:.4g} (scaled)" in item.toolTip()
    assert table.item(0, 1).text() in CELLS_CLASSES


def test_the_forward_pass_names_inputs_and_outputs_and_gives_raw_and_scaled_inputs(
        qtbot, cells_live):
    from nnstudio.gui.panels.forward_panel import ForwardPanel

    panel = show(qtbot, ForwardPanel(cells_live), (1000, 700))
    scaled = panel.sample()
    raw = cells_live.prepared.preprocessor.inverse_transform(scaled[None])[0]
    tree = panel.tree
    inputs, output = tree.topLevelItem(0), tree.topLevelItem(tree.topLevelItemCount() - 1)
    assert inputs.text(3) == "x: the sample's values scaled as the network sees them"
    assert [inputs.child(i).text(0) for i in range(2)] == ["radius_mm", "texture_au"]
    assert inputs.child(0).data(2, 0x0100) == pytest.approx(float(scaled[0]))
    assert inputs.child(0).text(3).startswith(f"{raw[0]:.4g} in the data; scaled for the "
                                              "network:")
    assert unit_rows(output) == [f"output “{name}”" for name in CELLS_CLASSES]
    assert "data's own units" in panel.note.text()


def test_network_tooltips_give_an_inputs_range_in_its_units_and_name_the_outputs(
        qtbot, cells_live):
    from nnstudio.gui.panels.network_panel import NetworkPanel

    panel = show(qtbot, NetworkPanel(cells_live), (1000, 600))
    raw = raw_of(cells_live, cells_live.prepared.train)
    text = panel.describe_neuron(0, 0)
    assert text.startswith("Input radius_mm")
    assert f"in the data: {raw[:, 0].min():.4g} to {raw[:, 0].max():.4g}" in text
    assert "the network sees it scaled: (x − " in text
    last = len(panel.columns) - 1
    assert "output “borderline”" in panel.describe_neuron(last, 1)


def test_the_digits_output_layer_is_labelled_with_its_classes_not_unit_numbers(qtbot):
    from nnstudio.gui.panels.forward_panel import ForwardPanel
    from nnstudio.gui.panels.network_panel import NetworkPanel

    document = example_document("digits_mlp")
    live = LiveModel(document)
    forward = show(qtbot, ForwardPanel(live), (900, 700))
    tree = forward.tree
    output = tree.topLevelItem(tree.topLevelItemCount() - 1)
    output.setExpanded(True)
    digits = [str(k) for k in range(10)]
    assert tuple(live.classes.names) == tuple(digits)
    assert unit_rows(output) == [f"output “{d}”" for d in digits]
    network = show(qtbot, NetworkPanel(live), (900, 600))
    last = len(network.columns) - 1
    assert [network.unit_name(network.columns[last], k) for k in range(10)] == [
        f"{network.columns[last].title} output “{d}”" for d in digits]
