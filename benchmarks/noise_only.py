"""The full model against a noise-only model: do the mechanisms beat a persistent noise?

The events-only world lacks both the mechanisms and the noise, so beating it, or not, says
little about the mechanisms (docs/preregistration-twin.md, addendum 3). The noise-only
model is the same model with its interaction mechanisms fixed at 0 and its noise and
fatigue on, fitted and forecast exactly as the full model (a structure of
sim/observe/structures.py). Its pooled rolling-origin skill against the full model, root
seed by root seed and over all of them (docs/preregistration-noise-only.md):

    python -m benchmarks.noise_only --workers 2
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from benchmarks.calibrate import SEEDS, markdown, whole, with_settings
from benchmarks.twin import EXERCISES, SPEC
from sim.observe.spec import SETTINGS, load_spec
from sim.observe.structures import (
    MECHANISMS,
    NOISE_ONLY,
    compare_structures,
    structure_seed_table,
)
from sim.parameters import PARAMETERS

ROOT = Path(__file__).resolve().parents[1]


def structures() -> dict[str, tuple[str, ...]]:
    """The full model and the noise-only one (every switched-off name a model coefficient);
    the same pair as in `make validate-model`'s structure table (sim/observe/structures.py)."""
    assert all(c in PARAMETERS for c in MECHANISMS), MECHANISMS
    return {"full": (), NOISE_ONLY: MECHANISMS}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.noise_only", description=__doc__)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--population", type=int, default=40, help="particles kept per fit")
    ap.add_argument("--seeds", type=whole(*SETTINGS["seed"][2:]), nargs="+", default=list(SEEDS))
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "noise-only")
    args = ap.parse_args(argv)
    if args.workers < 1 or args.population < 2 or len(set(args.seeds)) != len(args.seeds):
        ap.error("--workers ≥ 1, --population ≥ 2 and distinct --seeds, please")
    folder = args.out / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    folder.mkdir(parents=True)
    t0 = time.perf_counter()
    spec = load_spec(SPEC)
    rows = pd.concat(
        compare_structures(
            with_settings(spec, population=args.population, seed=s),
            workers=args.workers,
            structures=structures(),
        ).assign(fit=s)
        for s in args.seeds
    )
    rows.to_csv(folder / "structures_seeds.csv", index=False)
    print(f"## noise-only model against the full model ({time.perf_counter() - t0:.0f} s)")
    print("\n### every kind")
    print(markdown(structure_seed_table(rows)))
    print("\n### without the exercises")
    print(markdown(structure_seed_table(rows[rows["kind"] != EXERCISES])))
    print(f"\nresults: {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
