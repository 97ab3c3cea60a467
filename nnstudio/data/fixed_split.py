"""Fixed splits: the validation or test rows a person names, instead of random fractions.

A paper's published test set must be scored on exactly its rows. A project names them in one of
two ways (see `DataConfig`):

- separate files (`test_file`, `validation_file`) beside the main file, read with the same
  importer and options, and checked like it (inside the project's folder, sha256). Their inputs
  and classes are put in the main file's order: a one-hot column the main file has but a test
  file lacks is all zeros there, and a class or category the training rows never saw is refused.
- a split column whose values say `train`, `validation` or `test` (any case); it is never an
  input, and any other value is refused with its line.

Both end as one `Dataset` of all rows and a `Split` of indices into it, so preprocessing is fitted
on the training rows only, exactly as for random splits. A part that no fixed rows fill is drawn
at random from the training rows with the config's fraction.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from nnstudio.core.errors import DataError
from nnstudio.data.dataset import Dataset, is_classification
from nnstudio.data.split import Split, split_indices

if TYPE_CHECKING:
    from nnstudio.core.project import DataConfig

PARTS = ("train", "validation", "test")


def fixed_split_data(settings: DataConfig, project_path: str | os.PathLike[str]
                     ) -> tuple[Dataset, Split]:
    """All rows of a project with a fixed split, and the split; DataError names what is wrong."""
    if settings.split_kind == "column":
        return _column_split(settings, project_path)
    return _file_split(settings, project_path)


# ---- separate files -------------------------------------------------------------------------

def _file_split(settings: DataConfig, project_path: str | os.PathLike[str]
                ) -> tuple[Dataset, Split]:
    from nnstudio.data.importers import ImportReport, load_data_source

    source = settings.source
    main_report = ImportReport()
    main = load_data_source(source, project_path, report=main_report)
    random = main_file_split(settings, main, None, project_path)
    parts = {"train": [random.train], "validation": [random.validation], "test": [random.test]}
    datasets = [main]
    offset = main.n_samples
    for part, file in (("validation", settings.validation_file), ("test", settings.test_file)):
        if file is None:
            continue
        report = ImportReport()
        other = load_data_source(dataclasses.replace(source, path=file.path, sha256=file.sha256),
                                 project_path, report=report)
        other = _matched_ordinals(other, report.categories, main_report.categories, file.path)
        datasets.append(align_to(main, other, file.path))
        parts[part].append(np.arange(offset, offset + other.n_samples))
        offset += other.n_samples
    combined = dataclasses.replace(
        main, x=np.concatenate([d.x for d in datasets]), y=np.concatenate([d.y for d in datasets]))
    split = Split(*(np.concatenate(parts[p]).astype(np.int64) for p in PARTS))
    return combined, split


def align_to(reference: Dataset, other: Dataset, shown: str) -> Dataset:
    """`other` (another file read with the same options) in `reference`'s inputs and classes.

    Inputs are matched by name: a one-hot input ("column=category") the reference has and
    `other` lacks becomes zeros; a category or class the reference never saw is refused, since
    the network cannot have learned it. DataError names the file (`shown`) and the value.
    """
    if is_classification(other.task) != is_classification(reference.task):
        raise DataError(f"{shown}: its target reads as {other.task}, but the main data file's "
                        f"as {reference.task}; both must hold the same kind of target")
    if other.input_shape != reference.input_shape or other.feature_names != \
            reference.feature_names:
        x = _aligned_inputs(reference, other, shown)
    else:
        x = other.x
    y = other.y
    if reference.class_names:
        index = {name: k for k, name in enumerate(reference.class_names)}
        unseen = [name for name in other.class_names if name not in index]
        if unseen:
            raise DataError(f"{shown}: class {unseen[0]!r} of the target never occurs in the "
                            f"training rows, so the network cannot predict it")
        y = np.array([index[name] for name in other.class_names], dtype=np.int64)[other.y]
    return dataclasses.replace(reference, x=x, y=y)


def _matched_ordinals(other: Dataset, categories: Mapping[str, tuple[str, ...]],
                      reference: Mapping[str, tuple[str, ...]], shown: str) -> Dataset:
    """`other` with each ordinal input renumbered by the reference file's categories (each file
    numbers its own texts in sorted order); a text the reference never has is refused."""
    x = other.x
    for j, name in enumerate(other.feature_names):
        if name not in categories or name not in reference:
            continue  # a number, or a one-hot column (named "column=category")
        index = {text: k for k, text in enumerate(reference[name])}
        unseen = [text for text in categories[name] if text not in index]
        if unseen:
            raise DataError(f"{shown}: column {name!r} holds {unseen[0]!r}, which the training "
                            f"rows never have, so the network cannot weigh it")
        codes = np.array([index[text] for text in categories[name]], dtype=np.float32)
        x = x.copy() if x is other.x else x
        x[:, j] = codes[x[:, j].astype(np.int64)]
    return dataclasses.replace(other, x=x) if x is not other.x else other


def _aligned_inputs(reference: Dataset, other: Dataset, shown: str) -> np.ndarray:
    if len(reference.input_shape) != 1 or len(other.input_shape) != 1:
        raise DataError(f"{shown}: its samples are shaped {list(other.input_shape)}, but the "
                        f"main data file's {list(reference.input_shape)}")
    position = {name: j for j, name in enumerate(other.feature_names)}
    known = set(reference.feature_names)
    for name in other.feature_names:
        if name not in known:
            column, _, category = name.partition("=")
            if category and any(k.startswith(column + "=") for k in known):
                raise DataError(f"{shown}: column {column!r} holds {category!r}, which the "
                                f"training rows never have, so the network cannot weigh it")
            raise DataError(f"{shown}: has an input column {name!r} that the main data file "
                            f"does not have; both files need the same columns")
    x = np.zeros((other.n_samples, len(reference.feature_names)), dtype=np.float32)
    for j, name in enumerate(reference.feature_names):
        if name in position:
            x[:, j] = other.x[:, position[name]]
        elif "=" not in name:  # a one-hot category this file lacks stays all zeros
            raise DataError(f"{shown}: has no column {name!r}; both files need the same "
                            f"columns")
    return x


# ---- a split column -----------------------------------------------------------------------

def _column_split(settings: DataConfig, project_path: str | os.PathLike[str]
                  ) -> tuple[Dataset, Split]:
    from nnstudio.core.project import resolve_project_path
    from nnstudio.data.importers import ImportReport, check_data_file, load_file

    source = settings.source
    path = resolve_project_path(project_path, source.path, "data.source.path")
    check_data_file(path, source.sha256, source.path)
    options = split_column_options(path, source.options, settings.split_column)
    report = ImportReport()
    dataset = load_file(path, source.format, options, report=report)
    return dataset, main_file_split(settings, dataset, report.kept_rows, project_path)


def main_file_split(settings: DataConfig, main: Dataset, kept_rows: np.ndarray | None,
                    project_path: str | os.PathLike[str]) -> Split:
    """The split of the main data file's rows (`main`, read with the project's options; its
    report's `kept_rows`), numbered as `fixed_split_data` numbers them: a view of the main file
    names its rows' samples by it. Rows of separate validation or test files come after the
    main file's, so they are not in it. DataError names what is wrong."""
    if settings.split_kind != "column":
        return split_indices(main.y, main.task,
                             0.0 if settings.validation_file else settings.validation,
                             0.0 if settings.test_file else settings.test, settings.split_seed)
    from nnstudio.core.project import resolve_project_path
    from nnstudio.data.importers import csv_dialect
    from nnstudio.data.importers.csv import read_text_column

    source, column = settings.source, settings.split_column
    path = resolve_project_path(project_path, source.path, "data.source.path")
    dialect = csv_dialect(path, source.options)
    kept = kept_rows if kept_rows is not None else np.arange(main.n_samples)
    values = read_text_column(path, dialect, column)
    labels = parts_from_values([values[row] for row in kept], kept, column, source.path,
                               first_line=2 if dialect.header else 1)
    return _split_from_labels(labels, main, settings, column)


