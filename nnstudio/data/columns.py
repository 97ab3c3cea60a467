"""Which column of a table is the target, which become the inputs and how, and why: the one set
of column checks that `nnstudio new` and the import wizard share.

The checks run on the rows the preview sampled (the whole file when it is small, its first
megabyte otherwise), before anything is read in full or any row is dropped, so a column that
numbers the rows is seen as such even when other columns have gaps. What they decide is stored
in the project (`target`, `features`, `categorical`), so reopening it reads the same columns the
same way; nothing is decided again when a project loads.

Left out of the inputs by default, each with its reason: columns that look like row ids
(pandas' unnamed index, unique whole numbers that count up, an id name with unique values, a
different text in every row), columns with one value, mostly empty columns, and text columns
with too many different values to one-hot encode. A column that alone predicts the target
almost perfectly is kept but flagged as likely leakage.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnstudio.core.errors import DataError

ENCODINGS = ("onehot", "ordinal")
# Names people give the column to predict, most specific first (compared lowercase, without
# spaces, dashes and underscores).
TARGET_NAMES = (
    "label", "labels", "target", "outcome", "diagnosis", "survived", "species", "class",
    "classlabel", "y", "category", "response", "result", "status", "default", "churn",
)
ID_WORDS = frozenset({"id", "uuid", "guid", "index", "idx", "rowid"})
MIN_ROWS_FOR_UNIQUE = 10  # "every value differs" means little in fewer rows
MOSTLY_EMPTY = 0.5  # a column empty in more than this share of rows is left out
MAX_CLASSES = 20  # a label column holds at most this many different values
MAX_ONEHOT_CATEGORIES = 100  # more make a huge input of a column that is mostly a name
LEAK_MISTAKES = 0.01  # a column that predicts the target in all but this share of rows leaks
LEAK_CORRELATION = 0.99  # the same for a regression target
MIN_ROWS_FOR_LEAK = 20


class NoTargetFound(DataError):
    """No column looks like a label; the message lists the columns to choose from."""


@dataclass(frozen=True)
class ColumnSample:
    """One column of the sampled rows: its name, kind ("number" or "text") and texts."""

    name: str
    kind: str
    texts: tuple[str | None, ...]
    decimal: str = "."

    @functools.cached_property
    def values(self) -> np.ndarray:
        """Every row's value: floats (NaN: none) or stripped texts (None: none)."""
        if self.kind == "number":
            return self._numbers
        return np.array([t if t is None else t.strip() for t in self.texts], dtype=object)

    @functools.cached_property
    def there(self) -> np.ndarray:
        """Whether each row has a value."""
        if self.kind == "number":
            return ~np.isnan(self._numbers)
        return np.array([t is not None for t in self.texts], dtype=bool)

    def numbers(self) -> np.ndarray:
        """The values as float64, NaN where missing, not a number or infinite (such as 1e400;
        reading the file refuses those cells with their line)."""
        return self._numbers.copy()

    @functools.cached_property
    def _numbers(self) -> np.ndarray:
        texts = ["nan" if t is None else t.replace(self.decimal, ".") for t in self.texts]
        try:  # numpy converts a whole column at once; one bad cell sends it cell by cell
            out = np.array(texts, dtype=str).astype(np.float64)
        except ValueError:
            out = np.array([_number(t) for t in texts])
        out[np.isinf(out)] = np.nan
        return out

    def present(self) -> np.ndarray:
        """The values that are there: floats for a number column, stripped texts otherwise."""
        return self._present.copy()

    @functools.cached_property
    def _present(self) -> np.ndarray:
        return self.values[self.there]


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return np.nan


@dataclass(frozen=True)
class InputColumn:
    """What happens to one column besides the target.

    `handling`: "number" (used as it is), "onehot" (one 0/1 input per category), "ordinal"
    (one input numbering the sorted categories) or "left out"; `reason` says why a column is
    left out; `categories` are those of an encoded column in the sampled rows.
    """

    name: str
    handling: str
    reason: str = ""
    categories: tuple[str, ...] = ()
    asked: bool = False  # left out because the person said so, not by a check

    @property
    def used(self) -> bool:
        return self.handling != "left out"


