"""How fast NN Studio's trainer is, against hand-written PyTorch loops and Keras, in one process.

Trains the same model on the same data, interleaved in rounds so machine load hits all alike:

- (a) a plain PyTorch loop over a `DataLoader` (`shuffle=True`), default Adam, `zero_grad()`;
- (b) a tuned loop: tensors, one permutation per epoch, `zero_grad(set_to_none=True)`,
  `Adam(fused=True)`, the epoch loss summed with `loss.item()`;
- (c) Keras 3 `fit` on the torch backend, when Keras is installed (else a note says so);
- (d) `nnstudio.engine.trainer.fit` with a callback recording every epoch (it also measures the
  validation split each epoch, as the app always does); it takes its NumPy fast path where
  that covers the network (the dense examples), its torch path elsewhere (the CNN);
- (e) a hand-written NumPy forward/backward/Adam loop, as one would write it for a course
  (Playground-style explicit backprop): one permutation per epoch, a batch gathered by index,
  the epoch loss summed. Dense networks only: the CNN has no (e).

(a)-(c) use plain `nn.Sequential` models built from the same network, under the same CPU thread
count the trainer picks for it (and NumPy's BLAS pinned to one thread), so the ratios measure the
loops, not the thread setting. Workloads: the example projects seed_article, spiral, digits_mlp
and digits_cnn, with their own settings except that epochs are capped at about 40,000 training
samples per run. Prints samples/s and ratios from the best of the rounds (the round least
disturbed by other work on the machine; the medians are printed too), the test accuracy after
those epochs, and the ratios d/a, d/b, d/c, d/e by wall-clock time and by the process's CPU time
(with one thread, the loop's own cost, which load from other processes on the machine hardly
moves). Targets: d/b >= 0.9 everywhere; d/e >= 0.5 by CPU time on seed_article and spiral.

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
from nnstudio.engine.trainer import choose_path, fit, plan_run

WORKLOADS = ("seed_article", "spiral", "digits_mlp", "digits_cnn")
SAMPLES_PER_RUN = 40_000
VARIANTS = ("a", "b", "c", "d", "e")
LABELS = {"a": "DataLoader loop", "b": "tuned loop", "c": "Keras 3 fit", "d": "NN Studio fit",
          "e": "NumPy by hand"}


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


def _numpy_layers(work: Workload) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """(weight, bias, activation) per Dense layer of `sequential`, the same initial weights."""
    torch.manual_seed(work.seed)
    layers: list[tuple[np.ndarray, np.ndarray, str]] = []
    for module in sequential(work.network):
        if isinstance(module, nn.Linear):
            layers.append((module.weight.detach().numpy().copy(),
                           module.bias.detach().numpy().copy(), "linear"))
        elif isinstance(module, (nn.ReLU, nn.Tanh)):
            layers[-1] = (*layers[-1][:2], "relu" if isinstance(module, nn.ReLU) else "tanh")
    return layers


def run_numpy(work: Workload) -> Outcome:
    started = time.perf_counter()
    layers = _numpy_layers(work)
    n, size = work.data.train.n_samples, work.batch_size
    x = work.data.train.x.reshape(n, -1).astype(np.float32)
    if work.binary:
        t = work.data.train.y.astype(np.float32).reshape(-1, 1)
    else:
        t = np.eye(layers[-1][0].shape[0], dtype=np.float32)[work.data.train.y]
    params = [array for weight, bias, _ in layers for array in (weight, bias)]
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    beta1, beta2, eps, lr = 0.9, 0.999, 1e-8, work.learning_rate
    rng = np.random.default_rng(work.seed)
    steps = 0
    for _ in range(work.epochs):
        order = rng.permutation(n)
        total = 0.0
        for start in range(0, n, size):
            index = order[start:start + size]
            h, tb = x[index], t[index]
            inputs = []
            for weight, bias, activation in layers:
                inputs.append(h)
                h = h @ weight.T + bias
                if activation == "relu":
                    h = np.maximum(h, 0)
                elif activation == "tanh":
                    h = np.tanh(h)
            if work.binary:
                p = 1 / (1 + np.exp(-h))
                loss = float(np.mean(np.logaddexp(0, h) - h * tb))
                g = (p - tb) / len(index)
            else:
                e = np.exp(h - h.max(axis=1, keepdims=True))
                p = e / e.sum(axis=1, keepdims=True)
                loss = float(-np.mean(np.log((p * tb).sum(axis=1) + 1e-12)))
                g = (p - tb) / len(index)
            grads = []
            for i in range(len(layers) - 1, -1, -1):
                weight, _, _ = layers[i]
                grads[:0] = [g.T @ inputs[i], g.sum(axis=0)]
                if i:
                    g = g @ weight
                    activation, below = layers[i - 1][2], inputs[i]
                    if activation == "relu":
                        g = g * (below > 0)
                    elif activation == "tanh":
                        g = g * (1 - below * below)
            steps += 1
            for p_, g_, m, v in zip(params, grads, first, second):
                m *= beta1
                m += (1 - beta1) * g_
                v *= beta2
                v += (1 - beta2) * g_ * g_
                p_ -= lr * (m / (1 - beta1 ** steps)) / (np.sqrt(v / (1 - beta2 ** steps)) + eps)
            total += loss * len(index)
    seconds = time.perf_counter() - started
    h = work.data.test.x.reshape(len(work.data.test.x), -1)
    for weight, bias, activation in layers:
        h = h @ weight.T + bias
        h = np.maximum(h, 0) if activation == "relu" else np.tanh(h) if activation == "tanh" else h
    predicted = (h[:, 0] > 0) if work.binary else h.argmax(1)
    return Outcome(seconds, float((predicted == work.data.test.y).mean()))


def numpy_covers(work: Workload) -> bool:
    """(e) is written for stacks of Dense layers with ReLU/tanh and a sigmoid/softmax output."""
    modules = list(sequential(work.network))
    return all(isinstance(m, (nn.Linear, nn.ReLU, nn.Tanh, nn.Flatten)) for m in modules)


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


RUNNERS = {"a": run_dataloader, "b": run_tuned, "c": run_keras, "d": run_ours, "e": run_numpy}


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
    print(f"torch {torch.__version__}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
          f"{rounds} round(s)" + ("" if "c" in variants else "; (c) skipped: Keras 3 is not "
                                  "installed (pip install keras to compare)"))
    others = [v for v in variants if v != "d"]
    header = ["workload", "epochs", "threads", "d path"] + [
        f"{v} samples/s" for v in variants] + [f"{v} acc" for v in variants] + [
        f"d/{v}" for v in others] + [f"d/{v} cpu" for v in others]
    rows = []
    # One value per workload, in the order run; None where a variant does not apply (e: CNN).
    ratios: dict[str, list[float | None]] = {}
    for key in args.workloads:
        work = load(key, args.quick)
        ran = tuple(v for v in variants if v != "e" or numpy_covers(work))
        outcomes = measure(work, ran, rounds)
        samples = work.data.train.n_samples * work.epochs
        speed = {v: samples / min(o.seconds for o in outcomes[v]) for v in ran}
        median = {v: samples / statistics.median(o.seconds for o in outcomes[v]) for v in ran}
        accuracy = {v: statistics.median(o.accuracy for o in outcomes[v]) for v in ran}
        cpu = {v: min(o.cpu_seconds for o in outcomes[v]) for v in ran}
        row = [key, str(work.epochs), str(work.threads), fit_path(work)]
        row += [f"{speed[v]:,.0f}" if v in ran else "-" for v in variants]
        row += [f"{accuracy[v]:.3f}" if v in ran else "-" for v in variants]
        for v in others:
            ratio = speed["d"] / speed[v] if v in ran else None
            ratios.setdefault(f"d/{v}", []).append(ratio)
            row.append("-" if ratio is None else f"{ratio:.2f}")
        for v in others:
            ratio = cpu[v] / cpu["d"] if v in ran else None
            ratios.setdefault(f"d/{v} cpu", []).append(ratio)
            row.append("-" if ratio is None else f"{ratio:.2f}")
        rows.append(row)
        print(f"  {key}: best " + ", ".join(f"{v} {speed[v]:,.0f}/s" for v in ran)
              + "; median " + ", ".join(f"{v} {median[v]:,.0f}/s" for v in ran)
              + f"; median d/b {median['d'] / median['b']:.2f}", flush=True)
    print()
    print(format_table(header, rows))
    worst, worst_cpu = min(ratios["d/b"]), min(ratios["d/b cpu"])
    print(f"\nworst d/b {worst:.2f} by wall-clock time, {worst_cpu:.2f} by CPU time "
          "(target >= 0.9)")
    tiny = [r for key, r in zip(args.workloads, ratios["d/e cpu"])
            if key in ("seed_article", "spiral") and r is not None]
    headline = f"worst d/b {worst:.2f} (wall), {worst_cpu:.2f} (CPU time); target >= 0.9"
    if tiny:
        print(f"worst d/e {min(tiny):.2f} by CPU time on seed_article/spiral (target >= 0.5)")
        headline += f"; worst d/e {min(tiny):.2f} (CPU, tiny nets); target >= 0.5"
    print("d/x cpu compares the CPU time the process spent, best round each: with one thread it "
          "is the loop's own cost, unmoved by other work on the machine.")
    print("RESULT " + json.dumps({"name": "training", "headline": headline,
                                  "workloads": args.workloads,
                                  "ratios": {k: [None if x is None else round(x, 3) for x in v]
                                             for k, v in ratios.items()}}))
    return 0


def fit_path(work: Workload) -> str:
    """Which training code (d) runs for this workload: "fast" (NumPy) or "torch"."""
    project = example_project(work.key)
    plan = plan_run(work.network, work.data, project.training)
    return choose_path(work.network, plan)


def format_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in
                       enumerate(zip(r, widths))) for r in [header, *rows]]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
