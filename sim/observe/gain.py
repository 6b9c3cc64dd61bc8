"""Reaction-gain profile: is the model losing to the events-only world because its
mechanisms are too stiff? (issue 16, item 6: a profile per coefficient.)

The Richardson reaction `reactivity · resolve · threat` is a small part of each actor's
escalation balance at the hand-set reactivity; the settled drive carries most of it
(docs/validation.md). If stiffness were why the dynamics add nothing to the forecasts, a
stronger reaction should forecast better. Here the reactivity is taken out of the priors
and fixed at multiples of its hand-set value; at each multiple the rest is fitted and
forecast at every rolling origin exactly as the full model (sim/observe/rolling.py), and
scored beside the events-only world, persistence and trend on the same observations.

This is a diagnostic, not a selection: no multiple is adopted by its score (the dynamics
coefficients stay at their hand-set values, docs/validation.md "Identifiability"). Same
seed, same table: every draw is keyed by the spec's seed, the origin and the observation.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from sim.observe.nulls import events_only_of
from sim.observe.rolling import (
    ORIGINS,
    events_only_spec,
    fitted_draws,
    folds,
    score_rows,
)
from sim.observe.scoring import NULLS, skill_table
from sim.observe.spec import CalibrationSpec
from sim.parameters import PARAMETERS

COEFFICIENT = "reactivity"
# Halved to quadrupled: at ×4 the reaction carries more than the whole start's escalation
# balance (the settled drive turns negative) and the arms race is unstable (docs).
MULTIPLES = (0.5, 1.0, 2.0, 4.0)


def fixed_spec(spec: CalibrationSpec, coefficient: str = COEFFICIENT) -> CalibrationSpec:
    """The spec without `coefficient` among its priors (it is then set by an override)."""
    return dataclasses.replace(spec, priors=tuple(p for p in spec.priors if p.name != coefficient))


def overrides_at(multiple: float, coefficient: str = COEFFICIENT) -> dict[str, float]:
    """The scenario override fixing `coefficient` at `multiple` × its hand-set value."""
    return {f"parameters.{coefficient}": multiple * float(PARAMETERS[coefficient].default)}


def gain_profile(
    spec: CalibrationSpec,
    multiples: tuple[float, ...] = MULTIPLES,
    origins: tuple[int, ...] = ORIGINS,
    workers: int = 1,
) -> pd.DataFrame:
    """Score rows (sim.observe.rolling.score_rows, one per observation and forecaster) with a
    `multiple` column; the events-only world is fitted once per origin and shared."""
    fixed, null_spec = fixed_spec(spec), events_only_spec(spec)
    seed = spec.settings["seed"]
    frames = []
    for fold in folds(spec, origins):
        origin, train, targets, keep = fold.origin, fold.train, fold.targets, fold.keep
        nulls = fitted_draws(null_spec, keep, targets, train, workers, origin, events_only_of())
        for m in multiples:
            model = fitted_draws(fixed, keep, targets, train, workers, origin, overrides_at(m))
            fitted = {"model": model, "events_only": nulls}
            rows = pd.DataFrame(score_rows(str(origin), targets, train, fitted, seed + origin))
            frames.append(rows.assign(multiple=m))
    return pd.concat(frames, ignore_index=True)


def gain_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Per multiple: the reactivity, the pooled skill against each null and the launch CRPS
    (the kind the reaction moves most)."""
    out = []
    for m, part in rows.groupby("multiple", sort=True):
        table = skill_table(part.drop(columns="multiple"))
        pooled = table[table["kind"] == "pooled"].iloc[0]
        launches = table[table["kind"] == "missile_launches"]
        out.append(
            {
                "multiple": m,
                COEFFICIENT: m * float(PARAMETERS[COEFFICIENT].default),
                **{f"pooled skill vs {n}": pooled[f"skill vs {n}"] for n in NULLS},
                "CRPS missile_launches": launches["CRPS model"].iloc[0] if len(launches) else None,
            }
        )
    return pd.DataFrame(out)
