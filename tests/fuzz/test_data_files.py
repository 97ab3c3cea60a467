"""Hostile data files: CSV text of any shape and bytes that are not text at all, NumPy archives
with odd arrays or damaged zips, image folders with broken, odd or bomb-sized images. Each is
read by its importer (a Dataset or DataError) and by `nnstudio new` (exit 0, or 2 with one
line, no traceback), within the memory cap and without hanging."""

from __future__ import annotations

import gzip
import io
import random
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnstudio.core.errors import DataError
from nnstudio.data.importers import LOADERS
from tests.fuzz.conftest import (
    assert_refused_in_one_line,
    bounded,
    case_count,
    first_seed,
    hypothesis_settings,
    run_cli,
)
from tests.fuzz.mutators import mutate_bytes

CELLS = st.one_of(
    st.sampled_from(["", "1", "-2.5", "1e400", "-1e400", "nan", "inf", "NA", "y", "label",
                     '"a,b"', '"', "1,5", "x" * 300, "\u00e9", "\x00", "0x1F", " 3 "]),
    st.text(max_size=12), st.integers().map(str), st.floats().map(repr))
LINE_BREAKS = st.sampled_from(["\n", "\r\n", "\r"])


def read_and_create(path: Path, format_key: str, options: dict, case: str) -> None:
    """The importer gives a Dataset or DataError; `nnstudio new` exits 0 or 2 with one line."""
    with bounded(case):
        try:
            LOADERS[format_key](path, options)
        except DataError:
            pass
        output = path.parent / "made.nnstudio"
        argv = ["new", "--data", str(path), "-o", str(output), "--force"]
        if "target" in options:
            argv += ["--target", options["target"]]
        code, err = run_cli(argv)
        if code != 0:
            assert_refused_in_one_line(code, err, case)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("data")


# ---- CSV ---------------------------------------------------------------------------------

@hypothesis_settings("csv")
@given(rows=st.lists(st.lists(CELLS, min_size=1, max_size=6), min_size=1, max_size=12),
       delimiter=st.sampled_from([",", ";", "\t", "|"]), line_break=LINE_BREAKS,
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]),
       damage=st.integers(0, 2 ** 32))
def test_csv_files_of_any_shape_are_read_or_refused_with_a_line(folder, rows, delimiter,
                                                                line_break, encoding, damage):
    text = line_break.join(delimiter.join(row) for row in rows) + line_break
    data = text.encode(encoding, errors="replace")
    rng = random.Random(damage)
    if rng.random() < 0.3:
        data = mutate_bytes(data, rng)
    path = folder / "fuzz.csv"
    path.write_bytes(data)
    target = rng.choice([cell for row in rows[:1] for cell in row] or ["label"])
    read_and_create(path, "csv", {"target": target} if target else {},
                    f"csv case {rows!r:.200} {delimiter!r} {line_break!r} {encoding}")


def special_csv_files() -> dict[str, bytes]:
    """The files the attack that led to this suite used, and their relatives."""
    wide = ",".join(f"c{i}" for i in range(100_000)) + ",label\n" \
        + ",".join("1" for _ in range(100_000)) + ",y\n"
    return {
        "cr_breaks.csv": b"a,b,label\r1,2\r3,4,y,9\r",
        "gzip.csv": gzip.compress(b"a,b,label\n1,2,x\n3,4,y\n" * 50),
        "zlib.csv": zlib.compress(b"a,b,label\n1,2,x\n"),
        "random.csv": random.Random(1).randbytes(5000),
        "nul.csv": b"a,b,label\n1,\x002,x\n" * 20,
        "huge_number.csv": b"a,b,label\n1e400,2,x\n3,4,y\n5,6,x\n",
        "wide.csv": wide.encode(),
        "long_cell.csv": b"a,label\n" + b"1" * 3_000_000 + b",x\n2,y\n",
        "only_header.csv": b"a,b,label\n",
        "empty.csv": b"",
        "bom_utf16.csv": "a,b,label\n1,2,x\n3,4,y\n".encode("utf-16"),
        "quotes.csv": b'a,b,label\n"1,2,x\n"3",4,"y\n',
    }


@pytest.mark.parametrize("name", sorted(special_csv_files()))
def test_the_attacks_csv_files_are_refused_or_read(folder, name):
    path = folder / name
    path.write_bytes(special_csv_files()[name])
    read_and_create(path, "csv", {"target": "label"}, f"special csv {name}")


