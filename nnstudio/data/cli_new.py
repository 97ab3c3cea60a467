"""`nnstudio new`: a project for one's own data file, with a sensible first network.

    nnstudio new --data FILE.csv --target COLUMN [--task ...] -o PROJECT.nnstudio
    nnstudio new --generate spiral_arms:classes=4,noise=0.1,seed=3 -o PROJECT.nnstudio

The file is read once with the same importer the window uses (so a bad file fails here, with
its line and column), then the project records it as a `DataSource(kind="file")`: its path
relative to the project, its sha256 and the importer options. The network is Input → Dense 16
ReLU → Dense 16 ReLU → the output the task needs (one sigmoid unit, a softmax over the classes,
or linear units for regression); images get a Flatten after the input.

No torch and no Qt here: creating a project is instant and works headless.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nnstudio.core.errors import DataError, NNStudioError, ProjectError
from nnstudio.core.network import Network, chain
from nnstudio.core.params import typed_value
from nnstudio.data.columns import (
    ColumnPlan,
    NoTargetFound,
    describe_plan,
    plan_columns,
    with_read_categories,
)
from nnstudio.data.dataset import Dataset, Task
from nnstudio.data.fixed_split import describe_split, split_column_options, with_fixed_rows
from nnstudio.data.transforms import apply_transforms

HIDDEN_UNITS = 16


def default_network(dataset: Dataset) -> Network:
    """Input → (Flatten, for images) → Dense 16 ReLU → Dense 16 ReLU → the task's output."""
    layers: list[tuple[str, dict[str, Any]]] = [("input", {"shape": dataset.input_shape})]
    if len(dataset.input_shape) > 1:
        layers.append(("flatten", {}))
    layers += [("dense", {"units": HIDDEN_UNITS, "activation": "relu"})] * 2
    output = {
        Task.BINARY.value: "sigmoid",
        Task.MULTICLASS.value: "softmax",
        Task.REGRESSION.value: "linear",
    }[dataset.task]
    layers.append(("dense", {"units": dataset.output_size, "activation": output}))
    return chain(*layers)


def new_project(data_path: str | Path, project_path: str | Path, format: str | None = None,
                options: Mapping[str, Any] | None = None, name: str | None = None,
                stored_path: str | Path | None = None, report: Any = None):
    """A `Project` whose data source is `data_path` (read now to check it and size the network).

    The project records `stored_path` (default `data_path`: a copy about to be made may be
    recorded while the user's own file is read and checked), which must lie in the project's
    folder or below it (a project carries its data along when shared). `report` (an
    ImportReport) receives what the import found. Returns (project, dataset). Raises
    DataError or ProjectError.
    """
    from nnstudio.core.config import own_data_training
    from nnstudio.core.project import DataConfig, DataSource, Project, project_relative_path
    from nnstudio.data.importers import data_checksum, format_for_path, load_file

    data_path = Path(data_path)
    format = format or format_for_path(data_path)
    options = dict(options or {})
    stored = project_relative_path(project_path, stored_path or data_path)
    dataset = load_file(data_path, format, options, report=report)
    source = DataSource(kind="file", path=stored,
                        sha256=data_checksum(data_path), format=format, options=options)
    # Pixels are already 0..1; tables are usually on mixed scales.
    preprocessing = "none" if len(dataset.input_shape) > 1 else "standardize"
    project = Project(
        name=name or Path(project_path).stem,
        network=default_network(dataset),
        data=DataConfig(source=source, preprocessing=preprocessing),
        training=own_data_training(),
        notes=f"Made by `nnstudio new` from {data_path.name}: {dataset.n_samples} samples, "
              f"task {dataset.task}.",
    )
    return project, dataset


