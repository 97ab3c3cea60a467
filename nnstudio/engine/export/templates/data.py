'''Data pieces of the exported script: the built-in generators, the bundled-file reader, the
split and the preprocessing, each written to give exactly what `nnstudio.data` gives.'''

# ---- generators (mirror nnstudio/data/generators.py) ------------------------------------------
# Each returns (points float64 (n, 2), labels or targets); `make_data` casts them like NN Studio.

GENERATOR_HELPERS = '''
def halves(n_samples):
    """Sizes of two classes that together make exactly n_samples."""
    first = n_samples // 2
    return first, n_samples - first


def on_circle(radius, angle):
    return np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)


def shuffled(points, labels, rng):
    # The generators build one class after the other; shuffle so both classes mix.
    order = rng.permutation(len(labels))
    return points[order], labels[order]
'''

GENERATORS = {
    "circle": '''
def circle(n_samples, noise, seed):
    """A disc (class 1, radius < 2.5) inside a ring (class 0, radius 3.5 to 5); label noise."""
    rng = np.random.default_rng(seed)
    n_inside, n_outside = halves(n_samples)
    radius = np.concatenate([rng.uniform(0.0, 2.5, n_inside), rng.uniform(3.5, 5.0, n_outside)])
    points = on_circle(radius, rng.uniform(0.0, 2 * np.pi, n_samples))
    shifted = points + rng.uniform(-5.0, 5.0, (n_samples, 2)) * noise
    labels = (np.hypot(shifted[:, 0], shifted[:, 1]) < 2.5).astype(np.int64)
    return shuffled(points, labels, rng)
''',
    "xor": '''
def xor(n_samples, noise, seed):
    """Class 1 where x1 and x2 have the same sign, 0 elsewhere; label noise."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(-5.0, 5.0, (n_samples, 2))
    points += np.where(points > 0, 0.3, -0.3)
    shifted = points + rng.uniform(-5.0, 5.0, (n_samples, 2)) * noise
    labels = (shifted[:, 0] * shifted[:, 1] >= 0).astype(np.int64)
    return shuffled(points, labels, rng)
''',
    "gaussians": '''
def gaussians(n_samples, noise, seed):
    """Two round clouds around (2, 2) (class 1) and (-2, -2) (class 0)."""
    rng = np.random.default_rng(seed)
    n_upper, n_lower = halves(n_samples)
    std = np.sqrt(0.5 + 7.0 * noise)
    points = np.concatenate(
        [rng.normal(2.0, std, (n_upper, 2)), rng.normal(-2.0, std, (n_lower, 2))])
    labels = np.concatenate([np.ones(n_upper, np.int64), np.zeros(n_lower, np.int64)])
    return shuffled(points, labels, rng)
''',
    "spiral": '''
def spiral(n_samples, noise, seed):
    """Two interleaved spiral arms (classes 0 and 1), each point jittered by up to noise."""
    rng = np.random.default_rng(seed)
    arms = []
    for size, turn in zip(halves(n_samples), (0.0, np.pi)):
        progress = np.arange(size) / max(size, 1)
        angle = 1.75 * 2 * np.pi * progress + turn
        arms.append(on_circle(5.0 * progress, angle))
    points = np.concatenate(arms) + rng.uniform(-1.0, 1.0, (n_samples, 2)) * noise
    first, second = halves(n_samples)
    labels = np.concatenate([np.zeros(first, np.int64), np.ones(second, np.int64)])
    return shuffled(points, labels, rng)
''',
    "moons": '''
def moons(n_samples, noise, seed):
    """Two interleaving half circles (classes 0 and 1) with Gaussian position noise."""
    rng = np.random.default_rng(seed)
    n_upper, n_lower = halves(n_samples)
    upper_angle = rng.uniform(0.0, np.pi, n_upper)
    lower_angle = rng.uniform(0.0, np.pi, n_lower)
    upper = np.stack([np.cos(upper_angle), np.sin(upper_angle)], axis=1)
    lower = np.stack([1.0 - np.cos(lower_angle), 0.5 - np.sin(lower_angle)], axis=1)
    scale = 3.5
    points = (np.concatenate([upper, lower]) - [0.5, 0.25]) * scale
    points += rng.normal(0.0, 0.5 * scale * noise, (n_samples, 2))
    labels = np.concatenate([np.zeros(n_upper, np.int64), np.ones(n_lower, np.int64)])
    return shuffled(points, labels, rng)
''',
    "spiral_arms": '''
def shares(n_samples, classes):
    """Sizes of the classes that together make exactly n_samples, differing by at most 1."""
    return [n_samples // classes + (index < n_samples % classes) for index in range(classes)]


def spiral_arms(n_samples, noise, classes=3, seed=0):
    """`classes` interleaved spiral arms (one class each), each point jittered by up to noise."""
    rng = np.random.default_rng(seed)
    arms = []
    for index, size in enumerate(shares(n_samples, classes)):
        progress = np.arange(size) / max(size, 1)
        angle = 1.25 * 2 * np.pi * progress + 2 * np.pi * index / classes
        arms.append(on_circle(5.0 * progress, angle))
    points = np.concatenate(arms) + rng.uniform(-1.0, 1.0, (n_samples, 2)) * noise
    labels = np.repeat(np.arange(classes, dtype=np.int64), shares(n_samples, classes))
    return shuffled(points, labels, rng)
''',
    "clouds": '''
def shares(n_samples, classes):
    """Sizes of the classes that together make exactly n_samples, differing by at most 1."""
    return [n_samples // classes + (index < n_samples % classes) for index in range(classes)]


def clouds(n_samples, noise, classes=3, seed=0):
    """`classes` round clouds (one class each) centred evenly on a circle of radius 3.5."""
    rng = np.random.default_rng(seed)
    sizes = shares(n_samples, classes)
    std = np.sqrt(0.3 + 4.0 * noise)
    centres = on_circle(np.full(classes, 3.5), 2 * np.pi * np.arange(classes) / classes)
    points = np.concatenate([rng.normal(centre, std, (size, 2))
                             for centre, size in zip(centres, sizes)])
    labels = np.repeat(np.arange(classes, dtype=np.int64), sizes)
    return shuffled(points, labels, rng)
''',
    "above_below": '''
def curve(function, x):
    """The border between the classes."""
    if function == "sin":
        return 3.0 * np.sin(x)
    if function == "cubic":
        return 3.0 * ((x / 4.0) ** 3 - x / 4.0)
    if function == "abs":
        return np.abs(x) - 3.0
    return 0.5 * x


def above_below(n_samples, noise, function="sin", seed=0):
    """Class 1 above the curve of `function`, 0 below, on points uniform in [-6, 6]^2;
    label noise."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(-6.0, 6.0, (n_samples, 2))
    shifted = points[:, 1] + rng.uniform(-3.0, 3.0, n_samples) * noise
    labels = (shifted > curve(function, points[:, 0])).astype(np.int64)
    return shuffled(points, labels, rng)
''',
    "plane": '''
def plane(n_samples, noise, seed):
    """Regression: target (x1 + x2) / 10 on points uniform in [-6, 6]^2; label noise."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(-6.0, 6.0, (n_samples, 2))
    shifted = points + rng.uniform(-6.0, 6.0, (n_samples, 2)) * noise
    return points, (shifted[:, 0] + shifted[:, 1]) / 10.0
''',
    "multi_gaussian": '''
BUMPS = np.array(  # (centre x1, centre x2, sign): six cones, alternately up and down
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]],
    dtype=np.float64)


def multi_gaussian(n_samples, noise, seed):
    """Regression: the strongest of six cone-shaped bumps at each point; label noise."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(-6.0, 6.0, (n_samples, 2))
    shifted = points + rng.uniform(-6.0, 6.0, (n_samples, 2)) * noise
    distance = np.hypot(shifted[:, None, 0] - BUMPS[None, :, 0],
                        shifted[:, None, 1] - BUMPS[None, :, 1])
    heights = BUMPS[None, :, 2] * np.clip(1.0 - distance / 2.0, 0.0, 1.0)
    strongest = np.argmax(np.abs(heights), axis=1)
    return points, heights[np.arange(n_samples), strongest]
''',
    "random_labels": '''
def random_labels(n_samples, seed):
    """Standard-normal points with coin-flip labels: nothing to learn."""
    rng = np.random.default_rng(seed)
    points = rng.standard_normal((n_samples, 2))
    labels = rng.integers(0, 2, n_samples, dtype=np.int64)
    return shuffled(points, labels, rng)
''',
    "modular_arithmetic": '''
def modular_arithmetic(modulus=97, operation="add", seed=0):
    """Every pair (a, b) once as two token ids, labelled a op b mod modulus; division
    multiplies by b's inverse and leaves out b = 0. The seed changes nothing."""
    a, b = np.meshgrid(np.arange(modulus), np.arange(modulus), indexing="ij")
    pairs = np.stack([a.ravel(), b.ravel()], axis=1).astype(np.int64)
    if operation == "divide":
        pairs = pairs[pairs[:, 1] != 0]
    a, b = pairs[:, 0], pairs[:, 1]
    if operation == "add":
        labels = a + b
    elif operation == "subtract":
        labels = a - b
    elif operation == "multiply":
        labels = a * b
    else:
        inverses = np.array([0] + [pow(value, -1, modulus) for value in range(1, modulus)])
        labels = a * inverses[b]
    return pairs.astype(np.float32), labels % modulus
''',
}

