"""Alternative model structures compared by held-out score (issue 16, items 4 and 6).

A structure switches mechanisms off by fixing their coefficients at 0 (the coefficient is then
removed from the priors). Each structure is fitted and forecast at every rolling origin
exactly as the full model is (sim/observe/rolling.py), on the same observations; the table
gives each structure's pooled skill against the full model and against persistence. Same
seed, same table: every draw is keyed by the spec's seed, the origin and the observation.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from sim.observe.nulls import EVENTS_ONLY, null_draws
from sim.observe.rolling import (
    NULL_DRAWS,
    ORIGINS,
    fitted_draws,
    folds,
    unseen_inputs,
)
from sim.observe.scoring import crps_sample
from sim.observe.significance import cell, skill_intervals
from sim.observe.spec import CalibrationSpec
from sim.observe.streams import id_key, keyed
from sim.parameters import PARAMETERS

# Every interaction mechanism off, the noise and fatigue kept: the events-only world (the third
# null) with its persistent noise back. The payoff mechanisms (axis_cost, patron_competition,
# alliance_fear) act only through commitment moves, so commit_step = 0 leaves them inert
# (axis_cost stays in the priors, drawn and without effect). It is the null that isolates
# the mechanisms: beating the events-only world rewards any persistent state, mechanisms or
# not (docs/preregistration-twin.md, addendum 3; docs/preregistration-noise-only.md).
NOISE_ONLY = "noise only (every mechanism off)"
KEPT_BY_NOISE_ONLY = ("noise", "fatigue")
MECHANISMS = tuple(
    name
    for name in (k.removeprefix("parameters.") for k in EVENTS_ONLY)
    if name not in KEPT_BY_NOISE_ONLY
)

# name -> coefficients fixed at 0 (sim/parameters.py; MODEL.md names each mechanism). A
# structure whose coefficients the model does not have is left out (the mechanisms changed
# between model versions: v2's `entrapment`, `abandonment` became v3's `alliance_fear`).
CANDIDATES: dict[str, tuple[str, ...]] = {
    "full": (),
    "no chain-ganging (backing)": ("backing",),
    "no moral hazard (moral_hazard)": ("moral_hazard",),
    "no patron restraint (restraint)": ("restraint",),
    "no patron competition (patron_competition)": ("patron_competition",),
    "no axis cost (axis_cost)": ("axis_cost",),
    "no Snyder fears (alliance_fear)": ("alliance_fear",),
    "no Snyder fears (entrapment, abandonment)": ("entrapment", "abandonment"),
    NOISE_ONLY: MECHANISMS,
}
STRUCTURES = {k: v for k, v in CANDIDATES.items() if all(c in PARAMETERS for c in v)}


def structure_spec(spec: CalibrationSpec, off: tuple[str, ...]) -> CalibrationSpec:
    return dataclasses.replace(spec, priors=tuple(p for p in spec.priors if p.name not in off))


def compare_structures(
    spec: CalibrationSpec,
    origins: tuple[int, ...] = ORIGINS,
    workers: int = 1,
    structures: dict[str, tuple[str, ...]] = STRUCTURES,
) -> pd.DataFrame:
    """One row per (structure, origin, observation): the CRPS of the structure's forecast and
    of persistence (the common reference)."""
    rows = []
    for fold in folds(spec, origins):
        origin, train, targets, keep = fold.origin, fold.train, fold.targets, fold.keep
        persist = {}
        for obs in targets:
            rng = keyed(spec.settings["seed"] + origin, 7, id_key(obs.id), 0)
            persist[obs.id] = crps_sample(
                null_draws("persistence", train, obs, rng, NULL_DRAWS), obs.value
            )
        later = unseen_inputs(spec, fold.end)  # the same for every structure
        for name, off in structures.items():
            overrides = {f"parameters.{c}": 0.0 for c in off}
            # the inputs known at the origin only; the fit reads no month after it anyway
            # (episodes.war_window), so it is the fit with every input
            draws = fitted_draws(
                structure_spec(spec, off), keep, targets, train, workers, origin, overrides | later
            )
            rows += [
                {
                    "structure": name,
                    "origin": origin,
                    "id": o.id,
                    "kind": o.kind,
                    "crps": crps_sample(draws[o.id], o.value),
                    "crps_persistence": persist[o.id],
                }
                for o in targets
            ]
    return pd.DataFrame(rows)


def _pooled_skill(mine: pd.Series, ref: pd.Series, n: pd.Series) -> float:
    return float(1.0 - (n * mine / ref).sum() / n.sum())


def structure_table(rows: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Per structure: pooled skill against the full model (with its 90% paired-bootstrap
    interval over the observations: does switching the mechanism off change the forecasts
    by more than the observations' noise?) and against persistence (kinds weighted by their
    number of observations, as in sim/observe/scoring.skill_table)."""
    per_kind = rows.groupby(["structure", "kind"])[["crps", "crps_persistence"]].mean()
    full = per_kind.loc["full", "crps"]
    out = []
    for name in dict.fromkeys(rows["structure"]):
        k = per_kind.loc[name]
        n = rows[rows["structure"] == name].groupby("kind").size()
        out.append(
            {
                "structure": name,
                "observations": int(n.sum()),
                "pooled skill vs full": _pooled_skill(k["crps"], full, n),
                "vs full, 90% interval": _against_full(rows, name, seed),
                "pooled skill vs persistence": _pooled_skill(k["crps"], k["crps_persistence"], n),
                "mean CRPS missile_launches": float(k["crps"].get("missile_launches", np.nan)),
            }
        )
    return pd.DataFrame(out).sort_values("pooled skill vs persistence", ascending=False)


