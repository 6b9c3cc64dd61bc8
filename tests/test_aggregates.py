"""Run-time chart aggregates (sim/aggregates.py, `aggregates.parquet`): the same bytes for
any chunking and number of workers, quantiles within the bin resolution of the exact ones,
counts equal to the per-step rows, and run charts drawn from them alone."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim.jobs.run
from sim.aggregates import BIN_WIDTH, QUANTILES, RESOLUTION, Histograms, Ranks
from sim.cli import main
from sim.plots import run_charts
from sim.plots.network_chart import network_chart
from sim.results.folder import ResultsFolder as Results

BASE = "scenarios/baseline.yaml"
STEP_TABLES = ("timeseries.parquet", "pairs.parquet", "system.parquet")
TOL = RESOLUTION + 1e-9  # half a bin, plus rounding in the bin arithmetic
Q = ["q05", "q25", "q50", "q75", "q95"]


def run(out: Path, *extra: str) -> Path:
    args = ["run", BASE, "-n", "16", "--steps", "6", "--out", str(out), "--no-plots", "-q"]
    assert main([*args, *extra]) == 0
    return out


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return run(tmp_path_factory.mktemp("agg") / "run")


def test_aggregates_do_not_depend_on_chunks_or_workers(tmp_path, monkeypatch):
    digests = {}
    for chunk, workers in ((4, "1"), (4, "2"), (5, "2"), (16, "1")):
        monkeypatch.setattr(sim.jobs.run, "CHUNK", chunk)
        out = run(tmp_path / f"c{chunk}w{workers}", "--workers", workers)
        digests[(chunk, workers)] = sha(out / "aggregates.parquet")
    assert len(set(digests.values())) == 1, digests


def _exact(values: pd.Series) -> np.ndarray:
    return np.quantile(values.to_numpy(dtype=float), QUANTILES)


def test_quantiles_are_within_half_a_bin_of_the_exact_ones(folder):
    res = Results(folder)
    agg, ts, pairs, sysf = res.aggregates, res.timeseries, res.pairs, res.system
    checked = 0
    for (step, actor), g in ts[ts["active"]].groupby(["step", "actor"], observed=True):
        row = agg[
            (agg["series"] == "escalation") & (agg["step"] == step) & (agg["source"] == actor)
        ]
        assert int(row["count"].iloc[0]) == len(g)
        np.testing.assert_allclose(row[Q].to_numpy()[0], _exact(g["escalation"]), atol=TOL)
        checked += 1
    for (step, src, dst), g in pairs.groupby(["step", "source", "target"], observed=True):
        for series in ("commitment", "tension"):
            pick = (agg["series"] == series) & (agg["step"] == step)
            row = agg[pick & (agg["source"] == src) & (agg["target"] == dst)]
            np.testing.assert_allclose(row[Q].to_numpy()[0], _exact(g[series]), atol=TOL)
            checked += 1
    for series in ("distancing", "frustration"):
        rows = agg[agg["series"] == series].sort_values("step")
        exact = np.stack([_exact(g[series]) for _, g in sysf.groupby("step")])
        np.testing.assert_allclose(rows[Q].to_numpy(), exact, atol=TOL)
    assert checked > 100


def test_rung_and_flag_counts_equal_the_rows(folder):
    res = Results(folder)
    agg, ts, sysf = res.aggregates, res.timeseries, res.system
    live = ts[ts["active"]].assign(rung_name=lambda f: f["rung_name"].astype(str))
    expected = live.groupby(["step", "actor", "rung_name"], observed=True).size()
    rungs = agg[agg["series"] == "rung"].set_index(["step", "source", "target"])["count"]
    assert rungs.sum() == len(live)
    for key, n in expected.items():
        assert rungs[key] == n, key
    for flag in ("crisis", "war"):
        got = agg[agg["series"] == flag].sort_values("step")["count"].to_numpy()
        np.testing.assert_array_equal(got, sysf.groupby("step")[flag].sum().to_numpy())
    assert set(agg["of"]) == {16}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-1.0, 1.0), min_size=1, max_size=60),
    st.integers(1, 4),
)
def test_histogram_quantiles_track_exact_quantiles(values, parts):
    """Any values in range, folded in any number of pieces: within half a bin of numpy's."""
    data = np.array(values)
    hist = Histograms(1, 1, -1.0, 1.0)
    for piece in np.array_split(data, parts):
        hist.add(piece[None, :, None])
    assert hist.bins == round(2.0 / BIN_WIDTH)
    np.testing.assert_allclose(hist.quantiles()[0, 0], np.quantile(data, QUANTILES), atol=TOL)


