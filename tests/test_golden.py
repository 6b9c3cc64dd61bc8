"""Golden regression of the baseline summary.

Any change to the dynamics, the baseline or the seeding shows up here. When a change is
intended, regenerate with `REGEN_GOLDEN=1 .venv/bin/pytest tests/test_golden.py` and
explain the change in the commit message.

Compared to a relative 1e-12 (thousands of ulps, far below any change of the model), not bit
for bit: within one installation the same seed gives identical files
(tests/test_reproducibility.py), but across numpy releases the last bit of `exp` or of a sum
may move (a fresh `.venv` of 7 December 2026, numpy 2.4.6, moved one value of the 24-row
summary by one ulp). A change of the model moves the values by far more: the control below
changes one coefficient by a millionth, and its values differ.
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
RTOL, ATOL = 1e-12, 1e-15  # about 1e-12 relative; see the module's docstring


def summary(overrides: dict | None = None) -> pd.DataFrame:
    """The baseline's summary as the golden file holds it (written and read back as CSV,
    so whole-number columns are read as integers in both)."""
    scenario = load_scenario("scenarios/baseline.yaml", overrides).scenario
    result = run_ensemble(scenario, REPLICATIONS, scenario.run.seed, scenario.run.steps)
    frame = summary_table(result)
    if os.environ.get("REGEN_GOLDEN") == "1" and overrides is None:
        frame.to_csv(GOLDEN, index=False, float_format="%.17g")
        pytest.skip(f"regenerated {GOLDEN}")
    return pd.read_csv(io.StringIO(frame.to_csv(index=False, float_format="%.17g")))


def same_as_golden(frame: pd.DataFrame) -> None:
    golden = pd.read_csv(GOLDEN)
    pd.testing.assert_frame_equal(frame, golden, check_exact=False, rtol=RTOL, atol=ATOL)


def test_baseline_summary_matches_golden():
    same_as_golden(summary())


def test_the_tolerance_still_sees_a_change_of_a_millionth_in_one_coefficient():
    assert load_scenario("scenarios/baseline.yaml").scenario.parameters.reactivity is None
    value = PARAMETERS["reactivity"].default * (1 + 1e-6)
    with pytest.raises(AssertionError, match="values are different"):
        same_as_golden(summary({"parameters.reactivity": value}))
