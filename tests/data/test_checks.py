"""Sanity checks find what misleads a learner, with numbers and a hint, and stay quiet otherwise."""

from __future__ import annotations

import numpy as np

from nnstudio.data.builtin import load_builtin
from nnstudio.data.checks import DataWarning, check_dataset
from nnstudio.data.dataset import Dataset
from nnstudio.data.split import Split


def table(x, y, task="binary", names=("no", "yes"), features=()):
    return Dataset("t", np.asarray(x, dtype=np.float32), np.asarray(y), task, features,
                   names if task != "regression" else ())


def checks(found: list[DataWarning]) -> list[str]:
    return [f.check for f in found]


def balanced(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return table(rng.normal(size=(n, 3)), np.arange(n) % 2, features=("a", "b", "c"))


def test_a_clean_balanced_dataset_gets_no_warning():
    assert check_dataset(balanced()) == []
    assert check_dataset(load_builtin("circle")) == []


def test_imbalanced_classes_warn_with_shares_and_point_to_f1():
    rng = np.random.default_rng(1)
    data = table(rng.normal(size=(100, 2)), np.array([0] * 90 + [1] * 10))
    [found] = check_dataset(data)
    assert found.check == "imbalance" and found.severity == "warning"
    assert found.message == ("The classes are imbalanced: 'no' has 90 samples (90%), 'yes' only "
                             "10 (10%).")
    assert "watch the F1 score" in found.hint and "90% accuracy" in found.hint


def test_classes_with_few_samples_are_named_with_their_counts():
    rng = np.random.default_rng(2)
    y = np.array([0] * 30 + [1] * 30 + [2] * 4)
    data = table(rng.normal(size=(64, 2)), y, "multiclass", ("a", "b", "c"))
    found = check_dataset(data)
    few = [f for f in found if f.check == "few_samples"][0]
    assert few.message == "A class has fewer than 10 samples: 'c' (4)."


def test_a_class_absent_from_the_test_part_is_named():
    data = table(np.random.default_rng(3).normal(size=(40, 2)), [0] * 20 + [1] * 20)
    split = Split(np.arange(0, 30), np.arange(30, 35), np.arange(35, 40))  # test: class 1 only
    found = [f for f in check_dataset(data, split) if f.check == "few_samples"]
    assert [f.message for f in found] == [
        "The validation part holds no sample of 'no'.", "The test part holds no sample of 'no'."
    ]


def test_constant_columns_are_named():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(40, 3))
    x[:, 1] = 7.0
    data = table(x, np.arange(40) % 2, features=("a", "flat", "c"))
    [found] = check_dataset(data)
    assert (found.check, found.message) == (
        "constant", "Column 'flat' has the same value in every row."
    )


def test_columns_on_very_different_scales_suggest_standardizing_unless_chosen():
    rng = np.random.default_rng(5)
    x = np.column_stack([rng.normal(size=40) * 0.01, rng.normal(size=40) * 500])
    data = table(x, np.arange(40) % 2, features=("small", "income"))
    [found] = check_dataset(data)
    assert found.check == "unscaled"
    assert "'income' varies by about" in found.message and "'small'" in found.message
    assert '"standardize"' in found.hint
    assert check_dataset(data, preprocessing="standardize") == []


def test_missing_values_from_the_import_are_reported_with_the_worst_column():
    [found] = check_dataset(balanced(), missing={"age": 30, "city": 2}, rows_read=100)
    assert found.check == "missing" and found.severity == "warning"
    assert found.message == ("The file had 32 missing values in 2 columns; 'age' had the most, "
                             "30 (30% of its rows).")


def test_samples_shared_by_training_and_test_are_counted():
    data = balanced(40)
    x = data.x.copy()
    x[35:38] = x[0:3]  # three test rows repeat training rows
    leaky = table(x, data.y, features=data.feature_names)
    split = Split(np.arange(0, 30), np.arange(30, 35), np.arange(35, 40))
    found = [f for f in check_dataset(leaky, split) if f.check == "duplicates"]
    assert [f.message for f in found] == [
        "3 of the 5 test samples also appear in the training data (the same inputs)."
    ]
    assert check_dataset(data, split) == []


def test_images_skip_the_column_checks():
    digits = load_builtin("digits")
    assert "constant" not in checks(check_dataset(digits))
    assert "unscaled" not in checks(check_dataset(digits))


def test_warnings_come_before_infos():
    data = table(np.random.default_rng(3).normal(size=(40, 2)), [0] * 20 + [1] * 20)
    split = Split(np.arange(0, 30), np.arange(30, 35), np.arange(35, 40))
    found = check_dataset(data, split, missing={"a": 500}, rows_read=1000)
    assert [(f.severity, f.check) for f in found] == [
        ("warning", "missing"), ("info", "few_samples"), ("info", "few_samples"),
    ]
