"""Round 23a: tests for the mutants that survived in the scoring chain (docs/reliability.md
§16.8): the scores (sim/observe/scoring.py), the null forecasters (sim/observe/nulls.py) and
the verdict's words (sim/observe/verdict.py), the files that decide whether the model beats
each null. Each test fails on its mutant and passes on the original; each asserts a rule the
code or a document states, on small cases whose expected values are derived in the test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.observe.scoring import (
    NULLS,
    design_skill,
    null_rows,
    null_scope,
    null_skill,
    skill_table,
)
from sim.observe.verdict import kind_losses, pooled_verdict, signed
from tests.test_scoring_properties import long  # skill_table's long rows


def nulls_at(model: float, null: dict[str, float] | float = 1.0) -> dict[str, list[float]]:
    """One observation of a kind: the model's CRPS and each null's (one for all, or by name)."""
    by = null if isinstance(null, dict) else dict.fromkeys(NULLS, null)
    return {"model": [model], **{n: [by[n]] for n in NULLS}}


# ------------------------------------------------------------------ sim/observe/verdict.py
def test_a_negative_zero_skill_is_written_as_a_tie_with_a_plus_sign():
    """`signed`: "−0.0 is a tie, as 0.0" — a skill of −0.0 (a loss of nothing) is "+0.00",
    the words of 0.0, never "−0.00", which reads as a loss too small to show."""
    assert signed(-0.0) == signed(0.0) == "+0.00"


def test_a_skill_too_small_for_two_decimals_is_written_out_to_six_then_as_a_power_of_ten():
    """`signed` keeps one significant digit of a skill below 0.005: written out while that
    digit is within six decimals (4·10⁻⁶ is "+0.000004"), as a power of ten beyond (4·10⁻⁷
    is "+4e−07"), with true minus signs."""
    assert signed(4e-6) == "+0.000004" and signed(-4e-6) == "−0.000004"
    assert signed(4e-7) == "+4e−07" and signed(-4e-7) == "−4e−07"


def test_three_names_are_joined_with_commas_and_a_last_and():
    """The verdict lists three nulls as "a, b and c" (two as "a and b"): English, not "a and
    b and c", and never without the last name."""
    everywhere = skill_table(long({"k": nulls_at(0.5)}))
    assert pooled_verdict(everywhere) == (
        "The model beats all three null forecasters (persistence, the linear trend and the "
        "events-only world) on the pooled score."
    )
    two = skill_table(long({"k": nulls_at(0.5, {"persistence": 1.0, "trend": 1.0,
                                                 "events_only": 0.25})}))  # fmt: skip
    assert pooled_verdict(two).startswith("The model beats persistence and the linear trend ")


def test_the_kind_losses_name_every_kind_lost_when_there_are_several_and_none_for_one():
    """`kind_losses`: with three kinds, each kind the model loses on is named (here only b,
    to persistence); with one kind it says nothing, the pooled verdict has said it."""
    three = skill_table(
        long(
            {
                "a": nulls_at(0.5),
                "b": nulls_at(0.5, {"persistence": 0.25, "trend": 1.0, "events_only": 1.0}),
                "c": nulls_at(0.5),
            }
        )
    )
    assert kind_losses(three) == "By kind, it loses to persistence on b."
    one = skill_table(long({"b": nulls_at(0.5, 0.25)}))
    assert pooled_verdict(one).startswith("The model loses to persistence (skill −1.00)")
    assert kind_losses(one) == ""


def test_a_table_without_kind_rows_cannot_be_compared_rather_than_forecast_exactly():
    """`_exact`: a null whose skill is missing is "exact" only when it scored every kind
    with CRPS 0, "not because it had nothing to forecast": a table of only the pooled row
    (no kind, so no CRPS of any kind) says it cannot be compared, not that a null was
    perfect."""
    pooled = pd.DataFrame(
        {
            "kind": ["pooled"],
            "observations": [0],
            **{f"CRPS {f}": [float("nan")] for f in ("model", *NULLS)},
            **{f"skill vs {n}": [float("nan")] for n in NULLS},
        }
    )
    assert pooled_verdict(pooled) == (
        "The model cannot be compared with persistence, the linear trend and the events-only "
        "world (no forecast to compare)."
    )


