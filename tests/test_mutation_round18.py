"""Round 18 of mutation testing (docs/reliability.md §16.4): the given structural terms
(sim/structural.py), the counter-based shocks (sim/noise.py) and the Python side of the
compiled engine (sim/kernel/loop.py, layout.py, counts.py).

Each test was written against a fault that `scripts/mutate.py` injected and no test of the
file's selection noticed; it checks a property or a mechanism the code documents, not a
copied number.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import start
from sim.ensemble import prepare
from sim.scenario.schema import Scenario
from sim.structural import GIVEN_BOUNDS
from tests.model_builders import actor

# --- given structural terms (sim/structural.py) ----------------------------------------------


def test_every_given_terms_bounds_are_centred_on_the_settled_value():
    """The settled drives, preferences and start are the prior's centre (the module's
    docstring): an offset may go as far down as up, so every bound pair is ±b with b > 0."""
    for kind, b in GIVEN_BOUNDS.items():
        assert b.lo == -b.hi and b.hi > 0, kind


def two_actors(**relations: float) -> Scenario:
    """AAA and BBB (given terms name actors by three capitals), escalation 0.2, no noise;
    `AAA_BBB=c` writes a commitment c both ways."""
    pairs = {k.split("_")[0]: {k.split("_")[1]: {"commitment": c}} for k, c in relations.items()}
    rel = {**pairs, **{b: {a: v} for a, inner in pairs.items() for b, v in inner.items()}}
    return Scenario.model_validate(
        {
            "name": "given",
            "title": "given terms",
            "actors": {a: actor(a, 0.2) for a in ("AAA", "BBB")},
            "relations": rel,
            "parameters": {"noise": 0.0},
            "run": {"steps": 12, "distancing": {"actor": "AAA", "partners": ["BBB"]}},
        }
    )


def given_start(offsets: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """AAA's settled start (escalation 0.2, no offset) and its start under `start_AAA`, one
    replication per offset."""
    w, _ = prepare(two_actors())
    reps = np.arange(len(offsets))
    settled = start(w, reps).x[:, 0]
    moved = start(w, reps, {"start_AAA": np.array(offsets)}).x[:, 0]
    return settled, moved


def test_a_start_offset_is_added_and_the_start_kept_within_0_and_1():
    """`start_A` is added to the settled escalation, which stays a level in [0, 1]: an
    offset past either end leaves the start at that end, never beyond it."""
    settled, moved = given_start([0.3, -0.1, 0.95, -0.95])
    assert settled == pytest.approx([0.2] * 4)
    assert moved[:2] == pytest.approx(settled[:2] + np.array([0.3, -0.1]))
    assert moved[2] == 1.0 and moved[3] == 0.0


# --- counter-based shocks (sim/noise.py) ------------------------------------------------------

NOISE_IDS = ["CHN", "PRK", "USA"]


def test_replication_numbers_are_refused_where_their_counters_would_be_the_next_blocks():
    """Replication r of block b has counter 2^32·b + r + 1 (sim/noise.py): replication 2^32
    would read replication 0's numbers of the next block, so replications stop below it.
    The documented maximum, 2^32 − 2, is accepted; a list is refused if any member is out
    of range, wherever it stands."""
    from sim.noise import words

    top = words(1, np.array([2**32 - 2]), range(0, 1), NOISE_IDS)
    assert not np.array_equal(top, words(1, np.array([0]), range(1, 2), NOISE_IDS))
    for reps in ([2**32 - 1], [2**32], [3, 2**32], [2**32, 3], [3, -1], [-1, 3]):
        with pytest.raises(ValueError, match="replication numbers"):
            words(1, np.array(reps), range(0, 1), NOISE_IDS)


def test_escalation_shocks_are_drawn_on_the_stream_tagged_sh():
    """The third counter word of the escalation shocks is the stream tag "SH" (0x5348):
    manifests name the scheme (`NOISE_SCHEME`) but not the tag, so another tag would change
    every shock while results still claimed the same scheme. The words are checked against
    Philox written out from the paper (tests/test_noise.py), not against the module's own
    constant."""
    from sim.noise import actor_key, seed_key, words
    from tests.test_noise import philox_reference

    tag = int.from_bytes(b"SH", "big")
    key = [int(k) for k in seed_key(7)]
    got = words(7, np.array([0, 5]), range(2, 3), NOISE_IDS)
    for j, r in enumerate((0, 5)):
        for i, a in enumerate(NOISE_IDS):
            counter = [(2 << 32) + r + 1, actor_key(a), tag, 0]
            assert got[0, j, i].tolist() == philox_reference(counter, key)


def test_no_replications_or_no_actors_give_empty_shocks_of_the_right_shape():
    """sim/observe/drift.py draws one stream per drifting pair, which may be none, and a
    chunk may hold no replication: an empty list is a (steps, R, 0) or (steps, 0, N) array
    of shocks, not an error."""
    from sim.noise import shocks

    assert shocks(3, np.arange(4), 6, []).shape == (6, 4, 0)
    assert shocks(3, np.array([], dtype=np.int64), 6, NOISE_IDS).shape == (6, 0, 3)


# --- the compiled engine's Python side (sim/kernel/) ------------------------------------------


def test_the_kernels_simulate_has_the_numpy_engines_contract_and_defaults():
    """sim.kernel.loop.simulate promises `sim.engine.simulate`'s contract: a caller that
    leaves out an argument (a sweep batch leaves out `resettle`) gets the same default on
    either engine."""
    import inspect

    from sim import engine
    from sim.kernel import loop

    def params(f):
        return [(p.name, p.default) for p in inspect.signature(f).parameters.values()]

    assert params(loop.simulate) == params(engine.simulate)


class EveryState:
    """A recorder that must see every state itself (no `keep`, no `kernel_series`)."""

    def __init__(self):
        self.steps: list[int] = []
        self.x: list[np.ndarray] = []

    def record(self, state):
        self.steps.append(int(state.step))
        self.x.append(state.x.copy())


def test_a_recorder_that_sees_every_state_gets_each_step_once_on_either_engine():
    """Such a recorder gets spans of one step from the kernel (sim/kernel/loop.py), also
    between events (here one, at step 3, which alone would cut the run into two spans):
    it sees steps 0, 1, …, T in order, each state the numpy engine's to rounding."""
    from sim import engine
    from sim.engine import EventGroup
    from sim.kernel import loop
    from tests.test_model_mechanisms import world

    jump = {"jump": {"label": "BB up", "at": 3, "add": {"actors.BB.escalation": 0.1}}}
    spec = world({"AA": {"BB": {"commitment": -0.4}}}, params={"noise": 0.03}, events=jump)
    w, events = prepare(spec)
    reps, steps = np.arange(3), 9
    recs = {}
    for name, simulate in (("numpy", engine.simulate), ("numba", loop.simulate)):
        recs[name] = EveryState()
        simulate(w, [EventGroup.for_all(events, len(reps))], reps, 4, steps, recs[name])
    assert recs["numba"].steps == recs["numpy"].steps == list(range(steps + 1))
    np.testing.assert_allclose(np.array(recs["numba"].x), np.array(recs["numpy"].x), atol=1e-12)


