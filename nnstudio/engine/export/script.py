"""Export a project as one standalone, readable PyTorch training script.

The script reads like PyTorch's own examples: a `Model` class, `train` (one epoch), `evaluate`
and `main` with argparse. It holds only what its project's run uses (the schedule, penalties,
clipping, early stopping and target scaling configured, nothing else), needs only torch, numpy
and safetensors, and finds its data beside itself: built-in generators are written out, a
bundled table is copied next to the script, and a file's data is saved next to it as the app
imported it. Run with plain `python` it repeats the app's run; run with `torchrun` it trains
with DistributedDataParallel. It saves weights under NN Studio's tensor names.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from pathlib import Path
from string import Template

import nnstudio
import numpy as np

from nnstudio.core.config import TrainingConfig
from nnstudio.core.errors import SpecError
from nnstudio.core.metrics import lower_is_better
from nnstudio.core.project import Project
from nnstudio.data import bundled
from nnstudio.data.builtin import BUILTIN_DATASETS, BUNDLED
from nnstudio.data.dataset import Dataset
from nnstudio.data.fixed_split import fixed_split_data
from nnstudio.data.source import load_dataset
from nnstudio.data.transforms import apply_transforms, parse_transforms
from nnstudio.engine.export import write_export_file
from nnstudio.engine.export.model_code import model_code
from nnstudio.engine.export.templates import data as data_templates
from nnstudio.engine.export.templates import training as training_templates
from nnstudio.engine.losses import LOSS_NAMES, Objective, make_objective
from nnstudio.engine.modules import build_model, multiply_adds
from nnstudio.engine.target_scaling import foldable_output, scale_power
from nnstudio.engine.trainer import watched_metric

# The file behind each bundled dataset (see nnstudio/data/bundled.py).
BUNDLED_FILES = {
    "digits": "digits.csv.gz",
    "iris": "iris.csv",
    "wine": "wine.csv",
    "breast_cancer": "breast_cancer.csv",
    "diabetes": "diabetes.csv",
}


@dataclass(frozen=True)
class _Run:
    """What the written-out run needs to know about the project, decided once."""

    project: Project
    dataset: Dataset  # the data as loaded: its columns, before any transforms
    objective: Objective
    monitor: str | None  # the validation metric early stopping / the plateau schedule watch
    target_output: str | None  # the layer a standardized regression target folds into
    has_buffers: bool  # BatchNorm's running statistics, which processes must share
    renamed: dict[str, str]
    file_name: str

    @property
    def config(self) -> TrainingConfig:
        return self.project.training

    @property
    def classification(self) -> bool:
        return self.objective.is_classification

    @property
    def early_stopping(self) -> bool:
        return self.monitor is not None and self.config.early_stopping

    @property
    def source(self):
        return self.project.data.source


def script_source(project: Project, dataset: Dataset | None = None,
                  file_name: str | None = None) -> str:
    """The whole training script for `project`, as text.

    `dataset` is the project's data as loaded (loaded here when None; its columns before any
    `data.transforms`); its task, classes, columns and sample shape are used. `file_name` is how
    the usage lines call the script (default: from the project's name). SpecError when the
    network does not fit the data or the settings; DataError for a transform the data cannot
    compute.
    """
    if dataset is None:
        dataset = load_project_data(project)
    run = _plan(project, dataset, file_name or _script_name(project))
    code = model_code(project.network)
    sections = [
        _docstring(run),
        _IMPORTS,
        _constants(run, dataset),
        code.source,
        _section("data: made, split and scaled exactly as NN Studio does"),
        _data_code(run),
        _section("the objective and its metrics"),
        _objective_code(run.objective),
        (training_templates.CLASSIFICATION_METRICS if run.classification
         else training_templates.REGRESSION_METRICS),
        _section("training"),
        _schedule_code(run),
        _train_code(run),
        Template(training_templates.SAVE).substitute(
            layer_name="RENAMED.get(layer, layer)" if run.renamed else "layer"),
        _section("processes and devices"),
        training_templates.DEVICES,
        _section("the run"),
        _main_code(run),
    ]
    text = "\n\n".join(section.strip("\n") + "\n" for section in sections if section.strip())
    return text.replace("\n\n\n\n", "\n\n\n")


def write_script(project: Project, out: str | Path, dataset: Dataset | None = None,
                 project_path: str | Path | None = None) -> list[Path]:
    """Write the training script to `out` (a .py file) and its data beside it; returns the
    files written.

    A bundled table is copied beside the script under its own name; data from a file is saved
    as `<name>_data.npz` (arrays x and y as NN Studio imported them, and each row's part when
    the project fixes its rows). Generated data needs no file. NNStudioError if a file cannot
    be written.
    """
    if project.data.label_noise:
        # The script would train on clean labels: refuse rather than export another run.
        raise SpecError("data.label_noise: the exported script does not flip training labels; "
                        "set label noise to 0 to export one")
    path = Path(out)
    arrays = {}
    if project.data.split_kind != "random":
        # Every row, the held-out files' too, and each row's part, so the script trains and
        # tests on exactly the project's rows.
        dataset, split = fixed_split_data(project.data, project_path)
        part = np.zeros(dataset.n_samples, dtype=np.int8)
        part[split.validation], part[split.test] = 1, 2
        arrays["part"] = part
    elif dataset is None:
        dataset = load_project_data(project, project_path)
    source = script_source(project, dataset, path.name)
    files = [write_export_file(path, source.encode("utf-8"), "the script")]
    if project.data.source.kind != "builtin":
        packed = io.BytesIO()
        np.savez_compressed(packed, x=dataset.x, y=dataset.y, **arrays)
        files.append(write_export_file(path.with_name(_data_file_name(path.name)),
                                       packed.getvalue(), "the script's data"))
    elif project.data.source.name in BUNDLED_FILES:
        name = BUNDLED_FILES[project.data.source.name]
        files.append(write_export_file(path.with_name(name),
                                       bundled.dataset_path(name).read_bytes(),
                                       "the script's data"))
    return files


def load_project_data(project: Project, project_path: str | Path | None = None) -> Dataset:
    """The project's dataset as loaded, before transforms (DataError says why it cannot be)."""
    return load_dataset(project, project_path)


def _plan(project: Project, dataset: Dataset, file_name: str) -> _Run:
    network, config = project.network, project.training
    model = build_model(network, config.seed)  # also checks the network (SpecError)
    computed = apply_transforms(dataset, project.data.transforms)  # DataError names a column
    if model.input_shape != computed.input_shape:
        raise SpecError(
            f"{model.input_id}: expects samples shaped {list(model.input_shape)}, but the data "
            f"\"{dataset.name}\" has samples shaped {list(computed.input_shape)}: set the "
            f"Input's shape to {list(computed.input_shape)}")
    if not any(True for _ in model.parameters()):
        raise SpecError("The network has no weights to train: add a Dense (or another layer "
                        "with weights) before exporting a training script")
    objective = make_objective(config.loss, computed.task, computed.n_classes,
                               computed.output_size, model)
    if objective.positions > 1:
        raise SpecError(f"data: \"{dataset.name}\" has a class per position; the exported "
                        f"script does not train that yet: export the trained model as ONNX or "
                        f"TorchScript instead")
    target_output = None
    if computed.task == "regression" and computed.output_size == 1:
        target_output = foldable_output(network)  # as `fit` decides (engine.target_scaling)
    return _Run(project, dataset, objective, watched_metric(config, objective), target_output,
                any(True for _ in model.buffers()), model_code(network).renamed, file_name)


def _data_file_name(script_name: str) -> str:
    return Path(script_name).stem + "_data.npz"


def _script_name(project: Project) -> str:
    stem = "".join(c if c.isalnum() else "_" for c in project.name.lower()).strip("_")
    return (stem or "train") + ".py"


def _section(title: str) -> str:
    return f"# ---- {title} " + "-" * max(4, 94 - len(title) - 8)


# ---- the docstring -----------------------------------------------------------------------------

def _docstring(run: _Run) -> str:
    name = run.project.name.replace('"""', "'''").replace("\\", "/")
    script, config = run.file_name, run.config
    paragraphs = [
        f"Exported from NN Studio {nnstudio.__version__}. Needs Python 3.9 or newer, torch, "
        f"numpy and safetensors.",
        f"Data: {_data_description(run)}",
        f"Training: {_training_description(run)}",
        "It writes OUT/weights.safetensors, tensors named as NN Studio names them "
        "(\"dense_1.weight\", ...), which File > Import Weights (or `nnstudio import-weights "
        "PROJECT FILE`) loads back into the project, and OUT/metrics.json with every epoch's "
        "metrics.",
        "Run in one process, on the same device and with the same number of CPU threads, it "
        "repeats NN Studio's run: the same split, starting weights, batches and losses (bit for "
        "bit where NN Studio trained with torch; within float rounding where it took its NumPy "
        "fast path for small Dense networks: the run's training_path says which).",
        _distributed_description(config.batch_size),
    ]
    usage = [
        f"    python {script}  # the project's settings; --help lists the options",
        f"    python {script} --epochs 5 --lr 0.01 --out run1",
        f"    python {script} --dry-run  # one batch of one epoch, to check the set-up",
        f"    torchrun --standalone --nproc_per_node=4 {script}",
    ]
    body = "\n\n".join(textwrap.fill(p, 92) for p in paragraphs[1:])
    return (f'"""{name}: train this network as NN Studio does, with plain PyTorch.\n\n'
            + textwrap.fill(paragraphs[0], 92) + "\n\n" + "\n".join(usage) + "\n\n"
            + body + '\n"""\n')


def _data_description(run: _Run) -> str:
    data, source, dataset = run.project.data, run.source, run.dataset
    if source.kind == "drawn":
        text = (f"the {dataset.n_samples} points drawn in NN Studio, saved beside this script as "
                f"{_data_file_name(run.file_name)}; --data PATH reads another .npz or a CSV "
                f"table of the same columns.")
    elif source.kind != "builtin":
        text = (f"the file {source.path!r} as NN Studio imported it ({dataset.n_samples} rows, "
                f"text columns encoded as the project says), saved beside this script as "
                f"{_data_file_name(run.file_name)}; --data PATH reads another .npz or a CSV "
                f"table of the same columns.")
    elif BUILTIN_DATASETS[source.name].kind == BUNDLED:
        text = (f"NN Studio's bundled \"{BUILTIN_DATASETS[source.name].display_name}\" table "
                f"({dataset.n_samples} samples), {BUNDLED_FILES[source.name]} beside this "
                f"script; --data PATH reads another copy.")
    else:
        params = ", ".join(f"{k} {v}" for k, v in source.params.items())
        text = (f"NN Studio's built-in \"{BUILTIN_DATASETS[source.name].display_name}\" "
                f"dataset ({params}, seed {source.seed}), generated here exactly as the app "
                f"does; --data PATH trains on a CSV table of the same columns instead.")
    if data.transforms:
        text += (f" The network's inputs are computed from its columns: "
                 f"{', '.join(data.transforms)}.")
    if data.split_kind != "random":
        text += " Split into the project's fixed training, validation and test rows"
    else:
        text += (f" Split {1 - data.validation - data.test:g} / {data.validation:g} / "
                 f"{data.test:g} (train / validation / test) with seed {data.split_seed}")
    scaling = {"none": "inputs used as they are.",
               "standardize": "inputs standardized on the training split.",
               "minmax": "inputs scaled to 0..1 on the training split."}
    return text + "; " + scaling[data.preprocessing]


def _training_description(run: _Run) -> str:
    config = run.config
    parts = [f"{_OPTIMIZER_NAMES[config.optimizer]}, learning rate {config.learning_rate:g}",
             f"batch size {config.batch_size}", f"{config.epochs} epochs",
             f"seed {config.seed}", LOSS_NAMES[run.objective.loss]]
    extra = {
        "step": f"the rate times {config.gamma:g} every {config.step_size} epochs",
        "cosine": "a cosine schedule", "one_cycle": "a one-cycle schedule",
        "plateau": f"the rate times {config.gamma:g} when {run.monitor} stalls for "
                   f"{config.plateau_patience} epochs",
    }
    if config.schedule in extra:
        parts.append(extra[config.schedule])
    if config.l1 > 0:
        parts.append(f"L1 {config.l1:g}")
    if config.l2 > 0:
        parts.append(f"L2 {config.l2:g}")
    if config.grad_clip:
        parts.append(f"gradients clipped to norm {config.grad_clip:g}")
    if run.early_stopping:
        best = ", then back to the best epoch's weights" if config.restore_best else ""
        parts.append(f"early stopping after {config.patience} epochs without a better "
                     f"{run.monitor}{best}")
    if run.target_output:
        parts.append("the target standardized for training, results in its own units")
    return ", ".join(parts) + "."


def _distributed_description(batch_size: int) -> str:
    example = 3 * -(-batch_size // 3)
    return (f"Under torchrun --nproc_per_node=N it trains with DistributedDataParallel (gloo on "
            f"CPUs, NCCL with one GPU per process). Each epoch is shuffled as in one process "
            f"and dealt as torch's DistributedSampler deals it: padded with its first samples "
            f"to a multiple of N, every N-th sample to each process. Each step, every process "
            f"takes ceil(B / N) samples of a batch of B and DDP averages the gradients, so a "
            f"step sees N * ceil(B / N) samples, rounded up from B (batch size {batch_size} "
            f"with 3 processes: {example}). The processes stay identical (checked at the end) "
            f"and rank 0 saves; the losses differ from a single process's in float rounding.")


# ---- imports and settings ----------------------------------------------------------------------

_IMPORTS = """import argparse
import gzip
import hashlib
import json
import math
import os
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from safetensors.numpy import save_file
"""


def _constants(run: _Run, dataset: Dataset) -> str:
    data, config = run.project.data, run.config
    network_shape = apply_transforms(dataset, data.transforms).input_shape
    model = build_model(run.project.network, config.seed)
    lines = [
        "# The project's settings that are not command-line options (python "
        f"{run.file_name} --help).",
        f"INPUT_SHAPE = {tuple(network_shape)!r}  # one sample, without the batch",
    ]
    if dataset.x.ndim == 2:  # tabular: name the columns a --data table must have, in order
        columns = textwrap.shorten(", ".join(dataset.feature_names), 80, placeholder=" ...")
        lines.insert(1, f"# The data's columns, in order: {columns}; then the target.")
    if data.split_kind == "random":
        lines.append(f"VALIDATION, TEST, SPLIT_SEED = {data.validation!r}, {data.test!r}, "
                     f"{data.split_seed!r}  # held-out shares, split seed")
    if run.classification:
        lines.append(f"CLASSES = {max(run.objective.classes, 2)}")
    if run.monitor:
        watchers = [name for name, used in (("early stopping", run.early_stopping),
                                            ("the plateau schedule", config.schedule == "plateau"))
                    if used]
        verb = "watches" if len(watchers) == 1 else "watch"
        lines.append(f"MONITOR = \"{run.monitor}\"  # the validation metric "
                     f"{' and '.join(watchers)} {verb}")
    if run.target_output:
        powers = {name: scale_power(name, run.objective.loss) for name in ("loss", "mse", "mae")}
        lines.append(f"TARGET_POWERS = {powers!r}  # how each metric grows with the target's "
                     f"scale")
    if run.renamed:
        lines.append(f"RENAMED = {run.renamed!r}  # attributes whose layer id Python or "
                     f"nn.Module reserve")
    lines.append(f"MULTIPLY_ADDS = {multiply_adds(model)}  # of one sample's forward pass: "
                 f"chooses the CPU threads")
    return "\n".join(lines) + "\n"


# ---- data --------------------------------------------------------------------------------------

def _data_code(run: _Run) -> str:
    source = run.source
    pieces: list[str] = []
    if source.kind != "builtin":
        pieces += [_default_data(_data_file_name(run.file_name)), data_templates.READ_TABLE,
                   _FILE_LOADER]
    elif BUILTIN_DATASETS[source.name].kind == BUNDLED:
        pieces += [_default_data(BUNDLED_FILES[source.name]), data_templates.READ_TABLE,
                   _bundled_loader(source.name, BUILTIN_DATASETS[source.name].display_name)]
    else:
        if source.name in data_templates.USES_HELPERS:
            pieces.append(data_templates.GENERATOR_HELPERS)
        pieces += [data_templates.GENERATORS[source.name], data_templates.READ_TABLE,
                   _generated_loader(source.name, BUILTIN_DATASETS[source.name].display_name,
                                     source.params, source.seed)]
    if run.project.data.transforms:
        pieces.append(_transforms_code(run))
    fixed = run.project.data.split_kind != "random"
    if fixed:
        pieces.append(_FIXED_PARTS)
    else:
        pieces.append(data_templates.SPLIT)
    pieces.append(data_templates.SCALING[run.project.data.preprocessing])
    computed = "    x = network_inputs(x)\n" if run.project.data.transforms else ""
    pieces.append(Template(_LOAD_SPLITS).substitute(
        split=_FIXED_SPLIT if fixed else _RANDOM_SPLIT.replace("$classification",
                                                               str(run.classification)),
        computed=computed, targets=_CLASS_TARGETS if run.classification else _VALUE_TARGETS))
    return "\n\n".join(piece.strip("\n") + "\n" for piece in pieces)


def _default_data(file_name: str) -> str:
    return (f"# The data file beside this script, read when --data is not given.\n"
            f"DEFAULT_DATA = Path(__file__).with_name({file_name!r})\n")


def _generated_loader(name: str, display: str, params: dict, seed: int) -> str:
    arguments = ", ".join(f"{k}={v!r}" for k, v in params.items())
    return (
        f"def load_data(path):\n"
        f"    \"\"\"Inputs and targets: NN Studio's '{display}' data, generated here, or with\n"
        f"    --data a CSV table of the same columns.\"\"\"\n"
        f"    if path is None:\n"
        f"        return {name}({arguments}, seed={seed!r})\n"
        f"    return read_table(path)\n"
    )


def _bundled_loader(name: str, display: str) -> str:
    if name == "digits":
        ending = ("    # The table holds pixel counts 0..16; NN Studio scales them to 0..1, one "
                  "channel first.\n"
                  "    return features.reshape(-1, 1, 8, 8) / 16.0, targets\n")
    else:
        ending = "    return features, targets\n"
    return (
        f"def load_data(path):\n"
        f"    \"\"\"Inputs and targets from the '{display}' CSV table.\"\"\"\n"
        f"    path = path or DEFAULT_DATA\n"
        f"    if not Path(path).is_file():\n"
        f"        raise SystemExit(f\"Cannot find the data file {{path}}: pass --data PATH\")\n"
        f"    features, targets = read_table(path)\n"
        + ending
    )


def _transforms_code(run: _Run) -> str:
    """network_inputs(x): the project's data.transforms as plain NumPy, computed as
    nnstudio.data.transforms computes them (float64, then float32)."""
    columns = {name: index for index, name in enumerate(run.dataset.feature_names)}
    transforms = parse_transforms(list(run.project.data.transforms), "data.transforms")
    lines = []
    for transform in transforms:
        terms = [f"x[:, {columns[f.column]}]" + (f" ** {f.power}" if f.power > 1 else "")
                 for f in transform.factors]
        value = " * ".join(terms)
        if transform.function:
            value = f"np.{transform.function}({value})"
        lines.append(f"        {value},  # {transform.text}")
    names = ", ".join(run.dataset.feature_names)
    return (
        f"def network_inputs(columns):\n"
        f"    \"\"\"The network's inputs, computed from the data's columns before scaling: the\n"
        f"    project's feature transforms. Columns: {textwrap.shorten(names, 60)}.\"\"\"\n"
        f"    if columns.shape[1] != {len(columns)}:\n"
        f"        raise SystemExit(f\"The data has {{columns.shape[1]}} columns; the feature \"\n"
        f"                         f\"transforms read {len(columns)}\")\n"
        f"    x = columns.astype(np.float64)\n"
        f"    with np.errstate(over=\"ignore\"):\n"
        f"        inputs = np.stack([\n" + "\n".join("    " + line for line in lines) + "\n"
        f"        ], axis=1).astype(np.float32)\n"
        f"    if not np.isfinite(inputs).all():\n"
        f"        raise SystemExit(\"A feature transform gives values too large for a number\")\n"
        f"    return inputs\n"
    )


_FILE_LOADER = '''
def load_data(path):
    """Inputs and targets from the .npz file NN Studio wrote, or from a CSV table."""
    path = path or DEFAULT_DATA
    if not Path(path).is_file():
        raise SystemExit(f"Cannot find the data file {path}: pass --data PATH")
    if str(path).endswith(".npz"):
        with np.load(path, allow_pickle=False) as arrays:
            return arrays["x"], arrays["y"]
    return read_table(path)
'''

_LOAD_SPLITS = '''
def load_splits(path):
    """Train, validation and test (inputs, targets), split and scaled as NN Studio does."""
    x, y = load_data(path)
    x = np.ascontiguousarray(x, dtype=np.float32)
$computed    if x.size != len(x) * math.prod(INPUT_SHAPE):
        raise SystemExit(f"The data has {x.size // max(len(x), 1)} values per sample; the "
                         f"network takes {math.prod(INPUT_SHAPE)} (shape {INPUT_SHAPE})")
    x = x.reshape((len(x),) + INPUT_SHAPE)
$targets$split    scaling = fit_scaling(x[parts[0]])  # measured on the training samples only
    return {name: (scale(x[index], scaling), y[index])
            for name, index in zip(("train", "validation", "test"), parts)}
'''
_RANDOM_SPLIT = '''    parts = split_indices(y, $classification, VALIDATION, TEST, SPLIT_SEED)
'''
_CLASS_TARGETS = '''    if not np.all(y == np.round(y)) or y.min() < 0 or y.max() >= CLASSES:
        raise SystemExit(f"The targets must be class numbers 0 to {CLASSES - 1}")
    y = y.astype(np.int64)
'''
_VALUE_TARGETS = '''    y = np.ascontiguousarray(y, dtype=np.float32)
'''

# A project with fixed test or validation rows: NN Studio's .npz says each row's part.
_FIXED_PARTS = '''
def fixed_parts(path):
    """Each row's part (0 train, 1 validation, 2 test) as the project fixed them, from NN
    Studio's .npz; None for another table."""
    path = path or DEFAULT_DATA
    if not str(path).endswith(".npz"):
        return None
    with np.load(path, allow_pickle=False) as arrays:
        return arrays["part"] if "part" in arrays else None
'''
_FIXED_SPLIT = '''    part = fixed_parts(path)
    if part is None:
        raise SystemExit(f"{path}: the project fixes its training and test rows; give the .npz "
                         "NN Studio wrote, which says each row's part")
    parts = [np.flatnonzero(part == k) for k in range(3)]
'''


# ---- objective ---------------------------------------------------------------------------------

def _objective_code(objective: Objective) -> str:
    loss = objective.loss
    if loss in ("bce", "cross_entropy"):
        targets = training_templates.TARGETS[loss]
    elif objective.is_classification:
        targets = training_templates.TARGETS["column" if objective.outputs == 1 else "one_hot"]
    else:
        targets = training_templates.TARGETS["regression"]
    activation = objective.output_activation
    if objective.on_logits or activation is None:
        values, values_doc = "logits", (
            "the logits (the loss applies the final " + activation + ")" if activation
            else "the network's output")
    else:
        values = ("torch.sigmoid(logits)" if activation == "sigmoid"
                  else "torch.softmax(logits, dim=1)")
        values_doc = f"the network's output as drawn, with its final {activation}"
    source = Template(training_templates.OBJECTIVE).substitute(
        targets=Template(targets).substitute(outputs=objective.outputs),
        values=values, values_doc=values_doc,
        loss_name=LOSS_NAMES[loss][0].upper() + LOSS_NAMES[loss][1:],
        loss_call=training_templates.LOSS_CALLS[loss])
    if objective.is_classification:
        if objective.outputs == 1:
            threshold = "0.0" if objective.on_logits else "0.5"
            source += Template(training_templates.PREDICTED_SINGLE).substitute(threshold=threshold)
        else:
            source += training_templates.PREDICTED_MANY
    return source.strip("\n") + "\n"


# ---- training ----------------------------------------------------------------------------------

_OPTIMIZER_NAMES = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop",
                    "adagrad": "Adagrad"}


def _optimizer_call(config: TrainingConfig) -> str:
    """The optimizer as NN Studio makes it (engine/optim.py), with only the settings it takes:
    the fused implementation (one kernel for all tensors) on CPUs and CUDA."""
    fused = 'fused=device.type in ("cpu", "cuda") or None'
    settings = {
        "sgd": f"momentum={config.momentum!r}, nesterov={config.nesterov and config.momentum > 0},"
               f" {fused}",
        "adam": fused,
        "adamw": f"weight_decay={config.weight_decay!r}, {fused}",
        "rmsprop": f"momentum={config.momentum!r}, foreach=True",
        "adagrad": 'fused=device.type == "cpu" or None',
    }[config.optimizer]
    call = f"torch.optim.{_OPTIMIZER_NAMES[config.optimizer]}("
    indent = " " * len(f"    optimizer = {call}")
    return f"{call}model.parameters(), lr=args.lr,\n{indent}{settings})"


def _schedule_code(run: _Run) -> str:
    config = run.config
    if config.schedule == "constant":
        return ""
    piece = Template(training_templates.SCHEDULES[config.schedule]).substitute(
        gamma=repr(config.gamma), step_size=config.step_size,
        patience=config.plateau_patience)
    return piece.strip("\n") + "\n\n\n" + training_templates.SET_RATE.strip("\n") + "\n"


def _train_code(run: _Run) -> str:
    config = run.config
    epoch_setup = batch_setup = penalty_step = clip_step = ""
    if config.schedule in ("cosine", "one_cycle"):
        epoch_setup += ("    batches = math.ceil(len(order) / batch_size)\n"
                        "    total = max(1, args.epochs * batches)\n")
        batch_setup = ("        set_rate(optimizer, learning_rate(args.lr, (epoch * batches + "
                       "batch) / total))\n")
    penalties = []
    if config.l1 > 0:
        penalties.append(f"{config.l1!r} * sum(w.abs().sum() for w in weights)")
    if config.l2 > 0:
        penalties.append(f"{config.l2!r} * sum(w.square().sum() for w in weights)")
    if penalties:
        epoch_setup += "    weights = penalized(network)\n"
        penalty_step = (f"        loss = loss + ({' + '.join(penalties)})  # L1/L2\n"
                        if len(penalties) == 1 or len(" + ".join(penalties)) < 60 else
                        f"        loss = loss + ({penalties[0]}\n"
                        f"                       + {penalties[1]})  # L1 and L2\n")
    if config.grad_clip:
        clip_step = (f"        nn.utils.clip_grad_norm_(network.parameters(), "
                     f"{config.grad_clip!r}, foreach=True)\n")
    pieces = [Template(training_templates.TRAIN).substitute(
        epoch_setup=epoch_setup, batch_setup=batch_setup, penalty_step=penalty_step,
        clip_step=clip_step)]
    if penalties:
        pieces.append(training_templates.PENALTY)
    if run.target_output:
        pieces.append(Template(training_templates.TARGET_SCALING).substitute(
            output=run.target_output))
    return "\n\n".join(piece.strip("\n") + "\n" for piece in pieces)


def _main_code(run: _Run) -> str:
    config = run.config
    target = bool(run.target_output)
    shown = "shown" if target else "row"
    lines = [
        "def run(args, rank, world, device):",
        '    """Train in this process (one of `world`), then rank 0 saves the weights and the',
        '    metrics."""',
        "    say = print if rank == 0 else (lambda *a, **k: None)",
        "    splits = load_splits(args.data)",
        '    if device.type == "cpu":',
        '        torch.set_num_threads(cpu_threads(min(args.batch_size, len(splits["train"][1])),'
        " world))",
    ]
    if target:
        lines.append("    splits, target = standardized_target(splits)")
    lines += [
        "    for name, (x, y) in splits.items():",
        '        say(f"{name}: {len(y)} samples")',
        "",
        "    torch.manual_seed(args.seed)",
        "    model = Model().to(device)  # every process starts from the same seeded weights",
        "    torch.manual_seed(args.seed + rank)  # dropout draws from the global generator",
        "    network = model",
        "    if world > 1:",
        "        network = nn.parallel.DistributedDataParallel(",
        '            model, device_ids=[device.index] if device.type == "cuda" else None)',
        f"    optimizer = {_optimizer_call(config)}",
        '    train_data, val_data = (to_tensors(splits[part], device) for part in ("train", '
        '"validation"))',
    ]
    if run.early_stopping:
        lines += [
            "    if not len(val_data[0]):",
            '        raise SystemExit("Early stopping watches the validation split, which is '
            'empty here")',
        ]
    lines += [
        "    # Every process takes its share of each batch: ceil(batch size / processes).",
        "    batch_size = math.ceil(args.batch_size / world)",
        "    batches = math.ceil(math.ceil(len(train_data[0]) / world) / batch_size)",
        "    generator = torch.Generator().manual_seed(args.seed)  # the same shuffle in every "
        "process",
    ]
    if config.schedule == "plateau":
        lines.append(f"    plateau = Plateau(lower_is_better="
                     f"{lower_is_better(run.monitor)} if len(val_data[0]) else True)")
    if run.early_stopping:
        lines.append("    best, best_epoch, best_state = None, 0, None")
    lines += [
        "    history = {}",
        '    say(f"training on {device}" + (f" in {world} processes" if world > 1 else "")',
        '        + f", {args.epochs} epochs of {batches} batches")',
        "",
        "    for epoch in range(args.epochs):",
    ]
    if config.schedule == "step":
        lines.append("        set_rate(optimizer, learning_rate(args.lr, epoch))")
    elif config.schedule == "plateau":
        lines.append("        set_rate(optimizer, args.lr * plateau.factor)")
    lines += [
        "        order = shard(torch.randperm(len(train_data[0]), generator=generator), rank,"
        " world)",
        "        row = train(args, network, optimizer, train_data, order.to(device), batch_size,"
        " epoch)",
    ]
    if run.has_buffers:
        lines += [
            "        if world > 1:  # BatchNorm's running statistics: all take rank 0's",
            "            for buffer in model.buffers():",
            "                dist.broadcast(buffer, 0)",
        ]
    lines += [
        "        if len(val_data[0]):",
        '            row.update({f"val_{k}": v for k, v in evaluate(model, val_data).items()})',
        '        row["lr"] = optimizer.param_groups[0]["lr"]',
        *(["        shown = in_target_units(row, target)  # the metrics in the target's units"]
          if target else []),
        f"        for name, value in {shown}.items():",
        "            history.setdefault(name, []).append(value)",
        '        say(f"epoch {epoch + 1}/{args.epochs}  " + "  ".join(',
        f'            f"{{name}} {{value:.4g}}" for name, value in {shown}.items()))',
    ]
    if config.schedule == "plateau":
        lines.append('        plateau.observe(row[MONITOR] if len(val_data[0]) else row["loss"])')
    if run.early_stopping:
        lines += _early_stopping_lines(run)
    lines += [
        "",
        f"    final = final_metrics(model, splits, device{', target' if target else ''})",
        '    say("final: " + "  ".join(f"{name} {value:.4g}" for name, value in final.items()))',
        ("    arrays = folded(studio_arrays(model), target)" if target
         else "    arrays = studio_arrays(model)"),
        "    if world > 1:",
        "        agree = check_processes_agree(arrays, world, device)",
        '        say(f"all {world} processes end with identical weights" if agree else',
        '            "WARNING: the processes\' weights differ")',
        "        if args.save_every_rank and not args.dry_run:",
        "            Path(args.out).mkdir(parents=True, exist_ok=True)",
        '            save_file(arrays, str(Path(args.out) / f"weights.rank{rank}.safetensors"))',
        "    if rank == 0 and not args.dry_run:",
        '        save(Path(args.out), arrays, {"history": history, "final_metrics": final,',
        ('                                      "best_epoch": best_epoch, "processes": world})'
         if run.early_stopping else
         '                                      "processes": world})'),
        "",
        "",
        f"def final_metrics(model, splits, device{', target' if target else ''}):",
        '    """Loss and metrics of the trained model on every split, prefixed by the split."""',
        "    final = {}",
        '    for part, prefix in (("train", ""), ("validation", "val_"), ("test", "test_")):',
        "        data = to_tensors(splits[part], device)",
        "        if len(data[0]):",
        ("            metrics = in_target_units(evaluate(model, data), target)" if target
         else "            metrics = evaluate(model, data)"),
        "            final.update({prefix + k: v for k, v in metrics.items()})",
        "    return final",
        "",
        "",
        "def to_tensors(split, device):",
        '    """A split\'s inputs, loss targets and true values (the classes, or the targets)."""',
        "    x, y = (torch.tensor(a, device=device) for a in split)",
        "    targets = loss_targets(y)",
        f"    return x, targets, {'y' if run.classification else 'targets'}",
    ]
    return "\n".join(lines) + "\n\n\n" + _main_function(run)


def _early_stopping_lines(run: _Run) -> list[str]:
    config = run.config
    better = "<" if lower_is_better(run.monitor) else ">"
    lines = [
        "",
        f"        # Early stopping: {config.patience} epochs without a better {run.monitor}"
        " end the run.",
        "        value = row[MONITOR]",
        f"        if math.isfinite(value) and (best is None or value {better} best):",
        "            best, best_epoch = value, epoch + 1",
    ]
    if config.restore_best:
        lines.append("            best_state = {k: v.detach().clone() for k, v in "
                     "model.state_dict().items()}")
    lines += [
        f"        stop = torch.tensor(int(epoch + 1 - best_epoch >= {config.patience}), "
        "device=device)",
        "        if world > 1:  # rank 0 decides, so no process waits for one that has stopped",
        "            dist.broadcast(stop, 0)",
        "        if stop:",
        f'            say(f"early stopping: {{MONITOR}} has not improved for {config.patience} '
        'epochs")',
    ]
    if config.restore_best:
        lines += [
            "            model.load_state_dict(best_state)",
            '            say(f"restored the weights of epoch {best_epoch}")',
        ]
    lines.append("            break")
    return lines


def _main_function(run: _Run) -> str:
    config = run.config
    return f'''def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\\n")[0])
    parser.add_argument("--epochs", type=int, default={config.epochs},
                        help="epochs to train (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default={config.batch_size},
                        help="samples per step, over all processes (default: %(default)s)")
    parser.add_argument("--lr", type=float, default={config.learning_rate!r},
                        help="learning rate (default: %(default)s)")
    parser.add_argument("--seed", type=int, default={config.seed},
                        help="seed of the starting weights, the shuffling and dropout; the "
                             "data and its split keep the project's (default: %(default)s)")
    parser.add_argument("--device", default="{config.device}",
                        help="auto, cpu, cuda, cuda:1 or mps (default: %(default)s)")
    parser.add_argument("--data", default=None,
                        help="{_data_default_help(run)}")
    parser.add_argument("--out", default="out",
                        help="folder for weights.safetensors and metrics.json "
                             "(default: %(default)s)")
    parser.add_argument("--dry-run", action="store_true",
                        help="train one batch of one epoch and save nothing: checks the data, "
                             "the model and the device")
    parser.add_argument("--save-every-rank", action="store_true",
                        help="under torchrun, every process also saves its weights "
                             "(weights.rank<N>.safetensors), to compare them")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1 or not args.lr > 0:
        parser.error("--epochs and --batch-size must be 1 or more, --lr above 0")
    if args.dry_run:
        args.epochs = 1
    rank, world, device = start_processes(args.device)
    try:
        run(args, rank, world, device)
        if world > 1:
            dist.barrier()  # every process finishes its work before any leaves the group
    finally:
        if world > 1:
            dist.destroy_process_group()


if __name__ == "__main__":
    main()
'''


def _data_default_help(run: _Run) -> str:
    source = run.source
    if source.kind != "builtin":
        return f"an .npz or CSV table (default: {_data_file_name(run.file_name)} here)"
    if source.name in BUNDLED_FILES:
        return f"the CSV table (default: {BUNDLED_FILES[source.name]} here)"
    return "a CSV table of the same columns (default: generated)"
