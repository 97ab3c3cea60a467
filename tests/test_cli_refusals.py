"""`nnstudio train` refuses what it cannot train in a line, before building anything, and keeps
a run that diverged after learning something."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap

from nnstudio.commands import BAD_INPUT, FAILED, run_subcommand
from nnstudio.core.examples import example_project
from nnstudio.core.model_size import MEMORY_LIMIT_ENV
from nnstudio.core.project import load_project, save_project
from tests.test_cli import assert_one_line_error, run


def saved_example(tmp_path, key: str, **training):
    project = example_project(key)
    project = dataclasses.replace(project, training=project.training.replace(**training))
    path = tmp_path / f"{key}.nnstudio"
    save_project(path, project)
    return path


def million_inputs(tmp_path):
    """The spiral example with an Input of [1000000] feeding a Dense 4096: 16 GB of weights."""
    path = saved_example(tmp_path, "spiral")
    document = json.loads(path.read_text())
    nodes = document["network"]["nodes"]
    nodes[0]["params"]["shape"] = [1_000_000]
    nodes[1]["params"]["units"] = 4096
    path.write_text(json.dumps(document))
    return path


def cli_in_a_fresh_process(*argv: str, env: dict | None = None):
    """(exit code, stderr, whether torch was imported) of the command in a new interpreter."""
    script = textwrap.dedent(f"""
        import sys
        from nnstudio.commands import run_subcommand
        code = run_subcommand({list(argv)!r})
        print(code, "torch" in sys.modules)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, env=env)
    code, torch_loaded = result.stdout.split()
    return int(code), result.stderr, torch_loaded == "True"


def test_a_million_inputs_into_dense_4096_is_refused_before_torch_is_loaded(tmp_path):
    code, err, torch_loaded = cli_in_a_fresh_process("train", str(million_inputs(tmp_path)))
    assert code == BAD_INPUT and not torch_loaded
    assert_one_line_error(err, "nnstudio train: input_1: expects samples shaped [1000000], but "
                               "the data \"Spiral\" has samples shaped [2]")


def test_a_network_above_the_memory_limit_is_refused_naming_the_limit(tmp_path):
    path = saved_example(tmp_path, "spiral", batch_size=64)
    env = {**os.environ, MEMORY_LIMIT_ENV: "1KB"}
    code, err, torch_loaded = cli_in_a_fresh_process("train", str(path), env=env)
    assert code == BAD_INPUT and not torch_loaded
    assert_one_line_error(err, "nnstudio train: network: training it in batches of 64 would "
                               "need about", "more than the limit of 1 KB",
                          f"raise the limit with {MEMORY_LIMIT_ENV}")


def test_the_empty_example_is_refused_in_one_line(tmp_path, capsys):
    path = saved_example(tmp_path, "empty")
    before = path.read_bytes()
    code, out, err = run(capsys, "train", path)
    assert code == BAD_INPUT and out == ""
    assert err == ("nnstudio train: network: has nothing to train (no layer with weights); add "
                   "a layer with weights, e.g. a Dense layer after the Input\n")
    assert path.read_bytes() == before


def test_a_run_that_diverges_after_good_epochs_is_kept_marked_failed(tmp_path, capsys,
                                                                    monkeypatch):
    from nnstudio.engine import trainer

    real_fit = trainer.fit

    def diverging_fit(*args, **kwargs):
        # The engine's own NaN detection is tested in the engine; here: what the CLI keeps.
        result = dataclasses.replace(real_fit(*args, **kwargs), stop_reason="failed")
        raise trainer.TrainingFailed("Training stopped: the loss became NaN at epoch 4, batch 2 "
                                     "(learning rate 0.01).", result)

    monkeypatch.setattr(trainer, "fit", diverging_fit)
    path = saved_example(tmp_path, "spiral", epochs=3)
    code, out, err = run(capsys, "train", path)
    assert code == FAILED
    last_line = err.splitlines()[-1]
    assert last_line == ("nnstudio train: Training stopped: the loss became NaN at epoch 4, "
                         "batch 2 (learning rate 0.01). Kept as Run 1 (run_1), marked failed, "
                         "with its curves up to epoch 3 and the last good weights, which are "
                         "now the project's weights.")
    assert "Traceback" not in err and "Run 1: 3 epochs" in out and "(failed)" in out
    loaded = load_project(path)
    run_record = loaded.project.runs[-1]
    assert run_record.note.startswith("Failed: Training stopped: the loss became NaN at epoch 4")
    assert len(run_record.history["loss"]) == 3
    assert set(loaded.weights) == set(loaded.run_weights(run_record.id))


def test_a_run_that_diverges_in_its_first_epoch_leaves_the_project_as_it_was(
        tmp_path, capsys, monkeypatch):
    from nnstudio.engine import trainer

    def at_once(*args, **kwargs):
        raise trainer.TrainingFailed("Training stopped: the loss became NaN at epoch 1, batch 1.",
                                     None)

    monkeypatch.setattr(trainer, "fit", at_once)
    path = saved_example(tmp_path, "spiral")
    before = path.read_bytes()
    code, out, err = run(capsys, "train", path)
    assert code == FAILED and path.read_bytes() == before
    assert_one_line_error(err, "epoch 1, batch 1.", "The project was not changed.")
