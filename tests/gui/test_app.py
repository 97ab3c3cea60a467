"""Starting the app: arguments, --screenshot, a project that fails to load, and torch warmed
only after the window shows."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QMessageBox

from nnstudio.core.examples import example_project
from nnstudio.core.project import save_project
from nnstudio.gui import app as app_module
from nnstudio.gui.app import run_app


@pytest.fixture(autouse=True)
def own_warm_up_flag(monkeypatch):
    """run_app plans a torch warm-up these tests replace or skip: keep the flag to each test,
    or later tests would wait for a warm-up that never comes."""
    monkeypatch.setattr(app_module, "_warm_up_planned", threading.Event())


def test_screenshot_renders_the_window_to_a_png_and_exits_0(qapp, tmp_path):
    target = tmp_path / "shots" / "editor.png"
    assert run_app(["--screenshot", str(target)]) == 0
    image = QImage(str(target))
    assert (image.width(), image.height()) == app_module.SCREENSHOT_SIZE
    colours = {image.pixel(x, y) for x in range(0, image.width(), 5)
               for y in range(0, image.height(), 5)}
    assert len(colours) > 50  # text, icons and nodes: not a blank window


def test_screenshot_of_a_project_shows_that_project(qapp, tmp_path, monkeypatch):
    path = tmp_path / "cnn.nnstudio"
    save_project(path, example_project("digits_cnn"))
    windows = []
    original = app_module.save_screenshot
    monkeypatch.setattr(app_module, "save_screenshot",
                        lambda window, png: windows.append(window) or original(window, png))
    assert run_app([str(path), "--screenshot", str(tmp_path / "cnn.png")]) == 0
    assert "conv2d_1" in windows[0].canvas.canvas.node_items


def test_screenshot_of_a_broken_project_says_why_and_exits_2(qapp, tmp_path, capsys):
    path = tmp_path / "broken.nnstudio"
    path.write_text("[]")
    assert run_app([str(path), "--screenshot", str(tmp_path / "x.png")]) == 2
    assert "broken.nnstudio: not an NN Studio project" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("name", ["broken.nnstudio", "broken.nnlesson"])
def test_an_unreadable_file_with_screenshot_exits_2_with_no_thread_left_running(tmp_path, name):
    path = tmp_path / name
    path.write_text("not json {")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-m", "nnstudio", str(path), "--screenshot",
                             str(tmp_path / "x.png")], capture_output=True, text=True,
                            timeout=120, env=env)
    assert result.returncode == 2, result.stderr
    assert name in result.stderr
    assert "QThread" not in result.stderr


def test_help_and_bad_arguments_exit_without_a_window(qapp, capsys):
    from nnstudio.commands import SUBCOMMANDS

    assert run_app(["--help"]) == 0
    out = capsys.readouterr().out
    assert "--screenshot" in out
    assert "{" + ",".join(SUBCOMMANDS) + "}" in out.replace("\n", "").replace(" ", "")
    assert run_app(["--no-such-option"]) == 2


def test_the_window_shows_before_torch_is_warmed_and_a_bad_project_gets_a_dialog(
        qapp, tmp_path, monkeypatch, qtbot):
    bad = tmp_path / "bad.nnstudio"
    bad.write_text("{")
    events = []

    def fake_warm():
        shown = [w for w in QApplication.topLevelWidgets()
                 if w.objectName() == "main_window" and w.isVisible()]
        events.append(("warm", len(shown) == 1))

    def answer_and_close():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            events.append(("dialog", box.text()))
            box.button(QMessageBox.StandardButton.Ok).click()
            close_once_warmed(attempts=250)
        else:
            qtbot_timer(answer_and_close)

    def close_once_warmed(attempts):
        # The warm-up starts after the window's first paint; give up after ~5 s.
        if attempts and not any(kind == "warm" for kind, _ in events):
            qtbot_timer(lambda: close_once_warmed(attempts - 1))
            return
        for window in QApplication.topLevelWidgets():
            if window.objectName() == "main_window":
                window.close()

    def qtbot_timer(callback):
        from PySide6.QtCore import QTimer
        QTimer.singleShot(20, callback)

    monkeypatch.setattr(app_module, "warm_torch_in_background", fake_warm)
    qtbot_timer(answer_and_close)
    assert run_app([str(bad)]) == 0
    assert ("warm", True) in events
    dialog = next(text for kind, text in events if kind == "dialog")
    assert dialog.startswith("bad.nnstudio: line 1")


def test_the_window_paints_before_torch_is_imported():
    code = "import sys; from nnstudio.gui.app import run_app; sys.exit(run_app([]))"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "NNSTUDIO_STARTUP_PROBE": "1"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    shown = [line for line in result.stdout.splitlines() if line.startswith("NNSTUDIO_SHOWN")]
    assert shown and shown[0].endswith("torch_imported=False")


QUIT_WHILE_TORCH_IMPORTS = """
import sys, threading, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from nnstudio.gui import app

def slow_import():  # torch still importing when the person quits
    time.sleep(1.5)
    app.torch_ready.set()

def quit_once_warming():
    if any(t.name == app.WARM_UP_THREAD for t in threading.enumerate()):
        QApplication.quit()  # a quit that closes no window (the session ends, the probe)
    else:
        QTimer.singleShot(10, quit_once_warming)

app._warm_torch = slow_import
QTimer.singleShot(0, quit_once_warming)
status = app.run_app([])
print("warm-up alive:", any(t.name == app.WARM_UP_THREAD for t in threading.enumerate()))
sys.exit(status)
"""


def test_quitting_while_torch_warms_up_waits_for_it_and_leaves_no_thread_running():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", QUIT_WHILE_TORCH_IMPORTS],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert "warm-up alive: False" in result.stdout
    assert "QThread" not in result.stderr


def test_the_dark_theme_gives_a_dark_palette_and_the_light_one_a_light_palette(qapp, monkeypatch):
    from nnstudio.gui.theme import apply_theme, is_dark

    original = qapp.palette()
    try:
        monkeypatch.setenv("NNSTUDIO_THEME", "dark")
        apply_theme(qapp)
        assert is_dark(qapp.palette()) and qapp.style().name().lower() == "fusion"
        monkeypatch.setenv("NNSTUDIO_THEME", "light")
        apply_theme(qapp)
        assert not is_dark(qapp.palette())
    finally:
        qapp.setPalette(original)
