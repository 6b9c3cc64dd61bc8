"""Held-out observation files (after May 2024): which files a folder holds, which of their
observations are refused, which are set aside and why, and the guard that keeps them out of
every fit. Split from sim/observe/holdout.py, which forecasts and scores them.

Why (round 23, scoring one's own developments after May 2024): a folder of `.yml` files or
files in a subfolder scored nothing and then stopped on a KeyError after both fits; an
observation ending by May 2024 was scored as "held out" although the fit had seen its
months; one past the run's 10,000 steps was refused as `--set:1:1: run.steps`, a --set
nobody wrote; observations set aside (a pair the scenario lacks, a series with no
in-sample observation, one overlapping another of its series) were never named; and a
copy or hard link of a held-out file passed every fit's guard.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sim.errors import Problem, ScenarioError, UsageError
from sim.observe.observations import (
    HOLDOUT,
    VOTE_TARGET,
    Observation,
    load_observations,
    month_index,
    month_label,
)
from sim.observe.series import series_key
from sim.scenario.messages import FileLocator, expected_found
from sim.scenario.yamlio import load_yaml

ORIGIN = month_index(2024, 5)  # the last month of the training data
SUFFIXES = (".yaml", ".yml")


def held_files(folder: Path = HOLDOUT) -> list[Path]:
    """Every observation file in `folder` and its subfolders (`.yaml` or `.yml`), sorted;
    hidden files and folders (a name starting with a dot) are skipped."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder of held-out observation files")
    # not .ipynb_checkpoints/ and the like: copies of the files, so duplicate ids
    return sorted(
        p for p in folder.rglob("*")
        if p.suffix in SUFFIXES and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )  # fmt: skip


def _locate(obs: Observation, key: str, message: str) -> Problem:
    """A problem at `observations.<i>.<key>` of the record with `obs`'s id in its file."""
    located = load_yaml(Path(obs.file))
    items = located.data["observations"]
    i = next(i for i, item in enumerate(items) if item.get("id") == obs.id)
    return FileLocator(located).problem(("observations", i, key), message)


def period_problems(held: list[Observation], start: int, last: int) -> list[Problem]:
    """A held-out observation must end after May 2024 (one that ends by then is of months the
    fit has seen), begin inside the history (`start`) and end by the last month the history
    can be run to (`last`)."""
    out = []
    for o in held:
        if o.last <= ORIGIN:
            why = "a period ending after 2024-05 (held out: after the training data)"
            out.append(_locate(o, "period", expected_found(why, o.period)))
        elif o.first < start:  # not the months of any run: was "no in-sample observation"
            why = f"a period starting in or after {month_label(start)} (the history's first month)"
            out.append(_locate(o, "period", expected_found(why, o.period)))
        elif o.last > last:
            why = (f"a period ending by {month_label(last)} (the history runs at most "
                   f"{last - start + 1:,} months from {month_label(start)})")  # fmt: skip
            out.append(_locate(o, "period", expected_found(why, o.period)))
    return out


def _record(o: Observation) -> tuple:
    return (series_key(o), o.first, o.last, o.value, o.source.get("url"))


def training_problems(held: list[Observation], train: list[Observation]) -> list[Problem]:
    """A held-out observation whose id, or whose series, period, value and source, is in the
    training data voids the test: one located line each."""
    ids = {o.id: o for o in train}
    records = {_record(o): o for o in train}
    out = []
    for o in held:
        twin = ids.get(o.id) or records.get(_record(o))
        if twin is not None:
            what = "an id" if twin.id == o.id else "an observation"
            why = f"{what} not in the training data ({twin.file}:{twin.line} has it)"
            out.append(_locate(o, "id", expected_found(why, o.id)))
    return out


def overlap_notes(dropped: list[Observation], kept: list[Observation]) -> list[str]:
    """Why each observation `one_per_definition` dropped is not scored: the one kept."""
    out = []
    for o in dropped:
        winner = next(
            k
            for k in kept
            if series_key(k) == series_key(o) and k.first <= o.last and o.first <= k.last
        )
        out.append(
            f"{o.id}: overlaps {winner.id} of the same series (one observation per period and "
            f"definition, docs/observations.md: {winner.id} is kept)"
        )
    return out


def refuse_held_records(observations: Iterable[Observation], folder: Path = HOLDOUT) -> None:
    """A UsageError when a fit's observations include a held-out one by id or by record: a
    copy or hard link of a held-out file passed `refuse_holdout`, which reads paths only."""
    held = []
    for path in held_files(folder) if Path(folder).is_dir() else []:
        try:  # a held-out file with a problem is reported by the held-out test, not every fit
            held += load_observations(path)
        except ScenarioError:
            continue
    ids = {o.id: series_key(o) for o in held}  # an id alone may be a user's own, reused
    records = {_record(o) for o in held}
    for o in observations:
        if ids.get(o.id) == series_key(o) or _record(o) in records:
            raise UsageError(
                f"{o.file}:{o.line}: {o.id} is a held-out observation ({folder}): held-out "
                "observations are never used for calibration (seeds/observations/holdout/"
                "README.md)"
            )


def not_scored_reason(o: Observation, ids: set[str], anchor: bool, history: bool) -> str:
    """Why a held-out observation inside the run is set aside, in words (`ids`: the history
    scenario's actors). A series with no in-sample observation is said before the trade
    anchor: a pair's second held-out trade value was "the first trade value of its pair"."""
    needed = [*o.actors, *([VOTE_TARGET] if o.kind == "unsc_vote" else [])]
    missing = [a for a in needed if a not in ids]
    if missing:
        return f"{o.id}: the history scenario has no actor {', '.join(missing)}"
    if not history:
        who = "persistence and the trend cannot"
        if o.kind == "trade_value":
            who = "neither persistence and the trend nor the trade operator (no known level) can"
        return f"{o.id}: no in-sample observation of its series, so {who} forecast it"
    if anchor:
        return f"{o.id}: the first trade value of its pair and unit, which only anchors the level"
    return f"{o.id}: outside the months of the extended history run"


def straddle_notes(targets: list[Observation], train: list[Observation]) -> list[str]:
    """A scored held-out observation that begins by May 2024 (kept: docs/validation.md), in
    words, with any training observation of its series in the same months: part of its
    value was known to the fit. Why (round 23): such a score was not told from the others."""
    out = []
    for o in targets:
        if o.first > ORIGIN:
            continue
        seen = [t.id for t in train if series_key(t) == series_key(o) and t.last >= o.first]
        known = f"; the fit saw {', '.join(seen)} of its series in those months" if seen else ""
        out.append(f"{o.id} ({o.period}) begins before June 2024, in months the fit covers{known}")
    return out
