"""Ledgers of a results folder's `charts/` and `analysis/`: which result each file belongs to.

Why: tables carry their result id (Parquet metadata) or have their sha256 in the manifest
(CSV: sim/result_ids.py), so a table of another computation, or an edited one, is refused
at publication. Charts and a sweep's `analysis/` are written after the manifest (`analyze`
even after publication), so neither mechanism covered them: a chart of another run copied
into `charts/` was published and then embedded by `report` as if it were this run's, and an
edited `analysis/sobol.csv` was drawn and reported without a word.

Each of these folders gets a `ledger.json`: the manifest's result id and the sha256 of
every file its writer wrote. Publication and every reader that checks a folder
(sim/results_io.check_folder) compare the files with it. Folders written before ledgers
existed (no `ledger.json`, or no result id) are read as they are: reading an older
folder must keep working, and it has nothing to compare with.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from sim.errors import UsageError
from sim.result_ids import file_sha256

LEDGER = "ledger.json"
SUBFOLDERS = ("charts", "analysis")


def _files(sub: Path) -> list[Path]:
    """The files a ledger covers: every visible entry but the ledger (temporary files of a
    writer are hidden `.NAME.tmp-PID`)."""
    return sorted(p for p in sub.iterdir() if not p.name.startswith(".") and p.name != LEDGER)


def _read(sub: Path) -> dict | None:
    path = sub / LEDGER
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: unreadable ({type(exc).__name__}); expected a ledger") from None
    ok = isinstance(data, dict) and isinstance(data.get("sha256"), dict)
    if not ok:
        raise UsageError(f"{path}: expected {{result_id, sha256: {{file: hash}}}}")
    return data


def record(sub: Path, rid: str | None, written: Iterable[Path]) -> None:
    """Add the files just `written` into `sub` to its ledger (atomically). Entries of files
    still present and of the same result are kept: `plot --kind X` redraws one chart."""
    if rid is None or not sub.is_dir():
        return  # an older folder without an id: nothing to key the ledger on
    try:
        old = _read(sub)
    except UsageError:  # a damaged ledger: rewritten from what is written now
        old = None
    kept = old["sha256"] if old and old.get("result_id") == rid else {}
    present = {p.name: p for p in _files(sub) if p.is_file()}
    # an entry stays only while its file is unchanged: a tampered file stays unlisted
    hashes = {n: h for n, h in kept.items() if n in present and file_sha256(present[n]) == h}
    hashes.update({Path(p).name: file_sha256(Path(p)) for p in written})
    tmp = sub / f".{LEDGER}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps({"result_id": rid, "sha256": dict(sorted(hashes.items()))}))
    os.replace(tmp, sub / LEDGER)


def check(folder: Path, rid: str | None, skip: tuple[str, ...] = ()) -> None:
    """Refuse (one line) a file of `charts/` or `analysis/` that its ledger does not list
    with this hash, or a ledger of another result."""
    for name in SUBFOLDERS:
        sub = Path(folder) / name
        if name in skip or rid is None or not sub.is_dir() or sub.is_symlink():
            continue  # a symlinked folder is refused by the writers' own check (sim/paths.py)
        ledger = _read(sub)
        if ledger is None:
            continue  # written before ledgers existed
        if ledger.get("result_id") != rid:
            raise UsageError(
                f"{sub / LEDGER}: from result {ledger.get('result_id') or 'unknown'}, the "
                f"manifest from {rid} ({name}/ of another computation?)"
            )
        _check_files(sub, ledger["sha256"], rid)


def _check_files(sub: Path, listed: dict, rid: str) -> None:
    for path in _files(sub):
        if not path.is_file() or listed.get(path.name) != file_sha256(path):
            raise UsageError(
                f"{path}: not the file {sub.name}/{LEDGER} recorded for result {rid} "
                f"(changed, or from another result): remove it, or redraw with alliance-sim plot"
                if sub.name == "charts"
                else f"{path}: not the file {sub.name}/{LEDGER} recorded for result {rid} "
                f"(changed, or from another result): rerun alliance-sim analyze"
            )
