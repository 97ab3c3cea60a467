"""The objective: which loss a run minimizes and how outputs become classes and probabilities.

The model's `forward` returns logits (see `modules`). Cross-entropy losses take those logits
directly; MSE, MAE and Huber compare the network's output *as drawn* (final activation put back)
with the targets, one-hot for classes, so a tanh or sigmoid output trained on squared error
(as in TensorFlow Playground) means what a learner expects.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from nnstudio.core.output_fit import LOGIT_LOSSES, LOSS_NAMES, choose_loss
from nnstudio.engine.modules import GraphModule

VALUE_LOSSES = ("mse", "mae", "huber")

_FUNCTIONS = {
    "bce": F.binary_cross_entropy_with_logits, "cross_entropy": F.cross_entropy,
    "mse": F.mse_loss, "mae": F.l1_loss, "huber": F.huber_loss,
}


@dataclass(frozen=True)
class Objective:
    """A loss bound to a task and an output layout.

    `classes` is the number of classes (0 for regression); `outputs` the width of the output.
    `positions` > 1 is a class per position (the digits of a sum): the outputs are that many
    groups of `classes` logits, each with its own softmax, and class tensors are (n, positions).
    """

    loss: str
    task: str
    classes: int
    outputs: int
    output_activation: str | None
    positions: int = 1

    @property
    def is_classification(self) -> bool:
        return self.classes > 0

    @property
    def on_logits(self) -> bool:
        return self.loss in LOGIT_LOSSES

    @property
    def label(self) -> str:
        return LOSS_NAMES[self.loss]

    def targets(self, y: torch.Tensor) -> torch.Tensor:
        """`y` (class indices or values) in the form this loss compares against."""
        if self.loss == "cross_entropy":
            return y.long()
        if self.loss == "bce":
            return y.float().reshape(-1, 1)
        if self.is_classification:  # value loss against one-hot or 0/1 targets
            if self.outputs == 1:
                return y.float().reshape(-1, 1)
            return F.one_hot(y.long(), self.outputs).float()
        return y.float().reshape(y.shape[0], -1)

    def values(self, model: GraphModule, logits: torch.Tensor) -> torch.Tensor:
        """What the loss compares: logits for cross-entropy, the drawn output otherwise."""
        return logits if self.on_logits else model.apply_output_activation(logits)

    @property
    def function(self):
        """The torch loss function: `function(values, targets)` gives the batch's mean loss."""
        return self._per_position if self.positions > 1 else _FUNCTIONS[self.loss]

    def __call__(self, values: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """The mean loss over a batch (`values` from `values()`, `targets` from `targets()`)."""
        return self.function(values, targets)

    def _per_position(self, values: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of every position of every sample, averaged over both."""
        return F.cross_entropy(values.reshape(-1, self.classes), targets.reshape(-1))

    def grouped(self, values: torch.Tensor) -> torch.Tensor:
        """`values` (..., positions × classes) as (..., positions, classes)."""
        return values.reshape(*values.shape[:-1], self.positions, self.classes)

    def target_classes(self, targets: torch.Tensor) -> torch.Tensor:
        """Class indices back from `targets()` output."""
        if self.loss == "cross_entropy":
            return targets
        if targets.shape[1] == 1:
            return targets[:, 0].long()
        return targets.argmax(dim=1)

    def predicted_classes(self, values: torch.Tensor) -> torch.Tensor:
        """Class indices from `values()` output ((n, positions) for a class per position)."""
        if self.positions > 1:
            return self.grouped(values).argmax(dim=-1)
        if values.shape[1] == 1:
            threshold = 0.0 if self.on_logits else 0.5
            return (values[:, 0] > threshold).long()
        return values.argmax(dim=1)

    def probabilities(self, values: torch.Tensor) -> torch.Tensor:
        """Class probabilities (n, classes) from `values()` output; (n, positions, classes) for
        a class per position."""
        if self.positions > 1:
            return torch.softmax(self.grouped(values), dim=-1)
        if self.on_logits:
            if values.shape[1] == 1:
                positive = torch.sigmoid(values)
                return torch.cat((1 - positive, positive), dim=1)
            return torch.softmax(values, dim=1)
        clipped = values.clamp(0.0, 1.0)
        if values.shape[1] == 1:
            return torch.cat((1 - clipped, clipped), dim=1)
        return clipped / clipped.sum(dim=1, keepdim=True).clamp_min(1e-12)


def make_objective(loss: str, task: str, classes: int, target_width: int,
                   model: GraphModule) -> Objective:
    """Choose and check the loss for this task and network; SpecError says what to change.

    `loss` is the training setting ("auto" picks BCE, cross-entropy or MSE from the task);
    `target_width` is the number of regression targets (ignored for classes).
    """
    loss = choose_loss(loss, task, classes, target_width, model.output_id, model.output_shape,
                       model.output_activation)
    positions = target_width // classes if task == "multiclass" and classes else 1
    return Objective(loss, task, classes if task != "regression" else 0,
                     model.output_shape[0], model.output_activation, max(1, positions))
