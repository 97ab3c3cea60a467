"""The bundled real datasets: contents, caching and clear errors for broken files."""

import re

import numpy as np
import pytest

from nnstudio.core.errors import DataError
from nnstudio.data import bundled
from nnstudio.data.resources import RESOURCES_ENV, resources_dir


def test_digits_are_1797_one_channel_8x8_images_in_ten_classes_scaled_to_unit_range():
    data = bundled.load_digits()
    assert data.x.shape == (1797, 1, 8, 8) and data.x.dtype == np.float32
    assert data.input_shape == (1, 8, 8)
    assert data.task == "multiclass" and data.n_classes == 10 and data.output_size == 10
    assert data.class_names == tuple("0123456789")
    assert data.x.min() == 0.0 and data.x.max() == 1.0
    assert (data.class_counts() >= 170).all()
    assert data.feature_names[:2] == ("pixel_0_0", "pixel_0_1")


def test_first_digit_is_a_zero_with_a_hollow_middle():
    data = bundled.load_digits()
    assert data.y[0] == 0
    image = data.x[0, 0]
    # A zero: ink on the left and right of the middle rows, none in the centre.
    assert image[3:5, 3:5].max() < 0.2
    assert image[3:5, 1:3].max() > 0.5 and image[3:5, 5:7].max() > 0.5


def test_iris_has_three_species_of_fifty_with_fishers_first_flower():
    data = bundled.load_iris()
    assert data.x.shape == (150, 4)
    assert data.class_names == ("setosa", "versicolor", "virginica")
    np.testing.assert_array_equal(data.class_counts(), [50, 50, 50])
    np.testing.assert_allclose(data.x[0], [5.1, 3.5, 1.4, 0.2], rtol=1e-6)
    assert data.feature_names[0] == "sepal length (cm)"


def test_wine_has_thirteen_measurements_and_three_cultivars():
    data = bundled.load_wine()
    assert data.x.shape == (178, 13) and data.task == "multiclass"
    np.testing.assert_array_equal(data.class_counts(), [59, 71, 48])
    assert data.feature_names[-1] == "proline"


def test_breast_cancer_is_binary_with_212_malignant_and_357_benign():
    data = bundled.load_breast_cancer()
    assert data.x.shape == (569, 30) and data.task == "binary" and data.output_size == 1
    assert data.class_names == ("malignant", "benign")
    np.testing.assert_array_equal(data.class_counts(), [212, 357])


def test_diabetes_is_a_442_row_regression_on_raw_measurements():
    data = bundled.load_diabetes()
    assert data.x.shape == (442, 10) and data.task == "regression"
    assert data.y.shape == (442,) and data.y.dtype == np.float32
    assert data.feature_names[:4] == ("age", "sex", "bmi", "bp")
    assert data.y.min() == 25 and data.y.max() == 346
    assert set(np.unique(data.x[:, 1])) == {1.0, 2.0}  # sex is stored raw, not centred


def test_tables_are_read_from_disk_once_then_served_from_the_cache():
    bundled.load_iris()
    before = bundled._read_table.cache_info()
    bundled.load_iris()
    after = bundled._read_table.cache_info()
    assert after.hits == before.hits + 1 and after.misses == before.misses


def test_changing_a_loaded_dataset_does_not_change_the_next_load():
    first = bundled.load_iris()
    first.x[0, 0] = 999.0
    first.y[0] = 2
    second = bundled.load_iris()
    assert second.x[0, 0] == pytest.approx(5.1) and second.y[0] == 0


def test_cached_tables_are_read_only():
    _, values = bundled.read_table("iris.csv")
    with pytest.raises(ValueError):
        values[0, 0] = 1.0


@pytest.fixture
def resources(tmp_path, monkeypatch):
    (tmp_path / "datasets").mkdir()
    monkeypatch.setenv(RESOURCES_ENV, str(tmp_path))
    return tmp_path


def test_missing_file_raises_data_error_naming_the_file(resources):
    with pytest.raises(DataError, match=r"iris\.csv: bundled dataset file is missing"):
        bundled.load_iris()


def test_text_in_a_numeric_column_raises_data_error_naming_the_file(resources):
    (resources / "datasets" / "iris.csv").write_text("a,b,species\n1,2,0\n3,oops,1\n")
    with pytest.raises(DataError, match=r"iris\.csv: bundled dataset file is damaged"):
        bundled.load_iris()


def test_header_that_disagrees_with_rows_raises_data_error(resources):
    (resources / "datasets" / "wine.csv").write_text("a,species\n1,2,0\n3,4,1\n")
    with pytest.raises(DataError, match=r"wine\.csv: header names 2 columns but rows have 3"):
        bundled.load_wine()


def test_every_bundled_file_has_source_and_licence_in_the_readme():
    folder = resources_dir() / "datasets"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in folder.iterdir() if p.name != "README.md")
    assert files == ["breast_cancer.csv", "diabetes.csv", "digits.csv.gz", "iris.csv",
                     "wine.csv"]
    for name in files:
        section = readme.split(f"## {name}")[1].split("\n## ")[0]
        for field in ("**Authors**", "**Source**", "**Licence**"):
            assert field in section, f"{name} lacks {field} in README.md"


def test_bundled_files_are_plain_numeric_csv_with_a_header():
    for name in ("iris.csv", "wine.csv", "breast_cancer.csv", "diabetes.csv", "digits.csv.gz"):
        header, values = bundled.read_table(name)
        assert len(header) == values.shape[1]
        assert not any(re.fullmatch(r"[-+.\deE]+", column) for column in header)
