"""Event tests: a scenario's scripted event moves the very quantity it sets.

These rows only show that an event fired and persisted through the dynamics. They are not
evidence about the model's behaviour (a direction test with an ablation is:
tests/test_scenarios_directions.py), and they pass with every rate coefficient set to 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.ensemble import run_ensemble
from sim.scenario.loader import load_scenario

REPO = Path(__file__).resolve().parents[1]
UP, DOWN = +1, -1

# (scenario, outcome, sign): the event sets this quantity directly
EVENT_CASES = [
    ("china_distances", "final_distancing", UP),  # sets China's commitments lower
    ("china_backs_axis", "final_distancing", DOWN),  # sets China's commitments to 0.9
    ("china_restrains", "final_leverage_CHN", UP),  # sets China's leverage to 0.8
    ("korea_arms_ukraine", "peak_escalation_KOR", UP),  # adds 0.1 to Seoul's escalation
]


def _summary(name: str) -> dict:
    spec = load_scenario(REPO / "scenarios" / f"{name}.yaml").scenario
    return run_ensemble(spec, 20, spec.run.seed, spec.run.steps, keep_series=False).summary


@pytest.mark.parametrize(("scenario", "outcome", "sign"), EVENT_CASES)
def test_scripted_event_moves_what_it_sets(scenario, outcome, sign):
    diff = np.asarray(_summary(scenario)[outcome]) - np.asarray(_summary("baseline")[outcome])
    assert np.sign(np.median(diff)) == sign
