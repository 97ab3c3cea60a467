"""The scale sweep window ("emergence explorer"): one network trained at many sizes and seeds.

The person chooses what grows (the width of every hidden layer, the depth, or both), the sizes,
the seeds per size and the epochs. `run_sweep` trains them on a background thread (the seeds of
one size, and often several sizes, as one batched computation) while the window stays
responsive, with a progress bar and Cancel. As each group of sizes finishes, the window shows:

- left: the final metric on the training data and on held-out data against the parameter count
  (log axis): a dot per seed, the mean joined by a line, the lowest-to-highest bar, and chance;
- right: each size's held-out curve over the epochs (mean over seeds), light to dark by size;
- below: a table with one row per size x seed, and a sentence saying what it found.

"Grow: training rows" keeps the network and trains it on more and more of its training rows
(engine.data_sweep): the same pictures, against the rows. With label noise the plot shows the
error and marks the interpolation threshold (double descent); with a class per position it
draws exact match beside the per-position accuracy (the mirage). A project may suggest its
sweep (core.sweep_settings): the controls start from it.

The result exports as CSV and PNG (the same files `nnstudio sweep` writes).
"""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox,
    QPushButton, QSpinBox, QSplitter, QVBoxLayout, QWidget,
)

from nnstudio.core.errors import NNStudioError, SpecError
from nnstudio.core.network import Network
from nnstudio.core.shapes import infer_shapes
from nnstudio.engine.sweep import (
    BATCHING_NOTE, SIZE_COLUMNS, SweepProgress, SweepResult, SweepSize, hidden_depth, hidden_width,
    sized_network, sweep_sizes,
)
from nnstudio.engine.sweep_plot import plotted, plotted_name
from nnstudio.gui.experiments.job_dialog import JobMixin
from nnstudio.gui.experiments.plots import (
    A_COLOR, B_COLOR, CHANCE_COLOR, add_legend, count_label, make_plot,
    make_plot_with_legend_beside,
)
from nnstudio.gui.background import BackgroundTask, Work

DEFAULT_WIDTHS = "1, 2, 4, 8, 16, 32, 64, 128"
DEFAULT_DEPTHS = "1, 2, 3, 4"
SCALE_ITEMS = (("width", "Width of every hidden layer"), ("depth", "Depth (hidden layers)"),
               ("both", "Width and depth together"),
               ("data", "Training rows (the network stays)"))
DEFAULT_TRAIN_SIZES = "50, 100, 200, 400, 800"
EXACT_COLOR = "#8c3caa"  # as the exported picture's exact match
THRESHOLD_COLOR = "#c82828"
METRIC_NAMES = {"accuracy": "accuracy", "r2": "R²"}
SPLIT_NAMES = {"train": "training", "val": "validation", "test": "test"}
# Small to large sizes: from a light to a dark blue-green (as the exported picture).
LIGHT, DARK = np.array((160, 215, 190)), np.array((20, 60, 110))
BAR_SHIFT = 0.015  # decades: training and held-out bars of one size side by side


@dataclasses.dataclass(frozen=True)
class SweepStart:
    """What the worker knows once the data is ready: the metric judged and chance."""

    task: str
    metric: str
    chance: float | None


@dataclasses.dataclass(frozen=True)
class SweepPlan:
    """A sweep as the person set it up, checked: sizes, seeds, settings, networks."""

    scale: str
    sizes: list[SweepSize]
    seeds: list[int]
    epochs: int
    parameters: list[int]  # per size

    @property
    def x_values(self) -> list[int]:
        """Where the sizes sit on the x axis: training rows, or parameters."""
        return ([size.train_rows for size in self.sizes] if self.scale == "data"
                else self.parameters)


def parse_numbers(text: str, what: str) -> list[int]:
    """Whole numbers separated by commas or spaces; SpecError naming `what` otherwise."""
    parts = text.replace(",", " ").split()
    try:
        return [int(part) for part in parts]
    except ValueError:
        example = {"Widths": DEFAULT_WIDTHS, "Depths": DEFAULT_DEPTHS}.get(what,
                                                                          DEFAULT_TRAIN_SIZES)
        raise SpecError(f"{what}: give whole numbers separated by commas, e.g. "
                        f"{example}") from None