@dataclass(frozen=True)
class ColumnPlan:
    """The target (with the reason it was chosen), every other column's handling, and
    warnings (likely leakage, an id-like column kept on request)."""

    target: str
    target_reason: str
    columns: tuple[InputColumn, ...]
    warnings: tuple[str, ...] = ()
    rows: int = 0  # sampled
    complete: bool = True  # the sample was the whole file

    def features(self) -> list[str]:
        return [c.name for c in self.columns if c.used]

    def encodings(self) -> dict[str, str]:
        return {c.name: c.handling for c in self.columns if c.handling in ENCODINGS}

    def options(self) -> dict[str, Any]:
        """The importer options that repeat exactly this choice (stored in the project)."""
        options: dict[str, Any] = {"target": self.target, "features": self.features()}
        if self.encodings():
            options["categorical"] = self.encodings()
        return options


def plan_columns(samples: Sequence[ColumnSample], target: str | None = None,
                 features: Sequence[str] | None = None, drop: Sequence[str] = (),
                 encodings: Mapping[str, str] | None = None, default_encoding: str = "onehot",
                 complete: bool = True) -> ColumnPlan:
    """Choose the target (unless given) and each other column's handling.

    - `features`: the inputs, exactly (id-like columns among them are kept, with a warning);
      None lets the checks leave columns out.
    - `drop`: columns to leave out besides those the checks leave out.
    - `encodings`: per column "onehot" or "ordinal"; text columns not named get
      `default_encoding`. A number column named "onehot" becomes categories.

    Raises DataError for a name that is no column, or when no column looks like a target.
    """
    names = [s.name for s in samples]
    encodings = dict(encodings or {})
    _check_names(names, target, features, drop, encodings, default_encoding)
    suspicions = _suspicions(samples)
    if target is None:
        target, target_reason = guess_target(samples, suspicions)
    else:
        target_reason = "as given"
    by_name = {s.name: s for s in samples}
    chosen = set(features) if features is not None else None
    columns, warnings = [], []
    for sample, suspicion in zip(samples, suspicions):
        if sample.name == target:
            continue
        column, warning = _decide(sample, suspicion, features=chosen, drop=set(drop),
                                  encoding=encodings.get(sample.name, default_encoding),
                                  forced=sample.name in encodings)
        columns.append(column)
        if warning:
            warnings.append(warning)
    warnings += _leaks(by_name[target], [by_name[c.name] for c in columns if c.used])
    if not any(c.used for c in columns):
        warnings.append(f"no input column is left besides the target {target!r}: "
                        + "; ".join(f"{c.name}: {c.reason}" for c in columns))
    rows = len(samples[0].texts) if samples else 0
    return ColumnPlan(target, target_reason, tuple(columns), tuple(warnings), rows, complete)


def _check_names(names: list[str], target: str | None, features: Sequence[str] | None,
                 drop: Sequence[str], encodings: Mapping[str, str], default: str) -> None:
    listing, known = ", ".join(names), set(names)
    for what, chosen in (("target", [target] if target else []), ("features", features or []),
                         ("drop", drop), ("categorical", list(encodings))):
        for name in chosen:
            if name not in known:
                raise DataError(f"{what}: there is no column {name!r}; the columns are {listing}")
    for name, encoding in [*encodings.items(), ("", default)]:
        if encoding not in ENCODINGS:
            where = f"categorical: {name}" if name else "categorical"
            raise DataError(f"{where}: must be onehot or ordinal, got {encoding!r}")
    if target and features and target in features:
        raise DataError(f"features: the target column {target!r} cannot also be an input")


def _decide(sample: ColumnSample, suspicion: str, features: set[str] | None, drop: set[str],
            encoding: str, forced: bool) -> tuple[InputColumn, str]:
    """One column's handling, and a warning when an id-like column is kept on request."""
    name = sample.name
    as_categories = sample.kind == "text" or (forced and encoding == "onehot")
    if forced and sample.kind == "number" and encoding == "ordinal":
        raise DataError(f"categorical: {name!r} holds numbers, which are used as they are; "
                        f"ordinal encoding is for text columns")
    handling = encoding if as_categories else "number"
    categories = tuple(sorted({str(v) for v in sample.present()})) if as_categories else ()
    distinct = len(categories)
    if not suspicion and handling == "onehot" and distinct > MAX_ONEHOT_CATEGORIES:
        suspicion = (f"it holds {distinct} different values, too many to one-hot encode "
                     f"(at most {MAX_ONEHOT_CATEGORIES})")
    if name in drop:
        return InputColumn(name, "left out", "as asked", asked=True), ""
    if features is not None:
        if name not in features:
            return InputColumn(name, "left out", "not among the chosen inputs", asked=True), ""
        warning = f"{name}: kept as asked, though {suspicion}" if suspicion else ""
        return InputColumn(name, handling, "", categories), warning
    if suspicion:
        return InputColumn(name, "left out", suspicion), ""
    return InputColumn(name, handling, "", categories), ""


