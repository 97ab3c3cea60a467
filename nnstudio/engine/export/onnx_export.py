"""Export a network as an ONNX model (opset 17 or newer, any batch size), checked in onnxruntime.

The model takes a float32 batch `input` shaped (batch, *sample shape) and gives `output`, the
network's output as drawn (probabilities for a classifier). Every export is run once in
onnxruntime and compared with PyTorch before the file is written, so a file that would give
other numbers is never handed out: instead the message names the layer ONNX cannot express.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from nnstudio.core.errors import NNStudioError, SpecError
from nnstudio.core.layers import layer_type
from nnstudio.core.network import Network
from nnstudio.core.shapes import infer_shapes
from nnstudio.engine.export import write_export_file
from nnstudio.engine.export.common import DrawnOutput, prediction_model
from nnstudio.engine.export.contract import InputContract, example_inputs, with_contract
from nnstudio.engine.modules import build_layer

MIN_OPSET = 17
MAX_OPSET = 21
DEFAULT_OPSET = 17
TOLERANCE = 1e-4  # largest difference from PyTorch an export may show (float32 round-off)


def export_onnx(network: Network, weights: dict[str, np.ndarray] | None, out: str | Path,
                opset: int = DEFAULT_OPSET, seed: int = 0,
                contract: InputContract | None = None) -> Path:
    """Write `network` with `weights` to the ONNX file `out`; returns its path.

    With a `contract`, its preprocessing (feature transforms, then scaling, when they belong
    in the model) is the graph's first step and its metadata fills the file's metadata_props.

    SpecError for an opset out of range, a network or weights that do not fit, or a layer ONNX
    cannot express (naming it); NNStudioError when onnxruntime's results differ from PyTorch's.
    """
    if not isinstance(opset, int) or isinstance(opset, bool) or not \
            MIN_OPSET <= opset <= MAX_OPSET:
        raise SpecError(f"onnx.opset: must be a whole number from {MIN_OPSET} to {MAX_OPSET}, "
                        f"got {opset!r}")
    model = with_contract(prediction_model(network, weights, seed), contract)
    data = onnx_bytes(network, model, opset)
    difference = compare_with_torch(network, model, data)
    if not difference <= TOLERANCE:
        culprit = _failing_layer(network, opset)
        where = f"{culprit}: " if culprit else ""
        raise NNStudioError(f"{where}the ONNX model's outputs differ from PyTorch's by "
                            f"{difference:.3g}; export TorchScript or the training script instead")
    if contract is not None:
        data = with_metadata(data, contract.metadata())
    return write_export_file(Path(out), data, "the ONNX file")


def with_metadata(data: bytes, metadata: dict[str, str]) -> bytes:
    """The ONNX model `data` with `metadata` as its metadata_props."""
    import onnx

    model = onnx.load_from_string(data)
    onnx.helper.set_model_props(model, metadata)
    return model.SerializeToString()


def onnx_bytes(network: Network, model: DrawnOutput, opset: int = DEFAULT_OPSET) -> bytes:
    """The ONNX model as bytes, the batch dimension left free; SpecError names a layer that
    cannot be exported."""
    _explicit_same_padding(model)
    example = example_inputs(network, model, 2)
    try:
        return _export(model, example, opset)
    except Exception as error:  # the exporter raises many types; each means "cannot export"
        culprit = _failing_layer(network, opset)
        raise SpecError(_unsupported_message(network, culprit, opset, error)) from None
    finally:
        model.eval()  # the exporter puts back the mode it found; keep predicting


def compare_with_torch(network: Network, model: DrawnOutput, data: bytes,
                       batch: int = 5) -> float:
    """The largest difference between onnxruntime's and PyTorch's outputs on a seeded batch
    (another size than the export's, so the free batch dimension is tested too)."""
    inputs = example_inputs(network, model, batch, seed=1)
    with torch.no_grad():
        expected = model.eval()(inputs).numpy()
    got = run_onnx(data, inputs.numpy())
    if got.shape != expected.shape:
        return float("inf")
    return float(np.max(np.abs(got - expected), initial=0.0))


def run_onnx(data: bytes | str | Path, inputs: np.ndarray) -> np.ndarray:
    """Run an ONNX model in onnxruntime on the CPU."""
    import onnxruntime

    source = data if isinstance(data, bytes) else str(data)
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors reach the caller as exceptions, not as log lines
    session = onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    return session.run(None, {"input": inputs.astype(np.float32)})[0]


def _export(model: nn.Module, example: torch.Tensor, opset: int) -> bytes:
    buffer = io.BytesIO()
    axes = {"input": {0: "batch"}, "output": {0: "batch"}}
    with warnings.catch_warnings():
        # The TorchScript-based exporter warns that it is deprecated; it is the one that needs
        # no extra package (the newer one needs onnxscript), and its output is checked below.
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (example,), buffer, dynamo=False, opset_version=opset,
                          input_names=["input"], output_names=["output"], dynamic_axes=axes)
    return buffer.getvalue()


