"""Inspection data for the views: activation statistics, weight histograms, gradient norms,
feature maps and evaluation on a split, as plain numpy.

Everything here works on a separate display copy of the network (`engine.probes.DisplayModel`)
or on numpy snapshots, never on the model that trains, and each answer is a few vectorized calls,
so the views can ask at their throttled rate while a run goes on. The one function the trainer
calls, `gradient_norms`, runs once per epoch and only when a callback asks for it.
"""

from __future__ import annotations

import torch

from nnstudio.engine.modules import GraphModule


# ---- gradients (called by the trainer) --------------------------------------------------------

def gradient_norms(model: GraphModule) -> dict[str, float]:
    """The L2 norm of each layer's gradient (all its parameters together), by node id.

    Reads the gradients the last backward pass left on the parameters, with one read-back;
    layers without parameters, or whose parameters hold no gradient, are left out.
    """
    grads: list[torch.Tensor] = []
    owners: list[str] = []
    for node_id in model.node_ids:
        module = model.layer(node_id)
        if module is None:
            continue
        for parameter in module.parameters():
            if parameter.grad is not None:
                grads.append(parameter.grad.detach())
                owners.append(node_id)
    if not grads:
        return {}
    squares = (torch.stack(torch._foreach_norm(grads)).double() ** 2).tolist()
    totals: dict[str, float] = {}
    for node_id, square in zip(owners, squares):
        totals[node_id] = totals.get(node_id, 0.0) + square
    return {node_id: total ** 0.5 for node_id, total in totals.items()}