def test_run_charts_read_the_aggregates_alone(folder, tmp_path):
    """With the per-step tables deleted the run charts still draw, from aggregates.parquet,
    and the escalation medians match those drawn from the rows within half a bin."""
    summed, rows = tmp_path / "summed", tmp_path / "rows"
    shutil.copytree(folder, summed)
    shutil.copytree(folder, rows)
    for name in STEP_TABLES:
        (summed / name).unlink()
    (rows / "aggregates.parquet").unlink()
    charts = (run_charts.escalation_chart, run_charts.occupancy_chart,
              network_chart, run_charts.distancing_chart)  # fmt: skip
    for draw in charts:
        fig = draw(Results(summed))
        assert fig is not None, draw.__name__
        assert "aggregates.parquet" in " ".join(t.get_text() for t in fig.texts), draw.__name__
    a, b = run_charts.escalation_chart(Results(summed)), run_charts.escalation_chart(Results(rows))
    for actor in Results(summed).shown_actors():
        got = [ln.get_ydata() for ax in a.axes for ln in ax.lines if ln.get_label() == actor]
        want = [ln.get_ydata() for ax in b.axes for ln in ax.lines if ln.get_label() == actor]
        assert len(got) == len(want) == 1
        np.testing.assert_allclose(got[0], want[0], atol=TOL)
    (summed / "aggregates.parquet").unlink()  # neither source: nothing to draw
    assert all(draw(Results(summed)) is None for draw in charts)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.integers(0, 3), min_size=6, max_size=6), min_size=1, max_size=8),
       st.data())  # fmt: skip
def test_one_search_over_all_rows_finds_the_bin_a_row_scan_finds(rows, data):
    """Ranks.bin_of (one binary search over the running total of the non-empty bins of
    all rows) against the definition: the first bin whose cumulative count exceeds the
    rank, row by row; empty rows (skipped by the quantiles) do not move the others."""
    counts = np.array(rows)
    cum = np.cumsum(counts, axis=1)
    full = cum[:, -1] > 0
    if not full.any():
        return
    rank = np.array([data.draw(st.integers(0, int(c[-1]) - 1)) for c in cum[full]])
    expected = [int(np.argmax(c > k)) for c, k in zip(cum[full], rank, strict=True)]
    assert Ranks(counts).bin_of(rank, full).tolist() == expected
    if full.all():
        assert Ranks(counts).bin_of(rank).tolist() == expected


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5), st.integers(1, 6), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_sparse_counts_add_what_a_dense_count_adds(steps, reps, groups, seed):
    """What a worker sends (flat index, count of each non-empty cell) adds up, in any order,
    to the dense counts of every kept value."""
    from sim.aggregates import add_sparse, sparse_counts

    rng = np.random.default_rng(seed)
    width = 7
    dense = np.zeros((steps, groups, width), dtype=np.int64)
    merged = np.zeros_like(dense)
    pieces = []
    for _ in range(3):
        bins = rng.integers(0, width, (steps, reps, groups))
        ok = rng.random((steps, reps, groups)) < 0.7
        for t, r, g in zip(*np.nonzero(ok), strict=True):
            dense[t, g, bins[t, r, g]] += 1
        pieces.append(sparse_counts(dense.shape, bins, ok))
    for index, n in reversed(pieces):
        assert np.all(np.diff(index) > 0) and np.all(n > 0)
        add_sparse(merged, (index, n))
    np.testing.assert_array_equal(merged, dense)
