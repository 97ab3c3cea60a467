"""The 2-D toy generators: shapes, ranges, determinism and the shapes they draw."""

import numpy as np
import pytest

from nnstudio.data import generators

CLASSIFIERS = [generators.circle, generators.xor, generators.gaussians, generators.spiral,
               generators.moons]
REGRESSORS = [generators.plane, generators.multi_gaussian]
WITH_NOISE = CLASSIFIERS + REGRESSORS


@pytest.mark.parametrize("make", WITH_NOISE, ids=lambda f: f.__name__)
@pytest.mark.parametrize("noise", [0.0, 0.5])
def test_generators_give_n_two_dimensional_float32_points(make, noise):
    data = make(n_samples=301, noise=noise, seed=1)
    assert data.x.shape == (301, 2) and data.x.dtype == np.float32
    assert data.y.shape == (301,)
    assert data.feature_names == ("x1", "x2")


@pytest.mark.parametrize("make", WITH_NOISE, ids=lambda f: f.__name__)
def test_clean_points_fit_the_shared_plot_range(make):
    data = make(n_samples=2000, noise=0.0, seed=2)
    assert np.abs(data.x).max() <= 6.0


@pytest.mark.parametrize("make", WITH_NOISE, ids=lambda f: f.__name__)
def test_same_seed_gives_the_same_points_and_another_seed_does_not(make):
    first, again, other = (make(200, 0.3, seed) for seed in (7, 7, 8))
    np.testing.assert_array_equal(first.x, again.x)
    np.testing.assert_array_equal(first.y, again.y)
    assert not np.array_equal(first.x, other.x)


def test_a_numpy_generator_can_stand_in_for_the_seed():
    a = generators.circle(100, 0.1, np.random.default_rng(5))
    b = generators.circle(100, 0.1, 5)
    np.testing.assert_array_equal(a.x, b.x)


@pytest.mark.parametrize("make", [generators.circle, generators.gaussians, generators.spiral,
                                  generators.moons], ids=lambda f: f.__name__)
def test_two_shape_sets_split_an_odd_count_into_equal_halves(make):
    data = make(n_samples=101, noise=0.0, seed=0)
    assert data.task == "binary"
    assert sorted(data.class_counts()) == [50, 51]


@pytest.mark.parametrize("make", CLASSIFIERS, ids=lambda f: f.__name__)
def test_classes_are_shuffled_not_listed_one_after_the_other(make):
    labels = make(n_samples=400, noise=0.0, seed=0).y
    assert len(set(labels[:40])) == 2


def test_clean_circle_labels_points_inside_radius_two_and_a_half():
    data = generators.circle(1000, 0.0, seed=3)
    radius = np.hypot(data.x[:, 0], data.x[:, 1])
    np.testing.assert_array_equal(data.y, (radius < 2.5).astype(int))
    assert data.class_names[data.y[np.argmin(radius)]] == "inside"
    assert radius[data.y == 0].min() >= 3.5 - 1e-5


def test_noise_mixes_circle_labels_near_the_border():
    data = generators.circle(1000, 0.5, seed=3)
    radius = np.hypot(data.x[:, 0], data.x[:, 1])
    disagree = np.mean(data.y != (radius < 2.5))
    assert 0.05 < disagree < 0.5


def test_clean_xor_labels_by_the_sign_of_the_product_and_keeps_off_the_axes():
    data = generators.xor(1000, 0.0, seed=4)
    np.testing.assert_array_equal(data.y, (data.x[:, 0] * data.x[:, 1] >= 0).astype(int))
    assert np.abs(data.x).min() >= 0.3 - 1e-6
    assert data.class_names[1] == "same signs"


def test_gaussians_centre_on_opposite_corners_and_spread_with_noise():
    clean = generators.gaussians(2000, 0.0, seed=5)
    np.testing.assert_allclose(clean.x[clean.y == 1].mean(axis=0), [2, 2], atol=0.15)
    np.testing.assert_allclose(clean.x[clean.y == 0].mean(axis=0), [-2, -2], atol=0.15)
    noisy = generators.gaussians(2000, 1.0, seed=5)
    assert noisy.x[noisy.y == 1].std() > 2 * clean.x[clean.y == 1].std()


def test_clean_spiral_arms_are_point_reflections_of_each_other():
    data = generators.spiral(400, 0.0, seed=6)
    first = data.x[data.y == 0]
    second = data.x[data.y == 1]
    # The second arm is the first turned by half a circle: same set of points, negated.
    order = lambda pts: pts[np.lexsort(np.round(pts, 4).T)]
    np.testing.assert_allclose(order(first), order(-second), atol=1e-4)
    assert np.hypot(*data.x.T).max() < 5.0


def test_clean_moons_lie_on_two_half_circles():
    data = generators.moons(500, 0.0, seed=7)
    unit = data.x / 3.5 + [0.5, 0.25]
    upper, lower = unit[data.y == 0], unit[data.y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.hypot(*(lower - [1.0, 0.5]).T), 1.0, atol=1e-5)
    assert (upper[:, 1] >= -1e-6).all() and (lower[:, 1] <= 0.5 + 1e-6).all()