def split_column_options(path: str | os.PathLike[str], options: Mapping[str, Any],
                         column: str) -> dict[str, Any]:
    """The CSV options for `path` with the split column left out of the inputs."""
    from nnstudio.data.importers import csv_dialect, format_for_path, preview_csv

    path = Path(path)
    if format_for_path(path) not in ("csv", "tsv"):
        raise DataError("data.split_column: only a CSV or TSV table has columns to split by")
    columns = preview_csv(path, csv_dialect(path, options), rows=1).columns
    return without_split_column(options, columns, column)


def without_split_column(options: Mapping[str, Any], columns: tuple[str, ...],
                         column: str) -> dict[str, Any]:
    """CSV options whose inputs leave out the split column (a row's part is no input)."""
    if column not in columns:
        listing = ", ".join(repr(c) for c in columns)
        raise DataError(f"data.split_column: there is no column {column!r}; the columns are "
                        f"{listing}")
    if options.get("target") == column:
        raise DataError(f"data.split_column: {column!r} is the target; choose another column")
    features = options.get("features")
    if features is None:
        features = [c for c in columns if c not in (column, options.get("target"))]
    elif column in features:
        raise DataError(f"data.split_column: {column!r} is also listed as an input feature; a "
                        f"row's part must not be an input: leave it out of the inputs first")
    return {**options, "features": list(features)}


