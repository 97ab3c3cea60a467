"""The built-in lessons send a learner to panels by the titles the window shows."""

from __future__ import annotations

import re

from nnstudio.core.lessons import builtin_lessons
from nnstudio.gui.panels.table import PANELS

# "(Training Settings: L2 penalty, …)" or "(Metrics)": a panel named in parentheses.
NAMED_IN_PARENTHESES = re.compile(r"\(([A-Z][a-z]+(?: [A-Z][a-z]+)*)[:)]")


def test_a_panel_named_in_a_lesson_step_is_one_the_window_has():
    titles = {entry.title for entry in PANELS}
    named = {(lesson.id, name) for lesson in builtin_lessons() for step in lesson.steps
             for name in NAMED_IN_PARENTHESES.findall(step.text)}
    assert named, "the pattern finds the panels the lessons name"
    assert {(lesson_id, name) for lesson_id, name in named if name not in titles} == set()
