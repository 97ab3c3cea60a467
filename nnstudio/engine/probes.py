"""Probes: look inside a network without touching the one that trains.

A `DisplayModel` is a separate copy of the network, built once per structure, that takes weight
snapshots by `param.copy_` (a fraction of a millisecond for the networks learners build) and
answers the views' questions: every neuron's output over a grid of the input plane, and the
numbers of one sample's forward pass. Nothing is ever hooked into the training model, and every
answer is computed in a few vectorized calls on fixed grids, so the views can ask at their
throttled rate while a run goes on.

The input plane is an affine map from two coordinates (u, v) to a point
`origin + u * axes[0] + v * axes[1]`: the model's input vector itself, or, for a project whose
inputs are computed from its columns (data.transforms), a point of the columns that the plane's
`encode` turns into the model's input. Two chosen features with the others held at their
training median, and the first two principal components, are both planes of that form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import torch

from nnstudio.core.network import Network
from nnstudio.engine.modules import GraphModule, build_model
from nnstudio.engine.weights import named_tensors

MARGIN = 0.1  # the plane reaches this share of the data's span beyond its points


# ---- the input plane -------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Plane:
    """Two coordinates mapped onto the model's input: `origin + u * axes[0] + v * axes[1]`.

    `kind` is "features" (u and v are features `features[0]` and `features[1]`, the others held
    at `origin`, their training median) or "pca" (u and v are the first two principal
    components; `explained` holds their shares of the variance). `encode`, when set, maps the
    plane's points (n, d) to the model's inputs (the plane lies in the data's columns).
    """

    kind: str
    origin: np.ndarray  # (d,) float64
    axes: np.ndarray  # (2, d) float64
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    labels: tuple[str, str]
    features: tuple[int, int] | None = None
    explained: tuple[float, float] | None = None
    encode: Callable[[np.ndarray], np.ndarray] | None = None

    @property
    def dimensions(self) -> int:
        return int(self.origin.shape[0])

    def coordinates(self, resolution: int) -> tuple[np.ndarray, np.ndarray]:
        """The grid's u values (columns) and v values (rows), each `resolution` long."""
        u = np.linspace(self.x_range[0], self.x_range[1], resolution)
        v = np.linspace(self.y_range[0], self.y_range[1], resolution)
        return u, v

    def inputs(self, resolution: int) -> np.ndarray:
        """The model inputs of every grid point, float32 (resolution², d), row by row: point
        `row * resolution + column` sits at (u[column], v[row])."""
        u, v = self.coordinates(resolution)
        uu, vv = np.meshgrid(u, v)  # rows follow v, columns follow u
        points = (self.origin[None, :] + uu.reshape(-1, 1) * self.axes[0][None, :]
                  + vv.reshape(-1, 1) * self.axes[1][None, :])
        return self._model_inputs(points)

    def point_inputs(self, u: float, v: float) -> np.ndarray:
        """The model input at plane coordinates (u, v)."""
        return self._model_inputs((self.origin + u * self.axes[0] + v * self.axes[1])[None])[0]

    def _model_inputs(self, points: np.ndarray) -> np.ndarray:
        if self.encode is not None:
            points = self.encode(points)
        return np.ascontiguousarray(points, dtype=np.float32)

    def project(self, x: np.ndarray) -> np.ndarray:
        """Plane coordinates (n, 2) of points `x` (n, d) of the plane's space (the model's
        inputs, or the columns for a plane with `encode`): for a features plane the two features
        themselves, for PCA the projections on the two components."""
        x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
        if self.kind == "features":
            return x[:, list(self.features)].copy()
        return (x - self.origin[None, :]) @ self.axes.T

    def pixel_rect(self, resolution: int) -> tuple[float, float, float, float]:
        """(x, y, width, height) of the image whose pixel centres are the grid points."""
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        dx = (x1 - x0) / max(resolution - 1, 1)
        dy = (y1 - y0) / max(resolution - 1, 1)
        return x0 - dx / 2, y0 - dy / 2, x1 - x0 + dx, y1 - y0 + dy


def _padded_range(values: np.ndarray, margin: float = MARGIN) -> tuple[float, float]:
    low, high = float(np.min(values)), float(np.max(values))
    span = high - low
    if not math.isfinite(span) or span <= 1e-12:
        span = max(abs(low), 1.0)
    return low - margin * span, high + margin * span


def feature_plane(x: np.ndarray, first: int, second: int,
                  names: Sequence[str] = ()) -> Plane:
    """The plane over features `first` and `second` of `x` (n, d), the others at their median.

    The ranges cover the data with a margin of 10% of its span on each side.
    """
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    d = x.shape[1]
    if not (0 <= first < d and 0 <= second < d) or first == second:
        raise ValueError(f"choose two different features from 0 to {d - 1}")
    origin = np.median(x, axis=0) if len(x) else np.zeros(d)
    origin[[first, second]] = 0.0
    axes = np.zeros((2, d))
    axes[0, first] = axes[1, second] = 1.0
    labels = tuple(names[i] if i < len(names) else f"x{i + 1}" for i in (first, second))
    if len(x):
        x_range, y_range = _padded_range(x[:, first]), _padded_range(x[:, second])
    else:
        x_range = y_range = (-1.0, 1.0)
    return Plane("features", origin, axes, x_range, y_range, labels, (first, second))


def principal_components(x: np.ndarray, count: int = 2) -> tuple[np.ndarray, np.ndarray,
                                                                  np.ndarray]:
    """(mean (d,), components (count, d), explained variance ratio (count,)) of `x` (n, d).

    Computed with numpy's SVD of the centred data; each component's sign is chosen so its
    largest entry is positive, so the same data always gives the same plane.
    """
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    mean = x.mean(axis=0)
    _, singular, vt = np.linalg.svd(x - mean, full_matrices=False)
    components = vt[:count].copy()
    for row in components:
        if row[np.argmax(np.abs(row))] < 0:
            row *= -1
    variance = singular ** 2
    total = variance.sum()
    ratio = variance[:count] / total if total > 0 else np.zeros(min(count, len(variance)))
    return mean, components, ratio


def pca_plane(x: np.ndarray) -> Plane:
    """The plane of the first two principal components of `x` (n, d), centred on its mean."""
    mean, components, ratio = principal_components(x, 2)
    projected = (np.asarray(x, dtype=np.float64).reshape(len(x), -1) - mean) @ components.T
    return Plane("pca", mean, components, _padded_range(projected[:, 0]),
                 _padded_range(projected[:, 1]), ("PC 1", "PC 2"),
                 explained=(float(ratio[0]), float(ratio[1])))


def default_plane(input_size: int, first: int = 0, second: int = 1,
                  names: Sequence[str] = ()) -> Plane:
    """A plane for a network without data that fits it: features `first` and `second` from
    -1 to 1, the others at 0."""
    axes = np.zeros((2, input_size))
    axes[0, first] = axes[1, second] = 1.0
    labels = tuple(names[i] if i < len(names) else f"x{i + 1}" for i in (first, second))
    return Plane("features", np.zeros(input_size), axes, (-1.0, 1.0), (-1.0, 1.0), labels,
                 (first, second))


# ---- the display model -----------------------------------------------------------------------

def structure_key(network: Network) -> tuple:
    """What decides the model a network builds: ids, types, parameters and wiring, not where
    the nodes sit on the canvas. Two networks with equal keys take the same weights."""
    return tuple((node.id, node.type, tuple(sorted((k, repr(v)) for k, v in node.params.items())),
                  tuple(node.inputs)) for node in network.nodes)


@dataclass(frozen=True)
class TraceStep:
    """One node of a forward pass for one sample.

    `inputs`: the values the node received (several inputs are concatenated), flat; `z`: for
    layers with weights, `W x + b` before the activation (None otherwise); `output`: what the
    node passes on, its activation applied (flat); `weight` and `bias`: the node's own tensors.
    """

    node_id: str
    type: str
    activation: str | None
    inputs: np.ndarray
    z: np.ndarray | None
    output: np.ndarray
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    weight: np.ndarray | None = None
    bias: np.ndarray | None = None
    params: dict = field(default_factory=dict)  # the node's settings, for its formula


@dataclass(frozen=True)
class PlaneProbe:
    """Every node's output over a plane's grid: `values[node_id]` is float32, C-contiguous,
    shape (units, resolution, resolution) with rows following v and columns following u."""

    plane: Plane
    resolution: int
    values: dict[str, np.ndarray] = field(default_factory=dict)


class DisplayModel:
    """A copy of `network` for the views, in evaluation mode, that takes weight snapshots."""

    def __init__(self, network: Network, seed: int = 0):
        self.network = Network(network.nodes)
        self.key = structure_key(network)
        self.model: GraphModule = build_model(self.network, seed).eval()
        for parameter in self.model.parameters():
            parameter.requires_grad_(False)
        self.seed = seed
        self._tensors = named_tensors(self.model)
        self._shapes = {key: tuple(t.shape) for key, t in self._tensors.items()}
        # The weights a run from scratch starts with, to go back to when weights are forgotten.
        self.initial = {key: t.detach().clone().numpy() for key, t in self._tensors.items()}

    # ---- weights ----
    def load(self, arrays: dict[str, np.ndarray] | None) -> bool:
        """Copy `arrays` into the model; False (and nothing changed) when they do not fit."""
        if not arrays or not self.fits(arrays):
            return False
        with torch.no_grad():
            for key, tensor in self._tensors.items():
                array = np.asarray(arrays[key])
                if not array.flags.writeable:  # torch.from_numpy warns about read-only arrays
                    array = array.copy()
                tensor.copy_(torch.from_numpy(array))
        return True

    def fits(self, arrays: dict[str, np.ndarray]) -> bool:
        """True when `arrays` holds every tensor of the model with its shape."""
        for key, shape in self._shapes.items():
            array = arrays.get(key)
            if array is None or tuple(np.shape(array)) != shape:
                return False
        return True

    def array(self, key: str) -> np.ndarray:
        """The current values of tensor `key` (e.g. "dense_1.weight"), shared with the model."""
        return self._tensors[key].numpy()

    def has_tensor(self, key: str) -> bool:
        return key in self._tensors

    def weight_arrays(self, node_id: str) -> dict[str, np.ndarray]:
        """Every weight tensor of a node (not its biases), by key: one for Dense and Conv,
        input and recurrent weights per stacked layer and direction for LSTM and GRU."""
        prefix = f"{node_id}.weight"
        return {key: tensor.numpy() for key, tensor in self._tensors.items()
                if key.startswith(prefix)}

    # ---- shapes ----
    @property
    def node_ids(self) -> tuple[str, ...]:
        return self.model.node_ids

    def shape(self, node_id: str) -> tuple[int, ...]:
        return tuple(self.model.shapes[node_id])

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.model.input_shape)

    @property
    def output_id(self) -> str:
        return self.model.output_id

    # ---- probes ----
    def outputs(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Every node's output for inputs `x` (n, *input_shape), flattened per sample:
        float32 C-contiguous arrays (n, size). The output node's has its activation."""
        with torch.no_grad():
            values = self.model.forward_all(torch.from_numpy(_float32(x)))
        return {node_id: np.ascontiguousarray(value.reshape(len(x), -1).numpy(),
                                              dtype=np.float32)
                for node_id, value in values.items()}

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The network's output as drawn (final activation included), float32 (n, size)."""
        with torch.no_grad():
            value = self.model.predict_output(torch.from_numpy(_float32(x)))
        return np.ascontiguousarray(value.reshape(len(x), -1).numpy(), dtype=np.float32)

    def plane_probe(self, plane: Plane, resolution: int,
                    nodes: Sequence[str] | None = None) -> PlaneProbe:
        """The output of `nodes` (default: every node) over `plane`'s grid, one forward pass.

        Asking only for the output node takes the model's fast path.
        """
        x = plane.inputs(resolution)
        if nodes is not None and tuple(nodes) == (self.output_id,):
            flat = {self.output_id: self.predict(x)}
        else:
            flat = self.outputs(x)
            if nodes is not None:
                flat = {node_id: flat[node_id] for node_id in nodes}
        values = {node_id: np.ascontiguousarray(
                      value.T.reshape(-1, resolution, resolution))
                  for node_id, value in flat.items()}
        return PlaneProbe(plane, resolution, values)

    def trace(self, sample: np.ndarray) -> list[TraceStep]:
        """The forward pass of one sample (*input_shape), node by node in running order."""
        x = torch.from_numpy(_float32(np.asarray(sample)[None, ...]))
        with torch.no_grad():
            values = self.model.forward_all(x)
            return [self._trace_step(node_id, values) for node_id in self.node_ids]

    def _trace_step(self, node_id: str, values: dict[str, torch.Tensor]) -> TraceStep:
        node = self.network.node(node_id)
        sources = [values[s] for s in node.inputs] if node.inputs else [values[node_id]]
        flat_inputs = torch.cat([s.reshape(-1) for s in sources]).numpy().copy()
        output = values[node_id]
        module = self.model.layer(node_id)
        weight = getattr(module, "weight", None) if module is not None else None
        bias = getattr(module, "bias", None) if module is not None else None
        # z for layers with an activation setting of their own (a = f(z)); others have none.
        z = self.model.before_activation(node_id, *sources) if "activation" in node.params \
            else None
        return TraceStep(
            node_id, node.type, activation_name(node), flat_inputs,
            None if z is None else z.reshape(-1).numpy().copy(),
            output.reshape(-1).numpy().copy(),
            tuple(self.model.input_shapes[node_id][0]) if node.inputs else self.input_shape,
            self.shape(node_id),
            None if weight is None else weight.numpy().copy(),
            None if bias is None else bias.numpy().copy(), dict(node.params))


def activation_name(node) -> str | None:
    """The activation a node applies: its `activation` parameter, its own type for activation
    layers, or None for layers that apply none."""
    from nnstudio.core.layers import layer_type

    if "activation" in node.params:
        return node.params["activation"]
    if layer_type(node.type).is_activation:
        return node.type
    return None


def _float32(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float32)
