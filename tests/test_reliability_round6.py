"""Reliability suite, round 6: the Python API and result objects as a newcomer uses them.

Each case was a fault before its fix (a traceback from numpy or a KeyError, a table read as
None without a word, or a line that named nothing): it calls the API or the command line
and checks for one `UsageError` line with the words that say what to change. The faults and
their fixes are listed in docs/reliability.md, section 12.
"""

from __future__ import annotations

import pytest
from reliability_tools import BASELINE

import sim
from sim.errors import UsageError

OBS = BASELINE.parents[1] / "seeds" / "observations" / "missile_launches.yaml"
HISTORY = BASELINE.parent / "history" / "base_2016.yaml"
TECH = BASELINE.parent / "russia_tech_transfer.yaml"
REACTIVITY = "parameters.reactivity"

# -- seeds: every call that takes one refuses what `sim.run` and the command line refuse ---

SEEDS = [  # `sim.run` checked the seed; these four passed -5 to numpy (ValueError traceback)
    ("compare", lambda seed: sim.compare(BASELINE, TECH, n=2, steps=2, seed=seed)),
    ("sweep", lambda seed: sim.sweep(BASELINE, {REACTIVITY: [0.1, 0.2]}, n=2, seed=seed)),
    ("robustness", lambda seed: sim.robustness(TECH, draws=2, n=2, steps=2, seed=seed)),
    ("hindcast", lambda seed: sim.hindcast(OBS, HISTORY, n=2, draws=1, seed=seed)),
]


SEED_LINES = [
    (-5, "seed must be a whole number of at least 0, found -5"),
    (2**70, "seed must be at most 9,223,372,036,854,775,807, found 1,180,591,620,717,411,303,424"),
]


@pytest.mark.parametrize("seed, line", SEED_LINES, ids=["negative", "2**70"])
@pytest.mark.parametrize("name, call", SEEDS, ids=[name for name, _ in SEEDS])
def test_a_seed_out_of_range_is_one_usage_error(name, call, seed, line):
    """-5 was numpy's "expected non-negative integer" traceback; 2**70 (which `--seed`
    refuses) ran in compare and hindcast."""
    with pytest.raises(UsageError) as info:
        call(seed)
    assert str(info.value) == line


# -- sweep arguments: a mapping without `high`, a design that does not exist ---------------

SWEEP_ARGS = [  # each was a KeyError traceback
    (
        lambda: sim.sweep(BASELINE, {REACTIVITY: {"low": 0.1}}, n=2, steps=2),
        "sweep parameter parameters.reactivity: expected (low, high[, levels]), "
        "{low:, high:, levels:} or a list of values, found {'low': 0.1}",
    ),
    (
        lambda: sim.sweep(BASELINE, {REACTIVITY: {"low": 0.1, "high": 0.2, "step": 3}}, n=2),
        "sweep parameter parameters.reactivity: expected (low, high[, levels]), "
        "{low:, high:, levels:} or a list of values, found {'low': 0.1, 'high': 0.2, 'step': 3}",
    ),
    (
        lambda: sim.sweep(BASELINE, {REACTIVITY: [0.1, 0.2]}, n=2, steps=2, design="magic"),
        "design: expected one of grid, lhs, sobol, morris, found 'magic'",
    ),
    (
        lambda: sim.sweep(BASELINE, {REACTIVITY: [0.1, 0.2]}, n=2, steps=2, design=5),
        "design: expected one of grid, lhs, sobol, morris, found 5",
    ),
]


@pytest.mark.parametrize("call, line", SWEEP_ARGS, ids=["no-high", "step", "magic", "5"])
def test_sweep_arguments_the_api_cannot_read_are_one_line(call, line):
    with pytest.raises(UsageError) as info:
        call()
    assert str(info.value) == line
