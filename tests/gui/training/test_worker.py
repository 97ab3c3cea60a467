"""The worker's relay: snapshots gathered and sent at most ~20 times a second, batch reports
sized to the epoch, and messages for errors nobody foresaw."""

from __future__ import annotations

from types import SimpleNamespace

from nnstudio.gui.training.worker import (
    SnapshotRelay, batch_interval_for, history_length, unexpected_message,
)


class Clock:
    """Whole ticks, so no float rounding decides a test (the relay's interval: 40 ticks)."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def relay_with(clock):
    sent = {"start": [], "epochs": [], "batch": []}
    relay = SnapshotRelay(sent["start"].append, sent["epochs"].append, sent["batch"].append,
                          batch_interval=4, interval=40, clock=clock)
    return relay, sent


def test_fast_epochs_are_gathered_and_sent_together_at_most_every_interval():
    clock = Clock()
    relay, sent = relay_with(clock)
    relay.on_train_start("info")
    for epoch in range(1, 101):  # an epoch every tick
        clock.now += 1
        relay.on_epoch_end(SimpleNamespace(epoch=epoch))
    relay.on_train_end(None)
    assert sent["start"] == ["info"]
    assert [len(batch) for batch in sent["epochs"]] == [40, 40, 20]  # the end sends the rest
    epochs = [s.epoch for batch in sent["epochs"] for s in batch]
    assert epochs == list(range(1, 101))


def test_slow_epochs_are_each_sent_at_once():
    clock = Clock()
    relay, sent = relay_with(clock)
    relay.on_train_start("info")
    for epoch in range(1, 4):
        clock.now += 100
        relay.on_epoch_end(SimpleNamespace(epoch=epoch))
    assert [[s.epoch for s in batch] for batch in sent["epochs"]] == [[1], [2], [3]]


def test_batch_reports_are_throttled_and_flush_epochs_that_waited():
    clock = Clock()
    relay, sent = relay_with(clock)
    relay.on_train_start("info")
    clock.now += 10
    relay.on_epoch_end(SimpleNamespace(epoch=1))  # too soon to send alone
    for batch in range(10):
        clock.now += 20
        relay.on_batch_end(SimpleNamespace(batch=batch))
    assert [s.epoch for s in sent["epochs"][0]] == [1]
    assert len(sent["batch"]) == 5  # at ticks 50, 90, 130, 170, 210


def test_an_exception_still_sends_the_epochs_that_waited():
    clock = Clock()
    relay, sent = relay_with(clock)
    relay.on_train_start("info")
    relay.on_epoch_end(SimpleNamespace(epoch=1))
    relay.on_exception(RuntimeError("boom"))
    assert [s.epoch for batch in sent["epochs"] for s in batch] == [1]


def test_batch_reports_are_asked_for_only_when_an_epoch_has_many_batches():
    assert batch_interval_for(300, 32) == 0  # 10 batches: epoch snapshots are enough
    assert batch_interval_for(1078, 32) == 4  # 34 batches: about eight reports an epoch
    assert batch_interval_for(100_000, 32) == 64
    assert batch_interval_for(40, 0) == 5


def test_an_unforeseen_error_is_named_and_says_the_work_is_kept():
    message = unexpected_message(RuntimeError("mat1 and mat2 shapes cannot be multiplied\nmore"))
    assert "RuntimeError: mat1 and mat2 shapes cannot be multiplied" in message
    assert "more" not in message and "kept" in message
    assert "ran out of memory" in unexpected_message(MemoryError())


def test_history_length_is_the_longest_column():
    assert history_length({}) == 0
    assert history_length({"loss": [1, 2, 3], "lr": [1]}) == 3
