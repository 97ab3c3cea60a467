"""The input contract an exported model keeps: what goes in, what comes out, and how the
project's preprocessing maps one to the other.

By default the project's input scaling (fitted on the training split, exactly as the app
applies it) becomes the first step of the exported graph, so a file fed the data in its own
units predicts what the app predicts. Text columns are the exception: a graph of float inputs
cannot take text, so their encoding (one 0/1 input per category, named "column=category") stays
the caller's job; the metadata and the export's message say so instead of leaving it unsaid.

Every file carries the contract as metadata (plain strings, JSON where a value is a list):
ONNX in metadata_props, TorchScript as an extra file, the weights export as a JSON sidecar.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from nnstudio import __version__
from nnstudio.core.errors import DataError, NNStudioError
from nnstudio.core.project import Project
from nnstudio.data.preprocessing import Preprocessor
from nnstudio.data.source import prepare_project_data

METADATA_FILE = "nnstudio.json"  # the TorchScript extra file holding the metadata


@dataclass(frozen=True)
class InputContract:
    """What an exported model expects and promises. `in_model` says whether `preprocessor`'s
    scaling is inside the exported model (raw inputs) or left to the caller (--raw-inputs)."""

    project_name: str
    task: str
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    preprocessor: Preprocessor
    in_model: bool

    @property
    def text_columns(self) -> dict[str, list[str]]:
        """One-hot encoded text columns and their categories, read from the input names."""
        columns: dict[str, list[str]] = {}
        for name in self.feature_names:
            column, separator, category = name.partition("=")
            if separator:
                columns.setdefault(column, []).append(category)
        return columns

    def fields(self) -> dict[str, object]:
        """The contract as JSON-ready values (the weights export's sidecar)."""
        return {
            "nnstudio_version": __version__,
            "project": self.project_name,
            "task": self.task,
            "class_names": list(self.class_names),
            "input_features": list(self.feature_names),
            "input_shape": list(self.preprocessor.input_shape or ()),
            "scaling": self.preprocessor.to_dict(),
            "scaling_in_model": self.in_model and self.preprocessor.scales_inputs,
            "inputs": self.inputs_sentence(),
            "text_columns": self.text_columns,
        }

    def metadata(self) -> dict[str, str]:
        """The contract as string pairs, the form ONNX metadata_props holds (lists, mappings
        and true/false as JSON)."""
        return {key: value if isinstance(value, str) else json.dumps(value)
                for key, value in self.fields().items()}

    def inputs_sentence(self) -> str:
        """What to feed the model, in one or two sentences (also the export's message)."""
        if not self.preprocessor.scales_inputs:
            text = "Feed the data in its own units (the project does not scale inputs)."
        elif self.in_model:
            text = (f"Feed the data in its own units: the model applies the project's "
                    f"{self.preprocessor.method} scaling itself.")
        else:
            text = (f"Scale the inputs first, (x - shift) / scale with the metadata's "
                    f"{self.preprocessor.method} constants: the model does not.")
        if self.text_columns:
            text += (f" Text columns ({', '.join(self.text_columns)}) are not in the graph: "
                     f"give one 0/1 input per category, as named in input_features.")
        return text


def input_contract(project: Project, project_path: str | os.PathLike[str] | None,
                   raw_inputs: bool) -> InputContract:
    """The contract of `project`'s data, its scaling fitted on the training split as the app
    fits it. DataError when the data cannot be read (a model that would silently expect
    scaled inputs is not written)."""
    try:
        prepared = prepare_project_data(project, project_path)
    except NNStudioError as error:
        raise DataError(f"{error} (exporting reads the data to carry its scaling and names)") \
            from None
    dataset = prepared.train
    for node in project.network.input_nodes():
        expected = tuple(node.params["shape"])
        if tuple(dataset.input_shape) != expected:
            raise DataError(f"{node.id}: takes inputs of shape {expected}, the data gives "
                            f"{tuple(dataset.input_shape)}; change one to fit the other")
    return InputContract(project.name, str(dataset.task), tuple(dataset.feature_names),
                         tuple(dataset.class_names), prepared.preprocessor, not raw_inputs)


class ScaledInputs(nn.Module):
    """The project's input scaling, then `model`: the exported form of raw inputs.

    Computes (x - shift) / scale in float32, the very operations Preprocessor.transform does,
    so the exported model and the app agree to float32 round-off.
    """

    def __init__(self, model: nn.Module, preprocessor: Preprocessor):
        super().__init__()
        self.predictor = model
        shape = tuple(preprocessor.input_shape or ())
        shift = np.asarray(preprocessor.shift, dtype=np.float32)
        scale = np.asarray(preprocessor.scale, dtype=np.float32)
        if shift.ndim:  # per feature for tabular inputs; one value for images
            shift, scale = shift.reshape(shape), scale.reshape(shape)
        self.register_buffer("shift", torch.from_numpy(shift.copy()))
        self.register_buffer("scale", torch.from_numpy(scale.copy()))

    @property
    def model(self) -> nn.Module:
        """The network's GraphModule, as DrawnOutput.model (for the exporters' sample inputs)."""
        return self.predictor.model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.predictor((x - self.shift) / self.scale)


def with_contract(model: nn.Module, contract: InputContract | None) -> nn.Module:
    """`model` with the contract's scaling in front when it belongs in the model."""
    if contract is None or not contract.in_model or not contract.preprocessor.scales_inputs:
        return model
    return ScaledInputs(model, contract.preprocessor).eval()
