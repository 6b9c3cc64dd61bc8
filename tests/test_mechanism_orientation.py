"""Which way each term of MODEL.md §3–§6 points: whose value, which index, which sign.

Written against the faults a mutation run (docs/reliability.md §16) injected into
sim/dynamics.py that no other test noticed: a term dropped, its two indices swapped
(i's value read where j's belongs), a transpose lost. Each test sets up a small,
noise-free world where one mechanism is the only cause of an effect, checks the effect's
direction and *who* it falls on, and switches the mechanism's coefficient to 0 to see the
effect vanish.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import dynamics
from tests.test_model_mechanisms import IDS, derived, series, world

# --- instability cost (§6): an aligned partner's escalation next door -------------------------


def instability_world(cost: float, partner_escalates: bool) -> float:
    """AA (stable) is aligned with BB (not stable); at step 2 BB's escalation jumps. No
    hostility, dependence or treaty, and Snyder's fears off, so the only payoff BB's
    escalation enters is the instability cost. AA's commitment to BB after 24 months."""
    jump = {"jump": {"label": "BB escalates", "at": 2, "set": {"actors.BB.escalation": 0.8}}}
    spec = world(
        {"AA": {"BB": {"commitment": 0.5}}, "BB": {"AA": {"commitment": 0.5}}},
        params={"instability_cost": cost, "alliance_fear": 0.0},
        events=jump if partner_escalates else None,
        AA={"stability": 1.0},
        BB={"stability": 0.0},
    )
    return float(series(spec).commitment[-1, 0, 0, 1])


def test_a_stable_actor_loosens_its_alliance_with_a_partner_that_escalates():
    """i's own stability weighs j's escalation (AA is stable, BB is not: were it BB's
    stability or AA's escalation that counted, AA would not move)."""
    assert instability_world(0.3, True) < instability_world(0.3, False) - 1e-3
    assert instability_world(0.0, True) == pytest.approx(instability_world(0.0, False), abs=1e-12)


# --- aggregate power and relative weight (§3) --------------------------------------------------


def threat_to_aa(params: dict | None = None, aa: dict | None = None, bb: dict | None = None):
    """AA is hostile to BB (escalation 0.5). AA's perceived threat, with the capabilities
    `aa` and `bb` laid over the builder's (military 0.5, economic 0.5, nuclear 0)."""
    spec = world({"AA": {"BB": {"commitment": -0.8}}}, params=params)
    spec.actors["BB"].escalation.value = 0.5
    for name, caps in (("AA", aa or {}), ("BB", bb or {})):
        for key, value in caps.items():
            getattr(spec.actors[name].capabilities, key).value = value
    return float(derived(spec)[1].threat[0, 0])


def test_a_stronger_adversary_threatens_more_and_a_stronger_self_feels_less():
    """w_ij = 2p_j/(p_i + p_j): the adversary's power in the numerator, one's own only in
    the denominator (Walt's balance of threat)."""
    base = threat_to_aa()
    assert threat_to_aa(bb={"military": 0.9}) > base
    assert threat_to_aa(aa={"military": 0.9}) < base


@pytest.mark.parametrize(("capability", "weight"), [("economic", "economic_weight"),
                                                   ("nuclear", "nuclear_weight")])  # fmt: skip
def test_economic_and_nuclear_capability_count_in_power_by_their_weights(capability, weight):
    """Aggregate power p = military + nuclear_weight·nuclear + economic_weight·economic:
    an adversary's larger economy or arsenal threatens more, and not at all at weight 0."""
    assert threat_to_aa(bb={capability: 0.9}) > threat_to_aa(bb={capability: 0.1})
    off = {weight: 0.0}
    assert threat_to_aa(off, bb={capability: 0.9}) == threat_to_aa(off, bb={capability: 0.1})


def test_the_relative_weight_is_one_between_equals_and_at_most_two():
    """w = 2p_j/(p_i + p_j): between equals the threat is hostility × escalation
    (E·x = 0.8·0.5); facing it with no power at all, twice that, never more."""
    assert threat_to_aa() == pytest.approx(0.8 * 0.5, rel=1e-9)
    powerless = {"military": 0.0, "economic": 0.0}
    assert threat_to_aa(aa=powerless) == pytest.approx(2 * 0.8 * 0.5, rel=1e-9)


# --- axis cost (§6): the partner's ties to *others* ---------------------------------------------


