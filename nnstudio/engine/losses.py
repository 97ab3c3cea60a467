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

from nnstudio.core.errors import SpecError
from nnstudio.engine.modules import GraphModule

LOGIT_LOSSES = ("bce", "cross_entropy")
VALUE_LOSSES = ("mse", "mae", "huber")

_FUNCTIONS = {
    "bce": F.binary_cross_entropy_with_logits, "cross_entropy": F.cross_entropy,
    "mse": F.mse_loss, "mae": F.l1_loss, "huber": F.huber_loss,
}

LOSS_NAMES = {
    "bce": "binary cross-entropy", "cross_entropy": "cross-entropy",
    "mse": "mean squared error", "mae": "mean absolute error", "huber": "Huber",
}


@dataclass(frozen=True)
class Objective:
    """A loss bound to a task and an output layout.

    `classes` is the number of classes (0 for regression); `outputs` the width of the output.
    """

    loss: str
    task: str
    classes: int
    outputs: int
    output_activation: str | None

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
        return _FUNCTIONS[self.loss]

    def __call__(self, values: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """The mean loss over a batch (`values` from `values()`, `targets` from `targets()`)."""
        return _FUNCTIONS[self.loss](values, targets)

    def target_classes(self, targets: torch.Tensor) -> torch.Tensor:
        """Class indices back from `targets()` output."""
        if self.loss == "cross_entropy":
            return targets
        if targets.shape[1] == 1:
            return targets[:, 0].long()
        return targets.argmax(dim=1)

    def predicted_classes(self, values: torch.Tensor) -> torch.Tensor:
        """Class indices from `values()` output."""
        if values.shape[1] == 1:
            threshold = 0.0 if self.on_logits else 0.5
            return (values[:, 0] > threshold).long()
        return values.argmax(dim=1)

    def probabilities(self, values: torch.Tensor) -> torch.Tensor:
        """Class probabilities (n, classes) from `values()` output."""
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
    output_id, shape = model.output_id, model.output_shape
    if len(shape) != 1:
        raise SpecError(f"{output_id}: the output layer gives {shape}, but a prediction must be "
                        "a vector of values: add a Flatten and a Dense layer at the end")
    width = shape[0]
    if task == "regression":
        if loss in LOGIT_LOSSES:
            raise SpecError(f"training.loss: {LOSS_NAMES[loss]} is for classes, and this data "
                            "asks for numbers: choose mse, mae or huber (or auto)")
        if width != target_width:
            raise SpecError(f"{output_id}: outputs {width} values but the data has "
                            f"{target_width} target(s): set its units to {target_width}")
        return Objective("mse" if loss == "auto" else loss, task, 0, width, model.output_activation)
    if model.output_activation == "softmax" and width == 1:
        raise SpecError(f"{output_id}: a softmax over one unit always gives 1: use sigmoid for "
                        "a yes/no output")
    if task == "binary":
        if width not in (1, 2):
            raise SpecError(f"{output_id}: outputs {width} values but the data has 2 classes: "
                            "set its units to 1 (with sigmoid) or 2 (with softmax)")
    elif width != classes:
        raise SpecError(f"{output_id}: outputs {width} values but the data has {classes} "
                        f"classes: set its units to {classes} (with softmax)")
    if loss == "auto":
        loss = "bce" if width == 1 else "cross_entropy"
    if loss == "bce" and width != 1:
        raise SpecError(f"training.loss: binary cross-entropy needs one output unit, and "
                        f"{output_id} has {width}: choose cross_entropy (or auto)")
    if loss == "cross_entropy" and width == 1:
        raise SpecError(f"training.loss: cross-entropy needs one output unit per class, and "
                        f"{output_id} has 1: choose bce (or auto)")
    return Objective(loss, task, classes, width, model.output_activation)
