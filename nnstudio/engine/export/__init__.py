"""Models leave NN Studio: as a standalone PyTorch training script, ONNX, TorchScript, weights
alone (safetensors) or a model card; and weights come back in from a safetensors file.

`export(project, weights, fmt, out)` is the one entry point the GUI and the CLI use.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import safetensors.numpy

from nnstudio.core.errors import NNStudioError, SpecError
from nnstudio.core.project import Project, _write_atomic
from nnstudio.data.dataset import Dataset

if TYPE_CHECKING:  # the contract module imports torch; exporting loads it when needed
    from nnstudio.engine.export.contract import InputContract

Weights = dict[str, np.ndarray]

# Format key -> (name for people, file suffix).
FORMATS: dict[str, tuple[str, str]] = {
    "script": ("PyTorch training script", ".py"),
    "onnx": ("ONNX model", ".onnx"),
    "torchscript": ("TorchScript module", ".pt"),
    "weights": ("Weights (safetensors)", ".safetensors"),
    "card": ("Model card (Markdown)", ".md"),
}


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote (the main file first) and one sentence saying so."""

    files: tuple[Path, ...]
    message: str

    @property
    def path(self) -> Path:
        return self.files[0]


def export(project: Project, weights: Weights | None, fmt: str, out: str | os.PathLike[str], *,
           opset: int | None = None, project_path: str | os.PathLike[str] | None = None,
           dataset: Dataset | None = None, raw_inputs: bool = False) -> ExportResult:
    """Export `project` (with its current `weights`, None if untrained) as `fmt` to `out`.

    `fmt` is a key of FORMATS. `opset` is ONNX's (default 17). `project_path` locates data files
    for the script and the card; `dataset` saves loading the data again. ONNX and TorchScript
    take the data's columns in their own units (the project's feature transforms and input
    scaling inside the model) unless `raw_inputs`; they and the weights carry the input
    contract as metadata. Raises NNStudioError
    (SpecError, DataError, ...) with a message for people; nothing else for expected problems.
    """
    if fmt not in FORMATS:
        raise SpecError(f"export format: must be one of {', '.join(FORMATS)}, got {fmt!r}")
    out = Path(out)
    if out.is_dir():
        raise SpecError(f"{out}: is a folder; give a file name ending in {FORMATS[fmt][1]}")
    if not out.parent.is_dir():
        raise SpecError(f"{out.parent}: no such folder; choose a folder that exists")
    from nnstudio.engine.export.contract import input_contract

    network, seed = project.network, project.training.seed
    untrained = " (untrained: the seeded starting weights)" if weights is None else ""
    if fmt == "script":
        from nnstudio.engine.export.script import write_script

        files = write_script(project, out, dataset, project_path)
        beside = f" and its data {files[1].name} beside it" if len(files) > 1 else ""
        message = (f"Wrote the training script {out.name}{beside}; run it with python or "
                   f"torchrun.")
    elif fmt == "onnx":
        from nnstudio.engine.export.onnx_export import DEFAULT_OPSET, export_onnx

        chosen = DEFAULT_OPSET if opset is None else opset
        contract = input_contract(project, project_path, raw_inputs)
        files = [export_onnx(network, weights, out, chosen, seed, contract)]
        message = (f"Wrote the ONNX model {out.name} (opset {chosen}){untrained}; onnxruntime "
                   f"gives the same outputs as PyTorch. {contract.inputs_sentence()}")
    elif fmt == "torchscript":
        from nnstudio.engine.export.torchscript import export_torchscript

        contract = input_contract(project, project_path, raw_inputs)
        files = [export_torchscript(network, weights, out, seed, contract)]
        message = (f"Wrote the TorchScript module {out.name}{untrained}; load it with "
                   f"torch.jit.load. {contract.inputs_sentence()}")
    elif fmt == "weights":
        # The weights never hold the scaling: the sidecar gives its constants to apply.
        contract = input_contract(project, project_path, raw_inputs=True)
        files = [save_weights(project, weights, out), write_sidecar(contract, out)]
        message = (f"Wrote the weights {out.name} ({len(weights or {})} tensors) and their "
                   f"input contract {files[1].name}.")
    else:
        from nnstudio.engine.export.card import write_card

        files = write_card(project, out, weights, project_path)
        message = f"Wrote the model card {out.name}" + (
            f" and its loss chart {files[1].name}." if len(files) > 1 else ".")
    return ExportResult(tuple(Path(f) for f in files), message)


def write_export_file(path: Path, data: bytes, what: str) -> Path:
    """Write `data` to `path` through a temporary file in the same folder, so an export that
    fails or is interrupted leaves the old file (or none), never half a file; NNStudioError
    naming the file and `what` it is ("the ONNX file") when it cannot be written."""
    try:
        _write_atomic(path, data)
    except OSError as error:
        raise NNStudioError(f"{path}: cannot write {what} ({error.strerror or error})") \
            from None
    return path


def save_weights(project: Project, weights: Weights | None, out: str | os.PathLike[str]) -> Path:
    """Write `weights` as safetensors (NN Studio's names); SpecError when there are none or
    they do not fit the network."""
    if not weights:
        raise SpecError("The project has no trained weights yet: train it first, then export "
                        "its weights")
    from nnstudio.engine.modules import build_model
    from nnstudio.engine.weights import check_arrays

    check_arrays(build_model(project.network, project.training.seed), weights)
    data = safetensors.numpy.save({k: np.ascontiguousarray(v) for k, v in weights.items()})
    return write_export_file(Path(out), data, "the weights")


def write_sidecar(contract: InputContract, weights_path: Path) -> Path:
    """The weights' input contract as JSON beside them ("model.safetensors" -> "model.json")."""
    text = json.dumps(contract.fields(), indent=2) + "\n"
    return write_export_file(weights_path.with_suffix(".json"), text.encode("utf-8"),
                             "the weights' metadata")


@dataclass(frozen=True)
class ImportedWeights:
    """Weights read from a file, as the network holds them, and what reading them converted
    (e.g. "dense_1.weight from float64 to float32"), so the user is told, not surprised."""

    weights: Weights
    converted: tuple[str, ...] = ()

    @property
    def note(self) -> str:
        """"" or a sentence naming every converted tensor."""
        return f"converted {', '.join(self.converted)}" if self.converted else ""


def import_weights(project: Project, path: str | os.PathLike[str]) -> ImportedWeights:
    """Read a safetensors file and check it fits `project`'s network; the weights, as the
    network's tensors hold them (keys "{node_id}.{tensor}"), and what was converted.

    SpecError naming the file when it cannot be read, and each tensor that is missing, extra,
    of the wrong shape, or holds NaN or infinite values otherwise.
    """
    from nnstudio.engine.modules import build_model
    from nnstudio.engine.weights import arrays_to_model, check_finite, conversions, model_to_arrays

    path = Path(path)
    try:
        arrays = safetensors.numpy.load_file(str(path))
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SpecError(f"{path}: is a folder, not a weights file") from None
    except Exception as error:  # the library raises its own types for a damaged file
        reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else \
            type(error).__name__
        raise SpecError(f"{path.name}: not a safetensors weights file ({reason})") from None
    model = build_model(project.network, project.training.seed)
    try:
        arrays_to_model(model, arrays)
        check_finite(arrays)
    except SpecError as error:
        raise SpecError(f"{path.name}: {error}") from None
    return ImportedWeights(model_to_arrays(model), tuple(conversions(model, arrays)))


__all__ = ["FORMATS", "ExportResult", "ImportedWeights", "export", "import_weights",
           "save_weights"]
