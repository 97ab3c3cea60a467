"""CSV and TSV files: sniff the dialect, preview the first rows, read the file into a `Dataset`.

Parsing is pyarrow's (`pyarrow.csv`), streamed block by block so that progress can be reported
and Cancel honoured between blocks; we never parse CSV by hand. Our own code only decides the
dialect, the column kinds and the encoding of text, and turns pyarrow's errors into messages
that name the file, the line and the column.

Line numbers in messages count every physical line of the file from 1, the header included
(a quoted value that spans lines makes later numbers approximate).
"""

from __future__ import annotations

import codecs
import csv as stdlib_csv  # only to split a few sample lines while guessing the delimiter
import dataclasses
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from nnstudio.core.errors import DataError
from nnstudio.data.columns import ColumnSample
from nnstudio.data.dataset import Dataset
from nnstudio.data.importers.common import (
    Cancel,
    ImportReport,
    Progress,
    check_cancel,
    check_fits_in_memory,
    format_bytes,
    make_targets,
    report_progress,
    targets_from_codes,
)
from nnstudio.data.importers.text_file import (
    check_text,
    decode_head,
    encoding_problem,
    sniff_encoding,
    wide_encoding,
)

CATEGORICAL = ("onehot", "ordinal")
MISSING = ("drop", "mean", "median", "most_frequent")
ENCODINGS = ("utf-8", "latin-1", "cp1252")
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

# Cells that mean "no value". pyarrow's defaults plus "?", which UCI files use.
NULL_VALUES = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null", "?",
]
HEAD_BYTES = 1 << 20  # enough rows to guess column kinds, small enough to read at once
SNIFF_BYTES = 64 << 10
BLOCK_SIZE = 4 << 20  # one progress step per block; larger blocks were not faster here
# A column counts as numeric when at least this share of its sampled values are numbers; the
# rest are then reported as errors (with their line) instead of silently one-hot encoding a
# column of numbers because of one typo.
NUMERIC_SHARE = 0.9
# Bounds that keep an odd file from taking minutes and gigabytes before it is refused.
MAX_COLUMNS = 10_000
MAX_CELL_BYTES = 64 << 10
# One-hot encoding a column with more categories than this makes a huge, useless input; such a
# column is almost always an identifier or free text.
MAX_ONEHOT_CATEGORIES = 100

_NUMBER = r"\s*[+-]?(?:\d+{d}?\d*|{d}\d+)(?:[eE][+-]?\d+)?\s*|\s*[+-]?(?:inf|infinity)\s*"


def _number_pattern(decimal: str) -> str:
    return "^(?:" + _NUMBER.format(d=re.escape(decimal)) + ")$"


