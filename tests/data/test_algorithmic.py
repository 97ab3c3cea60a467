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


# ---- multi-digit addition (the mirage) --------------------------------------------------------

def _addition(digits, n_samples, seed=0):
    return load_builtin("digit_addition", {"digits": digits, "n_samples": n_samples}, seed=seed)


def _operands(data, digits):
    """(a, b) read back from the one-hot inputs."""
    places = data.x.reshape(data.n_samples, 2, digits, 10).argmax(axis=3)
    powers = 10 ** np.arange(digits - 1, -1, -1)
    return places @ powers


def test_a_small_table_holds_every_pair_once_and_each_sum_digit_by_digit():
    data = _addition(1, 100)
    operands = _operands(data, 1)
    assert {tuple(pair) for pair in operands.tolist()} == {(a, b) for a in range(10)
                                                           for b in range(10)}
    assert data.n_samples == 100 and data.positions == 2 and data.output_size == 20
    sums = data.y @ np.array([10, 1])
    np.testing.assert_array_equal(sums, operands.sum(axis=1))
    assert data.feature_names[:3] == ("a1=0", "a1=1", "a1=2")


def test_drawn_sums_are_distinct_right_and_fixed_by_the_seed():
    data = _addition(3, 2000, seed=4)
    operands = _operands(data, 3)
    assert len({tuple(pair) for pair in operands.tolist()}) == 2000
    assert data.y.shape == (2000, 4)
    np.testing.assert_array_equal(data.y @ np.array([1000, 100, 10, 1]), operands.sum(axis=1))
    assert np.array_equal(_addition(3, 2000, seed=4).x, data.x)
    assert not np.array_equal(_addition(3, 2000, seed=5).x, data.x)
    assert set(data.x.ravel().tolist()) == {0.0, 1.0}
    assert (data.x.reshape(2000, 6, 10).sum(axis=2) == 1).all()


def test_addition_split_puts_each_sum_on_one_side_only():
    data = _addition(2, 3000)
    split = split_indices(data.y, data.task, 0.2, 0.2, seed=1)
    parts = [set(map(tuple, _operands(data.subset(part), 2).tolist()))
             for part in (split.train, split.validation, split.test)]
    assert sum(map(len, parts)) == 3000
    assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])


@pytest.mark.parametrize("params, field", [({"digits": 0}, "digits"), ({"digits": 7}, "digits"),
                                           ({"n_samples": 5}, "n_samples")])
def test_addition_parameters_are_checked_by_name(params, field):
    with pytest.raises(DataError, match=f"data.params.{field}"):
        load_builtin("digit_addition", params)


def test_label_noise_is_refused_for_a_class_per_position():
    from nnstudio.data.label_noise import with_label_noise

    data = _addition(2, 500)
    split = split_indices(data.y, data.task, 0.2, 0.2, seed=0)
    with pytest.raises(DataError, match="data.label_noise"):
        with_label_noise(data, split, 0.1, 0)
