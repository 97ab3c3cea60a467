"""Twin runs: the current setup as A, and B differing in one chosen setting, side by side.

Both train from the same initial weights (every tensor whose shape B shares with A), on the
same split and in the same batch order, so the one difference is the only difference. They
train one after the other on a background thread (progress, Cancel); their curves grow on one
plot while they do, and when both are done their decision boundaries and final metrics appear
side by side. Both runs can then be kept in the project's run history.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QPushButton, QSpinBox,
    QSplitter, QTableView, QVBoxLayout, QWidget,
)

from nnstudio.core.config import TRAINING_SCHEMA
from nnstudio.core.errors import NNStudioError, SpecError
from nnstudio.core.history import format_value
from nnstudio.core.layers import ACTIVATIONS, LAYER_TYPES
from nnstudio.core.network import Network
from nnstudio.core.params import CHOICE, INT
from nnstudio.engine.callbacks import Callback
from nnstudio.engine.sweep import hidden_depth, hidden_layers, hidden_width
from nnstudio.gui.experiments.boundary_view import BoundaryView
from nnstudio.gui.experiments.job_dialog import JobDialog
from nnstudio.gui.experiments.plots import (
    A_COLOR, B_COLOR, MetricComboBox, add_legend, axis_title, curve_names, curve_xy, default_curve, make_plot,
)
from nnstudio.gui.experiments.tables import RowsTableModel, column_title
from nnstudio.gui.background import Work

# The settings a twin can differ in, as offered: key, label.
SETTINGS = (
    ("activation", "Activation (hidden layers)"),
    ("learning_rate", "Learning rate"),
    ("optimizer", "Optimizer"),
    ("width", "Width (widest hidden layer)"),
    ("depth", "Depth (hidden layers)"),
    ("l2", "L2 penalty"),
    ("dropout", "Dropout rate"),
    ("batch_size", "Batch size"),
    ("momentum", "Momentum"),
    ("l1", "L1 penalty"),
    ("schedule", "Learning-rate schedule"),
)
WHOLE_NUMBERS = ("width", "depth")
RELAY_INTERVAL = 0.05  # seconds between curve updates sent from the worker


def current_value(network: Network, config: Any, setting: str) -> Any:
    """A's value of `setting`: the network's (activation, dropout, width, depth) or the
    training setting's."""
    if setting == "width":
        return hidden_width(network)
    if setting == "depth":
        return hidden_depth(network)
    if setting == "activation":
        for layer in hidden_layers(network):
            if "activation" in layer.params:
                return layer.params["activation"]
        return next((n.type for n in network.nodes if LAYER_TYPES[n.type].is_activation), "")
    if setting == "dropout":
        rates = [n.params["rate"] for n in network.nodes if n.type == "dropout"]
        return rates[0] if rates else 0.0
    return config.get(setting)


def choices(setting: str) -> list[str] | None:
    """The values a setting chooses from, or None for a number."""
    if setting == "activation":
        return [a for a in ACTIVATIONS if a != "softmax"]
    if setting in TRAINING_SCHEMA.names() and TRAINING_SCHEMA[setting].kind == CHOICE:
        return list(TRAINING_SCHEMA[setting].choices)
    return None


