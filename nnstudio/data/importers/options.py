"""The type and value each importer option may take, checked when a project file is read.

A project stores its importer's options as plain JSON values (`DataSource.options`). A hand-
edited or hostile file may put any value there (`"features": 5`, `"size": 5`, `"x": ["x"]`,
`"encoding": "rot13"`); the project loader checks them here, so the message names the field
(`data.source.options.size: ...`) instead of an importer failing later on a wrong type.

One table, `OPTION_RULES`: format key -> option name -> rule. A rule takes the value and where
it is, and raises DataError naming that place when the value does not fit. Which options a
format accepts at all is the importer's own check (`nnstudio.data.importers._options`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from nnstudio.core.errors import DataError
from nnstudio.core.params import _show as _shown
from nnstudio.data.dataset import TASKS
from nnstudio.data.importers.csv import CATEGORICAL, MISSING
from nnstudio.data.importers.images import COLORS, MAX_SIDE
from nnstudio.data.importers.text_file import encoding_problem

Rule = Callable[[Any, str], None]
_USE = 'use e.g. "utf-8", "utf-16", "latin-1" or "cp1252"'


def _text(value: Any, where: str) -> None:
    if not isinstance(value, str):
        raise DataError(f"{where}: must be a text, got {_shown(value)}")


def _text_or_null(value: Any, where: str) -> None:
    if value is not None:
        _text(value, where)


def _texts_or_null(value: Any, where: str) -> None:
    if value is not None and not (isinstance(value, list)
                                  and all(isinstance(item, str) for item in value)):
        raise DataError(f"{where}: must be a list of column names, got {_shown(value)}")


def _boolean(value: Any, where: str) -> None:
    if not isinstance(value, bool):
        raise DataError(f"{where}: must be true or false, got {_shown(value)}")


def _one_of(choices: tuple[str, ...], allow_null: bool = False) -> Rule:
    def rule(value: Any, where: str) -> None:
        if not (value is None and allow_null) and (not isinstance(value, str)
                                                   or value not in choices):
            raise DataError(f"{where}: must be one of {', '.join(choices)}, got {_shown(value)}")
    return rule


def _categorical(value: Any, where: str) -> None:
    """One encoding for every text column, or one per column ({"colour": "onehot"})."""
    if isinstance(value, Mapping):
        for column, encoding in value.items():
            _one_of(CATEGORICAL)(encoding, f"{where}.{column}")
    else:
        _one_of(CATEGORICAL)(value, where)


def _encoding(value: Any, where: str) -> None:
    """A codec that reads text files (text_file.encoding_problem)."""
    _text(value, where)
    problem = encoding_problem(value)
    if problem is not None:
        raise DataError(f"{where}: {_shown(value)} {problem}; {_USE}")


def _one_character(value: Any, where: str) -> None:
    if not isinstance(value, str) or len(value) > 1:
        raise DataError(f"{where}: must be one character, got {_shown(value)}")


def _image_size(value: Any, where: str) -> None:
    if not (isinstance(value, list) and len(value) == 2
            and all(isinstance(side, int) and not isinstance(side, bool)
                    and 1 <= side <= MAX_SIDE for side in value)):
        raise DataError(f"{where}: must be [height, width], each a whole number from 1 to "
                        f"{MAX_SIDE}, got {_shown(value)}")


_TASK = _one_of(TASKS, allow_null=True)
_CSV: dict[str, Rule] = {
    "delimiter": _one_character, "quote_char": _one_character, "header": _boolean,
    "decimal": _one_of((".", ",")), "encoding": _encoding,
    "target": _text_or_null, "features": _texts_or_null, "task": _TASK,
    "categorical": _categorical, "missing": _one_of(MISSING),
}
OPTION_RULES: dict[str, dict[str, Rule]] = {
    "csv": _CSV,
    "tsv": _CSV,
    "npz": {"x": _text_or_null, "y": _text_or_null, "task": _TASK},
    "npy": {"y_path": _text_or_null, "task": _TASK},
    "images": {"size": _image_size, "color": _one_of(COLORS)},
}


def check_options(format_key: str, options: Mapping[str, Any], where: str) -> None:
    """DataError naming `where`.<option> for the first option of `format_key` whose value does
    not fit; an unknown format is named too."""
    rules = OPTION_RULES.get(format_key)
    if rules is None:
        raise DataError(f"{where.rsplit('.', 1)[0]}.format: unknown format "
                        f"{_shown(format_key)}; choose one of {', '.join(OPTION_RULES)}")
    for key, value in options.items():
        if key in rules:
            rules[key](value, f"{where}.{key}")

