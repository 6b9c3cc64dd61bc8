"""Flag checks shared by run, compare and sweep, so every command refuses the same things."""

from __future__ import annotations

import argparse

from sim.errors import UsageError


def positive(name: str, value: int | None) -> None:
    if value is not None and value < 1:
        raise UsageError(f"{name} must be at least 1, found {value}")


def check_run_flags(args: argparse.Namespace, counts: tuple[str, ...]) -> None:
    """Counts must be ≥ 1 and within the caps a scenario file has (sim/limits.py), and a
    seed ≥ 0 (numpy's SeedSequence takes no negatives)."""
    from sim.limits import CAPS, check_count

    for name in counts:
        flag = f"--{name.replace('_', '-')}"
        if name in CAPS:
            check_count(flag, getattr(args, name, None), CAPS[name])
        else:
            positive(flag, getattr(args, name, None))
    seed = getattr(args, "seed", None)
    if seed is not None and not 0 <= seed < 2**63:
        from sim.limits import shown_number

        raise UsageError(f"--seed must be between 0 and 2**63 - 1, found {shown_number(seed)}")