HELP = ("make a project with a first network for your own data file (CSV, NumPy, images) or "
        "a generated dataset")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nnstudio new", description=HELP)
    add_arguments(parser)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `nnstudio new` (the CLI's subcommand table calls this)."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path,
                        help="a .csv, .tsv, .npy or .npz file, or a folder of class subfolders "
                             "of images")
    source.add_argument("--generate", metavar="NAME[:PARAM=VALUE,...]",
                        help="a generated built-in dataset instead of a file, e.g. "
                             "spiral_arms:classes=4,noise=0.1,seed=3 or above_below:function=abs")
    parser.add_argument("-o", "--output", required=True, type=Path,
                        help="the project file to write, e.g. my_data.nnstudio")
    parser.add_argument("--target", help="CSV: the column to predict (default: the column "
                                         "that looks most like a label; the choice is said)")
    parser.add_argument("--features", help="CSV: the input columns, exactly, comma-separated "
                                           "(default: all but the target and the columns the "
                                           "checks leave out: row ids, constant and mostly "
                                           "empty columns)")
    parser.add_argument("--drop", metavar="COL[,COL]",
                        help="CSV: columns to leave out of the inputs")
    parser.add_argument("--task", choices=("binary", "multiclass", "regression"),
                        help="what to predict (default: inferred from the target)")
    parser.add_argument("--delimiter", help="CSV: the delimiter (default: detected); \\t for tab")
    parser.add_argument("--decimal", choices=(".", ","), help="CSV: the decimal separator")
    header = parser.add_mutually_exclusive_group()
    header.add_argument("--header", action="store_true", default=None,
                        help="CSV: the first line holds the column names (default: detected)")
    header.add_argument("--no-header", action="store_true", help="CSV: the first line is data")
    parser.add_argument("--encoding", help="CSV: the text encoding, e.g. latin-1")
    parser.add_argument("--categorical", metavar="[ENC,]COL=ENC[,...]",
                        help="CSV: how text columns become numbers, onehot (the default) or "
                             "ordinal, for all or per column: sex=onehot,grade=ordinal "
                             "(COL=onehot also makes categories of a number column)")
    parser.add_argument("--missing", choices=("drop", "mean", "median", "most_frequent"),
                        help="CSV: rows with gaps are dropped, or gaps filled (default drop)")
    parser.add_argument("--x", dest="x_array", help=".npz: the array of inputs")
    parser.add_argument("--y", dest="y_array", help=".npz: the array of targets; .npy: a file "
                                                    "of targets beside the inputs")
    parser.add_argument("--image-size", default="32x32", help="images: HEIGHTxWIDTH (32x32)")
    parser.add_argument("--rgb", action="store_true", help="images: keep colour (default gray)")
    parser.add_argument("--test-data", type=Path, metavar="FILE",
                        help="a file of the test rows, read like --data (a paper's fixed "
                             "test set); evaluate --split test then scores exactly these")
    parser.add_argument("--validation-data", type=Path, metavar="FILE",
                        help="a file of the validation rows, read like --data")
    parser.add_argument("--split-column", metavar="COL",
                        help="CSV: a column saying train, validation or test for each row; it "
                             "is never an input")
    parser.add_argument("--copy-data", action="store_true",
                        help="copy the data file beside the project first (needed when it "
                             "lies outside the project's folder)")
    parser.add_argument("--transforms", metavar="EXPR[,EXPR]",
                        help="the network's inputs as expressions over the input columns, e.g. "
                             "x1,x2,x1^2,x1*x2,sin(x1) (default: the columns as they are)")
    parser.add_argument("--label-noise", type=float, metavar="F",
                        help="classes: flip this share of the training labels to another class "
                             "(seeded; validation and test stay clean), e.g. 0.2 for the "
                             "double-descent experiments")
    parser.add_argument("--force", action="store_true", help="overwrite an existing project")


