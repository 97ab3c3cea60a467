"""Feature transforms: the grammar (parsed by hand, errors naming the field and the position),
what each expression computes, the optional `data.transforms` key through save and open, and
the transforms applied before scaling."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from nnstudio.core.errors import DataError, ProjectError
from nnstudio.core.examples import example_project
from nnstudio.core.project import load_project, save_project
from nnstudio.data.dataset import Dataset
from nnstudio.data.source import prepare_project_data
from nnstudio.data.transforms import Factor, apply_transforms, parse_transform, parse_transforms

V1 = Path(__file__).parents[1] / "fixtures" / "v1"  # files the previous release wrote


@pytest.mark.parametrize("text, factors, function", [
    ("x1", (Factor("x1"),), ""),
    ("x1^2", (Factor("x1", 2),), ""),
    (" x1 * x2 ", (Factor("x1"), Factor("x2")), ""),
    ("x1^3*x2", (Factor("x1", 3), Factor("x2")), ""),
    ("sin(x1)", (Factor("x1"),), "sin"),
    ("cos( x1*x2^2 )", (Factor("x1"), Factor("x2", 2)), "cos"),
    ("`petal length (cm)`^2", (Factor("petal length (cm)", 2),), ""),
    ("sine", (Factor("sine"),), ""),  # a column named like a function is still a column
    ("a.b_2", (Factor("a.b_2"),), ""),
])
def test_valid_expressions_parse_into_their_factors(text, factors, function):
    transform = parse_transform(text, "data.transforms[0]")
    assert (transform.factors, transform.function, transform.text) == (factors, function,
                                                                        text.strip())


@pytest.mark.parametrize("text, position, expected", [
    ("x1^^2", 4, "a whole power"),
    ("x1^0", 4, "a whole power"),
    ("x1^10", 4, "a whole power"),
    ("sin(x1", 7, "'\\)' closing sin\\("),
    ("3x", 1, "a column name"),
    ("x1*", 4, "a column name"),
    ("x1 x2", 4, "'\\*', '\\^' or the end"),
    ("sin(x1) + 1", 9, "the end"),
    ("tan(x1)", 4, "'\\*', '\\^' or the end"),
    ("`x1", 2, "a column name closed by '`'"),
    ("__import__('os')", 11, "'\\*', '\\^' or the end"),
])
def test_invalid_expressions_name_the_field_and_the_position(text, position, expected):
    with pytest.raises(DataError, match=rf"^data\.transforms\[2\]: in .* at position "
                                        rf"{position}: expected {expected}"):
        parse_transforms(["x1", "x2", text], "data.transforms")


@pytest.mark.parametrize("value, message", [
    ([], r": must be a non-empty list"),
    ("x1,x2", r": must be a non-empty list"),
    (["x1", 2], r"\[1\]: must be an input expression"),
    (["x1", "  "], r"\[1\]: must be an input expression"),
    (["x1", "x1 "], r"\[1\]: 'x1' is listed twice"),
])
def test_the_list_itself_is_checked(value, message):
    with pytest.raises(DataError, match=rf"^data\.transforms{message}"):
        parse_transforms(value, "data.transforms")


def _table() -> Dataset:
    x = np.array([[1.0, 2.0, -1.0], [0.5, -3.0, 4.0]], dtype=np.float32)
    return Dataset("table", x, np.array([0, 1]), "binary", feature_names=("a", "b", "c"),
                   class_names=("no", "yes"))


def test_each_expression_computes_its_value_and_names_the_input():
    x = _table().x.astype(np.float64)
    result = apply_transforms(_table(), ("c", "a^2", "a*b*c", "sin(b)", "cos(a*c^2)"))
    assert result.feature_names == ("c", "a^2", "a*b*c", "sin(b)", "cos(a*c^2)")
    expected = np.stack([x[:, 2], x[:, 0] ** 2, x[:, 0] * x[:, 1] * x[:, 2], np.sin(x[:, 1]),
                         np.cos(x[:, 0] * x[:, 2] ** 2)], axis=1)
    np.testing.assert_allclose(result.x, expected, rtol=1e-6)
    np.testing.assert_array_equal(result.y, _table().y)


def test_no_transforms_leave_the_dataset_as_it_is():
    table = _table()
    assert apply_transforms(table, ()) is table


def test_an_unknown_column_is_named_with_the_data_columns():
    with pytest.raises(DataError, match=r"^data\.transforms\[1\]: 'x1\^2' uses column 'x1', "
                                        r"which the data does not have \(its columns: a, b, c\)"):
        apply_transforms(_table(), ("a", "x1^2"))


def test_values_too_large_for_a_number_are_refused_naming_the_input():
    big = dataclasses.replace(_table(), x=np.full((2, 3), 1e5, dtype=np.float32))
    with pytest.raises(DataError, match=r"^data\.transforms\[1\]: 'a\^9' gives values too large"):
        apply_transforms(big, ("a", "a^9"))


def test_images_have_no_columns_to_transform():
    digits = prepare_project_data(example_project("digits_cnn")).train
    with pytest.raises(DataError, match=r"^data\.transforms: transforms work on columns"):
        apply_transforms(digits, ("x1",))


def _circle_with(transforms):
    project = example_project("spiral")
    source = dataclasses.replace(project.data.source, name="circle", params={})
    return dataclasses.replace(project, data=dataclasses.replace(
        project.data, source=source, transforms=transforms))


def test_transforms_come_before_scaling_each_input_scaled_on_its_own_training_values():
    plain = prepare_project_data(_circle_with(()))
    data = prepare_project_data(_circle_with(("x1", "x2", "x1^2", "x1*x2")))
    assert data.train.feature_names == ("x1", "x2", "x1^2", "x1*x2")
    raw = data.preprocessor.inverse_transform(data.train.x)
    raw_plain = plain.preprocessor.inverse_transform(plain.train.x)
    np.testing.assert_allclose(raw[:, 2], raw_plain[:, 0] ** 2, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(raw[:, 3], raw_plain[:, 0] * raw_plain[:, 1], rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_allclose(data.train.x.mean(axis=0), 0, atol=1e-5)  # standardized each
    np.testing.assert_allclose(data.train.x.std(axis=0), 1, atol=1e-4)


def test_transforms_round_trip_through_save_and_open(tmp_path):
    project = _circle_with(("x1", "x2", "x1^2", "sin(x1)", "`x2`*x1"))
    save_project(tmp_path / "p.nnstudio", project)
    stored = json.loads((tmp_path / "p.nnstudio").read_text())["data"]["transforms"]
    assert stored == ["x1", "x2", "x1^2", "sin(x1)", "`x2`*x1"]
    assert load_project(tmp_path / "p.nnstudio").project.data.transforms == tuple(stored)


def test_without_transforms_the_key_is_not_written_and_old_files_open(tmp_path):
    save_project(tmp_path / "p.nnstudio", _circle_with(()))
    assert "transforms" not in json.loads((tmp_path / "p.nnstudio").read_text())["data"]
    for old in (V1 / "csv_cli.nnstudio", V1 / "spiral_restored.nnstudio"):
        assert load_project(old).project.data.transforms == ()


def test_the_loader_refuses_a_bad_expression_naming_the_field_and_position(tmp_path):
    save_project(tmp_path / "p.nnstudio", _circle_with(("x1",)))
    doc = json.loads((tmp_path / "p.nnstudio").read_text())
    doc["data"]["transforms"] = ["x1", "x1^^2"]
    (tmp_path / "p.nnstudio").write_text(json.dumps(doc))
    with pytest.raises((DataError, ProjectError),
                       match=r"data\.transforms\[1\]: in 'x1\^\^2' at position 4"):
        load_project(tmp_path / "p.nnstudio")
