"""Metrics checked against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nnstudio.engine.metrics import (
    ClassificationAccumulator,
    auc,
    confusion_matrix,
    regression_scores,
    roc_curve,
    scores_from_confusion,
)


def test_confusion_matrix_rows_are_true_classes_and_columns_predictions():
    target = torch.tensor([0, 0, 1, 2, 2, 2])
    predicted = torch.tensor([0, 1, 1, 2, 0, 2])
    expected = [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert confusion_matrix(predicted, target, 3).tolist() == expected


def test_binary_scores_are_those_of_the_positive_class():
    # 3 true positives, 1 false positive, 2 false negatives, 4 true negatives
    confusion = np.array([[4, 1], [2, 3]])
    scores = scores_from_confusion(confusion)
    assert scores["accuracy"] == pytest.approx(0.7)
    assert scores["precision"] == pytest.approx(3 / 4)
    assert scores["recall"] == pytest.approx(3 / 5)
    assert scores["f1"] == pytest.approx(2 * 0.75 * 0.6 / 1.35)


def test_multiclass_scores_are_macro_averages_over_classes_that_occur():
    confusion = np.array([[1, 1, 0, 0], [0, 1, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0]])
    scores = scores_from_confusion(confusion)
    precision = [1 / 2, 1 / 2, 1.0]
    recall = [1 / 2, 1.0, 2 / 3]
    f1 = [2 * p * r / (p + r) for p, r in zip(precision, recall)]
    assert scores["accuracy"] == pytest.approx(4 / 6)
    assert scores["precision"] == pytest.approx(np.mean(precision))
    assert scores["recall"] == pytest.approx(np.mean(recall))
    assert scores["f1"] == pytest.approx(np.mean(f1))


def test_scores_with_nothing_predicted_positive_are_zero_not_an_error():
    scores = scores_from_confusion(np.array([[5, 0], [3, 0]]))
    assert scores["precision"] == 0.0 and scores["f1"] == 0.0


def test_roc_curve_steps_through_each_distinct_score_and_auc_is_the_ranking_probability():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.55, 0.4, 0.4])
    target = np.array([1, 1, 0, 1, 0, 0, 1])
    fpr, tpr, thresholds = roc_curve(scores, target)
    assert fpr.tolist() == pytest.approx([0, 0, 0, 1 / 3, 1 / 3, 2 / 3, 1])
    assert tpr.tolist() == pytest.approx([0, 1 / 4, 2 / 4, 2 / 4, 3 / 4, 3 / 4, 1])
    assert thresholds[0] == np.inf and thresholds[-1] == 0.4
    # Pairs (positive, negative) ranked correctly, ties count half: 8.5 of 12.
    pairs = [(p, n) for p in scores[target == 1] for n in scores[target == 0]]
    ranking = np.mean([1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs])
    assert auc(fpr, tpr) == pytest.approx(ranking)


def test_roc_curve_of_a_single_class_is_empty_and_its_auc_undefined():
    fpr, tpr, _ = roc_curve(np.array([0.2, 0.9]), np.array([1, 1]))
    assert len(fpr) == 0 and np.isnan(auc(fpr, tpr))


def test_regression_scores_per_column_are_averaged():
    target = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]])
    predicted = target + np.array([[0.5, -2.0], [-0.5, 2.0], [0.5, -2.0], [-0.5, 2.0]])
    scores = regression_scores(predicted, target)
    assert scores["mse"] == pytest.approx((0.25 + 4.0) / 2)
    assert scores["mae"] == pytest.approx((0.5 + 2.0) / 2)
    r2_first = 1 - 4 * 0.25 / 5.0
    r2_second = 1 - 4 * 4.0 / 500.0
    assert scores["r2"] == pytest.approx((r2_first + r2_second) / 2)


def test_accumulated_batches_give_the_same_scores_as_one_pass():
    rng = np.random.default_rng(0)
    target = torch.tensor(rng.integers(0, 3, 50))
    predicted = torch.tensor(rng.integers(0, 3, 50))
    whole = ClassificationAccumulator(3, torch.device("cpu"))
    whole.update(torch.tensor(0.5), predicted, target)
    parts = ClassificationAccumulator(3, torch.device("cpu"))
    for start in range(0, 50, 16):
        parts.update(torch.tensor(0.5), predicted[start:start + 16], target[start:start + 16])
    assert parts.compute()[0] == pytest.approx(whole.compute()[0])
    assert np.array_equal(parts.compute()[1], whole.compute()[1])


def test_one_vs_rest_auc_averages_each_class_against_the_rest():
    from nnstudio.engine.metrics import one_vs_rest_auc

    def by_hand(probabilities, target):  # the share of (positive, negative) pairs ranked right
        areas = []
        for c in range(probabilities.shape[1]):
            positive, negative = probabilities[target == c, c], probabilities[target != c, c]
            if len(positive) and len(negative):
                areas.append(np.mean([(p > n) + 0.5 * (p == n)
                                      for p in positive for n in negative]))
        return np.mean(areas)

    target = np.array([0, 0, 1, 1, 2, 2])
    probabilities = np.array([[0.8, 0.1, 0.1], [0.3, 0.4, 0.3], [0.2, 0.7, 0.1],
                              [0.5, 0.3, 0.2], [0.1, 0.2, 0.7], [0.2, 0.2, 0.6]])
    assert one_vs_rest_auc(probabilities, target) == pytest.approx(by_hand(probabilities, target))
    # a class the targets lack has no curve and is left out of the mean
    assert one_vs_rest_auc(probabilities[:4], target[:4]) == pytest.approx(
        by_hand(probabilities[:4], target[:4]))
    assert by_hand(probabilities[:4], target[:4]) != by_hand(probabilities, target)


def test_one_vs_rest_auc_equals_scikit_learns():
    from sklearn.metrics import roc_auc_score

    from nnstudio.engine.metrics import one_vs_rest_auc

    rng = np.random.default_rng(3)
    target = rng.integers(0, 4, 200)
    logits = rng.normal(size=(200, 4)) + np.eye(4)[target]
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert one_vs_rest_auc(probabilities, target) == pytest.approx(
        roc_auc_score(target, probabilities, multi_class="ovr", average="macro"), abs=1e-12)
