"""A save killed at any moment (SIGKILL, no cleanup) leaves the project whole: it opens, and it
is either the version before the save or the one being saved, weights and runs included. The
next save by a later process removes the temporary files the killed ones left."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np

from nnstudio.core.network import chain
from nnstudio.core.project import Project, RunRecord, load_project, save_project

TRIALS = 20
NETWORK = chain(("input", {"shape": (512,)}), ("dense", {"units": 512}), ("dense", {"units": 2}))


def version(value: float) -> tuple[Project, dict[str, np.ndarray]]:
    """The project saved as version `value`: its name, weights (1 MB) and its run's weights
    all say which version it is."""
    weights = {"dense_1.weight": np.full((512, 512), value, np.float32),
               "dense_1.bias": np.full(512, value, np.float32),
               "dense_2.weight": np.full((2, 512), value, np.float32),
               "dense_2.bias": np.full(2, value, np.float32)}
    run = RunRecord(id="run_1", name=f"run of {value:g}", network=NETWORK,
                    history={"loss": [value]})
    return Project(name=f"version {value:g}", network=NETWORK, runs=[run]), weights


# Imports once, then forks one saver per trial (a fresh interpreter per trial costs seconds):
# each "go" line starts a child that saves until it is killed; the zygote says the child's pid,
# reaps it, and says "reaped".
ZYGOTE = textwrap.dedent("""
    import os, sys
    from tests.fuzz.test_kill_during_save import save_version
    for line in sys.stdin:
        pid = os.fork()
        if pid == 0:
            number = 0
            while True:  # until killed: every save changes every file
                number += 1
                save_version(sys.argv[1], 1.0 + number % 2)
        print(pid, flush=True)
        os.waitpid(pid, 0)
        print("reaped", flush=True)
""")


def save_version(path: str, value: float) -> None:
    project, weights = version(value)
    save_project(path, project, weights, {"run_1": weights})


def assert_whole(path) -> float:
    """The project opens whole as one of the two versions; which one."""
    loaded = load_project(path)
    value = float(loaded.weights["dense_1.bias"][0])
    assert value in (1.0, 2.0), value
    assert loaded.project.name == f"version {value:g}"
    for key, array in version(value)[1].items():
        np.testing.assert_array_equal(loaded.weights[key], array)
        np.testing.assert_array_equal(loaded.run_weights("run_1")[key], array)
    assert loaded.project.runs[0].history["loss"] == [value]
    return value


def test_a_save_killed_at_any_moment_leaves_the_old_or_the_new_project_whole(tmp_path):
    path = tmp_path / "killed.nnstudio"
    save_version(str(path), 2.0)
    rng = random.Random(0)
    zygote = subprocess.Popen([sys.executable, "-c", ZYGOTE, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
    try:
        for _ in range(TRIALS):
            zygote.stdin.write("go\n")
            zygote.stdin.flush()
            saver = int(zygote.stdout.readline())
            time.sleep(rng.uniform(0.0, 0.3))  # the moment of the kill, not a measured time
            os.kill(saver, signal.SIGKILL)
            assert zygote.stdout.readline() == "reaped\n"
            assert_whole(path)
    finally:
        zygote.kill()
        zygote.communicate()
    left = [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]  # kills mid-write
    # A later process saves once: the temporary files of the killed saves go.
    subprocess.run([sys.executable, "-c", "import sys; from tests.fuzz.test_kill_during_save "
                    "import save_version; save_version(sys.argv[1], 1.0)", str(path)],
                   check=True, timeout=120)
    assert assert_whole(path) == 1.0
    assert [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")] == [], left
