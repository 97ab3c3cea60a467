"""Train / validation / test splits: partition, stratification, determinism, bad fractions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio.core.errors import DataError
from nnstudio.data.split import split_indices


def assert_partition(split, n):
    parts = [split.train, split.validation, split.test]
    for part in parts:
        assert part.dtype == np.int64 and (np.diff(part) > 0).all()
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(n))


def test_split_is_a_sorted_partition_of_all_samples():
    y = np.repeat([0, 1, 2], 50)
    split = split_indices(y, "multiclass", 0.2, 0.1, seed=0)
    assert_partition(split, 150)
    assert split.sizes == (105, 30, 15)


def test_each_class_keeps_its_proportion_in_every_part():
    y = np.repeat([0, 1, 2], [60, 30, 10])
    split = split_indices(y, "multiclass", 0.2, 0.2, seed=1)
    for part, expected in [(split.train, [36, 18, 6]), (split.validation, [12, 6, 2]),
                           (split.test, [12, 6, 2])]:
        np.testing.assert_array_equal(np.bincount(y[part], minlength=3), expected)


def test_same_seed_gives_the_same_split_and_another_seed_does_not():
    y = np.arange(200) % 2
    a, b = split_indices(y, "binary", 0.2, 0.2, 3), split_indices(y, "binary", 0.2, 0.2, 3)
    c = split_indices(y, "binary", 0.2, 0.2, 4)
    for part in ("train", "validation", "test"):
        np.testing.assert_array_equal(getattr(a, part), getattr(b, part))
    assert not np.array_equal(a.test, c.test)


def test_a_class_with_one_sample_stays_in_training():
    y = np.array([0] * 20 + [1] * 20 + [2])
    split = split_indices(y, "multiclass", 0.4, 0.4, seed=0)
    assert set(y[split.train]) == {0, 1, 2}


def test_every_class_trains_even_when_the_fractions_are_large():
    y = np.repeat([0, 1, 2, 3], [2, 2, 3, 1])
    split = split_indices(y, "multiclass", 0.45, 0.45, seed=5)
    assert_partition(split, 8)
    assert set(y[split.train]) == {0, 1, 2, 3}


def test_zero_fractions_put_everything_in_training():
    split = split_indices(np.arange(10) % 2, "binary", 0.0, 0.0, seed=0)
    assert split.sizes == (10, 0, 0)


def test_regression_splits_shuffle_without_strata():
    y = np.linspace(0, 1, 101).astype(np.float32)
    split = split_indices(y, "regression", 0.1, 0.2, seed=0)
    assert_partition(split, 101)
    assert split.sizes == (71, 10, 20)
    assert split.test.max() > 50 and split.test.min() < 50  # drawn from all over, not the tail


def test_regression_targets_with_several_columns_split_by_row():
    split = split_indices(np.zeros((30, 3)), "regression", 0.2, 0.2, seed=0)
    assert_partition(split, 30)


@pytest.mark.parametrize(("validation", "test"), [(0.5, 0.5), (0.7, 0.4), (0.3, 0.7)])
def test_fractions_that_leave_nothing_to_train_raise_data_error(validation, test):
    with pytest.raises(DataError, match="data.split: .*leaves no samples for training"):
        split_indices(np.arange(10) % 2, "binary", validation, test, seed=0)


@pytest.mark.parametrize(
    ("field", "value"), [("validation", -0.1), ("validation", "x"), ("test", 1.0),
                         ("test", float("nan")), ("test", None)],
)
def test_bad_fractions_raise_data_error_naming_the_field(field, value):
    fractions = {"validation": 0.1, "test": 0.1, field: value}
    with pytest.raises(DataError, match=f"data.split.{field}: must be a fraction"):
        split_indices(np.arange(10) % 2, "binary", seed=0, **fractions)


def test_no_samples_raise_data_error():
    with pytest.raises(DataError, match="no samples"):
        split_indices(np.zeros(0, np.int64), "binary", 0.1, 0.1, seed=0)


def test_float_class_labels_raise_data_error():
    with pytest.raises(DataError, match="class labels must be a 1-D array of integers"):
        split_indices(np.array([0.0, 1.0]), "binary", 0.0, 0.0, seed=0)


def test_unknown_task_and_bad_seed_raise_data_error():
    with pytest.raises(DataError, match="data.split.task"):
        split_indices(np.arange(4) % 2, "ranking", 0.1, 0.1, seed=0)
    with pytest.raises(DataError, match="data.split.seed"):
        split_indices(np.arange(4) % 2, "binary", 0.1, 0.1, seed=-3)


@settings(max_examples=80, deadline=None)
@given(
    counts=st.lists(st.integers(1, 40), min_size=2, max_size=6),
    validation=st.floats(0.0, 0.6),
    test=st.floats(0.0, 0.6),
    seed=st.integers(0, 1000),
)
def test_any_labels_and_fractions_give_a_partition_with_every_class_in_training(
    counts, validation, test, seed
):
    if validation + test >= 0.95:
        test = 0.0
    y = np.random.default_rng(seed).permutation(np.repeat(np.arange(len(counts)), counts))
    split = split_indices(y, "multiclass", validation, test, seed)
    assert_partition(split, len(y))
    assert set(y[split.train]) == set(range(len(counts)))
    # Overall sizes stay close to the request; only the one-per-class guard may move a few.
    n = len(y)
    assert abs(len(split.test) - round(test * n)) <= len(counts)
    assert abs(len(split.validation) - round(validation * n)) <= len(counts)
