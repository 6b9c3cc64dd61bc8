"""Each mechanism of MODEL.md, by name: its orientation, and its ablation (the effect is
there with the mechanism's coefficient at its default and vanishes with it at 0).

The worlds are small and noise-free (three actors, settled starts, one event), so each
effect has one cause; the baseline tests pair the pact with its counterfactual under
common random numbers.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim import dynamics
from sim.effects import counterfactual_of
from sim.engine import start
from sim.ensemble import prepare, run_ensemble
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario
from tests.model_builders import actor

REPO = Path(__file__).resolve().parents[1]
IDS = ["AA", "BB", "CC"]


def world(relations: dict, params: dict | None = None, events: dict | None = None,
          treaties: dict | None = None, leverage: dict | None = None,
          **actors: dict) -> Scenario:  # fmt: skip
    """Three actors AA, BB, CC (traits from `actors`), no noise, settled start."""
    spec: dict[str, Any] = {
        "name": "mech",
        "title": "mechanism",
        "actors": {a: actor(a, 0.2, **actors.get(a, {})) for a in IDS},
        "relations": relations,
        "treaties": treaties or {},
        "parameters": {"noise": 0.0, **(params or {})},
        "events": events or {},
        "run": {"steps": 24, "distancing": {"actor": "AA", "partners": ["BB"]}},
    }
    for a, value in (leverage or {}).items():
        spec["actors"][a]["leverage"] = value
    return Scenario.model_validate(spec)


def derived(scenario: Scenario):
    w, _ = prepare(scenario)
    state = start(w, np.arange(1))
    return state, dynamics.derive(state)


def series(scenario: Scenario):
    return run_ensemble(scenario, 1, 0, scenario.run.steps, keep_series=True).series


def with_params(scenario: Scenario, **values: float) -> Scenario:
    return scenario.model_copy(update={"parameters": scenario.parameters.model_copy(update=values)})


# --- threat transfer (§3) ---------------------------------------------------------------------


def threat_world(x_c: float, transfer: float) -> float:
    """AA is hostile to BB and neutral to CC; CC is BB's ally. AA's perceived threat."""
    spec = world(
        {
            "AA": {"BB": {"commitment": -0.8}},
            "CC": {"BB": {"commitment": 0.8}},
            "BB": {"CC": {"commitment": 0.8}},
        },
        params={"threat_transfer": transfer},
    )
    spec.actors["CC"].escalation.value = x_c
    _, d = derived(spec)
    return float(d.threat[0, 0])


def test_threat_transfer_an_adversarys_ally_threatens_in_proportion_to_its_escalation():
    """Walt/Snyder: CC is no enemy of AA, but as BB's ally its escalation threatens AA."""
    assert threat_world(0.6, 0.5) > threat_world(0.2, 0.5)
    assert threat_world(0.6, 0.0) == threat_world(0.2, 0.0)  # ablation: only BB counts


# --- axis cost only toward aligned partners (§6) -----------------------------------------------


def axis_world(c_ab: float, cost: float = 0.3):
    """AA (axis-averse) looks at BB, which is bound by treaty to its ally CC."""
    spec = world(
        {"AA": {"BB": {"commitment": c_ab}}, "BB": {"CC": {"commitment": 0.8}}},
        params={"axis_cost": cost},
        treaties={"bc": {"members": ["BB", "CC"], "obligation": "automatic"}},
        AA={"axis_aversion": 1.0},
    )
    state, d = derived(spec)
    return float(dynamics.axis_cost(state, d)[0, 0, 1])


def test_axis_cost_falls_on_aligned_partners_only():
    assert axis_world(0.5) > 0.0
    assert axis_world(0.5, cost=0.0) == 0.0  # ablation
    assert axis_world(-0.5) == 0.0  # a hostile dyad is not an association


def test_axis_cost_does_not_drive_distancing_from_an_adversarys_bloc():
    """us_allies_escalate: China's distancing from the pair does not come from an axis cost
    on its hostile dyads (the US's treaties), which the old payoff charged."""
    spec = load_scenario(REPO / "scenarios" / "us_allies_escalate.yaml").scenario
    state, d = derived(spec)
    cost = dynamics.axis_cost(state, d)[0]
    assert (cost[state.C[0] <= 0] == 0.0).all()
    assert (cost[state.C[0] > 0] > 0.0).any()