def axis_cost_aa_bb(bb_bound_to_cc: bool, cost: float = 0.3) -> float:
    """AA (axis-averse) and BB are allies bound by treaty, BB the more committed of the two;
    BB may also be bound to its ally CC. The axis cost to AA of more commitment to BB."""
    treaties = {"ab": {"members": ["AA", "BB"], "obligation": "automatic"}}
    if bb_bound_to_cc:
        treaties["bc"] = {"members": ["BB", "CC"], "obligation": "automatic"}
    spec = world(
        {
            "AA": {"BB": {"commitment": 0.3}},
            "BB": {"AA": {"commitment": 0.9}, "CC": {"commitment": 0.8}},
        },
        params={"axis_cost": cost},
        treaties=treaties,
        AA={"axis_aversion": 1.0},
    )
    state, d = derived(spec)
    return float(dynamics.axis_cost(state, d)[0, 0, 1])


def test_a_partners_tie_to_oneself_is_no_axis():
    """Seed line 33: what costs is the partner's binding ties to third parties; BB's
    treaty with AA itself is the alliance, not an axis."""
    assert axis_cost_aa_bb(False) == 0.0
    assert axis_cost_aa_bb(True) > 0.0
    assert axis_cost_aa_bb(True, cost=0.0) == 0.0  # ablation


# --- abandonment (§6): the partner's outside options --------------------------------------------


def abandonment_aa_bb(bb_to_cc: float, fear: float = 0.4) -> float:
    """AA relies on BB's guarantee; BB's commitment to AA is slack (0.3), and BB is aligned
    with CC at `bb_to_cc`. AA's fear of abandonment by BB."""
    spec = world(
        {
            "AA": {"BB": {"commitment": 0.6, "security_guarantee": 0.8}},
            "BB": {"AA": {"commitment": 0.3}, "CC": {"commitment": bb_to_cc}},
        },
        params={"alliance_fear": fear},
    )
    state, d = derived(spec)
    return float(dynamics.abandonment_fear(state, d)[0, 0, 1])


def test_a_partner_with_another_ally_is_feared_to_abandon_more():
    """alt_j = j's strongest alignment with anyone but i: a partner with an outside option
    (BB–CC) raises the fear, strictly; none at weight 0."""
    assert abandonment_aa_bb(0.8) > abandonment_aa_bb(0.0) > 0.0
    # §6: alliance_fear·ρ_F·max(D_sec, O)·(1 − A_ji)·(1 + alt_j)/2, ρ_F = 1
    assert abandonment_aa_bb(0.8) == pytest.approx(0.4 * 0.8 * (1 - 0.3) * (1 + 0.8) / 2)
    assert abandonment_aa_bb(0.8, fear=0.0) == 0.0  # ablation


def test_outside_options_are_the_partners_best_alignment_with_anyone_else():
    """alt[i, j] = max_{k ≠ i} A[j, k], checked entry by entry against that definition, on
    alignments where i is, and is not, j's best partner."""
    rng = np.random.default_rng(3)
    A = rng.uniform(0.0, 1.0, (4, 5, 5)) * (1.0 - np.eye(5))
    alt = dynamics.outside_options(A)
    for r, i, j in np.ndindex(A.shape):
        if i != j:
            assert alt[r, i, j] == max(A[r, j, k] for k in range(5) if k != i)


# --- the sign floor of commitments (§6) ---------------------------------------------------------


def commitment_after_one_step(anchor: float) -> float:
    """AA and BB are bound by treaty; AA's commitment to BB has structural level `anchor`
    and stands at 0 now. Then BB escalates to 0.9 (AA fears entrapment: a push down).
    AA's commitment to BB after one noise-free step."""
    spec = world(
        {"AA": {"BB": {"commitment": anchor}}, "BB": {"AA": {"commitment": anchor}}},
        treaties={"ab": {"members": ["AA", "BB"], "obligation": "automatic"}},
    )
    state, _ = derived(spec)
    state.C[0, 0, 1] = 0.0
    state.x[0, 1] = 0.9
    dynamics.advance(state, np.zeros_like(state.x))
    return float(state.C[0, 0, 1])


def test_only_a_non_negative_structural_level_keeps_a_commitment_non_negative():
    """The dynamics may loosen an alliance to indifference but not turn it hostile (an
    indifferent pair with a structural level of 0 stays at 0 under the push down); a pair
    whose structural level is hostile goes back below 0."""
    assert commitment_after_one_step(-0.5) < 0.0
    assert commitment_after_one_step(0.0) == 0.0