def test_only_a_summary_recorder_with_every_total_has_them_kept_by_the_kernel():
    """The kernel keeps a recorder's running totals only if the recorder says it keeps no
    series and has every total; any other must see the states itself."""
    from types import SimpleNamespace

    from sim.kernel.loop import summary_totals

    names = ("peak", "first_crisis", "first_war", "crisis_months", "peak_frustration")
    assert summary_totals(SimpleNamespace(keep=False, **dict.fromkeys(names)))
    assert not summary_totals(SimpleNamespace(keep=True, **dict.fromkeys(names)))
    assert not summary_totals(SimpleNamespace(**dict.fromkeys(names)))  # keep unknown
    assert not summary_totals(SimpleNamespace(keep=False, peak=None))
    assert not summary_totals(EveryState())


def engines_events(events: dict, steps: int):
    """The two engines' run of AA, BB, CC (noise on) with `events`: (numpy, numba)."""
    from sim.ensemble import run_chunk
    from tests.test_model_mechanisms import world

    spec = world(
        {"AA": {"BB": {"commitment": 0.4}}, "BB": {"CC": {"commitment": -0.5}}},
        params={"noise": 0.03},
        events=events,
    )
    w, compiled = prepare(spec)
    return [run_chunk(w, compiled, np.arange(4), 6, steps, keep_series=True, engine=e)
            for e in ("numpy", "numba")]  # fmt: skip


@pytest.mark.parametrize("at", [(3, 9), (4, 8), (2, 5)])
def test_the_engines_agree_whatever_spans_the_events_cut(at):
    """The kernel runs from one possible event to the next, each span on its own slice of
    the shocks. Events at a and b cut the 12 steps into [0, a), [a, b), [b, 12); with
    a + b = 12 the middle span is as long as the run is minus its start, not the whole."""
    events = {f"e{a}": {"label": f"step {a}", "at": a, "add": {"actors.BB.escalation": 0.1}}
              for a in at}  # fmt: skip
    ref, new = engines_events(events, 12)
    np.testing.assert_allclose(new.series.escalation, ref.series.escalation, atol=1e-12)
    np.testing.assert_allclose(new.series.commitment, ref.series.commitment, atol=1e-12)


def test_an_event_with_at_and_when_fires_at_step_at_on_either_engine():
    """`at` with `when` fires from `at` onwards while the condition holds
    (docs/scenario-format.md): when it holds already, the event fires at step `at` itself,
    in the kernel too (which must stop there to look)."""
    when = {"metric": "escalation", "actor": "AA", "above": 0.05}
    events = {"late": {"label": "late", "at": 5, "when": when,
                       "add": {"actors.CC.escalation": 0.2}}}  # fmt: skip
    ref, new = engines_events(events, 10)
    assert list(ref.events.step) == [5] * 4
    assert list(new.events.step) == list(ref.events.step)
    np.testing.assert_allclose(new.series.escalation, ref.series.escalation, atol=1e-12)


def test_the_shocks_layout_is_always_of_the_arrays_current_values():
    """Only a read-only shocks array's layout is kept for reuse (sim/kernel/layout.py): a
    writeable one may still change, so a layout taken before a change is never handed
    out for the changed array, even once it is made read-only."""
    from sim.kernel.layout import shocks_to_lanes, to_lanes

    noise = np.random.default_rng(1).normal(size=(5, 40, 3))
    shocks_to_lanes(noise)
    noise += 1.0  # the caller changes its own (writeable) array, then shares it
    noise.flags.writeable = False
    expected = to_lanes(np.moveaxis(noise, 1, 0), 40)
    np.testing.assert_array_equal(shocks_to_lanes(noise), expected)
    np.testing.assert_array_equal(shocks_to_lanes(noise), expected)
