"""Mutated project files: the loader answers ProjectError or a checked project, `summary` exits
0 or 2 with one line, and a project that loads either builds or is refused (SpecError) without
allocating past the memory cap (a project file may ask for a network of terabytes)."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnstudio.core.errors import ProjectError, SpecError
from nnstudio.core.examples import EXAMPLES, example_project
from nnstudio.core.model_size import MEMORY_LIMIT_ENV
from nnstudio.core.project import load_project, project_document
from tests.fuzz.conftest import (
    assert_refused_in_one_line,
    bounded,
    case_count,
    first_seed,
    hypothesis_settings,
    run_cli,
)
from tests.fuzz.mutators import dumps, enlarge_network, mutate_bytes, mutate_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "v1"
# Below the cap `bounded` sets, so the size check, not the cap, is what stops a large network.
BUILD_LIMIT = "512MB"

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=6),
    max_leaves=12)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> list[tuple[Path, dict]]:
    """(folder, document) to mutate: every example, and the format-1 fixtures with the
    weights and data files beside them."""
    folder = tmp_path_factory.mktemp("seeds")
    shutil.copytree(FIXTURES, folder, dirs_exist_ok=True)
    found = [(folder, project_document(example_project(key))) for key in EXAMPLES]
    found += [(folder, json.loads(path.read_text())) for path in sorted(folder.glob("*.nnstudio"))]
    return found


@pytest.fixture(autouse=True)
def build_limit(monkeypatch):
    monkeypatch.setenv(MEMORY_LIMIT_ENV, BUILD_LIMIT)


def check_project_file(path: Path, case: str) -> None:
    """The assertions every mutated project file must pass."""
    with bounded(case):
        try:
            loaded = load_project(path)
        except ProjectError:
            loaded = None
        code, err = run_cli(["summary", str(path)])
        if code != 0:
            assert_refused_in_one_line(code, err, case)
        if loaded is not None:
            from nnstudio.engine.modules import build_model

            try:
                build_model(loaded.project.network)
            except SpecError:
                pass


@hypothesis_settings("project_tree")
@given(seed=st.integers(0, 10 ** 6), where=st.lists(st.tuples(st.integers(0, 2 ** 32), JSON_VALUES),
                                                    min_size=1, max_size=3))
def test_a_project_with_values_put_anywhere_loads_or_is_refused_by_name(seeds, seed, where):
    folder, document = seeds[seed % len(seeds)]
    for position, value in where:
        document = mutate_document(document, random.Random(position), value, use_value=True)
    path = folder / f"tree_{seed}.nnstudio"
    path.write_bytes(dumps(document))
    check_project_file(path, f"project tree case {seed} {where!r:.300}")


def test_seeded_hostile_edits_and_damaged_bytes_load_or_are_refused_by_name(seeds):
    for number in range(first_seed(), first_seed() + case_count("project_bytes")):
        rng = random.Random(number)
        folder, document = seeds[number % len(seeds)]
        if number % 3 == 0:
            data = dumps(enlarge_network(document, rng))
        else:
            for _ in range(rng.randint(1, 3)):
                document = mutate_document(document, rng)
            data = dumps(document)
            if rng.random() < 0.5:
                data = mutate_bytes(data, rng)
        path = folder / f"bytes_{number}.nnstudio"
        path.write_bytes(data)
        check_project_file(path, f"project bytes case {number}")