def size_color(index: int, count: int) -> str:
    share = index / max(1, count - 1)
    rgb = LIGHT + (DARK - LIGHT) * share
    return "#%02x%02x%02x" % tuple(int(round(v)) for v in rgb)


class SplitItems:
    """The items of one split (training or held-out) on the final-metric plot."""

    def __init__(self, plot: pg.PlotWidget, color: str, symbol: str, shift: float):
        self.shift = shift
        self.bars = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), pen=pg.mkPen(color, width=2),
                                    beam=0.0)
        plot.addItem(self.bars)
        self.points = plot.plot([], [], pen=None, symbol=symbol, symbolSize=6,
                                symbolPen=pg.mkPen(color, width=1.2), symbolBrush=None)
        self.mean = plot.plot([], [], pen=pg.mkPen(color, width=2.5), symbol=symbol,
                              symbolSize=9, symbolPen=None, symbolBrush=pg.mkBrush(color))

    def clear(self) -> None:
        self.points.setData([], [])
        self.mean.setData([], [])
        self.bars.setData(x=np.zeros(0), y=np.zeros(0), top=np.zeros(0), bottom=np.zeros(0))


class SweepWindow(JobMixin, QWidget):
    """Set up a scale sweep, run it in the background, and see what grows with size."""

    sweep_finished = Signal(object)  # SweepResult (cancelled ones too)

    def __init__(self, document: Any, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("sweep_window")
        self.setWindowTitle("Scale Sweep — NN Studio")
        self.document = document
        self.task = BackgroundTask("sweep", self)
        self.plan: SweepPlan | None = None
        self.partial: SweepResult | None = None  # what has finished while it runs
        self.result: SweepResult | None = None  # the last sweep, once it ended
        self._started = 0.0
        self._curves: list[pg.PlotDataItem] = []
        self._build()
        self._apply_suggested(document.project.sweep)
        self._connect()
        self._on_scale_combo_changed()
        try:
            self._frame_plots(self.plan_sweep())
        except NNStudioError:
            pass  # the network or the sizes need fixing; Start will say how
        self._fit_screen(QSize(1400, 900))

    # ---- building ----
    def _build(self) -> None:
        self.scale_combo = QComboBox()
        self.scale_combo.setObjectName("sweep_scale_combo")
        for key, label in SCALE_ITEMS:
            self.scale_combo.addItem(label, key)
        self.scale_combo.setToolTip("What grows: every hidden layer's width (in proportion, "
                                    "the widest set to each width), the number of hidden "
                                    "layers, or both paired.")
        self.widths_edit = QLineEdit(DEFAULT_WIDTHS)
        self.widths_edit.setObjectName("sweep_widths_edit")
        self.widths_edit.setToolTip("Widths of the widest hidden layer, e.g. doubling from 1 to "
                                    "128: two orders of magnitude of parameters.")
        self.depths_edit = QLineEdit(DEFAULT_DEPTHS)
        self.depths_edit.setObjectName("sweep_depths_edit")
        self.depths_edit.setToolTip("Numbers of hidden layers; the last hidden block repeats.")
        self.train_sizes_edit = QLineEdit(DEFAULT_TRAIN_SIZES)
        self.train_sizes_edit.setObjectName("sweep_train_sizes_edit")
        self.train_sizes_edit.setToolTip("Training rows for Grow: training rows: the first n "
                                         "rows of one seeded shuffle, so each set holds the "
                                         "smaller ones; validation and test stay whole.")
        self.seeds_spin = QSpinBox()
        self.seeds_spin.setObjectName("sweep_seeds_spin")
        self.seeds_spin.setRange(1, 20)
        self.seeds_spin.setValue(3)
        self.seeds_spin.setToolTip("Models per size, each with its own initial weights and "
                                   "batch order: the spread shows how much is luck.")
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setObjectName("sweep_epochs_spin")
        self.epochs_spin.setRange(1, 100_000)
        self.epochs_spin.setValue(self.document.project.training.epochs)
        self.epochs_spin.setToolTip("Epochs for every model (the other training settings are "
                                    "the project's).")
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("sweep_start_button")
        self.start_button.setDefault(True)
        self.csv_button = QPushButton("Export CSV…")
        self.csv_button.setObjectName("sweep_csv_button")
        self.png_button = QPushButton("Export PNG…")
        self.png_button.setObjectName("sweep_png_button")
        for button in (self.csv_button, self.png_button):
            button.setEnabled(False)
        form = QHBoxLayout()
        for label, widget, stretch in (("Grow:", self.scale_combo, 0),
                                       ("Widths:", self.widths_edit, 2),
                                       ("Depths:", self.depths_edit, 1),
                                       ("Rows:", self.train_sizes_edit, 1),
                                       ("Seeds:", self.seeds_spin, 0),
                                       ("Epochs:", self.epochs_spin, 0)):
            caption = QLabel(label)
            caption.setBuddy(widget)
            form.addWidget(caption)
            form.addWidget(widget, stretch)
            if widget is self.depths_edit:
                self.depths_label = caption
        form.addSpacing(12)
        form.addWidget(self.start_button)
        form.addWidget(self.csv_button)
        form.addWidget(self.png_button)

        self.final_plot = make_plot(self, "accuracy", "parameters (log scale)", log_counts=True)
        self.final_plot.setObjectName("sweep_final_plot")
        self.final_plot.getPlotItem().setTitle("Final score against model size")
        self.final_legend = add_legend(self.final_plot, "bottom right")
        self.chance_line = pg.InfiniteLine(
            angle=0, pen=pg.mkPen(CHANCE_COLOR, width=1.5, style=Qt.PenStyle.DashLine),
            label="chance", labelOpts={"position": 0.04, "color": CHANCE_COLOR})
        self.chance_line.setVisible(False)
        self.final_plot.addItem(self.chance_line)
        self.threshold_line = pg.InfiniteLine(
            angle=90, pen=pg.mkPen(THRESHOLD_COLOR, width=2, style=Qt.PenStyle.DashLine),
            label="interpolation threshold", labelOpts={"position": 0.95,
                                                        "color": THRESHOLD_COLOR})
        self.threshold_line.setObjectName("sweep_threshold_line")
        self.threshold_line.setToolTip("The smallest size whose training error is about 0: "
                                       "from here on the network fits every training label, "
                                       "the flipped ones too. Double descent peaks near it.")
        self.threshold_line.setVisible(False)
        self.final_plot.addItem(self.threshold_line)
        self.splits = {"train": SplitItems(self.final_plot, A_COLOR, "o", -BAR_SHIFT),
                       "held": SplitItems(self.final_plot, B_COLOR, "s", BAR_SHIFT),
                       "exact": SplitItems(self.final_plot, EXACT_COLOR, "t", 0.0)}
        self.final_legend.addItem(self.splits["train"].mean, "training")
        self.final_legend.addItem(self.splits["held"].mean, "test")
        self.curves_view, self.curves_plot, self.curves_legend = make_plot_with_legend_beside(
            self, "validation accuracy", "epoch")
        self.curves_view.setObjectName("sweep_curves_plot")
        self.curves_plot.setTitle("Each size while it learns (mean over seeds)")
        plots = QSplitter(Qt.Orientation.Horizontal)
        plots.addWidget(self.final_plot)
        plots.addWidget(self.curves_view)
        plots.setSizes([700, 600])
        self.batching_note = QLabel("Dots: each seed; line: their mean; bar: lowest to highest. "
                                    + BATCHING_NOTE)
        self.batching_note.setObjectName("sweep_batching_note")
        self.batching_note.setWordWrap(True)
        self.batching_note.setStyleSheet("color: palette(placeholder-text);")
        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(plots, 1)
        upper_layout.addWidget(self.batching_note)

        self._build_results_table("sweep")
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.findings = QLabel("Choose the sizes and press Start. Each size trains with every "
                               "seed; the spread over seeds shows how much of a difference is "
                               "luck.")
        self.findings.setObjectName("sweep_findings")
        self.findings.setWordWrap(True)
        self.findings.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.findings)
        lower_layout.addWidget(self.table, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setSizes([560, 300])

        bottom = self._build_status_row("sweep", 320)
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)

    def _connect(self) -> None:
        self.scale_combo.currentIndexChanged.connect(self._on_scale_combo_changed)
        self.csv_button.clicked.connect(self._on_csv_button_clicked)
        self.png_button.clicked.connect(self._on_png_button_clicked)
        self._connect_task(self.start_button)

    # ---- setting up ----
    def network(self) -> Network:
        return Network(self.document.network.nodes)

    def plan_sweep(self) -> SweepPlan:
        """The sweep the controls describe; SpecError saying what to fix."""
        scale = self.scale_combo.currentData()
        if scale == "data":
            rows = parse_numbers(self.train_sizes_edit.text(), "Rows")
            if not rows or min(rows) < 1:
                raise SpecError(f"Rows: give training row counts of 1 or more, e.g. "
                                f"{DEFAULT_TRAIN_SIZES}")
            sizes = [SweepSize(train_rows=n) for n in sorted(set(rows))]
            if len(sizes) != len(rows):
                raise SpecError("Rows: a size is listed twice")
        else:
            widths = parse_numbers(self.widths_edit.text(), "Widths") if scale != "depth" else []
            depths = parse_numbers(self.depths_edit.text(), "Depths") if scale != "width" else []
            sizes = sweep_sizes(scale, widths, depths)
        if len(set(sizes)) != len(sizes):
            raise SpecError("Sizes: a size is listed twice")
        network = self.network()
        report = infer_shapes(network)
        if not report.ok:
            raise SpecError("The network has problems to fix first: "
                            + "; ".join(message for _, message in report.errors))
        parameters = [infer_shapes(sized_network(network, size)).total_params for size in sizes]
        base = self.document.project.training.seed
        seeds = [base + i for i in range(self.seeds_spin.value())]
        return SweepPlan(scale, sizes, seeds, self.epochs_spin.value(), parameters)

    def _prepare(self) -> Work:
        """The sweep to run (`start` runs it on a background thread)."""
        plan = self.plan_sweep()
        snapshot, config = self._project_copy(plan.epochs)
        path = self.document.path

        def work(report, control):
            from nnstudio.data.source import prepare_project_data
            from nnstudio.engine.data_sweep import run_data_sweep
            from nnstudio.engine.sweep import run_sweep

            data = prepare_project_data(snapshot, path)
            train = data.train
            classes = train.is_classification
            report(SweepStart(str(train.task), "accuracy" if classes else "r2",
                              1.0 / max(2, train.n_classes) if classes else None), force=True)

            def progress(update):
                report(update, force=bool(update.finished))

            if plan.scale == "data":
                grown = run_data_sweep(snapshot, [s.train_rows for s in plan.sizes], plan.seeds,
                                       data=data, config=config, cancel=control,
                                       progress=progress, where="Rows")
                return grown.as_sweep_result()
            return run_sweep(snapshot, plan.sizes, seeds=plan.seeds, scale=plan.scale,
                             data=data, config=config, project_path=path, cancel=control,
                             progress=progress)

        self.plan, self.result = plan, None
        self.partial = None
        self._clear_plots()
        self._frame_plots(plan)
        self.table_model.set_rows([], [])
        runs = len(plan.sizes) * len(plan.seeds)
        unit = "training rows" if plan.scale == "data" else "parameters"
        self.findings.setText(
            f"{len(plan.sizes)} sizes from {count_label(min(plan.x_values))} to "
            f"{count_label(max(plan.x_values))} {unit}, {len(plan.seeds)} seed"
            f"{'s' if len(plan.seeds) != 1 else ''} each: {runs} models of {plan.epochs} "
            "epochs.")
        self.progress.setValue(0)
        self._show_status("Preparing the data…")
        self._started = time.monotonic()
        return work

    def export_csv(self, path: str | Path) -> None:
        self.result.to_csv(path)

    def export_png(self, path: str | Path) -> None:
        self.result.to_png(path)

    # ---- showing ----
    def show_result(self, result: SweepResult) -> None:
        """Draw `result` (complete or partial) on the plots and in the table."""
        held = result.held_out
        summaries = result.summary()
        lines = (("train", "train", result.metric), ("held", held, result.metric),
                 ("exact", held, "exact_match"))
        for key, split, metric in lines:
            self._draw_split(result, self.splits[key], split, metric,
                             summaries if metric == result.metric else result.summary(metric))
        self.final_legend.removeItem(self.splits["held"].mean)
        self.final_legend.addItem(self.splits["held"].mean, SPLIT_NAMES.get(held, held))
        self.final_legend.removeItem(self.splits["exact"].mean)
        if result.exact_match:
            self.final_legend.addItem(self.splits["exact"].mean,
                                      f"{SPLIT_NAMES.get(held, held)} exact match (all "
                                      "positions right)")
        item = self.final_plot.getPlotItem()
        item.setLabel("left", plotted_name(result, ascii=False))
        item.setLabel("bottom", f"{result.x_label} (log scale)")
        item.setTitle("Final score against " + ("training rows" if result.grows_data
                                                 else "model size"))
        if result.chance is not None:
            self.chance_line.setPos(plotted(result, result.chance))
        self.chance_line.setVisible(result.chance is not None)
        threshold = result.interpolation_threshold() if result.plots_error else None
        self.threshold_line.setVisible(threshold is not None)
        if threshold is not None:
            self.threshold_line.label.setFormat(
                f"interpolation threshold ({threshold.size.label})")
            self.threshold_line.setPos(
                math.log10(result.x_value(threshold.size, threshold.parameters)))
            self.threshold_line.label.valueChanged()  # the text, even where the place is kept
        self._set_y_range(result)
        self._draw_curves(result, summaries)
        columns, rows = result.columns(), result.rows()
        keep = [i for i, c in enumerate(columns)
                if not (c in SIZE_COLUMNS and all(r[i] is None for r in rows))]
        self.table_model.set_rows([columns[i] for i in keep], [[r[i] for i in keep]
                                                               for r in rows])

    def _draw_split(self, result: SweepResult, items: SplitItems, split: str, metric: str,
                    summaries: Sequence[Any]) -> None:
        """One split's dots, mean line and seed range, as `sweep_plot` draws them."""
        key = f"{split}_{metric}"
        runs = [r for r in result.runs if math.isfinite(r.metrics.get(key, math.nan))]
        items.points.setData([result.x_value(r.size, r.parameters) for r in runs],
                             [plotted(result, r.metrics[key]) for r in runs])
        shown = [s for s in summaries if split in s.values]
        x = np.array([result.x_value(s.size, s.parameters) for s in shown], dtype=np.float64)
        mean, low, high = (np.array([plotted(result, s.values[split][i]) for s in shown])
                           for i in range(3))
        items.mean.setData(x, mean)
        positions = np.log10(x) + items.shift if len(x) else x
        bottom, top = np.minimum(low, high), np.maximum(low, high)  # error turns them over
        items.bars.setData(x=positions, y=mean, top=top - mean, bottom=mean - bottom)

    def _set_y_range(self, result: SweepResult) -> None:
        item = self.final_plot.getPlotItem()
        if result.plots_error:
            errors = [1.0 - v for r in result.runs for k, v in r.metrics.items()
                      if k.endswith("_accuracy") and math.isfinite(v)]
            item.setYRange(0.0, min(1.02, math.ceil((max(errors, default=0.9) + 0.02) * 10)
                                    / 10), padding=0)
        elif result.metric == "accuracy":
            values = [v for r in result.runs for k, v in r.metrics.items()
                      if k.endswith("_accuracy") and math.isfinite(v)]
            low = min(values + ([result.chance] if result.chance is not None else []),
                      default=0.0)
            item.setYRange(0.0 if low < 0.5 else math.floor(low * 10) / 10 - 0.1, 1.02,
                           padding=0)
        else:
            item.enableAutoRange(axis="y")
        params = [result.x_value(r.size, r.parameters) for r in result.runs]
        if params:
            item.setXRange(math.log10(max(1, min(params)) / 1.6),
                           math.log10(max(params) * 1.6), padding=0)

    def _frame_plots(self, plan: SweepPlan) -> None:
        """Axes that fit the planned sizes and epochs, before anything is drawn."""
        self.final_plot.getPlotItem().setXRange(math.log10(max(1, min(plan.x_values)) / 1.6),
                                                math.log10(max(plan.x_values) * 1.6),
                                                padding=0)
        self.final_plot.getPlotItem().setYRange(0.0, 1.02, padding=0)
        self.curves_plot.setXRange(0, plan.epochs, padding=0.02)
        self.curves_plot.setYRange(0.0, 1.02, padding=0)

    def _draw_curves(self, result: SweepResult, summaries: Sequence[Any]) -> None:
        name = f"val_{result.metric}"
        if not any(name in r.history for r in result.runs):
            name = result.metric
        for curve in self._curves:
            self.curves_plot.removeItem(curve)
        self._curves = []
        self.curves_legend.clear()
        sizes = [size for size in result.sizes if any(r.size == size for r in result.runs)]
        for index, size in enumerate(result.sizes):
            if size not in sizes:
                continue
            histories = [r.history.get(name, []) for r in result.runs if r.size == size]
            length = max((len(h) for h in histories), default=0)
            if not length:
                continue
            table = np.full((len(histories), length), np.nan)
            for row, history in enumerate(histories):
                table[row, :len(history)] = history
            with np.errstate(all="ignore"):
                mean = plotted(result, np.nanmean(table, axis=0) if table.size else table)
            color = size_color(index, len(result.sizes))
            curve = self.curves_plot.plot(np.arange(1, length + 1), mean,
                                          pen=pg.mkPen(color, width=2), connect="finite")
            self._curves.append(curve)
            parameters = next(r.parameters for r in result.runs if r.size == size)
            self.curves_legend.addItem(curve, f"{size.label} · {count_label(parameters)} "
                                              "parameters")
        label = ("validation " if name.startswith("val_") else "training ") + \
            plotted_name(result, ascii=False)
        self.curves_plot.setLabel("left", label)
        if result.plots_error:
            self.curves_plot.enableAutoRange(axis="y")
        elif result.metric == "accuracy":
            self.curves_plot.setYRange(0.0, 1.02, padding=0)
        else:
            self.curves_plot.enableAutoRange(axis="y")
        # The legend sized itself at (0, 0) when it changed; the layout puts it back beside.
        self.curves_legend.updateSize()
        self.curves_view.ci.layout.invalidate()
        self.curves_view.ci.layout.activate()

    def _clear_plots(self) -> None:
        for items in self.splits.values():
            items.clear()
        for curve in self._curves:
            self.curves_plot.removeItem(curve)
        self._curves = []
        self.curves_legend.clear()
        self.chance_line.setVisible(False)
        self.threshold_line.setVisible(False)

    def findings_text(self, result: SweepResult) -> str:
        """What the sweep found, in a sentence or two: the smallest and largest sizes'
        scores on training and held-out data, and against chance."""
        summaries = [s for s in result.summary() if s.values]
        if not summaries:
            return "No size finished."
        held = result.held_out
        metric = METRIC_NAMES.get(result.metric, result.metric)
        first, last = summaries[0], summaries[-1]
        parts = []
        for split in ("train", held):
            if split in first.values and split in last.values:
                parts.append(f"{SPLIT_NAMES.get(split, split)} {metric} went from "
                             f"{first.values[split][0]:.3g} ({first.size.label}, "
                             f"{count_label(first.parameters)} parameters) to "
                             f"{last.values[split][0]:.3g} ({last.size.label}, "
                             f"{count_label(last.parameters)})")
        text = "; ".join(parts) + "."
        text = text[0].upper() + text[1:]
        steps = [(b.values[held][0] - a.values[held][0], a, b)
                 for a, b in zip(summaries, summaries[1:])
                 if held in a.values and held in b.values]
        if steps:
            jump, a, b = max(steps, key=lambda step: step[0])
            if jump >= 0.05:
                text += (f" The biggest step is from {a.size.label} ({count_label(a.parameters)}"
                         f" parameters) to {b.size.label} ({count_label(b.parameters)}): "
                         f"{SPLIT_NAMES.get(held, held)} {metric} {a.values[held][0]:.3g} → "
                         f"{b.values[held][0]:.3g}.")
        if result.chance is not None and held in last.values:
            best = max(s.values[held][2] for s in summaries if held in s.values)
            if best < result.chance + 0.05:
                text += (f" {SPLIT_NAMES.get(held, held).capitalize()} {metric} stays near "
                         f"chance ({result.chance:.2g}): whatever the larger models learn "
                         "does not carry over to new data.")
            else:
                text += f" Chance is {result.chance:.2g}."
        text += self._emergence_text(result, summaries)
        if result.cancelled:
            done = len({r.size for r in result.runs})
            text += f" Cancelled after {done} of {len(result.sizes)} sizes."
        notes = " ".join(note[0].upper() + note[1:] + "." for note in result.notes)
        return f"{text} {notes}".strip()

    @staticmethod
    def _emergence_text(result: SweepResult, summaries: Sequence[Any]) -> str:
        """The double-descent and mirage readings: where the training error reaches 0 and
        the test error peaks; exact match beside the per-position accuracy."""
        held = result.held_out
        name = SPLIT_NAMES.get(held, held)
        text = ""
        threshold = result.interpolation_threshold() if result.plots_error else None
        scored = [s for s in summaries if held in s.values]
        if threshold is not None and scored:
            peak = min(scored, key=lambda s: s.values[held][0])
            last = scored[-1]
            text += (f" Training error reaches about 0 at {threshold.size.label} "
                     f"({count_label(threshold.parameters)} parameters): the interpolation "
                     f"threshold. {name.capitalize()} error peaks at {peak.size.label} "
                     f"({1 - peak.values[held][0]:.3g}) and is {1 - last.values[held][0]:.3g} "
                     f"at {last.size.label}.")
        exact = [s for s in result.summary("exact_match") if held in s.values]
        if result.exact_match and len(exact) > 1 and len(scored) > 1:
            text += (f" {name.capitalize()} exact match (every position right) went from "
                     f"{exact[0].values[held][0]:.3g} to {exact[-1].values[held][0]:.3g} while "
                     f"the accuracy per position went from {scored[0].values[held][0]:.3g} to "
                     f"{scored[-1].values[held][0]:.3g}: the same models, scored all or "
                     "nothing.")
        return text

    # ---- slots ----
    def _apply_suggested(self, suggested: Any) -> None:
        """Start from the sweep the project suggests (its `sweep` settings), if any."""
        if suggested is None:
            return
        scale = "data" if suggested.train_sizes else suggested.scale
        self.scale_combo.setCurrentIndex(self.scale_combo.findData(scale))
        for edit, sizes in ((self.widths_edit, suggested.widths),
                            (self.depths_edit, suggested.depths),
                            (self.train_sizes_edit, suggested.train_sizes)):
            if sizes:
                edit.setText(", ".join(map(str, sizes)))
        if suggested.seeds:
            self.seeds_spin.setValue(suggested.seeds)
        if suggested.epochs:
            self.epochs_spin.setValue(suggested.epochs)

    @Slot()
    def _on_scale_combo_changed(self) -> None:
        scale = self.scale_combo.currentData()
        self.widths_edit.setEnabled(scale not in ("depth", "data"))
        self.depths_edit.setEnabled(scale in ("depth", "both"))
        self.train_sizes_edit.setEnabled(scale == "data")
        network = self.network()
        try:
            now = f"now width {hidden_width(network)}, depth {hidden_depth(network)}"
        except NNStudioError:
            now = ""
        self.scale_combo.setToolTip(self.scale_combo.toolTip().split("\n")[0]
                                    + (f"\nThe network is {now}." if now else ""))

    @Slot(object)
    def _on_task_progressed(self, update: Any) -> None:
        plan = self.plan
        if isinstance(update, SweepStart):
            self.partial = SweepResult(self.document.project.name, plan.scale, plan.sizes,
                                       plan.seeds, plan.epochs, update.task, update.metric,
                                       update.chance,
                                       label_noise=self.document.project.data.label_noise)
            self._show_status("Training…")
            return
        if not isinstance(update, SweepProgress):
            return
        self.progress.setValue(int(round(update.fraction * 1000)))
        elapsed = time.monotonic() - self._started
        left = ""
        if 0.02 < update.fraction < 1:
            left = f", about {_seconds(elapsed * (1 - update.fraction) / update.fraction)} left"
        if not self.task.cancel_requested:
            self._show_status(f"{update.text} — {update.fraction:.0%}{left}")
        if update.finished and self.partial is not None:
            self.partial.runs.extend(update.finished)
            order = {size: i for i, size in enumerate(plan.sizes)}
            self.partial.runs.sort(key=lambda r: (order[r.size], plan.seeds.index(r.seed)))
            self.show_result(self.partial)

    @Slot(object)
    def _on_task_succeeded(self, result: SweepResult) -> None:
        self.result = result
        self.partial = None
        self.show_result(result)
        self.findings.setText(self.findings_text(result))
        runs = len(result.runs)
        if result.cancelled:
            self._show_status(f"Cancelled: {runs} of {len(result.sizes) * len(result.seeds)} "
                              f"models finished in {_seconds(result.seconds)}.")
        else:
            self.progress.setValue(1000)
            self._show_status(f"Done: {runs} models in {_seconds(result.seconds)}.")
        has_rows = bool(result.runs)
        self.csv_button.setEnabled(has_rows)
        self.png_button.setEnabled(has_rows)
        self.sweep_finished.emit(result)

    @Slot(str)
    def _on_task_failed(self, message: str) -> None:
        self.partial = None
        super()._on_task_failed(message)

    def _inputs(self) -> list[QWidget]:
        return [self.scale_combo, self.widths_edit, self.depths_edit, self.train_sizes_edit,
                self.seeds_spin, self.epochs_spin]

    @Slot(bool)
    def _on_task_running_changed(self, running: bool) -> None:
        super()._on_task_running_changed(running)
        if not running:
            self._on_scale_combo_changed()
        else:
            self.csv_button.setEnabled(False)
            self.png_button.setEnabled(False)

    @Slot()
    def _on_csv_button_clicked(self) -> None:
        self._export("CSV", "Comma-separated values (*.csv)", ".csv", self.export_csv)

    @Slot()
    def _on_png_button_clicked(self) -> None:
        self._export("PNG", "PNG images (*.png)", ".png", self.export_png)

    def _export(self, what: str, file_filter: str, suffix: str, write) -> None:
        if self.result is None:
            return
        folder = self.document.path.parent if self.document.path else Path.home()
        name = f"{self.document.display_name}-sweep{suffix}"
        path, _ = QFileDialog.getSaveFileName(self, f"Export Sweep as {what}",
                                              str(folder / name), file_filter)
        if not path:
            return
        try:
            write(path)
        except OSError as error:
            QMessageBox(QMessageBox.Icon.Warning, "Could not export the sweep",
                        f"{path}: {error.strerror or error}", QMessageBox.StandardButton.Ok,
                        self).exec()
            return
        self._show_status(f"Wrote {path}")

    # ---- Qt events ----
    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)


def _seconds(value: float) -> str:
    if value < 90:
        return f"{value:.0f} s"
    return f"{value / 60:.1f} min"

