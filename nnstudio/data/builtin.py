"""The table of built-in datasets: one entry drives the dataset picker, its tooltips, the
parameter form, validation messages and loading (like Playground's declarative settings table).

Adding a built-in dataset means one entry here (plus its generator or bundled file) and its
tests, nothing else.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nnstudio.core.errors import DataError, SpecError
from nnstudio.core.params import CHOICE, FLOAT, INT, ParamSpec, Schema
from nnstudio.data import algorithmic, bundled, generators
from nnstudio.data.dataset import Dataset, Task

GENERATED = "generated"
BUNDLED = "bundled"


@dataclass(frozen=True)
class BuiltinDataset:
    """One built-in dataset: what the picker shows and how to make it.

    `make` is called as `make(**params, seed=seed)` for generated datasets and `make()` for
    bundled ones.
    """

    key: str
    display_name: str
    description: str
    task: str
    kind: str  # GENERATED or BUNDLED
    make: Callable[..., Dataset]
    # The same schema type as layer parameters, so one form and one validator serve both.
    params: Schema = field(default_factory=Schema)


def _n_samples(default: int = 500) -> ParamSpec:
    return ParamSpec(
        "n_samples", INT, default,
        "How many points to draw. More points show the shape better but train slower.",
        minimum=10, maximum=10_000, label="Points",
    )


def _classes(what: str) -> ParamSpec:
    return ParamSpec(
        "classes", INT, 3, f"How many {what}, one class each (the two-class versions are "
        "separate datasets).", minimum=3, maximum=generators.MAX_CLASSES, label="Classes",
    )


_NOISE = ParamSpec(
    "noise", FLOAT, 0.0,
    "How much the classes blur into each other: 0 is clean, 1 is very messy.",
    minimum=0.0, maximum=1.0, label="Noise",
)


def _generated(
    key: str, display_name: str, description: str, task: Task, make: Callable[..., Dataset]
) -> BuiltinDataset:
    return BuiltinDataset(
        key, display_name, description, task.value, GENERATED, make,
        Schema((_n_samples(), _NOISE)),
    )


def _bundled(
    key: str, display_name: str, description: str, task: Task, make: Callable[[], Dataset]
) -> BuiltinDataset:
    return BuiltinDataset(key, display_name, description, task.value, BUNDLED, make)


BUILTIN_DATASETS: dict[str, BuiltinDataset] = {
    entry.key: entry
    for entry in (
        _generated(
            "circle", "Circle",
            "One class inside a circle, the other in a ring around it. A straight line "
            "cannot separate them; a hidden layer can bend the boundary into a closed curve.",
            Task.BINARY, generators.circle,
        ),
        _generated(
            "xor", "XOR",
            "Four squares: points are one class where x1 and x2 have the same sign, the other "
            "where they differ. The classic problem a single neuron cannot solve.",
            Task.BINARY, generators.xor,
        ),
        _generated(
            "gaussians", "Two Gaussians",
            "Two round clouds of points. With little noise one straight line separates them, "
            "so even a network with no hidden layer learns it.",
            Task.BINARY, generators.gaussians,
        ),
        _generated(
            "spiral", "Spiral",
            "Two spiral arms wound around each other. Hard: it needs several hidden layers, or "
            "extra input features, and patience.",
            Task.BINARY, generators.spiral,
        ),
        _generated(
            "moons", "Two Moons",
            "Two interlocking half circles. The boundary must curve around each moon's tip.",
            Task.BINARY, generators.moons,
        ),
        BuiltinDataset(
            "spiral_arms", "Spiral Arms (3+ classes)",
            "Several spiral arms wound around each other, one class each: the spiral's "
            "lesson with more than two classes, so the output needs one unit per arm.",
            Task.MULTICLASS.value, GENERATED, generators.spiral_arms,
            Schema((_n_samples(600), _NOISE, _classes("arms"))),
        ),
        BuiltinDataset(
            "clouds", "Gaussian Clouds (3+ classes)",
            "Round clouds of points around a circle, one class each. Straight lines separate "
            "them, so even a network with no hidden layer learns it, with one output per class.",
            Task.MULTICLASS.value, GENERATED, generators.clouds,
            Schema((_n_samples(600), _NOISE, _classes("clouds"))),
        ),
        BuiltinDataset(
            "above_below", "Above or Below a Function",
            "One class above the curve of a function, the other below: a sine, x³ − x, |x| or "
            "a straight line. How many neurons does each curve need?",
            Task.BINARY.value, GENERATED, generators.above_below,
            Schema((_n_samples(), _NOISE, ParamSpec(
                "function", CHOICE, "sin",
                "The curve between the classes: " + "; ".join(generators.FUNCTIONS.values()),
                choices=tuple(generators.FUNCTIONS), label="Function"))),
        ),
        _generated(
            "plane", "Plane (regression)",
            "Predict a number rather than a class: the value rises evenly from one corner to "
            "the other, so a single linear neuron fits it.",
            Task.REGRESSION, generators.plane,
        ),
        _generated(
            "multi_gaussian", "Multi Gaussian (regression)",
            "Predict a number that forms six hills and valleys over the plane. A network needs "
            "hidden neurons to shape each bump.",
            Task.REGRESSION, generators.multi_gaussian,
        ),
        BuiltinDataset(
            "random_labels", "Random Labels",
            "1000 random points whose labels are coin flips. A big network can memorise the "
            "training points, but on new points it stays at 50%: there is nothing to learn.",
            Task.BINARY.value, GENERATED, generators.random_labels, Schema((_n_samples(1000),)),
        ),
        BuiltinDataset(
            "modular_arithmetic", "Modular Arithmetic (grokking)",
            "Every equation a ∘ b = c (mod p) once; inputs are the token ids a and b (use an "
            "Embedding layer and no input scaling), the class is c. With strong weight decay a "
            "network first memorises its training pairs and generalises much later: grokking.",
            Task.MULTICLASS.value, GENERATED, algorithmic.modular_arithmetic,
            Schema((
                ParamSpec("modulus", INT, 97,
                          "The prime p: p² equations, one class per residue 0 … p − 1.",
                          minimum=2, maximum=algorithmic.MAX_MODULUS, label="Modulus p"),
                ParamSpec("operation", CHOICE, "add",
                          "The operation ∘; divide multiplies by b's modular inverse (b ≠ 0).",
                          choices=algorithmic.OPERATIONS, label="Operation"),
            )),
        ),
        BuiltinDataset(
            "digit_addition", "Multi-digit Addition (the mirage)",
            "a + b for numbers of a few digits: the inputs are their digits one-hot, the "
            "target every digit of the sum (one softmax of 10 per digit). Score it digit by "
            "digit and on whole sums: the all-or-nothing score jumps where the per-digit one "
            "climbs smoothly.",
            Task.MULTICLASS.value, GENERATED, algorithmic.digit_addition,
            Schema((
                ParamSpec("digits", INT, 3, "Digits of each number; the sum has one more.",
                          minimum=1, maximum=algorithmic.MAX_DIGITS, label="Digits"),
                ParamSpec("n_samples", INT, 5000,
                          "How many distinct sums to draw (all of them when the table is "
                          "smaller).", minimum=10, maximum=algorithmic.MAX_ADDITION_ROWS,
                          label="Sums"),
            )),
        ),
        _bundled(
            "digits", "Handwritten Digits (8×8)",
            "1797 small images of handwritten digits 0 to 9, 8×8 grey pixels each. A first "
            "image task: try dense layers, then a small convolutional network.",
            Task.MULTICLASS, bundled.load_digits,
        ),
        _bundled(
            "iris", "Iris",
            "150 iris flowers of 3 species, measured by 4 petal and sepal sizes in cm. One "
            "species is easy to tell apart, the other two overlap a little.",
            Task.MULTICLASS, bundled.load_iris,
        ),
        _bundled(
            "wine", "Wine",
            "178 wines from 3 growers, described by 13 chemical measurements on very different "
            "scales: a good lesson in why inputs are standardised.",
            Task.MULTICLASS, bundled.load_wine,
        ),
        _bundled(
            "breast_cancer", "Breast Cancer",
            "569 tumour samples described by 30 measurements of cell nuclei; predict malignant "
            "or benign. Real medical data, where recall matters more than accuracy.",
            Task.BINARY, bundled.load_breast_cancer,
        ),
        _bundled(
            "diabetes", "Diabetes (regression)",
            "442 patients: age, sex, body mass index, blood pressure and six blood tests; "
            "predict how far the disease progressed one year later.",
            Task.REGRESSION, bundled.load_diabetes,
        ),
    )
}


def load_builtin(key: str, params: Mapping[str, Any] | None = None, seed: int = 0) -> Dataset:
    """Make built-in dataset `key` with `params` (missing ones take their defaults).

    `seed` makes generated datasets reproducible and is ignored by bundled ones. Raises
    `DataError` naming the field (`data.key`, `data.params.<name>`, `data.seed`) for an
    unknown key, an unknown parameter, or a value of the wrong type or out of range.
    """
    entry = BUILTIN_DATASETS.get(key) if isinstance(key, str) else None
    if entry is None:
        raise DataError(
            f"data.key: unknown built-in dataset {_show(key)}; "
            f"choose one of {', '.join(BUILTIN_DATASETS)}"
        )
    values = check_params(entry, params)
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise DataError(f"data.seed: must be a whole number of 0 or more, got {_show(seed)}")
    if entry.kind == BUNDLED:
        return entry.make()
    return entry.make(**values, seed=int(seed))


def check_params(entry: BuiltinDataset, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """All of `entry`'s parameters, validated, with defaults filled in.

    Raises `DataError` naming `data.params.<name>` for the first bad or unknown parameter.
    """
    values = {} if params is None else params
    if isinstance(values, Mapping):
        values = dict(values)  # core's Schema checks for a plain dict
    try:
        return entry.params.validate(values, "data.params")
    except SpecError as exc:
        # Same message, but a dataset problem is reported as one.
        raise DataError(str(exc)) from None


def _show(value: object) -> str:
    """A value as a person would type it: text in double quotes, like JSON."""
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)
