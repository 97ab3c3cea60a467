"""Static checks of the bundle recipe (packaging/): cheap, no build, neither Qt nor torch.

The bundles themselves are built and smoke-tested by packaging/build.sh and the bundles workflow;
these tests catch a broken recipe before anyone waits minutes for a build.
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import plistlib
import re
import struct
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import yaml
from PIL import Image
from PIL import _imaging

PIL_LIBRARY = _imaging.__file__  # an ELF shared library on Linux
import nnstudio

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "resources" / "icons" / "app"
MIME_NAMESPACE = "{http://www.freedesktop.org/standards/shared-mime-info}"


def _load_bundle_config():
    spec = importlib.util.spec_from_file_location("bundle_config", PACKAGING / "bundle_config.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


config = _load_bundle_config()


# ---- the spec --------------------------------------------------------------------------------

def test_spec_is_python_that_uses_the_shared_lists_and_builds_every_platform_target():
    text = (PACKAGING / "nnstudio.spec").read_text(encoding="utf-8")
    ast.parse(text)  # a syntax error would otherwise show only minutes into a build
    for needed in ("collect_data_files(\"nnstudio\")", "config.EXCLUDED_MODULES",
                   "config.is_excluded",
                   "collect_submodules(\"nnstudio\")", "BUNDLE(", "config.elf_segments_aligned",
                   "config.macos_info_plist", "config.ICON_WINDOWS", "config.ICON_MACOS",
                   "config.collection_modes", "version=version_resource", "console=False",
                   "config.LINUX_DESKTOP_FILES", "nnstudio_main.py"):
        assert needed in text, needed


def test_the_spec_bundles_the_installed_package_not_the_checkout():
    # Only the installed package holds resources/ and examples/ inside it (setup.py maps them),
    # where importlib.resources looks in the bundle too.
    text = (PACKAGING / "nnstudio.spec").read_text(encoding="utf-8")
    assert "sys.path.insert(0, str(ROOT))" not in text and "pathex=" not in text
    assert "!= ROOT]" in text and "install the project" in text


def test_the_bundled_folders_hold_the_datasets_icons_and_examples():
    assert (ROOT / "resources" / "datasets" / "digits.csv.gz").is_file()
    assert (ROOT / config.ICON_WINDOWS).is_file() and (ROOT / config.ICON_MACOS).is_file()
    assert sorted(p.name for p in (ROOT / "examples").glob("*.nnstudio"))


@pytest.mark.parametrize("name", [
    "torch/test/atest", "torch/include/ATen/ATen.h", "torch/share/cmake/Torch/TorchConfig.cmake",
    "torch/bin/protoc", "torch/bin/test_jit", "torch/lib/libtorchbind_test.so",
    "torch\\lib\\torchbind_test.dll", "PySide6/Qt/translations/qt_de.qm",
    "PySide6\\translations\\qtbase_fr.qm", "PySide6/Qt/lib/libQt6WebEngineCore.so.6",
    "PySide6/Qt/lib/libQt6Quick.so.6", "PySide6/Qt/lib/libQt6Qml.so.6",
    "PySide6/Qt/lib/libQt63DCore.so.6", "PySide6/Qt/lib/libQt6Multimedia.so.6",
    "PySide6\\Qt6Quick.dll", "PySide6/Qt/lib/QtQuick.framework/Versions/A/QtQuick",
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so", "libcairo.so.2", "libpango-1.0.so.0",
    "libharfbuzz.so.0", "libgdk_pixbuf-2.0.so.0", "libpixman-1.so.0",
    "pyarrow/libarrow_flight.so.2600", "pyarrow/libarrow_python.so",
    "pyarrow/libarrow_python.so.2600.1.0", "pyarrow/include/arrow/api.h",
])
def test_excludes_drop_what_the_app_never_loads(name):
    assert config.is_excluded(name)


@pytest.mark.parametrize("name", [
    "torch/bin/torch_shm_manager", "torch\\bin\\torch_shm_manager.exe",
    "torch/lib/libtorch_cpu.so", "torch/lib/libc10.so", "torch/lib/libtorch_python.so",
    "torch/lib/libgomp.so.1", "torch\\lib\\torch_cpu.dll", "torch/lib/libtorch_cpu.dylib",
    "libQt6Core.so.6", "PySide6/Qt/lib/libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Widgets.so.6",
    "PySide6/Qt/lib/libQt6Svg.so.6", "PySide6/Qt/lib/libQt6OpenGL.so.6", "PySide6\\Qt6Core.dll",
    "PySide6/Qt/lib/QtWidgets.framework/Versions/A/QtWidgets",
    "PySide6/Qt/plugins/platforms/libqxcb.so", "PySide6/Qt/plugins/platforms/libqoffscreen.so",
    "PySide6/Qt/plugins/platforms/libqwayland.so", "PySide6/Qt/plugins/imageformats/libqsvg.so",
    "PySide6\\plugins\\platforms\\qwindows.dll", "libfontconfig.so.1", "libfreetype.so.6",
    "libglib-2.0.so.0", "pillow.libs/libharfbuzz-fb49c9fc.so.0.61450.0",
    "pillow.libs/libfreetype-57f805ba.so.6.20.6", "PySide6/Qt/lib/libharfbuzz.so.0",
    "pyarrow/libarrow.so.2600", "pyarrow/libarrow_python.so.2600",
    "pyarrow/libparquet.so.2600", "pyarrow/_csv.cpython-311-x86_64-linux-gnu.so",
    "numpy.libs/libscipy_openblas64_-32a4b2a6.so", "resources/datasets/digits.csv.gz",
    "examples/spiral.nnstudio", "onnx/onnx_cpp2py_export.cpython-311-x86_64-linux-gnu.so",
    # ONNX export checks each file in onnxruntime: its Python module must stay.
    "onnxruntime/capi/onnxruntime_pybind11_state.cpython-311-x86_64-linux-gnu.so",
    "onnxruntime\\capi\\onnxruntime_pybind11_state.pyd",
    "onnxruntime/capi/libonnxruntime_providers_shared.so",
])
def test_excludes_keep_what_torch_qt_and_the_app_need(name):
    assert not config.is_excluded(name)


def _elf(segments: list[tuple[int, int, int]]) -> bytes:
    """A 64-bit ELF header and PT_LOAD entries (offset, address, alignment), nothing else."""
    header = bytearray(64)
    header[:6] = b"\x7fELF\x02\x01"
    struct.pack_into("<Q", header, 0x20, 64)
    struct.pack_into("<HH", header, 0x36, 56, len(segments))
    table = b"".join(struct.pack("<IIQQQQQQ", 1, 4, offset, address, address, 0, 0, align)
                     for offset, address, align in segments)
    return bytes(header) + table


def test_a_stripped_library_whose_segments_moved_off_their_page_offsets_is_refused(tmp_path):
    # numpy's OpenBLAS after `strip` on Debian 12: offset 0x1621098 for address 0x166b000.
    good, broken = tmp_path / "good.so", tmp_path / "broken.so"
    good.write_bytes(_elf([(0, 0, 0x1000), (0x15de000, 0x15ed000, 0x1000)]))
    broken.write_bytes(_elf([(0, 0, 0x1000), (0x1621098, 0x166b000, 0x1000)]))

    assert config.elf_segments_aligned(good)
    assert not config.elf_segments_aligned(broken)


def test_the_alignment_check_accepts_real_libraries_and_refuses_non_elf_files(tmp_path):
    assert config.elf_segments_aligned(Path(PIL_LIBRARY))
    text = tmp_path / "notes.txt"
    text.write_text("not a library")
    assert not config.elf_segments_aligned(text)


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_app_never_asks_torchscript_to_compile_source_the_bundle_lacks():
    # torch.jit.script reads Python source; the bundle keeps none for SOURCELESS_PACKAGES, and
    # none of ours (only compiled modules of nnstudio go in). Tracing needs no source.
    for path in sorted((ROOT / "nnstudio").rglob("*.py")):
        assert "jit.script" not in path.read_text(encoding="utf-8"), path
    assert all(name.startswith("torch.") for name in config.SOURCELESS_PACKAGES)


def test_config_modules_of_sourceless_packages_keep_their_source(tmp_path):
    (tmp_path / "torch" / "distributed" / "elastic").mkdir(parents=True)
    (tmp_path / "torch" / "_inductor").mkdir()
    (tmp_path / "torch" / "distributed" / "__init__.py").write_text("from . import config\n")
    (tmp_path / "torch" / "distributed" / "config.py").write_text(
        "import sys\ninstall_config_module(sys.modules[__name__])\n")
    (tmp_path / "torch" / "distributed" / "elastic" / "__init__.py").write_text(
        "install_config_module(sys.modules[__name__])\n")
    (tmp_path / "torch" / "_inductor" / "codegen.py").write_text("x = 1\n")

    assert config.collection_modes(tmp_path) == {
        "torch._inductor": "pyz", "torch.distributed": "pyz",
        "torch.distributed.config": "pyz+py", "torch.distributed.elastic": "pyz+py"}


def test_the_installed_torch_keeps_the_source_of_its_inductor_and_distributed_configs():
    site_packages = Path(importlib.util.find_spec("torch").origin).parents[1]
    modes = config.collection_modes(site_packages)
    assert modes["torch.distributed"] == modes["torch._inductor"] == "pyz"
    assert modes["torch.distributed.config"] == modes["torch._inductor.config"] == "pyz+py"


def test_no_module_of_the_app_imports_a_package_the_bundle_leaves_out():
    offending = []
    for path in sorted((ROOT / "nnstudio").rglob("*.py")):
        for name in _imported_modules(path):
            for excluded in config.EXCLUDED_MODULES:
                if name == excluded or name.startswith(excluded + "."):
                    offending.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offending == []


# ---- platform integration ---------------------------------------------------------------------

def test_desktop_entry_launches_the_app_with_the_file_and_claims_the_project_type():
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # desktop keys are case-sensitive
    parser.read(PACKAGING / "linux" / "nnstudio.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Name"] == config.DISPLAY_NAME
    assert entry["Exec"].split() == ["nnstudio", "%f"]  # install-desktop.sh rewrites the path
    assert entry["Icon"] == "nnstudio"
    assert entry["Terminal"] == "false"
    assert config.PROJECT_MIME_TYPE in entry["MimeType"].split(";")
    assert config.LESSON_MIME_TYPE in entry["MimeType"].split(";")
    for key in ("MimeType", "Categories", "Keywords"):
        assert entry[key].endswith(";"), key


def test_mime_types_map_the_project_and_lesson_suffixes_to_the_types_the_desktop_entry_claims():
    root = ElementTree.parse(PACKAGING / "linux" / "nnstudio-mime.xml").getroot()
    project, lesson = root.findall(f"{MIME_NAMESPACE}mime-type")
    for mime_type, name, suffix in ((project, config.PROJECT_MIME_TYPE, config.PROJECT_SUFFIX),
                                    (lesson, config.LESSON_MIME_TYPE, config.LESSON_SUFFIX)):
        assert mime_type.get("type") == name
        globs = [glob.get("pattern") for glob in mime_type.findall(f"{MIME_NAMESPACE}glob")]
        assert globs == ["*" + suffix]
        assert mime_type.find(f"{MIME_NAMESPACE}icon").get("name") == "nnstudio"


def test_the_packaged_lesson_suffix_is_the_one_the_app_reads():
    from nnstudio.core.lessons import LESSON_SUFFIX

    assert config.LESSON_SUFFIX == LESSON_SUFFIX


def test_install_desktop_script_is_valid_shell_and_installs_every_icon_size():
    script = PACKAGING / "linux" / "install-desktop.sh"
    subprocess.run(["sh", "-n", str(script)], check=True)
    sizes = next(line for line in script.read_text().splitlines() if line.startswith("sizes="))
    for size in sizes.split('"')[1].split():
        assert (ICONS / "png" / f"nnstudio-{size}.png").is_file(), size


def test_macos_info_plist_declares_the_project_and_lesson_document_types_for_double_click():
    plist = plistlib.loads(plistlib.dumps(config.macos_info_plist("1.2.3")))  # serializable
    assert plist["CFBundleIdentifier"] == config.BUNDLE_IDENTIFIER
    assert plist["CFBundleShortVersionString"] == "1.2.3"
    project, lesson = plist["CFBundleDocumentTypes"]
    exported = plist["UTExportedTypeDeclarations"]
    assert [project["LSItemContentTypes"], lesson["LSItemContentTypes"]] == [
        [declared["UTTypeIdentifier"]] for declared in exported]
    assert (project["CFBundleTypeRole"], lesson["CFBundleTypeRole"]) == ("Editor", "Viewer")
    tags = [declared["UTTypeTagSpecification"] for declared in exported]
    assert [t["public.filename-extension"] for t in tags] == [["nnstudio"], ["nnlesson"]]
    assert [t["public.mime-type"] for t in tags] == [[config.PROJECT_MIME_TYPE],
                                                     [config.LESSON_MIME_TYPE]]
    for declared in exported:  # a project and a lesson are each one JSON file
        assert "public.json" in declared["UTTypeConformsTo"]


@pytest.mark.parametrize("version, numbers", [
    ("0.1.0", (0, 1, 0, 0)), ("2.10", (2, 10, 0, 0)), ("1.2.3.4.5", (1, 2, 3, 4)),
    ("1.0.0rc2", (1, 0, 0, 2)),
])
def test_windows_version_resource_numbers_come_from_the_version_text(version, numbers):
    assert config.version_tuple(version) == numbers


def test_windows_version_strings_name_the_product_and_its_version():
    strings = config.windows_version_strings(nnstudio.__version__)
    assert strings["ProductVersion"] == strings["FileVersion"] == nnstudio.__version__
    assert strings["ProductName"] == config.DISPLAY_NAME
    assert strings["OriginalFilename"] == "nnstudio.exe"


# ---- icon -------------------------------------------------------------------------------------

def test_icon_exists_as_svg_source_and_in_every_raster_size():
    assert (ICONS / "nnstudio.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    for size in (16, 24, 32, 48, 64, 128, 256, 512, 1024):
        with Image.open(ICONS / "png" / f"nnstudio-{size}.png") as image:
            assert image.size == (size, size) and image.mode == "RGBA"
    with Image.open(ICONS / "nnstudio.ico") as ico:
        assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= set(ico.info["sizes"])
    with Image.open(ICONS / "nnstudio.icns") as icns:
        assert {size[:2] for size in icns.info["sizes"]} >= {(16, 16), (128, 128), (512, 512)}


# ---- scripts and CI ---------------------------------------------------------------------------

def test_every_commit_ci_does_not_build_bundles():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pyinstaller" not in ci.lower() and "build.sh" not in ci


def test_build_script_starts_from_a_fresh_venv_with_cpu_torch_before_the_project():
    script = (PACKAGING / "build.sh").read_text(encoding="utf-8")
    subprocess.run(["bash", "-n", str(PACKAGING / "build.sh")], check=True)
    order = [script.index(marker) for marker in (
        '"$PYTHON" -m venv', 'pip install -q "torch==', "pip install -q .\n", "-m PyInstaller",
        '"$executable" --self-test')]
    assert order == sorted(order)
    assert "QT_QPA_PLATFORM=offscreen" in script


def test_bundles_workflow_is_valid_yaml_that_builds_and_self_tests_on_three_systems():
    text = (ROOT / ".github" / "workflows" / "bundles.yml").read_text(encoding="utf-8")
    workflow = yaml.safe_load(text)  # a syntax error fails here, not on GitHub
    assert {"workflow_dispatch", "push", "pull_request"} <= set(workflow[True])  # YAML 1.1: on
    job = workflow["jobs"]["bundle"]
    matrix = job["strategy"]["matrix"]["include"]
    assert sorted(entry["os"].split("-")[0] for entry in matrix) == ["macos", "ubuntu", "windows"]
    for name in set(re.findall(r"\$\{\{\s*matrix\.([\w-]+)", text)):
        assert all(name in entry for entry in matrix), f"matrix.{name} is not set for every system"
    for step in job["steps"]:
        assert ("run" in step) != ("uses" in step), step
        assert "uses" not in step or re.search(r"@v\d+$", step["uses"]), step["uses"]
        for system in re.findall(r"runner\.os [!=]= '(\w+)'", step.get("if", "")):
            assert system in ("Linux", "Windows", "macOS"), step["if"]
    commands = "\n".join(step.get("run", "") for step in job["steps"])
    assert "packaging/build.sh" in commands and "packaging/build.ps1" in commands
    assert "--self-test" in commands