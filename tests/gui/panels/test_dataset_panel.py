"""The data panel: built-in datasets and their parameters from BUILTIN_DATASETS, the split and
scaling, a preview that matches the data, file sources with Import…, and the lock while training."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction

from nnstudio.core.project import DataConfig, DataSource, Project
from nnstudio.data.builtin import BUILTIN_DATASETS, load_builtin
from nnstudio.gui.panels.dataset_panel import DatasetPanel



class FakeController(QObject):
    state_changed = Signal(str)


@pytest.fixture
def make_panel(qtbot, make_document):
    def make(data: DataConfig | None = None, window=None) -> DatasetPanel:
        document = make_document()
        if data is not None:
            document.set_data_config(data)
            document._unsaved = False
        controller = FakeController()
        panel = DatasetPanel(document, controller, window)
        panel.controller = controller
        qtbot.addWidget(panel)
        panel.resize(360, 760)
        panel.show()
        return panel

    return make


def choose(combo, data) -> None:
    combo.setCurrentIndex(combo.findData(data))


def type_into(qtbot, box, text: str) -> None:
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), text)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)


def test_the_picker_lists_every_built_in_dataset_with_its_description(make_panel):
    panel = make_panel()
    combo = panel.dataset_combo
    assert [combo.itemData(i) for i in range(combo.count())] == list(BUILTIN_DATASETS)
    assert combo.currentData() == "circle"
    assert panel.description.text() == BUILTIN_DATASETS["circle"].description
    assert set(panel.param_editors) == {"n_samples", "noise"}


def test_choosing_a_dataset_and_its_parameters_changes_the_project_data(make_panel, qtbot):
    panel = make_panel()
    choose(panel.dataset_combo, "spiral")
    source = panel.document.project.data.source
    assert (source.name, source.params) == ("spiral", {"n_samples": 500, "noise": 0.0})
    type_into(qtbot, panel.param_editors["noise"], "0.25")
    type_into(qtbot, panel.param_editors["n_samples"], "300")
    type_into(qtbot, panel.seed_box, "7")
    source = panel.document.project.data.source
    assert source.params == {"n_samples": 300, "noise": 0.25} and source.seed == 7
    assert panel.document.is_dirty


def test_bundled_datasets_have_no_point_count_noise_or_seed(make_panel):
    panel = make_panel()
    choose(panel.dataset_combo, "iris")
    assert panel.param_editors == {} and panel.seed_box.isHidden()
    assert panel.document.project.data.source.name == "iris"


def test_split_and_scaling_edit_the_data_config(make_panel, qtbot):
    panel = make_panel()
    type_into(qtbot, panel.validation_box, "30")
    type_into(qtbot, panel.test_box, "10")
    type_into(qtbot, panel.split_seed_box, "3")
    choose(panel.preprocessing_combo, "minmax")
    data = panel.document.project.data
    assert (data.validation, data.test, data.split_seed, data.preprocessing) == \
        (0.3, 0.1, 3, "minmax")
    qtbot.waitUntil(lambda: "train 300 / validation 150 / test 50" in panel.summary.text(),
                    timeout=2000)  # the preview and summary follow once the edits settle


def test_a_split_that_leaves_nothing_to_train_on_is_refused_with_a_reason(make_panel, qtbot):
    panel = make_panel()
    before = panel.document.project.data
    type_into(qtbot, panel.validation_box, "60")
    type_into(qtbot, panel.test_box, "45")
    assert panel.document.project.data.test == before.test
    assert panel.problem.isVisibleTo(panel) and "nothing to train on" in panel.problem.text()


def test_the_preview_draws_every_point_of_two_feature_data_by_class(make_panel, qtbot):
    panel = make_panel(DataConfig(DataSource.builtin("moons", {"n_samples": 240}, seed=2)))
    panel.update_preview()
    assert panel.preview_kind == "scatter"
    dataset = load_builtin("moons", {"n_samples": 240}, seed=2)
    drawn = [item.getData() for item in panel.scatter_items]
    assert len(drawn) == 2 and sum(len(x) for x, _ in drawn) == 240
    for label, (x, y) in enumerate(drawn):
        assert np.array_equal(x, dataset.x[dataset.y == label, 0])
        assert np.array_equal(y, dataset.x[dataset.y == label, 1])


def test_regression_points_are_coloured_by_their_value(make_panel):
    panel = make_panel(DataConfig(DataSource.builtin("plane", {"n_samples": 100})))
    panel.update_preview()
    assert panel.preview_kind == "scatter" and len(panel.scatter_items) == 1
    brushes = panel.scatter_items[0].data["brush"]
    assert len({b.color().name() for b in brushes}) > 10


def test_image_data_previews_its_first_images(make_panel):
    panel = make_panel(DataConfig(DataSource.builtin("digits"), preprocessing="none"))
    panel.update_preview()
    assert panel.preview_kind == "images" and len(panel.image_labels) == 8
    pixmap = panel.image_labels[0].pixmap()
    assert pixmap.width() == pixmap.height() >= 48
    assert panel.image_labels[0].toolTip().startswith("Class: ")
    assert "1,797 samples · images 1×8×8 · 10 classes" in panel.summary.text()


def test_a_file_source_shows_the_file_and_import_triggers_file_import(make_panel, qtbot,
                                                                      make_window):
    window = make_window()
    triggered = []
    action = QAction("Import Data…", window)
    action.triggered.connect(lambda: triggered.append(True))
    window.menu("File").addAction(action)
    source = DataSource(kind="file", path="data/flowers.csv", sha256="0" * 64, format="csv")
    panel = make_panel(DataConfig(source), window)
    assert panel.dataset_combo.currentText() == "Your data file"
    assert panel.file_label.isVisibleTo(panel) and "data/flowers.csv" in panel.file_label.text()
    assert panel.preview_kind == "text" or panel._preview_timer.isActive()
    qtbot.mouseClick(panel.import_button, Qt.MouseButton.LeftButton)
    assert triggered == [True]
    choose(panel.dataset_combo, "xor")  # back to a built-in dataset
    assert panel.document.project.data.source.kind == "builtin"
    assert panel.dataset_combo.findData("__file__") == -1


def test_everything_is_locked_while_training(make_panel):
    panel = make_panel()
    panel.controller.state_changed.emit("running")
    widgets = [panel.dataset_combo, panel.import_button, panel.validation_box, panel.test_box,
               panel.preprocessing_combo, *panel.param_editors.values()]
    assert not any(widget.isEnabled() for widget in widgets)
    panel.controller.state_changed.emit("idle")
    assert all(widget.isEnabled() for widget in widgets)


def test_a_data_config_changed_elsewhere_shows_in_the_form(make_panel):
    panel = make_panel()
    document = panel.document
    data = dataclasses.replace(document.project.data,
                               source=DataSource.builtin("xor", {"noise": 0.4}), test=0.25)
    document.set_data_config(data)
    assert panel.dataset_combo.currentData() == "xor"
    assert panel.param_editors["noise"].value() == pytest.approx(0.4)
    assert panel.test_box.value() == pytest.approx(25.0)
    assert isinstance(document.project, Project)


def test_scrolling_the_panel_over_a_value_never_changes_it(make_panel, qtbot):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    panel = make_panel()
    box = panel.validation_box
    before = panel.document.project.data.validation
    centre = QPointF(box.rect().center())
    wheel = QWheelEvent(centre, QPointF(box.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, -120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(box, wheel)
    assert panel.document.project.data.validation == before
    box.setFocus()
    qtbot.waitUntil(box.hasFocus, timeout=2000)
    QApplication.sendEvent(box, QWheelEvent(wheel))
    assert panel.document.project.data.validation != before  # clicked into: the wheel steps it


def test_the_modular_arithmetic_table_takes_a_prime_and_an_operation(make_panel, qtbot):
    panel = make_panel()
    choose(panel.dataset_combo, "modular_arithmetic")
    assert set(panel.param_editors) == {"modulus", "operation"}
    type_into(qtbot, panel.param_editors["modulus"], "23")
    choose(panel.param_editors["operation"], "divide")
    source = panel.document.project.data.source
    assert source.params == {"modulus": 23, "operation": "divide"}
    assert load_builtin(source.name, source.params).n_samples == 23 * 22


def test_label_noise_is_typed_as_a_percentage_and_said_beside_the_clean_preview(make_panel,
                                                                                 qtbot):
    panel = make_panel()
    type_into(qtbot, panel.label_noise_box, "20")
    assert panel.document.project.data.label_noise == pytest.approx(0.2)
    qtbot.waitUntil(lambda: "20 % of the training labels flipped" in panel.summary.text())
    panel.controller.state_changed.emit("running")
    assert not panel.label_noise_box.isEnabled()
    panel.controller.state_changed.emit("idle")
    type_into(qtbot, panel.label_noise_box, "0")
    assert panel.document.project.data.label_noise == 0
    qtbot.waitUntil(lambda: "flipped" not in panel.summary.text())


def test_label_noise_is_offered_only_for_data_with_classes(make_panel):
    panel = make_panel()
    assert panel.label_noise_box.isEnabled()
    choose(panel.dataset_combo, "plane")
    assert not panel.label_noise_box.isEnabled()
    choose(panel.dataset_combo, "iris")
    assert panel.label_noise_box.isEnabled()
