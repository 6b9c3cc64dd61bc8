"""What an event does, as docs/scenario-format.md ("Events") and MODEL.md §11 promise:
`set`, `add` and `scale` set, add and multiply, clipped to the value's range; a treaty's
strength re-evaluates the obligations; `at` with `when` fires from `at` onwards while the
condition holds, and never before `at`; `once` fires once per replication.

Small worlds, one replication, effects applied directly (tests/test_scenario_events.py
runs whole scenarios). These close the gaps mutation testing found (docs/reliability.md §16.2).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import start
from sim.ensemble import prepare
from sim.events import apply_effect
from sim.parameters import PARAMETERS
from sim.scenario.loader import load_scenario
from sim.world import obligations
from tests.test_model_mechanisms import REPO, world

ALL = np.ones(1, dtype=bool)


def _state(spec):
    w, events = prepare(spec)
    return w, events, start(w, np.arange(1))


def _effect(path: str, op: str, value: float, treaties: dict | None = None):
    spec = world({}, treaties=treaties, events={"e": {"label": "e", "at": 0, op: {path: value}}})
    w, events, state = _state(spec)
    (effect,) = events[0].effects
    return w, state, effect


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [("set", 0.5, 0.5), ("add", 0.1, 0.3), ("add", -0.1, 0.1), ("scale", 0.5, 0.1),
     ("scale", 2.0, 0.4), ("add", 5.0, 1.0), ("scale", -1.0, 0.0)],
)  # fmt: skip
def test_set_add_and_scale_set_add_and_multiply_within_the_range(op, value, expected):
    w, state, effect = _effect("actors.AA.escalation", op, value)
    assert state.x[0, 0] == pytest.approx(0.2)
    apply_effect(state, w, effect, ALL)
    assert state.x[0, 0] == pytest.approx(expected)
    assert state.x[0, 1] == pytest.approx(0.2)  # only the named actor


def test_an_effect_leaves_replications_outside_its_mask_alone():
    spec = world({}, events={"e": {"label": "e", "at": 0, "add": {"actors.AA.escalation": 0.3}}})
    w, events = prepare(spec)
    state = start(w, np.arange(2))
    apply_effect(state, w, events[0].effects[0], np.array([False, True]))
    assert state.x[:, 0] == pytest.approx([0.2, 0.5])


def test_a_treaty_strength_effect_re_evaluates_the_obligations():
    treaties = {"ab": {"members": ["AA", "BB"], "obligation": "automatic"}}
    w, state, effect = _effect("treaties.ab.strength", "set", 0.0, treaties)
    before = state.O.copy()
    assert before[..., 0, 1].max() > 0  # the treaty binds AA and BB at the start
    apply_effect(state, w, effect, ALL)
    assert np.array_equal(state.O, obligations(w, np.zeros_like(state.treaty_strength)))
    assert state.O[..., 0, 1].max() == 0


def _due(at: int | None, when: bool, step: int, escalation: float, fired: bool = False):
    event = {"label": "e", "set": {"actors.BB.escalation": 0.9}}
    if at is not None:
        event["at"] = at
    if when:
        event["when"] = {"metric": "escalation", "actor": "AA", "above": 0.5}
    _, events, state = _state(world({}, events={"e": event}))
    state.x[:, 0] = escalation
    state.step = step
    return bool(events[0].due(state, None, np.array([fired]))[0])


def test_at_with_when_fires_from_at_onwards_while_the_condition_holds():
    assert not _due(at=3, when=True, step=2, escalation=0.9)  # before `at`: never
    assert not _due(at=3, when=True, step=5, escalation=0.2)  # condition false: no
    assert _due(at=3, when=True, step=3, escalation=0.9)
    assert _due(at=3, when=True, step=5, escalation=0.9)  # the first such step may be later


def test_at_alone_fires_at_that_step_only_and_once_means_once():
    assert _due(at=3, when=False, step=3, escalation=0.2)
    assert not _due(at=3, when=False, step=4, escalation=0.2)
    assert not _due(at=3, when=False, step=2, escalation=0.2)
    assert not _due(at=None, when=True, step=4, escalation=0.9, fired=True)
    assert _due(at=None, when=True, step=4, escalation=0.9)


def test_setting_active_switches_the_actor_and_nothing_else():
    w, state, effect = _effect("actors.BB.active", "set", 0.0)
    lev = state.lev.copy()
    assert state.active[..., 1].all()
    apply_effect(state, w, effect, ALL)
    assert not state.active[..., 1].any()
    assert state.active[..., [0, 2]].all()
    assert np.array_equal(state.lev, lev)


@pytest.mark.parametrize(("side", "level", "fires"),
                         [("above", 0.5, False), ("above", 0.51, True),
                          ("below", 0.5, False), ("below", 0.49, True)])  # fmt: skip
def test_conditions_are_strict(side, level, fires):
    event = {"label": "e", "when": {"metric": "escalation", "actor": "AA", side: 0.5},
             "set": {"actors.BB.escalation": 0.9}}  # fmt: skip
    _, events, state = _state(world({}, events={"e": event}))
    state.x[:, 0] = level
    assert bool(events[0].due(state, None, np.array([False]))[0]) is fires


@pytest.mark.parametrize(("op", "value", "expected"), [("set", 0.3, 0.3), ("add", 2.0, 1.0),
                                                       ("add", -2.0, 0.0)])  # fmt: skip
def test_leverage_moves_with_its_base_leverage_within_0_and_1(op, value, expected):
    w, state, effect = _effect("actors.AA.leverage", op, value)
    state.lev0 = np.full_like(state.lev0, state.lev[0, 0])
    apply_effect(state, w, effect, ALL)
    assert state.lev[0, 0] == pytest.approx(expected)
    assert state.lev0[..., 0] == pytest.approx(expected)


def test_a_condition_on_an_actor_not_taking_part_is_false():
    event = {"label": "e", "when": {"metric": "escalation", "actor": "BB", "above": 0.05},
             "set": {"actors.CC.escalation": 0.9}}  # fmt: skip
    _, events, state = _state(world({}, events={"e": event}))
    assert events[0].due(state, None, np.array([False]))[0]
    state.active = state.active.copy()
    state.active[..., 1] = False
    assert not events[0].due(state, None, np.array([False]))[0]


RANGES = [  # (key path, reads the value, lo, hi)
    ("actors.AA.escalation", lambda s: s.x[0, 0], 0.0, 1.0),
    ("actors.AA.capabilities.military", lambda s: s.cap["military"][..., 0].item(), 0.0, 1.0),
    ("actors.AA.traits.resolve", lambda s: s.traits["resolve"][..., 0].item(), 0.0, 1.0),
    ("relations.AA.BB.trade", lambda s: s.chan["trade"][..., 0, 1].item(), 0.0, 1.0),
    ("relations.AA.BB.commitment", lambda s: s.C_anchor[..., 0, 1].item(), -1.0, 1.0),
    ("relations.AA.BB.commitment", lambda s: s.C[0, 0, 1], -1.0, 1.0),
    ("treaties.ab.strength", lambda s: s.treaty_strength[..., 0].item(), 0.0, 1.0),
    ("parameters.reactivity", lambda s: s.params["reactivity"].item(),
     PARAMETERS["reactivity"].lo, PARAMETERS["reactivity"].hi),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "read", "lo", "hi"), RANGES, ids=[f"{r[0]}-{k}" for k, r in enumerate(RANGES)]
)
def test_every_effect_is_clipped_to_the_range_of_what_it_changes(path, read, lo, hi):
    treaties = {"ab": {"members": ["AA", "BB"], "obligation": "automatic"}}
    for value, expected in ((1e3, hi), (-1e3, lo)):
        w, state, effect = _effect(path, "add", value, treaties)
        apply_effect(state, w, effect, ALL)
        assert read(state) == pytest.approx(expected)


def test_an_event_fires_once_unless_it_says_once_false():
    when = {"metric": "escalation", "actor": "AA", "above": 0.1}
    events = {"a": {"label": "a", "when": when, "set": {"actors.BB.escalation": 0.9}},
              "b": {"label": "b", "when": when, "once": False,
                    "set": {"actors.BB.escalation": 0.9}}}  # fmt: skip
    _, compiled, state = _state(world({}, events=events))
    assert [bool(ev.due(state, None, np.array([True]))[0]) for ev in compiled] == [False, True]


def test_a_condition_naming_a_pair_is_false_if_either_is_not_taking_part():
    when = {"metric": "commitment", "actor": "AA", "partner": "BB", "below": 0.5}
    event = {"label": "e", "when": when, "set": {"actors.CC.escalation": 0.9}}
    _, events, state = _state(world({}, events={"e": event}))
    assert events[0].due(state, None, np.array([False]))[0]
    state.active = state.active.copy()
    state.active[..., 1] = False
    assert not events[0].due(state, None, np.array([False]))[0]


def test_a_theatre_intensity_effect_is_clipped_to_0_and_1():
    base = load_scenario(REPO / "scenarios" / "baseline.yaml").scenario
    for value, expected in ((1e3, 1.0), (-1e3, 0.0)):
        event = {"label": "e", "at": 0, "add": {"theatres.ukraine.intensity": value}}
        spec = base.model_validate({**base.model_dump(), "events": {"e": event}})
        w, events, state = _state(spec)
        apply_effect(state, w, events[0].effects[0], ALL)
        assert state.theatre_intensity[..., w.theatre_ids.index("ukraine")].item() == expected