def parts_from_values(values: list[str | None], rows: np.ndarray, column: str, shown: str,
                      first_line: int = 2) -> np.ndarray:
    """Each row's part (0 train, 1 validation, 2 test) from its split-column text.

    `rows` are the data rows the values came from, for the line in a message (data row 0 is on
    line `first_line`, assuming one line per row).
    """
    codes = np.empty(len(values), dtype=np.int64)
    index = {part: k for k, part in enumerate(PARTS)}
    for i, value in enumerate(values):
        code = index.get(value.strip().lower()) if value is not None else None
        if code is None:
            shown_value = "an empty cell" if value is None else repr(value)
            raise DataError(f"{shown}: line {int(rows[i]) + first_line}, column {column!r}: "
                            f"{shown_value} is not train, validation or test")
        codes[i] = code
    return codes


def _split_from_labels(labels: np.ndarray, dataset: Dataset, settings: DataConfig,
                       column: str) -> Split:
    train, validation, test = (np.flatnonzero(labels == k) for k in range(3))
    if len(train) == 0:
        raise DataError(f"data.split_column: no row of column {column!r} says train; the "
                        f"network needs rows to learn from")
    if settings.validation > 0:
        if len(validation):
            raise DataError(f"data.validation: must be 0, since column {column!r} marks "
                            f"{len(validation)} validation rows")
        drawn = split_indices(dataset.y[train], dataset.task, settings.validation, 0.0,
                              settings.split_seed)
        train, validation = train[drawn.train], train[drawn.validation]
    return Split(train=train.astype(np.int64), validation=validation.astype(np.int64),
                 test=test.astype(np.int64))


# ---- making a project with fixed rows -------------------------------------------------------

@dataclass(frozen=True)
class SplitChoice:
    """What a person chose in a split form: `kind` "random", "files" or "column", with the
    files (paths on this computer) or the column."""

    kind: str = "random"
    test_file: Path | None = None
    validation_file: Path | None = None
    column: str = ""

    @property
    def fixes_rows(self) -> bool:
        """Whether the choice names any fixed rows yet (a kind without them changes nothing)."""
        if self.kind == "files":
            return self.test_file is not None or self.validation_file is not None
        return self.kind == "column" and bool(self.column)