@dataclass(frozen=True)
class CsvOptions:
    """How to read a CSV file. `sniff_csv` guesses them; every field can be overridden.

    - `delimiter`: one character; "," "; " "\\t" "|" are the usual ones.
    - `quote_char`: the character around values that contain the delimiter; "" for none.
    - `header`: whether the first line holds the column names.
    - `decimal`: "." or "," (German, French, ... spreadsheets write 1,5).
    - `encoding`: how text is stored, e.g. "utf-8" or "latin-1".
    """

    delimiter: str = ","
    quote_char: str = '"'
    header: bool = True
    decimal: str = "."
    encoding: str = "utf-8"

    def __post_init__(self) -> None:
        delimiter = self.delimiter
        if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\r\n":
            raise DataError(f"delimiter: must be one character, got {self.delimiter!r}")
        if not isinstance(self.quote_char, str) or len(self.quote_char) > 1:
            raise DataError(f"quote_char: must be one character or empty, got {self.quote_char!r}")
        if self.quote_char == self.delimiter:
            raise DataError("quote_char: must differ from the delimiter")
        if self.decimal not in (".", ","):
            raise DataError(f"decimal: must be \".\" or \",\", got {self.decimal!r}")
        if self.decimal == self.delimiter:
            raise DataError(
                "decimal: the decimal comma needs another delimiter, such as \";\""
            )
        if not isinstance(self.header, bool):
            raise DataError(f"header: must be true or false, got {self.header!r}")
        if not isinstance(self.encoding, str):
            raise DataError(f"encoding: must be a text, got {self.encoding!r}")
        problem = encoding_problem(self.encoding)
        if problem is not None:
            raise DataError(f"encoding: {self.encoding!r} {problem}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CsvOptions:
        """Options from a project file; unknown keys are ignored (they belong to the source)."""
        names = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class CsvPreview:
    """The first rows of a file as text, with what each column seems to hold."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str | None, ...], ...]  # None: a missing value
    kinds: tuple[str, ...]  # "number" or "text" per column
    file_size: int
    estimated_rows: int  # from the size of the sampled rows, unless `rows_exact`
    rows_exact: bool = False  # the whole file was sampled, so `estimated_rows` is its count
    samples: tuple[ColumnSample, ...] = ()  # every sampled row, per column, for the checks

    def kind(self, column: str) -> str:
        return self.kinds[self.columns.index(column)]

    @property
    def sampled_rows(self) -> int:
        return len(self.samples[0].texts) if self.samples else len(self.rows)


# ---------------------------------------------------------------------------------------------
# Sniffing


def sniff_csv(path: str | Path) -> CsvOptions:
    """Guess delimiter, quoting, header, decimal comma and encoding from the start of the file."""
    path = Path(path)
    head = _read_bytes(path, SNIFF_BYTES)
    encoding = sniff_encoding(head)
    check_text(path, head, encoding)
    text = decode_head(head, encoding).lstrip("\ufeff")
    lines = [line for line in text.splitlines() if line.strip()][:50]
    delimiter = _sniff_delimiter(lines, path.suffix.lower())
    rows = list(stdlib_csv.reader(lines, delimiter=delimiter, quotechar='"'))
    decimal = _sniff_decimal(rows, delimiter)
    header = _sniff_header(rows, decimal)
    return CsvOptions(delimiter=delimiter, header=header, decimal=decimal, encoding=encoding)


def _read_bytes(path: Path, limit: int) -> bytes:
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    with open(path, "rb") as file:
        head = file.read(limit)
    if not head.strip():
        raise DataError(f"{path}: the file is empty")
    return head


def _sniff_delimiter(lines: list[str], suffix: str) -> str:
    """The candidate that splits every sampled line into the same number (more than one) of
    fields, the most fields winning. Semicolon beats comma when its fields hold decimal commas
    (then the commas are inside numbers, not between them).
    """
    preferred = "\t" if suffix in (".tsv", ".tab") else ","
    consistent: dict[str, int] = {}
    for delimiter in (",", ";", "\t", "|"):
        counts = {len(row) for row in stdlib_csv.reader(lines, delimiter=delimiter)}
        if len(counts) == 1 and (count := counts.pop()) > 1:
            consistent[delimiter] = count
    if ";" in consistent and "," in consistent:
        if _sniff_decimal(list(stdlib_csv.reader(lines, delimiter=";")), ";") == ",":
            return ";"
    if consistent:
        return max(consistent, key=lambda d: (consistent[d], d == preferred))
    # Nothing consistent: the one that splits the first line most, or a one-column file.
    first = lines[0] if lines else ""
    best = max((",", ";", "\t", "|"), key=first.count)
    return best if first.count(best) else preferred


def _sniff_decimal(rows: list[list[str]], delimiter: str) -> str:
    if delimiter == ",":
        return "."
    cells = [cell.strip() for row in rows for cell in row]
    comma = sum(bool(re.fullmatch(r"[+-]?\d+,\d+", cell)) for cell in cells)
    point = sum(bool(re.fullmatch(r"[+-]?\d*\.\d+", cell)) for cell in cells)
    return "," if comma > 0 and point == 0 else "."


def _sniff_header(rows: list[list[str]], decimal: str) -> bool:
    """A header when a column holds numbers below a first cell that is not a number, when the
    first cell alone is empty above numbers (pandas' `to_csv` writes its row index so), or,
    for all-text files, when the first row's values never appear again in their columns.
    """
    if not rows:
        return True
    number = re.compile(_number_pattern(decimal), re.IGNORECASE)
    first, rest = rows[0], rows[1:]
    if not rest:
        return not all(number.match(cell) for cell in first)
    if len(first) > 1 and not first[0].strip() and all(cell.strip() for cell in first[1:]) \
            and all(number.match(row[0]) for row in rest if row):
        return True
    any_numeric_column = False
    for j, cell in enumerate(first):
        below = [row[j] for row in rest if j < len(row) and row[j].strip() not in NULL_VALUES]
        if below and all(number.match(value) for value in below):
            any_numeric_column = True
            if cell.strip() and not number.match(cell):
                return True
    if any_numeric_column:
        return False
    seen = [{row[j] for row in rest if j < len(row)} for j in range(len(first))]
    return all(cell.strip() and cell not in seen[j] for j, cell in enumerate(first))


# ---------------------------------------------------------------------------------------------
# Preview


@dataclass(frozen=True)
class _Head:
    columns: tuple[str, ...]
    table: pa.Table  # the sampled data rows, every column as text
    kinds: tuple[str, ...]
    bytes_per_row: float
    file_size: int
    complete: bool  # the sample is the whole file


def preview_csv(path: str | Path, options: CsvOptions | None = None, rows: int = 50) -> CsvPreview:
    """The first `rows` data rows as text, the column names, and each column's kind."""
    path = Path(path)
    options = options or sniff_csv(path)
    head = _read_head(path, options)
    shown = head.table.slice(0, rows)
    columns = [shown.column(j).to_pylist() for j in range(shown.num_columns)]
    table_rows = tuple(tuple(column[i] for column in columns) for i in range(shown.num_rows))
    estimated = head.table.num_rows if head.complete else int(head.file_size / head.bytes_per_row)
    samples = tuple(
        ColumnSample(name, kind, tuple(head.table.column(j).to_pylist()), options.decimal)
        for j, (name, kind) in enumerate(zip(head.columns, head.kinds))
    )
    return CsvPreview(head.columns, table_rows, head.kinds, head.file_size, estimated,
                      head.complete, samples)


def _read_head(path: Path, options: CsvOptions) -> _Head:
    """Parse the first megabyte with pyarrow, every column as text."""
    data = _read_bytes(path, HEAD_BYTES)
    check_text(path, data, options.encoding)
    size = path.stat().st_size
    complete = len(data) >= size
    if wide_encoding(options.encoding):  # parse the head as UTF-8, where a newline is one byte
        data = decode_head(data, options.encoding).encode("utf-8")
        options = dataclasses.replace(options, encoding="utf-8")
    if not complete:
        if b"\n" not in data and b"\r" not in data:
            raise DataError(
                f"{path}: line 1 is longer than {format_bytes(HEAD_BYTES)}; NN Studio reads "
                f"tables of at most {MAX_COLUMNS:,} columns with cells of at most "
                f"{format_bytes(MAX_CELL_BYTES)}"
            )
        data = data[: max(data.rfind(b"\n"), data.rfind(b"\r")) + 1]  # no half line
    width = _check_width(path, data, options)
    first_end = min((i for i in (data.find(b"\n"), data.find(b"\r")) if i >= 0), default=-1)
    # Text types: pyarrow's type inference takes seconds on thousands of columns.
    first = _parse(path, data[: first_end + 1] or data, options, autogenerate=True,
                   n_columns=width)
    n_columns = first.num_columns
    table = _parse(path, data, options, autogenerate=True, n_columns=n_columns)
    if options.header:
        names = [table.column(j)[0].as_py() if table.num_rows else None for j in range(n_columns)]
        table = table.slice(1)
    else:
        names = [None] * n_columns
    columns = _column_names(names)
    table = table.rename_columns(list(columns))
    if table.num_rows == 0:
        raise DataError(
            f"{path}: the file has a header line but no data rows"
            if options.header else f"{path}: the file has no data rows"
        )
    # Every cell, column after column, so that each check is one call however wide the table.
    cells = pa.concat_arrays([chunk for column in table.columns for chunk in column.chunks])
    _check_cell_sizes(path, columns, cells, table.num_rows)
    kinds = _column_kinds(cells, n_columns, table.num_rows, options.decimal)
    bytes_per_row = max(1.0, len(data) / (table.num_rows + int(options.header)))
    return _Head(columns, table, kinds, bytes_per_row, size, complete)


def _check_width(path: Path, data: bytes, options: CsvOptions) -> int | None:
    """The number of columns of the first line, read leniently; a table wider than
    MAX_COLUMNS is refused before pyarrow parses it (its time grows with the square of the
    columns: minutes for 100,000)."""
    text = data.decode(options.encoding, errors="replace")
    quoting = {"quotechar": options.quote_char} if options.quote_char else {
        "quoting": stdlib_csv.QUOTE_NONE}
    try:
        first = next(stdlib_csv.reader(io.StringIO(text, newline=None),
                                       delimiter=options.delimiter, **quoting), [])
    except stdlib_csv.Error:  # pyarrow says what is wrong, with the line
        return None
    if len(first) > MAX_COLUMNS:
        raise DataError(
            f"{path}: the first line has {len(first):,} columns; NN Studio reads tables of at "
            f"most {MAX_COLUMNS:,} columns"
        )
    return len(first) or None


def _check_cell_sizes(path: Path, columns: Sequence[str], cells: pa.Array, rows: int) -> None:
    lengths = pc.binary_length(cells).fill_null(0).to_numpy(zero_copy_only=False)
    longest = int(np.argmax(lengths)) if len(lengths) else 0
    if len(lengths) and lengths[longest] > MAX_CELL_BYTES:
        raise DataError(
            f"{path}: column {columns[longest // rows]!r} holds a cell of "
            f"{format_bytes(lengths[longest])}; NN Studio reads cells of at most "
            f"{format_bytes(MAX_CELL_BYTES)} (numbers and short texts)"
        )


def _parse(path: Path, data: bytes, options: CsvOptions, autogenerate: bool,
           n_columns: int | None = None) -> pa.Table:
    types = {f"f{j}": pa.string() for j in range(n_columns)} if n_columns else None
    try:
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(
                use_threads=False, autogenerate_column_names=autogenerate,
                encoding=options.encoding,
            ),
            parse_options=_parse_options(options),
            convert_options=pacsv.ConvertOptions(
                column_types=types, null_values=NULL_VALUES, strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise _explain(exc, path, options, columns=None) from None


def _parse_options(options: CsvOptions) -> pacsv.ParseOptions:
    return pacsv.ParseOptions(
        delimiter=options.delimiter,
        quote_char=options.quote_char or False,
        ignore_empty_lines=True,
    )


def _column_names(names: Sequence[str | None]) -> tuple[str, ...]:
    """Header cells made usable: blanks get "column N", repeats get a suffix."""
    result: list[str] = []
    taken: set[str] = set()
    for j, name in enumerate(names):
        base = (name or "").strip() or f"column {j + 1}"
        candidate, k = base, 2
        while candidate in taken:
            candidate, k = f"{base}_{k}", k + 1
        result.append(candidate)
        taken.add(candidate)
    return tuple(result)


def _column_kinds(cells: pa.Array, n_columns: int, rows: int, decimal: str) -> tuple[str, ...]:
    """ "number" for a column whose values are numbers (NUMERIC_SHARE of them; an empty column
    too), else "text"; `cells` holds every column's `rows` cells, one column after another."""
    pattern = _number_pattern(decimal)
    numeric = pc.match_substring_regex(cells, pattern, ignore_case=True).fill_null(False)
    numeric = numeric.to_numpy(zero_copy_only=False).reshape(n_columns, rows).sum(axis=1)
    present = cells.is_valid().to_numpy(zero_copy_only=False).reshape(n_columns, rows).sum(axis=1)
    return tuple("number" if count == 0 or share >= NUMERIC_SHARE else "text"
                 for count, share in zip(present, numeric / np.maximum(present, 1)))


# ---------------------------------------------------------------------------------------------
# Reading


def read_csv(
    path: str | Path,
    options: CsvOptions | None = None,
    target: str | None = None,
    features: Sequence[str] | None = None,
    task: str | None = None,
    categorical: str | Mapping[str, str] = "onehot",
    missing: str = "drop",
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    report: ImportReport | None = None,
) -> Dataset:
    """Read a CSV/TSV file into a `Dataset` with `target` as the column to predict.

    - `options`: the dialect; None sniffs it.
    - `features`: the input columns, in order; None takes every column but the target.
    - `task`: "binary", "multiclass" or "regression"; None infers it from the target (text or
      a few whole numbers → classes, otherwise regression).
    - `categorical`: text feature columns become one 0/1 input per category ("onehot") or one
      input numbering the categories in sorted order ("ordinal"); a mapping chooses per column
      (columns it does not name: one-hot), and may one-hot encode a number column.
    - `missing`: rows with a missing feature are dropped ("drop"), or the gap is filled with
      the column's "mean", "median" or "most_frequent" value (text columns always use the most
      frequent). Rows whose target is missing are always dropped.
    - `progress(fraction)` is called after each block; `cancel()` is asked between blocks.
    - `report`, if given, receives rows read and dropped, missing counts and notes.

    Raises DataError naming the file, line and column for anything that cannot be used.
    """
    path = Path(path)
    options = options or sniff_csv(path)
    if missing not in MISSING:
        raise DataError(f"missing: must be one of {', '.join(MISSING)}, got {missing!r}")
    report = report if report is not None else ImportReport()
    head = _read_head(path, options)
    features = _choose_columns(path, head.columns, target, features)
    # pyarrow's blocks and our float32 copy together take about 1.5x the text.
    check_fits_in_memory(path, int(head.file_size * 1.5), "reading this file")
    kinds = dict(zip(head.columns, head.kinds))
    categorical = _encodings(categorical, features, kinds)
    kinds.update({name: "text" for name in categorical})  # a number column read as categories
    columns = _stream(path, options, head, features, target, kinds, progress, cancel)
    report.rows_read = len(columns.rows)
    dataset = _build_dataset(path, columns, features, target, task, categorical, missing, report)
    report_progress(progress, 1.0)
    return dataset


def read_text_column(path: str | Path, options: CsvOptions, column: str) -> list[str | None]:
    """Every data row's value in `column`, as text (None where empty), e.g. a split column."""
    path = Path(path)
    head = _read_head(path, options)
    if column not in head.columns:
        listing = ", ".join(repr(c) for c in head.columns)
        raise DataError(f"{path}: there is no column {column!r}; the columns are {listing}")
    types = {column: pa.string()}
    try:
        values = [batch.column(column) for batch in
                  _open_reader(path, options, head, [column], types, threads=True)]
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise _explain(_locate(exc, path, options, head, [column], types), path, options,
                       head.columns) from None
    return pa.chunked_array(values, type=pa.string()).to_pylist()


def _encodings(categorical: str | Mapping[str, str], features: Sequence[str],
               kinds: Mapping[str, str]) -> dict[str, str]:
    """The encoding of every encoded feature column, from one for all or one per column."""
    if not isinstance(categorical, (str, Mapping)):
        raise DataError(f"categorical: must be onehot, ordinal or one of them per column, got "
                        f"{categorical!r}")
    per_column = dict(categorical) if isinstance(categorical, Mapping) else {}
    default = categorical if isinstance(categorical, str) else "onehot"
    for name, encoding in [*per_column.items(), ("", default)]:
        where = f"categorical: {name}" if name else "categorical"
        if not isinstance(encoding, str) or encoding not in CATEGORICAL:
            raise DataError(f"{where}: must be one of {', '.join(CATEGORICAL)}, got {encoding!r}")
    inputs = set(features)
    for name, encoding in per_column.items():
        if name not in inputs:
            raise DataError(f"categorical: {name!r} is not one of the input columns")
        if kinds[name] == "number" and encoding == "ordinal":
            raise DataError(f"categorical: {name!r} holds numbers, which are used as they are; "
                            f"ordinal encoding is for text columns")
    return {name: per_column.get(name, default) for name in features
            if kinds[name] != "number" or name in per_column}


def _choose_columns(path: Path, columns: Sequence[str], target: str | None,
                    features: Sequence[str] | None) -> list[str]:
    listing = ", ".join(repr(c) for c in columns)
    if target is not None and not isinstance(target, str):
        raise DataError(f"target: must be a column name, got {target!r}")
    if features is not None and (isinstance(features, str) or not isinstance(features, Sequence)
                                 or not all(isinstance(name, str) for name in features)):
        raise DataError(f"features: must be a list of column names, got {features!r}")
    if target is None:
        raise DataError(f"{path}: choose the target column (the one to predict): {listing}")
    if target not in columns:
        raise DataError(f"{path}: there is no column {target!r}; the columns are {listing}")
    if features is None:
        features = [c for c in columns if c != target]
    features = list(features)
    known = set(columns)
    for name in features:
        if name not in known:
            raise DataError(
                f"{path}: there is no feature column {name!r}; the columns are {listing}"
            )
    if target in features:
        raise DataError(f"{path}: the target column {target!r} cannot also be a feature")
    if len(set(features)) != len(features):
        raise DataError(f"{path}: a feature column is chosen twice")
    if not features:
        raise DataError(f"{path}: choose at least one feature column besides the target {target!r}")
    return features


@dataclass
class _Columns:
    """What streaming gives: numeric features as one float32 table (NaN = missing), text
    columns as pyarrow strings, the target as float64 or strings, and each row's line number.
    """

    numbers: np.ndarray  # (n, numeric features), in the order the features were chosen
    number_names: list[str]
    texts: dict[str, pa.ChunkedArray]
    target: np.ndarray | pa.ChunkedArray
    rows: np.ndarray  # the physical line of each row, for messages


def _stream(path: Path, options: CsvOptions, head: _Head, features: list[str], target: str,
            kinds: Mapping[str, str], progress: Progress | None,
            cancel: Cancel | None) -> _Columns:
    """Read the chosen columns block by block; numeric features go straight into float32."""
    wanted = [*features, target]
    types = {name: pa.float64() if kinds[name] == "number" else pa.string() for name in wanted}
    number_names = [name for name in features if kinds[name] == "number"]
    text_names = [name for name in features if kinds[name] != "number"]
    blocks: list[np.ndarray] = []
    texts: dict[str, list[pa.Array]] = {name: [] for name in text_names}
    targets: list[Any] = []
    rows = 0
    try:
        for batch in _open_reader(path, options, head, wanted, types, threads=True):
            check_cancel(cancel, path)
            block = np.empty((batch.num_rows, len(number_names)), dtype=np.float32)
            with np.errstate(over="ignore"):  # beyond float32: inf, refused by _check_finite
                for j, name in enumerate(number_names):
                    block[:, j] = batch.column(name).to_numpy(zero_copy_only=False)
            blocks.append(block)
            for name in text_names:
                texts[name].append(batch.column(name))
            column = batch.column(target)
            targets.append(column if kinds[target] != "number"
                           else column.to_numpy(zero_copy_only=False))
            rows += batch.num_rows
            report_progress(progress, 0.9 * rows * head.bytes_per_row / head.file_size)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise _explain(_locate(exc, path, options, head, wanted, types), path, options,
                       head.columns) from None
    if rows == 0:
        raise DataError(f"{path}: the file has no data rows")
    return _Columns(
        numbers=np.concatenate(blocks) if len(blocks) > 1 else blocks[0],
        number_names=number_names,
        texts={name: pa.chunked_array(parts, type=pa.string()) for name, parts in texts.items()},
        target=(pa.chunked_array(targets, type=pa.string()) if kinds[target] != "number"
                else np.concatenate(targets)),
        rows=np.arange(rows) + (2 if options.header else 1),
    )


def _open_reader(path: Path, options: CsvOptions, head: _Head, wanted: list[str],
                 types: dict[str, pa.DataType], threads: bool) -> pacsv.CSVStreamingReader:
    return pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(
            use_threads=threads, block_size=BLOCK_SIZE, column_names=list(head.columns),
            skip_rows=int(options.header), encoding=options.encoding,
        ),
        parse_options=_parse_options(options),
        convert_options=pacsv.ConvertOptions(
            column_types=types, include_columns=wanted, null_values=NULL_VALUES,
            strings_can_be_null=True, decimal_point=options.decimal,
        ),
    )


def _locate(exc: Exception, path: Path, options: CsvOptions, head: _Head, wanted: list[str],
            types: dict[str, pa.DataType]) -> Exception:
    """The same error with its row number: pyarrow gives row numbers only when it reads with
    one thread, so a failed threaded read is repeated that way (only ever on failure).
    """
    if "Row #" in str(exc) or isinstance(exc, UnicodeDecodeError):
        return exc
    try:
        for _ in _open_reader(path, options, head, wanted, types, threads=False):
            pass
    except (pa.ArrowInvalid, UnicodeDecodeError) as located:
        return located
    return exc


def _build_dataset(path: Path, columns: _Columns, features: list[str], target: str,
                   task: str | None, categorical: Mapping[str, str], missing: str,
                   report: ImportReport) -> Dataset:
    texts = {name: _categories(values) for name, values in columns.texts.items()}
    target_text = _categories(columns.target) if isinstance(columns.target, pa.ChunkedArray) \
        else None
    keep = _drop_missing(path, columns, texts, target_text, target, missing, report)
    report.kept_rows = np.flatnonzero(keep)
    report.categories = {name: categories for name, (_, categories) in texts.items()}
    numbers = columns.numbers
    rows = columns.rows
    if not keep.all():
        numbers, rows = numbers[keep], rows[keep]
        texts = {name: (codes[keep], categories) for name, (codes, categories) in texts.items()}
    _fill_numbers(path, numbers, columns.number_names, rows, missing, report)
    x, names = _assemble(path, features, numbers, columns.number_names, texts, categorical,
                         report)
    where = f"{path}: target column {target!r}"
    if target_text is not None:
        targets = targets_from_codes(target_text[0][keep], target_text[1], task, where)
    else:
        values = columns.target[keep]
        _check_finite(path, target, values, rows)
        targets = make_targets(values, task, where)
    return Dataset(path.stem or "data", x, targets.y, targets.task, tuple(names),
                   targets.class_names)


def _drop_missing(path: Path, columns: _Columns, texts: dict[str, tuple[np.ndarray, tuple]],
                  target_text: tuple[np.ndarray, tuple] | None, target: str, missing: str,
                  report: ImportReport) -> np.ndarray:
    """The rows to keep; counts every column's missing values into `report`."""
    # Rows without a target cannot be learned from, whatever the missing-value choice.
    keep = target_text[0] >= 0 if target_text is not None else ~np.isnan(columns.target)
    dropped_target = len(keep) - int(keep.sum())
    gaps = np.isnan(columns.numbers)
    per_column = {name: int(count) for name, count in zip(columns.number_names, gaps.sum(axis=0))}
    per_column.update({name: int((codes < 0).sum()) for name, (codes, _) in texts.items()})
    for name, count in per_column.items():
        if count == len(keep):
            raise DataError(f"{path}: column {name!r} is empty; leave it out of the features")
    report.missing.update({name: count for name, count in per_column.items() if count})
    if dropped_target:
        report.missing[target] = dropped_target
        report.notes.append(f"{_rows(dropped_target)} without a value in {target!r} dropped.")
    if missing == "drop" and any(per_column.values()):
        keep = keep & ~gaps.any(axis=1)
        for codes, _ in texts.values():
            keep &= codes >= 0
        if len(keep) - int(keep.sum()) > dropped_target:
            report.notes.append(
                f"{_rows(len(keep) - int(keep.sum()) - dropped_target)} with missing values "
                f"dropped."
            )
    if not keep.any():
        raise DataError(
            f"{path}: every row has a missing value; choose filling instead of dropping, or "
            f"leave out the columns with gaps ({', '.join(repr(c) for c in report.missing)})"
        )
    report.rows_dropped = len(keep) - int(keep.sum())
    return keep


def _assemble(path: Path, features: list[str], numbers: np.ndarray, number_names: list[str],
              texts: dict[str, tuple[np.ndarray, tuple[str, ...]]],
              categorical: Mapping[str, str],
              report: ImportReport) -> tuple[np.ndarray, list[str]]:
    """The input table in the chosen feature order, text columns encoded."""
    if not texts:
        return numbers, list(number_names)  # the common case: no copy at all
    blocks, names = [], []
    number_column = {name: j for j, name in enumerate(number_names)}
    for name in features:
        if name in texts:
            codes, categories = texts[name]
            block, block_names = _encode_text(path, name, codes, categories,
                                              categorical[name], report)
        else:
            j = number_column[name]
            block, block_names = numbers[:, j:j + 1], [name]
        blocks.append(block)
        names.extend(block_names)
    return np.concatenate(blocks, axis=1), names


def _rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count} rows"


def _categories(column: pa.ChunkedArray) -> tuple[np.ndarray, tuple[str, ...]]:
    """Text column → (codes, sorted categories); code -1 marks a missing value."""
    encoded = pa.concat_arrays(column.chunks).dictionary_encode() if column.num_chunks else \
        pa.array([], type=pa.string()).dictionary_encode()
    dictionary = [value.strip() for value in encoded.dictionary.to_pylist()]
    categories = sorted(set(dictionary))
    position = {name: k for k, name in enumerate(categories)}
    remap = np.array([position[name] for name in dictionary] + [-1], dtype=np.int64)
    indices = encoded.indices.fill_null(len(dictionary)).to_numpy(zero_copy_only=False)
    return remap[indices], tuple(categories)


def _encode_text(path: Path, name: str, codes: np.ndarray, categories: tuple[str, ...],
                 categorical: str, report: ImportReport) -> tuple[np.ndarray, list[str]]:
    gaps = codes < 0
    if gaps.any():
        counts = np.bincount(codes[~gaps], minlength=len(categories))
        most = int(np.argmax(counts))
        codes = np.where(gaps, most, codes)
        report.notes.append(
            f"{int(gaps.sum())} missing values in {name!r} were filled with "
            f"the most frequent text, {categories[most]!r}."
        )
    used = np.unique(codes)
    if categorical == "ordinal":
        return codes.astype(np.float32)[:, None], [name]
    if len(used) > MAX_ONEHOT_CATEGORIES:
        raise DataError(
            f"{path}: column {name!r} holds {len(used)} different texts, too many to one-hot "
            f"encode (more than {MAX_ONEHOT_CATEGORIES}); it looks like a name or an identifier. "
            f"Leave it out of the features, or choose ordinal encoding."
        )
    block = (codes[:, None] == used[None, :]).astype(np.float32)
    return block, [f"{name}={categories[k]}" for k in used]


def _fill_numbers(path: Path, numbers: np.ndarray, names: list[str], rows: np.ndarray,
                  missing: str, report: ImportReport) -> None:
    """Fill the gaps left in `numbers` (in place) and refuse infinite values."""
    for j in np.flatnonzero(np.isnan(numbers).any(axis=0)):
        column = numbers[:, j]
        gaps = np.isnan(column)
        present = column[~gaps].astype(np.float64)
        if missing == "mean":
            fill = float(present.mean())
        elif missing == "median":
            fill = float(np.median(present))
        else:
            uniques, counts = np.unique(present, return_counts=True)
            fill = float(uniques[np.argmax(counts)])
        column[gaps] = fill
        report.notes.append(
            f"{int(gaps.sum())} missing values in {names[j]!r} were filled with the "
            f"{missing.replace('_', ' ')} value, {fill:g}."
        )
    if not np.isfinite(numbers).all():
        _, j = np.argwhere(~np.isfinite(numbers))[0]
        _check_finite(path, names[j], numbers[:, j], rows)


def _check_finite(path: Path, name: str, values: np.ndarray, rows: np.ndarray) -> None:
    infinite = np.isinf(values)
    if infinite.any():
        line = _physical_line(path, int(rows[np.flatnonzero(infinite)[0]]))
        raise DataError(
            f"{path}: line {line}, column {name!r}: the value is infinite or too large "
            f"(beyond ±3.4e38); replace it with a number or leave the cell empty"
        )


# ---------------------------------------------------------------------------------------------
# Errors


_CONVERSION = re.compile(
    r"In CSV column #(\d+): Row #(\d+): CSV conversion error to \w+: invalid value '(.*)'", re.S
)
_RAGGED = re.compile(r"Row #(\d+): Expected (\d+) columns, got (\d+)(?:: (.*))?", re.S)
_RAGGED_NO_ROW = re.compile(r"Expected (\d+) columns, got (\d+)(?:: (.*))?", re.S)


def _explain(exc: Exception, path: Path, options: CsvOptions,
             columns: Sequence[str] | None) -> DataError:
    """Turn a pyarrow or codec error into a message with the line, the column and a fix."""
    text = str(exc)
    columns = columns or _header_names(path, options)
    if isinstance(exc, UnicodeDecodeError) or "UTF8" in text or "UTF-8" in text:
        return _encoding_error(path, options, columns)
    match = _CONVERSION.search(text)
    if match:
        column = int(match.group(1))
        name = columns[column] if columns and column < len(columns) else f"column {column + 1}"
        value = match.group(3)
        hint = ""
        if options.decimal == "." and re.fullmatch(r"\s*[+-]?\d+,\d+\s*", value):
            hint = " It looks like a decimal comma: choose the decimal separator \",\"."
        return DataError(
            f"{path}: line {_physical_line(path, int(match.group(2)))}, column {name!r}: "
            f"{value!r} is not a number, but "
            f"the column holds numbers. Correct that cell (leave it empty if the value is "
            f"unknown), or leave the column out.{hint}"
        )
    match = _RAGGED.search(text)
    if match:
        line, expected, got, row = match.groups()
        return _ragged_error(path, options, _physical_line(path, int(line)), int(expected),
                             int(got), row)
    match = _RAGGED_NO_ROW.search(text)
    if match:
        expected, got, row = match.groups()
        return _ragged_error(path, options, None, int(expected), int(got), row)
    return DataError(f"{path}: cannot be read as CSV: {text}")


def _physical_line(path: Path, record: int) -> int:
    """The file line of pyarrow's row number `record`, which does not count empty lines."""
    seen = 0
    with open(path, "rb") as file:
        for line_number, line in enumerate(file, start=1):
            if line not in (b"\n", b"\r\n", b"\r"):
                seen += 1
                if seen == record:
                    return line_number
    return record


def _header_names(path: Path, options: CsvOptions) -> tuple[str, ...] | None:
    """Column names read leniently from the first line, for messages about a broken file."""
    if not options.header:
        return None
    with open(path, "rb") as file:
        lines = decode_head(file.read(1 << 16), options.encoding).splitlines()
    quoting = {"quotechar": options.quote_char} if options.quote_char else {
        "quoting": stdlib_csv.QUOTE_NONE}
    try:
        rows = list(stdlib_csv.reader(lines[:1], delimiter=options.delimiter, **quoting))
    except stdlib_csv.Error:  # a broken file: the message does without the names
        return None
    return _column_names([cell.lstrip("\ufeff") for cell in rows[0]]) if rows else None


def _ragged_error(path: Path, options: CsvOptions, line: int | None, expected: int, got: int,
                  row: str | None) -> DataError:
    where = f"line {line}" if line else "a line"
    shown = f" ({row.strip()[:60]!r})" if row else ""
    first = "the header" if options.header else "the first line"
    delimiter = DELIMITERS.get(options.delimiter, repr(options.delimiter))
    return DataError(
        f"{path}: {where}{shown} has {got} values, but {first} has {expected}. Fix that line, "
        f"or check the delimiter (now {delimiter}) and the quotes."
    )


def _encoding_error(path: Path, options: CsvOptions, columns: Sequence[str] | None) -> DataError:
    """Find the first byte that does not decode, and say on which line and in which column."""
    decoder = codecs.getincrementaldecoder(options.encoding)()
    lines_before, line_start = 0, b""  # newlines before this chunk; the current line so far
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                before = line_start + chunk[: exc.start]
                line = lines_before + before.count(b"\n") + 1
                column = _column_at(before[before.rfind(b"\n") + 1:], options, columns)
                byte = chunk[exc.start] if exc.start < len(chunk) else 0
                return DataError(
                    f"{path}: line {line}{column}: byte 0x{byte:02X} is not valid "
                    f"{options.encoding.upper()} text. The file is probably in another "
                    f"encoding, such as Latin-1 (Windows-1252): choose the encoding "
                    f"\"latin-1\" and read it again."
                )
            lines_before += chunk.count(b"\n")
            line_start = (line_start + chunk)[(line_start + chunk).rfind(b"\n") + 1:]
    return DataError(
        f"{path}: holds text that is not valid {options.encoding.upper()}; choose the "
        f"encoding \"latin-1\" and read it again"
    )


def _column_at(line_start: bytes, options: CsvOptions, columns: Sequence[str] | None) -> str:
    index = line_start.count(options.delimiter.encode("latin-1", errors="ignore"))
    if columns and index < len(columns):
        return f", column {columns[index]!r}"
    return f", column {index + 1}"
