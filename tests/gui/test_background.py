"""The one background-task pattern: work runs on its own thread, reports progress, stops when
asked through its thread-safe flag, and whatever a finished or abandoned run still had queued
never arrives."""

from __future__ import annotations

import threading
import time

from nnstudio.gui.background import BackgroundTask


def test_work_runs_off_the_gui_thread_and_its_result_arrives(qtbot):
    task = BackgroundTask("test")
    seen = []

    def work(report, control):
        seen.append(threading.current_thread() is threading.main_thread())
        report("half", force=True)
        return 42

    progress = []
    task.progressed.connect(progress.append)
    with qtbot.waitSignal(task.succeeded, timeout=5000) as done:
        assert task.start(work)
    assert done.args == [42] and progress == ["half"] and seen == [False]
    assert not task.is_running


def test_cancel_stops_a_long_loop_between_steps_and_keeps_its_partial_result(qtbot):
    task = BackgroundTask("test")
    steps = []

    def work(report, control):
        while not control.stop_requested:
            steps.append(1)
            time.sleep(0.002)
        return len(steps)

    task.start(work)
    qtbot.waitUntil(lambda: len(steps) > 3, timeout=5000)
    assert task.finish_now() >= 4  # stopped, waited for, and its result handed back
    assert not task.is_running


def test_a_second_start_waits_for_the_first_and_an_error_becomes_a_message(qtbot):
    task = BackgroundTask("test")
    release = threading.Event()
    task.start(lambda report, control: release.wait(5))
    assert not task.start(lambda report, control: None)  # one at a time
    release.set()
    qtbot.waitUntil(lambda: not task.is_running, timeout=5000)

    def broken(report, control):
        raise RuntimeError("disk on fire")

    with qtbot.waitSignal(task.failed, timeout=5000) as failed:
        task.start(broken)
    assert "RuntimeError: disk on fire" in failed.args[0]


def test_what_an_abandoned_run_still_sends_is_dropped(qtbot):
    task = BackgroundTask("test")
    gate = threading.Event()

    def work(report, control):
        gate.wait(5)
        report("late", force=True)
        return "late result"

    received = []
    task.progressed.connect(received.append)
    task.succeeded.connect(received.append)
    task.start(work)
    gate.set()
    task.finish_now()  # the run's report and result are queued, then abandoned
    qtbot.wait(100)
    assert received == []
