"""`nnstudio export` and `nnstudio import-weights` on the command line."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import safetensors.numpy

from nnstudio.commands import run_subcommand
from nnstudio.core.examples import example_project
from nnstudio.core.network import chain
from nnstudio.core.project import load_project, save_project
from nnstudio.engine.modules import build_model
from nnstudio.engine.weights import model_to_arrays


@pytest.fixture
def project_file(tmp_path):
    path = tmp_path / "spiral.nnstudio"
    save_project(path, example_project("spiral"))
    return path


@pytest.mark.parametrize("fmt, name", [("script", "spiral.py"), ("onnx", "spiral.onnx"),
                                       ("torchscript", "spiral.pt"), ("card", "spiral.md")])
def test_export_writes_beside_the_project_by_default(fmt, name, project_file, capsys):
    assert run_subcommand(["export", str(project_file), "--format", fmt]) == 0
    assert (project_file.parent / name).is_file()
    out = capsys.readouterr().out
    assert name in out.splitlines()[0]


def test_export_writes_where_asked_with_the_opset_asked(project_file, tmp_path, capsys):
    out = tmp_path / "elsewhere.onnx"
    code = run_subcommand(["export", str(project_file), "-f", "onnx", "-o", str(out),
                           "--opset", "19"])
    assert code == 0 and out.is_file()
    assert "(opset 19)" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--format", "pdf"], "invalid choice: 'pdf'"),
    (["--format", "script", "--opset", "18"], "--opset: only the onnx format has an opset"),
    (["--format", "weights"], "no trained weights yet"),
    (["--format", "onnx", "--opset", "12"], "onnx.opset: must be a whole number from 17"),
    (["--format", "onnx", "-o", "/no/such/folder/m.onnx"], "/no/such/folder: no such folder"),
    (["--format", "card", "--raw-inputs"], "--raw-inputs: only the onnx and torchscript"),
])
def test_bad_export_input_is_one_line_and_exit_code_2(argv, message, project_file, capsys):
    assert run_subcommand(["export", str(project_file), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("raw, says", [([], "applies the project's standardize scaling"),
                                       (["--raw-inputs"], "Scale the inputs first")])
def test_export_takes_raw_inputs_unless_told_and_says_which(raw, says, project_file, capsys):
    out = project_file.with_name("m.onnx")
    assert run_subcommand(["export", str(project_file), "-f", "onnx", "-o", str(out), *raw]) == 0
    assert says in capsys.readouterr().out
    metadata = {prop.key: prop.value for prop in onnx.load(str(out)).metadata_props}
    assert metadata["scaling_in_model"] == ("false" if raw else "true")


def test_export_keeps_an_existing_file_unless_forced(project_file, capsys):
    out = project_file.with_name("kept.onnx")
    out.write_bytes(b"mine")
    assert run_subcommand(["export", str(project_file), "-f", "onnx", "-o", str(out)]) == 2
    assert "kept.onnx: already exists; add --force to replace it" in capsys.readouterr().err
    assert out.read_bytes() == b"mine"
    assert run_subcommand(["export", str(project_file), "-f", "onnx", "--output", str(out),
                           "--force"]) == 0
    assert onnx.load(str(out)).graph.input[0].name == "input"


def test_export_to_stdout_writes_the_file_alone(project_file, capfdbinary):
    assert run_subcommand(["export", str(project_file), "-f", "onnx", "-o", "-"]) == 0
    captured = capfdbinary.readouterr()
    model = onnx.load_from_string(captured.out)
    assert {prop.key for prop in model.metadata_props} >= {"class_names", "scaling"}
    assert b"Wrote the ONNX model stdout" in captured.err


def test_export_to_stdout_of_several_files_is_refused(project_file, tmp_path, capsys):
    trained = project_file.with_name("trained.nnstudio")
    loaded = load_project(project_file)
    save_project(trained, loaded.project,
                 weights=model_to_arrays(build_model(loaded.project.network)))
    assert run_subcommand(["export", str(trained), "-f", "weights", "-o", "-"]) == 2
    assert "writes several files (model.safetensors, model.json)" in capsys.readouterr().err


def test_export_of_a_missing_project_says_so(tmp_path, capsys):
    assert run_subcommand(["export", str(tmp_path / "none.nnstudio"), "-f", "card"]) == 2
    assert "none.nnstudio: no such project file" in capsys.readouterr().err


def test_import_weights_makes_them_the_projects_weights(project_file, tmp_path, capsys):
    project = example_project("spiral")
    weights = model_to_arrays(build_model(project.network, seed=4))
    file = tmp_path / "trained.safetensors"
    safetensors.numpy.save_file(weights, str(file))
    assert run_subcommand(["import-weights", str(project_file), str(file)]) == 0
    assert "loaded 6 tensors from" in capsys.readouterr().out
    loaded = load_project(project_file).weights
    assert all(np.array_equal(loaded[k], weights[k]) for k in weights)


def test_import_of_weights_that_do_not_fit_names_them_and_leaves_the_project(project_file,
                                                                             tmp_path, capsys):
    other = chain(("input", {"shape": (2,)}), ("dense", {"units": 3}))
    file = tmp_path / "other.safetensors"
    safetensors.numpy.save_file(model_to_arrays(build_model(other)), str(file))
    before = project_file.read_bytes()
    assert run_subcommand(["import-weights", str(project_file), str(file)]) == 2
    err = capsys.readouterr().err
    assert "dense_1.weight: expected shape (8, 2), got (3, 2)" in err
    assert "dense_3.bias: missing" in err
    assert project_file.read_bytes() == before
