"""What an event or condition may touch: the grammar of state key paths.

Kept apart from the model so that validation and the model's event compiler agree
on exactly the same set of targets.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.facts import CAPABILITIES, CHANNELS, TRAITS
from sim.parameters import PARAMETERS

ACTOR_FIELDS = ("escalation", "leverage", "active")
PAIR_FIELDS = (*CHANNELS, "commitment")


@dataclass(frozen=True)
class Target:
    """A resolved state address: kind plus names (actor ids stay ids until compiled)."""

    kind: str  # actor | capability | trait | pair | parameter | treaty | theatre
    field: str
    actor: str | None = None
    partner: str | None = None
    treaty: str | None = None
    theatre: str | None = None

    @property
    def is_bool(self) -> bool:
        return self.kind == "actor" and self.field == "active"


def parse_target(
    path: str, actors: set[str], treaties: set[str], theatres: set[str] = frozenset()
) -> Target | str:
    """The Target a key path names, or a message saying what was expected."""
    parts = path.split(".")
    head = parts[0]
    if head == "parameters" and len(parts) == 2:
        if parts[1] in PARAMETERS:
            return Target("parameter", parts[1])
        return f"unknown parameter {parts[1]!r}"
    if head == "actors" and len(parts) in (3, 4):
        return _actor_target(parts, actors)
    if head == "relations" and len(parts) == 4:
        src, dst, name = parts[1:]
        for actor in (src, dst):
            if actor not in actors:
                return f"unknown actor {actor!r}"
        if src == dst:
            return "a relation needs two different actors"
        if name not in PAIR_FIELDS:
            return f"expected one of {', '.join(PAIR_FIELDS)}, found {name!r}"
        return Target("pair", name, src, dst)
    if head == "treaties" and len(parts) == 3 and parts[2] == "strength":
        if parts[1] not in treaties:
            return f"unknown treaty {parts[1]!r}"
        return Target("treaty", "strength", treaty=parts[1])
    if head == "theatres" and len(parts) == 3 and parts[2] == "intensity":
        if parts[1] not in theatres:
            return f"unknown theatre {parts[1]!r}"
        return Target("theatre", "intensity", theatre=parts[1])
    return (
        "expected actors.ID.(escalation|leverage|active|capabilities.X|traits.X), "
        "relations.A.B.FIELD, parameters.NAME, treaties.ID.strength or "
        "theatres.ID.intensity"
    )


def _actor_target(parts: list[str], actors: set[str]) -> Target | str:
    actor = parts[1]
    if actor not in actors:
        return f"unknown actor {actor!r}"
    if len(parts) == 3:
        if parts[2] in ACTOR_FIELDS:
            return Target("actor", parts[2], actor)
        return f"expected one of {', '.join(ACTOR_FIELDS)}, found {parts[2]!r}"
    group, name = parts[2], parts[3]
    table = {"capabilities": CAPABILITIES, "traits": TRAITS}.get(group)
    if table is None:
        return f"expected capabilities or traits, found {group!r}"
    if name not in table:
        return f"expected one of {', '.join(table)}, found {name!r}"
    return Target("capability" if group == "capabilities" else "trait", name, actor)
