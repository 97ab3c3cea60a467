"""The layer registry: one closed table of every layer type NN Studio knows.

Each entry gives the stable key saved in files, the name and category shown in the palette, the
parameter schema (with a one-line explanation for a learner), the shape rule and the parameter
count rule. The palette, inspector, validation, project files, the torch builder and the code
exporter all read this table, so adding a layer type means adding one entry here (and its torch
builder in `nnstudio.engine.modules`).

Shapes never include the batch dimension and are channels-first, as in PyTorch:
vectors `(features,)`, sequences `(steps, features)`, 1-D signals `(channels, length)`,
images `(channels, height, width)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from nnstudio.core.params import BOOL, CHOICE, FLOAT, INT, SHAPE, ParamSpec, Schema

Shape = tuple[int, ...]

ACTIVATIONS = ("linear", "relu", "leaky_relu", "elu", "gelu", "sigmoid", "tanh", "softmax", "sine")
INITIALIZERS = (
    "default", "xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "zeros", "constant",
)


class ShapeMismatch(Exception):
    """Raised by a shape rule: what the layer expected, and a hint on how to fix it.

    `culprit` is the index of the input whose shape is wrong; shape inference turns this into
    a message naming both nodes.
    """

    def __init__(self, expected: str, hint: str = "", culprit: int = 0):
        super().__init__(expected)
        self.expected = expected
        self.hint = hint
        self.culprit = culprit


class ParamConflict(ShapeMismatch):
    """Raised by a shape rule when the layer's own settings do not fit together, whatever its
    input (PyTorch refuses padding 'same' with a stride above 1): the message is about the
    settings, not about the input's shape."""

    def __init__(self, problem: str, hint: str = ""):
        super().__init__(problem, hint)


@dataclass(frozen=True)
class LayerType:
    """One row of the registry."""

    key: str
    name: str
    category: str
    help: str
    schema: Schema
    shape_rule: Callable[[dict, list[Shape]], Shape]
    count_params: Callable[[dict, list[Shape], Shape], int]
    min_inputs: int = 1
    max_inputs: int = 1  # 0 for the input layer; many for merges
    symbol: str = ""  # a short glyph drawn as the palette icon

    @property
    def is_merge(self) -> bool:
        return self.max_inputs > 1

    @property
    def is_activation(self) -> bool:
        return self.category == "Activation"


# ---- parameter specs shared by several layers ------------------------------------------------

def _activation_param(default: str = "linear") -> ParamSpec:
    return ParamSpec(
        "activation", CHOICE, default, choices=ACTIVATIONS, key=True,
        help="The function applied to each output; 'linear' leaves it as it is.",
    )


_USE_BIAS = ParamSpec("use_bias", BOOL, True, help="Add a learned offset b to each output (z = Wx + b).")
_INITIALIZER = ParamSpec(
    "initializer", CHOICE, "default", choices=INITIALIZERS,
    help="How the weights start: Xavier suits tanh/sigmoid, He suits ReLU; 'default' is PyTorch's.",
)
_INIT_VALUE = ParamSpec(
    "init_value", FLOAT, 0.0, minimum=-10.0, maximum=10.0,
    help="The value every weight starts at when the initializer is 'constant'.",
)


def _conv_params() -> tuple[ParamSpec, ...]:
    return (
        ParamSpec("filters", INT, 8, minimum=1, maximum=1024, key=True,
                  help="How many patterns (output channels) the layer learns to detect."),
        ParamSpec("kernel", INT, 3, minimum=1, maximum=15, key=True,
                  help="The width of the window each filter looks at."),
        ParamSpec("stride", INT, 1, minimum=1, maximum=8,
                  help="How far the window moves each step; 2 halves the output size."),
        ParamSpec("padding", CHOICE, "valid", choices=("valid", "same"),
                  help="'same' pads the input so the output keeps its size; 'valid' does not pad."),
        ParamSpec("dilation", INT, 1, minimum=1, maximum=8,
                  help="Gaps between the kernel's taps: sees a wider area with the same weights."),
        _activation_param(), _USE_BIAS, _INITIALIZER, _INIT_VALUE,
    )


def _pool_params() -> tuple[ParamSpec, ...]:
    return (
        ParamSpec("pool_size", INT, 2, minimum=1, maximum=8, key=True,
                  help="The window whose values are combined into one."),
        ParamSpec("stride", INT, 2, minimum=1, maximum=8,
                  help="How far the window moves each step."),
    )


# ---- shape rules -------------------------------------------------------------------------------

def _describe(rank_names: str) -> str:
    return f"({rank_names})"


def _single(shapes: list[Shape]) -> Shape:
    return shapes[0]


def _same_shape(params: dict, shapes: list[Shape]) -> Shape:
    return shapes[0]


def _input_shape(params: dict, shapes: list[Shape]) -> Shape:
    return tuple(params["shape"])


