"""Training on a standardized regression target while everything outside sees its own units.

`fit` trains the network to predict `(y - shift) / scale` (see `TargetScaling`), which a linear
output reaches in a few steps whatever the target's units. Nothing else has to know: the
scaling is folded into the output layer of every weights the run hands out (snapshots, the
result, the trained model), `W' = scale * W`, `b' = scale * b + shift`, so the network as saved,
evaluated, drawn and exported predicts grams when the target is in grams; and losses and
metrics are converted to the target's units (MSE and Huber by scale², MAE by scale, R² as is).
The Huber loss reported is thus the one with its bend at one standard deviation of the target.

Folding needs an output Dense layer with a linear activation and a bias, the layer every
regression network NN Studio makes ends with; any other network trains on the raw target.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
import torch

from nnstudio.core.network import Network
from nnstudio.data.preprocessing import PreparedData, TargetScaling
from nnstudio.engine.callbacks import (
    BatchSnapshot,
    Callback,
    EpochSnapshot,
    FitResult,
    TrainStart,
    frozen_mapping,
)
from nnstudio.engine.weights import named_tensors

# How a loss or metric grows with the target's scale (exponent of `scale`).
_SCALE_POWER = {"mse": 2, "huber": 2, "mae": 1, "r2": 0}


def foldable_output(network: Network) -> str | None:
    """The id of the output layer the scaling can fold into (a Dense layer with a linear
    activation and a bias), or None."""
    node = network.output_node()
    if (node is None or node.type != "dense"
            or node.params.get("activation") not in ("linear", None)
            or not node.params.get("use_bias", True)):
        return None
    return node.id


def scale_power(name: str, loss: str) -> int:
    """How metric `name` (e.g. "val_mae", "loss") grows with the target's scale: the exponent."""
    base = name.removeprefix("val_").removeprefix("test_")
    if base == "loss":
        base = loss if loss in _SCALE_POWER else "mse"
    return _SCALE_POWER.get(base, 0)


class ScaledTraining:
    """One run's target scaling: its data, weights, metrics and listeners converted."""

    def __init__(self, scaling: TargetScaling, output_id: str, loss: str):
        self.scaling = scaling
        self.output_id = output_id
        self.loss = loss
        self._converted: dict[int, FitResult] = {}

    @classmethod
    def for_run(cls, network: Network, data: PreparedData, loss: str
                ) -> ScaledTraining | None:
        """The scaling a run of `network` on `data` trains with, or None (targets as they are)."""
        scaling = data.target_scaling
        output = foldable_output(network)
        if scaling is None or output is None:
            return None
        return cls(scaling, output, loss)

    # ---- into training units ----
    def data(self, data: PreparedData) -> PreparedData:
        """`data` with standardized targets (what the trainer fits), marked as needing no
        more scaling."""
        def scaled(part):
            return dataclasses.replace(part, y=self.scaling.standardize(part.y))

        return dataclasses.replace(data, train=scaled(data.train),
                                   validation=scaled(data.validation), test=scaled(data.test),
                                   target_scaling=None)

    def unfolded(self, weights: Mapping[str, np.ndarray] | None) -> dict | None:
        """Saved (own-units) weights turned back into training units, to continue a run."""
        if weights is None:
            return None
        return self._refit(weights, 1.0 / self.scaling.scale,
                           -self.scaling.shift / self.scaling.scale)

    def callbacks(self, callbacks: Sequence[Callback]) -> list[Callback]:
        return [_RawUnits(callback, self) for callback in callbacks]

    # ---- back to the target's units ----
    def folded(self, weights: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Training-unit weights whose output layer predicts the target in its own units."""
        return self._refit(weights, self.scaling.scale, self.scaling.shift)

    def metrics(self, metrics: Mapping[str, float]) -> dict[str, float]:
        """Losses and metrics in the target's own units."""
        return {name: value * self._factor(name) for name, value in metrics.items()}

    def result(self, result: FitResult) -> FitResult:
        """The run's result in the target's units; its model is folded in place, once."""
        key = id(result)
        if key not in self._converted:
            if result.model is not None:
                self._fold_model(result.model)
            self._converted[key] = dataclasses.replace(
                result, history={k: [v * self._factor(k) for v in values]
                                 for k, values in result.history.items()},
                final_metrics=self.metrics(result.final_metrics),
                weights=self.folded(result.weights))
        return self._converted[key]

    def failure(self, error: BaseException) -> None:
        """A failed run's partial result (kept weights, history) in the target's units."""
        result = getattr(error, "result", None)
        if isinstance(result, FitResult):
            error.result = self.result(result)

    def _factor(self, name: str) -> float:
        return self.scaling.scale ** scale_power(name, self.loss)

    def _refit(self, weights: Mapping[str, np.ndarray], scale: float, shift: float
               ) -> dict[str, np.ndarray]:
        result = dict(weights)
        weight, bias = f"{self.output_id}.weight", f"{self.output_id}.bias"
        result[weight] = (np.asarray(weights[weight], dtype=np.float64) * scale).astype(
            weights[weight].dtype)
        result[bias] = (np.asarray(weights[bias], dtype=np.float64) * scale + shift).astype(
            weights[bias].dtype)
        return result

    def _fold_model(self, model: torch.nn.Module) -> None:
        tensors = named_tensors(model)
        keys = (f"{self.output_id}.weight", f"{self.output_id}.bias")
        arrays = {key: tensors[key].detach().cpu().numpy() for key in keys}
        with torch.no_grad():
            for key, value in self.folded(arrays).items():
                tensors[key].copy_(torch.from_numpy(value))


class _RawUnits(Callback):
    """Hands a listener the run's snapshots in the target's own units."""

    def __init__(self, inner: Callback, training: ScaledTraining):
        self.inner = inner
        self.training = training
        self.batch_interval = inner.batch_interval
        self.wants_gradient_norms = inner.wants_gradient_norms

    @property
    def wants_weights(self) -> bool:  # the inner listener's, asked at each epoch
        return self.inner.wants_weights

    def on_train_start(self, info: TrainStart) -> None:
        self.inner.on_train_start(info)

    def on_batch_end(self, snapshot: BatchSnapshot) -> None:
        loss = snapshot.loss * self.training._factor("loss")
        self.inner.on_batch_end(dataclasses.replace(snapshot, loss=loss))

    def on_epoch_end(self, snapshot: EpochSnapshot) -> None:
        weights = snapshot.weights
        if weights is not None:
            weights = frozen_mapping(self.training.folded(weights))
        self.inner.on_epoch_end(dataclasses.replace(
            snapshot, metrics=frozen_mapping(self.training.metrics(snapshot.metrics)),
            weights=weights))

    def on_train_end(self, result: FitResult) -> None:
        self.inner.on_train_end(self.training.result(result))

    def on_exception(self, error: BaseException) -> None:
        self.training.failure(error)
        self.inner.on_exception(error)
