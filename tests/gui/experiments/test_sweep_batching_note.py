"""The sweep window says, under its plot, that a size's result depends on the models batched
with it, and how the plot shows the spread over seeds."""

from __future__ import annotations

from nnstudio.engine.sweep import BATCHING_NOTE
from tests.gui.experiments.test_sweep_window import sweep_window

__all__ = ["sweep_window"]  # the fixture, shared with the sweep window's tests


def test_the_note_under_the_plot_says_the_batch_matters_and_how_to_read_the_spread(
        sweep_window):
    window = sweep_window()
    note = window.batching_note
    assert note.isVisible() and note.wordWrap()
    assert note.text().startswith("Dots: each seed; line: their mean; bar: lowest to highest.")
    assert BATCHING_NOTE in note.text()
    assert "which other models share its batch" in note.text()
    # Under the plots, above the findings and the table.
    plot_bottom = window.final_plot.mapTo(window, window.final_plot.rect().bottomLeft()).y()
    note_top = note.mapTo(window, note.rect().topLeft()).y()
    findings_top = window.findings.mapTo(window, window.findings.rect().topLeft()).y()
    assert plot_bottom <= note_top < findings_top
