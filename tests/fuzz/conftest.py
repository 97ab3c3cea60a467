"""The fuzz suite's knobs and guards.

How many cases: a few hundred in all by default (CI), or `NNSTUDIO_FUZZ_CASES=10000` (the total,
shared among the suites by `SHARES`) for a long hunt; `NNSTUDIO_FUZZ_SEED` picks other cases
than CI's fixed ones.

Every case runs under `bounded()`: an address-space cap a fixed amount above what the process
already maps (a case that tries to allocate gigabytes fails with MemoryError, which the suites
count as a finding, instead of taking the machine down) and an alarm that turns a hang into a
failure naming the case. The alarm is a guard against hangs, not a timing: it is minutes.
"""

from __future__ import annotations

import contextlib
import io
import os
import resource
import signal
from collections.abc import Iterator

import pytest

FUZZ_CASES_ENV = "NNSTUDIO_FUZZ_CASES"
FUZZ_SEED_ENV = "NNSTUDIO_FUZZ_SEED"
CI_CASES = 400
# Each suite's part of the total number of cases.
SHARES = {"project_tree": 0.25, "project_bytes": 0.1, "weights": 0.15, "csv": 0.25,
          "npz": 0.1, "images": 0.08, "cli": 0.07}
MEMORY_HEADROOM = 1536 * 1024 ** 2  # what one case may allocate on top of the process
HANG_SECONDS = 120


def total_cases() -> int:
    return int(os.environ.get(FUZZ_CASES_ENV, CI_CASES))


def case_count(suite: str) -> int:
    """How many cases `suite` runs now (at least one)."""
    return max(1, round(total_cases() * SHARES[suite]))


def first_seed() -> int:
    """Where seeded mutators start: 0 in CI (the same cases every run), else the env's."""
    return int(os.environ.get(FUZZ_SEED_ENV, 0))


def hypothesis_settings(suite: str):
    """Hypothesis settings for `suite`: its case count, no deadline (the machine is shared;
    hangs are the alarm's job), derandomized in CI so every run tries the same cases."""
    from hypothesis import HealthCheck, settings

    return settings(max_examples=case_count(suite), deadline=None, database=None,
                    derandomize=FUZZ_SEED_ENV not in os.environ,
                    suppress_health_check=list(HealthCheck))


class Hang(Exception):
    """A case ran longer than HANG_SECONDS."""


def _mapped_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


@contextlib.contextmanager
def bounded(case: str) -> Iterator[None]:
    """Run a case with at most MEMORY_HEADROOM more address space and HANG_SECONDS of time."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _mapped_bytes() + MEMORY_HEADROOM
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)

    def hang(signum, frame):
        raise Hang(f"{case}: still running after {HANG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, hang)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    signal.alarm(HANG_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        signal.signal(signal.SIGALRM, previous)


def run_cli(argv: list[str]) -> tuple[int, str]:
    """`nnstudio ARGV` in this process: (exit code, what it wrote to stderr)."""
    from nnstudio.commands import run_subcommand

    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = run_subcommand(argv)
    return code, err.getvalue()


def assert_refused_in_one_line(code: int, err: str, case: str) -> None:
    """Bad input: exit 2 and one line on stderr, no traceback."""
    assert code == 2, f"{case}: exit {code}, stderr {err!r}"
    assert err.endswith("\n") and err.count("\n") == 1 and "Traceback" not in err, \
        f"{case}: {err!r}"


@pytest.fixture(autouse=True, scope="package")
def one_torch_thread():
    """The machine is shared: the suites build models on one thread."""
    try:
        import torch
    except ImportError:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
