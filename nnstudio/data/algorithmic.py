"""Algorithmic datasets for the grokking experiments (Power et al. 2022, "Grokking:
generalization beyond overfitting on small algorithmic datasets").

Each sample is one equation `a ∘ b = c (mod p)`: the inputs are the two token ids a and b (for
an Embedding layer), the class is c. Every pair appears exactly once, so the training share of
the project's split is the fraction of the whole operation table the network sees.
"""

from __future__ import annotations

import numpy as np

from nnstudio.core.errors import DataError
from nnstudio.data.dataset import Dataset, Task

OPERATIONS = ("add", "subtract", "multiply", "divide")
_SYMBOLS = {"add": "+", "subtract": "−", "multiply": "×", "divide": "÷"}
MAX_MODULUS = 113


def is_prime(number: int) -> bool:
    """True when `number` is a prime (small numbers only: trial division)."""
    if number < 2:
        return False
    return all(number % divisor for divisor in range(2, int(number**0.5) + 1))


def modular_pairs(modulus: int, operation: str) -> np.ndarray:
    """Every (a, b) pair the operation is defined for, as an int64 (n, 2) array in row order;
    division leaves out b = 0, which has no inverse."""
    a, b = np.meshgrid(np.arange(modulus), np.arange(modulus), indexing="ij")
    pairs = np.stack([a.ravel(), b.ravel()], axis=1).astype(np.int64)
    if operation == "divide":
        pairs = pairs[pairs[:, 1] != 0]
    return pairs


def modular_result(a: np.ndarray, b: np.ndarray, modulus: int, operation: str) -> np.ndarray:
    """a ∘ b mod p, elementwise; division multiplies by b's modular inverse."""
    if operation == "add":
        return (a + b) % modulus
    if operation == "subtract":
        return (a - b) % modulus
    if operation == "multiply":
        return (a * b) % modulus
    inverses = np.array([0] + [pow(value, -1, modulus) for value in range(1, modulus)])
    return (a * inverses[b]) % modulus


def modular_arithmetic(
    modulus: int = 97, operation: str = "add", seed: int | np.random.Generator = 0
) -> Dataset:
    """The table of `a ∘ b mod modulus` as a multiclass dataset: inputs (a, b) as token ids,
    one class per residue 0 … modulus − 1.

    `modulus` must be a prime (so every b ≠ 0 has an inverse and the table is a group);
    `seed` is accepted like every generator's but changes nothing: the rows are the whole
    table in order, and the project's split (with its seed) picks the training pairs.
    """
    if not is_prime(modulus) or modulus > MAX_MODULUS:
        raise DataError(
            f"data.params.modulus: must be a prime up to {MAX_MODULUS} "
            f"(e.g. 23, 59, 97, 113), got {modulus}"
        )
    if operation not in OPERATIONS:
        raise DataError(f"data.params.operation: must be one of {', '.join(OPERATIONS)}, "
                        f"got {operation!r}")
    pairs = modular_pairs(modulus, operation)
    results = modular_result(pairs[:, 0], pairs[:, 1], modulus, operation)
    return Dataset(
        name=f"a {_SYMBOLS[operation]} b mod {modulus}",
        x=pairs.astype(np.float32),
        y=results,
        task=Task.MULTICLASS,
        feature_names=("a", "b"),
        class_names=tuple(str(residue) for residue in range(modulus)),
    )
