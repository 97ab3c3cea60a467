"""Where training runs: "auto", "cpu", "cuda" / "cuda:i", "mps"; and how many CPU threads.

Thread counts matter on small CPUs: for the small networks learners build, one intra-op thread
beats two (the second only pays for convolutions and bigger layers), and NumPy's BLAS threads
spinning on a busy core slow torch down. `pinned_threads` sets both for one run and restores them.
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator

import torch

from nnstudio.core.errors import SpecError

# Multiply-adds per step (batch included) below which one CPU thread is fastest, measured with
# benchmarks/bench_training.py on 2 cores; above it, more threads pay off.
ONE_THREAD_WORK = 64_000_000


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def available_devices() -> list[tuple[str, str]]:
    """Every device key that works here, with a label for people, "auto" first."""
    cores = os.cpu_count() or 1
    devices = [("cpu", f"CPU ({cores} cores)")]
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            memory = props.total_memory / 2**30
            devices.append((f"cuda:{index}", f"{props.name} ({memory:.0f} GiB)"))
    if _mps_available():
        devices.append(("mps", "Apple GPU (Metal)"))
    auto = devices[1] if len(devices) > 1 else devices[0]
    return [("auto", f"Automatic: {auto[1]}")] + devices


def resolve_device(key: str) -> torch.device:
    """The torch device for `key`; SpecError naming the setting if it is not available here."""
    if key == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda:0")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if key == "cpu":
        return torch.device("cpu")
    if key == "mps":
        if not _mps_available():
            raise SpecError("training.device: \"mps\" needs an Apple GPU, and there is none here; "
                            "choose \"auto\" or \"cpu\"")
        return torch.device("mps")
    if key == "cuda" or key.startswith("cuda:"):
        index = 0 if key == "cuda" else _cuda_index(key)
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if index >= count:
            found = f"there are {count}" if count else "there is none"
            raise SpecError(f"training.device: \"{key}\" needs a CUDA GPU number {index}, and "
                            f"{found} here; choose \"auto\" or \"cpu\"")
        return torch.device("cuda", index)
    raise SpecError(f"training.device: unknown device \"{key}\"; choose auto, cpu, cuda, "
                    "cuda:0 to cuda:7, or mps")


def _cuda_index(key: str) -> int:
    try:
        return int(key.split(":", 1)[1])
    except ValueError:
        raise SpecError(f"training.device: \"{key}\" must be cuda:0 to cuda:7") from None


def device_label(device: torch.device) -> str:
    """A name for people: "CPU" or the GPU's name."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple GPU (Metal)"
    return "CPU"


def threads_for(work_per_step: int) -> int:
    """How many intra-op CPU threads a step with this many multiply-adds should use."""
    cores = os.cpu_count() or 1
    if work_per_step < ONE_THREAD_WORK:
        return 1
    return max(1, min(cores, 2 if work_per_step < 16 * ONE_THREAD_WORK else cores))


@contextlib.contextmanager
def pinned_threads(count: int) -> Iterator[None]:
    """Run the block with `count` torch threads and NumPy's BLAS limited to one thread."""
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        with _blas_limited():
            yield
    finally:
        torch.set_num_threads(before)


@contextlib.contextmanager
def _blas_limited() -> Iterator[None]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: without it BLAS keeps its own setting
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
