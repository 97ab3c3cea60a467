"""Project files, format v2: one JSON document (`.nnstudio`) plus safetensors files beside it.

Layout of a saved project `spiral.nnstudio`:

    spiral.nnstudio                                          the JSON document (sorted keys, indent 2)
    spiral.weights.<sha256[:16]>.safetensors                  the current weights, if any
    spiral.runs/<run id>.<sha256[:16]>.safetensors            each run's final weights, if kept
    spiral.runs/<run id>.history.<sha256[:16]>.safetensors    each run's per-epoch metrics
    spiral.runs/<run id>.timeline.<sha256[:16]>.safetensors   its weights at a few epochs

The JSON says where the current weights came from (`weights.run`, `weights.epoch`) and where
each run started (`parent`: the run and epoch it continued from, null for fresh weights). Run
histories (one float64 series per metric) live in their own files, so the JSON stays small and
readable however long the runs were.

Every weights file name carries its content hash, so a save never overwrites a file the previous
JSON still points to: weights are written first, then the JSON replaces the old one atomically,
and only then are files nothing points to any more removed. A crash at any moment leaves either
the old project or the new one, whole.

Reading trusts nothing: every field is checked against the registries (layer types, training
settings, built-in datasets), every path must stay inside the project's folder, every weights file
must match its sha256. Anything wrong raises ProjectError naming the file and the field. Nothing
read from a file chooses code to run, and there is no pickle.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, Mapping

import numpy as np
import safetensors.numpy

import nnstudio
from nnstudio.core.card_text import CardText, card_text_from_dict
from nnstudio.core.classroom import Classroom, classroom_from_dict
from nnstudio.core.config import TrainingConfig
from nnstudio.core.errors import DataError, ProjectError, SpecError
from nnstudio.core.migrations import FORMAT_VERSION, Migration, migrate
from nnstudio.core.network import Network
from nnstudio.core.params import _show
from nnstudio.core.shapes import infer_shapes
from nnstudio.core.sweep_settings import SweepSettings, sweep_settings_from_dict
from nnstudio.core.timeline import MAX_SNAPSHOTS, TimelineRef, split_timeline, timeline_blob
from nnstudio.data.builtin import BUILTIN_DATASETS
from nnstudio.data.drawn import DrawnPoints, check_drawn
from nnstudio.data.preprocessing import METHODS
from nnstudio.data.transforms import parse_transforms

FORMAT_NAME = "nnstudio-project"
PROJECT_SUFFIX = ".nnstudio"
WEIGHTS_SUFFIX = ".safetensors"

MAX_PROJECT_BYTES = 50 * 1024 * 1024  # far above any real project; stops reading a wrong file
MAX_WEIGHTS_BYTES = 2 * 1024 ** 3  # safetensors files are read whole into memory
MAX_RUNS = 1000
MAX_EPOCHS = 100_000
MAX_METRICS = 64
MAX_SEED = 2 ** 31 - 1
MAX_MESSAGE = 2000

SOURCE_KINDS = ("builtin", "file", "drawn")

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_RUN_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_METRIC = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
_FORMAT_KEY = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
_OPTION_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
_VERSION_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
_DEVICE = re.compile(r"^[a-z0-9:_-]{0,40}$")
_TENSOR = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")
_CREATED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")
_NOT_LEARNED = ("running_", "num_batches_tracked")  # statistics, not counted as parameters
_HASH_IN_NAME = 16  # hex digits of the sha256 put in weights file names
_TEMPORARY = ".tmp"  # suffix of the files a save writes before renaming them into place
_PROCESS_STARTED = time.time()  # temporary files older than this are from killed saves

Weights = dict[str, np.ndarray]


# ---- what a project is -------------------------------------------------------------------------

@dataclass(frozen=True)
class DataSource:
    """Where the data comes from: a built-in dataset (`name`, `params`, `seed`), a file, or
    points drawn in the window.

    A file source has a `path` relative to the project file (with "/" between folders), the
    file's `sha256`, the importer `format` key (e.g. "csv") and the importer's `options`. A
    drawn source holds its `points` ((x1, x2) pairs), their `labels` and its `class_names`
    (nnstudio.data.drawn).
    """

    kind: str = "builtin"
    name: str = ""
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    seed: int = 0
    path: str = ""
    sha256: str = ""
    format: str = ""
    options: dict[str, Any] = field(default_factory=dict, hash=False)
    points: tuple[tuple[float, float], ...] = ()
    labels: tuple[int, ...] = ()
    class_names: tuple[str, ...] = ()

    @classmethod
    def from_drawn(cls, drawn: DrawnPoints) -> DataSource:
        """A source holding the points a person drew."""
        return cls(kind="drawn", points=tuple(map(tuple, drawn.points.tolist())),
                   labels=tuple(drawn.labels.tolist()), class_names=drawn.class_names)

    def drawn(self) -> DrawnPoints:
        """A drawn source's points as arrays."""
        return DrawnPoints(np.array(self.points, np.float64).reshape(-1, 2),
                           np.array(self.labels, np.int64), self.class_names)

    @classmethod
    def builtin(cls, name: str, params: Mapping[str, Any] | None = None, seed: int = 0) -> DataSource:
        """A built-in dataset with every parameter filled in; DataError names a bad one."""
        return _source_from_dict({"kind": "builtin", "name": name, "params": dict(params or {}),
                                  "seed": seed}, "data.source")

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "builtin":
            return {"kind": self.kind, "name": self.name, "params": dict(self.params),
                    "seed": self.seed}
        if self.kind == "drawn":
            return self.drawn().to_source()
        return {"kind": self.kind, "path": self.path, "sha256": self.sha256,
                "format": self.format, "options": dict(self.options)}


def _default_source() -> DataSource:
    return DataSource.builtin("circle")


@dataclass(frozen=True)
class SplitFile:
    """A separate file of validation or test rows, read like the main data file (same format
    and options): its path relative to the project file, and its sha256."""

    path: str
    sha256: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "sha256": self.sha256}


@dataclass(frozen=True)
class DataConfig:
    """The data a project trains on: its source, how it is split, and how inputs are scaled.

    The split is random fractions of the source's rows, unless fixed rows replace a part: a
    `test_file` / `validation_file` beside the main file, or a `split_column` whose values
    (train, validation, test) place each row. A fixed part's fraction is 0; a random
    validation share is then drawn from the training rows.
    """

    source: DataSource = field(default_factory=_default_source)
    validation: float = 0.2  # fraction of all samples
    test: float = 0.2
    split_seed: int = 0
    preprocessing: str = "standardize"  # one of nnstudio.data.preprocessing.METHODS
    split_column: str = ""
    test_file: SplitFile | None = None
    validation_file: SplitFile | None = None
    label_noise: float = 0.0  # share of training labels flipped to another class (classes only)
    # The network's inputs as expressions over the columns (nnstudio.data.transforms);
    # empty: the columns as they are.
    transforms: tuple[str, ...] = ()

    @property
    def split_kind(self) -> str:
        """How the rows are split: "random", "files" (a test and/or validation file) or
        "column"."""
        if self.split_column:
            return "column"
        return "files" if self.test_file or self.validation_file else "random"

    def to_dict(self) -> dict[str, Any]:
        result = {"source": self.source.to_dict(), "validation": self.validation,
                  "test": self.test, "split_seed": self.split_seed,
                  "preprocessing": self.preprocessing}
        # Written only when used, so projects with random splits keep their old bytes.
        if self.split_column:
            result["split_column"] = self.split_column
        for key in ("test_file", "validation_file"):
            if getattr(self, key) is not None:
                result[key] = getattr(self, key).to_dict()
        if self.label_noise:
            result["label_noise"] = self.label_noise
        if self.transforms:
            result["transforms"] = list(self.transforms)
        return result


