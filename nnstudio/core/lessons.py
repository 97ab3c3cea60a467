"""Lessons: a starting project, steps to read and try, and goals the app checks.

A lesson file (`.nnlesson`) is JSON, no code:

    {"format": "nnstudio-lesson", "format_version": 1, "id": "overfitting",
     "title": "...", "summary": "...",
     "project": { ...a project document, as in a .nnstudio file (no weights)... },
     "steps": [{"text": "...", "highlight": "metrics",
                "goal": {"conditions": [{"kind": "metric", "metric": "val_accuracy",
                                          "op": ">=", "value": 0.9}],
                         "why": "..."}}]}

A goal holds all of its conditions at once. Conditions come from one fixed vocabulary
(`CONDITION_KINDS`). Conditions about a run (metrics, loss within N epochs) are checked on the
project's latest run; when a goal has such a condition, its other conditions (parameters, layers,
settings) are checked on that same run's network and settings, so a goal is never met by a
network that did not produce the numbers. A goal with no run condition reads the project's
current network and settings.

A step's `highlight` is a panel's key ("metrics"), `node:<id>` (a layer of the lesson's
project) or `setting:<name>` (a training setting). The lesson editor (teacher mode) builds its
goal form from `condition_fields`, which reads the same table the checks and the validator use.
"""

from __future__ import annotations

import json
import math
import operator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from nnstudio.core.activations import ACTIVATIONS
from nnstudio.core.config import TRAINING_SCHEMA, TrainingConfig
from nnstudio.core.errors import ProjectError
from nnstudio.core.layers import LAYER_TYPES
from nnstudio.core.metrics import METRICS, metric_row
from nnstudio.core.network import Network
from nnstudio.core.params import BOOL, CHOICE
from nnstudio.core.project import Project, _write_atomic, load_project_bytes
from nnstudio.core.shapes import infer_shapes

LESSON_FORMAT = "nnstudio-lesson"
LESSON_VERSION = 1
LESSON_SUFFIX = ".nnlesson"
MAX_LESSON_BYTES = 2_000_000
MAX_TEXT = 2000
MAX_STEPS = 50
MAX_CONDITIONS = 8
NODE_HIGHLIGHT = "node:"
SETTING_HIGHLIGHT = "setting:"

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt,
    "==": operator.eq,
}


class LessonError(ProjectError):
    """A lesson file that cannot be used: names the file and the field."""


# ---- the goal vocabulary ------------------------------------------------------------------------

@dataclass(frozen=True)
class Condition:
    """One checkable statement, e.g. metric val_accuracy >= 0.9.

    `kind` is a key of CONDITION_KINDS; `subject` is what it is about (a metric name, a second
    metric for a gap, a setting name, a layer type, an activation); `extra` the second subject
    (the subtracted metric; the epoch limit of loss_within).
    """

    kind: str
    op: str
    value: Any
    subject: str = ""
    extra: Any = None

    def describe(self) -> str:
        return CONDITION_KINDS[self.kind].describe(self)

    def to_dict(self) -> dict[str, Any]:
        return CONDITION_KINDS[self.kind].to_dict(self)


@dataclass(frozen=True)
class ConditionResult:
    condition: Condition
    met: bool
    actual: str  # what was found, in words: "val_accuracy 0.843", "no run yet"


@dataclass(frozen=True)
class Situation:
    """What a goal is checked against: a run's numbers (or none) and a network with settings."""

    metrics: Mapping[str, float] | None
    loss_history: list[float] | None
    network: Network
    training: TrainingConfig


@dataclass(frozen=True)
class ConditionKind:
    """One word of the goal vocabulary: its fields, how it reads, how it is checked."""

    key: str
    label: str
    subject_field: str | None  # the file's name for Condition.subject, if the kind has one
    extra_field: str | None
    needs_run: bool
    check: Callable[[Condition, Situation], tuple[bool, str]]
    describe: Callable[[Condition], str]

    def to_dict(self, condition: Condition) -> dict[str, Any]:
        fields: dict[str, Any] = {"kind": self.key, "op": condition.op, "value": condition.value}
        if self.subject_field:
            fields[self.subject_field] = condition.subject
        if self.extra_field:
            fields[self.extra_field] = condition.extra
        return fields


