"""The headless command line: train, evaluate and summary, their JSON, and exit codes."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nnstudio.commands import BAD_INPUT, FAILED, OK, SUBCOMMANDS, run_subcommand
from nnstudio.core.examples import example_project
from nnstudio.core.project import load_project, save_project
from nnstudio.core.shapes import infer_shapes

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(autouse=True)
def one_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def spiral(tmp_path) -> Path:
    path = tmp_path / "spiral.nnstudio"
    shutil.copy(EXAMPLES / "spiral.nnstudio", path)
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = run_subcommand([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(err: str, *fragments: str) -> None:
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err


# ---- train ------------------------------------------------------------------------------------

def test_train_saves_weights_and_a_run_with_its_history_into_the_project(capsys, spiral):
    code, out, err = run(capsys, "train", spiral, "--epochs", "3", "--seed", "4")
    assert code == OK
    assert "epoch 1/3" in err and "epoch 3/3" in err  # plain progress lines: not a terminal
    assert "Run 1: 3 epochs" in out and "test_accuracy" in out
    loaded = load_project(spiral)
    assert loaded.weights is not None and "dense_1.weight" in loaded.weights
    run_record = loaded.project.runs[-1]
    assert run_record.id == "run_1" and run_record.seed == 4
    assert run_record.config.epochs == 3
    assert len(run_record.history["loss"]) == 3
    assert "test_accuracy" in run_record.final_metrics
    assert run_record.changes == ("first run",)
    assert loaded.project.training.epochs == 500  # the project's own settings stay as they were


def test_train_json_prints_one_object_of_metrics_by_name(capsys, spiral):
    code, out, err = run(capsys, "train", spiral, "--epochs", "2", "--json")
    assert code == OK
    assert out.count("\n") == 1
    result = json.loads(out)
    assert result["run"] == "run_1" and result["epochs"] == 2
    assert result["training_path"] == "fast"  # the spiral is a small Dense network
    assert load_project(spiral).project.runs[0].training_path == "fast"
    for name in ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_accuracy",
                 "test_auc"):
        assert isinstance(result[name], float), name
    assert err == ""  # no progress text when stderr is not a terminal and --json is given


def test_a_second_run_records_what_changed(capsys, spiral):
    run(capsys, "train", spiral, "--epochs", "2")
    code, _, _ = run(capsys, "train", spiral, "--epochs", "3", "--lr", "0.01")
    assert code == OK
    runs = load_project(spiral).project.runs
    assert [r.id for r in runs] == ["run_1", "run_2"]
    assert set(runs[1].changes) == {"learning_rate 0.03 → 0.01", "epochs 2 → 3"}


def test_continue_starts_from_the_saved_weights(capsys, spiral):
    run(capsys, "train", spiral, "--epochs", "40", "--json")
    first = load_project(spiral).project.runs[-1].history["loss"]
    code, out, _ = run(capsys, "train", spiral, "--epochs", "1", "--continue", "--json")
    assert code == OK
    continued = load_project(spiral).project.runs[-1].history["loss"][0]
    assert continued < first[0] - 0.05
    assert continued < 1.1 * first[-1]


def test_continue_without_saved_weights_is_bad_input(capsys, spiral):
    code, out, err = run(capsys, "train", spiral, "--continue")
    assert code == BAD_INPUT and out == ""
    assert_one_line_error(err, "--continue needs saved weights")


def test_a_run_that_diverges_exits_1_with_the_reason_and_leaves_the_project_as_it_was(
        capsys, tmp_path):
    project = example_project("regression")
    project = dataclasses.replace(
        project, training=project.training.replace(optimizer="sgd", learning_rate=1.0,
                                                   momentum=0.9, epochs=20),
        data=dataclasses.replace(project.data, preprocessing="none"))
    path = tmp_path / "diverges.nnstudio"
    save_project(path, project)
    before = path.read_bytes()
    code, out, err = run(capsys, "train", path, "--json")
    assert code == FAILED and out == ""
    assert_one_line_error(err, "nnstudio train: Training stopped", "epoch 1, batch",
                          "lower learning rate", "project was not changed")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["diverges.nnstudio"]


# ---- evaluate ---------------------------------------------------------------------------------

def test_evaluate_prints_metrics_and_the_confusion_matrix(capsys, spiral):
    run(capsys, "train", spiral, "--epochs", "2")
    code, out, err = run(capsys, "evaluate", spiral)
    assert code == OK and err == ""
    assert "test split, 100 samples" in out
    assert "accuracy" in out and "confusion matrix" in out and "first arm" in out


def test_evaluate_json_matches_the_test_metrics_saved_by_train(capsys, spiral):
    run(capsys, "train", spiral, "--epochs", "3", "--json")
    code, out, _ = run(capsys, "evaluate", spiral, "--json")
    assert code == OK
    result = json.loads(out)
    saved = load_project(spiral).project.runs[-1].final_metrics
    assert result["split"] == "test" and result["samples"]["test"] == 100
    assert result["test_accuracy"] == pytest.approx(saved["test_accuracy"])
    assert result["test_loss"] == pytest.approx(saved["test_loss"])
    assert sum(map(sum, result["confusion_matrix"])) == 100
    assert result["class_names"] == ["first arm", "second arm"]


@pytest.mark.parametrize("split,samples", [("validation", 100), ("train", 300)])
def test_evaluate_measures_the_chosen_split(capsys, spiral, split, samples):
    run(capsys, "train", spiral, "--epochs", "1")
    code, out, _ = run(capsys, "evaluate", spiral, "--split", split, "--json")
    assert code == OK
    assert json.loads(out)["samples"][split] == samples


def test_evaluate_before_training_says_to_train_first(capsys, spiral):
    code, out, err = run(capsys, "evaluate", spiral)
    assert code == BAD_INPUT and out == ""
    assert_one_line_error(err, "no trained weights", "nnstudio train")


# ---- summary ----------------------------------------------------------------------------------

def test_summary_prints_the_layer_table(capsys):
    code, out, _ = run(capsys, "summary", EXAMPLES / "digits_cnn.nnstudio")
    assert code == OK
    assert "conv2d_1" in out and "Conv2d" in out and "(16, 8, 8)" in out
    assert "Total params: 13,706" in out


def test_summary_json_lists_layers_and_the_total(capsys):
    code, out, _ = run(capsys, "summary", EXAMPLES / "digits_mlp.nnstudio", "--json")
    assert code == OK
    result = json.loads(out)
    network = load_project(EXAMPLES / "digits_mlp.nnstudio").project.network
    assert result["total_params"] == infer_shapes(network).total_params
    assert [layer["id"] for layer in result["layers"]] == ["input_1", "flatten_1", "dense_1",
                                                           "dense_2"]
    assert result["layers"][2]["output_shape"] == [64] and result["errors"] == []


# ---- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["train", "evaluate", "summary"])
def test_a_missing_project_file_exits_2_with_one_line(capsys, tmp_path, command):
    code, out, err = run(capsys, command, tmp_path / "nothing.nnstudio")
    assert code == BAD_INPUT and out == ""
    assert_one_line_error(err, f"nnstudio {command}:", "nothing.nnstudio", "no such project")


@pytest.mark.parametrize("content,fragment", [
    ("{", "not valid JSON"),
    ('{"format": "nnstudio-project", "format_version": 1, "network": {"nodes": 3}}',
     "network.nodes"),
])
def test_a_corrupt_project_exits_2_naming_the_problem(capsys, tmp_path, content, fragment):
    path = tmp_path / "broken.nnstudio"
    path.write_text(content)
    for command in ("train", "evaluate", "summary"):
        code, out, err = run(capsys, command, path)
        assert code == BAD_INPUT and out == ""
        assert_one_line_error(err, "broken.nnstudio", fragment)


@pytest.mark.parametrize("argv,fragment", [
    (["--device", "tpu"], '--device: must be one of "auto", "cpu"'),
    (["--lr", "-1"], "--lr: must be a number from 1e-06 to 10"),
    (["--epochs", "0"], "--epochs: must be an integer from 1"),
    (["--batch-size", "x"], "argument --batch-size: invalid int value: 'x'"),
    (["--bogus"], "unrecognized arguments: --bogus"),
])
def test_an_unknown_or_bad_option_value_exits_2_with_one_line(capsys, spiral, argv, fragment):
    before = spiral.read_bytes()
    code, out, err = run(capsys, "train", spiral, *argv)
    assert code == BAD_INPUT and out == ""
    assert_one_line_error(err, "nnstudio train:", fragment)
    assert spiral.read_bytes() == before


def test_an_unknown_split_exits_2(capsys, spiral):
    code, _, err = run(capsys, "evaluate", spiral, "--split", "holdout")
    assert code == BAD_INPUT
    assert_one_line_error(err, "invalid choice: 'holdout'")


def test_a_data_file_that_is_gone_exits_2(capsys, tmp_path):
    project = example_project("spiral")
    source = dataclasses.replace(project.data.source, kind="file", name="", params={},
                                 path="points.csv", sha256="0" * 64, format="csv")
    project = dataclasses.replace(project, data=dataclasses.replace(project.data, source=source))
    path = tmp_path / "file.nnstudio"
    save_project(path, project)
    code, _, err = run(capsys, "train", path)
    assert code == BAD_INPUT
    assert_one_line_error(err, "points.csv")


def test_help_exits_0_and_an_unknown_command_exits_2(capsys):
    assert run(capsys, "train", "--help")[0] == OK
    code, _, err = run(capsys, "fly")
    assert code == BAD_INPUT
    assert_one_line_error(err, "unknown command 'fly'")


def test_the_dispatch_table_names_each_command_with_help_and_functions():
    assert {"train", "evaluate", "summary"} <= set(SUBCOMMANDS)
    for command in SUBCOMMANDS.values():
        assert command.help and callable(command.add_arguments) and callable(command.run)


# ---- the real entry point ---------------------------------------------------------------------

def test_importing_the_commands_loads_neither_torch_nor_qt():
    code = ("import sys, nnstudio.cli, nnstudio.commands; "
            "print(sorted(m for m in ('torch', 'PySide6') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_python_dash_m_nnstudio_runs_a_subcommand_with_its_exit_code(tmp_path):
    missing = tmp_path / "missing.nnstudio"
    result = subprocess.run([sys.executable, "-m", "nnstudio", "summary", str(missing)],
                            capture_output=True, text=True)
    assert result.returncode == BAD_INPUT
    assert result.stderr.count("\n") == 1 and "missing.nnstudio" in result.stderr
    ok = subprocess.run([sys.executable, "-m", "nnstudio", "summary", "--json",
                         str(EXAMPLES / "spiral.nnstudio")], capture_output=True, text=True)
    assert ok.returncode == OK and json.loads(ok.stdout)["total_params"] == 105


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_train_draws_one_progress_bar_redrawn_in_place(spiral, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert run_subcommand(["train", str(spiral), "--epochs", "3"]) == OK
    text = terminal.getvalue()
    bar = text.split("\n")[1]  # after the "training ... parameters" line
    assert bar.startswith("\r[")
    assert "epoch 3/3" in bar and "loss" in bar and "/s" in bar and "ETA" in bar
    assert "val_accuracy" in bar.rsplit("\r", 1)[-1]
    assert text.endswith("\n") and text.count("\n") == 2  # the bar ends its line when done


# ---- lr-find ----------------------------------------------------------------------------------

def test_lr_find_prints_rates_losses_and_a_suggestion_and_leaves_the_file_byte_for_byte(
        capsys, spiral):
    before = spiral.read_bytes()
    code, out, err = run(capsys, "lr-find", spiral, "--steps", "60", "--json")
    assert code == OK, err
    found = json.loads(out)
    assert len(found["learning_rates"]) == len(found["losses"]) > 10
    assert found["learning_rates"][0] < found["suggested"] < found["learning_rates"][-1]
    assert spiral.read_bytes() == before
    assert sorted(p.name for p in spiral.parent.iterdir()) == ["spiral.nnstudio"]
    code, out, err = run(capsys, "lr-find", spiral, "--steps", "60")
    assert code == OK and "suggested learning rate:" in out and "the project is unchanged" in out
    assert spiral.read_bytes() == before


def test_lr_find_refuses_too_few_steps_in_one_line(capsys, spiral):
    code, out, err = run(capsys, "lr-find", spiral, "--steps", "3")
    assert code == BAD_INPUT
    assert_one_line_error(err, "--steps")


# ---- backprop ---------------------------------------------------------------------------------

def test_backprop_json_has_the_sample_its_layers_and_the_update_named_as_the_weights(
        capsys, spiral):
    code, out, err = run(capsys, "backprop", spiral, "--sample", "4", "--json")
    assert code == OK, err
    found = json.loads(out)
    assert found["sample"] == 4 and len(found["input"]) == 2 and found["loss"] > 0
    assert [layer["id"] for layer in found["layers"]] == ["dense_1", "dense_2", "dense_3"]
    for key in ("z", "a", "delta", "grad_weight", "grad_bias"):
        assert key in found["layers"][0]
    assert set(found["update"]["parameters"]) == {f"dense_{i}.{t}" for i in (1, 2, 3)
                                                 for t in ("weight", "bias")}
    code, out, err = run(capsys, "backprop", spiral, "--sample", "4")
    assert code == OK and "dense_2: z [" in out and "update: adam" in out


def test_backprop_names_a_sample_out_of_range_in_one_line(capsys, spiral):
    code, out, err = run(capsys, "backprop", spiral, "--sample", "5000", "--split", "test")
    assert code == BAD_INPUT
    assert_one_line_error(err, "--sample", "test has samples 0 to")
