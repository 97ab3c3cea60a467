"""Seeded 2-D toy datasets in the spirit of TensorFlow Playground.

Every generator takes `n_samples`, usually `noise` (0 to 1), and `seed` (an int or a numpy
`Generator`), and returns a `Dataset` whose two inputs lie roughly in [-6, 6], so one plot range
fits them all. The same arguments always give the same points.

Two kinds of noise appear, chosen per dataset to match what a learner sees in Playground:
- *label noise* (circle, xor, plane, multi_gaussian, above_below): each point keeps its
  position, but its label is read at a randomly shifted position, so labels near a border get
  mixed up;
- *position noise* (gaussians, spiral, moons, spiral_arms, clouds): the points themselves are
  scattered.
"""

from __future__ import annotations

import numpy as np

from nnstudio.data.dataset import Dataset, Task

FEATURE_NAMES = ("x1", "x2")


def _rng(seed: int | np.random.Generator) -> np.random.Generator:
    return np.random.default_rng(seed)


def _halves(n_samples: int) -> tuple[int, int]:
    """Sizes of two classes that together make exactly `n_samples`."""
    first = n_samples // 2
    return first, n_samples - first


def _shares(n_samples: int, classes: int) -> list[int]:
    """Sizes of `classes` classes that together make exactly `n_samples`, differing by at most 1."""
    return [n_samples // classes + (index < n_samples % classes) for index in range(classes)]


def _classification(
    name: str,
    points: np.ndarray,
    labels: np.ndarray,
    class_names: tuple[str, ...],
    rng: np.random.Generator,
) -> Dataset:
    # Generators build one class after the other; shuffling means that "the first 100 rows"
    # of a dataset still show every class.
    order = rng.permutation(len(labels))
    return Dataset(
        name=name,
        x=points[order],
        y=labels[order],
        task=Task.BINARY if len(class_names) == 2 else Task.MULTICLASS,
        feature_names=FEATURE_NAMES,
        class_names=class_names,
    )


def _on_circle(radius: np.ndarray, angle: np.ndarray) -> np.ndarray:
    return np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)


def circle(
    n_samples: int = 500, noise: float = 0.0, seed: int | np.random.Generator = 0
) -> Dataset:
    """A disc of class "inside" (radius < 2.5) within a ring of class "outside" (3.5 to 5).

    Half the points are drawn in the disc, half in the ring; label noise.
    """
    rng = _rng(seed)
    n_inside, n_outside = _halves(n_samples)
    radius = np.concatenate(
        [rng.uniform(0.0, 2.5, n_inside), rng.uniform(3.5, 5.0, n_outside)]
    )
    points = _on_circle(radius, rng.uniform(0.0, 2 * np.pi, n_samples))
    shifted = points + rng.uniform(-5.0, 5.0, (n_samples, 2)) * noise
    labels = (np.hypot(shifted[:, 0], shifted[:, 1]) < 2.5).astype(np.int64)
    return _classification("Circle", points, labels, ("outside", "inside"), rng)


def xor(
    n_samples: int = 500, noise: float = 0.0, seed: int | np.random.Generator = 0
) -> Dataset:
    """Four quadrants: class "same signs" where x1·x2 ≥ 0, "opposite signs" elsewhere.

    Points keep a small gap (0.3) from the axes so the classes are visibly apart; label noise.
    A single layer cannot separate it: the classic reason for hidden layers.
    """
    rng = _rng(seed)
    points = rng.uniform(-5.0, 5.0, (n_samples, 2))
    points += np.where(points > 0, 0.3, -0.3)
    shifted = points + rng.uniform(-5.0, 5.0, (n_samples, 2)) * noise
    labels = (shifted[:, 0] * shifted[:, 1] >= 0).astype(np.int64)
    return _classification("XOR", points, labels, ("opposite signs", "same signs"), rng)


def gaussians(
    n_samples: int = 500, noise: float = 0.0, seed: int | np.random.Generator = 0
) -> Dataset:
    """Two round clouds centred at (2, 2) ("upper right") and (-2, -2) ("lower left").

    Their variance grows from 0.5 (noise 0, well apart) to 7.5 (noise 1, heavily overlapping).
    """
    rng = _rng(seed)
    n_upper, n_lower = _halves(n_samples)
    std = np.sqrt(0.5 + 7.0 * noise)
    points = np.concatenate(
        [rng.normal(2.0, std, (n_upper, 2)), rng.normal(-2.0, std, (n_lower, 2))]
    )
    labels = np.concatenate([np.ones(n_upper, np.int64), np.zeros(n_lower, np.int64)])
    return _classification("Two Gaussians", points, labels, ("lower left", "upper right"), rng)