def _options(args: argparse.Namespace, format: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if format in ("csv", "tsv"):
        pairs = {"task": args.task, "encoding": args.encoding, "decimal": args.decimal,
                 "missing": args.missing}
        if args.delimiter:
            pairs["delimiter"] = "\t" if args.delimiter in ("\\t", "tab") else args.delimiter
        if args.no_header or args.header:
            pairs["header"] = bool(args.header)
        options = {key: value for key, value in pairs.items() if value is not None}
    elif format == "npz":
        options = {key: value for key, value in
                   {"x": args.x_array, "y": args.y_array, "task": args.task}.items() if value}
    elif format == "npy":
        options = {key: value for key, value in
                   {"y_path": args.y_array, "task": args.task}.items() if value}
    elif format == "images":
        try:
            height, width = (int(side) for side in args.image_size.lower().split("x"))
        except ValueError:
            raise _Usage(f"--image-size: write HEIGHTxWIDTH, e.g. 32x32, got "
                         f"{args.image_size!r}") from None
        options = {"size": [height, width], "color": "rgb" if args.rgb else "grayscale"}
    return options


class _Usage(Exception):
    pass


def run_new(argv: Sequence[str]) -> int:
    """`nnstudio new ...` (argv without "new"); 0 when written, 2 for bad input."""
    return run_arguments(_parser().parse_args(list(argv)))


def run_arguments(args: argparse.Namespace) -> int:
    """Run `nnstudio new` with parsed arguments; one line on stderr and 2 for bad input."""
    try:
        return _run(args)
    except _Usage as exc:
        print(f"nnstudio new: {exc}", file=sys.stderr)
    except NNStudioError as exc:
        print(f"nnstudio new: {exc}", file=sys.stderr)
    return 2


def _run(args: argparse.Namespace) -> int:
    from nnstudio.core.project import save_project
    from nnstudio.core.shapes import summary
    from nnstudio.data.importers import ImportReport, format_for_path

    output: Path = args.output
    if output.suffix != ".nnstudio":
        raise _Usage(f"-o: the project file must end in .nnstudio, got {output.name!r}")
    if output.exists() and not args.force:
        raise _Usage(f"{output} exists; choose another name or add --force")
    if args.generate is not None:
        return _run_generated(args, output)
    data: Path = args.data
    if not data.exists():
        raise _Usage(f"--data: {data} not found")
    format = format_for_path(data)
    options = _options(args, format)
    plan = None
    if format in ("csv", "tsv"):
        options, plan = _plan_csv(data, args, options)
    if args.split_column:
        options = split_column_options(data, options, args.split_column)
    output.parent.mkdir(parents=True, exist_ok=True)
    stored = _copy_destination(data, output) if args.copy_data else None
    report = ImportReport()
    try:  # the user's own file is read and checked; only then is it copied
        project, dataset = new_project(data, output, format, options, stored_path=stored,
                                       report=report)
    except ProjectError as exc:
        raise _Usage(f"{exc} (or add --copy-data)") from None
    copied = _copy(data, stored) if stored is not None and not stored.exists() else None
    try:
        project, dataset = _with_transforms(project, dataset, _names(args.transforms))
        project, split_line = _fixed_rows(args, project, output)
        project = _with_label_noise(project, dataset, args.label_noise)
        save_project(output, project)
    except BaseException:
        if copied is not None:  # nothing of a failed `new` is left behind
            shutil.rmtree(copied) if copied.is_dir() else copied.unlink()
        raise
    lines = _describe_columns(plan, dataset, report) if plan is not None else []
    lines += _dataset_warnings(dataset, report, project.data.preprocessing)
    classes = f", classes {', '.join(dataset.class_names)}" if dataset.class_names else ""
    computed = (f" computed as {', '.join(project.data.transforms)}"
                if project.data.transforms else "")
    lines += [f"Wrote {output}: {dataset.n_samples} samples of shape {dataset.input_shape}"
              f"{computed}, task {dataset.task}{classes}.", split_line]
    if project.data.label_noise:
        lines.append(f"Label noise: {project.data.label_noise:.0%} of the training labels are "
                     "flipped to another class (validation and test stay clean).")
    lines.append(summary(project.network))
    _say(lines)
    return 0


# Options that describe reading a file, refused with --generate rather than ignored.
FILE_OPTIONS = ("target", "features", "drop", "task", "delimiter", "decimal", "header",
                "no_header", "encoding", "categorical", "missing", "x_array", "y_array", "rgb",
                "test_data", "validation_data", "split_column", "copy_data")


def _run_generated(args: argparse.Namespace, output: Path) -> int:
    """`nnstudio new --generate NAME[:PARAM=VALUE,...]`: a project on a generated dataset."""
    from nnstudio.core.project import DataConfig, DataSource, Project, save_project
    from nnstudio.core.shapes import summary
    from nnstudio.data.builtin import BUILTIN_DATASETS, GENERATED, load_builtin

    given = [name for name in FILE_OPTIONS if getattr(args, name, None) not in (None, False)]
    if given:
        raise _Usage(f"--{given[0].replace('_', '-')}: is for reading a data file; "
                     f"--generate makes its data")
    name, params, seed = parse_generate(args.generate)
    entry = BUILTIN_DATASETS.get(name)
    if entry is None or entry.kind != GENERATED:
        generated = [key for key, item in BUILTIN_DATASETS.items() if item.kind == GENERATED]
        raise _Usage(f"--generate: {name!r} is not a generated dataset; choose one of "
                     f"{', '.join(generated)}")
    source = DataSource.builtin(name, params, seed)
    dataset = load_builtin(name, source.params, seed=source.seed)
    project = Project(name=output.stem, network=default_network(dataset),
                      data=DataConfig(source=source),
                      notes=f"Made by `nnstudio new --generate {args.generate}`.")
    project, dataset = _with_transforms(project, dataset, _names(args.transforms))
    project = _with_label_noise(project, dataset, args.label_noise)
    output.parent.mkdir(parents=True, exist_ok=True)
    save_project(output, project)
    settings = ", ".join(f"{key} {value}" for key, value in source.params.items())
    _say([f"Wrote {output}: {entry.display_name} ({settings}, seed {source.seed}), "
          f"{dataset.n_samples} samples, task {dataset.task}, classes "
          f"{', '.join(dataset.class_names) or 'none'}.", summary(project.network)])
    return 0


def parse_generate(text: str) -> tuple[str, dict[str, Any], int]:
    """`NAME[:PARAM=VALUE,...]` as (name, params, seed): numbers where they read as numbers,
    texts otherwise; `seed` is taken out of the params. The dataset's schema checks them."""
    name, _, rest = text.partition(":")
    params: dict[str, Any] = {}
    for pair in filter(None, (part.strip() for part in rest.split(","))):
        key, equals, value = pair.partition("=")
        if not equals or not key.strip():
            raise _Usage(f"--generate: write PARAM=VALUE, e.g. classes=4, got {pair!r}")
        params[key.strip()] = typed_value(value)
    seed = params.pop("seed", 0)
    if not isinstance(seed, int) or seed < 0:
        raise _Usage(f"--generate: seed must be a whole number of 0 or more, got {seed!r}")
    return name.strip(), params, seed


def _with_transforms(project: Any, dataset: Dataset,
                     texts: list[str]) -> tuple[Any, Dataset]:
    """The project computing its inputs by `texts` (none: unchanged), its first network sized
    for them, and the dataset as the network sees it."""
    if not texts:
        return project, dataset
    dataset = apply_transforms(dataset, tuple(texts), "--transforms")
    data = dataclasses.replace(project.data, transforms=tuple(texts))
    return dataclasses.replace(project, data=data, network=default_network(dataset)), dataset


def _with_label_noise(project: Any, dataset: Dataset, fraction: float | None) -> Any:
    """The project flipping `fraction` of its training labels (None: unchanged); the same
    checks as the project loader's, named by the option."""
    if fraction is None:
        return project
    if not 0 <= fraction < 1:
        raise _Usage(f"--label-noise: must be a fraction from 0 up to (not including) 1, "
                     f"got {fraction:g}")
    if fraction and not dataset.is_classification:
        raise _Usage("--label-noise: only class labels can be flipped, and this data has a "
                     "numeric target (task regression)")
    return dataclasses.replace(project, data=dataclasses.replace(project.data,
                                                                 label_noise=fraction))


def _plan_csv(data: Path, args: argparse.Namespace,
              options: dict[str, Any]) -> tuple[dict[str, Any], ColumnPlan]:
    """The target and inputs the shared column checks choose, and the options that make the
    project read exactly those, the same way, every time (the dialect included)."""
    from nnstudio.data.importers import csv_dialect, preview_csv

    dialect = csv_dialect(data, options)
    preview = preview_csv(data, dialect, rows=1)
    default, per_column = _encodings(args.categorical)
    drop = _names(args.drop) + ([args.split_column] if args.split_column else [])
    try:
        plan = plan_columns(preview.samples, target=args.target,
                            features=_names(args.features) if args.features else None,
                            drop=drop, encodings=per_column, default_encoding=default,
                            complete=preview.rows_exact)
    except NoTargetFound as exc:
        raise _Usage(f"{data}: {exc}; choose the target with --target") from None
    except DataError as exc:
        raise DataError(f"{data}: {exc}") from None
    if not plan.features():
        raise DataError(f"{data}: {plan.warnings[-1]}; choose inputs with --features")
    return {**options, **dialect.to_dict(), **plan.options()}, plan


def _names(text: str | None) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()] if text else []


