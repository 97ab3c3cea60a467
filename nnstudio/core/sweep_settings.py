"""A project's own sweep: the sizes, seeds and epochs its scale sweep starts from.

Stored as the optional project key `sweep`, written only when set:
`{"scale": "width", "widths": [4, 8, ...], "depths": [...], "train_sizes": [...],
"seeds": 2, "epochs": 1000}`, every field optional. The example projects of the emergence lab
carry one, so Experiments > Scale Sweep and `nnstudio sweep PROJECT` start from the sizes that
show their phenomenon. `train_sizes` grows the training data instead of the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nnstudio.core.errors import SpecError

SCALES = ("width", "depth", "both")  # what a scale sweep grows (engine.sweep)
KEYS = ("scale", "widths", "depths", "train_sizes", "seeds", "epochs")
MAX_SIZES = 64


@dataclass(frozen=True)
class SweepSettings:
    """The sweep a project suggests; empty tuples and None leave the window's defaults."""

    scale: str = "width"
    widths: tuple[int, ...] = ()
    depths: tuple[int, ...] = ()
    train_sizes: tuple[int, ...] = ()
    seeds: int | None = None
    epochs: int | None = None

    def to_dict(self) -> dict[str, Any]:
        values = {"scale": self.scale, "widths": list(self.widths), "depths": list(self.depths),
                  "train_sizes": list(self.train_sizes), "seeds": self.seeds,
                  "epochs": self.epochs}
        return {key: value for key, value in values.items() if value not in ((), [], None)}


def sweep_settings_from_dict(value: Any, where: str = "sweep") -> SweepSettings:
    """The settings read from a project file; SpecError names the field that is wrong."""
    if not isinstance(value, dict):
        raise SpecError(f"{where}: must be an object with some of {', '.join(KEYS)}, "
                        f"got {value!r}")
    for key in value:
        if key not in KEYS:
            raise SpecError(f"{where}.{key}: unknown field (allowed: {', '.join(KEYS)})")
    scale = value.get("scale", "width")
    if scale not in SCALES:
        raise SpecError(f"{where}.scale: must be one of {', '.join(SCALES)}, got {scale!r}")
    return SweepSettings(
        scale,
        _sizes(value.get("widths", []), f"{where}.widths", 1),
        _sizes(value.get("depths", []), f"{where}.depths", 0),
        _sizes(value.get("train_sizes", []), f"{where}.train_sizes", 1),
        _count(value.get("seeds"), f"{where}.seeds", 1000),
        _count(value.get("epochs"), f"{where}.epochs", 1_000_000),
    )


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _sizes(value: Any, where: str, low: int) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) > MAX_SIZES:
        raise SpecError(f"{where}: must be a list of at most {MAX_SIZES} whole numbers")
    for index, size in enumerate(value):
        if not _whole(size) or size < low:
            raise SpecError(f"{where}[{index}]: must be a whole number of {low} or more, "
                            f"got {size!r}")
    if len(set(value)) != len(value):
        raise SpecError(f"{where}: lists a size twice")
    return tuple(value)


def _count(value: Any, where: str, most: int) -> int | None:
    if value is None:
        return None
    if not _whole(value) or not 1 <= value <= most:
        raise SpecError(f"{where}: must be a whole number from 1 to {most}, got {value!r}")
    return value
