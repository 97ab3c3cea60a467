"""The open project: one object the whole window shares.

`ProjectDocument` owns the core `Project`, its `Network`, the undo stack, the file path, the
trained weights and whether anything is unsaved. Widgets read from it and change the network
only through `push(command)`; they redraw when it signals. Nothing here raises into Qt: a
refused edit becomes `edit_rejected(message)`, a file that cannot be read or written becomes
the message `open`/`save` return.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QUndoCommand, QUndoStack

from nnstudio.core.commands import EditCommand, MoveNodesCommand
from nnstudio.core.errors import NNStudioError
from nnstudio.core.network import Network
from nnstudio.core.shapes import ShapeReport, infer_shapes

log = logging.getLogger(__name__)

PROJECT_SUFFIX = ".nnstudio"
DEFAULT_EXAMPLE = "spiral"


class EditUndoCommand(QUndoCommand):
    """A core EditCommand on Qt's undo stack. Spinning a value merges into one step."""

    def __init__(self, network: Network, edit: EditCommand):
        super().__init__(edit.text)
        self.network, self.edit = network, edit
        self._already_applied = True  # ProjectDocument.push applies it first, to catch errors

    def redo(self) -> None:
        if self._already_applied:
            self._already_applied = False
            return
        self.edit.apply(self.network)

    def undo(self) -> None:
        self.edit.revert(self.network)

    def id(self) -> int:
        # Qt only offers commands with equal ids to mergeWith; the core decides by merge_key.
        return 1 if self.edit.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditUndoCommand) or not self.edit.merge(other.edit):
            return False
        # Spun back to where it started: the step disappears from the stack.
        self.setObsolete(self.edit._before == self.edit._after)
        return True


class DataUndoCommand(QUndoCommand):
    """A change of the project's data settings (new points, a drawn dataset) as an undo step."""

    def __init__(self, document: ProjectDocument, before: Any, after: Any, text: str):
        super().__init__(text)
        self.document, self.before, self.after = document, before, after

    def redo(self) -> None:
        self.document._show_data_config(self.after)

    def undo(self) -> None:
        self.document._show_data_config(self.before)