def random_rows(settings: DataConfig) -> DataConfig:
    """`settings` split at random again; a share that fixed rows had set to 0 gets its
    default back."""
    defaults = type(settings)  # a dataclass keeps its plain defaults as class attributes
    return dataclasses.replace(
        settings, split_column="", test_file=None, validation_file=None,
        test=settings.test if settings.test or settings.split_kind == "random" else defaults.test,
        validation=(settings.validation if settings.validation or settings.split_kind == "random"
                    else defaults.validation))


def apply_split_choice(settings: DataConfig, project_path: str | os.PathLike[str],
                       choice: SplitChoice) -> tuple[DataConfig, Split | None]:
    """`settings` with `choice` applied and checked by reading the rows (see
    `with_fixed_rows`), and the split it gives (None for random shares). DataError or
    ProjectError says what does not fit."""
    settings = random_rows(settings)
    if not choice.fixes_rows:
        return settings, None
    if choice.kind == "column":
        settings, _, split = with_fixed_rows(settings, project_path,
                                             split_column=choice.column)
    else:
        settings, _, split = with_fixed_rows(settings, project_path,
                                             test_file=choice.test_file,
                                             validation_file=choice.validation_file)
    return settings, split


def choice_of(settings: DataConfig, project_path: str | os.PathLike[str] | None) -> SplitChoice:
    """The `SplitChoice` a project's settings hold, files as paths on this computer."""
    def path(file) -> Path | None:
        if file is None:
            return None
        folder = Path(project_path).parent if project_path is not None else Path()
        return folder / file.path

    return SplitChoice(settings.split_kind, path(settings.test_file),
                       path(settings.validation_file), settings.split_column)


def with_fixed_rows(settings: DataConfig, project_path: str | os.PathLike[str],
                    *, test_file: str | os.PathLike[str] | None = None,
                    validation_file: str | os.PathLike[str] | None = None,
                    split_column: str | None = None) -> tuple[DataConfig, Dataset, Split]:
    """`settings` with the rows a person fixed, checked by reading them now.

    Files must lie in the project's folder (ProjectError otherwise). A fixed part's fraction
    becomes 0. A split column that marks no validation rows keeps the random validation share
    (drawn from its train rows), so early stopping still has rows to watch.
    Returns (settings, all rows, split).
    """
    from nnstudio.core.project import SplitFile, project_relative_path
    from nnstudio.data.importers import data_checksum

    def reference(file: str | os.PathLike[str]) -> SplitFile:
        return SplitFile(project_relative_path(project_path, file), data_checksum(file))

    changes: dict[str, Any] = {}
    if test_file is not None:
        changes.update(test_file=reference(test_file), test=0.0)
    if validation_file is not None:
        changes.update(validation_file=reference(validation_file), validation=0.0)
    if split_column is not None:
        changes.update(split_column=split_column, test=0.0, validation=0.0)
    settings = dataclasses.replace(settings, **changes)
    dataset, split = fixed_split_data(settings, project_path)
    if split_column is not None and not len(split.validation):
        settings = dataclasses.replace(settings, validation=0.2)
        dataset, split = fixed_split_data(settings, project_path)
    return settings, dataset, split


def describe_split(settings: DataConfig, split: Split) -> str:
    """One line for a person: how many rows each part has and where they come from."""
    train, validation, test = split.sizes
    if settings.split_kind == "column":
        test_from = f"rows marked test in {settings.split_column!r}"
        validation_from = (f"random {settings.validation:.0%} of the train rows"
                           if settings.validation else
                           f"rows marked validation in {settings.split_column!r}")
    else:
        test_from = (settings.test_file.path if settings.test_file
                     else f"random {settings.test:.0%}")
        validation_from = (settings.validation_file.path if settings.validation_file
                           else f"random {settings.validation:.0%}")
    return (f"split: {train} training, {validation} validation ({validation_from}), "
            f"{test} test ({test_from}) rows")
