"""The null forecasters (sim/observe/nulls.py) and the one-series-per-definition rule
(sim/observe/series.py) on small hand-computable cases: levels per month, strictly earlier
history, an exact line extrapolated exactly, outcomes kept in their range; the preference
order (longest, then more reliable, then smaller id) and what counts as an overlap.
Written from mutation testing: each test fails for a fault the rest of the suite let through."""

from __future__ import annotations

import numpy as np
import pytest

from sim.observe.nulls import (
    EVENTS_ONLY,
    level,
    level_draws,
    mid,
    months,
    null_draws,
    series_history,
    to_observable,
)
from sim.observe.observations import Observation
from sim.observe.series import definition, one_per_definition, series_key

SRC = {"publisher": "p", "title": "t", "date": "2020-01-01", "url": "https://e.org"}


def ob(
    id: str,
    kind: str,
    first: int,
    last: int,
    value: float,
    actors: tuple[str, ...] = ("PRK",),
    unit: str = "u",
    reliability: str = "solid",
) -> Observation:
    return Observation(id, kind, actors, "p", first, last, value, unit, reliability, SRC, "f", 1)


def year(y: int) -> tuple[int, int]:
    return y * 12, y * 12 + 11


def rng() -> np.random.Generator:
    return np.random.default_rng(7)


# ------------------------------------------------------------------------------ nulls
def test_levels_months_and_mid_months():
    launches = ob("a", "missile_launches", *year(2017), 24.0)
    assert months(launches) == 12  # inclusive
    assert level(launches) == 2.0  # a monthly rate
    assert mid(launches) == 2017 * 12 + 5.5
    assert level(ob("t", "trade_value", *year(2017), np.e**3, ("CHN", "PRK"))) == 3.0
    assert level(ob("v", "unsc_vote", *year(2017), -1.0, ("CHN",))) == -1.0
    assert months(ob("m", "summit", 5, 5, 1.0)) == 1


def test_history_is_the_same_series_strictly_before_oldest_first():
    target = ob("x", "summit", *year(2019), 1.0, ("CHN", "PRK"))
    older = ob("b", "summit", *year(2017), 1.0, ("PRK", "CHN"))  # same pair, other order
    last = ob("a", "summit", *year(2018), 2.0, ("CHN", "PRK"))
    overlapping = ob("c", "summit", 2018 * 12 + 6, 2019 * 12 + 2, 5.0, ("CHN", "PRK"))
    same_month = ob("d", "summit", 2019 * 12, 2019 * 12, 5.0, ("CHN", "PRK"))
    other_pair = ob("e", "summit", *year(2018), 9.0, ("USA", "PRK"))
    other_kind = ob("f", "trade_value", *year(2018), 9.0, ("CHN", "PRK"))
    train = [last, overlapping, same_month, other_pair, other_kind, older]
    assert [o.id for o in series_history(train, target)] == ["b", "a"]


def test_one_earlier_count_persists_as_its_monthly_rate_over_the_target_period():
    """24 launches in a year: 2 a month; a half-year target is Poisson(2 × 6), not of 24."""
    hist = [ob("a", "missile_launches", *year(2017), 24.0)]
    target = ob("x", "missile_launches", 2018 * 12, 2018 * 12 + 5, 0.0)
    for method in ("persistence", "trend"):
        d = null_draws(method, hist, target, rng(), 20_000)
        assert d.mean() == pytest.approx(12.0, rel=0.03)
        assert d.var() == pytest.approx(12.0, rel=0.1)  # a point level: Poisson spread only


def test_the_trend_of_a_single_point_is_persistence():
    """One earlier observation has no line to fit: the trend forecasts its level (a fit of
    a line through one point would move it). Months 0–11, so a fitted line would tilt."""
    hist = [ob("a", "unsc_vote", 0, 11, 1.0, ("CHN",))]
    target = ob("x", "unsc_vote", 12, 23, 0.0, ("CHN",))
    assert set(level_draws("trend", hist, target, rng(), 50)) == {1.0}


def test_persistence_adds_past_changes_of_either_sign_to_the_last_level():
    votes = [ob(str(y), "unsc_vote", *year(y), v, ("CHN",)) for y, v in ((2016, 1.0), (2017, 0.0))]
    target = ob("x", "unsc_vote", *year(2018), 0.0, ("CHN",))
    lv = level_draws("persistence", votes, target, rng(), 400)
    assert set(lv) == {-1.0, 1.0}  # last level 0, change −1 drawn as ±1


def test_trend_through_an_exact_line_extrapolates_it_exactly():
    """log trade 1, 2, 3 in 2016–18 lies on a line: the residuals are 0, so every draw of
    2019 is e⁴ (and of 2021, two years further, e⁶)."""
    pair = ("CHN", "RUS")
    hist = [
        ob(str(y), "trade_value", *year(y), np.e ** (y - 2015), pair) for y in (2016, 2017, 2018)
    ]
    for y, want in ((2019, 4.0), (2021, 6.0)):
        target = ob("x", "trade_value", *year(y), 1.0, pair)
        assert np.allclose(np.log(null_draws("trend", hist, target, rng(), 50)), want)
        p = null_draws("persistence", hist, target, rng(), 400)
        assert set(np.round(np.log(p), 9)) == {2.0, 4.0}  # last level 3, changes ±1


