"""The Dataset type: normalisation, validation and derived sizes."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio.core.errors import DataError
from nnstudio.data.dataset import TASKS, Dataset, Task


def tabular(n=6, task="binary", class_names=("no", "yes"), y=None):
    x = np.arange(n * 2, dtype=np.float64).reshape(n, 2)
    if y is None:
        y = np.arange(n) % len(class_names) if class_names else np.linspace(0, 1, n)
    return Dataset("toy", x, y, task, ("a", "b"), class_names)


def test_task_values_are_the_fixed_strings_stored_in_projects():
    assert TASKS == ("binary", "multiclass", "regression")
    assert Task.BINARY == "binary" and f"{Task.MULTICLASS}" == "multiclass"


def test_inputs_become_float32_c_contiguous_whatever_they_arrive_as():
    x = np.asfortranarray(np.arange(12, dtype=np.int32).reshape(6, 2))
    data = Dataset("toy", x, np.arange(6) % 2, "binary", (), ("a", "b"))
    assert data.x.dtype == np.float32
    assert data.x.flags.c_contiguous
    np.testing.assert_array_equal(data.x, x)


def test_task_given_as_enum_is_stored_as_its_plain_string():
    data = Dataset("toy", np.zeros((4, 2)), [0, 1, 0, 1], Task.BINARY, (), ("a", "b"))
    assert data.task == "binary" and type(data.task) is str


def test_whole_float_class_labels_become_int64():
    data = tabular(y=np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0]))
    assert data.y.dtype == np.int64
    np.testing.assert_array_equal(data.y, [0, 1, 1, 0, 1, 0])


def test_fractional_class_labels_are_rejected():
    with pytest.raises(DataError, match="whole numbers"):
        tabular(y=np.array([0.0, 1.5, 1.0, 0.0, 1.0, 0.0]))


def test_regression_targets_become_float32_with_one_or_several_columns():
    one = tabular(task="regression", class_names=())
    assert one.y.dtype == np.float32 and one.y.shape == (6,) and one.output_size == 1
    three = Dataset("toy", np.zeros((5, 2)), np.ones((5, 3), np.float64), "regression")
    assert three.y.dtype == np.float32 and three.output_size == 3 and three.n_classes == 0


def test_sizes_follow_the_task():
    binary = tabular()
    multi = tabular(task="multiclass", class_names=("a", "b", "c"))
    assert (binary.n_samples, binary.input_shape, binary.n_classes, binary.output_size) == (
        6, (2,), 2, 1,
    )
    assert (multi.n_classes, multi.output_size) == (3, 3)


def test_images_keep_their_shape_and_get_pixel_feature_names():
    data = Dataset("img", np.zeros((3, 1, 2, 2)), [0, 1, 2], "multiclass", (), ("a", "b", "c"))
    assert data.input_shape == (1, 2, 2)
    assert data.feature_names == ("pixel[0,0,0]", "pixel[0,0,1]", "pixel[0,1,0]", "pixel[0,1,1]")


def test_tabular_features_without_names_are_called_x1_x2():
    data = Dataset("toy", np.zeros((2, 3)), [0.0, 1.0], "regression")
    assert data.feature_names == ("x1", "x2", "x3")


def test_mismatched_lengths_raise_data_error_naming_y():
    with pytest.raises(DataError, match=r"dataset 'toy': y: expected shape \(6,\)"):
        tabular(y=[0, 1, 0])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_raise_data_error_naming_the_sample(bad):
    x = np.zeros((5, 2))
    x[3, 1] = bad
    with pytest.raises(DataError, match="x: 1 values are not finite.*sample 3"):
        Dataset("toy", x, np.zeros(5), "regression")


def test_non_finite_regression_targets_are_rejected():
    with pytest.raises(DataError, match="y: 1 values are not finite"):
        Dataset("toy", np.zeros((3, 2)), [0.0, np.nan, 1.0], "regression")


def test_text_inputs_raise_data_error_not_value_error():
    with pytest.raises(DataError, match="x: values must be numbers"):
        Dataset("toy", [["1", "a"], ["2", "b"]], [0.0, 1.0], "regression")


def test_classification_with_fewer_than_two_classes_is_rejected():
    with pytest.raises(DataError, match="at least 2 classes, got 1"):
        tabular(task="multiclass", class_names=("only",), y=np.zeros(6, int))


def test_binary_task_needs_exactly_two_classes():
    with pytest.raises(DataError, match="exactly 2 classes"):
        tabular(task="binary", class_names=("a", "b", "c"))


def test_labels_outside_the_classes_are_rejected_with_the_sample():
    with pytest.raises(DataError, match="0 to 1, got 2 in sample 4"):
        tabular(y=[0, 1, 0, 1, 2, 0])


def test_unknown_task_is_rejected():
    with pytest.raises(DataError, match="task: must be one of binary, multiclass, regression"):
        tabular(task="ranking")


def test_regression_with_class_names_is_rejected():
    with pytest.raises(DataError, match="regression dataset has no classes"):
        tabular(task="regression", class_names=("a", "b"), y=np.zeros(6))


def test_wrong_number_or_repeated_feature_names_are_rejected():
    with pytest.raises(DataError, match="expected 2 names"):
        Dataset("toy", np.zeros((2, 2)), [0.0, 1.0], "regression", ("a",))
    with pytest.raises(DataError, match="'a' repeats"):
        Dataset("toy", np.zeros((2, 2)), [0.0, 1.0], "regression", ("a", "a"))


def test_empty_name_is_rejected():
    with pytest.raises(DataError, match="name"):
        Dataset(" ", np.zeros((2, 2)), [0.0, 1.0], "regression")


def test_dataset_cannot_be_reassigned_after_construction():
    data = tabular()
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.x = np.zeros((6, 2))


def test_subset_selects_rows_in_the_given_order_and_keeps_names():
    data = tabular()
    part = data.subset([4, 1])
    np.testing.assert_array_equal(part.x, data.x[[4, 1]])
    np.testing.assert_array_equal(part.y, data.y[[4, 1]])
    assert (part.name, part.task, part.feature_names, part.class_names) == (
        data.name, data.task, data.feature_names, data.class_names,
    )


def test_subset_accepts_a_boolean_mask_and_an_empty_selection():
    data = tabular()
    assert data.subset(data.y == 1).n_samples == 3
    empty = data.subset([])
    assert empty.n_samples == 0 and empty.input_shape == (2,) and empty.n_classes == 2


def test_subset_may_lack_classes_without_failing_validation():
    data = tabular()
    assert set(data.subset(np.flatnonzero(data.y == 0)).y) == {0}


def test_class_counts_count_every_class_including_absent_ones():
    data = tabular(task="multiclass", class_names=("a", "b", "c"), y=[0, 0, 2, 2, 2, 0])
    np.testing.assert_array_equal(data.class_counts(), [3, 0, 3])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 19), max_size=40))
def test_subset_equals_numpy_indexing_for_any_indices(indices):
    x = np.random.default_rng(0).normal(size=(20, 3))
    data = Dataset("toy", x, np.arange(20) % 3, "multiclass", (), ("a", "b", "c"))
    part = data.subset(np.array(indices, dtype=np.int64))
    np.testing.assert_array_equal(part.x, data.x[indices])
    np.testing.assert_array_equal(part.y, data.y[indices])
