"""Label noise: exactly the stated share of TRAINING labels moves to another class, seeded;
validation and test labels stay clean; the project key is optional and checked by the loader."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnstudio.core.errors import DataError, ProjectError
from nnstudio.core.examples import example_project
from nnstudio.core.project import DataConfig, DataSource, load_project, save_project
from nnstudio.data.builtin import load_builtin
from nnstudio.data.label_noise import with_label_noise
from nnstudio.data.source import prepare_project_data
from nnstudio.data.split import split_indices


def _noisy(key, fraction, seed=3, params=None):
    clean = load_builtin(key, params)
    split = split_indices(clean.y, clean.task, 0.2, 0.2, seed=0)
    return clean, split, with_label_noise(clean, split, fraction, seed)


@pytest.mark.parametrize("key, fraction", [("spiral", 0.2), ("iris", 0.35), ("digits", 0.1),
                                           ("moons", 0.5)])
def test_exactly_the_stated_share_of_training_labels_flips_and_no_other(key, fraction):
    clean, split, noisy = _noisy(key, fraction)
    changed = np.flatnonzero(noisy.y != clean.y)
    assert len(changed) == int(np.floor(fraction * len(split.train) + 0.5))
    assert set(changed) <= set(split.train.tolist())  # validation and test stay clean
    np.testing.assert_array_equal(noisy.x, clean.x)


def test_flipped_labels_land_on_every_other_class_never_the_same():
    clean, _, noisy = _noisy("digits", 0.5)
    changed = noisy.y != clean.y
    pairs = set(zip(clean.y[changed].tolist(), noisy.y[changed].tolist()))
    assert all(old != new for old, new in pairs)
    assert set(noisy.y[changed].tolist()) == set(range(10))


def test_the_same_seed_flips_the_same_labels_and_another_seed_others():
    _, _, first = _noisy("spiral", 0.2, seed=5)
    _, _, again = _noisy("spiral", 0.2, seed=5)
    _, _, other = _noisy("spiral", 0.2, seed=6)
    np.testing.assert_array_equal(first.y, again.y)
    assert not np.array_equal(first.y, other.y)


def test_no_noise_gives_the_dataset_back_unchanged():
    clean, _, noisy = _noisy("spiral", 0.0)
    assert noisy is clean


def test_a_numeric_target_has_no_labels_to_flip():
    with pytest.raises(DataError, match=r"^data\.label_noise: only class labels"):
        _noisy("plane", 0.1)


def test_the_project_trains_on_noisy_labels_and_measures_on_clean_ones():
    project = example_project("empty")
    project.data = DataConfig(DataSource.builtin("spiral"), label_noise=0.25, split_seed=2)
    clean_project = example_project("empty")
    clean_project.data = DataConfig(DataSource.builtin("spiral"), split_seed=2)
    noisy, clean = prepare_project_data(project), prepare_project_data(clean_project)
    flipped = int(np.sum(noisy.train.y != clean.train.y))
    assert flipped == int(np.floor(0.25 * clean.train.n_samples + 0.5))
    np.testing.assert_array_equal(noisy.validation.y, clean.validation.y)
    np.testing.assert_array_equal(noisy.test.y, clean.test.y)


def test_label_noise_is_saved_only_when_used_and_read_back(tmp_path):
    project = example_project("spiral")
    save_project(tmp_path / "clean.nnstudio", project)
    assert "label_noise" not in json.loads((tmp_path / "clean.nnstudio").read_text())["data"]
    project.data = DataConfig(project.data.source, label_noise=0.15)
    save_project(tmp_path / "noisy.nnstudio", project)
    assert load_project(tmp_path / "noisy.nnstudio").project.data.label_noise == 0.15


@pytest.mark.parametrize("value", [1.0, -0.1, "0.1", True])
def test_a_bad_label_noise_in_a_file_is_refused_naming_the_field(tmp_path, value):
    path = tmp_path / "bad.nnstudio"
    save_project(path, example_project("spiral"))
    document = json.loads(path.read_text())
    document["data"]["label_noise"] = value
    path.write_text(json.dumps(document))
    with pytest.raises(ProjectError, match=r"bad\.nnstudio: data\.label_noise: must be a "):
        load_project(path)