# The generators that use the helpers above (the regression ones do not shuffle).
USES_HELPERS = {"circle", "xor", "gaussians", "spiral", "moons", "random_labels", "spiral_arms",
                "clouds", "above_below"}

# ---- bundled files (mirror nnstudio/data/bundled.py) -------------------------------------------

READ_TABLE = '''
def read_table(path):
    """A CSV table with one header row, numbers only, the target in the last column."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            handle.readline()  # the column names
            values = np.loadtxt(handle, delimiter=",", dtype=np.float64, ndmin=2)
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise SystemExit(f"{path}: cannot be read as a table of numbers with a header row "
                         f"({error})") from None
    if values.shape[1] < 2:
        raise SystemExit(f"{path}: needs at least one input column and the target column")
    return values[:, :-1].astype(np.float32), values[:, -1]
'''

# ---- split (mirror nnstudio/data/split.py) -----------------------------------------------------

SPLIT = '''
def split_indices(y, classification, validation, test, seed):
    """Sorted train / validation / test index arrays, as NN Studio splits.

    Classes are split in proportion (each keeps at least one training sample); the counts are
    rounded half up and shared between classes by largest remainder.
    """
    n = len(y)
    groups = [np.flatnonzero(y == label) for label in np.unique(y)] if classification \\
        else [np.arange(n)]
    sizes = np.array([len(group) for group in groups])
    n_test = apportion(int(math.floor(test * n + 0.5)), sizes)
    n_validation = apportion(int(math.floor(validation * n + 0.5)), sizes)
    rng = np.random.default_rng(seed)
    parts = ([], [], [])
    for group, size, t, v in zip(groups, sizes, n_test, n_validation):
        while size - t - v < 1:  # give one sample back to training until it has one
            if v >= t:
                v -= 1
            else:
                t -= 1
        order = rng.permutation(group)
        parts[2].append(order[:t])
        parts[1].append(order[t:t + v])
        parts[0].append(order[t + v:])
    return tuple(np.sort(np.concatenate(part)).astype(np.int64) for part in parts)


def apportion(total, sizes):
    """Share total between groups in proportion to sizes, in whole numbers that add up."""
    exact = total * sizes / sizes.sum()
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:total - int(counts.sum())]] += 1
    return counts
'''

