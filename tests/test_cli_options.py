"""`nnstudio --version`, `--check` and `--example NAME -o FILE`: answers without a window."""

from __future__ import annotations

import sys

import pytest

from nnstudio import __version__, cli
from nnstudio.core.examples import EXAMPLES
from nnstudio.core.project import load_project
from nnstudio.data.resources import examples_dir, resources_dir
from nnstudio.gui import desktop_libraries


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(err: str, *fragments: str) -> None:
    assert err.count("\n") == 1 and err.startswith("nnstudio: ") and "Traceback" not in err
    for fragment in fragments:
        assert fragment in err


def test_version_prints_the_name_and_version(capsys):
    assert run(capsys, "--version") == (0, f"NN Studio {__version__}\n", "")


def test_check_reports_versions_device_threads_and_the_folders_in_use(capsys):
    import torch
    from PySide6.QtCore import qVersion

    code, out, err = run(capsys, "--check")

    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == f"NN Studio {__version__}"
    assert lines[1].startswith(f"Python {sys.version.split()[0]} ({sys.executable}) on ")
    assert f"torch {torch.__version__}; training device \"auto\" is " in out
    assert f"threads: torch may use {torch.get_num_threads()} of " in out
    assert f"Qt {qVersion()} (PySide6 " in out
    assert f"  resources (datasets, icons): {resources_dir()}\n" in out
    assert f"  examples: {examples_dir()}\n" in out
    assert "  settings file: " in out and "  temporary files: " in out
    assert lines[-1] == "system libraries for the window: all found"


def test_check_names_missing_desktop_libraries_and_exits_1(capsys, monkeypatch):
    missing = [library for library in desktop_libraries.XCB_LIBRARIES
               if library.soname == "libxcb-icccm.so.4"]
    monkeypatch.setattr(desktop_libraries, "missing_libraries", lambda: missing)

    code, out, _ = run(capsys, "--check")

    assert code == 1
    assert out.splitlines()[-1] == desktop_libraries.missing_libraries_message(missing)
    assert "sudo apt install libxcb-icccm4" in out


def test_check_goes_on_past_a_broken_torch_and_exits_1(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError

    code, out, _ = run(capsys, "--check")

    assert code == 1
    assert "torch: NOT WORKING: ModuleNotFoundError: import of torch halted" in out
    assert "Qt " in out and "folders:" in out  # the rest of the report is still there


def test_example_is_written_anywhere_and_trains_there_on_its_bundled_dataset(
        capsys, tmp_path, monkeypatch):
    elsewhere = tmp_path / "somewhere" / "else"
    monkeypatch.chdir(tmp_path)
    path = elsewhere / "digits.nnstudio"

    code, out, err = run(capsys, "--example", "digits_mlp", "-o", path)

    assert (code, err) == (0, "")
    assert out == f"{path}: {EXAMPLES['digits_mlp'].title}\n"
    assert load_project(path).project.data.source.kind == "builtin"
    monkeypatch.chdir(elsewhere)
    code, out, err = run(capsys, "train", "digits.nnstudio", "--epochs", "1")
    assert code == 0, err
    assert "test_accuracy" in out
    assert list(elsewhere.glob("digits.weights.*.safetensors"))


def test_example_refuses_to_write_over_an_existing_file(capsys, tmp_path):
    path = tmp_path / "mine.nnstudio"
    path.write_text("my own project")

    code, _, err = run(capsys, "--example", "spiral", "-o", path)

    assert code == 2
    assert_one_line_error(err, f"{path}: already exists")
    assert path.read_text() == "my own project"


@pytest.mark.parametrize("argv, fragment", [
    (["--example", "mnist", "-o", "x.nnstudio"], "no example called 'mnist'; choose one of "
                                                 + ", ".join(EXAMPLES)),
    (["--example", "spiral"], "--example spiral: say where to write it with -o FILE"),
    (["--example"], "argument --example: expected one argument"),
    (["--check", "--example", "spiral"], "not allowed with argument --check"),
])
def test_example_and_check_misuse_is_one_line_and_exit_2(capsys, tmp_path, monkeypatch, argv,
                                                         fragment):
    monkeypatch.chdir(tmp_path)

    code, _, err = run(capsys, *argv)

    assert code == 2
    assert_one_line_error(err, fragment)
    assert list(tmp_path.iterdir()) == []
