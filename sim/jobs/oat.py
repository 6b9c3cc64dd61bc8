"""One-at-a-time (OAT) coefficient sensitivity: which coefficient moves which headline effect.

Why: the joint draws of `sim.jobs.robustness` say how often a conclusion survives, not
*which* coefficient it hangs on. Here every model coefficient in turn is multiplied by each
factor (default ×0.5 and ×2, clipped to its documented range) with all others nominal, and
the scenario and its counterfactual run again on the nominal replications and shocks (same
seed, common random numbers). A coefficient that no mechanism reads for an outcome therefore
leaves its effect exactly unchanged, and any change is the coefficient's own doing.

A row is a *knife edge* when the conclusion changes (`knife_reasons`): a nonzero nominal
effect flips sign or vanishes, or, for the 0/1 crisis outcome, the crisis effect or the
scenario's P(crisis) moves by more than 0.5. An effect that appears where the nominal one is
zero is recorded (`sign_held` false) but is not a knife edge: no nominal conclusion is lost.

The outcome thresholds (`FIXED`) define the outputs, not the dynamics, and stay fixed; a
coefficient whose nominal value is 0 has no multiplicative neighbourhood and is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.effects import CRISIS, counterfactual_of, effects_table, reported
from sim.ensemble import Arm, iter_arms, merge, prepare
from sim.errors import UsageError
from sim.jobs.robustness import FIXED, sign
from sim.oat_rules import COLUMNS, knife_reasons
from sim.parameters import PARAMETERS
from sim.scenario.schema import Scenario
from sim.world import ModelInput, as_input

DEFAULT_FACTORS = (0.5, 2.0)
CHUNK = 1000  # replications per kernel call (memory; results do not depend on it)


@dataclass(frozen=True)
class Variant:
    """One perturbed coefficient value (`factor` × nominal, clipped to its range)."""

    coefficient: str
    factor: float
    nominal: float
    value: float


def parse_factors(text: str) -> tuple[float, ...]:
    """`--factors 0.5,2` as numbers: finite, ≥ 0, distinct (one clear line otherwise)."""
    parts = [p.strip() for p in str(text).split(",")]
    if not parts or any(not p for p in parts):
        raise UsageError(f"--factors must be a comma-separated list of numbers, found {text!r}")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise UsageError(
            f"--factors must be a comma-separated list of numbers, found {text!r}"
        ) from None
    bad = [v for v in values if not np.isfinite(v) or v < 0]
    if bad:
        raise UsageError(f"--factors must be finite and at least 0, found {bad[0]:g}")
    if len(set(values)) != len(values):
        raise UsageError(f"--factors lists a factor twice: {text!r}")
    return values


def variants(scenario: Scenario | ModelInput, factors: tuple[float, ...]) -> list[Variant]:
    """Every (coefficient, factor) pair, in PARAMETERS order: the scenario's resolved value
    × factor, clipped to the documented range (a clipped value can equal the nominal)."""
    world, _ = prepare(scenario)
    out = []
    for name, p in PARAMETERS.items():
        nominal = float(world.params[name][0, 0])
        if name in FIXED or nominal == 0.0:
            continue
        for f in factors:
            out.append(Variant(name, f, nominal, float(np.clip(nominal * f, p.lo, p.hi))))
    return out


def _pair_effects(models: tuple[ModelInput, ModelInput], coefficient: str | None, value: float,
                  n: int, seed: int, steps: int, resettle: bool, engine: str,
                  outcomes: list[str]) -> pd.DataFrame:  # fmt: skip
    """The effects table of the scenario against its counterfactual with one coefficient
    set to `value` in every replication (None: nominal); both arms share the shocks. Runs
    in a pool worker, so only the small table travels back."""
    coefficients = None if coefficient is None else {coefficient: np.full(n, value)}
    arms = [Arm(models[0], False, resettle), Arm(models[1], False, resettle)]
    chunk = min(n, CHUNK)
    groups = list(iter_arms(arms, n, seed, steps, chunk, 1, False, coefficients, engine))
    a = merge([g[0] for g in groups]).summary
    b = merge([g[1] for g in groups]).summary
    return effects_table(a, b, outcomes)


def _tasks(models: tuple[ModelInput, ModelInput], items: list[Variant], n: int, seed: int,
           steps: int, resettle: bool, engine: str,
           outcomes: list[str]) -> list[tuple]:  # fmt: skip
    """`_pair_effects` arguments: the nominal first, then every variant in order."""
    values = [(None, 0.0)] + [(v.coefficient, v.value) for v in items]
    return [(models, c, x, n, seed, steps, resettle, engine, outcomes) for c, x in values]


def _results(tasks: list[tuple], workers: int) -> Iterator[pd.DataFrame]:
    """Each task's effects table in task order: here, or on the command's worker pool (each
    task is a whole pair of small ensembles, so workers share tasks, not replications)."""
    if workers <= 1 or len(tasks) <= 1:
        yield from (_pair_effects(*t) for t in tasks)
        return
    from sim.pool import pool_for

    with pool_for(workers) as pool:
        yield from pool.imap(_pair_effects, tasks, ordered=True)


def _all_effects(tasks: list[tuple], workers: int, progress: bool) -> list[pd.DataFrame]:
    """Every task's effects table, with a progress bar (one tick per change)."""
    from tqdm import tqdm

    out = []
    with tqdm(total=len(tasks), unit="change", disable=not progress, leave=False) as bar:
        for table in _results(tasks, workers):
            out.append(table)
            bar.update(1)
    return out


