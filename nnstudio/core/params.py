"""Parameter schemas: one declarative description per setting drives forms, validation and files.

A `ParamSpec` says what a setting is (kind, default, range or choices) and explains it to a
learner in one line. Layer parameters, training settings and dataset parameters all use it.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.errors import SpecError

INT = "int"
FLOAT = "float"
BOOL = "bool"
CHOICE = "choice"
SHAPE = "shape"  # a tuple of positive integers, e.g. the input shape (1, 8, 8)
CHOICE_OR_INT = "choice_or_int"  # one of the named choices, or an integer in range (padding)

MAX_SHAPE_RANK = 4


@dataclass(frozen=True)
class ParamSpec:
    """One setting: its kind, default, allowed values and a one-line explanation."""

    name: str
    kind: str
    default: Any
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    label: str = ""
    log_scale: bool = False  # a hint for forms: spin in multiples, not steps
    key: bool = False  # shown on the canvas node as one of the layer's key parameters
    # A setting added after format 1: left out of a saved file while it has its default, so
    # files that never use it stay byte-identical when saved again.
    optional: bool = False

    @property
    def display_label(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def describe_allowed(self) -> str:
        """The allowed values in words, as used in error messages."""
        if self.kind == BOOL:
            return "true or false"
        if self.kind == CHOICE:
            return "one of " + ", ".join(f'"{c}"' for c in self.choices)
        if self.kind == SHAPE:
            return f"a list of 1 to {MAX_SHAPE_RANK} positive integers"
        if self.kind == CHOICE_OR_INT:
            named = ", ".join(f'"{c}"' for c in self.choices)
            return f"{named} or an integer from {_fmt(self.minimum)} to {_fmt(self.maximum)}"
        noun = "an integer" if self.kind == INT else "a number"
        if self.minimum is not None and self.maximum is not None:
            return f"{noun} from {_fmt(self.minimum)} to {_fmt(self.maximum)}"
        if self.minimum is not None:
            return f"{noun} of at least {_fmt(self.minimum)}"
        return noun

    def validate(self, value: Any, where: str) -> Any:
        """Return `value` in its canonical type, or raise SpecError naming `where`."""
        checked = _CHECKERS[self.kind](self, value)
        if checked is _INVALID:
            raise SpecError(f"{where}: must be {self.describe_allowed()}, got {_show(value)}")
        return checked


_INVALID = object()


def typed_value(text: str) -> Any:
    """What a person typed as a setting's value: an int or float when it reads as one, else
    the text itself (stripped); the setting's own check then says whether it fits."""
    text = text.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _is_number(value: Any) -> bool:
    # numbers.Real also admits numpy scalars (a spin box or an array may hand us one);
    # bool is an int in Python but never a number here.
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_int(spec: ParamSpec, value: Any) -> Any:
    if not _is_number(value):
        return _INVALID
    if isinstance(value, numbers.Integral):
        return _in_range(spec, int(value))
    number = float(value)
    if not number.is_integer():  # also rejects inf and nan
        return _INVALID
    return _in_range(spec, int(number))


def _check_float(spec: ParamSpec, value: Any) -> Any:
    if not _is_number(value):
        return _INVALID
    try:
        number = float(value)  # an int beyond float's range (10**400) overflows here
    except OverflowError:
        return _INVALID
    if not math.isfinite(number):
        return _INVALID
    return _in_range(spec, number)


def _in_range(spec: ParamSpec, value: float) -> Any:
    if spec.minimum is not None and value < spec.minimum:
        return _INVALID
    if spec.maximum is not None and value > spec.maximum:
        return _INVALID
    return value


def _check_bool(spec: ParamSpec, value: Any) -> Any:
    return value if isinstance(value, bool) else _INVALID


def _check_choice(spec: ParamSpec, value: Any) -> Any:
    return value if isinstance(value, str) and value in spec.choices else _INVALID


def _check_choice_or_int(spec: ParamSpec, value: Any) -> Any:
    if isinstance(value, str):
        return _check_choice(spec, value)
    return _check_int(spec, value)


def _check_shape(spec: ParamSpec, value: Any) -> Any:
    if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= MAX_SHAPE_RANK:
        return _INVALID
    if any(isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 1_000_000 for v in value):
        return _INVALID
    return tuple(value)


_CHECKERS = {
    INT: _check_int,
    FLOAT: _check_float,
    BOOL: _check_bool,
    CHOICE: _check_choice,
    SHAPE: _check_shape,
    CHOICE_OR_INT: _check_choice_or_int,
}


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def _show(value: Any) -> str:
    """A short, safe rendering of a bad value for a message."""
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f'"{text}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        text = repr(value)
        return text if len(text) <= 40 else text[:37] + "..."
    return f"a {type(value).__name__}"


@dataclass(frozen=True)
class Schema:
    """An ordered set of ParamSpecs, validated together."""

    specs: tuple[ParamSpec, ...] = field(default_factory=tuple)

    def __iter__(self):
        return iter(self.specs)

    def __getitem__(self, name: str) -> ParamSpec:
        for spec in self.specs:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.specs)

    def defaults(self) -> dict[str, Any]:
        return {s.name: s.default for s in self.specs}

    def validate(self, values: Any, where: str) -> dict[str, Any]:
        """Fill defaults, reject unknown names, check each value; SpecError names the field."""
        if not isinstance(values, dict):
            raise SpecError(f"{where}: must be an object of settings, got {_show(values)}")
        unknown = sorted(set(values) - set(self.names()), key=str)
        if unknown:
            allowed = ", ".join(self.names()) or "none"
            raise SpecError(f"{where}.{unknown[0]}: unknown setting (allowed: {allowed})")
        return {
            s.name: s.validate(values.get(s.name, s.default), f"{where}.{s.name}") for s in self.specs
        }
