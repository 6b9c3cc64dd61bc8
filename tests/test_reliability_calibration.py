"""Reliability suite, issue #19 class 4 (calibration and posterior integrity), plus the
calibration rows of classes 5 and 6 (damaged generations, a kernel that leaves the prior,
list-typed and repeated posterior columns).

Every CLI row checks exit 2 and one line without a traceback; every guard has its control
(the same call without the fault succeeds), so a guard that refuses everything fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from reliability_tools import BASELINE, one_line, tiny_calibration

import sim.observe.calibrate as cal
from sim.cli import main
from sim.errors import UsageError
from sim.observe.abc import Population, propose
from sim.observe.fitguard import check_population
from sim.observe.posterior import draw_coefficients, resample, write_posterior
from sim.observe.priors import Prior
from sim.output import try_lock


def _calibrate(spec: Path, out: Path, *extra: str) -> int:
    return main(["calibrate", str(spec), "--out", str(out), "-q", "--no-plots", *extra])


@pytest.fixture
def interrupted(tmp_path, monkeypatch):
    """A tiny calibration stopped after generation 0: (spec, out), its work folder kept."""
    spec = tiny_calibration(tmp_path / "c")
    real = cal.save_generation

    def stop(work, t, pop, prob, spec_hash):
        real(work, t, pop, prob, spec_hash)
        raise KeyboardInterrupt

    monkeypatch.setattr(cal, "save_generation", stop)
    out = tmp_path / "out"
    assert _calibrate(spec, out) == 130
    monkeypatch.setattr(cal, "save_generation", real)
    assert (cal.work_dir(out) / "gen_000.npz").exists()
    return spec, out


def _edit_observation(spec: Path) -> None:
    obs = spec.parent / "obs.yaml"
    obs.write_text(obs.read_text().replace("value: 20", "value: 21"))


def _edit_episode(spec: Path) -> None:
    ep = spec.parent / "ep.yaml"
    ep.write_text(
        ep.read_text() + "events:\n  e: {label: x, at: 3, add: {actors.PRK.escalation: 0.1}}\n"
    )


def _edit_model(spec: Path, monkeypatch) -> None:
    monkeypatch.setattr("sim.provenance.package_version", lambda: "99.0-another")


CHANGED = [_edit_observation, _edit_episode, _edit_model]


@pytest.mark.parametrize("change", CHANGED, ids=lambda f: f.__name__)
def test_resume_refuses_changed_data_or_model(interrupted, capsys, monkeypatch, change):
    spec, out = interrupted
    capsys.readouterr()
    if change is _edit_model:
        change(spec, monkeypatch)
    else:
        change(spec)
    assert _calibrate(spec, out, "--resume") == 2
    assert "was fitted to another spec, other observations" in one_line(capsys)
    assert not out.exists()


def test_resume_of_the_same_fit_continues(interrupted):
    spec, out = interrupted
    assert _calibrate(spec, out, "--resume") == 0
    assert len(pd.read_csv(out / "diagnostics.csv")) == 2


def _damage_zip(work: Path) -> None:
    (work / "gen_000.npz").write_bytes(b"PK\x03\x04 not a zip at all")


def _damage_json(work: Path) -> None:
    (work / "state.json").write_text('{"spec_hash": ')


def _damage_shape(work: Path) -> None:
    z = dict(np.load(work / "gen_000.npz"))
    z["theta"] = np.zeros((3, 5))  # a broadcast error waiting to happen
    with open(work / "gen_000.npz", "wb") as fh:
        np.savez(fh, **z)


@pytest.mark.parametrize("damage", [_damage_zip, _damage_json, _damage_shape],
                         ids=lambda f: f.__name__)  # fmt: skip
def test_resume_after_a_damaged_generation_is_one_line(interrupted, capsys, damage):
    spec, out = interrupted
    capsys.readouterr()
    damage(cal.work_dir(out))
    assert _calibrate(spec, out, "--resume") == 2
    assert "is damaged" in one_line(capsys)


def test_add_resume_never_puts_two_writers_in_one_folder(interrupted, capsys):
    spec, out = interrupted
    capsys.readouterr()
    held = try_lock(cal.work_dir(out))  # another calibration is writing it
    try:
        for extra in ((), ("--resume",)):
            assert _calibrate(spec, out, *extra) == 2
            assert "being written by a calibration that is still running" in one_line(capsys)
    finally:
        held.release()
    assert _calibrate(spec, out) == 2
    assert "add --resume" in one_line(capsys)  # unlocked: the advice is safe to follow


def test_a_misspelt_exclude_is_refused(tmp_path, capsys):
    spec = tiny_calibration(tmp_path / "c")
    assert _calibrate(spec, tmp_path / "o", "--exclude", "ep_b") == 2
    line = one_line(capsys)
    assert "--exclude 'ep_b' is not an episode" in line and "ep_a" in line
    assert _calibrate(spec, tmp_path / "o", "--exclude", "ep_a") == 2  # a real one: no data
    assert "no episode left" in one_line(capsys)


def _population(weights, theta=None) -> Population:
    n = len(weights)
    theta = np.arange(n, dtype=float)[:, None] if theta is None else theta
    w = np.asarray(weights, float)
    return Population(theta, w / w.sum(), np.zeros((n, 1)), 1.0, 0.5, n)


@pytest.mark.parametrize(
    ("weights", "theta", "refused"),
    [
        ([1.0] + [1e-12] * 7, None, "effective sample size 1.0 of 8"),
        ([1.0] * 30 + [1e3] * 2, None, "effective sample size 2.1 of 32"),
        ([1.0] * 8, np.ones((8, 1)), "collapsed to 1 distinct particle"),
        ([1.0] * 8, None, None),  # control: a healthy population passes
        ([1.0] * 40 + [3.0] * 10, None, None),
    ],
)
def test_collapsed_populations_are_refused(weights, theta, refused):
    pop = _population(weights, theta)
    if refused is None:
        check_population(pop, 3)
        return
    with pytest.raises(UsageError, match=refused):
        check_population(pop, 3)


def test_a_collapsed_calibration_exits_2_and_writes_nothing(tmp_path, capsys, monkeypatch):
    spec = tiny_calibration(tmp_path / "c")
    real = cal.abc_smc

    def collapsing(*args, **kw):
        pops = real(*args, **kw)
        w = np.full(len(pops[-1].weights), 1e-12)
        w[0] = 1.0
        pops[-1].weights = w / w.sum()
        return pops

    monkeypatch.setattr(cal, "abc_smc", collapsing)
    out = tmp_path / "o"
    assert _calibrate(spec, out) == 2
    assert "the population collapsed" in one_line(capsys)
    assert not out.exists()


def test_a_kernel_that_keeps_leaving_the_prior_stops_in_one_line():
    priors = [Prior("reactivity", "uniform", (), 0.0, 0.1)]
    pop = _population([1.0] * 4, np.array([[50.0], [51.0], [52.0], [53.0]]))  # far outside
    with pytest.raises(UsageError, match="kept leaving the prior's box") as info:
        propose(pop, priors, np.random.default_rng(1), 16)
    assert "\n" not in str(info.value)


def test_huge_weights_are_resampled_by_their_ratios():
    frame = pd.DataFrame({"reactivity": [0.1, 0.2, 0.3], "weight": [1e308, 1e308, 1e-300]})
    drawn = resample(frame, 2000, 5)["reactivity"]
    share = {v: float(np.mean(drawn == v)) for v in (0.1, 0.2, 0.3)}
    assert share[0.3] == 0 and 0.4 < share[0.1] < 0.6, share  # not all on the smallest


# -- posterior files ---------------------------------------------------------------------


def _plain(path: Path, frame: pd.DataFrame) -> str:
    frame.to_parquet(path)  # no model version
    return str(path)


def _stamped(path: Path, frame: pd.DataFrame) -> str:
    write_posterior(frame, path)
    return str(path)


def _raw(path: Path, table: pa.Table) -> str:
    from sim.observe.fitguard import POSTERIOR_KEY, model_version

    pq.write_table(table.replace_schema_metadata({POSTERIOR_KEY: model_version().encode()}),
                   path)  # fmt: skip
    return str(path)


GOOD = pd.DataFrame({"reactivity": [0.05, 0.07], "weight": [1.0, 1.0]})
POSTERIORS = [  # (writer, words of the one line)
    (lambda p: _plain(p, GOOD), "records no model version"),
    (lambda p: _stamped(p, GOOD[["weight"]].assign(distance=0.0)), "no coefficient columns"),
    (lambda p: _raw(p, pa.table({"reactivity": [[0.1, 0.2]], "weight": [1.0]})),
     "column 'reactivity' is list<element: double>, expected numbers"),
    (lambda p: _raw(p, pa.Table.from_arrays([pa.array([0.1]), pa.array([0.2]), pa.array([1.0])],
                                            names=["reactivity", "reactivity", "weight"])),
     "repeated columns ['reactivity']"),
    (lambda p: _raw(p, pa.table({"reactivity": ["0.1"], "weight": [1.0]})),
     "column 'reactivity' is string, expected numbers"),
]  # fmt: skip


@pytest.mark.parametrize(("write", "words"), POSTERIORS)
def test_bad_posterior_files_are_one_line(tmp_path, capsys, write, words):
    path = write(tmp_path / "p.parquet")
    out = tmp_path / "o"
    args = ["run", str(BASELINE), "-n", "2", "--steps", "2", "-q", "--no-plots"]
    assert main([*args, "--out", str(out), "--posterior", path]) == 2
    assert words in one_line(capsys)
    assert not out.exists()


def test_a_posterior_of_another_model_needs_allow_model_change(tmp_path, capsys, monkeypatch):
    path = tmp_path / "p.parquet"
    write_posterior(GOOD, path)
    args = ["run", str(BASELINE), "-n", "2", "--steps", "2", "-q", "--no-plots",
            "--posterior", str(path)]  # fmt: skip
    assert main([*args, "--out", str(tmp_path / "same")]) == 0  # control: this model
    monkeypatch.setattr("sim.provenance.package_version", lambda: "99.0-another")
    assert main([*args, "--out", str(tmp_path / "o")]) == 2
    assert "was fitted under another model" in one_line(capsys)
    assert main([*args, "--out", str(tmp_path / "o"), "--allow-model-change"]) == 0
    meta = json.loads((tmp_path / "o" / "manifest.json").read_text())
    assert meta["posterior"]["file"] == str(path)


def test_calibrate_stamps_its_posterior_with_the_model_version(tmp_path):
    from sim.observe.fitguard import POSTERIOR_KEY, model_version

    spec = tiny_calibration(tmp_path / "c")
    out = tmp_path / "o"
    assert _calibrate(spec, out) == 0
    meta = pq.read_schema(out / "posterior.parquet").metadata
    assert meta[POSTERIOR_KEY].decode() == model_version()
    assert json.loads((out / "manifest.json").read_text())["model_version"] == model_version()
    assert len(draw_coefficients(out / "posterior.parquet", 5, 1)["reactivity"]) == 5


@pytest.mark.parametrize("method", ["smc", "rejection"])
def test_resume_with_nothing_to_resume_says_so_and_starts_anew(tmp_path, capsys, method):
    """As `sweep --resume` does (and wget -c, rsync --partial): the fit starts afresh, and one
    line says so, so a mistyped --out is seen at once rather than after hours of a new fit
    (it was silent, exit 0). Rejection ABC saves nothing to resume."""
    spec = tiny_calibration(tmp_path / "c", method=method, accept="0.5")
    out = tmp_path / "out"
    assert _calibrate(spec, out, "--resume") == 0
    err = capsys.readouterr().err
    why = "" if method == "smc" else " (rejection ABC runs in one pass and saves nothing)"
    expected = f"--resume: nothing to resume in {cal.work_dir(out)}{why}; starting anew"
    assert [line for line in err.splitlines() if "resume" in line] == [expected]
    assert (out / "posterior.parquet").exists()


def test_a_kernel_leaving_a_many_coefficient_box_names_a_remedy_that_exists():
    """Every model coefficient calibrated over its whole range: ABC-SMC stopped with "widen
    the prior bounds", which cannot be done (they are the coefficients' own bounds). The line
    names the coefficient the proposals left most and the remedies that exist."""
    from sim.parameters import PARAMETERS

    priors = [Prior(n, "uniform", (), p.lo, p.hi) for n, p in PARAMETERS.items()]
    rng = np.random.default_rng(2)
    lo = np.array([p.lo for p in priors])
    span = np.array([p.hi - p.lo for p in priors])
    theta = lo + span * rng.uniform(0, 1e-6, (16, len(priors)))  # a population in a corner
    theta[:, 0] = 1.0 + rng.uniform(0, 1e-6, 16)  # reactivity mid-range: it stays inside
    with pytest.raises(UsageError) as info:
        propose(_population([1.0] * 16, theta), priors, np.random.default_rng(1), 16)
    message = str(info.value)
    assert "\n" not in message
    assert message.endswith(
        f"; with {len(priors)} coefficients in the fit, calibrate fewer of them or use "
        "`method: rejection` (docs/calibration.md)"
    )
    assert "most often below or above the bounds of " in message
    assert "reactivity" not in message.split("bounds of ")[1]
