"""The scale sweep: scaling a network, the sweep's rows, its honest findings, table, CSV and PNG."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PIL import Image

from nnstudio.core.config import TrainingConfig
from nnstudio.core.errors import SpecError
from nnstudio.core.examples import example_project
from nnstudio.core.network import Network, chain, make_node
from nnstudio.core.shapes import infer_shapes
from nnstudio.engine.callbacks import TrainingControl
from nnstudio.engine.sweep import (
    SweepSize, hidden_depth, hidden_width, run_sweep, scale_network, sized_network, sweep_sizes,
)
from nnstudio.engine.sweep_plot import HELD_OUT, TRAIN


def units(network: Network) -> list[int]:
    return [n.params["units"] for n in network.topological_order() if n.type == "dense"]


def dropout_net() -> Network:
    return chain(("input", {"shape": (1, 8, 8)}), ("flatten", {}),
                 ("dense", {"units": 32, "activation": "relu"}), ("dropout", {"rate": 0.2}),
                 ("dense", {"units": 16, "activation": "relu"}), ("dropout", {"rate": 0.1}),
                 ("dense", {"units": 10, "activation": "softmax"}))


# ---- scaling ----------------------------------------------------------------------------------

def test_width_scaling_multiplies_every_hidden_layer_and_keeps_input_and_output(make_mlp):
    network = make_mlp(2, (8, 6), 1)
    wider = scale_network(network, 2.0)
    assert units(wider) == [16, 12, 1]
    assert wider.node("input_1").params["shape"] == (2,)
    assert units(scale_network(network, 0.01)) == [1, 1, 1]  # never below one unit
    assert units(network) == [8, 6, 1]  # the original is left alone


def test_convolution_filters_scale_with_the_width():
    network = example_project("digits_cnn").network
    filters = [n.params["filters"] for n in scale_network(network, 0.5).nodes
               if n.type == "conv2d"]
    assert filters == [8, 16]
    assert units(scale_network(network, 0.5)) == [32, 10]  # hidden dense halves, output stays


def test_the_papers_padded_convolutions_and_bidirectional_layers_scale_with_their_options():
    cnn = chain(("input", {"shape": (40,)}), ("reshape", {"shape": (1, 40)}),
                *[("conv1d", {"filters": 25, "kernel": k, "stride": 2, "padding": 1,
                              "padding_mode": "reflect"}) for k in (5, 3, 3)],
                ("flatten", {}), ("dense", {"units": 10}))
    wider = scale_network(cnn, 2.0)
    convs = [n for n in wider.topological_order() if n.type == "conv1d"]
    assert [n.params["filters"] for n in convs] == [50, 50, 50]
    assert {(n.params["padding"], n.params["padding_mode"]) for n in convs} == {(1, "reflect")}
    assert infer_shapes(wider).shape("flatten_1") == (250,)  # 50 filters x 5: the padding held
    gru = chain(("input", {"shape": (40, 1)}),
                ("gru", {"units": 6, "return_sequences": True, "bidirectional": True}),
                ("flatten", {}), ("dense", {"units": 10}))
    assert hidden_width(gru) == 6
    assert infer_shapes(scale_network(gru, 2.0)).shape("flatten_1") == (960,)  # 40 x 2 x 12


def test_more_depth_repeats_the_last_hidden_block_with_new_ids_and_less_keeps_the_first():
    network = dropout_net()
    deeper = scale_network(network, depth=4)
    order = [n.id for n in deeper.topological_order()]
    assert order == ["input_1", "flatten_1", "dense_1", "dropout_1", "dense_2", "dropout_2",
                     "dense_4", "dropout_3", "dense_5", "dropout_4", "dense_3"]
    assert units(deeper) == [32, 16, 16, 16, 10]
    assert deeper.node("dropout_3").params["rate"] == 0.1
    assert hidden_depth(deeper) == 4
    assert [n.id for n in scale_network(network, depth=1).topological_order()] == [
        "input_1", "flatten_1", "dense_1", "dropout_1", "dense_3"]
    assert units(scale_network(network, depth=0)) == [10]  # input straight to the output


def test_depth_scaling_refuses_branches_and_networks_without_a_hidden_layer(make_mlp):
    with pytest.raises(SpecError, match="no hidden layer to repeat"):
        scale_network(make_mlp(2, (), 1), depth=2)
    a = make_node("input", "x", shape=(2,))
    b = make_node("dense", "left", ("x",), units=4)
    c = make_node("dense", "right", ("x",), units=4)
    d = make_node("add", "sum", ("left", "right"))
    e = make_node("dense", "out", ("sum",), units=1)
    branched = Network([a, b, c, d, e])
    with pytest.raises(SpecError, match="plain stack"):
        scale_network(branched, depth=3)
    assert units(scale_network(branched, 2.0)) == [8, 8, 1]  # branches stay the same width


def test_a_scaled_network_that_no_longer_fits_together_says_where():
    network = chain(("input", {"shape": (1, 8, 8)}),
                    ("conv2d", {"filters": 4, "kernel": 3}), ("maxpool2d", {}), ("flatten", {}),
                    ("dense", {"units": 1}))
    with pytest.raises(SpecError, match=r"at depth 2 the network does not fit together: conv2d_2 "
                       r"expects \(channels, height, width\)"):
        scale_network(network, depth=2)


def test_sizes_are_absolute_widths_of_the_widest_hidden_layer(make_mlp):
    network = make_mlp(2, (32, 16), 1)
    assert hidden_width(network) == 32
    assert units(sized_network(network, SweepSize(width=8))) == [8, 4, 1]
    assert units(sized_network(network, SweepSize(width=4, depth=3))) == [4, 2, 2, 1]


def test_sweep_sizes_pair_widths_with_depths_and_name_a_bad_option():
    assert sweep_sizes("width", [1, 4]) == [SweepSize(1), SweepSize(4)]
    assert sweep_sizes("depth", depths=[1, 2]) == [SweepSize(None, 1), SweepSize(None, 2)]
    assert sweep_sizes("both", [4, 8], [1, 2]) == [SweepSize(4, 1), SweepSize(8, 2)]
    with pytest.raises(SpecError, match="as many widths as depths"):
        sweep_sizes("both", [4, 8], [1])
    with pytest.raises(SpecError, match="sweep.widths"):
        sweep_sizes("width", [0])
    with pytest.raises(SpecError, match="sweep.scale"):
        sweep_sizes("height", [1])


# ---- the sweep --------------------------------------------------------------------------------

def settings(**values) -> TrainingConfig:
    return TrainingConfig({"epochs": 3, "batch_size": 32, "learning_rate": 0.01,
                           "device": "cpu", **values})


def test_the_table_has_one_row_per_size_and_seed_with_the_right_parameter_counts(spiral,
                                                                                 make_mlp):
    network = make_mlp(2, (8, 8), 1)
    result = run_sweep(network, [2, 8], seeds=[4, 5], data=spiral, config=settings())
    assert [(r.size.width, r.seed) for r in result.runs] == [(2, 4), (2, 5), (8, 4), (8, 5)]
    # 2-2-2-1: 6 + 6 + 3; 2-8-8-1: 24 + 72 + 9.
    assert [r.parameters for r in result.runs] == [15, 15, 105, 105]
    for run in result.runs:
        assert run.parameters == infer_shapes(sized_network(network, run.size)).total_params
        assert len(run.history["val_accuracy"]) == 3 == run.epochs_run
        assert {"train_accuracy", "val_accuracy", "test_accuracy"} <= set(run.metrics)
    lines = result.table().splitlines()
    assert lines[0].split() == ["width", "seed", "parameters", "train_accuracy",
                                "test_accuracy", "train_loss", "test_loss", "epochs", "method"]
    assert len(lines) == 2 + 4 and lines[2].split()[:3] == ["2", "4", "15"]


def test_spiral_accuracy_jumps_once_the_network_is_big_enough():
    project = example_project("spiral")  # Dense 8 tanh, Dense 8 tanh, Adam at 0.03
    result = run_sweep(project, [1, 32], seeds=2, epochs=60)
    small, large = result.summary()
    assert small.values["test"][0] < 0.7  # one neuron per layer cannot wind around the arms
    assert large.values["test"][0] > small.values["test"][0] + 0.2
    assert large.values["test"][1] > 0.85  # every seed, not just the mean


def test_random_labels_are_memorized_by_big_networks_while_test_accuracy_stays_at_chance(
        make_data, make_mlp):
    data = make_data("random_labels", {"n_samples": 400}, method="none")
    network = make_mlp(2, (8, 8), 1)
    result = run_sweep(network, [2, 128], seeds=2, data=data,
                       config=settings(epochs=120, learning_rate=0.01))
    small, large = result.summary()
    assert large.values["train"][0] > small.values["train"][0] + 0.1  # memorizing
    for summary in (small, large):
        assert 0.4 <= summary.values["test"][0] <= 0.65  # nothing to learn: chance
    assert result.chance == 0.5


def test_csv_has_a_header_and_one_line_per_run_with_its_numbers(tmp_path, spiral, make_mlp):
    result = run_sweep(make_mlp(2, (4,), 1), [1, 3], seeds=2, data=spiral, config=settings())
    path = tmp_path / "sweep.csv"
    result.to_csv(path)
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 4
    assert rows[0]["width"] == "1" and rows[0]["depth"] == "" and rows[3]["seed"] == "1"
    assert [int(r["parameters"]) for r in rows] == [r.parameters for r in result.runs]
    assert float(rows[2]["test_accuracy"]) == result.runs[2].metrics["test_accuracy"]
    assert rows[0]["method"] == "stacked"


def test_png_plots_train_and_held_out_metric_against_parameters(tmp_path, spiral, make_mlp):
    result = run_sweep(make_mlp(2, (4,), 1), [1, 4, 16], seeds=2, data=spiral, config=settings())
    path = tmp_path / "sweep.png"
    result.to_png(path, size=(900, 400))
    image = Image.open(path)
    assert image.format == "PNG" and image.size == (900, 400)
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    for color in (TRAIN, HELD_OUT):  # both series are drawn
        assert (np.abs(pixels.astype(int) - color).sum(1) < 30).sum() > 50


def test_without_a_test_split_results_are_judged_on_validation(make_data, make_mlp):
    data = make_data("circle", {"n_samples": 200}, test=0.0)
    result = run_sweep(make_mlp(2, (4,), 1), [2], seeds=1, data=data, config=settings())
    assert result.held_out == "val"
    assert "val_accuracy" in result.table().splitlines()[0]


def test_a_sweep_over_depth_and_both_names_its_sizes(spiral, make_mlp):
    network = make_mlp(2, (4,), 1)
    depth = run_sweep(network, [0, 2], seeds=1, scale="depth", data=spiral, config=settings())
    assert [r.parameters for r in depth.runs] == [3, 12 + 20 + 5]
    assert depth.table().splitlines()[0].split()[0] == "depth"
    both = run_sweep(network, [(2, 1), (4, 2)], seeds=1, scale="both", data=spiral,
                     config=settings())
    assert [(r.size.width, r.size.depth) for r in both.runs] == [(2, 1), (4, 2)]


def test_progress_reaches_the_total_and_cancel_keeps_the_sizes_already_finished(spiral,
                                                                                make_mlp):
    network = make_mlp(2, (4,), 1)
    reports = []
    run_sweep(network, [1, 64], seeds=2, data=spiral, config=settings(), pad=False,
              progress=reports.append)
    assert reports[-1].fraction == 1.0 and reports[-1].done == 12
    assert [len(r.finished) for r in reports if r.finished] == [2, 2]
    assert "width 1 (2 seeds): epoch" in reports[0].text

    control = TrainingControl()

    def stop_after_first_size(report):
        if report.finished:
            control.stop()

    result = run_sweep(network, [1, 64], seeds=2, data=spiral, config=settings(), pad=False,
                       progress=stop_after_first_size, cancel=control)
    assert result.cancelled and [r.size.width for r in result.runs] == [1, 1]


def test_bad_sweep_input_is_refused_with_a_message_naming_it(spiral, make_mlp):
    network = make_mlp(2, (4,), 1)
    with pytest.raises(SpecError, match="sweep.seeds"):
        run_sweep(network, [1], seeds=0, data=spiral, config=settings())
    with pytest.raises(SpecError, match="listed twice"):
        run_sweep(network, [2, 2], seeds=1, data=spiral, config=settings())
    with pytest.raises(SpecError, match="needs its prepared data"):
        run_sweep(network, [2], seeds=1)


# ---- command line -----------------------------------------------------------------------------

def small_project_file(tmp_path):
    from nnstudio.core.project import save_project

    project = example_project("spiral")
    project.training = project.training.replace(epochs=2, device="cpu")
    path = tmp_path / "spiral.nnstudio"
    save_project(path, project)
    return path


def sweep(*arguments: str) -> int:
    from nnstudio.commands import run_subcommand

    return run_subcommand(["sweep", *arguments])


def test_sweep_command_writes_csv_and_png_and_prints_the_table(tmp_path, capsys):
    path = small_project_file(tmp_path)
    before = path.read_bytes()
    status = sweep(str(path), "--widths", "1,4", "--seeds", "2", "--out", str(tmp_path / "out"))
    out, err = capsys.readouterr()
    assert status == 0
    assert out.splitlines()[0].startswith("over 2 seeds (0, 1); one line per seed in ")
    assert out.splitlines()[1].split()[:3] == ["width", "parameters", "seeds"]
    # one line per width, each with the seeds' spread
    assert len([line for line in out.splitlines() if line.split()[:1] in (["1"], ["4"])]) == 2
    assert "100%" in err  # the progress line
    with open(tmp_path / "out.csv") as file:
        assert len(file.read().splitlines()) == 1 + 4
    assert Image.open(tmp_path / "out.png").format == "PNG"
    assert path.read_bytes() == before  # a sweep leaves the project as it was


def test_sweep_command_prints_json_with_every_run_and_its_curves(tmp_path, capsys):
    import json

    path = small_project_file(tmp_path)
    status = sweep(str(path), "--scale", "depth", "--depths", "0,1", "--seeds", "1",
                   "--epochs", "3", "--out", str(tmp_path / "deep"), "--json")
    document = json.loads(capsys.readouterr().out)
    assert status == 0 and document["scale"] == "depth" and document["epochs"] == 3
    assert [r["depth"] for r in document["runs"]] == [0, 1]
    assert len(document["runs"][0]["history"]["loss"]) == 3
    assert document["png"].endswith("deep.png")


@pytest.mark.parametrize("arguments, message", [
    (["--widths", "1,x"], "--widths: must be whole numbers separated by commas"),
    (["--seeds", "0"], "sweep.seeds: must be from 1 to 1000"),
    (["--scale", "both", "--widths", "1,2", "--depths", "1"], "as many widths as depths"),
    (["--out", "/no/such/folder/x"], "-o: the folder"),
    (["--epochs", "many"], "argument --epochs: invalid int value"),
    (["--epochs", "0"], "--epochs: must be an integer from 1"),
])
def test_bad_sweep_command_input_exits_2_with_one_line(tmp_path, capsys, arguments, message):
    path = small_project_file(tmp_path)
    assert sweep(str(path), *arguments) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("nnstudio sweep: ") and message in err


def test_a_missing_project_exits_2_naming_the_file(tmp_path, capsys):
    assert sweep(str(tmp_path / "nothing.nnstudio")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nothing.nnstudio: no such project file" in err
