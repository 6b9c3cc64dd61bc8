"""Each scenario moves its main outcomes the way the article's analysts expect.

Every scenario runs once per module with 200 replications and the baseline's seed and steps,
so replication r shares its random numbers with replication r of the baseline (common random
numbers). For each (scenario, outcome, sign) row the median paired difference from the
baseline must have the expected sign; where the effect should be clear, its 5–95% interval
must also exclude 0. The seed lines behind each row are in docs/scenarios.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.compare import summary_frame
from sim.ensemble import run_ensemble
from sim.scenario.loader import load_scenario

REPO = Path(__file__).resolve().parents[1]

REPLICATIONS = 200
UP, DOWN = +1, -1

# (scenario, outcome, expected sign, clear: the 5–95% interval must exclude 0, seed lines)
CASES: list[tuple[str, str, int, bool, str]] = [
    ("russia_tech_transfer", "peak_escalation_JPN", UP, True, "9"),
    ("russia_tech_transfer", "peak_escalation_KOR", UP, True, "9"),
    ("russia_tech_transfer", "final_escalation_PRK", UP, True, "14"),
    ("russia_tech_transfer", "final_leverage_CHN", UP, True, "15, 21"),
    ("russia_tech_transfer", "final_distancing", UP, True, "21, 33"),
    ("russia_tech_transfer", "crisis", UP, False, "14, 26"),
    ("china_distances", "final_distancing", UP, True, "33"),
    ("china_distances", "peak_escalation_USA", DOWN, True, "9, 33"),
    ("china_distances", "peak_escalation_JPN", DOWN, True, "9, 33"),
    ("china_distances", "peak_escalation_KOR", DOWN, True, "9, 33"),
    ("china_restrains", "final_escalation_PRK", DOWN, True, "15, 39"),
    ("china_restrains", "peak_escalation_JPN", DOWN, True, "15"),
    ("china_restrains", "peak_escalation_KOR", DOWN, True, "15"),
    ("china_restrains", "final_leverage_CHN", UP, True, "15, 39"),
    ("china_backs_axis", "final_distancing", DOWN, True, "32, 33"),
    ("china_backs_axis", "peak_escalation_USA", UP, True, "9, 31, 32"),
    ("china_backs_axis", "peak_escalation_JPN", UP, True, "9, 32"),
    ("china_backs_axis", "peak_escalation_KOR", UP, True, "9, 32"),
    ("china_backs_axis", "peak_escalation_CHN", UP, True, "27, 31"),
    ("china_backs_axis", "crisis", UP, False, "32"),
    ("korea_arms_ukraine", "peak_escalation_KOR", UP, True, "9"),
    ("korea_arms_ukraine", "peak_escalation_RUS", UP, True, "9, 16"),
    ("korea_arms_ukraine", "final_escalation_PRK", UP, True, "7, 26"),
    ("peninsula_crisis", "crisis", UP, False, "26"),
    ("peninsula_crisis", "crisis_months", UP, True, "26"),
    ("peninsula_crisis", "peak_escalation_KOR", UP, True, "26"),
    ("peninsula_crisis", "peak_escalation_JPN", UP, True, "9, 26"),
    ("peninsula_crisis", "peak_escalation_USA", UP, True, "9, 26"),
    ("peninsula_crisis", "final_escalation_RUS", UP, True, "7"),
    ("peninsula_crisis", "final_distancing", UP, True, "13, 33"),
    ("peninsula_crisis", "final_leverage_CHN", UP, True, "15"),
    ("us_allies_escalate", "final_escalation_PRK", UP, True, "26, 27"),
    ("us_allies_escalate", "peak_escalation_RUS", UP, True, "27, 28"),
    ("us_allies_escalate", "peak_escalation_CHN", UP, True, "31"),
    ("us_allies_escalate", "final_distancing", DOWN, True, "27, 31"),
    ("axis_with_iran", "final_distancing", UP, True, "32, 33"),
    ("axis_with_iran", "peak_escalation_USA", UP, True, "32"),
    ("prk_instability", "final_escalation_PRK", UP, True, "14"),
    ("prk_instability", "final_escalation_KOR", UP, True, "14, 26"),
    ("prk_instability", "final_escalation_JPN", UP, True, "14"),
    ("prk_instability", "final_leverage_CHN", UP, True, "15"),
    ("prk_instability", "final_distancing", DOWN, True, "15, 39"),
    ("de_escalation", "final_escalation_PRK", DOWN, True, "26, 39"),
    ("de_escalation", "peak_escalation_JPN", DOWN, True, "26"),
    ("de_escalation", "final_escalation_KOR", DOWN, True, "26"),
    ("pact_hollow", "final_distancing", DOWN, True, "22, 25, 33"),
    ("pact_hollow", "peak_escalation_JPN", DOWN, True, "9, 25"),
    ("pact_hollow", "peak_escalation_KOR", DOWN, True, "9, 25"),
    ("pact_hollow", "final_escalation_PRK", DOWN, True, "25"),
    ("ukraine_ceasefire", "final_escalation_RUS", DOWN, True, "16"),
    ("ukraine_ceasefire", "final_escalation_PRK", DOWN, True, "16, 21"),
    ("ukraine_ceasefire", "final_distancing", DOWN, True, "16, 33"),
]
SCENARIOS = sorted({case[0] for case in CASES})


def _outcomes(name: str, steps: int, seed: int) -> pd.DataFrame:
    loaded = load_scenario(REPO / "scenarios" / f"{name}.yaml")
    result = run_ensemble(loaded.scenario, REPLICATIONS, seed, steps, keep_series=False)
    return summary_frame(result)


@pytest.fixture(scope="module")
def outcomes() -> dict[str, pd.DataFrame]:
    """Baseline and every scenario, run once, on the baseline's seed and steps."""
    run = load_scenario(REPO / "scenarios" / "baseline.yaml").scenario.run
    return {name: _outcomes(name, run.steps, run.seed) for name in ["baseline", *SCENARIOS]}


def test_every_scenario_file_has_a_direction_test():
    files = {p.stem for p in (REPO / "scenarios").glob("*.yaml")} - {"baseline"}
    assert files == set(SCENARIOS)


@pytest.mark.parametrize(
    ("scenario", "outcome", "sign", "clear", "lines"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{'up' if c[2] > 0 else 'down'}" for c in CASES],
)
def test_direction(outcomes, scenario, outcome, sign, clear, lines):
    base, scen = outcomes["baseline"], outcomes[scenario]
    assert np.array_equal(base["replication"], scen["replication"])
    paired = scen[outcome].to_numpy(float) - base[outcome].to_numpy(float)
    lo, median, hi = np.percentile(paired, [5, 50, 95])
    where = f"{scenario} {outcome}: median {median:+.4f} [{lo:+.4f}, {hi:+.4f}] (seed {lines})"
    assert np.sign(median) == sign, where
    if clear:
        assert (lo > 0) if sign > 0 else (hi < 0), where
