"""Start-up: time from process start to the window's first paint, next to `import torch`.

Both run as fresh child processes in this one run, alternating, a few times each; the median of
each is printed with their ratio. Target: the window paints before a bare `import torch` would
have finished (ratio below 1), since the app imports torch only after the window shows.

    .venv/bin/python benchmarks/bench_startup.py [--repeats 3]

The child app runs with NNSTUDIO_STARTUP_PROBE=1: it prints the wall-clock time of the canvas's
first paint and quits. The torch warm-up starts in the background as in normal use, so the
measured paint pays for whatever it costs the GUI thread.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

APP = "import sys; from nnstudio.gui.app import run_app; sys.exit(run_app([]))"
TORCH = "import torch"


def time_window(env: dict[str, str]) -> float:
    started = time.time()
    result = subprocess.run([sys.executable, "-c", APP], env=env, capture_output=True, text=True,
                            timeout=120)
    for line in result.stdout.splitlines():
        if line.startswith("NNSTUDIO_SHOWN "):
            _, shown, torch_state = line.split()
            if torch_state != "torch_imported=False":
                raise RuntimeError("torch was imported before the window showed")
            return float(shown) - started
    raise RuntimeError(f"the window never painted: {result.stderr.strip()[-500:]}")


def time_torch(env: dict[str, str]) -> float:
    started = time.time()
    subprocess.run([sys.executable, "-c", TORCH], env=env, check=True, timeout=120)
    return time.time() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "NNSTUDIO_STARTUP_PROBE": "1"}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    window_times, torch_times = [], []
    time_torch(env)  # one unmeasured run of each, so both read their files from a warm cache
    time_window(env)
    for _ in range(args.repeats):
        window_times.append(time_window(env))
        torch_times.append(time_torch(env))
    window, torch = statistics.median(window_times), statistics.median(torch_times)
    print(f"platform            {env['QT_QPA_PLATFORM']}")
    print(f"window first paint  {window:.2f} s  (median of {args.repeats}: "
          + ", ".join(f"{t:.2f}" for t in window_times) + ")")
    print(f"python -c 'import torch'  {torch:.2f} s  (median of {args.repeats}: "
          + ", ".join(f"{t:.2f}" for t in torch_times) + ")")
    print(f"ratio window / import torch = {window / torch:.2f} "
          f"({'window first' if window < torch else 'torch first'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
