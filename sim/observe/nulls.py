"""Null forecasters that know nothing of the mechanisms: persistence and a linear trend.

Both forecast an observation from the earlier observations of its own series (kind, actors,
definition: sim/observe/series.py), on a *level* scale on which series of different period
lengths compare: the monthly rate for counts, log value for trade, the value itself for votes
and exercises. Each gives a predictive distribution, not a point (docs/validation.md):

- persistence: the last level, plus one of the series' past level changes, taken with either
  sign (no drift; a series with one value has no change to draw and predicts its level);
- linear trend: least squares through the series' levels against time (period mid-months),
  extrapolated to the target's mid-month, plus one of the fit's residuals (or, with two
  points, of the persistence changes); with one point it is persistence.

The level draw becomes an observable the way the kind's operator would produce one:
Poisson(max(level, 0) × months) for counts, exp(level) for trade, the level rounded and
clipped to the outcome's range for votes (−1…1) and exercises (0…1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.observe.observations import COUNT_KINDS, Observation
from sim.observe.series import series_key
from sim.parameters import PARAMETERS

METHODS = ("persistence", "trend")

# The events-only world (the third null): the history scenario with these overrides, so that
# only the events move the state: no noise, no Richardson drift, fatigue or restraint (the
# settled drive is then 0), no alignment moves, no leverage adjustment. With the inputs of
# scenarios/history/base_2016.yaml, which write no variable an operator reads, its observables
# are constant over time: one fitted level per series, the forecaster the dynamics must beat.
EVENTS_ONLY: dict[str, float] = {
    f"parameters.{name}": 0.0
    for name in (
        "noise",
        "reactivity",
        "grievance_gain",
        "backing",
        "moral_hazard",
        "fatigue",
        "restraint",
        "commit_step",
        "leverage_rate",
        "ripeness_rate",
    )
    if name in PARAMETERS  # moral_hazard exists from model v3 on
}


def events_only(source: Any) -> dict[str, float]:
    """The EVENTS_ONLY overrides for one scenario: each coefficient 0 at the start and in
    every event effect that sets or adds to it (0 times a `scale` stays 0). Why (round 20):
    a scenario whose event sets `parameters.reactivity` at step 0 shadows the start value,
    so `hindcast` was refused with "--set:1:1: parameters.reactivity: event … sets this
    value …", a --set nobody wrote; an event setting it later would have turned the
    mechanism back on in the null. A scenario whose events touch none of them (the
    history) gets EVENTS_ONLY itself."""
    from sim.scenario.shadow import touching

    out: dict[str, float] = {}
    for path, zero in EVENTS_ONLY.items():
        touches = touching(source, path)
        if not any(t.shadows for t in touches):
            out[path] = zero
        out.update((t.lever, zero) for t in touches if t.op in ("set", "add"))
    return out


@dataclass(frozen=True)
class EventsOnlyOf:
    """Overrides for the fits of the events-only world: `events_only` of each scenario as it
    is loaded, then `more` (a rolling origin's unseen inputs, the held-out steps). Why
    (round 21): rolling.py, holdout.py and gain.py loaded their scenarios with the plain
    EVENTS_ONLY, so a spec whose scenario has an event setting `parameters.reactivity` at
    step 0 was refused there as `hindcast` was before round 20."""

    more: tuple[tuple[str, Any], ...] = ()


Overrides = dict[str, Any] | EventsOnlyOf | None


def events_only_of(more: dict[str, Any] | None = None) -> EventsOnlyOf:
    return EventsOnlyOf(tuple((more or {}).items()))


def scenario_with(path: Any, overrides: Overrides = None) -> Any:
    """The scenario at `path` loaded with `overrides` (a LoadedScenario); EventsOnlyOf
    becomes that scenario's own events-only overrides, as `hindcast` builds them."""
    from sim.scenario.loader import load_scenario

    if isinstance(overrides, EventsOnlyOf):
        overrides = events_only(load_scenario(path)) | dict(overrides.more)
    return load_scenario(path, overrides)


def months(obs: Observation) -> int:
    return obs.last - obs.first + 1


def level(obs: Observation) -> float:
    if obs.kind in COUNT_KINDS:
        return obs.value / months(obs)
    if obs.kind == "trade_value":
        return float(np.log(obs.value))
    return obs.value


def mid(obs: Observation) -> float:
    return 0.5 * (obs.first + obs.last)


def series_history(train: list[Observation], obs: Observation) -> list[Observation]:
    """Earlier observations of the same series, oldest first."""
    same = [o for o in train if series_key(o) == series_key(obs) and o.last < obs.first]
    return sorted(same, key=lambda o: (o.last, o.id))


def _changes(h: np.ndarray) -> np.ndarray:
    d = np.diff(h)
    return np.concatenate([d, -d]) if d.size else np.zeros(1)


def level_draws(
    method: str, hist: list[Observation], obs: Observation, rng: np.random.Generator, n: int
) -> np.ndarray:
    h = np.array([level(o) for o in hist])
    if method == "trend" and len(h) >= 2:
        t = np.array([mid(o) for o in hist])
        slope, intercept = np.polyfit(t, h, 1)
        centre = intercept + slope * mid(obs)
        resid = h - (intercept + slope * t)
        spread = resid if len(h) >= 3 else _changes(h)
    else:
        centre, spread = h[-1], _changes(h)
    return centre + rng.choice(spread, n)


def to_observable(obs: Observation, lv: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if obs.kind in COUNT_KINDS:
        return rng.poisson(np.maximum(lv, 0.0) * months(obs)).astype(float)
    if obs.kind == "trade_value":
        return np.exp(lv)
    lo = -1.0 if obs.kind == "unsc_vote" else 0.0
    return np.clip(np.round(lv), lo, 1.0)


def null_draws(
    method: str, train: list[Observation], obs: Observation, rng: np.random.Generator, n: int
) -> np.ndarray | None:
    """n predictive draws of `obs`, or None when its series has no earlier observation."""
    hist = series_history(train, obs)
    if not hist:
        return None
    return to_observable(obs, level_draws(method, hist, obs, rng, n), rng)
