"""The evaluation view on every example: the confusion matrix equals the engine's, the threshold
slider moves precision and recall exactly as numpy computes them from the probabilities, the
AUC equals a hand computation, per-class scores equal scikit-learn's, and the browser lists
exactly the misclassified samples."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.gui.panels.inspection_support import EXAMPLE_KEYS, colour_count, engine_model, example_document, show
from nnstudio.engine.evaluate import evaluate
from nnstudio.engine.metrics import roc_curve
from nnstudio.gui.live_model import LiveModel
from nnstudio.gui.panels.evaluation_panel import MAX_SHOWN, WORST_SHOWN, EvaluationPanel

pytestmark = pytest.mark.usefixtures("warm_torch")

BINARY = ("seed_article", "spiral")
MULTICLASS = ("digits_mlp", "digits_cnn")


@pytest.fixture
def open_panel(qtbot):
    def make(key: str, seed: int = 3, document=None) -> EvaluationPanel:
        document = document or example_document(key, seed)
        panel = EvaluationPanel(LiveModel(document))
        panel.document = document
        return show(qtbot, panel, (1000, 700))

    return make


def split_of(panel, name: str = "test"):
    return getattr(panel.live.prepared, name)


def class_one_probabilities(document, part) -> np.ndarray:
    """sigmoid of the engine model's single logit (in float32, as the model computes)."""
    with torch.no_grad():
        logits = engine_model(document)(torch.from_numpy(part.x))
    return torch.sigmoid(logits[:, 0]).double().numpy()


def hand_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """The chance that a random positive scores above a random negative (ties count half)."""
    pos, neg = scores[positive], scores[~positive]
    above = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(above / (len(pos) * len(neg)))


@pytest.mark.parametrize("key", EXAMPLE_KEYS)
def test_every_example_renders_and_its_confusion_matrix_equals_the_engines(open_panel, key):
    panel = open_panel(key)
    if key == "empty":
        assert panel.stack.currentWidget() is panel.note and "no layers" in panel.note.text()
        return
    assert panel.stack.currentIndex() == 0
    assert colour_count(panel) > 40
    part = split_of(panel)
    engine = evaluate(engine_model(panel.document), part)
    if key == "regression":
        assert panel.confusion is None and panel.scatter_plot.isVisible()
        assert panel.scores["r2"] == pytest.approx(engine.metrics["r2"], rel=1e-5)
        return
    assert np.array_equal(panel.confusion, engine.confusion)
    assert colour_count(panel.matrix) > 10
    k = len(engine.confusion)
    shown = np.array([[int(panel.matrix.cell(i, j)) for j in range(k)] for i in range(k)])
    assert np.array_equal(shown, engine.confusion)
    assert panel.scores["accuracy"] == pytest.approx(engine.metrics["accuracy"])
    assert panel.roc_plot.isVisible() == (key in BINARY)
    assert panel.threshold_box.isVisible() == (key in BINARY)


def test_normalized_shows_each_true_classs_row_as_shares(open_panel, qtbot):
    panel = open_panel("digits_mlp")
    qtbot.mouseClick(panel.normalized_check, Qt.MouseButton.LeftButton)
    assert panel.normalized_check.isChecked()
    confusion = panel.confusion
    for i in (0, 3, 9):
        row = confusion[i] / confusion[i].sum()
        for j in range(10):
            assert panel.matrix.cell(i, j) == f"{row[j] * 100:.0f}%"
    assert np.array_equal(panel.confusion, confusion)  # the counts themselves did not change


