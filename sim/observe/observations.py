"""Observation files → validated `Observation`s, one located line per problem.

The format is documented in docs/observations.md. Files are read with the scenario loader's
positioned YAML (sim/scenario/yamlio.py), so every problem names FILE:LINE:COL and the key
path, and says what was expected and what was found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import Problem, ScenarioError
from sim.scenario.yamlio import Located, YamlFail, dotted, fail_to_problem, load_yaml

COUNT_KINDS = ("missile_launches", "nuclear_test", "summit", "sanction_measure")
# Largest plausible value of one observation: a guard against typos and overflow (1e300
# launches gave a CRPS of 1e300 and an ABC acceptance of 1.00; 1e308 trade, a NaN CRPS),
# two orders of magnitude above any value in seeds/observations (at most 240 USD bn).
PLAUSIBLE = {kind: 10_000 for kind in COUNT_KINDS} | {"trade_value": 100_000}
PAIR_KINDS = ("trade_value", "summit", "joint_exercise")
KINDS = (
    "missile_launches",
    "nuclear_test",
    "trade_value",
    "unsc_vote",
    "joint_exercise",
    "summit",
    "sanction_measure",
)
RELIABILITY = ("solid", "estimate", "derived", "contested")
KEYS = ("id", "kind", "actor", "pair", "period", "value", "unit", "reliability", "source", "note")
REQUIRED = ("id", "kind", "period", "value", "unit", "reliability", "source")
SOURCE_KEYS = ("publisher", "title", "date", "url")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_ACTOR = re.compile(r"^[A-Z]{3}$")
_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:/(\d{4})-(\d{2}))?$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True)
class Observation:
    """One dated, sourced observable value."""

    id: str
    kind: str
    actors: tuple[str, ...]  # (actor,) or (i, j) for pair kinds
    period: str
    first: int  # first month as year·12 + month − 1
    last: int  # last month, inclusive
    value: float
    unit: str
    reliability: str
    source: dict[str, str]
    file: str
    line: int
    note: str = ""


def month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _real_date(text: str) -> bool:
    """ "YYYY", "YYYY-MM" or "YYYY-MM-DD" naming a day, month or year that exists."""
    import datetime as dt

    parts = [int(p) for p in text.split("-")]
    try:
        dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


def parse_period(text: str) -> tuple[int, int] | None:
    """ "YYYY", "YYYY-MM" or "YYYY-MM/YYYY-MM" → (first, last) month indices, or None."""
    m = _PERIOD.fullmatch(text)  # fullmatch: `$` would let a trailing newline through
    if not m:
        return None
    year, month, year2, month2 = m.groups()
    if month is None and year2 is not None:
        return None
    if month is None:
        return month_index(int(year), 1), month_index(int(year), 12)
    if not 1 <= int(month) <= 12:
        return None
    first = month_index(int(year), int(month))
    if year2 is None:
        return first, first
    if not 1 <= int(month2) <= 12:
        return None
    last = month_index(int(year2), int(month2))
    return (first, last) if last >= first else None


def _kind_of(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{'true' if value else 'false'}"
    if isinstance(value, int | float):
        return f"{value!r}"
    if isinstance(value, str):
        return f"{value!r}" if len(value) <= 40 else f"{value[:37]!r}..."
    return "a list" if isinstance(value, list) else "a mapping"


class _Checker:
    """Collects problems for one file, located through the YAML positions."""

    def __init__(self, located: Located):
        self.located = located
        self.problems: list[Problem] = []

    def bad(self, path: tuple, expected: str, found: Any, *, key: bool = False) -> None:
        line, col = self.located.where(path, key=key)
        text = f"expected {expected}, found {_kind_of(found)}"
        self.problems.append(Problem(self.located.file, line, col, dotted(path), text))

    def text(
        self,
        data: dict,
        path: tuple,
        key: str,
        pattern: re.Pattern | None = None,
        expected: str = "a non-empty string",
    ) -> str | None:
        value = data.get(key)
        ok = (
            isinstance(value, str)
            and value.strip()
            and (pattern is None or pattern.fullmatch(value))
        )
        if not ok:
            self.bad((*path, key), expected, value)
            return None
        return value


def is_observations_file(path: Path) -> bool:
    """A mapping with the key `observations` and no scenario keys (cheap and forgiving: an
    unreadable file is "not one", so the scenario loader reports its real problem)."""
    try:
        data = load_yaml(path).data
    except (YamlFail, OSError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and "observations" in data and "actors" not in data


def load_observations(paths: list[Path] | Path) -> list[Observation]:
    """Every observation of the files, in file order; raise ScenarioError with all problems."""
    paths = [paths] if isinstance(paths, str | Path) else list(paths)
    out: list[Observation] = []
    problems: list[Problem] = []
    seen: dict[str, tuple[str, int]] = {}
    for path in paths:
        try:
            located = load_yaml(path)
        except YamlFail as fail:
            problems.append(fail_to_problem(str(path), fail))
            continue
        checker = _Checker(located)
        for obs in _file_observations(checker):
            if obs.id in seen:
                file, line = seen[obs.id]
                where = f"line {line}" if file == obs.file else f"{file}:{line}"
                checker.bad(
                    (*_path_of(located, obs), "id"), f"a unique id (first on {where})", obs.id
                )
                continue
            seen[obs.id] = (obs.file, obs.line)
            out.append(obs)
        problems += checker.problems
    if problems:
        raise ScenarioError(problems)
    return out


def _path_of(located: Located, obs: Observation) -> tuple:
    for i, item in enumerate(located.data["observations"]):
        if isinstance(item, dict) and item.get("id") == obs.id:
            return ("observations", i)
    return ("observations",)


def _file_observations(ck: _Checker) -> list[Observation]:
    data = ck.located.data
    if not isinstance(data, dict) or "observations" not in data:
        # not an observations file at all: say so without echoing any of its content
        ck.problems.append(
            Problem(ck.located.file, 1, 1, "", "not an observations file: expected a mapping "
                    "with the key 'observations'")
        )  # fmt: skip
        return []
    for key in data:
        if key != "observations":
            ck.bad((key,), "only the key 'observations'", key, key=True)
    items = data.get("observations")
    if not isinstance(items, list) or not items:
        ck.bad(("observations",), "a non-empty list of observations", items)
        return []
    out = []
    for i, item in enumerate(items):
        obs = _observation(ck, item, ("observations", i))
        if obs is not None:
            out.append(obs)
    return out


def _known_keys(ck: _Checker, item: Any, path: tuple, keys, expected: str) -> bool:
    """A mapping whose keys are all known; one located problem per unknown key."""
    if not isinstance(item, dict):
        ck.bad(path, expected, item)
        return False
    for key in item:
        if key not in keys:
            ck.bad((*path, key), f"one of {', '.join(keys)}", key, key=True)
    return True


def _observation(ck: _Checker, item: Any, path: tuple) -> Observation | None:
    before = len(ck.problems)
    if not _known_keys(ck, item, path, KEYS, "a mapping"):
        return None
    for key in REQUIRED:
        if key not in item:
            ck.bad(path, f"the key {key!r}", None)
    if len(ck.problems) > before:
        return None
    oid = ck.text(item, path, "id", _ID, "an id of lower-case letters, digits and '-'")
    kind = item["kind"]
    if kind not in KINDS:
        ck.bad((*path, "kind"), f"one of {', '.join(KINDS)}", kind)
        return None
    actors = _actors(ck, item, path, kind)
    span = None
    period = item["period"]
    if isinstance(period, int) and not isinstance(period, bool):
        period = str(period)
    if not isinstance(period, str) or (span := parse_period(period)) is None:
        ck.bad((*path, "period"), '"YYYY", "YYYY-MM" or "YYYY-MM/YYYY-MM" (real dates)', period)
    value = _value(ck, item["value"], (*path, "value"), kind)
    unit = ck.text(item, path, "unit")
    rel = item["reliability"]
    if rel not in RELIABILITY:
        ck.bad((*path, "reliability"), f"one of {', '.join(RELIABILITY)}", rel)
    source = _source(ck, item["source"], (*path, "source"))
    note = item.get("note", "")
    if not isinstance(note, str):
        ck.bad((*path, "note"), "a string", note)
    if len(ck.problems) > before or span is None or actors is None or value is None:
        return None
    line = ck.located.where(path)[0]
    return Observation(
        oid,
        kind,
        actors,
        period,
        span[0],
        span[1],
        value,
        unit,
        rel,
        source,
        ck.located.file,
        line,
        note,
    )


def _actors(ck: _Checker, item: dict, path: tuple, kind: str) -> tuple[str, ...] | None:
    if kind in PAIR_KINDS:
        if "actor" in item:
            ck.bad(
                (*path, "actor"), f"'pair' (a {kind} observation is about two actors)", "'actor'"
            )
            return None
        pair = item.get("pair")
        ok = (
            isinstance(pair, list)
            and len(pair) == 2
            and all(isinstance(a, str) and _ACTOR.fullmatch(a) for a in pair)
            and pair[0] != pair[1]
        )
        if not ok:
            ck.bad((*path, "pair"), "two different actor ids like [CHN, PRK]", pair)
            return None
        return (pair[0], pair[1])
    if "pair" in item:
        ck.bad((*path, "pair"), f"'actor' (a {kind} observation is about one actor)", "pair")
        return None
    actor = item.get("actor")
    if not (isinstance(actor, str) and _ACTOR.fullmatch(actor)):
        ck.bad((*path, "actor"), "an actor id of three capital letters like PRK", actor)
        return None
    return (actor,)


def _value(ck: _Checker, value: Any, path: tuple, kind: str) -> float | None:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    top = PLAUSIBLE.get(kind)
    if kind in COUNT_KINDS:
        ok = number and float(value).is_integer() and 0 <= value <= top
        expected = f"a whole number in [0, {top:,}] (a count)"
    elif kind == "trade_value":
        ok = number and 0 < value <= top
        expected = f"a positive number of at most {top:,} (USD bn per year)"
    elif kind == "unsc_vote":
        ok = number and value in (-1, 0, 1)
        expected = "1 (yes), 0 (abstain) or -1 (no or veto)"
    else:  # joint_exercise
        ok = number and value in (0, 1)
        expected = "1 (held) or 0 (suspended)"
    if not ok:
        ck.bad(path, expected, value)
        return None
    return float(value)


def _source(ck: _Checker, source: Any, path: tuple) -> dict[str, str] | None:
    before = len(ck.problems)
    if not _known_keys(ck, source, path, SOURCE_KEYS, "a mapping {publisher, title, date, url}"):
        return None
    for key in ("publisher", "title"):
        ck.text(source, path, key)
    date = ck.text(source, path, "date", _DATE, 'a date "YYYY-MM-DD"')
    if date is not None and not _real_date(date):
        ck.bad((*path, "date"), 'a real date "YYYY-MM-DD"', date)
    ck.text(source, path, "url", re.compile(r"^https?://\S+$"), "an http(s) address")
    if len(ck.problems) > before:
        return None
    return {k: str(v) for k, v in source.items()}
