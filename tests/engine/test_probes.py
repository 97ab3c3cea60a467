"""Probes: the display copy of a network, the input plane (features or PCA), every neuron's
output over its grid, and one sample's forward pass, checked against the engine and numpy."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnstudio.core.commands import MoveNodesCommand, SetParamCommand
from nnstudio.core.examples import EXAMPLES, example_project
from nnstudio.core.network import Network
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.callbacks import Callback
from nnstudio.engine.modules import build_model
from nnstudio.engine.probes import (
    DisplayModel, Plane, default_plane, feature_plane, pca_plane, principal_components,
    structure_key,
)
from nnstudio.engine.trainer import fit
from nnstudio.engine.weights import arrays_to_model, model_to_arrays

ACTIVATIONS = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "linear": lambda z: z,
               "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
               "softmax": lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum()}


def weights_of(network: Network, seed: int) -> dict[str, np.ndarray]:
    return model_to_arrays(build_model(network, seed))


def reference(network: Network, weights: dict[str, np.ndarray]):
    """The engine's own model with `weights`: what the probes must agree with."""
    model = build_model(network, 0).eval()
    arrays_to_model(model, weights)
    return model


def spiral_network() -> Network:
    return example_project("spiral").network


def test_display_model_copies_weights_and_matches_the_engines_model():
    network = spiral_network()
    weights = weights_of(network, 4)
    display = DisplayModel(network, seed=0)
    assert display.load(weights)
    x = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    expected = reference(network, weights).predict_output(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(display.predict(x), expected, rtol=1e-6, atol=1e-7)
    for key, array in weights.items():
        np.testing.assert_array_equal(display.array(key), array)


def test_display_model_is_a_separate_copy_that_leaves_the_training_model_alone():
    network = spiral_network()
    training_model = build_model(network, 1)
    before = model_to_arrays(training_model)
    display = DisplayModel(network, seed=1)
    display.load(weights_of(network, 9))
    display.plane_probe(default_plane(2), 8)
    display.trace(np.zeros(2, dtype=np.float32))
    after = model_to_arrays(training_model)
    assert all(np.array_equal(before[k], after[k]) for k in before)
    assert not training_model._forward_hooks and not training_model._forward_pre_hooks
    assert all(not m._forward_hooks for m in training_model.modules())
    assert not any(p.requires_grad for p in display.model.parameters())
    assert not display.model.training  # dropout off, batch norm on running statistics


def test_weights_that_do_not_fit_are_refused_and_change_nothing():
    network = spiral_network()
    display = DisplayModel(network, seed=0)
    wider = SetParamCommand("dense_1", "units", 5)
    other = Network(network.nodes)
    wider.apply(other)
    before = display.array("dense_1.weight").copy()
    assert not display.load(weights_of(other, 2))
    assert not display.load({})
    assert not display.load(None)
    np.testing.assert_array_equal(display.array("dense_1.weight"), before)


def test_read_only_weight_arrays_load_without_warnings(recwarn):
    network = spiral_network()
    weights = weights_of(network, 3)
    for array in weights.values():
        array.setflags(write=False)
    assert DisplayModel(network).load(weights)
    assert not [w for w in recwarn if "writable" in str(w.message)]


def test_initial_weights_are_the_ones_a_run_from_scratch_starts_with():
    network = spiral_network()
    display = DisplayModel(network, seed=11)
    expected = weights_of(network, 11)
    assert all(np.array_equal(display.initial[k], expected[k]) for k in expected)


def test_structure_key_ignores_where_nodes_sit_but_not_what_they_are():
    network = spiral_network()
    key = structure_key(network)
    MoveNodesCommand({"dense_1": (400.0, 300.0)}).apply(network)
    assert structure_key(network) == key
    SetParamCommand("dense_1", "activation", "relu").apply(network)
    assert structure_key(network) != key


# ---- the plane --------------------------------------------------------------------------------

def test_feature_plane_varies_two_features_and_holds_the_others_at_their_median():
    x = np.random.default_rng(1).normal(size=(101, 5)) * [1, 2, 3, 4, 5] + [0, 1, 2, 3, 4]
    plane = feature_plane(x, 3, 1, names=("a", "b", "c", "d", "e"))
    grid = plane.inputs(7)
    assert grid.dtype == np.float32 and grid.flags.c_contiguous and grid.shape == (49, 5)
    median = np.median(x, axis=0)
    for feature in (0, 2, 4):
        np.testing.assert_allclose(grid[:, feature], median[feature], rtol=1e-6)
    u, v = plane.coordinates(7)
    np.testing.assert_allclose(grid[:, 3].reshape(7, 7), np.tile(u, (7, 1)), rtol=1e-6)
    np.testing.assert_allclose(grid[:, 1].reshape(7, 7), np.tile(v[:, None], (1, 7)),
                               rtol=1e-6)
    assert plane.labels == ("d", "b")
    assert plane.x_range[0] < x[:, 3].min() and plane.x_range[1] > x[:, 3].max()
    assert plane.y_range[0] < x[:, 1].min() and plane.y_range[1] > x[:, 1].max()
    np.testing.assert_allclose(plane.project(x), x[:, [3, 1]])


def test_feature_plane_refuses_the_same_feature_twice():
    with pytest.raises(ValueError):
        feature_plane(np.zeros((3, 4)), 2, 2)


def test_pca_plane_matches_numpys_svd():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(200, 4)) @ rng.normal(size=(4, 4)) + 3.0
    plane = pca_plane(x)
    centred = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    for component, expected in zip(plane.axes, vt[:2]):
        sign = np.sign(component @ expected)
        np.testing.assert_allclose(component, sign * expected, atol=1e-10)
    np.testing.assert_allclose(np.abs(plane.project(x)), np.abs(centred @ vt[:2].T), atol=1e-9)
    np.testing.assert_allclose(plane.explained, (s[:2] ** 2) / (s ** 2).sum())
    np.testing.assert_allclose(plane.origin, x.mean(axis=0))
    # Every grid point is mean + u·PC1 + v·PC2, and projects back onto (u, v).
    u, v = plane.coordinates(5)
    grid = plane.inputs(5).astype(np.float64)
    expected = x.mean(axis=0) + u[2] * plane.axes[0] + v[4] * plane.axes[1]
    np.testing.assert_allclose(grid[4 * 5 + 2], expected, rtol=1e-5)
    np.testing.assert_allclose(plane.project(grid[[4 * 5 + 2]])[0], (u[2], v[4]), atol=1e-4)


