"""The example projects: built here in code, so New-from-template, `examples/*.nnstudio` and tests
all use one source. `examples/make_examples.py` writes the files from these.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, NamedTuple

from nnstudio.core.config import TrainingConfig
from nnstudio.core.network import Network, chain
from nnstudio.core.project import DataConfig, DataSource, Project, save_project
from nnstudio.core.sweep_settings import SweepSettings


class Example(NamedTuple):
    """What the template list shows: a title and a description for a learner."""

    title: str
    description: str


EXAMPLES: dict[str, Example] = {
    "seed_article": Example(
        "Random labels (can a network learn noise?)",
        "1000 points from a 2-D normal distribution with coin-flip labels, and a tiny network: "
        "Dense 2 ReLU, then Dense 1 sigmoid, trained with Adam on binary cross-entropy. "
        "Training accuracy may creep above 50%, but validation and test stay at chance: "
        "there is nothing to learn, only points to memorise."),
    "spiral": Example(
        "Spiral (TensorFlow Playground)",
        "Two interleaved spiral arms. Two hidden layers of 8 tanh neurons bend the decision "
        "boundary around them; watch each neuron's picture of the plane while it trains."),
    "digits_mlp": Example(
        "Handwritten digits: dense network",
        "1797 8×8 images of the digits 0 to 9. Flatten the pixels, one hidden layer of 64 ReLU "
        "neurons, and a softmax over the 10 classes."),
    "digits_cnn": Example(
        "Handwritten digits: convolutional network",
        "The same digits with two small convolution and pooling stages that learn strokes and "
        "corners, then a dense layer and a softmax over the 10 classes. Compare it with the dense network."),
    "regression": Example(
        "Diabetes progression (regression)",
        "Predict a number, not a class: disease progression one year on from 10 measurements "
        "of 442 patients. Two hidden layers of 16 ReLU neurons and a linear output, trained on "
        "mean squared error."),
    "grokking": Example(
        "Grokking: a + b mod 59 (Power et al. 2022)",
        "Every sum a + b mod 59, 40% of them to train on. Each number is a token: an Embedding, "
        "one hidden layer of 128 ReLU neurons and a softmax over the 59 answers, trained with "
        "AdamW and strong weight decay. Training accuracy reaches 100% long before validation "
        "accuracy climbs: watch both curves on a log epoch axis."),
    "double_descent": Example(
        "Double descent: digits with noisy labels (Nakkiran et al. 2019)",
        "539 handwritten digits to train on, 20% of their labels flipped to a wrong digit "
        "(the test digits keep theirs), one hidden ReLU layer and no regularisation, trained "
        "long with Adam. Run Experiments > Scale Sweep: it trains widths 4 to 1024. The test "
        "error falls, rises to a peak near the interpolation threshold (the first width that "
        "fits every training label, noisy ones included, marked on the plot), then falls "
        "again as the network grows past it: the second descent."),
    "mirage": Example(
        "The mirage: 3-digit addition (Schaeffer et al. 2023)",
        "a + b for 3-digit numbers, their digits one-hot; the network answers all 4 digits of "
        "the sum, one softmax of 10 per digit. Run Experiments > Scale Sweep: the accuracy per "
        "digit climbs smoothly with the width, while exact match (every digit of the sum "
        "right) seems to appear suddenly. The ability did not emerge; the all-or-nothing "
        "metric did."),
    "empty": Example(
        "Empty project",
        "Just an input of two features: drag layers from the palette to build your own network."),
}


def example_project(key: str) -> Project:
    """A fresh copy of example `key` (one of EXAMPLES); KeyError for an unknown key."""
    if key not in EXAMPLES:
        raise KeyError(key)
    name, network, data, training = _BUILDERS[key]()
    return Project(name=name, network=network, data=data, training=TrainingConfig(training),
                   notes=EXAMPLES[key].description, sweep=_SWEEPS.get(key))


def write_examples(folder: str | os.PathLike[str]) -> list[Path]:
    """Save every example as `<key>.nnstudio` in `folder`; the paths written."""
    paths = []
    for key in EXAMPLES:
        path = Path(folder) / f"{key}.nnstudio"
        save_project(path, example_project(key))
        paths.append(path)
    return paths


Built = tuple[str, Network, DataConfig, dict[str, Any]]


def _seed_article() -> Built:
    # The article's Keras script: Dense(2, relu) -> Dense(1, sigmoid), adam, binary
    # cross-entropy, 100 epochs of batch 32, on 1000 standard-normal points with random labels.
    network = chain(("input", {"shape": (2,)}),
                    ("dense", {"units": 2, "activation": "relu"}),
                    ("dense", {"units": 1, "activation": "sigmoid"}))
    data = DataConfig(DataSource.builtin("random_labels", {"n_samples": 1000}),
                      preprocessing="none")  # already mean 0, standard deviation 1
    training = {"optimizer": "adam", "learning_rate": 0.01, "loss": "auto", "batch_size": 32,
                "epochs": 100}
    return "Random labels", network, data, training


def _spiral() -> Built:
    # Measured with nnstudio.engine.trainer.fit on one CPU thread: test accuracy 0.97 with the
    # project's seed 0, 0.94 to 0.98 over seeds 0 to 5, about 3 s a run. (A plain torch loop
    # with 300 epochs fell to 0.84 for some seeds; 500 kept all six at 0.96 or more.)
    network = chain(("input", {"shape": (2,)}),
                    ("dense", {"units": 8, "activation": "tanh"}),
                    ("dense", {"units": 8, "activation": "tanh"}),
                    ("dense", {"units": 1, "activation": "sigmoid"}))
    data = DataConfig(DataSource.builtin("spiral", {"n_samples": 500, "noise": 0.05}))
    training = {"optimizer": "adam", "learning_rate": 0.03, "batch_size": 32, "epochs": 500}
    return "Spiral", network, data, training


def _digits_mlp() -> Built:
    network = chain(("input", {"shape": (1, 8, 8)}),
                    ("flatten", {}),
                    ("dense", {"units": 64, "activation": "relu"}),
                    ("dense", {"units": 10, "activation": "softmax"}))
    data = DataConfig(DataSource.builtin("digits"), preprocessing="none")  # pixels are in [0, 1]
    # Measured with the engine: test accuracy 0.95 to 0.97 for seeds 0 to 2, under a second.
    training = {"optimizer": "adam", "learning_rate": 0.003, "batch_size": 32, "epochs": 40}
    return "Digits MLP", network, data, training


def _digits_cnn() -> Built:
    network = chain(("input", {"shape": (1, 8, 8)}),
                    ("conv2d", {"filters": 16, "kernel": 3, "padding": "same",
                                "activation": "relu"}),
                    ("maxpool2d", {"pool_size": 2, "stride": 2}),
                    ("conv2d", {"filters": 32, "kernel": 3, "padding": "same",
                                "activation": "relu"}),
                    ("maxpool2d", {"pool_size": 2, "stride": 2}),
                    ("flatten", {}),
                    ("dense", {"units": 64, "activation": "relu"}),
                    ("dense", {"units": 10, "activation": "softmax"}))
    data = DataConfig(DataSource.builtin("digits"), preprocessing="standardize")
    # Measured with the engine: test accuracy 0.972 to 0.978 for seeds 0 to 5, about 3 s each.
    training = {"optimizer": "adam", "learning_rate": 0.003, "batch_size": 32, "epochs": 20}
    return "Digits CNN", network, data, training


def _regression() -> Built:
    # Measured with nnstudio.engine.trainer.fit: test R² 0.48, 0.48 and 0.53 for seeds 0 to 2,
    # about what this small, noisy dataset allows. The standardized target is learned within
    # a few epochs and then overfits, so early stopping keeps the best epoch (about the 4th).
    network = chain(("input", {"shape": (10,)}),
                    ("dense", {"units": 16, "activation": "relu"}),
                    ("dense", {"units": 16, "activation": "relu"}),
                    ("dense", {"units": 1, "activation": "linear"}))
    data = DataConfig(DataSource.builtin("diabetes"))  # 10 inputs on very different scales
    training = {"optimizer": "adam", "learning_rate": 0.01, "loss": "mse", "batch_size": 32,
                "epochs": 200, "monitor": "val_loss", "early_stopping": True}
    return "Diabetes regression", network, data, training


def _grokking() -> Built:
    network = chain(("input", {"shape": (2,)}),
                    ("embedding", {"vocabulary": 59, "embedding_dim": 32}),
                    ("flatten", {}),
                    ("dense", {"units": 128, "activation": "relu"}),
                    ("dense", {"units": 59, "activation": "softmax"}))
    # The inputs are token ids: scaling them would break the Embedding's lookup. The 50%
    # validation share is the held-out curve that jumps late; 10% stay for the final test.
    data = DataConfig(DataSource.builtin("modular_arithmetic", {"modulus": 59}),
                      validation=0.5, test=0.1, preprocessing="none")
    # Measured with benchmarks/grokking.py on one thread of a loaded 2-core machine: training
    # accuracy 0.99 at epoch 236, validation accuracy past 0.9 at epoch 703 (0.92 at epoch
    # 1000), 22 s for the 1000 epochs (116 s, and the jump at 727, on a busier day). With a 50% training share both come within 100 epochs of each other;
    # at 30% with learning rate 0.001 nothing generalised in 1600 epochs (4 minutes).
    training = {"optimizer": "adamw", "learning_rate": 0.003, "weight_decay": 1.0,
                "batch_size": 256, "epochs": 1000}
    return "Grokking", network, data, training


def _double_descent() -> Built:
    network = chain(("input", {"shape": (1, 8, 8)}),
                    ("flatten", {}),
                    ("dense", {"units": 64, "activation": "relu"}),
                    ("dense", {"units": 10, "activation": "softmax"}))
    # 30% of the 1797 digits train (539), 60% test: few training rows put the interpolation
    # threshold at a small width, so the sweep after it stays cheap. Measured with
    # `benchmarks/emergence.py double_descent` (its sweep below, 167 s): test error 0.167 at
    # width 8, a peak of 0.250 at width 32, the threshold at 64, 0.187 at width 1024.
    data = DataConfig(DataSource.builtin("digits"), validation=0.1, test=0.6,
                      preprocessing="none", label_noise=0.2)
    training = {"optimizer": "adam", "learning_rate": 0.001, "batch_size": 64, "epochs": 1000}
    return "Double descent", network, data, training


def _mirage() -> Built:
    network = chain(("input", {"shape": (60,)}),
                    ("dense", {"units": 128, "activation": "relu"}),
                    ("dense", {"units": 40, "activation": "linear"}))  # 4 digits x 10 logits
    data = DataConfig(DataSource.builtin("digit_addition", {"digits": 3, "n_samples": 20000}),
                      validation=0.1, test=0.2, preprocessing="none")  # one-hot already
    # `benchmarks/emergence.py mirage` (its sweep below, 207 s): test accuracy per digit 0.49,
    # 0.61, 0.82, 0.96 at widths 8 to 64 while exact match goes 0.01, 0.07, 0.36, 0.85.
    training = {"optimizer": "adam", "learning_rate": 0.003, "batch_size": 64, "epochs": 40}
    return "Mirage", network, data, training


def _empty() -> Built:
    return "Untitled", chain(("input", {"shape": (2,)})), DataConfig(), {}


_BUILDERS: dict[str, Callable[[], Built]] = {
    "seed_article": _seed_article,
    "spiral": _spiral,
    "digits_mlp": _digits_mlp,
    "digits_cnn": _digits_cnn,
    "regression": _regression,
    "grokking": _grokking,
    "double_descent": _double_descent,
    "mirage": _mirage,
    "empty": _empty,
}

# The sweeps the emergence examples open with (Experiments > Scale Sweep, `nnstudio sweep`).
_SWEEPS: dict[str, SweepSettings] = {
    "double_descent": SweepSettings(widths=(4, 8, 16, 32, 64, 128, 256, 512, 1024), seeds=2,
                                    epochs=1000),
    "mirage": SweepSettings(widths=(4, 8, 16, 32, 64, 128, 256), seeds=2, epochs=40),
}
