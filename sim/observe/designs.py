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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from sim.observe.assimilate import FilterResult, Likelihood, particle_filter, path_draws
from sim.observe.drift import TRACK_SCALE
from sim.observe.episodes import Episode, anchor_of, window
from sim.observe.likelihood import expected_level, log_likelihood
from sim.observe.nulls import level, series_history, to_observable
from sim.observe.observations import Observation
from sim.observe.streams import PerObservation

DESIGNS = ("model", "filtered", "anomaly", "tracked")  # "model" is the plain design (its old name)


@dataclass
class DesignDraws:
    """Predictive samples {id: flat sample} of the filtered, anomaly and tracked designs,
    the filtered design's effective sample sizes [(month index, ESS)] and the filters' log marginal
    likelihood of the training data by drift scale ({scale: log evidence}; 0: filtered)."""

    filtered: dict[str, np.ndarray]
    anomaly: dict[str, np.ndarray]
    ess: list[tuple[int, float]] = field(default_factory=list)
    distinct: int = 0  # initial particles with descendants at the end (assimilate.py)
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
) -> DesignDraws:
    """The filtered, anomaly and tracked forecasts of `targets` from coefficient draws (one
    per replication) and the observations `train` up to the origin; `ep` must hold every
    observation of `train` and `targets` (episodes.assign) for the anchors and summit pair
    histories. For each of `evidence_scales` one more filter run records its log evidence
    (a diagnostic: which drift the training data favour; no forecast uses it)."""
    coefs = (ep, model_coefs, op_coefs, replications, seed)
    filt = particle_filter(*coefs, rng, train, likelihood)
    plain = particle_filter(*coefs, rng, [])
    out = DesignDraws(
        {k: v.ravel() for k, v in path_draws(ep, filt, targets, rng, draws).items()},
        anomaly_draws(ep, plain, train, targets, rng, draws),
        filt.ess,
        filt.distinct,
    )
    track = particle_filter(*coefs, rng, train, likelihood, drift_scale=TRACK_SCALE)
    out.tracked = {k: v.ravel() for k, v in path_draws(ep, track, targets, rng, draws).items()}
    out.evidence = {0.0: filt.log_evidence, TRACK_SCALE: track.log_evidence}
    for scale in sorted(set(evidence_scales) - set(out.evidence)):
        run = particle_filter(*coefs, rng, train, likelihood, drift_scale=scale)
        out.evidence[scale] = run.log_evidence
    return out
