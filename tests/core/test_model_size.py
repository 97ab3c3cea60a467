"""A network's memory, known from its spec: limits, the message, and the checks before building."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from nnstudio.core.errors import SpecError
from nnstudio.core.model_size import (
    MEMORY_LIMIT_ENV,
    check_memory,
    check_trainable,
    format_bytes,
    memory_limit,
    model_size,
    parse_size,
)
from nnstudio.core.network import chain
from nnstudio.core.shapes import infer_shapes

MILLION_INPUTS = chain(("input", {"shape": (1_000_000,)}), ("dense", {"units": 4096}),
                       ("dense", {"units": 1}))


def data(shape=(2,), samples=100, name="spiral"):
    return SimpleNamespace(input_shape=shape, n_samples=samples, name=name)


def test_size_counts_parameters_and_every_layer_output_per_sample():
    network = chain(("input", {"shape": (3,)}), ("dense", {"units": 4}), ("dense", {"units": 2}))
    size = model_size(infer_shapes(network))
    assert size.parameters == (3 * 4 + 4) + (4 * 2 + 2)
    assert size.activations_per_sample == 3 + 4 + 2
    assert (size.largest_layer, size.largest_parameters) == ("dense_1", 16)
    assert size.bytes_needed() == (26 + 9) * 4
    assert size.bytes_needed(batch_size=10) == (26 * 4 + 9 * 10 * 2) * 4


def test_a_million_inputs_into_dense_4096_is_refused_naming_size_layer_and_limit(monkeypatch):
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "8GB")
    with pytest.raises(SpecError) as error:
        check_memory(infer_shapes(MILLION_INPUTS))
    message = str(error.value)
    assert message.startswith("network: building it would need about 15.3 GB")
    assert "4,096,008,193 parameters" in message and "dense_1, holds 4,096,004,096" in message
    assert "limit of 8 GB" in message and "NNSTUDIO_MAX_MEMORY=16GB" in message


def test_the_limit_comes_from_the_environment_and_a_bad_value_is_named(monkeypatch):
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "512MB")
    assert memory_limit() == 512 * 1024 ** 2
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "2.5gb")
    assert memory_limit() == int(2.5 * 1024 ** 3)
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "lots")
    with pytest.raises(SpecError, match='NNSTUDIO_MAX_MEMORY: must be a memory size like "8GB"'):
        memory_limit()
    monkeypatch.delenv(MEMORY_LIMIT_ENV)
    assert memory_limit() > 0


@pytest.mark.parametrize("text", ["0", "-1GB", "1 PB", "GB", "1e9"])
def test_sizes_that_are_not_sizes_are_refused(text):
    with pytest.raises(SpecError, match="where: must be a memory size"):
        parse_size(text, "where")


def test_sizes_read_as_people_write_them():
    assert format_bytes(512) == "512 bytes"
    assert format_bytes(1536) == "1.5 KB"
    assert format_bytes(16 * 1024 ** 4 * 300) == "4,800 TB"


def test_training_counts_the_batch_so_a_small_limit_refuses_a_large_batch(monkeypatch):
    network = chain(("input", {"shape": (100,)}), ("dense", {"units": 100}))
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "1MB")
    check_trainable(network, data((100,), samples=10_000), batch_size=32)
    with pytest.raises(SpecError, match="training it in batches of 4096 would need about 6.4 MB"):
        check_trainable(network, data((100,), samples=10_000), batch_size=4096)


def test_the_batch_counted_is_at_most_the_training_samples(monkeypatch):
    network = chain(("input", {"shape": (100,)}), ("dense", {"units": 100}))
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "1MB")
    check_trainable(network, data((100,), samples=10), batch_size=100_000)


def test_the_input_is_checked_against_the_data_before_the_size(monkeypatch):
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "1KB")
    with pytest.raises(SpecError, match=r'input_1: expects samples shaped \[1000000\], but the '
                                        r'data "spiral" has samples shaped \[2\]'):
        check_trainable(MILLION_INPUTS, data(), batch_size=32)


def test_a_network_with_nothing_to_train_is_refused():
    for network in (chain(("input", {"shape": (2,)})),
                    chain(("input", {"shape": (2,)}), ("relu", {}))):
        with pytest.raises(SpecError, match="network: has nothing to train"):
            check_trainable(network, data(), batch_size=32)


def test_shape_errors_come_first_as_they_would_from_building():
    network = chain(("input", {"shape": (2,)}), ("conv2d", {}))
    with pytest.raises(SpecError, match="conv2d_1"):
        check_trainable(network, data(), batch_size=32)
