"""A bootstrap particle filter over replications: forecasts that start from the state the
observations up to the origin support, not from the model's free-running state.

The plain rolling-origin forecast runs the history from January 2016 with posterior
coefficients and ignores what was observed before the origin: its state at the origin is
wherever the dynamics drifted. Here every replication is a particle (its model and operator
coefficients and its state). The particles run month by month through the engine's own
`start` and `step` (sim/engine.py); when an observation's period ends, each particle is
weighted by the observation's likelihood under its state over that period
(sim/observe/likelihood.py), and the particles are resampled systematically (Kitagawa 1996)
with an explicit seeded generator — the bootstrap filter of Gordon, Salmond & Smith (1993).
The effective sample size before each resampling is recorded. Past the origin nothing is
assimilated: the resampled particles run on with the dated exogenous inputs only.

Each particle's coefficients are resampled with it and then rejuvenated by the Liu–West
kernel (sim/observe/rejuvenate.py): without that, static coefficients are only ever copied,
and after a few dozen assimilations one to three of the initial sets are left.

Resampling copies a particle's whole path (path-space filter), so observations spanning
several months, trade anchors and summit pair histories read the surviving ancestors'
states. Each slot keeps its own noise stream (counter-based by slot, sim/noise.py), so
copies of one particle diverge after resampling. With a flat likelihood the weights are
uniform, systematic resampling is the identity, and the filter reproduces the plain run
exactly (tests/test_assimilate.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from sim.engine import EventGroup, start, step
from sim.ensemble import prepare
from sim.noise import shocks
from sim.observe.drift import drift
from sim.observe.episodes import Episode, anchor_of, is_anchor, window
from sim.observe.likelihood import log_likelihood
from sim.observe.observations import Observation
from sim.observe.operators import OPERATOR_COEFFICIENTS, Window, draw
from sim.observe.rejuvenate import rejuvenate_all
from sim.observe.streams import PerObservation
from sim.parameters import PARAMETERS
from sim.state import State
from sim.structural import is_given

Likelihood = Callable[..., np.ndarray]  # (obs, window, coefs, anchor) -> (R,) log p


def flat_likelihood(obs: Observation, w: Window, k: Mapping, anchor=None) -> np.ndarray:
    """The ablation: every particle equally likely, so the filter learns nothing."""
    return np.zeros(w.x.shape[1])


def normalise(log_weights: np.ndarray) -> np.ndarray:
    """Weights summing to one from log weights (max-shifted against underflow)."""
    w = np.exp(log_weights - np.max(log_weights))
    return w / w.sum()


def log_mean_exp(log_weights: np.ndarray) -> float:
    """log of the mean of exp(log_weights): one assimilation's factor of the marginal
    likelihood p(y_t | y_<t), the filter's estimate used to choose the drift scale."""
    top = float(np.max(log_weights))
    return top + float(np.log(np.mean(np.exp(log_weights - top))))


def ess(weights: np.ndarray) -> float:
    """Effective sample size 1 / Σ w² of normalised weights: N when uniform, 1 when one
    particle carries all."""
    return float(1.0 / np.sum(np.square(weights)))


