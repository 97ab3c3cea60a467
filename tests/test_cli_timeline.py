"""The timeline on the command line: train keeps it, train --from-run RUN --epoch N forks from
a kept epoch (recorded as the new run's parent), evaluate --epoch N measures the kept snapshot
nearest to N and says which epoch it used."""

from __future__ import annotations

import json

import numpy as np

from nnstudio.commands import BAD_INPUT, OK
from nnstudio.core.project import WeightsOrigin, load_project, load_run_timeline
from tests.test_cli import assert_one_line_error, one_thread, run, spiral  # noqa: F401


def test_train_keeps_a_timeline_and_a_fork_records_its_run_and_epoch(capsys, spiral):  # noqa: F811
    assert run(capsys, "train", spiral, "--epochs", "10", "--no-early-stopping")[0] == OK
    record = load_project(spiral).project.runs[0]
    assert record.timeline.epochs == (1, 2, 3, 5, 8, 10)
    kept = load_run_timeline(spiral, record)
    code, out, _ = run(capsys, "train", spiral, "--from-run", "Run 1", "--epoch", "4",
                       "--epochs", "2", "--no-early-stopping")
    assert code == OK and "forked from Run 1 (run_1), epoch 3 (the kept epoch nearest to 4)" \
        in out
    project = load_project(spiral).project
    fork = project.runs[1]
    assert fork.parent == WeightsOrigin("run_1", 3)
    assert project.weights_origin == WeightsOrigin("run_2", 2)
    # It really started from epoch 3's weights: one epoch from them equals the fork's epoch 1.
    code, out, _ = run(capsys, "train", spiral, "--from-run", "run_1", "--epoch", "3",
                       "--epochs", "1", "--no-early-stopping", "--json")
    assert json.loads(out)["continued_from"]["epoch"] == 3
    again = load_project(spiral).project.runs[2]
    assert again.history["loss"][0] == fork.history["loss"][0]
    assert kept[3].keys() == load_run_timeline(spiral, fork)[1].keys()


def test_fork_refuses_unknown_runs_and_an_epoch_without_a_run(capsys, spiral):  # noqa: F811
    run(capsys, "train", spiral, "--epochs", "2")
    before = spiral.read_bytes()
    code, _, err = run(capsys, "train", spiral, "--from-run", "run_9")
    assert code == BAD_INPUT
    assert_one_line_error(err, "--from-run", "run_9", "run_1 (Run 1)")
    code, _, err = run(capsys, "train", spiral, "--epoch", "2")
    assert code == BAD_INPUT and "--from-run" in err
    code, _, err = run(capsys, "train", spiral, "--from-run", "run_1", "--continue")
    assert code == BAD_INPUT and "--continue" in err
    assert spiral.read_bytes() == before


def test_evaluate_epoch_uses_the_nearest_kept_snapshot_and_says_which(capsys, spiral):  # noqa: F811
    run(capsys, "train", spiral, "--epochs", "30", "--no-early-stopping")
    code, out, _ = run(capsys, "evaluate", spiral, "--epoch", "12", "--json")
    report = json.loads(out)
    assert code == OK and report["epoch_used"] == 13 and report["epoch_requested"] == 12
    assert report["weights_from"]["epoch"] == 13 and report["run"] == "run_1"
    code, out, _ = run(capsys, "evaluate", spiral, "--epoch", "12")
    assert "weights kept by Run 1 (run_1), epoch 13 (the kept epoch nearest to 12)" in out
    # The measured weights are the snapshot's: epoch 1 and epoch 30 measure differently.
    first = json.loads(run(capsys, "evaluate", spiral, "--epoch", "1", "--json")[1])
    last = json.loads(run(capsys, "evaluate", spiral, "--epoch", "999", "--run", "Run 1",
                          "--json")[1])
    current = json.loads(run(capsys, "evaluate", spiral, "--json")[1])
    assert last["epoch_used"] == 30 and first["epoch_used"] == 1
    assert last["test_loss"] == current["test_loss"] != first["test_loss"]
    assert not np.isclose(first["test_loss"], last["test_loss"])


def test_evaluate_epoch_of_an_old_run_uses_its_final_weights(capsys, spiral):  # noqa: F811
    import dataclasses

    from nnstudio.core.project import save_project

    run(capsys, "train", spiral, "--epochs", "4")
    loaded = load_project(spiral)
    old = dataclasses.replace(loaded.project.runs[0], timeline=None)
    save_project(spiral, dataclasses.replace(loaded.project, runs=[old]), loaded.weights,
                 source_path=spiral)
    code, out, _ = run(capsys, "evaluate", spiral, "--epoch", "1", "--json")
    assert code == OK and json.loads(out)["epoch_used"] == 4
    code, _, err = run(capsys, "evaluate", spiral, "--run", "run_1")
    assert code == BAD_INPUT and "--epoch" in err
