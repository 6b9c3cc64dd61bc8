"""Rolling-origin forecasts of the history, beside three null forecasters (issue 16, item 3).

For every origin year Y: fit on the observations that end by December Y, then forecast those
of Y+1 and Y+2 (`HORIZON`). Four forecasters see exactly the same observations:

- model: rejection ABC (sim/observe/rejection.py) of the model's, the given structural and
  the operator coefficients on the training data; the forecast is the posterior predictive
  of the one continuous 2016 run, whose only events are dated exogenous inputs (no future
  outcome is known to it), and with `origin_inputs_only` (the shipped spec) only those dated
  up to the origin (`unseen_inputs`). The run restarts in January 2016 with the posterior's
  coefficients: the state at the origin is not filtered to the data, only the coefficients
  carry what the training data taught;
- events_only: the same history with mechanisms and noise off (nulls.events_only), the
  operator coefficients refitted by the same ABC on the same data;
- persistence and trend: sim/observe/nulls.py, from the series' earlier observations.

Beside the plain model forecast, `rolling_forecasts` scores two designs from the same fit,
replications and ensemble seed (sim/observe/designs.py): *filtered*, the runs conditioned by
a particle filter on the observations up to the origin (sim/observe/assimilate.py), and
*anomaly*, the last observation plus the model's predicted change, and *tracked*, the filter
with a drifting structure (sim/observe/drift.py).

An observation is scored when the history covers it, it is not a trade anchor, and its series
has an earlier observation (else the nulls could not forecast it). The score is the CRPS of
the predictive sample, in the kind's own unit (for votes and exercises, whose outcomes are
consecutive integers, the CRPS equals the ranked probability score). Skill against a null is
1 − S_model/S_null per kind; pooled over kinds as 1 − Σ_k n_k·(S_model,k/S_null,k) / Σ_k n_k,
so no kind's unit dominates (docs/validation.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.observe.abc import Population, generator
from sim.observe.calibrate import build_problem, posterior_frame
from sim.observe.designs import DESIGNS, DesignDraws, design_draws
from sim.observe.distance import simulator
from sim.observe.drift import SCALES
from sim.observe.episodes import (
    Episode,
    assign,
    draw_observables,
    episode_of,
    is_anchor,
    split,
)
from sim.observe.hindcast import coefficient_draws
from sim.observe.nulls import METHODS, Overrides, events_only_of, null_draws, scenario_with
from sim.observe.observations import Observation, load_observations, month_index
from sim.observe.operators import OPERATOR_COEFFICIENTS
from sim.observe.rejection import rejection_abc
from sim.observe.scoring import FORECASTERS, crps_sample, skill_table  # noqa: F401
from sim.observe.series import definition, one_per_definition
from sim.observe.spec import CalibrationSpec
from sim.observe.streams import id_key, keyed
from sim.scenario.loader import load_scenario

ORIGINS = tuple(range(2018, 2024))
HORIZON = 2  # years forecast after each origin
NULL_DRAWS = 4000
ACCEPT = 0.04  # share of prior draws kept by the rejection ABC (population / ACCEPT drawn)
DRAWS = 10  # measurement draws per replication and observation


def events_only_spec(spec: CalibrationSpec) -> CalibrationSpec:
    """The events-only world (run with nulls.events_only_of): operator priors only."""
    priors = tuple(p for p in spec.priors if p.name in OPERATOR_COEFFICIENTS)
    return dataclasses.replace(spec, priors=priors)


def fit(
    spec: CalibrationSpec,
    keep: Callable[[Observation], bool],
    workers: int = 1,
    overrides: Overrides = None,
) -> tuple[pd.DataFrame, Population]:
    """Rejection ABC of the spec's priors on the observations `keep` accepts: the posterior
    (one row per kept particle) and the population."""
    prob, _ = build_problem(spec, workers, keep=keep, overrides=overrides)
    s = spec.settings
    pop = rejection_abc(simulator(prob), list(spec.priors), s["population"], ACCEPT, s["seed"])
    return posterior_frame(prob.names, pop), pop


def predictive_draws(
    spec: CalibrationSpec,
    post: pd.DataFrame,
    targets: list[Observation],
    context: list[Observation],
    workers: int,
    seed_key: int,
    overrides: Overrides = None,
) -> dict[str, np.ndarray]:
    """Posterior predictive samples of `targets` ({id: flat sample}) from the spec's first
    scenario; `context` supplies the anchors and the summit pair histories."""
    ep, model, ops, ens_seed = predictive_setup(spec, post, targets, context, seed_key, overrides)
    rng = generator(spec.settings["seed"], 6, seed_key)
    reps = spec.settings["predictive_replications"]
    draws = draw_observables(ep, model, ops, reps, ens_seed, rng, DRAWS, workers)
    return {o.id: draws.values[o.id].ravel() for o in targets}


def predictive_setup(
    spec: CalibrationSpec,
    post: pd.DataFrame,
    targets: list[Observation],
    context: list[Observation],
    seed_key: int,
    overrides: Overrides = None,
) -> tuple[Episode, dict, dict, int]:
    """The history episode holding `context` and `targets`, the model and operator
    coefficients of each replication (resampled from the posterior) and the ensemble seed:
    shared by the plain, filtered and anomaly designs, so they differ only in design."""
    s = spec.settings
    ep = episode_of(scenario_with(spec.scenarios[0], overrides))
    assign([ep], context + [o for o in targets if o not in context], {o.id for o in context})
    model, ops = split(coefficient_draws(post, s["predictive_replications"], s["seed"]))
    key = (5, seed_key)
    ens_seed = int(np.random.SeedSequence(s["seed"], spawn_key=key).generate_state(1, np.uint64)[0])
    return ep, model, ops, ens_seed


def fitted_draws(
    spec: CalibrationSpec,
    keep: Callable[[Observation], bool],
    targets: list[Observation],
    context: list[Observation],
    workers: int,
    seed_key: int,
    overrides: Overrides = None,
) -> dict[str, np.ndarray]:
    """Fit on the observations `keep` accepts, then draw the predictive of `targets`."""
    post, _ = fit(spec, keep, workers, overrides)
    return predictive_draws(spec, post, targets, context, workers, seed_key, overrides)


def scored_targets(
    spec: CalibrationSpec, train: list[Observation], test: list[Observation]
) -> list[Observation]:
    """Test observations every forecaster can forecast (see the module docstring)."""
    from sim.observe.nulls import series_history

    ep = episode_of(load_scenario(spec.scenarios[0]))
    assign([ep], train + test, {o.id for o in train})
    return [o for o in test if ep.covers(o) and not is_anchor(ep, o) and series_history(train, o)]


def score_rows(
    label: str,
    targets: list[Observation],
    train: list[Observation],
    fitted: dict[str, dict[str, np.ndarray]],
    seed: int,
) -> list[dict]:
    rows = []
    for obs in targets:
        samples = dict(fitted)
        for method in METHODS:
            rng = keyed(seed, 7, id_key(obs.id), METHODS.index(method))
            samples[method] = {obs.id: null_draws(method, train, obs, rng, NULL_DRAWS)}
        for name in samples:  # the fitted forecasters, then persistence and trend
            s = samples[name][obs.id]
            q05, q95 = np.quantile(s, [0.05, 0.95])
            rows.append(
                {
                    "origin": label,
                    "id": obs.id,
                    "kind": obs.kind,
                    "definition": definition(obs),
                    "period": obs.period,
                    "observed": obs.value,
                    "forecaster": name,
                    "median": float(np.median(s)),
                    "mean": float(np.mean(s)),  # a bias check: does it over-forecast?
                    "in90": bool(q05 <= obs.value <= q95),
                    "crps": crps_sample(s, obs.value),
                }
            )
    return rows


def observations_of(spec: CalibrationSpec) -> list[Observation]:
    return one_per_definition(load_observations(list(spec.observations)))[0]


def origin_split(
    observations: list[Observation], origin: int
) -> tuple[list[Observation], list[Observation], int]:
    """Training data (ending by December of the origin year), test data (the next
    HORIZON years) and the last training month."""
    end = month_index(origin, 12)
    lo, hi = month_index(origin + 1, 1), month_index(origin + HORIZON, 12)
    train = [o for o in observations if o.last <= end]
    test = [o for o in observations if lo <= o.first and o.last <= hi]
    return train, test, end


@dataclass(frozen=True)
class Fold:
    """One rolling origin: its training data, the test observations every forecaster can
    forecast, and the last training month (what a fit may see)."""

    origin: int
    train: list[Observation]
    targets: list[Observation]
    end: int

    def keep(self, o: Observation) -> bool:
        return o.last <= self.end


def folds(spec: CalibrationSpec, origins: tuple[int, ...]) -> Iterator[Fold]:
    """The origins with something to forecast, in order: one definition of the split for
    the forecasts here, the structure comparison and the reaction-gain profile."""
    observations = observations_of(spec)
    for origin in origins:
        train, test, end = origin_split(observations, origin)
        targets = scored_targets(spec, train, test)
        if targets:
            yield Fold(origin, train, targets, end)


def rolling_origin(
    spec: CalibrationSpec,
    origins: tuple[int, ...] = ORIGINS,
    workers: int = 1,
) -> pd.DataFrame:
    """One row per (origin, observation, forecaster) with its CRPS: the plain design."""
    return rolling_forecasts(spec, origins, workers, designs=False).rows


@dataclass
class Forecasts:
    """Rolling-origin forecasts of the three designs beside the nulls, on the same
    observations. `rows` is long (one row per origin, observation and forecaster: model —
    the plain design —, filtered, anomaly, events_only, persistence, trend); `.plain`,
    `.filtered` and `.anomaly` give one design's rows with the nulls, the design named
    "model", so scoring.skill_table scores it; `ess` holds the filter's effective sample
    size at each assimilation (origin, month, ess, particles, and the coefficient sets that
    survive to the origin: distinct); `evidence` the filters' log marginal likelihood of the
    training data by drift scale (origin, scale, log_evidence)."""

    rows: pd.DataFrame
    ess: pd.DataFrame
    evidence: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)

    def design(self, name: str) -> pd.DataFrame:
        others = [d for d in DESIGNS if d != name]
        part = self.rows[~self.rows["forecaster"].isin(others)].copy()
        part.loc[part["forecaster"] == name, "forecaster"] = "model"
        return part.reset_index(drop=True)

    @property
    def plain(self) -> pd.DataFrame:
        return self.design("model")

    @property
    def filtered(self) -> pd.DataFrame:
        return self.design("filtered")

    @property
    def anomaly(self) -> pd.DataFrame:
        return self.design("anomaly")

    @property
    def tracked(self) -> pd.DataFrame:
        return self.design("tracked")


def unseen_inputs(spec: CalibrationSpec, end: int) -> dict[str, int]:
    """Overrides that switch off the history's inputs dated after month `end` (their `at`
    moved past the run), when the spec sets `origin_inputs_only`; else none. Why: a forecast
    from an origin must not know an input nobody knew there (the 2020 border closure in a
    forecast made in December 2018; docs/preregistration-origin-inputs.md). The model's fit
    keeps every input, the events-only world's runs without them (`fitted_draws` takes one
    set of overrides for its fit and its forecast); either way the same numbers: a fit's
    distances and `no_war` filter read only the months up to its last observation
    (episodes.war_window), so a later input cannot change it."""
    if not spec.settings.get("origin_inputs_only"):
        return {}
    ep = episode_of(load_scenario(spec.scenarios[0]))
    never = ep.steps + 1
    events = ep.loaded.scenario.events
    return {
        f"events.{name}.at": never
        for name, ev in events.items()
        if ev.at is not None and ep.start + ev.at > end
    }


def design_rows(
    spec: CalibrationSpec,
    post: pd.DataFrame,
    train: list[Observation],
    targets: list[Observation],
    seed_key: int,
    overrides: Overrides = None,
) -> DesignDraws:
    """The filtered, anomaly and tracked forecasts from the same posterior draws,
    replications and ensemble seed as the plain predictive (rolling.predictive_draws), and
    the filters' evidence over the drift grid."""
    ep, model, ops, ens_seed = predictive_setup(spec, post, targets, train, seed_key, overrides)
    rng = generator(spec.settings["seed"], 9, seed_key)
    reps = spec.settings["predictive_replications"]
    return design_draws(
        ep, model, ops, reps, ens_seed, rng, train, targets, DRAWS, evidence_scales=SCALES
    )


