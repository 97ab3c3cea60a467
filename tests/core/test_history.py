"""Run history in words and tables: changes between runs, metric order, best runs, text tables."""

import math

from nnstudio.core.config import TrainingConfig
from nnstudio.core.history import (
    FIRST_RUN, NO_CHANGES, best_index, best_run_index, config_changes, describe_changes,
    format_metric, format_table, format_value, list_changes, lower_is_better, metric_columns,
    network_changes,
    run_rows, sort_rows,
)
from nnstudio.core.network import chain


def _mlp(units: int = 8, activation: str = "relu"):
    return chain(("input", {"shape": (2,)}), ("dense", {"units": units, "activation": activation}),
                 ("dense", {"units": 1, "activation": "sigmoid"}))


def test_list_changes_gives_the_phrases_a_run_record_keeps():
    old = TrainingConfig()
    assert list_changes(old, old.replace(epochs=5), _mlp(8), _mlp(8, "tanh")) == [
        "epochs 100 → 5", "dense_1.activation relu → tanh"]
    assert list_changes(None, old) == [FIRST_RUN]
    assert list_changes(old, old) == []


def test_describe_changes_names_each_setting_and_layer_parameter_with_old_and_new_value():
    old = TrainingConfig({"learning_rate": 0.01})
    new = old.replace(learning_rate=0.03)
    text = describe_changes(old, new, _mlp(8), _mlp(16))
    assert text == "learning_rate 0.01 → 0.03; dense_1.units 8 → 16"


def test_identical_runs_have_no_changes_and_a_first_run_says_so():
    config = TrainingConfig()
    assert describe_changes(config, config, _mlp(), _mlp()) == NO_CHANGES
    assert describe_changes(None, config, None, _mlp()) == FIRST_RUN


def test_moving_a_layer_on_the_canvas_is_not_a_change():
    moved = _mlp()
    nodes = list(moved.nodes)
    nodes[1] = type(nodes[1])(nodes[1].id, nodes[1].type, nodes[1].params, nodes[1].inputs,
                              (300.0, 40.0))
    moved.set_nodes(tuple(nodes))
    assert network_changes(_mlp(), moved) == []


def test_added_removed_and_rewired_layers_are_named():
    old = _mlp()
    new = chain(("input", {"shape": (2,)}), ("dense", {"units": 8, "activation": "relu"}),
                ("dropout", {"rate": 0.5}), ("dense", {"units": 1, "activation": "sigmoid"}))
    changes = network_changes(old, new)
    assert "added dropout_1 (dropout)" in changes
    assert "dense_2 inputs (dense_1) → (dropout_1)" in changes
    assert network_changes(new, old)[0] == "removed dropout_1 (dropout)"


def test_changes_read_the_dict_form_saved_in_project_files():
    old, new = _mlp(8).to_dict(), _mlp(8, "tanh").to_dict()
    assert network_changes(old, new) == ["dense_1.activation relu → tanh"]
    assert config_changes({"optimizer": "sgd", "nesterov": False},
                          {"optimizer": "adam", "nesterov": True}) == [
        "optimizer sgd → adam", "nesterov off → on"]


def test_values_are_written_as_a_person_would():
    assert format_value(0.0001) == "0.0001"
    assert format_value(1e-6) == "1e-06"
    assert format_value((1, 8, 8)) == "(1, 8, 8)"
    assert format_metric(0.912345) == "0.9123"
    assert format_metric(None) == "-" and format_metric(float("nan")) == "-"
    assert format_metric(17025) == "17025" and format_metric(17025.0) == "1.702e+04"


def test_losses_and_errors_are_better_lower_and_scores_higher():
    assert lower_is_better("val_loss") and lower_is_better("test_mse") and lower_is_better("mae")
    assert not lower_is_better("val_accuracy") and not lower_is_better("r2")
    assert best_index([0.5, 0.2, float("nan"), 0.3], "val_loss") == 1
    assert best_index([0.5, 0.9, float("nan"), 0.9], "test_accuracy") == 1
    assert best_index([None, math.inf], "accuracy") is None


def test_metric_columns_go_train_then_validation_then_test_in_reading_order():
    columns = metric_columns([{"val_accuracy": 1, "loss": 1, "test_loss": 1},
                              {"accuracy": 1, "val_loss": 1, "zeta": 1}])
    assert columns == ["loss", "accuracy", "zeta", "val_loss", "val_accuracy", "test_loss"]


def _runs():
    return [
        {"id": "run_1", "name": "", "created": "2024-01-01", "seed": 0, "changes": FIRST_RUN,
         "final_metrics": {"val_loss": 0.4, "val_accuracy": 0.8}},
        {"id": "run_2", "name": "wider", "created": "2024-01-02", "seed": 0,
         "changes": ("dense_1.units 8 → 16",),
         "final_metrics": {"val_loss": 0.2, "val_accuracy": 0.9}},
        {"id": "run_3", "name": "broken", "created": "2024-01-03", "seed": 1, "changes": "x",
         "final_metrics": {"val_loss": float("nan")}},
    ]


def test_run_rows_give_one_row_per_run_with_every_metric_as_a_column():
    columns, rows = run_rows(_runs())
    assert columns == ["name", "created", "seed", "changes", "val_loss", "val_accuracy"]
    assert [row[0] for row in rows] == ["run_1", "wider", "broken"]  # the id when unnamed
    assert rows[2][-1] is None  # a metric the run lacks
    assert rows[1][3] == "dense_1.units 8 → 16"  # a record's tuple of changes, in words
    assert best_run_index(_runs(), "val_loss") == 1
    assert best_run_index(_runs(), "val_accuracy") == 1


def test_sorting_keeps_missing_values_last_in_both_directions():
    columns, rows = run_rows(_runs())
    loss = columns.index("val_loss")
    assert [r[0] for r in sort_rows(rows, loss)] == ["wider", "run_1", "broken"]
    assert [r[0] for r in sort_rows(rows, loss, descending=True)] == ["run_1", "wider", "broken"]


def test_text_table_aligns_numbers_right_and_marks_a_row():
    text = format_table(["name", "acc"], [["a", 0.5], ["longer", 0.98765]], marks={1: "← best"})
    lines = text.splitlines()
    assert lines[0].split() == ["name", "acc"]
    assert lines[2] == "a          0.5"
    assert lines[3].startswith("longer  0.9877") and lines[3].endswith("← best")
