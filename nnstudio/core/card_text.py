"""What a person writes for the model card, kept in the project: the intended use, uses that are
out of scope, and known limitations (the Model Cards paper's sections that no number can fill).

Stored as the optional project key `card`:
`{"intended_use": "...", "out_of_scope": "...", "limitations": "..."}`, each text optional and
written only when not empty.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from nnstudio.core.errors import SpecError

MAX_LENGTH = 20_000  # characters per section: pages of prose, never a data dump

# Key -> (heading on the card, the prompt shown while it is empty).
SECTIONS: dict[str, tuple[str, str]] = {
    "intended_use": ("Intended use",
                     "Who should use this model, for what, and on which inputs?"),
    "out_of_scope": ("Out-of-scope use",
                     "Which uses would be wrong or harmful: other populations, other kinds "
                     "of input, decisions it must not make alone?"),
    "limitations": ("Limitations",
                    "What does it get wrong, where was it not tested, what in the data could "
                    "mislead it?"),
}


@dataclass(frozen=True)
class CardText:
    """The person's own sections of the model card; "" where not written yet."""

    intended_use: str = ""
    out_of_scope: str = ""
    limitations: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(self.to_dict().values())

    def to_dict(self) -> dict[str, str]:
        """The written sections only (a project without any keeps its bytes)."""
        return {key: getattr(self, key) for key in SECTIONS if getattr(self, key).strip()}

    def with_text(self, key: str, text: str) -> CardText:
        if key not in SECTIONS:
            raise SpecError(f"card.{key}: unknown section (allowed: {', '.join(SECTIONS)})")
        return replace(self, **{key: text})


def card_text_from_dict(value: Any, where: str = "card") -> CardText:
    """The sections read from a project file; SpecError names the field that is wrong."""
    if not isinstance(value, dict):
        raise SpecError(f"{where}: must be an object with {', '.join(SECTIONS)}, got {value!r}")
    texts = {}
    for key, text in value.items():
        if key not in SECTIONS:
            raise SpecError(f"{where}.{key}: unknown field (allowed: {', '.join(SECTIONS)})")
        if not isinstance(text, str):
            raise SpecError(f"{where}.{key}: must be a text, got {text!r}")
        if len(text) > MAX_LENGTH:
            raise SpecError(f"{where}.{key}: must be at most {MAX_LENGTH} characters, got "
                            f"{len(text)}")
        texts[key] = text
    return CardText(**texts)
