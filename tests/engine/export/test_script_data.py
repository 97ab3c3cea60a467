"""The data pieces of the exported script give exactly what nnstudio.data gives: generators,
bundled tables, the split and the preprocessing."""

from __future__ import annotations

import dataclasses
import gzip
import math

import numpy as np
import pytest

from nnstudio.core.errors import SpecError
from nnstudio.core.examples import example_project
from nnstudio.core.network import chain
from nnstudio.core.project import DataConfig, DataSource, Project
from nnstudio.data import bundled
from nnstudio.data.builtin import BUILTIN_DATASETS, BUNDLED, GENERATED, load_builtin
from nnstudio.data.preprocessing import METHODS, Preprocessor
from nnstudio.data.split import split_indices
from nnstudio.engine.export.script import BUNDLED_FILES, write_script
from nnstudio.engine.export.templates import data as templates


def run_pieces(*pieces: str) -> dict:
    """Run template text the way the script does (numpy as np, math, gzip)."""
    namespace = {"np": np, "math": math, "gzip": gzip}
    for piece in pieces:
        exec(compile(piece, "<template>", "exec"), namespace)  # the test runs our own text
    return namespace


GENERATED_KEYS = [key for key, entry in BUILTIN_DATASETS.items() if entry.kind == GENERATED
                  and key in templates.GENERATORS]
# Generated data whose projects the script refuses (a class per position), so no generator.
REFUSED = {"digit_addition"}


def test_every_generated_dataset_has_a_written_out_generator_or_is_refused():
    every = {key for key, entry in BUILTIN_DATASETS.items() if entry.kind == GENERATED}
    assert set(templates.GENERATORS) == every - REFUSED


def test_a_class_per_position_is_refused_with_a_message(tmp_path):
    dataset = load_builtin("digit_addition", {"digits": 1, "n_samples": 20})
    project = Project(name="Sums", network=chain(
        ("input", {"shape": dataset.input_shape}), ("dense", {"units": dataset.output_size})),
        data=DataConfig(DataSource.builtin("digit_addition", {"digits": 1, "n_samples": 20})))
    with pytest.raises(SpecError, match="has a class per position; the exported script does "
                                        "not train that yet"):
        write_script(project, tmp_path / "train.py")
    assert not (tmp_path / "train.py").exists()


@pytest.mark.parametrize("key", GENERATED_KEYS)
@pytest.mark.parametrize("noise", [0.0, 0.3])
def test_written_out_generator_draws_the_same_points_and_labels(key, noise):
    params = {"n_samples": 101} if key == "random_labels" else {"n_samples": 101, "noise": noise}
    if key == "modular_arithmetic":  # no points or noise: a prime and an operation
        params = {"modulus": 13, "operation": "divide" if noise else "subtract"}
    namespace = run_pieces(templates.GENERATOR_HELPERS, templates.GENERATORS[key])
    points, targets = namespace[key](**params, seed=7)
    expected = load_builtin(key, params, seed=7)
    assert np.array_equal(points.astype(np.float32), expected.x)
    assert np.array_equal(targets.astype(expected.y.dtype), expected.y)


def test_every_bundled_dataset_has_its_file_named_and_present():
    bundled_keys = {key for key, entry in BUILTIN_DATASETS.items() if entry.kind == BUNDLED}
    assert set(BUNDLED_FILES) == bundled_keys
    for filename in BUNDLED_FILES.values():
        assert bundled.dataset_path(filename).is_file()


@pytest.mark.parametrize("key", ["iris", "diabetes", "digits"])
def test_table_reader_gives_the_bundled_values(key):
    features, targets = run_pieces(templates.READ_TABLE)["read_table"](
        bundled.dataset_path(BUNDLED_FILES[key]))
    expected = load_builtin(key)
    if key == "digits":
        features = features.reshape(-1, 1, 8, 8) / 16.0  # as the script's digits loader does
    assert features.dtype == np.float32
    assert np.array_equal(features, expected.x)
    assert np.array_equal(targets.astype(expected.y.dtype), expected.y)


SPLIT_CASES = {
    "balanced classes": (np.repeat(np.arange(3), 40), "multiclass", 0.2, 0.2, 0),
    "rare class keeps a training sample": (np.r_[np.zeros(50, int), [1, 1]], "binary", 0.3,
                                           0.4, 5),
    "odd counts round half up": (np.arange(45) % 2, "binary", 0.25, 0.15, 11),
    "regression": (np.linspace(0, 1, 37), "regression", 0.1, 0.3, 3),
    "no validation": (np.arange(30) % 3, "multiclass", 0.0, 0.2, 1),
}


@pytest.mark.parametrize("case", SPLIT_CASES)
def test_written_out_split_gives_the_same_indices(case):
    y, task, validation, test, seed = SPLIT_CASES[case]
    y = y.astype(np.int64) if task != "regression" else y.astype(np.float32)
    split = run_pieces(templates.SPLIT)["split_indices"]
    train, valid, held_out = split(y, task != "regression", validation, test, seed)
    expected = split_indices(y, task, validation, test, seed)
    assert np.array_equal(train, expected.train)
    assert np.array_equal(valid, expected.validation)
    assert np.array_equal(held_out, expected.test)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("shape", [(5,), (1, 4, 4)])
def test_written_out_scaling_fits_on_training_and_transforms_the_same(method, shape):
    rng = np.random.default_rng(0)
    x_train = (rng.normal(3.0, 2.0, (20,) + shape)).astype(np.float32)
    x_train[:, 0] = 4.0  # a constant input must become 0, not a division by zero
    x_other = rng.normal(3.0, 2.0, (7,) + shape).astype(np.float32)
    namespace = run_pieces(templates.SCALING[method])
    scaling = namespace["fit_scaling"](x_train)
    fitted = Preprocessor(method).fit(x_train)
    for x in (x_train, x_other):
        got = namespace["scale"](x, scaling)
        assert got.dtype == np.float32
        assert np.array_equal(got, fitted.transform(x))


def test_a_project_with_label_noise_is_not_exported_as_a_script_of_clean_labels(tmp_path):
    project = example_project("spiral")
    project.data = dataclasses.replace(project.data, label_noise=0.1)
    with pytest.raises(SpecError, match="^data.label_noise: the exported script"):
        write_script(project, tmp_path / "train.py")
    assert not (tmp_path / "train.py").exists()
