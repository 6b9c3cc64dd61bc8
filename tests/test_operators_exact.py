"""The observation operators' formulas (docs/observations.md §2) checked exactly on states
built by hand, beside the direction tests of tests/test_observe_operators.py: which actor,
which pair direction and which months each operator reads, the symmetric ordered logit, the
dynamic exercise logit, the trade anchor and the distance scale. Written from mutation
testing: each test fails for a fault the direction tests let through."""

from __future__ import annotations

import numpy as np
import pytest

from sim.observe.observations import Observation
from sim.observe.operators import (
    OPERATORS,
    Window,
    count_mean,
    default_coefficients,
    draw,
    exercise_index,
    exercise_probability,
    reads,
    trade_log_mean,
    transform,
    vote_probabilities,
)

IDS = ["CHN", "PRK", "USA", "KOR"]
CHN, PRK, USA, KOR = range(4)
SRC = {"publisher": "p", "title": "t", "date": "2020-01-01", "url": "https://e.org"}


def obs(kind: str, actors: tuple[str, ...], value: float = 1.0, unit: str = "u") -> Observation:
    return Observation("o", kind, actors, "2017", 0, 2, value, unit, "solid", SRC, "f", 1)


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + np.exp(-z))


def state() -> Window:
    """Three months, one replication; every actor and ordered pair has its own values, and
    they change month by month, so reading the wrong actor, direction or month shows."""
    m, n = 3, len(IDS)
    month = np.arange(m, dtype=float)[:, None, None]
    x = 0.1 * (np.arange(n)[None, None, :] + 1) + 0.05 * month
    C = np.zeros((m, 1, n, n))
    for a in range(n):
        for b in range(n):
            C[:, 0, a, b] = 0.01 * (10 * a + b) + 0.02 * np.arange(m)
    lev = 0.2 * (np.arange(n)[None, None, :] + 1) + 0.1 * month
    return Window(x, C, lev, IDS)


def k(**values: float) -> dict[str, np.ndarray]:
    out = default_coefficients(1)
    out.update({name: np.full(1, v) for name, v in values.items()})
    return out


W = state()


def test_mutual_commitment_is_the_mean_of_both_directions():
    got = W.mutual("CHN", "PRK")[:, 0]
    assert got == pytest.approx(0.5 * (W.C[:, 0, CHN, PRK] + W.C[:, 0, PRK, CHN]))
    assert got == pytest.approx(W.mutual("PRK", "CHN")[:, 0])


def test_count_means_sum_the_monthly_rates_of_the_actor_or_pair_read():
    x_prk = W.x[:, 0, PRK]
    kk = k(launch_log_rate=-1.0, launch_escalation=2.0, launch_missiles_log_ratio=0.7)
    launches = count_mean(obs("missile_launches", ("PRK",)), W, kk)[0]
    assert launches == pytest.approx(np.exp(-1.0 + 2.0 * x_prk).sum())
    missiles = count_mean(obs("missile_launches", ("PRK",), unit="missiles fired"), W, kk)[0]
    assert missiles == pytest.approx(np.exp(0.7) * launches)
    kk = k(nuclear_log_rate=-3.0, nuclear_escalation=4.0)
    nuclear = count_mean(obs("nuclear_test", ("PRK",)), W, kk)[0]
    assert nuclear == pytest.approx(np.exp(-3.0 + 4.0 * x_prk).sum())
    kk = k(summit_log_rate=-2.0, summit_commitment=3.0)
    summit = count_mean(obs("summit", ("CHN", "PRK")), W, kk)[0]
    assert summit == pytest.approx(np.exp(-2.0 + 3.0 * W.mutual("CHN", "PRK")[:, 0]).sum())
    kk = k(sanction_log_rate=-2.0, sanction_leverage=3.0)
    sanction = count_mean(obs("sanction_measure", ("USA",)), W, kk)[0]
    assert sanction == pytest.approx(np.exp(-2.0 + 3.0 * W.lev[:, 0, USA]).sum())


def test_a_very_unlikely_count_is_nearly_zero_and_a_huge_rate_stays_finite():
    o = obs("nuclear_test", ("PRK",))
    rare = k(nuclear_log_rate=-40.0, nuclear_escalation=0.0)
    assert count_mean(o, W, rare)[0] == pytest.approx(3 * np.exp(-40.0), rel=1e-9)
    d = OPERATORS["nuclear_test"](o, W, rare, np.random.default_rng(0), 1000)
    assert d.shape == (1, 1000) and (d == 0).all()
    huge = count_mean(o, W, k(nuclear_log_rate=500.0))
    assert np.isfinite(huge).all() and huge[0] > 1e6


