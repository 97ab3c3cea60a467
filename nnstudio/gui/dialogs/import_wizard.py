"""File ▸ Import Data…: a wizard from a file (or image folder) to a checked `Dataset`.

1. File: choose the file; CSV dialect settings (guessed, overridable) with a live preview of the
   first rows; the arrays of a NumPy file; the size and colour of images.
2. Columns (`import_columns.ColumnsPage`): the target and the input columns of a CSV as the
   shared column checks choose them, each decision said; the task, the encoding of each text
   column and what to do with missing values.
3. Import: the file is read in a worker thread with a progress bar and a Stop button. An error
   is shown on this page; Back returns to the choices exactly as they were.

Every read goes through `nnstudio.data.importers.load_file` with the options that a project
then stores, so reopening the project reads the file the same way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel, QModelIndex, QObject, QSignalBlocker, Qt, QThread, QTimer, Signal, Slot,
)
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
    QProgressBar, QPushButton, QSpinBox, QStackedWidget, QTableView, QVBoxLayout, QWidget,
    QWizard, QWizardPage,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.gui.dialogs.import_columns import ColumnsPage, combo_box, select_data
from nnstudio.gui.dialogs.split_rows import add_split_chooser
from nnstudio.gui.theme import ERROR_COLOR

log = logging.getLogger(__name__)

FILE_FILTER = ("Data files (*.csv *.tsv *.txt *.npy *.npz);;CSV or TSV (*.csv *.tsv *.txt);;"
               "NumPy (*.npy *.npz);;All files (*)")
DELIMITERS = [("Comma  ,", ","), ("Semicolon  ;", ";"), ("Tab", "\t"), ("Pipe  |", "|"),
              ("Space", " ")]
QUOTES = [('Double quote  "', '"'), ("Single quote  '", "'"), ("None", "")]
ENCODINGS = [("UTF-8", "utf-8"), ("Latin-1 (ISO-8859-1)", "latin-1"),
             ("Windows-1252", "cp1252")]
PREVIEW_ROWS = 50
NOTHING_CHOSEN = ("No file chosen yet: the first rows of a table, or what a NumPy file or an "
                  "image folder holds, show here.")
PAGE_FILE, PAGE_COLUMNS, PAGE_IMPORT = 0, 1, 2

Job = Callable[[Callable[[float], None], Callable[[], bool], Any], Any]


# ---- reading in the background ------------------------------------------------------------------

class _ImportThread(QThread):
    """One import job. Its signals are emitted from the thread and, because this object lives
    in the GUI thread, arrive there queued. A one-shot job needs no event loop, so `run` is the
    job itself and `wait()` is always enough to end it (no quit that could come too early).
    """

    progressed = Signal(int)
    succeeded = Signal(object, object)
    failed = Signal(str, object)
    cancelled = Signal()

    def __init__(self, job: Job, stop: threading.Event, parent: QObject | None = None):
        super().__init__(parent)
        self._job = job
        self._stop = stop
        self._percent = -1

    def run(self) -> None:
        from nnstudio.data.importers import ImportCancelled, ImportReport

        report = ImportReport()
        try:
            dataset = self._job(self._on_progress, self._stop.is_set, report)
        except ImportCancelled:
            self.cancelled.emit()
        except NNStudioError as error:
            self.failed.emit(str(error), error)
        except MemoryError as error:
            self.failed.emit("There is not enough memory to read this file; use a smaller one.",
                             error)
        except Exception as error:  # an importer bug must not take the window with it
            log.exception("import failed")
            self.failed.emit(f"The file could not be read ({type(error).__name__}: {error})",
                             error)
        else:
            if self._stop.is_set():
                self.cancelled.emit()
            else:
                self.succeeded.emit(dataset, report)

    def _on_progress(self, fraction: float) -> None:
        percent = int(fraction * 100)
        if percent != self._percent:  # one signal per percent, however small the blocks
            self._percent = percent
            self.progressed.emit(percent)


class BackgroundImport(QObject):
    """Runs one import job at a time in a worker thread; Stop is a thread-safe flag.

    `job(progress, cancel, report)` returns a Dataset. Signals arrive in the GUI thread.
    """

    progressed = Signal(int)
    succeeded = Signal(object, object)  # dataset, ImportReport
    failed = Signal(str, object)  # message, the exception (e.g. DataFileMissing)
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread: _ImportThread | None = None

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def start(self, job: Job) -> None:
        self.stop_and_wait()
        thread = _ImportThread(job, threading.Event(), self)
        thread.progressed.connect(self._on_thread_progressed)
        thread.succeeded.connect(self._on_thread_succeeded)
        thread.failed.connect(self._on_thread_failed)
        thread.cancelled.connect(self._on_thread_cancelled)
        self._thread = thread
        thread.start()

    def cancel(self) -> None:
        if self._thread is not None:
            self._thread._stop.set()

    def stop_and_wait(self) -> None:
        """Stop a running job and wait for it (the Back, Cancel and close paths); whatever it
        still reports is ignored."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        thread._stop.set()
        thread.wait()
        thread.deleteLater()

    # Only the current thread's reports count: a stopped one may still have some queued.
    def _current(self) -> bool:
        return self.sender() is self._thread and self._thread is not None

    @Slot(int)
    def _on_thread_progressed(self, percent: int) -> None:
        if self._current():
            self.progressed.emit(percent)

    @Slot(object, object)
    def _on_thread_succeeded(self, dataset, report) -> None:
        if self._current():
            self._finish()
            self.succeeded.emit(dataset, report)

    @Slot(str, object)
    def _on_thread_failed(self, message: str, error: object) -> None:
        if self._current():
            self._finish()
            self.failed.emit(message, error)

    @Slot()
    def _on_thread_cancelled(self) -> None:
        if self._current():
            self._finish()
            self.cancelled.emit()

    def _finish(self) -> None:
        thread, self._thread = self._thread, None
        thread.wait()  # it has emitted its last signal; this returns at once
        thread.deleteLater()


