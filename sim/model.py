"""`AllianceModel`: the Mesa 3 face of the array engine, for Mesa's own tools.

One model is one replication. Its noise comes from the same per-replication generator
the ensemble uses, so `AllianceModel(s, replication=r)` reproduces row r of an ensemble
run bit for bit (tests/test_mesa_path.py).
"""

from __future__ import annotations

from pathlib import Path

import mesa
import numpy as np

from sim import engine
from sim.agents import ActorAgent
from sim.ensemble import prepare
from sim.metrics import distancing_index, flags, frustration
from sim.scenario.loader import LoadedScenario, load_scenario
from sim.scenario.schema import Scenario


def _as_scenario(scenario: Scenario | LoadedScenario | str | Path) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, LoadedScenario):
        return scenario.scenario
    return load_scenario(scenario).scenario


class AllianceModel(mesa.Model):
    """Alliance dynamics of one scenario, one replication.

    Args:
        scenario: a Scenario, a LoadedScenario or the path of a scenario file.
        replication: index of the replication (selects its spawned noise stream).
        seed: root seed; defaults to the scenario's run.seed.
        steps: run length; defaults to the scenario's run.steps (sets `running`).
    """

    def __init__(
        self,
        scenario: Scenario | LoadedScenario | str | Path,
        replication: int = 0,
        seed: int | None = None,
        steps: int | None = None,
        rng: object = None,
    ):
        spec = _as_scenario(scenario)
        root = spec.run.seed if seed is None else int(seed)
        # Mesa's own generator is kept apart from the noise stream, so Mesa never
        # consumes draws that belong to the dynamics.
        super().__init__(seed=root)
        self.scenario = spec
        self.replication = int(replication)
        self.max_steps = spec.run.steps if steps is None else int(steps)
        self.world, self.events = prepare(spec)
        self.reps = np.array([self.replication])
        self.state = engine.start(self.world, self.reps)
        self.noise = [engine.actor_rng(root, self.replication, a) for a in self.world.ids]
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
            agent_reporters={
                "actor": "actor_id",
                "escalation": "escalation",
                "rung": "rung",
                "leverage": "leverage",
            },
        )
        self.running = True
        self.datacollector.collect(self)

    def step(self) -> None:
        shock = np.array([[g.standard_normal() for g in self.noise]])
        engine.step(self.state, self.world, self.groups, shock, self.event_log, self.reps)
        self.datacollector.collect(self)
        if self.state.step >= self.max_steps:
            self.running = False
