"""How fast NN Studio's trainer is, against hand-written PyTorch loops and Keras, in one process.

Trains the same model on the same data, interleaved in rounds so machine load hits all alike:

- (a) a plain PyTorch loop over a `DataLoader` (`shuffle=True`), default Adam, `zero_grad()`;
- (b) a tuned loop: tensors, one permutation per epoch, `zero_grad(set_to_none=True)`,
  `Adam(fused=True)`, the epoch loss summed with `loss.item()`;
- (c) Keras 3 `fit` on the torch backend, when Keras is installed (else a note says so);
- (d) `nnstudio.engine.trainer.fit` with a callback recording every epoch (it also measures the
  validation split each epoch, as the app always does).

(a)-(c) use plain `nn.Sequential` models built from the same network, under the same CPU thread
count the trainer picks for it (and NumPy's BLAS pinned to one thread), so the ratios measure the
loops, not the thread setting. Workloads: the example projects seed_article, spiral, digits_mlp
and digits_cnn, with their own settings except that epochs are capped at about 40,000 training
samples per run. Prints samples/s and ratios from the best of the rounds (the round least
disturbed by other work on the machine; the medians are printed too), the test accuracy after
those epochs, and the ratios d/a, d/b, d/c, by wall-clock time and by the process's CPU time (with one
thread, the loop's own cost, which load from other processes on the machine hardly moves).
Target: d/b >= 0.9 everywhere.

    python benchmarks/bench_training.py            # 5 rounds, about 1.5 minutes on 2 quiet cores
    python benchmarks/bench_training.py --quick    # a tenth of the epochs, 1 round
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn

from nnstudio.core.examples import example_project
from nnstudio.core.network import Network
from nnstudio.core.shapes import infer_shapes
from nnstudio.data.preprocessing import PreparedData
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.callbacks import Callback
from nnstudio.engine.devices import pinned_threads
from nnstudio.engine.evaluate import evaluate
from nnstudio.engine.trainer import fit, plan_run

WORKLOADS = ("seed_article", "spiral", "digits_mlp", "digits_cnn")
SAMPLES_PER_RUN = 40_000
VARIANTS = ("a", "b", "c", "d")
LABELS = {"a": "DataLoader loop", "b": "tuned loop", "c": "Keras 3 fit", "d": "NN Studio fit"}


@dataclass
class Workload:
    key: str
    network: Network
    data: PreparedData
    epochs: int
    batch_size: int
    learning_rate: float
    seed: int
    threads: int
    binary: bool


@dataclass
class Outcome:
    seconds: float  # wall-clock
    accuracy: float
    cpu_seconds: float = 0.0  # this process's CPU time: all threads, blind to other processes


# ---- models for the hand-written loops ----------------------------------------------------------

_ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU, "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU, "softmax": lambda: nn.Softmax(dim=1),
}


def sequential(network: Network) -> nn.Sequential:
    """The chain `network` as plain torch modules, without its final sigmoid/softmax (the loss
    works on logits), built in the same order as NN Studio builds it."""
    report = infer_shapes(network)
    nodes = [network.node(node_id) for node_id in report.order]
    layers: list[nn.Module] = []
    for index, node in enumerate(nodes):
        last = index == len(nodes) - 1
        shape = report.shape(node.inputs[0]) if node.inputs else None
        p = node.params
        if node.type == "dense":
            layers.append(nn.Linear(shape[-1], p["units"], bias=p["use_bias"]))
        elif node.type == "conv2d":
            layers.append(nn.Conv2d(shape[0], p["filters"], p["kernel"], stride=p["stride"],
                                    padding=0 if p["padding"] == "valid" else "same"))
        elif node.type == "maxpool2d":
            layers.append(nn.MaxPool2d(p["pool_size"], p["stride"]))
        elif node.type == "flatten":
            layers.append(nn.Flatten())
        elif node.type in _ACTIVATIONS and not last:
            layers.append(_ACTIVATIONS[node.type]())
        elif node.type not in ("input", "sigmoid", "softmax"):
            raise ValueError(f"the benchmark has no plain module for {node.type}")
        activation = p.get("activation", "linear")
        if node.type in ("dense", "conv2d") and activation != "linear" and not last:
            layers.append(_ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


def _targets(work: Workload, y: np.ndarray) -> torch.Tensor:
    return torch.tensor(y, dtype=torch.float32).reshape(-1, 1) if work.binary else torch.tensor(y)


def _loss(work: Workload) -> nn.Module:
    return nn.BCEWithLogitsLoss() if work.binary else nn.CrossEntropyLoss()


def _accuracy(work: Workload, model: nn.Module) -> float:
    model.eval()
    with torch.inference_mode():
        logits = model(torch.tensor(work.data.test.x))
    predicted = (logits[:, 0] > 0).long() if work.binary else logits.argmax(1)
    return float((predicted.numpy() == work.data.test.y).mean())


# ---- the four variants ----------------------------------------------------------------------

def run_dataloader(work: Workload) -> Outcome:
    from torch.utils.data import DataLoader, TensorDataset

    started = time.perf_counter()
    torch.manual_seed(work.seed)
    model = sequential(work.network)
    optimizer = torch.optim.Adam(model.parameters(), lr=work.learning_rate)
    loss_function = _loss(work)
    dataset = TensorDataset(torch.tensor(work.data.train.x), _targets(work, work.data.train.y))
    loader = DataLoader(dataset, batch_size=work.batch_size, shuffle=True,
                        generator=torch.Generator().manual_seed(work.seed))
    for _ in range(work.epochs):
        total = 0.0
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_function(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(x)
    seconds = time.perf_counter() - started
    return Outcome(seconds, _accuracy(work, model))


def run_tuned(work: Workload) -> Outcome:
    started = time.perf_counter()
    torch.manual_seed(work.seed)
    model = sequential(work.network)
    optimizer = torch.optim.Adam(model.parameters(), lr=work.learning_rate, fused=True)
    loss_function = _loss(work)
    x, y = torch.tensor(work.data.train.x), _targets(work, work.data.train.y)
    n, size = len(x), work.batch_size
    generator = torch.Generator().manual_seed(work.seed)
    for _ in range(work.epochs):
        order = torch.randperm(n, generator=generator)
        total = 0.0
        for start in range(0, n, size):
            index = order[start:start + size]
            loss = loss_function(model(x[index]), y[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
    seconds = time.perf_counter() - started
    return Outcome(seconds, _accuracy(work, model))


def keras_available() -> bool:
    return importlib.util.find_spec("keras") is not None


def run_keras(work: Workload) -> Outcome:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    started = time.perf_counter()
    keras.utils.set_random_seed(work.seed)
    layers = [keras.Input(work.data.train.input_shape)]
    report = infer_shapes(work.network)
    order = [work.network.node(node_id) for node_id in report.order]
    for node in order[1:]:
        p = node.params
        activation = p.get("activation", "linear")
        if node.type == "dense":
            layers.append(keras.layers.Dense(p["units"], activation=activation))
        elif node.type == "conv2d":
            layers.append(keras.layers.Conv2D(p["filters"], p["kernel"], padding=p["padding"],
                                              activation=activation,
                                              data_format="channels_first"))
        elif node.type == "maxpool2d":
            layers.append(keras.layers.MaxPooling2D(p["pool_size"], p["stride"],
                                                    data_format="channels_first"))
        elif node.type == "flatten":
            layers.append(keras.layers.Flatten())
        else:
            layers.append(keras.layers.Activation(node.type))
    model = keras.Sequential(layers)
    loss = "binary_crossentropy" if work.binary else "sparse_categorical_crossentropy"
    model.compile(optimizer=keras.optimizers.Adam(work.learning_rate), loss=loss,
                  metrics=["accuracy"])
    model.fit(work.data.train.x, work.data.train.y, batch_size=work.batch_size,
              epochs=work.epochs, shuffle=True, verbose=0)
    seconds = time.perf_counter() - started
    scores = model.predict(work.data.test.x, verbose=0)
    predicted = (scores[:, 0] > 0.5) if work.binary else scores.argmax(1)
    return Outcome(seconds, float((predicted == work.data.test.y).mean()))


class EpochRecorder(Callback):
    """What the app does at the least: keep every epoch's metrics."""

    def __init__(self) -> None:
        self.rows: list[dict[str, float]] = []

    def on_epoch_end(self, snapshot) -> None:
        self.rows.append(dict(snapshot.metrics))