# ---- preview table ------------------------------------------------------------------------------

class PreviewTableModel(QAbstractTableModel):
    """The first rows of a CSV as text; the header shows each column's kind."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.columns: tuple[str, ...] = ()
        self.kinds: tuple[str, ...] = ()
        self.rows: tuple[tuple[str | None, ...], ...] = ()
        self.sampled: int | None = None  # rows the kinds come from, None: the whole file

    def set_preview(self, columns, kinds, rows, sampled: int | None = None) -> None:
        self.beginResetModel()
        self.columns, self.kinds, self.rows = tuple(columns), tuple(kinds), tuple(rows)
        self.sampled = sampled
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return "" if value is None else value
        if role == Qt.ItemDataRole.ToolTipRole and value is None:
            return "missing value"
        if role == Qt.ItemDataRole.TextAlignmentRole and self.kinds[index.column()] == "number":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and role == Qt.ItemDataRole.ToolTipRole and self.sampled is not None \
                and self.kinds[section] == "number":
            return (f"Guessed from the first {self.sampled:,} rows; reading the whole file "
                    f"confirms it.")
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if horizontal:
            # "number" seen in part of the file is a guess until the full read confirms it
            # (text further down makes it fail); text stays text whatever follows.
            kind = self.kinds[section]
            unsure = "?" if self.sampled is not None and kind == "number" else ""
            return f"{self.columns[section]}\n({kind}{unsure})"
        return str(section + 1)


def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {ERROR_COLOR};")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


# ---- page 1: the file ---------------------------------------------------------------------------

class FilePage(QWizardPage):
    """The file, its format settings and a live preview."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTitle("Choose your data")
        self.setSubTitle("A CSV or TSV table, a NumPy .npy or .npz file, or a folder with one "
                         "subfolder of images per class.")
        self.format: str | None = None
        self.preview = None  # CsvPreview of the current settings
        self._arrays: dict[str, tuple] = {}

        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("path_edit")
        self.path_edit.setPlaceholderText("Type a path, or Browse…")
        browse = QPushButton("Browse File…")
        browse.clicked.connect(self._on_browse_clicked)
        folder = QPushButton("Image Folder…")
        folder.clicked.connect(self._on_folder_clicked)
        self.format_label = QLabel()
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        path_row.addWidget(folder)

        self.options = QStackedWidget()
        self.options.addWidget(QWidget())  # nothing chosen yet
        self.options.addWidget(self._build_csv_options())
        self.options.addWidget(self._build_npz_options())
        self.options.addWidget(self._build_npy_options())
        self.options.addWidget(self._build_image_options())

        self.table_model = PreviewTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("preview_table")
        self.table.setModel(self.table_model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.summary = QLabel(NOTHING_CHOSEN)
        self.summary.setObjectName("preview_summary")
        self.summary.setWordWrap(True)
        self.error = _error_label()

        layout = QVBoxLayout(self)
        layout.addLayout(path_row)
        layout.addWidget(self.format_label)
        layout.addWidget(self.options)
        layout.addWidget(self.error)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)

        # Typing a path previews once the typing pauses, not on every key.
        self._path_timer = QTimer(self)
        self._path_timer.setSingleShot(True)
        self._path_timer.setInterval(300)
        self._path_timer.timeout.connect(self.load_path)
        self.path_edit.textEdited.connect(lambda _text: self._path_timer.start())
        self.path_edit.editingFinished.connect(self.load_path)

    # -- option widgets
    def _build_csv_options(self) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        self.delimiter = combo_box(DELIMITERS)
        self.delimiter.setObjectName("delimiter_combo")
        self.header = QCheckBox("The first line holds the column names")
        self.header.setObjectName("header_check")
        self.decimal = combo_box([("Point  1.5", "."), ("Comma  1,5", ",")])
        self.decimal.setObjectName("decimal_combo")
        self.quote = combo_box(QUOTES)
        self.encoding = combo_box(ENCODINGS)
        self.encoding.setObjectName("encoding_combo")
        self.encoding.setToolTip("How the file stores letters. Try Latin-1 or Windows-1252 when "
                                 "accented letters look wrong or the file will not read.")
        row = QHBoxLayout()
        for label, widget in (("Delimiter", self.delimiter), ("Decimal", self.decimal),
                              ("Quotes", self.quote), ("Encoding", self.encoding)):
            row.addWidget(QLabel(label))
            row.addWidget(widget)
        row.addStretch(1)
        form.addRow(row)
        form.addRow(self.header)
        for combo in (self.delimiter, self.decimal, self.quote, self.encoding):
            combo.currentIndexChanged.connect(self.refresh_preview)
        self.header.toggled.connect(self.refresh_preview)
        return box

    def _build_npz_options(self) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        self.x_array = QComboBox()
        self.x_array.setObjectName("x_array_combo")
        self.y_array = QComboBox()
        self.y_array.setObjectName("y_array_combo")
        form.addRow("Inputs (x)", self.x_array)
        form.addRow("Targets (y)", self.y_array)
        self.x_array.currentIndexChanged.connect(self.completeChanged)
        self.y_array.currentIndexChanged.connect(self.completeChanged)
        return box

    def _build_npy_options(self) -> QWidget:
        box = QWidget()
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        self.y_file = QLineEdit()
        self.y_file.setObjectName("y_file_edit")
        self.y_file.setPlaceholderText("empty: the last column of this array is the target")
        form.addRow("Targets file beside it", self.y_file)
        return box

    def _build_image_options(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.image_height = QSpinBox()
        self.image_width = QSpinBox()
        for spin in (self.image_height, self.image_width):
            spin.setRange(4, 512)
            spin.setValue(32)
        self.image_color = combo_box([("Grayscale", "grayscale"), ("Colour (RGB)", "rgb")])
        row.addWidget(QLabel("Resize every image to height"))
        row.addWidget(self.image_height)
        row.addWidget(QLabel("width"))
        row.addWidget(self.image_width)
        row.addWidget(self.image_color)
        row.addStretch(1)
        return box

    # -- choosing the file
    def set_path(self, path: str | Path) -> None:
        """Show `path` and preview it (what Browse does after the file dialog)."""
        self.path_edit.setText(str(path))
        self.load_path()

    @Slot()
    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import Data", self._start_folder(),
                                              FILE_FILTER)
        if path:
            self.set_path(path)

    @Slot()
    def _on_folder_clicked(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Image Folder", self._start_folder())
        if path:
            self.set_path(path)

    def _start_folder(self) -> str:
        text = self.path_edit.text().strip()
        return str(Path(text).parent) if text else str(Path.home())

    def path(self) -> Path | None:
        text = self.path_edit.text().strip()
        return Path(text).expanduser() if text else None

    @Slot()
    def load_path(self) -> None:
        """Detect the format of the typed path, guess its settings and preview it."""
        from nnstudio.data.importers import FORMAT_NAMES, format_for_path

        self._path_timer.stop()
        path = self.path()
        self.preview = None
        self.format = None
        self.table_model.set_preview((), (), ())
        self.summary.setText(NOTHING_CHOSEN if path is None else "")
        if path is None or not path.exists():
            self.options.setCurrentIndex(0)
            self.format_label.setText("")
            self._show_error(f"{path}: not found" if path is not None else "")
            self.completeChanged.emit()
            return
        try:
            self.format = format_for_path(path)
        except NNStudioError as error:
            self.options.setCurrentIndex(0)
            self._show_error(str(error))
            self.completeChanged.emit()
            return
        self.format_label.setText(f"Format: {FORMAT_NAMES[self.format]}")
        page = {"csv": 1, "tsv": 1, "npz": 2, "npy": 3, "images": 4}[self.format]
        self.options.setCurrentIndex(page)
        {"csv": self._sniff_csv, "tsv": self._sniff_csv, "npz": self._inspect_npz,
         "npy": self._inspect_npy, "images": self._inspect_images}[self.format](path)
        self.completeChanged.emit()

    def _sniff_csv(self, path: Path) -> None:
        from nnstudio.data.importers import sniff_csv

        try:
            options = sniff_csv(path)
        except NNStudioError as error:
            self._show_error(str(error))
            return
        blockers = [QSignalBlocker(w) for w in (self.delimiter, self.decimal, self.quote,
                                                self.encoding, self.header)]
        if self.delimiter.findData(options.delimiter) < 0:
            self.delimiter.addItem(repr(options.delimiter), options.delimiter)
        select_data(self.delimiter, options.delimiter)
        select_data(self.decimal, options.decimal)
        select_data(self.quote, options.quote_char)
        select_data(self.encoding, options.encoding)
        self.header.setChecked(options.header)
        del blockers
        self.refresh_preview()

    def csv_options(self):
        from nnstudio.data.importers import CsvOptions

        return CsvOptions(delimiter=self.delimiter.currentData(),
                          quote_char=self.quote.currentData(), header=self.header.isChecked(),
                          decimal=self.decimal.currentData(),
                          encoding=self.encoding.currentData())

    @Slot()
    def refresh_preview(self) -> None:
        """Preview the CSV with the settings as they are now; show what is wrong otherwise."""
        from nnstudio.data.importers import preview_csv

        path = self.path()
        if self.format not in ("csv", "tsv") or path is None:
            return
        try:
            self.preview = preview_csv(path, self.csv_options(), rows=PREVIEW_ROWS)
        except NNStudioError as error:
            self.preview = None
            self.table_model.set_preview((), (), ())
            self.summary.clear()
            self._show_error(str(error))
        else:
            self._show_error("")
            p = self.preview
            self.table_model.set_preview(p.columns, p.kinds, p.rows,
                                         None if p.rows_exact else p.sampled_rows)
            self.table.resizeColumnsToContents()
            from nnstudio.data.importers.common import format_bytes

            about = "" if p.rows_exact else "about "
            self.summary.setText(f"{len(p.columns)} columns, {about}{p.estimated_rows:,} rows "
                                 f"({format_bytes(p.file_size)}). The first {len(p.rows)} "
                                 f"rows are shown.")
        self.completeChanged.emit()

    def _inspect_npz(self, path: Path) -> None:
        from nnstudio.data.importers import guess_npz_arrays, npz_arrays

        try:
            self._arrays = npz_arrays(path)
        except NNStudioError as error:
            self._arrays = {}
            self._show_error(str(error))
            return
        self._show_error("")
        for combo in (self.x_array, self.y_array):
            with QSignalBlocker(combo):
                combo.clear()
                for name, (shape, dtype) in self._arrays.items():
                    combo.addItem(f"{name}  {shape}  {dtype}", name)
        guess = guess_npz_arrays(self._arrays)
        if guess:
            select_data(self.x_array, guess[0])
            select_data(self.y_array, guess[1])
        elif len(self._arrays) > 1:
            self.y_array.setCurrentIndex(1)
        self.summary.setText(f"{len(self._arrays)} arrays in the file.")

    def _inspect_npy(self, path: Path) -> None:
        from nnstudio.data.importers import npy_shape

        try:
            shape, dtype = npy_shape(path)
        except NNStudioError as error:
            self._show_error(str(error))
            return
        self._show_error("")
        self.summary.setText(f"One array of shape {shape} ({dtype}).")

    def _inspect_images(self, path: Path) -> None:
        from nnstudio.data.importers import scan_image_folder

        try:
            classes = scan_image_folder(path)
        except NNStudioError as error:
            self._show_error(str(error))
            return
        self._show_error("")
        self.summary.setText(f"{sum(map(len, classes.values())):,} images in {len(classes)} "
                             f"classes: " + ", ".join(f"{name} ({len(files)})"
                                                      for name, files in classes.items()))

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    # -- what the wizard reads
    def file_options(self) -> dict[str, Any]:
        """The options of the file page as stored in a project (without the column choices)."""
        if self.format in ("csv", "tsv"):
            return self.csv_options().to_dict()
        if self.format == "npz":
            return {"x": self.x_array.currentData(), "y": self.y_array.currentData()}
        if self.format == "npy":
            y_file = self.y_file.text().strip()
            return {"y_path": y_file} if y_file else {}
        if self.format == "images":
            return {"size": [self.image_height.value(), self.image_width.value()],
                    "color": self.image_color.currentData()}
        return {}

    def isComplete(self) -> bool:
        if self.format is None or self.error.isVisible():
            return False
        if self.format in ("csv", "tsv"):
            return self.preview is not None
        if self.format == "npz":
            return bool(self._arrays) and self.x_array.currentData() != self.y_array.currentData()
        return True


# ---- page 3: reading ----------------------------------------------------------------------------

class ImportPage(QWizardPage):
    """Reads the file in the background; shows progress, Stop, and any error."""

    def __init__(self, wizard: ImportWizard, parent: QWidget | None = None):
        super().__init__(parent)
        self._wizard = wizard
        self.setTitle("Reading the data")
        # A subtitle too, so this page keeps the header the other pages have.
        self.setSubTitle("The whole file, read with the choices made so far; Back keeps them.")
        self.dataset = None
        self.report = None
        self.progress = QProgressBar()
        self.progress.setObjectName("import_progress")
        self.progress.setRange(0, 100)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setObjectName("import_status")
        self.error = _error_label()
        self.error.setObjectName("import_error")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("stop_button")
        self.stop_button.clicked.connect(self._on_stop_clicked)
        row = QHBoxLayout()
        row.addWidget(self.progress, 1)
        row.addWidget(self.stop_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.runner = BackgroundImport(self)
        self.runner.progressed.connect(self.progress.setValue)
        self.runner.succeeded.connect(self._on_runner_succeeded)
        self.runner.failed.connect(self._on_runner_failed)
        self.runner.cancelled.connect(self._on_runner_cancelled)

    def initializePage(self) -> None:
        self.dataset = self.report = None
        self._show_progress_state("")
        self.progress.setValue(0)
        self.error.hide()
        self.status.setText(f"Reading {self._wizard.data_path().name}…")
        self.stop_button.setEnabled(True)
        self.runner.start(self._wizard.make_job())
        self.completeChanged.emit()

    def cleanupPage(self) -> None:  # Back: stop reading, keep every choice
        self.runner.stop_and_wait()
        self.dataset = None

    def isComplete(self) -> bool:
        return self.dataset is not None

    @Slot()
    def _on_stop_clicked(self) -> None:
        self.runner.cancel()
        self.status.setText("Stopping…")

    @Slot(object, object)
    def _on_runner_succeeded(self, dataset, report) -> None:
        self.dataset, self.report = dataset, report
        self.progress.setValue(100)
        self.stop_button.setEnabled(False)
        shape = "×".join(map(str, dataset.input_shape))
        classes = (f" ({dataset.n_classes} classes: {', '.join(dataset.class_names[:8])}"
                   f"{'…' if dataset.n_classes > 8 else ''})" if dataset.n_classes else "")
        lines = [f"Read {dataset.n_samples:,} samples with {shape} inputs, task "
                 f"{dataset.task}{classes}."]
        lines += self._wizard.columns_page.confirmed_columns(dataset)
        if report.missing:
            counts = ", ".join(f"{name} {count}" for name, count in report.missing.items())
            lines.append(f"Missing values, before any row was dropped: {counts}.")
        lines += report.notes
        self.status.setText("\n".join(lines))
        self.completeChanged.emit()

    @Slot(str, object)
    def _on_runner_failed(self, message: str, error: object = None) -> None:
        self.stop_button.setEnabled(False)
        self._show_progress_state("Failed")
        self.status.setText("The data could not be read. Go Back to change the settings.")
        self.error.setText(message)
        self.error.show()

    @Slot()
    def _on_runner_cancelled(self) -> None:
        self.stop_button.setEnabled(False)
        self._show_progress_state("Stopped")
        self.status.setText("Stopped. Go Back to change the settings, or Cancel.")

    def _show_progress_state(self, state: str) -> None:
        """"Failed" or "Stopped" fills the bar in the error colour with that word, so it never
        looks frozen at the percentage it had reached; "" shows progress again."""
        self.progress.setProperty("state", state)
        if state:
            self.progress.setValue(self.progress.maximum())
            self.progress.setFormat(state)
            self.progress.setStyleSheet(
                f"QProgressBar {{ text-align: center; }} "
                f"QProgressBar::chunk {{ background-color: {ERROR_COLOR}; }}")
        else:
            self.progress.setFormat("%p%")
            self.progress.setStyleSheet("")


# ---- the wizard ---------------------------------------------------------------------------------

class ImportWizard(QWizard):
    """From a file to a Dataset; `dataset`, `data_path()`, `data_format()` and
    `source_options()` hold the result once Finish is enabled."""

    def __init__(self, path: str | Path | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Import Data")
        self.setObjectName("import_wizard")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.file_page = FilePage()
        self.columns_page = ColumnsPage(self.file_page)
        self.import_page = ImportPage(self)
        self.split_chooser = add_split_chooser(self)  # fixed test/validation rows
        self.setPage(PAGE_FILE, self.file_page)
        self.setPage(PAGE_COLUMNS, self.columns_page)
        self.setPage(PAGE_IMPORT, self.import_page)
        self.resize(900, 640)
        self.checksum: str | None = None  # sha256 of the file read, once it is read
        if path is not None:
            self.file_page.set_path(path)

    @property
    def dataset(self):
        return self.import_page.dataset

    @property
    def report(self):
        return self.import_page.report

    def data_path(self) -> Path:
        path = self.file_page.path()
        assert path is not None
        return path

    def data_format(self) -> str:
        assert self.file_page.format is not None
        return self.file_page.format

    def source_options(self) -> dict[str, Any]:
        """The importer options a project stores for this file (`DataSource.options`)."""
        return {**self.file_page.file_options(), **self.columns_page.column_options()}

    def make_job(self) -> Job:
        from nnstudio.data import importers

        path, format, options = self.data_path(), self.data_format(), self.source_options()
        self.checksum = None

        def job(progress, cancel, report):
            dataset = importers.load_file(path, format, options, progress, cancel, report)
            # A project records the file's checksum; hashing a large file takes a moment, so
            # it happens here in the worker too.
            self.checksum = importers.data_checksum(path)
            return dataset

        return job

    def nextId(self) -> int:
        current = self.currentId()
        if current == PAGE_FILE:
            return PAGE_COLUMNS if self.file_page.format != "images" else PAGE_IMPORT
        if current == PAGE_COLUMNS:
            return PAGE_IMPORT
        return -1

    def done(self, result: int) -> None:
        # Cancel or close while reading: stop the worker and wait, never leave it running.
        self.import_page.runner.stop_and_wait()
        super().done(result)
