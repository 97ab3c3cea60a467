"""Backprop for one sample: the explicit numbers equal autograd's, for every example network."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from nnstudio.core.project import load_project
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.modules import GraphModule
from nnstudio.engine.sample_backprop import backprop_sample
from nnstudio.engine.target_scaling import ScaledTraining
from nnstudio.engine.trainer import plan_run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WITH_DENSE = sorted(p.stem for p in EXAMPLES.glob("*.nnstudio")
                    if '"dense"' in p.read_text())
TOLERANCE = dict(rtol=1e-4, atol=1e-4)  # the explicit path computes in float32


def example(name: str):
    loaded = load_project(EXAMPLES / f"{name}.nnstudio")
    return loaded, prepare_project_data(loaded.project, loaded.path)


def autograd_reference(loaded, data, index: int):
    """Every node's output and each parameter's gradient, by autograd in float64."""
    project = loaded.project
    scaled = ScaledTraining.for_run(project.network, data, project.training.loss)
    weights = loaded.weights
    if scaled is not None:
        data, weights = scaled.data(data), scaled.unfolded(weights)
    plan = plan_run(project.network, data, project.training.replace(device="cpu"), weights)
    model: GraphModule = plan.model.double().eval()
    x = torch.tensor(data.train.x[index:index + 1], dtype=torch.float64)
    values = dict(zip(model.node_ids, model._run_graph(x)))
    logits = values[model.output_id]
    output = logits if plan.objective.on_logits else model.apply_output_activation(logits)
    targets = plan.objective.targets(torch.tensor(data.train.y[index:index + 1]))
    if targets.is_floating_point():
        targets = targets.double()
    loss = plan.objective.function(output, targets)
    loss.backward()
    return model, values, float(loss.detach())


def test_every_example_with_dense_layers_is_checked():
    assert {"spiral", "digits_mlp", "digits_cnn", "regression"} <= set(WITH_DENSE)


@pytest.mark.parametrize("name", WITH_DENSE)
def test_backprop_numbers_equal_autograd(name):
    loaded, data = example(name)
    index = 5
    found = backprop_sample(loaded.project.network, data, loaded.project.training,
                            loaded.weights, index)
    model, values, loss = autograd_reference(loaded, data, index)
    assert np.isclose(found["loss"], loss, **TOLERANCE)
    gradients = {f"{node_id}.{name}": p.grad.numpy() for node_id in model.node_ids
                 if model.layer(node_id) is not None
                 for name, p in model.layer(node_id).named_parameters()}
    update = found["update"]["parameters"]
    assert update.keys() == gradients.keys()
    for key, gradient in gradients.items():
        np.testing.assert_allclose(update[key]["grad"], gradient, **TOLERANCE, err_msg=key)
    if not found["explicit"]:  # convolutions: sizes and norms per layer
        for layer in found["layers"]:
            assert layer["shape"] == list(values[layer["id"]].shape[1:])
            norm = float(values[layer["id"]].detach().norm())
            assert np.isclose(layer["a_norm"], norm, **TOLERANCE)
        return
    ids = list(model.node_ids)
    for layer in found["layers"]:
        node_id = layer["id"]
        x = values[ids[ids.index(node_id) - 1]].reshape(1, -1)
        z = model.before_activation(node_id, x)
        np.testing.assert_allclose(layer["x"], x[0].detach(), **TOLERANCE)
        np.testing.assert_allclose(layer["z"], z[0].detach(), **TOLERANCE)
        np.testing.assert_allclose(layer["a"], values[node_id][0].detach(), **TOLERANCE)
        np.testing.assert_allclose(layer["grad_weight"], gradients[f"{node_id}.weight"],
                                   **TOLERANCE)
        np.testing.assert_allclose(layer["grad_bias"], gradients[f"{node_id}.bias"], **TOLERANCE)
        # delta = dL/dz, and dL/dW = delta x^T: the explicit path's own numbers agree.
        np.testing.assert_allclose(layer["delta"], gradients[f"{node_id}.bias"], **TOLERANCE)
        np.testing.assert_allclose(np.outer(layer["delta"], layer["x"]), layer["grad_weight"],
                                   **TOLERANCE)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw"])
def test_the_update_is_the_optimizers_first_step_on_this_samples_gradient(optimizer):
    loaded, data = example("spiral")
    config = loaded.project.training.replace(optimizer=optimizer, learning_rate=0.1)
    found = backprop_sample(loaded.project.network, data, config, loaded.weights, 2)
    parameters = {key: torch.tensor(entry["new"], dtype=torch.float64)
                  for key, entry in found["update"]["parameters"].items()}
    weights = {key: torch.tensor(np.asarray(entry["new"]) - np.asarray(entry["step"]),
                                 requires_grad=True)
               for key, entry in found["update"]["parameters"].items()}
    for key, tensor in weights.items():
        gradient = found["update"]["parameters"][key]["grad"]
        tensor.grad = torch.tensor(gradient, dtype=torch.float64)
    kind = {"sgd": lambda p: torch.optim.SGD(p, lr=0.1, momentum=config.momentum),
            "adam": lambda p: torch.optim.Adam(p, lr=0.1),
            "adamw": lambda p: torch.optim.AdamW(p, lr=0.1, weight_decay=config.weight_decay)}
    kind[optimizer](list(weights.values())).step()
    for key, tensor in weights.items():
        np.testing.assert_allclose(tensor.detach(), parameters[key], rtol=1e-9, atol=1e-12)


def test_a_sample_out_of_range_is_named():
    from nnstudio.core.errors import SpecError

    loaded, data = example("spiral")
    with pytest.raises(SpecError, match="--sample: train has samples 0 to"):
        backprop_sample(loaded.project.network, data, loaded.project.training, None, 10**6)
