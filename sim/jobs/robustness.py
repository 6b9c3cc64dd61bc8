"""Robustness: do a scenario's conclusions survive reasonable changes of every coefficient?

Each draw moves every model coefficient independently and uniformly within ±spread of its
resolved value (clipped to its documented range), or takes one coefficient set of a
posterior file. For each draw the scenario and its counterfactual run with the same
replications and shocks, and the draw's headline effects (median paired differences),
modal outcome class and regime probabilities (crisis, war) are recorded. The report gives,
per headline outcome, the share of draws in which the effect keeps the nominal sign, and the
share in which the outcome class is the nominal one. A conclusion that holds in ≥ 90% of
draws is not a knife edge.

Two structures (MODEL.md §12): *re-settled* (the default) settles the start again under each
draw, so a draw moves only the response to events; *nominal* keeps the structural terms of
the scenario's own coefficients, so a draw also moves the start away from its fixed point —
the stricter test, since the settled start can no longer absorb the draw.

Outcome thresholds (`crisis_threshold`, `war_threshold`) define the outputs rather than the
dynamics, so they are held fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.effects import CRISIS, counterfactual_of, headline, outcome_values
from sim.ensemble import prepare, run_ensemble
from sim.parameters import PARAMETERS
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.output import Slot
    from sim.scenario.loader import LoadedScenario

FIXED = ("crisis_threshold", "war_threshold")
DRAW_STREAM = 0x524F42  # spawn key of the coefficient draws ("ROB"), apart from the shocks
ZERO_TOL = {CRISIS: 0.01}  # an effect this small counts as zero (1 pp for a share)
DEFAULT_TOL = 1e-3


@dataclass(frozen=True)
class Robustness:
    draws: pd.DataFrame  # one row per draw: coefficients, effects, outcome class
    shares: pd.DataFrame  # one row per headline outcome (and the outcome class)
    nominal: dict[str, float]
    nominal_class: str
    # P(crisis), P(war) in the scenario: nominal, its Monte Carlo s.e., the draws' 5/50/95%
    regimes: pd.DataFrame = field(default_factory=pd.DataFrame)
    structure: str = "re-settled"  # or "nominal" (structural terms held, MODEL.md §12)
    source: str = ""  # "±25%" or the posterior file


def coefficient_draws(scenario: Scenario, draws: int, spread: float, seed: int) -> pd.DataFrame:
    """(draws × coefficients) values within ±spread of the scenario's resolved values."""
    world, _ = prepare(scenario)
    rng = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(DRAW_STREAM,)))
    )
    cols = {}
    for name, p in PARAMETERS.items():
        if name in FIXED:
            continue
        v = float(world.params[name][0, 0])
        cols[name] = np.clip(v * rng.uniform(1 - spread, 1 + spread, draws), p.lo, p.hi)
    return pd.DataFrame(cols)


def posterior_coefficient_draws(
    path: Path | str, draws: int, seed: int, allow_model_change: bool = False
) -> pd.DataFrame:
    """(draws × model coefficients) sets resampled from a posterior file (sim.observe);
    refused when it holds no model coefficient (sim/observe/posterior.run_draws)."""
    from sim.observe.posterior import run_draws

    return pd.DataFrame(run_draws(path, draws, seed, allow_model_change))


def sign(value: float, name: str) -> int:
    tol = ZERO_TOL.get(name, DEFAULT_TOL)
    return 0 if abs(value) < tol else int(np.sign(value))


def _per_draw(summary: dict, cf: dict, outcomes: list[str], draws: int, n: int) -> dict:
    out = {}
    for name in outcomes:
        diff = (outcome_values(summary, name) - outcome_values(cf, name)).reshape(draws, n)
        out[name] = diff.mean(axis=1) if name == CRISIS else np.median(diff, axis=1)
    classes = np.asarray(summary["outcome"]).reshape(draws, n)
    out["outcome_class"] = np.array([pd.Series(row).mode().iloc[0] for row in classes])
    out["p_crisis"] = (classes == "crisis").mean(axis=1) + (classes == "war").mean(axis=1)
    out["p_war"] = (classes == "war").mean(axis=1)
    return out


def _share_row(name: str, nominal: float, effects: np.ndarray) -> dict:
    """How often the draws' effects keep the nominal effect's sign, and their spread."""
    want = sign(nominal, name)
    return {
        "outcome": name,
        "nominal_effect": nominal,
        "nominal_sign": want,
        "share_same_sign": float(np.mean([sign(v, name) == want for v in effects])),
        "effect_p5": float(np.percentile(effects, 5)),
        "effect_p95": float(np.percentile(effects, 95)),
    }