class ProjectDocument(QObject):
    """The open project, its undo stack, file path, weights and dirty state."""

    network_changed = Signal()
    project_replaced = Signal()
    weights_changed = Signal()
    training_config_changed = Signal()
    data_config_changed = Signal()
    runs_changed = Signal()
    dirty_changed = Signal(bool)
    path_changed = Signal()
    edit_rejected = Signal(str)

    def __init__(self, project: Any = None, parent: QObject | None = None):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_stack_clean_changed)
        self.project: Any = None
        self.network: Network = Network()
        self.path: Path | None = None
        self.weights: dict[str, Any] | None = None
        self._run_weights: dict[str, dict[str, Any]] = {}
        # Weights runs kept at a few epochs (epoch -> weights), until the next save writes them.
        self._run_timelines: dict[str, dict[int, Any]] = {}
        self._read_timeline: tuple[Any, dict[int, Any]] = (None, {})  # (file key, snapshots)
        self._unsaved = False  # changes outside the undo stack (config, weights, runs)
        self._dirty = False
        self._report: ShapeReport | None = None
        self._listening: Network | None = None
        self.edit_lock: str | None = None  # while set, edits that change the network are refused
        if project is None:
            from nnstudio.core.examples import example_project

            project = example_project(DEFAULT_EXAMPLE)
        self._replace(project, None, None)

    # ---- reading ----
    @property
    def is_dirty(self) -> bool:
        return not self.undo_stack.isClean() or self._unsaved

    @property
    def report(self) -> ShapeReport:
        """Shapes and errors of the current network, computed once per change."""
        if self._report is None:
            self._report = infer_shapes(self.network)
        return self._report

    @property
    def display_name(self) -> str:
        """The name in the title bar: the file's name, or the project's while never saved."""
        if self.path is not None:
            return self.path.stem
        return getattr(self.project, "name", "") or "Untitled"

    # ---- editing ----
    def push(self, command: EditCommand) -> bool:
        """Apply `command` as one undo step; a refused edit emits `edit_rejected` instead."""
        if self.edit_lock is not None and not isinstance(command, MoveNodesCommand):
            self.edit_rejected.emit(self.edit_lock)  # moving layers around is still fine
            return False
        try:
            command.apply(self.network)
        except NNStudioError as error:
            self.edit_rejected.emit(str(error))
            return False
        self.undo_stack.push(EditUndoCommand(self.network, command))
        return True

    def undo(self) -> bool:
        """Undo one step, unless edits are locked (the lock's reason is reported instead)."""
        return self._step(self.undo_stack.undo, self.undo_stack.canUndo())

    def redo(self) -> bool:
        return self._step(self.undo_stack.redo, self.undo_stack.canRedo())

    def _step(self, action, possible: bool) -> bool:
        if not possible:
            return False
        if self.edit_lock is not None:  # an undone Add or Delete would change the network too
            self.edit_rejected.emit(self.edit_lock)
            return False
        action()
        return True

    def lock_edits(self, reason: str | None) -> None:
        """Refuse edits that change the network, saying `reason` (None lifts the lock)."""
        self.edit_lock = reason

    def set_training_config(self, config: Any) -> None:
        self._set_project_field("training", config)
        self.training_config_changed.emit()

    def set_data_config(self, data_config: Any) -> None:
        self._set_project_field("data", data_config)
        self.data_config_changed.emit()

    def push_data_config(self, data_config: Any, text: str) -> bool:
        """Change the data settings as one undo step called `text`; refused (with
        `edit_rejected`) while edits are locked."""
        if self.edit_lock is not None:
            self.edit_rejected.emit(self.edit_lock)
            return False
        self.undo_stack.push(DataUndoCommand(self, self.project.data, data_config, text))
        return True

    def _show_data_config(self, data_config: Any) -> None:
        # The undo stack's clean state says whether this is unsaved: no `_mark_unsaved`.
        try:
            self.project.data = data_config
        except dataclasses.FrozenInstanceError:
            self.project = dataclasses.replace(self.project, data=data_config)
        self.data_config_changed.emit()

    def set_classroom(self, classroom: Any) -> None:
        """The project's classroom preset (a core `Classroom`, or None for none)."""
        self._set_project_field("classroom", classroom)

    def set_card_text(self, card: Any) -> None:
        """The model card's own words (a core `CardText`); unchanged text changes nothing."""
        if card != self.project.card:
            self._set_project_field("card", card)

    @property
    def weights_origin(self) -> Any:
        """The run and epoch the current weights came from (a `WeightsOrigin`), or None when
        there are none or no run recorded them (imported, or an upgraded file's guess failed)."""
        return getattr(self.project, "weights_origin", None)

    def set_weights(self, arrays: dict[str, Any] | None, origin: Any = None) -> None:
        """The current network's weights and the run and epoch they came from (`origin`, a
        `WeightsOrigin`; None when no run made them). None forgets both."""
        self.weights = arrays
        self._set_project_field("weights_origin", origin if arrays is not None else None)
        self.weights_changed.emit()

    def add_run(self, record: Any, weights: dict[str, Any] | None = None,
                timeline: dict[int, Any] | None = None) -> None:
        """Record a finished run (and its weights and `timeline`, its weights at a few
        epochs, saved with the project)."""
        self.project.runs.append(record)
        if weights is not None:
            self._run_weights[record.id] = weights
        if timeline:
            self._run_timelines[record.id] = dict(timeline)
        self._mark_unsaved()
        self.runs_changed.emit()

    def run_weights(self, run_id: str) -> dict[str, Any] | None:
        """Run `run_id`'s final weights: kept in memory since it ran, or read from the project's
        files; None when it kept none. ProjectError when its weights file is unusable."""
        if run_id in self._run_weights:
            return self._run_weights[run_id]
        record = self.project.run(run_id)
        if record.weights is None or self.path is None:
            return None
        from nnstudio.core.project import load_run_weights

        return load_run_weights(self.path, record)

    def snapshot_epochs(self, run_id: str) -> tuple[int, ...]:
        """The epochs of run `run_id` whose weights it kept (its timeline's and its final
        weights'); () for an unknown run."""
        record = self.project.find_run(run_id)
        if record is None:
            return ()
        kept = set(self._run_timelines.get(run_id, ()))
        if run_id in self._run_weights and record.final_origin is not None:
            kept.add(record.final_origin.epoch)
        return tuple(sorted(kept | set(record.snapshot_epochs)))

    def snapshot_weights(self, run_id: str, epoch: int) -> dict[str, Any]:
        """Run `run_id`'s weights at `epoch`, one of its `snapshot_epochs`: kept in memory since
        it ran, or read from the project's files (ProjectError when unusable)."""
        record = self.project.run(run_id)
        if epoch in self._run_timelines.get(run_id, {}):
            return self._run_timelines[run_id][epoch]
        final = record.final_origin
        if run_id in self._run_weights and final is not None and final.epoch == epoch:
            return self._run_weights[run_id]
        from nnstudio.core.project import load_run_snapshot, load_run_timeline

        if self.path is None:
            raise KeyError((run_id, epoch))
        timeline = record.timeline
        if timeline is None or epoch not in timeline.epochs:
            return load_run_snapshot(self.path, record, epoch)
        key = (str(self.path), run_id, timeline.sha256)
        if self._read_timeline[0] != key:  # one run's file read once, not at every frame
            self._read_timeline = (key, load_run_timeline(self.path, record))
        return self._read_timeline[1][epoch]

    def replace_run(self, record: Any) -> None:
        """Put `record` in place of the run with the same id (renamed, annotated)."""
        runs = self.project.runs
        runs[[run.id for run in runs].index(record.id)] = record
        self._mark_unsaved()
        self.runs_changed.emit()

    def remove_run(self, run_id: str) -> None:
        """Forget run `run_id` and its weights (the weights file goes at the next save)."""
        self.project.runs[:] = [run for run in self.project.runs if run.id != run_id]
        self._run_weights.pop(run_id, None)
        self._run_timelines.pop(run_id, None)
        self._mark_unsaved()
        self.runs_changed.emit()

    # ---- files ----
    def new_from_example(self, key: str) -> None:
        """Replace the open project by a fresh copy of a built-in example (not dirty, no path)."""
        from nnstudio.core.examples import example_project

        self._replace(example_project(key), None, None)

    def new_untitled(self, project: Any) -> None:
        """Replace the open project by `project` as an untitled copy (not dirty, no path): a
        lesson's starting project, which the person saves wherever they like."""
        self._replace(project, None, None)

    def open(self, path: str | Path) -> str | None:
        """Open a project file; on failure return the loader's message and change nothing."""
        from nnstudio.core.project import load_project

        path = Path(path)
        try:
            loaded = load_project(path)
        except NNStudioError as error:
            return str(error)
        except OSError as error:
            return f"{path}: {error.strerror or error}"
        except Exception as error:  # a loader bug must not take the open project with it
            log.exception("loading %s failed", path)
            return f"{path}: could not be read ({type(error).__name__}: {error})"
        self._replace(loaded.project, loaded.weights, Path(loaded.path or path))
        return None

    def save(self, path: str | Path | None = None) -> str | None:
        """Save to `path` (or the current path); return an error message, or None when saved."""
        from nnstudio.core.project import save_project

        target = Path(path) if path is not None else self.path
        if target is None:
            return "Choose where to save the project first (File ▸ Save As)."
        if target.suffix != PROJECT_SUFFIX:
            target = target.with_name(target.name + PROJECT_SUFFIX)
        try:
            saved = save_project(target, self.project, weights=self._weights_to_save(),
                                 run_weights=self._run_weights or None, source_path=self.path,
                                 run_timelines=self._run_timelines or None)
        except NNStudioError as error:
            return str(error)
        except OSError as error:
            return f"{target}: {error.strerror or error}"
        except Exception as error:
            log.exception("saving %s failed", target)
            return f"{target}: could not be saved ({type(error).__name__}: {error})"
        self.project.runs[:] = saved.runs  # now they point to their weights files
        self._run_weights = {}
        self._run_timelines = {}
        self._unsaved = False
        self.undo_stack.setClean()
        if target != self.path:
            self.path = target
            self.path_changed.emit()
        self._update_dirty()
        return None

    # ---- internals ----
    def _weights_to_save(self) -> dict[str, Any] | None:
        # Weights of layers deleted (or renamed) since training belong to no layer any more.
        if self.weights is None:
            return None
        ids = set(self.network.ids())
        kept = {k: v for k, v in self.weights.items() if k.partition(".")[0] in ids}
        return kept or None

    def _replace(self, project: Any, weights: dict[str, Any] | None, path: Path | None) -> None:
        if self._listening is not None:
            self._listening.unsubscribe(self._on_network_changed)
        self.undo_stack.clear()
        self.project, self.network = project, project.network
        self.network.subscribe(self._on_network_changed)
        self._listening = self.network
        self.weights, self.path = weights, path
        self._run_weights = {}
        self._run_timelines = {}
        self._unsaved = False
        self._report = None
        self.project_replaced.emit()
        self.network_changed.emit()
        self.weights_changed.emit()
        self.training_config_changed.emit()
        self.data_config_changed.emit()
        self.runs_changed.emit()
        self.path_changed.emit()
        self._update_dirty()

    def _on_network_changed(self) -> None:
        self._report = None
        self.network_changed.emit()

    def _set_project_field(self, name: str, value: Any) -> None:
        try:
            setattr(self.project, name, value)
        except dataclasses.FrozenInstanceError:
            self.project = dataclasses.replace(self.project, **{name: value})
        self._mark_unsaved()

    def _mark_unsaved(self) -> None:
        self._unsaved = True
        self._update_dirty()

    @Slot(bool)
    def _on_stack_clean_changed(self, clean: bool) -> None:
        self._update_dirty()

    def _update_dirty(self) -> None:
        dirty = self.is_dirty
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)
