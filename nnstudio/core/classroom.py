"""Classroom presets: a teacher's project may hide panels and controls and show its notes when
opened, as Playground hides controls through its URL.

Stored as the optional project key `classroom`:
`{"hidden_panels": ["weights_dock", ...], "hidden_controls": ["import_data", ...],
"show_notes": true}`. The names are the window's (its panel table's dock names and its fixed
list of controls); a name this version does not know is kept and ignored, so a file from a
newer version still opens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from nnstudio.core.errors import SpecError

MAX_NAMES = 100
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
KEYS = ("hidden_panels", "hidden_controls", "show_notes")


@dataclass(frozen=True)
class Classroom:
    """What a student's window hides, and whether the project's notes open with it."""

    hidden_panels: tuple[str, ...] = ()
    hidden_controls: tuple[str, ...] = ()
    show_notes: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.hidden_panels or self.hidden_controls or self.show_notes)

    def to_dict(self) -> dict[str, Any]:
        return {"hidden_panels": list(self.hidden_panels),
                "hidden_controls": list(self.hidden_controls), "show_notes": self.show_notes}


def classroom_from_dict(value: Any, where: str = "classroom") -> Classroom:
    """A preset read from a project file; SpecError names the field that is wrong."""
    if not isinstance(value, dict):
        raise SpecError(f"{where}: must be an object with {', '.join(KEYS)}, got {value!r}")
    for key in value:
        if key not in KEYS:
            raise SpecError(f"{where}.{key}: unknown field (allowed: {', '.join(KEYS)})")
    show_notes = value.get("show_notes", False)
    if not isinstance(show_notes, bool):
        raise SpecError(f"{where}.show_notes: must be true or false, got {show_notes!r}")
    return Classroom(_names(value.get("hidden_panels", []), f"{where}.hidden_panels"),
                     _names(value.get("hidden_controls", []), f"{where}.hidden_controls"),
                     show_notes)


def _names(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_NAMES:
        raise SpecError(f"{where}: must be a list of at most {MAX_NAMES} names")
    for index, name in enumerate(value):
        if not isinstance(name, str) or not _NAME.match(name):
            raise SpecError(f"{where}[{index}]: must be a name like \"weights_dock\" (lower-case "
                            f"letters, digits and _), got {name!r}")
    if len(set(value)) != len(value):
        raise SpecError(f"{where}: lists a name twice")
    return tuple(value)
