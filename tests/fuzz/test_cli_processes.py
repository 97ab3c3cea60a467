"""The command line end to end, in its own process under an address-space cap: what the attack
brought gets exit 2 and one line on stderr, never a traceback or a MemoryError. (Each start
costs seconds, so a few cases here; the other suites run the commands in-process.)"""

from __future__ import annotations

import json
import resource
import subprocess
import sys

import numpy as np
import pytest

from nnstudio.core.examples import example_project
from nnstudio.core.project import project_document, save_project

ADDRESS_SPACE_CAP = 3 * 1024 ** 3


def capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))


def nnstudio(*argv) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nnstudio", *map(str, argv)],
                          capture_output=True, text=True, timeout=300, preexec_fn=capped)


def million_inputs(folder):
    document = project_document(example_project("spiral"))
    document["network"]["nodes"][0]["params"]["shape"] = [1_000_000]
    document["network"]["nodes"][1]["params"]["units"] = 4096
    path = folder / "bomb.nnstudio"
    path.write_text(json.dumps(document))
    return path


def empty_example(folder):
    path = folder / "empty.nnstudio"
    save_project(path, example_project("empty"))
    return path


def cr_csv(folder):
    path = folder / "cr.csv"
    path.write_bytes(b"a,b,label\r1,2\r3,4,y,9\r")
    return path


def pickled_npz(folder):
    path = folder / "objects.npz"
    np.savez(path, x=np.empty((4, 2), dtype=object), y=np.zeros(4))
    return path


CASES = {
    "train of a million inputs into Dense 4096": (million_inputs, ("train", "{}")),
    "summary of a damaged project": (
        lambda folder: (folder / "cut.nnstudio").write_bytes(b'{"format": "nnstudio-pro')
        or folder / "cut.nnstudio", ("summary", "{}")),
    "train of the empty example": (empty_example, ("train", "{}")),
    "new from a CSV with CR line breaks": (cr_csv, ("new", "--data", "{}", "--target", "label",
                                                    "-o", "r.nnstudio")),
    "new from an archive of pickled objects": (pickled_npz, ("new", "--data", "{}", "-o",
                                                             "n.nnstudio")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_with_one_line_in_a_capped_process(tmp_path, monkeypatch, case):
    make, argv = CASES[case]
    target = make(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = nnstudio(*(str(target) if part == "{}" else part for part in argv))
    assert result.returncode == 2, (case, result.stderr[-2000:])
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"nnstudio {argv[0]}: ")
