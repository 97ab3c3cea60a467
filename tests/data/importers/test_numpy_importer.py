"""NumPy import: .npz arrays chosen by name, .npy pairs or last-column targets, never pickles."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.errors import DataError
from nnstudio.data.importers.common import ImportCancelled
from nnstudio.data.importers.numpy_files import (
    guess_npz_arrays,
    npz_arrays,
    read_npy,
    read_npz,
)


def test_npz_arrays_lists_shapes_without_loading(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, features=np.zeros((5, 3)), labels=np.arange(5))
    arrays = npz_arrays(path)
    assert arrays["features"][0] == (5, 3)
    assert arrays["labels"][0] == (5,)
    assert guess_npz_arrays(arrays) == ("features", "labels")


def test_two_unnamed_arrays_are_guessed_by_their_dimensions(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, np.arange(4), np.ones((4, 2)))  # arr_0 (4,), arr_1 (4, 2)
    assert guess_npz_arrays(npz_arrays(path)) == ("arr_1", "arr_0")


def test_npz_with_integer_labels_gives_a_multiclass_dataset(tmp_path):
    path = tmp_path / "d.npz"
    x = np.random.default_rng(0).normal(size=(30, 1, 4, 4))
    np.savez(path, x=x, y=np.arange(30) % 3)
    data = read_npz(path)
    assert data.input_shape == (1, 4, 4)
    assert (data.task, data.class_names) == ("multiclass", ("0", "1", "2"))
    np.testing.assert_allclose(data.x, x.astype(np.float32))


def test_npz_text_labels_keep_their_names_and_arrays_can_be_chosen(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, a=np.ones((3, 2)), b=np.zeros((3, 5)), kind=np.array(["cat", "dog", "cat"]))
    data = read_npz(path, x="b", y="kind")
    assert data.input_shape == (5,)
    assert data.class_names == ("cat", "dog")
    assert data.y.tolist() == [0, 1, 0]


def test_npz_regression_target_and_task_override(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.ones((4, 2)), y=np.array([0.5, 1.25, 3.0, 2.0]))
    assert read_npz(path).task == "regression"
    np.savez(path, x=np.ones((4, 2)), y=np.array([0, 1, 1, 0]))
    assert read_npz(path, task="regression").task == "regression"


def test_npz_with_unclear_arrays_asks_to_choose_them(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, a=np.ones((3, 2)), b=np.ones((3, 2)), c=np.ones(3))
    with pytest.raises(DataError, match="choose the arrays for inputs and targets; the file "
                                        "holds 'a', 'b', 'c'"):
        read_npz(path)
    with pytest.raises(DataError, match="there is no array 'q' for the targets"):
        read_npz(path, x="a", y="q")


def test_a_pickled_object_array_is_never_loaded(tmp_path):
    path = tmp_path / "d.npz"
    objects = np.empty(3, dtype=object)
    objects[:] = [{"a": 1}, None, "x"]
    np.savez(path, x=np.ones((3, 2)), y=objects)
    with pytest.raises(DataError, match="holds Python objects, which NN Studio never loads"):
        read_npz(path)
    single = tmp_path / "o.npy"
    np.save(single, objects, allow_pickle=True)
    with pytest.raises(DataError, match="holds Python objects"):
        read_npy(single)


def test_npy_with_the_target_in_the_last_column(tmp_path):
    path = tmp_path / "table.npy"
    np.save(path, np.array([[1.0, 2.0, 0], [3.0, 4.0, 1], [5.0, 6.0, 1]]))
    data = read_npy(path)
    assert data.x.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert (data.task, data.y.tolist()) == ("binary", [0, 1, 1])


def test_npy_pair_reads_the_targets_from_a_file_beside_it(tmp_path):
    np.save(tmp_path / "x.npy", np.ones((4, 3), dtype=np.float64))
    np.save(tmp_path / "y.npy", np.array([2.5, 1.0, 0.25, 4.0]))
    data = read_npy(tmp_path / "x.npy", y_path="y.npy")
    assert (data.task, data.input_shape) == ("regression", (3,))
    with pytest.raises(DataError, match="must be a file name in the same folder"):
        read_npy(tmp_path / "x.npy", y_path="../y.npy")


def test_npy_shape_mismatch_and_nan_are_named(tmp_path):
    np.save(tmp_path / "x.npy", np.ones((4, 3)))
    np.save(tmp_path / "y.npy", np.ones(5))
    with pytest.raises(DataError, match=r"one target per sample \(4\), got shape \(5,\)"):
        read_npy(tmp_path / "x.npy", y_path="y.npy")
    bad = np.ones((4, 3))
    bad[2, 1] = np.nan
    np.save(tmp_path / "nan.npy", np.column_stack([bad, [0, 1, 0, 1]]))
    with pytest.raises(DataError, match=r"1 values are missing or infinite .* index \(2, 1\)"):
        read_npy(tmp_path / "nan.npy")


def test_a_single_column_npy_explains_the_layout(tmp_path):
    np.save(tmp_path / "v.npy", np.ones(6))
    with pytest.raises(DataError, match="target in the last column, got shape"):
        read_npy(tmp_path / "v.npy")


def test_a_corrupt_npz_is_named(tmp_path):
    path = tmp_path / "d.npz"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(DataError, match="not a readable .npz archive"):
        read_npz(path)


def test_progress_reaches_one_and_cancel_stops(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.ones((200_000, 2)), y=np.arange(200_000) % 2)
    seen: list[float] = []
    read_npz(path, progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(ImportCancelled):
        read_npz(path, cancel=lambda: True)
