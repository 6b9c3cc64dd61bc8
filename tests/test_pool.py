"""One worker pool per command (sim/pool.py): every ensemble and sweep of a command runs on
the same processes, small ensembles stay in this process, and results never depend on it."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from sim.ensemble import MIN_SHARE, run_ensemble
from sim.jobs.robustness import robustness
from sim.jobs.sweep.executors import LocalExecutor
from sim.jobs.sweep.plan import make_plan
from sim.jobs.sweep.spec import load_spec
from sim.pool import active_pool, command_pool
from sim.procs import cpu_count, process_pool
from sim.scenario.loader import load_scenario

REPO = Path(__file__).resolve().parents[1]
BASELINE = REPO / "scenarios" / "baseline.yaml"
STEPS = 20
BIG = 2 * MIN_SHARE // STEPS + 40  # enough replication-steps for two workers' shares


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(BASELINE).scenario


def _same(a, b) -> None:
    assert a.summary.keys() == b.summary.keys()
    for key in a.summary:
        np.testing.assert_array_equal(a.summary[key], b.summary[key])


def test_many_ensembles_of_one_command_start_the_workers_once(scenario):
    inline = [run_ensemble(scenario, BIG, seed, STEPS, keep_series=False) for seed in (1, 2, 3)]
    with command_pool(2) as pool:
        assert active_pool() is pool
        runs = [
            run_ensemble(scenario, BIG, seed, STEPS, keep_series=False, workers=2)
            for seed in (1, 2, 3)
        ]
        assert pool.launches == 2  # three parallel ensembles, two processes in all
    assert active_pool() is None
    for a, b in zip(inline, runs, strict=True):
        _same(a, b)


def test_without_a_command_pool_each_call_starts_and_stops_its_own(scenario):
    """The ablation of the shared pool: outside a command nothing is reused (the old
    behaviour, one pool per call), which the command pool exists to avoid."""
    assert active_pool() is None
    a = run_ensemble(scenario, BIG, 7, STEPS, keep_series=False, workers=2)
    assert active_pool() is None
    _same(a, run_ensemble(scenario, BIG, 7, STEPS, keep_series=False))


def test_a_small_ensemble_runs_in_this_process(scenario):
    with command_pool(2) as pool:
        small = run_ensemble(scenario, 10, 1, STEPS, keep_series=False, workers=2)
        assert pool.launches == 0
        run_ensemble(scenario, BIG, 1, STEPS, keep_series=False, workers=2)
        assert pool.launches == 2
    _same(small, run_ensemble(scenario, 10, 1, STEPS, keep_series=False))


def test_robustness_draws_share_the_command_pool(scenario):
    """A robustness check runs two ensembles per draw: with the pool, still two workers."""
    n = BIG // 4 + 1
    with command_pool(2) as pool:
        result = robustness(scenario, 4, 0.25, n, 3, STEPS, workers=2)
        assert pool.launches == 2
    reference = robustness(scenario, 4, 0.25, n, 3, STEPS, workers=1)
    assert result.draws.equals(reference.draws)


def test_sweep_chunks_and_ensembles_share_one_pool(tmp_path, scenario):
    spec_path = tmp_path / "spec.yaml"
    spec_path.write_text(
        f"scenario: {BASELINE}\nname: pool\ndesign: grid\nreplications: 4\nsteps: 6\n"
        "chunk_size: 4\nseed: 9\nparameters:\n  parameters.reactivity: [0.1, 0.2, 0.3]\n"
    )
    plan = make_plan(load_spec(spec_path))
    with command_pool(2) as pool:
        run_ensemble(scenario, BIG, 1, STEPS, keep_series=False, workers=2)
        with LocalExecutor(2) as ex:
            chunks = dict(ex.run(plan.payload, range(plan.n_chunks)))
        assert pool.launches == 2
    assert sorted(chunks) == list(range(plan.n_chunks))


def test_an_error_in_the_command_stops_its_workers(scenario):
    with pytest.raises(RuntimeError, match="boom"), command_pool(2) as pool:
        run_ensemble(scenario, BIG, 1, STEPS, keep_series=False, workers=2)
        procs = list(pool._pool._processes.values())
        raise RuntimeError("boom")
    for proc in procs:
        proc.join(timeout=10)
        assert not proc.is_alive()


def test_pool_workers_run_the_kernel_on_one_thread():
    """Several workers already fill the cores: each runs numba on one thread, so W workers
    start W kernel threads, not W × cores (issue 18). This process keeps its threads."""
    numba = pytest.importorskip("numba")
    before = numba.get_num_threads()
    with command_pool(2) as pool:
        assert [pool.submit(numba.get_num_threads).result() for _ in range(4)] == [1] * 4
    assert numba.get_num_threads() == before


@pytest.mark.skipif(cpu_count() < 2, reason="on one core numba starts one thread anyway")
def test_without_the_initializer_a_worker_would_start_a_thread_per_core():
    """The ablation: a plain pool of the same kind gives each worker one thread per core."""
    numba = pytest.importorskip("numba")
    if "NUMBA_NUM_THREADS" in os.environ:
        pytest.skip("NUMBA_NUM_THREADS is set for this test process")
    with process_pool(2) as pool:
        assert pool.submit(numba.get_num_threads).result() == cpu_count()
