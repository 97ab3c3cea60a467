"""Start-up of the PyInstaller bundle next to `python -m nnstudio` (the same code, unbundled).

Each round starts both as fresh processes, in alternating order, and times (a) process start to
the main window being mapped on a private Xvfb display (what a person sees; needs the Debian
packages xvfb and xdotool) and (b) a whole `--self-test` offscreen (torch import, one epoch,
exports, save, reopen). Prints medians, best rounds and the ratios bundle / python.
Target: the bundle no slower (ratio <= 1.1).

It times the mapped window rather than using NNSTUDIO_STARTUP_PROBE (bench_startup.py), so
the number is what a person sees on a display.

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
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def window_shown(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds from start until a window titled "... NN Studio" is mapped, and CPU seconds."""
    cpu, started = children_cpu(), time.perf_counter()
    app = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    try:
        while subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "NN Studio"],
                             env=env, capture_output=True).returncode != 0:
            if app.poll() is not None or time.perf_counter() - started > 120:
                app.kill()
                raise RuntimeError(f"{command[0]}: no window appeared: "
                                   f"{app.communicate()[1].strip()[-500:]}")
            time.sleep(0.01)
        shown = time.perf_counter() - started
    finally:
        app.kill()
        app.wait()
    return shown, children_cpu() - cpu


def start_xvfb() -> tuple[subprocess.Popen, str]:
    for number in range(120, 160):
        if not Path(f"/tmp/.X{number}-lock").exists():
            server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1600x1000x24",
                                       "-nolisten", "tcp", "-noreset"], stderr=subprocess.DEVNULL)
            env = {**os.environ, "DISPLAY": f":{number}"}
            for _ in range(100):  # until it takes connections
                if server.poll() is not None:
                    break
                if subprocess.run(["xdotool", "getdisplaygeometry"], env=env,
                                  capture_output=True).returncode == 0:
                    return server, f":{number}"
                time.sleep(0.1)
            server.kill()
            server.wait()
    raise RuntimeError("no free X display number for Xvfb")


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
    if not (shutil.which("Xvfb") and shutil.which("xdotool")):
        print("needs Xvfb and xdotool: apt-get install xvfb xdotool")
        print('RESULT {"headline": "skipped: no Xvfb or xdotool"}')
        return 0
    server, display = start_xvfb()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    x_env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "DISPLAY": display}
    sides = {"bundle": [args.bundle], "python -m nnstudio": [args.python, "-m", "nnstudio"]}
    paint = {name: [] for name in sides}
    tests = {name: [] for name in sides}
    try:
        for command in sides.values():  # one unmeasured run each: files come from a warm cache
            window_shown(command, x_env)
        for round_number in range(repeats):
            order = list(sides) if round_number % 2 == 0 else list(reversed(sides))
            for name in order:
                paint[name].append(window_shown(sides[name], x_env))
            for name in order:
                tests[name].append(self_test(sides[name], env))
    finally:
        server.terminate()
        server.wait()
    print(f"{repeats} rounds; windows on Xvfb {display}, self-tests offscreen")
    print("start to main window shown:")
    paint_rows = {name: summary(name, samples) for name, samples in paint.items()}
    print("--self-test, start to exit:")
    test_rows = {name: summary(name, samples) for name, samples in tests.items()}
    ratios = {
        "window_median": (paint_rows["bundle"]["median"]
                          / paint_rows["python -m nnstudio"]["median"]),
        "window_best": paint_rows["bundle"]["best"] / paint_rows["python -m nnstudio"]["best"],
        "self_test_median": (test_rows["bundle"]["median"]
                             / test_rows["python -m nnstudio"]["median"]),
    }
    print("bundle / python: " + ", ".join(f"{key} {value:.2f}" for key, value in ratios.items()))
    headline = (f"bundle/python window shown {ratios['window_median']:.2f}x "
                f"({paint_rows['bundle']['median']:.2f} s vs "
                f"{paint_rows['python -m nnstudio']['median']:.2f} s; target <= 1.1)")
    print("RESULT " + json.dumps({"headline": headline, **ratios}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
