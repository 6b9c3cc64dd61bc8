"""The reaction-gain profile (sim/observe/gain.py): the reactivity is fixed, not fitted, and
its multiple reaches the model's forecasts and nothing else."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim.observe.gain import COEFFICIENT, fixed_spec, gain_profile, gain_table, overrides_at
from sim.observe.spec import load_spec
from sim.parameters import PARAMETERS
from tests.test_rolling import SPEC


def tiny_spec():
    spec = load_spec(SPEC)
    small = {"population": 6, "predictive_replications": 6}
    return dataclasses.replace(spec, settings={**spec.settings, **small})


def test_the_profiled_coefficient_leaves_the_priors_and_is_set_by_its_multiple():
    spec = load_spec(SPEC)
    assert COEFFICIENT in spec.names
    fixed = fixed_spec(spec)
    assert fixed.names == [n for n in spec.names if n != COEFFICIENT]
    default = PARAMETERS[COEFFICIENT].default
    assert overrides_at(2.0) == {f"parameters.{COEFFICIENT}": 2.0 * default}


@pytest.mark.slow
def test_the_multiple_moves_the_model_forecasts_only_and_the_profile_is_reproducible():
    spec = tiny_spec()
    rows = gain_profile(spec, multiples=(1.0, 4.0), origins=(2021,))
    again = gain_profile(spec, multiples=(1.0, 4.0), origins=(2021,))
    pd.testing.assert_frame_equal(rows, again)

    def crps(forecaster: str, m: float) -> np.ndarray:
        part = rows[(rows.forecaster == forecaster) & (rows.multiple == m)]
        return part.sort_values("id").crps.to_numpy()

    # The events-only world is fitted once per origin and shared: the multiple cannot reach it.
    assert np.array_equal(crps("events_only", 1.0), crps("events_only", 4.0))
    assert np.array_equal(crps("persistence", 1.0), crps("persistence", 4.0))
    # The model's forecasts depend on the reactivity it is given (ablation of the override).
    assert not np.array_equal(crps("model", 1.0), crps("model", 4.0))
    table = gain_table(rows)
    assert list(table["multiple"]) == [1.0, 4.0]
    assert table[COEFFICIENT].tolist() == [PARAMETERS[COEFFICIENT].default * m for m in (1, 4)]
