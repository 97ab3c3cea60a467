"""Class names, order and colours: one place every view, export and the model card read.

A dataset's classes are its `class_names` in label order (label k is `names[k]`). Each class
has one colour, the same in every view of the app (the Data View, the decision boundary, the
evaluation, the twin runs) and named in words where a caption needs it ("first arm (orange)").
The first two are TensorFlow Playground's orange and blue, the ends of the diverging scale the
views draw a binary output with, so class 0 is orange and class 1 blue on every background.
Plain hex strings, no Qt: the engine's exports use them too.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from typing import Any

CLASS_COLORS: tuple[str, ...] = (
    "#f59322", "#0877bd", "#2e9d4f", "#c8407e", "#7b4fc4", "#13907a", "#a88a12", "#56708a",
    "#d93a3a", "#8c564b")
COLOR_NAMES: tuple[str, ...] = (
    "orange", "blue", "green", "pink", "purple", "teal", "ochre", "slate", "red", "brown")
GOLDEN_ANGLE = 0.381966  # hue step (a share of the circle) that keeps many hues apart


def class_color(index: int) -> str:
    """The colour of class `index` as "#rrggbb": the palette's, then distinct generated hues
    (never a repeat, so class 10 is not mistaken for class 0)."""
    if index < 0:
        raise ValueError(f"class index must be 0 or more, got {index}")
    if index < len(CLASS_COLORS):
        return CLASS_COLORS[index]
    hue = (index - len(CLASS_COLORS)) * GOLDEN_ANGLE % 1.0
    red, green, blue = colorsys.hsv_to_rgb(hue, 0.65, 0.75)
    return "#{:02x}{:02x}{:02x}".format(*(round(c * 255) for c in (red, green, blue)))


def color_name(index: int) -> str:
    """A word for class `index`'s colour, for captions ("colour 11" past the named ones)."""
    return COLOR_NAMES[index] if 0 <= index < len(COLOR_NAMES) else f"colour {index + 1}"


@dataclass(frozen=True)
class ClassLegend:
    """The classes of one dataset: names in label order, and a colour for each."""

    names: tuple[str, ...] = ()

    @classmethod
    def of(cls, dataset: Any) -> ClassLegend:
        """The legend of a `Dataset` (empty for regression or no data)."""
        return cls(tuple(getattr(dataset, "class_names", ()) or ()))

    @classmethod
    def numbered(cls, count: int) -> ClassLegend:
        """Classes known only by number ("class 0", "class 1", ...)."""
        return cls(tuple(f"class {k}" for k in range(count)))

    def __len__(self) -> int:
        return len(self.names)

    def name(self, index: int) -> str:
        """The name of class `index` ("class 7" for a label the legend does not know)."""
        return self.names[index] if 0 <= index < len(self.names) else f"class {index}"

    def color(self, index: int) -> str:
        return class_color(index)

    @property
    def colors(self) -> tuple[str, ...]:
        return tuple(class_color(k) for k in range(len(self.names)))

    def caption(self, index: int) -> str:
        """“first arm” (orange): a class named with the colour it is drawn in."""
        return f"“{self.name(index)}” ({color_name(index)})"

    def fit(self, count: int) -> ClassLegend:
        """This legend when it has `count` classes, else one numbered for `count` (a network
        whose output does not match the data's classes)."""
        return self if len(self.names) == count else ClassLegend.numbered(count)