def _number_text(value: float) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _compare(actual: float, condition: Condition) -> bool:
    return math.isfinite(actual) and OPERATORS[condition.op](actual, condition.value)


def _check_metric(condition: Condition, situation: Situation) -> tuple[bool, str]:
    if situation.metrics is None:
        return False, "no run yet"
    value = situation.metrics.get(condition.subject)
    if value is None:
        return False, f"the latest run has no {condition.subject}"
    return _compare(value, condition), f"{condition.subject} {_number_text(value)}"


def _check_gap(condition: Condition, situation: Situation) -> tuple[bool, str]:
    if situation.metrics is None:
        return False, "no run yet"
    first = situation.metrics.get(condition.subject)
    second = situation.metrics.get(condition.extra)
    if first is None or second is None:
        missing = condition.subject if first is None else condition.extra
        return False, f"the latest run has no {missing}"
    gap = first - second
    return _compare(gap, condition), f"{condition.subject} − {condition.extra} = {gap:.3g}"


def _check_parameters(condition: Condition, situation: Situation) -> tuple[bool, str]:
    report = infer_shapes(situation.network)
    if not report.ok:
        return False, "the network has shape errors"
    count = report.total_params
    return _compare(count, condition), f"{count} parameters"


def _hidden_dense(network: Network) -> list:
    """Dense layers that feed another layer (not the output)."""
    output = network.output_node()
    return [node for node in network.nodes
            if node.type == "dense" and (output is None or node.id != output.id)]


def _check_hidden_units(condition: Condition, situation: Situation) -> tuple[bool, str]:
    sizes = [node.params.get("units", 0) for node in _hidden_dense(situation.network)]
    met = any(_compare(size, condition) for size in sizes)
    return met, ("hidden layers of " + ", ".join(map(str, sizes)) + " units") if sizes \
        else "no hidden layer"


def _matches_layer(node, condition: Condition) -> bool:
    """A layer of the condition's type, with its activation if `extra` names one."""
    if node.type != condition.subject:
        return False
    return condition.extra in (None, "") or node.params.get("activation") == condition.extra


def _check_layer_count(condition: Condition, situation: Situation) -> tuple[bool, str]:
    count = sum(_matches_layer(node, condition) for node in situation.network.nodes)
    return _compare(count, condition), f"{count} {_layer_words(condition)} layers"


def _check_setting(condition: Condition, situation: Situation) -> tuple[bool, str]:
    value = getattr(situation.training, condition.subject)
    if isinstance(condition.value, str) or isinstance(value, (str, bool)):
        met = condition.op == "==" and value == condition.value
    else:
        met = _compare(float(value), condition)
    return met, f"{condition.subject} {value}"


def _check_loss_within(condition: Condition, situation: Situation) -> tuple[bool, str]:
    if situation.loss_history is None:
        return False, "no run yet"
    window = [v for v in situation.loss_history[:condition.extra] if math.isfinite(v)]
    if not window:
        return False, "the latest run has no loss"
    best = min(window)
    return _compare(best, condition), \
        f"lowest loss {best:.3g} in the first {min(len(situation.loss_history), condition.extra)} epochs"


def _layer_words(condition: Condition) -> str:
    return f"{condition.extra} {condition.subject}" if condition.extra else condition.subject


CONDITION_KINDS: dict[str, ConditionKind] = {kind.key: kind for kind in (
    ConditionKind("metric", "a metric of the latest run", "metric", None, True, _check_metric,
                  lambda c: f"{c.subject} {c.op} {_number_text(c.value)}"),
    ConditionKind("metric_gap", "one metric minus another", "metric", "minus", True, _check_gap,
                  lambda c: f"{c.subject} − {c.extra} {c.op} {_number_text(c.value)}"),
    ConditionKind("loss_within", "loss below a value within N epochs", None, "epochs", True,
                  _check_loss_within,
                  lambda c: f"loss {c.op} {_number_text(c.value)} within {c.extra} epochs"),
    ConditionKind("parameters", "the network's parameter count", None, None, False,
                  _check_parameters, lambda c: f"parameters {c.op} {c.value}"),
    ConditionKind("hidden_units", "a hidden Dense layer's units", None, None, False,
                  _check_hidden_units, lambda c: f"a hidden layer with units {c.op} {c.value}"),
    ConditionKind("layer_count", "how many layers of a type (and activation)", "layer",
                  "activation", False, _check_layer_count,
                  lambda c: f"{_layer_words(c)} layers {c.op} {c.value}"),
    ConditionKind("setting", "a training setting", "setting", None, False, _check_setting,
                  lambda c: f"{c.subject} {c.op} {c.value}"),
)}


