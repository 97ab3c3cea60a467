"""Training settings: validated, immutable, defaults filled, errors naming the setting."""

import copy

import pytest

from nnstudio.core.config import (
    DEVICES, LOSSES, MONITORS, OPTIMIZERS, SCHEDULES, TRAINING_SCHEMA, TrainingConfig,
    until_stopped_problem,
)
from nnstudio.core.errors import SpecError


def test_defaults_match_the_seed_articles_setup():
    config = TrainingConfig()
    assert (config.optimizer, config.batch_size, config.epochs, config.loss) == ("adam", 32, 100, "auto")
    assert config.to_dict() == TRAINING_SCHEMA.defaults()


def test_the_contracts_settings_and_choices_are_all_there():
    assert set(TRAINING_SCHEMA.names()) == {
        "optimizer", "learning_rate", "momentum", "nesterov", "weight_decay", "schedule",
        "step_size", "gamma", "plateau_patience", "batch_size", "epochs", "loss", "l1", "l2",
        "grad_clip", "early_stopping", "monitor", "patience", "restore_best", "seed", "device",
        "until_stopped"}
    assert OPTIMIZERS == ("sgd", "adam", "adamw", "rmsprop", "adagrad")
    assert SCHEDULES == ("constant", "step", "cosine", "one_cycle", "plateau")
    assert LOSSES == ("auto", "bce", "cross_entropy", "mse", "mae", "huber")
    assert MONITORS == ("val_loss", "val_accuracy", "val_f1", "val_mse", "val_mae", "val_r2")
    assert DEVICES == ("auto", "cpu", "cuda", *(f"cuda:{i}" for i in range(8)), "mps")


def test_every_setting_explains_itself_to_a_learner():
    for spec in TRAINING_SCHEMA:
        assert spec.help.strip(), spec.name
        assert spec.validate(spec.default, spec.name) == spec.default


def test_values_are_canonical_and_readable_as_attributes():
    config = TrainingConfig({"learning_rate": 1, "batch_size": 64.0})
    assert config.learning_rate == 1.0 and type(config.learning_rate) is float
    assert config.batch_size == 64 and type(config.batch_size) is int


def test_a_bad_value_names_the_setting_inside_its_place():
    with pytest.raises(SpecError) as error:
        TrainingConfig({"optimizer": "adamax"}, where="project.training")
    assert str(error.value).startswith('project.training.optimizer: must be one of "sgd", "adam"')
    with pytest.raises(SpecError, match=r"^training\.learning_rate: must be a number from"):
        TrainingConfig({"learning_rate": 0})


def test_an_unknown_setting_is_refused():
    with pytest.raises(SpecError, match=r"^training\.learningrate: unknown setting"):
        TrainingConfig({"learningrate": 0.1})


@pytest.mark.parametrize("bad", [0, [], "", "adam", 3.5])
def test_something_that_is_not_an_object_is_an_error_not_the_defaults(bad):
    with pytest.raises(SpecError, match=r"^training: must be an object of settings"):
        TrainingConfig(bad)


def test_the_config_is_immutable_and_replace_makes_a_new_validated_one():
    config = TrainingConfig()
    with pytest.raises(AttributeError):
        config.epochs = 5
    changed = config.replace(epochs=5, optimizer="sgd")
    assert (changed.epochs, changed.optimizer, config.epochs) == (5, "sgd", 100)
    with pytest.raises(SpecError, match=r"^training\.epochs: "):
        config.replace(epochs=0)


def test_equal_settings_are_equal_and_hash_alike():
    assert TrainingConfig({"seed": 3}) == TrainingConfig({"seed": 3.0})
    assert hash(TrainingConfig({"seed": 3})) == hash(TrainingConfig({"seed": 3}))
    assert TrainingConfig({"seed": 3}) != TrainingConfig({"seed": 4})
    assert TrainingConfig() != TrainingConfig().to_dict()


def test_copies_are_safe_and_unknown_attributes_are_attribute_errors():
    config = TrainingConfig({"epochs": 7})
    assert copy.copy(config) == config and copy.deepcopy({"c": config})["c"] == config
    with pytest.raises(AttributeError):
        config.no_such_setting
    assert config.get("no_such_setting", 1) == 1 and config.get("epochs") == 7
    assert not hasattr(TrainingConfig.__new__(TrainingConfig), "epochs")  # no recursion


def test_to_dict_is_a_copy_and_iteration_lists_the_names():
    config = TrainingConfig()
    values = config.to_dict()
    values["epochs"] = 1
    assert config.epochs == 100
    assert list(config) == list(TRAINING_SCHEMA.names())
    assert "epochs" in repr(config)


def test_until_stopped_is_written_to_files_only_when_on():
    assert "until_stopped" not in TrainingConfig().to_file_dict()
    on = TrainingConfig({"until_stopped": True})
    assert on.to_file_dict()["until_stopped"] is True
    assert TrainingConfig(on.to_file_dict()) == on
    assert TrainingConfig(TrainingConfig().to_file_dict()) == TrainingConfig()


@pytest.mark.parametrize("schedule", ["cosine", "one_cycle"])
def test_until_stopped_refuses_schedules_that_need_the_last_epoch(schedule):
    problem = until_stopped_problem(TrainingConfig({"until_stopped": True,
                                                    "schedule": schedule}))
    assert problem.startswith("training.until_stopped:") and "constant" in problem
    assert until_stopped_problem(TrainingConfig({"schedule": schedule})) is None
    assert until_stopped_problem(TrainingConfig({"until_stopped": True,
                                                 "schedule": "plateau"})) is None