def test_principal_components_choose_a_fixed_sign():
    x = np.random.default_rng(3).normal(size=(50, 3))
    _, first, _ = principal_components(x)
    _, second, _ = principal_components(x[::-1].copy())
    np.testing.assert_allclose(first, second, atol=1e-10)
    assert all(row[np.argmax(np.abs(row))] > 0 for row in first)


def test_pixel_rect_puts_each_pixel_centre_on_its_grid_point():
    plane = Plane("features", np.zeros(2), np.eye(2), (-2.0, 2.0), (0.0, 1.0), ("a", "b"),
                  (0, 1))
    x, y, width, height = plane.pixel_rect(5)
    u, v = plane.coordinates(5)
    centres_u = x + (np.arange(5) + 0.5) * width / 5
    centres_v = y + (np.arange(5) + 0.5) * height / 5
    np.testing.assert_allclose(centres_u, u)
    np.testing.assert_allclose(centres_v, v)


# ---- probes over the grid ---------------------------------------------------------------------

@pytest.mark.parametrize("key", ["spiral", "regression", "seed_article"])
def test_every_neurons_output_over_the_grid_equals_the_model_at_that_input(key):
    project = example_project(key)
    network = project.network
    weights = weights_of(network, 5)
    data = prepare_project_data(project)
    plane = pca_plane(data.train.x) if data.train.x.shape[1] > 2 else \
        feature_plane(data.train.x, 0, 1)
    display = DisplayModel(network)
    display.load(weights)
    probe = display.plane_probe(plane, 12)
    model = reference(network, weights)
    u, v = plane.coordinates(12)
    for row, column in ((0, 0), (3, 7), (11, 11), (6, 2)):
        x = torch.from_numpy(plane.point_inputs(u[column], v[row])[None])
        with torch.no_grad():
            expected = {k: t.reshape(-1).numpy() for k, t in model.forward_all(x).items()}
        for node_id, values in probe.values.items():
            assert values.dtype == np.float32 and values.flags.c_contiguous
            assert values.shape[1:] == (12, 12)
            np.testing.assert_allclose(values[:, row, column], expected[node_id], rtol=1e-5,
                                       atol=1e-6)