def _dense_shape(params: dict, shapes: list[Shape]) -> Shape:
    shape = _single(shapes)
    if len(shape) > 2:
        raise ShapeMismatch("(features,) or (steps, features)", "add a Flatten before it")
    return shape[:-1] + (params["units"],)


def _conv_length(size: int, params: dict) -> int:
    kernel, stride, dilation = params["kernel"], params["stride"], params["dilation"]
    if params["padding"] == "same":
        return size
    return (size - dilation * (kernel - 1) - 1) // stride + 1


def _conv_shape(spatial_rank: int) -> Callable[[dict, list[Shape]], Shape]:
    names = "channels, length" if spatial_rank == 1 else "channels, height, width"

    def rule(params: dict, shapes: list[Shape]) -> Shape:
        shape = _single(shapes)
        if len(shape) != spatial_rank + 1:
            hint = "add a Reshape before it" if len(shape) < spatial_rank + 1 else ""
            raise ShapeMismatch(_describe(names), hint)
        if params["padding"] == "same" and params["stride"] != 1:
            raise ParamConflict("padding 'same' needs stride 1",
                                "set stride to 1 or padding to 'valid'")
        spatial = tuple(_conv_length(size, params) for size in shape[1:])
        if min(spatial) < 1:
            reach = params["dilation"] * (params["kernel"] - 1) + 1
            raise ShapeMismatch(
                f"an input at least {reach} wide",
                "use a smaller kernel, padding 'same', or fewer pooling layers before it",
            )
        return (params["filters"],) + spatial

    return rule


