"""Inspection data for the views: activation statistics, weight histograms, gradient norms,
feature maps and evaluation on a split, as plain numpy.

Everything here works on a separate display copy of the network (`engine.probes.DisplayModel`)
or on numpy snapshots, never on the model that trains, and each answer is a few vectorized calls,
so the views can ask at their throttled rate while a run goes on. The one function the trainer
calls, `gradient_norms`, runs once per epoch and only when a callback asks for it.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import torch

from nnstudio.core.activations import ACTIVATION_TABLE, DIES, SATURATES, activations_that
from nnstudio.core.layers import layer_type
from nnstudio.engine.evaluate import CHUNK, Evaluation
from nnstudio.engine.losses import make_objective
from nnstudio.engine.metrics import (
    EXACT_MATCH, RegressionAccumulator, auc, confusion_matrix, exact_matches, one_vs_rest_auc,
    roc_curve, scores_from_confusion,
)
from nnstudio.engine.modules import GraphModule


# ---- gradients (called by the trainer) --------------------------------------------------------

def weight_norm(model: GraphModule) -> float:
    """The L2 norm of all the model's learned parameters together, with one read-back."""
    parameters = [p.detach() for p in model.parameters()]
    if not parameters:
        return 0.0
    return float(torch.stack(torch._foreach_norm(parameters)).double().square().sum().sqrt())


def gradient_norms(model: GraphModule) -> dict[str, float]:
    """The L2 norm of each layer's gradient (all its parameters together), by node id.

    Reads the gradients the last backward pass left on the parameters, with one read-back;
    layers without parameters, or whose parameters hold no gradient, are left out.
    """
    owned = _owned_parameters.get(model)
    if owned is None:
        owned = [(node_id, parameter) for node_id in model.node_ids
                 if model.layer(node_id) is not None
                 for parameter in model.layer(node_id).parameters()]
        _owned_parameters[model] = owned
    owners = [node_id for node_id, parameter in owned if parameter.grad is not None]
    grads = [parameter.grad for _, parameter in owned if parameter.grad is not None]
    if not grads:
        return {}
    squares: dict[str, float] = {}
    for node_id, norm in zip(owners, torch.stack(torch._foreach_norm(grads)).tolist()):
        squares[node_id] = squares.get(node_id, 0.0) + norm * norm
    return {node_id: math.sqrt(total) for node_id, total in squares.items()}


# Each model's (node id, parameter) pairs, found once: the trainer asks every epoch.
_owned_parameters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


# ---- the probe batch ---------------------------------------------------------------------------

PROBE_SIZE = 256  # samples the activation statistics look at, at most
PROBE_VALUES = 2 ** 16  # values of the widest layer, at most: fewer samples for image networks
MIN_PROBE_SIZE = 32


