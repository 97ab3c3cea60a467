"""Reading project and weights files safely: memory reserved by the file's size, never by the
limit; files that never end; a run's weights of another network refused, naming the tensors."""

from __future__ import annotations

import hashlib
import json
import resource
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import safetensors.numpy

import nnstudio.core.project as project_module
from nnstudio.core.errors import ProjectError
from nnstudio.core.network import chain
from nnstudio.core.project import Project, RunRecord, load_project, save_project

NETWORK = chain(("input", {"shape": (2,)}), ("dense", {"units": 3}), ("dense", {"units": 1}))
ADDRESS_SPACE_CAP = 1024 ** 3  # far below MAX_WEIGHTS_BYTES (2 GiB), far above what reading needs


def fitting_weights() -> dict[str, np.ndarray]:
    return {"dense_1.weight": np.ones((3, 2), np.float32), "dense_1.bias": np.zeros(3, np.float32),
            "dense_2.weight": np.ones((1, 3), np.float32), "dense_2.bias": np.zeros(1, np.float32)}


def saved(tmp_path, weights=None):
    path = tmp_path / "p.nnstudio"
    save_project(path, Project(network=NETWORK), weights or fitting_weights())
    return path


def test_weights_load_under_an_address_space_cap_below_the_weights_limit(tmp_path):
    path = saved(tmp_path)
    script = textwrap.dedent(f"""
        import resource
        from nnstudio.core.project import load_project
        resource.setrlimit(resource.RLIMIT_AS, ({ADDRESS_SPACE_CAP}, {ADDRESS_SPACE_CAP}))
        try:
            bytearray({project_module.MAX_WEIGHTS_BYTES})
        except MemoryError:
            print("the cap holds")
        print(sorted(load_project({str(path)!r}).weights))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["the cap holds", str(sorted(fitting_weights()))]


def test_a_file_that_never_ends_is_read_in_chunks_and_refused_as_too_large():
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with pytest.raises(ProjectError, match=r"^zero: is larger than 50 MB, far too large to be a "
                                           r"project file$"):
        project_module._read_limited(project_module.Path("/dev/zero"),
                                     project_module.MAX_PROJECT_BYTES, "zero", "project file")
    assert resource.getrlimit(resource.RLIMIT_AS) == (soft, hard)


def test_a_weights_file_larger_than_the_limit_is_refused_without_reading_it(tmp_path, monkeypatch):
    path = saved(tmp_path)
    monkeypatch.setattr(project_module, "MAX_WEIGHTS_BYTES", 100)
    read = project_module._read_at_most
    reads = []
    monkeypatch.setattr(project_module, "_read_at_most",
                        lambda handle, most: reads.append(handle.name) or read(handle, most))
    with pytest.raises(ProjectError, match=r"weights.path: p.weights.[0-9a-f]{16}.safetensors: "
                                           r"is larger than 9.53674e-05 MB"):
        load_project(path)
    assert reads == [str(path)]  # the project file only


def with_run_weights_file(path, arrays: dict[str, np.ndarray]) -> None:
    """Point the project's run at a weights file holding `arrays` (as an edited project might)."""
    blob = safetensors.numpy.save(arrays)
    (path.parent / "other.safetensors").write_bytes(blob)
    document = json.loads(path.read_text())
    document["runs"][0]["weights"] = {"path": "other.safetensors",
                                      "sha256": hashlib.sha256(blob).hexdigest()}
    path.write_text(json.dumps(document))


@pytest.mark.parametrize("changes, expected", [
    ({"dense_1.weight": np.ones((4, 2), np.float32)},
     "dense_1.bias shaped [3], dense_1.weight shaped [4, 2] for dense_1, which has 9 "
     "parameters: the weights hold 11, so they belong to another network"),
    ({"dense_2.weight": None, "dense_2.bias": None},
     "no tensor for dense_2, which has 4 parameters: the weights hold 0, so they belong to "
     "another network"),
])
def test_a_runs_weights_that_do_not_fit_its_network_are_refused_naming_the_tensors(
        tmp_path, changes, expected):
    path = tmp_path / "p.nnstudio"
    run = RunRecord(id="run_1", network=NETWORK)
    save_project(path, Project(network=NETWORK, runs=[run]), None, {"run_1": fitting_weights()})
    weights = {**fitting_weights(), **changes}
    with_run_weights_file(path, {key: value for key, value in weights.items() if value is not None})
    loaded = load_project(path)
    with pytest.raises(ProjectError) as error:
        loaded.run_weights("run_1")
    assert str(error.value) == f'p.nnstudio: run "run_1" weights.path: "other.safetensors": ' \
                               f'{expected}'


def test_current_weights_older_than_an_edited_network_still_load_and_save(tmp_path):
    path = tmp_path / "p.nnstudio"
    stale = {**fitting_weights(), "dense_1.weight": np.ones((4, 2), np.float32)}
    save_project(path, Project(network=NETWORK), stale)  # training will start afresh, saying so
    assert load_project(path).weights["dense_1.weight"].shape == (4, 2)


def test_running_statistics_are_not_counted_as_parameters(tmp_path):  # in a run's weights
    network = chain(("input", {"shape": (2,)}), ("dense", {"units": 3}), ("batchnorm", {}),
                    ("dense", {"units": 1}))
    weights = {**fitting_weights(),
               "batchnorm_1.weight": np.ones(3, np.float32),
               "batchnorm_1.bias": np.zeros(3, np.float32),
               "batchnorm_1.running_mean": np.zeros(3, np.float32),
               "batchnorm_1.running_var": np.ones(3, np.float32)}
    path = tmp_path / "bn.nnstudio"
    save_project(path, Project(network=network, runs=[RunRecord(id="run_1", network=network)]),
                 None, {"run_1": weights})
    assert set(load_project(path).run_weights("run_1")) == set(weights)
