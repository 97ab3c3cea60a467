"""The emergence lab's examples in the whole window: every panel shows them, before and after a
short training run, without an error (the mirage's sums have a class per digit)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from nnstudio.core.examples import example_project
from nnstudio.core.project import save_project

from .test_composition import panel_entries, settle


@pytest.mark.parametrize("key", ["mirage", "double_descent"])
def test_every_panel_shows_the_example_before_and_after_training(composed_window, qtbot,
                                                                  tmp_path, key):
    import dataclasses

    project = example_project(key)
    project = dataclasses.replace(project, training=project.training.replace(epochs=2))
    path = tmp_path / f"{key}.nnstudio"
    save_project(path, project)
    window = composed_window(size=(1400, 900))
    assert window.open_path(path, ask=False)
    for entry in panel_entries():
        settle(qtbot, window, entry)
    controller = window.services.controller
    with qtbot.waitSignal(controller.run_finished, timeout=120_000):
        controller.train()
    for entry in panel_entries():
        settle(qtbot, window, entry)
    QApplication.processEvents()
    run = window.services.document.project.runs[-1]
    assert len(run.history["loss"]) == 2
    if key == "mirage":
        assert "val_exact_match" in run.history
