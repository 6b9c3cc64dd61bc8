"""The compiled kernel: `sim.dynamics.advance` and the summary recorder in numba.

One function per mechanism, mirroring sim/dynamics.py (same names, same equations, same
order of operations where it matters), each working on one block of replications in the
lane layout of sim/kernel/layout.py: arrays (N, N, L) whose last axis is L replications,
so every innermost loop is the same arithmetic on L independent lanes (SIMD). Threads
take whole blocks (`prange`), so a replication's numbers never depend on the thread
count, the block it sits in, or its neighbours.

All the compiled code lives in this one file on purpose: numba's on-disk cache
(`cache=True`) notices edits only in the file that defines a function, so a kernel split
over several files could run a stale copy of an edited helper. The constants below
(EPS, Z_MAX, the coefficient, capability and trait positions) are checked against their
sources by tests/test_kernel.py for the same reason.

Matrix products that are N³ in the numpy engine (H·Aᵀ in threat transfer, (H·x)·Hᵀ in
shared threat, S·S in frustration) skip a k wherever the factor is zero in every lane of a
block, which makes them O(N² + nonzeros·N) for the sparse hostility graphs of large
scenarios; the sort in outside options is an O(N) top-two scan per row.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

EPS = 1e-12  # sim.dynamics.EPS
Z_MAX = 50.0  # sim.dynamics.Z_MAX
ABANDONMENT_RATIO = 1.0  # sim.dynamics.ABANDONMENT_RATIO

# The coefficients the kernel reads, in the order of its parameter array.
KERNEL_PARAMS = (
    "reactivity", "grievance_gain", "fatigue", "backing", "moral_hazard", "noise",
    "threat_transfer", "nuclear_weight", "economic_weight", "restraint", "alt_support",
    "leverage_response", "leverage_rate", "commit_step", "choice_temperature",
    "shared_threat", "dependence_benefit", "axis_cost", "instability_cost", "alliance_fear",
    "patron_competition", "hostility_spiral", "crisis_threshold", "war_threshold",
    "ripeness_rate", "ripeness_threshold", "ripeness_decay",
)  # fmt: skip
(REACTIVITY, GRIEVANCE_GAIN, FATIGUE, BACKING, MORAL_HAZARD, NOISE, THREAT_TRANSFER,
 NUCLEAR_WEIGHT, ECONOMIC_WEIGHT, RESTRAINT, ALT_SUPPORT, LEVERAGE_RESPONSE, LEVERAGE_RATE,
 COMMIT_STEP, CHOICE_TEMPERATURE, SHARED_THREAT, DEPENDENCE_BENEFIT, AXIS_COST,
 INSTABILITY_COST, ALLIANCE_FEAR, PATRON_COMPETITION, HOSTILITY_SPIRAL, CRISIS_THRESHOLD,
 WAR_THRESHOLD, RIPENESS_RATE, RIPENESS_THRESHOLD,
 RIPENESS_DECAY) = range(len(KERNEL_PARAMS))  # fmt: skip
MILITARY, ECONOMIC, NUCLEAR = 0, 1, 2  # sim.scenario.targets.CAPABILITIES
STABILITY, RISK_TOLERANCE, RESOLVE, GRIEVANCE, AXIS_AVERSION = 0, 1, 2, 3, 4  # TRAITS
# Positions in the recorder's per-replication totals (the summary's running values).
FIRST_CRISIS, FIRST_WAR, CRISIS_MONTHS, PEAK_FRUSTRATION = 0, 1, 2, 3
TOTALS = 4


@njit(cache=True)
def _any_lane(a, i, k):
    """True when a[i, k] is non-zero in some lane (else a product over k can skip it)."""
    for b in range(a.shape[2]):  # noqa: SIM110 (an early exit numba compiles to a loop)
        if a[i, k, b] != 0.0:
            return True
    return False


@njit(cache=True)
def _fma(acc, a, b):
    """acc += a·b over the lanes (1-D contiguous rows: one vector loop, no index checks)."""
    for k in range(acc.shape[0]):
        acc[k] += a[k] * b[k]


# e^−y: Cody–Waite reduction y = k·ln2 − r, |r| ≤ ln2/2, then e^r by its Taylor series to
# r¹³ (truncation < 1e-17 relative) and 2^−k exactly, bit by bit (k ≤ 73 for y ≤ Z_MAX).
LN2_HI = 6.93147180369123816490e-01  # ln 2 with trailing zero bits: k·LN2_HI is exact
LN2_LO = 1.90821492927058770002e-10
INV_LN2 = 1.44269504088896338700e00
TAYLOR = tuple(1.0 / math.factorial(n) for n in range(14))


@njit(cache=True)
def exp_neg(y):
    """e^−y for 0 ≤ y ≤ Z_MAX, within a few ulp of libm's exp, in plain arithmetic the
    compiler can vectorise (libm's exp is a scalar call in numba without SVML, and it is
    the logit choice's only transcendental function)."""
    k = np.floor(y * INV_LN2 + 0.5)
    r = (k * LN2_HI - y) + k * LN2_LO
    p = TAYLOR[13]
    for n in range(12, -1, -1):
        p = p * r + TAYLOR[n]
    ki = int(k)
    scale = 1.0
    half = 0.5
    for _ in range(7):  # 2^−k = Π 2^−(2^bit) over k's set bits; exact, k < 128
        scale *= half if ki & 1 else 1.0
        half *= half
        ki >>= 1
    return p * scale


# ---------------------------------------------------------------- derive (static per span)


@njit(cache=True)
def live_mask(active, mask):
    """mask[i, j] = 1 where i and j are both active and i ≠ j (sim.dynamics.derive)."""
    n, lanes = active.shape
    for i in range(n):
        for j in range(n):
            for b in range(lanes):
                mask[i, j, b] = active[i, b] * active[j, b] * (0.0 if i == j else 1.0)


@njit(cache=True)
def power_weights(cap, params, w):
    """w[i, j] = 2·P_j / (P_i + P_j + ε), P = military + ν·nuclear + η·economic."""
    n, lanes = cap.shape[1], cap.shape[2]
    power = np.empty((n, lanes))
    for i in range(n):
        for b in range(lanes):
            p = cap[MILITARY, i, b] + params[NUCLEAR_WEIGHT, b] * cap[NUCLEAR, i, b]
            power[i, b] = p + params[ECONOMIC_WEIGHT, b] * cap[ECONOMIC, i, b]
    for i in range(n):
        for j in range(n):
            for b in range(lanes):
                w[i, j, b] = 2.0 * power[j, b] / (power[i, b] + power[j, b] + EPS)


# ---------------------------------------------------------------- derive (every step)


@njit(cache=True)
def alignment(C, mask, H, A):
    """H = max(−C·mask, 0) hostility, A = max(C·mask, 0) alliance."""
    n, _, lanes = C.shape
    for i in range(n):
        for j in range(n):
            for b in range(lanes):
                c = C[i, j, b] * mask[i, j, b]
                H[i, j, b] = max(-c, 0.0)
                A[i, j, b] = max(c, 0.0)


@njit(cache=True)
def patron_hold(need, mask, params, hold, acc):
    """hold[i, p] = max(live_ip − live_pi, 0) / (1 + α·Σ_{k≠p} live_ik), live = need·mask:
    asymmetric dependence, diluted by i's other dependencies (Hirschman). It reads only
    channels and who is active, so it is computed once per span of steps."""
    n, _, lanes = need.shape
    for i in range(n):
        acc[:] = 0.0
        for j in range(n):
            for b in range(lanes):
                acc[b] += need[i, j, b] * mask[i, j, b]
        for j in range(n):
            for b in range(lanes):
                live = need[i, j, b] * mask[i, j, b]
                net = max(live - need[j, i, b] * mask[j, i, b], 0.0)
                hold[i, j, b] = net / (1.0 + params[ALT_SUPPORT, b] * (acc[b] - live))


@njit(cache=True)
def perceived_threat(H, A, mask, w, x, ready, params, prod, threat):
    """T_i = Σ_j (1 − R_ij)·min(H_ij + τ·(H·Aᵀ)_ij, 1)·mask_ij·w_ij·x_j (Walt, discounted
    by the pair's readiness to settle)."""
    n, _, lanes = H.shape
    prod[:] = 0.0
    for i in range(n):
        for k in range(n):
            if _any_lane(H, i, k):
                h = H[i, k]
                for j in range(n):
                    _fma(prod[i, j], h, A[j, k])
    for i in range(n):
        threat[i, :] = 0.0
        for j in range(n):
            for b in range(lanes):
                e = min(H[i, j, b] + params[THREAT_TRANSFER, b] * prod[i, j, b], 1.0)
                e = (1.0 - ready[i, j, b]) * (e * mask[i, j, b])
                threat[i, b] += e * w[i, j, b] * x[j, b]


@njit(cache=True)
def readiness_update(H, x, ready, params):
    """R ← clip(R + κ_r·(1 − R)·max(P − p*, 0) − φ_r·R, 0, 1) in place, with the pain
    P_ij = max(H_ij, H_ji)·max(x_i, x_j) of a mutually hostile pair (sim.dynamics): an
    entry reads only itself and the step's start (H, x), so in place is exact."""
    n, _, lanes = H.shape
    for i in range(n):
        for j in range(n):
            for b in range(lanes):
                hij, hji = H[i, j, b], H[j, i, b]
                hostile = 1.0 if (hij > 0.0 and hji > 0.0) else 0.0
                top = x[i, b] if x[i, b] > x[j, b] else x[j, b]
                hmax = hij if hij > hji else hji
                excess = max(hmax * top * hostile - params[RIPENESS_THRESHOLD, b], 0.0)
                r = ready[i, j, b]
                grow = params[RIPENESS_RATE, b] * (1.0 - r) * excess
                ready[i, j, b] = min(max(r + grow - params[RIPENESS_DECAY, b] * r, 0.0), 1.0)


# ---------------------------------------------------------------- escalation and leverage


@njit(cache=True)
def restraint(hold, traits, lev, params, i, out):
    """ρ_i = ρ·Σ_p hold_ip·stability_p·leverage_p, for every lane."""
    out[:] = 0.0
    for p in range(hold.shape[0]):
        for b in range(out.shape[0]):
            out[b] += hold[i, p, b] * (traits[STABILITY, p, b] * lev[p, b])
    for b in range(out.shape[0]):
        out[b] = params[RESTRAINT, b] * out[b]


@njit(cache=True)
def escalation_rate(x, lev, traits, O, u, H, A, hold, threat, params, rate, tmp):
    """Richardson drift a·T + g + chain-ganging + moral hazard − (fatigue + restraint)·x + u.

    chain-ganging b_i = backing·Σ_j O_ij·A_ij·T_j; moral hazard
    h_i = moral_hazard·risk_tolerance_i·maxⱼ H_ij·Σ_p A_pi·O_ip."""
    n, lanes = x.shape
    hmax, back, rho, cred = tmp[0], tmp[1], tmp[2], tmp[3]
    for i in range(n):
        hmax[:] = 0.0
        back[:] = 0.0
        cred[:] = 0.0
        for j in range(n):
            for b in range(lanes):
                hmax[b] = max(hmax[b], H[i, j, b])
                back[b] += O[i, j, b] * A[i, j, b] * threat[j, b]
                cred[b] += A[j, i, b] * O[i, j, b]
        restraint(hold, traits, lev, params, i, rho)
        for b in range(lanes):
            a = params[REACTIVITY, b] * traits[RESOLVE, i, b]
            g = params[GRIEVANCE_GAIN, b] * traits[GRIEVANCE, i, b] * hmax[b]
            m = params[FATIGUE, b] * (1.0 - 0.5 * traits[RISK_TOLERANCE, i, b])
            hazard = params[MORAL_HAZARD, b] * (traits[RISK_TOLERANCE, i, b] * hmax[b]) * cred[b]
            drive = a * threat[i, b] + g + params[BACKING, b] * back[b] + hazard
            rate[i, b] = drive - (m + rho[b]) * x[i, b] + u[i, b]


@njit(cache=True)
def leverage_update(x, lev, lev0, clients0, traits, hold, params, out, stake):
    """Patrons lean harder on clients that escalate beyond the settled state."""
    n, lanes = x.shape
    for p in range(n):
        stake[:] = 0.0  # sim.dynamics.clients: Σ_i hold_ip·x_i
        for i in range(n):
            for b in range(lanes):
                stake[b] += hold[i, p, b] * x[i, b]
        for b in range(lanes):
            excess = stake[b] - clients0[p, b]
            k = params[LEVERAGE_RESPONSE, b] * traits[STABILITY, p, b]
            target = min(max(lev0[p, b] + k * excess, 0.0), 1.0)
            out[p, b] = lev[p, b] + params[LEVERAGE_RATE, b] * (target - lev[p, b])


# ---------------------------------------------------------------- commitment


@njit(cache=True)
def shared_threat(H, x, prod, hx):
    """prod[i, j] = Σ_k H_ik·x_k·H_jk: common enemies, weighted by their escalation."""
    n, _, lanes = H.shape
    prod[:] = 0.0
    for i in range(n):
        for k in range(n):
            if _any_lane(H, i, k):
                for b in range(lanes):
                    hx[b] = H[i, k, b] * x[k, b]
                for j in range(n):
                    _fma(prod[i, j], hx, H[j, k])


@njit(cache=True)
def outside_options(A, j, first, second, best):
    """j's best and second-best alignment and best partner, per lane: an O(N) top-two
    scan giving what sim.dynamics.outside_options reads from a sort and an argmax (ties
    included: the first maximum is the best partner, an equal one the second)."""
    n, _, lanes = A.shape
    first[:] = -np.inf
    second[:] = -np.inf
    best[:] = 0.0
    for k in range(n):
        for b in range(lanes):
            v = A[j, k, b]
            up = v > first[b]
            second[b] = first[b] if up else (v if v > second[b] else second[b])
            best[b] = k if up else best[b]
            first[b] = v if up else first[b]


@njit(cache=True)
def entrapment_fear(A, O, x, traits, params, i, j, b):
    """Snyder: firm commitment to a partner that out-escalates i and takes risks."""
    excess = max(x[j, b] - x[i, b], 0.0)
    firm = A[i, j, b] + O[i, j, b]
    return params[ALLIANCE_FEAR, b] * firm * excess * traits[RISK_TOLERANCE, j, b]


@njit(cache=True)
def abandonment_fear(A, O, security, params, i, j, b, option):
    """Snyder: i needs j's protection, j's commitment is slack, j has others to turn to."""
    secure = max(security[i, j, b], O[i, j, b])
    slack = 1.0 - A[j, i, b]
    weight = ABANDONMENT_RATIO * params[ALLIANCE_FEAR, b]
    return weight * secure * slack * (1.0 + option) / 2.0


@njit(cache=True)
def patron_competition(hold, hold0, params, i, j, b):
    """Patron i's payoff for re-engaging client j, per unit of hold on j it has lost."""
    return params[PATRON_COMPETITION, b] * max(hold0[j, i, b] - hold[j, i, b], 0.0)


@njit(cache=True)
def payoff(C, x, traits, need, security, O, H, A, hold, hold0, params, shared, bound, i, j,
           b, option):  # fmt: skip
    """Marginal payoff to i of more commitment to j, before masking (sim.dynamics.payoffs)."""
    pay = params[SHARED_THREAT, b] * shared[i, j, b]
    pay += params[DEPENDENCE_BENEFIT, b] * (need[i, j, b] + hold[j, i, b])
    ties = bound[j, b] - A[j, i, b] * O[j, i, b]  # j's binding ties to others than i
    aligned = 1.0 if C[i, j, b] > 0 else 0.0  # axis cost: only toward an aligned partner
    pay -= params[AXIS_COST, b] * traits[AXIS_AVERSION, i, b] * ties * aligned
    pay -= params[INSTABILITY_COST, b] * traits[STABILITY, i, b] * x[j, b] * aligned
    spiral = params[HOSTILITY_SPIRAL, b] * H[i, j, b] * x[j, b]
    pay -= entrapment_fear(A, O, x, traits, params, i, j, b) + spiral
    fear = abandonment_fear(A, O, security, params, i, j, b, option)
    return pay + (fear + patron_competition(hold, hold0, params, i, j, b))


@njit(cache=True)
def binding_ties(A, O, bound):
    """bound[j] = Σ_k A_jk·O_jk: j's binding ties (read by the axis cost)."""
    n, _, lanes = A.shape
    for j in range(n):
        for b in range(lanes):
            bound[j, b] = 0.0
        for k in range(n):
            for b in range(lanes):
                bound[j, b] += A[j, k, b] * O[j, k, b]


@njit(cache=True)
def options_of(A, j, first, second, best):
    """j's best and second-best outside options (none with fewer than two actors)."""
    if A.shape[0] >= 2:
        outside_options(A, j, first, second, best)
    else:
        first[:] = 0.0
        second[:] = 0.0
        best[:] = -1.0


@njit(cache=True)
def commitment_update(C, C_anchor, rpref, x, traits, need, security, O, H, A, hold, hold0,
                      mask, params, shared, bound, tmp):  # fmt: skip
    """C ← clip(C + logit move of the payoff, −1, 1), in place (commitment_rate and
    logit_move of sim.dynamics; every term reads H, A and x of the step's start). The
    loops are split so that all but the exponential run as lane vectors."""
    n, _, lanes = C.shape
    first, second, best, z, a = tmp[0], tmp[1], tmp[2], tmp[3], tmp[4]
    binding_ties(A, O, bound)
    for j in range(n):
        options_of(A, j, first, second, best)
        for i in range(n):
            for b in range(lanes):
                option = second[b] if best[b] == i else first[b]
                pay = payoff(C, x, traits, need, security, O, H, A, hold, hold0, params,
                             shared, bound, i, j, b, option) * mask[i, j, b]  # fmt: skip
                mu = pay - (C[i, j, b] - C_anchor[i, j, b]) + rpref[i, j, b]
                z[b] = mu / params[CHOICE_TEMPERATURE, b]
            for b in range(lanes):
                a[b] = exp_neg(min(abs(z[b]), Z_MAX))
            for b in range(lanes):
                share = (1.0 - a[b] * a[b]) / ((1.0 + a[b]) + a[b] * a[b])
                move = params[COMMIT_STEP, b] * np.sign(z[b]) * share
                c = C[i, j, b]
                new = min(max(c + move * mask[i, j, b], -1.0), 1.0)
                if c >= 0 and C_anchor[i, j, b] >= 0:
                    new = max(new, 0.0)
                C[i, j, b] = new


@njit(cache=True)
def payoff_table(C, x, active, traits, need, security, O, hold0, params, out):
    """out[k] = the masked payoff `commitment_update` computes for every pair of block k
    at this state, by the same calls in the same order (the first step of `run_block`).

    Why: the kernel starts from numpy's settled state, whose preference r cancels numpy's
    payoff exactly; the kernel's payoff differs from numpy's by rounding, so a settled pair
    moved by ±1e-17 in the kernel alone. At a commitment of exactly 0 (an indifferent pair)
    the payoff jumps (the axis and instability costs fall on C > 0), and that rounding
    parted the engines by 1e-3. `sim.kernel.loop.own_fixed_point` sets r = −out where numpy's
    start is at rest, so the kernel's start is at rest in its own arithmetic too."""
    nb, n, _, lanes = C.shape
    mask, H, A = np.empty((n, n, lanes)), np.empty((n, n, lanes)), np.empty((n, n, lanes))
    hold, shared = np.empty((n, n, lanes)), np.empty((n, n, lanes))
    bound, acc, tmp = np.empty((n, lanes)), np.empty(lanes), np.empty((3, lanes))
    first, second, best = tmp[0], tmp[1], tmp[2]
    for k in range(nb):
        live_mask(active[k], mask)
        patron_hold(need[k], mask, params[k], hold, acc)
        alignment(C[k], mask, H, A)
        shared_threat(H, x[k], shared, acc)
        binding_ties(A, O[k], bound)
        for j in range(n):
            options_of(A, j, first, second, best)
            for i in range(n):
                for b in range(lanes):
                    option = second[b] if best[b] == i else first[b]
                    pay = payoff(C[k], x[k], traits[k], need[k], security[k], O[k], H, A, hold,
                                 hold0[k], params[k], shared, bound, i, j, b, option)  # fmt: skip
                    out[k, i, j, b] = pay * mask[i, j, b]


@njit(cache=True)
def logit_move(mu, temperature, step):
    """Expected move of a logit choice among tighten / hold / distance (scalar form of
    the three loops in commitment_update; kept for tests against sim.dynamics)."""
    z = mu / temperature
    a = np.exp(-min(abs(z), Z_MAX))
    share = (1.0 - a * a) / ((1.0 + a) + a * a)
    return step * np.sign(z) * share


# ---------------------------------------------------------------- the summary recorder


@njit(cache=True)
def dyad_flags(C, x, active, params, which, out):
    """out[b] = 1 where a mutually hostile active pair has both sides at or above the
    threshold `params[which]` (sim.metrics.dyads_at)."""
    n, lanes = x.shape
    out[:] = 0.0
    for i in range(n):
        for j in range(n):
            for b in range(lanes):
                ai, aj, thr = active[i, b], active[j, b], params[which, b]
                hostile = C[i, j, b] * (ai * aj) < 0 and C[j, i, b] * (aj * ai) < 0
                up = ai != 0.0 and aj != 0.0 and x[i, b] >= thr and x[j, b] >= thr
                out[b] = 1.0 if hostile and up else out[b]


@njit(cache=True)
def frustration(C, active, S, P, out, signed, total):
    """Weighted share of unbalanced triads, (tr|S|³ − trS³)/(2·tr|S|³) (sim.metrics)."""
    n, _, lanes = C.shape
    for i in range(n):
        for j in range(n):
            for b in range(lanes):
                cij = C[i, j, b] * (active[i, b] * active[j, b])
                cji = C[j, i, b] * (active[j, b] * active[i, b])
                S[i, j, b] = 0.5 * (cij + cji)
    P[:] = 0.0  # S·S
    for i in range(n):
        for k in range(n):
            if _any_lane(S, i, k):
                for j in range(n):
                    _fma(P[i, j], S[i, k], S[k, j])
    signed[:] = 0.0
    for i in range(n):
        for j in range(n):
            _fma(signed, P[i, j], S[i, j])
    np.abs(S, S)  # |S| in place: S itself is not needed any more
    P[:] = 0.0  # |S|·|S|
    for i in range(n):
        for k in range(n):
            if _any_lane(S, i, k):
                for j in range(n):
                    _fma(P[i, j], S[i, k], S[k, j])
    total[:] = 0.0
    for i in range(n):
        for j in range(n):
            _fma(total, P[i, j], S[i, j])
    for b in range(lanes):
        v = (total[b] - signed[b]) / (2.0 * total[b]) if total[b] > 1e-15 else 0.0
        out[b] = min(max(v, 0.0), 1.0)


@njit(cache=True)
def record_summary(C, x, active, params, peak, totals, S, P, tmp, t):
    """The summary recorder of sim.ensemble.Recorder, for the state after step t."""
    n, lanes = x.shape
    frus, crisis, war = tmp[0], tmp[1], tmp[2]
    for i in range(n):
        for b in range(lanes):
            peak[i, b] = max(peak[i, b], x[i, b])
    frustration(C, active, S, P, frus, tmp[3], tmp[4])
    dyad_flags(C, x, active, params, CRISIS_THRESHOLD, crisis)
    dyad_flags(C, x, active, params, WAR_THRESHOLD, war)
    for b in range(lanes):
        if crisis[b] != 0.0 and totals[FIRST_CRISIS, b] < 0:
            totals[FIRST_CRISIS, b] = t
        if war[b] != 0.0 and totals[FIRST_WAR, b] < 0:
            totals[FIRST_WAR, b] = t
        totals[CRISIS_MONTHS, b] += crisis[b]
        totals[PEAK_FRUSTRATION, b] = max(totals[PEAK_FRUSTRATION, b], frus[b])


@njit(cache=True)
def record_series(C, x, lev, ready, active, tmp, out, t, first, r):
    """Row t of the per-step series of sim.ensemble.Recorder (`out`: its Series arrays in
    the engine's (T+1, R, ...) layout, written for the block's rows first … first+lanes,
    padded lanes skipped), after `record_summary` left frustration, crisis and war in
    tmp[0..2]. Tension is sim.metrics.tension element by element, with numpy's maximum
    (which returns its second argument on ties, so signed zeros match too)."""
    esc, levs, com, ten, frus, crisis, war, act, rdy = out
    n, lanes = x.shape
    for b in range(min(lanes, r - first)):
        row = first + b
        for i in range(n):
            esc[t, row, i] = x[i, b]
            levs[t, row, i] = lev[i, b]
            act[t, row, i] = active[i, b] != 0.0
            for j in range(n):
                c = C[i, j, b]
                com[t, row, i, j] = c
                rdy[t, row, i, j] = ready[i, j, b]
                h = -(c * (active[i, b] * active[j, b]))
                h = h if h > 0.0 else 0.0
                top = x[i, b] if x[i, b] > x[j, b] else x[j, b]
                ten[t, row, i, j] = h * top
        frus[t, row] = tmp[0, b]
        crisis[t, row] = tmp[1, b] != 0.0
        war[t, row] = tmp[2, b] != 0.0


# ---------------------------------------------------------------- advance and the loop


@njit(cache=True)
def run_block(x, C, lev, ready, C_anchor, lev0, active, cap, traits, need, security, O, u, rpref,
              clients0, hold0, params, shocks, peak, totals, t0, record, series, first,
              r):  # fmt: skip
    """Advance one block of lanes through len(shocks) steps (sim.dynamics.advance), and
    record each new state's summary when `record`, and its per-step series too when
    `series` is not empty (`record_series`; this block's replications are rows first …)."""
    n, lanes = x.shape
    mask, w = np.empty((n, n, lanes)), np.empty((n, n, lanes))
    H, A, hold = np.empty((n, n, lanes)), np.empty((n, n, lanes)), np.empty((n, n, lanes))
    prod, bound = np.empty((n, n, lanes)), np.empty((n, lanes))
    threat, rate, lev_new = np.empty((n, lanes)), np.empty((n, lanes)), np.empty((n, lanes))
    acc, tmp = np.empty(lanes), np.empty((5, lanes))
    live_mask(active, mask)
    power_weights(cap, params, w)
    patron_hold(need, mask, params, hold, acc)
    ripe = (params[RIPENESS_RATE] > 0.0).any() or (ready != 0.0).any()  # else R stays 0
    for s in range(shocks.shape[0]):
        alignment(C, mask, H, A)
        perceived_threat(H, A, mask, w, x, ready, params, prod, threat)
        escalation_rate(x, lev, traits, O, u, H, A, hold, threat, params, rate, tmp)
        if ripe:
            readiness_update(H, x, ready, params)  # after the threat read the step's start
        leverage_update(x, lev, lev0, clients0, traits, hold, params, lev_new, acc)
        shared_threat(H, x, prod, acc)
        commitment_update(C, C_anchor, rpref, x, traits, need, security, O, H, A, hold, hold0,
                          mask, params, prod, bound, tmp)  # fmt: skip
        for i in range(n):
            for b in range(lanes):
                if active[i, b] != 0.0:
                    v = x[i, b] + rate[i, b] + params[NOISE, b] * shocks[s, i, b]
                    x[i, b] = min(max(v, 0.0), 1.0)
                    lev[i, b] = lev_new[i, b]
        if record:
            record_summary(C, x, active, params, peak, totals, H, prod, tmp, t0 + s + 1)
            if series[0].shape[0] > t0 + s + 1:  # placeholders have one row: nothing kept
                record_series(C, x, lev, ready, active, tmp, series, t0 + s + 1, first, r)


@njit(cache=True, parallel=True)
def run_span(x, C, lev, ready, C_anchor, lev0, active, cap, traits, need, security, O, u, rpref,
             clients0, hold0, params, shocks, peak, totals, t0, record, series, r):  # fmt: skip
    """All blocks through one span of steps; blocks are independent, threads take them
    (each writes only its own rows of `series`)."""
    lanes = x.shape[-1]
    for k in prange(x.shape[0]):
        run_block(x[k], C[k], lev[k], ready[k], C_anchor[k], lev0[k], active[k], cap[k], traits[k],
                  need[k], security[k], O[k], u[k], rpref[k], clients0[k], hold0[k],
                  params[k], shocks[k], peak[k], totals[k], t0, record, series, k * lanes,
                  r)  # fmt: skip
