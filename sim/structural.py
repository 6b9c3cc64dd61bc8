"""Given structural terms: estimated offsets to the settled drives and to the start state.

Settling (sim.dynamics.settle) makes the evidenced start a fixed point by solving for the
escalation drive u and the alignment preference r. For a history that is fitted to data,
that makes u and r residuals of hand-set starting values. Here they become quantities with
priors instead (issue 16, item 1): a calibration may estimate, per replication,

    drive_A        added to u_A after settling: actor A's escalation drive (per month)
    pref_A_B       added to r_AB and r_BA: the pair's alignment preference
    start_A        added to A's starting escalation after settling

so the settled values are the prior's centre, and the start need not be a fixed point: the
dynamics move from the estimated start towards the equilibrium the estimated drives imply.
Names are parsed, not listed, so any actor of a scenario can carry them; the bounds below
limit every prior (sim/observe/spec.py) and posterior (sim/observe/posterior.py).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# an actor id as a scenario spells it (sim/scenario/schema.py ACTOR_ID): three capitals only
# refused drive_A1, start_EU_27, pref_A1_B2 for the actors of a standalone scenario (round 20)
_ID = r"[A-Z][A-Z0-9_]{1,11}"
_ONE = re.compile(rf"^(drive|start)_({_ID})$")
_IS_ID = re.compile(rf"^{_ID}$")


@dataclass(frozen=True)
class GivenBounds:
    lo: float
    hi: float
    meaning: str


GIVEN_BOUNDS = {
    "drive": GivenBounds(-0.1, 0.1, "offset to the settled escalation drive u (per month)"),
    "pref": GivenBounds(-0.5, 0.5, "offset to the settled alignment preference r (both ways)"),
    "start": GivenBounds(-0.5, 0.5, "offset to the starting escalation, after settling"),
}


def readings(name: str) -> list[tuple[str, tuple[str, ...]]]:
    """Every way to read a name as a given term: one for drive_A and start_A; for pref_X one
    per `_` of X that splits it into two actor ids (pref_AB_CD_EF is AB_CD with EF, or AB with
    CD_EF, since an id may hold `_`)."""
    m = _ONE.match(name)
    if m:
        return [(m.group(1), (m.group(2),))]
    if not name.startswith("pref_"):
        return []
    rest = name[5:]
    splits = [(rest[:i], rest[i + 1 :]) for i, c in enumerate(rest) if c == "_"]
    return [("pref", pair) for pair in splits if all(_IS_ID.match(a) for a in pair)]


def parse(name: str, actors: Collection[str] | None = None) -> tuple[str, tuple[str, ...]] | None:
    """("drive", ("PRK",)) for "drive_PRK"; None for a name that is not a given term. With
    `actors` (a scenario's ids), the reading whose actors the scenario has (UsageError when
    two readings both name its actors); without a fitting one, or without `actors`, the
    first reading (whose missing actor the callers report)."""
    from sim.errors import UsageError

    found = readings(name)
    if not found:
        return None
    if actors is not None:
        fits = [r for r in found if set(r[1]) <= set(actors)]
        if len(fits) > 1:
            pairs = " or ".join(f"{a} with {b}" for _, (a, b) in fits)
            raise UsageError(f"coefficient {name} can be read as {pairs}: rename an actor")
        if fits:
            return fits[0]
    return found[0]


def is_given(name: str) -> bool:
    return parse(name) is not None


def name_problem(name: str) -> str | None:
    """Why a given term's name cannot be estimated, or None: `pref_PRK_PRK` would add to the
    commitment diagonal, which no dynamics read (a fit of nothing, as an observation's
    `pair: [CHN, CHN]` would be)."""
    parsed = parse(name)
    if parsed is None or parsed[0] != "pref" or parsed[1][0] != parsed[1][1]:
        return None
    return f"{name}: a preference is of a pair, name two different actors (pref_A_B)"


def bounds(name: str) -> GivenBounds | None:
    parsed = parse(name)
    return GIVEN_BOUNDS[parsed[0]] if parsed else None


def apply_given(state, ids: Sequence[str], given: Mapping[str, np.ndarray], reps: np.ndarray):
    """Add the given offsets of replications `reps` to a settled state (in place). An actor
    the scenario does not have is an error: a typo must not silently estimate nothing. It is
    a UsageError (one line from the commands, a plain message for a Python caller), not a
    KeyError, whose message repr() quotes and which reads as a bug in the engine."""
    from sim.errors import UsageError

    for name, values in given.items():
        kind, actors = parse(name, ids)
        if name_problem(name):
            raise UsageError(f"coefficient {name_problem(name)}")
        missing = [a for a in actors if a not in ids]
        if missing:
            raise UsageError(
                f"coefficient {name}: {missing[0]} is not an actor of the scenario "
                f"(it has {', '.join(sorted(ids))})"
            )
        v = np.asarray(values, dtype=float)[reps]
        cols = [list(ids).index(a) for a in actors]
        if kind == "drive":
            state.u[:, cols[0]] += v
        elif kind == "start":
            state.x[:, cols[0]] = np.clip(state.x[:, cols[0]] + v, 0.0, 1.0)
        else:
            i, j = cols
            state.r[:, i, j] += v
            state.r[:, j, i] += v
