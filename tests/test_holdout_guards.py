"""The held-out guards after the session-20 review (sim/observe/holdout_files.py): a fit
refuses a held-out record under any id but not a user's own observation that only reuses
a held-out id; an observation beginning before the history is refused at its period, not
set aside for a wrong reason; hidden folders (notebook checkpoints) are not read."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import ScenarioError, UsageError
from sim.observe.holdout import checked_holdout
from sim.observe.holdout_files import held_files, refuse_held_records
from sim.observe.observations import load_observations
from sim.observe.rolling import observations_of
from sim.observe.spec import load_spec
from tests.test_reliability_round23 import NUKE_2026, record, write

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "scenarios" / "calibration" / "history.yaml"


def test_a_renamed_copy_of_a_held_out_record_is_refused_by_its_record(tmp_path):
    """The same series, period, value and source under a new id is the held-out datum
    itself: the id check alone let it through."""
    held = tmp_path / "holdout"
    write(held / "nukes.yaml", NUKE_2026)
    mine = write(tmp_path / "mine.yaml", NUKE_2026.replace("rv-nuke-2026", "my-own-id"))
    with pytest.raises(UsageError, match="my-own-id is a held-out observation"):
        refuse_held_records(load_observations(mine), held)


def test_a_users_own_observation_reusing_a_held_out_id_is_not_refused(tmp_path):
    """A 2019 summit that happens to be called like a held-out nuclear-test count is not
    held-out data: refusing it stopped the user's calibration with a false reason."""
    held = tmp_path / "holdout"
    write(held / "nukes.yaml", NUKE_2026)
    summit = record("rv-nuke-2026", "summit", "pair: [USA, PRK]", "2019-02", 1, "summits")
    mine = write(tmp_path / "mine.yaml", summit)
    refuse_held_records(load_observations(mine), held)  # no error
    same_series = NUKE_2026.replace('"2026-01/2026-06"', '"2026-07/2026-09"')
    with pytest.raises(UsageError, match="rv-nuke-2026 is a held-out observation"):
        refuse_held_records(load_observations(write(tmp_path / "b.yaml", same_series)), held)


def test_an_observation_beginning_before_the_history_is_refused_at_its_period(tmp_path):
    """2015-01/2025-12 passed the period checks and was then set aside as having "no
    in-sample observation of its series", which the series has."""
    spec = load_spec(SPEC)
    folder = tmp_path / "mine"
    early = record("rv-nuke-long", "nuclear_test", "actor: PRK", "2015-01/2025-12", 0, "tests")
    write(folder / "a.yaml", early)
    with pytest.raises(ScenarioError, match=r"a period starting in or after 2016-01"):
        checked_holdout(spec, observations_of(spec), folder)


def test_hidden_folders_of_a_held_out_folder_are_not_read(tmp_path):
    """A notebook's `.ipynb_checkpoints/` holds copies of the files: read, every id was a
    duplicate."""
    folder = tmp_path / "mine"
    kept = write(folder / "a.yaml", NUKE_2026)
    write(folder / ".ipynb_checkpoints" / "a-checkpoint.yaml", NUKE_2026)
    write(folder / ".hidden.yaml", NUKE_2026)
    assert held_files(folder) == [kept]
