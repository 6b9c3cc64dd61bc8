"""The model-v2 mechanisms: a settled start, effects against a counterfactual, Snyder's
alliance security dilemma, logit alignment choice, dyadic crises and per-actor noise."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim import dynamics
from sim.effects import counterfactual_of, effects_table
from sim.engine import shocks, start
from sim.ensemble import prepare, run_ensemble
from sim.metrics import flags
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario
from tests.model_builders import actor

REPO = Path(__file__).resolve().parents[1]


@cache
def baseline() -> Scenario:
    return load_scenario(REPO / "scenarios" / "baseline.yaml").scenario


def with_params(scenario: Scenario, **values: float) -> Scenario:
    return scenario.model_copy(update={"parameters": scenario.parameters.model_copy(update=values)})


def test_the_baseline_without_its_2024_events_sits_still_for_120_months():
    quiet = with_params(counterfactual_of(baseline()), noise=0.0)
    s = run_ensemble(quiet, 1, 0, 120, keep_series=True).series
    for name in ("escalation", "commitment", "leverage"):
        series = getattr(s, name)
        assert np.abs(series - series[0]).max() <= 1e-3, name


@pytest.mark.parametrize("path", sorted((REPO / "scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_scenario_starts_settled(path):
    spec = load_scenario(path).scenario
    quiet = with_params(spec.model_copy(update={"events": {}, "counterfactual": None}), noise=0.0)
    s = run_ensemble(quiet, 1, 0, 60, keep_series=True).series
    assert np.abs(s.escalation - s.escalation[0]).max() <= 1e-9
    assert np.abs(s.commitment - s.commitment[0]).max() <= 1e-9


def paired(scenario: Scenario, outcome: str, n: int = 100) -> np.ndarray:
    a = run_ensemble(scenario, n, 1, 36, keep_series=False).summary
    b = run_ensemble(counterfactual_of(scenario), n, 1, 36, keep_series=False).summary
    return np.asarray(a[outcome]) - np.asarray(b[outcome])


def test_the_pacts_distancing_effect_comes_from_the_axis_cost():
    """China distances from the pair because of the pact (seed line 33); without the
    reputational cost of an axis (and the partner-instability cost) the effect vanishes."""
    nominal = np.median(paired(baseline(), "final_distancing"))
    ablated = np.median(paired(with_params(baseline(), axis_cost=0.0, instability_cost=0.0),
                               "final_distancing"))  # fmt: skip
    assert nominal > 0.05
    assert abs(ablated) < 0.1 * nominal


def test_a_counterfactual_without_removed_events_gives_zero_effects():
    spec = baseline()
    same = spec.model_copy(
        update={"counterfactual": spec.counterfactual.model_copy(update={"remove_events": []})}
    )
    diff = paired(same, "final_escalation_PRK", n=20)
    assert np.array_equal(diff, np.zeros_like(diff))


def test_effects_are_medians_of_paired_differences():
    # Medians of each world are equal (2), the median paired difference is not (+1).
    scen = {"x": np.array([1.0, 2.0, 3.0]), "first_crisis_step": np.array([-1, 3, -1])}
    cf = {"x": np.array([0.0, 3.0, 2.0]), "first_crisis_step": np.array([-1, -1, -1])}
    table = effects_table(scen, cf, ["x", "crisis"]).set_index("outcome")
    assert table.loc["x", "scenario_median"] == table.loc["x", "counterfactual_median"] == 2.0
    assert table.loc["x", "effect_median"] == 1.0
    assert table.loc["crisis", "effect_median"] == pytest.approx(1 / 3)


# --- Snyder (1984): the defining properties of the two fears ----------------------------------


def three_actors(c_ba: float, c_bc: float, x_b: float, risk_b: float, treaty: float):
    """A depends on B for security; B may also align with C."""
    spec = Scenario.model_validate(
        {
            "name": "snyder",
            "title": "Snyder",
            "actors": {
                "AA": actor("A", 0.2),
                "BB": actor("B", x_b, risk_tolerance=risk_b),
                "CC": actor("C", 0.2),
            },
            "relations": {
                "AA": {"BB": {"commitment": 0.6, "security_guarantee": 0.8}},
                "BB": {"AA": {"commitment": c_ba}, "CC": {"commitment": c_bc}},
            },
            "treaties": {
                "ab": {"members": ["AA", "BB"], "obligation": "conditional", "strength": treaty}
            },
            "run": {"distancing": {"actor": "AA", "partners": ["BB"]}},
        }
    )
    world, _ = prepare(spec)
    state = start(world, np.arange(1))
    return state, dynamics.derive(state)


unit = st.floats(0, 1)


@given(c=unit, dc=st.floats(0.01, 0.5), other=unit)
@settings(max_examples=30, deadline=None)
def test_fear_of_abandonment_grows_as_the_partners_commitment_falls(c, dc, other):
    hi, d_hi = three_actors(min(1.0, c + dc), other, 0.2, 0.5, 0.6)
    lo, d_lo = three_actors(c, other, 0.2, 0.5, 0.6)
    assert (
        dynamics.abandonment_fear(lo, d_lo)[0, 0, 1] >= dynamics.abandonment_fear(hi, d_hi)[0, 0, 1]
    )


@given(c=st.floats(0, 0.9), other=unit, more=st.floats(0.01, 0.5))
@settings(max_examples=30, deadline=None)
def test_fear_of_abandonment_grows_with_the_partners_outside_options(c, other, more):
    few, d_few = three_actors(c, other, 0.2, 0.5, 0.6)
    many, d_many = three_actors(c, min(1.0, other + more), 0.2, 0.5, 0.6)
    assert (
        dynamics.abandonment_fear(many, d_many)[0, 0, 1]
        >= dynamics.abandonment_fear(few, d_few)[0, 0, 1]
    )


@given(t=st.floats(0, 0.9), dt=st.floats(0.01, 0.1), x=st.floats(0.3, 1), risk=unit)
@settings(max_examples=30, deadline=None)
def test_fear_of_entrapment_grows_with_firmness_and_the_partners_risk_taking(t, dt, x, risk):
    assume(0.01 <= risk <= 0.8)  # some risk-taking, with room for more
    loose, d_loose = three_actors(0.5, 0.0, x, risk, t)
    firm, d_firm = three_actors(0.5, 0.0, x, risk, t + dt)
    bold, d_bold = three_actors(0.5, 0.0, x, risk + 0.2, t)
    base = dynamics.entrapment_fear(loose, d_loose)[0, 0, 1]
    assert base > 0.0  # B (x ≥ 0.3) out-escalates A (0.2)
    assert dynamics.entrapment_fear(firm, d_firm)[0, 0, 1] > base
    assert dynamics.entrapment_fear(bold, d_bold)[0, 0, 1] > base


def test_no_entrapment_fear_when_the_partner_does_not_out_escalate():
    state, d = three_actors(0.5, 0.0, 0.1, 1.0, 1.0)  # B (0.1) below A (0.2)
    assert dynamics.entrapment_fear(state, d)[0, 0, 1] == 0.0


# --- logit choice --------------------------------------------------------------------------


@given(
    mu=st.floats(-20, 20), dmu=st.floats(1e-3, 5), tau=st.floats(0.05, 5), step=st.floats(0.01, 0.5)
)
@settings(max_examples=60, deadline=None)
def test_logit_move_is_odd_bounded_and_increasing(mu, dmu, tau, step):
    move = dynamics.logit_move(np.array(mu), np.array(tau), np.array(step))
    assert abs(move) <= step
    assert dynamics.logit_move(np.array(-mu), np.array(tau), np.array(step)) == pytest.approx(-move)
    assert dynamics.logit_move(np.array(mu + dmu), np.array(tau), np.array(step)) >= move


def test_a_strong_preference_moves_the_full_step():
    """Far from indifference the logit all but surely picks one option: the move tends to
    ±δ (a cap on z meant only to keep exp finite must not hold it below that)."""
    for mu in (10.0, -10.0):  # z = ±20
        move = dynamics.logit_move(np.array(mu), np.array(0.5), np.array(0.05))
        assert move == pytest.approx(np.sign(mu) * 0.05, rel=1e-6)


def test_logit_move_is_linear_near_indifference():
    small = dynamics.logit_move(np.array(1e-6), np.array(0.5), np.array(0.05))
    assert small == pytest.approx(0.05 * (2 / 3) * 1e-6 / 0.5, rel=1e-4)


# --- crises are dyads ------------------------------------------------------------------------


def dyad_state(x_a: float, x_b: float, c_ab: float, c_ba: float):
    spec = Scenario.model_validate(
        {
            "name": "dyad",
            "title": "dyad",
            "actors": {"AA": actor("A", x_a), "BB": actor("B", x_b)},
            "relations": {"AA": {"BB": {"commitment": c_ab}}, "BB": {"AA": {"commitment": c_ba}}},
            "run": {"distancing": {"actor": "AA", "partners": ["BB"]}},
        }
    )
    world, _ = prepare(spec)
    return start(world, np.arange(1))


@pytest.mark.parametrize(
    ("x_a", "x_b", "c_ab", "c_ba", "crisis"),
    [
        (0.9, 0.1, -0.8, -0.8, False),  # one actor alone at war footing: no crisis
        (0.6, 0.55, -0.8, -0.8, True),  # both hostile sides mobilised
        (0.6, 0.55, -0.8, 0.2, False),  # not mutually hostile
        (0.6, 0.55, 0.5, 0.5, False),  # allies mobilised together
    ],
)
def test_a_crisis_needs_two_mutually_hostile_mobilised_sides(x_a, x_b, c_ab, c_ba, crisis):
    assert bool(flags(dyad_state(x_a, x_b, c_ab, c_ba))[0][0]) is crisis


@pytest.mark.parametrize(
    ("x_a", "x_b", "c_ab", "c_ba", "war"),
    [
        (0.9, 0.85, -0.8, -0.8, True),  # both hostile sides at war (war_threshold 0.8)
        (0.9, 0.6, -0.8, -0.8, False),  # one side only mobilised: a crisis, not a war
        (0.9, 0.85, -0.8, 0.2, False),  # not mutually hostile
    ],
)
def test_a_war_needs_two_mutually_hostile_sides_at_war(x_a, x_b, c_ab, c_ba, war):
    assert bool(flags(dyad_state(x_a, x_b, c_ab, c_ba))[1][0]) is war


# --- noise per entity ------------------------------------------------------------------------


def test_adding_an_actor_leaves_every_other_actors_shocks_unchanged():
    reps = np.arange(5)
    a = shocks(11, reps, 12, ["CHN", "RUS", "PRK"])
    b = shocks(11, reps, 12, ["CHN", "NEW", "RUS", "PRK"])
    np.testing.assert_array_equal(a, b[:, :, [0, 2, 3]])


# --- theatres ----------------------------------------------------------------------------------


def test_a_theatre_scales_the_channel_it_feeds():
    """Ukraine at intensity 0 is the same world as no munitions need at all."""
    spec = load_scenario(REPO / "scenarios" / "baseline.yaml").scenario
    quiet_war = spec.model_copy(deep=True)
    quiet_war.theatres["ukraine"].intensity.value = 0.0
    no_need = spec.model_copy(deep=True)
    no_need.events["munitions_flow"].set["relations.RUS.PRK.military_supply"] = 0.0
    a = run_ensemble(quiet_war, 8, 3, 24, keep_series=False).summary
    b = run_ensemble(no_need, 8, 3, 24, keep_series=False).summary
    for key in ("final_escalation_RUS", "final_escalation_PRK", "final_distancing"):
        np.testing.assert_array_equal(a[key], b[key])
    full = run_ensemble(spec, 8, 3, 24, keep_series=False).summary
    assert not np.array_equal(full["final_escalation_RUS"], a["final_escalation_RUS"])


# --- the resolved model input ------------------------------------------------------------------


def test_the_model_input_records_every_coefficient_and_its_fingerprint_follows_them():
    from sim.parameters import PARAMETERS

    world, _ = prepare(baseline())
    record = world.record()
    assert set(record["coefficients"]) == set(PARAMETERS)
    changed, _ = prepare(with_params(baseline(), fatigue=0.31))
    assert changed.fingerprint() != world.fingerprint()
    again, _ = prepare(baseline())
    assert again.fingerprint() == world.fingerprint()


def test_an_actor_switched_on_later_does_not_move_by_itself():
    """Settled as if it had joined (MODEL.md §2): Iran's arrival moves neither Iran nor its
    relations at once; the others answer it afterwards (a cause: its threat)."""
    quiet = with_params(counterfactual_of(baseline()), noise=0.0)
    raw = quiet.model_dump(mode="json", exclude_none=True)
    raw["events"] = {"iran": {"label": "Iran joins", "at": 3, "set": {"actors.IRN.active": True}}}
    spec = Scenario.model_validate(raw)
    world, _ = prepare(spec)
    irn = world.ids.index("IRN")
    s = run_ensemble(spec, 1, 0, 8, keep_series=True).series
    assert s.escalation[4, 0, irn] == pytest.approx(s.escalation[0, 0, irn], abs=1e-12)
    np.testing.assert_allclose(s.commitment[4, 0, irn], s.commitment[0, 0, irn], atol=1e-12)
    np.testing.assert_allclose(s.commitment[4, 0, :, irn], s.commitment[0, 0, :, irn], atol=1e-12)
    usa = world.ids.index("USA")
    assert s.escalation[8, 0, usa] > s.escalation[0, 0, usa]  # the US answers Iran's arrival


def test_the_shipped_posterior_names_live_coefficients_and_runs():
    """seeds/posterior: every model coefficient it sets exists, and a run with it keeps the
    pact's headline signs (docs/validation.md)."""
    from sim.observe.operators import OPERATOR_COEFFICIENTS
    from sim.observe.posterior import draw_coefficients, model_only
    from sim.parameters import PARAMETERS
    from sim.structural import is_given

    path = REPO / "seeds" / "posterior" / "history-2016-2024.parquet"
    draws = draw_coefficients(path, 60, 7)  # it records this model version
    # model coefficients, the history's given structural terms, operator coefficients
    assert all(k in PARAMETERS or k in OPERATOR_COEFFICIENTS or is_given(k) for k in draws)
    coefficients = model_only(draws)
    assert coefficients and set(coefficients) <= set(PARAMETERS)
    spec = baseline()
    a = run_ensemble(spec, 60, 7, 36, keep_series=False, coefficients=coefficients).summary
    b = run_ensemble(counterfactual_of(spec), 60, 7, 36, keep_series=False,
                     coefficients=coefficients).summary  # fmt: skip
    assert np.median(a["final_distancing"] - b["final_distancing"]) > 0
    assert np.median(a["final_escalation_PRK"] - b["final_escalation_PRK"]) > 0


def test_the_fingerprint_covers_events():
    spec = baseline()
    moved = spec.model_copy(deep=True)
    moved.events["pact_signed"].at = 2
    a, _ = prepare(spec)
    b, _ = prepare(moved)
    assert a.fingerprint() != b.fingerprint()
