"""Observation files → validated `Observation`s, one located line per problem.

The format is documented in docs/observations.md. A file is a pydantic model (`Record` per
observation, its kind-dependent checks reading the validated `kind`), read with the
scenario loader's positioned YAML (sim/scenario/yamlio.py); every problem goes through the
one translator (sim/scenario/messages.py), so it names FILE:LINE:COL and the key path, and
says what was expected and what was found.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from sim.errors import Problem, ScenarioError, UsageError
from sim.scenario.messages import FileLocator, expected_found, require, translate_all
from sim.scenario.schema import ACTOR_ID
from sim.scenario.yamlio import Located, YamlFail, fail_to_problem, load_yaml

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
VOTE_TARGET = "PRK"  # UNSC votes in the observations are on resolutions about North Korea
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# a scenario's actor id (docs/scenario-format.md: 2–12 capitals, digits or _, starting with a
# capital); three capitals only refused every observation about a standalone scenario's
# `EU_27` or `A1` (round 20)
_ACTOR = re.compile(ACTOR_ID)
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


def who(obs: Observation) -> tuple[str, ...]:
    """The actors an observation is about, as a key: a pair in one order whichever actor is
    written first (every pair kind is symmetric), so [PRK, CHN] and [CHN, PRK] are one
    series; they were two, and a pair's trade value found no anchor in the other order."""
    return tuple(sorted(obs.actors)) if obs.kind in PAIR_KINDS else obs.actors


def month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def month_label(month: int) -> str:
    """`YYYY-MM` of a `month_index`."""
    return f"{month // 12}-{month % 12 + 1:02d}"


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


def _text(pattern: re.Pattern | None = None, expected: str = "a non-empty string"):
    """A field of non-blank text (matching `pattern`), refused in the file's words."""

    def check(value: Any) -> Any:
        ok = isinstance(value, str) and bool(value.strip())
        return require(ok and (pattern is None or bool(pattern.fullmatch(value))), expected, value)

    return BeforeValidator(check)


def _source_date(value: Any) -> Any:
    require(isinstance(value, str) and bool(_DATE.fullmatch(value)), 'a date "YYYY-MM-DD"', value)
    return require(_real_date(value), 'a real date "YYYY-MM-DD"', value)


class Source(BaseModel):
    """Where a value was published: the four keys every observation cites."""

    model_config = ConfigDict(extra="forbid")

    publisher: Annotated[str, _text()]
    title: Annotated[str, _text()]
    date: Annotated[str, BeforeValidator(_source_date)]
    url: Annotated[str, _text(re.compile(r"^https?://\S+$"), "an http(s) address")]


def _source(value: Any) -> Any:
    return require(isinstance(value, dict), "a mapping {publisher, title, date, url}", value)


def _kind(value: Any) -> Any:
    return require(value in KINDS, f"one of {', '.join(KINDS)}", value)


def _reliability(value: Any) -> Any:
    return require(value in RELIABILITY, f"one of {', '.join(RELIABILITY)}", value)


def _period(value: Any) -> tuple[int, int]:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    span = parse_period(text) if isinstance(text, str) else None
    require(span is not None, '"YYYY", "YYYY-MM" or "YYYY-MM/YYYY-MM" (real dates)', text)
    return span  # type: ignore[return-value]


def _note(value: Any) -> Any:
    return require(isinstance(value, str), "a string", value)


