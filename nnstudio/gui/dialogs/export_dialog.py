"""File ▸ Export ▸ <format>…: one dialog per export format, and File ▸ Import Weights….

The dialog asks where to write (a path field with Browse…) and the format's options (the ONNX
opset), then runs `nnstudio.engine.export.export` and shows what it wrote, or why it could not,
on the dialog itself: nothing is lost and the person can change the path and try again.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QMessageBox, QPlainTextEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.gui.theme import ERROR_COLOR

log = logging.getLogger(__name__)

# Format key -> (menu text, what the file is, file-dialog filter). Keys as in engine.export.
FORMAT_TEXT: dict[str, tuple[str, str, str]] = {
    "script": (
        "PyTorch Training &Script…",
        "One Python file that defines this network as a PyTorch module, makes or reads the "
        "data (a data file is written beside it unless the data is generated), and trains it "
        "with these settings and seed: the same run as here. It needs only torch, "
        "numpy and safetensors, runs on any machine, and with torchrun on many processes "
        "(DistributedDataParallel). The weights it saves load back with File ▸ Import Weights.",
        "Python files (*.py)"),
    "onnx": (
        "&ONNX Model…",
        "The trained network as an ONNX file for onnxruntime and other tools, for any batch "
        "size. It takes the data's columns in their own units (the project's feature "
        "transforms and input scaling are inside) and "
        "its output is the network's output as drawn (probabilities for classes); class and "
        "input names ride along as metadata. It is checked in onnxruntime before it is written.",
        "ONNX models (*.onnx)"),
    "torchscript": (
        "&TorchScript Module…",
        "The trained network as a TorchScript file: torch.jit.load runs it in Python or C++ "
        "without NN Studio. It takes the data's columns in their own units (the project's "
        "feature transforms and input scaling are inside), gives the network's output as "
        "drawn, and holds class and input names in its "
        "extra file nnstudio.json.",
        "TorchScript modules (*.pt)"),
    "weights": (
        "&Weights (safetensors)…",
        "The trained weights alone, as a safetensors file with NN Studio's names "
        "(\"dense_1.weight\", ...), and beside it a JSON file with the input contract: class "
        "and input names, and the feature transforms and scaling to apply first.",
        "Safetensors files (*.safetensors)"),
    "card": (
        "Model &Card (Markdown)…",
        "A Markdown page with YAML front matter: what the model is for and not for, and its "
        "limitations (your words below, kept in the project), the network, its data with "
        "source and licence, the input contract, training settings, results per class, the "
        "spread over seeds and how to run it, with the loss curves as a PNG beside it.",
        "Markdown files (*.md)"),
}
SUFFIXES = {"script": ".py", "onnx": ".onnx", "torchscript": ".pt", "weights": ".safetensors",
            "card": ".md"}
NEEDS_WEIGHTS = {"onnx", "torchscript"}  # written with starting weights when untrained
HOLDS_SCALING = {"onnx", "torchscript"}  # can apply the project's input scaling themselves


def default_export_path(document: Any, fmt: str) -> Path:
    """Beside the project file (or in the home folder), named after the project."""
    folder = document.path.parent if document.path is not None else Path.home()
    stem = document.path.stem if document.path is not None else _safe_stem(
        getattr(document.project, "name", "") or "model")
    if fmt == "script":
        stem = stem.replace("-", "_").replace(" ", "_").lower()
    return folder / (stem + SUFFIXES[fmt])


def _safe_stem(name: str) -> str:
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in name).strip("_")
    return stem or "model"


class ExportDialog(QDialog):
    """Export the document's project in one format. `exported(path)` after each success."""

    exported = Signal(str)

    def __init__(self, document: Any, fmt: str, parent: QWidget | None = None):
        super().__init__(parent)
        if fmt not in FORMAT_TEXT:
            raise ValueError(f"unknown export format {fmt!r}")
        self.document = document
        self.fmt = fmt
        menu_text, explanation, self._filter = FORMAT_TEXT[fmt]
        self.setObjectName(f"export_dialog_{fmt}")
        self.setWindowTitle("Export " + menu_text.replace("&", "").rstrip("…"))
        self.setMinimumWidth(560)

        intro = QLabel(explanation)
        intro.setWordWrap(True)
        self.path_edit = QLineEdit(str(default_export_path(document, fmt)))
        self.path_edit.setObjectName("path_edit")
        self.path_edit.setToolTip("Where to write the file; a file already there is replaced.")
        self.path_edit.textChanged.connect(self._on_path_edit_text_changed)
        self.browse_button = QPushButton("&Browse…")
        self.browse_button.setObjectName("browse_button")
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        form = QFormLayout()
        file_label = QLabel("&File:")
        file_label.setBuddy(self.path_edit)  # Alt+F reaches the field inside the row
        form.addRow(file_label, path_row)
        self.opset_spin: QSpinBox | None = None
        if fmt == "onnx":
            from nnstudio.engine.export.onnx_export import DEFAULT_OPSET, MAX_OPSET, MIN_OPSET

            self.opset_spin = QSpinBox()
            self.opset_spin.setObjectName("opset_spin")
            self.opset_spin.setRange(MIN_OPSET, MAX_OPSET)
            self.opset_spin.setValue(DEFAULT_OPSET)
            self.opset_spin.setToolTip("The ONNX operator set version; newer tools read newer "
                                       "opsets, older tools may need 17.")
            form.addRow("&Opset:", self.opset_spin)
        self.raw_inputs_check: QCheckBox | None = None
        if fmt in HOLDS_SCALING:
            self.raw_inputs_check = QCheckBox(
                "Leave the feature transforms and input &scaling out (raw inputs)")
            self.raw_inputs_check.setObjectName("raw_inputs_check")
            self.raw_inputs_check.setToolTip(
                "Unticked, the file computes the project's feature transforms and applies its "
                "input scaling itself, and takes the data's columns in their own units. Ticked, "
                "it takes the network's inputs already computed and scaled as in training; its "
                "metadata lists the transforms and gives the scaling constants.")
            form.addRow("", self.raw_inputs_check)
        self.card_edits: dict[str, QPlainTextEdit] = {}
        if fmt == "card":
            self._add_card_edits(form)
        self.note_label = QLabel(self._note())
        self.note_label.setObjectName("note_label")
        self.note_label.setWordWrap(True)
        self.result_label = QLabel()
        self.result_label.setObjectName("result_label")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.addButton(
            "&Export", QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.setObjectName("export_button")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.note_label)
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self._update_export_button()

    def _add_card_edits(self, form: QFormLayout) -> None:
        """The card's own words, kept in the project: one box per section, its prompt shown
        while empty."""
        from nnstudio.core.card_text import SECTIONS

        card = self.document.project.card
        for key, (heading, prompt) in SECTIONS.items():
            edit = QPlainTextEdit(getattr(card, key))
            edit.setObjectName(f"card_{key}_edit")
            edit.setPlaceholderText(prompt)
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(edit.fontMetrics().lineSpacing() * 4 + 12)
            label = QLabel(f"{heading}:")
            label.setBuddy(edit)
            form.addRow(label, edit)
            self.card_edits[key] = edit
        self.finished.connect(self._on_finished)  # closed without exporting: still kept

    @Slot(int)
    def _on_finished(self, result: int) -> None:
        self.document.set_card_text(self.card_text())

    def card_text(self):
        """The three sections as typed (a core `CardText`)."""
        from nnstudio.core.card_text import CardText

        return CardText(**{key: edit.toPlainText() for key, edit in self.card_edits.items()})

    # ---- what it shows ----
    def _note(self) -> str:
        if self.document.weights:
            return ""
        if self.fmt == "weights":
            return "The project has no trained weights yet: train it first."
        if self.fmt in NEEDS_WEIGHTS:
            return ("The project is not trained yet: the file will hold the network's starting "
                    "weights.")
        return ""

    def _update_export_button(self) -> None:
        blocked = self.fmt == "weights" and not self.document.weights
        self.export_button.setEnabled(bool(self.path_edit.text().strip()) and not blocked)

    def _show_result(self, text: str, error: bool) -> None:
        colour = ERROR_COLOR if error else "palette(text)"
        self.result_label.setStyleSheet(f"color: {colour};")
        self.result_label.setText(text)

    # ---- acting ----
    @Slot(str)
    def _on_path_edit_text_changed(self, text: str) -> None:
        self._update_export_button()

    @Slot()
    def _on_browse_button_clicked(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, self.windowTitle(),
                                                self.path_edit.text(), self._filter)
        if chosen:
            self.path_edit.setText(chosen)

    @Slot()
    def _on_export_button_clicked(self) -> None:
        self.export_now()

    def export_now(self) -> bool:
        """Export to the path in the field; True when written. The outcome shows on the dialog."""
        text = self.path_edit.text().strip()
        if not text:
            return False
        path = Path(os.path.expanduser(text))
        if not path.suffix:
            path = path.with_suffix(SUFFIXES[self.fmt])
            self.path_edit.setText(str(path))
        if self.card_edits:  # the words belong to the project: kept, and saved with it
            self.document.set_card_text(self.card_text())
        self._show_result("Exporting…", error=False)
        self.result_label.repaint()  # seen before the work starts; export runs in this thread
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            result = self._run_export(path)
        except NNStudioError as error:
            self._show_result(str(error), error=True)
            return False
        except Exception as error:  # an exporter bug must not take the open project with it
            log.exception("export to %s failed", path)
            self._show_result(f"The export failed ({type(error).__name__}: {error}); the "
                              f"details are in the log.", error=True)
            return False
        finally:
            QGuiApplication.restoreOverrideCursor()
        written = ", ".join(str(p) for p in result.files)
        self._show_result(f"{result.message}\n{written}", error=False)
        self.exported.emit(str(result.path))
        return True

    def _run_export(self, path: Path):
        from nnstudio.engine.export import export  # torch loads here, not with the window

        opset = self.opset_spin.value() if self.opset_spin is not None else None
        raw_inputs = self.raw_inputs_check is not None and self.raw_inputs_check.isChecked()
        return export(self.document.project, self.document.weights, self.fmt, path,
                      opset=opset, project_path=self.document.path, raw_inputs=raw_inputs)


