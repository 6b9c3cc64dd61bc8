"""Checks the schema cannot express: ids that must exist elsewhere in the scenario or ledger."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from sim.errors import Problem
from sim.scenario.schema import Event, Scenario, Weight
from sim.scenario.targets import parse_target

if TYPE_CHECKING:
    from sim.scenario.ledger import Ledger
    from sim.scenario.loader import Origins

PAIR_METRICS = ("commitment", "tension")
ACTOR_METRICS = ("escalation", "leverage")


def check_references(scenario: Scenario, ledger: Ledger | None, origins: Origins) -> list[Problem]:
    actors = set(scenario.actors)
    problems: list[Problem] = []

    def need_actor(actor: str | None, loc: tuple, role: str = "actor", key: bool = False) -> None:
        if actor is not None and actor not in actors:
            problems.append(origins.problem(loc, _unknown(actor, actors, role), key=key))

    for src, row in scenario.relations.items():
        need_actor(src, ("relations", src), "relation source", key=True)
        for dst in row:
            need_actor(dst, ("relations", src, dst), "relation target", key=True)
            if src == dst:
                problems.append(
                    origins.problem(("relations", src, dst), "an actor has no relation to itself")
                )
    for tid, treaty in scenario.treaties.items():
        for i, member in enumerate(treaty.members):
            need_actor(member, ("treaties", tid, "members", i), "treaty member")
        if len(set(treaty.members)) != len(treaty.members):
            problems.append(origins.problem(("treaties", tid, "members"), "members repeat"))
    for tid, theatre in scenario.theatres.items():
        for i, feed in enumerate(theatre.feeds):
            need_actor(feed.actor, ("theatres", tid, "feeds", i, "actor"))
            need_actor(feed.partner, ("theatres", tid, "feeds", i, "partner"))
            if feed.actor == feed.partner:
                problems.append(
                    origins.problem(
                        ("theatres", tid, "feeds", i), "a feed needs two different actors"
                    )
                )
    for eid, event in scenario.events.items():
        problems += _check_event(eid, event, scenario, origins, need_actor)
    dist = scenario.run.distancing
    need_actor(dist.actor, ("run", "distancing", "actor"))
    for i, partner in enumerate(dist.partners):
        need_actor(partner, ("run", "distancing", "partners", i))
    problems += _check_evidence(scenario, ledger, origins)
    problems += _check_counterfactual(scenario, origins)
    return problems


def _check_counterfactual(scenario: Scenario, origins: Origins) -> list[Problem]:
    cf = scenario.counterfactual
    if cf is None:
        return []
    loc = ("counterfactual", "remove_events")
    return [
        origins.problem((*loc, i), _unknown(eid, set(scenario.events), "event"))
        for i, eid in enumerate(cf.remove_events)
        if eid not in scenario.events
    ]


def _check_event(
    eid: str, event: Event, scenario: Scenario, origins: Origins, need_actor: Any
) -> list[Problem]:
    problems: list[Problem] = []
    base = ("events", eid)
    cond = event.when
    if cond is not None:
        loc = (*base, "when")
        need_actor(cond.actor, (*loc, "actor"))
        need_actor(cond.partner, (*loc, "partner"))
        if cond.metric in PAIR_METRICS and (cond.actor is None or cond.partner is None):
            problems.append(
                origins.problem(loc, f"metric {cond.metric} needs 'actor' and 'partner'")
            )
        if cond.metric in ACTOR_METRICS and cond.actor is None:
            problems.append(origins.problem(loc, f"metric {cond.metric} needs 'actor'"))
    actors, treaties = set(scenario.actors), set(scenario.treaties)
    theatres = set(scenario.theatres)
    for op in ("set", "add", "scale"):
        for path, value in getattr(event, op).items():
            loc = (*base, op, path)
            target = parse_target(path, actors, treaties, theatres)
            if isinstance(target, str):
                problems.append(origins.problem(loc, target, key=True))
            elif target.is_bool != isinstance(value, bool):
                want = "true or false" if target.is_bool else "a number"
                problems.append(origins.problem(loc, f"expected {want}, found {value!r}"))
            elif target.is_bool and op != "set":
                problems.append(origins.problem(loc, "'active' can only be changed with 'set'"))
    return problems


def weights(model: BaseModel, loc: tuple = ()) -> Iterator[tuple[tuple, Weight]]:
    """Every Weight in a scenario with its key path, in document order."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        yield from _walk(value, (*loc, name))


def _walk(value: Any, loc: tuple) -> Iterator[tuple[tuple, Weight]]:
    if isinstance(value, Weight):
        yield loc, value
    elif isinstance(value, BaseModel):
        yield from weights(value, loc)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*loc, key))


def _check_evidence(scenario: Scenario, ledger: Ledger | None, origins: Origins) -> list[Problem]:
    known = ledger.by_id() if ledger else {}
    problems = []
    cited = [(loc, w.evidence) for loc, w in weights(scenario)]
    cited += [(("events", eid), ev.evidence) for eid, ev in scenario.events.items()]
    for loc, evidence in cited:
        for i, ref in enumerate(evidence):
            if ledger is None:
                problems.append(
                    origins.problem(
                        (*loc, "evidence", i), "no seeds/ledger.yaml found above this file"
                    )
                )
            elif ref not in known:
                problems.append(
                    origins.problem((*loc, "evidence", i), _unknown(ref, set(known), "evidence id"))
                )
    return problems


def _unknown(name: str, known: set[str], role: str) -> str:
    import difflib

    hint = difflib.get_close_matches(name, sorted(known), n=1)
    did = f" (did you mean {hint[0]!r}?)" if hint else ""
    return f"unknown {role} {name!r}{did}"
