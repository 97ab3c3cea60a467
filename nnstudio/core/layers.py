"""The layer registry: one closed table of every layer type NN Studio knows.

Each entry gives the stable key saved in files, the name and category shown in the palette, the
parameter schema (with a one-line explanation for a learner), the shape rule and the parameter
count rule. The palette, inspector, validation, project files, the torch builder and the code
exporter all read this table, so adding a layer type means adding one entry here (and its torch
torch description in `nnstudio.engine.torch_layers`, keyed by the same key; a test fails when
one is missing). Besides the schema and the rules, a row carries the traits the views and tools
ask about (is it weighted, how many spatial axes, which setting is its width, does it fold into
the layer before it when drawn, its formula in one line), so none of them lists layer types.

Shapes never include the batch dimension and are channels-first, as in PyTorch:
vectors `(features,)`, sequences `(steps, features)`, 1-D signals `(channels, length)`,
images `(channels, height, width)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from nnstudio.core.activations import ACTIVATION_TABLE, ACTIVATIONS, ActivationType
from nnstudio.core.params import (
    BOOL, CHOICE, CHOICE_OR_INT, FLOAT, INT, SHAPE, ParamSpec, Schema,
)

Shape = tuple[int, ...]

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
    # What the forward-pass view writes for it; fields in braces are filled by `formula_text`.
    formula: str = ""
    weighted: bool = False  # holds a weight matrix or filters the views draw
    spatial_rank: int = 0  # axes its windows slide over: 1 signals, 2 images, 0 none
    width_param: str | None = None  # the setting that is its width (for the scale sweep)
    folds: bool = False  # drawn inside the layer before it (activations, dropout)

    @property
    def is_merge(self) -> bool:
        return self.max_inputs > 1

    @property
    def is_activation(self) -> bool:
        return self.category == "Activation"

    @property
    def is_convolution(self) -> bool:
        """Weighted and sliding over space: its outputs are feature maps."""
        return self.weighted and self.spatial_rank > 0


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


MAX_PADDING = 64
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _conv_params() -> tuple[ParamSpec, ...]:
    return (
        ParamSpec("filters", INT, 8, minimum=1, maximum=1024, key=True,
                  help="How many patterns (output channels) the layer learns to detect."),
        ParamSpec("kernel", INT, 3, minimum=1, maximum=15, key=True,
                  help="The width of the window each filter looks at."),
        ParamSpec("stride", INT, 1, minimum=1, maximum=8,
                  help="How far the window moves each step; 2 halves the output size."),
        ParamSpec("padding", CHOICE_OR_INT, "valid", choices=("valid", "same"), minimum=0,
                  maximum=MAX_PADDING,
                  help="'valid' does not pad; 'same' keeps the size (stride 1); a number "
                       "pads each end by that many values."),
        ParamSpec("dilation", INT, 1, minimum=1, maximum=8,
                  help="Gaps between the kernel's taps: sees a wider area with the same weights."),
        _activation_param(), _USE_BIAS, _INITIALIZER, _INIT_VALUE,
        ParamSpec("padding_mode", CHOICE, "zeros", choices=PADDING_MODES, optional=True,
                  help="What padding holds: zeros, the mirrored edge (reflect), the edge "
                       "repeated, or the far end (circular)."),
    )


def _pool_params() -> tuple[ParamSpec, ...]:
    return (
        ParamSpec("pool_size", INT, 2, minimum=1, maximum=8, key=True,
                  help="The window whose values are combined into one."),
        ParamSpec("stride", INT, 2, minimum=1, maximum=8,
                  help="How far the window moves each step."),
        ParamSpec("padding", CHOICE_OR_INT, "valid", choices=("valid", "same"), minimum=0,
                  maximum=MAX_PADDING, optional=True,
                  help="'valid' does not pad; 'same' keeps the size (stride 1, odd pool "
                       "size); a number pads each end."),
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


def conv_padding(params: dict) -> tuple[int, int]:
    """The values a convolution adds before and after each spatial axis, as PyTorch pads
    (for 'same' with an odd total, the extra one goes after)."""
    padding = params["padding"]
    if padding == "valid":
        return 0, 0
    if padding == "same":
        total = params["dilation"] * (params["kernel"] - 1)
        return total // 2, total - total // 2
    return padding, padding


def _window_length(size: int, reach: int, stride: int, padding: tuple[int, int]) -> int:
    return (size + sum(padding) - reach) // stride + 1


def _spatial_names(spatial_rank: int) -> str:
    return "channels, length" if spatial_rank == 1 else "channels, height, width"


def _check_rank(shape: Shape, spatial_rank: int) -> None:
    if len(shape) != spatial_rank + 1:
        hint = "add a Reshape before it" if len(shape) < spatial_rank + 1 else ""
        raise ShapeMismatch(_describe(_spatial_names(spatial_rank)), hint)


def _check_padding_fits(pad: int, size: int, mode: str) -> None:
    # PyTorch reflects without repeating the edge, so it needs more values than the pad;
    # circular padding wraps the input around, at most once.
    if (mode == "reflect" and pad >= size) or (mode == "circular" and pad > size):
        least = pad + 1 if mode == "reflect" else pad
        raise ShapeMismatch(f"an input at least {least} long for {mode} padding of {pad}",
                            "pad less, or use padding mode 'zeros' or 'replicate'")


def _conv_shape(spatial_rank: int) -> Callable[[dict, list[Shape]], Shape]:
    def rule(params: dict, shapes: list[Shape]) -> Shape:
        shape = _single(shapes)
        _check_rank(shape, spatial_rank)
        if params["padding"] == "same" and params["stride"] != 1:
            # PyTorch refuses it: with a stride the size cannot stay, and TensorFlow's
            # uneven 'same' would need a pad layer PyTorch's Conv does not have.
            raise ParamConflict("padding 'same' needs stride 1",
                                "set stride to 1, or padding to a number (kernel − 1) / 2 "
                                "to pad each end")
        padding = conv_padding(params)
        _check_padding_fits(max(padding), min(shape[1:]), params["padding_mode"])
        reach = params["dilation"] * (params["kernel"] - 1) + 1
        spatial = tuple(_window_length(size, reach, params["stride"], padding)
                        for size in shape[1:])
        if min(spatial) < 1:
            raise ShapeMismatch(
                f"an input at least {reach - sum(padding)} wide",
                "use a smaller kernel, padding 'same', or fewer pooling layers before it",
            )
        return (params["filters"],) + spatial

    return rule


def pool_padding(params: dict) -> int:
    """The values a pooling layer adds at each end of each spatial axis."""
    padding = params["padding"]
    if padding == "valid":
        return 0
    if padding == "same":
        return (params["pool_size"] - 1) // 2
    return padding


def _pool_shape(spatial_rank: int) -> Callable[[dict, list[Shape]], Shape]:
    def rule(params: dict, shapes: list[Shape]) -> Shape:
        shape = _single(shapes)
        if len(shape) != spatial_rank + 1:
            raise ShapeMismatch(_describe(_spatial_names(spatial_rank)), "add a Reshape before it")
        size, stride = params["pool_size"], params["stride"]
        if params["padding"] == "same" and (stride != 1 or size % 2 == 0):
            raise ParamConflict("padding 'same' on a pooling layer needs stride 1 and an odd "
                                "pool size", "PyTorch pads both ends alike; give the padding "
                                "as a number instead")
        padding = pool_padding(params)
        if padding > size // 2:
            raise ParamConflict(f"padding {padding} is more than half the pool size {size}",
                                "PyTorch pads a pooling window by at most half its size")
        spatial = tuple(_window_length(s, size, stride, (padding, padding)) for s in shape[1:])
        if min(spatial) < 1:
            raise ShapeMismatch(f"an input at least {size - 2 * padding} wide",
                                "use a smaller pool size")
        return (shape[0],) + spatial

    return rule


def _zero_pad_shape(spatial_rank: int) -> Callable[[dict, list[Shape]], Shape]:
    def rule(params: dict, shapes: list[Shape]) -> Shape:
        shape = _single(shapes)
        _check_rank(shape, spatial_rank)
        return (shape[0],) + tuple(size + 2 * params["padding"] for size in shape[1:])

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
    if params["dropout"] and params["num_layers"] == 1:
        raise ParamConflict("dropout between layers needs 2 or more layers",
                            "set num layers to 2 or more, or dropout to 0 (or add a Dropout "
                            "layer after it)")
    units = params["units"] * recurrent_directions(params)
    return (shape[0], units) if params["return_sequences"] else (units,)


def recurrent_directions(params: dict) -> int:
    """2 for a bidirectional recurrent layer (its outputs are both directions side by side)."""
    return 2 if params["bidirectional"] else 1


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
        units, directions = params["units"], recurrent_directions(params)

        def stage(features: int) -> int:
            # PyTorch keeps two bias vectors per gate (input-hidden and hidden-hidden).
            return gates * (features * units + units * units + 2 * units)

        # Every stage after the first reads the one below it, both directions side by side.
        later = (params["num_layers"] - 1) * stage(directions * units)
        return directions * (stage(shapes[0][-1]) + later)

    return count


# ---- the table ---------------------------------------------------------------------------------

def _activation_layer(row: ActivationType) -> LayerType:
    return LayerType(row.key, row.name, "Activation", row.help, Schema(row.params), _same_shape,
                     _no_params, symbol=row.symbol, formula=f"a = {row.key}(x)", folds=True)


_WEIGHTED_SUM = "z = W·x{plus_bias}  (W is {weight_shape}),   {activated}"
_FILTERS = ("z = W ∗ x{plus_bias}  ({filters} filters of {kernel_size}, sliding over the "
            "input),   {activated}")
_LARGEST = "a = the largest value in each window"
_MEAN = "a = the mean of each window"


_LAYER_TYPES = (
    LayerType(
        "input", "Input", "Input",
        "Where the data enters: its shape is one sample's shape (without the batch).",
        Schema((ParamSpec("shape", SHAPE, (2,), key=True,
                          help="The shape of one sample, e.g. 2 features or 1×8×8 pixels."),)),
        _input_shape, _no_params, min_inputs=0, max_inputs=0, symbol="▶",
        formula="x: the sample's values",
    ),
    LayerType(
        "dense", "Dense", "Core",
        "Every output neuron sums all inputs times its weights, plus a bias: z = Wx + b.",
        Schema((
            ParamSpec("units", INT, 8, minimum=1, maximum=4096, key=True,
                      help="How many neurons this layer has (its output size)."),
            _activation_param(), _USE_BIAS, _INITIALIZER, _INIT_VALUE,
        )),
        _dense_shape, _dense_count, symbol="⊙", formula=_WEIGHTED_SUM, weighted=True,
        width_param="units",
    ),
    LayerType("conv1d", "Conv1d", "Convolution",
              "Slides small learned filters along a signal to detect local patterns.",
              Schema(_conv_params()), _conv_shape(1), _conv_count, symbol="∿",
              formula=_FILTERS, weighted=True, spatial_rank=1, width_param="filters"),
    LayerType("conv2d", "Conv2d", "Convolution",
              "Slides small learned filters over an image to detect edges, corners and shapes.",
              Schema(_conv_params()), _conv_shape(2), _conv_count, symbol="▦",
              formula=_FILTERS, weighted=True, spatial_rank=2, width_param="filters"),
    LayerType("maxpool1d", "MaxPool1d", "Convolution",
              "Keeps the largest value in each window: shrinks a signal, keeps strong signals.",
              Schema(_pool_params()), _pool_shape(1), _no_params, symbol="⇣",
              formula=_LARGEST, spatial_rank=1),
    LayerType("maxpool2d", "MaxPool2d", "Convolution",
              "Keeps the largest value in each window: shrinks an image, keeps strong features.",
              Schema(_pool_params()), _pool_shape(2), _no_params, symbol="⇣",
              formula=_LARGEST, spatial_rank=2),
    LayerType("avgpool1d", "AvgPool1d", "Convolution",
              "Averages each window: shrinks a signal smoothly.",
              Schema(_pool_params()), _pool_shape(1), _no_params, symbol="≈",
              formula=_MEAN, spatial_rank=1),
    LayerType("avgpool2d", "AvgPool2d", "Convolution",
              "Averages each window: shrinks an image smoothly.",
              Schema(_pool_params()), _pool_shape(2), _no_params, symbol="≈",
              formula=_MEAN, spatial_rank=2),
    *(
        LayerType(key, name, "Convolution", help,
                  Schema((ParamSpec("padding", INT, 1, minimum=1, maximum=MAX_PADDING, key=True,
                                    help="How many zeros to add at each end of each axis."),)),
                  _zero_pad_shape(rank), _no_params, symbol="▢", spatial_rank=rank,
                  formula="a = x with {padding} zeros added at each end")
        for key, name, rank, help in (
            ("zeropad1d", "ZeroPad1d", 1, "Adds zeros at both ends of a signal."),
            ("zeropad2d", "ZeroPad2d", 2, "Adds a border of zeros around an image."),
        )
    ),
    LayerType("global_avg_pool", "GlobalAvgPool", "Convolution",
              "Averages each channel over all positions: one number per channel.",
              Schema(()), _global_pool_shape, _no_params, symbol="Σ",
              formula="a = the mean of each channel over all positions"),
    LayerType("flatten", "Flatten", "Core",
              "Lays all values of a sample out in one long vector, e.g. 1×8×8 → 64.",
              Schema(()), _flatten_shape, _no_params, symbol="☰",
              formula="a = x laid out as one vector"),
    LayerType(
        "reshape", "Reshape", "Core",
        "Rearranges a sample's values into a new shape with the same number of values.",
        Schema((ParamSpec("shape", SHAPE, (1, 8, 8), key=True,
                          help="The new shape; its values must multiply to the input's size."),)),
        _reshape_shape, _no_params, symbol="⤢",
        formula="a = x laid out in the shape {out_shape}",
    ),
    LayerType(
        "dropout", "Dropout", "Regularization",
        "While training, zeroes a random share of values so the network cannot rely on any one.",
        Schema((ParamSpec("rate", FLOAT, 0.5, minimum=0.0, maximum=0.95, key=True,
                          help="The share of values dropped in each training step."),)),
        _same_shape, _no_params, symbol="░",
        formula="a = x (dropout only drops values while training)", folds=True,
    ),
    LayerType(
        "batchnorm", "BatchNorm", "Normalization",
        "Rescales each channel to mean 0 and spread 1 over the batch: steadier, faster training.",
        Schema((ParamSpec("momentum", FLOAT, 0.1, minimum=0.0, maximum=1.0,
                          help="How fast the running averages used for prediction follow the batches."),)),
        _batchnorm_shape, _batchnorm_count, symbol="μ",
        formula="a = γ · (x − running mean) / running sd + β, per channel",
    ),
    LayerType("layernorm", "LayerNorm", "Normalization",
              "Rescales each sample's features to mean 0 and spread 1.",
              Schema(()), _same_shape, _layernorm_count, symbol="σ",
              formula="a = γ · (x − mean(x)) / sd(x) + β, over each sample's features"),
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
        formula="a = the row of the learned table E for each token index x",
        weighted=True,
    ),
    *(
        LayerType(
            key, name, "Sequence", help,
            Schema((
                ParamSpec("units", INT, 16, minimum=1, maximum=4096, key=True,
                          help="The size of the memory carried from step to step."),
                ParamSpec("return_sequences", BOOL, False,
                          help="Output every step (to stack another recurrent layer) or only the last."),
                ParamSpec("bidirectional", BOOL, False, optional=True,
                          help="Also read the sequence backwards; the outputs of both "
                               "directions sit side by side (2 × units)."),
                ParamSpec("num_layers", INT, 1, minimum=1, maximum=8, optional=True,
                          help="How many recurrent layers are stacked, each reading the one "
                               "below."),
                ParamSpec("dropout", FLOAT, 0.0, minimum=0.0, maximum=0.95, optional=True,
                          help="While training, the share of values dropped between stacked "
                               "layers (needs 2 or more layers)."),
            )),
            _recurrent_shape, _recurrent_count(gates), symbol="↻", formula=formula,
            weighted=True, width_param="units",
        )
        for key, name, gates, help, formula in (
            ("lstm", "LSTM", 4, "Reads a sequence step by step, with gates that decide what to remember.",
             "h_t = LSTM(x_t, h_t−1, c_t−1): gates decide what memory c keeps, adds and shows"),
            ("gru", "GRU", 3, "A lighter LSTM: reads a sequence step by step with two gates.",
             "h_t = GRU(x_t, h_t−1): an update gate mixes the old memory with a new candidate"),
        )
    ),
    *(_activation_layer(row) for row in ACTIVATION_TABLE.values()),
    LayerType("add", "Add", "Merge",
              "Adds its inputs element by element: the skip connection of residual networks.",
              Schema(()), _add_shape, _no_params, min_inputs=2, max_inputs=8, symbol="+",
              formula="a = x₁ + x₂ + …, value by value"),
    LayerType(
        "concatenate", "Concatenate", "Merge",
        "Joins its inputs side by side along one axis.",
        Schema((ParamSpec("axis", INT, 0, minimum=-4, maximum=3,
                          help="The axis to join along: 0 is features (or channels for images)."),)),
        _concat_shape, _no_params, min_inputs=2, max_inputs=8, symbol="⧺",
        formula="a = the inputs joined side by side along axis {axis}",
    ),
)

LAYER_TYPES: dict[str, LayerType] = {layer.key: layer for layer in _LAYER_TYPES}

CATEGORIES = ("Input", "Core", "Convolution", "Sequence", "Normalization", "Regularization",
              "Activation", "Merge")


def layer_type(key: str) -> LayerType:
    """The registry entry for `key`; KeyError if there is none."""
    return LAYER_TYPES[key]


def formula_text(key: str, params: dict, activation: str | None, weight_shape: Shape | None,
                 has_bias: bool, out_shape: Shape) -> str:
    """The one-line formula the forward-pass view shows for a layer of type `key`, filled in
    with its activation, weights and settings."""
    shown = activation if activation not in (None, "linear") else None
    fields = dict(
        params,
        activated=f"a = {shown}(z)" if shown else "a = z",
        plus_bias=" + b" if has_bias else "",
        weight_shape="×".join(map(str, weight_shape or ())),
        filters=weight_shape[0] if weight_shape else "",
        kernel_size="×".join(map(str, (weight_shape or ())[2:])),
        out_shape="×".join(map(str, out_shape)),
    )
    return LAYER_TYPES[key].formula.format_map(fields)
