"""Memory at many actors (sim/chunks.py, the sparse store, the run's
estimate in sim/limits.py): a chunk is cut so its N × N arrays fit a budget, results do not
depend on the cut, the chart histograms stay sparse while they are mostly empty, and the
estimate counts what a replication really holds."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import sim.chunks
from benchmarks.many_actors_charts import scenario
from sim.aggregates import BIN_WIDTH, Histograms
from sim.chunks import CHUNK_BUDGET, LANES, fitted_chunk, replication_bytes
from sim.cli import main
from sim.ensemble import prepare, run_chunk
from sim.jobs.run import CHUNK, SUMMARY_CHUNK
from sim.limits import HISTOGRAM_BINS, estimate_run_bytes
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))


def many_actors(n: int, steps: int = 6) -> dict:
    """The many-actors benchmark's standalone scenario of n actors, 8 replications."""
    spec = scenario(n, steps)
    spec["run"]["replications"] = 8
    return spec


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_the_shipped_scenarios_keep_their_chunks_whole(path):
    """The cut only bites at many actors: every shipped scenario runs in the chunks it ran
    in before (250 with full series and its counterfactual beside, 1,024 summaries only),
    on both engines, so none of their files moves."""
    loaded = load_scenario(path)
    n, steps = loaded.model_input.n, loaded.scenario.run.steps
    for engine in ("numpy", "numba"):
        assert fitted_chunk(CHUNK, n, steps, (True, False), engine) == CHUNK
        assert fitted_chunk(SUMMARY_CHUNK, n, steps, (False, False), engine) == SUMMARY_CHUNK


def test_the_history_the_fits_run_keeps_its_chunks_whole():
    """The calibration and forecasts run the 2016–May 2024 history through `run_ensemble`
    (chunks of 1,000, series kept): unchanged, so no fit's batches move."""
    loaded = load_scenario(ROOT / "scenarios" / "history" / "base_2016.yaml")
    n, steps = loaded.model_input.n, loaded.scenario.run.steps
    for engine in ("numpy", "numba"):
        assert fitted_chunk(1000, n, steps, (True,), engine) == 1000


def test_the_held_out_forecasts_run_of_the_history_keeps_its_chunks_whole():
    """The held-out test carries the history on to the last held-out month (123 steps with
    the shipped files): its chunks are unchanged too."""
    from sim.observe.holdout import extension, load_holdout
    from sim.observe.spec import load_spec

    spec = load_spec(ROOT / "scenarios" / "calibration" / "history.yaml")
    steps = extension(spec, load_holdout())["run.steps"]
    n = load_scenario(spec.scenarios[0]).model_input.n
    assert steps > load_scenario(spec.scenarios[0]).scenario.run.steps
    for engine in ("numpy", "numba"):
        assert fitted_chunk(1000, n, steps, (True,), engine) == 1000


def test_auto_runs_numpy_where_a_kernel_block_would_pass_the_budget():
    """At 300 actors with full series one 32-replication block of the compiled kernel is
    about 3.7 GB: `auto` then runs numpy, whose chunks can be cut; at the baseline's 8
    actors the work decides as before; an explicit engine is kept."""
    from sim.chunks import auto_work, block_fits
    from sim.kernel import AUTO_MIN_WORK, choose_engine

    work = 10 * AUTO_MIN_WORK
    assert not block_fits(300, 36, (True, False)) and block_fits(8, 36, (True, False))
    assert choose_engine("auto", auto_work(work, 300, 36, (True, False))) == "numpy"
    assert auto_work(work, 8, 36, (True, False)) == work
    assert auto_work(work, 300, 36, (True, False)) == 0
    assert choose_engine("numpy", auto_work(work, 8, 36, (True,))) == "numpy"


def test_the_run_checks_its_size_with_its_counterfactual_and_its_engine(tmp_path, monkeypatch):
    """`run`'s check counts the counterfactual that runs beside it and the numba engine's
    own memory: dropping either from check_size would under-count (10 actors: the chunk is
    not cut, so the second arm only adds)."""
    from sim.chunks import NUMBA_MEMORY
    from sim.jobs.run import RunSettings
    from sim.jobs.run_console import check_size
    from sim.tables import related_pairs

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(many_actors(10)))
    loaded = load_scenario(path)
    assert loaded.scenario.counterfactual is not None
    pairs = len(related_pairs(loaded.model_input))
    for engine in ("numpy", "numba"):
        settings = RunSettings(replications=400, seed=1, steps=6, engine=engine)
        got, _ = check_size(loaded, settings, tmp_path / "out")
        want = estimate_run_bytes(10, 400, 6, "full", n_pairs=pairs, arms=2, engine=engine)
        alone = estimate_run_bytes(10, 400, 6, "full", n_pairs=pairs, arms=1, engine=engine)
        assert got == want[0] > alone[0]
    numba = estimate_run_bytes(10, 400, 6, "full", n_pairs=pairs, engine="numba")[0]
    assert numba >= estimate_run_bytes(10, 400, 6, "full", n_pairs=pairs)[0] + NUMBA_MEMORY


def test_a_chunk_of_many_actors_is_cut_to_the_budget_and_never_below_a_kernel_block():
    big = fitted_chunk(CHUNK, 300, 36, (True, False))
    need = replication_bytes(300, 36, True) + replication_bytes(300, 36, False)
    assert 1 <= big < CHUNK and big * need <= CHUNK_BUDGET < (big + 1) * need
    assert fitted_chunk(CHUNK, 2_000, 36, (True,)) == 1  # one replication is over budget
    assert fitted_chunk(CHUNK, 300, 36, (True, False), "numba") == LANES  # padded anyway
    assert fitted_chunk(SUMMARY_CHUNK, 150, 36, (False,), "numba") % LANES == 0


