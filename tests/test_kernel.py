"""The compiled kernel (sim/kernel/) against the numpy reference (sim/dynamics.py).

The kernel must give the reference's numbers to 1e-12 on every scenario file and on
random scenarios (actors, channels, commitments, treaties, events and every coefficient
within its documented range), in both recorder modes (summaries kept by the kernel, and
per-step series, also kept by the kernel: tests/test_kernel_series.py), and be
bit-identical whatever the thread count or chunking. Without numba, every command falls
back to numpy with one line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from sim import dynamics
from sim.ensemble import prepare, run_chunk
from sim.kernel import AUTO_MIN_WORK, choose_engine, numba_available
from sim.ladder import EDGES
from sim.parameters import PARAMETERS
from sim.scenario.loader import load_scenario
from sim.scenario.overrides import apply
from sim.scenario.targets import CAPABILITIES, TRAITS
from tests.kernel_tools import chunks_on_threads
from tests.test_model_properties import scenarios

pytestmark = pytest.mark.skipif(not numba_available(), reason="numba is not installed")

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted(
    (ROOT / "scenarios" / "history").glob("*.yaml")
)
TOL = 1e-12


def live_symmetric(series) -> np.ndarray:
    """(T+1, R, N, N) the live symmetrised commitment S that frustration reads."""
    act = series.active.astype(float)
    C = series.commitment * act[..., :, None] * act[..., None, :]
    return 0.5 * (C + np.swapaxes(C, -1, -2))


def frustration_bound(ref, new) -> np.ndarray:
    """(T+1, R) how far the engines' frustration may differ, given how far their states do.

    Frustration is an output (nothing reads it back): f = (T − Σ)/(2T) with
    T = Σ|S_ij S_jk S_ki| and Σ = Σ S_ij S_jk S_ki over N³ triads (|S| ≤ 1). If the two
    engines' S differ by at most ε (measured here, per step and replication), each cubic sum
    moves by at most 3·N³·max|S|²·ε, hence f by at most 3·N³·max|S|²·ε / T (as |Σ| ≤ T);
    summing N³ terms in two orders (BLAS, lanes) adds at most about 2·N³·u to f (u the unit
    roundoff; doubled for safety). The bound grows as T shrinks, which a fixed tolerance
    ignores: a 4-actor hypothesis scenario whose only triads pass through commitments of
    order 1e-8 (T ≈ 2e-13, just above the metric's 1e-15 cut-off) gave frustrations 2.6e-10
    apart from states 2e-18 apart; well-conditioned graphs (T of order 1) get a bound of
    order 1e-13, tighter than the fixed 1e-10 this replaces."""
    S, S_new = live_symmetric(ref), live_symmetric(new)
    eps = np.abs(S_new - S).max(axis=(-1, -2))
    A = np.abs(S)
    total = np.einsum("trij,trjk,trki->tr", A, A, A)
    n = S.shape[-1]
    peak = A.max(axis=(-1, -2)) + eps
    spread = 3.0 * n**3 * peak**2 * eps / np.maximum(total, 1e-300)
    roundoff = 4.0 * n**3 * np.finfo(float).eps
    return np.where(total > 1e-15, spread, 0.0) + roundoff


def assert_within(new: np.ndarray, ref: np.ndarray, bound, name: str) -> None:
    """|new − ref| ≤ bound elementwise (bound a number or an array), NaN where both are."""
    diff = np.abs(new - ref)
    bad = ~((diff <= bound) | (np.isnan(new) & np.isnan(ref)))
    if bad.any():
        where = np.argwhere(bad)[:3].tolist()
        worst = float(np.nanmax(np.where(bad, diff, np.nan)))
        raise AssertionError(f"{name}: {int(bad.sum())} differ, up to {worst:.3g}, at {where}")


def both(world, events, reps, seed, steps, keep):
    return [
        run_chunk(world, events, reps, seed, steps, keep_series=keep, engine=engine)
        for engine in ("numpy", "numba")
    ]


def assert_same_rung(ref: dict, new: dict, key: str, tol: float) -> None:
    """Final rungs equal, except where the final level is within `tol` of a rung edge: a
    rung is the level's side of an edge, so a level that sits on one (a settled start at
    0.10, say, China's in the 2016 history) is put on either side by the engines' last-bit
    rounding, which the levels' own comparison (within `tol`) already allows."""
    level = ref[key.replace("final_rung_", "final_escalation_")]
    on_edge = (np.abs(level[:, None] - EDGES[None, :]) <= tol).any(axis=1)
    differ = new[key] != ref[key]
    assert not (differ & ~on_edge).any(), (key, np.flatnonzero(differ & ~on_edge)[:5])


def assert_same(ref, new, tol=TOL, frustration_tol=None):
    """Every summary column and series array within `tol` (frustration within
    `frustration_tol`, (T+1, R) from frustration_bound, or `tol` when None); counts, steps
    and classes equal."""
    assert ref.summary.keys() == new.summary.keys()
    if frustration_tol is None and ref.series is not None:
        frustration_tol = frustration_bound(ref.series, new.series)
    for key, a in ref.summary.items():
        b = new.summary[key]
        if a.dtype.kind in "fc":
            bound = tol
            if "frustration" in key and frustration_tol is not None:
                bound = frustration_tol.max(axis=0)  # any step's: final or peak
            assert_within(b, a, bound, key)
        elif key.startswith("final_rung_"):
            assert_same_rung(ref.summary, new.summary, key, tol)
        else:
            np.testing.assert_array_equal(b, a, err_msg=key)
    assert (ref.events.replication, ref.events.step, ref.events.event) == (
        new.events.replication, new.events.step, new.events.event,
    )  # fmt: skip
    if ref.series is not None:
        for name in ref.series.__dataclass_fields__:
            a, b = getattr(ref.series, name), getattr(new.series, name)
            if a.dtype.kind == "f":
                bound = frustration_tol if name == "frustration" else tol
                assert_within(b, a, bound, name)
            else:
                np.testing.assert_array_equal(b, a, err_msg=name)


def test_constants_match_their_sources():
    from sim.kernel import compiled

    assert (compiled.EPS, compiled.Z_MAX) == (dynamics.EPS, dynamics.Z_MAX)
    assert compiled.ABANDONMENT_RATIO == dynamics.ABANDONMENT_RATIO
    caps = (compiled.MILITARY, compiled.ECONOMIC, compiled.NUCLEAR)
    assert [CAPABILITIES[k] for k in caps] == ["military", "economic", "nuclear"]
    traits = (compiled.STABILITY, compiled.RISK_TOLERANCE, compiled.RESOLVE, compiled.GRIEVANCE,
              compiled.AXIS_AVERSION)  # fmt: skip
    assert [TRAITS[k] for k in traits] == [
        "stability", "risk_tolerance", "resolve", "grievance", "axis_aversion",
    ]  # fmt: skip
    assert set(compiled.KERNEL_PARAMS) <= set(PARAMETERS)
    assert compiled.KERNEL_PARAMS[compiled.WAR_THRESHOLD] == "war_threshold"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_kernel_equals_numpy_on_every_scenario(path):
    scenario = load_scenario(path).scenario
    world, events = prepare(scenario)
    reps = np.arange(37)  # not a whole number of 32-lane blocks: padding is exercised
    ref, new = both(world, events, reps, scenario.run.seed, scenario.run.steps, keep=False)
    states = both(world, events, reps, scenario.run.seed, scenario.run.steps, keep=True)
    assert_same(ref, new, frustration_tol=frustration_bound(*(r.series for r in states)))
    assert np.ptp(ref.summary["final_distancing"]) > 0  # noise moved it: not a still world


@pytest.mark.parametrize("path", FILES[:3], ids=lambda p: p.stem)
def test_kernel_equals_numpy_with_series(path):
    scenario = load_scenario(path).scenario
    world, events = prepare(scenario)
    ref, new = both(world, events, np.arange(5), 3, 40, keep=True)
    assert_same(ref, new)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_kernel_equals_numpy_on_random_scenarios(scenario):
    world, events = prepare(scenario)
    runs = {keep: both(world, events, np.arange(5), 11, scenario.run.steps, keep)
            for keep in (True, False)}  # fmt: skip
    bound = frustration_bound(*(r.series for r in runs[True]))  # the states of both runs
    for ref, new in runs.values():
        assert_same(ref, new, frustration_tol=bound)


def test_thread_count_and_chunking_do_not_change_a_bit():
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml").scenario
    world, events = prepare(scenario)
    reps = np.arange(100)
    runs = chunks_on_threads(world, events, reps)
    halves = [run_chunk(world, events, reps[s], 5, 48, engine="numba")
              for s in (slice(0, 41), slice(41, None))]  # fmt: skip
    for key, a in runs[0].summary.items():
        np.testing.assert_array_equal(runs[1].summary[key], a, err_msg=key)
        joined = np.concatenate([h.summary[key] for h in halves])
        np.testing.assert_array_equal(joined, a, err_msg=key)


def test_a_kernel_edit_would_show():
    """The equality tests can fail: the kernel with one coefficient changed differs."""
    loaded = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    world, events = prepare(loaded.model_input)
    reps = np.arange(8)
    ref = run_chunk(world, events, reps, 1, 36, engine="numpy")
    restraint = float(world.params["restraint"].ravel()[0])
    changed, events = prepare(apply(world, {"parameters.restraint": restraint * 1.001}))
    new = run_chunk(changed, events, reps, 1, 36, engine="numba")
    diff = np.abs(new.summary["final_escalation_PRK"] - ref.summary["final_escalation_PRK"])
    assert diff.max() > 1e-9


# ---------------------------------------------------------------- engine choice and fallback


def test_auto_picks_numba_for_large_runs_only():
    assert choose_engine("auto", AUTO_MIN_WORK) == "numba"
    assert choose_engine(None, None) == "numba"
    assert choose_engine("auto", AUTO_MIN_WORK - 1) == "numpy"
    assert choose_engine("numpy", 10**9) == "numpy"
    assert choose_engine("numba", 1) == "numba"
    with pytest.raises(ValueError, match="unknown engine"):
        choose_engine("cuda")


def _without_numba(monkeypatch):
    for name in [m for m in sys.modules if m == "numba" or m.startswith("numba.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` now fails


def test_without_numba_the_engine_falls_back_with_one_line(monkeypatch):
    _without_numba(monkeypatch)
    lines: list[str] = []
    assert not numba_available()
    assert choose_engine("numba", 10**9, lines.append) == "numpy"
    assert choose_engine("auto", 10**9, lines.append) == "numpy"
    assert choose_engine("numpy", 10**9, lines.append) == "numpy"
    assert len(lines) == 2 and "numba is not installed" in lines[0]


def test_run_command_without_numba_runs_on_numpy(monkeypatch, tmp_path, capsys):
    from sim.cli import main

    _without_numba(monkeypatch)
    out = tmp_path / "run"
    args = ["run", str(ROOT / "scenarios" / "baseline.yaml"), "-n", "3", "--steps", "4",
            "--series", "summary", "--no-plots", "--engine", "numba",
            "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    err = capsys.readouterr().err
    assert err.count("numba is not installed") == 1
    assert json.loads((out / "manifest.json").read_text())["engine"] == "numpy"
    assert main([*args[:-1], str(tmp_path / "quiet"), "-q"]) == 0
    assert "numba" not in capsys.readouterr().err


def test_manifest_records_the_engine_that_ran(tmp_path):
    from sim.cli import main

    base = ["run", str(ROOT / "scenarios" / "baseline.yaml"), "-n", "3", "--steps", "4",
            "--series", "summary", "--no-plots", "-q"]  # fmt: skip
    for engine in ("numba", "numpy", "auto"):
        out = tmp_path / engine
        assert main([*base, "--engine", engine, "--out", str(out)]) == 0
        ran = json.loads((out / "manifest.json").read_text())["engine"]
        assert ran == ("numpy" if engine == "auto" else engine)  # auto: 12 runs-steps are few


def test_the_kernel_keeps_every_running_total_of_the_recorder():
    """In summary mode the kernel keeps the recorder's totals instead of calling `record`
    each step: any total the recorder gains must be kept by the kernel too (this fails
    otherwise)."""
    from sim.engine import EventGroup
    from sim.ensemble import Recorder
    from sim.kernel import simulator

    scenario = load_scenario(ROOT / "scenarios" / "peninsula_crisis.yaml").scenario
    world, events = prepare(scenario)
    reps = np.arange(6)
    recs = {}
    for engine in ("numpy", "numba"):
        rec = Recorder(world, len(reps), 30, keep_series=False)
        groups = [EventGroup.for_all(events, len(reps))]
        simulator(engine)(world, groups, reps, 2, 30, rec)
        recs[engine] = rec
    ref, new = vars(recs["numpy"]), vars(recs["numba"])
    assert ref.keys() == new.keys()
    arrays = [k for k, v in ref.items() if isinstance(v, np.ndarray)]
    assert {"peak", "first_crisis", "crisis_months"} <= set(arrays)
    for key in arrays:
        assert new[key].dtype == ref[key].dtype, key
        np.testing.assert_allclose(new[key], ref[key], rtol=0, atol=TOL, err_msg=key)


def test_the_kernels_exponential_is_libms_within_an_ulp():
    from sim.kernel.compiled import Z_MAX, exp_neg

    rng = np.random.default_rng(3)
    y = np.concatenate([np.linspace(0, Z_MAX, 20001), rng.uniform(0, Z_MAX, 20000), [0.0, 5e-324]])
    ours = np.array([exp_neg(v) for v in y])
    np.testing.assert_allclose(ours, np.exp(-y), rtol=np.finfo(float).eps, atol=0)


def test_one_step_spans_run_on_one_thread_and_give_the_threads_back():
    """A recorder that keeps per-step series gets one-step spans, which run on one kernel
    thread; a summary-only recorder keeps every thread (the ablation); both leave the
    thread count as they found it."""
    import numba

    from sim.engine import EventGroup, EventLog
    from sim.ensemble import Recorder
    from sim.kernel.loop import simulate

    class Seen(Recorder):
        def record(self, state):
            self.threads = [*getattr(self, "threads", []), numba.get_num_threads()]
            super().record(state)

    world, events = prepare(load_scenario(ROOT / "scenarios" / "baseline.yaml").scenario)
    before = numba.get_num_threads()
    reps = np.arange(40)
    seen = {}
    for keep in (True, False):
        rec = Seen(world, len(reps), 6, keep)
        groups = [EventGroup.for_all(events, len(reps))]
        simulate(world, groups, reps, 3, 6, rec, EventLog())
        seen[keep] = set(rec.threads)
        assert numba.get_num_threads() == before
    assert seen[True] == {1}
    assert seen[False] == {before}


@pytest.mark.parametrize("r", [1, 31, 32, 33, 100])
def test_lane_layout_round_trips_and_pads_with_the_last_replication(r):
    from sim.kernel.layout import LANES, blocks, from_lanes, to_lanes

    a = np.random.default_rng(r).normal(size=(r, 3, 4))
    lanes = to_lanes(a, r)
    assert lanes.shape == (blocks(r), 3, 4, LANES) and lanes.flags.c_contiguous
    np.testing.assert_array_equal(from_lanes(lanes, r), a)
    flat = np.moveaxis(lanes, -1, 1).reshape(-1, 3, 4)
    np.testing.assert_array_equal(flat[r:], np.broadcast_to(a[-1], flat[r:].shape))
    shared = from_lanes(to_lanes(a[:1], r), r)  # a (1, ...) array is every replication's
    np.testing.assert_array_equal(shared, np.broadcast_to(a[:1], a.shape))


def test_shocks_shared_by_arms_are_laid_out_once_and_only_while_they_live():
    """A read-only shocks array (the arms of one chunk share it) is converted once; a
    writeable one, or a new array, always gets its own conversion."""
    from sim.kernel.layout import shocks_to_lanes

    noise = np.random.default_rng(0).normal(size=(5, 40, 3))
    assert shocks_to_lanes(noise) is not shocks_to_lanes(noise)  # writeable: never kept
    noise.flags.writeable = False
    first = shocks_to_lanes(noise)
    assert shocks_to_lanes(noise) is first
    other = noise + 1.0
    other.flags.writeable = False
    assert shocks_to_lanes(other) is not first
    np.testing.assert_array_equal(shocks_to_lanes(other), first + 1.0)
    from sim.kernel import layout

    del noise, other, first  # the shocks die: their layout is not held any longer
    assert layout._LANED == [None]