def test_a_pooled_skill_of_exactly_zero_is_a_tie_neither_a_win_nor_a_loss():
    """`pooled_verdict`: "A skill of exactly 0 is a tie". The model's CRPS equal to the
    trend's (skill 1 − 0.5/0.5 = 0) puts the trend among the ties only; a model equal to
    every null ties with all three and beats none."""
    tie = nulls_at(0.5, {"persistence": 1.0, "trend": 0.5, "events_only": 1.0})
    assert pooled_verdict(skill_table(long({"k": tie}))) == (
        "The model beats persistence and the events-only world and ties with the linear "
        "trend on the pooled score."
    )
    assert pooled_verdict(skill_table(long({"k": nulls_at(0.5, 0.5)}))) == (
        "The model ties with persistence, the linear trend and the events-only world on the "
        "pooled score."
    )


def test_a_null_exact_on_one_kind_and_absent_from_another_cannot_be_compared():
    """`_exact` needs CRPS 0 on *every* kind. The trend scored kind a exactly (CRPS 0, so a
    is left out of its pooled skill) and has no forecast of kind b: no kind is left to pool,
    so its pooled skill is missing for want of a forecast, not because it was perfect."""
    rows = long(
        {
            "a": nulls_at(0.5, {"persistence": 1.0, "trend": 0.0, "events_only": 1.0}),
            "b": {"model": [0.5], "persistence": [1.0], "events_only": [1.0]},
        }
    )
    assert pooled_verdict(skill_table(rows)) == (
        "The model beats persistence and the events-only world on the pooled score. It "
        "cannot be compared with the linear trend (no forecast to compare)."
    )


def test_one_null_exact_on_a_kind_is_said_with_its_and_two_kinds_with_those():
    """`_left_out`: one null's pooled skill without a kind is "its pooled skill"; two kinds
    left out are "those kinds are". Persistence alone scored kinds a and b exactly."""
    exact = nulls_at(0.5, {"persistence": 0.0, "trend": 1.0, "events_only": 1.0})
    rows = long({"a": exact, "b": exact, "c": nulls_at(0.5)})
    assert pooled_verdict(skill_table(rows)).endswith(
        " Persistence forecast every a and b observation exactly (CRPS 0): those kinds are "
        "left out of its pooled skill."
    )


# ------------------------------------------------------------------ sim/observe/scoring.py
def test_an_observation_a_null_cannot_forecast_is_left_out_for_every_forecaster():
    """`null_rows`: the skill is computed "on the scored observations that all of them can
    forecast". Observation c has every design's CRPS but no trend forecast: it is left out
    of every forecaster's rows, so the model's mean CRPS is that of a and b, (1 + 3)/2 = 2,
    and the skill against persistence 1 − 2/2 = 0 (with c, (1 + 3 + 8)/3 = 4: skill −1)."""
    table = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "kind": ["summit"] * 3,
            "scored": [True, True, True],
            "crps": [1.0, 3.0, 8.0],
            "crps_filtered": [0.5, 1.5, 2.0],
            "crps_persistence": [2.0, 2.0, 2.0],
            "crps_trend": [4.0, 4.0, np.nan],
            "crps_events_only": [1.0, 1.0, 1.0],
        }
    )
    rows = null_rows(table, "plain")
    assert sorted(rows["id"].unique()) == ["a", "b"]
    assert rows.groupby("forecaster").size().to_dict() == dict.fromkeys(("model", *NULLS), 2)
    summit = null_skill(table).set_index("kind").loc["summit"]
    assert summit["CRPS model"] == pytest.approx(2.0)
    assert summit["skill vs persistence"] == pytest.approx(0.0)


def test_the_null_scope_of_a_table_of_the_four_scores_alone_counts_its_complete_rows():
    """`null_scope` reads a table without a `scored` column as all scored: a table of just
    the model's and the three nulls' CRPS counts the rows where all four are present (2 of
    3 here), not 0 as if a null's column were missing."""
    table = pd.DataFrame(
        {
            "crps": [1.0, 2.0, 3.0],
            "crps_persistence": [1.0, np.nan, 1.0],
            "crps_trend": [1.0, 1.0, 1.0],
            "crps_events_only": [1.0, 1.0, 1.0],
        }
    )
    assert null_scope(table) == 2


def test_the_stacked_design_table_has_its_documented_columns_and_a_plain_index():
    """`design_skill`: rows (kind, design) with the columns kind, design, observations, CRPS
    and the skill against each null, and nothing else (benchmarks/calibrate.py writes it as
    a markdown table, the index unnamed and dropped)."""
    rows = long({"k": nulls_at(0.5), "m": nulls_at(0.5)})
    d = design_skill({"plain": rows, "filtered": rows})
    assert list(d.columns) == [
        "kind",
        "design",
        "observations",
        "CRPS",
        "skill vs persistence",
        "skill vs trend",
        "skill vs events_only",
    ]
    assert list(d.index) == list(range(6))
