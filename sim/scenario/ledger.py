"""The evidence ledger (`seeds/ledger.yaml`): the claims and figures weights cite."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StrictFloat, StrictInt, StrictStr, ValidationError

from sim.errors import Problem, ScenarioError
from sim.scenario.schema import ACTOR_ID, Strict
from sim.scenario.yamlio import YamlFail, fail_to_problem, load_yaml

LEDGER_RELATIVE = Path("seeds") / "ledger.yaml"
LEDGER_CHANNELS = (
    "trade", "political_cover", "military_supply", "security_guarantee", "commitment",
    "hostility", "capability", "treaty", "preference", "posture", "event",
)  # fmt: skip


class Figure(Strict):
    value: StrictFloat | StrictInt
    unit: StrictStr
    year: StrictInt
    source: StrictStr
    reliability: Literal["solid", "estimate", "derived", "contested"]
    note: StrictStr | None = None


class Record(Strict):
    id: Annotated[StrictStr, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    claim: StrictStr
    lines: list[Annotated[StrictInt, Field(ge=1)]]
    actors: list[Annotated[StrictStr, Field(pattern=ACTOR_ID)]]
    channel: Literal[LEDGER_CHANNELS]  # type: ignore[valid-type]
    figure: Figure | None = None


class Source(Strict):
    title: StrictStr
    file: StrictStr
    published: StrictStr


class Ledger(Strict):
    source: Source
    records: list[Record]

    def by_id(self) -> dict[str, Record]:
        return {r.id: r for r in self.records}


def find_ledger(start: Path) -> Path | None:
    """The nearest `seeds/ledger.yaml` at or above `start` (scenarios live beside seeds/)."""
    for folder in [start, *start.parents]:
        candidate = folder / LEDGER_RELATIVE
        if candidate.is_file():
            return candidate
    return None


def is_ledger(path: Path) -> bool:
    """A mapping with `records` and no scenario keys (forgiving, as `is_observations_file`:
    an unreadable file is "not one", so the scenario loader reports its real problem)."""
    try:
        data = load_yaml(path).data
    except (YamlFail, OSError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and "records" in data and "actors" not in data


def load_ledger(path: Path) -> Ledger:
    """The ledger at `path`, parsed once per file version (sweeps load scenarios often)."""
    stat = Path(path).stat()
    return _load_ledger(Path(path).resolve(), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _load_ledger(path: Path, _mtime: int, _size: int) -> Ledger:
    try:
        located = load_yaml(path)
    except YamlFail as fail:
        raise ScenarioError([fail_to_problem(str(path), fail)]) from None
    try:
        ledger = Ledger.model_validate(located.data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            line, col = located.where(loc)
            dotted = ".".join(str(p) for p in loc)
            problems.append(Problem(str(path), line, col, dotted, err["msg"]))
        raise ScenarioError(problems) from None
    seen: dict[str, int] = {}
    problems = []
    for i, record in enumerate(ledger.records):
        if record.id in seen:
            line, col = located.where(("records", i, "id"))
            problems.append(
                Problem(str(path), line, col, f"records.{i}.id", f"duplicate id {record.id!r}")
            )
        seen[record.id] = i
    if problems:
        raise ScenarioError(problems)
    return ledger
