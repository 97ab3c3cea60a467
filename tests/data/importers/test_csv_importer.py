"""CSV/TSV import: the dialect is guessed, every bad file gets a message with its place."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnstudio.core.errors import DataError
from nnstudio.data.importers import common
from nnstudio.data.importers.common import ImportCancelled, ImportReport
from nnstudio.data.importers.csv import CsvOptions, preview_csv, read_csv, sniff_csv


def write(tmp_path: Path, text: str, name: str = "data.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


IRIS = (
    "sepal length,petal width,species\n"
    "5.1,0.2,setosa\n"
    "7.0,1.4,versicolor\n"
    "6.3,2.5,virginica\n"
    "4.9,0.1,setosa\n"
)


def test_sniff_finds_comma_header_and_point_decimal(tmp_path):
    options = sniff_csv(write(tmp_path, IRIS))
    assert options == CsvOptions(delimiter=",", quote_char='"', header=True, decimal=".",
                                 encoding="utf-8")


def test_sniff_finds_semicolon_with_decimal_comma(tmp_path):
    path = write(tmp_path, "a;b;label\n1,5;2,25;x\n3,0;4,75;y\n-0,5;1,0;x\n")
    options = sniff_csv(path)
    assert (options.delimiter, options.decimal, options.header) == (";", ",", True)
    data = read_csv(path, options, "label")
    np.testing.assert_allclose(data.x, [[1.5, 2.25], [3.0, 4.75], [-0.5, 1.0]])


def test_sniff_finds_tabs_in_a_tsv_and_a_file_without_header(tmp_path):
    path = write(tmp_path, "1\t2\t0\n3\t4\t1\n5\t6\t0\n", name="data.tsv")
    options = sniff_csv(path)
    assert (options.delimiter, options.header) == ("\t", False)
    assert preview_csv(path, options).columns == ("column 1", "column 2", "column 3")


def test_sniff_finds_a_pipe_delimiter(tmp_path):
    assert sniff_csv(write(tmp_path, "a|b\n1|2\n3|4\n")).delimiter == "|"


def test_sniff_picks_latin1_for_a_file_that_is_not_utf8(tmp_path):
    path = write(tmp_path, "city,value\ncafé,1\nZürich,2\n", encoding="latin-1")
    assert sniff_csv(path).encoding == "latin-1"


def test_preview_shows_text_cells_missing_values_and_column_kinds(tmp_path):
    path = write(tmp_path, 'name,age,city\n"Smith, Ann",41,Oslo\nBob,,"Rome"\n')
    preview = preview_csv(path, sniff_csv(path), rows=50)
    assert preview.columns == ("name", "age", "city")
    assert preview.rows == (("Smith, Ann", "41", "Oslo"), ("Bob", None, "Rome"))
    assert preview.kinds == ("text", "number", "text")
    assert preview.estimated_rows == 2


def test_text_labels_give_sorted_class_names_and_multiclass_task(tmp_path):
    data = read_csv(write(tmp_path, IRIS), None, "species")
    assert data.task == "multiclass"
    assert data.class_names == ("setosa", "versicolor", "virginica")
    assert data.y.tolist() == [0, 1, 2, 0]
    assert data.feature_names == ("sepal length", "petal width")
    assert data.x.dtype == np.float32
    np.testing.assert_allclose(data.x[1], [7.0, 1.4], rtol=1e-6)


def test_zero_one_numbers_give_a_binary_task_and_many_decimals_a_regression(tmp_path):
    rows = "".join(f"{i},{i % 2},{i * 0.37:.3f}\n" for i in range(40))
    path = write(tmp_path, "a,label,price\n" + rows)
    binary = read_csv(path, None, "label")
    assert (binary.task, binary.class_names) == ("binary", ("0", "1"))
    regression = read_csv(path, None, "price", features=["a"])
    assert regression.task == "regression"
    np.testing.assert_allclose(regression.y[:3], [0.0, 0.37, 0.74], rtol=1e-5)


def test_the_task_can_be_overridden(tmp_path):
    rows = "".join(f"{i},{i % 3}\n" for i in range(30))
    path = write(tmp_path, "a,grade\n" + rows)
    assert read_csv(path, None, "grade").task == "multiclass"
    assert read_csv(path, None, "grade", task="regression").task == "regression"
    with pytest.raises(DataError, match='has 3 classes, but the task "binary" needs exactly 2'):
        read_csv(path, None, "grade", task="binary")


def test_text_target_cannot_be_a_regression_target(tmp_path):
    with pytest.raises(DataError, match="holds text, so it cannot be a regression target"):
        read_csv(write(tmp_path, IRIS), None, "species", task="regression")


def test_text_features_are_one_hot_or_ordinal_encoded(tmp_path):
    path = write(tmp_path, "size,colour,y\n1,red,0\n2,blue,1\n3,red,1\n4,green,0\n")
    onehot = read_csv(path, None, "y")
    assert onehot.feature_names == ("size", "colour=blue", "colour=green", "colour=red")
    assert onehot.x[:, 1:].tolist() == [[0, 0, 1], [1, 0, 0], [0, 0, 1], [0, 1, 0]]
    ordinal = read_csv(path, None, "y", categorical="ordinal")
    assert ordinal.feature_names == ("size", "colour")
    assert ordinal.x[:, 1].tolist() == [2, 0, 2, 1]  # blue=0, green=1, red=2


def test_features_are_taken_in_the_chosen_order(tmp_path):
    data = read_csv(write(tmp_path, IRIS), None, "species", features=["petal width"])
    assert data.feature_names == ("petal width",)
    assert data.x.shape == (4, 1)


MISSING = "a,b,colour,y\n1,10,red,0\n,20,red,1\n3,,blue,0\n5,40,,1\n7,40,red,\n9,40,red,1\n"


def test_rows_with_missing_values_are_dropped_and_reported(tmp_path):
    report = ImportReport()
    data = read_csv(write(tmp_path, MISSING), None, "y", report=report)
    assert data.feature_names == ("a", "b", "colour=red")  # blue only came in dropped rows
    assert data.x.tolist() == [[1, 10, 1], [9, 40, 1]]
    assert data.y.tolist() == [0, 1]
    assert report.rows_read == 6
    assert report.rows_dropped == 4
    assert report.missing == {"a": 1, "b": 1, "colour": 1, "y": 1}


@pytest.mark.parametrize(("method", "a_fill", "b_fill"), [
    ("mean", 4.5, 27.5), ("median", 4.0, 30.0), ("most_frequent", 1.0, 40.0),
])
def test_missing_values_are_filled_by_the_chosen_method(tmp_path, method, a_fill, b_fill):
    # The row without a target is always dropped first; the fills come from the rows kept:
    # a has 1, 3, 5, 9 and b has 10, 20, 40, 40 besides the gaps.
    report = ImportReport()
    data = read_csv(write(tmp_path, MISSING), None, "y", missing=method,
                    categorical="ordinal", report=report)
    assert data.x[:, 0].tolist() == [1, a_fill, 3, 5, 9]
    assert data.x[:, 1].tolist() == [10, 20, b_fill, 40, 40]
    assert data.x[:, 2].tolist() == [1, 1, 0, 1, 1]  # blue=0, red=1; the gap gets "red"
    assert report.rows_dropped == 1
    assert any("filled" in note for note in report.notes)


def test_quoted_values_may_hold_the_delimiter(tmp_path):
    data = read_csv(write(tmp_path, 'x,label\n1,"a, b"\n2,"c"\n3,"a, b"\n'), None, "label")
    assert data.class_names == ("a, b", "c")


def test_a_latin1_file_reads_with_its_encoding_and_keeps_accented_class_names(tmp_path):
    path = write(tmp_path, "v,city\n1,café\n2,Zürich\n3,café\n", encoding="latin-1")
    data = read_csv(path, CsvOptions(encoding="latin-1"), "city")
    assert data.class_names == ("Zürich", "café")


def test_progress_rises_to_one_and_cancel_stops_the_read(tmp_path):
    rows = "".join(f"{i},{i % 2}\n" for i in range(300_000))  # several 4 MB blocks? ~2.5 MB
    path = write(tmp_path, "a,y\n" + rows * 3)
    seen: list[float] = []
    data = read_csv(path, None, "y", progress=seen.append)
    assert data.n_samples == 900_000
    assert seen[-1] == 1.0
    assert seen == sorted(seen) and len(seen) >= 3
    with pytest.raises(ImportCancelled, match="import cancelled"):
        read_csv(path, None, "y", cancel=lambda: True)


# ---- bad input ----------------------------------------------------------------------------------


def test_an_empty_file_is_named_as_empty(tmp_path):
    path = write(tmp_path, "")
    with pytest.raises(DataError, match=r"data\.csv: the file is empty"):
        sniff_csv(path)
    with pytest.raises(DataError, match="the file is empty"):
        read_csv(path, CsvOptions(), "y")


def test_a_header_without_rows_says_so(tmp_path):
    with pytest.raises(DataError, match="has a header line but no data rows"):
        read_csv(write(tmp_path, "a,b,y\n"), CsvOptions(), "y")


def test_text_in_a_numeric_column_names_the_line_and_column_far_into_the_file(tmp_path):
    lines = [f"{i * 0.5},{i},{i % 2}" for i in range(200_000)]  # ~3 MB: past the sampled head
    lines[150_000] = "1.5,oops,1"
    path = write(tmp_path, "a,b,y\n" + "\n".join(lines) + "\n")
    with pytest.raises(DataError) as error:
        read_csv(path, None, "y")
    assert str(error.value) == (
        f"{path}: line 150002, column 'b': 'oops' is not a number, but the column holds "
        "numbers. Correct that cell (leave it empty if the value is unknown), or leave the "
        "column out."
    )


def test_text_in_a_numeric_column_near_the_top_is_found_too(tmp_path):
    rows = [f"{i},{i % 2}" for i in range(30)]
    rows[4] = "abc,1"
    with pytest.raises(DataError, match=r"line 6, column 'a': 'abc' is not a number"):
        read_csv(write(tmp_path, "a,y\n" + "\n".join(rows) + "\n"), None, "y")


def test_a_decimal_comma_in_a_point_file_suggests_the_decimal_setting(tmp_path):
    rows = [f"{i}.5,{i % 2}" for i in range(30)]
    rows[10] = '"3,5",1'
    with pytest.raises(DataError, match='line 12.*decimal separator ","'):
        read_csv(write(tmp_path, "a,y\n" + "\n".join(rows) + "\n"), CsvOptions(), "y")


def test_a_ragged_row_names_its_line_and_the_counts(tmp_path):
    path = write(tmp_path, "a,b,y\n1,2,0\n3,4,1\n5,6\n7,8,1\n")
    with pytest.raises(DataError, match=r"line 4 \('5,6'\) has 2 values, but the header has 3"):
        read_csv(path, None, "y")


def test_a_ragged_row_far_into_the_file_names_its_line(tmp_path):
    lines = [f"{i},{i},{i % 2}" for i in range(150_000)]
    lines[120_000] = "1,2,3,4"
    path = write(tmp_path, "a,b,y\n" + "\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"line 120002 \('1,2,3,4'\) has 4 values, but the "
                                        r"header has 3.*delimiter \(now comma\)"):
        read_csv(path, None, "y")


def test_a_non_utf8_file_read_as_utf8_names_line_column_byte_and_latin1(tmp_path):
    path = write(tmp_path, "v,city\n1,Oslo\n2,café\n", encoding="latin-1")
    with pytest.raises(DataError) as error:
        read_csv(path, CsvOptions(encoding="utf-8"), "city")
    message = str(error.value)
    assert "line 3, column 'city': byte 0xE9 is not valid UTF-8" in message
    assert 'choose the encoding "latin-1"' in message


def test_a_file_far_larger_than_memory_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "available_memory", lambda: 1000)
    path = write(tmp_path, IRIS + IRIS.split("\n", 1)[1] * 20)
    with pytest.raises(DataError, match=r"needs about .* of memory, but only 1\.0 KB is free"):
        read_csv(path, None, "species")


def test_a_target_with_one_class_is_refused(tmp_path):
    path = write(tmp_path, "a,y\n1,yes\n2,yes\n3,yes\n")
    with pytest.raises(DataError, match=r"target column 'y': has only one class \('yes'\)"):
        read_csv(path, None, "y")


def test_a_missing_target_column_lists_the_columns(tmp_path):
    with pytest.raises(DataError, match=r"there is no column 'label'; the columns are "
                                        r"'sepal length', 'petal width', 'species'"):
        read_csv(write(tmp_path, IRIS), None, "label")


def test_an_identifier_column_is_not_one_hot_encoded(tmp_path):
    rows = "".join(f"id{i},{i},{i % 2}\n" for i in range(150))
    with pytest.raises(DataError, match="column 'name' holds 150 different texts"):
        read_csv(write(tmp_path, "name,a,y\n" + rows), None, "y")


def test_an_infinite_value_names_its_line(tmp_path):
    with pytest.raises(DataError, match=r"line 3, column 'a': the value is infinite"):
        read_csv(write(tmp_path, "a,y\n1,0\ninf,1\n2,1\n"), None, "y")


def test_a_missing_file_says_not_found(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_csv(tmp_path / "nope.csv", None, "y")


def test_bad_options_name_the_option():
    with pytest.raises(DataError, match="delimiter: must be one character"):
        CsvOptions(delimiter=";;")
    with pytest.raises(DataError, match="decimal comma needs another delimiter"):
        CsvOptions(decimal=",")
    with pytest.raises(DataError, match="'klingon' is an unknown encoding"):
        CsvOptions(encoding="klingon")
    for codec in ("idna", "punycode"):  # the same check as a project file's (on 3.13 too)
        with pytest.raises(DataError, match=f"'{codec}' cannot read text files"):
            CsvOptions(encoding=codec)


def test_line_numbers_count_blank_lines_too(tmp_path):
    rows = [f"{i},{i % 2}" for i in range(30)]
    # header, blank, 10 rows (lines 3-12), 2 blanks, 20 rows (15-34), the bad row on line 35
    text = "a,y\n\n" + "\n".join(rows[:10]) + "\n\n\n" + "\n".join(rows[10:]) + "\nx,1\n"
    path = write(tmp_path, text)
    with pytest.raises(DataError, match=r"line 35, column 'a': 'x' is not a number"):
        read_csv(path, None, "y")
    path.write_text(text.replace("x,1", "inf,1"))
    with pytest.raises(DataError, match=r"line 35, column 'a': the value is infinite"):
        read_csv(path, None, "y")
