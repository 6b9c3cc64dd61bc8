"""Round 23d: tests for the mutants that survived in the simulation loop and its Mesa view
(docs/reliability.md §16.10): `sim/engine.py` (the start and its memo, the events' firing
and log, the steps), `sim/state.py`, `sim/model.py` and `sim/agents.py`. Each test fails on
its mutant and passes on the original; each asserts a rule the code's docstrings, MODEL.md
or docs/results-format.md state, on cases whose expected values are derived in the test."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

from sim import engine
from sim.effects import counterfactual_of
from sim.scenario.loader import load_scenario
from sim.world import as_input

BASELINE = "scenarios/baseline.yaml"


@pytest.fixture
def settles(monkeypatch):
    """An empty start memo and a count of the starts `settled_start` settles afresh."""
    monkeypatch.setattr(engine, "_STARTS", OrderedDict())
    calls: list[int] = []
    plain = engine.start

    def counted(world, reps, coefficients=None, resettle=True):
        calls.append(len(reps))
        return plain(world, reps, coefficients, resettle)

    monkeypatch.setattr(engine, "start", counted)
    return calls


# ------------------------------------------------------------------ sim/engine.py
def test_a_worker_settles_each_start_of_two_arms_and_their_counterfactuals_once(settles):
    """`settled_start`'s memo: "a worker simulating many chunks of one scenario (and its
    counterfactual, the same input without some events) settles each start once", keeping
    "a few entries: the arms of one command and the last chunk's smaller size". Two arms
    (the baseline and Iran joining the axis: other relations), each with its counterfactual
    (whose start is its scenario's: the key leaves the events out), at two chunk sizes,
    asked for three times each in turn: 24 starts, four of them settled."""
    asks = []
    for path in (BASELINE, "scenarios/axis_with_iran.yaml"):
        scenario = load_scenario(path).scenario
        for w in (as_input(scenario), as_input(counterfactual_of(scenario))):
            asks += [(w, np.arange(n)) for n in (6, 4)]
    for _ in range(3):
        for w, reps in asks:
            engine.settled_start(w, reps)
    assert settles == [6, 4, 6, 4]


def test_the_start_memo_forgets_the_least_recently_used_start_first(settles):
    """The memo keeps `_STARTS_KEPT` starts and, when one more comes, drops the one asked for
    least recently (an LRU), never the one just settled: after starts of 1 .. KEPT rows, the
    first asked again (now the most recent) and one more size, only the second is settled
    again; the newest and every other one are served from the memo."""
    world = load_scenario(BASELINE).model_input
    kept = engine._STARTS_KEPT
    sizes = list(range(1, kept + 1))
    for n in sizes:
        engine.settled_start(world, np.arange(n))
    engine.settled_start(world, np.arange(1))  # the oldest, now the most recent
    engine.settled_start(world, np.arange(kept + 1))  # one more: the size 2 start goes
    assert settles == [*sizes, kept + 1]
    for n in [1, *sizes[2:], kept + 1]:
        engine.settled_start(world, np.arange(n))
    assert settles == [*sizes, kept + 1]
    engine.settled_start(world, np.arange(2))
    assert settles == [*sizes, kept + 1, 2]


def test_a_chunk_of_more_rows_than_the_memo_takes_is_settled_afresh_each_time(settles, monkeypatch):
    """ "One huge in-process chunk is not kept": a start of more than `_STARTS_MAX_ROWS` rows
    is settled every time it is asked for; one of exactly that many is kept."""
    monkeypatch.setattr(engine, "_STARTS_MAX_ROWS", 3)
    world = load_scenario(BASELINE).model_input
    for n in (3, 3, 4, 4):
        engine.settled_start(world, np.arange(n))
    assert settles == [3, 4, 4]


DRAWS = {"reactivity": np.linspace(0.05, 0.3, 4)}  # four replications' own coefficient


def test_a_start_with_coefficient_draws_is_settled_under_each_draw_by_default():
    """`start`: "With `resettle` (the default) the start is settled under each replication's
    own coefficients": called without the flag it is the resettled start, bit for bit, and
    not the start whose structure is held at the scenario's coefficients (which differs:
    the escalation drive depends on the reactivity)."""
    world, reps = load_scenario(BASELINE).model_input, np.arange(4)
    default = engine.start(world, reps, DRAWS)
    own, held = (engine.start(world, reps, DRAWS, resettle=r) for r in (True, False))
    for name in ("u", "r", "clients0", "hold0"):
        np.testing.assert_array_equal(getattr(default, name), getattr(own, name), name)
    assert not np.allclose(default.u, held.u)


def test_a_start_with_the_structure_held_keeps_the_scenarios_structural_terms():
    """`start(..., resettle=False)`: "the structural terms are those of the scenario's
    coefficients, so a draw also moves the start" (robustness with the structure held,
    MODEL.md §12): its drives and preferences are those of the start without draws, and
    its coefficients are the draws."""
    world, reps = load_scenario(BASELINE).model_input, np.arange(4)
    held = engine.start(world, reps, DRAWS, resettle=False)
    nominal = engine.start(world, reps)
    for name in ("u", "r", "clients0", "hold0"):
        expected = np.broadcast_to(getattr(nominal, name), getattr(held, name).shape)
        np.testing.assert_array_equal(getattr(held, name), expected, name)
    np.testing.assert_array_equal(held.params["reactivity"][:, 0], DRAWS["reactivity"])


class Levels:
    """A recorder of every state's escalation levels."""

    def __init__(self) -> None:
        self.x: list[np.ndarray] = []

    def record(self, state) -> None:
        self.x.append(state.x.copy())


