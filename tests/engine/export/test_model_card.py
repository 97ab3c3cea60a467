"""The model card's sections: YAML front matter, the person's own words kept in the project, split
counts, per-class scores equal to `nnstudio evaluate`'s, the spread over seeds, the dataset's
source and licence, the input contract and an onnxruntime snippet."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
import yaml

from nnstudio.commands import OK, run_subcommand
from nnstudio.core.card_text import CardText
from nnstudio.core.errors import ProjectError
from nnstudio.core.examples import example_project
from nnstudio.core.project import load_project, save_project
from nnstudio.engine.export import export


@pytest.fixture(autouse=True)
def one_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def trained(tmp_path, example: str, *seeds: int):
    """A project file of `example` trained 2 epochs once per seed."""
    path = tmp_path / f"{example}.nnstudio"
    save_project(path, example_project(example))
    for seed in seeds or (0,):
        assert run_subcommand(["train", str(path), "--epochs", "2", "--seed", str(seed),
                               "-q"]) == OK
    return path


def card_of(tmp_path, path) -> str:
    loaded = load_project(path)
    result = export(loaded.project, loaded.weights, "card", tmp_path / "card.md",
                    project_path=path)
    return result.path.read_text(encoding="utf-8")


def front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    return yaml.safe_load(text[4:text.index("\n---\n", 4)])


def section(text: str, heading: str) -> str:
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else len(text)]


def test_front_matter_is_yaml_with_the_test_metrics_of_evaluate(tmp_path, capsys):
    path = trained(tmp_path, "spiral")
    text = card_of(tmp_path, path)
    capsys.readouterr()
    assert run_subcommand(["evaluate", str(path), "--json"]) == OK
    evaluated = json.loads(capsys.readouterr().out)
    meta = front_matter(text)
    assert meta["library_name"] == "pytorch" and meta["datasets"] == ["spiral"]
    assert meta["tags"] == ["nn-studio", "binary"]
    assert meta["pipeline_tag"] == "tabular-classification"
    (result,) = meta["model-index"][0]["results"]
    assert result["dataset"]["split"] == "test"
    values = {m["type"]: m["value"] for m in result["metrics"]}
    assert set(values) == {"loss", "accuracy", "precision", "recall", "f1", "auc"}
    for name, value in values.items():
        assert value == pytest.approx(evaluated[f"test_{name}"], abs=1e-6)


def test_per_class_scores_and_confusion_matrix_equal_evaluate(tmp_path, capsys):
    path = trained(tmp_path, "digits_mlp")
    text = card_of(tmp_path, path)
    capsys.readouterr()
    assert run_subcommand(["evaluate", str(path), "--json"]) == OK
    evaluated = json.loads(capsys.readouterr().out)
    part = section(text, "Evaluation per class")
    assert f"test split ({evaluated['samples']['test']:,} samples)" in part
    for score in evaluated["per_class"]:
        assert (f"| {score['class']} | {score['precision']:.3f} | {score['recall']:.3f} | "
                f"{score['f1']:.3f} | {score['support']} |") in part
    for name, row in zip(evaluated["class_names"], evaluated["confusion_matrix"]):
        assert f"| {name} | " + " | ".join(map(str, row)) + " |" in part


def test_split_counts_source_licence_and_image_scaling(tmp_path):
    text = card_of(tmp_path, trained(tmp_path, "digits_cnn"))
    data = section(text, "Data")
    for split, count in (("train", "1,079"), ("validation", "359"), ("test", "359")):
        assert f"| {split} | {count} |" in data
    assert "- **Licence**: Creative Commons Attribution 4.0 International (CC BY 4.0)" in data
    assert "- **Source**: UCI Machine Learning Repository" in data
    # One mean and one standard deviation cover every pixel: not "each input".
    assert "each input" not in data
    assert re.search(r"all inputs together to mean 0 and standard deviation 1: one shift "
                     r"\([0-9.]+\) and one scale \([0-9.]+\) for every pixel", data)
    contract = section(text, "Input contract")
    assert "the same for every input" in contract and "`pixel_0_0`, `pixel_0_1`" in contract
    assert "(64 in all" in contract


def test_contract_lists_inputs_in_order_with_their_scaling_and_a_usage_snippet(tmp_path):
    text = card_of(tmp_path, trained(tmp_path, "regression"))
    contract = section(text, "Input contract")
    assert "in this order: `age`, `sex`, `bmi`, `bp`, `s1`" in contract
    assert "| `bmi` |" in contract and "Feed the data in its own units" in contract
    usage = section(text, "How to use")
    assert 'session = ort.InferenceSession("model.onnx")' in usage
    assert "x = np.zeros((1, 10), dtype=np.float32)" in usage
    assert 'output = session.run(None, {"input": x})[0]' in usage


def test_intended_use_out_of_scope_and_limitations_prompt_until_written(tmp_path):
    path = trained(tmp_path, "spiral")
    text = card_of(tmp_path, path)
    for heading in ("Intended use", "Out-of-scope use", "Limitations"):
        assert section(text, heading).count("*To fill in: ") == 1
    loaded = load_project(path)
    words = CardText(intended_use="Teaching decision boundaries.",
                     limitations="Two features only; spirals, not real data.")
    save_project(path, dataclasses.replace(loaded.project, card=words), weights=loaded.weights,
                 source_path=path)
    assert load_project(path).project.card == words  # kept in the project
    text = card_of(tmp_path, path)
    assert "Teaching decision boundaries." in section(text, "Intended use")
    assert "To fill in" in section(text, "Out-of-scope use")
    assert "Two features only" in section(text, "Limitations")


def test_the_card_key_is_written_only_when_used_and_checked_by_field(tmp_path):
    path = tmp_path / "p.nnstudio"
    save_project(path, example_project("spiral"))
    assert '"card"' not in path.read_text(encoding="utf-8")
    document = json.loads(path.read_text(encoding="utf-8"))
    document["card"] = {"intended_use": 3}
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ProjectError, match=r"card\.intended_use: must be a text"):
        load_project(path)
    document["card"] = {"audience": "x"}
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ProjectError, match=r"card\.audience: unknown field"):
        load_project(path)


def test_spread_over_runs_that_differ_only_in_their_seed(tmp_path):
    text = card_of(tmp_path, trained(tmp_path, "spiral", 1, 2, 3))
    part = section(text, "Spread over seeds")
    assert "3 runs of this network and settings, seeds 1, 2, 3:" in part
    runs = load_project(tmp_path / "spiral.nnstudio").project.runs
    accuracies = sorted(run.final_metrics["test_accuracy"] for run in runs)
    assert f"| {accuracies[0]:.3f} | {accuracies[1]:.3f} | {accuracies[2]:.3f} |" in \
        next(line for line in part.splitlines() if line.startswith("| test accuracy |"))


def test_a_single_run_says_how_to_get_a_spread(tmp_path):
    part = section(card_of(tmp_path, trained(tmp_path, "spiral")), "Spread over seeds")
    assert "Only one run of this network with these settings" in part
