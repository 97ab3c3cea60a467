"""How much memory a network needs, known from its spec before anything is built.

A project file may ask for any size: an Input of [1000000] feeding a Dense 4096 holds 4 billion
weights (16 GB) before a single sample is seen. Building it first and failing later would take
the computer's memory with it, so the engine checks `check_memory` on the spec (shape inference,
pure arithmetic, milliseconds) before torch allocates anything, and refuses with a message that
says how much the network would need, which layer is largest, and what the limit is.

The limit is the environment variable NNSTUDIO_MAX_MEMORY ("8GB", "512MB", "2.5GB" or a number
of bytes); without it, half of the computer's physical memory (8 GB where that is unknown).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from typing import Any

from nnstudio.core.errors import SpecError
from nnstudio.core.network import Network
from nnstudio.core.shapes import ShapeReport, infer_shapes

MEMORY_LIMIT_ENV = "NNSTUDIO_MAX_MEMORY"
FALLBACK_LIMIT = 8 * 1024 ** 3
BYTES_PER_NUMBER = 4  # float32
# Training keeps every parameter four times (the weight, its gradient, two Adam averages) and
# every layer output twice (the value and its gradient); the estimate errs on the generous side.
TRAINING_COPIES_PER_PARAMETER = 4
TRAINING_COPIES_PER_ACTIVATION = 2

_UNITS = {"": 1, "b": 1, "kb": 1024, "mb": 1024 ** 2, "gb": 1024 ** 3, "tb": 1024 ** 4}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?b?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ModelSize:
    """A network's learned numbers and the numbers its layers output for one sample."""

    parameters: int
    activations_per_sample: int
    largest_layer: str  # the node holding the most parameters ("" when none has any)
    largest_parameters: int

    def bytes_needed(self, batch_size: int | None = None) -> int:
        """Memory to hold the model and run one sample (`batch_size` None), or to train it on
        batches of `batch_size`."""
        if batch_size is None:
            numbers = self.parameters + self.activations_per_sample
        else:
            numbers = (self.parameters * TRAINING_COPIES_PER_PARAMETER
                       + self.activations_per_sample * batch_size * TRAINING_COPIES_PER_ACTIVATION)
        return numbers * BYTES_PER_NUMBER


def model_size(report: ShapeReport) -> ModelSize:
    """The size of the network `report` describes (a valid shape report)."""
    activations = sum(math.prod(info.shape) for info in report.nodes.values()
                      if info.shape is not None)
    largest = max(report.nodes.items(), key=lambda item: item[1].params, default=("", None))
    largest_params = largest[1].params if largest[1] is not None else 0
    return ModelSize(report.total_params, activations, largest[0] if largest_params else "",
                     largest_params)


def memory_limit() -> int:
    """The most memory a network may need, in bytes (NNSTUDIO_MAX_MEMORY, else half of RAM)."""
    text = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    if text:
        return parse_size(text, MEMORY_LIMIT_ENV)
    return physical_memory() // 2 or FALLBACK_LIMIT


def parse_size(text: str, where: str) -> int:
    """Bytes from a size like "8GB", "512MB" or "1000000"; SpecError naming `where` if not."""
    match = _SIZE.match(text)
    if not match or float(match.group(1)) <= 0:
        raise SpecError(f"{where}: must be a memory size like \"8GB\" or \"512MB\", got "
                        f"\"{text[:40]}\"")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def physical_memory() -> int:
    """The computer's memory in bytes, 0 where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # Windows has no sysconf
        return 0


def check_memory(report: ShapeReport, batch_size: int | None = None) -> ModelSize:
    """The network's size, or SpecError if building it (`batch_size` None) or training it on
    batches of `batch_size` would need more memory than `memory_limit()`."""
    size = model_size(report)
    needed, limit = size.bytes_needed(batch_size), memory_limit()
    if needed <= limit:
        return size
    what = "building it" if batch_size is None else f"training it in batches of {batch_size}"
    largest = (f"; the largest layer, {size.largest_layer}, holds {size.largest_parameters:,}"
               if size.largest_layer else "")
    raise SpecError(
        f"network: {what} would need about {format_bytes(needed)} ({size.parameters:,} "
        f"parameters, {size.activations_per_sample:,} layer outputs per sample){largest}, more "
        f"than the limit of {format_bytes(limit)}: make the layers or the input smaller, or "
        f"raise the limit with {MEMORY_LIMIT_ENV} (e.g. {MEMORY_LIMIT_ENV}="
        f"{_round_up(needed)})")


def _round_up(count: int) -> str:
    """A limit just above `count` bytes, written as NNSTUDIO_MAX_MEMORY takes it: "17GB"."""
    for unit in ("GB", "MB", "KB"):
        scale = _UNITS[unit.lower()]
        if count >= scale:
            return f"{math.ceil(count / scale)}{unit}"
    return str(count)


def format_bytes(count: int) -> str:
    """A size for people: "512 MB", "16.4 GB", "3.1 TB"."""
    for unit in ("TB", "GB", "MB", "KB"):
        scale = _UNITS[unit.lower()]
        if count >= scale:
            value = count / scale
            return f"{value:,.0f} {unit}" if value >= 100 else f"{value:.3g} {unit}"
    return f"{count} bytes"


def check_trainable(network: Network, train: Any, batch_size: int) -> ModelSize:
    """Every check of `network` against the training data `train` (a Dataset) that needs only
    the spec, so that a network too large to build, one whose Input does not fit the data, or
    one with nothing to train is refused in milliseconds, before torch allocates anything."""
    report = infer_shapes(network)
    report.raise_if_invalid()
    input_id = network.input_nodes()[0].id
    input_shape = report.shape(input_id)
    if input_shape != train.input_shape:
        raise SpecError(
            f"{input_id}: expects samples shaped {list(input_shape)}, but the data "
            f"\"{train.name}\" has samples shaped {list(train.input_shape)}: set the Input's "
            f"shape to {list(train.input_shape)}")
    size = check_memory(report, max(1, min(batch_size, train.n_samples)))
    if size.parameters == 0:
        raise SpecError("network: has nothing to train (no layer with weights); add a layer "
                        "with weights, e.g. a Dense layer after the Input")
    return size