def regime_table(nominal: dict, per: dict, n: int) -> pd.DataFrame:
    """P(crisis) and P(war) in the scenario world: the nominal value with its Monte Carlo
    standard error (binomial over n replications; at p = 0 or 1 it is floored at half a
    replication, 0.5/n), the mean over the draws (the probability with the coefficients
    uncertain) and the spread of the draws' values."""
    rows = []
    for key, label in (("p_crisis", "P(crisis)"), ("p_war", "P(war)")):
        p = float(nominal[key][0])
        values = per[key]
        rows.append({
            "regime": label,
            "nominal": p,
            "mc_se": float(np.sqrt(max(p * (1 - p), 0.25 / n) / n)),
            "draws_mean": float(np.mean(values)),
            "draws_p5": float(np.percentile(values, 5)),
            "draws_median": float(np.median(values)),
            "draws_p95": float(np.percentile(values, 95)),
        })  # fmt: skip
    return pd.DataFrame(rows)


def robustness(scenario: Scenario, draws: int = 200, spread: float = 0.25,
               replications: int = 40, seed: int | None = None, steps: int | None = None,
               workers: int = 1, resettle: bool = True, posterior: Path | str | None = None,
               engine: str = "numpy", allow_model_change: bool = False) -> Robustness:  # fmt: skip
    """Run the nominal scenario and `draws` perturbed ones against the counterfactual, on
    `engine` (numpy or numba, as `sim.kernel.choose_engine` names them).

    `resettle=False` holds the structural terms at their nominal values (see the module
    docstring); `posterior` takes the draws from a posterior file instead of ±spread (one
    fitted under another model version only with `allow_model_change`)."""
    seed = scenario.run.seed if seed is None else seed
    steps = scenario.run.steps if steps is None else steps
    cf_scenario = counterfactual_of(scenario)
    if posterior is None:
        coeffs, source = coefficient_draws(scenario, draws, spread, seed), f"±{spread:.0%}"
    else:
        coeffs = posterior_coefficient_draws(posterior, draws, seed, allow_model_change)
        source = Path(posterior).name
    n = replications

    def pair(coefficients, count):
        kw = {"keep_series": False, "workers": workers, "coefficients": coefficients,
              "resettle": resettle, "engine": engine}  # fmt: skip
        a = run_ensemble(scenario, count, seed, steps, **kw)
        b = run_ensemble(cf_scenario, count, seed, steps, **kw)
        return a.summary, b.summary

    nom_a, nom_b = pair(None, n)
    outcomes = headline(scenario, nom_a)
    nominal = _per_draw(nom_a, nom_b, outcomes, 1, n)
    per_rep = {k: np.repeat(coeffs[k].to_numpy(), n) for k in coeffs}
    a, b = pair(per_rep, draws * n)
    per = _per_draw(a, b, outcomes, draws, n)
    table = coeffs.copy()
    for name in outcomes:
        table[f"effect_{name}"] = per[name]
    table["outcome_class"] = per["outcome_class"]
    table["p_crisis"], table["p_war"] = per["p_crisis"], per["p_war"]
    nominal_class = str(nominal["outcome_class"][0])
    rows = [_share_row(name, float(nominal[name][0]), per[name]) for name in outcomes]
    rows.append(
        {
            "outcome": "outcome_class",
            "nominal_effect": np.nan,
            "nominal_sign": 0,
            "share_same_sign": float(np.mean(per["outcome_class"] == nominal_class)),
            "effect_p5": np.nan,
            "effect_p95": np.nan,
        }
    )
    for key, label in (("p_crisis", "draws_p_crisis_ge_half"), ("p_war", "draws_p_war_ge_half")):
        rows.append({"outcome": label, "nominal_effect": float(nominal[key][0]),
                     "nominal_sign": 0, "share_same_sign": float(np.mean(per[key] >= 0.5)),
                     "effect_p5": np.nan, "effect_p95": np.nan})  # fmt: skip
    return Robustness(
        table,
        pd.DataFrame(rows),
        {k: float(nominal[k][0]) for k in outcomes},
        nominal_class,
        regime_table(nominal, per, n),
        "re-settled" if resettle else "nominal",
        source,
    )


