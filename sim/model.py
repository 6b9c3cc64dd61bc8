"""`AllianceModel`: the Mesa 3 face of the array engine, for Mesa's own tools.

One model is one replication. Seeding follows Mesa's contract (`mesa.Model(seed=, rng=)`):

- `seed=S`: the root seed of an ensemble. The model draws its noise as replication
  `replication` of that root: each step's shocks are the counter-based Philox numbers
  of (step, replication, actor) (sim/noise.py), the same numbers the ensemble uses,
  so `AllianceModel(s, seed=S, replication=r)` is row r
  of `alliance-sim run --seed S` bit for bit (tests/test_mesa_path.py).
- `rng=...` (an int, a SeedSequence or a numpy Generator, as Mesa accepts) or nothing:
  Mesa builds `self.rng` from it (fresh OS entropy when None), and the root seed is drawn
  from `self.rng`. So `mesa.batch_run(AllianceModel, ..., iterations=k)` gives k distinct
  replications, and passing `rng` (or `seed`) as a batch parameter makes them reproducible.

Either way `model.root_seed` records the root, so any run can be replayed exactly with
`AllianceModel(s, seed=model.root_seed, replication=model.replication)`.
"""

from __future__ import annotations

from pathlib import Path

import mesa
import numpy as np

from sim import engine
from sim.agents import ActorAgent
from sim.ensemble import prepare
from sim.metrics import distancing_index, flags, frustration
from sim.noise import shocks
from sim.scenario.loader import LoadedScenario, load_scenario
from sim.scenario.schema import Scenario


def _as_scenario(scenario: Scenario | LoadedScenario | str | Path) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, LoadedScenario):
        return scenario.scenario
    return load_scenario(scenario).scenario


def _root_from(rng: np.random.Generator) -> int:
    """A root seed drawn from Mesa's generator (63 bits, as SeedSequence takes any int)."""
    return int(rng.integers(0, 2**63 - 1))


class AllianceModel(mesa.Model):
    """Alliance dynamics of one scenario, one replication.

    Args:
        scenario: a Scenario, a LoadedScenario or the path of a scenario file.
        replication: index of the replication (selects its spawned noise stream).
        seed: root seed of the ensemble this replication belongs to (reproducible).
        steps: run length; defaults to the scenario's run.steps (sets `running`).
        rng: Mesa's generator argument; without `seed` the root seed is drawn from it
            (None: OS entropy, a new replication each time).
    """

    def __init__(
        self,
        scenario: Scenario | LoadedScenario | str | Path,
        replication: int = 0,
        seed: int | None = None,
        steps: int | None = None,
        rng: np.random.Generator | np.random.SeedSequence | int | None = None,
    ):
        spec = _as_scenario(scenario)
        super().__init__(seed=seed, rng=rng)  # Mesa: either one, never both
        # The shocks come from the root seed's counter-based stream (sim/noise.py), apart
        # from Mesa's own generators, so Mesa never consumes draws that belong to the dynamics.
        self.root_seed = int(seed) if seed is not None else _root_from(self.rng)
        self.scenario = spec
        self.replication = int(replication)
        self.max_steps = spec.run.steps if steps is None else int(steps)
        self.world, self.events = prepare(spec)
        self.reps = np.array([self.replication])
        # the planned months' shocks in one block (a step past them draws its own: the
        # numbers are a function of the step, so both ways give the same shocks)
        self.noise = shocks(self.root_seed, self.reps, self.max_steps, self.world.ids)
        self.state = engine.start(self.world, self.reps)
        self.groups = [engine.EventGroup.for_all(self.events, 1)]
        self.event_log = engine.EventLog()
        for i, (actor_id, name) in enumerate(zip(self.world.ids, self.world.names, strict=True)):
            ActorAgent(self, i, actor_id, name)
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "distancing": lambda m: float(distancing_index(m.state, m.world)[0]),
                "frustration": lambda m: float(frustration(m.state)[0]),
                "crisis": lambda m: bool(flags(m.state)[0][0]),
                "war": lambda m: bool(flags(m.state)[1][0]),
            },
            # Named as the columns of system.parquet and timeseries.parquet.
            agent_reporters={
                "actor": "actor_id",
                "escalation": "escalation",
                "rung": "rung",
                "rung_name": "rung_name",
                "leverage": "leverage",
                "active": "active",
            },
        )
        self.running = True
        self.datacollector.collect(self)

    def step(self) -> None:
        t = self.state.step
        if t < len(self.noise):
            shock = self.noise[t]
        else:
            shock = shocks(self.root_seed, self.reps, 1, self.world.ids, start=t)[0]
        engine.step(self.state, self.world, self.groups, shock, self.event_log, self.reps)
        self.datacollector.collect(self)
        if self.state.step >= self.max_steps:
            self.running = False