class Record(BaseModel):
    """One observation as written. Field order matters: `kind` is checked first, so the
    kind-dependent checks of `pair`, `actor` and `value` can read it."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, _text(_ID, "an id of lower-case letters, digits and '-'")]
    kind: Annotated[str, BeforeValidator(_kind)]
    pair: Any = Field(None, validate_default=True)
    actor: Any = Field(None, validate_default=True)
    period: Annotated[tuple[int, int], BeforeValidator(_period)]
    value: float
    unit: Annotated[str, _text()]
    reliability: Annotated[str, BeforeValidator(_reliability)]
    source: Annotated[Source, BeforeValidator(_source)]
    note: Annotated[str, BeforeValidator(_note)] = ""

    @field_validator("pair", mode="before")
    @classmethod
    def _pair(cls, pair: Any, info: ValidationInfo) -> Any:
        kind = info.data.get("kind")
        if kind is None or (pair is None and kind not in PAIR_KINDS):  # bad kind: reported
            return pair
        if kind not in PAIR_KINDS:
            raise ValueError(expected_found(f"'actor' (a {kind} observation is about one "
                                            "actor)", "pair"))  # fmt: skip
        if pair is None:
            raise ValueError(expected_found(f"'pair' (a {kind} observation is about two "
                                            "actors)", None))  # fmt: skip
        ok = isinstance(pair, list) and len(pair) == 2
        bad = [a for a in pair if not (isinstance(a, str) and _ACTOR.fullmatch(a))] if ok else []
        if ok and not bad and pair[0] == pair[1]:  # it said "found a list"
            raise ValueError(f"a pair needs two different actors, found [{pair[0]}, {pair[1]}]")
        if bad:  # a list of two said "found a list": name the member that is no actor id
            raise ValueError(expected_found("two different actor ids like [CHN, PRK] (an id: "
                                            "2–12 capitals, digits or _, from a capital)",
                                            bad[0]))  # fmt: skip
        return require(ok, "two different actor ids like [CHN, PRK]", pair)

    @field_validator("actor", mode="before")
    @classmethod
    def _actor(cls, actor: Any, info: ValidationInfo) -> Any:
        """After `pair`: a single-actor kind with a pair is reported at the pair alone."""
        kind = info.data.get("kind")
        if kind is None or "pair" not in info.data:  # a bad kind or pair is reported already
            return actor
        if kind in PAIR_KINDS:
            if actor is not None:
                raise ValueError(expected_found(f"'pair' (a {kind} observation is about two "
                                                "actors)", "actor"))  # fmt: skip
            return actor
        ok = isinstance(actor, str) and bool(_ACTOR.fullmatch(actor))
        require(ok, "an actor id like PRK (2–12 capitals, digits or _, from a capital)", actor)
        if kind == "unsc_vote":  # was scored from North Korea's commitment to itself
            voter = f"a voter other than {VOTE_TARGET} (the resolutions are on North Korea)"
            require(actor != VOTE_TARGET, voter, actor)
        return actor

    @field_validator("value", mode="before")
    @classmethod
    def _value(cls, value: Any, info: ValidationInfo) -> Any:
        kind = info.data.get("kind")
        if kind is None:
            return 0.0
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
        return float(require(ok, expected, value))


def _items(value: Any) -> Any:
    return require(isinstance(value, list) and bool(value), "a non-empty list of observations",
                  value)  # fmt: skip


class ObservationsFile(BaseModel):
    """An observations file: one key, a list of records."""

    model_config = ConfigDict(extra="forbid")

    observations: Annotated[list[Record], BeforeValidator(_items)]


EXPECTED = "a mapping with the key 'observations'"  # what a file must be, as messages say
HOLDOUT_DIR = "holdout"  # seeds/observations/holdout/: after May 2024, never fitted
HOLDOUT = Path(__file__).resolve().parents[2] / "seeds" / "observations" / HOLDOUT_DIR


def is_holdout(path: str | Path) -> bool:
    """A held-out observation file (one in a `holdout/` folder): data kept back to test the
    fitted model out of sample, so no calibration may read it. Also where the path reaches
    it through a symbolic link (to the folder or the file) under another name, which passed,
    and a file in a subfolder of the shipped holdout/, which the held-out test reads (round 23)."""
    real = Path(os.path.realpath(path))
    return HOLDOUT_DIR in (Path(path).parent.name, real.parent.name) or real.is_relative_to(
        Path(os.path.realpath(HOLDOUT))
    )


def refuse_holdout(paths: list[Path]) -> list[Path]:
    """`paths`, or a UsageError naming the first held-out file among them: the guard every
    fit passes its observation files through (a spec built in Python skips load_spec)."""
    held = [p for p in paths if is_holdout(p)]
    if held:
        raise UsageError(
            f"{held[0]}: held-out observations are never used for calibration"
            " (seeds/observations/holdout/README.md)"
        )
    return list(paths)


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
    for path in _each_once(paths, problems):
        try:
            located = load_yaml(path, EXPECTED)
        except YamlFail as fail:
            problems.append(fail_to_problem(str(path), fail))
            continue
        where = FileLocator(located)
        for i, obs in _file_observations(located, problems):
            if obs.id in seen:
                file, line = seen[obs.id]
                first = f"line {line}" if file == obs.file else f"{file}:{line}"
                message = expected_found(f"a unique id (first on {first})", obs.id)
                problems.append(where.problem(("observations", i, "id"), message))
                continue
            seen[obs.id] = (obs.file, obs.line)
            out.append(obs)
    if problems:
        raise ScenarioError(problems)
    return out


def _each_once(paths: list[Path], problems: list[Problem]) -> list[Path]:
    """The files, each once: one given twice was refused one "unique id" line per observation,
    each pointing at the line it said came first; it is one line at the file."""
    out, real = [], set()
    for path in paths:
        key = os.path.realpath(path)
        if key in real:
            problems.append(
                Problem(str(path), 1, 1, "", "given twice; name each observations file once")
            )
            continue
        real.add(key)
        out.append(path)
    return out


def _file_observations(located: Located, problems: list[Problem]) -> list[tuple[int, Observation]]:
    """(index, observation) of one file's valid records; every problem goes to `problems`."""
    data = located.data
    if not isinstance(data, dict) or "observations" not in data:
        # not an observations file at all: say so without echoing any of its content
        problems.append(
            Problem(located.file, 1, 1, "", f"not an observations file: expected {EXPECTED}")
        )
        return []
    where = FileLocator(located)
    try:
        records = ObservationsFile.model_validate(data).observations
        valid = list(enumerate(records))
    except ValidationError as exc:
        problems += translate_all(exc, data, where, ObservationsFile)
        valid = _valid_records(data, exc)
    return [(i, _observation(r, located, i)) for i, r in valid]


def _valid_records(data: dict, exc: ValidationError) -> list[tuple[int, Record]]:
    """The records without a problem, so that one bad record does not hide the others'."""
    bad = {e["loc"][1] for e in exc.errors() if len(e["loc"]) > 1 and e["loc"][0] == "observations"}
    items = data.get("observations")
    if not isinstance(items, list) or any(len(e["loc"]) < 2 for e in exc.errors()):
        return []
    return [(i, Record.model_validate(item)) for i, item in enumerate(items) if i not in bad]


def _observation(record: Record, located: Located, i: int) -> Observation:
    first, last = record.period
    period = located.data["observations"][i]["period"]
    return Observation(
        record.id,
        record.kind,
        (record.pair[0], record.pair[1]) if record.kind in PAIR_KINDS else (record.actor,),
        str(period),
        first,
        last,
        record.value,
        record.unit,
        record.reliability,
        record.source.model_dump(),
        located.file,
        located.where(("observations", i))[0],
        record.note,
    )
