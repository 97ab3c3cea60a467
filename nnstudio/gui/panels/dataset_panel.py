"""The data panel: which data the project trains on, how it is split and scaled, and a preview.

Built-in datasets come from `BUILTIN_DATASETS`: the picker, each dataset's description and its
parameter form (points, noise) are all made from that table. A project whose data is a file
shows the file and an Import… button (File ▸ Import, when that part of the app is there).
Every change replaces the document's `DataConfig`; the form redraws from the document.

The preview draws the points for two-feature data (coloured by class, or by value for
regression) and the first few images for image data.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Slot
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
    QPushButton, QSpinBox, QStackedWidget, QVBoxLayout, QWidget,
)

from nnstudio.core.errors import NNStudioError
from nnstudio.data.builtin import BUILTIN_DATASETS, GENERATED, load_builtin
from nnstudio.data.classes import class_color
from nnstudio.data.dataset import is_classification
from nnstudio.data.preprocessing import METHODS
from nnstudio.gui.panels.split_chooser import SplitChooserWidget
from nnstudio.gui.theme import ERROR_COLOR
from nnstudio.gui.training.forms import (
    fill_with_scrolling, guard_wheel, make_editor, set_editor_value,
)

FILE_ITEM = "__file__"
PREVIEW_IMAGES = 8
PREVIEW_DELAY_MS = 120  # a spinning value redraws the preview once it settles
PREPROCESSING_LABELS = {"none": "None", "standardize": "Standardize (mean 0, sd 1)",
                        "minmax": "Min-max (0 to 1)"}
MAX_SEED = 2**31 - 1


class DatasetPanel(QWidget):
    """The data settings of `document`'s project; locked while `controller` trains."""

    def __init__(self, document: Any, controller: Any = None, window: Any = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dataset_panel")
        self.document = document
        self.window_ = window
        self.param_editors: dict[str, QWidget] = {}
        self.preview_kind = "none"  # "scatter", "images", "text" or "none"
        self._built_for: str | None = None
        self._note_for: Any = None  # the data settings the split note describes
        self._columns_key: tuple | None = None  # the file whose columns `_columns` holds
        self._columns: tuple[str, ...] = ()
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.update_preview)
        self._build()
        document.data_config_changed.connect(self._on_document_data_config_changed)
        if controller is not None:
            controller.state_changed.connect(self._on_controller_state_changed)
        self._on_document_data_config_changed()
        self.update_preview()

    # ---- building ----
    def _build(self) -> None:
        self.dataset_combo = _narrow(QComboBox())
        self.dataset_combo.setObjectName("dataset_combo")
        for key, entry in BUILTIN_DATASETS.items():
            self.dataset_combo.addItem(entry.display_name, key)
            self.dataset_combo.setItemData(self.dataset_combo.count() - 1, entry.description,
                                           Qt.ItemDataRole.ToolTipRole)
        self.dataset_combo.currentIndexChanged.connect(self._on_dataset_combo_changed)
        self.description = QLabel()
        self.description.setObjectName("dataset_description")
        self.description.setWordWrap(True)
        self.file_label = QLabel()
        self.file_label.setObjectName("dataset_file")
        self.file_label.setWordWrap(True)
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.import_button = QPushButton("Import…")
        self.import_button.setObjectName("import_button")
        self.import_button.setToolTip("Use your own data: a CSV or NumPy file, or an image folder.")
        self.import_button.clicked.connect(self._on_import_clicked)
        self.draw_button = QPushButton("Draw…")
        self.draw_button.setObjectName("draw_button")
        self.draw_button.setToolTip("Draw your own 2-D dataset: points of each class, by hand.")
        self.draw_button.clicked.connect(self._on_draw_clicked)

        source = QGroupBox("Dataset")
        source_column = QVBoxLayout(source)
        row = QHBoxLayout()
        row.addWidget(self.dataset_combo, 1)
        row.addWidget(self.import_button)
        row.addWidget(self.draw_button)
        source_column.addLayout(row)
        source_column.addWidget(self.file_label)
        source_column.addWidget(self.description)
        self.params_form = QFormLayout()
        source_column.addLayout(self.params_form)
        self.seed_box = QSpinBox()
        self.seed_box.setObjectName("data_seed")
        self.seed_box.setRange(0, MAX_SEED)
        self.seed_box.setKeyboardTracking(False)
        self.seed_box.setToolTip("Draws a different set of points; the same seed gives the same "
                                 "points every time.")
        self.seed_box.valueChanged.connect(lambda value: self._change_source(seed=int(value)))
        self.seed_label = QLabel("Seed")
        self.params_form.addRow(self.seed_label, self.seed_box)

        split = QGroupBox("Split and scaling")
        split_form = QFormLayout(split)
        self.validation_box = _percent_box("validation_split",
                                           "Share of the samples held out to watch overfitting "
                                           "during training.")
        self.test_box = _percent_box("test_split", "Share of the samples kept aside for the "
                                                   "final test, never seen in training.")
        self.validation_box.valueChanged.connect(
            lambda value: self._change_data(validation=round(value / 100, 4)))
        self.test_box.valueChanged.connect(
            lambda value: self._change_data(test=round(value / 100, 4)))
        self.label_noise_box = _percent_box(
            "label_noise", "Share of the training labels moved to another class, seeded by the "
            "split seed (for double descent); validation and test labels stay clean.")
        self.label_noise_box.valueChanged.connect(
            lambda value: self._change_data(label_noise=round(value / 100, 4)))
        self.split_seed_box = QSpinBox()
        self.split_seed_box.setObjectName("split_seed")
        self.split_seed_box.setRange(0, MAX_SEED)
        self.split_seed_box.setKeyboardTracking(False)
        self.split_seed_box.setToolTip("Which samples go to validation and test.")
        self.split_seed_box.valueChanged.connect(
            lambda value: self._change_data(split_seed=int(value)))
        self.preprocessing_combo = _narrow(QComboBox())
        self.preprocessing_combo.setObjectName("preprocessing_combo")
        self.preprocessing_combo.setToolTip(
            "How inputs are scaled, fitted on the training split only.")
        for method in METHODS:
            self.preprocessing_combo.addItem(PREPROCESSING_LABELS.get(method, method), method)
        self.preprocessing_combo.currentIndexChanged.connect(
            lambda index: self._change_data(
                preprocessing=self.preprocessing_combo.itemData(index)))
        self.split_chooser = SplitChooserWidget()
        self.split_chooser.choice_changed.connect(self._on_split_chooser_changed)
        self.split_note = QLabel()
        self.split_note.setObjectName("split_note")
        self.split_note.setWordWrap(True)
        split_form.addRow(self.split_chooser)
        split_form.addRow(self.split_note)
        split_form.addRow("Validation", self.validation_box)
        split_form.addRow("Test", self.test_box)
        split_form.addRow("Split seed", self.split_seed_box)
        split_form.addRow("Label noise", self.label_noise_box)
        split_form.addRow("Scaling", self.preprocessing_combo)

        # Filled for two-column data by `_show_transform_choices`.
        self.transforms_group = QGroupBox("Network inputs")
        self.transforms_group.setToolTip(
            "What the network gets: the columns, or values computed from them (before scaling).")
        self.transforms_row = QGridLayout(self.transforms_group)
        self.transform_boxes: dict[str, QCheckBox] = {}
        self.transforms_group.hide()

        self.problem = QLabel()
        self.problem.setObjectName("dataset_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {ERROR_COLOR};")
        self.problem.hide()
        self.summary = QLabel()
        self.summary.setObjectName("dataset_summary")
        self.summary.setWordWrap(True)

        self.preview = QStackedWidget()
        self.scatter_plot = pg.PlotWidget()
        self.scatter_plot.setObjectName("dataset_scatter")
        self.scatter_plot.setMinimumHeight(180)
        self.scatter_plot.setAspectLocked(True)
        self.scatter_plot.hideButtons()
        self.scatter_plot.setMenuEnabled(False)
        self.scatter_items: list[pg.ScatterPlotItem] = []
        self.images_host = QWidget()
        self.images_host.setObjectName("dataset_images")
        self.images_grid = QGridLayout(self.images_host)
        self.image_labels: list[QLabel] = []
        self.preview_text = QLabel()
        self.preview_text.setWordWrap(True)
        self.preview_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        for page in (self.scatter_plot, self.images_host, self.preview_text):
            self.preview.addWidget(page)

        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(8, 8, 8, 8)
        column.addWidget(source)
        column.addWidget(split)
        column.addWidget(self.transforms_group)
        column.addWidget(self.problem)
        column.addWidget(self.summary)
        column.addWidget(self.preview, 1)
        fill_with_scrolling(self, inner)
        self._form_widgets = [self.dataset_combo, self.import_button, self.draw_button,
                              self.seed_box,
                              self.validation_box, self.test_box, self.split_seed_box,
                              self.label_noise_box, self.preprocessing_combo,
                              self.split_chooser]
        for widget in self._form_widgets:
            if widget not in (self.import_button, self.draw_button):
                guard_wheel(widget)

    def _build_params(self, key: str | None) -> None:
        """The parameter rows of dataset `key` (none for a file), above the seed row."""
        if self._built_for == key:
            return
        while self.params_form.rowCount() > 1:
            self.params_form.removeRow(0)
        self.param_editors = {}
        self._built_for = key
        entry = BUILTIN_DATASETS.get(key) if key else None
        if entry is None:
            return
        for index, spec in enumerate(entry.params):
            editor = make_editor(spec, lambda name, value: self._change_source(
                params={name: value}))
            label = QLabel(spec.display_label)
            label.setToolTip(spec.help)
            self.params_form.insertRow(index, label, editor)
            self.param_editors[spec.name] = editor

    # ---- reading the document ----
    @property
    def data_config(self) -> Any:
        return self.document.project.data

    @Slot()
    def _on_document_data_config_changed(self) -> None:
        data = self.data_config
        source = data.source
        is_file = source.kind != "builtin"  # a file, or drawn points: the person's own data
        with QSignalBlocker(self.dataset_combo):
            file_index = self.dataset_combo.findData(FILE_ITEM)
            if file_index >= 0:
                self.dataset_combo.removeItem(file_index)
            if is_file:
                self.dataset_combo.insertItem(0, "Your drawn points" if source.kind == "drawn"
                                              else "Your data file", FILE_ITEM)
            self.dataset_combo.setCurrentIndex(
                self.dataset_combo.findData(FILE_ITEM if is_file else source.name))
        self._build_params(None if is_file else source.name)
        entry = None if is_file else BUILTIN_DATASETS.get(source.name)
        self.description.setText(entry.description if entry else
                                 "Points you drew (Draw… to change them)."
                                 if source.kind == "drawn" else
                                 "Your own data, read from the file below.")
        is_file = source.kind == "file"
        self.file_label.setVisible(is_file)
        self.file_label.setText(f"File: {source.path}" if is_file else "")
        for name, editor in self.param_editors.items():
            set_editor_value(editor, source.params.get(name))
        generated = entry is not None and entry.kind == GENERATED
        self.seed_box.setVisible(generated)
        self.seed_label.setVisible(generated)
        set_editor_value(self.seed_box, source.seed)
        set_editor_value(self.validation_box, round(data.validation * 100, 2))
        set_editor_value(self.test_box, round(data.test * 100, 2))
        set_editor_value(self.split_seed_box, data.split_seed)
        set_editor_value(self.label_noise_box, round(data.label_noise * 100, 2))
        set_editor_value(self.preprocessing_combo, data.preprocessing)
        self._show_split_choice()
        self._preview_timer.start()

    def _show_split_choice(self) -> None:
        """Fixed rows are for one's own data file: the chooser, and shares that fixed rows
        replace, greyed out."""
        from nnstudio.data.fixed_split import choice_of

        data = self.data_config
        is_file = data.source.kind == "file"
        if self._note_for != data:  # the note describes other settings
            self.split_note.setText("")
        self.split_chooser.setVisible(is_file)
        self.split_note.setVisible(is_file and bool(self.split_note.text()))
        if is_file:
            self.split_chooser.set_columns(self._table_columns())
            self.split_chooser.set_choice(choice_of(data, self.document.path))
            if self.document.path is not None:
                self.split_chooser.start_folder = self.document.path.parent
        self._enable_shares()

    def _enable_shares(self) -> None:
        data = self.data_config
        idle = self.dataset_combo.isEnabled()
        self.test_box.setEnabled(idle and data.split_kind == "random")
        self.validation_box.setEnabled(idle and data.validation_file is None)
        entry = BUILTIN_DATASETS.get(data.source.name) if data.source.kind == "builtin" else None
        # A file's task is known only once it is read; training names the field if it has none.
        has_classes = entry is None or is_classification(entry.task)
        self.label_noise_box.setEnabled(idle and (has_classes or data.label_noise > 0))

    def _table_columns(self) -> tuple[str, ...]:
        """The data file's columns when it is a table (read once per file)."""
        source = self.data_config.source
        if source.format not in ("csv", "tsv") or self.document.path is None:
            return ()
        key = (str(self.document.path), source.path, source.sha256)
        if self._columns_key != key:
            from nnstudio.core.project import resolve_project_path
            from nnstudio.data.importers import csv_dialect, preview_csv

            try:
                path = resolve_project_path(self.document.path, source.path)
                columns = preview_csv(path, csv_dialect(path, source.options), rows=1).columns
            except (NNStudioError, OSError):
                columns = ()
            self._columns_key, self._columns = key, columns
        return self._columns

    @Slot(str)
    def _on_controller_state_changed(self, state: str) -> None:
        enabled = state == "idle"
        for widget in [*self._form_widgets, self.transforms_group,
                       *self.param_editors.values()]:
            widget.setEnabled(enabled)
        self._enable_shares()

    # ---- edits ----
    @Slot(int)
    def _on_dataset_combo_changed(self, index: int) -> None:
        key = self.dataset_combo.itemData(index)
        if key == FILE_ITEM or key is None or key == self.data_config.source.name:
            return
        # A new dataset starts from its own defaults; the seed carries over.
        self._change_source(name=key, params={}, replace_params=True)

    def _change_source(self, name: str | None = None, params: dict | None = None,
                       seed: int | None = None, replace_params: bool = False) -> None:
        from nnstudio.core.project import DataSource

        current = self.data_config.source
        if current.kind != "builtin":
            if name is None:
                return  # a file's settings are the import wizard's
            current = DataSource.builtin(name)
        merged = dict(params or {}) if replace_params else {**current.params, **(params or {})}
        try:
            source = DataSource.builtin(name or current.name, merged,
                                        current.seed if seed is None else seed)
        except NNStudioError as error:
            self._show_problem(str(error))
            self._on_document_data_config_changed()
            return
        self._apply(dataclasses.replace(self.data_config, source=source))

    def _change_data(self, **changes: Any) -> None:
        data = self.data_config
        if all(getattr(data, name) == value for name, value in changes.items()):
            return
        changed = dataclasses.replace(data, **changes)
        if changed.validation + changed.test >= 1:
            self._show_problem(
                f"Validation and test add up to {100 * (changed.validation + changed.test):g} %, "
                "which leaves nothing to train on; make them add up to less than 100 %.")
            return
        self._apply(changed)

    @Slot()
    def _on_split_chooser_changed(self) -> None:
        from nnstudio.data.fixed_split import apply_split_choice, describe_split

        data = self.data_config
        choice = self.split_chooser.choice()
        # A kind chosen before its file or column changes nothing yet.
        if not (choice.fixes_rows or choice.kind in ("random", data.split_kind)):
            return
        if choice.fixes_rows and self.document.path is None:
            self._show_problem("Save the project first: fixed rows come from files beside it.")
            self._show_split_choice()
            return
        try:
            changed, split = apply_split_choice(data, self.document.path, choice)
        except NNStudioError as error:
            self._show_problem(str(error))
            self._show_split_choice()
            return
        self._note_for = changed
        self.split_note.setText(describe_split(changed, split).capitalize() + "."
                                if split is not None else "")
        if changed != data:
            self._apply(changed)
        else:
            self._show_split_choice()

    def _apply(self, data: Any) -> None:
        self._show_problem(None)
        if self.data_config.source.kind == "drawn" and data.source != self.data_config.source:
            # Points drawn by hand exist nowhere else: leaving them is a step Undo reverses.
            self.document.push_data_config(data, "Replace the drawn points")
            return
        self.document.set_data_config(data)

    def _show_problem(self, message: str | None) -> None:
        self.problem.setText(f"⚠ {message}" if message else "")
        self.problem.setVisible(bool(message))

    @Slot()
    def _on_draw_clicked(self) -> None:
        from nnstudio.gui.dialogs.draw_data import draw_data

        if self.window_ is not None:
            draw_data(self.window_)

    @Slot()
    def _on_import_clicked(self) -> None:
        action = find_import_action(self.window_)
        if action is not None:
            action.trigger()
        elif self.window_ is not None:
            self.window_.statusBar().showMessage(
                "Importing your own data is not available in this build.", 8000)

    # ---- preview ----
    @Slot()
    def update_preview(self) -> None:
        """Redraw the preview and the summary from the data settings."""
        source = self.data_config.source
        if source.kind == "drawn":
            try:
                self._show_dataset(source.drawn().dataset())
            except NNStudioError as error:  # a file's drawing may lack points of a class
                self._show_text(str(error))
            return
        if source.kind != "builtin":
            self._show_text("The preview shows built-in datasets; your file's data is in the "
                            "Data view.")
            self.summary.setText("")
            return
        try:
            dataset = load_builtin(source.name, source.params, seed=source.seed)
        except NNStudioError as error:
            self._show_text(str(error))
            return
        self._show_dataset(dataset)

    def _show_dataset(self, dataset: Any) -> None:
        summary = describe(dataset, self.data_config)
        if self.data_config.label_noise:
            # The preview draws the clean labels; say that training will not see them all.
            summary += (f" · {100 * self.data_config.label_noise:g} % of the training labels "
                        "flipped when training (the preview shows the clean ones)")
        self.summary.setText(summary)
        self._show_transform_choices(dataset)
        if dataset.x.ndim == 2 and dataset.x.shape[1] == 2:
            self._show_scatter(dataset)
        elif dataset.x.ndim == 4 or (dataset.x.ndim == 3 and dataset.x.shape[1] > 1):
            self._show_images(dataset)
        else:
            names = ", ".join(dataset.feature_names[:6])
            more = "…" if len(dataset.feature_names) > 6 else ""
            self._show_text(f"{dataset.x.shape[1]} input columns: {names}{more}")

    def _show_transform_choices(self, dataset: Any) -> None:
        """Tick boxes for Playground's inputs when the data has two columns; otherwise the
        group is hidden (the project's transforms still apply)."""
        from nnstudio.data.transforms import playground_transforms

        two_columns = dataset.x.ndim == 2 and dataset.x.shape[1] == 2
        self.transforms_group.setVisible(two_columns)
        if not two_columns:
            return
        self._preview_columns = tuple(dataset.feature_names)
        choices = playground_transforms(*dataset.feature_names)
        if tuple(self.transform_boxes) != choices:
            for box in self.transform_boxes.values():
                box.deleteLater()
            self.transform_boxes = {}
            for index, text in enumerate(choices):
                box = QCheckBox(text)
                box.setObjectName(f"transform_{index}")
                box.toggled.connect(self._on_transform_toggled)
                self.transforms_row.addWidget(box, index // 4, index % 4)
                self.transform_boxes[text] = box
        self._tick_chosen_transforms()

    @Slot()
    def _on_transform_toggled(self) -> None:
        from nnstudio.gui.transform_edits import choose_inputs

        chosen = tuple(text for text, box in self.transform_boxes.items() if box.isChecked())
        if not chosen:
            self._show_problem("The network needs at least one input; tick one.")
            self._tick_chosen_transforms()
            return
        self._show_problem(None)
        # One undo step with the input layer's shape, as the network view's input toggles.
        refused = choose_inputs(self.document, chosen, self._preview_columns)
        if refused:
            self._show_problem(refused)
            self._tick_chosen_transforms()

    def _tick_chosen_transforms(self) -> None:
        chosen = self.data_config.transforms or tuple(self.transform_boxes)[:2]
        for text, box in self.transform_boxes.items():
            with QSignalBlocker(box):
                box.setChecked(text in chosen)

    def _show_text(self, text: str) -> None:
        self.preview_kind = "text"
        self.preview_text.setText(text)
        self.preview.setCurrentWidget(self.preview_text)

    def _show_scatter(self, dataset: Any) -> None:
        self.preview_kind = "scatter"
        plot = self.scatter_plot
        for item in self.scatter_items:
            plot.removeItem(item)
        self.scatter_items = []
        x = dataset.x
        if dataset.is_classification:
            for index in range(dataset.n_classes):
                mask = dataset.y == index
                color = pg.mkColor(class_color(index))
                item = pg.ScatterPlotItem(x[mask, 0], x[mask, 1], size=5, pen=None,
                                          brush=pg.mkBrush(color))
                plot.addItem(item)
                self.scatter_items.append(item)
        else:
            values = np.asarray(dataset.y, dtype=np.float64).reshape(len(x), -1)[:, 0]
            span = float(values.max() - values.min()) or 1.0
            colors = pg.colormap.get("viridis").map((values - values.min()) / span, mode="qcolor")
            item = pg.ScatterPlotItem(x[:, 0], x[:, 1], size=5, pen=None,
                                      brush=[pg.mkBrush(c) for c in colors])
            plot.addItem(item)
            self.scatter_items.append(item)
        names = dataset.feature_names
        plot.setLabel("bottom", names[0] if names else "x1")
        plot.setLabel("left", names[1] if len(names) > 1 else "x2")
        plot.autoRange()
        self.preview.setCurrentWidget(plot)

    def _show_images(self, dataset: Any) -> None:
        self.preview_kind = "images"
        while self.image_labels:
            label = self.image_labels.pop()
            self.images_grid.removeWidget(label)
            label.deleteLater()
        count = min(PREVIEW_IMAGES, dataset.n_samples)
        for index in range(count):
            label = QLabel()
            label.setPixmap(image_pixmap(dataset.x[index], 56))
            names = dataset.class_names
            if dataset.is_classification and names:
                label.setToolTip(f"Class: {names[int(dataset.y[index])]}")
            self.images_grid.addWidget(label, index // 4, index % 4)
            self.image_labels.append(label)
        self.preview.setCurrentWidget(self.images_host)


def _narrow(combo: QComboBox) -> QComboBox:
    """A combo box a narrow dock may squeeze (long names are elided, not scrolled to)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(10)
    return combo


def _percent_box(name: str, tip: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setObjectName(name)
    box.setRange(0.0, 95.0)
    box.setDecimals(1)
    box.setSingleStep(5.0)
    box.setSuffix(" %")
    box.setKeyboardTracking(False)
    box.setToolTip(tip)
    return box


def describe(dataset: Any, data: Any) -> str:
    """"500 samples · 2 inputs · 2 classes · train 300 / validation 100 / test 100"."""
    n = dataset.n_samples
    shape = dataset.input_shape
    inputs = f"{shape[0]} inputs" if len(shape) == 1 else "images " + "×".join(map(str, shape))
    if data.transforms:  # the network gets the computed inputs, not the columns
        inputs = f"{shape[0]} columns → {len(data.transforms)} network inputs"
    target = f"{dataset.n_classes} classes" if dataset.is_classification else "a number to predict"
    validation = int(round(n * data.validation))
    test = int(round(n * data.test))
    return (f"{n:,} samples · {inputs} · {target} · train {n - validation - test:,} / "
            f"validation {validation:,} / test {test:,}")


def image_pixmap(sample: np.ndarray, size: int) -> QPixmap:
    """A (channels, height, width) sample as a grey or colour pixmap `size` pixels wide."""
    array = np.asarray(sample, dtype=np.float32)
    if array.ndim == 3 and array.shape[0] in (1, 3):
        array = array[0] if array.shape[0] == 1 else np.moveaxis(array, 0, -1)
    low, high = float(array.min()), float(array.max())
    scaled = np.zeros_like(array) if high <= low else (array - low) / (high - low)
    pixels = np.ascontiguousarray((scaled * 255).astype(np.uint8))
    if pixels.ndim == 2:
        height, width = pixels.shape
        image = QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8)
    else:
        height, width = pixels.shape[:2]
        image = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    scale = max(1, math.floor(size / max(width, height)))
    return QPixmap.fromImage(image.copy()).scaled(width * scale, height * scale)


def find_import_action(window: Any) -> Any:
    """The window's File ▸ Import action, if that part of the app is installed."""
    if window is None:
        return None
    try:
        menu = window.menu("File")
    except (KeyError, AttributeError):
        return None
    for action in _all_actions(menu):
        text = action.text().replace("&", "").lower()
        if action.objectName() in ("import_data_action", "import_action") or \
                text.startswith("import"):
            return action
    return None


def _all_actions(menu: Any) -> list:
    found = []
    for action in menu.actions():
        found.append(action)
        if action.menu() is not None:
            found.extend(_all_actions(action.menu()))
    return found
