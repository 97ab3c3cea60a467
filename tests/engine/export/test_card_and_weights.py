"""Model cards, weights alone, importing weights, and the export entry point's refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest
import safetensors.numpy
from PIL import Image

from nnstudio.core.errors import SpecError
from nnstudio.core.examples import example_project
from nnstudio.core.network import chain
from nnstudio.core.project import RunRecord
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.export import FORMATS, export, import_weights
from nnstudio.engine.export.card import draw_loss_chart, nice_ticks
from nnstudio.engine.modules import build_model
from nnstudio.engine.weights import model_to_arrays


def with_run(key: str = "spiral"):
    project = example_project(key)
    history = {"loss": [0.7, 0.5, 0.42, 0.3], "val_loss": [0.72, 0.55, 0.5, 0.45],
               "accuracy": [0.5, 0.7, 0.8, 0.9], "lr": [0.03] * 4}
    project.runs.append(RunRecord(
        id="run_1", name="first try", note="Adam at 0.03.", created="2026-01-02T03:04:05Z",
        device="cpu", config=project.training, history=history,
        final_metrics={"loss": 0.3, "accuracy": 0.9, "val_loss": 0.45, "val_accuracy": 0.85},
        network=project.network, data=project.data))
    return project


def test_card_shows_architecture_data_training_results_and_the_loss_chart(tmp_path):
    result = export(with_run(), None, "card", tmp_path / "spiral.md")
    card, chart = result.files
    text = card.read_text(encoding="utf-8")
    assert text.startswith("---\nlibrary_name: pytorch\n") and "\n---\n\n# Spiral\n" in text
    assert "| `dense_1` | Dense | units 8, activation tanh | (8,) | 24 | input_1 |" in text
    assert "Total parameters: **105**" in text
    assert "**Spiral**, NN Studio's built-in dataset (n_samples 500, noise 0.05, seed 0)." in text
    assert ("500 samples shaped (2,); task: two classes. Classes (label: name, colour in NN "
            "Studio): 0: first arm (orange #f59322), 1: second arm (blue #0877bd).") in text
    assert "| validation | 100 | 20% |" in text
    assert "| learning_rate | 0.03 |" in text
    assert "| momentum |" not in text  # Adam has none: only settings that apply are listed
    assert "Run **first try** on 2026-01-02T03:04:05Z: 4 epochs on cpu, seed 0. Adam at 0.03." \
        in text
    assert "| validation accuracy | 0.850 |" in text  # named and written as the metrics table says
    assert "![Loss per epoch](spiral_loss.png)" in text
    assert chart.name == "spiral_loss.png"
    image = Image.open(chart)
    assert image.format == "PNG" and image.size == (720, 400)
    assert result.message == "Wrote the model card spiral.md and its loss chart spiral_loss.png."


def test_loss_chart_draws_both_curves_in_their_colours():
    image = draw_loss_chart({"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.8, 0.7]})
    colours = {colour for _, colour in image.getcolors(maxcolors=100_000)}
    assert (31, 119, 180) in colours and (255, 127, 14) in colours
    only_training = draw_loss_chart({"loss": [1.0, 0.5]})
    assert (255, 127, 14) not in {c for _, c in only_training.getcolors(maxcolors=100_000)}


def test_chart_ticks_are_round_numbers_covering_the_values():
    assert nice_ticks(0.31, 0.69) == [0.3, 0.4, 0.5, 0.6, 0.7]
    assert nice_ticks(1, 60, 6) == [0, 10, 20, 30, 40, 50, 60]
    assert nice_ticks(2.0, 2.0)[0] <= 2.0 <= nice_ticks(2.0, 2.0)[-1]


def test_card_of_an_untrained_project_says_so_and_draws_no_chart(tmp_path):
    result = export(example_project("regression"), None, "card", tmp_path / "card.md")
    text = result.path.read_text(encoding="utf-8")
    assert "Not trained yet: there are no results to show." in text
    assert "stratified" not in text  # regression splits are not by class
    assert result.files == (tmp_path / "card.md",)


def test_weights_export_writes_nn_studio_names_that_import_back(tmp_path):
    project = example_project("digits_cnn")
    weights = model_to_arrays(build_model(project.network, seed=5))
    result = export(project, weights, "weights", tmp_path / "w.safetensors")
    saved = safetensors.numpy.load_file(str(result.path))
    assert set(saved) == set(weights) and "conv2d_1.weight" in saved
    imported = import_weights(project, result.path).weights
    assert all(np.array_equal(imported[k], weights[k]) for k in weights)


def test_weights_export_writes_the_input_contract_beside_them(tmp_path):
    project = example_project("digits_cnn")
    weights = model_to_arrays(build_model(project.network, seed=5))
    result = export(project, weights, "weights", tmp_path / "w.safetensors")
    assert result.files[1] == tmp_path / "w.json"
    sidecar = json.loads(result.files[1].read_text(encoding="utf-8"))
    preprocessor = prepare_project_data(project).preprocessor
    assert sidecar["project"] == "Digits CNN" and sidecar["task"] == "multiclass"
    assert sidecar["class_names"] == [str(digit) for digit in range(10)]
    assert sidecar["input_shape"] == [1, 8, 8] and len(sidecar["input_features"]) == 64
    # Weights never hold the scaling: the sidecar gives the constants to apply first.
    assert sidecar["scaling_in_model"] is False
    assert sidecar["scaling"] == preprocessor.to_dict()
    assert "Scale the inputs first" in sidecar["inputs"]


def test_weights_export_of_an_untrained_project_is_refused(tmp_path):
    with pytest.raises(SpecError, match="no trained weights yet: train it first"):
        export(example_project("spiral"), None, "weights", tmp_path / "w.safetensors")


def test_import_names_every_tensor_that_does_not_fit(tmp_path):
    project = example_project("spiral")
    other = chain(("input", {"shape": (2,)}), ("dense", {"units": 4}),
                  ("dense", {"units": 8}), ("dense", {"units": 1}), ("dense", {"units": 1}))
    path = tmp_path / "other.safetensors"
    safetensors.numpy.save_file(model_to_arrays(build_model(other)), str(path))
    with pytest.raises(SpecError) as caught:
        import_weights(project, path)
    message = str(caught.value)
    assert message.startswith("other.safetensors: The saved weights do not fit the network")
    assert "dense_1.weight: expected shape (8, 2), got (4, 2)" in message
    assert "dense_2.weight: expected shape (8, 8), got (8, 4)" in message
    assert "dense_4.weight: the network has no such tensor" in message


@pytest.mark.parametrize("content, expected", [
    (None, "no such file"),
    (b"definitely not safetensors", "not a safetensors weights file"),
])
def test_import_of_a_missing_or_damaged_file_says_which(content, expected, tmp_path):
    path = tmp_path / "w.safetensors"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SpecError, match=expected):
        import_weights(example_project("spiral"), path)


def test_export_refuses_unknown_formats_and_bad_places(tmp_path):
    project = example_project("spiral")
    with pytest.raises(SpecError, match="export format: must be one of script, onnx"):
        export(project, None, "keras", tmp_path / "m.h5")
    with pytest.raises(SpecError, match="is a folder; give a file name ending in .onnx"):
        export(project, None, "onnx", tmp_path)
    with pytest.raises(SpecError, match="no such folder"):
        export(project, None, "onnx", tmp_path / "missing" / "m.onnx")
    assert set(FORMATS) == {"script", "onnx", "torchscript", "weights", "card"}


def test_card_describes_the_run_the_current_weights_came_from_not_the_latest(tmp_path):
    import dataclasses

    from nnstudio.core.project import WeightsOrigin

    project = with_run()
    later = dataclasses.replace(project.runs[0], id="run_2", name="later try", note="")
    project.runs.append(later)
    text = export(project, None, "card", tmp_path / "a.md").files[0].read_text(encoding="utf-8")
    assert "The settings of run **later try** (the latest):" in text
    project.weights_origin = WeightsOrigin("run_1", 4)  # Restore run_1
    text = export(project, None, "card", tmp_path / "b.md").files[0].read_text(encoding="utf-8")
    assert "The settings of run **first try** (the current weights come from it):" in text
    assert "Run **first try** on 2026-01-02T03:04:05Z" in text
