"""Which code made a benchmark's results folder: one JSON line per run (or resumed run).

Why: a long benchmark may be resumed after the code has moved on, and a results folder
read months later should say which commit made it, and whether the working tree had
uncommitted changes then (the rows of a dirty run cannot be remade from any commit).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def code_state(root: Path = ROOT) -> dict[str, object]:
    """The HEAD commit and whether tracked files differ from it (None outside a checkout)."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    head = git("rev-parse", "HEAD")
    changed = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": head, "dirty": None if changed is None else bool(changed)}


def record_run(folder: Path, argv: list[str]) -> None:
    """Append this run's start time, arguments and code state to `folder/runs.jsonl`."""
    line = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "argv": argv}
    with (folder / "runs.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps(line | code_state()) + "\n")
