"""Weights as plain numpy arrays keyed `"{node_id}.{tensor}"`, the form project files store.

E.g. `dense_1.weight`, `dense_1.bias`, `batchnorm_1.running_mean`. The keys name nodes, not
module paths, so a file stays readable and survives changes to how modules are built.

BatchNorm's `num_batches_tracked` counter is left out: it only matters when the momentum is
None, which NN Studio never uses, and it is the one 0-d tensor (file formats and
`np.ascontiguousarray` handle those poorly). Arrays that do carry it are accepted.
"""

from __future__ import annotations

import numpy as np
import torch

from nnstudio.core.errors import SpecError
from nnstudio.engine.modules import GraphModule


IGNORED = ("num_batches_tracked",)


def named_tensors(model: GraphModule) -> dict[str, torch.Tensor]:
    """The live tensors a project stores, by key (they share memory with the model)."""
    tensors: dict[str, torch.Tensor] = {}
    for node_id in model.node_ids:
        module = model.layer(node_id)
        if module is not None:
            for name, tensor in module.state_dict().items():
                if name not in IGNORED:
                    tensors[f"{node_id}.{name}"] = tensor
    return tensors


def model_to_arrays(model: GraphModule) -> dict[str, np.ndarray]:
    """Copies of every tensor of `model` (weights, biases, running statistics) on the CPU."""
    return {key: tensor.detach().cpu().numpy().copy()
            for key, tensor in named_tensors(model).items()}


def expected_shapes(model: GraphModule) -> dict[str, tuple[int, ...]]:
    """The key and shape of every tensor `model` needs."""
    return {key: tuple(tensor.shape) for key, tensor in named_tensors(model).items()}


def check_arrays(model: GraphModule, arrays: dict[str, np.ndarray]) -> None:
    """SpecError naming every tensor that is missing, extra or of the wrong shape."""
    expected = expected_shapes(model)
    problems: list[str] = []
    for key, shape in expected.items():
        if key not in arrays:
            problems.append(f"{key}: missing")
            continue
        got = tuple(np.shape(arrays[key]))
        if got != shape:
            problems.append(f"{key}: expected shape {shape}, got {got}")
        elif not np.issubdtype(np.asarray(arrays[key]).dtype, np.number):
            problems.append(f"{key}: must hold numbers, got {np.asarray(arrays[key]).dtype}")
    for key in sorted(set(arrays) - set(expected)):
        if key.rsplit(".", 1)[-1] in IGNORED and key.split(".", 1)[0] in model.node_ids:
            continue
        problems.append(f"{key}: the network has no such tensor")
    if problems:
        raise SpecError("The saved weights do not fit the network (was it changed since they "
                        "were saved? train again to replace them): " + "; ".join(problems))


def check_finite(arrays: dict[str, np.ndarray]) -> None:
    """SpecError naming each tensor that holds NaN or infinite values (weights never do)."""
    problems = []
    for key in sorted(arrays):
        array = np.asarray(arrays[key])
        if array.dtype.kind == "f":
            bad = int(array.size - np.count_nonzero(np.isfinite(array)))
            if bad:
                problems.append(f"{key} holds {bad:,} NaN or infinite value{'s' * (bad > 1)}")
    if problems:
        raise SpecError("; ".join(problems) + ": weights must be finite numbers (were they "
                        "saved from a run that diverged?)")


def conversions(model: GraphModule, arrays: dict[str, np.ndarray]) -> list[str]:
    """What putting `arrays` into `model` converts: "dense_1.weight from float64 to float32"."""
    tensors = named_tensors(model)
    converted = []
    for key in sorted(tensors):
        given = np.asarray(arrays[key]).dtype
        wanted = str(tensors[key].dtype).removeprefix("torch.")
        if given.name != wanted:
            converted.append(f"{key} from {given.name} to {wanted}")
    return converted


def arrays_to_model(model: GraphModule, arrays: dict[str, np.ndarray]) -> None:
    """Copy `arrays` into `model` in place; SpecError (naming each tensor) if they do not fit."""
    check_arrays(model, arrays)
    with torch.no_grad():
        for key, tensor in named_tensors(model).items():
            tensor.copy_(torch.tensor(np.asarray(arrays[key])).to(tensor.dtype))