def test_no_actor_is_committed_to_itself():
    """The diagonal is no relation: however the payoffs move (here the shared-threat
    payoff of AA's and CC's common enemy BB escalating, which an unmasked diagonal would
    also collect), nobody's commitment to itself leaves 0."""
    jump = {"jump": {"label": "BB escalates", "at": 2, "set": {"actors.BB.escalation": 0.8}}}
    spec = world(
        {"AA": {"BB": {"commitment": -0.8}}, "CC": {"BB": {"commitment": -0.6}}}, events=jump
    )
    C = series(spec).commitment
    assert (C[:, 0, 0, 1] != C[0, 0, 0, 1]).any()  # the payoffs do move
    for i in range(len(IDS)):
        np.testing.assert_array_equal(C[:, 0, i, i], 0.0)


# --- grievance (§4): a revisionist drive needs a target of one's own -----------------------------


def grievance_drive(gain: float) -> np.ndarray:
    """AA is hostile to BB; BB is not hostile to AA. Both are revisionist (grievance 1).
    Each actor's escalation rate from the unsettled start (`run.settle: false`)."""
    spec = world(
        {"AA": {"BB": {"commitment": -0.8}}, "BB": {"AA": {"commitment": 0.3}}},
        params={"grievance_gain": gain, "reactivity": 0.0},
        AA={"grievance": 1.0},
        BB={"grievance": 1.0},
    )
    spec = spec.model_copy(update={"run": spec.run.model_copy(update={"settle": False})})
    state, d = derived(spec)
    return dynamics.escalation_rate(state, d)[0]


def test_grievance_drives_the_actor_that_is_hostile_not_its_target():
    """g_i = grievance_gain·grievance_i·max_j H_ij: AA's own hostility is its target; BB,
    hostile to nobody, gets no drive however much AA resents it."""
    more = grievance_drive(0.5) - grievance_drive(0.0)
    assert more[0] > 0.0
    assert more[1] == 0.0 and more[2] == 0.0


# --- moral hazard (§4): the patron's commitment, the client's own target -----------------------


def moral_hazard_of_aa(patron_to_client: float, client_to_patron: float, moral: float = 0.03):
    """BB is AA's treaty partner; AA is hostile to CC, which is not hostile back. The
    moral-hazard drive of AA."""
    spec = world(
        {
            "AA": {"BB": {"commitment": client_to_patron}, "CC": {"commitment": -0.8}},
            "BB": {"AA": {"commitment": patron_to_client}},
            "CC": {"AA": {"commitment": 0.2}},
        },
        params={"moral_hazard": moral},
        treaties={"ab": {"members": ["AA", "BB"], "obligation": "automatic"}},
        AA={"risk_tolerance": 0.8},
    )
    state, d = derived(spec)
    return float(dynamics.moral_hazard(state, d)[0, 0])


def test_a_client_is_emboldened_by_its_patrons_commitment_against_its_own_adversary():
    """h_i = moral_hazard·risk_i·max_j H_ij·Σ_p A_pi·O_pi: the patron's alignment with the
    client (A_pi), not the client's with the patron; the target is the client's own
    hostility (CC resents nobody, yet AA is bold against it)."""
    assert moral_hazard_of_aa(0.8, 0.1) > moral_hazard_of_aa(0.1, 0.8) > 0.0
    assert moral_hazard_of_aa(0.8, 0.1, moral=0.0) == 0.0  # ablation


# --- leverage (§5): a share of the patron's means ---------------------------------------------


def test_a_patrons_leverage_stays_at_most_one_however_hard_it_leans():
    """The target clip₀¹(ℓ⁰ + response·stability·(K − K⁰)): a patron already leaning hard
    (0.9) whose client goes to war leans fully, not beyond."""
    jump = {"jump": {"label": "AA escalates", "at": 2, "set": {"actors.AA.escalation": 1.0}}}
    spec = world(
        {"AA": {"BB": {"commitment": 0.5, "trade": 0.9}}, "BB": {"AA": {"commitment": 0.5}}},
        params={"leverage_response": 5.0, "leverage_rate": 1.0},
        events=jump,
        leverage={"BB": 0.9},
        BB={"stability": 1.0},
    )
    lev = series(spec).leverage[:, 0, 1]
    assert lev.max() == 1.0


# --- shared threat (§6, §8): a common adversary --------------------------------------------------


def shared_threat_payoff(weight: float) -> float:
    """AA and CC are both hostile to BB (escalation 0.5), which resents neither. AA's
    payoff for more commitment to CC."""
    spec = world(
        {"AA": {"BB": {"commitment": -0.8}}, "CC": {"BB": {"commitment": -0.6}}},
        params={"shared_threat": weight},
    )
    spec.actors["BB"].escalation.value = 0.5
    state, d = derived(spec)
    return float(dynamics.payoffs(state, d)[0, 0, 2])


