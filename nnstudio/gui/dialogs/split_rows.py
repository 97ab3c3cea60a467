"""The import wizard's choice of test and validation rows, and what importing does with it.

The wizard's reading page gets a "Test and validation rows" group (the `SplitChooserWidget`
of the data panel): random shares, separate files, or a split column of the table. Once the
person presses Finish and the main file has its place in the project's folder, `apply_choice`
places the extra files beside it too and checks the rows by reading them; a choice that does
not fit is said in a message and the data is split at random instead.

An import also turns early stopping on (restoring the best epoch), as `nnstudio new` does:
small tables overfit within a few epochs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QGroupBox, QMessageBox, QVBoxLayout, QWidget

from nnstudio.core.errors import NNStudioError
from nnstudio.gui.panels.split_chooser import SplitChooserWidget


def add_split_chooser(wizard: Any) -> SplitChooserWidget:
    """A "Test and validation rows" group on `wizard`'s reading page, offered once the file is
    read (a split column is chosen from the file's columns)."""
    group = QGroupBox("Test and validation rows")
    group.setObjectName("split_rows_group")
    chooser = SplitChooserWidget()
    QVBoxLayout(group).addWidget(chooser)
    page = wizard.import_page
    layout = page.layout()
    layout.insertWidget(layout.count() - 1, group)  # above the closing stretch
    group.setEnabled(False)

    def offer(*_: Any) -> None:
        preview = getattr(wizard.file_page, "preview", None)
        table = wizard.data_format() in ("csv", "tsv") and preview is not None
        chooser.set_columns(preview.columns if table else ())
        chooser.start_folder = wizard.data_path().parent
        group.setEnabled(True)

    page.runner.succeeded.connect(offer)
    return chooser


def apply_choice(parent: QWidget, document: Any, wizard: Any, data: Any,
                 place: Callable[[Path], Path | None]) -> tuple[Any, str]:
    """`data` (the imported file's settings) with the wizard's fixed rows and early stopping;
    and a few words for the status bar. `place` puts a file in the project's folder (None when
    the person declines)."""
    from nnstudio.data.fixed_split import apply_split_choice, describe_split

    choice = wizard.split_chooser.choice()
    if not choice.fixes_rows:
        return data, ""
    files = {}
    for key in ("test_file", "validation_file"):
        file = getattr(choice, key)
        files[key] = place(file) if file is not None else None
        if file is not None and files[key] is None:
            return data, "; split at random, since the rows' file stayed outside the project"
    try:
        settings, split = apply_split_choice(data, document.path,
                                             dataclasses.replace(choice, **files))
    except NNStudioError as error:
        QMessageBox.warning(parent, "Test and validation rows not used",
                            f"{error}\n\nThe data is split at random instead; choose the rows "
                            f"again under Data ▸ Split and scaling.")
        return data, "; split at random"
    return settings, "; " + describe_split(settings, split)


def with_early_stopping(document: Any) -> str:
    """Turn on early stopping (restoring the best epoch) for imported data; words saying so."""
    from nnstudio.core.config import own_data_training

    training = document.project.training
    wanted = {name: own_data_training().get(name) for name in ("early_stopping", "restore_best")}
    if all(training.get(name) == value for name, value in wanted.items()):
        return ""
    document.set_training_config(training.replace(**wanted))
    return "; early stopping is on"
