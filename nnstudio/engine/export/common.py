"""What the model-file exporters share: the model as it predicts, and inputs to check it with."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from nnstudio.core.network import Network
from nnstudio.engine.modules import GraphModule, build_model
from nnstudio.engine.weights import arrays_to_model


class DrawnOutput(nn.Module):
    """The network's output as drawn on the canvas: the final sigmoid or softmax that the
    training model leaves to its loss is applied, so exported files give probabilities."""

    def __init__(self, model: GraphModule):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.predict_output(x)


def prediction_model(network: Network, weights: dict[str, np.ndarray] | None,
                     seed: int = 0) -> DrawnOutput:
    """`network` with `weights` (or its seeded starting weights when None), in eval mode.

    SpecError if the network is not valid or a weight does not fit (naming each tensor).
    """
    model = build_model(network, seed)
    if weights is not None:
        arrays_to_model(model, weights)
    return DrawnOutput(model).eval()


def sample_inputs(network: Network, model: GraphModule, batch: int, seed: int = 0) -> torch.Tensor:
    """A seeded batch of inputs that fit the network: token indices when the input feeds an
    Embedding (its values must be whole numbers below the vocabulary), else normal noise."""
    generator = torch.Generator().manual_seed(seed)
    shape = (batch,) + tuple(model.input_shape)
    vocabularies = [node.params["vocabulary"] for node in network.consumers(model.input_id)
                    if node.type == "embedding"]
    if vocabularies:
        return torch.randint(0, min(vocabularies), shape, generator=generator).float()
    return torch.randn(shape, generator=generator)