def test_seeded_damage_to_a_good_csv_is_read_or_refused(folder):
    good = b"x1,x2,colour,label\n" + b"".join(
        f"{i % 7},{i * 0.5},{'red' if i % 3 else 'blue'},{'yes' if i % 2 else 'no'}\n".encode()
        for i in range(200))
    for number in range(first_seed(), first_seed() + case_count("csv") // 4):
        rng = random.Random(number)
        path = folder / "damaged.csv"
        path.write_bytes(mutate_bytes(good, rng, rng.randint(1, 40)))
        read_and_create(path, "csv", {"target": "label"}, f"damaged csv {number}")


# ---- NumPy archives -----------------------------------------------------------------------

def odd_array(rng: random.Random) -> np.ndarray:
    shape = tuple(rng.choice((0, 1, 2, 3, 5, 40)) for _ in range(rng.randint(0, 4)))
    kind = rng.choice(("float32", "float64", "float16", "int8", "uint64", "bool", "complex64",
                       "str", "object", "nan"))
    if kind == "str":
        return np.full(shape, "text")
    if kind == "object":
        return np.empty(shape, dtype=object)
    if kind == "nan":
        return np.full(shape, np.nan)
    return np.ones(shape, dtype=kind)


def test_numpy_archives_with_odd_arrays_or_damage_are_read_or_refused(folder):
    for number in range(first_seed(), first_seed() + case_count("npz")):
        rng = random.Random(number)
        arrays = {name: odd_array(rng) for name in rng.sample(["x", "y", "X", "labels", "z"],
                                                             rng.randint(1, 3))}
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)  # an object array goes in pickled: the reader must refuse it
        data = buffer.getvalue()
        if rng.random() < 0.4:
            data = mutate_bytes(data, rng)
        path = folder / "fuzz.npz"
        path.write_bytes(data)
        read_and_create(path, "npz", {}, f"npz case {number}: "
                                          f"{ {k: (v.shape, str(v.dtype)) for k, v in arrays.items()} }")


# ---- image folders -------------------------------------------------------------------------

def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` x `height` pixels, with next to no data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def image_bytes(rng: random.Random) -> bytes:
    from PIL import Image

    kind = rng.choice(("good", "mode", "damaged", "truncated", "empty", "text", "bomb"))
    if kind == "bomb":
        return png_claiming(rng.choice((100_000, 60_000)), rng.choice((100_000, 1)))
    if kind == "empty":
        return b""
    if kind == "text":
        return b"not an image at all"
    mode = rng.choice(("L", "RGB", "RGBA", "P", "1", "I;16", "CMYK", "F")) if kind == "mode" \
        else "RGB"
    image = Image.new(mode, (rng.randint(1, 40), rng.randint(1, 40)))
    buffer = io.BytesIO()
    image.save(buffer, format="TIFF" if mode in ("CMYK", "F") else "PNG")
    data = buffer.getvalue()
    if kind == "damaged":
        return mutate_bytes(data, rng)
    if kind == "truncated":
        return data[:rng.randrange(len(data))]
    return data


def test_image_folders_with_broken_odd_or_bomb_images_are_read_or_refused(folder):
    for number in range(first_seed(), first_seed() + case_count("images")):
        rng = random.Random(number)
        root = folder / f"images_{number}"
        for label in ("cat", "dog"):
            (root / label).mkdir(parents=True)
            for index in range(rng.randint(1, 3)):
                suffix = rng.choice((".png", ".png", ".jpg", ".tif"))
                (root / label / f"{index}{suffix}").write_bytes(image_bytes(rng))
        read_and_create(root, "images", {"size": [8, 8]}, f"image folder case {number}")


# ---- a project's importer options -----------------------------------------------------------

OPTION_VALUES = {
    "encoding": ["utf-8", "utf-16", "utf-32", "utf-16-le", "ascii", "cp037", "utf-7", "idna",
                 "punycode", "undefined", "unicode_escape", "latin-1", "cp1252", "big5", "rot13", "hex"],
    "delimiter": [",", ";", "\t", "|", "a", " ", ""],
    "quote_char": ['"', "'", "", ","],
    "header": [True, False],
    "decimal": [".", ","],
    "target": ["label", "a", "missing", None],
    "features": [["a"], ["a", "b"], [], ["nope"], None],
    "missing": ["drop", "mean", "median", "most_frequent"],
    "categorical": ["onehot", "ordinal", {"b": "onehot"}, {"nope": "ordinal"}],
    "task": ["binary", "multiclass", "regression", None],
}


def test_a_projects_csv_options_that_pass_the_loader_read_the_file_or_say_why(folder):
    from nnstudio.core.errors import ProjectError
    from nnstudio.core.project import DataConfig, DataSource, Project, file_sha256, load_project
    from nnstudio.core.project import save_project
    from nnstudio.data.source import load_dataset

    data = folder / "options.csv"
    data.write_bytes(b"a,b,label\n1,red,x\n2,blue,y\n3,red,x\n4,blue,y\n5,red,x\n")
    path = folder / "options.nnstudio"
    for number in range(first_seed(), first_seed() + case_count("cli")):
        rng = random.Random(number)
        options = {key: rng.choice(values) for key, values in OPTION_VALUES.items()
                   if rng.random() < 0.5}
        case = f"csv options case {number}: {options}"
        source = DataSource(kind="file", path=data.name, sha256=file_sha256(data), format="csv",
                            options=options)
        with bounded(case):
            try:
                save_project(path, Project(data=DataConfig(source)))
                load_dataset(load_project(path).project, path)
            except (ProjectError, DataError):
                pass