def _explicit_same_padding(model: DrawnOutput) -> None:
    """Give 'same'-padded convolutions explicit padding, as PyTorch computes it.

    The exporter writes them as ONNX's auto_pad SAME_UPPER, which onnxruntime refuses for
    dilated kernels; explicit pads (symmetric in the layer, or a Pad before it when the total
    is odd) give the same numbers everywhere. A padding mode other than zeros already pads
    explicitly, before the convolution, so those are left as they are.
    """
    for module in model.modules():
        if (isinstance(module, (nn.Conv1d, nn.Conv2d)) and module.padding == "same"
                and module.padding_mode == "zeros"):
            totals = [d * (k - 1) for d, k in zip(module.dilation, module.kernel_size)]
            if all(total % 2 == 0 for total in totals):
                module.padding = tuple(total // 2 for total in totals)
                continue
            module.padding = (0,) * len(totals)
            pads: list[int] = []
            for total in reversed(totals):  # F.pad lists the last dimension first
                pads += [total // 2, total - total // 2]
            module.register_forward_pre_hook(lambda _module, args, pads=tuple(pads):
                                             (F.pad(args[0], pads),) + args[1:])


# ---- naming the layer that fails ---------------------------------------------------------------

class _LayerProbe(nn.Module):
    """One layer on its own, as the engine builds it, to try exporting it alone."""

    def __init__(self, network: Network, node_id: str):
        super().__init__()
        report = infer_shapes(network)
        node = network.node(node_id)
        shapes = [report.nodes[source].shape for source in node.inputs]
        self.input_shapes = shapes
        self.layer = build_layer(node, shapes)
        self.module = self.layer.module

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        value = self.layer.run(self.module, *inputs)
        return self.layer.activation(value) if self.layer.activation else value


def _failing_layer(network: Network, opset: int) -> str | None:
    """The first layer (in order) that cannot be exported alone or runs differently in
    onnxruntime; None if each works on its own."""
    report = infer_shapes(network)
    for node_id in report.order:
        node = network.node(node_id)
        if node.type == "input":
            continue
        probe = _LayerProbe(network, node_id).eval()
        generator = torch.Generator().manual_seed(0)
        if node.type == "embedding":
            vocabulary = node.params["vocabulary"]
            inputs = [torch.randint(0, vocabulary, (2,) + tuple(s), generator=generator).float()
                      for s in probe.input_shapes]
        else:
            inputs = [torch.randn((2,) + tuple(s), generator=generator)
                      for s in probe.input_shapes]
        try:
            _explicit_same_padding(probe)  # type: ignore[arg-type]
            names = [f"in{i}" for i in range(len(inputs))]
            buffer = io.BytesIO()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(probe, tuple(inputs), buffer, dynamo=False,
                                  opset_version=opset, input_names=names)
            import onnxruntime

            session = onnxruntime.InferenceSession(buffer.getvalue(),
                                                   providers=["CPUExecutionProvider"])
            got = session.run(None, {n: x.numpy() for n, x in zip(names, inputs)})[0]
            with torch.no_grad():
                expected = probe.eval()(*inputs).numpy()
            if got.shape != expected.shape or np.max(np.abs(got - expected)) > TOLERANCE:
                return node_id
        except Exception:  # any failure at all marks this layer
            return node_id
    return None


def _unsupported_message(network: Network, culprit: str | None, opset: int,
                         error: Exception) -> str:
    reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else \
        type(error).__name__
    if culprit is None:
        return (f"The network cannot be exported to ONNX opset {opset} ({reason}); try a newer "
                f"opset, or export TorchScript or the training script instead")
    name = layer_type(network.node(culprit).type).name
    return (f"{culprit}: ONNX opset {opset} cannot express this {name} layer ({reason}); try a "
            f"newer opset, change the layer, or export TorchScript or the training script "
            f"instead")
