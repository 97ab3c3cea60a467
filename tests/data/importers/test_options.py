"""Importer options of the wrong type or value are refused when the project is read, naming the
field, instead of failing inside an importer."""

from __future__ import annotations

import json

import pytest

from nnstudio.core.errors import ProjectError
from nnstudio.core.project import Project, load_project, project_document

WHERE = "p.nnstudio: data.source.options"


def project_with_source(tmp_path, format_key: str, options: dict):
    document = project_document(Project())
    document["data"]["source"] = {"kind": "file", "path": "data.file", "sha256": "0" * 64,
                                  "format": format_key, "options": options}
    path = tmp_path / "p.nnstudio"
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize("format_key, options, message", [
    ("csv", {"target": "y", "features": 5}, "features: must be a list of column names, got 5"),
    ("csv", {"target": 5}, "target: must be a text, got 5"),
    ("tsv", {"header": "yes"}, 'header: must be true or false, got "yes"'),
    ("csv", {"delimiter": ";;"}, 'delimiter: must be one character, got ";;"'),
    ("csv", {"decimal": "_"}, 'decimal: must be one of ., ,, got "_"'),
    ("csv", {"encoding": "rot13"}, 'encoding: "rot13" is not a text encoding; use e.g. "utf-8"'),
    ("csv", {"encoding": "hex"}, 'encoding: "hex" is not a text encoding'),
    ("csv", {"encoding": "base64"}, 'encoding: "base64" is not a text encoding'),
    ("csv", {"encoding": "klingon"}, 'encoding: "klingon" is an unknown encoding'),
    ("csv", {"encoding": "idna"}, 'encoding: "idna" cannot read text files'),
    ("csv", {"encoding": "punycode"}, 'encoding: "punycode" cannot read text files'),
    ("csv", {"encoding": "undefined"}, 'encoding: "undefined" cannot read text files'),
    ("csv", {"encoding": 8}, "encoding: must be a text, got 8"),
    ("csv", {"task": "clustering"}, 'task: must be one of binary, multiclass, regression, got '
                                    '"clustering"'),
    ("csv", {"missing": ["drop"]}, "missing: must be one of drop, mean, median, most_frequent"),
    ("csv", {"categorical": {"colour": "hashed"}}, 'categorical.colour: must be one of onehot, '
                                                   'ordinal, got "hashed"'),
    ("npz", {"x": ["x"]}, "x: must be a text, got a list"),
    ("npz", {"y": 1.5}, "y: must be a text, got 1.5"),
    ("npy", {"y_path": False}, "y_path: must be a text, got false"),
    ("images", {"size": 5}, "size: must be [height, width], each a whole number from 1 to 1024, "
                            "got 5"),
    ("images", {"size": [32, 0]}, "size: must be [height, width]"),
    ("images", {"size": [32, 32, 3]}, "size: must be [height, width]"),
    ("images", {"size": [True, 32]}, "size: must be [height, width]"),
    ("images", {"color": "cmyk"}, 'color: must be one of grayscale, rgb, got "cmyk"'),
])
def test_an_option_that_does_not_fit_its_importer_is_refused_naming_it(
        tmp_path, format_key, options, message):
    with pytest.raises(ProjectError) as error:
        load_project(project_with_source(tmp_path, format_key, options))
    assert str(error.value).startswith(f"{WHERE}.{message}"), str(error.value)


def test_an_unknown_format_is_refused_naming_the_formats(tmp_path):
    with pytest.raises(ProjectError, match=r"^p.nnstudio: data.source.format: unknown format "
                                           r'"zip"; choose one of csv, tsv, npz, npy, images$'):
        load_project(project_with_source(tmp_path, "zip", {}))


@pytest.mark.parametrize("format_key, options", [
    ("csv", {"target": "y", "features": ["a", "b"], "encoding": "utf-16", "header": False,
             "delimiter": ";", "decimal": ",", "quote_char": "", "task": None,
             "categorical": {"colour": "ordinal"}, "missing": "mean"}),
    ("npz", {"x": "inputs", "y": None, "task": "regression"}),
    ("npy", {"y_path": "labels.npy"}),
    ("images", {"size": [28, 28], "color": "rgb"}),
])
def test_options_that_fit_are_kept_as_written(tmp_path, format_key, options):
    source = load_project(project_with_source(tmp_path, format_key, options)).project.data.source
    assert source.options == options
