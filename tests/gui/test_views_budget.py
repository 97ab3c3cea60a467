"""The views' one CPU budget: while a run streams live weights, what the views spent is paid
off from the CPU time the process gets (on a busy machine that is a fraction of the wall time),
and a throttled view waits for that shared debt as the live model's refreshes do. Without a
run streaming, the views compete with nothing and do not wait."""

from __future__ import annotations

import time

import pytest

from nnstudio.gui.live_model import MAX_BUSY_SHARE, MAX_WAIT_S, TRAINED, LiveModel
from nnstudio.gui.panels.throttle import ThrottledLivePanel
from tests.gui.test_live_model import document, shown_panel, weights  # noqa: F401

pytestmark = pytest.mark.usefixtures("warm_torch")


def spend_cpu(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def streaming_model(qtbot, document) -> LiveModel:
    live = LiveModel(document)
    shown_panel(qtbot, live)
    live.offer_weights(weights(document.network, 3))  # a running training's weights
    qtbot.waitUntil(lambda: live.streaming and not live.pending, timeout=5000)
    return live


class Throttled(ThrottledLivePanel):
    def update_view(self) -> None:
        pass


def shown_throttled_panel(qtbot, document) -> tuple[LiveModel, Throttled]:
    """A streaming live model and a throttled view of it, shown and drawn once."""
    live = streaming_model(qtbot, document)
    panel = Throttled(live)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.redraws > 0, timeout=3000)
    return live, panel


def test_while_a_run_streams_an_idle_process_pays_nothing_off(qtbot, document):
    live = streaming_model(qtbot, document)
    live._debt = 0.0
    live.note_cost(0.03)
    time.sleep(0.4)  # wall time passes, the process gets no CPU: the training got none either
    assert live.debt > 0.03 - 0.4 * MAX_BUSY_SHARE / 2
    spend_cpu(0.4)  # the process runs: the share of its CPU time pays the debt off
    assert live.debt < 0.03 - 0.4 * MAX_BUSY_SHARE / 2


def test_a_paused_run_no_longer_streams_and_the_views_do_not_wait(qtbot, document,
                                                                    monkeypatch):
    from nnstudio.gui import live_model

    live = streaming_model(qtbot, document)
    live.note_cost(0.03)
    assert live.wait_ms() > 0
    monkeypatch.setattr(live_model, "STREAM_GAP_S", 0.2)
    time.sleep(0.3)  # no live weights since: the run is paused
    assert not live.streaming
    assert live.wait_ms() == 0
    live.note_cost(0.03)
    assert live.debt == 0
    live.offer_weights(weights(document.network, 5))  # Step: weights come again
    assert live.streaming and live.debt == 0  # what was spent while paused is not owed
    live.note_cost(0.03)
    assert live.debt == pytest.approx(0.03, abs=0.002)


def test_once_the_run_ends_its_trained_weights_are_drawn_at_once(qtbot, document):
    live = streaming_model(qtbot, document)
    live.note_cost(0.1)  # the views spent a lot while the run streamed
    assert live.wait_ms() > 1000
    document.set_weights(weights(document.network, 4))  # the run ended: trained weights
    assert not live.streaming and live.wait_ms() == 0
    assert live._timer.interval() <= live._interval_ms
    qtbot.waitUntil(lambda: live.weights_state == TRAINED and not live.pending, timeout=1000)


def test_what_the_views_spent_before_a_run_does_not_hold_its_pictures_back(qtbot, document):
    live = LiveModel(document)
    shown_panel(qtbot, live)
    live.round_cost = 0.01  # what the last whole refresh cost, its painting included
    live.note_cost(0.5)  # e.g. the drawing after the previous run, or a new network's
    live.offer_weights(weights(document.network, 3))  # a run begins
    assert live.debt == pytest.approx(0.01, abs=0.002)  # its first picture only


def test_a_throttled_view_waits_for_the_views_shared_debt(qtbot, document):
    live, panel = shown_throttled_panel(qtbot, document)
    panel._last_redraw = time.monotonic() - panel.throttle_ms / 1000  # its own interval passed
    live._debt = 0.0
    live.note_cost(0.03)  # another view's redraw
    before = panel.redraws
    panel.request_redraw(throttled=True)
    assert panel.redraws == before and panel._later.isActive()
    assert panel._later.interval() >= 0.9 * 0.03 / MAX_BUSY_SHARE * 1000
    qtbot.waitUntil(lambda: panel.redraws > before, timeout=5000)
    panel.request_redraw(throttled=False)  # anything but live weights: at once, debt or not
    assert panel.redraws == before + 2


def test_however_deep_the_debt_a_throttled_view_draws_at_least_every_two_seconds(qtbot,
                                                                                 document):
    live, panel = shown_throttled_panel(qtbot, document)
    live.note_cost(10.0)  # far more than a run's share pays off in minutes
    assert live.debt > 9.0  # all of it is owed, none forgiven
    panel._last_redraw = time.monotonic() - MAX_WAIT_S + 0.5
    before = panel.redraws
    panel.request_redraw(throttled=True)
    assert panel.redraws == before and panel._later.interval() <= 600
    panel._last_redraw = time.monotonic() - MAX_WAIT_S
    panel.request_redraw(throttled=True)
    assert panel.redraws == before + 1


def test_a_runs_first_picture_is_paid_for_in_advance(qtbot, document):
    live = LiveModel(document)
    shown_panel(qtbot, live)
    live.round_cost = 0.03  # what the last whole refresh cost, its painting included
    live._debt = 0.0
    live.offer_weights(weights(document.network, 3))  # a run begins
    assert live.debt > 0.02 and live._timer.isActive()
    assert live._timer.interval() >= 0.9 * 0.02 / MAX_BUSY_SHARE * 1000
    qtbot.waitUntil(lambda: live.streaming and not live.pending, timeout=5000)
    live._debt = 0.0
    live.offer_weights(weights(document.network, 4))  # the same run's next weights: no charge
    assert live.debt < 0.001
