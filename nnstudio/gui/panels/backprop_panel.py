"""The Backprop view: one sample through the network and back, one step at a time.

Pick a split and a sample and press Compute, or pick a sample in the Data View's table, the
decision boundary or the evaluation's mistakes (the live model's one selected sample): it is
computed at once. The engine (`engine.sample_backprop`) runs on the background-task pattern with
the weights the views show (the live model's `shown_weights`: the epoch the timeline shows, or
the project's current weights; fresh ones from the seed when it has none, and the view says
which). While stepping, the Network view highlights the step's layer (the live model's
`highlighted_layer`). The steps list walks the forward pass (z = Wx + b, then the
activation), the loss, the backward pass (delta = dL/dz, dL/dW = delta x^T, dL/db = delta) and
the optimizer's update for this sample's gradient; the page beside it shows the real numbers,
every one for small layers and sizes and norms for large ones. Any change to the project, its
network, data or weights clears the view: its numbers would no longer be true.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QLabel, QListWidget, QPushButton, QSpinBox, QSplitter, QTextBrowser,
    QVBoxLayout, QWidget,
)

from nnstudio.gui.background import BackgroundTask

FULL_LIMIT = 64  # numbers shown one by one; larger tensors as shape, norm, min and max
SPLITS = (("train", "Training"), ("validation", "Validation"), ("test", "Test"))


class BackpropPanel(QWidget):
    """Steps through backpropagation for one sample of the open project."""

    def __init__(self, document: Any, live: Any, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.live = live
        self.result: dict | None = None
        self.task = BackgroundTask("backprop", self)
        self.split_combo = QComboBox()
        for key, title in SPLITS:
            self.split_combo.addItem(title, key)
        self.sample_spin = QSpinBox()
        self.sample_spin.setRange(0, 10**9)
        self.sample_spin.setToolTip("The sample's row in the split, from 0")
        self.compute_button = QPushButton("Compute")
        self.compute_button.setObjectName("backprop_compute")
        self.compute_button.clicked.connect(self.compute)
        self.heading = QLabel("Pick a sample and press Compute.")
        self.heading.setWordWrap(True)
        self.steps = QListWidget()
        self.steps.setObjectName("backprop_steps")
        self.steps.currentRowChanged.connect(self._on_steps_current_row_changed)
        self.page = QTextBrowser()
        self.page.setObjectName("backprop_page")
        row = QHBoxLayout()
        for widget in (QLabel("Split"), self.split_combo, QLabel("Sample"), self.sample_spin,
                       self.compute_button):
            row.addWidget(widget)
        row.addStretch(1)
        splitter = QSplitter()
        splitter.addWidget(self.steps)
        splitter.addWidget(self.page)
        splitter.setSizes([200, 500])
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.heading)
        layout.addWidget(splitter, 1)
        self.task.succeeded.connect(self._on_task_succeeded)
        self.task.failed.connect(self._on_task_failed)
        for signal in (document.project_replaced, document.network_changed,
                       document.weights_changed, document.data_config_changed,
                       document.training_config_changed):
            signal.connect(self.clear)
        live.viewed_changed.connect(self.clear)
        live.sample_selected.connect(self._on_live_sample_selected)

    @Slot()
    def compute(self) -> bool:
        """Run sample (split, index) through the network and back, in the background."""
        document = self.document
        project, path = document.project, document.path
        network, weights, config = document.network, self.live.shown_weights, project.training
        split, index = self.split_combo.currentData(), self.sample_spin.value()

        def work(report, control):
            from nnstudio.data.source import prepare_project_data
            from nnstudio.engine.sample_backprop import backprop_sample

            data = prepare_project_data(project, path)
            return backprop_sample(network, data, config, weights, index, split)

        self.clear()
        viewed = self.live.viewed
        self.weights_text = (
            f"the weights kept at epoch {viewed[1]}" if viewed is not None else
            "the project's current weights" if weights is not None else
            f"fresh weights from seed {config.seed} (the project has none yet)")
        self.heading.setText("Computing…")
        return self.task.start(work)

    @Slot()
    def clear(self) -> None:
        if self.task.is_running:
            self.task.finish_now()
        self.result = None
        self.pages = []
        self.live.highlight_layer(None)
        self.steps.clear()
        self.page.clear()
        self.heading.setText("Pick a sample and press Compute.")

    def _on_task_failed(self, message: str) -> None:
        self.heading.setText(message)

    def _on_task_succeeded(self, result: dict) -> None:
        self.result = result
        split = dict(SPLITS)[result["split"]].lower()
        self.heading.setText(
            f"{split} sample {result['sample']}, target {result['target']}, loss "
            f"{result['loss']:.4g}, with {self.weights_text}. Dropout is off (eval mode); the "
            "gradient is the data loss's (L1/L2 not added).")
        self.pages = stages(result)
        for title, _, _ in self.pages:
            self.steps.addItem(title)
        self.steps.setCurrentRow(0)

    @Slot(int)
    def _on_steps_current_row_changed(self, row: int) -> None:
        if self.result is not None and 0 <= row < len(self.pages):
            _, page, layer = self.pages[row]
            self.page.setHtml(page)
            self.live.highlight_layer(layer)

    @Slot(str, int)
    def _on_live_sample_selected(self, split: str, index: int) -> None:
        """A view picked a sample: step through it (in the background)."""
        self.split_combo.setCurrentIndex(self.split_combo.findData(split))
        self.sample_spin.setValue(index)
        self.compute()


# ---- the pages: (title, html) per step ---------------------------------------------------------

def stages(result: dict) -> list[tuple[str, str, str | None]]:
    """Every step of `result` (an engine `backprop_sample`) as a title, an HTML page and the
    node id of the layer it is about (None: the input, the loss)."""
    layers = result["layers"]
    pages = [("Input x", _page("Input x (as the network sees it: scaled)",
                               [("x", result["input"])]), None)]
    if result["explicit"]:
        for layer in layers:
            pages.append((f"Forward {layer['id']}", _page(
                f"Forward {layer['id']}: z = W·x + b, then a = activation(z)",
                [("x", layer["x"]), ("z", layer["z"]), ("a", layer["a"])]), layer["id"]))
    else:
        for layer in layers:
            pages.append((f"Forward {layer['id']}", _page(
                f"Forward {layer['id']}: output of shape {layer['shape']}",
                [("|a|", layer["a_norm"])]), layer["id"]))
    pages.append(("Loss", _page("Loss", [("output", result["output"]),
                                         ("target", result["target"]),
                                         ("loss", result["loss"])]), None))
    for layer in reversed(layers):
        if result["explicit"]:
            pages.append((f"Backward {layer['id']}", _page(
                f"Backward {layer['id']}: δ = ∂L/∂z, ∂L/∂W = δ·xᵀ, ∂L/∂b = δ",
                [("δ", layer["delta"]), ("∂L/∂W", layer["grad_weight"]),
                 ("∂L/∂b", layer["grad_bias"])]), layer["id"]))
        else:
            pages.append((f"Backward {layer['id']}", _page(
                f"Backward {layer['id']}: sizes and norms (autograd)",
                [("|∂L/∂a|", layer["delta_norm"]), ("|∂L/∂W|", layer["grad_weight_norm"])]),
                layer["id"]))
    update = result["update"]
    rule = {"sgd": "SGD: w ← w − η·g (momentum: its buffer starts as g)",
            "adam": "Adam: m = (1−β₁)g, v = (1−β₂)g², m̂ = m/(1−β₁), v̂ = v/(1−β₂), "
                    "step = −η·m̂/(√v̂ + ε)",
            "adamw": "AdamW: Adam's step, and the weights shrink by η·decay"}
    for key, entry in update["parameters"].items():
        rows = [(name, value) for name, value in entry.items()]
        title = (f"Update {key}: {rule.get(update['optimizer'], update['optimizer'])}, "
                 f"η = {update['learning_rate']:g}")
        pages.append((f"Update {key}", _page(title, rows), key.partition(".")[0]))
    return pages


def _page(title: str, rows: list[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><td valign='top'><b>{html.escape(name)}</b></td>"
                   f"<td>{_numbers(value)}</td></tr>" for name, value in rows)
    return f"<h3>{html.escape(title)}</h3><table cellspacing='6'>{body}</table>"


def _numbers(value: Any) -> str:
    if value is None:
        return "—"
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        return f"{float(array):.5g}"
    if array.size > FULL_LIMIT:
        return (f"shape {list(array.shape)}, norm {np.linalg.norm(array):.4g}, "
                f"min {array.min():.4g}, max {array.max():.4g}")
    rows = array.reshape(-1, array.shape[-1]) if array.ndim > 1 else array[None, :]
    return "<br>".join("[" + ", ".join(f"{v:.4g}" for v in row) + "]" for row in rows)
