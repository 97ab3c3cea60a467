"""Experiment-window helpers: a small spiral project, and documents with recorded runs."""

from __future__ import annotations

import pytest

from nnstudio.core.project import Project
from tests.gui.projects import spiral_project

def small_spiral_project(epochs: int = 3, n_samples: int = 120, **changes) -> Project:
    """The shared spiral project, smaller: experiments train many runs."""
    return spiral_project(epochs=epochs, n_samples=n_samples, **changes)


@pytest.fixture
def make_project():
    return small_spiral_project


def train_and_record(document, name: str = "", **changes):
    """Train the document's project as it is (with `changes` to its settings) and record the
    run in the document with its weights, as the training controller does."""
    from nnstudio.data.source import prepare_project_data
    from nnstudio.engine.experiments import record_run
    from nnstudio.engine.trainer import fit

    project = document.project
    config = project.training.replace(**changes) if changes else project.training
    result = fit(project.network, prepare_project_data(project), config)
    record = record_run(project, result, name=name, config=config)
    document.add_run(record, result.weights)
    return record, result


@pytest.fixture
def train_run(warm_torch):
    """`train_run(document, name="", **setting_changes)`: a run trained and recorded."""
    return train_and_record


@pytest.fixture
def document_with_runs(qapp, warm_torch):
    """A document with two runs: run_1 (learning rate 0.03) and run_2 (0.3)."""
    from nnstudio.gui.document import ProjectDocument

    document = ProjectDocument(small_spiral_project())
    train_and_record(document)
    train_and_record(document, learning_rate=0.3)
    return document
