"""How every layer type and activation runs in torch, described once for the engine and the
exported code alike.

A layer's row says which `torch.nn` class holds its tensors and with which arguments
(`TorchModule`), and how its output is computed from its inputs (`Forward`): a function the
engine runs, and the same step as a line of Python for the exporter. `build_model` builds
`TorchModule.build()` and runs `Forward.run`; the code exporter writes `TorchModule.code()` and
`Forward.code`. Both come from the same row, so they cannot drift apart, and a layer type is
added here once, keyed like its row in `nnstudio.core.layers`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import nn

from nnstudio.core.activations import ACTIVATION_TABLE
from nnstudio.core.errors import SpecError
from nnstudio.core.layers import LAYER_TYPES, pool_padding, recurrent_directions
from nnstudio.core.shapes import Shape

Activation = Callable[[torch.Tensor], torch.Tensor]


# ---- a layer's module and its forward step ------------------------------------------------

@dataclass(frozen=True)
class TorchModule:
    """A `torch.nn` class by name and the arguments it is built with. Keyword arguments equal
    to torch's defaults are left out, so the exported code reads as a person would write it."""

    class_name: str
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def build(self) -> nn.Module:
        return getattr(nn, self.class_name)(*self.args, **self.kwargs)

    def code(self) -> str:
        parts = [_literal(a) for a in self.args]
        parts += [f"{k}={_literal(v)}" for k, v in self.kwargs.items()]
        return f"nn.{self.class_name}({', '.join(parts)})"


def _literal(value: Any) -> str:
    # Strings in double quotes, as the rest of the generated script writes them.
    return f'"{value}"' if isinstance(value, str) else repr(value)


@dataclass(frozen=True)
class Forward:
    """How a layer computes its output from its inputs.

    `run(*inputs, *args)` is what the engine calls (None: call the module itself; a layer
    without a module and without `run` passes its input on); with `passes_module` the module is
    appended to `args`. `code` is the same step in Python, with `{m}` for the module,
    `{x}` for the first input, `{inputs}` for all of them comma-separated and `{sum}` for all
    of them added.
    """

    code: str = "{m}({x})"
    run: Callable[..., torch.Tensor] | None = None
    args: tuple = ()
    passes_module: bool = False

    def source(self, module: str, inputs: list[str]) -> str:
        return self.code.format(m=module, x=inputs[0] if inputs else "x",
                                inputs=", ".join(inputs), sum=" + ".join(inputs))


def _no_module(params: dict, shapes: list[Shape]) -> TorchModule | None:
    return None


def _module_call(params: dict, shapes: list[Shape]) -> Forward:
    return Forward()


@dataclass(frozen=True)
class TorchLayer:
    """One layer type in torch: its module (or None) and its forward step, from its settings
    and input shapes. `channels_first`: its own activation setting's softmax runs over
    channels (axis 1), as outputs of convolutions are channels-first."""

    module: Callable[[dict, list[Shape]], TorchModule | None] = _no_module
    forward: Callable[[dict, list[Shape]], Forward] = _module_call
    channels_first: bool = False


def _without_defaults(**kwargs: Any) -> dict[str, Any]:
    """Keyword arguments minus those left at torch's default (given as (value, default))."""
    return {name: value for name, (value, default) in kwargs.items() if value != default}


# ---- the layers ---------------------------------------------------------------------------

def _dense_module(p: dict, shapes: list[Shape]) -> TorchModule:
    return TorchModule("Linear", (shapes[0][-1], p["units"]),
                       _without_defaults(bias=(p["use_bias"], True)))


def _conv_module(rank: int) -> Callable[[dict, list[Shape]], TorchModule]:
    def module(p: dict, shapes: list[Shape]) -> TorchModule:
        padding = 0 if p["padding"] == "valid" else p["padding"]
        return TorchModule(f"Conv{rank}d", (shapes[0][0], p["filters"], p["kernel"]),
                           _without_defaults(stride=(p["stride"], 1), padding=(padding, 0),
                                             dilation=(p["dilation"], 1),
                                             bias=(p["use_bias"], True),
                                             padding_mode=(p["padding_mode"], "zeros")))

    return module


def _pool_module(class_name: str) -> Callable[[dict, list[Shape]], TorchModule]:
    def module(p: dict, shapes: list[Shape]) -> TorchModule:
        return TorchModule(class_name, (p["pool_size"],),
                           {"stride": p["stride"],
                            **_without_defaults(padding=(pool_padding(p), 0))})

    return module


def _zero_pad_module(rank: int) -> Callable[[dict, list[Shape]], TorchModule]:
    def module(p: dict, shapes: list[Shape]) -> TorchModule:
        return TorchModule(f"ZeroPad{rank}d", (p["padding"],))

    return module


