"""A run's timeline: its weights kept at a few log-spaced epochs, to look back and fork from.

Which epochs a run keeps (`kept_epochs`): the Fibonacci numbers 1, 2, 3, 5, 8, 13, ... up to
the run's length, plus its last epoch. They thin out as a run grows, so a run keeps at most
`MAX_SNAPSHOTS` snapshots whatever its length (24 Fibonacci numbers lie below the 100,000
epochs a run may have), and every run, short or long, keeps the same early epochs, where most
of the change happens, so runs line up when compared.

On disk a run's snapshots are one safetensors file beside its history,
`<stem>.runs/<run id>.timeline.<sha256[:16]>.safetensors`, whose tensors are named
`e<epoch>.<node id>.<tensor>`; the run's record names the file, its sha256 and the epochs
(`timeline`, format 3), and the epochs' metrics are the run's history at those epochs.
This module is the pure part: the schedule, the reference and the file's bytes.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import safetensors.numpy

MAX_SNAPSHOTS = 26  # 24 Fibonacci epochs below MAX_EPOCHS, the last, and a restored best one
_TENSOR_NAME = re.compile(r"^e([1-9][0-9]{0,5})\.(.+)$")

Weights = dict[str, np.ndarray]


def kept_epochs(epochs: int) -> tuple[int, ...]:
    """The epochs a run of `epochs` epochs keeps weights at: 1, 2, 3, 5, 8, 13, ... up to
    `epochs`, and `epochs` itself."""
    kept, a, b = [], 1, 2
    while a <= epochs:
        kept.append(a)
        a, b = b, a + b
    if epochs >= 1 and kept[-1] != epochs:
        kept.append(epochs)
    return tuple(kept)


def is_kept(epoch: int, epochs: int) -> bool:
    """True when a run planned for `epochs` epochs keeps its weights at `epoch`."""
    a, b = 1, 2
    while a < epoch:
        a, b = b, a + b
    return epoch == epochs or a == epoch


def nearest_epoch(epochs: tuple[int, ...] | list[int], wanted: int) -> int:
    """The epoch of `epochs` (sorted, not empty) nearest to `wanted`; the earlier on a tie."""
    position = bisect.bisect_left(epochs, wanted)
    candidates = epochs[max(0, position - 1):position + 1]
    return min(candidates, key=lambda epoch: (abs(epoch - wanted), epoch))


@dataclass(frozen=True)
class TimelineRef:
    """A run's timeline file: its path relative to the project file, its sha256, and the
    epochs whose weights it holds (increasing)."""

    path: str
    sha256: str
    epochs: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "epochs": list(self.epochs)}


def timeline_blob(snapshots: Mapping[int, Mapping[str, np.ndarray]]) -> bytes:
    """The safetensors bytes holding `snapshots` (epoch -> weights)."""
    return safetensors.numpy.save({
        f"e{epoch}.{key}": np.ascontiguousarray(array)
        for epoch in sorted(snapshots) for key, array in snapshots[epoch].items()})


def split_timeline(arrays: Mapping[str, np.ndarray], epochs: tuple[int, ...]
                   ) -> dict[int, Weights]:
    """The snapshots (epoch -> weights) in a timeline file's `arrays`; ValueError when a tensor
    is not named `e<epoch>.<node id>.<tensor>` or the epochs differ from `epochs`."""
    snapshots: dict[int, Weights] = {}
    for name, array in arrays.items():
        match = _TENSOR_NAME.match(name)
        if match is None:
            raise ValueError(f"tensor \"{name[:60]}\" is not named e<epoch>.<node id>.<tensor>")
        snapshots.setdefault(int(match.group(1)), {})[match.group(2)] = array
    if tuple(sorted(snapshots)) != tuple(epochs):
        raise ValueError(f"holds the weights of epochs {sorted(snapshots)}, but the project "
                         f"lists {list(epochs)}")
    return snapshots