def _pool_shape(spatial_rank: int) -> Callable[[dict, list[Shape]], Shape]:
    names = "channels, length" if spatial_rank == 1 else "channels, height, width"

    def rule(params: dict, shapes: list[Shape]) -> Shape:
        shape = _single(shapes)
        if len(shape) != spatial_rank + 1:
            raise ShapeMismatch(_describe(names), "add a Reshape before it")
        size, stride = params["pool_size"], params["stride"]
        spatial = tuple((s - size) // stride + 1 for s in shape[1:])
        if min(spatial) < 1:
            raise ShapeMismatch(f"an input at least {size} wide", "use a smaller pool size")
        return (shape[0],) + spatial

    return rule


def _global_pool_shape(params: dict, shapes: list[Shape]) -> Shape:
    shape = _single(shapes)
    if len(shape) < 2:
        raise ShapeMismatch("(channels, length) or (channels, height, width)",
                            "it averages over space; vectors have none")
    return (shape[0],)


def _flatten_shape(params: dict, shapes: list[Shape]) -> Shape:
    return (math.prod(_single(shapes)),)


def _reshape_shape(params: dict, shapes: list[Shape]) -> Shape:
    shape, target = _single(shapes), tuple(params["shape"])
    if math.prod(shape) != math.prod(target):
        raise ShapeMismatch(
            f"an input of {math.prod(target)} values to make {target}",
            "change the target shape so its values multiply to the input's size",
        )
    return target


def _batchnorm_shape(params: dict, shapes: list[Shape]) -> Shape:
    shape = _single(shapes)
    if len(shape) > 3:
        raise ShapeMismatch("(features,), (channels, length) or (channels, height, width)",
                            "add a Flatten or a Reshape before it")
    return shape


def _embedding_shape(params: dict, shapes: list[Shape]) -> Shape:
    shape = _single(shapes)
    if len(shape) != 1:
        raise ShapeMismatch("(steps,) of token indices",
                            "feed it an Input of shape (steps,), one token index per step")
    return shape + (params["embedding_dim"],)


def _recurrent_shape(params: dict, shapes: list[Shape]) -> Shape:
    shape = _single(shapes)
    if len(shape) != 2:
        hint = "add an Embedding or a Reshape before it" if len(shape) == 1 else "add a Reshape"
        raise ShapeMismatch("(steps, features)", hint)
    units = params["units"]
    return (shape[0], units) if params["return_sequences"] else (units,)


def _add_shape(params: dict, shapes: list[Shape]) -> Shape:
    first = shapes[0]
    for index, shape in enumerate(shapes[1:], start=1):
        if shape != first:
            raise ShapeMismatch(f"every input shaped {first} like its first input",
                                "make the branches end in the same shape", culprit=index)
    return first


def _concat_shape(params: dict, shapes: list[Shape]) -> Shape:
    first = shapes[0]
    axis = params["axis"]
    if not -len(first) <= axis < len(first):
        raise ShapeMismatch(f"inputs with an axis {axis}", "choose an axis the inputs have")
    axis %= len(first)
    for index, shape in enumerate(shapes[1:], start=1):
        same_rest = len(shape) == len(first) and all(
            a == b for i, (a, b) in enumerate(zip(shape, first)) if i != axis
        )
        if not same_rest:
            raise ShapeMismatch(
                f"inputs equal to {first} except along axis {params['axis']}",
                "make the branches agree on every other axis", culprit=index,
            )
    total = sum(shape[axis] for shape in shapes)
    return first[:axis] + (total,) + first[axis + 1:]


# ---- parameter counts --------------------------------------------------------------------------

def _no_params(params: dict, shapes: list[Shape], out: Shape) -> int:
    return 0


def _dense_count(params: dict, shapes: list[Shape], out: Shape) -> int:
    fan_in = shapes[0][-1]
    return fan_in * params["units"] + (params["units"] if params["use_bias"] else 0)


def _conv_count(params: dict, shapes: list[Shape], out: Shape) -> int:
    in_channels, spatial_rank = shapes[0][0], len(shapes[0]) - 1
    weights = in_channels * params["filters"] * params["kernel"] ** spatial_rank
    return weights + (params["filters"] if params["use_bias"] else 0)


def _batchnorm_count(params: dict, shapes: list[Shape], out: Shape) -> int:
    return 2 * shapes[0][0]  # a learned scale and shift per channel


def _layernorm_count(params: dict, shapes: list[Shape], out: Shape) -> int:
    return 2 * shapes[0][-1]


def _embedding_count(params: dict, shapes: list[Shape], out: Shape) -> int:
    return params["vocabulary"] * params["embedding_dim"]


def _recurrent_count(gates: int) -> Callable[[dict, list[Shape], Shape], int]:
    def count(params: dict, shapes: list[Shape], out: Shape) -> int:
        features, units = shapes[0][-1], params["units"]
        # PyTorch keeps two bias vectors per gate (input-hidden and hidden-hidden).
        return gates * (features * units + units * units + 2 * units)

    return count


# ---- the table ---------------------------------------------------------------------------------

def _activation(key: str, name: str, help: str, symbol: str, *params: ParamSpec) -> LayerType:
    return LayerType(key, name, "Activation", help, Schema(params), _same_shape, _no_params,
                     symbol=symbol)


_LAYER_TYPES = (
    LayerType(
        "input", "Input", "Input",
        "Where the data enters: its shape is one sample's shape (without the batch).",
        Schema((ParamSpec("shape", SHAPE, (2,), key=True,
                          help="The shape of one sample, e.g. 2 features or 1×8×8 pixels."),)),
        _input_shape, _no_params, min_inputs=0, max_inputs=0, symbol="▶",
    ),
    LayerType(
        "dense", "Dense", "Core",
        "Every output neuron sums all inputs times its weights, plus a bias: z = Wx + b.",
        Schema((
            ParamSpec("units", INT, 8, minimum=1, maximum=4096, key=True,
                      help="How many neurons this layer has (its output size)."),
            _activation_param(), _USE_BIAS, _INITIALIZER, _INIT_VALUE,
        )),
        _dense_shape, _dense_count, symbol="⊙",
    ),
    LayerType("conv1d", "Conv1d", "Convolution",
              "Slides small learned filters along a signal to detect local patterns.",
              Schema(_conv_params()), _conv_shape(1), _conv_count, symbol="∿"),
    LayerType("conv2d", "Conv2d", "Convolution",
              "Slides small learned filters over an image to detect edges, corners and shapes.",
              Schema(_conv_params()), _conv_shape(2), _conv_count, symbol="▦"),
    LayerType("maxpool1d", "MaxPool1d", "Convolution",
              "Keeps the largest value in each window: shrinks a signal, keeps strong signals.",
              Schema(_pool_params()), _pool_shape(1), _no_params, symbol="⇣"),
    LayerType("maxpool2d", "MaxPool2d", "Convolution",
              "Keeps the largest value in each window: shrinks an image, keeps strong features.",
              Schema(_pool_params()), _pool_shape(2), _no_params, symbol="⇣"),
    LayerType("avgpool1d", "AvgPool1d", "Convolution",
              "Averages each window: shrinks a signal smoothly.",
              Schema(_pool_params()), _pool_shape(1), _no_params, symbol="≈"),
    LayerType("avgpool2d", "AvgPool2d", "Convolution",
              "Averages each window: shrinks an image smoothly.",
              Schema(_pool_params()), _pool_shape(2), _no_params, symbol="≈"),
    LayerType("global_avg_pool", "GlobalAvgPool", "Convolution",
              "Averages each channel over all positions: one number per channel.",
              Schema(()), _global_pool_shape, _no_params, symbol="Σ"),
    LayerType("flatten", "Flatten", "Core",
              "Lays all values of a sample out in one long vector, e.g. 1×8×8 → 64.",
              Schema(()), _flatten_shape, _no_params, symbol="☰"),
    LayerType(
        "reshape", "Reshape", "Core",
        "Rearranges a sample's values into a new shape with the same number of values.",
        Schema((ParamSpec("shape", SHAPE, (1, 8, 8), key=True,
                          help="The new shape; its values must multiply to the input's size."),)),
        _reshape_shape, _no_params, symbol="⤢",
    ),
    LayerType(
        "dropout", "Dropout", "Regularization",
        "While training, zeroes a random share of values so the network cannot rely on any one.",
        Schema((ParamSpec("rate", FLOAT, 0.5, minimum=0.0, maximum=0.95, key=True,
                          help="The share of values dropped in each training step."),)),
        _same_shape, _no_params, symbol="░",
    ),
    LayerType(
        "batchnorm", "BatchNorm", "Normalization",
        "Rescales each channel to mean 0 and spread 1 over the batch: steadier, faster training.",
        Schema((ParamSpec("momentum", FLOAT, 0.1, minimum=0.0, maximum=1.0,
                          help="How fast the running averages used for prediction follow the batches."),)),
        _batchnorm_shape, _batchnorm_count, symbol="μ",
    ),
    LayerType("layernorm", "LayerNorm", "Normalization",
              "Rescales each sample's features to mean 0 and spread 1.",
              Schema(()), _same_shape, _layernorm_count, symbol="σ"),
    LayerType(
        "embedding", "Embedding", "Sequence",
        "Turns each token index into a learned vector: words become points in space.",
        Schema((
            ParamSpec("vocabulary", INT, 100, minimum=2, maximum=1_000_000,
                      help="How many different tokens there are."),
            ParamSpec("embedding_dim", INT, 16, minimum=1, maximum=4096, key=True,
                      help="The length of each token's vector."),
        )),
        _embedding_shape, _embedding_count, symbol="⋯",
    ),
    *(
        LayerType(
            key, name, "Sequence", help,
            Schema((
                ParamSpec("units", INT, 16, minimum=1, maximum=4096, key=True,
                          help="The size of the memory carried from step to step."),
                ParamSpec("return_sequences", BOOL, False,
                          help="Output every step (to stack another recurrent layer) or only the last."),
            )),
            _recurrent_shape, _recurrent_count(gates), symbol="↻",
        )
        for key, name, gates, help in (
            ("lstm", "LSTM", 4, "Reads a sequence step by step, with gates that decide what to remember."),
            ("gru", "GRU", 3, "A lighter LSTM: reads a sequence step by step with two gates."),
        )
    ),
    _activation("relu", "ReLU", "max(0, x): passes positives, zeroes negatives. Fast and common.", "⌐"),
    _activation("leaky_relu", "LeakyReLU", "Like ReLU, but negatives keep a small slope so neurons never die.",
                "⌐", ParamSpec("negative_slope", FLOAT, 0.01, minimum=0.0, maximum=1.0,
                               help="The slope for negative inputs.")),
    _activation("elu", "ELU", "Like ReLU, but negatives curve smoothly towards −alpha.",
                "⌐", ParamSpec("alpha", FLOAT, 1.0, minimum=0.0, maximum=10.0,
                               help="The value large negative inputs approach (−alpha).")),
    _activation("gelu", "GELU", "A smooth ReLU used in transformers.", "⌐"),
    _activation("sigmoid", "Sigmoid", "Squashes any value into 0..1: a probability.", "∫"),
    _activation("tanh", "Tanh", "Squashes any value into −1..1, centred on 0.", "∫"),
    _activation("softmax", "Softmax", "Turns scores into probabilities that sum to 1 over the classes.", "%"),
    _activation("linear", "Linear", "Leaves values as they are (the identity).", "/"),
    _activation("sine", "Sine", "sin(frequency · x): waves, good for fitting periodic patterns.",
                "∿", ParamSpec("frequency", FLOAT, 1.0, minimum=0.01, maximum=100.0,
                               help="How fast the wave oscillates.")),
    LayerType("add", "Add", "Merge",
              "Adds its inputs element by element: the skip connection of residual networks.",
              Schema(()), _add_shape, _no_params, min_inputs=2, max_inputs=8, symbol="+"),
    LayerType(
        "concatenate", "Concatenate", "Merge",
        "Joins its inputs side by side along one axis.",
        Schema((ParamSpec("axis", INT, 0, minimum=-4, maximum=3,
                          help="The axis to join along: 0 is features (or channels for images)."),)),
        _concat_shape, _no_params, min_inputs=2, max_inputs=8, symbol="⧺",
    ),
)

LAYER_TYPES: dict[str, LayerType] = {layer.key: layer for layer in _LAYER_TYPES}

CATEGORIES = ("Input", "Core", "Convolution", "Sequence", "Normalization", "Regularization",
              "Activation", "Merge")


def layer_type(key: str) -> LayerType:
    """The registry entry for `key`; KeyError if there is none."""
    return LAYER_TYPES[key]
