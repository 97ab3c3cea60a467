"""How fast the sweep engine trains many models, against training them one by one, in one run.

Workloads (the spiral example's data and settings: Adam at 0.03, batch 32):

- 8 and 32 copies (seeds) of a 2-16-16-1 tanh network: N x `nnstudio.engine.trainer.fit`
  one after another (the baseline) against one `nnstudio.engine.stacked.fit_many` call, which
  trains them as one batched computation;
- the CLI's default sweep, widths 1, 2, 4, ..., 128 with 3 seeds (24 models of 8 sizes): one
  `fit` per model against `fit_many` with one group per width (`pad=False`) and with widths
  padded together where it pays (`pad="auto"`, what `nnstudio sweep` does).

Rounds are interleaved so that machine load hits every variant alike; prints each round, the
best round's wall-clock and CPU seconds of each variant (CPU time is steadier on a shared
machine; everything runs on one thread here) and the ratios, and checks that both ways
trained the same models: the largest difference of the training loss after the first and
after the last epoch (float rounding differs, and a network trained near the edge of
stability of its learning rate amplifies that over the epochs, so the last can be far
larger). Target: >= 5x for 8 models.

    python benchmarks/bench_sweep.py              # 100 epochs, 3 rounds
    python benchmarks/bench_sweep.py --quick      # 20 epochs, 1 round
    python benchmarks/bench_sweep.py --device cuda
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Callable

import torch

from nnstudio.core.config import TrainingConfig
from nnstudio.core.examples import example_project
from nnstudio.core.network import Network
from nnstudio.data.preprocessing import PreparedData
from nnstudio.data.source import prepare_project_data
from nnstudio.engine.stacked import fit_many, plan_groups
from nnstudio.engine.sweep import SweepSize, sized_network
from nnstudio.engine.trainer import fit

CLI_WIDTHS = (1, 2, 4, 8, 16, 32, 64, 128)


Curves = list[list[float]]  # each model's training loss per epoch


def sequential(networks: list[Network], seeds: list[int], data: PreparedData,
               config: TrainingConfig) -> Curves:
    """The baseline: one `fit` per model."""
    return [fit(n, data, config.replace(seed=s)).history["loss"]
            for n, s in zip(networks, seeds)]


def batched(pad: bool | str) -> Callable[..., Curves]:
    def run(networks: list[Network], seeds: list[int], data: PreparedData,
            config: TrainingConfig) -> Curves:
        return [r.result.history["loss"]
                for r in fit_many(networks, seeds, data, config, pad=pad)]
    return run


def timed(function: Callable[..., Curves], *args) -> tuple[float, float, Curves]:
    """(wall seconds, CPU seconds of this process, curves)."""
    started, cpu = time.perf_counter(), time.process_time()
    losses = function(*args)
    return time.perf_counter() - started, time.process_time() - cpu, losses


def compare(title: str, networks: list[Network], seeds: list[int], data: PreparedData,
            config: TrainingConfig, variants: dict[str, Callable[..., Curves]],
            rounds: int) -> tuple[dict[str, float], dict[str, float]]:
    print(f"\n{title}: {len(networks)} models, {config.epochs} epochs")
    times: dict[str, list[float]] = {name: [] for name in variants}
    cpu_times: dict[str, list[float]] = {name: [] for name in variants}
    losses: dict[str, Curves] = {}
    for round_index in range(rounds):
        for name, function in variants.items():
            seconds, cpu, losses[name] = timed(function, networks, seeds, data, config)
            times[name].append(seconds)
            cpu_times[name].append(cpu)
            print(f"  round {round_index + 1}  {name:<40} {seconds:7.2f} s  (CPU {cpu:6.2f} s)")
    # The best round of each, as timeit reports: other work on the machine only adds time.
    best = {name: min(values) for name, values in times.items()}
    cpu_best = {name: min(values) for name, values in cpu_times.items()}
    baseline = next(iter(variants))
    print(f"  {'best round':<42} {'seconds':>8}  {'speed-up':>8}   {'CPU s':>7}  {'speed-up':>8}")
    for name, seconds in best.items():
        cpu = cpu_best[name]
        print(f"  {name:<42} {seconds:8.2f}  {best[baseline] / seconds:7.1f}x   {cpu:7.2f}  "
              f"{cpu_best[baseline] / cpu:7.1f}x")
    reference = losses[baseline]
    for name in list(variants)[1:]:
        first = max(abs(a[0] - b[0]) for a, b in zip(reference, losses[name]))
        last = max(abs(a[-1] - b[-1]) for a, b in zip(reference, losses[name]))
        print(f"  same models? largest training-loss difference, {name} against {baseline}: "
              f"{first:.1e} after epoch 1, {last:.1e} after the last")
    return best, cpu_best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="20 epochs, 1 round")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--skip-mixed", action="store_true", help="only the 8 and 32 copies")
    args = parser.parse_args(argv)
    epochs, rounds = (20, 1) if args.quick else (args.epochs, args.rounds)

    project = example_project("spiral")
    data = prepare_project_data(project)
    config = project.training.replace(epochs=epochs, device=args.device)
    network = sized_network(project.network, SweepSize(width=16))  # 2-16-16-1, tanh
    print(f"torch {torch.__version__}, device {args.device}, {torch.get_num_threads()} "
          f"threads available; spiral: {data.train.n_samples} training samples, "
          f"batch {config.batch_size}, Adam at {config.learning_rate}")

    # Warm-up: the first optimizer imports torch._dynamo (seconds), the first steps warm caches.
    fit_many([network] * 2, [0, 1], data, config.replace(epochs=1))
    fit(network, data, config.replace(epochs=1))

    results = {}
    for count in (8, 32):
        seeds = list(range(count))
        results[count] = compare(
            f"{count} copies of 2-16-16-1", [network] * count, seeds, data, config,
            {"fit, one after another": sequential,
             "fit_many (one batched group)": batched(False)}, rounds)
    if not args.skip_mixed:
        networks, seeds = [], []
        for width in CLI_WIDTHS:
            for seed in range(3):
                networks.append(sized_network(project.network, SweepSize(width=width)))
                seeds.append(seed)
        groups = plan_groups(networks, config, pad="auto", device=args.device.split(":")[0])
        widths = [sorted({networks[j].nodes[1].params["units"] for j in g.jobs}) for g in groups]
        print(f"\npad=\"auto\" trains these widths together: {widths}")
        compare("the CLI's default sweep (widths 1-128 x 3 seeds)", networks, seeds, data,
                config, {"fit, one after another": sequential,
                         "fit_many, one group per width": batched(False),
                         "fit_many, widths padded where it pays": batched("auto")}, rounds)
    ratios = {count: results[count][0]["fit, one after another"]
              / results[count][0]["fit_many (one batched group)"] for count in results}
    cpu_ratios = {count: results[count][1]["fit, one after another"]
                  / results[count][1]["fit_many (one batched group)"] for count in results}
    print(f"\nTarget >= 5x for 8 models: {ratios[8]:.1f}x wall-clock, {cpu_ratios[8]:.1f}x CPU "
          f"time ({'met' if min(ratios[8], cpu_ratios[8]) >= 5 else 'NOT met'}); 32 models: "
          f"{ratios[32]:.1f}x wall-clock, {cpu_ratios[32]:.1f}x CPU time")
    print("RESULT " + json.dumps({
        "name": "sweep", "headline": f"8 models {ratios[8]:.1f}x, 32 models {ratios[32]:.1f}x",
        "ratio_8": round(ratios[8], 2), "ratio_32": round(ratios[32], 2),
        "cpu_ratio_8": round(cpu_ratios[8], 2), "cpu_ratio_32": round(cpu_ratios[32], 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
