"""A save cleans up what killed saves of the same project left behind, and nothing else."""

from __future__ import annotations

import os

import numpy as np

import nnstudio.core.project as project_module
from nnstudio.core.network import chain
from nnstudio.core.project import Project, save_project

NETWORK = chain(("input", {"shape": (2,)}), ("dense", {"units": 1}))
WEIGHTS = {"dense_1.weight": np.ones((1, 2), np.float32), "dense_1.bias": np.zeros(1, np.float32)}


def touch(path, age_seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"half a save")
    moment = project_module._PROCESS_STARTED - age_seconds
    os.utime(path, (moment, moment))


def test_a_save_removes_its_projects_stale_temporary_files_only(tmp_path):
    stale = [tmp_path / ".p.nnstudio.ab12cd_9.tmp",
             tmp_path / ".p.weights.0123456789abcdef.safetensors.zzzzzzzz.tmp",
             tmp_path / "p.runs" / ".run_1.0123456789abcdef.safetensors.a1b2c3d4.tmp",
             tmp_path / "p.runs" / ".run_1.history.0123456789abcdef.safetensors.a1b2c3d4.tmp"]
    kept = [tmp_path / ".other.nnstudio.ab12cd_9.tmp",  # another project's
            tmp_path / ".p.nnstudio.tmp",  # not a name a save makes
            tmp_path / ".p.nnstudio.ab12cd_9.tmp.bak",
            tmp_path / "p.nnstudio.ab12cd_9.tmp",
            tmp_path / "other.runs" / ".run_1.0123456789abcdef.safetensors.a1b2c3d4.tmp"]
    for path in stale + kept:
        touch(path, age_seconds=60)
    started_later = tmp_path / ".p.nnstudio.newer000.tmp"  # a save running in another window
    touch(started_later, age_seconds=-5)
    save_project(tmp_path / "p.nnstudio", Project(network=NETWORK), WEIGHTS)
    assert [path for path in stale if path.exists()] == []
    assert all(path.exists() for path in kept + [started_later])
    assert (tmp_path / "p.nnstudio").is_file()


def test_a_save_that_changes_nothing_still_cleans_up(tmp_path):
    path = tmp_path / "p.nnstudio"
    save_project(path, Project(network=NETWORK), WEIGHTS)
    before = path.stat().st_mtime_ns
    stale = tmp_path / ".p.nnstudio.k1ll3d00.tmp"
    touch(stale, age_seconds=3600)
    save_project(path, Project(network=NETWORK), WEIGHTS)
    assert not stale.exists() and path.stat().st_mtime_ns == before
