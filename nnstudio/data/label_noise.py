"""Label noise for the double-descent experiments (Nakkiran et al. 2019): a seeded share of the
TRAINING labels moved to another class. Validation and test labels stay as they are, so the
held-out numbers still measure the true task."""

from __future__ import annotations

import dataclasses

import numpy as np

from nnstudio.core.errors import DataError
from nnstudio.data.dataset import Dataset
from nnstudio.data.split import Split

# A stream of its own, so turning noise on never changes the split drawn from the same seed.
_NOISE_STREAM = 1


def flipped_labels_count(train_size: int, fraction: float) -> int:
    """How many of `train_size` training labels a `fraction` flips: rounded half up."""
    return int(np.floor(fraction * train_size + 0.5))


def with_label_noise(dataset: Dataset, split: Split, fraction: float, seed: int) -> Dataset:
    """`dataset` with `fraction` of its training rows (by `split`) given another class, drawn
    with `seed`; every other row keeps its label. Raises DataError naming `data.label_noise` for
    data without classes."""
    if fraction == 0:
        return dataset
    if not dataset.is_classification or dataset.n_classes < 2:
        raise DataError("data.label_noise: only class labels can be flipped; this data has "
                        f"{'a numeric target' if not dataset.is_classification else 'one class'}"
                        ", so set label noise to 0")
    if dataset.positions > 1:
        raise DataError("data.label_noise: this data has a class per position (e.g. the digits "
                        "of a sum), and flipping one is not a wrong label of the sample; set "
                        "label noise to 0")
    rng = np.random.default_rng((int(seed), _NOISE_STREAM))
    chosen = rng.choice(split.train, flipped_labels_count(len(split.train), fraction),
                        replace=False)
    # Adding 1 … k−1 (mod k) lands on each other class equally often, never on the same one.
    shift = rng.integers(1, dataset.n_classes, len(chosen))
    labels = dataset.y.copy()
    labels[chosen] = (labels[chosen] + shift) % dataset.n_classes
    return dataclasses.replace(dataset, y=labels)