@dataclass(frozen=True)
class ConditionField:
    """One named field of a condition kind, as a form shows it: a choice from `choices`, or a
    whole number from 1 when `choices` is None (the epochs of loss_within)."""

    name: str  # the file's key, e.g. "metric", "minus", "setting"
    choices: tuple[str, ...] | None
    optional: bool = False  # may be left empty ("any activation")


def goal_metric_names() -> tuple[str, ...]:
    """The metrics a goal may name: each row of the metrics table on the training, validation
    and test split (the time a run took is no goal)."""
    bases = [key for key in METRICS if key != "seconds"]
    return tuple(prefix + key for prefix in ("", "val_", "test_") for key in bases)


_FIELD_CHOICES: dict[str, Callable[[], tuple[str, ...] | None]] = {
    "metric": goal_metric_names, "minus": goal_metric_names,
    "layer": lambda: tuple(LAYER_TYPES), "activation": lambda: tuple(ACTIVATIONS),
    "setting": TRAINING_SCHEMA.names, "epochs": lambda: None,
}


def condition_fields(kind: str) -> tuple[ConditionField, ...]:
    """The named fields of condition kind `kind` (besides op and value), in form order."""
    row = CONDITION_KINDS[kind]
    return tuple(ConditionField(name, _FIELD_CHOICES[name](),
                                optional=row.key == "layer_count" and name == "activation")
                 for name in (row.subject_field, row.extra_field) if name)


def setting_value_choices(setting: str) -> tuple[Any, ...] | None:
    """The values a setting condition may compare with ==, for a setting of named choices or
    yes/no; None for a numeric setting (any number, with any operator)."""
    spec = TRAINING_SCHEMA[setting]
    if spec.kind == BOOL:
        return (True, False)
    return spec.choices if spec.kind == CHOICE else None


@dataclass(frozen=True)
class Goal:
    conditions: tuple[Condition, ...]
    why: str  # shown once the goal is met: why this worked

    def describe(self) -> str:
        return " and ".join(condition.describe() for condition in self.conditions)

    def to_dict(self) -> dict[str, Any]:
        return {"conditions": [c.to_dict() for c in self.conditions], "why": self.why}


@dataclass(frozen=True)
class GoalResult:
    goal: Goal
    results: tuple[ConditionResult, ...]

    @property
    def met(self) -> bool:
        return all(result.met for result in self.results)


def check_goal(goal: Goal, project: Project) -> GoalResult:
    """Which of `goal`'s conditions `project` meets now (see the module notes for which run)."""
    situation = _situation(project, any(CONDITION_KINDS[c.kind].needs_run
                                        for c in goal.conditions))
    return GoalResult(goal, tuple(
        ConditionResult(c, *CONDITION_KINDS[c.kind].check(c, situation))
        for c in goal.conditions))


def _situation(project: Project, from_run: bool) -> Situation:
    run = project.runs[-1] if project.runs else None
    if not from_run:
        return Situation(None, None, project.network, project.training)
    if run is None:
        return Situation(None, None, project.network, project.training)
    return Situation(dict(run.final_metrics), list(run.history.get("loss", [])), run.network,
                     run.config)


# ---- lessons and their files --------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    text: str
    highlight: str = ""  # a panel key of the window, e.g. "forward", "metrics"; "" for none
    goal: Goal | None = None

    def to_dict(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"text": self.text}
        if self.highlight:
            fields["highlight"] = self.highlight
        if self.goal is not None:
            fields["goal"] = self.goal.to_dict()
        return fields


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    summary: str
    project: Project
    steps: tuple[Step, ...]

    @property
    def goals(self) -> list[Goal]:
        return [step.goal for step in self.steps if step.goal is not None]

    def check(self, project: Project) -> list[GoalResult]:
        """Each goal of the lesson, in step order, checked on `project`."""
        return [check_goal(goal, project) for goal in self.goals]