def check_request(draws: int, spread: float, replications: int) -> None:
    """Refuse (one line) a spread outside [0, 1) or more runs than the cap allows; every
    draw runs its replications twice (scenario and counterfactual)."""
    from sim.errors import UsageError
    from sim.limits import MAX_REPLICATIONS, check_count

    if isinstance(spread, bool) or not isinstance(spread, int | float):  # was a TypeError
        raise UsageError(f"--spread must be a number in [0, 1), found {spread!r}")
    if not 0.0 <= spread < 1.0:
        raise UsageError(f"--spread must be in [0, 1), found {spread}")
    check_count("--draws × --replications", draws * replications, MAX_REPLICATIONS)


def manifest(loaded: LoadedScenario, draws: int, spread: float, replications: int,
             seed: int | None, steps: int | None, argv: list[str], resettle: bool = True,
             posterior: Path | None = None, engine: str = "numpy",
             oat: dict | None = None) -> dict:  # fmt: skip
    """The robustness folder's manifest (sim/results/manifest.py `RobustnessManifest`);
    `oat` the one-at-a-time settings ({factors, replications}) when it ran."""
    from sim.jobs.run import versions
    from sim.provenance import provenance

    spec = loaded.scenario
    return {
        "kind": "robustness",
        "scenario": spec.name,
        "title": spec.title,
        "scenario_file": str(loaded.path),
        "scenario_hash": loaded.content_hash(),
        **provenance(loaded.model_input),
        "draws": draws,
        "spread": spread,
        "replications_per_draw": replications,
        "steps": spec.run.steps if steps is None else steps,
        "structure": "re-settled" if resettle else "nominal",
        "counterfactual": None
        if spec.counterfactual is None
        else (spec.counterfactual.model_dump(mode="json")),
        "posterior": None if posterior is None else str(posterior),
        "root_seed": spec.run.seed if seed is None else seed,
        "engine": engine,
        "one_at_a_time": oat,
        "command": argv,
        "versions": versions(),
        "files": {
            "draws": "draws.parquet",
            "shares": "robustness.csv",
            "regimes": "regimes.csv",
            "structures": "structures.csv (with --structures)",
            "oat": "oat.csv (with --one-at-a-time)",
            "charts": "charts/",
        },
    }


def write_robustness(out: Path, result: Robustness, meta: dict, csv: bool = False,
                     charts: Callable[[Path], object] | None = None, slot: Slot | None = None,
                     structures: pd.DataFrame | None = None,
                     oat: pd.DataFrame | None = None) -> Path:  # fmt: skip
    """Write the robustness folder atomically: draws, shares, regimes (and the structure
    comparison and the one-at-a-time table when asked for), manifest, then charts. The
    manifest names the nominal outcome class, so the report can say which class holds."""
    from sim.output import RESULT_ID, atomic_folder, finish, id_of_manifest
    from sim.results.write import write_frame

    meta = {**meta, "nominal_class": result.nominal_class}
    rid = meta[RESULT_ID] = id_of_manifest(meta)

    with atomic_folder(out, slot) as tmp:
        write_frame(tmp, "draws.parquet", result.draws, csv_copy=csv, rid=rid)
        write_frame(tmp, "robustness.csv", result.shares, rid=rid)
        write_frame(tmp, "regimes.csv", result.regimes, rid=rid)
        if structures is not None:
            write_frame(tmp, "structures.csv", structures, rid=rid)
        if oat is not None:
            write_frame(tmp, "oat.csv", oat, rid=rid)
        finish(tmp, meta, charts)
    return out


def report_lines(result: Robustness, draws: int, spread: float) -> list[str]:
    from sim.results.labels import outcome_label

    how = (
        f"every coefficient independently within ±{spread:.0%}"
        if result.source.startswith("±") or not result.source
        else f"coefficient sets from {result.source}"
    )
    held = "start re-settled per draw" if result.structure == "re-settled" else (
        "structural terms held at nominal")  # fmt: skip
    lines = [f"{draws} draws, {how} ({held}); share of draws that keep the nominal conclusion:"]
    for row in result.shares.itertuples():
        if row.outcome == "outcome_class":
            lines.append(
                f"  outcome class '{result.nominal_class}'{'':<13} {row.share_same_sign:6.1%}"
            )
            continue
        if row.outcome.startswith("draws_"):
            what = "P(crisis)" if "crisis" in row.outcome else "P(war)"
            lines.append(
                f"  draws with {what} ≥ 0.5: {row.share_same_sign:.1%} "
                f"(nominal {what} {row.nominal_effect:.1%})"
            )
            continue
        name = "P(crisis)" if row.outcome == CRISIS else outcome_label(row.outcome, unit=False)
        word = {1: "positive", -1: "negative", 0: "zero"}[row.nominal_sign]
        lines.append(
            f"  {name:<26} {word:<9}{row.share_same_sign:6.1%}   nominal {row.nominal_effect:+.3f},"
            f" draws 5–95% [{row.effect_p5:+.3f}, {row.effect_p95:+.3f}]"
        )
    return lines + regime_lines(result.regimes)


