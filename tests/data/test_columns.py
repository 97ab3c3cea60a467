"""The column checks `nnstudio new` and the import wizard share: which column is the target,
which columns are left out of the inputs and why, and which look like leakage."""

from __future__ import annotations

import pytest

from nnstudio.core.errors import DataError
from nnstudio.data.columns import (
    ColumnSample,
    NoTargetFound,
    describe_plan,
    guess_target,
    plan_columns,
)

N = 60


def column(name, values, kind=None):
    texts = tuple(None if v is None else str(v) for v in values)
    if kind is None:
        kind = "number" if all(isinstance(v, (int, float)) for v in values if v is not None) \
            else "text"
    return ColumnSample(name, kind, texts)


def cancer_like():
    """An id, a text category, text labels in the middle, and a last float column."""
    return [
        column("patient_id", [5000 + i for i in range(N)]),
        column("clinic", [("north", "south", "east")[i % 3] for i in range(N)]),
        column("radius", [round(10 + (i * 7 % 13) / 3, 2) for i in range(N)]),
        column("diagnosis", [("B", "M")[(i * 5 % 7) % 2] for i in range(N)]),
        column("worst_fractal_dimension", [0.05 + (i * 3 % 17) / 100 for i in range(N)]),
    ]


def handling(plan):
    return {c.name: (c.handling, c.reason) for c in plan.columns}


def test_the_label_is_found_by_its_name_and_the_row_id_is_left_out_with_its_reason():
    plan = plan_columns(cancer_like())
    assert plan.target == "diagnosis"
    assert "its name, 'diagnosis'" in plan.target_reason
    assert plan.features() == ["clinic", "radius", "worst_fractal_dimension"]
    found = handling(plan)
    assert found["patient_id"] == ("left out", "it looks like a row id (unique whole numbers "
                                               "that count up)")
    assert found["clinic"][0] == "onehot" and found["radius"][0] == "number"
    assert plan.options() == {"target": "diagnosis",
                              "features": ["clinic", "radius", "worst_fractal_dimension"],
                              "categorical": {"clinic": "onehot"}}
    lines = describe_plan(plan, keep_hint="--features to keep it")
    assert "  patient_id: left out, it looks like a row id (unique whole numbers that count " \
           "up); --features to keep it" in lines
    assert "  clinic: one-hot (east, north, south)" in lines


def test_without_a_label_name_a_text_column_before_a_last_float_column_is_chosen():
    samples = cancer_like()
    samples[3] = column("dx", samples[3].texts)
    target, reason = guess_target(samples)
    assert target == "dx"
    assert reason == "it is the last text column with few values (2 classes); other " \
                     "candidates: clinic"


def test_a_table_of_measurements_has_no_findable_target_and_the_message_lists_the_columns():
    samples = [column("a", [i * 0.5 for i in range(N)]), column("b", [i * 0.3 for i in range(N)])]
    with pytest.raises(NoTargetFound, match="the columns are a, b"):
        guess_target(samples)


def test_pandas_unnamed_index_column_is_a_row_id_even_when_shuffled():
    index = [(i * 7) % N for i in range(N)]  # a shuffled frame keeps its old index
    samples = [column("column 1", index), *cancer_like()[1:]]
    assert "as pandas writes its index" in handling(plan_columns(samples))["column 1"][1]


@pytest.mark.parametrize("name, values, reason", [
    ("PassengerId", [(i * 37) % 1000 for i in range(N)], "its name says id"),
    ("name", [f"person {i}" for i in range(N)], "a different text in every row"),
    ("country", ["NL"] * N, "it has the same value, 'NL', in every row"),
    ("notes", ["x", "y"] + [None] * (N - 2), "it is empty in 58 of 60 rows (97%)"),
])
def test_columns_that_would_mislead_are_left_out_with_their_reason(name, values, reason):
    samples = [column(name, values), *cancer_like()[1:]]
    found = handling(plan_columns(samples))[name]
    assert found[0] == "left out" and reason in found[1], found


def test_a_text_column_with_too_many_values_to_one_hot_is_left_out_unless_ordinal():
    rows = 3 * N
    samples = [column("ticket", [f"t{i % 150}" for i in range(rows)])] + [
        column(c.name, list(c.texts) * 3, c.kind) for c in cancer_like()[1:]]
    reason = handling(plan_columns(samples))["ticket"]
    assert reason == ("left out", "it holds 150 different values, too many to one-hot "
                                  "encode (at most 100)")
    plan = plan_columns(samples, encodings={"ticket": "ordinal"})
    assert handling(plan)["ticket"][0] == "ordinal"


def test_a_column_counting_by_twos_is_an_input_not_a_row_id():
    samples = [column("dose", [2 * i for i in range(N)]), *cancer_like()[1:]]
    assert handling(plan_columns(samples))["dose"] == ("number", "")


def test_features_keep_a_row_id_with_a_warning_and_drop_leaves_a_column_out():
    plan = plan_columns(cancer_like(), features=["patient_id", "radius"])
    assert plan.features() == ["patient_id", "radius"]
    assert any(w.startswith("patient_id: kept as asked, though it looks like a row id")
               for w in plan.warnings)
    plan = plan_columns(cancer_like(), drop=["clinic"])
    assert handling(plan)["clinic"] == ("left out", "as asked")
    assert describe_plan(plan, keep_hint="--features to keep it")[3] == \
        "  clinic: left out, as asked"


def test_per_column_encodings_and_their_errors():
    plan = plan_columns(cancer_like(), encodings={"clinic": "ordinal"})
    assert plan.encodings() == {"clinic": "ordinal"}
    samples = [*cancer_like(), column("grade", [i % 3 for i in range(N)])]
    plan = plan_columns(samples, target="diagnosis", encodings={"grade": "onehot"})
    assert handling(plan)["grade"][0] == "onehot"
    with pytest.raises(DataError, match="categorical: 'radius' holds numbers"):
        plan_columns(cancer_like(), encodings={"radius": "ordinal"})
    with pytest.raises(DataError, match="categorical: clinic: must be onehot or ordinal"):
        plan_columns(cancer_like(), encodings={"clinic": "binary"})
    with pytest.raises(DataError, match="drop: there is no column 'age'"):
        plan_columns(cancer_like(), drop=["age"])
    with pytest.raises(DataError, match="cannot also be an input"):
        plan_columns(cancer_like(), target="radius", features=["radius", "clinic"])


def test_a_column_that_gives_the_label_away_is_flagged_as_likely_leakage():
    samples = cancer_like()
    samples.append(column("code", [0 if t == "B" else 1 for t in samples[3].texts]))
    plan = plan_columns(samples)
    assert "code" in plan.features()  # flagged, not silently removed
    assert [w for w in plan.warnings if w.startswith("code: likely leakage")]
    assert not [w for w in plan.warnings if w.startswith(("radius", "clinic"))]


def test_a_column_that_follows_a_regression_target_is_flagged():
    target = [i * 1.7 + (i % 5) for i in range(N)]
    samples = [column("x", [(i * 13 % 7) * 1.0 for i in range(N)]),
               column("double", [2 * v + 0.5 for v in target]),
               column("price", target)]
    plan = plan_columns(samples, target="price")
    assert [w for w in plan.warnings if w.startswith("double: likely leakage")]
    assert not [w for w in plan.warnings if w.startswith("x:")]
