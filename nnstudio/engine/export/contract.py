"""The input contract an exported model keeps: what goes in, what comes out, and how the
project's preprocessing maps one to the other.

By default the project's preprocessing becomes the first steps of the exported graph: its
feature transforms (`data.transforms`, computed from the data's columns in float64 as
nnstudio.data.transforms computes them), then its input scaling (fitted on the training split,
exactly as the app applies it), so a file fed the data's columns in their own units predicts
what the app predicts. With --raw-inputs neither is in the graph and the metadata says what to
compute first. Text columns are the exception: a graph of float inputs
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
from nnstudio.core.network import Network
from nnstudio.core.project import Project
from nnstudio.data.preprocessing import Preprocessor
from nnstudio.data.source import load_dataset, prepare_project_data
from nnstudio.data.transforms import parse_transforms
from nnstudio.engine.export.common import sample_inputs

METADATA_FILE = "nnstudio.json"  # the TorchScript extra file holding the metadata


@dataclass(frozen=True)
class InputContract:
    """What an exported model expects and promises. `in_model` says whether the preprocessing
    (the feature transforms, then `preprocessor`'s scaling) is inside the exported model (raw
    inputs) or left to the caller (--raw-inputs).

    `feature_names` are the network's inputs; `columns` the data's columns, which differ only
    when `transforms` (the project's data.transforms) compute the inputs from them.
    """

    project_name: str
    task: str
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    preprocessor: Preprocessor
    in_model: bool
    columns: tuple[str, ...] = ()
    transforms: tuple[str, ...] = ()

    @property
    def computes_transforms(self) -> bool:
        return self.in_model and bool(self.transforms)

    @property
    def input_names(self) -> tuple[str, ...]:
        """What the exported file takes, in order: the data's columns when it computes the
        transforms, else the network's inputs."""
        return self.columns if self.computes_transforms else self.feature_names

    @property
    def input_shape(self) -> tuple[int, ...]:
        if self.computes_transforms:
            return (len(self.columns),)
        return tuple(self.preprocessor.input_shape or ())

    def transform_plan(self) -> tuple[tuple[str, tuple[tuple[int, int], ...]], ...]:
        """Each transform as (function, ((column index, power), ...)), "" for no function."""
        index = {name: i for i, name in enumerate(self.columns)}
        return tuple((t.function, tuple((index[f.column], f.power) for f in t.factors))
                     for t in parse_transforms(list(self.transforms), "data.transforms"))

    @property
    def text_columns(self) -> dict[str, list[str]]:
        """One-hot encoded text columns and their categories, read from the input names."""
        columns: dict[str, list[str]] = {}
        for name in self.input_names:
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
            "input_features": list(self.input_names),
            "input_shape": list(self.input_shape),
            "transforms": list(self.transforms),
            "transforms_in_model": self.computes_transforms,
            "network_inputs": list(self.feature_names),
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
        if self.transforms:
            text = self._transforms_sentence()
        elif not self.preprocessor.scales_inputs:
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

    def _transforms_sentence(self) -> str:
        transforms, method = ", ".join(self.transforms), self.preprocessor.method
        if self.in_model:
            scaling = (f" and applies the project's {method} scaling"
                       if self.preprocessor.scales_inputs else "")
            return (f"Feed the data's columns ({', '.join(self.columns)}) in their own units: "
                    f"the model computes its inputs ({transforms}){scaling} itself.")
        scaling = (f", then scale them, (x - shift) / scale with the metadata's {method} "
                   f"constants" if self.preprocessor.scales_inputs else "")
        return (f"Compute the network's inputs from the data's columns first ({transforms})"
                f"{scaling}: the model does not.")


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
    transforms = tuple(project.data.transforms)
    columns = tuple(load_dataset(project, project_path).feature_names) if transforms else \
        tuple(dataset.feature_names)
    return InputContract(project.name, str(dataset.task), tuple(dataset.feature_names),
                         tuple(dataset.class_names), prepared.preprocessor, not raw_inputs,
                         columns, transforms)


class ContractInputs(nn.Module):
    """The project's preprocessing, then `model`: the exported form of raw inputs.

    Computes the feature transforms in float64 (then float32), as
    nnstudio.data.transforms.apply_transforms does, then (x - shift) / scale in float32, the
    very operations Preprocessor.transform does, so the exported model and the app agree to
    float32 round-off.
    """

    def __init__(self, model: nn.Module, contract: InputContract):
        super().__init__()
        self.predictor = model
        self.plan = contract.transform_plan() if contract.computes_transforms else ()
        self.columns_shape = contract.input_shape
        self.scales = contract.preprocessor.scales_inputs
        preprocessor = contract.preprocessor
        if self.scales:
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
        if self.plan:
            x = computed_inputs(x, self.plan)
        if self.scales:
            x = (x - self.shift) / self.scale
        return self.predictor(x)


def computed_inputs(x: torch.Tensor, plan) -> torch.Tensor:
    """The network's inputs from a batch of the data's columns, by a transform plan
    (InputContract.transform_plan): products of powers of columns, maybe under sin or cos."""
    columns = x.double()
    inputs = []
    for function, factors in plan:
        value = None
        for index, power in factors:
            term = columns[:, index] if power == 1 else columns[:, index] ** power
            value = term if value is None else value * term
        inputs.append(torch.sin(value) if function == "sin" else
                      torch.cos(value) if function == "cos" else value)
    return torch.stack(inputs, dim=1).float()


def with_contract(model: nn.Module, contract: InputContract | None) -> nn.Module:
    """`model` with the contract's preprocessing in front when it belongs in the model."""
    if contract is None or not contract.in_model or not (
            contract.preprocessor.scales_inputs or contract.transforms):
        return model
    return ContractInputs(model, contract).eval()


def example_inputs(network: Network, model: nn.Module, batch: int, seed: int = 0
                   ) -> torch.Tensor:
    """A seeded batch of what the exported `model` takes: the data's columns when it computes
    the feature transforms, else inputs that fit the network (common.sample_inputs)."""
    if isinstance(model, ContractInputs) and model.plan:
        generator = torch.Generator().manual_seed(seed)
        return torch.randn((batch,) + tuple(model.columns_shape), generator=generator)
    return sample_inputs(network, model.model, batch, seed)
