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


def add_engine_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine", choices=("auto", "numpy", "numba"), default="auto",
        help="numpy (the reference) or numba (the compiled kernel, `pip install "
        "'alliance-sim[fast]'`); auto: numba when installed and the run is large enough",
    )  # fmt: skip


def engine_for(args: argparse.Namespace, work: int | None) -> str:
    """The engine for `work` replication-steps (None: many); without numba, one line
    (unless -q) and the numpy engine, never an error."""
    import sys

    from sim.kernel import choose_engine

    quiet = getattr(args, "quiet", False)
    say = None if quiet else (lambda line: print(line, file=sys.stderr))
    return choose_engine(args.engine, work, say)


def horizon_warnings(loaded, steps: int, given_steps: int | None = None, what: str = "",
                     scenario=None, skip: frozenset[str] = frozenset()) -> list[str]:  # fmt: skip
    """Lines for stderr: events of `loaded` (a LoadedScenario) that cannot fire in a run of
    `steps` steps, and (for a scenario compared with another: `what` names the command) a
    scenario whose own `run.steps` is not the one it runs for. Only `run` used to say the
    first; `compare`, `sweep` and `robustness` ran such events silently as if absent.
    `scenario`: the scenario as run, when it is not `loaded.scenario` (a sweep's fixed
    values); `skip`: key paths said elsewhere (a swept date, per value)."""
    from sim.scenario.semantics import never_fire

    found = never_fire(scenario or loaded.scenario, steps, loaded.origins)
    lines = [str(w) for w in found if w.path not in skip]
    own = loaded.scenario.run.steps
    if what and given_steps is None and own != steps:
        problem = loaded.origins.problem(
            ("run", "steps"),
            f"note: this scenario's {own} steps are not used: {what} runs every scenario for "
            f"{steps} steps (the first scenario's run.steps); give --steps to choose",
        )
        lines.append(str(problem))
    return lines


def calendar_notes(loaded, what: str) -> list[str]:
    """Lines for stderr: compared scenarios whose calendar (`run.start`, `run.step_unit`)
    is not the first's. The first scenario's dates every scenario's steps, so a scenario
    written to start in 2030, or to step by years, was shown at the reference's months
    without a word (as its own `run.steps` was before the note above)."""
    first = loaded[0].scenario.run
    lines = []
    for item in loaded[1:]:
        run = item.scenario.run
        for key in ("start", "step_unit"):
            if getattr(run, key) != getattr(first, key):
                problem = item.origins.problem(
                    ("run", key),
                    f"note: this scenario's {key} {getattr(run, key)} is not used: {what} "
                    f"dates every scenario's steps by the first scenario's ({first.start}, "
                    f"one {first.step_unit} a step)",
                )
                lines.append(str(problem))
    return lines


def swept_horizon_warnings(params, steps: int) -> list[str]:
    """A swept event date at or beyond the last step: at those points the event never
    fires (`sweep --param events.E.at=2,9` on a 6-step run)."""
    lines = []
    for p in params:
        keys = tuple(p.keys)
        if not (len(keys) == 3 and keys[0] == "events" and keys[2] == "at"):
            continue
        if p.values is not None:
            late = sorted({int(v) for v in p.values if v >= steps})
            shown = ", ".join(map(str, late))
        else:
            late = [p.high] if p.high is not None and p.high >= steps else []
            shown = f"{steps} to {p.high:g}"
        if late:
            lines.append(
                f"{p.origin or '--param'}: {p.path}: warning: at {shown} the event never "
                f"fires: the run's steps are 0 to {steps - 1}"
            )
    return lines
