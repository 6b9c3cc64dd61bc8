"""Given structural terms (sim/structural.py): estimated offsets to the settled drives and
start, and one series per definition (sim/observe/series.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.ensemble import run_ensemble
from sim.observe.observations import load_observations
from sim.observe.series import definition, one_per_definition, series_key
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "scenarios" / "history" / "base_2016.yaml"


def run(**given):
    scenario = load_scenario(HISTORY).scenario
    coefs = {"noise": np.zeros(2), **{k: np.array([0.0, v]) for k, v in given.items()}}
    s = run_ensemble(scenario, 2, 1, 36, keep_series=True, coefficients=coefs).series
    return s, list(scenario.actors)


def test_zero_offsets_keep_the_settled_start_a_fixed_point():
    s, ids = run(drive_PRK=0.0)
    p = ids.index("PRK")
    # until the first dated input takes effect (the month after it), nothing moves the start
    first = min(e.at for e in load_scenario(HISTORY).scenario.events.values())
    assert 0 < first < 36
    assert np.allclose(s.escalation[: first + 1, 0, p], s.escalation[0, 0, p])
    assert np.array_equal(s.escalation[:, 0], s.escalation[:, 1])


def test_a_positive_drive_raises_escalation_and_a_negative_one_lowers_it():
    up, ids = run(drive_PRK=0.02)
    down, _ = run(drive_PRK=-0.02)
    p = ids.index("PRK")
    assert up.escalation[36, 1, p] > up.escalation[36, 0, p] + 0.02
    assert down.escalation[36, 1, p] < down.escalation[36, 0, p] - 0.02


def test_a_start_offset_moves_the_start_and_the_settled_drive_pulls_it_back():
    s, ids = run(start_PRK=0.2)
    p = ids.index("PRK")
    x = s.escalation[:, 1, p]
    assert x[0] == pytest.approx(s.escalation[0, 0, p] + 0.2)
    assert x[0] > x[12] > s.escalation[12, 0, p]


def test_a_preference_offset_moves_the_pair_in_both_directions():
    s, ids = run(pref_CHN_PRK=0.2)
    c, p = ids.index("CHN"), ids.index("PRK")
    for i, j in ((c, p), (p, c)):
        assert s.commitment[36, 1, i, j] > s.commitment[36, 0, i, j] + 0.02


def test_an_actor_not_in_the_scenario_is_refused():
    """A KeyError (its message quoted by repr) reached a Python API user as a traceback from
    deep in the engine: one UsageError names the coefficient, the actor and the actors."""
    from sim.errors import UsageError

    with pytest.raises(UsageError) as caught:
        run(drive_XYZ=0.01)
    assert str(caught.value).startswith(
        "coefficient drive_XYZ: XYZ is not an actor of the scenario (it has CHN, "
    )


def test_one_observation_per_series_and_period():
    """No two kept observations of one series overlap; each dropped one overlaps a kept one
    of its series; the 2022 launches enter once per definition."""
    obs = load_observations(sorted((ROOT / "seeds" / "observations").glob("*.yaml")))
    kept, dropped = one_per_definition(obs)
    assert len(kept) + len(dropped) == len(obs) and dropped

    def overlap(a, b):
        return series_key(a) == series_key(b) and a.first <= b.last and b.first <= a.last

    assert not any(overlap(a, b) for i, a in enumerate(kept) for b in kept[i + 1 :])
    assert all(any(overlap(d, k) for k in kept) for d in dropped)
    y2022 = [
        o
        for o in kept
        if o.kind == "missile_launches" and o.first <= 2022 * 12 + 11 and o.last >= 2022 * 12
    ]
    assert sorted(definition(o) for o in y2022) == ["events", "icbm", "missiles"]
