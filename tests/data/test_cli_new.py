"""`nnstudio new`: a project pointing at one's data file, with a first network sized for it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnstudio.core.project import load_project
from nnstudio.core.shapes import infer_shapes
from nnstudio.data.cli_new import default_network, run_new
from nnstudio.data.dataset import Dataset
from nnstudio.data.importers import data_checksum
from nnstudio.data.source import load_dataset

CSV = "".join(
    ["sepal,petal,species\n"]
    + [f"{i * 0.1:.1f},{i % 7},{('setosa', 'versicolor', 'virginica')[i % 3]}\n" for i in range(30)]
)


def layers(network):
    return [(node.type, node.params.get("units"), node.params.get("activation"))
            for node in network.topological_order()]


def test_new_writes_a_project_with_an_mlp_and_the_file_source(tmp_path, capsys):
    data = tmp_path / "iris.csv"
    data.write_text(CSV)
    project_path = tmp_path / "iris.nnstudio"
    assert run_new(["--data", str(data), "--target", "species", "-o", str(project_path)]) == 0
    assert "Wrote" in capsys.readouterr().out
    loaded = load_project(project_path)
    project = loaded.project
    assert layers(project.network) == [
        ("input", None, None), ("dense", 16, "relu"), ("dense", 16, "relu"),
        ("dense", 3, "softmax"),
    ]
    assert infer_shapes(project.network).ok
    source = project.data.source
    assert (source.kind, source.path, source.format) == ("file", "iris.csv", "csv")
    assert source.sha256 == data_checksum(data)
    assert source.options == {  # the dialect and the columns, so reopening repeats them
        "target": "species", "features": ["sepal", "petal"], "delimiter": ",",
        "quote_char": '"', "header": True, "decimal": ".", "encoding": "utf-8",
    }
    dataset = load_dataset(project, project_path)
    assert dataset.class_names == ("setosa", "versicolor", "virginica")
    assert json.loads(project_path.read_text())["data"]["source"]["path"] == "iris.csv"


def test_task_override_and_binary_and_regression_outputs():
    x = np.zeros((4, 3), dtype=np.float32)
    binary = Dataset("b", x, np.array([0, 1, 0, 1]), "binary", (), ("a", "b"))
    regression = Dataset("r", x, np.array([0.5, 1, 2, 3], dtype=np.float32), "regression")
    images = Dataset("i", np.zeros((4, 1, 5, 5)), np.array([0, 1, 2, 0]), "multiclass", (),
                     ("a", "b", "c"))
    assert layers(default_network(binary))[-1] == ("dense", 1, "sigmoid")
    assert layers(default_network(regression))[-1] == ("dense", 1, "linear")
    assert [t for t, _, _ in layers(default_network(images))][:2] == ["input", "flatten"]
    assert infer_shapes(default_network(images)).ok


def test_new_with_task_option_makes_a_regression_project(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text(CSV)
    out = tmp_path / "p.nnstudio"
    assert run_new(["--data", str(data), "--target", "petal", "--task", "regression",
                    "--features", "sepal", "-o", str(out)]) == 0
    project = load_project(out).project
    assert layers(project.network)[-1] == ("dense", 1, "linear")
    options = project.data.source.options
    assert (options["target"], options["task"], options["features"]) == (
        "petal", "regression", ["sepal"])


def test_a_bad_file_prints_one_line_with_its_place_and_exits_2(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("a,y\n" + "".join(f"{i % 7},{i % 2}\n" for i in range(30)) + "x1,1\n")
    out = tmp_path / "p.nnstudio"
    assert run_new(["--data", str(data), "--target", "y", "-o", str(out)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("nnstudio new: ") and "line 32, column 'a'" in error
    assert "\n" not in error and not out.exists()


def test_a_missing_target_option_or_column_is_explained(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text(CSV)
    out = tmp_path / "p.nnstudio"
    numbers = tmp_path / "n.csv"
    numbers.write_text("a,b\n" + "".join(f"{i * 0.5},{i * 0.25}\n" for i in range(30)))
    assert run_new(["--data", str(numbers), "-o", str(out)]) == 2
    error = capsys.readouterr().err
    assert "no column looks like a label" in error and "the columns are a, b" in error
    assert "choose the target with --target" in error and not out.exists()
    assert run_new(["--data", str(data), "--target", "kind", "-o", str(out)]) == 2
    assert "there is no column 'kind'" in capsys.readouterr().err


def test_data_outside_the_project_folder_needs_copy_data(tmp_path, capsys):
    (tmp_path / "elsewhere").mkdir()
    data = tmp_path / "elsewhere" / "d.csv"
    data.write_text(CSV)
    out = tmp_path / "project" / "p.nnstudio"
    assert run_new(["--data", str(data), "--target", "species", "-o", str(out)]) == 2
    assert "outside the project's folder" in capsys.readouterr().err
    assert run_new(["--data", str(data), "--target", "species", "-o", str(out),
                    "--copy-data"]) == 0
    assert (tmp_path / "project" / "d.csv").read_text() == CSV
    assert load_project(out).project.data.source.path == "d.csv"


def test_an_existing_project_is_not_overwritten_without_force(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text(CSV)
    out = tmp_path / "p.nnstudio"
    out.write_text("keep me")
    assert run_new(["--data", str(data), "--target", "species", "-o", str(out)]) == 2
    assert out.read_text() == "keep me"
    assert run_new(["--data", str(data), "--target", "species", "-o", str(out), "--force"]) == 0


def test_new_from_an_image_folder(tmp_path):
    from PIL import Image

    for name, shade in (("dark", 10), ("light", 240)):
        (tmp_path / "imgs" / name).mkdir(parents=True)
        for k in range(3):
            Image.new("L", (9, 7), shade + k).save(tmp_path / "imgs" / name / f"{k}.png")
    out = tmp_path / "imgs.nnstudio"
    assert run_new(["--data", str(tmp_path / "imgs"), "--image-size", "8x6", "-o", str(out)]) == 0
    project = load_project(out).project
    assert project.network.node("input_1").params["shape"] == (1, 8, 6)
    assert project.data.source.options == {"size": [8, 6], "color": "grayscale"}
    assert project.data.preprocessing == "none"
    assert load_dataset(project, out).x.shape == (6, 1, 8, 6)


@pytest.mark.parametrize("argv", [["--data", "x.csv"], ["-o", "p.nnstudio"]])
def test_missing_required_arguments_exit_2(argv):
    with pytest.raises(SystemExit) as exit_info:
        run_new(argv)
    assert exit_info.value.code == 2


def test_the_nnstudio_command_line_dispatches_new(tmp_path, capsys):
    from nnstudio.commands import SUBCOMMANDS, run_subcommand

    assert "new" in SUBCOMMANDS
    data = tmp_path / "d.csv"
    data.write_text(CSV)
    out = tmp_path / "p.nnstudio"
    assert run_subcommand(["new", "--data", str(data), "--target", "species", "-o", str(out)]) == 0
    assert load_project(out).project.data.source.path == "d.csv"
    assert run_subcommand(["new", "--data", str(data), "--target", "nope", "-o",
                           str(tmp_path / "q.nnstudio")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def cancer_csv(path, rows=80):
    """An id column, a text category, text labels in the middle and a last float column."""
    lines = ["patient_id,clinic,radius,diagnosis,texture,worst_fractal_dimension"]
    for i in range(rows):
        label = "BM"[(i * 5 % 7) % 2]
        lines.append(f"{9000 + i},{('north', 'south', 'east')[i % 3]},"
                     f"{(12 if label == 'B' else 14) + (i * 7 % 9) / 2},{label},"
                     f"{18 + (i * 3 % 11) / 4},{0.05 + (i * 13 % 17) / 200:.4f}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_new_without_target_finds_the_label_leaves_the_id_out_and_says_so(tmp_path, capsys):
    data = cancer_csv(tmp_path / "cancer.csv")
    out = tmp_path / "cancer.nnstudio"
    assert run_new(["--data", str(data), "-o", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == ("Target: diagnosis (its name, 'diagnosis', is a usual name for the "
                          "column to predict)")
    assert printed[1:7] == [
        "Inputs:",
        "  patient_id: left out, it looks like a row id (unique whole numbers that count up); "
        "--features to keep it",
        "  clinic: one-hot (east, north, south)",
        "  radius: number",
        "  texture: number",
        "  worst_fractal_dimension: number",
    ]
    assert not [line for line in printed if line.startswith("Warning")]
    options = load_project(out).project.data.source.options
    assert options["target"] == "diagnosis"
    assert options["features"] == ["clinic", "radius", "texture", "worst_fractal_dimension"]
    assert options["categorical"] == {"clinic": "onehot"}
    dataset = load_dataset(load_project(out).project, out)  # reopening reads the same columns
    assert dataset.feature_names == ("clinic=east", "clinic=north", "clinic=south", "radius",
                                     "texture", "worst_fractal_dimension")
    assert dataset.class_names == ("B", "M")


def test_drop_features_categorical_and_header_options(tmp_path, capsys):
    data = cancer_csv(tmp_path / "cancer.csv")
    out = tmp_path / "p.nnstudio"
    assert run_new(["--data", str(data), "-o", str(out), "--drop", "texture,radius",
                    "--categorical", "clinic=ordinal", "--header"]) == 0
    printed = capsys.readouterr().out
    assert "  texture: left out, as asked\n" in printed
    assert "  clinic: ordinal, numbered in this order (east, north, south)" in printed
    dataset = load_dataset(load_project(out).project, out)
    assert dataset.feature_names == ("clinic", "worst_fractal_dimension")
    assert run_new(["--data", str(data), "-o", str(out), "--force", "--target", "diagnosis",
                    "--features", "patient_id,radius"]) == 0
    printed = capsys.readouterr().out
    assert "Warning: patient_id: kept as asked, though it looks like a row id" in printed
    assert load_dataset(load_project(out).project, out).feature_names == ("patient_id",
                                                                          "radius")
    assert run_new(["--data", str(data), "-o", str(out), "--force", "--drop", "age"]) == 2
    assert "drop: there is no column 'age'" in capsys.readouterr().err


def test_missing_values_are_counted_per_column_before_rows_are_dropped(tmp_path, capsys):
    rows = [f"{i % 5},{'' if i % 10 == 0 else i % 3},{'' if i > 3 else f'note {i}'},{'ab'[i % 2]}"
            for i in range(40)]
    data = tmp_path / "gaps.csv"
    data.write_text("a,b,comment,label\n" + "\n".join(rows) + "\n")
    out = tmp_path / "p.nnstudio"
    assert run_new(["--data", str(data), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "  comment: left out, it is empty in 36 of 40 rows (90%); keeping it would cost " \
           "those rows; --features to keep it" in printed
    assert "Missing values, before any row was dropped: b 4.\n4 rows with missing values " \
           "dropped." in printed
    assert "36 samples" in printed


def test_pandas_to_csv_output_keeps_its_header_and_leaves_its_index_out(tmp_path, capsys):
    data = tmp_path / "frame.csv"
    data.write_text(",colour,size,survived\n" + "".join(
        f"{i},{('red', 'blue')[i % 2]},{'SML'[i % 3]},{i * 7 % 3 % 2}\n" for i in range(30)))
    out = tmp_path / "p.nnstudio"
    assert run_new(["--data", str(data), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("Target: survived")
    assert "  column 1: left out, it looks like a row id (an unnamed first column numbering " \
           "the rows, as pandas writes its index)" in printed
    dataset = load_dataset(load_project(out).project, out)
    assert dataset.class_names == ("0", "1") and dataset.n_samples == 30


def test_copy_data_copies_only_a_file_that_passed_its_checks(tmp_path, capsys):
    (tmp_path / "elsewhere").mkdir()
    bad = tmp_path / "elsewhere" / "d.csv"
    bad.write_text("a,y\n" + "".join(f"{i % 7},{i % 2}\n" for i in range(30)) + "x1,1\n")
    out = tmp_path / "project" / "p.nnstudio"
    args = ["--data", str(bad), "--target", "y", "-o", str(out), "--copy-data"]
    assert run_new(args) == 2
    error = capsys.readouterr().err
    assert f"{bad}: line 32, column 'a'" in error  # the user's file, not a copy
    assert not (tmp_path / "project" / "d.csv").exists() and not out.exists()
    bad.write_text(CSV.replace("species", "y"))  # fixed: the rerun works
    assert run_new(args) == 0
    assert (tmp_path / "project" / "d.csv").read_text() == bad.read_text()
    assert run_new([*args, "--force"]) == 0  # an identical copy from before is used as is


def test_a_closed_stdout_does_not_turn_success_into_an_error(tmp_path):
    import subprocess
    import sys

    data = tmp_path / "d.csv"
    data.write_text(CSV)
    out = tmp_path / "p.nnstudio"
    process = subprocess.Popen(
        [sys.executable, "-m", "nnstudio", "new", "--data", str(data), "-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # like `| head -0`: every write meets a closed pipe
    stderr = process.stderr.read().decode()
    assert process.wait() == 0, stderr
    assert stderr == "" and load_project(out).project.data.source.options["target"] == "species"


def test_new_runs_the_data_checks_the_window_shows(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("a,b,label\n" + "".join(
        f"{i % 9},{(i * 7 % 13) / 2},{'x' if i % 10 else 'y'}\n" for i in range(100)))
    assert run_new(["--data", str(data), "-o", str(tmp_path / "p.nnstudio")]) == 0
    assert "Warning: The classes are imbalanced: 'x' has 90 samples (90%), 'y' only 10 " \
           "(10%)." in capsys.readouterr().out


def test_per_column_encodings_in_a_project_file_are_checked_when_it_loads(tmp_path):
    from nnstudio.core.errors import DataError, ProjectError

    data = cancer_csv(tmp_path / "cancer.csv")
    out = tmp_path / "p.nnstudio"
    assert run_new(["--data", str(data), "-o", str(out)]) == 0
    document = json.loads(out.read_text())
    document["data"]["source"]["options"]["categorical"] = {"clinic": 5}
    out.write_text(json.dumps(document))
    with pytest.raises(ProjectError, match="options.categorical: must be a text, number"):
        load_project(out)
    document["data"]["source"]["options"]["categorical"] = {"clinic": "sideways"}
    out.write_text(json.dumps(document))
    with pytest.raises((DataError, ProjectError),
                       match=r"categorical\W+clinic: must be one of onehot, ordinal"):
        load_dataset(load_project(out).project, out)


def test_label_noise_flips_that_share_of_the_training_labels_and_is_refused_for_numbers(
        tmp_path, capsys):
    from nnstudio.data.label_noise import flipped_labels_count
    from nnstudio.data.source import prepare_project_data

    data = tmp_path / "iris.csv"
    data.write_text(CSV)
    noisy, clean = tmp_path / "noisy.nnstudio", tmp_path / "clean.nnstudio"
    assert run_new(["--data", str(data), "--target", "species", "-o", str(clean)]) == 0
    assert run_new(["--data", str(data), "--target", "species", "-o", str(noisy),
                    "--label-noise", "0.25"]) == 0
    assert "25% of the training labels are flipped" in capsys.readouterr().out
    loaded, plain = load_project(noisy), load_project(clean)
    assert loaded.project.data.label_noise == 0.25
    assert "label_noise" not in json.loads(clean.read_text())["data"]
    flipped = prepare_project_data(loaded.project, loaded.path)
    kept = prepare_project_data(plain.project, plain.path)
    changed = int((flipped.train.y != kept.train.y).sum())
    assert changed == flipped_labels_count(kept.train.n_samples, 0.25) > 0
    np.testing.assert_array_equal(flipped.test.y, kept.test.y)
    for bad, message in ((["--label-noise", "1"], "up to (not including) 1"),
                         (["--label-noise", "0.2", "--task", "regression", "--target", "sepal"],
                          "numeric target")):
        argv = ["--data", str(data), "-o", str(tmp_path / "bad.nnstudio"), *bad]
        if "--target" not in bad:
            argv += ["--target", "species"]
        assert run_new(argv) == 2
        assert message in capsys.readouterr().err
        assert not (tmp_path / "bad.nnstudio").exists()
