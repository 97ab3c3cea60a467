"""Backpropagation for one sample, every number spelled out: what `nnstudio backprop` prints and
the backprop view shows.

A plain Dense stack runs on the engine's explicit forward/backward (`engine.backprop.DenseStack`,
the trainer's fast path), so the numbers shown are the ones training computes: per layer the
input x, z = Wx + b, the activation a, delta = dL/dz, dL/dW = delta x^T and dL/db = delta.
Any other network (convolution, pooling, recurrent, merges) is stepped through with autograd,
as sizes and norms per layer. Then the optimizer's first update for this sample's gradient
alone, from fresh optimizer state: SGD (with momentum, its buffer starts as the gradient) or
Adam/AdamW (m, v, their bias corrections, the step). Dropout is in eval mode (off), as when
the network predicts. The gradient is the data loss's; L1/L2 penalties are not added.

Parameters are named as in the project's safetensors file: "{node id}.weight", "{node id}.bias".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from nnstudio.core.config import TrainingConfig
from nnstudio.core.errors import SpecError
from nnstudio.core.network import Network
from nnstudio.data.preprocessing import PreparedData
from nnstudio.engine.backprop import DenseLayer, DenseStack, LossHead, unsupported_layer
from nnstudio.engine.fast_path import ADAM_BETAS, ADAM_EPS
from nnstudio.engine.target_scaling import ScaledTraining
from nnstudio.engine.trainer import plan_run

SPLITS = ("train", "validation", "test")


def backprop_sample(network: Network, data: PreparedData, config: TrainingConfig,
                    weights: dict[str, np.ndarray] | None, index: int,
                    split: str = "train") -> dict[str, Any]:
    """Forward, loss, backward and the optimizer's update for sample `index` of `split`, with
    `weights` (fresh ones from the seed when None). SpecError names a sample out of range."""
    part = getattr(data, split)
    if not 0 <= index < part.n_samples:
        raise SpecError(f"--sample: {split} has samples 0 to {part.n_samples - 1}, not {index}")
    scaled = ScaledTraining.for_run(network, data, config.loss)
    if scaled is not None:  # as training sees it: a regression target standardized
        data, weights = scaled.data(data), scaled.unfolded(weights)
        part = getattr(data, split)
    plan = plan_run(network, data, config.replace(device="cpu"), weights)
    model, objective = plan.model, plan.objective
    model.eval()
    x = np.ascontiguousarray(part.x[index:index + 1], np.float32)
    targets = objective.targets(torch.tensor(part.y[index:index + 1]))
    # The explicit loss head has one softmax over all outputs: a class per position (one
    # softmax per group) is shown as autograd's sizes and norms, like convolutions.
    explicit = unsupported_layer(network, model) is None and objective.positions == 1
    steps = _explicit(network, model, objective, x, targets) if explicit else \
        _autograd(model, objective, x, targets)
    parameters = {f"{node_id}.{name}": parameter for node_id in model.node_ids
                  if model.layer(node_id) is not None
                  for name, parameter in model.layer(node_id).named_parameters()
                  if parameter.grad is not None}
    gradients = {key: p.grad.detach().numpy().astype(np.float64) for key, p in parameters.items()}
    values = {key: p.detach().numpy().astype(np.float64) for key, p in parameters.items()}
    return {"sample": index, "split": split, "input": x[0].tolist(),
            "target": part.y[index].tolist(), "explicit": explicit, **steps,
            "update": optimizer_update(config, values, gradients)}


def _explicit(network: Network, model, objective, x: np.ndarray,
              targets: torch.Tensor) -> dict[str, Any]:
    stack = DenseStack(network, model, rows=1)  # rebinds the model's parameters to its buffers
    logits = stack.forward(x, training=False)
    head = LossHead(objective, rows=1)
    values = np.empty_like(logits)
    head.values(logits, values)
    t = _loss_targets(objective, targets, values.shape[1])
    loss = float(head.sample_losses(values, t)[0]) / head.per_sample_divisor(values.shape[1])
    stack.backward(head.gradient(values, t).copy())
    layers = [_dense_step(layer) for layer in stack.layers if isinstance(layer, DenseLayer)]
    return {"output": values[0].tolist(), "loss": loss, "layers": layers}


def _loss_targets(objective, targets: torch.Tensor, width: int) -> np.ndarray:
    """The targets as `LossHead` takes them: one-hot for cross-entropy."""
    t = targets.numpy()
    if objective.loss == "cross_entropy":
        return np.eye(width, dtype=np.float32)[t.astype(np.int64)]
    return t.astype(np.float32).reshape(1, width)


def _dense_step(layer: DenseLayer) -> dict[str, Any]:
    x = layer.input.astype(np.float64)
    z = x @ layer.weight.T.astype(np.float64)
    if layer.bias is not None:
        z += layer.bias
    return {"id": layer.node_id, "x": x[0].tolist(), "z": z[0].tolist(),
            "a": layer.output[0].tolist(), "delta": layer.delta[0].tolist(),
            "grad_weight": layer.weight_grad.tolist(),
            "grad_bias": None if layer.bias_grad is None else layer.bias_grad.tolist()}


def _autograd(model, objective, x: np.ndarray, targets: torch.Tensor) -> dict[str, Any]:
    """Sizes and norms per layer, for networks the explicit path does not cover."""
    # Every node's output with the logits last (forward_all would apply the output activation).
    outputs = dict(zip(model.node_ids, model._run_graph(torch.from_numpy(x))))
    for value in outputs.values():
        if value.requires_grad:
            value.retain_grad()
    logits = outputs[model.output_id]
    values = logits if objective.on_logits else model.apply_output_activation(logits)
    loss = objective.function(values, targets)
    loss.backward()
    layers = []
    for node_id, value in outputs.items():
        if node_id == model.input_id:
            continue
        module = model.layer(node_id)
        weight = getattr(module, "weight", None) if module is not None else None
        layers.append({
            "id": node_id, "shape": list(value.shape[1:]),
            "a_norm": float(value.detach().norm()),
            "delta_norm": None if value.grad is None else float(value.grad.norm()),
            "grad_weight_norm": None if weight is None or weight.grad is None
            else float(weight.grad.norm())})
    return {"output": values.detach()[0].tolist(), "loss": float(loss.detach()), "layers": layers}


def optimizer_update(config: TrainingConfig, values: dict[str, np.ndarray],
                     gradients: dict[str, np.ndarray]) -> dict[str, Any]:
    """The optimizer's first step on `gradients` alone, from fresh state, per parameter."""
    rate = config.learning_rate
    update: dict[str, Any] = {"optimizer": config.optimizer, "learning_rate": rate,
                              "parameters": {}}
    for key, g in gradients.items():
        w = values[key]
        if config.optimizer == "sgd":
            # torch's momentum buffer starts as the first gradient: step one moves by it.
            entry = {"grad": g, "momentum": config.momentum, "velocity": g, "step": -rate * g}
            if config.nesterov and config.momentum > 0:
                entry["step"] = -rate * (g + config.momentum * g)
        elif config.optimizer in ("adam", "adamw"):
            beta1, beta2 = ADAM_BETAS
            decay = config.weight_decay if config.optimizer == "adamw" else 0.0
            m, v = (1 - beta1) * g, (1 - beta2) * g * g
            m_hat, v_hat = m / (1 - beta1), v / (1 - beta2)
            step = -rate * m_hat / (np.sqrt(v_hat) + ADAM_EPS) - rate * decay * w
            entry = {"grad": g, "m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat, "step": step}
        else:
            update["note"] = f"{config.optimizer}: the update is not spelled out"
            continue
        entry["new"] = w + entry["step"]
        update["parameters"][key] = {k: (v.tolist() if isinstance(v, np.ndarray) else v)
                                     for k, v in entry.items()}
    update["betas"] = list(ADAM_BETAS) if config.optimizer in ("adam", "adamw") else None
    update["eps"] = ADAM_EPS if config.optimizer in ("adam", "adamw") else None
    return update


__all__ = ["SPLITS", "backprop_sample", "optimizer_update"]