@dataclass(frozen=True)
class WeightsRef:
    """A weights file: its path relative to the project file, and its sha256 in hex."""

    path: str
    sha256: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "sha256": self.sha256}


@dataclass(frozen=True)
class WeightsOrigin:
    """Where weights came from: the end of `epoch` (1-based, counted within run `run`'s own
    history) of run `run`. `inferred` marks an origin guessed when upgrading an old project
    file, which did not record it; `edited` weights a person changed by hand since."""

    run: str
    epoch: int
    inferred: bool = False
    edited: bool = False

    def to_dict(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"run": self.run, "epoch": self.epoch}
        if self.inferred:
            fields["inferred"] = True
        if self.edited:
            fields["edited"] = True
        return fields


@dataclass(frozen=True, eq=False)
class RunRecord:
    """One finished training run: what was trained, how, on what, and how it went.

    `network`, `data` and `config` are the setup the run used, so it can be repeated exactly
    and its weights make sense even after the project's network changed. `history` holds one
    value per epoch for each metric (NaN where training diverged); `changes` says in words what
    differed from the run before. `weights` points to the run's final weights, if kept.
    `parent` is where the run's first weights came from (None: fresh random weights);
    `weights_epoch` the epoch its final weights are from when that is not its last (early
    stopping put its best epoch's weights back), 0 otherwise.
    """

    id: str
    name: str = ""
    note: str = ""
    created: str = ""  # ISO 8601, e.g. "2025-06-01T12:00:00Z"
    seed: int = 0
    device: str = ""  # where it ran, e.g. "cpu" or "cuda:0"
    versions: dict[str, str] = field(default_factory=dict)  # e.g. {"torch": "2.13.0"}
    config: TrainingConfig = field(default_factory=TrainingConfig)
    changes: tuple[str, ...] = ()
    history: dict[str, list[float]] = field(default_factory=dict)
    final_metrics: dict[str, float] = field(default_factory=dict)
    weights: WeightsRef | None = None
    network: Network = field(default_factory=Network)
    data: DataConfig = field(default_factory=DataConfig)
    parent: WeightsOrigin | None = None
    # The training code that ran: "torch", or "fast" (the engine's NumPy path for small Dense
    # networks; the same results within float rounding). Written only when not "torch".
    training_path: str = "torch"
    weights_epoch: int = 0
    timeline: TimelineRef | None = None  # weights kept at a few epochs (core.timeline)

    @property
    def snapshot_epochs(self) -> tuple[int, ...]:
        """The epochs whose weights the run kept as saved: its timeline's, and its final
        weights' epoch."""
        kept = set(self.timeline.epochs) if self.timeline is not None else set()
        if self.weights is not None and self.final_origin is not None:
            kept.add(self.final_origin.epoch)
        return tuple(sorted(kept))

    @property
    def epochs(self) -> int:
        """How many epochs the run trained (the length of its longest series)."""
        return max((len(values) for values in self.history.values()), default=0)

    @property
    def final_origin(self) -> WeightsOrigin | None:
        """Where the run's final weights stand: this run at `weights_epoch` or its last epoch
        (None when it finished no epoch)."""
        epoch = self.weights_epoch or self.epochs
        return WeightsOrigin(self.id, epoch) if epoch else None

    def to_dict(self) -> dict[str, Any]:
        path = {} if self.training_path == "torch" else {"training_path": self.training_path}
        return {
            **path,
            "id": self.id, "name": self.name, "note": self.note, "created": self.created,
            "parent": None if self.parent is None else self.parent.to_dict(),
            "seed": self.seed, "device": self.device, "versions": dict(self.versions),
            "config": self.config.to_file_dict(), "changes": list(self.changes),
            "history": {k: [_metric_out(v) for v in values] for k, values in self.history.items()},
            "final_metrics": {k: _metric_out(v) for k, v in self.final_metrics.items()},
            "weights": None if self.weights is None else self.weights.to_dict(),
            "network": self.network.to_dict(), "data": self.data.to_dict(),
            # Only when it is not the last epoch: most runs' weights are from their last.
            **({"weights_epoch": self.weights_epoch} if self.weights_epoch else {}),
            **({"timeline": self.timeline.to_dict()} if self.timeline is not None else {}),
        }


