"""Imports point one way: core and data know neither torch nor Qt, the engine knows no Qt.

Two checks. A static one reads every module's source (fast, and names the file and line,
even of an import inside a function). A live one imports each module in a fresh interpreter
with an import blocker on sys.meta_path, so an import through another module, or through
importlib, is caught too, and reports the chain of modules that led to it.
"""

from __future__ import annotations

import ast
import json
import os
import pkgutil
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import nnstudio

PACKAGE_DIR = Path(nnstudio.__file__).resolve().parent
QT = ("PySide6", "shiboken6", "pyqtgraph", "nnstudio.gui")
TORCH = ("torch", "nnstudio.engine")

# (module prefix, what it must never import), the first matching prefix wins.
RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("nnstudio.core", TORCH + QT),
    ("nnstudio.data", TORCH + QT),
    ("nnstudio.engine", QT),
    ("nnstudio.commands", QT),  # the headless CLI subcommands
)


def forbidden_for(module: str) -> tuple[str, ...]:
    for prefix, forbidden in RULES:
        if module == prefix or module.startswith(prefix + "."):
            return forbidden
    return ()


def is_within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def all_modules(root: Path = PACKAGE_DIR, prefix: str = "nnstudio") -> list[tuple[str, Path]]:
    """Every module under the package, found on disk with pkgutil (nothing is imported)."""
    found = [(prefix, root / "__init__.py")]
    for info in pkgutil.iter_modules([str(root)]):
        name = f"{prefix}.{info.name}"
        if info.ispkg:
            found += all_modules(root / info.name, name)
        else:
            found.append((name, root / f"{info.name}.py"))
    return found


def ruled_modules() -> list[tuple[str, Path]]:
    # __main__ modules run the program when imported: the static check still reads them.
    return [(name, path) for name, path in all_modules()
            if forbidden_for(name) and not name.endswith("__main__")]


# ---- the static check -------------------------------------------------------------------------

def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _type_checking_only(tree: ast.AST) -> set[int]:
    """Line numbers inside `if TYPE_CHECKING:` blocks: those imports never run."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imported_names(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, module name) for every import statement and importlib/__import__ call."""
    tree = ast.parse(source)
    skipped = _type_checking_only(tree)
    names: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skipped:
            continue
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, node, is_package)
            names.append((node.lineno, base))
            names += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and ast.unparse(node.func).split(".")[-1] in ("import_module", "__import__")):
            names.append((node.lineno, node.args[0].value))
    return names


def static_violations(module: str, path: Path, forbidden: tuple[str, ...]) -> list[str]:
    source = path.read_text(encoding="utf-8")
    found = []
    for line, name in imported_names(source, module, path.name == "__init__.py"):
        if is_within(name, forbidden):
            found.append(f"{path.relative_to(PACKAGE_DIR.parent)}:{line}: {module} imports {name}")
    return sorted(set(found))


def test_no_module_imports_what_its_layer_forbids_in_its_source():
    problems = []
    for module, path in all_modules():
        forbidden = forbidden_for(module)
        if forbidden:
            problems += static_violations(module, path, forbidden)
    assert not problems, "layering broken:\n" + "\n".join(problems)


def test_the_rules_cover_the_packages_that_exist():
    names = {name for name, _ in all_modules()}
    for package in ("nnstudio.core", "nnstudio.data", "nnstudio.engine"):
        assert package in names
        assert len([n for n in names if n.startswith(package + ".")]) >= 2, package
    assert "nnstudio.core.network" in names and "nnstudio.core.layers" in names


def test_the_static_check_sees_direct_relative_lazy_and_dynamic_imports():
    source = textwrap.dedent("""
        import os
        import torch.nn as nn
        from PySide6 import QtCore
        from ..gui import canvas
        from . import shapes
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            import pyqtgraph
        def later():
            import importlib
            importlib.import_module("pyqtgraph.opengl")
            __import__("shiboken6")
    """)
    names = {name for _, name in imported_names(source, "nnstudio.core.example")}
    assert {"torch.nn", "PySide6", "PySide6.QtCore", "nnstudio.gui", "nnstudio.gui.canvas",
            "nnstudio.core.shapes", "pyqtgraph.opengl", "shiboken6"} <= names
    assert "pyqtgraph" not in names  # only for type checkers: never runs
    assert [n for n in names if is_within(n, TORCH + QT)]


# ---- the live check ---------------------------------------------------------------------------

