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
            message = removed_actor(actor, role, origins) or unknown_id(actor, actors, role)
            problems.append(origins.problem(loc, message, key=key))

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
    problems += _doubled_feeds(scenario.theatres, origins)
    for eid, event in scenario.events.items():
        problems += _check_event(eid, event, scenario, origins, need_actor)
    problems += _check_distancing(scenario, origins, actors, need_actor)
    problems += _check_evidence(scenario, ledger, origins)
    problems += _check_counterfactual(scenario, origins)
    problems += _check_active(scenario, origins)
    return problems


def _doubled_feeds(theatres: dict, origins: Origins) -> list[Problem]:
    """A channel is scaled by the intensity of each feed that names it, so a channel fed
    twice is refused without a word of doubt: fed twice by one theatre, a half-intense war
    would quarter it; fed by two theatres, either war ending would end the need (whether two
    wars add, take the larger or multiply is a question MODEL.md leaves open;
    docs/scenario-format.md, *Theatres*)."""
    owner: dict[tuple[str, str, str], str] = {}  # channel -> the first theatre feeding it
    problems = []
    for tid, theatre in theatres.items():
        first: dict[tuple[str, str, str], int] = {}  # channel -> its first feed here
        for i, feed in enumerate(theatre.feeds):
            key = (feed.actor, feed.partner, feed.channel)
            path = f"relations.{feed.actor}.{feed.partner}.{feed.channel}"
            where = ("theatres", tid, "feeds", i)
            if key in first:
                message = (
                    f"feeds {path} again (first in feeds.{first[key]}): a channel fed twice "
                    "would be multiplied by the intensity twice; write each feed once"
                )
                problems.append(origins.problem(where, message))
            first.setdefault(key, i)
            if (other := owner.setdefault(key, tid)) != tid:
                message = (
                    f"feeds {path}, which theatre {other!r} feeds already: a channel follows "
                    "one theatre; feed it from one"
                )
                problems.append(origins.problem(where, message))
    return problems


def _check_distancing(scenario: Scenario, origins, actors, need_actor) -> list[Problem]:
    """The distancing's actors exist. What the file did not write is the default (CHN from
    RUS, PRK): a scenario of other actors used to get three "unknown actor" lines at keys
    it never wrote; now one line says the default does not fit and what to write."""
    dist = scenario.run.distancing
    written = dist.model_fields_set if "distancing" in scenario.run.model_fields_set else set()
    if "actor" in written:
        need_actor(dist.actor, ("run", "distancing", "actor"))
    if "partners" in written:
        for i, partner in enumerate(dist.partners):
            need_actor(partner, ("run", "distancing", "partners", i))
    left = [f for f in ("actor", "partners") if f not in written]
    defaulted = ([dist.actor] if "actor" in left else []) + (
        dist.partners if "partners" in left else []
    )
    missing = [a for a in defaulted if a not in actors]
    if not missing:
        return []
    if len(left) == 2:
        what, default, write = (
            "not written",
            "CHN from RUS, PRK",
            "run.distancing: {actor: ID, partners: [ID, ...]}",
        )
    else:
        what = f"{left[0]} not written"
        default = ", ".join(defaulted)
        write = "actor: ID" if left[0] == "actor" else "partners: [ID, ...]"
    message = (
        f"{what}, and the default ({default}) names {', '.join(missing)}, "
        f"not actors of this scenario: write {write}"
    )
    return [origins.problem(("run", "distancing"), message)]


def outcome_names(scenario: Scenario) -> set[str]:
    """The summary outcomes a run of `scenario` reports (sim/ensemble.py `Recorder.summary`,
    kept equal by tests/test_reliability_semantics.py), plus the derived `crisis` share."""
    names = {"first_crisis_step", "first_war_step", "crisis_months", "final_distancing",
             "peak_frustration", "final_frustration", "crisis"}  # fmt: skip
    for a in scenario.actors:
        names |= {f"{p}_{a}" for p in ("peak_escalation", "final_escalation", "final_rung",
                                       "final_leverage")}  # fmt: skip
    dist = scenario.run.distancing
    names |= {f"final_commitment_{dist.actor}_{p}" for p in dist.partners}
    return names