# ---- preprocessing (mirror nnstudio/data/preprocessing.py) -------------------------------------

SCALING = {
    "none": '''
def fit_scaling(x_train):
    """No preprocessing: inputs are used as they are."""
    return None


def scale(x, scaling):
    return np.ascontiguousarray(x, dtype=np.float32)
''',
    "standardize": '''
def fit_scaling(x_train):
    """Mean and standard deviation of the training inputs only (per feature; one pair for
    images), so no validation or test sample leaks into training."""
    x = np.asarray(x_train, dtype=np.float64)
    axis = 0 if x.ndim == 2 else None
    shift, spread = x.mean(axis=axis), x.std(axis=axis)
    constant = spread <= 1e-12 * np.maximum(1.0, np.abs(shift))  # constant inputs become 0
    return shift, np.where(constant, 1.0, spread)


def scale(x, scaling):
    shift, spread = (np.asarray(v, dtype=np.float64).astype(np.float32) for v in scaling)
    return np.ascontiguousarray((x.astype(np.float32) - shift) / spread, dtype=np.float32)
''',
    "minmax": '''
def fit_scaling(x_train):
    """Minimum and range of the training inputs only (per feature; one pair for images), so
    no validation or test sample leaks into training."""
    x = np.asarray(x_train, dtype=np.float64)
    axis = 0 if x.ndim == 2 else None
    shift = x.min(axis=axis)
    spread = x.max(axis=axis) - shift
    constant = spread <= 1e-12 * np.maximum(1.0, np.abs(shift))  # constant inputs become 0
    return shift, np.where(constant, 1.0, spread)


def scale(x, scaling):
    shift, spread = (np.asarray(v, dtype=np.float64).astype(np.float32) for v in scaling)
    return np.ascontiguousarray((x.astype(np.float32) - shift) / spread, dtype=np.float32)
''',
}