def spiral(
    n_samples: int = 500, noise: float = 0.0, seed: int | np.random.Generator = 0
) -> Dataset:
    """Two interleaved spiral arms, each turning 1.75 times out to radius 5.

    Each point is jittered by up to `noise` in x1 and x2. The hardest of the 2-D sets.
    """
    rng = _rng(seed)
    arms = []
    for size, turn in zip(_halves(n_samples), (0.0, np.pi)):
        progress = np.arange(size) / max(size, 1)
        angle = 1.75 * 2 * np.pi * progress + turn
        arms.append(_on_circle(5.0 * progress, angle))
    points = np.concatenate(arms) + rng.uniform(-1.0, 1.0, (n_samples, 2)) * noise
    first, second = _halves(n_samples)
    labels = np.concatenate([np.zeros(first, np.int64), np.ones(second, np.int64)])
    return _classification("Spiral", points, labels, ("first arm", "second arm"), rng)


MAX_CLASSES = 8


def spiral_arms(
    n_samples: int = 600, noise: float = 0.0, classes: int = 3,
    seed: int | np.random.Generator = 0,
) -> Dataset:
    """`classes` interleaved spiral arms ("arm 1", "arm 2", ...), evenly turned apart, each
    turning 1.25 times out to radius 5; each point jittered by up to `noise` in x1 and x2.

    The multi-class form of `spiral`; every arm has the same number of points (±1).
    """
    rng = _rng(seed)
    arms = []
    for index, size in enumerate(_shares(n_samples, classes)):
        progress = np.arange(size) / max(size, 1)
        angle = 1.25 * 2 * np.pi * progress + 2 * np.pi * index / classes
        arms.append(_on_circle(5.0 * progress, angle))
    points = np.concatenate(arms) + rng.uniform(-1.0, 1.0, (n_samples, 2)) * noise
    labels = np.repeat(np.arange(classes, dtype=np.int64), _shares(n_samples, classes))
    names = tuple(f"arm {index + 1}" for index in range(classes))
    return _classification("Spiral Arms", points, labels, names, rng)


def clouds(
    n_samples: int = 600, noise: float = 0.0, classes: int = 3,
    seed: int | np.random.Generator = 0,
) -> Dataset:
    """`classes` round clouds ("cloud 1", ...) centred evenly on a circle of radius 3.5.

    Their variance grows from 0.3 (noise 0, well apart) to 4.3 (noise 1, overlapping), so the
    clouds stay apart up to 8 classes when clean; the same number of points in each (±1).
    """
    rng = _rng(seed)
    sizes = _shares(n_samples, classes)
    std = np.sqrt(0.3 + 4.0 * noise)
    angles = 2 * np.pi * np.arange(classes) / classes
    centres = _on_circle(np.full(classes, 3.5), angles)
    points = np.concatenate([rng.normal(centre, std, (size, 2))
                             for centre, size in zip(centres, sizes)])
    labels = np.repeat(np.arange(classes, dtype=np.int64), sizes)
    names = tuple(f"cloud {index + 1}" for index in range(classes))
    return _classification("Gaussian Clouds", points, labels, names, rng)


def _curve(function: str, x: np.ndarray) -> np.ndarray:
    """The border curve of `function`, scaled so its shape shows in [-6, 6]²."""
    if function == "sin":
        return 3.0 * np.sin(x)
    if function == "cubic":
        u = x / 4.0
        return 3.0 * (u ** 3 - u)
    if function == "abs":
        return np.abs(x) - 3.0
    if function == "line":
        return 0.5 * x
    raise ValueError(f"unknown function {function!r}")


# Keys of `above_below`'s menu, and what each draws (also the picker's words).
FUNCTIONS = {"sin": "y = 3 sin x", "cubic": "y = 3 (u³ − u), u = x / 4",
             "abs": "y = |x| − 3", "line": "y = x / 2"}


