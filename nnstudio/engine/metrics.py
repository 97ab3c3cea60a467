"""How well a model does: classification and regression metrics.

Accumulators keep their running sums as tensors on the training device and read them back once,
when the numbers are reported, so a GPU is never made to wait per batch.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch

CLASSIFICATION_METRICS = ("accuracy", "precision", "recall", "f1")
# With a class per position (the digits of a sum) accuracy counts positions; exact match counts
# the samples with every position right: the all-or-nothing score.
EXACT_MATCH = "exact_match"


def classification_metrics(positions: int = 1) -> tuple[str, ...]:
    """The metric names a classifier reports: exact match too when it has several positions."""
    return CLASSIFICATION_METRICS + ((EXACT_MATCH,) if positions > 1 else ())


def exact_matches(predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """How many samples have every position right, from class tensors (..., n, positions)."""
    return (predicted == target).all(dim=-1).sum(dim=-1)
REGRESSION_METRICS = ("mse", "mae", "r2")


# ---- classification ----------------------------------------------------------------------------

def confusion_matrix(predicted: torch.Tensor, target: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Counts (int64, on the tensors' device): row = true class, column = predicted class."""
    flat = target.reshape(-1).long() * n_classes + predicted.reshape(-1).long()
    return torch.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def scores_from_confusion(confusion) -> dict[str, float]:
    """Accuracy, precision, recall and F1 from a confusion matrix (array or nested lists).

    Two classes: precision/recall/F1 of class 1 (the positive class). More: their macro average
    over the classes that occur in the targets or the predictions (as scikit-learn does). A ratio
    with nothing to divide by counts as 0. Plain Python: for the few classes a confusion matrix
    has, it is several times faster than numpy's per-call overhead.
    """
    rows = confusion.tolist() if hasattr(confusion, "tolist") else [list(r) for r in confusion]
    k = len(rows)
    total = sum(sum(row) for row in rows)
    hits = [rows[i][i] for i in range(k)]
    predicted = [sum(row[c] for row in rows) for c in range(k)]
    actual = [sum(row) for row in rows]
    precision = [_ratio(hits[c], predicted[c]) for c in range(k)]
    recall = [_ratio(hits[c], actual[c]) for c in range(k)]
    f1 = [_ratio(2 * p * r, p + r) for p, r in zip(precision, recall)]
    accuracy = _ratio(sum(hits), total)
    if k == 2:
        return {"accuracy": accuracy, "precision": precision[1], "recall": recall[1], "f1": f1[1]}
    present = [c for c in range(k) if predicted[c] + actual[c] > 0]
    if not present:
        return {"accuracy": accuracy, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    # numpy's mean (pairwise summation), so the numbers equal those of numpy-based code.
    return {"accuracy": accuracy,
            "precision": float(np.mean([precision[c] for c in present])),
            "recall": float(np.mean([recall[c] for c in present])),
            "f1": float(np.mean([f1[c] for c in present]))}


def per_class_scores(confusion, names: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Precision, recall, F1 and support of every class of a confusion matrix (row = true
    class), named by `names` (else by index): what `evaluate` prints and the model card shows."""
    rows = confusion.tolist() if hasattr(confusion, "tolist") else [list(r) for r in confusion]
    scores = []
    for c, row in enumerate(rows):
        hits, actual = row[c], sum(row)
        predicted = sum(other[c] for other in rows)
        precision, recall = _ratio(hits, predicted), _ratio(hits, actual)
        scores.append({"class": names[c] if c < len(names) else str(c), "precision": precision,
                       "recall": recall, "f1": _ratio(2 * precision * recall, precision + recall),
                       "support": int(actual)})
    return scores


def one_vs_rest_auc(probabilities: np.ndarray, target: np.ndarray) -> float:
    """AUC for more than two classes: each class's ROC curve against all the others, averaged
    over the classes the targets hold both in and out of (scikit-learn's roc_auc_score with
    multi_class="ovr", average="macro"); NaN when none does."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    target = np.asarray(target).reshape(-1)
    areas = []
    for c in range(probabilities.shape[1]):
        fpr, tpr, _ = roc_curve(probabilities[:, c], target == c)
        if len(fpr):
            areas.append(auc(fpr, tpr))
    return float(np.mean(areas)) if areas else float("nan")


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator > 0 else 0.0


def roc_curve(scores: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """False- and true-positive rates for every threshold, from the highest score down.

    Returns (fpr, tpr, thresholds), starting at (0, 0) with an infinite threshold. Empty
    arrays when the targets hold only one class (a curve needs both).
    """
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    target = np.asarray(target).reshape(-1).astype(bool)
    positives, negatives = int(target.sum()), int((~target).sum())
    if positives == 0 or negatives == 0:
        empty = np.zeros(0)
        return empty, empty, empty
    order = np.argsort(-scores, kind="stable")
    scores, target = scores[order], target[order]
    # One point per distinct score: ties move both rates at once.
    last_of_run = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]
    true_positives = np.cumsum(target)[last_of_run]
    false_positives = (last_of_run + 1) - true_positives
    tpr = np.r_[0.0, true_positives / positives]
    fpr = np.r_[0.0, false_positives / negatives]
    thresholds = np.r_[np.inf, scores[last_of_run]]
    return fpr, tpr, thresholds


def auc(fpr: np.ndarray, tpr: np.ndarray) -> float:
    """Area under a curve by the trapezoid rule (0.5 is chance for a ROC curve)."""
    if len(fpr) < 2:
        return float("nan")
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


class ClassificationAccumulator:
    """Collects batch losses and confusion matrices, on the device, summed when computed."""

    def __init__(self, n_classes: int, device: torch.device):
        self.n_classes = n_classes
        self.device = device
        self.losses: list[tuple[torch.Tensor, int]] = []
        self.confusions: list[torch.Tensor] = []
        self.exact: list[torch.Tensor] = []  # per batch, for a class per position
        self.count = 0

    def update(self, loss: torch.Tensor, predicted: torch.Tensor, target: torch.Tensor) -> None:
        """Add one batch: its mean `loss`, predicted and true class indices ((n,) or, for a
        class per position, (n, positions))."""
        n = target.shape[0]
        self.losses.append((loss.detach(), n))
        self.confusions.append(confusion_matrix(predicted, target, self.n_classes))
        if target.dim() == 2:
            self.exact.append(exact_matches(predicted, target))
        self.count += n

    def compute(self) -> tuple[dict[str, float], np.ndarray]:
        """({loss, accuracy, precision, recall, f1}, confusion matrix), read back once."""
        if not self.confusions:
            empty = np.zeros((self.n_classes, self.n_classes), dtype=np.int64)
            return {"loss": float("nan"), **scores_from_confusion(empty)}, empty
        confusion = self.confusions[0]
        for more in self.confusions[1:]:
            confusion = confusion + more
        confusion = confusion.cpu().numpy()
        loss = _mean_loss(self.losses, self.count)
        scores = {"loss": loss, **scores_from_confusion(confusion)}
        if self.exact:
            scores[EXACT_MATCH] = float(torch.stack(self.exact).sum()) / self.count
        return scores, confusion


def _mean_loss(losses: list[tuple[torch.Tensor, int]], count: int) -> float:
    if len(losses) == 1:
        return float(losses[0][0].item())
    values = torch.stack([loss for loss, _ in losses]).tolist()
    return sum(value * n for value, (_, n) in zip(values, losses)) / count


def _wide_dtype(device: torch.device) -> torch.dtype:
    """float64 for sums of many values; Apple GPUs have no float64, so float32 there."""
    return torch.float32 if device.type == "mps" else torch.float64


# ---- regression --------------------------------------------------------------------------------

class RegressionAccumulator:
    """Sums what MSE, MAE and R² need over batches, on the device, per target column."""

    def __init__(self, device: torch.device):
        self.device = device
        self.sums: torch.Tensor | None = None  # rows: squared error, abs error, y, y²
        self.losses: list[tuple[torch.Tensor, int]] = []
        self.count = 0

    def update(self, loss: torch.Tensor, predicted: torch.Tensor, target: torch.Tensor) -> None:
        """Add one batch: its mean `loss`, predictions and targets shaped (n, k)."""
        wide = _wide_dtype(target.device)
        predicted = predicted.detach().to(wide).reshape(target.shape[0], -1)
        target = target.to(wide).reshape(target.shape[0], -1)
        error = predicted - target
        batch = torch.stack((
            (error * error).sum(0), error.abs().sum(0), target.sum(0), (target * target).sum(0),
        ))
        self.sums = batch if self.sums is None else self.sums + batch
        self.losses.append((loss.detach(), target.shape[0]))
        self.count += target.shape[0]

    def compute(self) -> dict[str, float]:
        """{loss, mse, mae, r2} averaged over the target columns, read back once."""
        if self.sums is None or not self.count:
            return {"loss": float("nan"), "mse": float("nan"), "mae": float("nan"),
                    "r2": float("nan")}
        squared, absolute, total, total_sq = self.sums.cpu().numpy()
        n = self.count
        variance_sum = total_sq - total * total / n
        with np.errstate(divide="ignore", invalid="ignore"):
            r2 = np.where(variance_sum > 0, 1.0 - squared / np.where(variance_sum > 0,
                                                                     variance_sum, 1.0), 0.0)
        return {"loss": _mean_loss(self.losses, n), "mse": float(squared.mean() / n),
                "mae": float(absolute.mean() / n), "r2": float(r2.mean())}


def regression_scores(predicted: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """MSE, MAE and R² (averaged over target columns) of numpy arrays."""
    accumulator = RegressionAccumulator(torch.device("cpu"))
    accumulator.update(torch.zeros(()), torch.as_tensor(predicted), torch.as_tensor(target))
    scores = accumulator.compute()
    del scores["loss"]
    return scores
