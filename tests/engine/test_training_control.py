"""TrainingControl's pause hook: what a run has not reported yet can be sent as it pauses."""

from __future__ import annotations

import threading

from nnstudio.engine.callbacks import TrainingControl


def test_on_wait_runs_on_the_training_thread_once_per_pause_before_it_waits():
    control = TrainingControl()
    calls: list[tuple[str, bool]] = []
    control.on_wait = lambda: calls.append((threading.current_thread().name, control.paused))
    assert control.take() == (False, None) and calls == []  # not paused: no wait, no call
    control.pause()
    waiting = threading.Event()
    control.on_wait = lambda: (calls.append((threading.current_thread().name, control.paused)),
                               waiting.set())
    trainer = threading.Thread(target=control.take, name="trainer")
    trainer.start()
    assert waiting.wait(10)
    control.resume()
    trainer.join(10)
    assert calls == [("trainer", True)]
