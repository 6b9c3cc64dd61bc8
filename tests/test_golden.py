"""Golden regression of the baseline summary.

Any change to the dynamics, the baseline or the seeding shows up here. When a change is
intended, regenerate with `REGEN_GOLDEN=1 .venv/bin/pytest tests/test_golden.py` and
explain the change in the commit message.

Compared to a relative 1e-12, not bit for bit: within one installation the same seed gives
identical files (tests/test_reproducibility.py), but across numpy releases the last bit of
`exp` or of a sum may move (a fresh `.venv` of 7 December 2026, numpy 2.4.6, moved one of
the 24 × 17 values by one ulp). A change of the model moves them by far more: the control
below changes one coefficient by a millionth and is caught.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd
import pytest

from sim.ensemble import run_ensemble
from sim.parameters import PARAMETERS
from sim.scenario.loader import load_scenario
from sim.tables import summary_table

GOLDEN = Path(__file__).parent / "golden" / "baseline_summary.csv"
REPLICATIONS = 24
RTOL, ATOL = 1e-12, 1e-15  # a few ulps of the [0, 1] levels; see the module's docstring


def current() -> pd.DataFrame:
    scenario = load_scenario("scenarios/baseline.yaml").scenario
    result = run_ensemble(scenario, REPLICATIONS, scenario.run.seed, scenario.run.steps)
    return summary_table(result)


def test_baseline_summary_matches_golden():
    frame = current()
    if os.environ.get("REGEN_GOLDEN") == "1":
        frame.to_csv(GOLDEN, index=False, float_format="%.17g")
        pytest.skip(f"regenerated {GOLDEN}")
    golden = pd.read_csv(GOLDEN)
    fresh = pd.read_csv(io.StringIO(frame.to_csv(index=False, float_format="%.17g")))
    pd.testing.assert_frame_equal(fresh, golden, check_exact=False, rtol=RTOL, atol=ATOL)


def test_the_tolerance_still_sees_a_change_of_a_millionth_in_one_coefficient():
    value = PARAMETERS["reactivity"].default * (1 + 1e-6)
    moved = load_scenario("scenarios/baseline.yaml", {"parameters.reactivity": value}).scenario
    assert load_scenario("scenarios/baseline.yaml").scenario.parameters.reactivity is None
    result = run_ensemble(moved, REPLICATIONS, moved.run.seed, moved.run.steps)
    golden = pd.read_csv(GOLDEN)
    with pytest.raises(AssertionError):
        pd.testing.assert_frame_equal(
            summary_table(result), golden, check_exact=False, rtol=RTOL, atol=ATOL
        )