def lesson_document(lesson: Lesson) -> dict[str, Any]:
    """The lesson as a file's JSON object (the project without runs)."""
    from nnstudio.core.project import project_document

    project = project_document(lesson.project)
    project.pop("runs", None)
    return {"format": LESSON_FORMAT, "format_version": LESSON_VERSION, "id": lesson.id,
            "title": lesson.title, "summary": lesson.summary, "project": project,
            "steps": [step.to_dict() for step in lesson.steps]}


def lesson_bytes(lesson: Lesson) -> bytes:
    """The file's bytes: sorted JSON, indent 2, final newline."""
    text = json.dumps(lesson_document(lesson), indent=2, sort_keys=True, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def save_lesson(path: str | Path, lesson: Lesson) -> None:
    """Write `lesson` so that a crash leaves the old file or the new one, never half of one;
    LessonError naming the file when it cannot be written."""
    path = Path(path)
    try:
        _write_atomic(path, lesson_bytes(lesson))
    except OSError as error:
        raise LessonError(f"{path.name}: cannot save ({error.strerror or error}); the previous "
                          "file is unchanged") from None


def lesson_from_project(project: Project, title: str = "") -> Lesson:
    """A new lesson starting from `project` as it is now: its network, data and settings, no
    runs and fresh weights. It has one step to edit, so it is a valid lesson at once."""
    start = Project(name=project.name, network=project.network, data=project.data,
                    training=project.training, notes=project.notes)
    title = title or f"A lesson on {project.name}"
    return Lesson(id=lesson_id_for(title), title=title, summary="", project=start,
                  steps=(Step("Describe what the learner sees here and what to try."),))


def lesson_id_for(title: str) -> str:
    """A file-name-like id from a title: "Overfit on purpose!" -> "overfit-on-purpose"."""
    words = "".join(c.lower() if c.isalnum() else " " for c in title).split()
    return "-".join(words)[:80].strip("-") or "lesson"


def load_lesson(path: str | Path) -> Lesson:
    """Read and check a lesson file; LessonError naming the file and field if it is unusable."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_LESSON_BYTES + 1)
    except OSError as error:
        raise LessonError(f"{path.name}: cannot read the lesson file: "
                          f"{error.strerror or error}") from None
    if len(data) > MAX_LESSON_BYTES:
        raise LessonError(f"{path.name}: larger than {MAX_LESSON_BYTES // 1_000_000} MB; "
                          "not a lesson file")
    return lesson_from_bytes(data, path.name)


def lesson_from_bytes(data: bytes, name: str) -> Lesson:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise LessonError(f"{name}: not a lesson file (not JSON text: {error})") from None
    return lesson_from_document(document, name)


def lesson_from_document(document: Any, name: str) -> Lesson:
    doc = _object(document, name, "the file", ("format", "format_version", "id", "title",
                                                "project", "steps"), ("summary",))
    if doc["format"] != LESSON_FORMAT:
        raise LessonError(f"{name}: format: must be {LESSON_FORMAT!r}")
    if doc["format_version"] != LESSON_VERSION:
        raise LessonError(f"{name}: format_version: this NN Studio reads lesson format "
                          f"{LESSON_VERSION}, got {_show(doc['format_version'])}")
    steps = _list(doc["steps"], name, "steps", MAX_STEPS)
    project = _project(doc["project"], name)
    lesson = Lesson(
        id=_text(doc["id"], name, "id", 80), title=_text(doc["title"], name, "title", 200),
        summary=_text(doc.get("summary", ""), name, "summary", MAX_TEXT, allow_empty=True),
        project=project,
        steps=tuple(_step(item, name, f"steps[{i}]") for i, item in enumerate(steps)))
    for index, step in enumerate(lesson.steps):
        _check_highlight(step.highlight, project, name, f"steps[{index}].highlight")
    return lesson


def _check_highlight(highlight: str, project: Project, name: str, where: str) -> None:
    """A node or setting highlight must name one the lesson has; a panel key is a plain word
    (a window that lacks the panel shows no button for it)."""
    if highlight.startswith(NODE_HIGHLIGHT):
        node_id = highlight[len(NODE_HIGHLIGHT):]
        if node_id not in {node.id for node in project.network.nodes}:
            raise LessonError(f"{name}: {where}: the lesson's network has no layer "
                              f"{_show(node_id)}")
    elif highlight.startswith(SETTING_HIGHLIGHT):
        setting = highlight[len(SETTING_HIGHLIGHT):]
        if setting not in TRAINING_SCHEMA.names():
            raise LessonError(f"{name}: {where}: no training setting named {_show(setting)}")
    elif highlight and not highlight.replace("_", "").isalnum():
        raise LessonError(f"{name}: {where}: must be a panel's key, node:<layer id> or "
                          f"setting:<name>, got {_show(highlight)}")


def _project(value: Any, name: str) -> Project:
    project = _object(value, name, "project", (), None)
    if project.get("runs"):
        raise LessonError(f"{name}: project.runs: a lesson starts without runs")
    try:
        loaded = load_project_bytes(json.dumps(project).encode("utf-8"), f"{name}.nnstudio")
    except ProjectError as error:
        raise LessonError(f"{name}: project: {error}") from None
    if loaded.weights is not None:
        raise LessonError(f"{name}: project.weights: a lesson starts from fresh weights")
    return loaded.project


def _step(value: Any, name: str, where: str) -> Step:
    step = _object(value, name, where, ("text",), ("highlight", "goal"))
    goal = step.get("goal")
    return Step(text=_text(step["text"], name, f"{where}.text", MAX_TEXT),
                highlight=_text(step.get("highlight", ""), name, f"{where}.highlight", 40,
                                allow_empty=True),
                goal=None if goal is None else _goal(goal, name, f"{where}.goal"))


def _goal(value: Any, name: str, where: str) -> Goal:
    goal = _object(value, name, where, ("conditions", "why"), ())
    items = _list(goal["conditions"], name, f"{where}.conditions", MAX_CONDITIONS)
    if not items:
        raise LessonError(f"{name}: {where}.conditions: a goal needs at least one condition")
    return Goal(tuple(_condition(item, name, f"{where}.conditions[{i}]")
                      for i, item in enumerate(items)),
                _text(goal["why"], name, f"{where}.why", MAX_TEXT))


def _condition(value: Any, name: str, where: str) -> Condition:
    kind = value.get("kind") if isinstance(value, dict) else None
    if not isinstance(kind, str) or kind not in CONDITION_KINDS:
        raise LessonError(f"{name}: {where}.kind: must be one of "
                          f"{', '.join(CONDITION_KINDS)}, got {_show(kind)}")
    kind = CONDITION_KINDS[value["kind"]]
    named = tuple(f for f in (kind.subject_field, kind.extra_field) if f)
    optional = ("activation",) if kind.key == "layer_count" else ()
    required = ("kind", "op", "value", *(f for f in named if f not in optional))
    fields = _object(value, name, where, required, optional)
    op = fields["op"]
    if not isinstance(op, str) or op not in OPERATORS:
        raise LessonError(f"{name}: {where}.op: must be one of {', '.join(OPERATORS)}, "
                          f"got {_show(op)}")
    subject = _text(fields[kind.subject_field], name, f"{where}.{kind.subject_field}", 80) \
        if kind.subject_field else ""
    extra = fields.get(kind.extra_field) if kind.extra_field else None
    if kind.key == "loss_within":
        extra = _count(extra, name, f"{where}.epochs", 1, 100_000)
    elif kind.extra_field and extra is not None:
        extra = _text(extra, name, f"{where}.{kind.extra_field}", 80, allow_empty=True)
    if kind.key == "layer_count" and subject not in LAYER_TYPES:
        raise LessonError(f"{name}: {where}.layer: no layer type named {_show(subject)}")
    if kind.key == "layer_count" and extra and extra not in ACTIVATIONS:
        raise LessonError(f"{name}: {where}.activation: no activation named {_show(extra)}")
    if kind.key == "setting" and subject not in TRAINING_SCHEMA.names():
        raise LessonError(f"{name}: {where}.setting: no training setting named {_show(subject)}")
    for field_name, metric in ((kind.subject_field, subject), (kind.extra_field, extra)):
        if field_name in ("metric", "minus") and (not isinstance(metric, str)
                                                  or metric_row(metric) is None):
            raise LessonError(f"{name}: {where}.{field_name}: no metric named {_show(metric)}; "
                              "e.g. accuracy, val_accuracy, val_f1, loss")
    target = fields["value"]
    named = setting_value_choices(subject) if kind.key == "setting" else None
    if named is not None:
        _check_named_value(target, op, named, name, where)
    elif not (isinstance(target, (int, float)) and not isinstance(target, bool)
              and math.isfinite(target)):
        raise LessonError(f"{name}: {where}.value: must be a finite number, got {_show(target)}")
    return Condition(kind.key, op, target, subject, extra)


def _check_named_value(target: Any, op: str, choices: tuple[Any, ...], name: str,
                       where: str) -> None:
    """A setting of named choices or yes/no: one of them, compared with == only."""
    if op != "==":
        raise LessonError(f"{name}: {where}.op: a text or yes/no setting compares only with ==")
    if not any(target is choice or (isinstance(target, str) and target == choice)
               for choice in choices):
        allowed = ", ".join(json.dumps(choice) for choice in choices)
        raise LessonError(f"{name}: {where}.value: must be one of {allowed}, got {_show(target)}")


# ---- small readers that name the field ----------------------------------------------------------

def _show(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, (str, int, float, bool, type(None))) \
        else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def _object(value: Any, name: str, where: str, required: tuple[str, ...],
            optional: tuple[str, ...] | None) -> dict[str, Any]:
    """`value` as a dict with the `required` keys; with `optional` given, no other keys."""
    if not isinstance(value, dict):
        raise LessonError(f"{name}: {where}: must be an object, got {_show(value)}")
    for key in required:
        if key not in value:
            raise LessonError(f"{name}: {where}: missing {key!r}")
    if optional is not None:
        for key in value:
            if key not in required and key not in optional:
                raise LessonError(f"{name}: {where}: unknown field {_show(key)}")
    return value


def _list(value: Any, name: str, where: str, most: int) -> list[Any]:
    if not isinstance(value, list):
        raise LessonError(f"{name}: {where}: must be a list, got {_show(value)}")
    if len(value) > most:
        raise LessonError(f"{name}: {where}: at most {most} entries, got {len(value)}")
    return value


def _text(value: Any, name: str, where: str, most: int, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise LessonError(f"{name}: {where}: must be a non-empty text, got {_show(value)}")
    if len(value) > most:
        raise LessonError(f"{name}: {where}: at most {most} characters, got {len(value)}")
    return value


def _count(value: Any, name: str, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise LessonError(f"{name}: {where}: must be a whole number from {low} to {high}, "
                          f"got {_show(value)}")
    return value


# ---- the built-in course ------------------------------------------------------------------------

def builtin_lessons_dir() -> Path:
    from nnstudio.data.resources import resources_dir

    return resources_dir() / "lessons"


def builtin_lessons() -> list[Lesson]:
    """The lessons that ship with NN Studio, in course order: by the number their files'
    names start with (10 after 9)."""
    paths = builtin_lessons_dir().glob("*" + LESSON_SUFFIX)
    return [load_lesson(path) for path in sorted(paths, key=_course_position)]


def _course_position(path: Path) -> tuple[int, str]:
    number = path.stem.split("-", 1)[0]
    return (int(number) if number.isdigit() else MAX_STEPS * 1000, path.stem)


def builtin_lesson(lesson_id: str) -> Lesson:
    """The built-in lesson `lesson_id`; LessonError listing the ids when there is none."""
    lessons = builtin_lessons()
    for lesson in lessons:
        if lesson.id == lesson_id:
            return lesson
    raise LessonError(f"no built-in lesson {lesson_id!r}; choose one of "
                      + ", ".join(lesson.id for lesson in lessons))
