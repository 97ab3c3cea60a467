"""`nnstudio new --generate NAME[:PARAM=VALUE,...]`: a project on a generated dataset."""

from __future__ import annotations

import pytest

from nnstudio.core.project import load_project
from nnstudio.data.cli_new import run_new
from nnstudio.data.source import load_dataset


def test_generate_writes_a_project_whose_network_fits_the_chosen_classes(tmp_path, capsys):
    path = tmp_path / "arms.nnstudio"
    assert run_new(["--generate", "spiral_arms:classes=5,noise=0.1,seed=3", "-o",
                    str(path)]) == 0
    assert "arm 5" in capsys.readouterr().out
    project = load_project(path).project
    source = project.data.source
    assert (source.kind, source.name, source.seed) == ("builtin", "spiral_arms", 3)
    assert source.params == {"n_samples": 600, "noise": 0.1, "classes": 5}
    output = project.network.output_node()
    assert (output.params["units"], output.params["activation"]) == (5, "softmax")
    assert load_dataset(project).n_classes == 5


def test_generate_takes_a_function_by_name_and_transforms(tmp_path):
    path = tmp_path / "abs.nnstudio"
    assert run_new(["--generate", "above_below:function=abs", "--transforms", "x1,x2,x1^2",
                    "-o", str(path)]) == 0
    project = load_project(path).project
    assert project.data.source.params["function"] == "abs"
    assert project.data.transforms == ("x1", "x2", "x1^2")
    assert list(project.network.input_nodes()[0].params["shape"]) == [3]


@pytest.mark.parametrize("argument,words", [
    ("above_below:function=tan", "data.source.params.function"),
    ("clouds:classes=9", "data.source.params.classes"),
    ("clouds:colour=red", "colour"),
    ("clouds:classes", "PARAM=VALUE"),
    ("clouds:seed=-1", "seed"),
    ("iris", "not a generated dataset"),
])
def test_bad_generate_arguments_say_what_and_exit_2(tmp_path, capsys, argument, words):
    path = tmp_path / "bad.nnstudio"
    assert run_new(["--generate", argument, "-o", str(path)]) == 2
    error = capsys.readouterr().err
    assert words in error and error.count("\n") == 1
    assert not path.exists()


def test_file_options_are_refused_with_generate(tmp_path, capsys):
    assert run_new(["--generate", "clouds", "--target", "y", "-o",
                    str(tmp_path / "c.nnstudio")]) == 2
    assert "--target" in capsys.readouterr().err
