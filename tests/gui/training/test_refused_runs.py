"""The window refuses what it cannot train with the same line as the CLI, and trains nothing:
a network with nothing to train, one above the memory limit, one whose Input does not fit."""

from __future__ import annotations

import pytest

from nnstudio.core.model_size import MEMORY_LIMIT_ENV
from nnstudio.core.network import chain

WAIT = 20_000  # ms


def refusal_shown(qtbot, click, window, monkeypatch) -> tuple[str, str]:
    shown = []
    monkeypatch.setattr(window, "show_error", lambda title, message: shown.append((title,
                                                                                  message)))
    with qtbot.waitSignal(window.training.controller.run_finished, timeout=WAIT):
        click(window, window.training.train_action)
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    assert window.document.project.runs == [] and window.document.weights is None
    assert window.training.train_action.isEnabled()
    return shown[0]


@pytest.mark.parametrize("network, words", [
    (chain(("input", {"shape": (2,)})),
     "network: has nothing to train (no layer with weights); add a layer with weights, e.g. a "
     "Dense layer after the Input"),
    (chain(("input", {"shape": (2,)}), ("relu", {})), "network: has nothing to train"),
    (chain(("input", {"shape": (1_000_000,)}), ("dense", {"units": 4096})),
     "input_1: expects samples shaped [1000000], but the data"),
])
def test_clicking_train_on_a_network_it_cannot_train_says_why(
        qtbot, click, train_window, make_project, monkeypatch, network, words):
    project = make_project()
    project.network = network
    window = train_window(project)
    title, message = refusal_shown(qtbot, click, window, monkeypatch)
    assert title == "Training could not start" and words in message


def test_clicking_train_above_the_memory_limit_names_the_limit(
        qtbot, click, train_window, make_project, monkeypatch):
    window = train_window(make_project())
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "1KB")
    title, message = refusal_shown(qtbot, click, window, monkeypatch)
    assert title == "Training could not start"
    assert message.startswith("network: training it in batches of")
    assert "more than the limit of 1 KB" in message and MEMORY_LIMIT_ENV in message
