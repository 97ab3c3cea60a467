"""Feature transforms end to end: the circle is separable by x1^2 and x2^2 with no hidden layer,
`nnstudio new --transforms` sizes the network for them, evaluation sees them, and exports take
the data's columns and compute them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nnstudio.core.config import TrainingConfig
from nnstudio.core.examples import example_project
from nnstudio.core.network import chain
from nnstudio.core.project import load_project, save_project
from nnstudio.data.cli_new import run_new
from nnstudio.data.generators import circle
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.evaluate import evaluate
from nnstudio.engine.export import export
from nnstudio.engine.trainer import fit


def _circle_project(transforms, inputs):
    project = example_project("spiral")
    source = dataclasses.replace(project.data.source, name="circle", params={})
    network = chain(("input", {"shape": [inputs]}), ("dense", {"units": 1,
                                                               "activation": "sigmoid"}))
    training = TrainingConfig({**project.training.to_dict(), "epochs": 60,
                               "learning_rate": 0.05})
    return dataclasses.replace(project, network=network, training=training, data=dataclasses.replace(
        project.data, source=source, transforms=transforms))


def _test_accuracy(project) -> float:
    data = prepare_project_data(project)
    result = fit(project.network, data, project.training)
    return evaluate(result.model, data.test, project.training.loss).metrics["accuracy"]


def test_the_circle_with_squared_inputs_needs_no_hidden_layer():
    assert _test_accuracy(_circle_project(("x1^2", "x2^2"), 2)) >= 0.95
    # The same network on the plain columns can only draw a line through the ring.
    assert _test_accuracy(_circle_project((), 2)) < 0.8


def test_new_with_transforms_sizes_the_network_and_trains_on_them(tmp_path, capsys):
    points = circle(200, 0.0, seed=1)
    rows = ["a,b,label"] + [f"{x:.6f},{y:.6f},{label}" for (x, y), label in
                            zip(points.x, points.y)]
    (tmp_path / "c.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "p.nnstudio"
    assert run_new(["--data", str(tmp_path / "c.csv"), "--target", "label",
                    "--transforms", "a,b,a^2,a*b,sin(b)", "-o", str(out)]) == 0
    assert "shape (5,) computed as a, b, a^2, a*b, sin(b)" in capsys.readouterr().out
    project = load_project(out).project
    assert project.data.transforms == ("a", "b", "a^2", "a*b", "sin(b)")
    assert tuple(project.network.nodes[0].params["shape"]) == (5,)
    data = prepare_project_data(project, out)
    assert data.test.feature_names == ("a", "b", "a^2", "a*b", "sin(b)")
    assert data.test.x.shape[1] == 5


def test_new_refuses_a_bad_transform_naming_the_option_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "c.csv").write_text("a,b,label\n1,2,0\n3,4,1\n")
    out = tmp_path / "p.nnstudio"
    assert run_new(["--data", str(tmp_path / "c.csv"), "--target", "label",
                    "--transforms", "a,c^2", "-o", str(out)]) == 2
    assert "--transforms[1]: 'c^2' uses column 'c'" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("fmt", ["script", "onnx", "torchscript"])
def test_exports_of_a_project_with_transforms_take_the_datas_columns(tmp_path, fmt):
    # The numbers are checked in tests/engine/export/test_transforms_export.py.
    project = _circle_project(("x1^2", "x2^2"), 2)
    result = export(project, None, fmt, tmp_path / f"model.{fmt}")
    assert result.path.is_file()
    if fmt == "script":
        assert "x[:, 0] ** 2,  # x1^2" in result.path.read_text(encoding="utf-8")
    else:
        assert "Feed the data's columns (x1, x2) in their own units" in result.message


def test_the_model_card_of_a_project_with_transforms_is_still_written(tmp_path):
    project = _circle_project(("x1^2", "x2^2"), 2)
    save_project(tmp_path / "p.nnstudio", project)
    result = export(project, None, "card", tmp_path / "card.md",
                    project_path=tmp_path / "p.nnstudio")
    assert result.path.exists()
    assert np.all([f.exists() for f in result.files])
