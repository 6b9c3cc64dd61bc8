"""Export a dashboard run: its results folder, as `alliance-sim run` writes it, plus its report.

The ensemble already ran through `sim.run`, which wrote a complete results folder; export
copies that folder with the API's own `Results.save` (atomic: the folder appears whole or
not at all) into `results/dashboard/NAME`, then writes `report.html` into it with the
project's report writer. Nothing is re-run and nothing is rewritten by hand.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from sim.api import Results

EXPORT_ROOT = Path("results/dashboard")


def folder_name(scenario: str, number: int, now: datetime | None = None) -> str:
    """`SCENARIO-runN-YYYYmmddTHHMMSS`: letters, digits, `_` and `-` only."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", scenario).strip("-") or "scenario"
    return f"{safe[:60]}-run{int(number)}-{stamp}"


def export_run(results: Results, scenario: str, number: int, root: Path = EXPORT_ROOT) -> Path:
    """Copy the run's results folder under `root` and write its report; returns the folder."""
    from sim.report import write_report

    root.mkdir(parents=True, exist_ok=True)
    base = folder_name(scenario, number)
    out, k = root / base, 1
    while out.exists():  # two exports in one second
        k += 1
        out = root / f"{base}-{k}"
    results.save(out)
    write_report(out)
    return out