def test_clean_plane_target_is_the_scaled_sum_of_inputs():
    data = generators.plane(500, 0.0, seed=8)
    assert data.task == "regression" and data.y.dtype == np.float32
    np.testing.assert_allclose(data.y, data.x.sum(axis=1) / 10, atol=1e-6)


def test_noise_makes_the_plane_target_differ_from_the_clean_one():
    data = generators.plane(500, 0.5, seed=8)
    assert np.abs(data.y - data.x.sum(axis=1) / 10).mean() > 0.05


def test_multi_gaussian_peaks_at_the_bump_centres_and_stays_within_one():
    data = generators.multi_gaussian(3000, 0.0, seed=9)
    assert data.y.min() >= -1 and data.y.max() <= 1
    assert data.y.max() > 0.8 and data.y.min() < -0.8
    # Points near (-4, 2.5) sit on an upward bump, near (0, 2.5) on a downward one.
    near = lambda cx, cy: np.hypot(data.x[:, 0] - cx, data.x[:, 1] - cy) < 0.5
    assert (data.y[near(-4, 2.5)] > 0.7).all()
    assert (data.y[near(0, 2.5)] < -0.7).all()


def test_random_labels_are_a_fair_coin_independent_of_standard_normal_points():
    data = generators.random_labels(seed=0)
    assert data.x.shape == (1000, 2) and data.task == "binary"
    assert 0.45 < data.y.mean() < 0.55
    np.testing.assert_allclose(data.x.mean(axis=0), 0, atol=0.1)
    np.testing.assert_allclose(data.x.std(axis=0), 1, atol=0.1)
    # The labels say nothing about the points: no input correlates with them.
    for column in data.x.T:
        assert abs(np.corrcoef(column, data.y)[0, 1]) < 0.1


def test_random_labels_balance_holds_across_seeds():
    means = [generators.random_labels(1000, seed).y.mean() for seed in range(20)]
    assert all(0.44 < m < 0.56 for m in means)


# ---- the multi-class sets and the function borders ----------------------------------------

@pytest.mark.parametrize("make", [generators.spiral_arms, generators.clouds],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("classes", [3, 5, 8])
def test_k_class_sets_give_k_classes_of_equal_size(make, classes):
    data = make(n_samples=403, noise=0.2, classes=classes, seed=4)
    assert data.x.shape == (403, 2) and data.task == "multiclass"
    assert len(data.class_names) == classes
    counts = data.class_counts()
    assert counts.sum() == 403 and counts.max() - counts.min() <= 1
    assert len(set(data.y[:60])) == classes  # shuffled, not one class after the other


@pytest.mark.parametrize("make", [generators.spiral_arms, generators.clouds,
                                  generators.above_below], ids=lambda f: f.__name__)
def test_new_sets_repeat_for_a_seed_and_change_with_another(make):
    first, again, other = (make(300, 0.3, seed=seed) for seed in (3, 3, 4))
    np.testing.assert_array_equal(first.x, again.x)
    np.testing.assert_array_equal(first.y, again.y)
    assert not np.array_equal(first.x, other.x)


@pytest.mark.parametrize("make", [generators.spiral_arms, generators.clouds,
                                  generators.above_below], ids=lambda f: f.__name__)
def test_clean_new_sets_fit_the_shared_plot_range(make):
    assert np.abs(make(n_samples=2000, noise=0.0, seed=2).x).max() <= 6.0


def test_clean_clouds_lie_nearest_their_own_centre():
    data = generators.clouds(900, 0.0, classes=6, seed=1)
    angles = 2 * np.pi * np.arange(6) / 6
    centres = np.stack([3.5 * np.sin(angles), 3.5 * np.cos(angles)], axis=1)
    nearest = np.argmin(np.linalg.norm(data.x[:, None, :] - centres[None], axis=2), axis=1)
    assert np.mean(nearest == data.y) > 0.98


@pytest.mark.parametrize("name,curve", [
    ("sin", lambda x: 3 * np.sin(x)),
    ("cubic", lambda x: 3 * ((x / 4) ** 3 - x / 4)),
    ("abs", lambda x: np.abs(x) - 3),
    ("line", lambda x: x / 2),
])
def test_clean_function_sets_label_points_above_the_curve_one(name, curve):
    data = generators.above_below(1000, 0.0, function=name, seed=5)
    assert data.task == "binary" and data.class_names == ("below", "above")
    np.testing.assert_array_equal(data.y, (data.x[:, 1] > curve(data.x[:, 0])).astype(int))
    assert 0.3 < data.y.mean() < 0.7  # both sides of every curve are well filled


def test_function_noise_mixes_labels_near_the_curve_only():
    clean = generators.above_below(2000, 0.0, seed=6)
    noisy = generators.above_below(2000, 0.5, seed=6)
    np.testing.assert_array_equal(clean.x, noisy.x)
    changed = clean.y != noisy.y
    assert changed.any()
    distance = np.abs(noisy.x[changed, 1] - 3 * np.sin(noisy.x[changed, 0]))
    assert distance.max() <= 1.5 + 1e-5  # shifted by at most 3 × 0.5
