"""The data panel offers the new generators with their own settings: the number of classes of
the spiral arms and clouds, the function of Above or Below; drawn points show as the data."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QComboBox

from nnstudio.core.project import DataConfig, DataSource
from nnstudio.data.builtin import load_builtin
from nnstudio.data.drawn import DrawnPoints, with_points
from tests.gui.panels.test_dataset_panel import choose, make_panel, type_into  # noqa: F401


def test_spiral_arms_take_a_class_count_and_the_preview_draws_each_class(make_panel, qtbot):
    panel = make_panel()
    choose(panel.dataset_combo, "spiral_arms")
    assert set(panel.param_editors) == {"n_samples", "noise", "classes"}
    type_into(qtbot, panel.param_editors["classes"], "5")
    source = panel.document.project.data.source
    assert (source.name, source.params["classes"]) == ("spiral_arms", 5)
    panel.update_preview()
    dataset = load_builtin("spiral_arms", source.params, seed=source.seed)
    drawn = [item.getData() for item in panel.scatter_items]
    assert len(drawn) == 5
    for label, (x, _) in enumerate(drawn):
        assert np.array_equal(x, dataset.x[dataset.y == label, 0])


def test_above_or_below_offers_the_fixed_menu_of_functions(make_panel, qtbot):
    panel = make_panel()
    choose(panel.dataset_combo, "above_below")
    menu = panel.param_editors["function"]
    assert isinstance(menu, QComboBox)
    assert [menu.itemData(i) for i in range(menu.count())] == ["sin", "cubic", "abs", "line"]
    menu.setCurrentIndex(menu.findData("abs"))
    assert panel.document.project.data.source.params["function"] == "abs"


def test_drawn_points_show_as_the_data_and_leaving_them_is_undoable(make_panel, qtbot):
    drawn = with_points(with_points(DrawnPoints.empty(), [[1, 1], [2, 2]], 0), [[-1, -1]], 1)
    panel = make_panel(DataConfig(DataSource.from_drawn(drawn)))
    assert panel.dataset_combo.currentText() == "Your drawn points"
    panel.update_preview()
    assert panel.preview_kind == "scatter"
    assert sum(len(item.getData()[0]) for item in panel.scatter_items) == 3
    choose(panel.dataset_combo, "circle")
    document = panel.document
    assert document.project.data.source.name == "circle"
    document.undo()
    assert document.project.data.source.drawn().same_as(drawn)
    assert panel.dataset_combo.currentText() == "Your drawn points"