# Runs in a fresh interpreter: argv = [JSON list of modules to import in turn, JSON list of
# forbidden packages]. Prints one JSON line per module: every forbidden import attempted, with
# the chain of modules leading to it, and the error the import raised, if any.
PROBE = r'''
import importlib, importlib.abc, json, sys, traceback

targets, forbidden = json.loads(sys.argv[1]), tuple(json.loads(sys.argv[2]))
attempts = []

def within(name):
    return any(name == p or name.startswith(p + ".") for p in forbidden)

def chain():
    frame, modules = sys._getframe(2), []
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if frame.f_code.co_name == "<module>" and name not in ("__main__",) \
                and not name.startswith("importlib"):
            modules.append(name)
        frame = frame.f_back
    return modules[::-1]

class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if within(name):
            attempts.append({"name": name, "chain": chain()})
            raise ImportError(f"{name} is blocked by the layering test", name=name)
        return None

sys.meta_path.insert(0, Blocker())
for target in targets:
    del attempts[:]
    error = None
    try:
        importlib.import_module(target)
    except BaseException:
        error = traceback.format_exc(limit=-3)
    loaded = sorted(m for m in sys.modules if within(m))
    print(json.dumps({"attempts": attempts, "error": error, "loaded": loaded}), flush=True)
'''


def probe_imports(modules: list[str], forbidden: tuple[str, ...],
                  extra_path: str | None = None) -> list[dict]:
    """Import `modules` in turn in one fresh interpreter with `forbidden` blocked."""
    env = dict(os.environ)
    if extra_path:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [extra_path, env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(modules), json.dumps(forbidden)],
                          capture_output=True, text=True, timeout=300, env=env)
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0 and len(lines) == len(modules), (
        f"{modules}: the probe died\n{done.stderr[-2000:]}")
    return [json.loads(line) for line in lines]


def probe_import(module: str, forbidden: tuple[str, ...], extra_path: str | None = None) -> dict:
    """Import `module` alone in a fresh interpreter with `forbidden` blocked; what happened."""
    return probe_imports([module], forbidden, extra_path)[0]


def describe(module: str, result: dict) -> list[str]:
    problems = [f"{module} imports {a['name']} (via {' -> '.join(a['chain']) or module})"
                for a in result["attempts"]]
    problems += [f"{module} left {name} in sys.modules" for name in result["loaded"]]
    if result["error"] and not problems:
        problems.append(f"{module} fails to import:\n{result['error']}")
    return problems


def probe_batches() -> list[list[str]]:
    """Core and data modules each alone in a fresh interpreter (they start in a fraction of a
    second). Engine modules may import torch, which takes seconds to load, so they share one
    fresh interpreter: the blocker still records any Qt import each of them attempts."""
    batches, shared = [], []
    for module, _ in ruled_modules():
        (shared.append(module) if forbidden_for(module) == QT else batches.append([module]))
    return batches + ([shared] if shared else [])


def test_no_module_imports_what_its_layer_forbids_when_imported():
    batches = probe_batches()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda batch: probe_imports(batch, forbidden_for(batch[0])), batches))
    problems = [problem for batch, batch_results in zip(batches, results)
                for module, result in zip(batch, batch_results) for problem in describe(module, result)]
    assert not problems, "layering broken:\n" + "\n".join(problems)


def test_every_core_and_data_module_gets_a_fresh_interpreter_of_its_own():
    batches = probe_batches()
    alone = {batch[0] for batch in batches if len(batch) == 1}
    assert {m for m, _ in ruled_modules() if is_within(m, ("nnstudio.core", "nnstudio.data"))} <= alone


def test_importing_the_cli_entry_point_loads_neither_torch_nor_qt():
    result = probe_import("nnstudio.cli", ("torch",) + QT)
    assert describe("nnstudio.cli", result) == []


def test_the_live_check_catches_an_import_through_another_module_even_when_caught(tmp_path):
    package = tmp_path / "layering_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helper.py").write_text("import forbidden_thing.sub\n")
    (package / "user.py").write_text("from layering_probe import helper\n")
    (package / "careful.py").write_text("try:\n    import forbidden_thing\nexcept ImportError:\n    pass\n")
    (tmp_path / "forbidden_thing").mkdir()
    (tmp_path / "forbidden_thing" / "__init__.py").write_text("")
    (tmp_path / "forbidden_thing" / "sub.py").write_text("")

    result = probe_import("layering_probe.user", ("forbidden_thing",), str(tmp_path))
    assert describe("layering_probe.user", result) == [
        "layering_probe.user imports forbidden_thing "
        "(via layering_probe.user -> layering_probe.helper)"]
    careful = probe_import("layering_probe.careful", ("forbidden_thing",), str(tmp_path))
    assert careful["error"] is None
    assert [a["name"] for a in careful["attempts"]] == ["forbidden_thing"]
    assert probe_import("layering_probe", ("forbidden_thing",), str(tmp_path))["attempts"] == []


@pytest.mark.parametrize("module, expected", [
    ("nnstudio.core.network", TORCH + QT),
    ("nnstudio.data.importers.csv", TORCH + QT),
    ("nnstudio.engine.trainer", QT),
    ("nnstudio.commands", QT),
    ("nnstudio.gui.app", ()),
    ("nnstudio.cli", ()),
    ("nnstudio.coreutils", ()),
])
def test_rules_apply_to_a_package_and_everything_under_it(module, expected):
    assert forbidden_for(module) == expected