def test_asking_only_for_the_output_gives_the_same_values():
    network = spiral_network()
    display = DisplayModel(network)
    display.load(weights_of(network, 6))
    plane = default_plane(2)
    everything = display.plane_probe(plane, 20)
    output = display.plane_probe(plane, 20, (display.output_id,))
    assert set(output.values) == {display.output_id}
    np.testing.assert_allclose(output.values[display.output_id],
                               everything.values[display.output_id], rtol=1e-6)


# ---- one sample's forward pass ----------------------------------------------------------------

@pytest.mark.parametrize("key", ["spiral", "regression", "digits_mlp"])
def test_forward_trace_equals_a_numpy_computation_of_wx_plus_b_and_the_activation(key):
    project = example_project(key)
    network = project.network
    weights = weights_of(network, 8)
    data = prepare_project_data(project)
    display = DisplayModel(network)
    display.load(weights)
    sample = data.test.x[3]
    trace = display.trace(sample)
    assert [step.node_id for step in trace] == list(display.node_ids)
    x = sample.reshape(-1).astype(np.float64)
    for step in trace[1:]:
        node = network.node(step.node_id)
        np.testing.assert_allclose(step.inputs, x, rtol=1e-5, atol=1e-6)
        if node.type == "dense":
            w = weights[f"{node.id}.weight"].astype(np.float64)
            b = weights[f"{node.id}.bias"].astype(np.float64)
            z = w @ x + b
            np.testing.assert_allclose(step.z, z, rtol=1e-5, atol=1e-5)
            x = ACTIVATIONS[node.params["activation"]](z)
            np.testing.assert_array_equal(step.weight, weights[f"{node.id}.weight"])
        else:
            assert step.z is None
        np.testing.assert_allclose(step.output, x, rtol=1e-5, atol=1e-5)
    model = reference(network, weights)
    expected = model.predict_output(torch.from_numpy(sample[None])).detach().numpy()[0]
    np.testing.assert_allclose(trace[-1].output, expected, rtol=1e-5, atol=1e-6)


def test_forward_trace_of_a_convolution_gives_z_before_its_relu():
    project = example_project("digits_cnn")
    network = project.network
    display = DisplayModel(network)
    display.load(weights_of(network, 2))
    sample = prepare_project_data(project).test.x[0]
    conv = next(step for step in display.trace(sample) if step.node_id == "conv2d_1")
    assert conv.z.shape == (16 * 8 * 8,) and conv.output.shape == conv.z.shape
    np.testing.assert_allclose(conv.output, np.maximum(conv.z, 0), rtol=1e-6)
    assert conv.input_shape == (1, 8, 8) and conv.output_shape == (16, 8, 8)
    np.testing.assert_array_equal(conv.inputs, sample.reshape(-1))


def test_every_example_builds_a_display_model_and_traces_a_sample():
    for key in EXAMPLES:
        project = example_project(key)
        display = DisplayModel(project.network)
        sample = np.zeros(display.input_shape, dtype=np.float32)
        trace = display.trace(sample)
        assert trace[0].node_id == display.node_ids[0]


def test_weights_from_a_run_load_into_the_display_model():
    class Keep(Callback):
        wants_weights = True
        last = None

        def on_epoch_end(self, snapshot):
            Keep.last = dict(snapshot.weights)

    project = example_project("spiral")
    result = fit(project.network, prepare_project_data(project),
                 project.training.replace(epochs=2), callbacks=[Keep()])
    display = DisplayModel(project.network)
    assert display.load(Keep.last)
    assert display.load(result.weights)