def against_full(rows: pd.DataFrame, name: str, seed: int) -> pd.Series:
    """The structure's pooled skill against the full model with its 90% interval
    (sim/observe/significance.py: skill, low, high, ...); positive = the structure is better."""
    cols = ["origin", "id", "kind", "crps", *(["fit"] if "fit" in rows else [])]
    pair = pd.concat(
        [
            rows.loc[rows["structure"] == name, cols].assign(forecaster="model"),
            rows.loc[rows["structure"] == "full", cols].assign(forecaster="full"),
        ]
    )
    table = skill_intervals(pair, seed, nulls=("full",))
    return table[table["kind"] == "pooled"].iloc[0]


def _against_full(rows: pd.DataFrame, name: str, seed: int) -> str:
    """`against_full` as one cell with its verdict; a dash for the full model itself."""
    return "–" if name == "full" else cell(against_full(rows, name, seed))


def structure_seed_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Each structure's pooled skill against the full model, root seed by root seed (rows
    carry a `fit` column: the seed) and over all seeds. Why: every structure of one seed is
    compared with that seed's one full-model fit, so one unlucky full fit moves every
    verdict together; a gain that is the mechanism's holds seed after seed, one that is the
    fit's does not. The all-seeds interval resamples the seeds too (sim/observe/significance)."""
    seeds = list(dict.fromkeys(rows["fit"]))
    twice = rows.duplicated(["fit", "structure", "origin", "id"])
    if twice.any():  # a seed given twice: its column and the pooled one counted each fit twice
        seed = rows["fit"].to_numpy()[twice.to_numpy()][0]
        raise ValueError(
            f"structure_seed_table: seed {seed} scores a structure's forecast twice"
            " (a root seed given twice?)"
        )
    out = []
    for name in dict.fromkeys(rows["structure"]):
        if name == "full":
            continue
        row: dict[str, str] = {"structure": name}
        for s in seeds:
            row[f"seed {s}"] = _against_full(rows[rows["fit"] == s].drop(columns="fit"), name, s)
        row[f"all {len(seeds)} seeds"] = _against_full(rows, name, int(seeds[0]))
        out.append(row)
    return pd.DataFrame(out)
