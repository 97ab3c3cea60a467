"""A drawn dataset in a project file: saved and reloaded exactly, refused by field when damaged,
and trained on like any other data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnstudio.core.errors import ProjectError
from nnstudio.core.project import (
    DataConfig, DataSource, Project, load_project, save_project,
)
from nnstudio.data.cli_new import default_network
from nnstudio.data.drawn import DrawnPoints, with_points
from nnstudio.data.source import load_dataset, prepare_project_data


def drawn_project(count: int = 60) -> Project:
    rng = np.random.default_rng(0)
    drawn = with_points(DrawnPoints.empty(3), rng.uniform(-6, 6, (count, 2)), 0)
    drawn = with_points(drawn, rng.uniform(-6, 6, (count, 2)), 1)
    drawn = with_points(drawn, rng.uniform(-6, 6, (count, 2)), 2)
    source = DataSource.from_drawn(drawn)
    project = Project(name="Drawn", data=DataConfig(source=source))
    project.network = default_network(load_dataset(project))
    return project


def test_a_drawn_dataset_saves_and_reloads_exactly(tmp_path):
    project = drawn_project()
    path = tmp_path / "drawn.nnstudio"
    save_project(path, project)
    loaded = load_project(path).project
    assert loaded.data.source == project.data.source
    again = load_dataset(loaded)
    np.testing.assert_array_equal(again.x, load_dataset(project).x)
    np.testing.assert_array_equal(again.y, load_dataset(project).y)
    assert again.class_names == ("class 1", "class 2", "class 3")
    save_project(tmp_path / "again.nnstudio", loaded)
    first = json.loads(path.read_text())["data"]
    assert json.loads((tmp_path / "again.nnstudio").read_text())["data"] == first
    assert first["source"]["kind"] == "drawn" and len(first["source"]["points"]) == 180


def test_a_damaged_drawn_source_names_the_file_and_field(tmp_path):
    path = tmp_path / "drawn.nnstudio"
    save_project(path, drawn_project(5))
    document = json.loads(path.read_text())
    document["data"]["source"]["labels"][3] = 9
    path.write_text(json.dumps(document))
    with pytest.raises(ProjectError, match=r"drawn.nnstudio: data.source.labels\[3\]: must be "
                                           r"a class number from 0 to 2, got 9"):
        load_project(path)
    document["data"]["source"]["extra"] = 1
    path.write_text(json.dumps(document))
    with pytest.raises(ProjectError, match="data.source.extra: unknown field"):
        load_project(path)


def test_drawn_data_splits_and_scales_for_training():
    prepared = prepare_project_data(drawn_project())
    assert prepared.train.n_samples + prepared.validation.n_samples + \
        prepared.test.n_samples == 180
    assert prepared.train.task == "multiclass"
