"""From a project's data settings to the arrays training uses.

`load_dataset` is the one place a project's data source is resolved: built-in datasets by key,
files through `nnstudio.data.importers.LOADERS`, a closed table from format name to loader (so
nothing read from a project file chooses code to run).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from nnstudio.core.errors import DataError, ProjectError
from nnstudio.data.builtin import load_builtin
from nnstudio.data.dataset import Dataset
from nnstudio.data.fixed_split import fixed_split_data
from nnstudio.data.label_noise import with_label_noise
from nnstudio.data.preprocessing import PreparedData, prepare
from nnstudio.data.split import split_indices
from nnstudio.data.transforms import apply_transforms

if TYPE_CHECKING:  # core.project imports nnstudio.data, so only type checkers import it here
    from nnstudio.core.project import DataSource, Project


def load_dataset(project: Project, project_path: str | os.PathLike[str] | None = None) -> Dataset:
    """The dataset `project` trains on.

    Built-in sources are generated or read from the bundled files, drawn ones are the points
    the project holds; a file source is read relative to `project_path` (the saved project
    file) after its sha256 is checked (a missing or changed file raises the importers'
    DataFileMissing / DataFileChanged). Raises DataError.
    """
    source = project.data.source
    if source.kind == "builtin":
        return load_builtin(source.name, source.params, seed=source.seed)
    if source.kind == "file":
        return _load_file(source, project_path)
    if source.kind == "drawn":
        return source.drawn().dataset()
    raise DataError(f"data.source.kind: unknown kind of data source {source.kind!r}")


def prepare_project_data(project: Project,
                         project_path: str | os.PathLike[str] | None = None) -> PreparedData:
    """The project's dataset split into train / validation / test, its inputs computed by
    `data.transforms` when it lists any, and scaled as its settings say.

    The preprocessing is fitted on the training split only.
    """
    settings = project.data
    if settings.split_kind != "random":
        if project_path is None:
            raise DataError("data: a project with fixed rows reads files beside it; save the "
                            "project first")
        dataset, split = fixed_split_data(settings, project_path)
    else:
        dataset = load_dataset(project, project_path)
        split = split_indices(dataset.y, dataset.task, settings.validation, settings.test,
                              settings.split_seed)
    dataset = with_label_noise(dataset, split, settings.label_noise, settings.split_seed)
    # Before scaling, so each computed input is scaled on its own training statistics.
    dataset = apply_transforms(dataset, settings.transforms)
    return prepare(dataset, split, settings.preprocessing)


def _load_file(source: DataSource, project_path: str | os.PathLike[str] | None) -> Dataset:
    if project_path is None:
        raise DataError(f"data.source.path: {source.path!r} is relative to the project file; "
                        f"save the project first")
    # Imported on first use: the importers bring pyarrow and Pillow, which most runs never need.
    from nnstudio.data.importers import load_data_source

    try:
        return load_data_source(source, project_path)
    except ProjectError as exc:  # the path leaves the project's folder
        raise DataError(str(exc)) from None
