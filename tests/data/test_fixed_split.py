"""Fixed splits: a separate test/validation file or a split column decide exactly which rows
each part holds, with the inputs and classes of the training file."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nnstudio.core.errors import DataError, ProjectError
from nnstudio.core.project import load_project, save_project
from nnstudio.data.cli_new import run_new
from nnstudio.data.source import prepare_project_data


def write_table(path, rows, header="size,weight,colour,label"):
    path.write_text(header + "\n" + "".join(",".join(map(str, row)) + "\n" for row in rows))
    return path


def table_rows(n, start=0, colours=("red", "blue", "green")):
    # `size` is unique per row (start + i), so a row can be recognised after scaling.
    return [(start + i, round((i * 7 % 11) / 3, 3), colours[i % len(colours)],
             "yes" if i % 3 else "no") for i in range(n)]


def raw_inputs(part, prepared):
    """The prepared (scaled) inputs of a part, scaled back to the file's units."""
    pre = prepared.preprocessor
    return part.x * pre.scale + pre.shift


def new(tmp_path, *extra):
    project = tmp_path / "p.nnstudio"
    # `size` counts the rows, which the column checks leave out as a row id; keep it here.
    assert run_new(["--target", "label", "--features", "size,weight,colour", "-o",
                    str(project), *extra]) == 0
    return project


def test_a_test_file_becomes_exactly_the_test_split(tmp_path, capsys):
    write_table(tmp_path / "train.csv", table_rows(40))
    write_table(tmp_path / "test.csv", table_rows(13, start=1000, colours=("blue", "red")))
    project = new(tmp_path, "--data", str(tmp_path / "train.csv"),
                  "--test-data", str(tmp_path / "test.csv"))
    assert "13 test (test.csv)" in capsys.readouterr().out
    loaded = load_project(project)
    prepared = prepare_project_data(loaded.project, project)
    assert prepared.test.n_samples == 13
    sizes = raw_inputs(prepared.test, prepared)[:, 0]
    np.testing.assert_allclose(sizes, np.arange(1000, 1013), atol=1e-3)
    # Training and validation come from the training file only, 20% of it validation.
    assert (prepared.train.n_samples, prepared.validation.n_samples) == (32, 8)
    # The test file lacks "green": its one-hot input is all zeros there, in the same place.
    names = prepared.test.feature_names
    assert names == prepared.train.feature_names
    green = names.index("colour=green")
    np.testing.assert_allclose(raw_inputs(prepared.test, prepared)[:, green], 0, atol=1e-6)
    assert prepared.test.class_names == ("no", "yes")
    labels = [prepared.test.class_names[k] for k in prepared.test.y]
    assert labels == [row[3] for row in table_rows(13, start=1000)]


def test_a_validation_file_replaces_the_random_validation_share(tmp_path):
    write_table(tmp_path / "train.csv", table_rows(30))
    write_table(tmp_path / "valid.csv", table_rows(7, start=500))
    project = new(tmp_path, "--data", str(tmp_path / "train.csv"),
                  "--validation-data", str(tmp_path / "valid.csv"))
    data = load_project(project).project.data
    assert (data.validation, data.validation_file.path, data.test) == (0.0, "valid.csv", 0.2)
    prepared = prepare_project_data(load_project(project).project, project)
    np.testing.assert_allclose(raw_inputs(prepared.validation, prepared)[:, 0],
                               np.arange(500, 507), atol=1e-3)
    assert prepared.train.n_samples + prepared.test.n_samples == 30


def test_a_split_column_places_each_row_and_is_never_an_input(tmp_path):
    parts = ["train", "TEST", "Validation", "train", "test "] * 8
    rows = [(*row, part) for row, part in zip(table_rows(40), parts)]
    write_table(tmp_path / "all.csv", rows, header="size,weight,colour,label,part")
    project = new(tmp_path, "--data", str(tmp_path / "all.csv"), "--split-column", "part")
    loaded = load_project(project)
    assert loaded.project.data.split_column == "part"
    prepared = prepare_project_data(loaded.project, project)
    assert not any(name.startswith("part") for name in prepared.train.feature_names)
    test_sizes = [row[0] for row, part in zip(rows, parts) if part.strip().lower() == "test"]
    assert prepared.test.n_samples == len(test_sizes) == 16
    np.testing.assert_allclose(raw_inputs(prepared.test, prepared)[:, 0], test_sizes, atol=1e-3)
    valid_sizes = [row[0] for row, part in zip(rows, parts) if part == "Validation"]
    np.testing.assert_allclose(raw_inputs(prepared.validation, prepared)[:, 0], valid_sizes,
                               atol=1e-3)


def test_a_split_column_without_validation_rows_draws_them_from_the_train_rows(tmp_path):
    rows = [(*row, "test" if i % 4 == 0 else "train") for i, row in enumerate(table_rows(40))]
    write_table(tmp_path / "all.csv", rows, header="size,weight,colour,label,part")
    project = new(tmp_path, "--data", str(tmp_path / "all.csv"), "--split-column", "part")
    settings = load_project(project).project.data
    assert (settings.validation, settings.test) == (0.2, 0.0)
    prepared = prepare_project_data(load_project(project).project, project)
    assert prepared.test.n_samples == 10
    assert (prepared.train.n_samples, prepared.validation.n_samples) == (24, 6)


