"""Run every benchmark in this folder (`bench_*.py`) and print a table of what each found.

Each benchmark runs in its own Python process (so one's imports and thread settings never
touch another's) and prints its own report as it goes. A benchmark may end with a line
`RESULT {"headline": "...", ...}` (JSON) whose headline goes into the table; otherwise its last
line does.

    python benchmarks/run.py                  # all of them
    python benchmarks/run.py --quick          # smoke run: --quick to those that take it
    python benchmarks/run.py training csv     # only bench_training.py and bench_csv.py
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
RESULT_PREFIX = "RESULT "


@dataclass
class Outcome:
    name: str
    status: str
    seconds: float
    headline: str


def discover(names: list[str]) -> list[Path]:
    """The benchmark files, all or those named (with or without "bench_" and ".py")."""
    found = sorted(FOLDER.glob("bench_*.py"))
    if not names:
        return found
    wanted = {n.removeprefix("bench_").removesuffix(".py") for n in names}
    chosen = [p for p in found if p.stem.removeprefix("bench_") in wanted]
    missing = wanted - {p.stem.removeprefix("bench_") for p in chosen}
    if missing:
        raise SystemExit(f"no benchmark named {', '.join(sorted(missing))}; there are: "
                         + ", ".join(p.stem.removeprefix("bench_") for p in found))
    return chosen


def takes_quick(path: Path) -> bool:
    return '"--quick"' in path.read_text(encoding="utf-8")


def run_one(path: Path, quick: bool) -> Outcome:
    command = [sys.executable, str(path)] + (["--quick"] if quick and takes_quick(path) else [])
    name = path.stem.removeprefix("bench_")
    print(f"==> {name}: {' '.join(Path(c).name if i < 2 else c for i, c in enumerate(command))}",
          flush=True)
    started = time.perf_counter()
    lines: list[str] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          cwd=FOLDER.parent, bufsize=1) as process:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if not line.startswith(RESULT_PREFIX):
                print("    " + line, end="", flush=True)
        code = process.wait()
    seconds = time.perf_counter() - started
    print(flush=True)
    return Outcome(name, "ok" if code == 0 else f"failed ({code})", seconds,
                   headline(lines))


def headline(lines: list[str]) -> str:
    for line in reversed(lines):
        if line.startswith(RESULT_PREFIX):
            try:
                return str(json.loads(line[len(RESULT_PREFIX):]).get("headline", ""))
            except json.JSONDecodeError:
                break
    text = [line.strip() for line in lines if line.strip()]
    return text[-1] if text else ""


def table(outcomes: list[Outcome]) -> str:
    rows = [("benchmark", "status", "seconds", "result")]
    rows += [(o.name, o.status, f"{o.seconds:.0f}", o.headline) for o in outcomes]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join([row[0].ljust(widths[0]), row[1].ljust(widths[1]),
                        row[2].rjust(widths[2]), row[3]]) for row in rows]
    lines.insert(1, "-" * max(len(line) for line in lines))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="pass --quick to the benchmarks that take it")
    args = parser.parse_args(argv)
    outcomes = [run_one(path, args.quick) for path in discover(args.names)]
    print(table(outcomes))
    return 0 if all(o.status == "ok" for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