def test_a_run_with_coefficient_draws_starts_settled_under_each_draw_by_default():
    """`simulate` passes its default on: without `resettle` a run with draws is the
    resettled run (`resettle=True`) bit for bit at every step, not the held one."""
    world, reps = load_scenario(BASELINE).model_input, np.arange(4)
    runs = {}
    for key, kw in (("default", {}), ("own", {"resettle": True}), ("held", {"resettle": False})):
        runs[key] = Levels()
        engine.simulate(world, [], reps, 5, 6, runs[key], coefficients=DRAWS, **kw)
    np.testing.assert_array_equal(np.array(runs["default"].x), np.array(runs["own"].x))
    assert not np.array_equal(np.array(runs["default"].x), np.array(runs["held"].x))


def test_an_event_fires_the_first_step_its_condition_holds_and_then_only_if_once_is_false():
    """MODEL.md §11: "`when:` the first time its condition holds (every time with
    `once: false`)", and "every firing is logged". A condition that holds from the start
    (AA at 0.2, above 0.1, in a world without noise) and an effect that changes nothing
    (adding 0): the plain event is logged once per replication, at step 0; its
    `once: false` twin at every one of the five steps."""
    from sim.ensemble import prepare
    from tests.test_model_mechanisms import world

    when = {"metric": "escalation", "actor": "AA", "above": 0.1}
    nothing = {"actors.CC.escalation": 0.0}
    events = {"a": {"label": "first", "when": when, "add": nothing},
              "b": {"label": "every", "when": when, "once": False, "add": nothing}}  # fmt: skip
    w, compiled = prepare(world({}, events=events))
    reps, log = np.arange(2), engine.EventLog()
    groups = [engine.EventGroup.for_all(compiled, len(reps))]
    engine.simulate(w, groups, reps, 0, 5, Levels(), log)
    fired = sorted(zip(log.event, log.replication, log.step, log.label, strict=True))
    assert [f for f in fired if f[0] == "a"] == [("a", r, 0, "first") for r in (0, 1)]
    assert [f for f in fired if f[0] == "b"] == sorted(
        ("b", r, t, "every") for r in (0, 1) for t in range(5)
    )


# ------------------------------------------------------------------ sim/model.py
def test_a_mesa_model_runs_its_planned_steps_and_then_stops():
    """`AllianceModel(steps=n)` "sets `running`": it is running until its n-th step and
    stops after it (Mesa's `batch_run` and ModelController step a model while it runs), at
    step n of its state, with n + 1 collections (the start and each step)."""
    from sim.model import AllianceModel

    model = AllianceModel(BASELINE, seed=3, steps=4)
    for t in range(4):
        assert model.running, t
        model.step()
    assert not model.running
    assert model.state.step == 4 and len(model.datacollector.escalation_history()) == 5
