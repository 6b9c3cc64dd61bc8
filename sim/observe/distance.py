"""The ABC distance of a batch of particles: what one simulation of a batch needs
(`FitSetup`), its simulated observables and their scale-standardised distance to the data.

Kept apart from sim/observe/calibrate.py (the whole calibration: problem, resume, output)
so that a worker process simulating a batch imports only what a batch needs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from sim.observe.abc import generator
from sim.observe.episodes import Episode, draw_observables, split
from sim.observe.observations import Observation
from sim.observe.operators import default_coefficients, transform
from sim.world import ModelInput, as_input

# Smallest distance scale per kind, on the transformed scale (sim.observe.operators.transform):
# 0.5 is the s.d. of √Poisson counts and about that of a coin flip; 0.1 is 10% in trade value.
SCALE_FLOOR = {
    "missile_launches": 0.5,
    "nuclear_test": 0.5,
    "summit": 0.5,
    "sanction_measure": 0.5,
    "unsc_vote": 0.5,
    "joint_exercise": 0.5,
    "trade_value": 0.1,
}


@dataclass
class FitSetup:
    """Everything a simulation of a batch of particles needs."""

    episodes: list[Episode]
    names: list[str]
    targets: list[tuple[int, Observation]]  # (episode index, observation) that are scored
    observed: np.ndarray  # (K,) transformed observed values
    weights: np.ndarray  # (K,) reliability weights
    replications: int  # per particle
    root_seed: int
    workers: int = 1
    scales: np.ndarray | None = None  # fixed from generation 0
    no_war: bool = False  # reject simulated data sets in which any actor reached war
    engine: str = "numpy"  # numpy or numba (sim/kernel/)


def coefficient_arrays(names: list[str], theta: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Per-replication arrays: replication r runs particle r // k; operator coefficients not
    being calibrated keep their documented defaults."""
    reps = theta.shape[0] * k
    out = default_coefficients(reps)
    for i, name in enumerate(names):
        out[name] = np.repeat(theta[:, i], k)
    return out


def simulated_matrix(prob: FitSetup, coefs: dict[str, np.ndarray], reps: int,
                     key: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(reps, K) transformed draws of every scored observation, one draw per replication,
    and (reps,) whether the replication reached war in any episode."""
    model, ops = split(coefs)
    cols = {}
    war = np.zeros(reps, dtype=bool)
    for e, ep in enumerate(prob.episodes):
        seed = int(np.random.SeedSequence(prob.root_seed, spawn_key=(1, *key, e))
                   .generate_state(1, np.uint64)[0])  # fmt: skip
        rng = generator(prob.root_seed, 2, *key, e)
        draws = draw_observables(ep, model, ops, reps, seed, rng, 1, prob.workers, prob.engine)
        war |= draws.war
        for obs in ep.observations:
            cols[(e, obs.id)] = transform(obs.kind, draws.values[obs.id][:, 0])
    return np.column_stack([cols[(e, o.id)] for e, o in prob.targets]), war


def robust_scales(sim: np.ndarray, floors: np.ndarray) -> np.ndarray:
    """Per-observation spread of the prior predictive (MAD·1.4826), at least the kind's floor:
    an observable the prior predicts almost surely (China votes yes) must not get a scale
    so small that one miss outweighs every other observation."""
    mad = 1.4826 * np.median(np.abs(sim - np.median(sim, axis=0)), axis=0)
    return np.maximum(mad, floors)


def batch_distances(prob: FitSetup, theta: np.ndarray, t: int, b: int) -> np.ndarray:
    """(particles, data sets) distances of one batch of particles. The first batch ever
    simulated fixes the distance scales (`prob.scales`) for every later one."""
    k = prob.replications
    sim, war = simulated_matrix(
        prob, coefficient_arrays(prob.names, theta, k), len(theta) * k, (t, b)
    )
    if prob.scales is None:
        floors = np.array([SCALE_FLOOR[o.kind] for _, o in prob.targets])
        prob.scales = robust_scales(sim, floors)
    z = (sim - prob.observed) / prob.scales
    d = np.sqrt((prob.weights * z**2).sum(axis=1) / prob.weights.sum())
    if prob.no_war:  # a pattern filter: no war happened, so a simulated one never fits
        d[war] = np.inf
    return d.reshape(len(theta), k)


class Simulator:
    """`simulate(theta, t, b)` of the ABC samplers, and `map` for many batches at once.

    Why `map`: a batch's seeds are keyed by (t, b), so batches are independent and can run
    whole on different workers, each returning only its small distance matrix. Spreading one
    batch's replications over the workers instead sends every replication's monthly series
    back through a pipe, which made two workers slower than one (issue 18). Same numbers
    with any number of workers."""

    def __init__(self, prob: FitSetup):
        self.prob = prob

    def __call__(self, theta: np.ndarray, t: int, b: int) -> np.ndarray:
        return batch_distances(self.prob, theta, t, b)

    def map(self, tasks: list[tuple[np.ndarray, int, int]]) -> list[np.ndarray]:
        """Distances of each (theta, t, b) task, in order; on the command's worker pool when
        there are workers and the scales are already fixed (else in this process)."""
        if self.prob.workers <= 1 or len(tasks) < 2 or self.prob.scales is None:
            return [self(*task) for task in tasks]
        from sim.pool import pool_for

        inner = shippable(self.prob)
        with pool_for(self.prob.workers) as pool:
            return list(pool.imap(batch_distances, [(inner, *task) for task in tasks]))


@dataclass(frozen=True)
class ShippedScenario:
    """What a worker needs of an episode's loaded scenario: its model input (plain arrays,
    picklable; a LoadedScenario holds pydantic classes built at load time, which are not)."""

    scenario: ModelInput


def shippable(prob: FitSetup) -> FitSetup:
    """A copy of `prob` for a worker process: one worker each (no pool inside a worker) and
    every episode's scenario replaced by the model input `run_ensemble` would build from it
    (sim.world.as_input), so a batch simulates exactly as it does in this process."""
    episodes = [
        dataclasses.replace(ep, loaded=ShippedScenario(as_input(ep.loaded.scenario)))
        for ep in prob.episodes
    ]
    return dataclasses.replace(prob, workers=1, episodes=episodes)


def simulator(prob: FitSetup) -> Simulator:
    return Simulator(prob)
