"""`nnstudio export` and `nnstudio import-weights`: the export package on the command line.

`nnstudio.commands` lists both in its table and calls these; errors are NNStudioError, which it
prints as one line with exit code 2.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from nnstudio.core.errors import SpecError


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    from nnstudio.engine.export import FORMATS

    parser.add_argument("project", metavar="PROJECT", help="a .nnstudio project file")
    parser.add_argument("--format", "-f", required=True, choices=tuple(FORMATS),
                        help="what to write: " + "; ".join(
                            f"{key}: {name}" for key, (name, _) in FORMATS.items()))
    parser.add_argument("-o", "--output", dest="out", metavar="OUT",
                        help="the file to write (default: beside the project, named after it); "
                             "'-' writes a one-file format to stdout")
    parser.add_argument("--out", dest="out", help=argparse.SUPPRESS)  # the older name
    parser.add_argument("--force", action="store_true",
                        help="replace OUT if it exists (without it, an existing file is kept)")
    parser.add_argument("--opset", type=int, metavar="N",
                        help="ONNX operator set, 17 to 21 (default 17)")
    parser.add_argument("--raw-inputs", action="store_true",
                        help="onnx and torchscript: leave out the project's input scaling, so "
                             "the model takes inputs scaled as in training (the metadata "
                             "gives the constants); by default it takes the data's own units")


def export_from_arguments(args: argparse.Namespace) -> int:
    """Run `nnstudio export`; 0 when written."""
    from nnstudio.core.project import load_project
    from nnstudio.engine.export import FORMATS, export

    project_path = Path(args.project)
    if not project_path.is_file():
        raise SpecError(f"{args.project}: no such project file")
    if args.opset is not None and args.format != "onnx":
        raise SpecError("--opset: only the onnx format has an opset")
    if args.raw_inputs and args.format not in ("onnx", "torchscript"):
        raise SpecError("--raw-inputs: only the onnx and torchscript formats hold the scaling")
    loaded = load_project(project_path)
    if args.out == "-":
        return _export_to_stdout(loaded, args)
    stem = project_path.name.removesuffix(".nnstudio")
    out = Path(args.out) if args.out else project_path.with_name(stem + FORMATS[args.format][1])
    if out.is_file() and not args.force:
        raise SpecError(f"{out}: already exists; add --force to replace it")
    result = export(loaded.project, loaded.weights, args.format, out, opset=args.opset,
                    project_path=loaded.path, raw_inputs=args.raw_inputs)
    print(result.message)
    for path in result.files:
        print(f"  {path}")
    return 0


def _export_to_stdout(loaded, args: argparse.Namespace) -> int:
    """`-o -`: export into a temporary folder and copy the one file to stdout (the message
    goes to stderr, so the output stays the file alone)."""
    import shutil
    import sys
    import tempfile

    from nnstudio.engine.export import FORMATS, export

    with tempfile.TemporaryDirectory(prefix="nnstudio-export-") as folder:
        out = Path(folder) / ("model" + FORMATS[args.format][1])
        result = export(loaded.project, loaded.weights, args.format, out, opset=args.opset,
                        project_path=loaded.path, raw_inputs=args.raw_inputs)
        if len(result.files) > 1:
            names = ", ".join(path.name for path in result.files)
            raise SpecError(f"-o -: the {args.format} export writes several files ({names}); "
                            f"give a file name instead")
        if not getattr(args, "quiet", False):
            print(result.message.replace(out.name, "stdout"), file=sys.stderr)
        sys.stdout.flush()
        with open(result.path, "rb") as source:
            shutil.copyfileobj(source, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    return 0


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", metavar="PROJECT", help="a .nnstudio project file")
    parser.add_argument("weights", metavar="FILE",
                        help="a safetensors file, e.g. written by an exported training script")
    parser.add_argument("-o", "--output", dest="out", metavar="OUT",
                        help="save the project here instead of replacing PROJECT")
    parser.add_argument("--out", dest="out", help=argparse.SUPPRESS)  # the older name
    parser.add_argument("--force", action="store_true",
                        help="replace OUT if it exists (without it, an existing file is kept)")


def import_from_arguments(args: argparse.Namespace) -> int:
    """Run `nnstudio import-weights`: the weights become the project's current weights."""
    from nnstudio.core.project import load_project, save_project
    from nnstudio.engine.export import import_weights

    project_path = Path(args.project)
    if not project_path.is_file():
        raise SpecError(f"{args.project}: no such project file")
    target = Path(args.out) if args.out else project_path
    if args.out == "-":
        raise SpecError("-o -: a project keeps its weights in files beside it; give a file name")
    if args.out and target.exists() and not target.samefile(project_path) and not args.force:
        raise SpecError(f"{target}: already exists; add --force to replace it")
    loaded = load_project(project_path)
    imported = import_weights(loaded.project, args.weights)
    # Weights from a file: no run of the project made them.
    project = dataclasses.replace(loaded.project, weights_origin=None)
    save_project(target, project, weights=imported.weights, source_path=loaded.path)
    note = f"; {imported.note}" if imported.note else ""
    print(f"loaded {len(imported.weights)} tensors from {args.weights} into {target}{note}")
    return 0
