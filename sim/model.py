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

Recording: `model.datacollector` is an `ArrayCollector`, a `mesa.DataCollector` with the
reporters named as the results columns, that copies the state's arrays once per step
instead of calling a reporter per agent and deep-copying each value (Mesa's per-agent
collection was 48% of a Mesa run). Mesa's tables (`model_vars`, the agent records,
`get_model_vars_dataframe`, `get_agent_vars_dataframe`, what `mesa.batch_run` reads) are
built from the copies when asked for, equal to what `mesa.DataCollector` with the same
reporters records (tests/test_mesa_path.py); `escalation_history()` gives the array itself.
"""

from __future__ import annotations

from pathlib import Path

import mesa
import numpy as np

from sim import engine
from sim.agents import ActorAgent
from sim.ensemble import prepare
from sim.ladder import rung_name, rung_of
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


MODEL_REPORTERS = ("distancing", "frustration", "crisis", "war")  # as in system.parquet
# Agent reporter name -> ActorAgent attribute, named as the columns of timeseries.parquet.
AGENT_REPORTERS = {
    "actor": "actor_id",
    "escalation": "escalation",
    "rung": "rung",
    "rung_name": "rung_name",
    "leverage": "leverage",
    "active": "active",
}


def system_row(model: AllianceModel) -> tuple[float, float, bool, bool]:
    """The model reporters' values now (replication row 0)."""
    crisis, war = flags(model.state)
    distancing = distancing_index(model.state, model.world)[0]
    return float(distancing), float(frustration(model.state)[0]), bool(crisis[0]), bool(war[0])


class ArrayCollector(mesa.DataCollector):
    """Mesa's DataCollector for `AllianceModel`, recording array copies, not agent calls.

    The reporters are declared as Mesa declares them (attribute names of the agents), so
    the tables mean the same; `collect` copies the state's rows (escalation, leverage,
    active) and the four system values, and Mesa's `model_vars` / `_agent_records` are
    built from those copies on first read after a step.
    """

    def __init__(self, model: AllianceModel):
        super().__init__()
        self.model_reporters = {name: name for name in MODEL_REPORTERS}
        self.agent_reporters = dict(AGENT_REPORTERS)
        self._agents = [(a.unique_id, a.actor_id) for a in model.agents]
        self._steps: list[int] = []
        self._x: list[np.ndarray] = []
        self._lev: list[np.ndarray] = []
        self._active: list[np.ndarray] = []
        self._system: list[tuple[float, float, bool, bool]] = []
        self._tables: tuple[dict, dict] | None = None

    def collect(self, model: AllianceModel) -> None:
        state = model.state
        self._steps.append(model.steps)
        self._x.append(state.x[0].copy())
        self._lev.append(state.lev[0].copy())
        self._active.append(state.active[0].copy())
        self._system.append(system_row(model))
        self._tables = None

    def escalation_history(self) -> np.ndarray:
        """(collected steps, actors): escalation at each collection, actors in model order."""
        return np.array(self._x)

    def active_history(self) -> np.ndarray:
        """(collected steps, actors): whether each actor was active at each collection."""
        return np.array(self._active, dtype=bool)

    def system_history(self, name: str) -> list[float | bool]:
        """One model reporter's values at each collection (no table built)."""
        i = MODEL_REPORTERS.index(name)
        return [row[i] for row in self._system]

    def _built(self) -> tuple[dict, dict]:
        if self._tables is None:
            model_vars = {name: [row[i] for row in self._system]
                          for i, name in enumerate(MODEL_REPORTERS)}  # fmt: skip
            records = {}
            for k, step in enumerate(self._steps):
                x, lev, active = self._x[k].tolist(), self._lev[k].tolist(), self._active[k]
                rungs = rung_of(self._x[k]).tolist()
                records[step] = [
                    (step, uid, actor, x[i], rungs[i], rung_name(rungs[i]), lev[i],
                     bool(active[i]))
                    for i, (uid, actor) in enumerate(self._agents)
                ]  # fmt: skip
            self._tables = (model_vars, records)
        return self._tables

    @property
    def model_vars(self) -> dict[str, list]:  # type: ignore[override]
        return self._built()[0]

    @model_vars.setter
    def model_vars(self, value: dict) -> None:  # DataCollector.__init__ assigns {}
        pass

    @property
    def _agent_records(self) -> dict[int, list[tuple]]:  # type: ignore[override]
        return self._built()[1]

    @_agent_records.setter
    def _agent_records(self, value: dict) -> None:
        pass


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
        self.datacollector = ArrayCollector(self)
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
