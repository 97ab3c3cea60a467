"""The display copy of the network the inspection views look at, kept in step with the project.

`LiveModel` follows the document: the network (rebuilding its `DisplayModel` only when the
structure changes, not when a node moves), the weights (`document.weights`, or the newest in a
running training's epoch snapshots, `show_epochs`: the run copies weights only while
`make_request()` says a view is on screen), and the data (for the input plane). It
gathers changes and applies them on a timer, at most about ten times a second, and only while a
view that shows it is visible: panels call `activate(self)` when shown and `deactivate(self)`
when hidden. Views listen to `refreshed` and read `display`, `plane` and `plane_probe(...)`.

It also holds the one neuron the pointer is over in the network view (`hovered`, set with
`set_hovered`, announced by `hovered_changed`): the decision boundary shows that neuron's output
while it is set.

It owns the epoch the views show (`viewed`: a run and one of the epochs its timeline kept, set
with `view_epoch`, or None for the latest weights, `view_latest`; `viewed_changed`): every view
draws the display model, which then holds that snapshot's weights (`shown_weights`), fetched
through `snapshot_source`. And the one sample picked in any view (`selected_sample`, set with
`select_sample`; `sample_selected`), and the layer a step-by-step view is at
(`highlighted_layer`; `highlight_changed`).

torch is imported on the first refresh a visible view asks for, never while the window starts.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import time
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QDockWidget, QWidget

from nnstudio.core.errors import NNStudioError
from nnstudio.core.layers import layer_type
from nnstudio.data.classes import ClassLegend
from nnstudio.engine.callbacks import Callback
from nnstudio.gui.background import REPORT_INTERVAL

log = logging.getLogger(__name__)

REFRESH_INTERVAL_MS = 100  # at most ten refreshes a second
# A run copies its weights for the views at most as often as its snapshots are delivered.
LIVE_WEIGHTS_INTERVAL_S = REPORT_INTERVAL
# While a run streams live weights, the views together (refreshes, every view's redraw, the
# painting that follows) may use at most this share of the process's CPU time: what they spend
# (CPU seconds of the GUI thread) is a debt paid off at this rate, and the next refresh (and a
# throttled view's next redraw) waits until it is paid, so the views never crowd out the
# training thread, whatever the network, the machine's load and the number of views open. The
# CPU time, not the wall time: on a busy machine a process gets a fraction of a core, and a
# share of wall time would be a far larger share of training's. Without a run streaming the
# views compete with nothing and redraw at once.
MAX_BUSY_SHARE = 0.03
MAX_WAIT_S = 2.0  # however much was spent (a first drawing, say), a refresh waits no longer
PACE_WINDOW_S = 0.25  # the process's CPU seconds per wall second are measured over this long
STREAM_GAP_S = 2.0  # live weights this long ago: the run is paused (or ended), nothing streams
TORCH_WAIT_MS = 200  # while torch is still being imported in the background, look again after
TORCH_WAIT_LIMIT_S = 5.0

# Weights the display model holds, for the views' notes.
TRAINED, LIVE, INITIAL, MISMATCH = "trained", "live", "initial", "mismatch"


class LiveWeightsRequest(Callback):
    """Asks a run for weight copies in its epoch snapshots while `wanted()` says a view shows
    them (read at each epoch's end, so a run copies nothing while no live view is on screen),
    at most every `LIVE_WEIGHTS_INTERVAL_S`: the views show only the newest weights of each
    delivery. The snapshots reach the live model through the controller, the one route of a
    run."""

    def __init__(self, wanted: Callable[[], bool]):
        self.wanted = wanted
        self._asked_at = -float("inf")

    @property
    def wants_weights(self) -> bool:
        now = time.monotonic()
        if now - self._asked_at < LIVE_WEIGHTS_INTERVAL_S or not self.wanted():
            return False
        self._asked_at = now
        return True


class LiveModel(QObject):
    """The network as the inspection views show it: structure, weights, data and input plane."""

    refreshed = Signal()  # the display model, its weights or the data changed
    hovered_changed = Signal()  # the pointer moved onto or off a neuron (see `hovered`)
    viewed_changed = Signal()  # the views moved to another epoch, or back to the latest
    sample_selected = Signal(str, int)  # a view picked sample (split, index)
    highlight_changed = Signal()  # `highlighted_layer` changed

    def __init__(self, document: Any, interval_ms: int = REFRESH_INTERVAL_MS,
                 parent: QObject | None = None):
        super().__init__(parent if parent is not None else document)
        self.document = document
        self.display: Any = None  # engine.probes.DisplayModel, or None when the network is invalid
        self.error = ""  # why there is no display model
        self.weights_state = INITIAL
        self.prepared: Any = None  # PreparedData of the project, or None
        # When data.transforms computes the inputs: the data's own columns, standardized and
        # split as the inputs are (the plane lies in them), and the transforms.
        self.columns: Any = None
        self._transforms: tuple[str, ...] = ()
        self.hovered: tuple[str, int] | None = None  # (node id, unit) under the pointer
        self.data_error = ""
        self.version = 0  # counts refreshes
        self.structure_version = 0  # counts display models built
        self.data_version = 0  # counts changes of the data or of the plane
        self.refreshes = 0
        self.last_cost = 0.0  # CPU seconds of the last refresh, the views' updates included
        self.round_cost = 0.0  # the same with the painting that followed it
        self._run_begins = True  # the next live weights are a run's first
        self._debt = 0.0  # CPU seconds the views spent while streaming, not yet paid off
        self._debt_cpu_at = time.process_time()
        self._pace_mark = (time.monotonic(), self._debt_cpu_at)
        self.cpu_pace = 1.0  # the process's CPU seconds per wall second lately, while streaming
        self._offered_at = -float("inf")  # when live weights last came
        self._in_refresh = False
        self.watching = False  # read by the training thread: is any view visible?
        self._consumers: set[int] = set()
        self._pending = {"structure", "weights", "data"}
        self._weights = document.weights
        # (run id, epoch) the views show, the run id None for the run in progress; None: the
        # latest weights. `snapshot_source(run id, epoch)` gives that epoch's weights.
        self.viewed: tuple[str | None, int] | None = None
        self._viewed_weights: Any = None
        self.snapshot_source: Callable[[str | None, int], Any] | None = None
        self.selected_sample: tuple[str, int] | None = None
        self.highlighted_layer: str | None = None
        self._data_key: Any = None
        self._plane_choice: tuple | None = None  # ("features", i, j) or ("pca",); None: default
        self._plane: Any = None
        self._plane_key: Any = None
        self._probes: dict[tuple, Any] = {}
        self._last_sync = -float("inf")
        self._torch_wait_started: float | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.refresh_now)
        self._interval_ms = interval_ms
        document.network_changed.connect(self._on_document_network_changed)
        document.training_config_changed.connect(self._on_document_network_changed)
        document.weights_changed.connect(self._on_document_weights_changed)
        document.data_config_changed.connect(self._on_document_data_changed)
        document.project_replaced.connect(self._on_document_data_changed)

    # ---- who is watching ----
    def activate(self, consumer: QWidget) -> None:
        """`consumer` is visible and wants refreshes."""
        self._consumers.add(id(consumer))
        self.watching = True
        if self._pending:
            self._schedule()

    def deactivate(self, consumer: QWidget) -> None:
        """`consumer` is hidden: while no one is visible, changes wait."""
        self._consumers.discard(id(consumer))
        self.watching = bool(self._consumers)

    @property
    def pending(self) -> bool:
        """True while changes wait for the next refresh."""
        return bool(self._pending)

    # ---- incoming changes ----
    @Slot(object)
    def offer_weights(self, arrays: dict | None) -> None:
        """Weights from a running training (on the GUI thread); shown at the next refresh."""
        if arrays is None:
            return
        if not self.streaming:
            self._start_streaming()
        self._weights = arrays
        self._offered_at = time.monotonic()
        if self._run_begins:
            # A run's first picture is paid for in advance (the views draw once the run has
            # earned it), so a short run is not slowed by a whole round of drawing.
            self._run_begins = False
            self._debt = self.round_cost
            self._timer.stop()
        if self.viewed is None:  # while an earlier epoch is shown, the live ones wait
            self._mark("weights", live=True)

    def make_request(self) -> Callback:
        """The engine callback that asks a run for weights while a view of this model is on
        screen; give `make_request` to the training controller's `add_callback_factory`."""
        return LiveWeightsRequest(lambda: self.watching)

    @Slot(object)
    def show_epochs(self, snapshots: tuple) -> None:
        """A run's epoch snapshots (the controller's `epochs_reached`): the newest weights in
        them are shown at the next refresh."""
        for snapshot in reversed(snapshots):
            if snapshot.weights is not None:
                self.offer_weights(snapshot.weights)
                return

    @Slot()
    def _on_document_network_changed(self) -> None:
        self._mark("structure")

    @Slot()
    def _on_document_weights_changed(self) -> None:
        self._weights = self.document.weights
        self._run_begins = True
        self._offered_at = -float("inf")  # a run's end, a restore: no run streams now
        self.view_latest()  # new weights (a run's end, a restore, another project): shown
        self._mark("weights")

    @Slot()
    def _on_document_data_changed(self) -> None:
        self._plane_choice = None  # other data: its own default plane
        self.selected_sample = None  # its samples are other ones
        self._mark("data")

    # ---- the epoch the views show ----
    def view_epoch(self, run_id: str | None, epoch: int) -> None:
        """Show run `run_id`'s weights kept at `epoch` (run None: the run in progress) in
        every view. Raises what `snapshot_source` raises (ProjectError: an unusable file)."""
        weights = self.snapshot_source(run_id, epoch) if self.snapshot_source else None
        if weights is None:
            raise KeyError(f"no weights kept at epoch {epoch}")
        if self.viewed == (run_id, epoch) and weights is self._viewed_weights:
            return
        self.viewed, self._viewed_weights = (run_id, epoch), weights
        self._mark("weights")
        self.viewed_changed.emit()

    def view_latest(self) -> None:
        """Show the latest weights again (the project's, or a running training's)."""
        if self.viewed is None:
            return
        self.viewed, self._viewed_weights = None, None
        self._mark("weights")
        self.viewed_changed.emit()

    @property
    def shown_weights(self) -> Any:
        """The weights the views show: the viewed epoch's, else the latest."""
        return self._viewed_weights if self.viewed is not None else self._weights

    # ---- the sample and the layer picked ----
    def select_sample(self, split: str, index: int) -> None:
        """Sample `index` of `split` ("train", "validation", "test") was picked in a view."""
        self.selected_sample = (str(split), int(index))
        self.sample_selected.emit(str(split), int(index))

    def highlight_layer(self, node_id: str | None) -> None:
        """Layer `node_id` is the one a step-by-step view is at (None: none)."""
        if node_id != self.highlighted_layer:
            self.highlighted_layer = node_id
            self.highlight_changed.emit()

    def _mark(self, what: str, live: bool = False) -> None:
        self._pending.add(what)
        if what == "weights":
            self._live = live
        if self._consumers:
            self._schedule()

    def _schedule(self) -> None:
        if self._timer.isActive():
            return
        since = (time.monotonic() - self._last_sync) * 1000
        self._timer.start(int(max(self._interval_ms - since, self.wait_ms(), 0.0)))

    # ---- what the views cost ----
    def note_cost(self, seconds: float) -> None:
        """Add `seconds` of GUI-thread CPU time the views spent (LivePanel.redraw calls this;
        a view that works outside `redraw` may call it too). While a run streams, refreshes
        wait until it is paid off at MAX_BUSY_SHARE of the process's CPU time."""
        if self.streaming and not self._in_refresh:  # a refresh counts its redraws itself
            # All of it, however much: the views then wait longer (at most MAX_WAIT_S each
            # time) until it is paid.
            self._debt = self.debt + seconds

    @property
    def debt(self) -> float:
        """CPU seconds the views spent while a run streams that are not yet paid off."""
        if not self.streaming:
            return 0.0
        self._pay_off()
        return self._debt

    @property
    def streaming(self) -> bool:
        """True while a run sends live weights and more keep coming: it competes with the
        views for the CPU (a paused or ended one does not)."""
        return time.monotonic() - self._offered_at < STREAM_GAP_S

    def wait_ms(self) -> float:
        """Milliseconds until the views' debt is paid off at the present pace (at most
        MAX_WAIT_S); views wait this long before drawing again."""
        return min(self.debt * 1000 / (MAX_BUSY_SHARE * self.cpu_pace), MAX_WAIT_S * 1000)

    def _start_streaming(self) -> None:
        """Live weights come (a run begins, or resumes after a pause): the views' debt and the
        process's pace count from now, what was spent meanwhile competed with nothing."""
        wall, cpu = time.monotonic(), time.process_time()
        self._debt, self._debt_cpu_at, self._pace_mark = 0.0, cpu, (wall, cpu)

    def _pay_off(self) -> None:
        """Pay the debt off for the time since the last look: MAX_BUSY_SHARE of the process's
        CPU time."""
        wall, cpu = time.monotonic(), time.process_time()
        self._debt = max(0.0, self._debt - (cpu - self._debt_cpu_at) * MAX_BUSY_SHARE)
        self._debt_cpu_at = cpu
        marked_wall, marked_cpu = self._pace_mark
        if wall - marked_wall >= PACE_WINDOW_S:
            pace = (cpu - marked_cpu) / (wall - marked_wall)
            self.cpu_pace = min(max(pace, 0.05), float(os.cpu_count() or 1))
            self._pace_mark = (wall, cpu)

    # ---- the refresh ----
    @Slot()
    def refresh_now(self) -> bool:
        """Apply the waiting changes now if a view is visible; True when it refreshed."""
        if not self._pending or not self._consumers:
            return False
        if not self._torch_ready():
            self._timer.start(TORCH_WAIT_MS)
            return False
        pending, self._pending = self._pending, set()
        if "data" in pending:
            self._load_data()
        if "structure" in pending or self.display is None:
            if self._rebuild():
                pending.add("weights")
        # From here on the work repeats with every snapshot: that is what the budget counts
        # (CPU time of this thread: waiting for the GIL or a core is not the views' cost).
        started = time.thread_time()
        if "weights" in pending and self.display is not None:
            self._load_weights()
        self._probes.clear()
        self._last_sync = time.monotonic()
        self.version += 1
        self.refreshes += 1
        self._in_refresh = True
        try:
            self.refreshed.emit()  # the visible views update now; Qt paints them next
        finally:
            self._in_refresh = False
        ended = time.thread_time()
        self.last_cost = ended - started
        self.note_cost(self.last_cost)
        # A zero timer fires once the events queued now (the paints) are done: the painting,
        # which happens in Qt's own code, is part of the cost.
        QTimer.singleShot(0, self, lambda: self._note_painting(ended))
        return True

    def _note_painting(self, ended: float) -> None:
        painting = time.thread_time() - ended
        self.round_cost = self.last_cost + painting
        self.note_cost(painting)

    def _torch_ready(self) -> bool:
        """False while the app's background thread is still importing torch (importing it here
        too would freeze the window until that finishes), for at most a few seconds."""
        if "torch" in sys.modules and not _warming():
            return True
        from nnstudio.gui.app import torch_ready

        if torch_ready.is_set() or not _warming():
            return True
        now = time.monotonic()
        if self._torch_wait_started is None:
            self._torch_wait_started = now
        return now - self._torch_wait_started > TORCH_WAIT_LIMIT_S

    def _rebuild(self) -> bool:
        """Build a new display model if the structure (or seed) changed; True if it did."""
        from nnstudio.engine.probes import DisplayModel, structure_key

        network = self.document.network
        seed = self._seed()
        key = structure_key(network)
        if self.display is not None and self.display.key == key and self.display.seed == seed:
            return False
        try:
            self.display = DisplayModel(network, seed)
            self.error = ""
        except NNStudioError as error:
            self.display, self.error = None, str(error)
        except Exception as error:  # a builder bug must not take the views with it
            log.exception("building the display model failed")
            self.display, self.error = None, f"The network could not be built ({error})."
        self.structure_version += 1
        self.hovered = None  # its neuron may be gone; the views redraw anyway
        self._invalidate_plane()
        return True

    def _load_weights(self) -> None:
        weights = self.shown_weights
        if weights and self.display.load(weights):
            live = getattr(self, "_live", False) and self.viewed is None
            self.weights_state = LIVE if live else TRAINED
            return
        self.display.load(self.display.initial)
        self.weights_state = MISMATCH if weights else INITIAL

    def _seed(self) -> int:
        training = getattr(self.document.project, "training", None)
        return int(getattr(training, "seed", 0) or 0)

    def _load_data(self) -> None:
        project, path = self.document.project, self.document.path
        key = (getattr(project, "data", None), str(path))
        if key == self._data_key and (self.prepared is not None or self.data_error):
            return
        self._data_key = key
        from nnstudio.data.source import prepare_project_data

        self._transforms = tuple(getattr(project.data, "transforms", ()) or ())
        try:
            self.prepared, self.data_error = prepare_project_data(project, path), ""
            self.columns = self._prepare_columns(project, path)
        except NNStudioError as error:
            self.prepared, self.columns, self.data_error = None, None, str(error)
        except Exception as error:
            log.exception("loading the data for the views failed")
            self.prepared, self.columns = None, None
            self.data_error = f"The data could not be loaded ({error})."
        self._invalidate_plane()

    def _prepare_columns(self, project: Any, path: Any) -> Any:
        """The data's own columns, standardized and split as the inputs are, when
        data.transforms computes the network's inputs from them; else None."""
        if not self._transforms:
            return None
        from nnstudio.data.source import prepare_project_data

        data = dataclasses.replace(project.data, transforms=(), preprocessing="standardize")
        return prepare_project_data(dataclasses.replace(project, data=data), path)

    def _encode_columns(self, points: Any) -> Any:
        """The network's inputs at `points` of the (standardized) columns: the transforms
        computed from the columns' own values, then scaled as in training."""
        import numpy as np

        from nnstudio.data.dataset import Dataset
        from nnstudio.data.transforms import apply_transforms

        raw = self.columns.preprocessor.inverse_transform(points)
        grid = Dataset("plane", raw, np.zeros(len(raw), dtype=np.float32), "regression",
                       tuple(self.columns.train.feature_names))
        return self.prepared.preprocessor.transform(apply_transforms(grid, self._transforms).x)

    # ---- what the views read ----
    @property
    def data_fits(self) -> bool:
        """True when the data's inputs have the shape the network takes."""
        return (self.prepared is not None and self.display is not None
                and tuple(self.prepared.train.input_shape) == self.display.input_shape)

    @property
    def input_features(self) -> int:
        """Features of a vector input (0 for image or sequence inputs)."""
        if self.display is None or len(self.display.input_shape) != 1:
            return 0
        return int(self.display.input_shape[0])

    @property
    def has_plane(self) -> bool:
        """True when the input is a vector of values, not token ids, with two or more
        features (or computed from two or more columns): an input plane exists."""
        return self.input_features >= 1 and len(self.plane_names) >= 2 and not self.takes_tokens

    @property
    def plane_columns(self) -> Any:
        """The columns (PreparedData) the plane lies in when transforms compute the inputs
        from them and the data fits; None when the plane lies in the inputs themselves."""
        return self.columns if self.columns is not None and self.data_fits else None

    @property
    def plane_names(self) -> tuple[str, ...]:
        """The names of the plane's space: the data's columns, or the network's inputs."""
        columns = self.plane_columns
        return tuple(columns.train.feature_names) if columns is not None else self.feature_names

    @property
    def computed_inputs(self) -> tuple[str, ...]:
        """The expressions the network's inputs are computed as (data.transforms) when the
        plane lies in the columns; () otherwise."""
        return self._transforms if self.plane_columns is not None else ()

    def plane_points(self, split: str) -> Any:
        """The samples of `split` ("train", "validation", "test") as points of the plane's
        space (call only while `data_fits`)."""
        columns = self.plane_columns
        return getattr(columns if columns is not None else self.prepared, split).x

    def plane_units(self, feature: int) -> tuple[float, float]:
        """(shift, scale) that turn coordinate `feature` of the plane's space into the data's
        own units (raw = value * scale + shift)."""
        columns = self.plane_columns
        if columns is None:
            return self.feature_units(feature)
        preprocessor = columns.preprocessor
        return float(preprocessor.shift[feature]), float(preprocessor.scale[feature])

    @property
    def takes_tokens(self) -> bool:
        """True when an Embedding reads the input: its features are token ids, and a point
        between two ids (or outside the vocabulary) is no input at all."""
        if self.display is None:
            return False
        network = self.display.network
        inputs = {node.id for node in network.input_nodes()}
        return any(node.type == "embedding" and set(node.inputs) & inputs
                   for node in network.nodes)

    def output_names(self, units: int) -> tuple[str, ...]:
        """Names for the `units` output values from the data's classes: one per class, or
        P(class 1) for a single sigmoid output of two classes; () when they do not match."""
        names = self.classes.names
        if units == len(names):
            return names
        if units == 1 and len(names) == 2:
            return (f"P({names[1]})",)
        return ()

    @property
    def inputs_scaled(self) -> bool:
        """True when the network sees scaled inputs, not the data's own units."""
        return self.data_fits and self.prepared.preprocessor.scales_inputs

    def raw_inputs(self, x: Any) -> Any:
        """Network inputs `x` (scaled as the network sees them) in the data's own units."""
        if not self.inputs_scaled:
            return x
        return self.prepared.preprocessor.inverse_transform(x)

    def feature_units(self, feature: int) -> tuple[float, float]:
        """(shift, scale) that turn feature `feature` of a network input into its own units
        (raw = scaled * scale + shift); (0, 1) when the inputs are not scaled."""
        if not self.inputs_scaled or len(self.display.input_shape) != 1:
            return 0.0, 1.0
        preprocessor = self.prepared.preprocessor
        return float(preprocessor.shift[feature]), float(preprocessor.scale[feature])

    @property
    def has_conv_layer(self) -> bool:
        """True when the network has a convolution (its feature maps say most about it)."""
        return self.display is not None and any(
            layer_type(node.type).is_convolution for node in self.display.network.nodes)

    @property
    def classes(self) -> ClassLegend:
        """The data's classes (names in label order, colours): empty without fitting data."""
        return ClassLegend.of(self.prepared.train) if self.data_fits else ClassLegend()

    @property
    def feature_names(self) -> tuple[str, ...]:
        d = self.input_features
        names = tuple(self.prepared.train.feature_names) if self.data_fits else ()
        return names if len(names) == d else tuple(f"x{i + 1}" for i in range(d))

    @property
    def plane_choice(self) -> tuple:
        """("features", i, j) or ("pca",): the chosen plane, or the default one."""
        if self._plane_choice is not None and self._choice_valid(self._plane_choice):
            return self._plane_choice
        return ("pca",) if len(self.plane_names) > 2 and self.data_fits else ("features", 0, 1)

    def _choice_valid(self, choice: tuple) -> bool:
        d = len(self.plane_names)
        if choice[0] == "pca":
            return self.data_fits and d > 2
        return 0 <= choice[1] < d and 0 <= choice[2] < d and choice[1] != choice[2]

    def set_plane(self, kind: str, first: int = 0, second: int = 1) -> None:
        """Show the plane over features `first` and `second` (kind "features") or over the
        first two principal components (kind "pca"); views redraw at once."""
        choice = ("pca",) if kind == "pca" else ("features", int(first), int(second))
        if choice == self.plane_choice and self._plane_choice == choice:
            return
        self._plane_choice = choice
        self._invalidate_plane()
        self._probes.clear()
        self.version += 1
        self.refreshed.emit()

    def _invalidate_plane(self) -> None:
        self._plane, self._plane_key = None, None
        self.data_version += 1

    @property
    def plane(self) -> Any:
        """The input plane (engine.probes.Plane) the views draw over, or None."""
        if not self.has_plane:
            return None
        choice = self.plane_choice
        key = (choice, self.data_version, self.input_features)
        if self._plane_key != key:
            from nnstudio.engine import probes

            x = self.plane_points("train") if self.data_fits else None
            names = self.plane_names
            if x is None or len(x) == 0:
                first, second = choice[1:] if choice[0] == "features" else (0, 1)
                plane = probes.default_plane(self.input_features, first, second, names)
            elif choice[0] == "pca":
                plane = probes.pca_plane(x)
            else:
                plane = probes.feature_plane(x, choice[1], choice[2], names)
            if self.plane_columns is not None and len(x):
                plane = dataclasses.replace(plane, encode=self._encode_columns)
            self._plane, self._plane_key = plane, key
        return self._plane

    def set_hovered(self, node_id: str | None, unit: int = 0) -> None:
        """The pointer is over unit `unit` of node `node_id` in a view (None: over none)."""
        hovered = None if node_id is None else (str(node_id), int(unit))
        if hovered != self.hovered:
            self.hovered = hovered
            self.hovered_changed.emit()

    def plane_probe(self, resolution: int, nodes: tuple[str, ...] | None = None) -> Any:
        """Outputs of `nodes` (default: every node) over the plane's grid, computed once per
        refresh and resolution (engine.probes.PlaneProbe), or None without a plane."""
        plane = self.plane
        if plane is None or self.display is None:
            return None
        key = (resolution, nodes, self._plane_key)
        probe = self._probes.get(key)
        if probe is None:
            probe = self.display.plane_probe(plane, resolution, nodes)
            self._probes[key] = probe
        return probe


def _warming() -> bool:
    """True while the app's background thread imports torch (or is about to, at start-up)."""
    from nnstudio.gui.app import torch_warming

    return torch_warming()


class LivePanel(QWidget):
    """A view fed by a `LiveModel`: it redraws on `refreshed` while shown, does no work while
    hidden or while its dock sits behind another tab, and catches up when it is shown again.
    Subclasses implement `update_view()`."""

    def __init__(self, live: LiveModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.live = live
        self.stale = True
        self.redraws = 0
        self._watched_for_tabs: QDockWidget | None = None
        live.refreshed.connect(self._on_live_refreshed)

    def update_view(self) -> None:
        raise NotImplementedError

    def is_shown(self) -> bool:
        """True when some of the panel is on screen. A dock behind another in a tab group
        stays "visible" to Qt (no hide event) with nothing of it drawn: that is not shown."""
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def redraw(self) -> None:
        self.stale = False
        self.redraws += 1
        started = time.thread_time()
        try:
            self.update_view()
        finally:
            ended = time.thread_time()
            self.live.note_cost(ended - started)
        if not self.live._in_refresh:
            # A redraw of its own (a throttled view): its painting counts too, as a
            # refresh's does (see LiveModel.refresh_now).
            QTimer.singleShot(0, self, lambda: self.live.note_cost(time.thread_time() - ended))

    @Slot()
    def _on_live_refreshed(self) -> None:
        if self.is_shown():
            self.redraw()
        else:
            self.stale = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._watch_tabs()
        # Once laid out: only then does the panel know whether any of it is on screen.
        QTimer.singleShot(0, self, self._update_activity)

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.live.deactivate(self)

    def _watch_tabs(self) -> None:
        """Follow the dock's tab switches (they send no show or hide events to the panel)."""
        dock = self.parentWidget()
        while dock is not None and not isinstance(dock, QDockWidget):
            dock = dock.parentWidget()
        if dock is not None and dock is not self._watched_for_tabs:
            self._watched_for_tabs = dock
            dock.visibilityChanged.connect(self._on_live_dock_visibility_changed)

    @Slot(bool)
    def _on_live_dock_visibility_changed(self, visible: bool) -> None:
        QTimer.singleShot(0, self, self._update_activity)  # after the switch is laid out

    @Slot()
    def _update_activity(self) -> None:
        """Tell the live model whether this panel is on screen; catch up if it now is."""
        if not self.is_shown():
            self.live.deactivate(self)
            return
        self.live.activate(self)
        if self.stale and not self.live.pending:
            self._catch_up()

    @Slot()
    def _catch_up(self) -> None:
        if self.stale and self.is_shown() and self.live.version > 0:
            self.redraw()
