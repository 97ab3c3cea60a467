"""Preprocessing: fitted on training only, safe on constant inputs, carried as plain data."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nnstudio.core.errors import DataError
from nnstudio.data.dataset import Dataset
from nnstudio.data.preprocessing import METHODS, Preprocessor, prepare
from nnstudio.data.split import Split, split_indices


def columns(*cols):
    return np.array(cols, dtype=np.float64).T


def test_standardize_gives_each_training_feature_mean_zero_and_unit_spread():
    x = np.random.default_rng(0).normal([5, -3, 100], [2, 0.1, 40], size=(500, 3))
    out = Preprocessor("standardize").fit(x).transform(x)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=0), 1, atol=1e-5)


def test_minmax_maps_each_training_feature_onto_zero_to_one():
    x = columns([1, 2, 3], [-10, 0, 30])
    out = Preprocessor("minmax").fit(x).transform(x)
    np.testing.assert_allclose(out, columns([0, 0.5, 1], [0, 0.25, 1]), atol=1e-7)


def test_none_keeps_values_but_returns_float32():
    x = columns([1, 2], [3, 4])
    out = Preprocessor("none").fit(x).transform(x)
    assert out.dtype == np.float32 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, x)


@pytest.mark.parametrize("method", METHODS)
def test_transform_returns_c_contiguous_float32(method):
    x = np.asfortranarray(np.random.default_rng(1).normal(size=(20, 4)))
    out = Preprocessor(method).fit(x).transform(x)
    assert out.dtype == np.float32 and out.flags.c_contiguous


@pytest.mark.parametrize("method", ["standardize", "minmax"])
def test_constant_columns_become_zero_without_dividing_by_zero(method):
    x = columns([7, 7, 7, 7], [1, 2, 3, 4])
    with np.errstate(all="raise"):
        out = Preprocessor(method).fit(x).transform(x)
    np.testing.assert_array_equal(out[:, 0], 0)
    assert np.isfinite(out).all()


def test_images_are_scaled_by_one_global_shift_and_scale():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, (50, 1, 4, 4))
    x[:, :, 0, 0] = 0  # a pixel that is always dark must stay darker than the rest
    fitted = Preprocessor("standardize").fit(x)
    assert fitted.shift.shape == () and fitted.scale.shape == ()
    out = fitted.transform(x)
    assert out.shape == x.shape
    assert out.mean() == pytest.approx(0, abs=1e-5) and out.std() == pytest.approx(1, abs=1e-5)
    assert (out[:, :, 0, 0] <= out.min() + 1e-6).all()


def test_statistics_come_from_the_training_split_only():
    # Validation and test samples are far off; if they leaked into the fit, the training
    # inputs would no longer span exactly 0 to 1, nor the shift equal the training minimum.
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(0, 1, (80, 2)), rng.uniform(1000, 2000, (20, 2))])
    x[0], x[1] = [0, 0], [1, 1]  # training min and max are known exactly
    data = Dataset("leak", x, np.arange(100) % 2, "binary", (), ("a", "b"))
    split = Split(train=np.arange(80), validation=np.arange(80, 90), test=np.arange(90, 100))
    prepared = prepare(data, split, "minmax")
    np.testing.assert_allclose(prepared.preprocessor.shift, [0, 0])
    np.testing.assert_allclose(prepared.preprocessor.scale, [1, 1])
    assert prepared.train.x.min() == 0 and prepared.train.x.max() == 1
    assert prepared.test.x.min() > 900  # transformed with training statistics, not refitted


def test_prepare_transforms_every_split_with_the_same_fitted_preprocessor():
    rng = np.random.default_rng(4)
    data = Dataset("toy", rng.normal(3, 2, (120, 3)), np.arange(120) % 3, "multiclass", (),
                   ("a", "b", "c"))
    split = split_indices(data.y, data.task, 0.25, 0.25, seed=0)
    prepared = prepare(data, split, "standardize")
    expected = Preprocessor("standardize").fit(data.x[split.train])
    np.testing.assert_allclose(prepared.preprocessor.shift, expected.shift)
    for part, index in [(prepared.train, split.train), (prepared.validation, split.validation),
                        (prepared.test, split.test)]:
        np.testing.assert_allclose(part.x, expected.transform(data.x[index]), rtol=1e-6)
        np.testing.assert_array_equal(part.y, data.y[index])
        assert part.class_names == data.class_names and part.task == data.task


def test_prepare_allows_empty_validation_and_test_splits():
    data = Dataset("toy", np.arange(20.0).reshape(10, 2), np.arange(10.0), "regression")
    prepared = prepare(data, split_indices(data.y, data.task, 0.0, 0.0, 0), "minmax")
    assert prepared.train.n_samples == 10
    assert prepared.validation.x.shape == (0, 2) and prepared.test.n_samples == 0


@pytest.mark.parametrize("method", METHODS)
def test_to_dict_is_json_ready_and_from_dict_restores_the_same_transform(method):
    rng = np.random.default_rng(5)
    for x in (rng.normal(size=(30, 3)), rng.uniform(0, 1, (30, 1, 3, 3))):
        fitted = Preprocessor(method).fit(x)
        data = json.loads(json.dumps(fitted.to_dict()))
        restored = Preprocessor.from_dict(data)
        np.testing.assert_array_equal(restored.transform(x), fitted.transform(x))
        assert restored.to_dict() == fitted.to_dict()


def test_dict_form_lists_statistics_per_feature_and_one_value_for_images():
    tabular = Preprocessor("minmax").fit(columns([0, 2], [1, 5])).to_dict()
    assert tabular == {"method": "minmax", "input_shape": [2], "shift": [0.0, 1.0],
                       "scale": [2.0, 4.0]}
    image = Preprocessor("minmax").fit(np.array([[[[0.0, 4.0]]], [[[2.0, 1.0]]]])).to_dict()
    assert image == {"method": "minmax", "input_shape": [1, 1, 2], "shift": [0.0],
                     "scale": [4.0]}


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 20), st.integers(1, 5)),
              elements=st.floats(-1e6, 1e6)),
       st.sampled_from(METHODS))
def test_any_finite_training_data_transforms_to_finite_values_and_round_trips(x, method):
    fitted = Preprocessor(method).fit(x)
    out = fitted.transform(x)
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(Preprocessor.from_dict(fitted.to_dict()).transform(x), out)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"method": "zscore"}, "preprocessing.method"),
        ({"method": "minmax", "input_shape": [2], "shift": [0.0], "scale": [1.0, 1.0]},
         "preprocessing.shift"),
        ({"method": "minmax", "input_shape": [2], "shift": [0, 0], "scale": [1, 0]},
         "preprocessing.scale"),
        ({"method": "minmax", "input_shape": [2], "shift": [0, "a"], "scale": [1, 1]},
         "preprocessing.shift"),
        ({"method": "minmax", "input_shape": "2", "shift": [0, 0], "scale": [1, 1]},
         "preprocessing.input_shape"),
        ({"method": "none", "shift": [0.0]}, "preprocessing.shift"),
        ({"method": "none", "colour": 1}, "preprocessing.colour"),
    ],
)
def test_bad_dicts_raise_data_error_naming_the_field(data, field):
    with pytest.raises(DataError, match=field.replace(".", r"\.")):
        Preprocessor.from_dict(data)


def test_unknown_method_raises_data_error():
    with pytest.raises(DataError, match="preprocessing.method: must be one of none, "):
        Preprocessor("whiten")


def test_transform_before_fit_raises_data_error():
    with pytest.raises(DataError, match="not fitted"):
        Preprocessor("standardize").transform(np.zeros((2, 2)))


def test_inputs_of_another_shape_raise_data_error():
    fitted = Preprocessor("standardize").fit(np.zeros((4, 3)))
    with pytest.raises(DataError, match=r"fitted on inputs of shape \(3,\), got \(2,\)"):
        fitted.transform(np.zeros((4, 2)))


def test_fitting_on_no_samples_raises_data_error():
    with pytest.raises(DataError, match="at least one sample"):
        Preprocessor("minmax").fit(np.zeros((0, 3)))


@pytest.mark.parametrize("method", METHODS)
def test_inverse_transform_gives_back_the_datas_own_units(method):
    rng = np.random.default_rng(4)
    raw = rng.normal([150.0, -3.0, 0.002], [20.0, 1.0, 0.001], size=(40, 3))
    fitted = Preprocessor(method).fit(raw)
    np.testing.assert_allclose(fitted.inverse_transform(fitted.transform(raw)), raw,
                               rtol=1e-5, atol=1e-6)
    assert fitted.scales_inputs == (method != "none")


@pytest.mark.parametrize("method", ("standardize", "minmax"))
def test_a_zero_in_the_data_comes_back_as_zero_not_float32_noise(method):
    # A one-hot column (16 of 47 ones) next to a column in the hundreds: the network's float32
    # numbers, taken back to the data's units, must not read 1.75e-08 where the file had 0.
    rng = np.random.default_rng(0)
    one_hot = (np.arange(47) % 3 == 0).astype(np.float64)
    x = np.column_stack([one_hot, rng.uniform(90, 180, 47), np.zeros(47)])
    preprocessor = Preprocessor(method).fit(x)
    back = preprocessor.inverse_transform(preprocessor.transform(x))
    assert np.all(back[one_hot == 0, 0] == 0.0) and np.all(back[:, 2] == 0.0)
    assert np.allclose(back, x, rtol=1e-6, atol=0)
