"""What a dashboard control may be set to, checked on the server (issue 19).

A page talks to the server over a websocket; whatever a select or slider shows in the
browser, the value that arrives is whatever the page sends. So every value is checked here
against the same list or range the control offers, and refused with one line otherwise: a
Scenario that is not one of the listed files (never loaded, so no file content can come back
in an error), Replications outside the offered counts, a lever outside its slider's range, a
Mesa seed or replication outside its slider, a sweep larger than the launcher's caps.

No solara here: unit-tested in tests/test_dashboard_choices.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sim.app.levers import Lever

REPLICATIONS = (20, 50, 100, 200, 500)
COMPARE_REPLICATIONS = (20, 50, 100, 200)
SWEEP_POINTS = (3, 4, 5)  # the launcher's caps: at most 5 points × 50 replications
SWEEP_REPLICATIONS = (10, 20, 50)
MESA_SEEDS = 1000  # the root seed slider spans the scenario's seed .. seed + 999
MESA_REPLICATIONS = 100
SHOWN = 40  # characters of a refused value quoted back


class Refused(ValueError):
    """A control value the page offered no way to choose (one line, safe to show)."""


def shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def one_of(name: str, value: object, allowed: Sequence[object]) -> object:
    """`value` if it is one of `allowed` (by equality and type), else Refused."""
    for item in allowed:
        if type(item) is type(value) and item == value:
            return item
    raise Refused(f"{name}: {shown(value)} is not one of the values offered")


def whole(name: str, value: object, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise Refused(f"{name}: {shown(value)} is not a whole number in {lo}..{hi}")
    return value


def lever_value(lever: Lever, value: object) -> float:
    """A slider value inside the lever's range (finite), else Refused."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused(f"{lever.label}: {shown(value)} is not a number")
    v = float(value)
    if not math.isfinite(v) or not lever.lo <= v <= lever.hi:
        raise Refused(f"{lever.label}: {shown(value)} is outside {lever.lo:g}..{lever.hi:g}")
    return v


@dataclass(frozen=True)
class MesaRange:
    """The Mesa run's parameters: root seed within MESA_SEEDS of the scenario's, replication
    below MESA_REPLICATIONS."""

    base_seed: int

    def seed(self, value: object) -> int:
        return whole("root seed", value, self.base_seed, self.base_seed + MESA_SEEDS - 1)

    @staticmethod
    def replication(value: object) -> int:
        return whole("replication", value, 0, MESA_REPLICATIONS - 1)
