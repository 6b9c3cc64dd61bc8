"""One series per definition: what an observation counts, and which of several overlapping
observations of the same thing is fitted and scored.

Sources count North Korea's launches differently — launch events (days or rounds of
firing), individual missiles fired, ICBM launches — and the same year appears in several
sources and at several resolutions (2022 enters as CNS, NTI, Japan's MoD twice, SCMP and a
January–May US count). Fitting them all counts one year five times. Here every observation
gets a *definition* (from its `unit`), each definition has its own operator
(sim/observe/operators.py), and within a series (kind, actors, definition) overlapping
observations are reduced to one (`one_per_definition`). docs/observations.md gives the rules.
"""

from __future__ import annotations

from sim.observe.observations import Observation, who

RELIABILITY_RANK = {"solid": 0, "estimate": 1, "derived": 2, "contested": 3}


def definition(obs: Observation) -> str:
    """What the value counts. Launches: "icbm" (ICBM launches), "events" (launch events,
    rounds; also any unit naming neither missiles nor ICBMs) or "missiles" (missiles fired
    or missile tests, each missile counted); every
    other kind has one definition (tests, summits, measures, votes, exercises held, trade in
    USD bn per year: the units of these files differ in wording only)."""
    unit = obs.unit.lower()
    if obs.kind != "missile_launches":
        return obs.kind
    if "icbm" in unit:
        return "icbm"
    if "round" in unit or "event" in unit:
        return "events"
    return "missiles" if "missile" in unit else "events"


def series_key(obs: Observation) -> tuple:
    return (obs.kind, who(obs), definition(obs))


def _preference(obs: Observation) -> tuple:
    """Longest period first (a full year over its parts), then the more reliable source,
    then the id (a fixed, documented tie-break)."""
    return (-(obs.last - obs.first), RELIABILITY_RANK[obs.reliability], obs.id)


def one_per_definition(
    observations: list[Observation],
) -> tuple[list[Observation], list[Observation]]:
    """(kept, dropped): within each series, an observation overlapping one already kept
    (in order of preference) is dropped."""
    kept: list[Observation] = []
    dropped: list[Observation] = []
    for obs in sorted(observations, key=_preference):
        clash = any(
            series_key(k) == series_key(obs) and k.first <= obs.last and obs.first <= k.last
            for k in kept
        )
        (dropped if clash else kept).append(obs)
    order = {o.id: i for i, o in enumerate(observations)}
    return sorted(kept, key=lambda o: order[o.id]), sorted(dropped, key=lambda o: order[o.id])
