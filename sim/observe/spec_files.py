"""The files a calibration spec names (`scenarios:`, `observations:`), globbed relative
to the spec and checked: split from sim/observe/spec.py, which checks the rest."""

from __future__ import annotations

import glob
import os
from pathlib import Path

from sim.errors import Problem
from sim.observe.observations import is_holdout
from sim.scenario.messages import FileLocator, expected_found


def glob_files(
    data: dict, key: str, base: Path, where: FileLocator, problems: list[Problem]
) -> list[Path]:
    """The files each entry of `data[key]` names (relative to the spec), in order: a folder,
    a missing file, a held-out file among the observations and a file named twice are each
    one located problem."""
    out: list[Path] = []
    named: dict[str, int] = {}  # real path -> the entry that named it first
    for i, item in enumerate(data[key]):
        found = sorted(glob.glob(str(base / item)))
        hits = [h for h in found if os.path.isfile(h)]  # `''` or `dir/` matched the folder
        if found and not hits:
            message = expected_found("files, not a folder (write FOLDER/*.yaml)", item)
            problems.append(where.problem((key, i), message))
        elif not hits:
            message = expected_found("a file that exists (relative to the spec)", item)
            problems.append(where.problem((key, i), message))
        held = [h for h in hits if key == "observations" and is_holdout(h)]
        if held:  # held-out data test the fit; fitting them would void the test
            message = expected_found("observation files outside a holdout/ folder", item)
            problems.append(where.problem((key, i), message))
        out += _once(hits, (key, i), named, base, where, problems)
    return out


def _once(
    hits: list[str],
    at: tuple,
    named: dict[str, int],
    base: Path,
    where: FileLocator,
    problems: list[Problem],
) -> list[Path]:
    """The files an entry adds, refusing (one line per entry) any an earlier entry named: a
    glob and a file it matches were read twice, and `calibrate` (`validate` said ok) printed
    one "expected a unique id" line per observation, located in the observations file."""
    new, again = [], []
    for hit in hits:
        real = os.path.realpath(hit)
        (again if real in named else new).append(hit)
        named.setdefault(real, at[1])
    if again:
        first = named[os.path.realpath(again[0])]
        prefix = str(base) + os.sep  # a relative entry's files are shown as the spec wrote them
        shown = again[0].removeprefix(prefix)
        what = f"{shown} and {len(again) - 1} more files are" if again[1:] else f"{shown} is"
        message = f"{what} named by {at[0]}.{first} too; name each file once"
        problems.append(where.problem(at, message))
    return [Path(h) for h in new]