@pytest.mark.parametrize("key", BINARY)
def test_moving_the_threshold_changes_precision_and_recall_as_computed_by_hand(
        open_panel, qtbot, key):
    panel = open_panel(key)
    part = split_of(panel)
    p = class_one_probabilities(panel.document, part)
    y = part.y == 1
    slider = panel.threshold_slider
    slider.setFocus()
    seen = set()
    for keys in ((), (Qt.Key.Key_PageUp,) * 3, (Qt.Key.Key_PageDown,) * 6,
                 (Qt.Key.Key_Home,), (Qt.Key.Key_End,), (Qt.Key.Key_PageDown,) * 2):
        for key_press in keys:
            qtbot.keyClick(slider, key_press)
        threshold = slider.value() / 1000
        assert panel.threshold_label.text() == f"{threshold:.3f}"
        chosen = p > threshold
        tp = int(np.sum(chosen & y))
        precision = tp / chosen.sum() if chosen.sum() else 0.0
        recall = tp / y.sum()
        assert panel.scores["precision"] == pytest.approx(precision, abs=1e-12)
        assert panel.scores["recall"] == pytest.approx(recall, abs=1e-12)
        table = panel.table_values()
        assert table["Precision"][1] == pytest.approx(precision)
        assert table["Recall"][1] == pytest.approx(recall)
        expected = np.array([[np.sum(~chosen & ~y), np.sum(chosen & ~y)],
                             [np.sum(~chosen & y), np.sum(chosen & y)]])
        assert np.array_equal(panel.confusion, expected)
        assert panel.matrix.cell(1, 1) == str(tp)
        fpr, tpr = panel.roc_point.getData()
        assert (fpr[0], tpr[0]) == pytest.approx((np.sum(chosen & ~y) / np.sum(~y), recall))
        wrong = np.flatnonzero(chosen != y)
        assert panel.shown_samples() == wrong[:MAX_SHOWN].tolist()
        seen.add((round(precision, 9), round(recall, 9)))
    assert len(seen) > 3  # the slider really moved the numbers


@pytest.mark.parametrize("key", BINARY)
def test_the_roc_curve_and_auc_equal_a_hand_computation(open_panel, key):
    panel = open_panel(key)
    part = split_of(panel)
    p = class_one_probabilities(panel.document, part)
    auc = hand_auc(p, part.y == 1)
    assert panel.result.auc == pytest.approx(auc, abs=1e-9)
    assert panel.auc_text.toPlainText() == f"ROC curve · AUC {auc:.3f}"
    assert f"AUC <b>{auc:.3f}</b>" in panel.summary.text()
    x, y = panel.roc_curve.getData()
    fpr, tpr, _ = roc_curve(p, part.y)
    assert np.allclose(x, fpr) and np.allclose(y, tpr)


def test_a_trained_breast_cancer_classifier_has_a_high_auc_on_its_test_set(open_panel):
    from nnstudio.core.config import TrainingConfig
    from nnstudio.core.network import chain
    from nnstudio.core.project import DataConfig, DataSource, Project
    from nnstudio.data.source import prepare_project_data
    from nnstudio.engine.trainer import fit
    from nnstudio.gui.document import ProjectDocument

    network = chain(("input", {"shape": (30,)}), ("dense", {"units": 8, "activation": "relu"}),
                    ("dense", {"units": 1, "activation": "sigmoid"}))
    project = Project(name="Cancer", network=network,
                      data=DataConfig(DataSource.builtin("breast_cancer")),
                      training=TrainingConfig({"epochs": 15, "device": "cpu"}))
    result = fit(network, prepare_project_data(project), project.training)
    document = ProjectDocument(project)
    document.set_weights(result.weights)
    panel = open_panel("", document=document)
    part = split_of(panel)
    p = class_one_probabilities(document, part)
    assert panel.result.auc == pytest.approx(hand_auc(p, part.y == 1), abs=1e-9)
    assert panel.result.auc > 0.95
    assert "benign" in panel.summary.text()  # class 1's name


def test_more_than_two_classes_show_the_one_vs_rest_auc_of_scikit_learn(open_panel):
    from sklearn.metrics import roc_auc_score

    panel = open_panel("digits_mlp")
    part = split_of(panel)
    with torch.no_grad():
        logits = engine_model(panel.document)(torch.from_numpy(part.x))
    probabilities = torch.softmax(logits.double(), 1).numpy()
    expected = roc_auc_score(part.y, probabilities, multi_class="ovr", average="macro")
    assert panel.result.auc == pytest.approx(expected, abs=1e-6)
    assert f"AUC (one vs rest) <b>{expected:.3f}</b>" in panel.summary.text()