def _suspicions(samples: Sequence[ColumnSample]) -> list[str]:
    """For each column, why it should not be an input by default, or "" (one-hot encoding
    with too many categories aside, which depends on the encoding chosen)."""
    rows = len(samples[0].texts) if samples else 0
    return [_left_out_reason(sample, j, rows) for j, sample in enumerate(samples)]


def _left_out_reason(sample: ColumnSample, j: int, rows: int) -> str:
    present = sample.present()
    missing = rows - len(present)
    if len(present) == 0:
        return "it is empty"
    if missing > MOSTLY_EMPTY * rows:
        return (f"it is empty in {missing} of {rows} rows ({100 * missing / rows:.0f}%); "
                f"keeping it would cost those rows")
    distinct = len(np.unique(present))
    if distinct == 1:
        where = "every row" if not missing else "every row that has a value"
        return f"it has the same value, {_shown(present[0])}, in {where}"
    return _id_reason(sample, j, present, distinct)


def _id_reason(sample: ColumnSample, j: int, present: np.ndarray, distinct: int) -> str:
    unique = distinct == len(present) and len(present) >= MIN_ROWS_FOR_UNIQUE
    if sample.kind == "number":
        whole = bool(np.all(present == np.round(present)))
        if j == 0 and whole and distinct == len(present) and _unnamed(sample.name):
            return "it looks like a row id (an unnamed first column numbering the rows, " \
                   "as pandas writes its index)"
        steps = np.diff(present)
        # Counting up mostly by one, as row numbers do (gaps where rows were removed).
        if whole and unique and bool(np.all(steps > 0)) and np.mean(steps == 1) >= 0.5:
            return "it looks like a row id (unique whole numbers that count up)"
    elif unique:
        return "it looks like a row id or a name (a different text in every row)"
    if _words(sample.name) & ID_WORDS and (unique or distinct >= 0.9 * len(present) >= 10):
        return "it looks like a row id (its name says id and its values are unique)"
    return ""


def _unnamed(name: str) -> bool:
    return re.fullmatch(r"(column 1|unnamed: ?0|index|)", name.strip().lower()) is not None


