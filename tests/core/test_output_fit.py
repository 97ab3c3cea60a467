"""The checks of a network against its data that a run starts with, and the Problems list shows
before training: input shape, output units against the classes, final activation and loss."""

from __future__ import annotations

import pytest

from nnstudio.core.errors import SpecError
from nnstudio.core.network import chain
from nnstudio.core.output_fit import choose_loss, data_problems
from nnstudio.core.project import DataConfig, DataSource, Project
from nnstudio.data.source import prepare_project_data


def spiral_train(n_samples: int = 60):
    project = Project(name="t", network=chain(("input", {"shape": (2,)})),
                      data=DataConfig(DataSource.builtin("spiral", {"n_samples": n_samples})))
    return prepare_project_data(project, None).train


def network(*layers):
    return chain(("input", {"shape": (2,)}), *layers)


def test_a_fitting_network_has_no_data_problems():
    fits = network(("dense", {"units": 8, "activation": "tanh"}),
                   ("dense", {"units": 1, "activation": "sigmoid"}))
    assert data_problems(fits, spiral_train(), "auto", 32) == []


def test_a_dense_16_after_the_sigmoid_output_is_named_with_the_classes_and_the_fix():
    extra = network(("dense", {"units": 1, "activation": "sigmoid"}),
                    ("dense", {"units": 16}))
    [(node_id, message)] = data_problems(extra, spiral_train(), "auto", 32)
    assert node_id == "dense_2"
    assert "outputs 16 values but the data has 2 classes" in message
    assert "set its units to 1 (with sigmoid)" in message


def test_an_input_that_does_not_fit_the_samples_is_named():
    wrong = chain(("input", {"shape": (3,)}), ("dense", {"units": 1, "activation": "sigmoid"}))
    [(node_id, message)] = data_problems(wrong, spiral_train(), "auto", 32)
    assert node_id == "input_1" and "set the Input's shape to [2]" in message


def test_a_loss_for_numbers_on_classes_is_a_setting_problem_not_a_layer_one():
    two = network(("dense", {"units": 2, "activation": "softmax"}))
    [(node_id, message)] = data_problems(two, spiral_train(), "bce", 32)
    assert node_id is None and message.startswith("training.loss: binary cross-entropy")


def test_shape_errors_are_left_to_the_shape_report():
    broken = network(("conv2d", {"filters": 4}))
    assert data_problems(broken, spiral_train(), "auto", 32) == []


@pytest.mark.parametrize("task, classes, width, activation, loss, chosen", [
    ("binary", 2, 1, "sigmoid", "auto", "bce"),
    ("binary", 2, 2, "softmax", "auto", "cross_entropy"),
    ("multiclass", 3, 3, "softmax", "auto", "cross_entropy"),
    ("regression", 0, 1, None, "auto", "mse"),
    ("regression", 0, 1, None, "huber", "huber"),
])
def test_choose_loss_picks_the_loss_for_the_task(task, classes, width, activation, loss, chosen):
    assert choose_loss(loss, task, classes, 1, "out", (width,), activation) == chosen


def test_a_softmax_over_one_unit_is_refused():
    with pytest.raises(SpecError, match="out: a softmax over one unit"):
        choose_loss("auto", "binary", 2, 1, "out", (1,), "softmax")
