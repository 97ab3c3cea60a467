"""Whether a network can learn the data it is given: its input against the samples, its output
units and final activation against the task, the classes and the loss.

Pure, so the window's Problems list runs the very checks a run starts with (`engine.trainer
.plan_run` through `engine.losses.make_objective`), before anything trains and without torch.
"""

from __future__ import annotations

from typing import Any

from nnstudio.core.errors import SpecError
from nnstudio.core.model_size import check_trainable
from nnstudio.core.network import Network, Node
from nnstudio.core.shapes import Shape, infer_shapes

# Final activations the losses apply themselves (the model's forward returns logits).
ABSORBED_ACTIVATIONS = ("sigmoid", "softmax")
LOGIT_LOSSES = ("bce", "cross_entropy")
LOSS_NAMES = {
    "bce": "binary cross-entropy", "cross_entropy": "cross-entropy",
    "mse": "mean squared error", "mae": "mean absolute error", "huber": "Huber",
}


def absorbed_activation(node: Node, shape: Shape) -> str | None:
    """The sigmoid/softmax ending a classifier with a vector output (node `node`, shaped
    `shape`), which the loss applies; None when there is none."""
    if len(shape) != 1:
        return None
    name = node.type if node.type in ABSORBED_ACTIVATIONS else node.params.get("activation")
    return name if name in ABSORBED_ACTIVATIONS else None


def choose_loss(loss: str, task: str, classes: int, target_width: int, output_id: str,
                shape: Shape, activation: str | None) -> str:
    """The loss a run uses for this task and output; SpecError says what to change.

    `loss` is the training setting ("auto" picks BCE, cross-entropy or MSE from the task);
    `target_width` is the number of regression targets, or for classes the data's output size
    (classes × positions: above `classes` for a class per position); `output_id`,
    `shape` and `activation` describe the output layer (activation as `absorbed_activation`).
    """
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
        return "mse" if loss == "auto" else loss
    positions = target_width // classes if task == "multiclass" and classes else 1
    if positions > 1:
        return _per_position_loss(loss, classes, positions, output_id, width, activation)
    if activation == "softmax" and width == 1:
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
    return loss


def _per_position_loss(loss: str, classes: int, positions: int, output_id: str, width: int,
                       activation: str | None) -> str:
    """Cross-entropy per position for a target with a class per position (a sum's digits)."""
    if width != classes * positions:
        raise SpecError(f"{output_id}: outputs {width} values but the data has {positions} "
                        f"positions of {classes} classes: set its units to "
                        f"{classes * positions} (one group of {classes} per position)")
    if activation == "softmax":
        raise SpecError(f"{output_id}: a softmax over all {width} outputs mixes the "
                        f"{positions} positions; use a linear output: the loss takes a softmax "
                        f"over each position's {classes} outputs")
    if loss not in ("auto", "cross_entropy"):
        raise SpecError(f"training.loss: {LOSS_NAMES.get(loss, loss)} cannot score a class per "
                        "position: choose cross_entropy (or auto)")
    return "cross_entropy"


def data_problems(network: Network, train: Any, loss: str,
                  batch_size: int) -> list[tuple[str | None, str]]:
    """What stops `network` from training on `train` (a Dataset) with `loss`, as (node id or
    None, message) pairs; empty when a run would start. Shape errors are the shape report's."""
    report = infer_shapes(network)
    if not report.ok:
        return []
    found = []
    node_ids = {node.id for node in network.nodes}
    output_id = report.order[-1]
    checks = (
        lambda: check_trainable(network, train, batch_size),
        lambda: choose_loss(loss, train.task, train.n_classes, train.output_size, output_id,
                            report.shape(output_id),
                            absorbed_activation(network.node(output_id),
                                                report.shape(output_id))),
    )
    for check in checks:
        try:
            check()
        except SpecError as error:
            message = str(error)
            place = message.split(":", 1)[0]
            found.append((place if place in node_ids else None, message))
    return found
