"""Each scenario moves its main outcomes in a stated direction, through a named mechanism.

Every row names the mechanism that should produce the effect (MODEL.md) and is tested twice:
1. direction: the median paired difference from the baseline (common random numbers: the
   same root seed, replication r against replication r) has the expected sign, and where the
   effect should be clear its 5–95% interval excludes 0;
2. ablation: with that mechanism switched off in both worlds, the effect vanishes (its
   median shrinks to at most ABLATED_SHARE of the nominal one) or flips. Without this a
   direction test would only show that a scripted event fired.

Rows that only check that a scripted event moved the very quantity it sets live in
tests/test_scenario_events.py: they are event tests, not evidence. Where the model disagrees
with the article's analysts the row states the model's direction and docs/scenarios.md says
so; nothing here is tuned to agree.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from sim.ensemble import run_ensemble
from sim.jobs.compare import summary_frame
from sim.scenario.loader import load_scenario

REPO = Path(__file__).resolve().parents[1]
REPLICATIONS = 200
ABLATED_SHARE = 0.3
UP, DOWN = +1, -1

# mechanism → the coefficients that switch it off (MODEL.md section)
MECHANISMS: dict[str, dict[str, float]] = {
    "action_reaction": {"reactivity": 0.0},  # §4
    "alliance_backing": {"backing": 0.0},  # §4 chain-ganging
    "moral_hazard": {"moral_hazard": 0.0},  # §4
    "backing_and_moral_hazard": {"backing": 0.0, "moral_hazard": 0.0},  # §4, both
    "threat_transfer": {"threat_transfer": 0.0},  # §3
    "patron_restraint": {"restraint": 0.0},  # §5
    "axis_cost": {"axis_cost": 0.0},  # §6
    "shared_threat": {"shared_threat": 0.0},  # §6
}

# (scenario, outcome, expected sign, mechanism, clear, seed lines)
CASES: list[tuple[str, str, int, str, bool, str]] = [
    ("russia_tech_transfer", "final_escalation_PRK", UP, "alliance_backing", True, "14"),
    ("russia_tech_transfer", "peak_escalation_JPN", UP, "action_reaction", True, "9"),
    ("russia_tech_transfer", "peak_escalation_KOR", UP, "action_reaction", True, "9"),
    ("russia_tech_transfer", "final_distancing", UP, "axis_cost", True, "21, 33"),
    ("china_restrains", "final_escalation_PRK", DOWN, "patron_restraint", True, "15, 39"),
    ("china_restrains", "peak_escalation_JPN", DOWN, "action_reaction", True, "15"),
    ("china_restrains", "peak_escalation_KOR", DOWN, "action_reaction", True, "15"),
    ("china_distances", "peak_escalation_USA", DOWN, "threat_transfer", True, "9, 33"),
    ("china_distances", "peak_escalation_KOR", DOWN, "threat_transfer", True, "9, 33"),
    ("china_backs_axis", "peak_escalation_USA", UP, "alliance_backing", True, "9, 31, 32"),
    ("china_backs_axis", "peak_escalation_JPN", UP, "threat_transfer", True, "9, 32"),
    ("china_backs_axis", "final_escalation_CHN", UP, "alliance_backing", True, "27, 31"),
    ("korea_arms_ukraine", "final_escalation_RUS", UP, "action_reaction", True, "9, 16"),
    ("korea_arms_ukraine", "final_escalation_PRK", UP, "alliance_backing", True, "7, 26"),
    ("peninsula_crisis", "final_distancing", UP, "axis_cost", True, "13, 33"),
    ("peninsula_crisis", "final_escalation_RUS", UP, "alliance_backing", True, "7"),
    ("peninsula_crisis", "peak_escalation_USA", UP, "alliance_backing", True, "9, 26"),
    ("peninsula_crisis", "peak_escalation_KOR", UP, "action_reaction", True, "26"),
    ("us_allies_escalate", "final_escalation_PRK", UP, "action_reaction", True, "26, 27"),
    ("us_allies_escalate", "final_escalation_RUS", UP, "alliance_backing", True, "27, 28"),
    ("us_allies_escalate", "final_distancing", DOWN, "shared_threat", True, "27, 31"),
    ("axis_with_iran", "final_distancing", UP, "axis_cost", True, "32, 33"),
    ("axis_with_iran", "peak_escalation_USA", UP, "alliance_backing", True, "32"),
    ("de_escalation", "peak_escalation_JPN", DOWN, "action_reaction", True, "26"),
    ("de_escalation", "peak_escalation_KOR", DOWN, "action_reaction", True, "26"),
    ("de_escalation", "final_escalation_RUS", DOWN, "alliance_backing", True, "27"),
    ("pact_hollow", "final_distancing", DOWN, "axis_cost", True, "22, 25, 33"),
    ("pact_hollow", "final_escalation_PRK", DOWN, "backing_and_moral_hazard", True, "25"),
    ("pact_hollow", "peak_escalation_USA", DOWN, "alliance_backing", True, "9, 25"),
    ("prk_instability", "peak_escalation_USA", UP, "alliance_backing", True, "14"),
    ("ukraine_ceasefire", "final_escalation_RUS", DOWN, "alliance_backing", True, "16"),
    ("ukraine_ceasefire", "final_escalation_PRK", DOWN, "backing_and_moral_hazard", True, "16, 21"),
    ("ukraine_ceasefire", "final_distancing", DOWN, "axis_cost", True, "16, 33"),
]
SCENARIOS = sorted({case[0] for case in CASES})


@cache
def _outcomes(name: str, mechanism: str | None):
    """Summary frame of a scenario, with a mechanism switched off (None = nominal)."""
    spec = load_scenario(REPO / "scenarios" / f"{name}.yaml").scenario
    if mechanism is not None:
        params = spec.parameters.model_copy(update=MECHANISMS[mechanism])
        spec = spec.model_copy(update={"parameters": params})
    result = run_ensemble(spec, REPLICATIONS, spec.run.seed, spec.run.steps, keep_series=False)
    return summary_frame(result)


def _paired(scenario: str, outcome: str, mechanism: str | None) -> np.ndarray:
    base, scen = _outcomes("baseline", mechanism), _outcomes(scenario, mechanism)
    assert np.array_equal(base["replication"], scen["replication"])
    return scen[outcome].to_numpy(float) - base[outcome].to_numpy(float)


def test_every_scenario_file_has_a_direction_test():
    files = {p.stem for p in (REPO / "scenarios").glob("*.yaml")} - {"baseline"}
    assert files == set(SCENARIOS)


IDS = [f"{c[0]}-{c[1]}-{'up' if c[2] > 0 else 'down'}-{c[3]}" for c in CASES]


@pytest.mark.parametrize(("scenario", "outcome", "sign", "mechanism", "clear", "lines"), CASES,
                         ids=IDS)  # fmt: skip
def test_direction(scenario, outcome, sign, mechanism, clear, lines):
    lo, median, hi = np.percentile(_paired(scenario, outcome, None), [5, 50, 95])
    where = f"{scenario} {outcome}: median {median:+.4f} [{lo:+.4f}, {hi:+.4f}] (seed {lines})"
    assert np.sign(median) == sign, where
    if clear:
        assert (lo > 0) if sign > 0 else (hi < 0), where


@pytest.mark.parametrize(("scenario", "outcome", "sign", "mechanism", "clear", "lines"), CASES,
                         ids=IDS)  # fmt: skip
def test_effect_vanishes_without_its_mechanism(scenario, outcome, sign, mechanism, clear, lines):
    nominal = float(np.median(_paired(scenario, outcome, None)))
    ablated = float(np.median(_paired(scenario, outcome, mechanism)))
    where = f"{scenario} {outcome}: {nominal:+.4f} nominal, {ablated:+.4f} without {mechanism}"
    assert np.sign(ablated) != sign or abs(ablated) <= ABLATED_SHARE * abs(nominal), where