def probe_size(display) -> int:
    """How many samples to probe `display` (a DisplayModel) with: `PROBE_SIZE`, fewer when a
    layer's output is so large (feature maps) that they would cost a refresh too much."""
    widest = max(math.prod(display.shape(node_id)) for node_id in display.node_ids)
    return int(min(PROBE_SIZE, max(MIN_PROBE_SIZE, PROBE_VALUES // max(widest, 1))))


def probe_batch(x: np.ndarray, size: int = PROBE_SIZE, seed: int = 0) -> np.ndarray:
    """A fixed batch of at most `size` samples of `x`, drawn once from `seed`, in data order.

    The same data always gives the same batch, so statistics move only when the weights do.
    """
    x = np.asarray(x)
    if len(x) > size:
        x = x[np.sort(np.random.default_rng(seed).choice(len(x), size, replace=False))]
    return np.ascontiguousarray(x, dtype=np.float32)


# ---- histograms --------------------------------------------------------------------------------

BINS = 40  # bins of every histogram


@dataclass(frozen=True, eq=False)
class Histogram:
    """Counts of values in `len(counts)` equal bins from `low` to `high` (values outside are
    left out; numpy's rule: every bin is half-open but the last, which holds `high`)."""

    counts: np.ndarray  # int64 (bins,)
    low: float
    high: float
    total: int  # values counted

    @property
    def edges(self) -> np.ndarray:
        return np.linspace(self.low, self.high, len(self.counts) + 1)

    @property
    def centers(self) -> np.ndarray:
        edges = self.edges
        return (edges[:-1] + edges[1:]) / 2


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is at least `value` (> 0): ranges that stay put
    while values wander a little."""
    if not math.isfinite(value) or value <= 1e-12:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if step * power >= value * (1 - 1e-12):
            return step * power
    return 10.0 * power


BOUNDED_RANGES = {"sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0), "tanh": (-1.0, 1.0)}


def histogram_range(values: np.ndarray, activation: str | None = None) -> tuple[float, float]:
    """Fixed bins for an activation's outputs: its bounds where it has them, else from zero (or
    minus the same) to a round number past the largest |value|."""
    if activation in BOUNDED_RANGES:
        return BOUNDED_RANGES[activation]
    finite = values[np.isfinite(values)] if values.size else values
    if finite.size == 0:
        return (-1.0, 1.0)
    low, high = float(finite.min()), float(finite.max())
    extent = nice_ceiling(max(abs(low), abs(high)))
    return (-extent if low < 0 else 0.0, extent if high > 0 or low >= 0 else 0.0)


def histogram(values: np.ndarray, bins: int = BINS,
              value_range: tuple[float, float] | None = None) -> Histogram:
    """numpy's histogram of `values` (any shape, non-finite ones left out) in `bins` equal bins
    over `value_range` (default: the values' own min to max)."""
    flat = np.asarray(values).reshape(-1)
    if not np.isfinite(flat).all():
        flat = flat[np.isfinite(flat)]
    if value_range is None:
        low, high = (float(flat.min()), float(flat.max())) if flat.size else (-1.0, 1.0)
    else:
        low, high = value_range
    if high <= low:  # every value equal: one narrow bin around it
        low, high = low - 0.5, high + 0.5
    counts, _ = np.histogram(flat, bins=bins, range=(low, high))
    return Histogram(counts.astype(np.int64), float(low), float(high), int(counts.sum()))


def rebin(histograms: Sequence[Histogram], low: float, high: float, bins: int) -> np.ndarray:
    """Histograms with their own ranges redrawn on one grid of `bins` bins from `low` to `high`:
    float64 (len(histograms), bins), each row the share of its values per bin.

    Counts are spread evenly within each source bin (the cumulative count is interpolated
    linearly), as TensorBoard does to stack histograms recorded with different ranges.
    """
    if not histograms:
        return np.zeros((0, bins))
    counts = np.stack([h.counts for h in histograms]).astype(np.float64)
    sources = counts.shape[1]
    lows = np.array([h.low for h in histograms])[:, None]
    widths = (np.array([h.high for h in histograms])[:, None] - lows) / sources
    cumulative = np.concatenate([np.zeros((len(histograms), 1)), np.cumsum(counts, axis=1)],
                                axis=1)
    edges = np.linspace(low, high, bins + 1)[None, :]
    position = np.clip((edges - lows) / widths, 0.0, sources)  # in source bins
    index = np.minimum(np.floor(position).astype(np.intp), sources - 1)
    fraction = position - index
    rows = np.arange(len(histograms))[:, None]
    at_edges = cumulative[rows, index] + fraction * counts[rows, index]
    shares = np.diff(at_edges, axis=1)
    totals = cumulative[:, -1:]
    return np.divide(shares, totals, out=np.zeros_like(shares), where=totals > 0)


# ---- activations -------------------------------------------------------------------------------

# Layers whose output only repeats values an earlier layer already showed.
PASS_THROUGH = ("input", "flatten", "reshape", "dropout")
DEAD_ACTIVATIONS = activations_that(DIES)  # zero for every negative input: can stop for good
SATURATING = activations_that(SATURATES)
# A squashing output is saturated where the slope there is under a tenth of its peak:
# sigmoid y(1 - y) < 0.025 (y < 0.026 or y > 0.974), tanh 1 - y² < 0.1 (|y| > 0.949).
SLOPE_SHARE = 0.1
SATURATED_SAMPLES = 0.9  # a unit counts as saturated when it is so on this share of samples
HINT_SHARE = 0.25  # shares of dead or saturated units from which a hint is given


@dataclass(frozen=True, eq=False)
class LayerActivations:
    """What one layer's outputs do on the probe batch.

    `dead` (ReLU layers) marks units that are never positive on any sample; `saturated`
    (sigmoid and tanh layers, not the output) units sitting near their limits on at least
    `SATURATED_SAMPLES` of the samples. A unit is a neuron of a vector output, a channel (one
    filter's map) of an image or sequence. `hint` says in plain words what to try when the
    share is high ("" otherwise).
    """

    node_id: str
    activation: str | None
    units: int
    histogram: Histogram
    dead: np.ndarray | None = None  # bool (units,)
    saturated: np.ndarray | None = None  # bool (units,)
    hint: str = ""

    @property
    def dead_share(self) -> float | None:
        return None if self.dead is None else float(self.dead.mean()) if self.units else 0.0

    @property
    def saturated_share(self) -> float | None:
        return (None if self.saturated is None
                else float(self.saturated.mean()) if self.units else 0.0)


def saturated_mask(values: np.ndarray, activation: str) -> np.ndarray:
    """True where a squashing output's slope is under `SLOPE_SHARE` of its peak.

    For sigmoid and tanh the slope, as a function of the output y between the limits lo and
    hi, is (y − lo)(hi − y) / ((hi − lo) / 2)² of its peak, so the limits in the activation
    table are all it takes."""
    low, high = ACTIVATION_TABLE[activation].output_range
    return (values - low) * (high - values) < SLOPE_SHARE * ((high - low) / 2) ** 2


def activation_statistics(display, x: np.ndarray, bins: int = BINS) -> list[LayerActivations]:
    """Histogram, dead and saturated units of every layer's output on the inputs `x`.

    `display` is an `engine.probes.DisplayModel` (never the model that trains); `x` a fixed
    probe batch (see `probe_batch`). One forward pass; layers that only pass values on
    (flatten, reshape, dropout) are left out.
    """
    with torch.no_grad():
        values = display.model.forward_all(torch.from_numpy(_float32(x)))
    output_id = display.output_id
    layers = []
    for node_id in display.node_ids:
        node = display.network.node(node_id)
        if node.type in PASS_THROUGH:
            continue
        out = values[node_id].numpy()
        activation = display_activation(display, node)
        layers.append(_layer_activations(node_id, activation, out, bins,
                                         node_id == output_id))
    return layers


def display_activation(display, node) -> str | None:
    """The activation a node's output has been through, as the views see it."""
    from nnstudio.engine.probes import activation_name

    name = activation_name(node)
    return None if name == "linear" else name


def _layer_activations(node_id: str, activation: str | None, out: np.ndarray, bins: int,
                       is_output: bool) -> LayerActivations:
    n = out.shape[0]
    # Units: the features of a vector, the channels (first axis, channels-first) otherwise.
    per_unit = out.reshape(n, out.shape[1], -1) if out.ndim > 2 else out.reshape(n, -1, 1)
    units = per_unit.shape[1]
    hist = histogram(out, bins, histogram_range(out, activation))
    dead = saturated = None
    hint = ""
    if activation in DEAD_ACTIVATIONS:
        dead = ~(per_unit > 0).any(axis=(0, 2))
        share = float(dead.mean()) if units else 0.0
        if share >= HINT_SHARE:
            hint = (f"{_percent(share)} of {node_id}'s ReLUs never fire on these samples, so "
                    "they pass on no gradient and have stopped learning: try a lower learning "
                    "rate, LeakyReLU or He initialization.")
    elif activation in SATURATING and not is_output:  # a confident output is the goal
        stuck = saturated_mask(per_unit, activation).mean(axis=2)  # per sample and unit
        saturated = (stuck >= 0.5).mean(axis=0) >= SATURATED_SAMPLES if n else \
            np.zeros(units, bool)
        share = float(saturated.mean()) if units else 0.0
        if share >= HINT_SHARE:
            limits = " or ".join(f"{limit:g}" for limit in
                                 ACTIVATION_TABLE[activation].output_range)
            hint = (f"{_percent(share)} of {node_id}'s {activation} units are saturated: their "
                    f"output sits near {limits} for most samples, where the curve is flat, so "
                    "they learn slowly. Try standardized inputs, a lower learning rate, or "
                    "Xavier initialization.")
    return LayerActivations(node_id, activation, units, hist, dead, saturated, hint)


def _percent(share: float) -> str:
    return f"{round(share * 100)}%"


def _float32(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float32)


# ---- weights -----------------------------------------------------------------------------------

LEARNED = ("weight", "bias")  # prefixes of the tensors training changes (not running statistics)


def weight_histograms(arrays: Mapping[str, np.ndarray], bins: int = BINS
                      ) -> dict[str, Histogram]:
    """A histogram of every learned tensor (keys "{node_id}.weight", ".bias", recurrent layers'
    "weight_ih_l0"...; running statistics are left out), each over its own min to max."""
    return {key: histogram(array, bins) for key, array in arrays.items()
            if is_learned(key) and np.size(array)}


def is_learned(key: str) -> bool:
    """True for a weight or bias tensor's key, False for running statistics."""
    return key.rsplit(".", 1)[-1].startswith(LEARNED)


# ---- feature maps ------------------------------------------------------------------------------



@dataclass(frozen=True, eq=False)
class FeatureMaps:
    """One conv layer's output for one sample, its activation applied: float32 (channels,
    height, width); a conv1d layer's maps have height 1."""

    node_id: str
    activation: str | None
    maps: np.ndarray


def conv_layers(network) -> list[str]:
    """The ids of the network's convolution layers, in running order of the nodes."""
    return [node.id for node in network.nodes if layer_type(node.type).is_convolution]


def feature_maps(display, sample: np.ndarray) -> list[FeatureMaps]:
    """Every conv layer's feature maps for one sample (*input_shape), in running order."""
    x = torch.from_numpy(_float32(np.asarray(sample)[None, ...]))
    with torch.no_grad():
        values = display.model.forward_all(x)
    result = []
    for node_id in display.node_ids:
        node = display.network.node(node_id)
        if layer_type(node.type).is_convolution:
            maps = values[node_id][0].numpy()
            maps = maps[:, None, :] if maps.ndim == 2 else maps
            result.append(FeatureMaps(node_id, display_activation(display, node),
                                      np.ascontiguousarray(maps, dtype=np.float32)))
    return result


def input_image(sample: np.ndarray) -> np.ndarray:
    """A sample as an image: float32 (channels, height, width); a sequence (channels, length)
    becomes one row per channel."""
    sample = np.asarray(sample, dtype=np.float32)
    if sample.ndim == 1:
        sample = sample[None, None, :]
    elif sample.ndim == 2:
        sample = sample[:, None, :]
    return np.ascontiguousarray(sample)


# ---- evaluation --------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class ClassScores:
    """Precision, recall and F1 of each class (one against the rest), and its sample count."""

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray  # int64: samples of the class


@dataclass(frozen=True, eq=False)
class Evaluated:
    """A classifier on one split: what it predicted, and how well.

    `probabilities` (n, classes) and `predicted` (n,) are the engine's (its objective turns the
    outputs into both; (n, positions, classes) and (n, positions) for a class per position,
    where a sample is misclassified when any position is wrong); `evaluation` is what `engine.evaluate.evaluate` gives on the same
    split: the confusion matrix, metrics and (binary) ROC curve and AUC. For regression `outputs`
    holds the predictions (n, k) and `probabilities`, `predicted` are None.
    """

    split: str
    dataset: object  # data.dataset.Dataset
    evaluation: object  # engine.evaluate.Evaluation
    probabilities: np.ndarray | None
    predicted: np.ndarray | None
    outputs: np.ndarray | None = None

    @property
    def task(self) -> str:
        return str(self.dataset.task)

    @property
    def is_classification(self) -> bool:
        return self.probabilities is not None

    @property
    def is_binary(self) -> bool:
        return (self.is_classification and self.probabilities.ndim == 2
                and self.probabilities.shape[1] == 2)

    @property
    def targets(self) -> np.ndarray:
        return np.asarray(self.dataset.y)

    @property
    def confusion(self) -> np.ndarray:
        return self.evaluation.confusion

    @property
    def metrics(self) -> dict[str, float]:
        return self.evaluation.metrics

    @property
    def roc(self):
        return self.evaluation.roc

    @property
    def auc(self) -> float | None:
        return self.evaluation.metrics.get("auc")

    def positive_scores(self) -> np.ndarray:
        """The probability of class 1 of each sample (binary tasks)."""
        return self.probabilities[:, 1]

    def predicted_at(self, threshold: float) -> np.ndarray:
        """Binary predictions when class 1 needs a probability above `threshold` (at 0.5 the
        engine's own predictions)."""
        return (self.positive_scores() > threshold).astype(np.int64)

    def confusion_at(self, threshold: float | None = None) -> np.ndarray:
        """The confusion matrix (row = true class, column = predicted), at `threshold` for a
        binary task (None: the engine's)."""
        if threshold is None or not self.is_binary:
            return self.confusion
        return confusion_counts(self.predicted_at(threshold), self.targets, 2)

    def scores_at(self, threshold: float | None = None) -> dict[str, float]:
        """Accuracy, precision, recall and F1 (engine.metrics.scores_from_confusion)."""
        return scores_from_confusion(self.confusion_at(threshold))

    def class_scores(self, threshold: float | None = None) -> ClassScores:
        return class_scores(self.confusion_at(threshold))

    def misclassified(self, threshold: float | None = None) -> np.ndarray:
        """Indexes of the samples whose predicted class is not their true class."""
        predicted = self.predicted if threshold is None or not self.is_binary \
            else self.predicted_at(threshold)
        wrong = predicted != self.targets
        return np.flatnonzero(wrong.any(axis=1) if wrong.ndim == 2 else wrong)

    def largest_errors(self, count: int) -> np.ndarray:
        """Regression: indexes of the `count` samples predicted worst (largest mean |error|)."""
        y = np.asarray(self.dataset.y, dtype=np.float64).reshape(len(self.outputs), -1)
        error = np.abs(self.outputs.reshape(len(y), -1) - y).mean(axis=1)
        return np.argsort(-error, kind="stable")[:count]


def confusion_counts(predicted: np.ndarray, target: np.ndarray, n_classes: int) -> np.ndarray:
    """engine.metrics.confusion_matrix of numpy class indices, as an int64 array."""
    counts = confusion_matrix(torch.from_numpy(np.asarray(predicted, dtype=np.int64)),
                              torch.from_numpy(np.asarray(target, dtype=np.int64)), n_classes)
    return counts.numpy()


def class_scores(confusion: np.ndarray) -> ClassScores:
    """Each class's precision, recall and F1, one class against the rest: the engine's binary
    scores (`scores_from_confusion`) of each class's 2×2 matrix."""
    confusion = np.asarray(confusion, dtype=np.int64)
    total = int(confusion.sum())
    rows = []
    for c in range(len(confusion)):
        tp = int(confusion[c, c])
        fn = int(confusion[c].sum()) - tp
        fp = int(confusion[:, c].sum()) - tp
        scores = scores_from_confusion([[total - tp - fn - fp, fp], [fn, tp]])
        rows.append((scores["precision"], scores["recall"], scores["f1"]))
    values = np.array(rows, dtype=np.float64).reshape(-1, 3)
    return ClassScores(values[:, 0], values[:, 1], values[:, 2], confusion.sum(axis=1))


def evaluate_split(model: GraphModule, dataset, split: str = "test",
                   loss: str = "auto") -> Evaluated:
    """The model (a display copy) on one split, in one forward pass: each sample's class
    probabilities and predicted class (the engine's objective), and an `Evaluation` made as
    `engine.evaluate.evaluate` makes it (confusion matrix, metrics, ROC curve and AUC for two
    classes) from the engine's metric functions. `loss` is the training setting. SpecError if
    the output does not fit the data.
    """
    objective = make_objective(loss, dataset.task, dataset.n_classes, dataset.output_size, model)
    x = torch.from_numpy(_float32(dataset.x))
    y = torch.from_numpy(np.asarray(dataset.y))
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            parts = [objective.values(model, model(x[start:start + CHUNK]))
                     for start in range(0, len(x), CHUNK)]
    finally:
        model.train(was_training)
    values = torch.cat(parts) if parts else torch.zeros((0, objective.outputs))
    targets = objective.targets(y)
    mean_loss = float(objective(values, targets)) if len(x) else float("nan")
    names = tuple(dataset.class_names)
    if not objective.is_classification:
        accumulator = RegressionAccumulator(torch.device("cpu"))
        accumulator.update(torch.tensor(mean_loss), values, targets)
        evaluation = Evaluation(accumulator.compute(), None, None, names, len(x))
        return Evaluated(split, dataset, evaluation, None, None,
                         np.ascontiguousarray(values.numpy(), dtype=np.float64))
    predicted = objective.predicted_classes(values)
    confusion = confusion_matrix(predicted, y, max(objective.classes, 2)).numpy()
    metrics = {"loss": mean_loss, **scores_from_confusion(confusion)}
    if objective.positions > 1:
        metrics[EXACT_MATCH] = float(exact_matches(predicted, y)) / max(1, len(x))
    probabilities = objective.probabilities(values).double().numpy()
    roc = None
    if objective.classes == 2 and len(x):
        roc = roc_curve(probabilities[:, 1], dataset.y)
        metrics["auc"] = auc(roc[0], roc[1])
    elif probabilities.ndim == 2 and len(x):  # as engine.evaluate: each class against the rest
        metrics["auc"] = one_vs_rest_auc(probabilities, dataset.y)
    evaluation = Evaluation(metrics, confusion, roc, names, len(x))
    return Evaluated(split, dataset, evaluation, probabilities,
                     predicted.numpy().astype(np.int64))
