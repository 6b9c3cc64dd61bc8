"""Two forecast designs beside the plain one, on the same fit, origin and observations.

- plain: the posterior predictive of the free-running 2016 history (sim/observe/rolling.py);
- filtered: the same coefficients and runs, conditioned by a bootstrap particle filter on
  the observations up to the origin (sim/observe/assimilate.py), so the forecast starts from
  the state the data support;
- tracked: the filtered design with a drifting structure — the structural drives and
  preferences follow random walks (sim/observe/drift.py, scale `TRACK_SCALE`), so the filter
  conditions the structure itself, not only the coefficients, on the data;
- anomaly: the last observed value of the series plus the model's predicted change over the
  horizon — forecast level = level(last observation) + E_r[level(target)] − E_r[level(last)]
  per replication r, on the null forecasters' level scale (monthly rate, log trade, vote,
  exercise probability: sim/observe/nulls.level) and turned into an observable the way the
  nulls' levels are (nulls.to_observable). It differs from persistence only in using the
  model's change instead of one of the series' past changes: a standard way to let dynamics
  add to persistence without asking them to get levels right.

No design sees an observation after the origin or an event after it other than the dated
inputs of the history scenario; no weight between designs is fitted.

The filtered and tracked designs pool `FILTER_RUNS` independent filter runs (a mixture of
their posteriors: plain Monte Carlo variance reduction). Why: with one run, runs that
differed only in the filter's own random numbers (resampling offsets, Liu–West jitter)
put the filtered design's pooled skill against the events-only world anywhere from −0.53
to −0.02 on the same fits (docs/validation.md), and the bootstrap intervals resample
observations, not the filter. The runs share the coefficients, replications and ensemble seed and
differ only in their generator: the first run uses the caller's `rng` itself (so one run
is exactly the old single-run design), the others one child each spawned from it
(SeedSequence spawning: independent of the parent's stream and of each other). Each run
draws draws // runs measurement draws per particle, so the pooled sample per target keeps
the plain design's size (replications × draws) and CRPS stays comparable across designs.
The plain run the anomaly design reads assimilates nothing, so it never touches its
generator (no resampling, no jitter) and is not pooled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from sim.observe.assimilate import (
    FilterResult,
    Likelihood,
    log_mean_exp,
    particle_filter,
    path_draws,
)
from sim.observe.drift import TRACK_SCALE
from sim.observe.episodes import Episode, anchor_of, window
from sim.observe.likelihood import expected_level, log_likelihood
from sim.observe.nulls import level, series_history, to_observable
from sim.observe.observations import Observation
from sim.observe.streams import PerObservation

DESIGNS = ("model", "filtered", "anomaly", "tracked")  # "model" is the plain design (its old name)
FILTER_RUNS = 5  # filter runs pooled per design; divides the rolling and holdout DRAWS (10)


@dataclass
class DesignDraws:
    """Predictive samples {id: flat sample} of the filtered, anomaly and tracked designs,
    the filtered design's effective sample sizes [(month index, ESS)] and the filters' log marginal
    likelihood of the training data by drift scale ({scale: log evidence}; 0: filtered).
    With several pooled runs (module docstring) `ess` and `distinct` are the means over the
    filtered design's runs, each run's out of `replications` particles (a per-run diagnostic:
    the mean is its lower-noise estimate), and each log evidence is the log of the mean of
    the runs' evidences (log-mean-exp): every run's evidence estimate is unbiased, so is
    their mean, and its log is the pooled estimate of the log evidence."""

    filtered: dict[str, np.ndarray]
    anomaly: dict[str, np.ndarray]
    ess: list[tuple[int, float]] = field(default_factory=list)
    distinct: float = 0  # initial particles with descendants at the end (assimilate.py)
    tracked: dict[str, np.ndarray] = field(default_factory=dict)
    evidence: dict[float, float] = field(default_factory=dict)


def anomaly_draws(
    ep: Episode,
    plain: FilterResult,
    train: list[Observation],
    targets: list[Observation],
    rng: np.random.Generator,
    draws: int,
) -> dict[str, np.ndarray]:
    """{id: flat sample} of last observed level + the model's change (module docstring).
    A target without an earlier observation of its series that the episode covers has
    nothing to start from and is left out (as the nulls leave it out)."""
    out = {}
    rng_of = PerObservation(rng)  # each target its own stream (sim/observe/streams.py)
    for obs in targets:
        hist = [o for o in series_history(train, obs) if ep.covers(o)]
        if not hist:
            continue
        last = hist[-1]
        # the pair's anchor (a summit: its pair history), the same for both levels
        anchor = anchor_of(ep, plain.paths, obs)
        now = expected_level(obs, window(plain.paths, ep, obs), plain.ops, anchor)
        then = expected_level(last, window(plain.paths, ep, last), plain.ops, anchor)
        lv = np.repeat(level(last) + (now - then), draws)
        out[obs.id] = to_observable(obs, lv, rng_of(obs.id))
    return out


def run_streams(rng: np.random.Generator, runs: int) -> list[np.random.Generator]:
    """The generators of `runs` pooled filter runs: `rng` itself, then runs − 1 children
    spawned from it (module docstring)."""
    return [rng, *rng.spawn(runs - 1)]


@dataclass
class Pooled:
    """One design's pooled forecast: {id: flat sample} concatenated over the runs (run by
    run, each replication's draws together) and the runs themselves."""

    samples: dict[str, np.ndarray]
    runs: list[FilterResult]

    @property
    def log_evidence(self) -> float:
        return pooled_evidence(self.runs)


