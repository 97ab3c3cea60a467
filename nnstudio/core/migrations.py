"""Upgrading project documents written by older NN Studio versions, one format step at a time.

Each step is a pure function from a document of format N to a document of format N + 1. Steps are
never skipped, so each only has to know about the one change it undoes; the reader after them only
has to understand the current format.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Mapping

from nnstudio.core.errors import ProjectError

FORMAT_VERSION = 1
"""The project format this NN Studio writes and reads."""

Migration = Callable[[dict[str, Any]], dict[str, Any]]

MIGRATIONS: dict[int, Migration] = {
    # from_version: step that returns the document in format from_version + 1, e.g.
    # 1: _v1_to_v2,
}


def migrate(document: dict[str, Any], version: int, target: int = FORMAT_VERSION,
            migrations: Mapping[int, Migration] | None = None, where: str = "project") -> dict[str, Any]:
    """Bring `document` (in format `version`) up to format `target`, one step at a time.

    Each step receives its own deep copy, so a step may edit it in place, and the caller's
    document is never changed. After every step `format_version` is set to the new number.
    Raises ProjectError naming `where` when a step is missing or fails on a malformed document.
    """
    table = MIGRATIONS if migrations is None else migrations
    current = version
    while current < target:
        step = table.get(current)
        if step is None:
            raise ProjectError(
                f"{where}: format_version: format {current} is too old to open; "
                f"no upgrade to format {current + 1} is known")
        try:
            upgraded = step(copy.deepcopy(document))
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            # A step assumes a well-formed old document; a damaged one is the file's fault.
            raise ProjectError(
                f"{where}: cannot upgrade from format {current} to {current + 1}: "
                f"the file is damaged ({type(exc).__name__}: {exc})") from None
        if not isinstance(upgraded, dict):
            raise ProjectError(f"{where}: upgrade from format {current} did not give a document")
        current += 1
        upgraded["format_version"] = current
        document = upgraded
    return document
