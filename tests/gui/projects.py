"""Small projects the GUI tests train: quick enough for a test, real enough to learn."""

from __future__ import annotations

from nnstudio.core.config import TrainingConfig
from nnstudio.core.network import chain
from nnstudio.core.project import DataConfig, DataSource, Project


def spiral_project(epochs: int = 5, n_samples: int = 200, units: int = 8,
                   **training) -> Project:
    """Input 2 → Dense `units` tanh → Dense 1 sigmoid on a small spiral (about a millisecond
    an epoch), trained on the CPU with `training` over the defaults."""
    network = chain(("input", {"shape": (2,)}),
                    ("dense", {"units": units, "activation": "tanh"}),
                    ("dense", {"units": 1, "activation": "sigmoid"}))
    data = DataConfig(DataSource.builtin("spiral", {"n_samples": n_samples, "noise": 0.1}))
    config = TrainingConfig({"epochs": epochs, "batch_size": 32, "learning_rate": 0.03,
                             "device": "cpu", **training})
    return Project(name="Spiral test", network=network, data=data, training=config)
