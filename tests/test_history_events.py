"""History events are exogenous inputs: none writes what an observation operator reads in the
observation's months (issue 16, item 2). The operator table the check uses is itself checked
against the operators by perturbation, so neither side is a hand-kept list."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.observe.leakage import event_conflicts
from sim.observe.observations import Observation, load_observations
from sim.observe.operators import OPERATORS, Window, default_coefficients, reads, trade
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
HISTORY = sorted((ROOT / "scenarios" / "history").glob("*.yaml"))
OBSERVATIONS = sorted((ROOT / "seeds" / "observations").glob("*.yaml"))
IDS = ["CHN", "RUS", "PRK", "USA", "KOR"]
SRC = {"publisher": "p", "title": "t", "date": "2020-01-01", "url": "https://e.org"}
CASES = [
    ("missile_launches", ("PRK",)),
    ("nuclear_test", ("PRK",)),
    ("sanction_measure", ("CHN",)),
    ("unsc_vote", ("CHN",)),
    ("unsc_vote", ("RUS",)),
    ("joint_exercise", ("USA", "KOR")),
    ("summit", ("CHN", "PRK")),
    ("trade_value", ("CHN", "RUS")),
]


def every_path() -> list[str]:
    paths = [f"actors.{a}.{f}" for a in IDS for f in ("escalation", "leverage")]
    return paths + [f"relations.{a}.{b}.commitment" for a in IDS for b in IDS if a != b]


def perturbed_window(path: str | None) -> Window:
    """A window whose every variable differs across months and replications, with one
    variable moved by a fixed amount."""
    rng = np.random.default_rng(7)
    m, r, n = 6, 3, len(IDS)
    x, lev = rng.uniform(0.1, 0.6, (m, r, n)), rng.uniform(0.1, 0.6, (m, r, n))
    C = rng.uniform(-0.6, 0.6, (m, r, n, n))
    if path is not None:
        parts = path.split(".")
        if parts[0] == "actors":
            arr = x if parts[2] == "escalation" else lev
            arr[:, :, IDS.index(parts[1])] += 0.3
        else:
            C[:, :, IDS.index(parts[1]), IDS.index(parts[2])] += 0.3
    return Window(x, C, lev, IDS)


def draws(obs: Observation, w: Window) -> np.ndarray:
    k = default_coefficients(3)
    k["exercise_slope"] = np.full(3, 0.5)  # keep the logit away from saturation
    rng = np.random.default_rng(3)
    if obs.kind == "trade_value":  # trade is predicted relative to an anchor period
        return trade(obs, w, k, rng, 400, (1.0, np.zeros(3)))
    return OPERATORS[obs.kind](obs, w, k, rng, 400)


@pytest.mark.parametrize("kind, actors", CASES)
def test_reads_table_matches_what_the_operator_reads(kind, actors):
    """Moving a variable changes the draws (same random stream) exactly when the table says
    the operator reads it."""
    o = Observation("o", kind, actors, "2017", 0, 5, 1.0, "u", "solid", SRC, "f", 1)
    base = draws(o, perturbed_window(None))
    for path in every_path():
        changed = not np.array_equal(draws(o, perturbed_window(path)), base)
        assert changed == (path in reads(o)), (kind, actors, path)


@pytest.mark.parametrize("path", HISTORY, ids=lambda p: p.name)
def test_no_history_event_writes_what_an_observation_reads(path):
    scenario = load_scenario(path).scenario
    conflicts = event_conflicts(scenario, load_observations(OBSERVATIONS))
    assert not conflicts, "\n".join(map(str, conflicts))


def test_the_check_catches_an_outcome_event():
    """The check is not vacuous: putting the January 2016 nuclear test back as an event
    (raising North Korea's escalation that the launch and test operators read) fails it."""
    loaded = load_scenario(HISTORY[0])
    events = dict(loaded.scenario.events)
    test = next(iter(events.values())).model_copy(
        update={"at": 0, "set": {}, "scale": {}, "add": {"actors.PRK.escalation": 0.1}}
    )
    events["nuclear_test_4"] = test
    scenario = loaded.scenario.model_copy(update={"events": events})
    hit = {
        (c.event, c.observation) for c in event_conflicts(scenario, load_observations(OBSERVATIONS))
    }
    assert ("nuclear_test_4", "prk-nuclear-test-2016-01") in hit
    assert all(e == "nuclear_test_4" for e, _ in hit)
