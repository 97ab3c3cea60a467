"""`nnstudio --self-test`: each step passes on a working app, and each kind of breakage fails it
with one line naming the step."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QMainWindow

from nnstudio.core.errors import TrainingError
from nnstudio.core.examples import example_project
from nnstudio.gui import self_test
from nnstudio.gui.document import ProjectDocument

SMALL_EXAMPLE = "seed_article"  # a two-layer network on 1000 points: trains in milliseconds


class StandInWindow(QMainWindow):
    """What the self-test needs of the main window: showing itself and its `document`."""

    def __init__(self):
        super().__init__()
        self.document = ProjectDocument(parent=self)


@pytest.fixture
def window(qtbot, warm_torch):
    window = StandInWindow()
    qtbot.addWidget(window)
    return window


def run_collecting(window, example=SMALL_EXAMPLE):
    lines: list[str] = []
    status = self_test.run(window, example=example, out=lines.append)
    return status, lines


def test_self_test_passes_every_step_on_the_bundled_cnn_example_and_shows_the_window(window):
    status, lines = run_collecting(window, example=self_test.EXAMPLE)

    assert status == 0, lines
    assert [line.split(": ok")[0] for line in lines[:-1]] == [
        "self-test: window opens", "self-test: example loads", "self-test: one epoch trains",
        "self-test: model exports to ONNX and TorchScript", "self-test: project saves",
        "self-test: project reopens",
        "self-test: reopened network and weights equal the saved ones"]
    assert lines[-1].startswith("self-test passed in ")
    assert window.isVisible()
    assert "digits_cnn.nnstudio" in lines[1]  # the examples/ file, not the in-code copy
    # The window's document holds the reopened, trained project.
    assert window.document.project.name == example_project(self_test.EXAMPLE).name
    assert window.document.weights and not window.document.is_dirty


def test_self_test_prints_each_step_to_stdout_by_default(window, capsys):
    assert self_test.run(window, example=SMALL_EXAMPLE) == 0

    captured = capsys.readouterr()
    assert captured.out.count("self-test: ") == 7 and "self-test passed" in captured.out
    assert captured.err == ""


def test_self_test_fails_in_one_line_when_the_reopened_weights_differ(window, monkeypatch):
    honest_open = window.document.open

    def open_and_corrupt(path):
        message = honest_open(path)
        if window.document.weights:
            key = sorted(window.document.weights)[0]
            window.document.weights[key] = window.document.weights[key] + np.float32(1e-3)
        return message

    monkeypatch.setattr(window.document, "open", open_and_corrupt)
    status, lines = run_collecting(window)

    assert status == 1
    assert lines[-1] == ("self-test failed: reopened network and weights equal the saved ones: "
                         "dense_1.bias: the reopened values differ from the saved ones")
    assert "\n" not in lines[-1]


def test_self_test_fails_when_the_reopened_network_lost_a_layer(window, monkeypatch):
    honest_open = window.document.open

    def open_and_drop_a_node(path):
        message = honest_open(path)
        network = window.document.network
        network.set_nodes(network.nodes[:-1])
        return message

    monkeypatch.setattr(window.document, "open", open_and_drop_a_node)
    status, lines = run_collecting(window)

    assert status == 1
    assert lines[-1].endswith("the reopened network differs from the saved one")


def test_self_test_reports_the_save_error_message_and_stops_there(window, monkeypatch):
    monkeypatch.setattr(window.document, "save", lambda path=None: "disk full: nothing written")
    status, lines = run_collecting(window)

    assert status == 1
    assert lines[-1] == "self-test failed: project saves: disk full: nothing written"
    assert not any("project reopens" in line for line in lines)


def test_self_test_turns_a_training_error_into_its_failure_line(window, monkeypatch, capsys):
    def failing_fit(*args, **kwargs):
        raise TrainingError("epoch 1, batch 3: the loss became NaN;\nlower the learning rate")

    monkeypatch.setattr("nnstudio.engine.trainer.fit", failing_fit)
    assert self_test.run(window, example=SMALL_EXAMPLE) == 1

    captured = capsys.readouterr()
    assert captured.err == ("self-test failed: one epoch trains: TrainingError: epoch 1, batch 3: "
                            "the loss became NaN; lower the learning rate\n")
    assert "one epoch trains: ok" not in captured.out


def test_self_test_fails_when_the_install_lacks_the_example_file(window, monkeypatch, tmp_path):
    monkeypatch.setattr(self_test, "examples_dir", lambda: tmp_path)

    status, lines = run_collecting(window)

    assert status == 1
    assert lines[-1] == (f"self-test failed: example loads: {tmp_path / SMALL_EXAMPLE}.nnstudio: "
                         "the example project is missing from this install")


def test_self_test_fails_when_the_window_has_no_project_document(qtbot):
    bare = QMainWindow()
    qtbot.addWidget(bare)
    lines: list[str] = []

    assert self_test.run(bare, out=lines.append) == 1
    assert lines == ["self-test failed: window opens: the main window has no project "
                         "document"]


def test_nnstudio_self_test_runs_against_the_real_main_window_and_exits_zero(qapp, warm_torch,
                                                                             capsys, monkeypatch):
    import threading

    from nnstudio.cli import main
    from nnstudio.gui import app

    # run_app plans a torch warm-up that --self-test never starts: keep that flag to this test.
    monkeypatch.setattr(app, "_warm_up_planned", threading.Event())
    status = main(["--self-test"])

    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "self-test: window opens: ok" in captured.out
    assert captured.out.rstrip().splitlines()[-1].startswith("self-test passed in ")
    for widget in qapp.topLevelWidgets():  # the window run_app made stays open: close it
        # Only the window: other top-level widgets include pyqtgraph's plot menus, which its
        # plots delete themselves; deleting them first made the window's deletion segfault.
        if isinstance(widget, QMainWindow):
            widget.close()
            widget.deleteLater()
