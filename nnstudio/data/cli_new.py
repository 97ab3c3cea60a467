"""`nnstudio new`: a project for one's own data file, with a sensible first network.

    nnstudio new --data FILE.csv --target COLUMN [--task ...] -o PROJECT.nnstudio

The file is read once with the same importer the window uses (so a bad file fails here, with
its line and column), then the project records it as a `DataSource(kind="file")`: its path
relative to the project, its sha256 and the importer options. The network is Input → Dense 16
ReLU → Dense 16 ReLU → the output the task needs (one sigmoid unit, a softmax over the classes,
or linear units for regression); images get a Flatten after the input.

No torch and no Qt here: creating a project is instant and works headless.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nnstudio.core.errors import NNStudioError, ProjectError
from nnstudio.core.network import Network, chain
from nnstudio.data.dataset import Dataset, Task

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
                options: Mapping[str, Any] | None = None, name: str | None = None):
    """A `Project` whose data source is `data_path` (read now to check it and size the network).

    `data_path` must lie in the project's folder or below it (a project carries its data
    along when shared). Returns (project, dataset). Raises DataError or ProjectError.
    """
    from nnstudio.core.project import DataConfig, DataSource, Project, project_relative_path
    from nnstudio.data.importers import data_checksum, format_for_path, load_file

    data_path = Path(data_path)
    format = format or format_for_path(data_path)
    options = dict(options or {})
    dataset = load_file(data_path, format, options)
    source = DataSource(kind="file", path=project_relative_path(project_path, data_path),
                        sha256=data_checksum(data_path), format=format, options=options)
    # Pixels are already 0..1; tables are usually on mixed scales.
    preprocessing = "none" if len(dataset.input_shape) > 1 else "standardize"
    project = Project(
        name=name or Path(project_path).stem,
        network=default_network(dataset),
        data=DataConfig(source=source, preprocessing=preprocessing),
        notes=f"Made by `nnstudio new` from {data_path.name}: {dataset.n_samples} samples, "
              f"task {dataset.task}.",
    )
    return project, dataset


HELP = "make a project with a first network for your own data file (CSV, NumPy, images)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nnstudio new", description=HELP)
    add_arguments(parser)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `nnstudio new` (the CLI's subcommand table calls this)."""
    parser.add_argument("--data", required=True, type=Path,
                        help="a .csv, .tsv, .npy or .npz file, or a folder of class subfolders "
                             "of images")
    parser.add_argument("-o", "--output", required=True, type=Path,
                        help="the project file to write, e.g. my_data.nnstudio")
    parser.add_argument("--target", help="CSV: the column to predict")
    parser.add_argument("--features", help="CSV: the input columns, comma-separated "
                                           "(default: all but the target)")
    parser.add_argument("--task", choices=("binary", "multiclass", "regression"),
                        help="what to predict (default: inferred from the target)")
    parser.add_argument("--delimiter", help="CSV: the delimiter (default: detected); \\t for tab")
    parser.add_argument("--decimal", choices=(".", ","), help="CSV: the decimal separator")
    parser.add_argument("--no-header", action="store_true", help="CSV: the first line is data")
    parser.add_argument("--encoding", help="CSV: the text encoding, e.g. latin-1")
    parser.add_argument("--categorical", choices=("onehot", "ordinal"),
                        help="CSV: how text columns become numbers (default onehot)")
    parser.add_argument("--missing", choices=("drop", "mean", "median", "most_frequent"),
                        help="CSV: rows with gaps are dropped, or gaps filled (default drop)")
    parser.add_argument("--x", dest="x_array", help=".npz: the array of inputs")
    parser.add_argument("--y", dest="y_array", help=".npz: the array of targets; .npy: a file "
                                                    "of targets beside the inputs")
    parser.add_argument("--image-size", default="32x32", help="images: HEIGHTxWIDTH (32x32)")
    parser.add_argument("--rgb", action="store_true", help="images: keep colour (default gray)")
    parser.add_argument("--copy-data", action="store_true",
                        help="copy the data file beside the project first (needed when it "
                             "lies outside the project's folder)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing project")


def _options(args: argparse.Namespace, format: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if format in ("csv", "tsv"):
        pairs = {"target": args.target, "task": args.task, "encoding": args.encoding,
                 "decimal": args.decimal, "categorical": args.categorical,
                 "missing": args.missing}
        if args.delimiter:
            pairs["delimiter"] = "\t" if args.delimiter in ("\\t", "tab") else args.delimiter
        if args.features:
            pairs["features"] = [name.strip() for name in args.features.split(",")]
        if args.no_header:
            pairs["header"] = False
        options = {key: value for key, value in pairs.items() if value is not None}
        if "target" not in options:
            raise _Usage("--target is needed for a CSV file: the column to predict")
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
    from nnstudio.data.importers import format_for_path

    output: Path = args.output
    if output.suffix != ".nnstudio":
        raise _Usage(f"-o: the project file must end in .nnstudio, got {output.name!r}")
    if output.exists() and not args.force:
        raise _Usage(f"{output} exists; choose another name or add --force")
    data: Path = args.data
    if not data.exists():
        raise _Usage(f"--data: {data} not found")
    format = format_for_path(data)
    options = _options(args, format)
    output.parent.mkdir(parents=True, exist_ok=True)
    if args.copy_data:
        data = _copy_beside(data, output)
    try:
        project, dataset = new_project(data, output, format, options)
    except ProjectError as exc:
        raise _Usage(f"{exc} (or add --copy-data)") from None
    save_project(output, project)
    classes = f", classes {', '.join(dataset.class_names)}" if dataset.class_names else ""
    print(f"Wrote {output}: {dataset.n_samples} samples of shape {dataset.input_shape}, "
          f"task {dataset.task}{classes}.")
    print(summary(project.network))
    return 0


def _copy_beside(data: Path, output: Path) -> Path:
    destination = output.parent / data.name
    if destination.resolve() == data.resolve():
        return data
    if destination.exists():
        raise _Usage(f"--copy-data: {destination} exists already; remove it or use it as --data")
    if data.is_dir():
        shutil.copytree(data, destination)
    else:
        shutil.copy2(data, destination)
    return destination
