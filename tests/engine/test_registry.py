"""The registries are complete: every layer type, activation and metric has every part the
views, the engine and the exporter read, so adding one without the rest fails here; and the
parameter counts the summary shows are what torch builds, for every example and layer type."""

from __future__ import annotations

import math

import pytest
import torch

from nnstudio.core.activations import ACTIVATION_TABLE, ACTIVATIONS, DIES, SATURATES
from nnstudio.core.config import LOSSES, MONITORS
from nnstudio.core.examples import EXAMPLES, example_project
from nnstudio.core.layers import LAYER_TYPES, formula_text
from nnstudio.core.metrics import ANY_TASK, CLASSIFICATION, HIGHER, LOWER, METRICS, REGRESSION
from nnstudio.core.network import Network, make_node
from nnstudio.core.shapes import infer_shapes
from nnstudio.engine.metrics import CLASSIFICATION_METRICS, REGRESSION_METRICS
from nnstudio.engine.modules import build_model, parameter_count
from nnstudio.engine.torch_layers import TORCH_ACTIVATIONS, TORCH_LAYERS, activation_function
from tests.core.test_layers import GOOD_CASES


@pytest.mark.parametrize("key", sorted(LAYER_TYPES))
def test_every_layer_type_has_every_part(key):
    kind = LAYER_TYPES[key]
    assert key in TORCH_LAYERS, f"{key}: no torch row in engine/torch_layers.py"
    assert kind.formula.strip(), f"{key}: no formula for the forward-pass view"
    defaults = kind.schema.defaults()
    weight_shape = (3, 2, 5) if kind.spatial_rank else (3, 2)
    text = formula_text(key, defaults, "relu", weight_shape, True, (3,))  # every field known
    assert "{" not in text, f"{key}: formula field not filled: {text}"
    if kind.width_param is not None:
        assert kind.schema[kind.width_param].kind == "int", f"{key}: width is not a count"
    assert kind.spatial_rank in (0, 1, 2)
    assert not (kind.folds and kind.weighted), f"{key}: a folded layer draws no weights"
    if kind.is_activation:
        assert key in ACTIVATION_TABLE and kind.folds


def test_every_torch_row_belongs_to_a_registered_layer_type():
    assert set(TORCH_LAYERS) == set(LAYER_TYPES)


@pytest.mark.parametrize("key", ACTIVATIONS)
def test_every_activation_has_every_part_and_stays_in_its_range(key):
    row = ACTIVATION_TABLE[key]
    assert key in TORCH_ACTIVATIONS, f"{key}: no torch function or code in torch_layers.py"
    assert key in LAYER_TYPES, f"{key}: not offered as a layer of its own"
    assert row.failure in (None, DIES, SATURATES)
    low, high = row.output_range
    assert low < high
    if row.failure == SATURATES:
        assert math.isfinite(low) and math.isfinite(high), f"{key}: saturates between limits"
    function = activation_function(key) or (lambda x: x)
    x = torch.linspace(-30, 30, 2001).reshape(1, -1)
    y = function(x)
    assert float(y.min()) >= low - 1e-6 and float(y.max()) <= high + 1e-6, key


def test_every_metric_the_engine_reports_or_monitors_has_a_row():
    reported = {"loss", "auc", *CLASSIFICATION_METRICS, *REGRESSION_METRICS}
    monitored = {name.removeprefix("val_") for name in MONITORS}
    losses = {loss for loss in LOSSES if loss in ("mse", "mae", "huber")}
    assert reported | monitored | losses <= set(METRICS)


@pytest.mark.parametrize("key", sorted(METRICS))
def test_every_metric_has_every_part(key):
    row = METRICS[key]
    assert row.key == key and row.label.strip() and row.ascii_label.isascii()
    assert row.better in (LOWER, HIGHER)
    assert row.task in (CLASSIFICATION, REGRESSION, ANY_TASK)
    assert format(0.5, row.format)  # a usable format spec


def test_losses_and_errors_are_lower_better_and_scores_higher_better():
    assert {k for k, row in METRICS.items() if row.better == LOWER} == {
        "loss", "mse", "mae", "huber", "seconds"}


# ---- parameter counts: the summary's number is torch's -----------------------------------------

@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_the_summary_counts_what_torch_builds_for_every_example(key):
    network = example_project(key).network
    model = build_model(network)
    report = infer_shapes(network)
    for node_id in report.order:
        module = model.layer(node_id)
        built = sum(p.numel() for p in module.parameters()) if module is not None else 0
        assert report.nodes[node_id].params == built, node_id
    assert report.total_params == parameter_count(model)


SINGLE_INPUT_CASES = [case for case in GOOD_CASES if len(case[1]) == 1]


# torch warns that an odd 'same' padding (even kernel) costs a copy: the case is on purpose.
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@pytest.mark.parametrize("key, shapes, params, shape, count", SINGLE_INPUT_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(SINGLE_INPUT_CASES)])
def test_the_summary_counts_what_torch_builds_for_every_layer_type_and_option(
        key, shapes, params, shape, count):
    network = Network([make_node("input", "input_1", shape=shapes[0]),
                       make_node(key, "layer", ("input_1",), **params)])
    model = build_model(network)
    module = model.layer("layer")
    built = sum(p.numel() for p in module.parameters()) if module is not None else 0
    assert infer_shapes(network).nodes["layer"].params == built == count
    x = torch.rand((2, *shapes[0])) * (9 if key == "embedding" else 1)
    model.eval()
    with torch.no_grad():
        assert tuple(model.forward_all(x)["layer"].shape) == (2, *shape)


def test_every_layer_type_has_a_single_input_count_case_or_is_a_merge():
    # Merges (no parameters) are counted in test_modules' networks, which use every type.
    covered = {case[0] for case in SINGLE_INPUT_CASES} | {"input"}
    merges = {key for key, kind in LAYER_TYPES.items() if kind.is_merge}
    assert covered | merges == set(LAYER_TYPES)
