"""Experiment-window helpers: a small spiral project, and documents with recorded runs."""

from __future__ import annotations

import pytest

from nnstudio.core.config import TrainingConfig
from nnstudio.core.network import chain
from nnstudio.core.project import DataConfig, DataSource, Project

def spiral_project(epochs: int = 3, n_samples: int = 120, units: int = 8, **training) -> Project:
    """Input 2 → Dense `units` tanh → Dense 1 sigmoid on a small spiral."""
    network = chain(("input", {"shape": (2,)}),
                    ("dense", {"units": units, "activation": "tanh"}),
                    ("dense", {"units": 1, "activation": "sigmoid"}))
    data = DataConfig(DataSource.builtin("spiral", {"n_samples": n_samples, "noise": 0.1}))
    config = TrainingConfig({"epochs": epochs, "batch_size": 32, "learning_rate": 0.03,
                             "device": "cpu", **training})
    return Project(name="Spiral test", network=network, data=data, training=config)


@pytest.fixture
def make_project():
    return spiral_project


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

    document = ProjectDocument(spiral_project())
    train_and_record(document)
    train_and_record(document, learning_rate=0.3)
    return document