def systematic_resample(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices of N particles drawn with one uniform offset: u_i = (U + i)/N against the
    cumulative weights. Lower variance than multinomial; uniform weights give the identity."""
    n = weights.size
    u = (rng.random() + np.arange(n)) / n
    idx = np.searchsorted(np.cumsum(weights), u, side="right")
    return np.minimum(idx, n - 1)


def take_state(state: State, idx: np.ndarray) -> None:
    """Replace every per-replication array of `state` (leading axis R) by its rows `idx`;
    arrays shared by all replications (leading axis 1) are left as they are."""
    r = state.replications

    def pick(v):
        if isinstance(v, np.ndarray) and v.ndim and v.shape[0] == r:
            return v[idx]
        if isinstance(v, dict):
            return {k: pick(a) for k, a in v.items()}
        return v

    for f in dataclasses.fields(state):
        setattr(state, f.name, pick(getattr(state, f.name)))


@dataclass
class Paths:
    """Monthly states of the surviving particles (index t: state after t steps)."""

    escalation: np.ndarray  # (T+1, R, N)
    commitment: np.ndarray  # (T+1, R, N, N)
    leverage: np.ndarray  # (T+1, R, N)
    readiness: np.ndarray  # (T+1, R, N, N) readiness to settle (ripeness)

    def record(self, t: int, state: State) -> None:
        self.escalation[t], self.commitment[t], self.leverage[t] = state.x, state.C, state.lev
        self.readiness[t] = state.ready

    def take(self, t: int, idx: np.ndarray) -> None:
        for a in (self.escalation, self.commitment, self.leverage, self.readiness):
            a[: t + 1] = a[: t + 1][:, idx]


@dataclass
class FilterResult:
    paths: Paths
    ops: dict[str, np.ndarray]  # operator coefficients of each final particle
    ess: list[tuple[int, float]] = field(default_factory=list)  # (month index, ESS before)
    ancestors: np.ndarray | None = None  # (R,) the initial particle each descends from
    log_evidence: float = 0.0  # log p(assimilated data): Σ over assimilations of log mean w
    model: dict[str, np.ndarray] = field(default_factory=dict)  # rejuvenated model coefficients

    @property
    def distinct(self) -> int:
        """How many initial particles still have descendants. Without rejuvenation this is
        the number of distinct coefficient sets left; with it, the copies of one ancestor
        carry jittered, distinct coefficients."""
        return int(np.unique(self.ancestors).size)


def free_model_names(model_coefs: Mapping[str, np.ndarray]) -> list[str]:
    """The model coefficients a particle carries in `state.params` (given structural terms
    live in the settled drives and preferences instead, and are only copied)."""
    return sorted(k for k in model_coefs if not is_given(k))


def resample_coefficients(
    state: State, out: FilterResult, names: list[str], w, idx, rng, rejuvenate: bool
) -> None:
    """Resample each particle's coefficients with its state; with `rejuvenate`, shrink and
    jitter them (Liu–West, sim/observe/rejuvenate.py). Call before `take_state`."""
    if not rejuvenate:
        out.ops = {k: v[idx] for k, v in out.ops.items()}
        return
    model = {k: state.params[k][:, 0].copy() for k in names}
    ops_bounds = {k: (c.lo, c.hi) for k, c in OPERATOR_COEFFICIENTS.items()}
    out.ops = rejuvenate_all(out.ops, w, idx, rng, ops_bounds)
    model_bounds = {k: (PARAMETERS[k].lo, PARAMETERS[k].hi) for k in names}
    out.model = rejuvenate_all(model, w, idx, rng, model_bounds)


def particle_filter(
    ep: Episode,
    model_coefs: Mapping[str, np.ndarray],
    op_coefs: Mapping[str, np.ndarray],
    replications: int,
    seed: int,
    rng: np.random.Generator,
    assimilate: list[Observation],
    likelihood: Likelihood = log_likelihood,
    drift_scale: float = 0.0,
    rejuvenate: bool = True,
) -> FilterResult:
    """Run the episode's replications, assimilating `assimilate` (observations of the
    episode) as their periods end; see the module docstring. With `drift_scale` > 0 the
    structural terms follow random walks (sim/observe/drift.py), before and after the
    origin alike; 0 is the fixed structure. `rejuvenate` (the default) moves the resampled
    coefficients by the Liu–West kernel; False is the plain bootstrap filter, whose
    coefficient sets thin out with every resampling."""
    world, events = prepare(ep.loaded.scenario)
    reps = np.arange(replications, dtype=np.int64)
    coefs = {k: np.asarray(v, float) for k, v in model_coefs.items()} or None
    state = start(world, reps, coefs)
    groups = [EventGroup.for_all(events, replications)]
    noise = shocks(seed, reps, ep.steps, world.ids)
    walks = drift(seed, reps, ep.steps, world.ids, drift_scale) if drift_scale else None
    n = world.n
    paths = Paths(
        np.empty((ep.steps + 1, replications, n)),
        np.empty((ep.steps + 1, replications, n, n)),
        np.empty((ep.steps + 1, replications, n)),
        np.empty((ep.steps + 1, replications, n, n)),
    )
    ops = {k: np.asarray(v, float).copy() for k, v in op_coefs.items()}
    due: dict[int, list[Observation]] = {}
    for o in assimilate:
        if ep.covers(o) and not is_anchor(ep, o):
            due.setdefault(o.last - ep.start, []).append(o)
    out = FilterResult(paths, ops, ancestors=reps.copy())
    names = [k for k in free_model_names(model_coefs) if state.params[k].shape[0] == replications]
    for t in range(ep.steps + 1):
        paths.record(t, state)
        if t in due:
            logw = sum(
                likelihood(o, window(paths, ep, o), out.ops, anchor_of(ep, paths, o))
                for o in sorted(due[t], key=lambda o: o.id)
            )
            logw = np.asarray(logw, dtype=float)
            out.log_evidence += log_mean_exp(logw)
            w = normalise(logw)
            out.ess.append((ep.start + t, ess(w)))
            idx = systematic_resample(w, rng)
            resample_coefficients(state, out, names, w, idx, rng, rejuvenate)
            take_state(state, idx)
            for k, v in out.model.items():  # the rejuvenated dynamics act from this month on
                state.params[k] = v[:, None]
            groups[0].fired = groups[0].fired[idx]
            paths.take(t, idx)
            out.ancestors = out.ancestors[idx]
        if t < ep.steps:
            step(state, world, groups, noise[t], None, reps)
            if walks is not None:
                walks.apply(state, t)
    return out


def path_draws(
    ep: Episode,
    result: FilterResult,
    targets: list[Observation],
    rng: np.random.Generator,
    draws: int,
) -> dict[str, np.ndarray]:
    """Predictive draws {id: (R, draws)} of `targets` from the filtered paths, through the
    same operators as the plain forecast (sim/observe/episodes.draw_observables)."""
    out = {}
    rng_of = PerObservation(rng)  # each target its own stream (sim/observe/streams.py)
    for obs in targets:
        w = window(result.paths, ep, obs)
        anchor = anchor_of(ep, result.paths, obs)
        out[obs.id] = draw(obs, w, result.ops, rng_of(obs.id), draws, anchor)
    return out
