"""Choosing the network's inputs (data.transforms) as one undoable edit of the document.

The data panel's tick boxes and the network view's input tiles both go through
`choose_inputs`: the data settings change (the document's undoable data edit) and the input
layer's shape follows, as one undo step.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from nnstudio.core.commands import SetParamCommand
from nnstudio.data.transforms import column_term, playground_transforms


def plain_inputs(columns: tuple[str, ...]) -> tuple[str, ...]:
    """The data's columns as inputs, as the grammar writes them (no key in the file)."""
    return tuple(column_term(name) for name in columns)


def offered_inputs(columns: tuple[str, ...], chosen: tuple[str, ...]) -> tuple[str, ...]:
    """The inputs to offer as toggles: Playground's seven for two columns, else the columns;
    and whatever the project computes besides."""
    offered = playground_transforms(*columns) if len(columns) == 2 else plain_inputs(columns)
    return offered + tuple(text for text in chosen if text not in offered)


def choose_inputs(document: Any, chosen: tuple[str, ...],
                  columns: tuple[str, ...]) -> str | None:
    """Compute the network's inputs as `chosen` (expressions over `columns`, the data's own)
    and give the input layer that many values, as one undo step; the reason when refused."""
    if document.edit_lock is not None:
        return document.edit_lock
    if not chosen:
        return "The network needs at least one input."
    transforms = () if tuple(chosen) == plain_inputs(columns) else tuple(chosen)
    data = document.project.data
    if tuple(data.transforms or ()) == transforms:
        return None
    stack = document.undo_stack
    stack.beginMacro(f"Network inputs {', '.join(chosen)}")
    document.push_data_config(dataclasses.replace(data, transforms=transforms), "Network inputs")
    inputs = document.network.input_nodes()
    if len(inputs) == 1 and len(inputs[0].params.get("shape", ())) == 1 \
            and list(inputs[0].params["shape"]) != [len(chosen)]:
        document.push(SetParamCommand(inputs[0].id, "shape", [len(chosen)]))
    stack.endMacro()
    return None