def run_ours(work: Workload) -> Outcome:
    started = time.perf_counter()
    project = example_project(work.key)
    config = project.training.replace(epochs=work.epochs)
    recorder = EpochRecorder()
    result = fit(work.network, work.data, config, callbacks=[recorder])
    seconds = time.perf_counter() - started
    assert len(recorder.rows) == work.epochs
    return Outcome(seconds, evaluate(result.model, work.data.test).metrics["accuracy"])


RUNNERS = {"a": run_dataloader, "b": run_tuned, "c": run_keras, "d": run_ours}


# ---- running --------------------------------------------------------------------------------

def load(key: str, quick: bool) -> Workload:
    project = example_project(key)
    data = prepare_project_data(project)
    config = project.training
    epochs = min(config.epochs, math.ceil(SAMPLES_PER_RUN / data.train.n_samples))
    epochs = max(1, epochs // 10) if quick else epochs
    threads = plan_run(project.network, data, config).threads
    return Workload(key, project.network, data, epochs, config.batch_size, config.learning_rate,
                    config.seed, threads, data.train.task == "binary")


def measure(work: Workload, variants: tuple[str, ...], rounds: int) -> dict[str, list[Outcome]]:
    outcomes: dict[str, list[Outcome]] = {v: [] for v in variants}
    with pinned_threads(work.threads):
        for variant in variants:  # warm-up: first calls pay for lazy initialization
            RUNNERS[variant](_short(work))
        for _ in range(rounds):
            for variant in variants:
                started = time.process_time()
                outcome = RUNNERS[variant](work)
                outcome.cpu_seconds = time.process_time() - started
                outcomes[variant].append(outcome)
    return outcomes


def _short(work: Workload) -> Workload:
    return Workload(**{**work.__dict__, "epochs": 1})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the epochs, 1 round")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 5, quick 1)")
    parser.add_argument("--workloads", nargs="*", default=list(WORKLOADS), choices=WORKLOADS)
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 5)
    variants = VARIANTS if keras_available() else tuple(v for v in VARIANTS if v != "c")
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, {rounds} round(s)"
          + ("" if "c" in variants else "; (c) skipped: Keras 3 is not installed "
             "(pip install keras to compare)"))
    header = ["workload", "epochs", "threads"] + [f"{v} samples/s" for v in variants] + [
        f"{v} acc" for v in variants] + [f"d/{v}" for v in variants if v != "d"] + [
        f"d/{v} cpu" for v in variants if v != "d"]
    rows = []
    ratios: dict[str, list[float]] = {}
    for key in args.workloads:
        work = load(key, args.quick)
        outcomes = measure(work, variants, rounds)
        samples = work.data.train.n_samples * work.epochs
        speed = {v: samples / min(o.seconds for o in outcomes[v]) for v in variants}
        median = {v: samples / statistics.median(o.seconds for o in outcomes[v]) for v in variants}
        accuracy = {v: statistics.median(o.accuracy for o in outcomes[v]) for v in variants}
        row = [key, str(work.epochs), str(work.threads)]
        row += [f"{speed[v]:,.0f}" for v in variants] + [f"{accuracy[v]:.3f}" for v in variants]
        cpu = {v: min(o.cpu_seconds for o in outcomes[v]) for v in variants}
        others = [v for v in variants if v != "d"]
        for v in others:
            ratios.setdefault(f"d/{v}", []).append(speed["d"] / speed[v])
            row.append(f"{speed['d'] / speed[v]:.2f}")
        for v in others:
            ratios.setdefault(f"d/{v} cpu", []).append(cpu[v] / cpu["d"])
            row.append(f"{cpu[v] / cpu['d']:.2f}")
        rows.append(row)
        print(f"  {key}: best " + ", ".join(f"{v} {speed[v]:,.0f}/s" for v in variants)
              + "; median " + ", ".join(f"{v} {median[v]:,.0f}/s" for v in variants)
              + f"; median d/b {median['d'] / median['b']:.2f}", flush=True)
    print()
    print(format_table(header, rows))
    worst, worst_cpu = min(ratios["d/b"]), min(ratios["d/b cpu"])
    print(f"\nworst d/b {worst:.2f} by wall-clock time, {worst_cpu:.2f} by CPU time "
          "(target >= 0.9)")
    print("d/x cpu compares the CPU time the process spent, best round each: with one thread it "
          "is the loop's own cost, unmoved by other work on the machine.")
    headline = f"worst d/b {worst:.2f} (wall), {worst_cpu:.2f} (CPU time); target >= 0.9"
    print("RESULT " + json.dumps({"name": "training", "headline": headline,
                                  "ratios": {k: [round(x, 3) for x in v]
                                             for k, v in ratios.items()}}))
    return 0


def format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in
                       enumerate(zip(r, widths))) for r in [header, *rows]]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
