"""The built-in dataset table and load_builtin's validation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio.core.errors import DataError
from nnstudio.data.builtin import BUILTIN_DATASETS, BUNDLED, GENERATED, load_builtin
from nnstudio.data.dataset import TASKS, Dataset

KEYS = ["circle", "xor", "gaussians", "spiral", "moons", "spiral_arms", "clouds", "above_below",
        "plane", "multi_gaussian",
        "random_labels", "modular_arithmetic", "digit_addition", "digits", "iris", "wine", "breast_cancer", "diabetes"]
# The point clouds: a seed draws other points. The modular table is the whole table whatever the
# seed (the project's split picks the training pairs), and the addition sums take no noise, so
# both are tested on their own (tests/data/test_algorithmic.py).
GENERATED_KEYS = [k for k in KEYS if BUILTIN_DATASETS[k].kind == GENERATED
                  and k not in ("modular_arithmetic", "digit_addition")]
NOISY_KEYS = [k for k in GENERATED_KEYS if k != "random_labels"]


def test_table_holds_exactly_the_agreed_keys_in_picker_order():
    assert list(BUILTIN_DATASETS) == KEYS
    assert all(entry.key == key for key, entry in BUILTIN_DATASETS.items())


@pytest.mark.parametrize("key", KEYS)
def test_every_entry_explains_itself_to_a_learner(key):
    entry = BUILTIN_DATASETS[key]
    assert entry.task in TASKS and entry.kind in (GENERATED, BUNDLED)
    assert entry.display_name and len(entry.description) > 40
    for spec in entry.params:
        assert spec.help
        if spec.choices:
            assert spec.default in spec.choices
        else:
            assert spec.minimum <= spec.default <= spec.maximum


def test_generated_sets_take_points_and_noise_and_bundled_sets_take_nothing():
    for key in KEYS:
        names = BUILTIN_DATASETS[key].params.names()
        if key == "random_labels":
            assert names == ("n_samples",)  # noise would do nothing to coin-flip labels
        elif key == "modular_arithmetic":
            assert names == ("modulus", "operation")
        elif key == "digit_addition":
            assert names == ("digits", "n_samples")
        elif key in ("spiral_arms", "clouds"):
            assert names == ("n_samples", "noise", "classes")
        elif key == "above_below":
            assert names == ("n_samples", "noise", "function")
        elif key in GENERATED_KEYS:
            assert names == ("n_samples", "noise")
        else:
            assert names == ()
    assert BUILTIN_DATASETS["circle"].params["noise"].maximum == 1.0


@pytest.mark.parametrize("key", KEYS)
def test_every_builtin_loads_with_the_declared_task_and_consistent_arrays(key):
    data = load_builtin(key)
    assert isinstance(data, Dataset)
    assert data.task == BUILTIN_DATASETS[key].task
    assert data.x.dtype == np.float32 and data.x.flags.c_contiguous
    assert len(data.y) == len(data.x) == data.n_samples
    if data.is_classification:
        assert data.y.dtype == np.int64 and set(np.unique(data.y)) == set(range(data.n_classes))
    else:
        assert data.y.dtype == np.float32 and data.n_classes == 0


@pytest.mark.parametrize("key", KEYS)
def test_every_builtin_is_deterministic_for_a_given_seed(key):
    a, b = load_builtin(key, seed=11), load_builtin(key, seed=11)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)


@pytest.mark.parametrize("key", GENERATED_KEYS)
def test_generated_builtins_change_with_the_seed(key):
    assert not np.array_equal(load_builtin(key, seed=1).x, load_builtin(key, seed=2).x)


def test_generated_defaults_are_500_points_and_random_labels_1000():
    assert load_builtin("spiral").n_samples == 500
    assert load_builtin("random_labels").n_samples == 1000


def test_random_labels_builtin_is_balanced_near_one_half():
    assert 0.45 < load_builtin("random_labels", seed=3).y.mean() < 0.55


def test_digits_builtin_is_1797_images_of_1x8x8_in_ten_classes():
    data = load_builtin("digits")
    assert data.x.shape == (1797, 1, 8, 8) and data.n_classes == 10


def test_parameters_given_are_used_and_json_style_whole_floats_count_as_ints():
    data = load_builtin("circle", {"n_samples": 123.0, "noise": 0.2}, seed=4)
    assert data.n_samples == 123
    expected = BUILTIN_DATASETS["circle"].make(n_samples=123, noise=0.2, seed=4)
    np.testing.assert_array_equal(data.x, expected.x)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"noise": "x"}, 'data.params.noise: must be a number from 0 to 1, got "x"'),
        ({"noise": 1.5}, "data.params.noise: must be a number from 0 to 1, got 1.5"),
        ({"noise": float("nan")}, "data.params.noise: must be a number from 0 to 1"),
        ({"n_samples": 5}, "data.params.n_samples: must be an integer from 10 to 10000, got 5"),
        ({"n_samples": 12.5}, "data.params.n_samples: must be an integer"),
        ({"n_samples": True}, "data.params.n_samples: must be an integer"),
        ({"colour": "red"}, "data.params.colour: unknown setting (allowed: n_samples, noise)"),
        ([("noise", 0.1)], "data.params: must be an object"),
    ],
)
def test_bad_parameters_raise_data_error_naming_the_field(params, message):
    with pytest.raises(DataError) as error:
        load_builtin("moons", params)
    assert message in str(error.value)


def test_bundled_sets_reject_parameters_they_do_not_have():
    with pytest.raises(DataError, match=r"data\.params\.noise: unknown setting \(allowed: none\)"):
        load_builtin("iris", {"noise": 0.1})


def test_random_labels_rejects_noise():
    with pytest.raises(DataError, match=r"data\.params\.noise"):
        load_builtin("random_labels", {"noise": 0.1})


@pytest.mark.parametrize("key", ["mnist", "", None, 3])
def test_unknown_key_raises_data_error_listing_the_choices(key):
    with pytest.raises(DataError, match="data.key: unknown built-in dataset.*circle, xor"):
        load_builtin(key)


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_bad_seed_raises_data_error_naming_the_seed(seed):
    with pytest.raises(DataError, match="data.seed"):
        load_builtin("xor", seed=seed)


def test_bundled_sets_ignore_the_seed():
    np.testing.assert_array_equal(load_builtin("wine", seed=0).x, load_builtin("wine", seed=9).x)


@settings(max_examples=30, deadline=None)
@given(
    key=st.sampled_from(NOISY_KEYS),
    n_samples=st.integers(10, 2000),
    noise=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32),
)
def test_any_valid_parameters_give_exactly_n_samples_finite_points(key, n_samples, noise, seed):
    data = load_builtin(key, {"n_samples": n_samples, "noise": noise}, seed=seed)
    assert data.x.shape == (n_samples, 2)
    assert np.isfinite(data.x).all()