def above_below(
    n_samples: int = 500, noise: float = 0.0, function: str = "sin",
    seed: int | np.random.Generator = 0,
) -> Dataset:
    """Points uniform in [-6, 6]², class "above" where x2 > f(x1), "below" elsewhere, for a
    function f of the fixed menu `FUNCTIONS` (a sine, a cubic x³ − x, |x| and a line).

    Label noise: the point's height is shifted by up to 3 × `noise` before comparing.
    """
    rng = _rng(seed)
    points = rng.uniform(-6.0, 6.0, (n_samples, 2))
    shifted = points[:, 1] + rng.uniform(-3.0, 3.0, n_samples) * noise
    labels = (shifted > _curve(function, points[:, 0])).astype(np.int64)
    return _classification(f"Above or Below {FUNCTIONS[function]}", points, labels,
                           ("below", "above"), rng)


def moons(
    n_samples: int = 500, noise: float = 0.0, seed: int | np.random.Generator = 0
) -> Dataset:
    """Two interleaving half circles ("upper moon", "lower moon"), scaled to about [-5, 5].

    Gaussian position noise with a standard deviation of 1.75 × `noise`.
    """
    rng = _rng(seed)
    n_upper, n_lower = _halves(n_samples)
    upper_angle = rng.uniform(0.0, np.pi, n_upper)
    lower_angle = rng.uniform(0.0, np.pi, n_lower)
    # Unit half circles: the upper one centred at (0, 0), the lower one at (1, 0.5) and upside
    # down, so each moon reaches into the other's hollow.
    upper = np.stack([np.cos(upper_angle), np.sin(upper_angle)], axis=1)
    lower = np.stack([1.0 - np.cos(lower_angle), 0.5 - np.sin(lower_angle)], axis=1)
    scale = 3.5  # the unit moons span x in [-1, 2]; this spreads them over about [-5, 5]
    points = (np.concatenate([upper, lower]) - [0.5, 0.25]) * scale
    points += rng.normal(0.0, 0.5 * scale * noise, (n_samples, 2))
    labels = np.concatenate([np.zeros(n_upper, np.int64), np.ones(n_lower, np.int64)])
    return _classification("Two Moons", points, labels, ("upper moon", "lower moon"), rng)


def plane(
    n_samples: int = 500, noise: float = 0.0, seed: int | np.random.Generator = 0
) -> Dataset:
    """Regression on a tilted plane: target (x1 + x2) / 10, from about -1.2 to 1.2.

    Points are uniform in [-6, 6]²; label noise.
    """
    rng = _rng(seed)
    points = rng.uniform(-6.0, 6.0, (n_samples, 2))
    shifted = points + rng.uniform(-6.0, 6.0, (n_samples, 2)) * noise
    targets = (shifted[:, 0] + shifted[:, 1]) / 10.0
    return Dataset("Plane", points, targets, Task.REGRESSION, FEATURE_NAMES)


# (centre x1, centre x2, sign): a 3×2 checkerboard of bumps, alternating up and down.
_BUMPS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]],
    dtype=np.float64,
)


def multi_gaussian(
    n_samples: int = 500, noise: float = 0.0, seed: int | np.random.Generator = 0
) -> Dataset:
    """Regression on six cone-shaped bumps, alternately +1 and -1 at their centres.

    Each bump falls linearly to 0 at distance 2; the target is the strongest bump at the point.
    Points are uniform in [-6, 6]²; label noise.
    """
    rng = _rng(seed)
    points = rng.uniform(-6.0, 6.0, (n_samples, 2))
    shifted = points + rng.uniform(-6.0, 6.0, (n_samples, 2)) * noise
    distance = np.hypot(
        shifted[:, None, 0] - _BUMPS[None, :, 0], shifted[:, None, 1] - _BUMPS[None, :, 1]
    )
    heights = _BUMPS[None, :, 2] * np.clip(1.0 - distance / 2.0, 0.0, 1.0)
    strongest = np.argmax(np.abs(heights), axis=1)
    targets = heights[np.arange(n_samples), strongest]
    return Dataset("Multi Gaussian", points, targets, Task.REGRESSION, FEATURE_NAMES)


def random_labels(n_samples: int = 1000, seed: int | np.random.Generator = 0) -> Dataset:
    """Points from a 2-D standard normal with labels 0/1 drawn by coin flip.

    The labels carry no information about the points, so no network can beat chance on data it
    has not seen: a lesson in memorising versus learning.
    """
    rng = _rng(seed)
    points = rng.standard_normal((n_samples, 2))
    labels = rng.integers(0, 2, n_samples, dtype=np.int64)
    return _classification("Random Labels", points, labels, ("0", "1"), rng)
