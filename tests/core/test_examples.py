"""The example projects: built in code, shipped as files that match the code, and sensible."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstudio.core.examples import EXAMPLES, Example, example_project, write_examples
from nnstudio.core.network import Network
from nnstudio.core.project import load_project
from nnstudio.core.shapes import infer_shapes
from nnstudio.data.source import load_dataset

EXAMPLES_FOLDER = Path(__file__).resolve().parents[2] / "examples"


def layers(network: Network) -> list[tuple]:
    """(type, key parameters) per node, in order."""
    keys = ("shape", "units", "filters", "kernel", "padding", "pool_size", "activation")
    return [(n.type, {k: n.params[k] for k in keys if k in n.params}) for n in network.nodes]


def test_the_example_files_are_exactly_what_the_code_builds(tmp_path):
    written = write_examples(tmp_path)
    assert [p.name for p in written] == [f"{key}.nnstudio" for key in EXAMPLES]
    for path in written:
        shipped = EXAMPLES_FOLDER / path.name
        assert shipped.read_bytes() == path.read_bytes(), (
            f"examples/{path.name} is out of date: run `python examples/make_examples.py`")
    assert sorted(p.name for p in EXAMPLES_FOLDER.glob("*.nnstudio")) == sorted(p.name for p in written)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)  # no weights


def test_examples_list_the_five_the_issue_names_the_emergence_lab_and_an_empty_one_with_text():
    assert list(EXAMPLES) == ["seed_article", "spiral", "digits_mlp", "digits_cnn", "regression",
                              "grokking", "double_descent", "mirage", "empty"]
    for key, example in EXAMPLES.items():
        assert isinstance(example, Example)
        title, description = example
        assert title and len(description) > 40
        assert example_project(key).notes == description


def test_the_seed_article_example_is_the_articles_keras_model():
    project = example_project("seed_article")
    assert layers(project.network) == [
        ("input", {"shape": (2,)}),
        ("dense", {"units": 2, "activation": "relu"}),
        ("dense", {"units": 1, "activation": "sigmoid"}),
    ]
    t = project.training
    assert (t.optimizer, t.learning_rate, t.loss, t.batch_size, t.epochs) == ("adam", 0.01, "auto", 32, 100)
    source = project.data.source
    assert (source.kind, source.name, source.params) == ("builtin", "random_labels", {"n_samples": 1000})


def test_the_spiral_example_is_playgrounds_two_hidden_layers_of_eight_tanh():
    project = example_project("spiral")
    assert layers(project.network) == [
        ("input", {"shape": (2,)}),
        ("dense", {"units": 8, "activation": "tanh"}),
        ("dense", {"units": 8, "activation": "tanh"}),
        ("dense", {"units": 1, "activation": "sigmoid"}),
    ]
    assert project.data.source.name == "spiral" and project.data.preprocessing == "standardize"


def test_the_digits_examples_are_an_mlp_and_a_small_cnn():
    assert layers(example_project("digits_mlp").network) == [
        ("input", {"shape": (1, 8, 8)}), ("flatten", {}),
        ("dense", {"units": 64, "activation": "relu"}), ("dense", {"units": 10, "activation": "softmax"}),
    ]
    conv = {"kernel": 3, "padding": "same", "activation": "relu"}
    pool = {"pool_size": 2, "padding": "valid"}
    assert layers(example_project("digits_cnn").network) == [
        ("input", {"shape": (1, 8, 8)}),
        ("conv2d", {"filters": 16, **conv}), ("maxpool2d", pool),
        ("conv2d", {"filters": 32, **conv}), ("maxpool2d", pool),
        ("flatten", {}), ("dense", {"units": 64, "activation": "relu"}),
        ("dense", {"units": 10, "activation": "softmax"}),
    ]


def test_the_regression_example_ends_in_one_linear_unit_and_the_empty_one_is_an_input():
    assert layers(example_project("regression").network)[1:] == [
        ("dense", {"units": 16, "activation": "relu"}), ("dense", {"units": 16, "activation": "relu"}),
        ("dense", {"units": 1, "activation": "linear"}),
    ]
    assert layers(example_project("empty").network) == [("input", {"shape": (2,)})]


@pytest.mark.parametrize("key", list(EXAMPLES))
def test_each_example_is_laid_out_top_to_bottom_and_fits_its_data(key):
    project = example_project(key)
    assert [n.position for n in project.network.nodes] == [
        (0.0, 90.0 * i) for i in range(len(project.network.nodes))]
    report = infer_shapes(project.network)
    assert report.ok, report.errors
    dataset = load_dataset(project)
    assert project.network.input_nodes()[0].params["shape"] == dataset.input_shape
    if key != "empty":
        assert report.nodes[project.network.output_node().id].shape == (dataset.output_size,)


def test_example_project_gives_a_fresh_copy_each_time_and_refuses_unknown_keys():
    first, second = example_project("spiral"), example_project("spiral")
    first.runs.append(object())
    first.name = "mine"
    assert (second.runs, second.name) == ([], "Spiral")
    assert first.network is not second.network
    with pytest.raises(KeyError):
        example_project("imagenet")


def test_the_shipped_example_files_load():
    for key in EXAMPLES:
        loaded = load_project(EXAMPLES_FOLDER / f"{key}.nnstudio")
        assert loaded.project.to_dict() == example_project(key).to_dict() and loaded.weights is None


def test_the_double_descent_example_flips_training_labels_and_suggests_its_width_sweep():
    project = example_project("double_descent")
    assert layers(project.network) == [
        ("input", {"shape": (1, 8, 8)}), ("flatten", {}),
        ("dense", {"units": 64, "activation": "relu"}),
        ("dense", {"units": 10, "activation": "softmax"}),
    ]
    data = project.data
    assert (data.source.name, data.label_noise, data.validation, data.test) == (
        "digits", 0.2, 0.1, 0.6)
    t = project.training
    # Nothing holds it back: plain Adam (weight decay is AdamW's), no penalty, no early stop.
    assert (t.optimizer, t.l1, t.l2, t.early_stopping) == ("adam", 0, 0, False)
    sweep = project.sweep
    assert (sweep.scale, sweep.widths[0], sweep.widths[-1], sweep.seeds) == ("width", 4, 1024, 2)
    assert sweep.epochs == t.epochs


def test_the_mirage_example_answers_every_digit_of_the_sum_with_a_group_of_ten():
    project = example_project("mirage")
    dataset = load_dataset(project)
    assert (dataset.positions, dataset.n_classes, dataset.input_shape) == (4, 10, (60,))
    output = project.network.nodes[-1]
    assert (output.params["units"], output.params["activation"]) == (40, "linear")
    assert project.data.preprocessing == "none" and project.sweep.widths[-1] == 256


def test_sweep_settings_are_optional_checked_by_field_and_kept_by_a_save(tmp_path):
    import json

    from nnstudio.core.errors import ProjectError
    from nnstudio.core.project import save_project

    path = tmp_path / "dd.nnstudio"
    save_project(path, example_project("double_descent"))
    assert load_project(path).project.sweep == example_project("double_descent").sweep
    assert "sweep" not in json.loads((EXAMPLES_FOLDER / "spiral.nnstudio").read_text())
    document = json.loads(path.read_text())
    for bad, field in (({"widths": [4, 4]}, "sweep.widths: lists a size twice"),
                       ({"seeds": 0}, "sweep.seeds"), ({"scale": "height"}, "sweep.scale"),
                       ({"colour": 1}, "sweep.colour: unknown field"), ([], "sweep: must be")):
        path.write_text(json.dumps({**document, "sweep": bad}))
        with pytest.raises(ProjectError, match=field):
            load_project(path)