def test_count_draws_are_poisson_with_that_mean():
    o = obs("summit", ("CHN", "PRK"))
    kk = k(summit_log_rate=0.5, summit_commitment=1.0)
    d = OPERATORS["summit"](o, W, kk, np.random.default_rng(3), 100_000)
    lam = count_mean(o, W, kk)[0]
    assert d.mean() == pytest.approx(lam, rel=0.01)
    assert d.var() == pytest.approx(lam, rel=0.03)


def test_vote_probabilities_are_the_symmetric_ordered_logit_by_hand():
    eta0, eta_c, eta_l, cut = 1.0, 2.0, 1.5, 0.7
    kk = k(vote_intercept=eta0, vote_commitment=eta_c, vote_leverage=eta_l, vote_cut=cut)
    p = vote_probabilities(obs("unsc_vote", ("CHN",)), W, kk)[0]
    commit = W.C[:, 0, CHN, PRK].mean()  # China's commitment to North Korea over the months
    lev = W.lev[:, 0, CHN].mean()
    eta = eta0 - eta_c * commit + eta_l * lev
    no, yes = sigmoid(-eta - cut), sigmoid(eta - cut)
    assert p == pytest.approx([no, 1 - yes - no, yes])


def test_vote_at_latent_zero_is_symmetric_and_the_band_widens_abstention():
    flat = Window(np.zeros((1, 1, 4)), np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 4)), IDS)
    o = obs("unsc_vote", ("CHN",))
    narrow = vote_probabilities(o, flat, k(vote_intercept=0.0, vote_cut=0.5))[0]
    wide = vote_probabilities(o, flat, k(vote_intercept=0.0, vote_cut=2.0))[0]
    assert narrow[0] == pytest.approx(narrow[2]) and wide[0] == pytest.approx(wide[2])
    assert wide[1] > narrow[1] > 0
    assert narrow[2] == pytest.approx(sigmoid(-0.5))


def test_vote_draws_follow_the_probabilities():
    o = obs("unsc_vote", ("CHN",))
    kk = k(vote_intercept=0.5, vote_cut=0.4)
    p = vote_probabilities(o, W, kk)[0]
    d = OPERATORS["unsc_vote"](o, W, kk, np.random.default_rng(5), 200_000)[0]
    share = [np.mean(d == v) for v in (-1.0, 0.0, 1.0)]
    assert share == pytest.approx(list(p), abs=0.005)


def test_exercise_index_and_the_dynamic_logit_by_hand():
    o = obs("joint_exercise", ("USA", "KOR"))
    s = np.mean(0.5 * (W.x[:, 0, USA] + W.x[:, 0, KOR]) + W.mutual("USA", "KOR")[:, 0])
    assert exercise_index(o, W)[0] == pytest.approx(s)
    kk = k(exercise_intercept=-1.0, exercise_slope=2.0, exercise_memory=0.8)
    base = -1.0 + 2.0 * s
    assert exercise_probability(o, W, kk)[0] == pytest.approx(sigmoid(base))
    assert exercise_probability(o, W, kk, (1.0, None))[0] == pytest.approx(sigmoid(base + 0.8))
    assert exercise_probability(o, W, kk, (0.0, None))[0] == pytest.approx(sigmoid(base - 0.8))
    # the anchor is a status: 0.5 or more counts as held
    assert exercise_probability(o, W, kk, (0.5, None))[0] == pytest.approx(sigmoid(base + 0.8))
    # an extreme logit is clipped, not overflowed
    never = k(exercise_intercept=0.0, exercise_slope=-1e6)
    assert exercise_probability(o, W, never)[0] == pytest.approx(0.0, abs=1e-20)


def test_draw_hands_the_anchor_to_the_exercise_operator():
    o = obs("joint_exercise", ("USA", "KOR"))
    kk = k(exercise_intercept=0.0, exercise_slope=0.0, exercise_memory=3.0)
    held = draw(o, W, kk, np.random.default_rng(1), 20_000, (1.0, None)).mean()
    suspended = draw(o, W, kk, np.random.default_rng(1), 20_000, (0.0, None)).mean()
    assert held == pytest.approx(sigmoid(3.0), abs=0.01)
    assert suspended == pytest.approx(sigmoid(-3.0), abs=0.01)


