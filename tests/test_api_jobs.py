"""`sim.robustness`, `sim.calibrate`, `sim.hindcast`: plain API functions that write the
same folders as their commands and read them back lazily."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"
EPISODE = REPO / "scenarios" / "history" / "base_2016.yaml"  # the one continuous history
LAUNCHES = REPO / "seeds" / "observations" / "missile_launches.yaml"


def _cli(*args: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True,
                          text=True, cwd=REPO)  # fmt: skip
    assert proc.returncode == 0, proc.stderr


def test_robustness_api_writes_what_the_command_writes(tmp_path):
    res = sim.robustness(BASELINE, draws=4, n=5, steps=10, out=tmp_path / "api")
    assert isinstance(res, sim.RobustnessResults) and res._reader._tables == {}  # lazy
    _cli("robustness", str(BASELINE), "--draws", "4", "-n", "5", "--steps", "10", "--out",
         str(tmp_path / "cli"), "--no-plots")  # fmt: skip
    for name in ("robustness.csv", "draws.parquet"):
        assert (tmp_path / "api" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes()
    assert set(res.shares["outcome"]) >= {"final_distancing", "outcome_class"}
    assert len(res.draws) == 4
    assert res.manifest["kind"] == "robustness" and res.manifest["command"][0] == "sim.robustness"


def test_robustness_api_refuses_bad_requests_in_one_line():
    with pytest.raises(sim.UsageError, match=r"--spread must be in \[0, 1\)"):
        sim.robustness(BASELINE, draws=2, spread=1.5, n=2)
    with pytest.raises(sim.UsageError, match="draws must be a whole number"):
        sim.robustness(BASELINE, draws=0, n=2)


@pytest.mark.slow
def test_hindcast_api_matches_the_command(tmp_path):
    res = sim.hindcast(LAUNCHES, EPISODE, n=6, draws=2, out=tmp_path / "api")
    _cli("hindcast", str(LAUNCHES), str(EPISODE), "-n", "6", "--draws", "2", "--out",
         str(tmp_path / "cli"), "--no-plots")  # fmt: skip
    cli = pd.read_csv(tmp_path / "cli" / "hindcast.csv")
    pd.testing.assert_frame_equal(res.scores, cli)
    assert res.coverage["observations"] == int(cli["scored"].sum())
    assert res.manifest["posterior"] is None


@pytest.mark.slow
def test_calibrate_api_returns_a_readable_posterior(tmp_path, baseline):
    from tests.test_observe_calibrate import (
        history_scenario,
        most_influential,
        prior_bounds,
        synthetic_observations,
        write_spec,
    )

    scen = history_scenario(tmp_path, baseline)
    scenario = sim.load(scen).scenario
    name = most_influential(scenario)
    lo, hi = prior_bounds(name)
    obs = synthetic_observations(tmp_path, scenario, name, lo + 0.4 * (hi - lo), -1.5)
    spec = write_spec(tmp_path, scen, obs, name, population=12, generations=2)
    res = sim.calibrate(spec, out=tmp_path / "cal", charts=True)
    assert isinstance(res, sim.CalibrationResults)
    assert list(res.diagnostics["generation"]) == [0, 1]
    assert {name, "summit_log_rate", "weight"} <= set(res.posterior.columns)
    assert (tmp_path / "cal" / "report.html").is_file()
    assert len(res.predictive_check) > 0


def test_run_api_streams_chunk_by_chunk_like_the_command(monkeypatch, tmp_path):
    """`sim.run` appends one row group per chunk (never the whole ensemble in memory)."""
    import pyarrow.parquet as pq

    import sim.jobs.run as job

    def whole(*_a, **_k):
        raise AssertionError("sim.run held the whole ensemble in memory")

    monkeypatch.setattr(job, "CHUNK", 2)
    monkeypatch.setattr(job, "simulate", whole)
    res = sim.run(BASELINE, n=5, steps=3, out=tmp_path / "r")
    assert pq.ParquetFile(tmp_path / "r" / "timeseries.parquet").num_row_groups == 3
    assert sorted(res.summary["replication"]) == [0, 1, 2, 3, 4]