def test_per_class_scores_equal_scikit_learns(open_panel):
    from sklearn.metrics import precision_recall_fscore_support

    panel = open_panel("digits_cnn")
    part = split_of(panel)
    with torch.no_grad():
        predicted = engine_model(panel.document)(torch.from_numpy(part.x)).argmax(1).numpy()
    precision, recall, f1, support = precision_recall_fscore_support(
        part.y, predicted, labels=range(10), zero_division=0)
    table = panel.table_values()
    assert np.allclose(table["Precision"], precision)
    assert np.allclose(table["Recall"], recall)
    assert np.allclose(table["F1"], f1)
    assert np.array_equal(table["Samples"], support)


@pytest.mark.parametrize("key", MULTICLASS)
def test_misclassified_images_are_listed_as_thumbnails(open_panel, key):
    panel = open_panel(key)
    part = split_of(panel)
    with torch.no_grad():
        predicted = engine_model(panel.document)(torch.from_numpy(part.x)).argmax(1).numpy()
    wrong = np.flatnonzero(predicted != part.y)
    assert panel.browser_stack.currentWidget() is panel.thumbnails
    assert panel.shown_samples() == wrong[:MAX_SHOWN].tolist()
    first = panel.thumbnails.item(0).text()
    index = wrong[0]
    assert first.startswith(f"#{index}: {part.y[index]} → {predicted[index]}")
    assert f"{len(wrong)} of {part.n_samples} samples" in panel.browser_label.text()
    assert colour_count(panel.thumbnails) > 10


def test_choosing_a_split_evaluates_that_split(open_panel, qtbot):
    panel = open_panel("spiral")
    combo = panel.split_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # test -> validation
    assert combo.currentData() == "validation"
    part = split_of(panel, "validation")
    assert panel.result.split == "validation"
    engine = evaluate(engine_model(panel.document), part)
    assert np.array_equal(panel.confusion, engine.confusion)
    assert panel.confusion.sum() == part.n_samples
    assert "validation set" in panel.browser_label.text()


def test_a_regression_lists_its_worst_predictions(open_panel):
    panel = open_panel("regression")
    part = split_of(panel)
    with torch.no_grad():
        out = engine_model(panel.document)(torch.from_numpy(part.x))[:, 0].numpy()
    errors = np.abs(out - part.y)
    assert panel.shown_samples() == np.argsort(-errors)[:WORST_SHOWN].tolist()
    x, y = panel.prediction_points.getData()
    assert np.allclose(x, part.y) and np.allclose(y, out, atol=1e-5)
    assert panel.summary.text().startswith("R² <b>")
    assert not panel.threshold_box.isVisible() and not panel.normalized_check.isVisible()


def test_new_weights_are_evaluated_again(open_panel, qtbot):
    from tests.gui.panels.inspection_support import scaled_weights

    panel = open_panel("spiral")
    before = panel.redraws
    panel.document.set_weights(scaled_weights(panel.document.weights, -1.0))
    qtbot.waitUntil(lambda: panel.redraws > before, timeout=3000)
    engine = evaluate(engine_model(panel.document), split_of(panel))
    assert np.array_equal(panel.confusion, engine.confusion)