def _global_avg_pool(x: torch.Tensor) -> torch.Tensor:
    return x.mean(dim=tuple(range(2, x.dim())))


def _global_avg_pool_forward(p: dict, shapes: list[Shape]) -> Forward:
    dims = tuple(range(2, len(shapes[0]) + 1))
    return Forward(f"{{x}}.mean(dim={dims if len(dims) > 1 else dims[0]})", _global_avg_pool)


def _flatten(x: torch.Tensor) -> torch.Tensor:
    return x.flatten(1)


def _reshape(x: torch.Tensor, target: tuple[int, ...]) -> torch.Tensor:
    return x.reshape((x.shape[0],) + target)


def _reshape_forward(p: dict, shapes: list[Shape]) -> Forward:
    target = tuple(p["shape"])
    return Forward(f"{{x}}.reshape({{x}}.shape[0], {', '.join(map(str, target))})", _reshape,
                   (target,))


def _batchnorm_module(p: dict, shapes: list[Shape]) -> TorchModule:
    rank = 2 if len(shapes[0]) == 3 else 1
    return TorchModule(f"BatchNorm{rank}d", (shapes[0][0],),
                       _without_defaults(momentum=(p["momentum"], 0.1)))


def _embed(x: torch.Tensor, module: nn.Embedding) -> torch.Tensor:
    return module(x.long())  # datasets hold floats; token indices are whole numbers


def _recurrent_module(class_name: str) -> Callable[[dict, list[Shape]], TorchModule]:
    def module(p: dict, shapes: list[Shape]) -> TorchModule:
        return TorchModule(class_name, (shapes[0][-1], p["units"]),
                           {"batch_first": True,
                            **_without_defaults(num_layers=(p["num_layers"], 1),
                                                dropout=(p["dropout"], 0.0),
                                                bidirectional=(p["bidirectional"], False))})

    return module


def _every_step(x: torch.Tensor, module: nn.Module) -> torch.Tensor:
    return module(x)[0]


def _last_step(x: torch.Tensor, module: nn.Module) -> torch.Tensor:
    return module(x)[0][:, -1]


def _final_states(x: torch.Tensor, module: nn.Module) -> torch.Tensor:
    # Each direction's last state: the forward one after the last step, the backward one
    # after the first; (2, batch, units) -> (batch, 2 * units), forward first as in the
    # sequence outputs.
    hidden = module(x)[1]
    hidden = hidden[0] if isinstance(hidden, tuple) else hidden  # an LSTM's (h, c)
    return hidden[-2:].transpose(0, 1).flatten(1)


def _recurrent_forward(lstm: bool) -> Callable[[dict, list[Shape]], Forward]:
    def forward(p: dict, shapes: list[Shape]) -> Forward:
        if p["return_sequences"]:
            return Forward("{m}({x})[0]", _every_step, passes_module=True)
        if recurrent_directions(p) == 1:
            return Forward("{m}({x})[0][:, -1]", _last_step, passes_module=True)
        states = "{m}({x})[1][0]" if lstm else "{m}({x})[1]"
        return Forward(f"{states}[-2:].transpose(0, 1).flatten(1)",
                       _final_states, passes_module=True)

    return forward


def _add(*inputs: torch.Tensor) -> torch.Tensor:
    total = inputs[0]
    for x in inputs[1:]:
        total = total + x
    return total


def _concatenate(*inputs_then_axis) -> torch.Tensor:
    return torch.cat(inputs_then_axis[:-1], dim=inputs_then_axis[-1])


def _concatenate_forward(p: dict, shapes: list[Shape]) -> Forward:
    axis = p["axis"] % len(shapes[0]) + 1  # the batch is dimension 0
    return Forward(f"torch.cat(({{inputs}}), dim={axis})", _concatenate, (axis,))


def _fixed(code: str, run: Callable[..., torch.Tensor] | None = None,
           passes_module: bool = False) -> Callable[[dict, list[Shape]], Forward]:
    step = Forward(code, run, (), passes_module)
    return lambda p, shapes: step


_PASS_ON = _fixed("{x}")

