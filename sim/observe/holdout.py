"""Held-out forecasts: the model fitted to every observation up to May 2024, scored on what
happened after it (seeds/observations/holdout/), beside the three null forecasters.

The fit is the in-sample posterior of the rolling-origin validation (rejection ABC of the
continuous 2016 history on all of seeds/observations/*.yaml, sim/observe/rolling.fit), so
the holdout files never enter it (sim/observe/observations.refuse_holdout). The history
scenario ends at step 100 (May 2024); the forecast runs the same scenario on to the last
held-out month with `run.steps` raised and nothing else changed: the dated inputs of the
history are all before 2024, so the run after May 2024 has no new input. Extending the run
does not change a single state up to step 100 (tests/test_holdout.py).

The June 2024 Russia–North Korea treaty is *not* an input of the main forecast: it was signed
at the June 2024 summit, which is itself a held-out observation, and the baseline's pact event
writes the pair's commitments, which the summit and vote operators read (docs/observations.md
§3: an outcome must not be an input). A sensitivity forecast, `pact`, adds the treaty as an
exogenous input that writes only what no operator reads: a Russia–North Korea treaty with
automatic obligation, strength 0 until June 2024 (step 101) and 0.8 from then on, the
baseline's value (scenarios/baseline.yaml). It shares the plain forecast's posterior draws,
replications and ensemble noise, so the two differ only by the treaty.

Forecasters, all on the same scored observations (those the extended run covers that are not
trade anchors and whose series has an in-sample observation): the model in the designs of
sim/observe/designs.py (plain, filtered on all in-sample data, anomaly, tracked) and with
the pact; the events-only world (operators refitted on the same data); persistence and trend
from the in-sample observations of each series. No coefficient, design or weight is chosen by its
held-out score.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.errors import ScenarioError, UsageError
from sim.limits import MAX_STEPS
from sim.observe.abc import Population, generator
from sim.observe.designs import design_draws
from sim.observe.episodes import assign, episode_of, is_anchor
from sim.observe.holdout_files import (
    HOLDOUT,
    ORIGIN,  # noqa: F401 (importable from here, as before round 23)
    held_files,
    not_scored_reason,
    overlap_notes,
    period_problems,
    straddle_notes,
    training_problems,
)
from sim.observe.nulls import events_only_of, level, series_history
from sim.observe.observations import Observation, load_observations, month_index
from sim.observe.rolling import (
    DRAWS,
    events_only_spec,
    fit,
    observations_of,
    predictive_draws,
    predictive_setup,
    score_rows,
)
from sim.observe.scoring import design_skill, sign_word, skill_table
from sim.observe.series import definition, one_per_definition
from sim.observe.spec import CalibrationSpec
from sim.scenario.loader import load_scenario

SEED_KEY = 2024  # predictive streams of the holdout (rolling origins use 2018–2023, 0)
# the model's forecasts ("model": the plain design)
VARIANTS = ("model", "filtered", "anomaly", "tracked", "pact")
FORECASTERS = (*VARIANTS, "events_only", "persistence", "trend")


def load_holdout(folder: Path = HOLDOUT) -> list[Observation]:
    """The held-out observations, one per series and period (series.one_per_definition)."""
    files = held_files(folder)
    return one_per_definition(load_observations(files))[0] if files else []


def checked_holdout(
    spec: CalibrationSpec, train: list[Observation], folder: Path
) -> tuple[list[Observation], list[str]]:
    """The held-out observations of `folder` (one per series and period) and why any other
    is not scored; a folder without observation files is a UsageError, an observation that
    ends by May 2024 or past the longest run, or that is in the training data, a located
    line (ScenarioError)."""
    files = held_files(folder)
    if not files:
        raise UsageError(f"{folder}: no observation file (*.yaml, *.yml) in it or its subfolders")
    every = load_observations(files)
    ep = episode_of(load_scenario(spec.scenarios[0]))
    problems = period_problems(every, ep.start, ep.start + MAX_STEPS - 1)
    problems += training_problems(every, train)
    if problems:
        raise ScenarioError(problems)
    kept, dropped = one_per_definition(every)
    return kept, overlap_notes(dropped, kept)


def extension(spec: CalibrationSpec, held: list[Observation]) -> dict[str, int]:
    """`run.steps` overrides that carry the history on to the last held-out month (never
    fewer steps than the scenario's own)."""
    ep = episode_of(load_scenario(spec.scenarios[0]))
    last = max((o.last for o in held), default=ep.start + ep.steps - 1)
    return {"run.steps": max(ep.steps, last - ep.start + 1)}


def pact_input(spec: CalibrationSpec) -> dict:
    """Overrides adding the June 2024 treaty as an exogenous input (module docstring): a
    treaty of strength 0 (no obligation) until its event sets the baseline's 0.8."""
    ep = episode_of(load_scenario(spec.scenarios[0]))
    at = month_index(2024, 6) - ep.start
    return {
        "treaties.rus_prk_2024": {
            "label": "Russia–North Korea Comprehensive Strategic Partnership (2024)",
            "members": ["RUS", "PRK"],
            "obligation": "automatic",
            "strength": {"value": 0.0, "evidence": ["fig-treaty-rus-prk-2024"]},
            "signed": 2024,
        },
        "events.pact_signed_2024": {
            "label": "Russia–North Korea treaty signed (June 2024), treaty strength only",
            "at": at,
            "evidence": ["treaty-rus-prk-assistance", "fig-treaty-rus-prk-2024"],
            "set": {"treaties.rus_prk_2024.strength": 0.8},
        },
    }


def scored(spec: CalibrationSpec, train: list[Observation], held: list[Observation],
           steps: dict) -> tuple[list[Observation], list[str]]:  # fmt: skip
    """Held-out observations every forecaster can forecast (inside the extended run, not a
    trade anchor, with an in-sample observation of the same series), and why each other one
    is not scored."""
    ep = episode_of(load_scenario(spec.scenarios[0], steps))
    assign([ep], train + held, {o.id for o in train})
    targets, skipped = [], []
    for o in held:
        covered, history = ep.covers(o), bool(series_history(train, o))
        if covered and history and not is_anchor(ep, o):
            targets.append(o)
        else:
            skipped.append(not_scored_reason(o, set(ep.ids), is_anchor(ep, o), history))
    return targets, skipped


@dataclass
class Holdout:
    """`rows`: one per (observation, forecaster) with its CRPS, predictive median and mean (the
    forecasters of FORECASTERS); `ess`: the filter's effective sample sizes; `skipped`: the
    held-out observations no forecaster could be scored on, with the reason; `population`:
    the model's fit (for an identifiability table without fitting again); `straddling`: the
    scored ones that begin before June 2024, in words."""

    rows: pd.DataFrame
    ess: pd.DataFrame
    skipped: list[str]
    population: Population | None = None
    straddling: list[str] = dataclasses.field(default_factory=list)  # straddle_notes

    def view(self, variant: str) -> pd.DataFrame:
        """One model variant with the nulls, the variant named "model" (for skill_table)."""
        others = [v for v in VARIANTS if v != variant]
        part = self.rows[~self.rows["forecaster"].isin(others)].copy()
        part.loc[part["forecaster"] == variant, "forecaster"] = "model"
        return part.reset_index(drop=True)

    def skill(self) -> pd.DataFrame:
        """Per kind and pooled, each variant's CRPS and skill against each null."""
        return design_skill({v: self.view(v) for v in VARIANTS})

    def table(self) -> pd.DataFrame:
        """The plain model and every null per kind (scoring.skill_table)."""
        return skill_table(self.view("model"))


def model_draws(
    spec: CalibrationSpec,
    post: pd.DataFrame,
    targets: list[Observation],
    train: list[Observation],
    workers: int,
    steps: dict,
) -> tuple[dict[str, dict], pd.DataFrame]:
    """Plain, pact, filtered, anomaly and tracked forecasts from one posterior, one set of
    replications and one ensemble seed; also the filter's ESS."""
    pact = {**steps, **pact_input(spec)}
    out = {
        "model": predictive_draws(spec, post, targets, train, workers, SEED_KEY, steps),
        "pact": predictive_draws(spec, post, targets, train, workers, SEED_KEY, pact),
    }
    ep, model, ops, ens_seed = predictive_setup(spec, post, targets, train, SEED_KEY, steps)
    rng = generator(spec.settings["seed"], 9, SEED_KEY)
    reps = spec.settings["predictive_replications"]
    more = design_draws(ep, model, ops, reps, ens_seed, rng, train, targets, DRAWS)
    out |= {"filtered": more.filtered, "anomaly": more.anomaly, "tracked": more.tracked}
    ess = [
        {"month": m, "ess": e, "particles": reps, "distinct": more.distinct} for m, e in more.ess
    ]
    return out, pd.DataFrame(ess, columns=["month", "ess", "particles", "distinct"])


def holdout_forecasts(spec: CalibrationSpec, workers: int = 1, folder: Path = HOLDOUT) -> Holdout:
    """Fit on every in-sample observation, forecast the held-out ones with every model
    variant and the events-only world, score them beside persistence and trend."""
    train = observations_of(spec)
    held, overlapping = checked_holdout(spec, train, folder)  # a copy of training data: refused
    steps = extension(spec, held)
    targets, skipped = scored(spec, train, held, steps)
    skipped = overlapping + skipped
    if not targets:  # was two fits, then a KeyError on the empty table
        raise UsageError(f"no held-out observation of {folder} can be scored: {'; '.join(skipped)}")
    post, pop = fit(spec, lambda o: True, workers)
    fitted, ess = model_draws(spec, post, targets, train, workers, steps)
    null_spec = events_only_spec(spec)
    null_post, _ = fit(null_spec, lambda o: True, workers, events_only_of())
    only = events_only_of(steps)
    fitted["events_only"] = predictive_draws(
        null_spec, null_post, targets, train, workers, SEED_KEY, only
    )
    rows = pd.DataFrame(score_rows("holdout", targets, train, fitted, spec.settings["seed"]))
    return Holdout(rows, ess, skipped, pop, straddle_notes(targets, train))


def level_of(obs: Observation, value: float) -> float:
    """`value` as an observable of `obs`, on the nulls' level scale (nulls.level)."""
    return level(dataclasses.replace(obs, value=float(value)))


def direction(delta: float) -> str:
    return "flat" if delta == 0 else sign_word(delta)


def directions(result: Holdout, train: list[Observation], held: list[Observation]) -> pd.DataFrame:
    """Per held-out observation: its series' last in-sample level, the observed direction of
    change from it (up / down / flat), and each forecaster's: the direction of its predictive
    median from the same last level. A last row gives each forecaster's share of hits."""
    by_id = {o.id: o for o in held}
    medians = result.rows.pivot_table(index="id", columns="forecaster", values="median")
    out = []
    for oid in medians.index:
        obs = by_id[oid]
        last = series_history(train, obs)[-1]
        ref = level(last)
        row = {
            "observation": oid,
            "series": f"{obs.kind} {'-'.join(obs.actors)} ({definition(obs)})",
            "from": f"{last.period}: {last.value:g}",
            "observed": f"{obs.value:g} ({direction(level(obs) - ref)})",
        }
        for f in FORECASTERS:
            row[f] = direction(level_of(obs, medians.loc[oid, f]) - ref)
        out.append(row)
    table = pd.DataFrame(out)
    if table.empty:
        return table
    truth = table["observed"].str.extract(r"\((\w+)\)$")[0]
    hits = {f: f"{(table[f] == truth).mean():.2f}" for f in FORECASTERS}
    summary = {"observation": "share right", "series": "", "from": "", "observed": "", **hits}
    return pd.concat([table, pd.DataFrame([summary])], ignore_index=True)
