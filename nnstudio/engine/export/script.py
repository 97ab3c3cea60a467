"""Export a project as one standalone, readable PyTorch training script.

The script needs only torch, numpy and safetensors. It writes the network out layer by layer as
an `nn.Module`, makes the data as NN Studio does (the built-in generators written out; bundled
tables read from a CSV file whose path defaults to NN Studio's own copy), splits and scales it
the same way, and trains with the same settings and seed. Run with plain `python` it repeats the
app's run; run with `torchrun --nproc_per_node=N` it trains with DistributedDataParallel.
It saves weights under NN Studio's tensor names, so they load back into the project.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from string import Template

import nnstudio
import numpy as np

from nnstudio.core.errors import NNStudioError, SpecError
from nnstudio.core.metrics import lower_is_better
from nnstudio.core.project import Project
from nnstudio.core.shapes import summary
from nnstudio.data import bundled
from nnstudio.data.builtin import BUILTIN_DATASETS, BUNDLED
from nnstudio.data.dataset import Dataset
from nnstudio.data.fixed_split import fixed_split_data
from nnstudio.data.source import load_dataset
from nnstudio.engine.export.model_code import ModelCode, model_code
from nnstudio.engine.export.templates import data as data_templates
from nnstudio.engine.export.templates import training as training_templates
from nnstudio.engine.devices import ONE_THREAD_WORK
from nnstudio.engine.losses import LOSS_NAMES, Objective, make_objective
from nnstudio.engine.modules import build_model, multiply_adds
from nnstudio.engine.target_scaling import foldable_output, scale_power
from nnstudio.engine.trainer import CLASSIFICATION_MONITORS, REGRESSION_MONITORS

# The file behind each bundled dataset (see nnstudio/data/bundled.py).
BUNDLED_FILES = {
    "digits": "digits.csv.gz",
    "iris": "iris.csv",
    "wine": "wine.csv",
    "breast_cancer": "breast_cancer.csv",
    "diabetes": "diabetes.csv",
}

# Monitors that early stopping and the plateau schedule accept, per kind of task.


def script_source(project: Project, dataset: Dataset | None = None,
                  file_name: str | None = None) -> str:
    """The whole training script for `project`, as text.

    `dataset` is the project's data (loaded here from a built-in source when None); only its
    task, classes and sample shape are used; `file_name` is how the usage lines call the
    script (default: from the project's name). SpecError when the network does not fit the data
    or the settings, or when the data source cannot be written out.
    """
    if dataset is None:
        dataset = load_project_data(project)
    network, config = project.network, project.training
    model = build_model(network, config.seed)  # also checks the network (SpecError)
    if model.input_shape != dataset.input_shape:
        raise SpecError(
            f"{model.input_id}: expects samples shaped {list(model.input_shape)}, but the data "
            f"\"{dataset.name}\" has samples shaped {list(dataset.input_shape)}: set the Input's "
            f"shape to {list(dataset.input_shape)}")
    objective = make_objective(config.loss, dataset.task, dataset.n_classes,
                               dataset.output_size, model)
    if not any(True for _ in model.parameters()):
        raise SpecError("The network has no weights to train: add a Dense (or another layer "
                        "with weights) before exporting a training script")
    code = model_code(network)
    # The engine's measure of a training step, from which the script picks its CPU threads.
    work = multiply_adds(model) * min(config.batch_size, dataset.n_samples) * 3
    sections = [
        _header(project, dataset, file_name or _script_name(project)),
        _IMPORTS,
        _settings(project, dataset, objective, code, work),
        _section("data: made, split and scaled exactly as NN Studio does"),
        _data_code(project, dataset, file_name or _script_name(project)),
        _section("the network"),
        "# " + summary(network).replace("\n", "\n# ") + "\n\n\n" + code.source,
        _section("the objective and its metrics"),
        _objective_code(objective),
        (training_templates.CLASSIFICATION_METRICS if objective.is_classification
         else training_templates.REGRESSION_METRICS).strip("\n") + "\n",
        _section("training"),
        training_templates.SCHEDULE.strip("\n") + "\n",
        _optimizer_code(config.optimizer),
        training_templates.DISTRIBUTED.strip("\n") + "\n",
        training_templates.LOOP.strip("\n") + "\n",
        training_templates.MAIN.strip("\n") + "\n",
    ]
    return "\n\n".join(section.rstrip("\n") + "\n" for section in sections).replace(
        "\n\n\n\n", "\n\n\n")


def write_script(project: Project, out: str | Path, dataset: Dataset | None = None,
                 project_path: str | Path | None = None) -> list[Path]:
    """Write the training script to `out` (a .py file); returns the files written.

    Data from a file is written beside it as `<name>_data.npz` (arrays x and y, as NN Studio
    imported them), which the script reads by default. NNStudioError if a file cannot be
    written.
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
    files = [path]
    try:
        path.write_text(script_source(project, dataset, path.name), encoding="utf-8")
        if project.data.source.kind != "builtin":
            data_file = path.with_name(_data_file_name(path.name))
            with open(data_file, "wb") as handle:
                np.savez_compressed(handle, x=dataset.x, y=dataset.y, **arrays)
            files.append(data_file)
    except OSError as error:
        raise NNStudioError(f"{error.filename or path}: cannot write the script "
                            f"({error.strerror or error})") from None
    return files


def load_project_data(project: Project, project_path: str | Path | None = None) -> Dataset:
    """The project's dataset, read as training reads it (DataError says why it cannot be)."""
    return load_dataset(project, project_path)


def _data_file_name(script_name: str) -> str:
    return Path(script_name).stem + "_data.npz"


# ---- sections ----------------------------------------------------------------------------------

_IMPORTS = '''import argparse
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
'''


def _section(title: str) -> str:
    return f"# ---- {title} " + "-" * max(4, 94 - len(title) - 8)


def _header(project: Project, dataset: Dataset, file_name: str) -> str:
    name = project.name.replace('"""', "'''").replace("\\", "/")
    lines = [
        f'"""{name}: train this network as NN Studio does, with plain PyTorch.',
        "",
        f"Exported from NN Studio {nnstudio.__version__}. Needs Python 3.9 or newer, torch, numpy "
        "and safetensors.",
        "",
        f"    python {file_name}                     train with the project's settings",
        f"    python {file_name} --epochs 5 --out run1",
        f"    torchrun --standalone --nproc_per_node=4 {file_name}",
        "",
        "With torchrun it trains with DistributedDataParallel (gloo on CPUs, NCCL with one GPU per",
        "process): every process takes its share of each shuffled epoch (as DistributedSampler",
        "deals it) and of each batch, DDP averages the gradients, so the processes stay identical;",
        "rank 0 saves the weights.",
        "",
        textwrap.fill(f"Data: {_data_description(project, dataset)}", 92),
        "",
        "It writes <out>/weights.safetensors, tensors named as NN Studio names them",
        "(\"dense_1.weight\", ...): File > Import Weights in NN Studio, or",
        "`nnstudio import-weights PROJECT weights.safetensors`, loads them back into the project;",
        "and <out>/metrics.json, with every epoch's metrics.",
        "",
        "Run in one process, on the same device and with the same number of CPU threads, it",
        "repeats NN Studio's run: the same split, starting weights, batches and losses (bit for",
        "bit where NN Studio trained with torch; within float rounding where it took its NumPy",
        "fast path for small Dense networks: the run's training_path says which).",
        '"""',
    ]
    return "\n".join(lines) + "\n"


def _script_name(project: Project) -> str:
    stem = "".join(c if c.isalnum() else "_" for c in project.name.lower()).strip("_")
    return (stem or "train") + ".py"


def _data_description(project: Project, dataset: Dataset) -> str:
    source = project.data.source
    data = project.data
    scaling = ("inputs used as they are" if data.preprocessing == "none" else
               f"inputs scaled by \"{data.preprocessing}\" fitted on the training split")
    split = (f"split {1 - data.validation - data.test:g} / {data.validation:g} / {data.test:g} "
             f"(train / validation / test) with seed {data.split_seed}, {scaling}.")
    if data.split_kind != "random":
        split = (f"split into the project's fixed training, validation and test rows (the "
                 f".npz says each row's part), {scaling}.")
    if source.kind != "builtin":
        return (f"the file {source.path!r} as NN Studio imported it ({dataset.n_samples} "
                f"samples), saved beside this script as an .npz file (DEFAULT_DATA below); "
                f"--data PATH reads another .npz or a CSV table. Then {split}")
    entry = BUILTIN_DATASETS[source.name]
    if entry.kind == BUNDLED:
        return (f"NN Studio's bundled \"{entry.display_name}\" table ({dataset.n_samples} "
                f"samples), read from a CSV file: --data PATH, by default NN Studio's own copy "
                f"(DEFAULT_DATA below) when it exists. Then {split}")
    params = ", ".join(f"{k} {v}" for k, v in source.params.items())
    return (f"NN Studio's built-in \"{entry.display_name}\" dataset ({params}, seed "
            f"{source.seed}), generated here exactly as the app does; --data PATH trains on a CSV "
            f"table of the same layout instead. Then {split}")


def _target_output(project: Project, dataset: Dataset) -> str | None:
    """The layer a standardized target folds into, as `fit` decides (engine.target_scaling)."""
    if dataset.task != "regression" or dataset.output_size != 1:
        return None
    return foldable_output(project.network)


def _python_dict(name: str, values: dict) -> str:
    body = "".join(f"    {key!r}: {value!r},\n" for key, value in values.items())
    return f"{name} = {{\n{body}}}\n"


def _settings(project: Project, dataset: Dataset, objective: Objective, code: ModelCode,
              work: int) -> str:
    config = project.training
    watched = config.early_stopping or config.schedule == "plateau"
    monitor = config.monitor if watched else None
    allowed = CLASSIFICATION_MONITORS if objective.is_classification else REGRESSION_MONITORS
    if monitor is not None and monitor not in allowed:
        kind = "classes" if objective.is_classification else "numbers"
        raise SpecError(f"training.monitor: {monitor} does not apply when predicting {kind}: "
                        f"choose one of {', '.join(allowed)}")
    data = project.data
    lines = [
        _section("settings, from the project"),
        _python_dict("TRAINING", config.to_dict()),
        'EPOCHS = TRAINING["epochs"]',
        _python_dict("DATA", {"validation": data.validation, "test": data.test,
                              "split_seed": data.split_seed,
                              "preprocessing": data.preprocessing}),
        f"INPUT_SHAPE = {tuple(dataset.input_shape)!r}  # one sample, without the batch",
        f"CLASSIFICATION = {objective.is_classification}",
        "# A regression target trains standardized (the training rows' mean and spread) and is",
        "# reported, and saved into this output layer, in its own units (None: used as it is).",
        f"TARGET_OUTPUT = {_target_output(project, dataset)!r}",
        _python_dict("TARGET_POWERS", {name: scale_power(name, objective.loss)
                                       for name in ("loss", "mse", "mae", "r2")}),
        f"CLASSES = {max(objective.classes, 2) if objective.is_classification else 0}",
        "# The validation metric early stopping and the plateau schedule watch (None: neither).",
        f"MONITOR = {monitor!r}",
        f"MONITOR_LOWER_IS_BETTER = {monitor is None or lower_is_better(monitor)}",
        "# Layers whose id Python or nn.Module reserve get another attribute name; NN Studio's",
        "# weight names use the id.",
        f"RENAMED = {code.renamed!r}",
        "# Multiply-adds of one training step (forward and backward), and the most that one CPU",
        "# thread does fastest (measured for NN Studio): they choose the CPU threads.",
        f"WORK_PER_STEP = {work}",
        f"ONE_THREAD_WORK = {ONE_THREAD_WORK}",
    ]
    return "\n".join(lines) + "\n"


def _data_code(project: Project, dataset: Dataset, file_name: str) -> str:
    source = project.data.source
    pieces: list[str] = []
    if source.kind != "builtin":
        pieces.append(f"# The data as NN Studio imported it from {source.path!r} (categories made\n"
                      f"# numbers, missing values handled), saved beside this script.\n"
                      f"DEFAULT_DATA = str(Path(__file__).with_name({_data_file_name(file_name)!r}))\n"
                      f"DATA_HELP = (\"an .npz file with arrays x and y, or a CSV table (a header \"\n"
                      f"             \"row, then the inputs and the target in each row); default: \"\n"
                      f"             + DEFAULT_DATA)\n")
        pieces.append(data_templates.READ_TABLE.strip("\n") + "\n")
        pieces.append(_FILE_LOADER.strip("\n") + "\n")
    elif BUILTIN_DATASETS[source.name].kind == BUNDLED:
        entry = BUILTIN_DATASETS[source.name]
        default = bundled.dataset_path(BUNDLED_FILES[source.name])
        pieces.append(f"# NN Studio's own copy of the table, used when --data is not given.\n"
                      f"DEFAULT_DATA = {str(default)!r}\n"
                      f"DATA_HELP = (\"the {entry.display_name} CSV table (default: NN Studio's \"\n"
                      f"             \"copy, \" + DEFAULT_DATA + \")\")\n")
        pieces.append(data_templates.READ_TABLE.strip("\n") + "\n")
        pieces.append(_bundled_loader(source.name, entry.display_name))
    else:
        entry = BUILTIN_DATASETS[source.name]
        pieces.append("DATA_HELP = (\"a CSV table to train on instead of the generated data: a \"\n"
                      "             \"header row, then the inputs and the target in each row\")\n")
        if source.name in data_templates.USES_HELPERS:
            pieces.append(data_templates.GENERATOR_HELPERS.strip("\n") + "\n")
        pieces.append(data_templates.GENERATORS[source.name].strip("\n") + "\n")
        pieces.append(data_templates.READ_TABLE.strip("\n") + "\n")
        pieces.append(_generated_loader(source.name, entry.display_name, source.params,
                                        source.seed))
    pieces.append(data_templates.SPLIT.strip("\n") + "\n")
    pieces.append(data_templates.SCALING[project.data.preprocessing].strip("\n") + "\n")
    fixed = project.data.split_kind != "random"
    if fixed:
        pieces.append(_FIXED_PARTS.strip("\n") + "\n")
    split = _FIXED_SPLIT if fixed else _RANDOM_SPLIT
    pieces.append(_LOAD_SPLITS.replace("$split", split).strip("\n") + "\n")
    return "\n\n".join(pieces)


def _generated_loader(name: str, display: str, params: dict, seed: int) -> str:
    arguments = ", ".join(f"{k}={v!r}" for k, v in params.items())
    return (
        f"def load_data(path):\n"
        f"    \"\"\"Inputs and targets: NN Studio's '{display}' data, generated here, or with\n"
        f"    --data a CSV table of the same layout.\"\"\"\n"
        f"    if path is None:\n"
        f"        return {name}({arguments}, seed={seed!r})\n"
        f"    return read_table(path)\n"
    )


def _bundled_loader(name: str, display: str) -> str:
    if name == "digits":
        transform = ("    # The table holds pixel counts 0..16; NN Studio scales them to 0..1, "
                     "one channel first.\n"
                     "    return features.reshape(-1, 1, 8, 8) / 16.0, targets\n")
    else:
        transform = "    return features, targets\n"
    return (
        f"def load_data(path):\n"
        f"    \"\"\"Inputs and targets from the '{display}' CSV table.\"\"\"\n"
        f"    path = path or DEFAULT_DATA\n"
        f"    if not Path(path).is_file():\n"
        f"        raise SystemExit(f\"Cannot find the data file {{path}}: pass --data PATH to \"\n"
        f"                         \"the {display} table (resources/datasets/ in NN \"\n"
        f"                         \"Studio's folder)\")\n"
        f"    features, targets = read_table(path)\n"
        + transform
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
    if x.size != len(x) * math.prod(INPUT_SHAPE):
        raise SystemExit(f"The data has {x.size // max(len(x), 1)} values per sample; the "
                         f"network takes {math.prod(INPUT_SHAPE)} (shape {INPUT_SHAPE})")
    x = x.reshape((len(x),) + INPUT_SHAPE)
    if CLASSIFICATION:
        if not np.all(y == np.round(y)) or y.min() < 0 or y.max() >= CLASSES:
            raise SystemExit(f"The targets must be class numbers 0 to {CLASSES - 1}")
        y = y.astype(np.int64)
    else:
        y = np.ascontiguousarray(y, dtype=np.float32)
$split    scaling = fit_scaling(x[parts[0]])  # measured on the training samples only
    return {name: (scale(x[index], scaling), y[index])
            for name, index in zip(("train", "validation", "test"), parts)}
'''
_RANDOM_SPLIT = '''    parts = split_indices(y, CLASSIFICATION, DATA["validation"], DATA["test"],
                          DATA["split_seed"])
'''

# A project with fixed test or validation rows: NN Studio's .npz says each row's part.
_FIXED_PARTS = '''
def fixed_parts(path):
    """Each row's part (0 train, 1 validation, 2 test) as the project fixed them, from NN
    Studio's .npz; None for another table, which is then split at random."""
    path = path or DEFAULT_DATA
    if not str(path).endswith(".npz"):
        return None
    with np.load(path, allow_pickle=False) as arrays:
        return arrays["part"] if "part" in arrays else None
'''
_FIXED_SPLIT = '''    part = fixed_parts(path)
    if part is not None:
        parts = [np.flatnonzero(part == k) for k in range(3)]
    else:
        parts = split_indices(y, CLASSIFICATION, DATA["validation"], DATA["test"],
                              DATA["split_seed"])
'''


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


def _optimizer_code(optimizer: str) -> str:
    names = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop",
             "adagrad": "Adagrad"}
    return Template(training_templates.OPTIMIZER).substitute(
        name=names[optimizer], call=training_templates.OPTIMIZERS[optimizer]).strip("\n") + "\n"
