"""The forward-pass inspector on every example: for a chosen sample, each layer's input, z = Wx + b
and activation equal a numpy computation from the document's weights, with the formula shown."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.gui.panels.inspection_support import (
    EXAMPLE_KEYS, colour_count, example_document, scaled_weights, show,
)
from nnstudio.gui.live_model import LiveModel
from nnstudio.gui.panels.forward_panel import MAX_ROWS, ForwardPanel

pytestmark = pytest.mark.usefixtures("warm_torch")

ACTIVATIONS = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "linear": lambda z: z,
               "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
               "softmax": lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum()}


@pytest.fixture
def open_panel(qtbot):
    def make(key: str, seed: int = 3) -> ForwardPanel:
        document = example_document(key, seed)
        panel = ForwardPanel(LiveModel(document))
        panel.document = document
        return show(qtbot, panel, (800, 600))

    return make


def numpy_forward(document, x: np.ndarray) -> dict[str, tuple[np.ndarray | None, np.ndarray]]:
    """(z, a) of every dense layer of a plain stack, by hand with numpy."""
    weights = document.weights
    out: dict[str, tuple[np.ndarray | None, np.ndarray]] = {}
    a = x.reshape(-1).astype(np.float64)
    for node in document.network.nodes[1:]:
        if node.type == "dense":
            z = weights[f"{node.id}.weight"].astype(np.float64) @ a
            z = z + weights[f"{node.id}.bias"]
            a = ACTIVATIONS[node.params["activation"]](z)
            out[node.id] = (z, a)
        elif node.type == "flatten":
            out[node.id] = (None, a)
    return out


def open_every_layer(panel) -> None:
    """Click open each layer (long ones start closed)."""
    for index in range(panel.tree.topLevelItemCount()):
        panel.tree.topLevelItem(index).setExpanded(True)


def split_of(panel, key: str):
    return getattr(panel.live.prepared, key)


@pytest.mark.parametrize("key", EXAMPLE_KEYS)
def test_every_example_renders_the_layers_of_a_sample(open_panel, key):
    panel = open_panel(key)
    assert colour_count(panel) > 10
    assert panel.tree.topLevelItemCount() == len(panel.live.display.node_ids)
    assert panel.sample_label.text()


@pytest.mark.parametrize("key", ["spiral", "regression", "seed_article", "digits_mlp"])
def test_each_layers_z_and_activation_equal_a_numpy_computation(open_panel, key):
    panel = open_panel(key)
    panel.choose("test", 4)
    open_every_layer(panel)
    x = split_of(panel, "test").x[4]
    for node_id, (z, a) in numpy_forward(panel.document, x).items():
        rows = panel.layer_rows(node_id)
        shown = min(a.size, MAX_ROWS)
        assert len(rows) == shown
        got_a = np.array([row[1] for row in rows])
        np.testing.assert_allclose(got_a, a[:shown], rtol=1e-4, atol=1e-5)
        if z is not None:
            got_z = np.array([row[0] for row in rows])
            np.testing.assert_allclose(got_z, z[:shown], rtol=1e-4, atol=1e-5)


def test_the_input_rows_are_the_chosen_samples_values(open_panel, qtbot):
    panel = open_panel("spiral")
    panel.split_combo.setCurrentIndex(panel.split_combo.findData("train"))
    panel.sample_spin.setFocus()
    qtbot.keyClick(panel.sample_spin, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(panel.sample_spin, "7")
    qtbot.keyClick(panel.sample_spin, Qt.Key.Key_Up)  # then one more
    assert panel.sample_spin.value() == 8
    x = split_of(panel, "train").x[8]
    inputs = [row[1] for row in panel.layer_rows("input_1")]
    np.testing.assert_allclose(inputs, x, rtol=1e-6)
    dense = panel.tree.topLevelItem(1)
    np.testing.assert_allclose(dense.child(0).data(3, Qt.ItemDataRole.UserRole), x, rtol=1e-6)


def test_the_formula_and_the_worked_out_sum_are_shown(open_panel):
    panel = open_panel("spiral")
    dense = panel.tree.topLevelItem(1)
    assert "z = W·x + b" in dense.text(3) and "W is 8×2" in dense.text(3)
    assert "a = tanh(z)" in dense.text(3)
    x = panel.trace[1].inputs
    w = panel.document.weights["dense_1.weight"][2]
    b = panel.document.weights["dense_1.bias"][2]
    worked = dense.child(3).text(3)  # the child rows: input x, then unit 1, 2, 3

    def term(value, factor=None):  # "− 0.5·(−1.2)": signs spelled out, negatives bracketed
        text = f"{abs(value):.4g}"
        if factor is not None:
            text += f"·({factor:.4g})" if factor < 0 else f"·{factor:.4g}"
        return text

    first = ("−" if w[0] < 0 else "") + term(w[0], x[0])
    rest = "".join(f" {'−' if v < 0 else '+'} {term(v, f)}"
                   for v, f in ((w[1], x[1]), (b, None)))
    assert worked == f"z = {first}{rest}"
    # Worked out, it gives the z listed beside it.
    expected = w[0] * x[0] + w[1] * x[1] + b
    assert dense.child(3).data(1, Qt.ItemDataRole.UserRole) == pytest.approx(expected, rel=1e-5)
    output = panel.tree.topLevelItem(3)
    assert "a = sigmoid(z)" in output.text(3)


def test_a_convolution_shows_z_before_its_relu_and_counts_what_it_leaves_out(open_panel):
    panel = open_panel("digits_cnn")
    conv_item = panel.tree.topLevelItem(1)
    assert not conv_item.isExpanded()  # a long layer starts closed, its numbers not written
    assert conv_item.child(1).data(2, Qt.ItemDataRole.UserRole) is None
    conv_item.setExpanded(True)  # opening it writes them
    rows = panel.layer_rows("conv2d_1")
    assert len(rows) == MAX_ROWS
    z = np.array([r[0] for r in rows])
    a = np.array([r[1] for r in rows])
    np.testing.assert_allclose(a, np.maximum(z, 0), rtol=1e-6)
    conv = next(panel.tree.topLevelItem(i) for i in range(panel.tree.topLevelItemCount())
                if panel.tree.topLevelItem(i).text(0).startswith("conv2d_1"))
    assert "16 filters of 3×3" in conv.text(3)
    last = conv.child(conv.childCount() - 1).text(0)
    assert last == f"… {16 * 8 * 8 - MAX_ROWS} more values"


def test_the_sample_line_says_the_true_class_and_the_networks_pick(open_panel):
    panel = open_panel("digits_mlp")
    panel.choose("validation", 2)
    part = split_of(panel, "validation")
    output = panel.trace[-1].output
    text = panel.sample_label.text()
    assert f"true class {part.class_names[int(part.y[2])]}" in text
    assert f"picks {part.class_names[int(np.argmax(output))]}" in text


def test_new_weights_update_the_numbers(open_panel, qtbot):
    panel = open_panel("spiral")
    document = panel.document
    redraws = panel.redraws
    document.set_weights(scaled_weights(document.weights, 0.5))
    qtbot.waitUntil(lambda: panel.redraws > redraws, timeout=3000)
    x = split_of(panel, "test").x[panel.sample_spin.value()]
    z, _ = numpy_forward(document, x)["dense_1"]
    np.testing.assert_allclose([r[0] for r in panel.layer_rows("dense_1")], z, rtol=1e-5,
                               atol=1e-6)


def test_a_hidden_panel_does_no_work(qtbot):
    document = example_document("spiral")
    panel = ForwardPanel(LiveModel(document))
    qtbot.addWidget(panel)
    panel.choose("train", 3)
    document.set_weights(scaled_weights(document.weights, 2.0))
    qtbot.wait(250)
    assert panel.redraws == 0 and panel.tree.topLevelItemCount() == 0
