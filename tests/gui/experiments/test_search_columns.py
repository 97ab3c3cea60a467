"""The Hyperparameter Search table on a 1366x768 screen: a dozen metric columns side by side,
the last one whole."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication


@pytest.fixture
def search_dialog(qtbot, make_document):
    from nnstudio.gui.experiments.search_dialog import SearchDialog

    document = make_document()
    dialog = SearchDialog(document)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_the_search_tables_last_column_can_be_seen_whole(qtbot, search_dialog):
    from nnstudio.engine.experiments import SearchResult, SearchTrial

    names = ["learning_rate", "batch_size", "l2"]
    metrics = {prefix + key: 0.123456 for prefix in ("", "val_")
               for key in ("loss", "accuracy", "precision", "recall", "f1", "auc")}
    result = SearchResult("val_accuracy", names)
    for index in range(4):
        result.trials.append(SearchTrial(index, {"learning_rate": 0.003, "batch_size": 16,
                                                 "l2": 0.0001}, metrics, {}, 12.34))
    search_dialog.show_result(result)
    screen = search_dialog.screen().availableGeometry()
    assert search_dialog.frameGeometry().width() <= screen.width()
    table = search_dialog.table
    header = table.horizontalHeader()
    last = header.count() - 1
    assert header.length() <= table.viewport().width()  # all 17 columns side by side
    assert header.sectionViewportPosition(last) + header.sectionSize(last) <= \
        table.viewport().width()
    assert table.model().headerData(11, Qt.Orientation.Horizontal) == "val.\naccuracy"
    table.horizontalScrollBar().setValue(table.horizontalScrollBar().maximum())
    QApplication.processEvents()
    right = header.sectionViewportPosition(last) + header.sectionSize(last)
    assert header.sectionViewportPosition(last) >= 0 and right <= table.viewport().width()
    assert header.sectionSize(last) >= header.sectionSizeHint(last)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(1) + 5, 5))
    assert header.isSortIndicatorShown() and header.sortIndicatorSection() == 1
