"""Tables of experiment rows: raw values under named columns, shown formatted, sorted by value.

`RowsTableModel` keeps each cell's raw value (numbers stay numbers) and shows it formatted
(four significant digits, "-" when missing); `SORT_ROLE` gives the raw value back, so a
`MissingLastProxy` sorts numbers as numbers and always puts missing values last. One row can be
highlighted (the best run): bold on a soft green, with a tooltip saying why.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtCore import QSortFilterProxyModel
from PySide6.QtGui import QBrush, QColor, QFont

from nnstudio.core.history import format_metric, format_value
from nnstudio.core.metrics import METRICS
from nnstudio.gui.theme import is_dark

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
HIGHLIGHT_LIGHT = "#d4efd8"
HIGHLIGHT_DARK = "#2f5a38"

# Metric names as the metrics table writes them; settings' short names in words.
_WORDS = {"val": "validation", "lr": "learning rate", "l1": "L1", "l2": "L2",
          **{key: row.label for key, row in METRICS.items()}}

Index = QModelIndex | QPersistentModelIndex


def column_title(name: str) -> str:
    """A column name as a header: "val_accuracy" → "validation accuracy", "l2" → "L2"."""
    return " ".join(_WORDS.get(part, part) for part in name.split("_"))


def narrow_column_title(name: str) -> str:
    """A header for a table of many columns: one word a line, "validation" as "val." (the
    tooltip keeps the full name): "val_accuracy" → "val.\naccuracy"."""
    words = ["val." if part == "val" else _WORDS.get(part, part) for part in name.split("_")]
    return "\n".join(" ".join(words).split())


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def cell_text(value: Any) -> str:
    return format_metric(value) if is_number(value) else format_value(value)


def highlight_color() -> QColor:
    return QColor(HIGHLIGHT_DARK if is_dark() else HIGHLIGHT_LIGHT)


class RowsTableModel(QAbstractTableModel):
    """Rows of raw values under `columns`; row `highlighted` stands out."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.columns: list[str] = []
        self.rows: list[list[Any]] = []
        self.highlighted: int | None = None
        self.highlight_tip = ""
        self.narrow_headers = False  # narrow_column_title, for tables of many columns

    # ---- changing ----
    def set_rows(self, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                 highlighted: int | None = None, tip: str = "") -> None:
        """Show `rows` under `columns` (a reset when the columns or the row count change, else
        an update in place, which keeps the view's selection)."""
        columns, rows = list(columns), [list(row) for row in rows]
        if columns == self.columns and len(rows) == len(self.rows):
            self.rows, self.highlighted, self.highlight_tip = rows, highlighted, tip
            if rows:
                self.dataChanged.emit(self.index(0, 0),
                                      self.index(len(rows) - 1, len(columns) - 1))
            return
        self.beginResetModel()
        self.columns, self.rows = columns, rows
        self.highlighted, self.highlight_tip = highlighted, tip
        self.endResetModel()

    def append_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self.rows.extend(list(row) for row in rows)
        self.endInsertRows()

    def set_highlighted(self, row: int | None, tip: str = "") -> None:
        old, self.highlighted, self.highlight_tip = self.highlighted, row, tip
        for changed in {old, row} - {None}:
            if changed < len(self.rows):
                self.dataChanged.emit(self.index(changed, 0),
                                      self.index(changed, len(self.columns) - 1))

    def value(self, row: int, column: str) -> Any:
        return self.rows[row][self.columns.index(column)]

    # ---- Qt's model interface ----
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            name = self.columns[section]
            return narrow_column_title(name) if self.narrow_headers else column_title(name)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.columns[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        value = self.rows[row][column]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display_text(row, column, value)
        if role == SORT_ROLE:
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if is_number(value) \
                else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and row == self.highlighted:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole and row == self.highlighted:
            return QBrush(highlight_color())
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(row, column, value)
        return None

    def display_text(self, row: int, column: int, value: Any) -> str:
        return cell_text(value)

    def tooltip(self, row: int, column: int, value: Any) -> str | None:
        text = cell_text(value)
        if row == self.highlighted and self.highlight_tip:
            return f"{text}\n{self.highlight_tip}"
        return text if len(text) > 12 else None


class MissingLastProxy(QSortFilterProxyModel):
    """Sorts by the raw values (numbers as numbers, text ignoring case); missing values always
    go last, whichever way the column is sorted."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)

    def lessThan(self, left: Index, right: Index) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        descending = self.sortOrder() == Qt.SortOrder.DescendingOrder
        if is_missing(a) or is_missing(b):
            if is_missing(a) and is_missing(b):
                return False
            # Qt reverses the comparison for a descending sort: flip it, so missing stays last.
            return is_missing(a) == descending
        if is_number(a) and is_number(b):
            return a < b
        return str(a).casefold() < str(b).casefold()