# --- chain-ganging and moral hazard, separated (§4) --------------------------------------------


def backed_client(x_enemy: float, moral: float = 0.03, backing: float = 0.03):
    """BB is AA's patron by treaty; CC is AA's enemy (and so its threat)."""
    spec = world(
        {
            "AA": {"BB": {"commitment": 0.8}, "CC": {"commitment": -0.8}},
            "BB": {"AA": {"commitment": 0.8}},
            "CC": {"AA": {"commitment": -0.8}},
        },
        params={"moral_hazard": moral, "backing": backing},
        treaties={"ab": {"members": ["AA", "BB"], "obligation": "automatic"}},
        AA={"risk_tolerance": 0.8},
    )
    spec.actors["CC"].escalation.value = x_enemy
    state, d = derived(spec)
    return dynamics.moral_hazard(state, d)[0], dynamics.chain_ganging(state, d)[0]


def test_moral_hazard_is_no_answer_to_threat_and_chain_ganging_is():
    """Moral hazard (a backed client's boldness) does not move with anyone's threat;
    chain-ganging (answering an ally's threat) does. Each is off at its coefficient 0."""
    calm_mh, calm_cg = backed_client(0.1)
    tense_mh, tense_cg = backed_client(0.7)
    assert calm_mh[0] > 0.0 and calm_mh[0] == tense_mh[0]
    assert tense_cg[1] > calm_cg[1]  # BB's ally AA is more threatened
    off_mh, _ = backed_client(0.7, moral=0.0)
    _, off_cg = backed_client(0.7, backing=0.0)
    assert (off_mh == 0.0).all() and (off_cg == 0.0).all()


@cache
def baseline() -> Scenario:
    return load_scenario(REPO / "scenarios" / "baseline.yaml").scenario


@cache
def pact_effect(outcome: str, **values: float) -> float:
    spec = with_params(baseline(), **values)
    a = run_ensemble(spec, 60, 1, 36, keep_series=False).summary
    b = run_ensemble(counterfactual_of(spec), 60, 1, 36, keep_series=False).summary
    return float(np.median(np.asarray(a[outcome]) - np.asarray(b[outcome])))


def test_the_pact_emboldens_north_korea_through_moral_hazard_and_chain_ganging():
    """Each term alone carries part of North Korea's rise; with both off it vanishes."""
    nominal = pact_effect("final_escalation_PRK")
    assert nominal > 0.03
    assert pact_effect("final_escalation_PRK", backing=0.0) > 0.2 * nominal  # moral hazard
    assert pact_effect("final_escalation_PRK", moral_hazard=0.0) > 0.2 * nominal  # backing
    assert abs(pact_effect("final_escalation_PRK", backing=0.0, moral_hazard=0.0)) < 0.3 * nominal


# --- Hirschman's hold whatever the alignment (§5) ----------------------------------------------


def hold_world(c_ab: float, back: float = 0.0, restraint: float = 0.5):
    """AA needs BB's trade (and BB needs `back` of AA's); BB is stable and uses leverage."""
    spec = world(
        {
            "AA": {"BB": {"commitment": c_ab, "trade": 0.8}},
            "BB": {"AA": {"commitment": c_ab, "trade": back}},
        },
        params={"restraint": restraint},
        leverage={"BB": 0.5},
        BB={"stability": 1.0},
    )
    state, d = derived(spec)
    return float(d.hold[0, 0, 1]), float(dynamics.restraint(state, d)[0, 0])


def test_a_dependent_but_hostile_client_is_held_and_restrained():
    hostile_hold, hostile_restraint = hold_world(-0.6)
    allied_hold, _ = hold_world(0.6)
    assert hostile_hold > 0.0 and hostile_hold == allied_hold  # whatever the alignment
    assert hostile_restraint > 0.0
    assert hold_world(-0.6, restraint=0.0)[1] == 0.0  # ablation


