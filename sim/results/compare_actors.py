"""Which actors a compare folder's rows have: split from sim/results_checks.py, whose
checks read them (a compare's scenarios need not share their actors)."""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.results.manifest import compared_actors


def compare_actors(manifest: dict[str, Any]) -> list[str] | None:
    """The actors a compare folder shows: the manifest's `actors` (written since round 13),
    else those its scenario entries list, in order (each entry has listed its shown actors
    since long before: without this, folders written in between were not checked per
    actor), else None (nothing to check against)."""
    listed = manifest.get("actors")
    if isinstance(listed, list):
        return [str(a) for a in listed]
    shown = compared_actors(manifest)
    return None if shown is None else [str(a) for a in shown]


def compare_lacking_rows(manifest: dict[str, Any], frame: Any) -> dict[str, np.ndarray]:
    """actor → the summary rows of the compared scenarios whose entry does not list it.

    Why: scenarios compared need not have the same actors (a variant may add one); a
    scenario without actor A has no value for A, and `compare` writes A's columns empty
    (NaN) in its rows. Those rows only may be empty: the range check refused them, so
    `plot` and `report` refused the folder `compare` had just written. Entries that list no
    actors (folders written before they did) allow nothing."""
    entries = [s for s in manifest.get("scenarios", []) if isinstance(s, dict)]
    if not entries or not all(isinstance(s.get("actors"), list) for s in entries):
        return {}
    scenario = frame["scenario"].astype(str).to_numpy()
    every = dict.fromkeys(a for s in entries for a in s["actors"])
    return {str(a): np.isin(scenario, [s["name"] for s in entries if a not in s["actors"]])
            for a in every}  # fmt: skip