# ---- File ▸ Import Weights… --------------------------------------------------------------------

def import_weights_into(document: Any, path: str | Path) -> tuple[str | None, str]:
    """Load weights from `path` into the document's network: (an error message or None, a
    note on what was converted or "")."""
    from nnstudio.engine.export import import_weights

    try:
        imported = import_weights(document.project, path)
    except NNStudioError as error:
        return str(error), ""
    except Exception as error:
        log.exception("importing weights from %s failed", path)
        return f"{path}: could not be read ({type(error).__name__}: {error})", ""
    document.set_weights(imported.weights)
    return None, imported.note


def ask_and_import_weights(window: Any) -> None:
    """Ask for a safetensors file and load it into the window's document; show any problem."""
    start = str(window.document.path.parent) if window.document.path else str(Path.home())
    chosen, _ = QFileDialog.getOpenFileName(window, "Import Weights", start,
                                            "Safetensors files (*.safetensors);;All files (*)")
    if not chosen:
        return
    problem, note = import_weights_into(window.document, chosen)
    if problem:
        QMessageBox.warning(window, "Import Weights", problem)
        return
    note = f" ({note})" if note else ""
    window.statusBar().showMessage(f"Loaded the weights from {Path(chosen).name}{note}.", 8000)


def install(window: Any) -> None:
    """Fill File ▸ Export with one entry per format and add File ▸ Import Weights…."""
    export_menu = window.menu("Export")
    for fmt, (menu_text, _, _) in FORMAT_TEXT.items():
        action = export_menu.addAction(menu_text)
        action.setObjectName(f"export_{fmt}_action")
        action.setData(fmt)
        action.triggered.connect(lambda checked=False, fmt=fmt: open_export_dialog(window, fmt))
    window.add_file_action(_import_action(window))


def _import_action(window: Any) -> QAction:
    action = QAction("&Import Weights…", window)
    action.setObjectName("import_weights_action")
    action.setToolTip("Load trained weights from a safetensors file, e.g. saved by an exported "
                      "training script")
    action.triggered.connect(lambda checked=False: ask_and_import_weights(window))
    return action


def open_export_dialog(window: Any, fmt: str) -> ExportDialog:
    """Show the export dialog for `fmt` over `window` (window-modal, not blocking)."""
    dialog = ExportDialog(window.document, fmt, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.exported.connect(lambda path: window.statusBar().showMessage(
        f"Exported {Path(path).name}.", 5000))
    dialog.open()
    return dialog
