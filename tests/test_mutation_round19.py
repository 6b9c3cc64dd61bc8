"""Round 19 of mutation testing (docs/reliability.md §16.5): the model input (sim/world.py),
the one frozen object every engine, worker and manifest reads.

Each test was written against a fault that `scripts/mutate.py` injected and no test of the
file's selection noticed; it checks a promise the module makes, not a copied number.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from sim.scenario.overrides import InvalidValue, apply
from sim.scenario.schema import Scenario
from sim.world import compile_input
from tests.model_builders import actor


def conditional_world():
    """AAA and BBB, no noise, one event `e` that fires once AAA's escalation is above 0.5
    (a condition with one bound, `above`, and no `at`)."""
    return compile_input(
        Scenario.model_validate(
            {
                "name": "conditional",
                "title": "one conditional event",
                "actors": {a: actor(a, 0.2) for a in ("AAA", "BBB")},
                "relations": {"AAA": {"BBB": {"commitment": 0.3}}},
                "parameters": {"noise": 0.0},
                "events": {
                    "e": {
                        "label": "e",
                        "when": {"metric": "escalation", "actor": "AAA", "above": 0.5},
                        "set": {"actors.BBB.escalation": 0.4},
                    }
                },
                "run": {"steps": 6, "distancing": {"actor": "AAA", "partners": ["BBB"]}},
            }
        )
    )


@pytest.mark.parametrize("field", ["x0", "params"])
def test_an_input_built_from_a_writable_array_keeps_its_own_copy(field):
    """The input is immutable, and a change is a new object built with
    `dataclasses.replace` (the module's docstring): the new input must hold its own
    read-only copy of an array it is given, so the caller's array stays the caller's
    (writable) and a later write to it, or to a view taken before, leaves the input as
    built. Checked for a start array and for a coefficient (the two freezing loops)."""
    base = conditional_world()
    given = [[0.25, 0.35]] if field == "x0" else [[0.7]]
    mine = np.array(given)
    view = mine[:]  # a view the caller took before building
    if field == "x0":
        model = replace(base, x0=mine)
        held = model.x0
    else:
        model = replace(base, params={**base.params, "reactivity": mine})
        held = model.params["reactivity"]
    assert not held.flags.writeable
    assert mine.flags.writeable  # the input did not take the caller's array over
    view[0, 0] = 0.9
    mine[0, -1] = 0.1
    np.testing.assert_array_equal(held, given)


def test_a_sweep_of_a_condition_bound_the_event_lacks_is_refused_by_its_own_check():
    """An event's condition bound is a sweep axis (`events.ID.when.above`, docs/sweeps.md);
    `apply` moves the bound the condition has and refuses the one it lacks, naming the
    bound's key path. It reads which bound a condition has from the input's events,
    which hold the values the scenario gave: a key left unset is absent, not None (a
    None `below` would pass that check and leave the refusal to the schema's generic
    "exactly one" rule)."""
    model = conditional_world()
    event = model.events["e"]
    assert "at" not in event and set(event["when"]) == {"metric", "actor", "above"}
    moved = apply(model, {"events.e.when.above": 0.6})
    assert moved.events["e"]["when"]["above"] == 0.6
    assert set(moved.events["e"]["when"]) == {"metric", "actor", "above"}
    # in the loader's words for the same --set (round 21); the mutant is caught above,
    # where the None keys would show in the event's condition
    with pytest.raises(InvalidValue) as caught:
        apply(model, {"events.e.when.below": 0.3})
    assert str(caught.value) == "events.e.when.below: give exactly one of 'above' or 'below'"
