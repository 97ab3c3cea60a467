"""Odd and hostile files given as CSV: binary data, other text encodings, line breaks, huge
widths and values. Each is read, or refused with one clear line naming the file."""

from __future__ import annotations

import gzip
import io
import warnings
import zipfile

import numpy as np
import pytest

from nnstudio.core.errors import DataError
from nnstudio.data.importers import load_file, preview_csv, read_csv, sniff_csv
from nnstudio.data.importers.csv import MAX_CELL_BYTES, MAX_COLUMNS

TABLE = "a,b,label\n" + "".join(f"{i % 7},{i * 0.5},{'xy'[i % 2]}\n" for i in range(20))


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("table.csv", TABLE)
    return buffer.getvalue()


@pytest.mark.parametrize("content, what", [
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "binary data at byte 0 (a PNG image)"),
    (gzip.compress(TABLE.encode()), "binary data at byte 0 (gzip-compressed data; decompress"),
    (_zip_bytes(), "binary data at byte 0 (a zip archive"),
    (b"a,b\n1,2\n3,\x00\x01\x02\n", "binary data at byte 10"),
])
def test_binary_files_renamed_to_csv_are_refused_as_such(tmp_path, content, what):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(DataError) as error:
        load_file(path, options={"target": "b"})
    assert str(error.value).startswith(f"{path} is not a text table: {what}")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig", "latin-1"])
def test_other_text_encodings_are_detected_and_read_the_same(tmp_path, encoding):
    text = TABLE.replace("x\n", "é\n")
    path = tmp_path / "data.csv"
    path.write_bytes(text.encode(encoding))
    dataset = load_file(path, options={"target": "label"})
    assert dataset.class_names == ("y", "é")
    assert dataset.feature_names == ("a", "b") and dataset.n_samples == 20
    assert sniff_csv(path).header


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_an_encoding_that_needs_a_byte_order_mark_is_refused_by_name_on_a_file_without_one(
        tmp_path, encoding):
    path = tmp_path / "data.csv"
    path.write_text(TABLE)
    with pytest.raises(DataError) as error:
        load_file(path, options={"target": "label", "encoding": encoding})
    assert str(error.value).startswith(f"{path} cannot be read as {encoding}")
    assert "utf-16-le" in str(error.value)


def test_quoted_newlines_stay_inside_their_cell(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text('a,note,label\n1,"two\nlines",x\n2,"one",y\n3,"x",x\n')
    preview = preview_csv(path)
    assert preview.rows[0] == ("1", "two\nlines", "x") and preview.sampled_rows == 3
    dataset = load_file(path, options={"target": "label", "categorical": {"note": "ordinal"}})
    assert dataset.n_samples == 3 and dataset.x[:, 1].tolist() == [1, 0, 2]


def test_a_file_with_cr_line_breaks_that_does_not_parse_gives_one_clear_line(tmp_path):
    path = tmp_path / "cr.csv"
    path.write_bytes(b"a,b,label\r1,2\r3,4,y,9\r")
    with pytest.raises(DataError) as error:
        load_file(path, options={"target": "label"})
    message = str(error.value)
    assert message.startswith(f"{path}: line 2 ('1,2') has 2 values, but the header has 3")
    assert "\n" not in message


def test_a_file_with_cr_line_breaks_reads(tmp_path):
    path = tmp_path / "cr.csv"
    path.write_bytes(TABLE.replace("\n", "\r").encode())
    assert load_file(path, options={"target": "label"}).n_samples == 20


def test_a_table_wider_than_the_bound_is_refused_at_once_naming_the_bound(tmp_path):
    path = tmp_path / "wide.csv"
    width = 100_000
    path.write_text(",".join(f"c{j}" for j in range(width)) + "\n" + ",".join("1" * width) + "\n")
    with pytest.raises(DataError, match=f"the first line has 100,000 columns; NN Studio reads "
                                        f"tables of at most {MAX_COLUMNS:,} columns"):
        load_file(path, options={"target": "c1"})


def test_a_huge_cell_is_refused_naming_the_bound(tmp_path):
    path = tmp_path / "cell.csv"
    path.write_text("a,label\n" + "x" * (MAX_CELL_BYTES + 1) + ",y\n1,x\n")
    with pytest.raises(DataError, match="column 'a' holds a cell of 65.5 KB; NN Studio reads "
                                        "cells of at most 65.5 KB"):
        preview_csv(path)


@pytest.mark.parametrize("value", ["1e400", "1e300", "-1e39"])
def test_a_value_beyond_float32_gives_the_message_without_numpy_warnings(tmp_path, value):
    path = tmp_path / "big.csv"
    path.write_text(TABLE + f"3,{value},x\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning would fail here
        with pytest.raises(DataError, match=r"line 22, column 'b': the value is infinite or "
                                            r"too large \(beyond ±3.4e38\)"):
            load_file(path, options={"target": "label"})


def test_pandas_index_column_makes_the_header_row_recognised(tmp_path):
    path = tmp_path / "frame.csv"  # df.to_csv(): an unnamed index, the only number column
    path.write_text(",name,sex\n" + "".join(f"{i},p{i % 4},{'mf'[i % 2]}\n" for i in range(10)))
    options = sniff_csv(path)
    assert options.header
    assert preview_csv(path, options).columns == ("column 1", "name", "sex")


def test_categorical_per_column_one_hot_encodes_a_number_column_and_is_validated(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(TABLE)
    dataset = read_csv(path, target="label", categorical={"a": "onehot"})
    assert dataset.feature_names[:2] == ("a=0", "a=1") and dataset.feature_names[-1] == "b"
    np.testing.assert_array_equal(dataset.x[:7, :7], np.eye(7))
    for bad, message in (({"a": "ordinal"}, "'a' holds numbers"),
                         ({"a": "hex"}, "categorical: a: must be one of onehot, ordinal"),
                         ({"zz": "onehot"}, "'zz' is not one of the input columns"),
                         (5, "categorical: must be onehot, ordinal or one of them per column")):
        with pytest.raises(DataError, match=message):
            read_csv(path, target="label", categorical=bad)
    with pytest.raises(DataError, match="features: must be a list of column names"):
        read_csv(path, target="label", features=5)
