"""The Data View shows the right numbers: table cells, statistics, scatter points, class bars,
image grid and the sanity-check warnings, for an imported CSV and for images."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.data.builtin import load_builtin
from nnstudio.data.dataset import Dataset
from nnstudio.data.importers import ImportReport, read_csv
from nnstudio.gui.panels.data_view_panel import MAX_SCATTER_POINTS, DataViewPanel


@pytest.fixture
def panel(qtbot):
    widget = DataViewPanel()
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def flowers(tmp_path):
    rows = ["length,width,colour,kind"]
    rng = np.random.default_rng(0)
    for i in range(90):
        kind = ("rose", "tulip", "daisy")[i % 3] if i < 84 else "rose"
        rows.append(f"{rng.normal(5, 1):.3f},{rng.normal(2, 0.5):.3f},"
                    f"{('red', 'white')[i % 2]},{kind}")
    rows[5] = "4.5,,red,rose"  # one gap, dropped on import
    path = tmp_path / "flowers.csv"
    path.write_text("\n".join(rows) + "\n")
    report = ImportReport()
    return read_csv(path, None, "kind", report=report), report


def visible_tabs(panel) -> list[str]:
    return [panel.tabs.tabText(i) for i in range(panel.tabs.count()) if panel.tabs.isTabVisible(i)]


def test_an_imported_csv_fills_title_table_and_statistics(panel, flowers):
    data, report = flowers
    panel.set_dataset(data, report)
    assert panel.title.text() == ("flowers: 89 samples · 4 inputs · multiclass, 3 classes")
    assert visible_tabs(panel) == ["Table", "Scatter", "Scatter Matrix", "Classes", "Statistics"]
    model = panel.table_model
    assert model.rowCount() == 89 and model.columnCount() == 5
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(5)] == [
        "length", "width", "colour=red", "colour=white", "target"]
    assert model.index(0, 0).data() == f"{data.x[0, 0]:.4g}"
    assert model.index(0, 4).data() == data.class_names[data.y[0]]
    stats = panel.stats_model
    assert [stats.index(r, 0).data() for r in range(stats.rowCount())] == list(data.feature_names)
    assert stats.index(0, 1).data() == f"{data.x[:, 0].min():.4g}"
    assert stats.index(0, 3).data() == f"{data.x[:, 0].astype(np.float64).mean():.4g}"
    assert stats.index(1, 5).data() == "1"  # "width" had one missing value in the file
    assert stats.index(0, 5).data() == "–"


def test_the_table_view_shows_the_model(panel, flowers):
    data, report = flowers
    panel.set_dataset(data, report)
    panel.show_tab("table")
    assert panel.table.model().rowCount() == 89
    assert panel.table.isVisible()


def test_scatter_draws_every_sample_coloured_by_class_and_follows_the_axes(panel, flowers):
    data, report = flowers
    panel.set_dataset(data, report)
    panel.show_tab("scatter")
    assert panel.scatter_points() == 89
    assert len(panel._scatter_items) == 3  # one item (and legend entry) per class
    first = panel._scatter_items[0]
    np.testing.assert_allclose(sorted(first.data["x"]), sorted(data.x[data.y == 0, 0]),
                               rtol=1e-6)
    panel.set_axes("width", "colour=red")
    assert panel.scatter_plot.getAxis("bottom").labelText == "width"
    assert panel.scatter_plot.getAxis("left").labelText == "colour=red"
    np.testing.assert_allclose(sorted(panel._scatter_items[0].data["y"]),
                               sorted(data.x[data.y == 0, 2]))


def test_a_large_dataset_draws_a_sample_and_says_so(panel):
    rng = np.random.default_rng(1)
    n = MAX_SCATTER_POINTS * 2
    data = Dataset("big", rng.normal(size=(n, 3)), np.arange(n) % 2, "binary", (), ("a", "b"))
    panel.set_dataset(data)
    assert panel.scatter_points() == MAX_SCATTER_POINTS
    assert f"{MAX_SCATTER_POINTS:,} of {n:,} samples shown" in panel.scatter_note.text()
    assert panel.table_model.rowCount() == n


def test_scatter_matrix_has_a_plot_per_pair_of_the_first_inputs(panel, flowers):
    data, _ = flowers
    panel.set_dataset(data)
    assert len(panel.matrix_plots) == 16  # 4 inputs → 4 × 4
    assert panel.matrix_plots[(3, 0)].getAxis("bottom").labelText == "length"


def test_class_bars_show_the_counts_and_imbalance_is_warned(panel, flowers):
    data, report = flowers
    panel.set_dataset(data, report)
    assert panel.balance_counts.tolist() == data.class_counts().tolist()
    ticks = panel.balance_plot.getAxis("bottom")._tickLevels[0]
    assert [text for _, text in ticks] == [f"{name}\n{count}" for name, count in
                                           zip(data.class_names, data.class_counts())]
    checks = [panel.warning_list.item(i).data(Qt.ItemDataRole.UserRole)
              for i in range(panel.warning_list.count())]
    assert "missing" in checks
    assert panel.warning_list.isVisible()


def test_imbalanced_data_shows_the_f1_hint(panel):
    rng = np.random.default_rng(2)
    data = Dataset("rare", rng.normal(size=(100, 2)), np.array([0] * 95 + [1] * 5), "binary",
                   (), ("common", "rare"))
    panel.set_dataset(data)
    texts = [panel.warning_list.item(i).text() for i in range(panel.warning_list.count())]
    assert any("imbalanced" in t and "F1" in t for t in texts)
    assert any("fewer than 10 samples: 'rare' (5)" in t for t in texts)


def test_images_get_a_grid_per_class_and_no_table(panel):
    digits = load_builtin("digits")
    panel.set_dataset(digits)
    assert visible_tabs(panel) == ["Images", "Classes", "Statistics"]
    assert panel.image_count() == 10 * 8
    assert panel.stats_model.rowCount() == 1 and panel.stats_model.index(0, 0).data() == \
        "all pixels"


def test_regression_shows_the_target_spread_and_statistics(panel):
    data = load_builtin("diabetes")
    panel.set_dataset(data)
    assert "Target" in visible_tabs(panel)
    assert int(panel.balance_counts.sum()) == data.n_samples
    last = panel.stats_model.rowCount() - 1
    assert panel.stats_model.index(last, 0).data() == "target"
    assert panel.stats_model.index(last, 2).data() == f"{float(data.y.max()):.4g}"
    assert panel.scatter_points() == data.n_samples


def test_clear_and_messages(panel, flowers):
    from PySide6.QtWidgets import QPushButton

    data, _ = flowers
    panel.set_dataset(data)
    panel.clear("Nothing to show.")
    assert panel.title.text() == "Nothing to show." and visible_tabs(panel) == []
    panel.show_message("The file moved.", [QPushButton("Locate…")])
    assert panel.message.isVisible() and panel.message.text() == "The file moved."
    panel.show_message("")
    assert not panel.message.isVisible()


# ---- in the main window -------------------------------------------------------------------------

CSV = "".join(["a,b,c,label\n"] + [f"{i % 5},{i % 7 * 0.5},{(i * 3) % 11},{('no', 'yes')[i % 2]}\n"
                                    for i in range(60)])


@pytest.fixture
def data_window(qtbot, make_document, settings):
    from nnstudio.gui.composition import build_window

    windows = []

    def make(document=None):
        window = build_window(document or make_document(), settings, panels=("data_view_dock",),
                              menus=False)
        window.resize(1200, 800)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:  # closed here, not by qtbot: unsaved changes would ask first
        window.data_view.stop()
        window.document.undo_stack.setClean()
        window.document._unsaved = False
        window.close()
        window.deleteLater()


def wait_for_data(qtbot, controller, start: str) -> None:
    qtbot.waitUntil(lambda: controller.panel.title.text().startswith(start)
                    or controller.panel.message.isVisible(), timeout=10_000)


def drive_wizard(qtbot, path):
    """Go through the wizard as a person would; returns it ready to be accepted."""
    from PySide6.QtWidgets import QDialog, QWizard

    from nnstudio.gui.dialogs.import_wizard import ImportWizard

    wizard = ImportWizard()
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.keyClicks(wizard.file_page.path_edit, str(path))
    qtbot.waitUntil(lambda: wizard.file_page.format is not None, timeout=3000)
    for _ in range(2):
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.dataset is not None, timeout=10_000)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)
    wizard.exec = lambda: QDialog.DialogCode.Accepted  # it was just finished, not shown again
    return wizard


def test_the_window_gets_import_data_and_the_data_view_of_the_project(qtbot, data_window):
    window = data_window()
    names = [a.objectName() for a in window.menu("File").actions()]
    assert "import_data_action" in names
    assert names.index("import_data_action") < [a.menu() for a in
                                                window.menu("File").actions()].index(
        window.menu("Export")) if "Export" in window._menus else True
    wait_for_data(qtbot, window.data_view, "Circle")
    assert window.data_view.panel.title.text().startswith("Circle: 500 samples")


def test_importing_a_csv_points_the_project_at_it_and_offers_a_fitting_network(
        qtbot, data_window, tmp_path, user):
    from PySide6.QtWidgets import QMessageBox

    from nnstudio.data.importers import data_checksum
    from nnstudio.gui.panels.data_view_panel import import_data

    window = data_window()
    assert window.document.save(tmp_path / "p.nnstudio") is None
    data = tmp_path / "d.csv"
    data.write_text(CSV)
    wizard = drive_wizard(qtbot, data)
    seen: list[str] = []
    user.answer_next_dialog(QMessageBox.StandardButton.Yes, seen)  # replace the network
    assert import_data(window, window.data_view, wizard=wizard)
    source = window.document.project.data.source
    assert (source.kind, source.path, source.format) == ("file", "d.csv", "csv")
    assert source.sha256 == data_checksum(data)
    assert source.options["target"] == "label"
    panel = window.data_view.panel
    assert panel.title.text() == "d.csv: 60 samples · 3 inputs · binary, 2 classes"
    assert "does not fit" in seen[0]
    shape = window.document.network.input_nodes()[0].params["shape"]
    assert tuple(shape) == (3,)
    window.document.undo_stack.undo()
    assert tuple(window.document.network.input_nodes()[0].params["shape"]) == (2,)
    assert window.document.is_dirty


def test_a_file_outside_the_project_folder_is_copied_in_when_asked(
        qtbot, data_window, tmp_path, user, make_document):
    from PySide6.QtWidgets import QMessageBox

    from nnstudio.core.network import chain
    from nnstudio.gui.panels.data_view_panel import import_data

    (tmp_path / "project").mkdir()
    (tmp_path / "downloads").mkdir()
    fitting = chain(("input", {"shape": (3,)}), ("dense", {"units": 1, "activation": "sigmoid"}))
    window = data_window(make_document(fitting))  # fits the data: no offer of a new network
    window.document.save(tmp_path / "project" / "p.nnstudio")
    data = tmp_path / "downloads" / "d.csv"
    data.write_text(CSV)
    wizard = drive_wizard(qtbot, data)
    user.answer_next_dialog(QMessageBox.StandardButton.Yes)  # copy it
    assert import_data(window, window.data_view, wizard=wizard)
    assert (tmp_path / "project" / "d.csv").read_text() == CSV
    assert window.document.project.data.source.path == "d.csv"


def test_a_moved_data_file_is_reported_and_can_be_located(
        qtbot, data_window, tmp_path, user, make_document):
    import dataclasses

    from PySide6.QtWidgets import QMessageBox

    from nnstudio.core.project import DataSource
    from nnstudio.data.importers import data_checksum

    data = tmp_path / "d.csv"
    data.write_text(CSV)
    document = make_document()
    source = DataSource(kind="file", path="d.csv", sha256=data_checksum(data), format="csv",
                        options={"target": "label"})
    document.set_data_config(dataclasses.replace(document.project.data, source=source))
    assert document.save(tmp_path / "p.nnstudio") is None
    (tmp_path / "moved").mkdir()
    data.rename(tmp_path / "moved" / "d.csv")
    window = data_window(document)
    controller = window.data_view
    controller.ask_data_path = lambda name, folder: str(tmp_path / "moved" / "d.csv")
    seen: list[str] = []
    user.answer_next_dialog(QMessageBox.StandardButton.Open, seen)  # "Locate…"
    document.open(tmp_path / "p.nnstudio")
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    assert "data file 'd.csv' was not found" in seen[0]
    wait_for_data(qtbot, controller, "d.csv: 60 samples")
    assert window.document.project.data.source.path == "moved/d.csv"
    assert not controller.panel.message.isVisible()


def test_a_changed_data_file_asks_and_can_be_accepted(
        qtbot, data_window, tmp_path, user, make_document):
    import dataclasses

    from PySide6.QtWidgets import QMessageBox

    from nnstudio.core.project import DataSource
    from nnstudio.data.importers import data_checksum

    data = tmp_path / "d.csv"
    data.write_text(CSV)
    document = make_document()
    source = DataSource(kind="file", path="d.csv", sha256=data_checksum(data), format="csv",
                        options={"target": "label"})
    document.set_data_config(dataclasses.replace(document.project.data, source=source))
    document.save(tmp_path / "p.nnstudio")
    data.write_text(CSV + "1,1,1,yes\n")
    window = data_window(document)
    controller = window.data_view
    seen: list[str] = []
    user.answer_next_dialog(QMessageBox.StandardButton.Cancel, seen)  # "Not Now"
    document.open(tmp_path / "p.nnstudio")
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    assert "has changed since the project was saved" in seen[0]
    assert controller.panel.message.isVisible()
    button = controller.panel.findChild(type(controller.panel.message_buttons.itemAt(1).widget()),
                                        "accept_changed_button")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    wait_for_data(qtbot, controller, "d.csv: 61 samples")
    assert window.document.project.data.source.sha256 == data_checksum(data)


def test_a_long_column_name_ends_in_an_ellipsis_instead_of_being_cut_on_both_sides(
        panel, tmp_path):
    path = tmp_path / "visits.csv"
    rows = ["Patient age (years at the first visit),kind"]
    rows += [f"{20 + i},{('a', 'b')[i % 2]}" for i in range(20)]
    path.write_text("\n".join(rows) + "\n")
    report = ImportReport()
    panel.set_dataset(read_csv(path, None, "kind", report=report), report)
    header = panel.table.horizontalHeader()
    left, width = header.sectionViewportPosition(0), header.sectionSize(0)
    assert header.fontMetrics().horizontalAdvance(panel.table_model.headerData(
        0, Qt.Orientation.Horizontal)) > width  # the name is longer than its column
    image = header.viewport().grab().toImage()
    # Centred and clipped, the name's letters touch the column's left edge; elided at its
    # end, it starts after the section's margin.
    edge = [image.pixelColor(x, y).lightness() for x in range(left + 1, left + 4)
            for y in range(2, header.height() - 2)]
    assert min(edge) > 140


def test_scatter_matrix_labels_are_cut_short_so_long_names_do_not_overlap(panel, tmp_path):
    path = tmp_path / "visits.csv"
    rows = ["Patient age (years at the first visit),Blood pressure systolic mmHg,bmi,kind"]
    rows += [f"{20 + i},{100 + 3 * i},{22 + i % 5},{('a', 'b')[i % 2]}" for i in range(20)]
    path.write_text("\n".join(rows) + "\n")
    report = ImportReport()
    panel.set_dataset(read_csv(path, None, "kind", report=report), report)
    left = [panel.matrix_plots[(row, 0)].getAxis("left").labelText for row in range(3)]
    bottom = [panel.matrix_plots[(2, column)].getAxis("bottom").labelText for column in range(3)]
    assert left == bottom == ["Patient age (…", "Blood pressur…", "bmi"]
