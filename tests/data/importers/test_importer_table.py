"""The format table and file data sources: one way in for the wizard, the CLI and projects."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from nnstudio.core.errors import DataError
from nnstudio.core.project import DataSource
from nnstudio.data.importers import (
    LOADERS,
    DataFileChanged,
    DataFileMissing,
    data_checksum,
    format_for_path,
    load_data_source,
    load_file,
)

CSV = "a,b,label\n1,2,no\n3,4,yes\n5,6,no\n"


def test_every_format_has_a_loader():
    assert set(LOADERS) == {"csv", "tsv", "npz", "npy", "images"}


def test_format_follows_the_extension_and_folders_are_images(tmp_path):
    assert format_for_path(tmp_path / "x.CSV") == "csv"
    assert format_for_path(tmp_path / "x.tsv") == "tsv"
    assert format_for_path(tmp_path / "x.npz") == "npz"
    assert format_for_path(tmp_path) == "images"
    with pytest.raises(DataError, match="reads .csv, .tsv, .npy and .npz files and image "
                                        "folders, not .xlsx files"):
        format_for_path(tmp_path / "x.xlsx")


def test_load_file_reads_csv_with_options_from_a_project(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(CSV)
    data = load_file(path, "csv", {"target": "label", "features": ["b"], "header": True})
    assert data.feature_names == ("b",)
    assert data.class_names == ("no", "yes")


def test_unknown_options_are_named(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(CSV)
    with pytest.raises(DataError, match="d.csv: options: unknown option 'colour'"):
        load_file(path, "csv", {"target": "label", "colour": "red"})


def test_load_file_reads_npz_npy_and_images_through_the_table(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.ones((4, 2)), y=np.array([0, 1, 0, 1]))
    assert load_file(tmp_path / "d.npz", None, {}).task == "binary"
    np.save(tmp_path / "t.npy", np.array([[1.0, 0.5], [2.0, 1.5]]))
    assert load_file(tmp_path / "t.npy", "npy", {"task": "regression"}).task == "regression"
    for name, shade in (("dark", 0), ("light", 255)):
        (tmp_path / "img" / name).mkdir(parents=True)
        Image.new("L", (5, 5), shade).save(tmp_path / "img" / name / "1.png")
    images = load_file(tmp_path / "img", None, {"size": [3, 3], "color": "grayscale"})
    assert images.x.shape == (2, 1, 3, 3)


def test_checksum_changes_with_content_for_files_and_folders(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(CSV)
    before = data_checksum(path)
    path.write_text(CSV + "7,8,yes\n")
    assert data_checksum(path) != before
    (tmp_path / "img" / "a").mkdir(parents=True)
    Image.new("L", (2, 2), 0).save(tmp_path / "img" / "a" / "1.png")
    folder = data_checksum(tmp_path / "img")
    Image.new("L", (2, 2), 9).save(tmp_path / "img" / "a" / "1.png")
    assert data_checksum(tmp_path / "img") != folder


def _source(tmp_path, relative="data/d.csv"):
    file = tmp_path / relative
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(CSV)
    return file, DataSource(kind="file", path=relative, sha256=data_checksum(file), format="csv",
                            options={"target": "label"})


def test_a_file_source_loads_relative_to_the_project(tmp_path):
    _, source = _source(tmp_path)
    data = load_data_source(source, tmp_path / "p.nnstudio")
    assert data.n_samples == 3 and data.name == "d"


def test_a_moved_file_says_where_it_was_expected(tmp_path):
    file, source = _source(tmp_path)
    file.rename(tmp_path / "elsewhere.csv")
    with pytest.raises(DataFileMissing, match=r"data file 'data/d.csv' was not found at .*data/"
                                              r"d\.csv: it may have been moved") as error:
        load_data_source(source, tmp_path / "p.nnstudio")
    assert error.value.path == tmp_path / "data" / "d.csv"


def test_a_changed_file_says_it_changed_and_can_be_read_anyway(tmp_path):
    file, source = _source(tmp_path)
    file.write_text(CSV + "7,8,yes\n")
    with pytest.raises(DataFileChanged, match="has changed since the project was saved"):
        load_data_source(source, tmp_path / "p.nnstudio")
    assert load_data_source(source, tmp_path / "p.nnstudio", verify=False).n_samples == 4
