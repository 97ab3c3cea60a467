"""Devices by key, with clear errors for ones this machine lacks; threads pinned per run."""

from __future__ import annotations

import pytest
import torch

from nnstudio.core.errors import SpecError
from nnstudio.engine.devices import available_devices, pinned_threads, resolve_device, threads_for


def test_available_devices_list_auto_first_then_the_cpu_with_labels():
    devices = available_devices()
    keys = [key for key, _ in devices]
    assert keys[:2] == ["auto", "cpu"]
    assert all(label for _, label in devices)


def test_cpu_and_auto_resolve_to_a_torch_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in ("cpu", "cuda", "mps")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_missing_gpu_is_a_spec_error_that_suggests_the_cpu():
    with pytest.raises(SpecError, match='training.device: "cuda:3".*choose "auto" or "cpu"'):
        resolve_device("cuda:3")


def test_pinned_threads_apply_inside_and_restore_afterwards():
    before = torch.get_num_threads()
    with pinned_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_small_steps_get_one_thread_and_big_ones_more():
    assert threads_for(10_000) == 1
    assert threads_for(10**12) >= 1
