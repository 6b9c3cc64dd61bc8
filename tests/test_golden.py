"""Golden regression of the baseline summary.

Any change to the dynamics, the baseline or the seeding shows up here. When a change is
intended, regenerate with `REGEN_GOLDEN=1 .venv/bin/pytest tests/test_golden.py` and
explain the change in the commit message.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd
import pytest

from sim.ensemble import run_ensemble
from sim.scenario.loader import load_scenario
from sim.tables import summary_table

GOLDEN = Path(__file__).parent / "golden" / "baseline_summary.csv"
REPLICATIONS = 24


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
    pd.testing.assert_frame_equal(fresh, golden, check_exact=True)
