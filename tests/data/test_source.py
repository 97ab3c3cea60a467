"""A project's data: built-in sources by key, files beside the project, split and scaled."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.errors import DataError
from nnstudio.core.examples import example_project
from nnstudio.core.project import DataConfig, DataSource, file_sha256, save_project
from nnstudio.data.builtin import load_builtin
from nnstudio.data.source import load_dataset, prepare_project_data


def project_with(source: DataSource, **settings):
    project = example_project("empty")
    project.data = DataConfig(source, **settings)
    return project


def test_a_builtin_source_gives_the_dataset_with_its_parameters_and_seed():
    source = DataSource.builtin("moons", {"n_samples": 120, "noise": 0.3}, seed=5)
    dataset = load_dataset(project_with(source))
    expected = load_builtin("moons", {"n_samples": 120, "noise": 0.3}, seed=5)
    np.testing.assert_array_equal(dataset.x, expected.x)
    np.testing.assert_array_equal(dataset.y, expected.y)
    other_seed = load_dataset(project_with(DataSource.builtin("moons", {"n_samples": 120}, seed=6)))
    assert not np.array_equal(other_seed.x, dataset.x)


def test_a_bundled_source_needs_no_parameters():
    dataset = load_dataset(project_with(DataSource.builtin("digits")))
    assert (dataset.n_samples, dataset.input_shape, dataset.n_classes) == (1797, (1, 8, 8), 10)


def test_prepared_data_is_split_by_the_projects_fractions_and_scaled_on_training_only():
    project = project_with(DataSource.builtin("circle", {"n_samples": 400}), validation=0.25,
                           test=0.1, split_seed=3, preprocessing="standardize")
    prepared = prepare_project_data(project)
    sizes = (prepared.train.n_samples, prepared.validation.n_samples, prepared.test.n_samples)
    assert sizes == (260, 100, 40)
    np.testing.assert_allclose(prepared.train.x.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(prepared.train.x.std(axis=0), 1.0, atol=1e-4)
    assert prepared.preprocessor.method == "standardize"
    again = prepare_project_data(project)
    np.testing.assert_array_equal(again.test.x, prepared.test.x)  # the split seed fixes it
    moved = prepare_project_data(project_with(project.data.source, validation=0.25, test=0.1,
                                              split_seed=4))
    assert not np.array_equal(moved.test.x, prepared.test.x)


def test_no_preprocessing_leaves_the_inputs_as_they_are():
    project = project_with(DataSource.builtin("digits"), preprocessing="none")
    prepared = prepare_project_data(project)
    assert prepared.train.x.min() == 0.0 and prepared.train.x.max() == 1.0


def npz_project(tmp_path, folder="data"):
    rng = np.random.default_rng(0)
    (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    data_file = tmp_path / folder / "points.npz"
    np.savez(data_file, features=rng.standard_normal((50, 3)), labels=rng.integers(0, 2, 50))
    source = DataSource(kind="file", path=f"{folder}/points.npz", sha256=file_sha256(data_file),
                        format="npz", options={"x": "features", "y": "labels"})
    project = project_with(source)
    path = tmp_path / "p.nnstudio"
    save_project(path, project)
    return project, path, data_file


def test_a_file_source_is_read_relative_to_the_project_file(tmp_path):
    project, path, _ = npz_project(tmp_path)
    dataset = load_dataset(project, path)
    assert (dataset.n_samples, dataset.input_shape, dataset.task) == (50, (3,), "binary")
    assert prepare_project_data(project, path).train.n_samples == 30


def test_a_file_source_needs_the_project_saved_first(tmp_path):
    project, _, _ = npz_project(tmp_path)
    with pytest.raises(DataError, match=r"^data\.source\.path: 'data/points\.npz' is relative to the "
                                        r"project file; save the project first$"):
        load_dataset(project)


def test_a_missing_or_changed_data_file_is_a_data_error(tmp_path):
    project, path, data_file = npz_project(tmp_path)
    np.savez(data_file, features=np.zeros((5, 3)), labels=np.zeros(5, int))
    with pytest.raises(DataError, match="has changed since the project was saved"):
        load_dataset(project, path)
    data_file.unlink()
    with pytest.raises(DataError, match="was not found"):
        load_dataset(project, path)


def test_a_data_file_reached_through_a_link_out_of_the_folder_is_refused(tmp_path):
    outside = tmp_path / "outside"
    inside = tmp_path / "project"
    _, _, data_file = npz_project(outside)
    inside.mkdir()
    (inside / "data").symlink_to(outside / "data", target_is_directory=True)
    project = project_with(DataSource(kind="file", path="data/points.npz",
                                      sha256=file_sha256(data_file), format="npz",
                                      options={"x": "features", "y": "labels"}))
    with pytest.raises(DataError, match=r"^p\.nnstudio: data\.source\.path: \"data/points\.npz\" leads "
                                        r"out of the project's folder through a link"):
        load_dataset(project, inside / "p.nnstudio")