def test_hold_comes_from_asymmetric_dependence():
    assert hold_world(0.6, back=0.8)[0] == 0.0  # mutual dependence gives no hold
    assert 0.0 < hold_world(0.6, back=0.4)[0] < hold_world(0.6, back=0.0)[0]


# --- patron competition (§6) --------------------------------------------------------------------


def competition_world(competition: float, rival_moves: bool) -> float:
    """BB is AA's patron (trade); at step 2 rival CC arms AA, diluting BB's hold. BB's
    commitment to AA after 24 months. The dependence benefit is off, so that the only
    payoff the hold enters is competition."""
    arms = {"relations.AA.CC.military_supply": 0.9}
    events = {"arms": {"label": "rival arms AA", "at": 2, "set": arms}}
    spec = world(
        {
            "AA": {"BB": {"commitment": 0.5, "trade": 0.9}, "CC": {"commitment": 0.3}},
            "BB": {"AA": {"commitment": 0.5}},
            "CC": {"AA": {"commitment": 0.3}},
        },
        params={"patron_competition": competition, "dependence_benefit": 0.0, "restraint": 0.0},
        events=events if rival_moves else None,
    )
    return float(series(spec).commitment[-1, 0, 1, 0])


def test_a_patron_losing_its_hold_to_a_rival_re_engages():
    assert competition_world(0.3, True) > competition_world(0.3, False) + 1e-3
    assert competition_world(0.0, True) == pytest.approx(competition_world(0.0, False), abs=1e-12)


# --- Snyder: abandonment slack (§6) -------------------------------------------------------------


def abandonment_world(fear: float, slackens: bool) -> float:
    """AA relies on BB's guarantee; at step 2 BB's commitment to AA falls. AA's commitment
    to BB after 24 months."""
    slack = {"relations.BB.AA.commitment": 0.2}
    events = {"slack": {"label": "BB slackens", "at": 2, "set": slack}}
    spec = world(
        {
            "AA": {"BB": {"commitment": 0.6, "security_guarantee": 0.8}},
            "BB": {"AA": {"commitment": 0.7}, "CC": {"commitment": 0.5}},
        },
        params={"alliance_fear": fear},
        events=events if slackens else None,
    )
    return float(series(spec).commitment[-1, 0, 0, 1])


def test_abandonment_fear_makes_a_client_cling_to_a_slackening_partner():
    assert abandonment_world(0.4, True) > abandonment_world(0.4, False) + 1e-3
    assert abandonment_world(0.0, True) == pytest.approx(abandonment_world(0.0, False), abs=1e-12)


# --- leverage response (§5) ---------------------------------------------------------------------


def leverage_world(response: float) -> np.ndarray:
    """BB holds AA (trade); at step 2 AA's escalation jumps. BB's leverage path."""
    spec = world(
        {"AA": {"BB": {"commitment": 0.5, "trade": 0.9}}, "BB": {"AA": {"commitment": 0.5}}},
        params={"leverage_response": response},
        events={"jump": {"label": "AA escalates", "at": 2, "set": {"actors.AA.escalation": 0.7}}},
        leverage={"BB": 0.3},
        BB={"stability": 1.0},
    )
    return series(spec).leverage[:, 0, 1]


def test_a_stability_minded_patron_leans_harder_when_its_client_escalates():
    lev = leverage_world(0.5)
    assert lev[4] > lev[0] + 1e-3
    np.testing.assert_array_equal(leverage_world(0.0), np.full_like(lev, lev[0]))  # ablation


# --- noise scale (§11) --------------------------------------------------------------------------


def spread(noise: float) -> float:
    quiet = with_params(counterfactual_of(baseline()), noise=noise)
    final = run_ensemble(quiet, 200, 5, 24, keep_series=False).summary["final_escalation_PRK"]
    return float(np.std(final))


def test_noise_sets_the_spread_of_replications():
    """Near the settled start the dynamics are linear, so the spread scales with `noise`;
    without noise every replication is the same run."""
    assert spread(0.0) == 0.0
    small, double = spread(0.005), spread(0.01)
    assert small > 0.0
    assert double / small == pytest.approx(2.0, rel=0.05)
