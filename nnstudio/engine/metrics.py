"""How well a model does: classification and regression metrics.

Accumulators keep their running sums as tensors on the training device and read them back once,
when the numbers are reported, so a GPU is never made to wait per batch.
"""

from __future__ import annotations

import numpy as np
import torch

CLASSIFICATION_METRICS = ("accuracy", "precision", "recall", "f1")
REGRESSION_METRICS = ("mse", "mae", "r2")


# ---- classification ----------------------------------------------------------------------------

def confusion_matrix(predicted: torch.Tensor, target: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Counts (int64, on the tensors' device): row = true class, column = predicted class."""
    flat = target.reshape(-1).long() * n_classes + predicted.reshape(-1).long()
    return torch.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def scores_from_confusion(confusion: np.ndarray) -> dict[str, float]:
    """Accuracy, precision, recall and F1 from a confusion matrix.

    Two classes: precision/recall/F1 of class 1 (the positive class). More: their macro average
    over the classes that occur in the targets or the predictions (as scikit-learn does). A ratio
    with nothing to divide by counts as 0.
    """
    confusion = np.asarray(confusion, dtype=np.float64)
    total = confusion.sum()
    true_positive = np.diag(confusion)
    predicted = confusion.sum(axis=0)
    actual = confusion.sum(axis=1)
    precision = _safe_divide(true_positive, predicted)
    recall = _safe_divide(true_positive, actual)
    f1 = _safe_divide(2 * precision * recall, precision + recall)
    accuracy = float(true_positive.sum() / total) if total else 0.0
    if len(confusion) == 2:
        return {"accuracy": accuracy, "precision": float(precision[1]),
                "recall": float(recall[1]), "f1": float(f1[1])}
    present = (predicted + actual) > 0
    if not present.any():
        return {"accuracy": accuracy, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    return {"accuracy": accuracy, "precision": float(precision[present].mean()),
            "recall": float(recall[present].mean()), "f1": float(f1[present].mean())}


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.zeros_like(numerator, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


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
    """Sums a loss and a confusion matrix over batches, on the device."""

    def __init__(self, n_classes: int, device: torch.device):
        self.n_classes = n_classes
        self.confusion = torch.zeros(n_classes, n_classes, dtype=torch.int64, device=device)
        self.loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        self.count = 0

    def update(self, loss: torch.Tensor, predicted: torch.Tensor, target: torch.Tensor) -> None:
        """Add one batch: its mean `loss`, predicted and true class indices."""
        n = target.shape[0]
        self.loss_sum += loss.detach().double() * n
        self.confusion += confusion_matrix(predicted, target, self.n_classes)
        self.count += n

    def compute(self) -> tuple[dict[str, float], np.ndarray]:
        """({loss, accuracy, precision, recall, f1}, confusion matrix), read back once."""
        confusion = self.confusion.cpu().numpy()
        loss = float(self.loss_sum.item()) / self.count if self.count else float("nan")
        return {"loss": loss, **scores_from_confusion(confusion)}, confusion


# ---- regression --------------------------------------------------------------------------------

class RegressionAccumulator:
    """Sums what MSE, MAE and R² need over batches, on the device, per target column."""

    def __init__(self, device: torch.device):
        self.device = device
        self.sums: torch.Tensor | None = None  # rows: squared error, abs error, y, y², count
        self.loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        self.count = 0

    def update(self, loss: torch.Tensor, predicted: torch.Tensor, target: torch.Tensor) -> None:
        """Add one batch: its mean `loss`, predictions and targets shaped (n, k)."""
        predicted = predicted.detach().double().reshape(target.shape[0], -1)
        target = target.double().reshape(target.shape[0], -1)
        error = predicted - target
        batch = torch.stack((
            (error * error).sum(0), error.abs().sum(0), target.sum(0), (target * target).sum(0),
        ))
        self.sums = batch if self.sums is None else self.sums + batch
        self.loss_sum += loss.detach().double() * target.shape[0]
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
        return {"loss": float(self.loss_sum.item()) / n, "mse": float(squared.mean() / n),
                "mae": float(absolute.mean() / n), "r2": float(r2.mean())}


def regression_scores(predicted: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """MSE, MAE and R² (averaged over target columns) of numpy arrays."""
    accumulator = RegressionAccumulator(torch.device("cpu"))
    accumulator.update(torch.zeros(()), torch.as_tensor(predicted), torch.as_tensor(target))
    scores = accumulator.compute()
    del scores["loss"]
    return scores
