"""Start-up of the PyInstaller bundle next to `python -m nnstudio` (the same code, unbundled).

Each round starts both as fresh processes, in alternating order, and times (a) process start to
the window's first paint (NNSTUDIO_STARTUP_PROBE=1, as bench_startup.py) and (b) a whole
`--self-test` (torch import, one epoch, exports, save, reopen). Prints medians, best rounds, the
children's CPU time and the ratios bundle / python. Target: the bundle no slower (ratio <= 1.1).

    .venv/bin/python benchmarks/bench_bundle_start.py [--bundle dist/nnstudio/nnstudio]
        [--python /tmp/nnstudio-bundle-venv/bin/python] [--repeats 5] [--quick]

`--python` should be the interpreter of the venv the bundle was built from (packaging/build.sh
keeps it), so both sides load the same package versions; run it from the repository root so
`-m nnstudio` finds this checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def first_paint(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds from start to the first paint, and the CPU seconds the process used."""
    cpu, started = children_cpu(), time.time()
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300,
                            cwd=ROOT)
    for line in result.stdout.splitlines():
        if line.startswith("NNSTUDIO_SHOWN "):
            return float(line.split()[1]) - started, children_cpu() - cpu
    raise RuntimeError(f"{command[0]}: the window never painted: {result.stderr.strip()[-500:]}")


def self_test(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    cpu, started = children_cpu(), time.perf_counter()
    result = subprocess.run([*command, "--self-test"], env=env, capture_output=True, text=True,
                            timeout=600, cwd=ROOT)
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} --self-test failed: {result.stderr.strip()[-500:]}")
    return time.perf_counter() - started, children_cpu() - cpu


def summary(name: str, samples: list[tuple[float, float]]) -> dict[str, float]:
    walls = [wall for wall, _ in samples]
    cpus = [cpu for _, cpu in samples]
    row = {"median": statistics.median(walls), "best": min(walls),
           "cpu": statistics.median(cpus)}
    print(f"  {name:<26} median {row['median']:.2f} s  best {row['best']:.2f} s  "
          f"cpu {row['cpu']:.2f} s  (" + ", ".join(f"{w:.2f}" for w in walls) + ")")
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default=str(ROOT / "dist" / "nnstudio" / "nnstudio"))
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="two rounds")
    args = parser.parse_args()
    repeats = 2 if args.quick else args.repeats
    if not Path(args.bundle).is_file():
        print(f"no bundle at {args.bundle}: build one with packaging/build.sh first")
        print('RESULT {"headline": "skipped: no bundle built"}')
        return 0
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    probe_env = {**env, "NNSTUDIO_STARTUP_PROBE": "1"}
    sides = {"bundle": [args.bundle], "python -m nnstudio": [args.python, "-m", "nnstudio"]}
    paint = {name: [] for name in sides}
    tests = {name: [] for name in sides}
    for command in sides.values():  # one unmeasured run each: files come from a warm cache
        first_paint(command, probe_env)
    for round_number in range(repeats):
        order = list(sides) if round_number % 2 == 0 else list(reversed(sides))
        for name in order:
            paint[name].append(first_paint(sides[name], probe_env))
        for name in order:
            tests[name].append(self_test(sides[name], env))
    print(f"{repeats} rounds, {env['QT_QPA_PLATFORM']} platform")
    print("start to first paint:")
    paint_rows = {name: summary(name, samples) for name, samples in paint.items()}
    print("--self-test, start to exit:")
    test_rows = {name: summary(name, samples) for name, samples in tests.items()}
    ratios = {
        "paint_median": paint_rows["bundle"]["median"] / paint_rows["python -m nnstudio"]["median"],
        "paint_best": paint_rows["bundle"]["best"] / paint_rows["python -m nnstudio"]["best"],
        "self_test_median": (test_rows["bundle"]["median"]
                             / test_rows["python -m nnstudio"]["median"]),
    }
    print("bundle / python: " + ", ".join(f"{key} {value:.2f}" for key, value in ratios.items()))
    headline = (f"bundle/python first paint {ratios['paint_median']:.2f}x "
                f"({paint_rows['bundle']['median']:.2f} s vs "
                f"{paint_rows['python -m nnstudio']['median']:.2f} s; target <= 1.1)")
    print("RESULT " + json.dumps({"headline": headline, **ratios}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
