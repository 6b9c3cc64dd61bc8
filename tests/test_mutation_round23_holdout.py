"""Round 23f: mutation testing of the held-out path (docs/reliability.md §16.12).

Each test closes a gap a surviving mutant of `sim/observe/holdout_files.py` or
`sim/observe/holdout.py` showed: the mutant passed the existing selection, and fails here.
The expected values are derived from the definitions (May 2024 is the last month of the
training data, a held-out observation must end after it and by the last month the history
can be run to, two observations of one series overlap when they share a month), never
copied from the code's output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.observe.holdout_files import (
    ORIGIN,
    not_scored_reason,
    overlap_notes,
    period_problems,
    straddle_notes,
)
from sim.observe.observations import load_observations, month_index
from sim.observe.series import one_per_definition

SOURCE = '{publisher: Test, title: Test, date: "2026-01-01", url: "https://example.org/t"}'
UNIT = "launch events"


def record(oid: str, period: str, value: float = 1, kind: str = "missile_launches",
           who: str = "actor: PRK", unit: str = UNIT) -> str:  # fmt: skip
    """One observation as a YAML flow mapping."""
    return (
        f'  - {{id: {oid}, kind: {kind}, {who}, period: "{period}", value: {value}, '
        f"unit: {unit}, reliability: estimate, source: {SOURCE}}}\n"
    )


def observations(path: Path, *records: str) -> list:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("observations:\n" + "".join(records))
    return load_observations(path)


# --------------------------------------------------------------------------- periods


def test_an_observation_ending_in_may_2024_itself_is_refused_and_one_ending_in_june_is_not(
    tmp_path,
):
    """May 2024 is the last month the fit sees (ORIGIN): a period ending in it is not held
    out, one ending a month later is."""
    assert month_index(2024, 5) == ORIGIN
    held = observations(tmp_path / "held.yaml", record("may", "2024-05"), record("jun", "2024-06"))
    start, last = month_index(2016, 1), month_index(2030, 12)
    (problem,) = period_problems(held, start, last)
    assert problem.path == "observations.0.period"
    assert problem.message == (
        "expected a period ending after 2024-05 (held out: after the training data), "
        "found '2024-05'"
    )


def test_an_observation_ending_in_the_last_month_the_history_can_run_to_is_accepted(tmp_path):
    """The history starting in January 2016 and run at most 132 months (11 years) ends in
    December 2026: a period ending then is inside the run, one ending in January 2027 is
    refused with the last month, the number of months and the first month."""
    start, last = month_index(2016, 1), month_index(2016, 1) + 132 - 1
    held = observations(tmp_path / "held.yaml", record("dec", "2026-12"), record("jan", "2027-01"))
    (problem,) = period_problems(held, start, last)
    assert problem.path == "observations.1.period"
    assert problem.message == (
        "expected a period ending by 2026-12 (the history runs at most 132 months from "
        "2016-01), found '2027-01'"
    )


# --------------------------------------------------------------------------- set aside


@pytest.mark.parametrize("shorter", ["2025-01/2025-06", "2025-12/2026-03"])
def test_an_observation_sharing_one_month_with_the_kept_one_names_it(tmp_path, shorter):
    """Two observations of one series that share a single month overlap (one observation
    per period and definition): the shorter is dropped, whether the shared month is its last
    or its first, and its note names the kept one."""
    obs = observations(
        tmp_path / "held.yaml", record("short", shorter), record("long", "2025-06/2025-12")
    )
    kept, dropped = one_per_definition(obs)
    assert len(kept) == len(dropped) == 1
    (k,), (d,) = kept, dropped
    assert (k.id, d.id) == ("long", "short")  # the longest period is preferred
    assert overlap_notes(dropped, kept) == [
        f"{d.id}: overlaps {k.id} of the same series (one observation per period and "
        f"definition, docs/observations.md: {k.id} is kept)"
    ]


def test_a_vote_needs_north_korea_in_the_scenario_and_other_kinds_do_not(tmp_path):
    """UNSC votes are on resolutions about North Korea (VOTE_TARGET): a vote of China in a
    scenario without PRK cannot be forecast; a summit of China and Russia there can."""
    vote, summit = observations(
        tmp_path / "held.yaml",
        record("vote", "2025-03", 0, "unsc_vote", "actor: CHN", "vote"),
        record("summit", "2025", 1, "summit", "pair: [CHN, RUS]", "summits"),
    )
    ids = {"CHN", "RUS", "USA"}
    assert not_scored_reason(vote, ids, anchor=False, history=True) == (
        "vote: the history scenario has no actor PRK"
    )
    assert not_scored_reason(summit, ids, anchor=False, history=True) == "summit: not scored"


# --------------------------------------------------------------------------- straddling


def test_a_score_beginning_in_may_2024_straddles_and_one_beginning_in_june_does_not(tmp_path):
    """A scored observation straddles when it begins by May 2024 (months the fit covers)."""
    held = observations(
        tmp_path / "held.yaml",
        record("from-may", "2024-05/2024-09"),
        record("from-jun", "2024-06/2024-09"),
    )
    assert straddle_notes(held, []) == [
        "from-may (2024-05/2024-09) begins before June 2024, in months the fit covers"
    ]


def test_a_training_observation_ending_in_the_first_month_of_a_straddling_one_is_named(
    tmp_path,
):
    """The fit saw part of a straddling observation's months when a training observation of
    its series ends in or after its first month: here both are March 2024."""
    (held,) = observations(tmp_path / "held.yaml", record("held", "2024-03/2024-08"))
    train = observations(
        tmp_path / "train.yaml", record("in-march", "2024-03"), record("in-feb", "2024-02")
    )
    assert straddle_notes([held], train) == [
        "held (2024-03/2024-08) begins before June 2024, in months the fit covers; the fit "
        "saw in-march of its series in those months"
    ]