TORCH_LAYERS: dict[str, TorchLayer] = {
    "input": TorchLayer(forward=_PASS_ON),
    "dense": TorchLayer(_dense_module),
    "conv1d": TorchLayer(_conv_module(1), channels_first=True),
    "conv2d": TorchLayer(_conv_module(2), channels_first=True),
    "maxpool1d": TorchLayer(_pool_module("MaxPool1d")),
    "maxpool2d": TorchLayer(_pool_module("MaxPool2d")),
    "avgpool1d": TorchLayer(_pool_module("AvgPool1d")),
    "avgpool2d": TorchLayer(_pool_module("AvgPool2d")),
    "zeropad1d": TorchLayer(_zero_pad_module(1)),
    "zeropad2d": TorchLayer(_zero_pad_module(2)),
    "global_avg_pool": TorchLayer(forward=_global_avg_pool_forward),
    "flatten": TorchLayer(forward=_fixed("{x}.flatten(1)", _flatten)),
    "reshape": TorchLayer(forward=_reshape_forward),
    "dropout": TorchLayer(lambda p, shapes: TorchModule("Dropout", (p["rate"],))),
    "batchnorm": TorchLayer(_batchnorm_module),
    "layernorm": TorchLayer(lambda p, shapes: TorchModule("LayerNorm", (shapes[0][-1],))),
    "embedding": TorchLayer(
        lambda p, shapes: TorchModule("Embedding", (p["vocabulary"], p["embedding_dim"])),
        _fixed("{m}({x}.long())", _embed, passes_module=True)),
    "lstm": TorchLayer(_recurrent_module("LSTM"), _recurrent_forward(lstm=True)),
    "gru": TorchLayer(_recurrent_module("GRU"), _recurrent_forward(lstm=False)),
    # Activation layers compute nothing of their own: their function is their activation.
    **{key: TorchLayer(forward=_PASS_ON) for key in ACTIVATION_TABLE},
    "add": TorchLayer(forward=_fixed("{sum}", _add)),
    "concatenate": TorchLayer(forward=_concatenate_forward),
}


def torch_layer(key: str) -> TorchLayer:
    """The torch row of layer type `key`; SpecError naming it when there is none."""
    try:
        return TORCH_LAYERS[key]
    except KeyError:
        raise SpecError(f"the engine does not know layer type \"{key}\"") from None


# ---- activations -------------------------------------------------------------------------------

def _sine(x: torch.Tensor, frequency: float) -> torch.Tensor:
    return torch.sin(x) if frequency == 1.0 else torch.sin(x * frequency)


@dataclass(frozen=True)
class TorchActivation:
    """An activation in torch: `function(settings, dim)` gives the callable (None for the
    identity); `code(settings, x, dim)` the same as Python source."""

    function: Callable[[dict, int], Activation | None]
    code: Callable[[dict, str, int], str]


def _simple(function: Activation, code: str) -> TorchActivation:
    return TorchActivation(lambda s, dim: function, lambda s, x, dim: f"{code}({x})")


TORCH_ACTIVATIONS: dict[str, TorchActivation] = {
    "linear": TorchActivation(lambda s, dim: None, lambda s, x, dim: x),
    "relu": _simple(torch.relu, "torch.relu"),
    "leaky_relu": TorchActivation(
        lambda s, dim: partial(F.leaky_relu, negative_slope=s["negative_slope"]),
        lambda s, x, dim: f"F.leaky_relu({x}, negative_slope={s['negative_slope']!r})"),
    "elu": TorchActivation(lambda s, dim: partial(F.elu, alpha=s["alpha"]),
                           lambda s, x, dim: f"F.elu({x}, alpha={s['alpha']!r})"),
    "gelu": _simple(F.gelu, "F.gelu"),
    "sigmoid": _simple(torch.sigmoid, "torch.sigmoid"),
    "tanh": _simple(torch.tanh, "torch.tanh"),
    "softmax": TorchActivation(lambda s, dim: partial(torch.softmax, dim=dim),
                               lambda s, x, dim: f"torch.softmax({x}, dim={dim})"),
    "sine": TorchActivation(
        lambda s, dim: partial(_sine, frequency=s["frequency"]),
        lambda s, x, dim: (f"torch.sin({x})" if s["frequency"] == 1.0
                           else f"torch.sin({x} * {s['frequency']!r})")),
}


def activation_settings(name: str, params: dict | None = None) -> dict:
    """Activation `name`'s own settings (a leaky ReLU's slope...) from `params`, defaults
    filled in; SpecError when there is no such activation."""
    if name not in ACTIVATION_TABLE:
        raise SpecError(f"unknown activation \"{name}\"")
    params = params or {}
    return {spec.name: params.get(spec.name, spec.default)
            for spec in ACTIVATION_TABLE[name].params}


def activation_function(name: str, params: dict | None = None, dim: int = -1) -> Activation | None:
    """The torch function for activation `name` (None for "linear"); `dim` is softmax's axis."""
    return TORCH_ACTIVATIONS[name].function(activation_settings(name, params), dim)


def activation_code(name: str, params: dict | None, x: str, dim: int) -> str:
    """Activation `name` applied to the expression `x`, as Python source."""
    return TORCH_ACTIVATIONS[name].code(activation_settings(name, params), x, dim)


def layer_activation(key: str, params: dict) -> str | None:
    """The activation a node of type `key` applies: its own type for an activation layer, its
    `activation` setting otherwise, None for none."""
    if LAYER_TYPES[key].is_activation:
        return key
    return params.get("activation")