def _check_counterfactual(scenario: Scenario, origins: Origins) -> list[Problem]:
    cf = scenario.counterfactual
    if cf is None:
        return []
    loc = ("counterfactual", "remove_events")
    problems = [
        origins.problem((*loc, i), unknown_id(eid, set(scenario.events), "event"))
        for i, eid in enumerate(cf.remove_events)
        if eid not in scenario.events
    ]
    dist = scenario.run.distancing
    if dist.actor in dist.partners or len(set(dist.partners)) != len(dist.partners):
        return problems  # the distancing's own problem is reported; its outcomes are unknown
    known = outcome_names(scenario)
    problems += [  # a misspelt headline used to pass `validate` and fail only after the run
        origins.problem(("counterfactual", "headline", i), unknown_id(name, known, "outcome"))
        for i, name in enumerate(cf.headline)
        if name not in known
    ]
    return problems


def _check_active(scenario: Scenario, origins: Origins) -> list[Problem]:
    """A world with no active actor (and no event that activates one) has nothing to
    simulate: it used to report "calm 100%"."""
    if any(actor.active for actor in scenario.actors.values()):
        return []
    for event in scenario.events.values():
        effects = [getattr(event, op, None) or {} for op in ("set", "add", "scale")]
        if any(str(k).endswith(".active") and v for eff in effects for k, v in eff.items()):
            return []
    return [origins.problem(("actors",), "expected at least one active actor, found none")]


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
        problems += _unread_condition_keys(cond, scenario, origins, loc)
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


def _unread_condition_keys(cond: Any, scenario: Scenario, origins: Origins,
                           loc: tuple) -> list[Problem]:  # fmt: skip
    """An `actor` or `partner` the metric does not read was ignored without a word
    (`{metric: distancing, actor: KOR}` tested the run.distancing actor's distancing)."""
    if cond.metric in PAIR_METRICS:
        return []
    if cond.metric in ACTOR_METRICS:
        unread, why = ("partner",), f"metric {cond.metric} is of one actor"
    elif cond.metric == "distancing":
        d = scenario.run.distancing
        unread = ("actor", "partner")
        why = (
            f"metric distancing is always run.distancing's ({d.actor} from {', '.join(d.partners)})"
        )
    else:
        unread, why = ("actor", "partner"), f"metric {cond.metric} is of the whole network"
    return [
        origins.problem((*loc, key), f"{why}: it reads no '{key}'; remove it")
        for key in unread
        if getattr(cond, key) is not None
    ]


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
    if ledger is None:
        return _no_ledger(cited, origins)
    for loc, evidence in cited:
        for i, ref in enumerate(evidence):
            if ref not in known:
                message = unknown_id(ref, set(known), "evidence id")
                problems.append(origins.problem((*loc, "evidence", i), message))
    return problems


def _no_ledger(cited: list[tuple[tuple, list[str]]], origins: Origins) -> list[Problem]:
    """One line at the first citation, with how many there are: a copy of the baseline kept
    outside the repository printed one identical line per cited id (211 of them)."""
    places = [(*loc, "evidence", i) for loc, evidence in cited for i in range(len(evidence))]
    if not places:
        return []
    ids = f"its {len(places)} evidence ids" if len(places) > 1 else "its evidence id"
    message = (f"no seeds/ledger.yaml found above this file to check {ids} against; keep the "
               "file inside the repository, or extend the repository's "
               "scenarios/baseline.yaml")  # fmt: skip
    return [origins.problem(places[0], message)]


def removed_actor(actor: str, role: str, origins: Origins) -> str | None:
    """The message for a reference to an actor some file of the `extends` chain wrote and
    a later one removed with `actors.ID: null` (docs/scenario-format.md), else None.

    Why: each reference left behind said "unknown relation target 'UKR' (did you mean
    'KOR'?)", a typo suggested for an actor removed on purpose; the line now names the
    removal and what to do."""
    if ("actors", actor) not in origins.table:  # never written: an unknown id (a typo)
        return None
    file, line, col = origins.where(("actors", actor), key=True)
    return (f"{role} {actor!r} was removed by actors.{actor}: null ({file}:{line}:{col}); "
            "remove or change what refers to it too")  # fmt: skip


def unknown_id(name: str, known: set[str], role: str) -> str:
    """ "unknown actor 'CHM' (did you mean 'CHN'?)"."""
    import difflib

    hint = difflib.get_close_matches(name, sorted(known), n=1)
    did = f" (did you mean {hint[0]!r}?)" if hint else ""
    return f"unknown {role} {name!r}{did}"


def cites_evidence(scenario: Scenario) -> bool:
    """True when any weight or event names ledger ids (only then is the ledger read)."""
    if any(w.evidence for _, w in weights(scenario)):
        return True
    return any(getattr(event, "evidence", None) for event in scenario.events.values())