def test_a_view_behind_another_tab_waits_and_catches_up_when_its_tab_is_chosen(qtbot, settings):
    from PySide6.QtWidgets import QDockWidget

    from nnstudio.core.examples import example_project
    from nnstudio.gui.document import ProjectDocument
    from nnstudio.gui.composition import build_window

    def before_close(window) -> None:
        window.training.controller.shutdown()
        window.document.undo_stack.setClean()
        window.document._unsaved = False

    window = build_window(ProjectDocument(example_project("spiral")), settings)
    qtbot.addWidget(window, before_close_func=before_close)
    window.resize(1300, 850)
    window.show()
    qtbot.waitExposed(window)
    network = window.panels["network_dock"]
    panel = window.panels["evaluation_dock"]
    qtbot.waitUntil(lambda: network.redraws > 0, timeout=5000)
    qtbot.wait(100)
    assert panel.isVisible() and not panel.is_shown()  # Qt calls a dock behind a tab visible
    assert panel.redraws == 0 and panel.stale
    window.findChild(QDockWidget, "evaluation_dock").raise_()
    qtbot.waitUntil(lambda: panel.redraws == 1 and not panel.stale, timeout=3000)
    part = panel.live.prepared.test
    engine = evaluate(engine_model(window.document), part)
    assert np.array_equal(panel.confusion, engine.confusion)


def test_double_clicking_a_mistake_follows_it_into_the_forward_pass_and_feature_maps(
        qtbot, settings):
    from PySide6.QtWidgets import QDockWidget

    from nnstudio.gui.composition import build_window

    def before_close(window) -> None:
        window.training.controller.shutdown()
        window.document.undo_stack.setClean()
        window.document._unsaved = False

    window = build_window(example_document("digits_cnn", 3), settings)
    qtbot.addWidget(window, before_close_func=before_close)
    window.resize(1300, 900)
    window.show()
    qtbot.waitExposed(window)
    panel = window.panels["evaluation_dock"]
    window.findChild(QDockWidget, "evaluation_dock").raise_()
    qtbot.waitUntil(lambda: panel.redraws > 0 and panel.thumbnails.count() > 3, timeout=5000)
    panel.choose_split("validation")
    item = panel.thumbnails.item(2)
    index = item.data(Qt.ItemDataRole.UserRole)
    viewport = panel.thumbnails.viewport()
    centre = panel.thumbnails.visualItemRect(item).center()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=centre)
    forward = window.panels["forward_dock"]
    maps = window.panels["feature_maps_dock"]
    sample = window.services.live.prepared.validation.x[index]
    assert forward.split_combo.currentData() == "validation"
    assert np.array_equal(forward.sample(), sample) and np.array_equal(maps.sample(), sample)
    qtbot.waitUntil(lambda: maps.is_shown() and maps.redraws > 0 and not maps.stale,
                    timeout=3000)
    assert np.array_equal(maps.image, sample)


def test_double_clicking_a_row_of_the_table_names_that_sample(open_panel, qtbot):
    panel = open_panel("spiral")
    chosen: list = []
    panel.sample_chosen.connect(lambda split, index: chosen.append((split, index)))
    table = panel.sample_table
    rect = table.visualItemRect(table.item(1, 2))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert chosen == [("test", panel.shown_samples()[1])]


def test_the_roc_y_axis_label_is_whole_in_a_short_panel(open_panel, qtbot):
    panel = open_panel("spiral")
    panel.resize(1000, 120)  # shorter than the plot allows: the panel scrolls or clips instead
    qtbot.waitUntil(lambda: panel.roc_plot.isVisible())
    QApplication.processEvents()
    axis = panel.roc_plot.getPlotItem().getAxis("left")
    assert axis.label.boundingRect().width() <= axis.geometry().height()


@pytest.mark.parametrize("key", ("spiral", "digits_mlp"))
def test_every_column_of_the_class_scores_is_whole_in_a_dock_840_wide(open_panel, qtbot, key):
    panel = open_panel(key)
    panel.resize(840, 620)  # the bottom dock of the first window on a 1366x768 screen
    QApplication.processEvents()
    table = panel.table
    header = table.horizontalHeader()
    assert header.length() <= table.viewport().width()
    for column in range(table.columnCount()):
        assert not table.isColumnHidden(column)
        assert header.sectionViewportPosition(column) + header.sectionSize(column) \
            <= table.viewport().width()
