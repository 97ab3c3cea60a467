"""The Qt binding survives what the app does all day: queued signals from a worker thread
carrying None/True/False/ints, and processEvents in the GUI thread.

PySide6 6.12.0 on Python 3.11 corrupts the reference counts of None, True and False on signal
emission and processEvents; after about a thousand calls the process dies with
"Fatal Python error: none_dealloc". The check runs in a subprocess so that such a crash fails
this test instead of killing pytest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from PySide6.QtCore import QSettings

SIGNALS = 20_000
PUMPS = 5_000

STRESS = r'''
import json, os, sys
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QEventLoop, QObject, QThread, QTimer, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication

SIGNALS, PUMPS = int(sys.argv[1]), int(sys.argv[2])
VALUES = (None, True, False)


def value(i):
    return VALUES[i % 4] if i % 4 < 3 else i


class Worker(QObject):
    value_emitted = Signal(object)
    flag_emitted = Signal(bool)
    finished = Signal()

    @Slot()
    def run(self):
        for i in range(SIGNALS):
            self.value_emitted.emit(value(i))
            if i % 10 == 0:
                self.flag_emitted.emit(i % 20 == 0)
        self.finished.emit()


class Receiver(QObject):
    def __init__(self):
        super().__init__()
        self.received, self.wrong, self.flags, self.done = 0, 0, 0, False

    @Slot(object)
    def on_value(self, got):
        if got is not value(self.received) and got != value(self.received):
            self.wrong += 1
        self.received += 1

    @Slot(bool)
    def on_flag(self, flag):
        self.flags += 1

    @Slot()
    def on_finished(self):
        self.done = True


refcounts_before = [sys.getrefcount(v) for v in VALUES]
app = QApplication(sys.argv)
thread, worker, receiver = QThread(), Worker(), Receiver()
worker.moveToThread(thread)
queued = Qt.ConnectionType.QueuedConnection
worker.value_emitted.connect(receiver.on_value, queued)
worker.flag_emitted.connect(receiver.on_flag, queued)
worker.finished.connect(receiver.on_finished, queued)
thread.started.connect(worker.run)
thread.start()
for _ in range(PUMPS):
    app.processEvents()
# Then wait in an event loop (not a polling loop) for the rest; signals from one thread to one
# receiver arrive in order, so `finished` comes after every value.
loop = QEventLoop()
worker.finished.connect(loop.quit, queued)
QTimer.singleShot(120_000, loop.quit)
if not receiver.done:
    loop.exec()
app.processEvents()
thread.quit()
thread.wait()
refcounts_after = [sys.getrefcount(v) for v in VALUES]
print(json.dumps({"received": receiver.received, "wrong": receiver.wrong, "flags": receiver.flags,
                  "done": receiver.done, "before": refcounts_before, "after": refcounts_after}))
'''


def test_twenty_thousand_queued_signals_and_five_thousand_process_events_do_not_crash():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", STRESS, str(SIGNALS), str(PUMPS)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, (
        f"the Qt stress script died with exit code {done.returncode} "
        f"(PySide6 {metadata.version('PySide6-Essentials')}):\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["done"] and result["received"] == SIGNALS and result["wrong"] == 0
    assert result["flags"] == SIGNALS // 10
    if sys.version_info < (3, 12):  # from 3.12 on None/True/False are immortal
        # A binding that drops a reference per signal would lose thousands here.
        for before, after in zip(result["before"], result["after"]):
            assert after > before - 1000, result


def test_the_dependency_on_pyside6_excludes_the_broken_release_on_python_3_11():
    requirements = [Requirement(r) for r in metadata.requires("nnstudio") or []]
    qt = [r for r in requirements if r.name.lower().replace("_", "-") == "pyside6-essentials"
          and (r.marker is None or r.marker.evaluate({"python_version": "3.11", "extra": ""}))]
    assert qt, "nnstudio must depend on PySide6-Essentials (not the 670 MB PySide6 meta-package)"
    assert all(not r.specifier.contains("6.12.0") for r in qt)
    assert all(r.specifier.contains("6.11.3") for r in qt)
    assert not [r for r in requirements if r.name.lower() == "pyside6"]


def test_settings_written_during_a_test_land_in_its_temporary_folder(isolated_user_folders: Path):
    settings = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "NNStudio", "NNStudio")
    settings.setValue("probe", 1)
    settings.sync()
    assert Path(settings.fileName()).is_relative_to(isolated_user_folders)
    assert Path(os.environ["XDG_CONFIG_HOME"]).is_relative_to(isolated_user_folders)
    assert Path(os.environ["XDG_CACHE_HOME"]).is_relative_to(isolated_user_folders)