def pooled_evidence(runs: list[FilterResult]) -> float:
    """The pooled log evidence of filter runs: the log of the mean of their evidences."""
    return log_mean_exp(np.array([r.log_evidence for r in runs]))


def run_filters(
    coefs: tuple,
    rng: np.random.Generator,
    train: list[Observation],
    likelihood: Likelihood,
    runs: int,
    drift_scale: float = 0.0,
) -> list[tuple[np.random.Generator, FilterResult]]:
    """`runs` filter runs of `train`, each with its generator (run_streams); the runs'
    streams are independent, so running them before any forecast draws changes nothing."""
    return [
        (g, particle_filter(*coefs, g, train, likelihood, drift_scale=drift_scale))
        for g in run_streams(rng, runs)
    ]


def pooled_filter(
    ep: Episode,
    coefs: tuple,
    rng: np.random.Generator,
    train: list[Observation],
    likelihood: Likelihood,
    targets: list[Observation],
    draws: int,
    runs: int,
    drift_scale: float = 0.0,
) -> Pooled:
    """`runs` filter runs of `train` (one generator each: run_streams), each forecasting
    `targets` with draws // runs measurement draws per particle; `draws` % `runs` == 0."""
    samples: dict[str, list[np.ndarray]] = {o.id: [] for o in targets}
    done = run_filters(coefs, rng, train, likelihood, runs, drift_scale)
    for g, res in done:
        for k, v in path_draws(ep, res, targets, g, draws // runs).items():
            samples[k].append(v.ravel())
    return Pooled({k: np.concatenate(v) for k, v in samples.items()}, [r for _, r in done])


def check_runs(draws: int, runs: int) -> None:
    """Refuse a run count that does not split the draws evenly (the pooled sample would
    not have the plain design's size)."""
    if runs < 1 or draws % runs:
        raise ValueError(
            f"filter_runs={runs} must be a positive divisor of draws={draws}: each of the "
            "pooled filter runs draws draws // filter_runs per particle, so the pooled sample "
            "keeps the plain design's size (replications × draws)"
        )


def design_draws(
    ep: Episode,
    model_coefs: Mapping[str, np.ndarray],
    op_coefs: Mapping[str, np.ndarray],
    replications: int,
    seed: int,
    rng: np.random.Generator,
    train: list[Observation],
    targets: list[Observation],
    draws: int = 10,
    likelihood: Likelihood = log_likelihood,
    evidence_scales: tuple[float, ...] = (),
    filter_runs: int = FILTER_RUNS,
) -> DesignDraws:
    """The filtered, anomaly and tracked forecasts of `targets` from coefficient draws (one
    per replication) and the observations `train` up to the origin; `ep` must hold every
    observation of `train` and `targets` (episodes.assign) for the anchors and summit pair
    histories. The filtered and tracked designs each pool `filter_runs` filter runs, which
    must divide `draws` (module docstring). For each of `evidence_scales` `filter_runs` more
    filter runs record their pooled log evidence (a diagnostic: which drift the training
    data favour; no forecast uses it), pooled like the designs' so the scales compare."""
    check_runs(draws, filter_runs)
    coefs = (ep, model_coefs, op_coefs, replications, seed)
    filt = pooled_filter(ep, coefs, rng, train, likelihood, targets, draws, filter_runs)
    plain = particle_filter(*coefs, rng, [])  # assimilates nothing: draws no random number
    first = filt.runs[0]
    ess = [
        (month, float(np.mean([r.ess[i][1] for r in filt.runs])))
        for i, (month, _) in enumerate(first.ess)
    ]
    out = DesignDraws(
        filt.samples,
        anomaly_draws(ep, plain, train, targets, rng, draws),
        ess,
        float(np.mean([r.distinct for r in filt.runs])),
    )
    track = pooled_filter(
        ep, coefs, rng, train, likelihood, targets, draws, filter_runs, TRACK_SCALE
    )
    out.tracked = track.samples
    out.evidence = {0.0: filt.log_evidence, TRACK_SCALE: track.log_evidence}
    for scale in sorted(set(evidence_scales) - set(out.evidence)):
        runs = run_filters(coefs, rng, train, likelihood, filter_runs, scale)
        out.evidence[scale] = pooled_evidence([r for _, r in runs])
    return out
