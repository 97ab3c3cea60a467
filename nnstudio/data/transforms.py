"""Feature transforms: the network's inputs written as small expressions over the data's columns.

A project's `data.transforms` lists the inputs, e.g. `["x1", "x2", "x1^2", "x1*x2", "sin(x1)"]`.
Each entry follows a small fixed grammar, parsed here by hand (never eval'd):

    input   := product | ("sin" | "cos") "(" product ")"
    product := factor ("*" factor)*
    factor  := column ("^" whole number from 1 to 9)?
    column  := a name of letters, digits, "_" and "." not starting with a digit,
               or any name in backquotes: `petal length (cm)`

Parsing checks only the grammar (the loader does it, before any data is read); `apply_transforms`
checks the column names against the data's and computes the new inputs, before scaling.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import numpy as np

from nnstudio.core.errors import DataError
from nnstudio.data.dataset import Dataset

_FUNCTION_VALUES = {"": lambda values: values, "sin": np.sin, "cos": np.cos}
FUNCTIONS: tuple[str, ...] = ("sin", "cos")
MAX_POWER = 9
MAX_TRANSFORMS = 1000
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


@dataclass(frozen=True)
class Factor:
    column: str
    power: int = 1


@dataclass(frozen=True)
class Transform:
    """One network input: `function` ("" for none) of the product of `factors`; `text` is the
    expression as written, which also names the input."""

    text: str
    factors: tuple[Factor, ...]
    function: str = ""


def parse_transforms(value: object, where: str) -> tuple[Transform, ...]:
    """The transforms listed in `value` (a project's `data.transforms`), checked for grammar.
    Raises DataError naming `where[i]` and the position (1-based) of what is wrong."""
    if not isinstance(value, list) or not value:
        raise DataError(f"{where}: must be a non-empty list of input expressions such as "
                        f"[\"x1\", \"x1^2\", \"sin(x1)\"], got {value!r:.80}")
    if len(value) > MAX_TRANSFORMS:
        raise DataError(f"{where}: at most {MAX_TRANSFORMS} inputs, got {len(value)}")
    transforms = tuple(parse_transform(text, f"{where}[{i}]") for i, text in enumerate(value))
    seen: set[str] = set()
    for i, transform in enumerate(transforms):
        if transform.text in seen:
            raise DataError(f"{where}[{i}]: {transform.text!r} is listed twice; each input once")
        seen.add(transform.text)
    return transforms


def parse_transform(text: object, where: str) -> Transform:
    """One expression of the grammar above. Raises DataError naming `where` and the position."""
    if not isinstance(text, str) or not text.strip():
        raise DataError(f"{where}: must be an input expression such as \"x1^2\", got {text!r:.80}")
    return _Parser(text, where).transform()


class _Parser:
    def __init__(self, text: str, where: str):
        self.text, self.where, self.pos = text, where, 0

    def fail(self, expected: str) -> DataError:
        found = repr(self.text[self.pos]) if self.pos < len(self.text) else "the end"
        return DataError(f"{self.where}: in {self.text!r} at position {self.pos + 1}: expected "
                         f"{expected}, found {found}")

    def skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1

    def take(self, symbol: str) -> bool:
        self.skip_spaces()
        if self.text.startswith(symbol, self.pos):
            self.pos += len(symbol)
            return True
        return False

    def transform(self) -> Transform:
        function = ""
        for name in FUNCTIONS:
            start = self.pos
            if self.take(name) and self.take("("):
                function = name
                break
            self.pos = start
        factors = self.product()
        if function and not self.take(")"):
            raise self.fail("')' closing " + function + "(")
        self.skip_spaces()
        if self.pos != len(self.text):
            raise self.fail("'*', '^' or the end" if not function else "the end")
        return Transform(self.text.strip(), factors, function)

    def product(self) -> tuple[Factor, ...]:
        factors = [self.factor()]
        while self.take("*"):
            factors.append(self.factor())
        return tuple(factors)

    def factor(self) -> Factor:
        column = self.column()
        if not self.take("^"):
            return Factor(column)
        self.skip_spaces()
        digits = re.match(r"\d+", self.text[self.pos:])
        if digits is None or not 1 <= int(digits.group()) <= MAX_POWER:
            raise self.fail(f"a whole power from 1 to {MAX_POWER} after '^'")
        self.pos += len(digits.group())
        return Factor(column, int(digits.group()))

    def column(self) -> str:
        self.skip_spaces()
        if self.take("`"):
            end = self.text.find("`", self.pos)
            if end <= self.pos:
                raise self.fail("a column name closed by '`'")
            name, self.pos = self.text[self.pos:end], end + 1
            return name
        match = _NAME.match(self.text, self.pos)
        if match is None:
            raise self.fail("a column name (or one in `backquotes`)")
        self.pos = match.end()
        return match.group()


def apply_transforms(dataset: Dataset, texts: tuple[str, ...],
                     where: str = "data.transforms") -> Dataset:
    """`dataset` with its inputs replaced by the expressions `texts` (empty: unchanged), each
    input named by its expression. Raises DataError naming `where[i]` for a bad expression or a
    column the data does not have."""
    if not texts:
        return dataset
    transforms = parse_transforms(list(texts), where)
    if dataset.x.ndim != 2:
        raise DataError(f"{where}: transforms work on columns of tabular data; this data's "
                        f"inputs have shape {dataset.input_shape}")
    columns = {name: index for index, name in enumerate(dataset.feature_names)}
    x = np.asarray(dataset.x, dtype=np.float64)
    inputs = []
    for i, transform in enumerate(transforms):
        value = np.ones(len(x))
        for factor in transform.factors:
            if factor.column not in columns:
                raise DataError(f"{where}[{i}]: {transform.text!r} uses column "
                                f"{factor.column!r}, which the data does not have (its columns: "
                                f"{', '.join(dataset.feature_names[:20])})")
            value = value * x[:, columns[factor.column]] ** factor.power
        inputs.append(_FUNCTION_VALUES[transform.function](value))
    with np.errstate(over="ignore"):  # an overflow is found and named just below
        new_x = np.stack(inputs, axis=1).astype(np.float32)
    if not np.isfinite(new_x).all():
        column = int(np.argwhere(~np.isfinite(new_x))[0][1])
        raise DataError(f"{where}[{column}]: {transforms[column].text!r} gives values too large "
                        f"for a number; use a smaller power")
    return dataclasses.replace(dataset, x=new_x,
                               feature_names=tuple(t.text for t in transforms))



def column_term(name: str) -> str:
    """`name` as the grammar writes it: bare when it can be, else in backquotes."""
    return name if _NAME.fullmatch(name) else f"`{name}`"


def playground_transforms(first: str, second: str) -> tuple[str, ...]:
    """TensorFlow Playground's inputs over two columns: each, their squares, their product and
    their sines."""
    a, b = column_term(first), column_term(second)
    return (a, b, f"{a}^2", f"{b}^2", f"{a}*{b}", f"sin({a})", f"sin({b})")
