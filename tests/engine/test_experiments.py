"""Experiments: run records, twins from the same start, hyperparameter search, re-run exactly."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nnstudio.core.config import TrainingConfig
from nnstudio.core.errors import SpecError
from nnstudio.core.examples import example_project
from nnstudio.core.history import FIRST_RUN
from nnstudio.core.project import load_project, save_project
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.callbacks import TrainingControl
from nnstudio.engine.experiments import (
    library_versions, prepare_twins, record_run, rerun, run_search, run_twins, search_grid,
    search_random,
)
from nnstudio.engine.modules import build_model
from nnstudio.engine.trainer import fit
from nnstudio.engine.weights import model_to_arrays


def settings(**values) -> TrainingConfig:
    return TrainingConfig({"epochs": 3, "batch_size": 32, "learning_rate": 0.01,
                           "device": "cpu", **values})


def small_spiral():
    project = example_project("spiral")
    project.training = project.training.replace(epochs=3, device="cpu")
    project.data = dataclasses.replace(project.data, source=dataclasses.replace(
        project.data.source, params={**project.data.source.params, "n_samples": 200}))
    return project


# ---- run records ------------------------------------------------------------------------------

def test_a_run_record_keeps_setup_curves_metrics_versions_and_what_changed(tmp_path):
    project = small_spiral()
    data = prepare_project_data(project)
    first_result = fit(project.network, data, project.training)
    first = record_run(project, first_result, name="baseline")
    assert first.id == "run_1" and first.changes == (FIRST_RUN,)
    assert first.history["loss"] == first_result.history["loss"]
    assert first.final_metrics == first_result.final_metrics
    assert first.versions == library_versions() and first.device == "cpu"
    project.runs.append(first)

    project.training = project.training.replace(learning_rate=0.01)
    second = record_run(project, fit(project.network, data, project.training))
    assert second.id == "run_2" and second.changes == ("learning_rate 0.03 → 0.01",)
    project.runs.append(second)

    path = tmp_path / "spiral.nnstudio"  # a record the project file accepts as it is
    save_project(path, project, run_weights={"run_1": first_result.weights})
    loaded = load_project(path)
    assert [r.changes for r in loaded.project.runs] == [first.changes, second.changes]
    assert loaded.run_weights("run_1").keys() == first_result.weights.keys()


# ---- twin runs --------------------------------------------------------------------------------

@pytest.mark.parametrize("setting,value,path", [
    ("learning_rate", 0.03, "fast"),
    ("optimizer", "rmsprop", "torch"),  # the fast path does not cover B: A trains on torch too
])
def test_twins_train_on_one_path_so_the_setting_is_the_only_difference(setting, value, path,
                                                                       spiral, make_mlp):
    result = run_twins(make_mlp(2, (4,), 1), setting, value, data=spiral,
                       config=settings(epochs=1))
    assert (result.a.path, result.b.path) == (path, path)


def test_twins_that_differ_in_nothing_train_identically_bit_for_bit(spiral, make_mlp):
    network = make_mlp(2, (8,), 1)
    result = run_twins(network, "learning_rate", 0.01, data=spiral, config=settings())
    assert result.a.history == result.b.history  # same start, same batches, same data


def test_a_learning_rate_twin_starts_from_the_same_weights_as_a_plain_run(spiral, make_mlp):
    network = make_mlp(2, (8,), 1)
    result = run_twins(network, "learning_rate", 0.1, data=spiral, config=settings())
    setup = result.setup
    assert setup.value_a == 0.01 and setup.config_b.learning_rate == 0.1
    assert set(setup.shared) == set(setup.initial_a)
    for key, array in model_to_arrays(build_model(network, seed=0)).items():
        np.testing.assert_array_equal(setup.initial_a[key], array)
        np.testing.assert_array_equal(setup.initial_b[key], array)
    assert result.a.history == fit(network, spiral, settings()).history  # A is the plain run
    assert result.a.history["loss"] != result.b.history["loss"]
    assert setup.changes == ("learning_rate 0.01 → 0.1",)
    table = result.table().splitlines()
    assert "A (learning_rate 0.01)" in table[0] and "B (learning_rate 0.1)" in table[0]


def test_an_activation_twin_changes_every_hidden_activation_and_keeps_the_output(spiral):
    project = small_spiral()  # Dense 8 tanh, Dense 8 tanh, Dense 1 sigmoid
    setup, _ = prepare_twins(project, "activation", "relu", data=spiral)
    activations = [n.params["activation"] for n in setup.network_b.topological_order()
                   if n.type == "dense"]
    assert activations == ["relu", "relu", "sigmoid"] and setup.value_a == "tanh"
    assert set(setup.shared) == set(setup.initial_a)


def test_a_width_twin_shares_only_the_tensors_whose_shape_did_not_change(spiral, make_mlp):
    setup, _ = prepare_twins(make_mlp(2, (8, 8), 1), "width", 16, data=spiral,
                             config=settings())
    assert setup.value_a == 8
    assert setup.shared == ("dense_3.bias",)  # the output's bias: 1 number either way
    np.testing.assert_array_equal(setup.initial_b["dense_3.bias"], setup.initial_a["dense_3.bias"])


def test_a_depth_twin_starts_the_kept_layers_from_as_weights(spiral, make_mlp):
    setup, _ = prepare_twins(make_mlp(2, (8, 8), 1), "depth", 3, data=spiral, config=settings())
    assert set(setup.initial_b) - set(setup.shared) == {"dense_4.weight", "dense_4.bias"}
    assert setup.changes[0] == "dense_3 inputs (dense_2) → (dense_4)"


def test_a_dropout_twin_adds_dropout_after_each_hidden_activation(spiral):
    project = small_spiral()
    result = run_twins(project, "dropout", 0.2, data=spiral)
    order = [(n.type, n.inputs) for n in result.setup.network_b.topological_order()]
    assert [t for t, _ in order] == ["input", "dense", "dropout", "dense", "dropout", "dense"]
    assert result.setup.value_a == 0.0 and set(result.setup.shared) == set(
        result.setup.initial_a)
    assert result.a.history["loss"] != result.b.history["loss"]


def test_a_twin_of_an_unknown_setting_or_value_is_refused_with_the_choices(spiral, make_mlp):
    network = make_mlp(2, (4,), 1)
    with pytest.raises(SpecError, match="unknown setting 'colour'.*activation"):
        prepare_twins(network, "colour", 1, data=spiral)
    with pytest.raises(SpecError, match="twin.activation"):
        prepare_twins(network, "activation", "cosine", data=spiral)
    with pytest.raises(SpecError, match="learning_rate"):
        prepare_twins(network, "learning_rate", -1.0, data=spiral)


# ---- hyperparameter search --------------------------------------------------------------------

def test_grid_search_tries_every_combination_and_marks_the_best(spiral, make_mlp):
    network = make_mlp(2, (8,), 1)
    space = {"learning_rate": [0.001, 0.05], "batch_size": [16, 64]}
    result = run_search(network, space, data=spiral, config=settings())
    assert [t.values for t in result.trials] == search_grid(space) == [
        {"learning_rate": 0.001, "batch_size": 16}, {"learning_rate": 0.001, "batch_size": 64},
        {"learning_rate": 0.05, "batch_size": 16}, {"learning_rate": 0.05, "batch_size": 64}]
    scores = [t.final_metrics["val_accuracy"] for t in result.trials]
    assert result.metric == "val_accuracy" and result.best == int(np.argmax(scores))
    lines = result.table().splitlines()
    assert lines[0].split()[:3] == ["trial", "learning_rate", "batch_size"]
    assert lines[2 + result.best].endswith("← best val_accuracy")
    # A trial is the run fit gives with those settings.
    trial = result.trials[2]
    assert trial.history == fit(network, spiral, settings(learning_rate=0.05,
                                                          batch_size=16)).history


def test_random_search_samples_ranges_log_uniformly_and_repeats_with_its_seed():
    space = {"learning_rate": (1e-4, 1e-1), "batch_size": (8, 256), "l2": [0.0, 0.001]}
    trials = search_random(space, 200, seed=1)
    rates = np.array([t["learning_rate"] for t in trials])
    assert rates.min() >= 1e-4 and rates.max() <= 1e-1
    assert 0.2 < (rates < 1e-2).mean() < 0.85  # log-uniform: 2 of 3 decades below 0.01
    assert all(isinstance(t["batch_size"], int) and 8 <= t["batch_size"] <= 256 for t in trials)
    assert {t["l2"] for t in trials} == {0.0, 0.001}
    assert search_random(space, 5, seed=1) == trials[:5]


def test_search_input_errors_name_the_setting():
    with pytest.raises(SpecError, match="unknown training setting 'speed'"):
        search_grid({"speed": [1]})
    with pytest.raises(SpecError, match="learning_rate"):
        search_grid({"learning_rate": [0.0]})
    with pytest.raises(SpecError, match="search.batch_size: the low end"):
        search_random({"batch_size": (64, 8)}, 3)


def test_a_cancelled_search_keeps_the_trials_it_finished(spiral, make_mlp):
    control = TrainingControl()

    def stop_after_first(report):
        if report.trial is not None:
            control.stop()

    result = run_search(make_mlp(2, (4,), 1), {"learning_rate": [0.01, 0.02, 0.03]},
                        data=spiral, config=settings(), progress=stop_after_first,
                        cancel=control)
    assert result.cancelled and len(result.trials) == 1


# ---- re-run exactly ---------------------------------------------------------------------------

def test_rerunning_a_recorded_run_gives_the_same_curve_bit_for_bit_on_the_cpu(tmp_path):
    project = small_spiral()
    result = fit(project.network, prepare_project_data(project), project.training)
    project.runs.append(record_run(project, result))
    path = tmp_path / "spiral.nnstudio"
    save_project(path, project)
    record = load_project(path).project.runs[0]  # as read back from the file
    report = rerun(record, project_path=path)
    assert report.identical and report.first_difference is None
    assert report.largest_difference == 0.0 and report.epochs == (3, 3)
    assert "repeated exactly" in report.message


@pytest.mark.parametrize("path", ["torch", "fast"])
def test_a_record_says_which_training_path_ran_and_a_rerun_takes_the_same(path, tmp_path):
    project = small_spiral()
    result = fit(project.network, prepare_project_data(project), project.training, path=path)
    record = record_run(project, result)
    assert record.training_path == path
    report = rerun(record, data=prepare_project_data(project))
    assert report.result.path == path and report.identical


def test_a_curve_that_differs_is_reported_with_the_metric_and_epoch(spiral):
    project = small_spiral()
    result = fit(project.network, spiral, project.training)
    record = record_run(project, result)
    history = {k: list(v) for k, v in record.history.items()}
    history["val_loss"][1] += 1e-6
    changed = dataclasses.replace(record, history=history)
    report = rerun(changed, data=spiral)
    assert not report.identical and report.first_difference == ("val_loss", 2)
    assert report.largest_difference == pytest.approx(1e-6, rel=1e-3)
    assert "val_loss differs first at epoch 2" in report.message
