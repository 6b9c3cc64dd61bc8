"""The effects table and its terminal lines (sim/effects.py), as docs/MODEL.md §2 and
`effects_table`'s docstring promise: the paired difference's median and 5–95% interval,
and for the 0/1 crisis outcome the difference in shares with the normal interval of a
paired mean difference. Closes the gaps mutation testing found (docs/reliability.md §16.2).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.effects import effect_lines, effects_table, headline, outcome_values
from sim.errors import UsageError
from tests.test_model_mechanisms import world


def test_the_interval_is_the_5th_to_95th_percentile_of_the_paired_differences():
    # The paired differences are 0, 1, ..., 100 whatever the order of the replications.
    rng = np.random.default_rng(0)
    b = rng.permutation(101).astype(float)
    a = b + np.arange(101.0)
    scen = {"x": a, "first_crisis_step": np.full(101, -1)}
    cf = {"x": b, "first_crisis_step": np.full(101, -1)}
    row = effects_table(scen, cf, ["x"]).set_index("outcome").loc["x"]
    assert (row.effect_p5, row.effect_median, row.effect_p95) == pytest.approx((5, 50, 95))
    assert row.effect_mean == pytest.approx(50)
    assert row.scenario_median == pytest.approx(np.median(a))
    assert row.counterfactual_median == pytest.approx(50)


def test_the_crisis_effect_is_a_difference_in_shares_with_a_normal_interval():
    scen = {"first_crisis_step": np.array([2, 5, -1, -1])}
    cf = {"first_crisis_step": np.array([-1, -1, -1, -1])}
    row = effects_table(scen, cf, ["crisis"]).set_index("outcome").loc["crisis"]
    diff = np.array([1.0, 1.0, 0.0, 0.0])
    half = 1.645 * diff.std(ddof=1) / 2  # se = sd / sqrt(4)
    assert (row.scenario_median, row.counterfactual_median) == (0.5, 0.0)
    assert row.effect_median == pytest.approx(0.5)
    assert (row.effect_p5, row.effect_p95) == pytest.approx((0.5 - half, 0.5 + half))
    assert row.share_positive == 0.5


def test_the_terminal_lines_name_the_crisis_share_p_crisis():
    scen = {"x": np.array([1.0, 2.0]), "first_crisis_step": np.array([3, -1])}
    cf = {"x": np.array([0.0, 1.0]), "first_crisis_step": np.array([-1, -1])}
    lines = effect_lines(effects_table(scen, cf, ["x", "crisis"]), "cf", 2)
    assert lines[1].split()[0] == "x"
    assert lines[2].split()[0] == "P(crisis)"
    assert "crisis" not in lines[1]
    assert "[+" in lines[1] and ", +" in lines[1], lines[1]  # effects and their bounds signed
    # A share, to two places: +0.50 [lo, hi]   (0.00 → 0.50)
    assert "+0.50 [" in lines[2] and "(0.00 → 0.50)" in lines[2], lines[2]


def test_a_crisis_at_step_0_is_a_crisis():
    summary = {"first_crisis_step": np.array([0, -1, 5])}
    assert outcome_values(summary, "crisis").tolist() == [1.0, 0.0, 1.0]


def test_one_replication_gives_a_point_interval_for_the_crisis_share():
    scen, cf = {"first_crisis_step": np.array([4])}, {"first_crisis_step": np.array([-1])}
    row = effects_table(scen, cf, ["crisis"]).iloc[0]
    assert (row.effect_p5, row.effect_median, row.effect_p95) == (1.0, 1.0, 1.0)
    two = effects_table({"first_crisis_step": np.array([4, -1])},
                        {"first_crisis_step": np.array([-1, -1])}, ["crisis"]).iloc[0]  # fmt: skip
    half = 1.645 * np.std([1.0, 0.0], ddof=1) / np.sqrt(2)
    assert (two.effect_p5, two.effect_p95) == pytest.approx((0.5 - half, 0.5 + half))


def _with_headline(names: list[str]):
    event = {"label": "e", "at": 0, "add": {"actors.AA.escalation": 0.1}}
    spec = world({}, events={"e": event})
    cf = {"label": "without e", "remove_events": ["e"], "headline": ["final_distancing"]}
    spec = spec.model_validate({**spec.model_dump(), "counterfactual": cf})
    cf = spec.counterfactual.model_copy(update={"headline": names})
    return spec.model_copy(update={"counterfactual": cf})


def test_the_headline_accepts_crisis_and_summary_columns_and_refuses_others():
    summary = {
        "final_distancing": np.zeros(2),
        "first_crisis_step": np.zeros(2),
        "outcome": np.array(["calm", "calm"]),
    }
    names = ["final_distancing", "crisis"]
    assert headline(_with_headline(names), summary) == names
    words = r"unknown outcome 'final_zzz'; known: final_distancing, first_crisis_step$"
    with pytest.raises(UsageError, match=words):
        headline(_with_headline(["final_zzz"]), summary)