def rolling_forecasts(
    spec: CalibrationSpec,
    origins: tuple[int, ...] = ORIGINS,
    workers: int = 1,
    designs: bool = True,
) -> Forecasts:
    """Every origin: fit the model and the events-only world on the data up to it, forecast
    the next HORIZON years with the plain design (and, with `designs`, the filtered and
    anomaly designs from the same fit: sim/observe/designs.py), score all on the same
    observations beside persistence and trend."""
    null_spec = events_only_spec(spec)
    rows: list[dict] = []
    ess: list[dict] = []
    evidence: list[dict] = []
    for fold in folds(spec, origins):
        origin, train, targets, keep = fold.origin, fold.train, fold.targets, fold.keep
        post, _ = fit(spec, keep, workers)
        unseen = unseen_inputs(spec, fold.end)
        fitted = {
            "model": predictive_draws(spec, post, targets, train, workers, origin, unseen or None)
        }
        if designs:
            more = design_rows(spec, post, train, targets, origin, unseen or None)
            fitted |= {"filtered": more.filtered, "anomaly": more.anomaly}
            fitted["tracked"] = more.tracked
            evidence += [
                {"origin": origin, "scale": k, "log_evidence": v}
                for k, v in sorted(more.evidence.items())
            ]
            n = spec.settings["predictive_replications"]
            ess += [
                {"origin": origin, "month": m, "ess": e, "particles": n, "distinct": more.distinct}
                for m, e in more.ess
            ]
        fitted["events_only"] = fitted_draws(
            null_spec, keep, targets, train, workers, origin, events_only_of(unseen)
        )
        rows += score_rows(str(origin), targets, train, fitted, spec.settings["seed"] + origin)
    cols = ["origin", "month", "ess", "particles", "distinct"]
    ev = pd.DataFrame(evidence, columns=["origin", "scale", "log_evidence"])
    return Forecasts(pd.DataFrame(rows), pd.DataFrame(ess, columns=cols), ev)


def in_sample(
    spec: CalibrationSpec, workers: int = 1
) -> tuple[pd.DataFrame, pd.DataFrame, Population]:
    """The model and the events-only world fitted to every observation and scored on them;
    the nulls forecast each observation from the earlier ones of its series (one step ahead:
    for them this is out of sample, so the comparison favours the nulls). Returns the rows,
    the model's posterior and its population (for the identifiability table)."""
    observations = observations_of(spec)
    targets = scored_targets(spec, observations, observations)
    post, pop = fit(spec, lambda o: True, workers)
    only = events_only_spec(spec)
    fitted = {
        "model": predictive_draws(spec, post, targets, observations, workers, 0),
        "events_only": fitted_draws(
            only, lambda o: True, targets, observations, workers, 0, events_only_of()
        ),
    }
    rows = score_rows("in-sample", targets, observations, fitted, spec.settings["seed"])
    return pd.DataFrame(rows), post, pop
