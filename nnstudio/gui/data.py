"""Your own data in the window: File ▸ Import Data… and the Data View panel.

Listed in `main_window.EXTENSION_MODULES`; the work is in `nnstudio.gui.panels.data_view_panel`.
"""

from __future__ import annotations

from typing import Any


def install(window: Any) -> Any:
    from nnstudio.gui.panels.data_view_panel import install_data_view

    return install_data_view(window)