def suggestions(setting: str, value: Any) -> list[Any]:
    """Values for B worth trying against A's `value`, the first one offered."""
    if setting == "learning_rate":
        return [_round(value * 10), _round(value / 10), _round(value * 3), _round(value / 3)]
    if setting == "width":
        return [value * 4, value * 2, max(1, value // 2), max(1, value // 4)]
    if setting == "depth":
        return [value + 1, value + 2, max(0, value - 1)]
    if setting in ("l1", "l2"):
        return [0.001, 0.01, 0.0001] if not value else [_round(value * 10),
                                                       _round(value / 10), 0.0]
    if setting == "dropout":
        return [0.2, 0.5] if not value else [0.0, 0.5]
    if setting == "batch_size":
        return [max(1, value // 4), value * 4, 1]
    if setting == "momentum":
        return [0.9, 0.0, 0.99]
    return []


def _round(value: float) -> float:
    return float(f"{value:.3g}")


def parse_value(setting: str, text: str) -> Any:
    """B's value from what was typed or chosen; SpecError saying what a good one looks like."""
    text = text.strip()
    options = choices(setting)
    if options is not None:
        if text not in options:
            raise SpecError(f"B's {setting}: choose one of {', '.join(options)}")
        return text
    whole = setting in WHOLE_NUMBERS or (setting in TRAINING_SCHEMA.names()
                                         and TRAINING_SCHEMA[setting].kind == INT)
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise SpecError(f"B's {setting}: must be {kind}, got \"{text}\"") from None
    if setting in TRAINING_SCHEMA.names():
        value = TRAINING_SCHEMA[setting].validate(value, f"B's {setting}")
    elif value < (1 if setting == "width" else 0):
        raise SpecError(f"B's {setting}: must be {1 if setting == 'width' else 0} or more")
    return value


@dataclasses.dataclass(frozen=True)
class TwinCurves:
    """One twin's curves so far, sent from the worker."""

    label: str  # "A" or "B"
    epoch: int
    epochs: int
    history: dict[str, list[float]]


class TwinRelay(Callback):
    """Collects one twin's epochs and sends its curves at most every RELAY_INTERVAL s."""

    def __init__(self, label: str, report):
        self.label, self.report = label, report
        self.history: dict[str, list[float]] = {}
        self._last = -math.inf

    def on_epoch_end(self, snapshot: Any) -> None:
        for name, value in snapshot.metrics.items():
            self.history.setdefault(name, []).append(float(value))
        now = time.monotonic()
        last = snapshot.epoch == snapshot.epochs
        if last or now - self._last >= RELAY_INTERVAL:
            self._last = now
            self.report(TwinCurves(self.label, snapshot.epoch, snapshot.epochs,
                                   {k: list(v) for k, v in self.history.items()}), force=True)


class TwinsDialog(JobDialog):
    """Choose one setting and B's value; train A and B side by side; compare."""

    twins_finished = Signal(object)  # TwinResult

    def __init__(self, document: Any, parent: QWidget | None = None):
        super().__init__(document, "twins", "Twin Runs", parent)
        self.result: Any = None  # the last TwinResult
        self.data: Any = None  # the prepared data it trained on
        self.timelines: dict[str, Any] = {}  # "A", "B": each twin's kept epochs (engine.timeline)
        self.histories: dict[str, dict[str, list[float]]] = {"A": {}, "B": {}}
        self._epochs = {"A": 0, "B": 0}
        self._total = 1
        self._build()
        self._connect()
        self._on_setting_combo_changed()
        self._fit_screen(QSize(1200, 760))

    # ---- building ----
    def _build(self) -> None:
        self.setting_combo = QComboBox()
        self.setting_combo.setObjectName("twin_setting_combo")
        for key, label in SETTINGS:
            self.setting_combo.addItem(label, key)
        self.setting_combo.setToolTip("The one setting B changes; everything else is A's.")
        self.a_label = QLabel()
        self.a_label.setObjectName("twin_a_value")
        self.value_combo = QComboBox()
        self.value_combo.setObjectName("twin_b_value")
        self.value_combo.setMinimumWidth(120)
        self.value_combo.setToolTip("B's value: choose one, or type a number.")
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setObjectName("twin_epochs_spin")
        self.epochs_spin.setRange(1, 100_000)
        self.epochs_spin.setValue(self.document.project.training.epochs)
        self.train_button = QPushButton("Train A and B")
        self.train_button.setObjectName("twin_train_button")
        self.train_button.setDefault(True)
        form = QHBoxLayout()
        form.addWidget(QLabel("B differs in:"))
        form.addWidget(self.setting_combo)
        form.addWidget(self.a_label)
        form.addWidget(QLabel("B:"))
        form.addWidget(self.value_combo)
        form.addWidget(QLabel("Epochs:"))
        form.addWidget(self.epochs_spin)
        form.addStretch(1)
        form.addWidget(self.train_button)

        self.curve_combo = MetricComboBox()
        self.curve_combo.setObjectName("twin_curve_combo")
        self.plot = make_plot(self, "", "epoch")
        self.plot.setObjectName("twin_plot")
        self.legend = add_legend(self.plot)
        self.curves = {"A": self.plot.plot([], [], pen=pg.mkPen(A_COLOR, width=2)),
                       "B": self.plot.plot([], [], pen=pg.mkPen(B_COLOR, width=2))}
        self.legend.addItem(self.curves["A"], "A")
        self.legend.addItem(self.curves["B"], "B")
        curves_box = QWidget()
        curves_layout = QVBoxLayout(curves_box)
        curves_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Curve:"))
        row.addWidget(self.curve_combo, 1)
        curves_layout.addLayout(row)
        curves_layout.addWidget(self.plot, 1)

        self.boundaries = {"A": BoundaryView("A"), "B": BoundaryView("B")}
        self.boundaries["A"].setObjectName("twin_a_boundary")
        self.boundaries["B"].setObjectName("twin_b_boundary")
        boundaries = QWidget()
        boundary_row = QHBoxLayout(boundaries)
        boundary_row.setContentsMargins(0, 0, 0, 0)
        boundary_row.addWidget(self.boundaries["A"])
        boundary_row.addWidget(self.boundaries["B"])
        upper = QSplitter(Qt.Orientation.Horizontal)
        upper.addWidget(curves_box)
        upper.addWidget(boundaries)
        upper.setSizes([500, 700])

        self.table_model = RowsTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("twin_table")
        self.table.setModel(self.table_model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.about = QLabel()
        self.about.setObjectName("twin_about")
        self.about.setWordWrap(True)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.about)
        lower_layout.addWidget(self.table, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setSizes([500, 220])

        self.keep_button = QPushButton("Add Both to Runs")
        self.keep_button.setObjectName("twin_keep_button")
        self.keep_button.setToolTip("Keep A and B in the project's run history, with their "
                                    "weights.")
        self.keep_button.setEnabled(False)
        bottom = self._build_status_row("twin", 260, self.keep_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)

    def _connect(self) -> None:
        self.setting_combo.currentIndexChanged.connect(self._on_setting_combo_changed)
        self.curve_combo.currentIndexChanged.connect(self._on_curve_combo_changed)
        self.keep_button.clicked.connect(self.keep_runs)
        self._connect_task(self.train_button)

    # ---- acting ----
    @property
    def setting(self) -> str:
        return self.setting_combo.currentData()

    def choose(self, setting: str, value: Any) -> None:
        """Pick the setting and B's value (as a person would in the two combo boxes)."""
        self.setting_combo.setCurrentIndex(self.setting_combo.findData(setting))
        self.value_combo.setCurrentText(format_value(value))

    def _prepare(self) -> Work:
        """Training A and B (`start` runs it on a background thread); a bad value raises."""
        setting = self.setting
        value = parse_value(setting, self.value_combo.currentText())
        epochs = self.epochs_spin.value()
        snapshot, config = self._project_copy(epochs)
        path = self.document.path

        def work(report, control):
            from nnstudio.data.source import prepare_project_data
            from nnstudio.engine.experiments import run_twins
            from nnstudio.engine.timeline import TimelineRecorder

            data = prepare_project_data(snapshot, path)
            # Each twin keeps its timeline, as every run does (kept with the runs).
            kept = {label: TimelineRecorder(config.epochs, config.restore_best)
                    for label in ("A", "B")}
            result = run_twins(snapshot, setting, value, data=data, config=config,
                               project_path=path,
                               callbacks_a=[TwinRelay("A", report), kept["A"]],
                               callbacks_b=[TwinRelay("B", report), kept["B"]], control=control)
            return result, data, {label: kept[label].timeline for label in kept}

        self.result = self.data = None
        self.histories = {"A": {}, "B": {}}
        self._epochs = {"A": 0, "B": 0}
        self._total = 2 * epochs
        self.progress.setRange(0, self._total)
        self.progress.setValue(0)
        for label in ("A", "B"):
            self.curves[label].setData([], [])
            self.boundaries[label].clear()
        self.boundaries["A"].set_title(f"A: {setting} {format_value(self._a_value())}")
        self.boundaries["B"].set_title(f"B: {setting} {format_value(value)}")
        self.table_model.set_rows([], [])
        self.about.setText("")
        self._show_status("Training A…")
        return work

    @Slot()
    def keep_runs(self) -> list[Any]:
        """Add A and B to the project's run history with their weights."""
        result = self.result
        if result is None:
            return []
        from nnstudio.engine.experiments import record_run

        setup = result.setup
        project = self.document.project
        kept = []
        for label, fit, network, config, value in (
                ("A", result.a, setup.network_a, setup.config_a, setup.value_a),
                ("B", result.b, setup.network_b, setup.config_b, setup.value_b)):
            record = record_run(project, fit, network=network, config=config,
                                name=f"Twin {label}: {setup.setting} {format_value(value)}")
            timeline = self.timelines[label]
            final = record.final_origin
            timeline.finish(fit.weights, final.epoch if final is not None else 0)
            self.document.add_run(record, fit.weights, timeline.arrays())
            kept.append(record)
        self.keep_button.setEnabled(False)
        self._show_status(f"Added {kept[0].id} (A) and {kept[1].id} (B) to the runs.")
        return kept

    # ---- showing ----
    def _a_value(self) -> Any:
        try:
            return current_value(self.document.network, self.document.project.training,
                                 self.setting)
        except NNStudioError:
            return ""

    def _update_curves(self) -> None:
        name = self.curve_combo.current_name()
        for label in ("A", "B"):
            values = self.histories[label].get(name)
            if values:
                self.curves[label].setData(*curve_xy(values), connect="finite")
            else:
                self.curves[label].setData([], [])
        self.plot.getPlotItem().setLabel("left", axis_title(name) if name else "")

    def _fill_curve_combo(self) -> None:
        names = curve_names(self.histories.values())
        current = self.curve_combo.current_name()
        self.curve_combo.blockSignals(True)  # the caller redraws once after
        self.curve_combo.set_names(names, current if current in names else default_curve(names))
        self.curve_combo.blockSignals(False)

    def _show_result(self, result: Any, data: Any) -> None:
        setup = result.setup
        self.histories = {"A": result.a.history, "B": result.b.history}
        self._fill_curve_combo()
        self._update_curves()
        self.boundaries["A"].show_model(setup.network_a, result.a.weights, data)
        self.boundaries["B"].show_model(setup.network_b, result.b.weights, data)
        metrics = [m for m in result.a.final_metrics if m in result.b.final_metrics]
        rows = [[column_title(m), result.a.final_metrics[m], result.b.final_metrics[m],
                 result.b.final_metrics[m] - result.a.final_metrics[m]] for m in metrics]
        self.table_model.set_rows(
            ["metric", f"A ({setup.setting} {format_value(setup.value_a)})",
             f"B ({setup.setting} {format_value(setup.value_b)})", "B - A"], rows)
        every = len(setup.initial_a)
        shared = len(setup.shared)
        start = ("B started from exactly A's initial weights" if shared == every and
                 len(setup.initial_b) == every else
                 f"B started from A's initial values for {shared} of its "
                 f"{len(setup.initial_b)} weight tensors (the layers whose shape did not "
                 "change)")
        changes = "; ".join(setup.changes) or "nothing"
        self.about.setText(f"B differs from A in: {changes}. {start}, on the same split, in "
                           "the same batch order.")

    # ---- slots ----
    @Slot()
    def _on_setting_combo_changed(self) -> None:
        setting = self.setting
        value = self._a_value()
        self.a_label.setText(f"A: {format_value(value)}")
        options = choices(setting)
        self.value_combo.clear()
        if options is not None:
            self.value_combo.setEditable(False)
            self.value_combo.addItems(options)
            different = next((o for o in options if o != value), options[0])
            self.value_combo.setCurrentText(different)
        else:
            self.value_combo.setEditable(True)
            offered = [format_value(v) for v in suggestions(setting, value) if v != value]
            self.value_combo.addItems(list(dict.fromkeys(offered)))
            self.value_combo.setCurrentIndex(0)

    @Slot(int)
    def _on_curve_combo_changed(self, _: int) -> None:
        self._update_curves()

    @Slot(object)
    def _on_task_progressed(self, update: TwinCurves) -> None:
        self.histories[update.label] = update.history
        self._epochs[update.label] = update.epoch
        self.progress.setValue(self._epochs["A"] + self._epochs["B"])
        self._fill_curve_combo()
        self._update_curves()
        if not self.task.cancel_requested:
            self._show_status(f"Training {update.label}: epoch {update.epoch} of "
                              f"{update.epochs}")

    @Slot(object)
    def _on_task_succeeded(self, outcome: tuple[Any, Any, Any]) -> None:
        result, data, self.timelines = outcome
        if self.task.cancel_requested:
            self.histories = {"A": result.a.history, "B": result.b.history}
            self._update_curves()
            self._show_status("Cancelled.")
            return
        self.result, self.data = result, data
        self.progress.setValue(self._total)
        self._show_result(result, data)
        self.keep_button.setEnabled(True)
        self._show_status(f"Done: A in {result.a.seconds:.1f} s, B in {result.b.seconds:.1f} s.")
        self.twins_finished.emit(result)

    def _inputs(self) -> list[QWidget]:
        return [self.setting_combo, self.value_combo, self.epochs_spin]

    @Slot(bool)
    def _on_task_running_changed(self, running: bool) -> None:
        super()._on_task_running_changed(running)
        if running:
            self.keep_button.setEnabled(False)
