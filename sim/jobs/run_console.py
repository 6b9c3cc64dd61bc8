"""What `alliance-sim run` says on the terminal around a run: the size estimate before it
(and the refusal of a run that will not fit) and the short outcome table after it. Kept
apart from sim/jobs/run.py, which simulates and writes the folder and prints nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from sim.ensemble import ChunkResult
from sim.jobs import run as run_job  # its CHUNK read at call time (tests patch it)
from sim.jobs.run import RunSettings
from sim.scenario.loader import LoadedScenario
from sim.tables import related_pairs

PRINT_ABOVE = 200 << 20  # print the estimate when a run needs more than this (either kind)


def check_size(loaded: LoadedScenario, settings: RunSettings, out: Path) -> tuple[int, int]:
    """Print the estimate before a large run; refuse (UsageError, one line) when it will not
    fit in the free disk under `out` or the available memory (sim/limits.py)."""
    from sim.limits import available_memory, check_fits, estimate_run_bytes, free_disk

    world = loaded.model_input
    memory, disk = estimate_run_bytes(
        world.n, settings.replications, settings.steps, settings.series,
        n_pairs=len(related_pairs(world)), workers=settings.workers, engine=settings.engine,
        chunk=run_job.CHUNK if settings.series == "full" else run_job.SUMMARY_CHUNK,
        arms=1 + (loaded.scenario.counterfactual is not None),
    )  # fmt: skip
    hint = "use fewer replications (-n) or steps (--steps)"
    if settings.series == "full":
        hint += ", or --series summary"
    what = f"{settings.replications:,} replications × {settings.steps:,} steps"
    check_fits(what, memory, disk, out.parent, hint)  # a refusal is the only line
    if disk > PRINT_ABOVE or memory > 4 * PRINT_ABOVE:
        room, have = free_disk(out) or 0, available_memory() or 0
        print(
            f"estimate: {_mb(disk)} on disk (free {_mb(room)}), "
            f"peak memory {_mb(memory)} (available {_mb(have)})", file=sys.stderr,
        )  # fmt: skip
    return memory, disk


def _mb(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def outcome_lines(result: ChunkResult, ids: list[str]) -> list[str]:
    """The short terminal table: per actor median peak and final rung; outcome shares."""
    from sim.ladder import rung_name

    frame = pd.DataFrame(result.summary)
    lines = [f"{'actor':<6} {'peak escalation (median, 5–95%)':<34} {'final rung (mode)'}"]
    for a in ids:
        peak = frame[f"peak_escalation_{a}"]
        q = peak.quantile([0.05, 0.5, 0.95]).to_numpy()
        mode = int(frame[f"final_rung_{a}"].mode().iloc[0])
        lines.append(f"{a:<6} {q[1]:.2f} ({q[0]:.2f}–{q[2]:.2f}){'':<19} {rung_name(mode)}")
    shares = frame["outcome"].value_counts(normalize=True)
    lines.append("outcomes: " + ", ".join(f"{k} {v:.0%}" for k, v in shares.items()))
    d = frame["final_distancing"].quantile([0.05, 0.5, 0.95]).to_numpy()
    lines.append(f"final distancing index: {d[1]:+.3f} ({d[0]:+.3f} to {d[2]:+.3f})")
    crisis = (frame["first_crisis_step"] >= 0).mean()
    lines.append(f"replications with a crisis: {crisis:.0%}")
    return lines
