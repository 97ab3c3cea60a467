"""Shared helpers for the inspection panel tests: example documents with seeded weights, the
engine's own model to compare with, showing a panel until it has drawn, and pixel variety."""

from __future__ import annotations

import numpy as np
import torch
from PySide6.QtGui import QImage

from nnstudio.core.examples import EXAMPLES, example_project
from nnstudio.engine.modules import build_model
from nnstudio.engine.weights import arrays_to_model, model_to_arrays

EXAMPLE_KEYS = tuple(EXAMPLES)
PLANE_EXAMPLES = ("seed_article", "spiral", "regression")  # vector inputs, a plane exists
IMAGE_EXAMPLES = ("digits_mlp", "digits_cnn", "double_descent")
TOKEN_EXAMPLES = ("grokking",)  # two inputs, but token ids for an Embedding: no plane


def seeded_weights(network, seed: int) -> dict[str, np.ndarray]:
    """Weights drawn from `seed`, larger than a fresh network's so the outputs vary over the
    plane as a trained network's do, and biases of both signs."""
    weights = model_to_arrays(build_model(network, seed))
    rng = np.random.default_rng(seed)
    for key, array in weights.items():
        if key.endswith(".weight"):
            weights[key] = (array * 4).astype(np.float32)
        elif key.endswith(".bias"):
            weights[key] = rng.uniform(-0.8, 0.8, size=array.shape).astype(np.float32)
    return weights


def example_document(key: str, seed: int = 3):
    """The example project in a document, with seeded weights set."""
    from nnstudio.gui.document import ProjectDocument

    document = ProjectDocument(example_project(key))
    if len(document.network.nodes) > 1:
        document.set_weights(seeded_weights(document.network, seed))
    return document


def engine_model(document):
    """The engine's model of the document's network with its weights (built independently)."""
    model = build_model(document.network, 0).eval()
    if document.weights:
        arrays_to_model(model, document.weights)
    return model


def engine_outputs(document, x: np.ndarray) -> dict[str, np.ndarray]:
    """Every node's output (flat per sample) for inputs `x`, computed by the engine."""
    with torch.no_grad():
        values = engine_model(document).forward_all(torch.from_numpy(
            np.ascontiguousarray(x, dtype=np.float32)))
    return {key: value.reshape(len(x), -1).numpy() for key, value in values.items()}


def show(qtbot, widget, size=(900, 600)):
    """Show `widget` and wait until it has drawn from its live model."""
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: widget.redraws > 0 and not widget.stale, timeout=5000)
    return widget


def colour_count(widget) -> int:
    """How many distinct colours a rendering of `widget` holds (a blank one has one or two)."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    width, height = image.width(), image.height()
    pixels = np.frombuffer(image.constBits(), dtype=np.uint32,
                           count=image.bytesPerLine() * height // 4)
    return len(np.unique(pixels.reshape(height, -1)[:, :width]))


def scaled_weights(weights: dict[str, np.ndarray], factor: float) -> dict[str, np.ndarray]:
    return {key: (array * factor).astype(array.dtype) for key, array in weights.items()}