def test_two_actors_hostile_to_the_same_adversary_draw_together():
    """shared_threat·Σ_k H_ik·H_jk·x_k: i's and j's own hostility toward k, whatever k
    feels about them (BB is hostile to nobody)."""
    more = shared_threat_payoff(0.8) - shared_threat_payoff(0.0)
    assert more == pytest.approx(0.8 * 0.8 * 0.6 * 0.5)


# --- the commitment's range (MODEL.md's state table: −1 … +1) ---------------------------------


def test_a_step_keeps_every_commitment_within_minus_one_and_one(monkeypatch):
    """However hard the payoffs push, a step clips C to [−1, 1]: an alliance at 0.9 pushed
    up by 0.5 ends at 1, a hostility at −0.9 pushed down by 0.5 at −1."""
    state, _ = derived(world({"AA": {"BB": {"commitment": 0.9}, "CC": {"commitment": -0.9}}}))
    push = np.zeros_like(state.C)
    push[0, 0, 1], push[0, 0, 2] = 0.5, -0.5
    monkeypatch.setattr(dynamics, "commitment_rate", lambda state, d: push)
    dynamics.advance(state, np.zeros_like(state.x))
    assert state.C[0, 0, 1] == 1.0 and state.C[0, 0, 2] == -1.0


def test_fatigue_falls_by_half_the_risk_tolerance():
    """m_i = fatigue·(1 − ½·risk_tolerance_i) (MODEL.md §4): with nothing driving them, each
    actor's escalation decays at m_i·x_i, a risk-tolerant actor more slowly."""
    spec = world({}, params={"fatigue": 0.3}, AA={"risk_tolerance": 0.8},
                 BB={"risk_tolerance": 0.0}, CC={"risk_tolerance": 1.0})  # fmt: skip
    state, d = derived(spec)
    state.u = np.zeros_like(state.x)
    rate = dynamics.escalation_rate(state, d)[0]
    want = [-0.3 * (1 - 0.5 * rt) * 0.2 for rt in (0.8, 0.0, 1.0)]
    assert rate == pytest.approx(want, rel=1e-12)


def test_a_patrons_restraint_slows_its_clients_escalation_by_rho_x():
    """ẋ_i contains −(m_i + ρ_i)·x_i (MODEL.md §4): a client held by a stable patron using
    leverage (ρ_AA > 0) escalates more slowly by exactly ρ_AA·x_AA."""

    def rate_and_rho(restraint: float) -> tuple[float, float]:
        spec = world(
            {"AA": {"BB": {"trade": 0.8}}},
            params={"restraint": restraint},
            leverage={"BB": 0.5},
            BB={"stability": 1.0},
        )
        state, d = derived(spec)
        state.u = np.zeros_like(state.x)
        rho = float(dynamics.restraint(state, d)[0, 0])
        return float(dynamics.escalation_rate(state, d)[0, 0]), rho

    free, _ = rate_and_rho(0.0)
    held, rho = rate_and_rho(0.5)
    assert rho > 0.0
    assert held == pytest.approx(free - rho * 0.2, rel=1e-12)


# --- threat transfer (§3): whose alignment makes an adversary's ally a threat ----------------


def transferred_threat(relations: dict, x_c: float) -> float:
    """AA is hostile to BB; `relations` adds an alignment between BB and CC. AA's threat."""
    spec = world({"AA": {"BB": {"commitment": -0.8}}, **relations})
    spec.actors["CC"].escalation.value = x_c
    return float(derived(spec)[1].threat[0, 0])


def test_an_adversarys_ally_threatens_by_its_own_alignment_with_the_adversary():
    """E_ik = min(1, H_ik + threat_transfer·Σ_j H_ij·A_kj) (MODEL.md §3): CC is a threat to AA
    when CC aligns with AA's adversary BB, so CC's escalation adds to AA's threat; BB's
    alignment with CC, unreturned, makes CC no threat."""
    cc_backs_bb = {"CC": {"BB": {"commitment": 0.8}}}
    bb_backs_cc = {"BB": {"CC": {"commitment": 0.8}}}
    assert transferred_threat(cc_backs_bb, 0.9) > transferred_threat(cc_backs_bb, 0.1) + 1e-3
    assert transferred_threat(bb_backs_cc, 0.9) == transferred_threat(bb_backs_cc, 0.1)
