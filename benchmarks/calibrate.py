"""Model validation in one command: in-sample fit, leave-one-episode-out hindcasts, timing.

    python -m benchmarks.calibrate                 # the default budget (a few minutes, 2 cores)
    python -m benchmarks.calibrate --quick         # small population, a smoke test
    make validate-model                            # the same as the first line

Steps (all from scenarios/calibration/history.yaml):
1. calibrate on every episode (in-sample); posterior predictive check of every observation;
2. for each episode E: calibrate without E, then hindcast E with that posterior
   (leave-one-episode-out), and hindcast E with the hand-set coefficients for comparison;
3. measure the calibration's wall time against a plain ensemble of the same size.
The tables between the `validation:` markers in docs/validation.md are rewritten; the
posteriors and tables are kept in results/validation/<timestamp>/.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.observe.spec import CalibrationSpec

# The model modules are imported inside the functions: worker processes re-import this
# (main) module, and must not pay for matplotlib and scipy they never use (issue 18).

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "scenarios" / "calibration" / "history.yaml"
DOC = ROOT / "docs" / "validation.md"


def with_settings(spec: CalibrationSpec, **changes) -> CalibrationSpec:
    return dataclasses.replace(spec, settings={**spec.settings, **changes})


def _cov_row(label: str, table: pd.DataFrame) -> dict:
    from sim.observe.scoring import coverage

    c = coverage(table)
    return {
        "episode": label,
        "observations": c["observations"],
        "coverage 50%": c["coverage50"],
        "coverage 90%": c["coverage90"],
        "mean CRPS": c["mean_crps"],
        "direction right": c["direction_hits"],
    }


def markdown(frame: pd.DataFrame) -> str:
    """A Markdown table; floats with two decimals, integers as integers."""
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        cells = [f"{v:.2f}" if isinstance(v, float | np.floating) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def headline_effects(posterior: Path, replications: int, seed: int, workers: int) -> pd.DataFrame:
    """The baseline's headline effects against its counterfactual (the world without the
    Russia–North Korea rapprochement), paired by replication: with the hand-set coefficients,
    and with replication r running posterior draw r (noise and parameter uncertainty)."""
    from sim.jobs.run import settings_for, simulate, simulate_effects
    from sim.observe.posterior import with_posterior
    from sim.scenario.loader import load_scenario

    loaded = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    plain = settings_for(loaded, replications, seed, None, workers)
    tables = {}
    for label, settings in (("hand-set", plain), ("posterior", with_posterior(plain, posterior))):
        result = simulate(loaded, settings, keep_series=False)
        tables[label] = simulate_effects(loaded, settings, result).set_index("outcome")
    rows = []
    for outcome in tables["hand-set"].index:
        row = {"outcome": "P(crisis)" if outcome == "crisis" else outcome}
        for label, table in tables.items():
            r = table.loc[outcome]
            row[f"effect, {label}"] = (
                f"{r.effect_median:+.3f} ({r.effect_p5:+.3f} to {r.effect_p95:+.3f})"
            )
        rows.append(row)
    return pd.DataFrame(rows)


def replace_block(text: str, name: str, body: str) -> str:
    pattern = re.compile(
        rf"(<!-- validation:{name}:begin -->\n).*?(<!-- validation:{name}:end -->)", re.S
    )
    if not pattern.search(text):
        raise SystemExit(f"docs/validation.md lacks the validation:{name} markers")
    return pattern.sub(lambda m: m.group(1) + body.rstrip() + "\n" + m.group(2), text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", type=Path, default=SPEC)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="population 60, 3 generations")
    ap.add_argument("--no-doc", action="store_true", help="do not rewrite docs/validation.md")
    args = ap.parse_args(argv)
    from sim.pool import command_pool

    with command_pool(args.workers):  # one pool for every ensemble of the validation
        return validate(args)


def validate(args: argparse.Namespace) -> int:
    from sim.ensemble import run_ensemble
    from sim.observe.calibrate import calibrate, diagnostics_frame, finish_run, posterior_frame
    from sim.observe.hindcast import score_episodes
    from sim.observe.posterior import write_posterior
    from sim.observe.report import posterior_summary
    from sim.observe.spec import load_spec
    from sim.output import timestamped

    spec = load_spec(args.spec)
    if args.quick:
        spec = with_settings(spec, population=60, generations=3, predictive_replications=100)
    out = timestamped("validation")
    out.mkdir(parents=True)
    s = spec.settings
    seed = s["seed"]

    t0 = time.perf_counter()
    pops, prob, left = calibrate(spec, None, args.workers, progress=True)
    t_cal = time.perf_counter() - t0
    finish_run(out / "in-sample", spec, pops, prob, left, ["benchmarks.calibrate"])
    ppc = pd.read_csv(out / "in-sample" / "predictive_check.csv")
    simulated = int(diagnostics_frame(pops)["proposed"].sum()) * s["replications"]
    steps = sum(ep.steps for ep in prob.episodes)

    t0 = time.perf_counter()
    for ep in prob.episodes:
        run_ensemble(
            ep.loaded.scenario, 2000, seed, ep.steps, keep_series=True, workers=args.workers
        )
    t_plain = (time.perf_counter() - t0) / 2000  # seconds per replication of every episode

    in_rows = [_cov_row(name, ppc[ppc["episode"] == name]) for name in ppc["episode"].unique()]
    in_rows.append(_cov_row("all (in-sample)", ppc))
    by_kind = [
        {
            "kind": kind,
            **{k: v for k, v in _cov_row(kind, ppc[ppc["kind"] == kind]).items() if k != "episode"},
        }
        for kind in sorted(ppc["kind"].unique())
    ]

    loo_rows, prior_rows, loo_tables = [], [], []
    for ep in prob.episodes:
        p_loo, prob_loo, _ = calibrate(spec, None, args.workers, progress=True, exclude=ep.name)
        post = posterior_frame(prob_loo.names, p_loo[-1])
        write_posterior(post, out / f"posterior-without-{ep.name}.parquet")  # with its version
        held = score_episodes([ep], post, s["predictive_replications"], seed, 10, args.workers)
        hand = score_episodes([ep], None, s["predictive_replications"], seed, 10, args.workers)
        loo_tables.append(held)
        loo_rows.append(_cov_row(ep.name, held))
        prior_rows.append(_cov_row(ep.name, hand))
    loo_all = pd.concat(loo_tables, ignore_index=True)
    loo_all.to_csv(out / "leave_one_out.csv", index=False)
    loo_rows.append(_cov_row("all (held out)", loo_all))

    summary = posterior_summary(
        pd.read_parquet(out / "in-sample" / "posterior.parquet"), prob.names
    )
    diag = diagnostics_frame(pops)
    timing = pd.DataFrame(
        [
            {
                "calibration wall time (s)": t_cal,
                "replications simulated": simulated,
                "plain ensemble, same replications (s)": t_plain * simulated,
                "ratio": t_cal / (t_plain * simulated),
                "months per replication": steps,
                "workers": args.workers,
            }
        ]
    )
    headline = headline_effects(
        out / "in-sample" / "posterior.parquet", 200 if args.quick else 1000, seed, args.workers
    )
    blocks = {
        "headline": markdown(headline),
        "in-sample": markdown(pd.DataFrame(in_rows)),
        "by-kind": markdown(pd.DataFrame(by_kind)),
        "loo": markdown(pd.DataFrame(loo_rows)),
        "hand-set": markdown(pd.DataFrame(prior_rows)),
        "posterior": markdown(summary),
        "diagnostics": markdown(diag),
        "timing": markdown(timing),
        "misses": markdown(
            ppc[ppc["scored"] & ~ppc["in90"]][["id", "episode", "observed", "q05", "median", "q95"]]
        ),
    }
    for name, body in blocks.items():
        (out / f"{name}.md").write_text(body + "\n")
        print(f"\n## {name}\n{body}")
    if not args.no_doc and not args.quick:
        text = DOC.read_text()
        for name, body in blocks.items():
            text = replace_block(text, name, body)
        DOC.write_text(text)
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