def test_an_unknown_split_value_is_refused_with_its_line(tmp_path, capsys):
    rows = [(*row, "train") for row in table_rows(10)]
    rows[6] = (*rows[6][:4], "holdout")
    write_table(tmp_path / "all.csv", rows, header="size,weight,colour,label,part")
    project = tmp_path / "p.nnstudio"
    code = run_new(["--data", str(tmp_path / "all.csv"), "--target", "label", "--split-column",
                    "part", "-o", str(project)])
    assert code == 2
    error = capsys.readouterr().err
    assert "line 8, column 'part': 'holdout' is not train, validation or test" in error
    assert not project.exists()


def test_a_class_or_category_the_training_file_never_has_is_refused(tmp_path, capsys):
    write_table(tmp_path / "train.csv", table_rows(20))
    write_table(tmp_path / "test.csv", [(1, 1.0, "red", "maybe"), *table_rows(5)])
    write_table(tmp_path / "test2.csv", [(1, 1.0, "purple", "yes"), *table_rows(5)])
    for test, expected in (("test.csv", "class 'maybe'"), ("test2.csv", "'purple'")):
        code = run_new(["--data", str(tmp_path / "train.csv"), "--target", "label",
                        "--test-data", str(tmp_path / test), "-o", str(tmp_path / "p.nnstudio")])
        assert code == 2
        error = capsys.readouterr().err
        assert test in error and expected in error and "training rows" in error


def test_a_changed_test_file_is_caught_by_its_checksum(tmp_path):
    write_table(tmp_path / "train.csv", table_rows(20))
    test = write_table(tmp_path / "test.csv", table_rows(5, start=100))
    project = new(tmp_path, "--data", str(tmp_path / "train.csv"), "--test-data", str(test))
    write_table(test, table_rows(6, start=100))
    with pytest.raises(DataError, match="test.csv.*changed"):
        prepare_project_data(load_project(project).project, project)


def test_a_test_file_outside_the_project_folder_needs_copy_data(tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    write_table(tmp_path / "train.csv", table_rows(20))
    write_table(outside / "test.csv", table_rows(5, start=100))
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "train.csv").write_text((tmp_path / "train.csv").read_text())
    args = ["--data", str(folder / "train.csv"), "--target", "label", "--test-data",
            str(outside / "test.csv"), "-o", str(folder / "p.nnstudio")]
    assert run_new(args) == 2
    assert "--copy-data" in capsys.readouterr().err
    (outside / "bad.csv").write_text("size,weight,colour,label\n1,2,red,maybe\n")
    bad = [*args[:5], str(outside / "bad.csv"), *args[6:], "--copy-data"]
    assert run_new(bad) == 2
    assert "'maybe'" in capsys.readouterr().err
    assert not (folder / "bad.csv").exists()  # a failed `new` leaves no copy behind
    assert run_new([*args, "--copy-data", "--force"]) == 0
    assert (folder / "test.csv").read_text() == (outside / "test.csv").read_text()
    assert load_project(folder / "p.nnstudio").project.data.test_file.path == "test.csv"


def test_fixed_splits_survive_a_save_and_open(tmp_path):
    write_table(tmp_path / "train.csv", table_rows(20))
    write_table(tmp_path / "test.csv", table_rows(5, start=100))
    project = new(tmp_path, "--data", str(tmp_path / "train.csv"),
                  "--test-data", str(tmp_path / "test.csv"))
    loaded = load_project(project)
    copy = tmp_path / "copy.nnstudio"
    save_project(copy, loaded.project)
    again = load_project(copy).project
    assert again.data == loaded.project.data
    assert again.data.split_kind == "files"


@pytest.mark.parametrize("change, message", [
    ({"test": 0.1}, "data.test: must be 0, since the test rows are fixed"),
    ({"split_column": "part"}, "data.split_column: .*not both"),
])
def test_contradicting_split_settings_are_refused_naming_the_field(tmp_path, change, message):
    write_table(tmp_path / "train.csv", table_rows(20))
    write_table(tmp_path / "test.csv", table_rows(5, start=100))
    project = new(tmp_path, "--data", str(tmp_path / "train.csv"),
                  "--test-data", str(tmp_path / "test.csv"))
    loaded = load_project(project).project
    bad = dataclasses.replace(loaded, data=dataclasses.replace(loaded.data, **change))
    with pytest.raises(ProjectError, match=message):
        save_project(tmp_path / "bad.nnstudio", bad)


def test_ordinal_inputs_of_a_test_file_are_numbered_as_in_the_training_file(tmp_path):
    # The test file lacks "blue", so its own sorted numbering of the colours would differ.
    write_table(tmp_path / "train.csv", table_rows(30))
    write_table(tmp_path / "test.csv", table_rows(9, start=100, colours=("red", "green")))
    project = new(tmp_path, "--data", str(tmp_path / "train.csv"), "--categorical", "ordinal",
                  "--test-data", str(tmp_path / "test.csv"))
    prepared = prepare_project_data(load_project(project).project, project)
    colour = prepared.test.feature_names.index("colour")
    codes = np.rint(raw_inputs(prepared.test, prepared)[:, colour]).astype(int)
    training_order = ("blue", "green", "red")
    assert [training_order[k] for k in codes] == [row[2] for row in table_rows(9, 100,
                                                                              ("red", "green"))]