def _decimals(se: float) -> int:
    """Decimal places of a percentage worth printing: none finer than the Monte Carlo
    standard error's first significant digit."""
    pct = 100 * se
    return 0 if pct >= 1 else int(-np.floor(np.log10(pct))) if pct > 0 else 1


def regime_lines(regimes: pd.DataFrame) -> list[str]:
    """P(crisis), P(war): nominal ± Monte Carlo s.e., and the draws' 5–95% (no digits
    finer than the Monte Carlo noise)."""
    lines = []
    for r in regimes.itertuples():
        k = _decimals(r.mc_se)
        lines.append(
            f"  {r.regime:<10} nominal {100 * r.nominal:.{k}f}%"
            f" ± {100 * r.mc_se:.{k}f} pp (MC s.e.);"
            f" over draws mean {100 * r.draws_mean:.{k}f}%, median {100 * r.draws_median:.{k}f}%,"
            f" 5–95% [{100 * r.draws_p5:.{k}f}%, {100 * r.draws_p95:.{k}f}%]"
        )
    return lines


def compare_structures(scenario: Scenario, spreads: tuple[float, ...] = (0.25, 0.5),
                       posterior: Path | str | None = None, draws: int = 200,
                       replications: int = 40, seed: int | None = None,
                       steps: int | None = None, workers: int = 1,
                       allow_model_change: bool = False) -> pd.DataFrame:  # fmt: skip
    """Robustness re-settled per draw beside robustness with the structural terms held at
    nominal, for each ±spread box (and the posterior, if given): one row per variant."""
    sources: list[dict] = [{"spread": s} for s in spreads]
    if posterior is not None:
        sources.append({"posterior": posterior, "allow_model_change": allow_model_change})
    rows = []
    for source in sources:
        for resettle in (True, False):
            result = robustness(scenario, draws, replications=replications, seed=seed,
                                steps=steps, workers=workers, resettle=resettle,
                                **source)  # fmt: skip
            rows.append(_structure_row(result))
    return pd.DataFrame(rows)


def _structure_row(result: Robustness) -> dict:
    shares = result.shares.set_index("outcome")["share_same_sign"]
    row: dict = {"source": result.source, "structure": result.structure}
    for name in result.nominal:
        row[f"keep_{name}"] = float(shares[name])
    row["keep_outcome_class"] = float(shares["outcome_class"])
    for r in result.regimes.itertuples():
        key = "p_crisis" if r.regime == "P(crisis)" else "p_war"
        row[f"{key}_nominal"], row[f"{key}_mc_se"] = r.nominal, r.mc_se
        row[f"{key}_mean"], row[f"{key}_p5"], row[f"{key}_median"], row[f"{key}_p95"] = (
            r.draws_mean, r.draws_p5, r.draws_median, r.draws_p95)  # fmt: skip
    return row


def _band(row, key: str) -> str:
    """'5–50–95%' of the draws' regime probability, to the Monte Carlo precision."""
    k = _decimals(getattr(row, f"{key}_mc_se"))
    mean, p5, p50, p95 = (100 * getattr(row, f"{key}_{q}") for q in ("mean", "p5", "median", "p95"))
    return f"{mean:.{k}f}%; {p5:.{k}f}–{p50:.{k}f}–{p95:.{k}f}%"


def structure_lines(frame: pd.DataFrame) -> list[str]:
    """The comparison as text: per variant, the weakest headline's share, the outcome
    class's share and the draws' regime probabilities."""
    keep = [c for c in frame.columns if c.startswith("keep_") and c != "keep_outcome_class"]
    lines = ["source   structure    weakest headline kept   outcome class kept"
             "   P(crisis) draws mean; 5–50–95%   P(war) draws mean; 5–50–95%"]  # fmt: skip
    for r in frame.itertuples():
        weakest = min(keep, key=lambda c: getattr(r, c))
        pc, pw = _band(r, "p_crisis"), _band(r, "p_war")
        lines.append(
            f"{r.source:<8} {r.structure:<12} {getattr(r, weakest):6.1%} ({weakest[5:]})"
            f"   {r.keep_outcome_class:6.1%}   {pc:>22}   {pw:>20}"
        )
    return lines
