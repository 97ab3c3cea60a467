"""Drawn datasets: adding and erasing points, their bounds, and the checks a file's copy gets."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.core.errors import DataError
from nnstudio.data.builtin import load_builtin
from nnstudio.data.drawn import (
    MAX_POINTS, DrawnPoints, check_drawn, from_dataset, with_points, without_points,
)


def drawn_example() -> DrawnPoints:
    drawn = with_points(DrawnPoints.empty(), [[-1, -1], [-1.5, -1.2]], 0)
    return with_points(drawn, [[2, 2], [2.5, 1.0], [0.0, 0.1]], 1)


def test_points_are_added_with_their_class_clipped_to_the_plane_and_rounded():
    drawn = with_points(DrawnPoints.empty(), [[1.23456, -9.0]], 1)
    assert drawn.points.tolist() == [[1.235, -6.0]] and drawn.labels.tolist() == [1]
    data = drawn_example().dataset()
    assert data.task == "binary" and data.class_names == ("class 1", "class 2")
    assert data.class_counts().tolist() == [2, 3]


def test_the_eraser_removes_only_the_points_within_its_radius():
    drawn = without_points(drawn_example(), (2.2, 1.8), 0.6)
    assert drawn.points.tolist() == [[-1.0, -1.0], [-1.5, -1.2], [2.5, 1.0], [0.0, 0.1]]
    assert drawn.labels.tolist() == [0, 0, 1, 1]


def test_no_more_than_the_maximum_of_points_is_kept():
    full = with_points(DrawnPoints.empty(), np.zeros((MAX_POINTS + 50, 2)), 0)
    assert len(full) == MAX_POINTS
    assert len(with_points(full, [[1, 1]], 1)) == MAX_POINTS


def test_more_classes_make_a_multiclass_dataset():
    drawn = with_points(drawn_example().with_class(), [[-3, 3]], 2)
    assert drawn.class_names == ("class 1", "class 2", "class 3")
    assert drawn.dataset().task == "multiclass"


def test_the_file_form_reads_back_to_the_same_points():
    drawn = drawn_example()
    assert check_drawn(drawn.to_source(), "data.source").same_as(drawn)


@pytest.mark.parametrize("change,field", [
    (lambda d: d.update(points=[[0, 0]] * (MAX_POINTS + 1), labels=[0] * (MAX_POINTS + 1)),
     "data.source.points:"),
    (lambda d: d["points"].__setitem__(1, [0, 7]), "data.source.points[1]:"),
    (lambda d: d["points"].__setitem__(0, [0, float("nan")]), "data.source.points[0]:"),
    (lambda d: d["points"].__setitem__(0, [0]), "data.source.points[0]:"),
    (lambda d: d["labels"].__setitem__(2, 5), "data.source.labels[2]:"),
    (lambda d: d["labels"].__setitem__(2, True), "data.source.labels[2]:"),
    (lambda d: d["labels"].pop(), "data.source.labels:"),
    (lambda d: d.update(class_names=["only"]), "data.source.class_names:"),
    (lambda d: d.update(class_names=["a", "a"]), "data.source.class_names:"),
    (lambda d: d.update(class_names=["a", ""]), "data.source.class_names[1]:"),
])
def test_a_damaged_drawn_source_is_refused_naming_the_field(change, field):
    document = drawn_example().to_source()
    change(document)
    with pytest.raises(DataError) as caught:
        check_drawn(document, "data.source")
    assert str(caught.value).startswith(field)


def test_two_column_class_data_inside_the_plane_becomes_points_to_draw_on():
    spiral = load_builtin("spiral", {"n_samples": 300})
    drawn = from_dataset(spiral)
    assert drawn.class_names == spiral.class_names and len(drawn) == 300
    np.testing.assert_allclose(drawn.points, spiral.x, atol=1e-3)
    np.testing.assert_array_equal(drawn.labels, spiral.y)
    big = from_dataset(load_builtin("clouds", {"n_samples": 5000, "classes": 4}))
    assert len(big) == MAX_POINTS and set(big.labels.tolist()) == {0, 1, 2, 3}


@pytest.mark.parametrize("key", ["plane", "iris", "digits"])
def test_other_data_gives_no_points_to_draw_on(key):
    assert from_dataset(load_builtin(key)) is None  # numbers, four columns, images