def test_trend_spread_is_the_fits_residuals():
    pair = ("KOR", "USA")
    hist = [ob(str(m), "joint_exercise", m, m, v, pair) for m, v in ((0, 0.0), (1, 2.0), (2, 1.0))]
    target = ob("x", "joint_exercise", 3, 3, 0.0, pair)
    lv = level_draws("trend", hist, target, rng(), 2000)
    # least squares through (0, 0), (1, 2), (2, 1): slope 0.5, intercept 0.5; at t = 3: 2.0;
    # residuals −0.5, 1, −0.5
    assert set(np.round(lv, 9)) == {1.5, 3.0}


def test_outcomes_stay_in_their_range():
    vote = ob("v", "unsc_vote", *year(2018), 0.0, ("CHN",))
    got = to_observable(vote, np.array([-3.0, -0.6, 0.4, 0.6, 5.0]), rng())
    assert list(got) == [-1.0, -1.0, 0.0, 1.0, 1.0]
    ex = ob("e", "joint_exercise", *year(2018), 0.0, ("KOR", "USA"))
    got = to_observable(ex, np.array([-3.0, 0.2, 0.7, 5.0]), rng())
    assert list(got) == [0.0, 0.0, 1.0, 1.0]
    count = ob("c", "summit", *year(2018), 0.0, ("CHN", "PRK"))
    assert np.all(to_observable(count, np.full(100, -2.0), rng()) == 0.0)  # no negative rate
    trade = ob("t", "trade_value", *year(2018), 1.0, ("CHN", "PRK"))
    assert to_observable(trade, np.array([0.0, 2.0]), rng()) == pytest.approx([1.0, np.e**2])


def test_the_events_only_world_switches_every_listed_mechanism_off():
    """docs/validation.md: noise, reactivity, grievance gain, backing, fatigue, restraint,
    commitment step and leverage rate 0 (moral hazard too where the model has it)."""
    assert EVENTS_ONLY and all(v == 0.0 for v in EVENTS_ONLY.values())
    for name in ("noise", "reactivity", "fatigue", "restraint", "commit_step", "leverage_rate"):
        assert f"parameters.{name}" in EVENTS_ONLY


# ----------------------------------------------------------------------------- series
@pytest.mark.parametrize(
    ("unit", "want"),
    [
        ("ICBM launches per year", "icbm"),
        ("ICBM missiles fired", "icbm"),
        ("rounds of firing", "events"),
        ("launch events per year", "events"),
        ("missile launch events", "events"),
        ("ballistic missiles fired", "missiles"),
        ("launches", "events"),
    ],
)
def test_launch_definition_from_the_unit(unit, want):
    assert definition(ob("a", "missile_launches", 0, 11, 1.0, unit=unit)) == want


def test_other_kinds_have_one_definition_and_pairs_one_key():
    assert definition(ob("a", "summit", 0, 11, 1.0, ("CHN", "PRK"), unit="missiles")) == "summit"
    a = ob("a", "summit", 0, 11, 1.0, ("CHN", "PRK"))
    b = ob("b", "summit", 0, 11, 1.0, ("PRK", "CHN"))
    assert series_key(a) == series_key(b)


def ids(obs: list[Observation]) -> list[str]:
    return [o.id for o in obs]


def test_the_longest_period_is_kept_over_its_parts_whatever_the_reliability():
    full = ob("z-full", "missile_launches", *year(2022), 31.0, reliability="contested")
    part = ob("a-part", "missile_launches", 2022 * 12, 2022 * 12 + 4, 9.0, reliability="solid")
    kept, dropped = one_per_definition([part, full])
    assert (ids(kept), ids(dropped)) == (["z-full"], ["a-part"])
    # also when the shorter one ends later (October 2022 – January 2023)
    later = ob("a-later", "missile_launches", 2022 * 12 + 9, 2023 * 12, 9.0)
    kept, dropped = one_per_definition([later, full])
    assert (ids(kept), ids(dropped)) == (["z-full"], ["a-later"])


def test_same_period_the_more_reliable_then_the_smaller_id_is_kept():
    def launches(id: str, reliability: str) -> Observation:
        return ob(id, "missile_launches", *year(2022), 30.0, reliability=reliability)

    est, solid = launches("a", "estimate"), launches("b", "solid")
    assert ids(one_per_definition([est, solid])[0]) == ["b"]
    derived, contested = launches("c", "derived"), launches("d", "contested")
    assert ids(one_per_definition([contested, derived])[0]) == ["c"]
    assert ids(one_per_definition([derived, est])[0]) == ["a"]
    assert ids(one_per_definition([launches("0", "derived"), est])[0]) == ["a"]
    assert ids(one_per_definition([launches("0", "contested"), derived])[0]) == ["c"]
    assert ids(one_per_definition([launches("a2", "estimate"), est])[0]) == ["a"]


def test_touching_periods_both_stay_sharing_a_month_is_an_overlap_and_input_order_is_kept():
    y16 = ob("y16", "missile_launches", *year(2016), 1.0)
    y17 = ob("y17", "missile_launches", *year(2017), 2.0)
    dec = ob("dec", "missile_launches", 2016 * 12 + 11, 2017 * 12, 1.0)  # Dec 2016 – Jan 2017
    kept, dropped = one_per_definition([y17, dec, y16])
    assert (ids(kept), ids(dropped)) == (["y17", "y16"], ["dec"])
    for year_ in (y16, y17):  # one shared month, at either end, is an overlap
        assert ids(one_per_definition([dec, year_])[1]) == ["dec"]
    # another definition or another actor of the same year is another series: kept
    icbm = ob("icbm", "missile_launches", *year(2017), 1.0, unit="ICBM launches")
    usa = ob("usa", "missile_launches", *year(2017), 1.0, ("USA",))
    kept, dropped = one_per_definition([y17, icbm, usa])
    assert (ids(kept), dropped) == (["y17", "icbm", "usa"], [])
