"""Data for NN Studio: the `Dataset` type, built-in generators and bundled sets, splits and
preprocessing.

numpy only: this package never imports torch, Qt or anything from `nnstudio.engine` / `gui`.
"""

from nnstudio.data.builtin import BUILTIN_DATASETS, BuiltinDataset, ParamSpec, load_builtin
from nnstudio.data.dataset import TASKS, Dataset, Task, is_classification
from nnstudio.data.preprocessing import METHODS, PreparedData, Preprocessor, prepare
from nnstudio.data.split import Split, split_indices

__all__ = [
    "BUILTIN_DATASETS",
    "METHODS",
    "TASKS",
    "BuiltinDataset",
    "Dataset",
    "ParamSpec",
    "PreparedData",
    "Preprocessor",
    "Split",
    "Task",
    "is_classification",
    "load_builtin",
    "prepare",
    "split_indices",
]