def _words(name: str) -> set[str]:
    """The words of a column name: "patientId", "patient_id", "Patient ID" → patient, id."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return {w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w}


def _shown(value: Any) -> str:
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return repr(value) if isinstance(value, str) else f"{value:g}"


# ---- the target ---------------------------------------------------------------------------------


def guess_target(samples: Sequence[ColumnSample],
                 suspicions: Sequence[str] | None = None) -> tuple[str, str]:
    """The most plausible column to predict, and why it was chosen.

    A column named like a label (label, target, class, diagnosis, species, ...) first; else a
    label-like column (text or a few whole numbers) that is the last column, or the rightmost
    such column before a last column of measurements. Raises DataError listing the columns
    when nothing looks like a label.
    """
    suspicions = suspicions if suspicions is not None else _suspicions(samples)
    usable = [s for s, suspicion in zip(samples, suspicions) if not suspicion]
    by_key = {_key(s.name): s for s in usable}
    for name in TARGET_NAMES:
        if name in by_key:
            return by_key[name].name, f"its name, {by_key[name].name!r}, is a usual name for " \
                                      f"the column to predict"
    named = [s for s in usable if _words(s.name) & {"label", "target", "class"}]
    if named:
        return named[-1].name, f"its name, {named[-1].name!r}, says it is the label"
    labels = [s for s in usable if _class_count(s)]
    if not labels:
        raise NoTargetFound(
            "no column looks like a label (a name such as label, target or class, text, or a "
            "few whole numbers); the columns are " + ", ".join(s.name for s in samples)
        )
    texts = [s for s in labels if s.kind == "text"]
    chosen = labels[-1] if labels[-1] is samples[-1] else (texts or labels)[-1]
    where = "the last column" if chosen is samples[-1] else \
        f"the last {'text ' if chosen.kind == 'text' else ''}column with few values"
    others = [s.name for s in labels if s is not chosen]
    also = f"; other candidates: {', '.join(others)}" if others else ""
    return chosen.name, f"it is {where} ({_class_count(chosen)} classes){also}"


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _class_count(sample: ColumnSample) -> int:
    """How many classes the column holds when it looks like labels, else 0."""
    present = sample.present()
    distinct = len(np.unique(present))
    if not 2 <= distinct <= MAX_CLASSES:
        return 0
    if sample.kind == "number" and not np.all(present == np.round(present)):
        return 0
    return distinct


# ---- leakage ------------------------------------------------------------------------------------


def _leaks(target: ColumnSample, inputs: list[ColumnSample]) -> list[str]:
    """Warnings for inputs that alone give the target almost exactly."""
    warnings = []
    classes = _class_count(target) if target.kind == "number" else 2
    regression = target.kind == "number" and not classes
    for sample in inputs:
        if regression:
            strength = _correlation(target, sample)
            if strength is not None and strength >= LEAK_CORRELATION:
                warnings.append(
                    f"{sample.name}: likely leakage: it alone follows {target.name!r} almost "
                    f"exactly (correlation {strength:.3f}); leave it out unless it is known "
                    f"before the target is")
        elif _predicts_classes(target, sample):
            warnings.append(
                f"{sample.name}: likely leakage: it alone predicts {target.name!r} almost "
                f"perfectly; leave it out unless it is known before the target is")
    return warnings


def _pairs(target: ColumnSample, sample: ColumnSample) -> tuple[np.ndarray, np.ndarray]:
    """(input, target) values of the rows where both are there."""
    keep = sample.there & target.there
    return sample.values[keep], target.values[keep]


def _predicts_classes(target: ColumnSample, sample: ColumnSample) -> bool:
    """Rows the column gets wrong when each of its values (or, for numbers, each range of
    values) stands for one class: a real input gets many wrong, a leaked one almost none."""
    x, y = _pairs(target, sample)
    n = len(x)
    if n < MIN_ROWS_FOR_LEAK:
        return False
    _, labels = np.unique(y.astype(str), return_inverse=True)
    groups, group_of = np.unique(x.astype(float if sample.kind == "number" else str),
                                 return_inverse=True)
    if sample.kind == "text" and len(groups) > n / 2:
        return False  # nearly one group per row: purity says nothing
    counts = np.zeros((len(groups), labels.max() + 1), dtype=np.int64)
    np.add.at(counts, (group_of, labels), 1)
    mistakes = int(counts.sum() - counts.max(axis=1).sum())
    if sample.kind == "number":  # groups are sorted by value: count class changes along them
        majority = counts.argmax(axis=1)
        changes = int(np.count_nonzero(np.diff(majority)))
        mistakes += max(0, changes - (counts.shape[1] - 1))
    baseline = n - int(np.bincount(labels).max())  # always guessing the largest class
    return mistakes <= LEAK_MISTAKES * n and mistakes < 0.5 * baseline


def _correlation(target: ColumnSample, sample: ColumnSample) -> float | None:
    if sample.kind != "number":
        return None
    x, y = _pairs(target, sample)
    if len(x) < MIN_ROWS_FOR_LEAK:
        return None
    x, y = x.astype(float), y.astype(float)
    if x.std() == 0 or y.std() == 0:
        return None
    return float(abs(np.corrcoef(x, y)[0, 1]))


# ---- words --------------------------------------------------------------------------------------


def with_read_categories(plan: ColumnPlan, feature_names: Sequence[str]) -> ColumnPlan:
    """The plan with the one-hot categories the full read found (the sample may miss some);
    the other decisions stay those made on the sampled rows."""
    def read(column: InputColumn) -> InputColumn:
        if column.handling != "onehot":
            return column
        prefix = f"{column.name}="
        found = tuple(n[len(prefix):] for n in feature_names if n.startswith(prefix))
        return dataclasses.replace(column, categories=found or column.categories)

    return dataclasses.replace(plan, columns=tuple(read(c) for c in plan.columns))


def describe_plan(plan: ColumnPlan, keep_hint: str = "") -> list[str]:
    """The plan in lines a person reads: the target and why, each column's handling."""
    lines = [f"Target: {plan.target} ({plan.target_reason})"]
    sampled = "" if plan.complete else f" (checked on the first {plan.rows:,} rows)"
    lines.append(f"Inputs{sampled}:")
    for column in plan.columns:
        if column.handling == "number":
            lines.append(f"  {column.name}: number")
        elif column.handling in ENCODINGS:
            kind = "one-hot" if column.handling == "onehot" else "ordinal, numbered in this order"
            shown = ", ".join(column.categories[:12])
            more = f", … ({len(column.categories)} in all)" if len(column.categories) > 12 else ""
            lines.append(f"  {column.name}: {kind} ({shown}{more})")
        else:
            hint = f"; {keep_hint}" if keep_hint and not column.asked else ""
            lines.append(f"  {column.name}: left out, {column.reason}{hint}")
    lines += [f"Warning: {warning}" for warning in plan.warnings]
    return lines