def _rows(v: Variant, table: pd.DataFrame, nominal: pd.DataFrame) -> list[dict]:
    rows = []
    for r in table.itertuples():
        nom = nominal.loc[r.outcome]
        want, got = sign(nom["effect_median"], r.outcome), sign(r.effect_median, r.outcome)
        change = r.effect_median - nom["effect_median"]
        reasons = knife_reasons(r.outcome, want, got, change,
                                r.scenario_median - nom["scenario_median"])  # fmt: skip
        rows.append({
            "coefficient": v.coefficient, "mechanism": PARAMETERS[v.coefficient].mechanism,
            "factor": v.factor, "nominal_value": v.nominal, "value": v.value,
            "clipped": bool(v.value != v.nominal * v.factor), "outcome": r.outcome,
            "nominal_effect": float(nom["effect_median"]), "effect_median": r.effect_median,
            "effect_p5": r.effect_p5, "effect_p95": r.effect_p95, "change": float(change),
            "nominal_sign": want, "sign": got, "sign_held": want == got,
            "nominal_level": float(nom["scenario_median"]), "level": r.scenario_median,
            "knife_edge": bool(reasons), "reason": "; ".join(reasons),
        })  # fmt: skip
    return rows


def one_at_a_time(scenario: Scenario, factors: tuple[float, ...] = DEFAULT_FACTORS,
                  replications: int = 40, seed: int | None = None, steps: int | None = None,
                  workers: int = 1, resettle: bool = True, engine: str = "numpy",
                  progress: bool = False) -> pd.DataFrame:  # fmt: skip
    """The OAT table (`COLUMNS`): one row per coefficient × factor × reported outcome (the
    headline outcomes and the crisis share), each against the nominal effect of the same
    replications. `resettle=False` holds the structural terms at nominal (MODEL.md §12)."""
    seed = scenario.run.seed if seed is None else seed
    steps = scenario.run.steps if steps is None else steps
    models = (as_input(scenario), as_input(counterfactual_of(scenario)))
    items = variants(models[0], factors)
    # the outcome names (headline, checked against the summary's columns) before the tasks:
    # one replication of one step is enough to know the columns
    probe = next(iter_arms([Arm(models[0], False, resettle)], 1, seed, 1, 1))[0].summary
    outcomes = reported(scenario, probe)
    tasks = _tasks(models, items, replications, seed, steps, resettle, engine, outcomes)
    tables = _all_effects(tasks, workers, progress)
    nominal = tables[0].set_index("outcome")
    rows = [row for v, t in zip(items, tables[1:], strict=True) for row in _rows(v, t, nominal)]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def check_oat(scenario: Scenario, factors: tuple[float, ...], replications: int) -> int:
    """The runs the OAT makes, (variants + the nominal) × replications × 2 worlds, refused
    (one line) above the replication cap; checked before any folder is made."""
    from sim.limits import MAX_REPLICATIONS, check_count

    pairs = (len(variants(scenario, factors)) + 1) * replications
    check_count("one-at-a-time variants × --replications", pairs, MAX_REPLICATIONS)
    return 2 * pairs


def knife_edge_lines(table: pd.DataFrame, replications: int) -> list[str]:
    """The compact terminal table: every knife edge, strongest change first."""
    from sim.results.folder import count
    from sim.results.labels import outcome_label

    edges = table[table["knife_edge"]]
    n_coef, n_fac = table["coefficient"].nunique(), table["factor"].nunique()
    head = (f"one at a time: {count(n_coef, 'coefficient')} × {count(n_fac, 'factor')}, "
            f"{count(replications, 'replication')} each (paired, same shocks); "
            f"knife edges: {len(edges)}")  # fmt: skip
    if edges.empty:
        return [head + " (every headline conclusion holds)"]
    lines = [head, f"  {'coefficient':<20} {'×':>5}  {'outcome':<30} {'nominal':>8} "
             f"{'now':>8}  why"]  # fmt: skip
    edges = edges.reindex(edges["change"].abs().sort_values(ascending=False).index)
    for r in edges.itertuples():
        name = "P(crisis)" if r.outcome == CRISIS else outcome_label(r.outcome, unit=False)
        lines.append(
            f"  {r.coefficient:<20} {r.factor:>5g}  {name[:30]:<30} {r.nominal_effect:>+8.3f} "
            f"{r.effect_median:>+8.3f}  {r.reason}{_level(r)}"
        )
    return lines


def _level(row) -> str:
    """' (P(crisis) 0.00 → 1.00)' for a crisis row: the scenario's level beside its effect."""
    if row.outcome != CRISIS:
        return ""
    return f" (P(crisis) {row.nominal_level:.2f} → {row.level:.2f})"
