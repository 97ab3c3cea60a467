"""Export a network as TorchScript: one `.pt` file that `torch.jit.load` (or C++ libtorch) runs
without NN Studio or its code.

The module is traced from the prediction model (the network's output as drawn, probabilities
for a classifier) and loaded back and compared before it is handed out.
"""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path

import numpy as np
import torch

from nnstudio.core.errors import NNStudioError, SpecError
from nnstudio.core.network import Network
from nnstudio.engine.export import write_export_file
from nnstudio.engine.export.common import prediction_model
from nnstudio.engine.export.contract import (
    METADATA_FILE, InputContract, example_inputs, with_contract,
)

TOLERANCE = 1e-5


def export_torchscript(network: Network, weights: dict[str, np.ndarray] | None,
                       out: str | Path, seed: int = 0,
                       contract: InputContract | None = None) -> Path:
    """Write `network` with `weights` as a TorchScript file `out`; returns its path.

    With a `contract`, its preprocessing (feature transforms, then scaling, when they belong
    in the model) runs first and its metadata
    is saved as the extra file "nnstudio.json" (`torch.jit.load(path, _extra_files=...)`).

    SpecError when the network or weights do not fit or the network cannot be traced;
    NNStudioError when the loaded file computes something else than the model.
    """
    model = with_contract(prediction_model(network, weights, seed), contract)
    extra_files = {} if contract is None else {
        METADATA_FILE: json.dumps(contract.metadata(), indent=1)}
    example = example_inputs(network, model, 2)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            # torch.jit is deprecated in favour of torch.export, but TorchScript files still
            # load everywhere, C++ included; the check below guards what tracing records.
            warnings.simplefilter("ignore")
            traced = torch.jit.trace(model, (example,), check_trace=False)
            buffer = io.BytesIO()
            torch.jit.save(traced, buffer, _extra_files=extra_files)
    except Exception as error:  # tracing raises many types; each means "cannot trace"
        reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else \
            type(error).__name__
        raise SpecError(f"The network cannot be traced to TorchScript ({reason}); export the "
                        f"training script instead") from None
    data = buffer.getvalue()
    difference = compare_with_torch(network, model, data)
    if not difference <= TOLERANCE:
        raise NNStudioError(f"the TorchScript module's outputs differ from the model's by "
                            f"{difference:.3g}; export the training script instead")
    return write_export_file(Path(out), data, "the TorchScript file")


def load_torchscript(data: bytes | str | Path) -> torch.jit.ScriptModule:
    """Load a TorchScript file (or its bytes) on the CPU."""
    source = io.BytesIO(data) if isinstance(data, bytes) else str(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.jit.load(source, map_location="cpu")


def torchscript_metadata(path: str | Path) -> dict[str, str]:
    """The NN Studio metadata saved in a TorchScript file ({} when it has none)."""
    extra_files = {METADATA_FILE: ""}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.jit.load(str(path), map_location="cpu", _extra_files=extra_files)
    text = extra_files[METADATA_FILE]
    return json.loads(text) if text else {}


def compare_with_torch(network: Network, model: torch.nn.Module, data: bytes,
                       batch: int = 5) -> float:
    """Largest difference between the loaded TorchScript module and `model` on a seeded batch
    of another size than the traced one."""
    inputs = example_inputs(network, model, batch, seed=1)
    loaded = load_torchscript(data)
    with torch.no_grad():
        expected = model.eval()(inputs)
        got = loaded(inputs)
    if got.shape != expected.shape:
        return float("inf")
    return float((got - expected).abs().max()) if got.numel() else 0.0
