"""The activation table: every activation function NN Studio knows, described once.

Each row gives the key saved in files (as a layer's `activation` setting and as its own layer
type), the name and help shown to a learner, its own settings, the range its outputs can take,
and how it can fail to learn (the hints of the activations view read this). How it runs in
torch, and how it is written in exported code, is its row in `nnstudio.engine.torch_layers`,
keyed by the same key; a test checks that every row here has one there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nnstudio.core.params import FLOAT, ParamSpec

# How an activation can stop a unit from learning.
DIES = "dying"  # zero, with zero slope, for every negative input: a unit can stop for good
SATURATES = "saturating"  # flat near its limits: a unit stuck there learns slowly


@dataclass(frozen=True)
class ActivationType:
    """One row of the activation table."""

    key: str
    name: str
    help: str
    symbol: str
    output_range: tuple[float, float]  # the lowest and highest output (±inf: unbounded)
    failure: str | None = None  # DIES, SATURATES or None
    params: tuple[ParamSpec, ...] = ()


_ACTIVATIONS = (
    ActivationType("relu", "ReLU", "max(0, x): passes positives, zeroes negatives. Fast and common.",
               "⌐", (0.0, math.inf), DIES),
    ActivationType("leaky_relu", "LeakyReLU",
               "Like ReLU, but negatives keep a small slope so neurons never die.", "⌐",
               (-math.inf, math.inf), None,
               (ParamSpec("negative_slope", FLOAT, 0.01, minimum=0.0, maximum=1.0,
                          help="The slope for negative inputs."),)),
    ActivationType("elu", "ELU", "Like ReLU, but negatives curve smoothly towards −alpha.", "⌐",
               (-math.inf, math.inf), None,
               (ParamSpec("alpha", FLOAT, 1.0, minimum=0.0, maximum=10.0,
                          help="The value large negative inputs approach (−alpha)."),)),
    ActivationType("gelu", "GELU", "A smooth ReLU used in transformers.", "⌐",
               (-0.17, math.inf)),
    ActivationType("sigmoid", "Sigmoid", "Squashes any value into 0..1: a probability.", "∫",
               (0.0, 1.0), SATURATES),
    ActivationType("tanh", "Tanh", "Squashes any value into −1..1, centred on 0.", "∫",
               (-1.0, 1.0), SATURATES),
    ActivationType("softmax", "Softmax",
               "Turns scores into probabilities that sum to 1 over the classes.", "%",
               (0.0, 1.0)),
    ActivationType("linear", "Linear", "Leaves values as they are (the identity).", "/",
               (-math.inf, math.inf)),
    ActivationType("sine", "Sine", "sin(frequency · x): waves, good for fitting periodic patterns.",
               "∿", (-1.0, 1.0), None,
               (ParamSpec("frequency", FLOAT, 1.0, minimum=0.01, maximum=100.0,
                          help="How fast the wave oscillates."),)),
)

ACTIVATION_TABLE: dict[str, ActivationType] = {row.key: row for row in _ACTIVATIONS}

# The order the `activation` setting offers them in: none first, as files always had it.
ACTIVATIONS = ("linear",) + tuple(key for key in ACTIVATION_TABLE if key != "linear")


def activations_that(failure: str) -> tuple[str, ...]:
    """The keys of the activations that can fail to learn this way (DIES or SATURATES)."""
    return tuple(row.key for row in _ACTIVATIONS if row.failure == failure)
