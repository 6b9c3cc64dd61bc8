"""Flag checks shared by run, compare and sweep, so every command refuses the same things."""

from __future__ import annotations

import argparse

from sim.errors import UsageError


def positive(name: str, value: int | None) -> None:
    if value is not None and value < 1:
        raise UsageError(f"{name} must be at least 1, found {value}")


def check_run_flags(args: argparse.Namespace, counts: tuple[str, ...]) -> None:
    """Counts must be ≥ 1 and a seed ≥ 0 (numpy's SeedSequence takes no negatives)."""
    for name in counts:
        positive(f"--{name.replace('_', '-')}", getattr(args, name, None))
    seed = getattr(args, "seed", None)
    if seed is not None and seed < 0:
        raise UsageError(f"--seed must be at least 0, found {seed}")