def _encodings(text: str | None) -> tuple[str, dict[str, str]]:
    """--categorical "ordinal,sex=onehot" → ("ordinal", {"sex": "onehot"})."""
    default, per_column = "onehot", {}
    for item in _names(text):
        name, equals, encoding = item.rpartition("=")
        if equals:
            per_column[name.strip()] = encoding.strip()
        else:
            default = item
    return default, per_column


def _describe_columns(plan: ColumnPlan, dataset: Dataset, report: ImportReport) -> list[str]:
    """The plan as the full read confirmed it, and the missing values it counted."""
    lines = describe_plan(with_read_categories(plan, dataset.feature_names),
                          keep_hint="--features to keep it")
    if report.missing:
        counts = ", ".join(f"{name} {count}" for name, count in report.missing.items())
        lines.append(f"Missing values, before any row was dropped: {counts}.")
    return lines + report.notes


def _dataset_warnings(dataset: Dataset, report: ImportReport, preprocessing: str) -> list[str]:
    """The checks the window's Data View shows (imbalance, scales, ...), said here too."""
    from nnstudio.data.checks import WARNING, check_dataset

    # Missing values were listed above, with what became of them.
    findings = check_dataset(dataset, preprocessing=preprocessing)
    return [f"{'Warning' if f.severity == WARNING else 'Note'}: {f.message} {f.hint}"
            for f in findings]


