"""No event may hand the model an observation's answer.

A history event that writes a state variable which an observation operator reads, in the
months that observation covers, scores the event's author rather than the model (a "nuclear
test" event raising North Korea's escalation in the month a launch count is scored). History
scenarios carry exogenous inputs only; docs/observations.md lists every event considered and
whether it is an input or an outcome. `event_conflicts` computes the conflicts from the
operator table (`sim.observe.operators.reads`) and the events' effects, so that a new event
or a new operator is checked without a hand-kept list.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.observe.observations import Observation, month_index
from sim.observe.operators import reads
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Conflict:
    event: str
    path: str
    observation: str

    def __str__(self) -> str:
        return f"event {self.event!r} writes {self.path}, read by observation {self.observation!r}"


def event_month(scenario: Scenario, at: int) -> int:
    year, month = (int(p) for p in scenario.run.start.split("-"))
    return month_index(year, month) + at


def written_paths(scenario: Scenario, event_id: str) -> set[str]:
    ev = scenario.events[event_id]
    return {*ev.set, *ev.add, *ev.scale}


def _overlaps(scenario: Scenario, at: int | None, obs: Observation) -> bool:
    """An event fires at the start of its step and is first seen in the next month's state,
    so one in the month before the period counts too; a conditional event (no `at`) may
    fire in any month."""
    if at is None:
        return True
    m = event_month(scenario, at)
    return obs.first - 1 <= m <= obs.last


def event_conflicts(scenario: Scenario, observations: list[Observation]) -> list[Conflict]:
    """Every (event, key path, observation) where the event writes what the observation's
    operator reads in the observation's months."""
    out = []
    for eid, ev in scenario.events.items():
        paths = written_paths(scenario, eid)
        for obs in observations:
            if not _overlaps(scenario, ev.at, obs):
                continue
            out += [Conflict(eid, p, obs.id) for p in sorted(paths & reads(obs))]
    return out
