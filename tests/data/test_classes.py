"""Class names and colours come from one legend: label k, name k, colour k, everywhere."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nnstudio.data.classes import CLASS_COLORS, ClassLegend, class_color, color_name
from nnstudio.data.dataset import Dataset


def test_a_datasets_legend_names_its_classes_in_label_order():
    data = Dataset("cells", np.zeros((3, 2)), np.array([0, 1, 1]), "binary",
                   class_names=("benign", "malignant"))
    legend = ClassLegend.of(data)
    assert legend.names == ("benign", "malignant")
    assert legend.colors == CLASS_COLORS[:2]
    assert legend.caption(1) == "“malignant” (blue)"


def test_class_zero_is_the_diverging_scales_orange_and_class_one_its_blue():
    assert (color_name(0), color_name(1)) == ("orange", "blue")
    assert class_color(0) == "#f59322" and class_color(1) == "#0877bd"


@pytest.mark.parametrize("count", [2, 10, 40])
def test_every_class_gets_its_own_hex_colour_however_many_there_are(count):
    colours = [class_color(k) for k in range(count)]
    assert len(set(colours)) == count
    assert all(re.fullmatch(r"#[0-9a-f]{6}", colour) for colour in colours)


def test_a_regression_dataset_has_an_empty_legend_and_a_mismatch_falls_back_to_numbers():
    data = Dataset("heights", np.zeros((3, 1)), np.zeros(3), "regression")
    assert ClassLegend.of(data).names == ()
    legend = ClassLegend(("a", "b"))
    assert legend.fit(2) is legend
    assert legend.fit(3).names == ("class 0", "class 1", "class 2")
    assert legend.name(5) == "class 5"
