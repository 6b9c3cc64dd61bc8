"""What the history's inputs do to the model's state: median paths of a pair's escalations,
commitment, pain and readiness over the one continuous history, every six months.

Why: a mechanism that reads the state can only time what the state carries. This prints
whether the 2017 crisis (or any other) is in the modelled state at all, before anyone
builds a mechanism on it (docs/preregistration-ripeness.md, Outcome).

    python -m benchmarks.state_paths                       # US–North Korea, ripeness off
    python -m benchmarks.state_paths --pair KOR PRK --set parameters.ripeness_rate=0.46
    python -m benchmarks.state_paths --posterior seeds/posterior/history-2016-2024.parquet

With `--posterior`, replication r runs coefficient set r of the fitted posterior (resampled
by weight from `--seed`), its given structural terms (drive, preference and start offsets)
included: the paths of the fitted history rather than of the hand-set coefficients.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from sim.ensemble import prepare, run_chunk
from sim.errors import UsageError
from sim.observe.episodes import split
from sim.observe.hindcast import coefficient_draws
from sim.observe.posterior import read_posterior
from sim.scenario.loader import load_scenario
from sim.scenario.overrides import InvalidValue, apply

HISTORY = Path(__file__).resolve().parents[1] / "scenarios" / "history" / "base_2016.yaml"
START_YEAR = 2016  # the history starts in January 2016 (its first step is month 0)


def fitted_coefficients(posterior: Path | None, reps: int, seed: int) -> dict | None:
    """The model coefficients and given structural terms of `reps` resampled posterior sets
    (replication r gets set r); None (the scenario's hand-set values) without a posterior."""
    if posterior is None:
        return None
    model, _operators = split(coefficient_draws(read_posterior(posterior), reps, seed))
    return model


def paths(
    changes: dict[str, float],
    pair: tuple[str, str],
    reps: int,
    seed: int,
    posterior: Path | None = None,
) -> list[dict]:
    """Rows of medians over `reps` replications, every six months of the history."""
    loaded = load_scenario(HISTORY)
    world, events = prepare(apply(loaded.model_input, changes))
    if not set(pair) <= set(world.ids):  # its own error: any ValueError was blamed on --pair
        raise LookupError(pair)  # before the run, not after it
    coefs = fitted_coefficients(posterior, reps, seed)
    steps = loaded.scenario.run.steps
    s = run_chunk(world, events, np.arange(reps), seed, steps, True, coefs).series
    i, j = world.ids.index(pair[0]), world.ids.index(pair[1])
    pain = np.maximum(s.tension[:, :, i, j], s.tension[:, :, j, i])
    hostile = (s.commitment[:, :, i, j] < 0) & (s.commitment[:, :, j, i] < 0)
    rows = []
    for t in range(0, steps + 1, 6):
        rows.append(
            {
                "month": f"{START_YEAR + t // 12}-{t % 12 + 1:02d}",
                f"x_{pair[0]}": np.median(s.escalation[t, :, i]),
                f"x_{pair[1]}": np.median(s.escalation[t, :, j]),
                f"C_{pair[0]}_{pair[1]}": np.median(s.commitment[t, :, i, j]),
                "pain": np.median(np.where(hostile[t], pain[t], 0.0)),
                "readiness": np.median(s.readiness[t, :, i, j]),
            }
        )
    return rows


def refuse(message: str) -> int:
    """Bad input: one line on stderr, exit status 2, nothing printed on stdout."""
    print(f"state_paths: error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.state_paths", description=__doc__)
    ap.add_argument("--pair", nargs=2, default=("USA", "PRK"), metavar=("A", "B"))
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("-n", type=int, default=40, help="replications (default 40)")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--posterior", type=Path, metavar="FILE", help="a fitted posterior.parquet")
    args = ap.parse_args(argv)
    # -n 0 printed a table of nan, exit 0; --seed -1 was blamed on --pair (numpy's ValueError)
    if args.n < 1:
        return refuse(f"-n must be at least 1, got {args.n}")
    if args.seed < 0:
        return refuse(f"--seed must be a whole number ≥ 0, got {args.seed}")
    if args.pair[0] == args.pair[1]:  # an actor with itself: a row of zeros, exit 0
        return refuse(f"--pair {' '.join(args.pair)}: name two different actors")
    changes = {}
    for item in args.set:
        key, _, value = item.partition("=")
        try:
            changes[key] = float(value)
        except ValueError:
            return refuse(f"--set {item!r}: expected KEY=NUMBER")
    try:
        rows = paths(changes, tuple(args.pair), args.n, args.seed, args.posterior)
    except InvalidValue as exc:
        return refuse(f"--set {exc}")
    except UsageError as exc:  # read_posterior's one line (missing, not a posterior, stale)
        return refuse(str(exc))
    except LookupError:
        return refuse(f"--pair {' '.join(args.pair)}: both must be actors of {HISTORY.name}")
    print(" | ".join(rows[0]))
    for r in rows:
        print(" | ".join(v if isinstance(v, str) else f"{v:.3f}" for v in r.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
