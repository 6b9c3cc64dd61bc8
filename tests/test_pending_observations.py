"""Pending observations (seeds/pending/) load, and no fit or held-out score reads them yet."""

from __future__ import annotations

from pathlib import Path

from sim.observe.observations import load_observations
from sim.observe.rolling import observations_of
from sim.observe.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
PENDING = sorted((ROOT / "seeds" / "pending").glob("*.yaml"))


def test_pending_files_are_valid_observations():
    observations = load_observations(PENDING)
    assert observations and {o.kind for o in observations} == {"summit"}


def test_no_fit_and_no_held_out_file_reads_a_pending_observation():
    pending = {o.id for o in load_observations(PENDING)}
    fitted = {o.id for o in observations_of(load_spec(ROOT / "scenarios/calibration/history.yaml"))}
    held = {
        o.id
        for o in load_observations(sorted((ROOT / "seeds/observations/holdout").glob("*.yaml")))
    }
    assert pending and not pending & (fitted | held)
