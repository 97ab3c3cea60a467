"""The modular-arithmetic dataset for grokking: every equation once, right answers, and a
split that never puts one pair on both sides."""

import numpy as np
import pytest

from nnstudio.core.errors import DataError
from nnstudio.data.algorithmic import OPERATIONS, is_prime
from nnstudio.data.builtin import load_builtin
from nnstudio.data.split import split_indices


def _modular(modulus, operation):
    return load_builtin("modular_arithmetic", {"modulus": modulus, "operation": operation})


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_pair_appears_exactly_once(operation):
    data = _modular(13, operation)
    pairs = {tuple(row) for row in data.x.astype(int).tolist()}
    expected_b = range(1, 13) if operation == "divide" else range(13)
    assert len(pairs) == data.n_samples
    assert pairs == {(a, b) for a in range(13) for b in expected_b}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_label_is_the_operation_worked_by_hand(operation):
    data = _modular(11, operation)
    by_hand = {
        "add": lambda a, b: (a + b) % 11,
        "subtract": lambda a, b: (a - b) % 11,
        "multiply": lambda a, b: (a * b) % 11,
        # c = a / b means c · b = a (mod 11): search for it instead of using an inverse.
        "divide": lambda a, b: next(c for c in range(11) if (c * b) % 11 == a),
    }[operation]
    for (a, b), label in zip(data.x.astype(int).tolist(), data.y.tolist()):
        assert label == by_hand(a, b)


def test_inputs_are_two_token_ids_and_classes_are_the_residues():
    data = _modular(113, "add")
    assert data.input_shape == (2,) and data.feature_names == ("a", "b")
    assert data.n_classes == 113 and data.class_names[:3] == ("0", "1", "2")
    assert data.x.min() == 0 and data.x.max() == 112 and data.n_samples == 113 * 113


def test_split_by_the_fraction_with_the_seed_keeps_train_and_test_pairs_apart():
    data = _modular(23, "multiply")
    split = split_indices(data.y, data.task, validation=0.0, test=0.6, seed=4)
    train = {tuple(row) for row in data.x[split.train].tolist()}
    test = {tuple(row) for row in data.x[split.test].tolist()}
    assert not train & test and len(train) + len(test) == data.n_samples
    assert len(train) == pytest.approx(0.4 * data.n_samples, abs=23)  # rounded per class
    same = split_indices(data.y, data.task, validation=0.0, test=0.6, seed=4)
    other = split_indices(data.y, data.task, validation=0.0, test=0.6, seed=5)
    np.testing.assert_array_equal(split.train, same.train)
    assert not np.array_equal(split.train, other.train)


@pytest.mark.parametrize("modulus", [1, 4, 91, 127])
def test_a_modulus_that_is_not_a_prime_up_to_113_is_refused_by_name(modulus):
    with pytest.raises(DataError, match=r"data\.params\.modulus"):
        _modular(modulus, "add")


def test_an_unknown_operation_is_refused_by_name():
    with pytest.raises(DataError, match=r"data\.params\.operation"):
        _modular(7, "power")


def test_is_prime_agrees_with_a_sieve():
    sieve = [n for n in range(120) if n > 1 and all(n % d for d in range(2, n))]
    assert [n for n in range(120) if is_prime(n)] == sieve
