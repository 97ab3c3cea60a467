"""What goes into the NN Studio bundles, and what stays out: read by `nnstudio.spec` and the tests.

Plain data and pure functions (no PyInstaller import), so `tests/test_packaging.py` checks the same
lists the build uses. Paths in a bundle's table of contents are written with the platform's
separator; `bundle_path` turns them into forward-slash form before any rule looks at them.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

APP_NAME = "nnstudio"  # the executable and the dist/ folder
DISPLAY_NAME = "NN Studio"
BUNDLE_IDENTIFIER = "org.nnstudio.NNStudio"
DESCRIPTION = "Build, train and understand neural networks"
COPYRIGHT = "Copyright (c) NN Studio contributors. MIT License."
PROJECT_SUFFIX = ".nnstudio"
PROJECT_MIME_TYPE = "application/x-nnstudio"
PROJECT_UTI = "org.nnstudio.project"
LESSON_SUFFIX = ".nnlesson"  # nnstudio.core.lessons.LESSON_SUFFIX: a lesson opens like a project
LESSON_MIME_TYPE = "application/x-nnstudio-lesson"
LESSON_UTI = "org.nnstudio.lesson"

ICON_WINDOWS = "resources/icons/app/nnstudio.ico"
ICON_MACOS = "resources/icons/app/nnstudio.icns"
# Copied from packaging/linux/ beside the Linux executable.
LINUX_DESKTOP_FILES = ("nnstudio.desktop", "nnstudio-mime.xml", "install-desktop.sh")

# Python packages the app never imports but that the analysis would follow into from torch,
# pyqtgraph or the build environment (each pulls megabytes of modules and libraries).
EXCLUDED_MODULES = (
    "tkinter", "_tkinter", "turtle", "turtledemo", "idlelib",
    "tensorboard", "torch.utils.tensorboard", "matplotlib", "pandas", "sklearn", "scipy",
    "IPython", "ipykernel", "jupyter_client", "notebook", "pytest", "_pytest", "hypothesis",
    "pytestqt", "PyQt5", "PyQt6", "PySide2", "pyqtgraph.opengl", "pyqtgraph.examples",
    "pyqtgraph.jupyter", "OpenGL", "cupy",
    # pyarrow: only CSV parsing and compute are used; its network file systems and RPC are not.
    "pyarrow.flight", "pyarrow._flight", "pyarrow._s3fs", "pyarrow._gcsfs", "pyarrow._azurefs",
    "pyarrow._hdfs", "pyarrow.cuda", "pyarrow._cuda", "pyarrow.tests",
    "pyarrow._pyarrow_cpp_tests",
)

# torch's hook collects every torch module twice: compiled, and as .py source for TorchScript's
# compiler. The app only traces (torch.jit.trace needs no source), and these packages are never
# scripted: compiled only, except their config modules, which read their own source when
# imported (torch.utils._config_module). See `collection_modes`.
SOURCELESS_PACKAGES = ("torch._inductor", "torch.distributed", "torch.testing")
READS_OWN_SOURCE = "install_config_module("

# Files dropped from the collected binaries and data, as forward-slash paths inside the bundle.
# Folder prefixes end with "/".
EXCLUDED_PREFIXES = (
    "torch/test/",  # C++ test executables
    "torch/include/",  # C++ headers, for building extensions
    "torch/share/",  # CMake files
    "torch/bin/",  # test and protoc binaries; torch_shm_manager is kept (KEPT_FILES)
    "PySide6/Qt/translations/", "PySide6/translations/",  # the UI is English only
    "PySide6/Qt/qml/", "PySide6/qml/",
    # The GTK theme plugin drags a private copy of GTK's libraries along, which then clash with
    # the user's GTK; without it Qt draws its own dialogs (or the desktop portal's).
    "PySide6/Qt/plugins/platformthemes/libqgtk3",
    "pyarrow/include/", "pyarrow/tests/",
)
# torch starts `torch_shm_manager` for shared memory between processes; without it `import torch`
# fails in a bundle.
KEPT_FILES = ("torch/bin/torch_shm_manager", "torch/bin/torch_shm_manager.exe")

# Qt modules the app never loads, anywhere in a path (macOS frameworks have no suffix). The PySide6
# hooks collect only imported modules, but plugins and pyqtgraph can drag these in.
EXCLUDED_QT_PATTERN = re.compile(
    r"Qt6?(WebEngine|WebChannel|WebSockets|WebView|Qml|Quick|Lottie|Labs|3D|Multimedia"
    r"|SpatialAudio|Designer|Help|UiTools|Pdf|VirtualKeyboard|Charts|DataVisualization|Graphs)")

# Shared libraries dropped by file name: torch's test libraries; pyarrow's network file systems
# and RPC (their modules are excluded above) and the unversioned copies of libarrow_python (the
# extensions load `libarrow_python.so.2600`).
EXCLUDED_LIBRARY_PATTERN = re.compile(
    r"^(lib)?(jitbackend_test|backend_with_compiler|torchbind_test|aoti_custom_ops)\."
    r"|arrow_flight|arrow_python_flight|arrow_s3"
    r"|^libarrow_python\w*\.so(\.\d+\.\d+\.\d+)?$")
# System libraries only the GTK theme plugin used, which the analysis copies from the build
# machine to the bundle's top level. Only there: Pillow ships its own harfbuzz in pillow.libs/.
EXCLUDED_SYSTEM_LIBRARY_PATTERN = re.compile(
    r"^lib(gtk-3|gdk-3|atk-1\.0|atk-bridge-2\.0|cairo|cairo-gobject|pango-1\.0|pangocairo-1\.0"
    r"|pangoft2-1\.0|gdk_pixbuf-2\.0|pixman-1|thai|datrie|fribidi|graphite2|harfbuzz|epoxy)"
    r"\.so(\.\d+)*$")


def collection_modes(site_packages: str | Path) -> dict[str, str]:
    """PyInstaller's `module_collection_mode` for SOURCELESS_PACKAGES found in `site_packages`:
    "pyz" (compiled only) for each package, "pyz+py" for each module in it that reads its own
    source at import."""
    modes = {}
    root = Path(site_packages)
    for package in SOURCELESS_PACKAGES:
        folder = root.joinpath(*package.split("."))
        if not folder.is_dir():
            continue
        modes[package] = "pyz"
        for path in sorted(folder.rglob("*.py")):
            if READS_OWN_SOURCE in path.read_text(encoding="utf-8", errors="replace"):
                parts = path.relative_to(root).with_suffix("").parts
                name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
                modes[name] = "pyz+py"
    return modes


def bundle_path(name: str) -> str:
    """A table-of-contents destination name in forward-slash form (Windows builds use "\\")."""
    return name.replace("\\", "/")


def is_excluded(name: str) -> bool:
    """Whether the file at `name` (a destination path inside the bundle) is left out."""
    path = bundle_path(name)
    if path in KEPT_FILES:
        return False
    if path.startswith(EXCLUDED_PREFIXES) or EXCLUDED_QT_PATTERN.search(path):
        return True
    if "/" not in path and EXCLUDED_SYSTEM_LIBRARY_PATTERN.match(path):
        return True
    return EXCLUDED_LIBRARY_PATTERN.search(path.rsplit("/", 1)[-1]) is not None


def elf_segments_aligned(path: str | Path) -> bool:
    """Whether every loadable segment of the 64-bit ELF file at `path` sits at a file offset
    congruent with its address (what the loader demands). `strip` breaks this in libraries that
    auditwheel patched (numpy's OpenBLAS: "ELF load command address/offset not page-aligned"),
    so a stripped copy that fails this check is not used. False for anything else."""
    with open(path, "rb") as file:
        header = file.read(64)
        if len(header) < 64 or header[:4] != b"\x7fELF" or header[4:6] != b"\x02\x01":
            return False  # only 64-bit little-endian, what Linux x86_64 and aarch64 use
        (table,) = struct.unpack_from("<Q", header, 0x20)
        entry_size, count = struct.unpack_from("<HH", header, 0x36)
        file.seek(table)
        entries = file.read(entry_size * count)
    for index in range(count):
        kind, _, offset, address, _, _, _, align = struct.unpack_from(
            "<IIQQQQQQ", entries, index * entry_size)
        if kind == 1 and align > 1 and offset % align != address % align:  # 1: PT_LOAD
            return False
    return True


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """"0.1.0" -> (0, 1, 0, 0), the four numbers a Windows version resource holds."""
    numbers = [int(part) for part in re.findall(r"\d+", version)[:4]]
    return tuple(numbers + [0] * (4 - len(numbers)))  # type: ignore[return-value]


def windows_version_strings(version: str) -> dict[str, str]:
    """The string table of the Windows version resource (Explorer's Details tab)."""
    return {
        "CompanyName": "NN Studio contributors",
        "FileDescription": DISPLAY_NAME,
        "FileVersion": version,
        "InternalName": APP_NAME,
        "LegalCopyright": COPYRIGHT,
        "OriginalFilename": f"{APP_NAME}.exe",
        "ProductName": DISPLAY_NAME,
        "ProductVersion": version,
    }


def macos_info_plist(version: str) -> dict:
    """Info.plist entries for the .app: the `.nnstudio` and `.nnlesson` document types, so that
    Finder opens projects and lessons with NN Studio on a double-click (delivered to Qt as a
    QFileOpenEvent)."""
    return {
        "CFBundleName": DISPLAY_NAME,
        "CFBundleDisplayName": DISPLAY_NAME,
        "CFBundleIdentifier": BUNDLE_IDENTIFIER,
        "CFBundleShortVersionString": version,
        "CFBundleVersion": version,
        "NSHumanReadableCopyright": COPYRIGHT,
        "NSHighResolutionCapable": True,
        "NSRequiresAquaSystemAppearance": False,  # follow the system's dark mode
        "LSMinimumSystemVersion": "11.0",
        "CFBundleDocumentTypes": [
            _document_type("NN Studio Project", "Editor", PROJECT_UTI),
            _document_type("NN Studio Lesson", "Viewer", LESSON_UTI),
        ],
        "UTExportedTypeDeclarations": [
            _exported_type("NN Studio Project", PROJECT_UTI, PROJECT_SUFFIX, PROJECT_MIME_TYPE),
            _exported_type("NN Studio Lesson", LESSON_UTI, LESSON_SUFFIX, LESSON_MIME_TYPE),
        ],
    }


def _document_type(name: str, role: str, uti: str) -> dict:
    return {"CFBundleTypeName": name, "CFBundleTypeRole": role, "LSHandlerRank": "Owner",
            "LSItemContentTypes": [uti], "CFBundleTypeIconFile": "nnstudio.icns"}


def _exported_type(name: str, uti: str, suffix: str, mime_type: str) -> dict:
    return {
        "UTTypeIdentifier": uti,
        "UTTypeDescription": name,
        "UTTypeConformsTo": ["public.json", "public.data"],
        "UTTypeIconFile": "nnstudio.icns",
        "UTTypeTagSpecification": {
            "public.filename-extension": [suffix.lstrip(".")],
            "public.mime-type": [mime_type],
        },
    }
