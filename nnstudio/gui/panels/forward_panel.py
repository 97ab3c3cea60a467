"""The forward pass, as numbers: pick a sample and follow it through the network layer by layer.

Each layer is a row with its formula (for a dense layer `a = tanh(z)`, `z = W·x + b`); under it,
its input x, and one row per unit with z (the weighted sum plus bias) and a (the activation of
z). For small layers the sum is written out term by term, so a learner can check it by hand.
Long vectors (images, feature maps) show their first values and say how many more there are.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Slot
from PySide6.QtWidgets import (
    QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from nnstudio.core.layers import formula_text
from nnstudio.gui.live_model import LivePanel, LiveModel
from nnstudio.gui.panels.sample_choice import SampleChoice

MAX_ROWS = 64  # values listed per layer; the rest are counted
OPEN_ROWS = 16  # layers with up to this many values start open; longer ones wait for a click
WRITE_OUT_LIMIT = 6  # inputs up to which a unit's sum is written out term by term
VALUE = Qt.ItemDataRole.UserRole  # the exact number behind a cell, for checks and copies
COLUMNS = ("Layer / unit", "z = W·x + b", "a (output)", "Worked out")
NOTE = ("z is what a layer computes from its input x before the activation; a is what it "
        "passes on, a = f(z). The last column works small sums out term by term.")
SCALED_INPUT = "x: the sample's values scaled as the network sees them"
SCALED_NOTE = (" The input layer's a is the sample scaled as the network sees it; the last "
               "column gives the value in the data's own units.")


def formula(step) -> str:
    """The formula a layer computes, in words a learner reads (from the layer registry)."""
    return formula_text(step.type, step.params, step.activation,
                        None if step.weight is None else step.weight.shape,
                        step.bias is not None, step.output_shape)


class ForwardPanel(SampleChoice, LivePanel):
    """One sample's forward pass, layer by layer, with the numbers."""

    def __init__(self, live: LiveModel, parent: QWidget | None = None):
        super().__init__(live, parent)
        self.setObjectName("forward_panel")
        self.trace: list = []
        self._layers: list = []  # per layer: (its input row or None, its unit rows)
        self._built_for: int | None = None
        self._build()

    def _build(self) -> None:
        row = self._build_sample_row("forward")
        self.tree = QTreeWidget()
        self.tree.setObjectName("forward_tree")
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setUniformRowHeights(True)
        self.tree.itemExpanded.connect(self._on_tree_item_expanded)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.note = QLabel("Getting the network ready…")
        self.note.setObjectName("forward_note")
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.note)
        layout.addWidget(self.tree, 1)

    # ---- refresh ----
    def update_view(self) -> None:
        live = self.live
        self.trace = []
        if live.display is None:
            self._clear(live.error or "Nothing to show yet.")
            return
        part = self._part()
        if part is None:
            self._clear(live.data_error or "The data's inputs do not fit the network's input "
                        "layer, so there is no sample to follow.")
            return
        with QSignalBlocker(self.sample_spin):
            self.sample_spin.setMaximum(max(part.n_samples - 1, 0))
        x = self.sample()
        if x is None:
            self._clear("This set has no samples.")
            return
        self.trace = live.display.trace(x)
        self._describe_sample(part, self.trace[-1].output)
        self.note.setText(NOTE + (SCALED_NOTE if live.inputs_scaled else ""))
        if self._built_for != live.structure_version:
            self._build_rows(self.trace)  # the rows once per structure; then only numbers
        for index in range(len(self._layers)):
            self._fill_layer(index)

    def _fill_layer(self, index: int) -> None:
        """Write layer `index`'s numbers, if it is expanded (collapsed rows wait until opened)."""
        if index < min(len(self.trace), len(self._layers)) and \
                self.tree.topLevelItem(index).isExpanded():
            self._fill(self.trace[index], *self._layers[index])

    @Slot(QTreeWidgetItem)
    def _on_tree_item_expanded(self, item: QTreeWidgetItem) -> None:
        index = self.tree.indexOfTopLevelItem(item)
        if index >= 0:
            self._fill_layer(index)

    def _clear(self, message: str) -> None:
        self.tree.clear()
        self._layers, self._built_for = [], None
        self.note.setText(message)

    def _describe_sample(self, part, output: np.ndarray) -> None:
        index = min(self.sample_spin.value(), part.n_samples - 1)
        if part.task == "regression":
            truth = np.asarray(part.y[index]).reshape(-1)
            text = f"true value {_fmt(truth[0])}, network says {_fmt(output[0])}"
        elif np.ndim(part.y[index]) == 1:  # a class per position: the digits of a sum
            truth = part.y[index]
            guess = np.asarray(output).reshape(len(truth), -1).argmax(axis=1)
            names = part.class_names
            mark = "✓" if np.array_equal(guess, truth) else "✗"
            text = (f"true {''.join(names[v] for v in truth)}; network says "
                    f"{''.join(names[v] for v in guess)} "
                    f"({int((guess == truth).sum())} of {len(truth)} positions right) {mark}")
        else:
            label = int(part.y[index])
            names = part.class_names
            name = names[label] if label < len(names) else str(label)
            if output.size == 1:
                guess = int(output[0] >= 0.5)
                sure = output[0] if guess else 1 - output[0]
            else:
                guess, sure = int(np.argmax(output)), float(np.max(output))
            guess_name = names[guess] if guess < len(names) else str(guess)
            mark = "✓" if guess == label else "✗"
            text = (f"true class {name}; network picks {guess_name} "
                    f"({_fmt(100 * float(sure))}% sure) {mark}")
        self.sample_label.setText(text)

    def _build_rows(self, trace: list) -> None:
        self.tree.clear()
        self._layers = []
        features = self.live.feature_names
        for position, step in enumerate(trace):
            what = SCALED_INPUT if step.type == "input" and self.live.inputs_scaled \
                else formula(step)
            title = QTreeWidgetItem([f"{step.node_id} ({step.type})", "", "", what])
            font = title.font(0)
            font.setBold(True)
            title.setFont(0, font)
            self.tree.addTopLevelItem(title)
            inputs = None
            if step.type != "input":
                inputs = QTreeWidgetItem([f"input x ({step.inputs.size} values)"])
                title.addChild(inputs)
            names = self._unit_names(step, position == len(trace) - 1, features)
            rows = []
            for unit in range(min(step.output.size, MAX_ROWS)):
                row = QTreeWidgetItem([names[unit]])
                row.setTextAlignment(1, Qt.AlignmentFlag.AlignRight)
                row.setTextAlignment(2, Qt.AlignmentFlag.AlignRight)
                title.addChild(row)
                rows.append(row)
            if step.output.size > len(rows):
                title.addChild(QTreeWidgetItem([f"… {step.output.size - len(rows)} more values"]))
            title.setExpanded(step.output.size <= OPEN_ROWS)
            self._layers.append((inputs, rows))
        self._built_for = self.live.structure_version

    def _unit_names(self, step, last: bool, features: tuple[str, ...]) -> list[str]:
        """Row names: the data's feature names for a vector input, its class names for the
        output, else "unit k"."""
        count = min(step.output.size, MAX_ROWS)
        if step.type == "input" and len(step.output_shape) == 1 and len(features) == count:
            return list(features)
        outputs = self.live.output_names(step.output.size) if last else ()
        if outputs:
            return [f"output “{name}”" for name in outputs[:count]]
        name = "x" if step.type == "input" else "unit"
        return [f"{name} {unit + 1}" for unit in range(count)]

    def _fill(self, step, inputs: QTreeWidgetItem | None, rows: list) -> None:
        if inputs is not None:
            inputs.setText(3, _vector_text(step.inputs))
            inputs.setData(3, VALUE, step.inputs)
        raw = self._raw_input(step)
        for unit, row in enumerate(rows):
            a = float(step.output[unit])
            if step.z is not None:
                z = float(step.z[unit])
                row.setText(1, _fmt(z))
                row.setData(1, VALUE, z)
            row.setText(2, _fmt(a))
            row.setData(2, VALUE, a)
            row.setText(3, self._worked_out(step, unit) if raw is None else
                        self._input_scaling(unit, float(raw[unit]), a))

    def _raw_input(self, step) -> np.ndarray | None:
        """The sample's values in the data's own units, for the input layer of a network that
        sees them scaled; None elsewhere."""
        if step.type != "input" or len(step.output_shape) != 1 or not self.live.inputs_scaled:
            return None
        return self.live.raw_inputs(step.output.reshape(1, -1))[0]

    def _input_scaling(self, feature: int, raw: float, scaled: float) -> str:
        shift, scale = self.live.feature_units(feature)
        return (f"{_fmt(raw)} in the data; scaled for the network: "
                f"({_fmt(raw)} − {_fmt(shift)}) / {_fmt(scale)} = {_fmt(scaled)}")

    @staticmethod
    def _worked_out(step, unit: int) -> str:
        if step.type != "dense" or step.weight.shape[1] > WRITE_OUT_LIMIT:
            return ""
        parts = [(float(w), f"·{_factor(x)}") for w, x in zip(step.weight[unit], step.inputs)]
        if step.bias is not None:
            parts.append((float(step.bias[unit]), ""))
        text = ""
        for index, (value, rest) in enumerate(parts):
            sign = "−" if value < 0 else "+"
            number = _fmt(abs(value))
            text += (f"{'−' if value < 0 else ''}{number}{rest}" if index == 0
                     else f" {sign} {number}{rest}")
        return f"z = {text}"

    # ---- for checks ----
    def layer_rows(self, node_id: str) -> list[tuple[float | None, float]]:
        """(z, a) of each unit row listed under layer `node_id`."""
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            if item.text(0).startswith(f"{node_id} ("):
                return [(item.child(i).data(1, VALUE), item.child(i).data(2, VALUE))
                        for i in range(item.childCount())
                        if item.child(i).data(2, VALUE) is not None]
        raise KeyError(node_id)


def _fmt(value: float) -> str:
    return f"{float(value):.4g}"


def _factor(value: float) -> str:
    """A number as the right-hand factor of a product: negative ones in parentheses."""
    return f"({_fmt(value)})" if value < 0 else _fmt(value)


def _vector_text(values: np.ndarray, limit: int = 8) -> str:
    shown = ", ".join(_fmt(v) for v in values[:limit])
    more = f", … ({values.size - limit} more)" if values.size > limit else ""
    return f"[{shown}{more}]"