def _say(lines: list[str]) -> None:
    """Print `lines`; a reader that stopped early (`nnstudio new … | head -1`) is no error,
    since the project is written by then."""
    try:
        print("\n".join(lines), flush=True)
    except BrokenPipeError:
        # Later writes, and the flush at exit, go nowhere instead of raising again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _fixed_rows(args: argparse.Namespace, project, output: Path):
    """The project with the test/validation rows of --test-data, --validation-data or
    --split-column (files copied beside it with --copy-data), and a line saying the split."""
    files = {"test_file": args.test_data, "validation_file": args.validation_data}
    for option, file in zip(("--test-data", "--validation-data"), files.values()):
        if file is not None and not file.exists():
            raise _Usage(f"{option}: {file} not found")
    if args.split_column and any(files.values()):
        raise _Usage("--split-column: give the fixed rows by a column or by files, not both")
    copied = []
    if args.copy_data:
        for key, file in files.items():
            stored = _copy_destination(file, output) if file is not None else None
            if stored is not None:
                if not stored.exists():
                    copied.append(_copy(file, stored))
                files[key] = stored
    try:
        data, _, split = with_fixed_rows(project.data, output, split_column=args.split_column,
                                         **files)
    except BaseException as exc:
        for file in copied:  # a failed `new` leaves nothing behind
            shutil.rmtree(file) if file.is_dir() else file.unlink()
        if isinstance(exc, ProjectError):
            raise _Usage(f"{exc} (or add --copy-data)") from None
        raise
    return dataclasses.replace(project, data=data), describe_split(data, split)


def _copy_destination(data: Path, output: Path) -> Path | None:
    """Where --copy-data puts `data` (checked before anything is read; an identical copy from
    an earlier run is used as it is); None when `data` already lies there."""
    from nnstudio.data.importers import data_checksum

    destination = output.parent / data.name
    if destination.resolve() == data.resolve():
        return None
    if destination.exists():
        if destination.is_file() and data.is_file() and \
                data_checksum(destination) == data_checksum(data):
            return destination
        raise _Usage(f"--copy-data: {destination} exists already and differs from {data}; "
                     f"remove it or use it as --data")
    return destination


def _copy(data: Path, destination: Path) -> Path:
    if data.is_dir():
        shutil.copytree(data, destination)
    else:
        shutil.copy2(data, destination)
    return destination