@pytest.mark.parametrize("n", [40, 90])
def test_a_replication_holds_no_more_than_the_chunk_sizing_assumes(n, tmp_path):
    """The numpy engine's allocations (tracemalloc sees numpy's), per replication: the
    difference between chunks of 2 and 6 replications, summaries only and full series. If
    the dynamics grew more N × N temporaries than STATE_ARRAYS, chunks would overrun."""
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(many_actors(n)))
    world, events = prepare(load_scenario(path).model_input)
    for keep in (False, True):
        peaks = []
        for reps in (2, 6):
            tracemalloc.start()
            run_chunk(world, events, np.arange(reps), 1, 6, keep_series=keep, engine="numpy")
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        per_replication = (peaks[1] - peaks[0]) / 4
        assert per_replication <= replication_bytes(n, 6, keep), (keep, per_replication)
        assert per_replication >= 0.5 * replication_bytes(n, 6, keep)  # the rule's scale


def test_a_run_cut_into_small_chunks_writes_the_same_results(tmp_path, monkeypatch):
    """Ablation of the budget: with room for two replications a chunk, a 30-actor run of
    8 replications is cut in four, and its summaries, events, effects (its counterfactual is
    cut beside it) and aggregates are the same bytes as the run in one chunk; its step
    tables the same rows."""
    import pandas as pd

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(many_actors(30)))
    args = ["run", str(path), "--engine", "numpy", "--no-plots", "-q", "--out"]
    assert main([*args, str(tmp_path / "whole")]) == 0
    need = replication_bytes(30, 6, True) + replication_bytes(30, 6, False)  # its counterfactual
    monkeypatch.setattr(sim.chunks, "CHUNK_BUDGET", 2 * need)
    assert main([*args, str(tmp_path / "cut")]) == 0
    import pyarrow.parquet as pq

    assert pq.ParquetFile(tmp_path / "cut" / "pairs.parquet").num_row_groups == 4
    assert pq.ParquetFile(tmp_path / "whole" / "pairs.parquet").num_row_groups == 1
    for name in ("summary.csv", "events.csv", "effects.csv", "aggregates.parquet"):
        assert (tmp_path / "cut" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()
    for name in ("pairs.parquet", "timeseries.parquet", "system.parquet"):
        a, b = (pd.read_parquet(tmp_path / d / name) for d in ("cut", "whole"))
        keys = ["replication", "step"] + [c for c in ("source", "target", "actor") if c in a]
        a, b = (f.sort_values(keys).reset_index(drop=True) for f in (a, b))
        pd.testing.assert_frame_equal(a, b)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 5), st.integers(1, 30), st.integers(1, 4),
       st.integers(0, 2**32 - 1))  # fmt: skip
def test_sparse_counts_give_the_dense_counts_quantiles(steps, groups, reps, pieces, seed):
    """The same values folded into a histogram that stays sparse and one made dense from
    the start: the same counts, the same number per row, the same quantiles (NaN alike)."""
    rng = np.random.default_rng(seed)
    values = rng.uniform(-1.2, 1.2, (steps, reps, groups))
    values[rng.random(values.shape) < 0.1] = np.nan  # no value there: a row may be empty
    sparse, dense = Histograms(steps, groups, -1.0, 1.0), Histograms(steps, groups, -1.0, 1.0)
    dense.counts  # noqa: B018 - reading the counts makes it dense for good
    for piece in np.array_split(values, pieces, axis=1):
        sparse.add(piece.copy())
        dense.add(piece.copy())
    assert sparse._dense is None  # at most 30 values a row of 2,000 bins: never a third full
    np.testing.assert_array_equal(sparse.n(), dense.n())
    np.testing.assert_array_equal(sparse.quantiles(), dense.quantiles())
    np.testing.assert_array_equal(sparse.counts, dense.counts)


def test_a_histogram_filling_up_turns_dense_with_the_same_counts():
    """Many values in few bins: past a third of the dense array's bytes the store becomes
    dense, and what it holds is every value added before and after."""
    rng = np.random.default_rng(3)
    hist, bins = Histograms(1, 1, 0.0, 0.004), 4  # four bins
    seen = np.zeros(bins, np.int64)
    for _ in range(3):
        values = rng.uniform(0.0, 0.004, (1, 50, 1))
        seen += np.bincount(np.floor(values.ravel() / BIN_WIDTH).astype(int), minlength=bins)
        hist.add(values.copy())
    assert hist._dense is not None
    np.testing.assert_array_equal(hist.counts[0, 0], seen)


def test_the_estimate_counts_the_histograms_bins_the_run_keeps(tmp_path):
    """HISTOGRAM_BINS, kept in sim/limits.py to spare it pyarrow, are the run's own."""
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(many_actors(5)))
    from sim.aggregates import RunAggregates

    agg = RunAggregates(load_scenario(path).model_input, [(0, 1)], ["2024-06"])
    assert tuple(h.bins for h in agg.hist.values()) == HISTOGRAM_BINS


def test_the_run_estimate_holds_every_replication_of_a_chunk_in_flight():
    """At 300 actors a chunk's N × N state is most of the run's memory: the estimate grows
    with it (the old one counted 16 bytes per actor and step, 5.6 times below the 4 GB the
    run took) and stays flat in replications beyond a chunk."""
    one, many = (estimate_run_bytes(300, r, 36, "full", n_pairs=4_500)[0] for r in (1, 5_000))
    assert one >= replication_bytes(300, 36, True)
    chunk = fitted_chunk(CHUNK, 300, 36, (True,))
    assert many - one >= (chunk - 1) * replication_bytes(300, 36, True)
    assert many < 2 * estimate_run_bytes(300, 2_500, 36, "full", n_pairs=4_500)[0]
