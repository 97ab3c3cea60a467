"""Engine test helpers: one CPU thread (the machine is shared), small seeded datasets."""

from __future__ import annotations

import pytest
import torch

from nnstudio.core.network import chain
from nnstudio.data.builtin import load_builtin
from nnstudio.data.preprocessing import prepare
from nnstudio.data.split import split_indices


@pytest.fixture(autouse=True, scope="session")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def prepared(key: str, params: dict | None = None, validation: float = 0.2, test: float = 0.2,
             method: str = "standardize", seed: int = 0):
    """A built-in dataset, split and preprocessed as a project would."""
    dataset = load_builtin(key, params, seed=seed)
    split = split_indices(dataset.y, dataset.task, validation, test, seed)
    return prepare(dataset, split, method)


def mlp(inputs: int, hidden: tuple[int, ...], outputs: int, activation: str = "relu",
        output_activation: str = "sigmoid"):
    """A plain stack of Dense layers."""
    layers = [("input", {"shape": (inputs,)})]
    layers += [("dense", {"units": units, "activation": activation}) for units in hidden]
    layers.append(("dense", {"units": outputs, "activation": output_activation}))
    return chain(*layers)


@pytest.fixture(name="make_data")
def make_data_fixture():
    return prepared


@pytest.fixture(name="make_mlp")
def make_mlp_fixture():
    return mlp


@pytest.fixture(scope="session")
def spiral():
    return prepared("spiral")


@pytest.fixture(scope="session")
def digits():
    return prepared("digits", validation=0.1, test=0.2)
