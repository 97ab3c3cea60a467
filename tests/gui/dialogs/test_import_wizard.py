"""The import wizard, driven as a person would: type a path, change settings, choose columns,
click Next and Finish; the resulting Dataset and the options a project stores are checked.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from nnstudio.data.importers import ImportCancelled
from nnstudio.gui.dialogs import import_wizard
from nnstudio.gui.dialogs.import_wizard import ImportWizard

IRIS = "".join(
    ["sepal;petal;colour;species\n"]
    + [f"{i % 7},{i % 3};{i % 5},5;{('red', 'blue')[i % 2]};"
       f"{('setosa', 'versicolor', 'virginica')[i % 3]}\n" for i in range(60)]
)


@pytest.fixture
def wizard(qtbot):
    created = []

    def make(path: Path | None = None) -> ImportWizard:
        wizard = ImportWizard()
        qtbot.addWidget(wizard)
        wizard.show()
        qtbot.waitExposed(wizard)
        if path is not None:
            page = wizard.file_page
            qtbot.keyClicks(page.path_edit, str(path))
            # The preview follows once typing pauses.
            qtbot.waitUntil(lambda: page.format is not None or bool(page.error.text()),
                            timeout=3000)
        created.append(wizard)
        return wizard

    yield make
    for w in created:
        w.import_page.runner.stop_and_wait()


def click_next(qtbot, wizard: ImportWizard) -> None:
    button = wizard.button(QWizard.WizardButton.NextButton)
    assert button.isEnabled(), "Next is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def wait_until_read(qtbot, wizard: ImportWizard) -> None:
    page = wizard.import_page
    qtbot.waitUntil(lambda: page.dataset is not None or page.error.isVisible()
                    or "Stopped" in page.status.text(), timeout=10_000)


def test_typing_a_csv_path_previews_it_with_the_guessed_dialect(qtbot, wizard, tmp_path):
    path = tmp_path / "iris.csv"
    path.write_text(IRIS)
    w = wizard(path)
    page = w.file_page
    assert page.delimiter.currentData() == ";"
    assert page.decimal.currentData() == ","
    assert page.header.isChecked()
    model = page.table_model
    assert model.columnCount() == 4 and model.rowCount() == 50
    assert model.headerData(0, Qt.Orientation.Horizontal) == "sepal\n(number)"
    assert model.headerData(2, Qt.Orientation.Horizontal) == "colour\n(text)"
    assert model.index(1, 0).data() == "1,1"
    assert "about" not in page.summary.text() and "60 rows" in page.summary.text()


def test_changing_the_delimiter_updates_the_preview_and_errors_keep_the_choices(
        qtbot, wizard, tmp_path):
    path = tmp_path / "iris.csv"
    path.write_text(IRIS)
    w = wizard(path)
    page = w.file_page
    page.delimiter.setCurrentIndex(page.delimiter.findData(","))  # wrong: commas are decimals
    assert page.error.isVisible() and "decimal comma needs another delimiter" in page.error.text()
    page.decimal.setCurrentIndex(page.decimal.findData("."))
    assert "line 2 ('0,0;0,5;red;setosa') has 3 values, but the header has 1" in page.error.text()
    assert not w.button(QWizard.WizardButton.NextButton).isEnabled()
    assert page.table_model.columnCount() == 0
    page.delimiter.setCurrentIndex(page.delimiter.findData(";"))
    page.decimal.setCurrentIndex(page.decimal.findData(","))
    assert not page.error.isVisible()
    assert page.table_model.columnCount() == 4
    page.header.click()  # no header: the names become data
    assert page.table_model.headerData(0, Qt.Orientation.Horizontal).startswith("column 1\n")
    assert page.table_model.index(0, 3).data() == "species"
    page.header.click()
    assert page.table_model.headerData(0, Qt.Orientation.Horizontal) == "sepal\n(number)"


def test_choosing_target_features_and_options_then_finish_gives_the_dataset(
        qtbot, wizard, tmp_path):
    path = tmp_path / "iris.csv"
    path.write_text(IRIS)
    w = wizard(path)
    click_next(qtbot, w)
    columns = w.columns_page
    assert columns.target.currentText() == "species"  # its name says it is the label
    assert "its name, 'species', is a usual name" in columns.target_hint.text()
    assert columns.task.currentText() == "Automatic: multiclass classification"
    assert columns.chosen_features() == ["sepal", "petal", "colour"]
    # Untick "petal" by clicking its check box, and choose ordinal encoding.
    item = columns.features.item(1)
    rect = columns.features.visualItemRect(item)
    qtbot.mouseClick(columns.features.viewport(), Qt.MouseButton.LeftButton,
                     pos=rect.topLeft() + rect.bottomLeft() * 0 + _checkbox_offset(rect))
    assert columns.chosen_features() == ["sepal", "colour"]
    columns.categorical.setCurrentIndex(columns.categorical.findData("ordinal"))
    click_next(qtbot, w)
    wait_until_read(qtbot, w)
    data = w.dataset
    assert data is not None, w.import_page.error.text()
    assert data.feature_names == ("sepal", "colour")
    assert data.class_names == ("setosa", "versicolor", "virginica")
    assert data.n_samples == 60
    np.testing.assert_allclose(data.x[1], [1.1, 0.0])  # "1,1" with a decimal comma; blue=0
    assert w.import_page.progress.value() == 100
    assert "Read 60 samples" in w.import_page.status.text()
    assert w.source_options() == {
        "delimiter": ";", "quote_char": '"', "header": True, "decimal": ",",
        "encoding": "utf-8", "target": "species", "features": ["sepal", "colour"],
        "categorical": {"colour": "ordinal"}, "missing": "drop",
    }
    finish = w.button(QWizard.WizardButton.FinishButton)
    assert finish.isEnabled()
    qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    assert w.result() == QWizard.DialogCode.Accepted


def _checkbox_offset(rect):
    from PySide6.QtCore import QPoint

    return QPoint(10, rect.height() // 2)


def test_a_task_override_and_a_new_target(qtbot, wizard, tmp_path):
    path = tmp_path / "iris.csv"
    path.write_text(IRIS)
    w = wizard(path)
    click_next(qtbot, w)
    columns = w.columns_page
    columns.target.setCurrentIndex(columns.target.findText("sepal"))
    assert columns.chosen_features() == ["petal", "colour", "species"]
    columns.task.setCurrentIndex(columns.task.findData("regression"))
    click_next(qtbot, w)
    wait_until_read(qtbot, w)
    assert w.dataset.task == "regression"
    assert w.source_options()["task"] == "regression"


def test_a_bad_file_shows_the_error_with_its_line_and_back_keeps_the_choices(
        qtbot, wizard, tmp_path):
    lines = [f"{i},{i * 2},{i % 2}" for i in range(100)]
    lines[60] = "7,oops,1"
    path = tmp_path / "bad.csv"
    path.write_text("a,b,label\n" + "\n".join(lines) + "\n")
    w = wizard(path)
    click_next(qtbot, w)
    columns = w.columns_page
    columns.missing.setCurrentIndex(columns.missing.findData("median"))
    click_next(qtbot, w)
    wait_until_read(qtbot, w)
    error = w.import_page.error
    assert error.isVisible()
    assert "line 62, column 'b': 'oops' is not a number" in error.text()
    assert not w.button(QWizard.WizardButton.FinishButton).isEnabled()
    qtbot.mouseClick(w.button(QWizard.WizardButton.BackButton), Qt.MouseButton.LeftButton)
    assert w.currentId() == import_wizard.PAGE_COLUMNS
    assert columns.missing.currentData() == "median"  # nothing the person chose is lost
    assert columns.target.currentText() == "label"
    columns.set_features(["a"])  # leave the broken column out
    click_next(qtbot, w)
    wait_until_read(qtbot, w)
    assert w.dataset is not None and w.dataset.feature_names == ("a",)


def test_a_latin1_file_read_as_utf8_names_the_problem_and_latin1_fixes_it(
        qtbot, wizard, tmp_path):
    path = tmp_path / "cities.csv"
    rows = "".join(f"{i},{('Oslo', 'Zürich', 'Genève')[i % 3]}\n" for i in range(30))
    path.write_bytes(("v,city\n" + rows).encode("latin-1"))
    w = wizard(path)
    page = w.file_page
    assert page.encoding.currentData() == "latin-1"  # guessed
    page.encoding.setCurrentIndex(page.encoding.findData("utf-8"))
    assert page.error.isVisible() and "is not valid UTF-8" in page.error.text()
    assert 'choose the encoding "latin-1"' in page.error.text()
    page.encoding.setCurrentIndex(page.encoding.findData("latin-1"))
    click_next(qtbot, w)
    w.columns_page.set_features(["v"])  # it counts the rows, so the checks left it out
    click_next(qtbot, w)
    wait_until_read(qtbot, w)
    assert w.dataset.class_names == ("Genève", "Oslo", "Zürich")


def test_stop_cancels_a_slow_read_and_back_then_next_reads_again(
        qtbot, wizard, tmp_path, monkeypatch):
    path = tmp_path / "iris.csv"
    path.write_text(IRIS)
    started = threading.Event()

    def slow_load(path, format, options, progress, cancel, report):
        started.set()
        progress(0.3)
        while not cancel():
            threading.Event().wait(0.01)
        raise ImportCancelled(f"{path}: import cancelled")

    import nnstudio.data.importers as importers

    monkeypatch.setattr(importers, "load_file", slow_load)
    w = wizard(path)
    click_next(qtbot, w)
    click_next(qtbot, w)
    qtbot.waitUntil(started.is_set)
    qtbot.waitUntil(lambda: w.import_page.progress.value() == 30)
    qtbot.mouseClick(w.import_page.stop_button, Qt.MouseButton.LeftButton)
    wait_until_read(qtbot, w)
    assert "Stopped" in w.import_page.status.text()
    assert w.dataset is None
    monkeypatch.undo()
    qtbot.mouseClick(w.button(QWizard.WizardButton.BackButton), Qt.MouseButton.LeftButton)
    click_next(qtbot, w)
    wait_until_read(qtbot, w)
    assert w.dataset is not None


def test_cancel_while_reading_stops_the_worker(qtbot, wizard, tmp_path, monkeypatch):
    path = tmp_path / "iris.csv"
    path.write_text(IRIS)
    stopped = threading.Event()

    def endless(path, format, options, progress, cancel, report):
        while not cancel():
            threading.Event().wait(0.01)
        stopped.set()
        raise ImportCancelled("cancelled")

    import nnstudio.data.importers as importers

    monkeypatch.setattr(importers, "load_file", endless)
    w = wizard(path)
    click_next(qtbot, w)
    click_next(qtbot, w)
    qtbot.mouseClick(w.button(QWizard.WizardButton.CancelButton), Qt.MouseButton.LeftButton)
    assert stopped.is_set()  # done() waited for the worker
    assert not w.import_page.runner.is_running()


def test_an_npz_file_offers_its_arrays(qtbot, wizard, tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, inputs=np.ones((20, 3)), labels=np.arange(20) % 2, extra=np.zeros(4))
    w = wizard(path)
    page = w.file_page
    assert page.x_array.currentData() == "inputs" and page.y_array.currentData() == "labels"
    click_next(qtbot, w)
    assert not w.columns_page.target.isVisibleTo(w.columns_page)
    click_next(qtbot, w)
    wait_until_read(qtbot, w)
    assert w.dataset.task == "binary" and w.dataset.input_shape == (3,)
    assert w.source_options() == {"x": "inputs", "y": "labels"}


def test_an_image_folder_skips_the_columns_page(qtbot, wizard, tmp_path):
    from PIL import Image

    for name in ("cats", "dogs"):
        (tmp_path / "pets" / name).mkdir(parents=True)
        for k in range(2):
            image = Image.new("RGB", (10 + k, 8), (k * 50, 0, 0))
            image.save(tmp_path / "pets" / name / f"{k}.png")
    w = wizard(tmp_path / "pets")
    page = w.file_page
    assert "4 images in 2 classes: cats (2), dogs (2)" in page.summary.text()
    page.image_height.setValue(6)
    page.image_width.setValue(5)
    click_next(qtbot, w)
    assert w.currentId() == import_wizard.PAGE_IMPORT
    wait_until_read(qtbot, w)
    assert w.dataset.x.shape == (4, 1, 6, 5)
    assert w.source_options() == {"size": [6, 5], "color": "grayscale"}


def test_a_missing_path_disables_next(qtbot, wizard, tmp_path):
    w = wizard(tmp_path / "nope.csv")
    assert w.file_page.error.isVisible() and "not found" in w.file_page.error.text()
    assert not w.button(QWizard.WizardButton.NextButton).isEnabled()


def cancer_csv(path, rows=80):
    """An id column, a text category, text labels in the middle and a last float column."""
    lines = ["patient_id,clinic,radius,diagnosis,worst_fractal_dimension"]
    for i in range(rows):
        label = "BM"[(i * 5 % 7) % 2]
        lines.append(f"{9000 + i},{('north', 'south', 'east')[i % 3]},"
                     f"{(12 if label == 'B' else 14) + (i * 7 % 9) / 2},{label},"
                     f"{0.05 + (i * 13 % 17) / 200:.4f}")
    path.write_text("\n".join(lines) + "\n")
    return path


def item_named(columns, name):
    items = [columns.features.item(i) for i in range(columns.features.count())]
    return next(item for item in items if item.data(Qt.ItemDataRole.UserRole) == name)


def test_the_wizard_finds_the_label_leaves_the_id_out_says_why_and_encodes_per_column(
        qtbot, wizard, tmp_path):
    w = wizard(cancer_csv(tmp_path / "cancer.csv"))
    click_next(qtbot, w)
    columns = w.columns_page
    assert columns.target.currentText() == "diagnosis"
    assert "its name, 'diagnosis', is a usual name" in columns.target_hint.text()
    patient = item_named(columns, "patient_id")
    assert patient.checkState() == Qt.CheckState.Unchecked
    assert "left out: it looks like a row id" in patient.text()
    assert "tick it to keep it" in patient.toolTip()
    assert item_named(columns, "diagnosis").text() == "diagnosis  (the target)"
    assert columns.chosen_features() == ["clinic", "radius", "worst_fractal_dimension"]
    # Select the text column and choose ordinal for it alone, with the keyboard.
    clinic = item_named(columns, "clinic")
    rect = columns.features.visualItemRect(clinic)
    qtbot.mouseClick(columns.features.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert columns.column_encoding.isEnabled()
    assert columns.column_encoding.currentData() == "onehot"
    columns.column_encoding.setFocus()
    qtbot.keyClick(columns.column_encoding, Qt.Key.Key_Down)
    assert columns.column_encoding.currentData() == "ordinal"
    assert "ordinal" in item_named(columns, "clinic").text()
    click_next(qtbot, w)
    wait_until_read(qtbot, w)
    assert w.dataset is not None, w.import_page.error.text()
    assert w.dataset.feature_names == ("clinic", "radius", "worst_fractal_dimension")
    assert w.dataset.class_names == ("B", "M")
    status = w.import_page.status.text()
    assert "patient_id: left out, it looks like a row id" in status
    assert "clinic: ordinal, numbered in this order (east, north, south)" in status
    options = w.source_options()
    assert options["features"] == ["clinic", "radius", "worst_fractal_dimension"]
    assert options["categorical"] == {"clinic": "ordinal"}


def test_ticking_a_left_out_column_keeps_it(qtbot, wizard, tmp_path):
    w = wizard(cancer_csv(tmp_path / "cancer.csv"))
    click_next(qtbot, w)
    columns = w.columns_page
    patient = item_named(columns, "patient_id")
    rect = columns.features.visualItemRect(patient)
    qtbot.mouseClick(columns.features.viewport(), Qt.MouseButton.LeftButton,
                     pos=rect.topLeft() + _checkbox_offset(rect))
    assert columns.chosen_features()[0] == "patient_id"
    assert "left out" not in item_named(columns, "patient_id").text()
    click_next(qtbot, w)
    wait_until_read(qtbot, w)
    assert w.dataset.feature_names[0] == "patient_id"


def test_a_failed_read_shows_the_error_state_on_the_progress_bar(qtbot, wizard, tmp_path):
    rows = [f"{i % 9},{i * 0.5},{'xy'[i % 2]}" for i in range(120_000)]  # over 1 MB preview
    rows[-1] = "1,abc,x"
    path = tmp_path / "long.csv"
    path.write_text("a,b,label\n" + "\n".join(rows) + "\n")
    w = wizard(path)
    model = w.file_page.table_model
    # Only the start of the file was sampled: "number" is a guess until the whole is read.
    assert model.headerData(1, Qt.Orientation.Horizontal) == "b\n(number?)"
    assert "Guessed from the first" in model.headerData(1, Qt.Orientation.Horizontal,
                                                        Qt.ItemDataRole.ToolTipRole)
    click_next(qtbot, w)
    click_next(qtbot, w)
    wait_until_read(qtbot, w)
    page = w.import_page
    assert "line 120001, column 'b': 'abc' is not a number" in page.error.text()
    assert page.progress.format() == "Failed"
    assert page.progress.value() == page.progress.maximum()
    qtbot.mouseClick(w.button(QWizard.WizardButton.BackButton), Qt.MouseButton.LeftButton)
    w.columns_page.set_features(["a"])
    click_next(qtbot, w)
    assert page.progress.format() == "%p%"  # reading again shows progress again
    wait_until_read(qtbot, w)
    assert w.dataset is not None and w.dataset.n_samples == 120_000
    assert "Inputs (checked on the first " in page.status.text()  # not the whole file


def test_a_pandas_to_csv_file_keeps_its_header_and_its_index_is_left_out(qtbot, wizard,
                                                                        tmp_path):
    path = tmp_path / "frame.csv"  # df.to_csv(): an unnamed index, the only number column
    path.write_text(",colour,size,survived\n" + "".join(
        f"{i},{('red', 'blue')[i % 2]},{'SML'[i % 3]},{('no', 'yes')[i * 7 % 3 % 2]}\n"
        for i in range(30)))
    w = wizard(path)
    assert w.file_page.header.isChecked()
    click_next(qtbot, w)
    columns = w.columns_page
    assert columns.target.currentText() == "survived"
    index = item_named(columns, "column 1")
    assert index.checkState() == Qt.CheckState.Unchecked
    assert "as pandas writes its index" in index.text()
    assert columns.chosen_features() == ["colour", "size"]


def test_the_empty_preview_says_what_will_show_there_until_a_file_is_chosen(
        qtbot, wizard, tmp_path):
    path = tmp_path / "iris.csv"
    path.write_text(IRIS)
    w = wizard()
    page = w.file_page
    assert page.summary.isVisible() and "No file chosen yet" in page.summary.text()
    qtbot.keyClicks(page.path_edit, str(path))
    qtbot.waitUntil(lambda: page.format is not None, timeout=3000)
    assert "60 rows" in page.summary.text() and "No file" not in page.summary.text()
    page.path_edit.selectAll()
    qtbot.keyClick(page.path_edit, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: page.format is None, timeout=3000)
    assert "No file chosen yet" in page.summary.text()


def test_every_page_has_a_subtitle_so_the_header_looks_the_same_on_each(wizard):
    w = wizard()
    pages = [w.page(page_id) for page_id in w.pageIds()]
    assert len(pages) == 3
    assert all(page.title() and page.subTitle() for page in pages)
