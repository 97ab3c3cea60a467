"""Algorithmic datasets for the emergence experiments.

- Modular arithmetic, for grokking (Power et al. 2022, "Grokking: generalization beyond
  overfitting on small algorithmic datasets"). Each sample is one equation `a ∘ b = c (mod p)`:
  the inputs are the two token ids a and b (for an Embedding layer), the class is c. Every pair
  appears exactly once, so the training share of the project's split is the fraction of the
  whole operation table the network sees.
- Multi-digit addition, for the "mirage" (Schaeffer et al. 2023, "Are emergent abilities of
  large language models a mirage?"). The inputs are the digits of a and b, one-hot; the target
  is every digit of a + b, one class per position, so a network can be scored digit by digit
  (smooth) and on the whole sum (exact match: all or nothing).
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


MAX_DIGITS = 6
MAX_ADDITION_ROWS = 20_000


def addition_pairs(digits: int, n_samples: int, seed: int | np.random.Generator) -> np.ndarray:
    """`n_samples` distinct (a, b) pairs of numbers below 10**digits, drawn with `seed`, as an
    int64 (n, 2) array; the whole table in order when it has no more than `n_samples` pairs."""
    table = 10 ** (2 * digits)
    if n_samples >= table:
        chosen = np.arange(table, dtype=np.int64)
    else:
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        found: dict[int, None] = {}  # draws kept in order, repeats drawn again
        while len(found) < n_samples:
            for value in rng.integers(0, table, n_samples - len(found)).tolist():
                found.setdefault(value)
        chosen = np.fromiter(found, dtype=np.int64, count=n_samples)
    return np.stack([chosen // 10**digits, chosen % 10**digits], axis=1)


def digits_of(numbers: np.ndarray, width: int) -> np.ndarray:
    """Each number's `width` decimal digits, most significant first: int64 (n, width)."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (np.asarray(numbers, dtype=np.int64)[:, None] // powers) % 10


def digit_addition(digits: int = 3, n_samples: int = 5000,
                   seed: int | np.random.Generator = 0) -> Dataset:
    """a + b for `n_samples` distinct pairs of `digits`-digit numbers (leading zeros kept), drawn
    with `seed`.

    Inputs: the digits of a, then of b, each one-hot over 0 … 9 (`2 × digits × 10` values);
    target: the `digits + 1` digits of the sum, most significant first, each a class 0 … 9.
    """
    if not isinstance(digits, int) or not 1 <= digits <= MAX_DIGITS:
        raise DataError(f"data.params.digits: must be a whole number from 1 to {MAX_DIGITS}, "
                        f"got {digits!r}")
    if not isinstance(n_samples, int) or not 10 <= n_samples <= MAX_ADDITION_ROWS:
        raise DataError(f"data.params.n_samples: must be a whole number from 10 to "
                        f"{MAX_ADDITION_ROWS}, got {n_samples!r}")
    pairs = addition_pairs(digits, n_samples, seed)
    operands = np.concatenate([digits_of(pairs[:, 0], digits),
                               digits_of(pairs[:, 1], digits)], axis=1)
    one_hot = np.eye(10, dtype=np.float32)[operands].reshape(len(pairs), -1)
    names = tuple(f"{number}{place}={value}" for number in "ab"
                  for place in range(digits, 0, -1) for value in range(10))
    return Dataset(
        name=f"{digits}-digit addition",
        x=one_hot,
        y=digits_of(pairs.sum(axis=1), digits + 1),
        task=Task.MULTICLASS,
        feature_names=names,
        class_names=tuple(str(value) for value in range(10)),
    )
