"""The data package stays numpy-only, so it loads fast and runs without torch or Qt."""

import subprocess
import sys

FORBIDDEN = ("torch", "PySide6", "pyqtgraph", "nnstudio.engine", "nnstudio.gui")


def test_importing_and_using_the_data_package_loads_no_torch_qt_engine_or_gui():
    code = (
        "import sys\n"
        "from nnstudio.data import load_builtin, prepare, split_indices\n"
        "data = load_builtin('digits')\n"
        "prepare(data, split_indices(data.y, data.task, 0.2, 0.2, 0), 'standardize')\n"
        f"print(sorted(m for m in sys.modules if m.startswith({FORBIDDEN!r})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
