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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

_NAME = re.compile(r"^(drive|start)_([A-Z]{3})$|^(pref)_([A-Z]{3})_([A-Z]{3})$")


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


def parse(name: str) -> tuple[str, tuple[str, ...]] | None:
    """("drive", ("PRK",)) for "drive_PRK"; None for a name that is not a given term."""
    m = _NAME.match(name)
    if not m:
        return None
    if m.group(1):
        return m.group(1), (m.group(2),)
    return "pref", (m.group(4), m.group(5))


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
        kind, actors = parse(name)
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