@dataclass(eq=False)
class Project:
    """Everything a person works on: the network, its data, its training settings and runs."""

    name: str = "Untitled"
    network: Network = field(default_factory=Network)
    data: DataConfig = field(default_factory=DataConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    runs: list[RunRecord] = field(default_factory=list)
    notes: str = ""
    weights_origin: WeightsOrigin | None = None  # where the current weights came from
    classroom: Classroom | None = None  # what a student's window hides (core.classroom)
    card: CardText = field(default_factory=CardText)  # the model card's own words
    sweep: SweepSettings | None = None  # the sweep it suggests (core.sweep_settings)

    def to_dict(self) -> dict[str, Any]:
        """The project's content as plain JSON values (no file format fields, no weights)."""
        return {
            "name": self.name, "notes": self.notes, "network": self.network.to_dict(),
            "data": self.data.to_dict(), "training": self.training.to_file_dict(),
            "runs": [run.to_dict() for run in self.runs],
            # Written only when set, so other projects keep their bytes.
            **({"classroom": self.classroom.to_dict()} if self.classroom else {}),
            **({"card": self.card.to_dict()} if not self.card.is_empty else {}),
            **({"sweep": self.sweep.to_dict()} if self.sweep else {}),
        }

    def run(self, run_id: str) -> RunRecord:
        for record in self.runs:
            if record.id == run_id:
                return record
        raise KeyError(run_id)

    def find_run(self, run_id: str) -> RunRecord | None:
        """Run `run_id`, or None when the project has no such run (any more)."""
        return next((record for record in self.runs if record.id == run_id), None)

    def next_run_id(self) -> str:
        """A fresh run id like `run_4`."""
        taken = {record.id for record in self.runs}
        number = len(self.runs) + 1
        while f"run_{number}" in taken:
            number += 1
        return f"run_{number}"


@dataclass(frozen=True, eq=False)
class LoadedProject:
    """What `load_project` read: the project, its current weights (or None), and its file.

    `format_version` is the file's own format before any upgrade; `app_version` the NN Studio
    version that wrote it.
    """

    project: Project
    weights: Weights | None
    path: Path
    app_version: str = ""
    format_version: int = FORMAT_VERSION

    def run_weights(self, run_id: str) -> Weights:
        """The final weights of run `run_id`, read and checked now; ProjectError if unusable."""
        return load_run_weights(self.path, self.project.run(run_id))


# ---- loading ------------------------------------------------------------------------------------

def load_project(path: str | os.PathLike[str], *,
                 migrations: Mapping[int, Migration] | None = None) -> LoadedProject:
    """Read, upgrade and check a project file and its weights.

    Raises ProjectError, and only ProjectError, naming the file and the field, e.g.
    `spiral.nnstudio: network.nodes[3].params.kernel: must be an integer from 1 to 15, got "x"`.
    `migrations` replaces the table of format upgrades (tests use it).
    """
    path = Path(path)
    data = _read_limited(path, MAX_PROJECT_BYTES, path.name, "project file")
    return load_project_bytes(data, path, migrations=migrations)


def load_project_bytes(data: bytes, path: str | os.PathLike[str], *,
                       migrations: Mapping[int, Migration] | None = None) -> LoadedProject:
    """Like `load_project` for a file whose bytes are `data`: weights files are found beside
    `path`, and messages name `path`'s file."""
    path = Path(path)
    name = path.name
    if len(data) > MAX_PROJECT_BYTES:
        raise _error(name, f"is larger than {_size(MAX_PROJECT_BYTES)}, far too large to be a "
                           f"project file")
    document = _parse_json(data, name)
    original_version = _check_format(document, name)
    try:
        document = migrate(document, original_version, FORMAT_VERSION, migrations, where=name)
    except ProjectError as exc:
        raise ProjectError(_clean(str(exc))) from None
    try:
        project, current, app_version = project_from_document(document)
    except (SpecError, DataError) as exc:
        raise _error(name, str(exc)) from None
    weights = None
    if current is not None:
        weights = _read_weights(path, current, project.network, "weights")
    for index, run in enumerate(project.runs):
        if run.weights is not None:
            _weights_bytes(path, run.weights, f"runs[{index}].weights")
        history_file = document["runs"][index].get("history_file")
        if history_file is not None:
            where = f"runs[{index}].history_file"
            history = _read_history(path, _weights_ref(history_file, where), where)
            project.runs[index] = dataclasses.replace(run, history=history)
    return LoadedProject(project, weights, path, app_version, original_version)


def load_run_timeline(project_path: str | os.PathLike[str], run: RunRecord
                      ) -> dict[int, Weights]:
    """The weights `run` kept at its timeline's epochs (epoch -> weights; empty when it kept
    none), read and checked now; ProjectError naming the file when unusable."""
    path = Path(project_path)
    ref = run.timeline
    if ref is None:
        return {}
    where = f"run \"{run.id}\" timeline"
    data = _weights_bytes(path, WeightsRef(ref.path, ref.sha256), where, "timeline")
    try:
        snapshots = split_timeline(_parse_safetensors(data), ref.epochs)
        for weights in snapshots.values():
            _check_weight_names(weights, run.network)
            _check_weight_sizes(weights, run.network)
    except ValueError as exc:
        raise _error(path.name, f"{where}.path: {_quoted(ref.path)}: {exc}") from None
    return snapshots


def load_run_snapshot(project_path: str | os.PathLike[str], run: RunRecord,
                      epoch: int) -> Weights:
    """`run`'s weights at `epoch`, one of its `snapshot_epochs` (its final weights for its
    final epoch); ProjectError when it kept none there."""
    final = run.final_origin
    if run.weights is not None and final is not None and final.epoch == epoch:
        return load_run_weights(project_path, run)
    snapshots = load_run_timeline(project_path, run)
    if epoch not in snapshots:
        kept = ", ".join(map(str, run.snapshot_epochs)) or "none"
        raise _error(Path(project_path).name, f"run \"{run.id}\" kept no weights at epoch "
                                              f"{epoch} (kept epochs: {kept})")
    return snapshots[epoch]


def load_run_weights(project_path: str | os.PathLike[str], run: RunRecord) -> Weights:
    """The weights of `run`, a record of the project saved at `project_path`."""
    path = Path(project_path)
    if run.weights is None:
        raise _error(path.name, f"run \"{run.id}\" kept no weights; train it again to get them")
    return _read_weights(path, run.weights, run.network, f"run \"{run.id}\" weights",
                         whole=True)


def project_from_document(document: Any) -> tuple[Project, WeightsRef | None, str]:
    """Check a current-format document; gives (project, current weights ref, app version).

    Raises SpecError or DataError whose message starts with the field, e.g. `data.test: ...`.
    """
    doc = _object(document, "", required=("format", "format_version", "network"),
                  optional=("app_version", "name", "notes", "data", "training", "runs", "weights",
                            "classroom", "sweep", "card"))
    app_version = _text(doc.get("app_version", ""), "app_version", 40)
    name = _text(doc.get("name", "Untitled"), "name", 200)
    notes = _text(doc.get("notes", ""), "notes", 1_000_000)
    network = Network.from_dict(doc["network"], "network")
    data = _data_from_dict(doc.get("data", {}), "data")
    training = _training(doc.get("training", {}), "training")
    runs = _runs_from_list(doc.get("runs", []), "runs")
    weights = doc.get("weights")
    ref, origin = (None, None) if weights is None else _current_weights(weights, "weights")
    classroom = classroom_from_dict(doc["classroom"]) if "classroom" in doc else None
    card = card_text_from_dict(doc["card"]) if "card" in doc else CardText()
    sweep = sweep_settings_from_dict(doc["sweep"]) if "sweep" in doc else None
    project = Project(name=name, network=network, data=data, training=training, runs=runs,
                      notes=notes, weights_origin=origin, classroom=classroom, sweep=sweep,
                      card=card)
    return project, ref, app_version


def _read_limited(path: Path, limit: int, label: str, what: str) -> bytes:
    """The bytes of `path`, or ProjectError (labelled `label`) if it is unreadable or too big."""
    try:
        with open(path, "rb") as handle:
            too_large = os.fstat(handle.fileno()).st_size > limit
            data = b"" if too_large else _read_at_most(handle, limit + 1)
    except FileNotFoundError:
        raise _error(label, "no such file") from None
    except IsADirectoryError:
        raise _error(label, f"is a folder, not a {what}") from None
    except OSError as exc:
        raise _error(label, f"cannot be read ({exc.strerror or exc})") from None
    if too_large or len(data) > limit:
        raise _error(label, f"is larger than {_size(limit)}, far too large to be a {what}")
    return data


def _read_at_most(handle: Any, most: int) -> bytes:
    """Up to `most` bytes of an open file, reserving memory for its actual size, not `most`.

    A regular file is read in one piece of its size (stat first); a pipe or device, which
    reports no size, in chunks, so memory grows only as bytes arrive.
    """
    size = min(os.fstat(handle.fileno()).st_size, most - 1)
    first = handle.read(size + 1)  # one byte more than the size says: did it grow?
    if len(first) <= size:
        return first
    chunks = [first]
    total = len(first)
    while total < most:
        chunk = handle.read(min(1 << 20, most - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


class _BadJSON(ValueError):
    pass


def _parse_json(data: bytes, name: str) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ProjectError(f"{name}: line {line} column {column}: not UTF-8 text; "
                           f"is this really an NN Studio project?") from None
    text = text.removeprefix("\ufeff")  # some editors start UTF-8 files with a byte-order mark
    try:
        return json.loads(text, object_pairs_hook=_without_duplicates,
                          parse_constant=_reject_constant, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise ProjectError(f"{name}: line {exc.lineno} column {exc.colno}: not valid JSON "
                           f"({exc.msg})") from None
    except RecursionError:
        raise ProjectError(f"{name}: not a project: its JSON is nested far too deeply") from None
    except ValueError as exc:  # _BadJSON, or an integer with thousands of digits
        raise _error(name, f"not valid JSON ({exc})") from None


def _without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _BadJSON(f"the key {_show(key)} appears twice in one object")
        result[key] = value
    return result


def _reject_constant(token: str) -> Any:
    raise _BadJSON(f"{token} is not a JSON number")


def _parse_int(digits: str) -> int | float:
    # Huge integers become floats (perhaps inf): every number check then rejects them with the
    # field's name, instead of Python's int/float conversions failing deep inside a check.
    return int(digits) if len(digits) <= 18 else float(digits)


def _check_format(document: Any, name: str) -> int:
    if not isinstance(document, dict):
        raise _error(name, f"not an NN Studio project: the file holds {_show(document)}, "
                           f"not a JSON object")
    if document.get("format") != FORMAT_NAME:
        raise _error(name, f"format: not an NN Studio project (expected \"{FORMAT_NAME}\", "
                           f"got {_show(document.get('format'))})")
    version = document.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise _error(name, f"format_version: must be a whole number, got {_show(version)}")
    if version > FORMAT_VERSION:
        raise _error(name, f"made by a newer NN Studio (format {version}); this one reads up to "
                           f"{FORMAT_VERSION}. Update NN Studio to open it.")
    return version


def _error(name: str, message: str) -> ProjectError:
    """A ProjectError prefixed with the file name, on one printable line of bounded length."""
    return ProjectError(_clean(f"{name}: {message}"))


def _clean(text: str) -> str:
    # Messages end up in dialogs and on one stderr line: escape line breaks, control characters
    # and lone surrogates (which cannot even be encoded), and cut absurdly long ones.
    text = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 3] + "..."


# ---- field checks (raise SpecError / DataError naming the field) ----------------------------------

def _at(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


def _object(value: Any, where: str, required: tuple[str, ...] = (),
            optional: tuple[str, ...] = (), error: type[Exception] = SpecError) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise error(f"{where or 'project'}: must be an object, got {_show(value)}")
    allowed = set(required) | set(optional)
    for key in sorted(value, key=str):
        if key not in allowed:
            raise error(f"{_at(where, _field_name(key))}: unknown field "
                        f"(allowed: {', '.join(sorted(allowed))})")
    for key in required:
        if key not in value:
            raise error(f"{_at(where, key)}: missing")
    return value


def _field_name(key: str) -> str:
    return key if _OPTION_KEY.match(key) else _show(key)


def _text(value: Any, where: str, max_length: int, error: type[Exception] = SpecError) -> str:
    if not isinstance(value, str):
        raise error(f"{where}: must be a text, got {_show(value)}")
    if len(value) > max_length:
        raise error(f"{where}: must be at most {max_length} characters, got {len(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise error(f"{where}: holds a broken character (a lone UTF-16 surrogate)") from None
    return value


def _quoted(text: str) -> str:
    """A checked path in a message, whole (paths are capped at 1000 characters)."""
    return f'"{text}"'


def _integer(value: Any, where: str, low: int, high: int, error: type[Exception] = SpecError) -> int:
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or (isinstance(value, float) and not value.is_integer()) or not low <= value <= high):
        raise error(f"{where}: must be a whole number from {low} to {high}, got {_show(value)}")
    return int(value)


def _number(value: Any, where: str) -> float:
    """A metric value: a finite number, or null for NaN (a run whose loss diverged)."""
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SpecError(f"{where}: must be a number or null, got {_show(value)}")
    return float(value)


def _metric_out(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _sha256(value: Any, where: str, error: type[Exception] = SpecError) -> str:
    if not isinstance(value, str) or not _SHA256.match(value):
        raise error(f"{where}: must be a sha256 checksum (64 lowercase hex digits), "
                    f"got {_show(value)}")
    return value


def check_relative_path(value: Any, where: str, error: type[Exception] = SpecError) -> str:
    """`value` if it is a path that stays inside the project's folder, written with "/"."""
    if not isinstance(value, str) or not value:
        raise error(f"{where}: must be a file path relative to the project, got {_show(value)}")
    _text(value, where, 1000, error)
    if "\\" in value or "\x00" in value:
        raise error(f"{where}: {_quoted(value)} must use \"/\" between folders")
    if PurePosixPath(value).is_absolute() or PureWindowsPath(value).drive:
        raise error(f"{where}: {_quoted(value)} is an absolute path; it must be relative to the "
                    f"project file, so the project still opens when its folder moves")
    parts = value.split("/")
    if ".." in parts:
        raise error(f"{where}: {_quoted(value)} leaves the project's folder; keep files beside "
                    f"the project or in a folder inside it")
    if "" in parts or "." in parts:
        raise error(f"{where}: {_quoted(value)} has an empty or \".\" part")
    return value


def _training(value: Any, where: str) -> TrainingConfig:
    if not isinstance(value, dict):
        raise SpecError(f"{where}: must be an object of settings, got {_show(value)}")
    return TrainingConfig(value, where)


def _source_from_dict(value: Any, where: str) -> DataSource:
    if not isinstance(value, dict):
        raise DataError(f"{where}: must be an object, got {_show(value)}")
    kind = value.get("kind")
    if kind not in SOURCE_KINDS:
        raise DataError(f"{where}.kind: must be one of \"builtin\", \"file\", \"drawn\", "
                        f"got {_show(kind)}")
    if kind == "drawn":
        doc = _object(value, where, ("kind", "points", "labels", "class_names"), (), DataError)
        return DataSource.from_drawn(check_drawn(doc, where))
    if kind == "file":
        doc = _object(value, where, ("kind", "path", "sha256", "format"), ("options",), DataError)
        source = DataSource(
            kind="file",
            path=check_relative_path(doc["path"], _at(where, "path"), DataError),
            sha256=_sha256(doc["sha256"], _at(where, "sha256"), DataError),
            format=_format_key(doc["format"], _at(where, "format")),
            options=_options(doc.get("options", {}), _at(where, "options")),
        )
        # Imported here: the importers bring pyarrow and Pillow, which only file sources need.
        from nnstudio.data.importers.options import check_options

        check_options(source.format, source.options, _at(where, "options"))
        return source
    doc = _object(value, where, ("kind", "name"), ("params", "seed"), DataError)
    key = doc["name"]
    entry = BUILTIN_DATASETS.get(key) if isinstance(key, str) else None
    if entry is None:
        raise DataError(f"{where}.name: unknown built-in dataset {_show(key)}; "
                        f"choose one of {', '.join(BUILTIN_DATASETS)}")
    # The dataset's own schema fills defaults and names any bad parameter.
    checked = entry.params.validate(doc.get("params", {}), _at(where, "params"))
    seed = _integer(doc.get("seed", 0), _at(where, "seed"), 0, MAX_SEED, DataError)
    return DataSource(kind="builtin", name=key, params=checked, seed=seed)


def _format_key(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _FORMAT_KEY.match(value):
        raise DataError(f"{where}: must be an importer name like \"csv\", got {_show(value)}")
    return value


def _options(value: Any, where: str) -> dict[str, Any]:
    """Importer options: up to 100 named plain values (text, number, true/false, null, lists,
    or a map of column names to texts, such as a text column's encoding)."""
    if not isinstance(value, dict) or len(value) > 100:
        raise DataError(f"{where}: must be an object of at most 100 options, got {_show(value)}")
    for key, option in value.items():
        if not _OPTION_KEY.match(key):
            raise DataError(f"{where}: {_show(key)} is not a valid option name")
        texts = [text for pair in option.items() for text in pair] \
            if isinstance(option, dict) else None
        if texts is not None and all(isinstance(text, str) for text in texts):
            option = texts  # a choice per column, e.g. {"sex": "onehot"}
        items = option if isinstance(option, list) else [option]
        if len(items) > 10_000:
            raise DataError(f"{where}.{key}: at most 10000 values")
        for item in items:
            if isinstance(item, str):
                _text(item, f"{where}.{key}", 10_000, DataError)
            elif isinstance(item, float) and not math.isfinite(item):
                raise DataError(f"{where}.{key}: must be a finite number")
            elif not (item is None or isinstance(item, (bool, int, float))):
                raise DataError(f"{where}.{key}: must be a text, number, true/false or null, "
                                f"or a list of them")
    return dict(value)


def _fraction(value: Any, where: str) -> float:
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not math.isfinite(value) or not 0 <= value < 1):
        raise DataError(f"{where}: must be a fraction from 0 up to (not including) 1, "
                        f"got {_show(value)}")
    return float(value)


def _data_from_dict(value: Any, where: str) -> DataConfig:
    doc = _object(value, where, (), ("source", "validation", "test", "split_seed",
                                     "preprocessing", "split_column", "test_file",
                                     "validation_file", "label_noise", "transforms"),
                  DataError)
    validation = _fraction(doc.get("validation", 0.2), _at(where, "validation"))
    test = _fraction(doc.get("test", 0.2), _at(where, "test"))
    if validation + test >= 1:
        raise DataError(f"{where}.test: validation and test add up to {validation + test:g}, "
                        f"which leaves nothing to train on; make them add up to less than 1")
    preprocessing = doc.get("preprocessing", "standardize")
    if not isinstance(preprocessing, str) or preprocessing not in METHODS:
        raise DataError(f"{_at(where, 'preprocessing')}: must be one of "
                        f"{', '.join(METHODS)}, got {_show(preprocessing)}")
    source = (_source_from_dict(doc["source"], _at(where, "source")) if "source" in doc
              else _default_source())
    return DataConfig(source=source, validation=validation, test=test,
                      split_seed=_integer(doc.get("split_seed", 0), _at(where, "split_seed"),
                                          0, MAX_SEED, DataError),
                      preprocessing=preprocessing,
                      label_noise=_fraction(doc.get("label_noise", 0.0),
                                            _at(where, "label_noise")),
                      transforms=_transforms(doc, where),
                      **_fixed_split(doc, source, {"validation": validation, "test": test},
                                     where))


def _transforms(doc: dict[str, Any], where: str) -> tuple[str, ...]:
    """The optional input expressions, checked for grammar; their columns are checked when the
    data is read."""
    if "transforms" not in doc:
        return ()
    return tuple(transform.text for transform in
                 parse_transforms(doc["transforms"], _at(where, "transforms")))


def _fixed_split(doc: dict[str, Any], source: DataSource, fractions: dict[str, float],
                 where: str) -> dict[str, Any]:
    """The optional fixed-split fields of a data config, checked against its source and
    fractions: a fixed part's fraction must be 0, so the file says what is used."""
    fixed: dict[str, Any] = {}
    for key in ("test_file", "validation_file"):
        if doc.get(key) is not None:
            file = _object(doc[key], _at(where, key), ("path", "sha256"), (), DataError)
            fixed[key] = SplitFile(
                check_relative_path(file["path"], _at(where, f"{key}.path"), DataError),
                _sha256(file["sha256"], _at(where, f"{key}.sha256"), DataError))
    if doc.get("split_column") is not None:
        column = _text(doc["split_column"], _at(where, "split_column"), 200, DataError)
        if not column:
            raise DataError(f"{_at(where, 'split_column')}: must name a column, got \"\"")
        if fixed:
            raise DataError(f"{_at(where, 'split_column')}: a project takes its fixed rows "
                            f"from a split column or from separate files, not both")
        if source.format not in ("csv", "tsv"):
            raise DataError(f"{_at(where, 'split_column')}: only a CSV or TSV table has "
                            f"columns to split by")
        fixed["split_column"] = column
    if fixed and source.kind != "file":
        raise DataError(f"{_at(where, next(iter(fixed)))}: a built-in dataset is split at "
                        f"random; fixed rows need your own data file")
    fixed_test = "split_column" in fixed or "test_file" in fixed
    for part, is_fixed in (("test", fixed_test), ("validation", "validation_file" in fixed)):
        if is_fixed and fractions[part] != 0:
            raise DataError(f"{_at(where, part)}: must be 0, since the {part} rows are fixed "
                            f"(by {'the split column' if 'split_column' in fixed else 'a file'})")
    return fixed


def _weights_ref(value: Any, where: str) -> WeightsRef:
    doc = _object(value, where, ("path", "sha256"))
    path = check_relative_path(doc["path"], _at(where, "path"))
    if not path.endswith(WEIGHTS_SUFFIX):
        raise SpecError(f"{where}.path: must name a {WEIGHTS_SUFFIX} file, got {_show(path)}")
    return WeightsRef(path, _sha256(doc["sha256"], _at(where, "sha256")))


def _current_weights(value: Any, where: str) -> tuple[WeightsRef, WeightsOrigin | None]:
    """The current weights' file and, when recorded, the run and epoch they came from."""
    doc = _object(value, where, ("path", "sha256"), ("run", "epoch", "inferred", "edited"))
    ref = _weights_ref({"path": doc["path"], "sha256": doc["sha256"]}, where)
    if doc.keys() == {"path", "sha256"}:
        return ref, None
    return ref, _origin({k: v for k, v in doc.items() if k not in ("path", "sha256")}, where)


def _origin(value: Any, where: str) -> WeightsOrigin:
    doc = _object(value, where, ("run", "epoch"), ("inferred", "edited"))
    run_id = doc["run"]
    if not isinstance(run_id, str) or not _RUN_ID.match(run_id):
        raise SpecError(f"{where}.run: must be a run id (1 to 40 letters, digits, _ or -), "
                        f"got {_show(run_id)}")
    flags = {}
    for name in ("inferred", "edited"):
        flags[name] = doc.get(name, False)
        if not isinstance(flags[name], bool):
            raise SpecError(f"{where}.{name}: must be true or false, got {_show(flags[name])}")
    return WeightsOrigin(run_id, _integer(doc["epoch"], _at(where, "epoch"), 1, MAX_EPOCHS),
                         **flags)


_RUN_FIELDS = ("name", "note", "created", "seed", "device", "versions", "config", "changes",
               "history", "history_file", "final_metrics", "weights", "network", "data",
               "parent", "training_path", "weights_epoch", "timeline")
TRAINING_PATHS = ("torch", "fast")


def _runs_from_list(value: Any, where: str) -> list[RunRecord]:
    if not isinstance(value, list):
        raise SpecError(f"{where}: must be a list of runs, got {_show(value)}")
    if len(value) > MAX_RUNS:
        raise SpecError(f"{where}: at most {MAX_RUNS} runs, got {len(value)}")
    runs: list[RunRecord] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        run = _run_from_dict(item, _at(where, index))
        if run.id in seen:
            raise SpecError(f"{where}[{index}].id: \"{run.id}\" is used twice")
        seen.add(run.id)
        runs.append(run)
    return runs


def _run_from_dict(value: Any, where: str) -> RunRecord:
    doc = _object(value, where, ("id", "network"), _RUN_FIELDS)
    run_id = doc["id"]
    if not isinstance(run_id, str) or not _RUN_ID.match(run_id):
        raise SpecError(f"{where}.id: must be 1 to 40 letters, digits, _ or -, "
                        f"got {_show(run_id)}")
    device = _text(doc.get("device", ""), _at(where, "device"), 40)
    if not _DEVICE.match(device):
        raise SpecError(f"{where}.device: must be a device name like \"cpu\" or \"cuda:0\", "
                        f"got {_show(device)}")
    weights = doc.get("weights")
    if "history" in doc and "history_file" in doc:
        raise SpecError(f"{where}.history_file: a run keeps its history in the file or in "
                        f"\"history\", not both")
    if doc.get("history_file") is not None:
        _weights_ref(doc["history_file"], _at(where, "history_file"))  # read by the loader
    parent = doc.get("parent")
    training_path = doc.get("training_path", "torch")
    if training_path not in TRAINING_PATHS:
        raise SpecError(f"{where}.training_path: must be \"torch\" or \"fast\", "
                        f"got {_show(training_path)}")
    return RunRecord(
        id=run_id,
        parent=None if parent is None else _origin(parent, _at(where, "parent")),
        weights_epoch=_integer(doc.get("weights_epoch", 0), _at(where, "weights_epoch"), 0,
                               MAX_EPOCHS),
        name=_text(doc.get("name", ""), _at(where, "name"), 200),
        note=_text(doc.get("note", ""), _at(where, "note"), 100_000),
        created=_created(doc.get("created", ""), _at(where, "created")),
        seed=_integer(doc.get("seed", 0), _at(where, "seed"), 0, MAX_SEED),
        device=device,
        versions=_versions(doc.get("versions", {}), _at(where, "versions")),
        config=_training(doc.get("config", {}), _at(where, "config")),
        changes=_changes(doc.get("changes", []), _at(where, "changes")),
        history=_history(doc.get("history", {}), _at(where, "history")),
        final_metrics=_final_metrics(doc.get("final_metrics", {}), _at(where, "final_metrics")),
        weights=None if weights is None else _weights_ref(weights, _at(where, "weights")),
        network=Network.from_dict(doc["network"], _at(where, "network")),
        data=_data_from_dict(doc.get("data", {}), _at(where, "data")),
        training_path=training_path,
        timeline=_timeline_ref(doc["timeline"], _at(where, "timeline"))
        if doc.get("timeline") is not None else None,
    )


def _timeline_ref(value: Any, where: str) -> TimelineRef:
    doc = _object(value, where, ("path", "sha256", "epochs"))
    ref = _weights_ref({"path": doc["path"], "sha256": doc["sha256"]}, where)
    epochs = doc["epochs"]
    if not isinstance(epochs, list) or not 1 <= len(epochs) <= MAX_SNAPSHOTS:
        raise SpecError(f"{where}.epochs: must be a list of 1 to {MAX_SNAPSHOTS} epochs, "
                        f"got {_show(epochs)}")
    numbers = [_integer(e, _at(_at(where, "epochs"), i), 1, MAX_EPOCHS)
               for i, e in enumerate(epochs)]
    if numbers != sorted(set(numbers)):
        raise SpecError(f"{where}.epochs: must increase, got {_show(epochs)}")
    return TimelineRef(ref.path, ref.sha256, tuple(numbers))


def _created(value: Any, where: str) -> str:
    text = _text(value, where, 40)
    if text:
        try:
            valid = bool(_CREATED.match(text)) and bool(
                datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            valid = False
        if not valid:
            raise SpecError(f"{where}: must be a date and time like \"2025-06-01T12:00:00Z\", "
                            f"got {_show(text)}")
    return text


def _versions(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or len(value) > 50:
        raise SpecError(f"{where}: must be an object of at most 50 names and versions, "
                        f"got {_show(value)}")
    for key, version in value.items():
        if not _VERSION_KEY.match(key):
            raise SpecError(f"{where}: {_show(key)} is not a package name")
        _text(version, f"{where}.{key}", 100)
    return dict(value)


def _changes(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > 1000:
        raise SpecError(f"{where}: must be a list of at most 1000 texts, got {_show(value)}")
    return tuple(_text(item, _at(where, i), 1000) for i, item in enumerate(value))


def _metric_names(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict) or len(value) > MAX_METRICS:
        raise SpecError(f"{where}: must be an object of at most {MAX_METRICS} metrics, "
                        f"got {_show(value)}")
    for key in value:
        if not _METRIC.match(key):
            raise SpecError(f"{where}: {_show(key)} is not a metric name like \"val_loss\"")
    return value


def _history(value: Any, where: str) -> dict[str, list[float]]:
    history: dict[str, list[float]] = {}
    for key, values in _metric_names(value, where).items():
        if not isinstance(values, list) or len(values) > MAX_EPOCHS:
            raise SpecError(f"{where}.{key}: must be a list of at most {MAX_EPOCHS} numbers, "
                            f"got {_show(values)}")
        history[key] = [_number(v, f"{where}.{key}[{i}]") for i, v in enumerate(values)]
    return history


def _final_metrics(value: Any, where: str) -> dict[str, float]:
    return {key: _number(v, f"{where}.{key}") for key, v in _metric_names(value, where).items()}


# ---- paths and weights files ----------------------------------------------------------------------

def project_folder(project_path: str | os.PathLike[str]) -> Path:
    """The real (link-free) folder of a project file, which every relative path stays inside."""
    return Path(os.path.realpath(Path(project_path).absolute().parent))


def resolve_project_path(project_path: str | os.PathLike[str], relative: str,
                         where: str = "path") -> Path:
    """The file a relative path in project `project_path` names; ProjectError if it leaves the
    project's folder, directly or through a link."""
    name = Path(project_path).name
    try:
        check_relative_path(relative, where)
    except SpecError as exc:
        raise _error(name, str(exc)) from None
    folder = project_folder(project_path)
    target = Path(os.path.realpath(folder / relative))
    if target != folder and folder not in target.parents:
        raise _error(name, f"{where}: {_quoted(relative)} leads out of the project's folder "
                           f"through a link; copy the file into the folder instead")
    return target


def project_relative_path(project_path: str | os.PathLike[str],
                          file: str | os.PathLike[str]) -> str:
    """How project `project_path` refers to `file`: a "/" path relative to its folder.

    ProjectError when `file` is outside the project's folder (copy it in first)."""
    folder = project_folder(project_path)
    target = Path(os.path.realpath(Path(file).absolute()))
    try:
        relative = target.relative_to(folder)
    except ValueError:
        raise _error(Path(project_path).name,
                     f"{target.name} is outside the project's folder {folder}; copy it there "
                     f"first, so the project can be moved and shared with its data") from None
    return relative.as_posix()


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The sha256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _weights_bytes(project_path: Path, ref: WeightsRef, where: str,
                   what: str = "weights") -> bytes:
    """The bytes of the `what` ("weights", "history") file `ref` names, checked: inside the
    folder, present, not too large, and matching its sha256."""
    name = project_path.name
    file = resolve_project_path(project_path, ref.path, f"{where}.path")
    label = f"{name}: {where}.path: {ref.path}"
    if not file.exists():
        dropped = "those weights" if what == "weights" else f"that {what}"
        raise _error(name, f"{where}.path: the {what} file {_quoted(ref.path)} is missing; put "
                           f"it back beside the project, or remove \"{where}\" to drop "
                           f"{dropped}")
    data = _read_limited(file, MAX_WEIGHTS_BYTES, label, f"{what} file")
    if hashlib.sha256(data).hexdigest() != ref.sha256:
        raise _error(name, f"{where}.sha256: the {what} file {_quoted(ref.path)} has changed "
                           f"since the project was saved (its sha256 differs); it does not "
                           f"belong to this project")
    return data


def _read_history(project_path: Path, ref: WeightsRef, where: str) -> dict[str, list[float]]:
    """A run's history from its sidecar file: one 1-D float series per metric name."""
    data = _weights_bytes(project_path, ref, where, "history")
    try:
        arrays = _parse_safetensors(data)
        if len(arrays) > MAX_METRICS:
            raise ValueError(f"holds {len(arrays)} series, at most {MAX_METRICS} are allowed")
        for key, array in arrays.items():
            if not _METRIC.match(key):
                raise ValueError(f"{_show(key)} is not a metric name like \"val_loss\"")
            if array.dtype.kind != "f" or array.ndim != 1 or len(array) > MAX_EPOCHS:
                raise ValueError(f"{key} must be one list of at most {MAX_EPOCHS} floats, got "
                                 f"{array.dtype} of shape {array.shape}")
    except ValueError as exc:
        raise _error(project_path.name, f"{where}.path: {_quoted(ref.path)}: {exc}") from None
    return {key: [float(v) for v in arrays[key]] for key in sorted(arrays)}


def _history_blob(history: Mapping[str, list[float]]) -> bytes:
    """A history as safetensors bytes: float64, so every value reads back to the same bits."""
    return safetensors.numpy.save({name: np.asarray(values, dtype=np.float64)
                                   for name, values in history.items()})


def _read_weights(project_path: Path, ref: WeightsRef, network: Network, where: str,
                  whole: bool = False) -> Weights:
    """Weights checked against `network`: names always; sizes too when they must be `whole`,
    a run's own weights for the network it trained. The current weights may be older than an
    edited network (training then starts afresh and says so), so only their names are checked."""
    data = _weights_bytes(project_path, ref, where)
    try:
        arrays = _parse_safetensors(data)
        _check_weight_names(arrays, network)
        if whole:
            _check_weight_sizes(arrays, network)
    except ValueError as exc:
        raise _error(project_path.name, f"{where}.path: {_quoted(ref.path)}: {exc}") from None
    return arrays


def _parse_safetensors(data: bytes) -> Weights:
    """Arrays from safetensors bytes; ValueError saying why the bytes are not usable weights."""
    not_safetensors = "not a safetensors weights file"
    if len(data) < 10:
        raise ValueError(not_safetensors)
    header_size = int.from_bytes(data[:8], "little")
    if header_size > len(data) - 8 or header_size > 100 * 1024 * 1024:
        raise ValueError(not_safetensors)
    try:
        header = json.loads(data[8:8 + header_size].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ValueError(not_safetensors) from None
    if not isinstance(header, dict):
        raise ValueError(not_safetensors)
    try:
        arrays = safetensors.numpy.load(data)
    except Exception as exc:  # the library raises its own error types; any means a bad file
        raise ValueError(f"{not_safetensors} ({exc})") from None
    for key, array in arrays.items():
        if array.dtype.kind not in "fiub":
            raise ValueError(f"tensor {_show(key)} holds {array.dtype}, not numbers")
    return arrays


def _check_weight_names(arrays: Mapping[str, Any], network: Network) -> None:
    ids = set(network.ids())
    for key in sorted(arrays, key=str):
        node_id, _, tensor = key.partition(".") if isinstance(key, str) else ("", "", "")
        if node_id not in ids or not _TENSOR.match(tensor):
            raise ValueError(f"tensor {_show(key)} belongs to no node of the network (names are "
                             f"\"<node id>.<tensor>\", e.g. \"dense_1.weight\")")


def _check_weight_sizes(arrays: Weights, network: Network) -> None:
    """Each layer's learned tensors hold as many numbers as its settings give it, so a run's
    weights that belong to another network are refused when read, naming the tensors.

    Counting per layer is what the registry knows without torch; a wrong shape of the right
    size (a transposed matrix) is still caught when the weights are put into the model.
    """
    report = infer_shapes(network)
    tensors: dict[str, list[str]] = {}
    for key in sorted(arrays):
        node_id, _, tensor = key.partition(".")
        if not tensor.startswith(_NOT_LEARNED):
            tensors.setdefault(node_id, []).append(key)
    for node_id in network.ids():
        info = report.nodes.get(node_id)
        keys = tensors.get(node_id, [])
        if info is None or info.shape is None:
            continue  # the network has a shape error there: its own message says so
        held = sum(arrays[key].size for key in keys)
        if held != info.params:
            shapes = ", ".join(f"{key} shaped {list(arrays[key].shape)}" for key in keys)
            raise ValueError(f"{shapes or 'no tensor'} for {node_id}, which has "
                             f"{info.params:,} parameters: the weights hold {held:,}, so they "
                             f"belong to another network")


def _size(limit: int) -> str:
    return f"{limit / 1024 ** 3:g} GB" if limit >= 1024 ** 3 else f"{limit / 1024 ** 2:g} MB"


# ---- saving ---------------------------------------------------------------------------------------

def project_document(project: Project, weights: WeightsRef | None = None,
                     history_files: Mapping[str, WeightsRef] | None = None) -> dict[str, Any]:
    """The whole JSON document of `project` in the current format.

    `weights` is the current weights' file (it carries `project.weights_origin`);
    `history_files` maps run ids to the files holding their histories, which then replace the
    inline `history` of those runs.
    """
    content = project.to_dict()
    for run in content["runs"]:
        if history_files and run["id"] in history_files:
            del run["history"]
            run["history_file"] = history_files[run["id"]].to_dict()
    current = None
    if weights is not None:
        current = weights.to_dict()
        if project.weights_origin is not None:
            current.update(project.weights_origin.to_dict())
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "app_version": nnstudio.__version__,
        **content,
        "weights": current,
    }


def dumps_document(document: Mapping[str, Any]) -> bytes:
    """The file bytes of a document: UTF-8 JSON, sorted keys, indent 2, final newline.

    Python writes the shortest text that reads back to the same float, so numbers round-trip.
    """
    text = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def save_project(path: str | os.PathLike[str], project: Project, weights: Weights | None = None,
                 run_weights: Mapping[str, Weights] | None = None, *,
                 source_path: str | os.PathLike[str] | None = None,
                 run_timelines: Mapping[str, Mapping[int, Weights]] | None = None) -> Project:
    """Write `project` to `path` atomically: weights files first, then the JSON.

    `weights` are the current weights (or None); `run_weights` maps run ids to weights to keep
    with those runs. A run that already points to a weights file keeps it: the file is found
    beside `source_path` (where the project was loaded from or last saved; default `path`) and
    copied if the project moves. `run_timelines` maps run ids to the weights they kept at a few
    epochs (epoch -> weights, see core.timeline), kept the same way. Weights files nothing
    points to any more are removed after the
    JSON is in place. Returns the project as written (runs carry their weights references).
    Raises ProjectError (the previous file stays as it was).
    """
    path = Path(path)
    name = path.name
    try:
        checked, _, _ = project_from_document(project_document(project))
    except (SpecError, DataError) as exc:
        raise _error(name, f"cannot save: {exc}") from None
    run_weights = dict(run_weights or {})
    unknown = sorted(set(run_weights) - {run.id for run in checked.runs})
    if unknown:
        raise _error(name, f"cannot save weights of run {_show(unknown[0])}: no such run")
    stem = _stem(path)
    files: dict[str, bytes] = {}  # relative path -> bytes to write
    current = None
    if weights is not None:
        current = _add_weights(files, f"{stem}.weights", weights, checked.network, name, "weights")
    source = Path(source_path) if source_path is not None else path
    runs = []
    history_files: dict[str, WeightsRef] = {}
    for index, run in enumerate(checked.runs):
        where = f"runs[{index}].weights"
        ref = run.weights
        if run.id in run_weights:
            ref = _add_weights(files, f"{stem}.runs/{run.id}", run_weights[run.id], run.network,
                               name, where)
        elif ref is not None:
            ref = _keep_weights(files, f"{stem}.runs/{run.id}", ref, source, path, where)
        runs.append(dataclasses.replace(run, weights=ref, timeline=_timeline_file(
            files, f"{stem}.runs/{run.id}.timeline", run, (run_timelines or {}).get(run.id),
            source, path, f"runs[{index}].timeline")))
        if run.history:
            history_files[run.id] = _add_blob(files, f"{stem}.runs/{run.id}.history",
                                              _history_blob(run.history))
    origin = project.weights_origin if current is not None else None
    saved = dataclasses.replace(checked, runs=runs, weights_origin=origin)
    content = project_document(saved, current, history_files)
    try:
        project_from_document(content)  # the origin, checked like every other field
    except (SpecError, DataError) as exc:
        raise _error(name, f"cannot save: {exc}") from None
    document = dumps_document(content)
    folder = path.absolute().parent
    try:
        for relative, blob in files.items():
            _write_atomic(folder / relative, blob)
        _write_atomic(path, document)
    except OSError as exc:
        raise _error(name, f"cannot save ({exc.strerror or exc}); the previous file is "
                           f"unchanged") from None
    _remove_stale_temporaries(folder, path.name, stem)
    timelines = {WeightsRef(run.timeline.path, run.timeline.sha256) for run in runs
                 if run.timeline is not None}
    _remove_unused_weights(folder, stem, {current, *(run.weights for run in runs),
                                          *history_files.values(), *timelines})
    return saved


def _stem(path: Path) -> str:
    return path.name[:-len(PROJECT_SUFFIX)] if path.name.endswith(PROJECT_SUFFIX) else path.name


def _add_weights(files: dict[str, bytes], prefix: str, weights: Any, network: Network,
                 name: str, where: str) -> WeightsRef:
    if not isinstance(weights, Mapping) or not all(
            isinstance(k, str) and isinstance(v, np.ndarray) for k, v in weights.items()):
        raise _error(name, f"cannot save {where}: must map tensor names to numpy arrays")
    try:
        _check_weight_names(weights, network)
        for key, array in weights.items():
            if array.dtype.kind not in "fiub":
                raise ValueError(f"tensor {_show(key)} holds {array.dtype}, not numbers")
        blob = safetensors.numpy.save({k: np.ascontiguousarray(v) for k, v in weights.items()})
    except ValueError as exc:
        raise _error(name, f"cannot save {where}: {exc}") from None
    return _add_blob(files, prefix, blob)


def _add_blob(files: dict[str, bytes], prefix: str, blob: bytes) -> WeightsRef:
    digest = hashlib.sha256(blob).hexdigest()
    relative = f"{prefix}.{digest[:_HASH_IN_NAME]}{WEIGHTS_SUFFIX}"
    files[relative] = blob
    return WeightsRef(relative, digest)


def _timeline_file(files: dict[str, bytes], prefix: str, run: RunRecord,
                   snapshots: Mapping[int, Weights] | None, source: Path, path: Path,
                   where: str) -> TimelineRef | None:
    """The run's timeline file: written from `snapshots` when given, else its existing file
    kept (copied when the project moves)."""
    if snapshots:
        try:
            for weights in snapshots.values():
                _check_weight_names(weights, run.network)
            blob = timeline_blob(snapshots)
        except ValueError as exc:
            raise _error(path.name, f"cannot save {where}: {exc}") from None
        ref = _add_blob(files, prefix, blob)
        return TimelineRef(ref.path, ref.sha256, tuple(sorted(snapshots)))
    if run.timeline is None:
        return None
    kept = _keep_weights(files, prefix, WeightsRef(run.timeline.path, run.timeline.sha256),
                         source, path, where)
    return TimelineRef(kept.path, kept.sha256, run.timeline.epochs)


def _keep_weights(files: dict[str, bytes], prefix: str, ref: WeightsRef, source: Path,
                  path: Path, where: str) -> WeightsRef:
    """Keep a run's existing weights file, copying it when it is not where this save puts it."""
    wanted = f"{prefix}.{ref.sha256[:_HASH_IN_NAME]}{WEIGHTS_SUFFIX}"
    blob = _weights_bytes(source, ref, where)
    if wanted != ref.path or project_folder(source) != project_folder(path):
        files[wanted] = blob
    return WeightsRef(wanted, ref.sha256)


def _write_atomic(target: Path, data: bytes) -> None:
    """Replace `target` with `data` so that a crash leaves either the old or the new file."""
    if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
        return  # unchanged: leave the file (and its time stamp) alone
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=_TEMPORARY,
                                         dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    # The rename itself must reach the disk too; POSIX only (Windows cannot open folders).
    if os.name != "posix":
        return
    with suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _remove_unused_weights(folder: Path, stem: str, keep: set[WeightsRef | None]) -> None:
    """Delete this project's weights files that the new JSON no longer names.

    Only names this module makes are touched: `<stem>.weights.<hash>.safetensors`,
    `<stem>.runs/<run id>.<hash>.safetensors` and `<stem>.runs/<run id>.history.<hash>...`
    (and `.timeline.<hash>...`).
    """
    kept = {ref.path for ref in keep if ref is not None}
    digits = f"[0-9a-f]{{{_HASH_IN_NAME}}}"
    current = re.compile(rf"^{re.escape(stem)}\.weights\.{digits}\.safetensors$")
    run_file = re.compile(rf"^[A-Za-z0-9_-]{{1,40}}(\.history|\.timeline)?\.{digits}"
                          rf"\.safetensors$")
    candidates = [(f, f.name) for f in _list(folder) if current.match(f.name)]
    runs_folder = folder / f"{stem}.runs"
    candidates += [(f, f"{stem}.runs/{f.name}") for f in _list(runs_folder)
                   if run_file.match(f.name)]
    for file, relative in candidates:
        if relative not in kept and file.is_file() and not file.is_symlink():
            with suppress(OSError):
                file.unlink()
    if runs_folder.is_dir() and not runs_folder.is_symlink():
        with suppress(OSError):
            runs_folder.rmdir()  # only succeeds when empty


def _remove_stale_temporaries(folder: Path, name: str, stem: str) -> None:
    """Delete temporary files that saves of this project killed midway left behind.

    Only `_write_atomic`'s names for this project's own files (`.<file name>.<8 random>.tmp`
    beside the JSON, its weights and its runs' files), and only those older than this process:
    a save running now in another window keeps its file.
    """
    random_part = r"[a-z0-9_]{8}" + re.escape(_TEMPORARY)
    own = re.compile(rf"^\.({re.escape(name)}|{re.escape(stem)}\.weights\.[0-9a-f]+"
                     rf"\.safetensors)\.{random_part}$")
    in_runs = re.compile(rf"^\.[A-Za-z0-9_.-]+\.safetensors\.{random_part}$")
    candidates = [f for f in _list(folder) if own.match(f.name)]
    candidates += [f for f in _list(folder / f"{stem}.runs") if in_runs.match(f.name)]
    for file in candidates:
        with suppress(OSError):
            if file.is_file() and not file.is_symlink() and \
                    file.stat().st_mtime < _PROCESS_STARTED:
                file.unlink()


def _list(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []

