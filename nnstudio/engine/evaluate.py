"""Measure a model on a dataset: metrics, a confusion matrix, a ROC curve; and predictions.

Everything runs in chunks under `torch.inference_mode`, so even a large split never builds an
autograd graph or one huge batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from nnstudio.core.metrics import REPORT_SPLITS
from nnstudio.data.dataset import Dataset
from nnstudio.data.preprocessing import PreparedData
from nnstudio.engine.losses import Objective, make_objective
from nnstudio.engine.metrics import (
    ClassificationAccumulator,
    RegressionAccumulator,
    auc,
    one_vs_rest_auc,
    roc_curve,
)
from nnstudio.engine.modules import GraphModule

CHUNK = 8192  # samples per forward pass when measuring


@dataclass(frozen=True)
class Evaluation:
    """Metrics of a model on one split. Classification: loss, accuracy, precision, recall, f1
    and auc (one-vs-rest, averaged, for more than two classes); regression: loss, mse, mae,
    r2."""

    metrics: dict[str, float]
    confusion: np.ndarray | None = None  # row = true class, column = predicted
    roc: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # (fpr, tpr, thresholds)
    class_names: tuple[str, ...] = ()
    samples: int = 0


def measure(model: GraphModule, objective: Objective, x: torch.Tensor, targets: torch.Tensor,
            classes: torch.Tensor | None, want_scores: bool = False
            ) -> tuple[dict[str, float], np.ndarray | None, torch.Tensor | None]:
    """Loss and metrics of `model` on tensors already on its device (model left in train mode).

    `targets` are in the loss's form (`objective.targets`), `classes` the class indices (None
    for regression). Returns (metrics, confusion or None, class probabilities (n, classes) or
    None).
    """
    was_training = model.training
    model.eval()
    if objective.is_classification:
        accumulator = ClassificationAccumulator(max(objective.classes, 2), x.device)
    else:
        accumulator = RegressionAccumulator(x.device)
    scores = []
    try:
        with torch.inference_mode():
            for start in range(0, x.shape[0], CHUNK):
                end = start + CHUNK
                values = objective.values(model, model(x[start:end]))
                loss = objective(values, targets[start:end])
                if objective.is_classification:
                    accumulator.update(loss, objective.predicted_classes(values), classes[start:end])
                    if want_scores:
                        scores.append(objective.probabilities(values))
                else:
                    accumulator.update(loss, values, targets[start:end])
    finally:
        model.train(was_training)
    if objective.is_classification:
        metrics, confusion = accumulator.compute()
        return metrics, confusion, (torch.cat(scores) if scores else None)
    return accumulator.compute(), None, None


def evaluate(model: GraphModule, dataset: Dataset, loss: str = "auto") -> Evaluation:
    """Metrics (AUC too), confusion matrix and (for two classes) ROC curve of `model` on
    `dataset`.

    `loss` is the training setting, so the loss reported is the one training minimized.
    SpecError if the network's output does not fit the dataset.
    """
    device = next(model.parameters(), torch.zeros(())).device
    objective = make_objective(loss, dataset.task, dataset.n_classes, dataset.output_size, model)
    x = torch.tensor(dataset.x, device=device)
    y = torch.tensor(dataset.y, device=device)
    classes = y if objective.is_classification else None
    metrics, confusion, scores = measure(model, objective, x, objective.targets(y), classes,
                                         want_scores=objective.is_classification)
    roc = None
    probabilities = scores.cpu().numpy() if scores is not None else None
    if probabilities is not None and probabilities.ndim == 2:  # a class per sample
        if objective.classes == 2:
            roc = roc_curve(probabilities[:, 1], dataset.y)
            metrics["auc"] = auc(roc[0], roc[1])
        else:  # one curve per class against the rest, averaged
            metrics["auc"] = one_vs_rest_auc(probabilities, dataset.y)
    return Evaluation(metrics, confusion, roc, dataset.class_names, dataset.n_samples)


def split_metrics(model: GraphModule, data: PreparedData, loss: str = "auto",
                  splits: tuple[str, ...] = tuple(REPORT_SPLITS)) -> dict[str, float]:
    """`evaluate` on each of `splits` ("train", "validation", "test") that has rows, its
    metrics named with the split's prefix as the command line reports them ("train_loss",
    "val_accuracy", "test_auc": core.metrics.report_keys)."""
    metrics: dict[str, float] = {}
    for split in splits:
        dataset = getattr(data, split)
        if dataset.n_samples:
            found = evaluate(model, dataset, loss).metrics
            metrics.update({REPORT_SPLITS[split] + name: value for name, value in found.items()})
    return metrics


def split_samples(data: PreparedData) -> dict[str, int]:
    """The rows of each split: {"train": n, "validation": n, "test": n}."""
    return {split: getattr(data, split).n_samples for split in REPORT_SPLITS}


def predict(model: GraphModule, x: np.ndarray, proba: bool = False) -> np.ndarray:
    """The network's output for inputs `x` (numpy, batch first), as drawn on the canvas.

    With `proba`, class probabilities instead (sigmoid of one logit, softmax of several).
    """
    device = next(model.parameters(), torch.zeros(())).device
    inputs = torch.tensor(np.asarray(x, dtype=np.float32), device=device)
    was_training = model.training
    model.eval()
    parts = []
    try:
        with torch.inference_mode():
            for start in range(0, inputs.shape[0], CHUNK):
                chunk = inputs[start:start + CHUNK]
                parts.append(model.predict_proba(chunk) if proba else model.predict_output(chunk))
    finally:
        model.train(was_training)
    if not parts:
        return np.zeros((0,) + model.output_shape, dtype=np.float32)
    return torch.cat(parts).cpu().numpy()
