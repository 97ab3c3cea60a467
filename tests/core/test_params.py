"""Parameter specs and schemas: canonical values, and errors that name the field and the rule."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnstudio.core.errors import SpecError
from nnstudio.core.params import BOOL, CHOICE, FLOAT, INT, SHAPE, ParamSpec, Schema

KERNEL = ParamSpec("kernel", INT, 3, "The window width.", minimum=1, maximum=15)
RATE = ParamSpec("rate", FLOAT, 0.5, "The share dropped.", minimum=0.0, maximum=0.95)
BIAS = ParamSpec("use_bias", BOOL, True, "Add an offset.")
PADDING = ParamSpec("padding", CHOICE, "valid", "Pad or not.", choices=("valid", "same"))
SHAPE_SPEC = ParamSpec("shape", SHAPE, (2,), "One sample's shape.")
SCHEMA = Schema((KERNEL, RATE, BIAS, PADDING))


def test_an_out_of_range_integer_is_refused_with_the_field_the_rule_and_the_value():
    with pytest.raises(SpecError) as error:
        KERNEL.validate("x", "network.nodes[3].params.kernel")
    assert str(error.value) == 'network.nodes[3].params.kernel: must be an integer from 1 to 15, got "x"'
    with pytest.raises(SpecError, match=r"^k: must be an integer from 1 to 15, got 16$"):
        KERNEL.validate(16, "k")


def test_integers_accept_whole_floats_and_numpy_integers_and_return_python_ints():
    assert KERNEL.validate(3.0, "k") == 3 and type(KERNEL.validate(3.0, "k")) is int
    assert type(KERNEL.validate(np.int64(4), "k")) is int


@pytest.mark.parametrize("bad", [2.5, True, None, "3", [3], float("nan"), float("inf"), 10**400])
def test_integers_refuse_fractions_bools_text_and_non_numbers(bad):
    with pytest.raises(SpecError, match=r"^k: must be an integer from 1 to 15, got "):
        KERNEL.validate(bad, "k")


def test_floats_accept_ints_and_numpy_floats_and_return_python_floats():
    assert RATE.validate(0, "r") == 0.0 and type(RATE.validate(0, "r")) is float
    assert type(RATE.validate(np.float32(0.25), "r")) is float


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -0.1, 0.96, 10**400, False, "0.5"])
def test_floats_refuse_non_finite_out_of_range_huge_and_non_numbers(bad):
    with pytest.raises(SpecError, match=r"^r: must be a number from 0 to 0.95, got "):
        RATE.validate(bad, "r")


def test_bools_accept_only_true_and_false():
    assert BIAS.validate(False, "b") is False
    for bad in (0, 1, "true", None):
        with pytest.raises(SpecError, match=r"^b: must be true or false, got "):
            BIAS.validate(bad, "b")


def test_choices_name_every_allowed_value():
    assert PADDING.validate("same", "p") == "same"
    with pytest.raises(SpecError) as error:
        PADDING.validate("full", "p")
    assert str(error.value) == 'p: must be one of "valid", "same", got "full"'


def test_shapes_become_tuples_of_positive_ints_of_rank_one_to_four():
    assert SHAPE_SPEC.validate([1, 8, 8], "s") == (1, 8, 8)
    for bad in ([], [0], [1, 2, 3, 4, 5], [2.0], [True], "2", [10**7]):
        with pytest.raises(SpecError, match=r"^s: must be a list of 1 to 4 positive integers"):
            SHAPE_SPEC.validate(bad, "s")


def test_bad_values_are_shown_short_and_never_as_a_python_repr():
    with pytest.raises(SpecError) as error:
        KERNEL.validate("y" * 500, "k")
    assert str(error.value).endswith('got "' + "y" * 37 + '..."')
    with pytest.raises(SpecError, match=r"got a dict$"):
        KERNEL.validate({"a": 1}, "k")
    with pytest.raises(SpecError, match=r"got null$"):
        KERNEL.validate(None, "k")


def test_describe_allowed_covers_open_ended_ranges():
    assert ParamSpec("n", INT, 1, "", minimum=1).describe_allowed() == "an integer of at least 1"
    assert ParamSpec("x", FLOAT, 1.0, "").describe_allowed() == "a number"


def test_display_label_defaults_to_the_name_in_words():
    assert ParamSpec("learning_rate", FLOAT, 0.1, "").display_label == "Learning rate"
    assert ParamSpec("lr", FLOAT, 0.1, "", label="Step").display_label == "Step"


def test_schema_fills_defaults_and_keeps_its_order():
    assert SCHEMA.validate({"kernel": 5}, "w") == {
        "kernel": 5, "rate": 0.5, "use_bias": True, "padding": "valid"}
    assert SCHEMA.names() == ("kernel", "rate", "use_bias", "padding")
    assert SCHEMA.defaults() == {"kernel": 3, "rate": 0.5, "use_bias": True, "padding": "valid"}
    assert SCHEMA["rate"] is RATE and [s.name for s in SCHEMA] == list(SCHEMA.names())


def test_schema_names_the_unknown_setting_and_lists_the_allowed_ones():
    with pytest.raises(SpecError) as error:
        SCHEMA.validate({"kernal": 5}, "dense_1.params")
    assert str(error.value) == ("dense_1.params.kernal: unknown setting "
                                "(allowed: kernel, rate, use_bias, padding)")


def test_schema_names_the_bad_field_inside_its_place():
    with pytest.raises(SpecError, match=r"^n\.params\.rate: must be a number from 0 to 0\.95, got 2$"):
        SCHEMA.validate({"rate": 2}, "n.params")


def test_schema_refuses_something_that_is_not_an_object():
    with pytest.raises(SpecError, match=r"^w: must be an object of settings, got a list$"):
        SCHEMA.validate([], "w")


def test_schema_lookup_of_a_missing_name_is_a_key_error():
    with pytest.raises(KeyError):
        SCHEMA["nope"]


@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(),
                 st.lists(st.integers()), st.dictionaries(st.text(), st.integers())))
def test_validation_only_ever_returns_a_canonical_value_or_raises_spec_error(value):
    for spec in (KERNEL, RATE, BIAS, PADDING, SHAPE_SPEC):
        try:
            checked = spec.validate(value, "f")
        except SpecError as error:
            assert str(error).startswith("f: must be ")
        else:
            assert spec.validate(checked, "f") == checked  # canonical values stay valid
