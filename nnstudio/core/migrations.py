"""Upgrading project documents written by older NN Studio versions, one format step at a time.

Each step is a pure function from a document of format N to a document of format N + 1. Steps are
never skipped, so each only has to know about the one change it undoes; the reader after them only
has to understand the current format.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Mapping

from nnstudio.core.errors import ProjectError
from nnstudio.core.history import best_index

FORMAT_VERSION = 3
"""The project format this NN Studio writes and reads."""

Migration = Callable[[dict[str, Any]], dict[str, Any]]


# ---- 1 -> 2: where weights came from -------------------------------------------------------------

V1_CONTINUED_FROM = "continued from "  # format 1's window began a continuing run's changes so


def _v1_to_v2(document: dict[str, Any]) -> dict[str, Any]:
    """Format 2 records the lineage format 1 only hinted at.

    Each run gets a `parent`: format 1's window began a continuing run's changes with
    "continued from <run id>" (the run trained last, not always the one whose weights it
    started from), which becomes the parent at that run's final epoch, marked inferred. The
    current weights get `run` and `epoch`: the run whose kept weights are the same bytes, or,
    when the last run kept none, the last run (inferred); weights that differ from every kept
    run's came from elsewhere and get no origin. Every run, weights file and note stays.
    """
    runs = document.get("runs")
    runs = [run for run in runs if isinstance(run, dict)] if isinstance(runs, list) else []
    by_id = {run.get("id"): run for run in runs if isinstance(run.get("id"), str)}
    for run in runs:
        run["parent"] = _v1_parent(run, by_id)
        epoch, guessed = _v1_final_epoch(run)
        if guessed and epoch:  # early stopping put an earlier epoch's weights back
            run["weights_epoch"] = epoch
    weights = document.get("weights")
    if isinstance(weights, dict):
        weights.update(_v1_weights_origin(weights.get("sha256"), runs))
    return document


def _v1_parent(run: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    changes = run.get("changes")
    if not (isinstance(changes, list) and changes and isinstance(changes[0], str)
            and changes[0].startswith(V1_CONTINUED_FROM)):
        return None
    parent = by_id.get(changes[0][len(V1_CONTINUED_FROM):])
    epoch, _ = _v1_final_epoch(parent) if parent is not None else (0, True)
    if not epoch:  # a run deleted since: the words stay, the only trace of where it began
        return None
    run["changes"] = changes[1:]
    return {"run": parent["id"], "epoch": epoch, "inferred": True}


def _v1_weights_origin(sha256: Any, runs: list[dict[str, Any]]) -> dict[str, Any]:
    same = [run for run in runs if isinstance(run.get("weights"), dict)
            and run["weights"].get("sha256") == sha256 and isinstance(run.get("id"), str)]
    if same:
        run, certain = same[-1], True
    elif runs and runs[-1].get("weights") is None and isinstance(runs[-1].get("id"), str):
        run, certain = runs[-1], False
    else:
        return {}
    epoch, guessed = _v1_final_epoch(run)
    if not epoch:
        return {}
    origin: dict[str, Any] = {"run": run["id"], "epoch": epoch}
    if guessed or not certain:
        origin["inferred"] = True
    return origin


def _v1_final_epoch(run: dict[str, Any]) -> tuple[int, bool]:
    """(the epoch a format-1 run's final weights are from, whether that is a guess).

    Its last epoch, unless early stopping ended it and put back its best epoch's weights:
    then the best epoch of the monitored metric, a guess (format 1 did not record it).
    """
    history = run.get("history")
    series = [v for v in history.values() if isinstance(v, list)] if isinstance(
        history, dict) else []
    last = max((len(values) for values in series), default=0)
    config = run.get("config") if isinstance(run.get("config"), dict) else {}
    if not (config.get("early_stopping") and config.get("restore_best", True)):
        return last, False
    monitor = config.get("monitor", "val_loss")
    values = history.get(monitor) if isinstance(history, dict) else None
    if not isinstance(values, list) or not isinstance(config.get("epochs"), int) \
            or len(values) >= config["epochs"]:
        return last, False
    best = best_index(values, monitor)
    return (last, True) if best is None else (best + 1, True)


# ---- 2 -> 3: only new optional keys ------------------------------------------------------------


def _v2_to_v3(document: dict[str, Any]) -> dict[str, Any]:
    """Format 3 adds optional keys, each written only when used, so a format-2 document is
    already a valid format-3 document. The number changes so that the previous release
    refuses a file that carries keys it would drop. The keys format 3 adds:
    - `weights.edited` and a run's `parent.edited`: weights changed by hand after that epoch.
    - a run's `timeline` {path, sha256, epochs}: its weights kept at a few epochs (core.timeline).
    - `training.until_stopped` (and a run's `config.until_stopped`): true trains until paused.
    - `data.source` of kind "drawn" {points, labels, class_names}: points drawn in the window.
    - `classroom` {hidden_panels, hidden_controls, show_notes}: a teacher's trimmed window.
    - `card` {intended_use, out_of_scope, limitations}: the model card's own words.
    - `sweep` {scale, widths, depths, train_sizes, seeds, epochs}: the sweep a project suggests.
    """
    return document


MIGRATIONS: dict[int, Migration] = {
    # from_version: step that returns the document in format from_version + 1
    1: _v1_to_v2,
    2: _v2_to_v3,
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
