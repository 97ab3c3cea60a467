"""Hostile weights files: a damaged or forged safetensors header (dtypes, shapes, offsets),
damaged bytes. Whatever the file, the project loader answers ProjectError or weights that fit,
the model takes loaded weights or refuses them with SpecError, and `import-weights` exits 0 or 2
with one line."""

from __future__ import annotations

import hashlib
import json
import random
import struct

import pytest

from nnstudio.core.errors import ProjectError, SpecError
from nnstudio.core.examples import example_project
from nnstudio.core.project import load_project, save_project
from tests.fuzz.conftest import (
    assert_refused_in_one_line,
    bounded,
    case_count,
    first_seed,
    run_cli,
)
from tests.fuzz.mutators import mutate_bytes, mutate_document

DTYPES = ("F32", "F64", "F16", "BF16", "I8", "U8", "I64", "U64", "BOOL", "F8_E4M3", "C64",
          "OBJ", "", None, 7)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A saved spiral project with weights: (its path, its weights file's bytes)."""
    from nnstudio.engine.modules import build_model
    from nnstudio.engine.weights import model_to_arrays

    folder = tmp_path_factory.mktemp("weights")
    spiral = example_project("spiral")
    path = folder / "spiral.nnstudio"
    save_project(path, spiral, model_to_arrays(build_model(spiral.network, seed=1)))
    document = json.loads(path.read_text())
    return path, (folder / document["weights"]["path"]).read_bytes()


def forged(data: bytes, rng: random.Random) -> bytes:
    """The file with its JSON header edited: a dtype, shape or offset changed, or a hostile
    value anywhere, the header's length field kept right or not."""
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    name = rng.choice(sorted(header))
    choice = rng.randrange(4)
    if choice == 0 and name != "__metadata__":
        header[name]["dtype"] = rng.choice(DTYPES)
    elif choice == 1 and name != "__metadata__":
        header[name]["shape"] = [rng.choice((0, 1, 2, 8, -1, 2 ** 31, 2 ** 62))
                                 for _ in range(rng.randint(0, 4))]
    elif choice == 2 and name != "__metadata__":
        header[name]["data_offsets"] = [rng.choice((0, 8, 64, 2 ** 40)) for _ in range(2)]
    else:
        header = mutate_document(header, rng)
    text = json.dumps(header).encode()
    length = len(text) if rng.random() < 0.8 else rng.choice((0, 7, 2 ** 40, len(text) + 100))
    return struct.pack("<Q", length) + text + data[8 + size:]


def point_project_at(path, blob: bytes) -> None:
    """Make the project's current weights the file `blob`, checksum and all, so the loader
    gets past the checksum to the bytes themselves."""
    (path.parent / "hostile.safetensors").write_bytes(blob)
    document = json.loads(path.read_text())
    document["weights"].update(path="hostile.safetensors",
                               sha256=hashlib.sha256(blob).hexdigest())
    path.with_name("hostile.nnstudio").write_text(json.dumps(document))


def test_hostile_weights_files_are_loaded_whole_or_refused_by_name(project):
    from nnstudio.engine.modules import build_model
    from nnstudio.engine.weights import arrays_to_model

    path, original = project
    target = path.with_name("hostile.nnstudio")
    for number in range(first_seed(), first_seed() + case_count("weights")):
        rng = random.Random(number)
        blob = forged(original, rng) if rng.random() < 0.6 else original
        if blob is original or rng.random() < 0.3:
            blob = mutate_bytes(blob, rng)
        point_project_at(path, blob)
        case = f"weights case {number}"
        with bounded(case):
            try:
                loaded = load_project(target)
            except ProjectError:
                loaded = None
            if loaded is not None:
                try:
                    arrays_to_model(build_model(loaded.project.network), loaded.weights)
                except SpecError:
                    pass
            code, err = run_cli(["import-weights", str(path),
                                 str(path.with_name("hostile.safetensors")),
                                 "-o", str(path.with_name("imported.nnstudio"))])
            if code != 0:
                assert_refused_in_one_line(code, err, case)