def test_trade_log_mean_moves_from_the_anchor_by_kappa_times_the_commitment_change():
    o = obs("trade_value", ("CHN", "PRK"), value=7.0)
    c = W.mutual("CHN", "PRK")[:, 0].mean()
    anchor = (5.0, np.array([c - 0.1]))
    got = trade_log_mean(o, W, k(trade_commitment=2.0), anchor)
    assert got[0] == pytest.approx(np.log(5.0) + 2.0 * 0.1)
    # with no anchor: the observation's own value and no change
    assert trade_log_mean(o, W, k(trade_commitment=2.0))[0] == pytest.approx(np.log(7.0))
    kk = k(trade_commitment=2.0, trade_log_sd=0.3)
    logs = np.log(draw(o, W, kk, np.random.default_rng(2), 100_000, anchor)[0])
    assert logs.mean() == pytest.approx(np.log(5.0) + 0.2, abs=0.01)
    assert logs.std() == pytest.approx(0.3, rel=0.02)


def test_distance_scale_per_kind():
    v = np.array([4.0, 9.0])
    assert transform("summit", v) == pytest.approx([2.0, 3.0])
    assert transform("trade_value", v) == pytest.approx(np.log(v))
    assert transform("unsc_vote", v) == pytest.approx(v)
    assert transform("joint_exercise", v) == pytest.approx(v)


def test_reads_names_the_state_each_operator_reads():
    assert reads(obs("missile_launches", ("PRK",))) == {"actors.PRK.escalation"}
    assert reads(obs("sanction_measure", ("USA",))) == {"actors.USA.leverage"}
    assert reads(obs("unsc_vote", ("CHN",))) == {
        "relations.CHN.PRK.commitment",
        "actors.CHN.leverage",
    }
    both = {"relations.USA.KOR.commitment", "relations.KOR.USA.commitment"}
    assert reads(obs("summit", ("USA", "KOR"))) == both
    assert reads(obs("joint_exercise", ("USA", "KOR"))) == both | {
        "actors.USA.escalation",
        "actors.KOR.escalation",
    }


def test_reliability_weights_are_the_documented_ones_in_order():
    """docs/observations.md: solid 1, estimate 0.8, derived 0.6, contested 0.3 — the less
    reliable a figure, the less it moves the fit (sim/observe/calibrate.py's distance)."""
    from itertools import pairwise
    from pathlib import Path

    from sim.observe.operators import RELIABILITY_WEIGHT

    docs = (Path(__file__).resolve().parents[1] / "docs" / "observations.md").read_text()
    said = ", ".join(f"{r} {w:g}" for r, w in RELIABILITY_WEIGHT.items())
    assert said in " ".join(docs.split()), said
    w = list(RELIABILITY_WEIGHT.values())
    assert list(RELIABILITY_WEIGHT) == ["solid", "estimate", "derived", "contested"]
    assert w[0] == 1.0 and all(a > b > 0 for a, b in pairwise(w))


def test_every_operator_draws_one_row_per_replication_from_its_own_state():
    """(R, draws), row r from replication r: two replications, China committed to North
    Korea in the second only, so its votes differ by row."""
    m, n = 3, len(IDS)
    C = np.zeros((m, 2, n, n))
    C[:, 1, CHN, PRK] = 1.0
    w = Window(np.zeros((m, 2, n)), C, np.zeros((m, 2, n)), IDS)
    kk = default_coefficients(2)
    for kind, actors in (
        ("missile_launches", ("PRK",)),
        ("summit", ("CHN", "PRK")),
        ("unsc_vote", ("CHN",)),
        ("joint_exercise", ("USA", "KOR")),
        ("trade_value", ("CHN", "PRK")),
    ):
        assert draw(obs(kind, actors), w, kk, np.random.default_rng(0), 7).shape == (2, 7), kind
    o = obs("unsc_vote", ("CHN",))
    p = vote_probabilities(o, w, kk)
    d = draw(o, w, kk, np.random.default_rng(4), 100_000)
    for r in range(2):
        assert np.mean(d[r] == 1.0) == pytest.approx(p[r, 2], abs=0.005)
    assert p[1, 2] < p[0, 2] - 0.1
