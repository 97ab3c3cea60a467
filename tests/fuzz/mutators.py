"""Seeded mutators: hostile changes to JSON documents and bytes, the same for the same seed.

A JSON mutation picks one place in the document (any object field or list item) and replaces
it, deletes it, adds an unknown field beside it, grows a number by orders of magnitude, or
copies another part of the document there. Byte mutations flip, insert, delete, duplicate or
cut bytes. Together they reach what a hand edit, a disk error or an attacker would bring.
"""

from __future__ import annotations

import copy
import json
import random
from typing import Any

# Values that have broken parsers before: wrong types, extremes, paths out of the folder.
HOSTILE_VALUES: tuple[Any, ...] = (
    None, True, False, 0, -1, 1, 2 ** 31, 2 ** 63, 10 ** 30, -10 ** 30, 1e308, -1e-308, 0.5,
    "", "x", "x" * 5000, "../../../etc/passwd", "/etc/passwd", "C:\\Windows\\win.ini", "\u0000",
    "\ud7ff\U0001F600", "1e400", "NaN", [], {}, [1] * 1000, [[[[[[[[[[[]]]]]]]]]]],
    {"kind": "file", "path": "../x.csv", "sha256": "0" * 64, "format": "csv"},
    [1_000_000], [100_000, 100_000], [3, 100_000, 100_000], 4096, 10 ** 6,
)


def places(document: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) in `document`, parents before children."""
    found: list[tuple[Any, Any]] = []
    stack = [document]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) \
            if isinstance(node, list) else ()
        for key, value in items:
            found.append((node, key))
            if isinstance(value, (dict, list)):
                stack.append(value)
    return found


def mutate_document(document: Any, rng: random.Random, value: Any = None,
                    use_value: bool = False) -> Any:
    """A copy of `document` with one hostile change (`value` put somewhere if `use_value`)."""
    document = copy.deepcopy(document)
    spots = places(document)
    if not spots:
        return value if use_value else rng.choice(HOSTILE_VALUES)
    container, key = rng.choice(spots)
    action = "replace" if use_value else rng.choice(
        ("replace", "replace", "delete", "add", "grow", "copy"))
    if action == "replace":
        container[key] = copy.deepcopy(value if use_value else rng.choice(HOSTILE_VALUES))
    elif action == "delete":
        del container[key]
    elif action == "add":
        if isinstance(container, dict):
            container[f"unknown_{rng.randrange(100)}"] = rng.choice(HOSTILE_VALUES)
        else:
            container.insert(key, copy.deepcopy(rng.choice(HOSTILE_VALUES)))
    elif action == "grow":
        current = container[key]
        if isinstance(current, (int, float)) and not isinstance(current, bool):
            container[key] = current * 10 ** rng.randrange(1, 12) + rng.choice((0, 1, -1))
        else:
            container[key] = copy.deepcopy(rng.choice(HOSTILE_VALUES))
    else:
        source, source_key = rng.choice(spots)
        container[key] = copy.deepcopy(source[source_key])
    return document


def enlarge_network(document: Any, rng: random.Random) -> Any:
    """A copy of a project document whose network asks for much more memory than any machine
    has, in ways the settings' own ranges allow: a wide input, the widest layers."""
    document = copy.deepcopy(document)
    for node in document.get("network", {}).get("nodes", []):
        params = node.get("params", {})
        if node.get("type") == "input" and isinstance(params.get("shape"), list):
            params["shape"] = [rng.choice((1000, 100_000, 1_000_000)) if rng.random() < 0.7
                               else dim for dim in params["shape"]]
        for key in ("units", "filters", "embedding_dim", "vocabulary"):
            if key in params and rng.random() < 0.7:
                params[key] = rng.choice((1024, 4096))
    return document


def mutate_bytes(data: bytes, rng: random.Random, changes: int = 0) -> bytes:
    """`data` with `changes` (default 1 to 8) random byte-level edits."""
    buffer = bytearray(data)
    for _ in range(changes or rng.randint(1, 8)):
        position = rng.randrange(len(buffer) + 1)
        action = rng.choice(("flip", "insert", "delete", "duplicate", "cut", "set"))
        if action == "flip" and buffer:
            position = min(position, len(buffer) - 1)
            buffer[position] ^= 1 << rng.randrange(8)
        elif action == "insert":
            buffer[position:position] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif action == "delete":
            del buffer[position:position + rng.randint(1, 64)]
        elif action == "duplicate":
            buffer[position:position] = buffer[position:position + rng.randint(1, 4096)]
        elif action == "cut":
            del buffer[position:]
        elif buffer:
            position = min(position, len(buffer) - 1)
            buffer[position] = rng.choice((0, 0xFF, ord('"'), ord("{"), ord(","), ord("\r")))
    return bytes(buffer)


def dumps(document: Any) -> bytes:
    """JSON bytes of a mutated document (NaN and huge numbers allowed: the loader must cope)."""
    return json.dumps(document, indent=1).encode("utf-8")
