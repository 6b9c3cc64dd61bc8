"""What kind of input file a parsed YAML/JSON document is, to name a file of the wrong kind
in one line.

Why: `alliance-sim run OBSERVATIONS.yaml` (or a calibration spec, or a results manifest)
answered with one "unknown key" line per top-level key plus "missing required key 'title'"
(a dozen lines about keys the file was never meant to have), and `calibrate SCENARIO.yaml`
did the same the other way round. The keys that tell the kinds apart are the ones
`validate` already uses (sim/cli.py): a scenario has `actors` or `extends`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def file_kind(data: dict[str, Any]) -> str | None:
    """'scenario', 'calibration spec', 'sweep file', 'observations file', 'results manifest',
    'evidence ledger', or None when the keys say nothing (the caller's own checks then
    report the problems)."""
    from sim.results.manifest import KINDS

    if isinstance(data.get("kind"), str) and data["kind"] in KINDS:  # a run's lists `actors`
        return "results manifest"
    if "actors" in data or "extends" in data:
        return "scenario"
    if {"scenarios", "observations"} <= set(data):
        return "calibration spec"
    if "scenario" in data:
        return "sweep file"
    if "observations" in data:
        return "observations file"
    if "records" in data:  # seeds/ledger.yaml: five lines about a title it never needed
        return "evidence ledger"
    return None


HINTS = {
    "scenario": "run it with: alliance-sim run {path}",
    "calibration spec": "run it with: alliance-sim calibrate {path}",
    "sweep file": "run it with: alliance-sim sweep {path}",
    "observations file": "score a scenario against it with: alliance-sim hindcast {path} SCENARIO",
    "results manifest": "alliance-sim report {folder} reads its folder",
    "evidence ledger": "scenarios cite its record ids (alliance-sim evidence SCENARIO lists them)",
}


def wrong_kind(data: dict[str, Any], path: Path, expected: str) -> str | None:
    """One line when `data` is plainly a file of another kind than `expected`, else None."""
    found = file_kind(data)
    if found is None or found == expected:
        return None
    article = "an" if found[0] in "aeiou" else "a"
    hint = HINTS[found].format(path=path, folder=Path(path).parent)
    return f"{article} {found}, not a {expected}; {hint}"
