"""ABC-SMC calibration: recovers known coefficients from synthetic history; the same seed
gives the same posterior on 1 or 2 workers; an interrupted run resumes to the same result.

The model coefficient to recover is chosen by screening every coefficient in
sim.parameters.PARAMETERS (one ensemble call, replications varying one coefficient each), so
the test follows the model as its coefficients change.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.cli import main
from sim.ensemble import prepare, run_ensemble
from sim.kernel import choose_engine
from sim.observe.calibrate import calibrate, posterior_frame
from sim.observe.operators import PairHistory, Window, default_coefficients, launches, summits
from sim.observe.report import posterior_summary
from sim.observe.spec import load_spec
from sim.parameters import PARAMETERS
from sim.scenario.loader import load_scenario

START, STEPS = (2016, 1), 120
SRC = {
    "publisher": "synthetic",
    "title": "simulated",
    "date": "2024-01-01",
    "url": "https://example.org/synthetic",
}


def history_scenario(tmp_path: Path, baseline: Path) -> Path:
    path = tmp_path / "history.yaml"
    path.write_text(
        f"extends: {baseline}\nname: synthetic_history\n"
        f'run: {{start: "{START[0]}-{START[1]:02d}", steps: {STEPS}}}\n'
    )
    return path


def most_influential(scenario) -> str:
    """The coefficient whose move across its prior (half to twice its default) most shifts
    PRK's escalation.

    The noise level is left out: it shifts the mean only through clipping at the ladder's
    ends, and a single noisy history cannot pin it down."""
    world, _ = prepare(scenario)
    names = [n for n in PARAMETERS if PARAMETERS[n].default > 0 and n != "noise"]
    reps = 2 * len(names)
    coefs = {n: np.full(reps, float(world.params[n][0, 0])) for n in names}
    for k, n in enumerate(names):
        coefs[n][2 * k], coefs[n][2 * k + 1] = prior_bounds(n)
    x = run_ensemble(scenario, reps, 1, STEPS, coefficients=coefs).series.escalation
    effect = np.abs(np.diff(x[1:, :, world.ids.index("PRK")].mean(axis=0).reshape(-1, 2)))[:, 0]
    return names[int(np.argmax(effect))]


def synthetic_observations(
    tmp_path: Path, scenario, name: str, truth: float, summit_rate: float
) -> Path:
    """Half-yearly launch and summit counts simulated from one replication at the true values
    (few aggregated observables: ABC's distance degrades with many noisy ones). Each summit
    count is drawn by the operator the fit uses: with the pair history of the half-years
    before it (a fit knows every earlier one; sim/observe/episodes.assign)."""
    world, _ = prepare(scenario)
    s = run_ensemble(scenario, 1, 424242, STEPS, coefficients={name: np.array([truth])}).series
    k = default_coefficients(1)
    k["summit_log_rate"] = np.array([summit_rate])
    rng = np.random.default_rng(99)
    items = []
    held = 0.0  # summits drawn so far
    for half in range(STEPS // 6):
        t0 = 6 * half  # state index of the half-year's first month
        year, month = START[0] + (START[1] - 1 + t0) // 12, (START[1] - 1 + t0) % 12 + 1
        w = Window(
            s.escalation[t0 : t0 + 6], s.commitment[t0 : t0 + 6], s.leverage[t0 : t0 + 6], world.ids
        )
        before = Window(s.escalation[:t0], s.commitment[:t0], s.leverage[:t0], world.ids)
        history = PairHistory(held, t0, before.mutual("CHN", "PRK").mean(axis=0)) if half else None
        period = f"{year}-{month:02d}/{year}-{month + 5:02d}"
        for kind, actor_key, actors, draw in (
            ("missile_launches", "actor", "PRK", launches),
            ("summit", "pair", ["CHN", "PRK"], partial(summits, anchor=history)),
        ):
            value = int(draw(_Obs(actors), w, k, rng, 1)[0, 0])
            held += value if kind == "summit" else 0
            items.append(
                {
                    "id": f"{kind.replace('_', '-')}-{year}-{month:02d}",
                    "kind": kind,
                    actor_key: actors,
                    "period": period,
                    "value": value,
                    "unit": "per half-year",
                    "reliability": "solid",
                    "source": SRC,
                }
            )
    path = tmp_path / "observations.yaml"
    path.write_text(yaml.safe_dump({"observations": items}, sort_keys=False))
    return path


class _Obs:
    def __init__(self, actors):
        self.actors = (actors,) if isinstance(actors, str) else tuple(actors)
        self.kind, self.unit = "", "per half-year"  # the unit written to the file below


def prior_bounds(name: str) -> tuple[float, float]:
    """A prior from half to twice the default, within the documented range."""
    p = PARAMETERS[name]
    return max(p.lo, 0.5 * p.default), min(p.hi, 2.0 * p.default)


def write_spec(tmp_path: Path, scenario: Path, observations: Path, name: str, **settings) -> Path:
    lo, hi = prior_bounds(name)
    spec = {
        "name": "synthetic",
        "scenarios": [str(scenario)],
        "observations": [str(observations)],
        "coefficients": {name: {"prior": "uniform", "lo": lo, "hi": hi}},
        "operator_coefficients": {"summit_log_rate": {"prior": "uniform", "lo": -4, "hi": 1}},
        "population": 200,
        "generations": 8,
        "quantile": 0.3,
        "replications": 2,
        "seed": 5,
        "predictive_replications": 40,
        **settings,
    }
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def setup(tmp_path_factory, baseline):
    tmp = tmp_path_factory.mktemp("synthetic")
    scen_path = history_scenario(tmp, baseline)
    scenario = load_scenario(scen_path).scenario
    name = most_influential(scenario)
    lo, hi = prior_bounds(name)
    truth = lo + 0.4 * (hi - lo)
    obs_path = synthetic_observations(tmp, scenario, name, truth, -1.5)
    return tmp, scen_path, obs_path, name, truth


@pytest.mark.slow
def test_recovers_known_coefficients_within_90pct_interval(setup):
    tmp, scen, obs, name, truth = setup
    spec = load_spec(write_spec(tmp, scen, obs, name, replications=4))
    # The engine the command picks (numba when installed): the numpy engine gives the same
    # posterior, draw for draw, in two to three times as long.
    pops, prob, left = calibrate(spec, None, progress=False, engine=choose_engine())
    assert not left and len(prob.targets) == 2 * STEPS // 6
    post = posterior_summary(posterior_frame(prob.names, pops[-1]), prob.names)
    prior = {name: prior_bounds(name), "summit_log_rate": (-4, 1)}
    for _, row in post.iterrows():
        true_value = truth if row.coefficient == name else -1.5
        lo, hi = prior[row.coefficient]
        assert row.q05 <= true_value <= row.q95, (row.coefficient, true_value, row)
        assert row.q95 - row.q05 < 0.6 * 0.9 * (hi - lo)  # the data narrowed the prior
    assert pops[-1].epsilon < pops[1].epsilon


def _small(tmp, scen, obs, name, sub: str) -> Path:
    folder = tmp / sub
    folder.mkdir()
    return write_spec(folder, scen, obs, name, population=24, generations=3)


def test_same_seed_same_posterior_one_or_two_workers(setup):
    tmp, scen, obs, name, _ = setup
    spec = load_spec(_small(tmp, scen, obs, name, "repro"))
    a = posterior_frame(spec.names, calibrate(spec, None, progress=False)[0][-1])
    b = posterior_frame(spec.names, calibrate(spec, None, progress=False)[0][-1])
    c = posterior_frame(spec.names, calibrate(spec, None, workers=2, progress=False)[0][-1])
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)


def test_rejection_batches_on_two_workers_give_the_one_worker_posterior(setup, monkeypatch):
    """Rejection ABC runs its batches whole on the workers (calibrate.Simulator.map): the
    distances, hence the posterior, are those of one worker, batch for batch."""
    import sim.observe.rejection as rejection
    from sim.observe.calibrate import build_problem
    from sim.observe.distance import simulator

    monkeypatch.setattr(rejection, "BATCH", 16)  # 48 draws: 3 batches, 2 of them mapped
    tmp, scen, obs, name, _ = setup
    spec = load_spec(_small(tmp, scen, obs, name, "batches"))
    pops = {}
    for workers in (1, 2):
        prob, _ = build_problem(spec, workers)
        sim = simulator(prob)
        pops[workers] = rejection.rejection_populations(sim, list(spec.priors), 12, 0.25, 3)
    for one, two in zip(pops[1], pops[2], strict=True):
        assert np.array_equal(one.theta, two.theta)
        assert np.array_equal(one.distances, two.distances)
    assert len(pops[1][0].theta) == 48 and np.isfinite(pops[1][1].distances).all()


def test_interrupted_calibration_resumes_to_the_same_result(setup, monkeypatch):
    import sim.observe.calibrate as cal

    tmp, scen, obs, name, _ = setup
    spec_path = _small(tmp, scen, obs, name, "resume")
    whole = tmp / "resume" / "whole"
    assert main(["calibrate", str(spec_path), "--out", str(whole), "-q", "--no-plots"]) == 0
    real = cal.save_generation

    def stop_after_first(work, t, pop, prob, spec_hash):
        real(work, t, pop, prob, spec_hash)
        if t == 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(cal, "save_generation", stop_after_first)
    cut = tmp / "resume" / "cut"
    assert main(["calibrate", str(spec_path), "--out", str(cut), "-q", "--no-plots"]) == 130
    assert not cut.exists() and sorted(p.name for p in cal.work_dir(cut).glob("gen_*")) == [
        "gen_000.npz",
        "gen_001.npz",
    ]
    monkeypatch.setattr(cal, "save_generation", real)
    assert main(["calibrate", str(spec_path), "--out", str(cut), "-q", "--no-plots"]) == 2
    assert (
        main(["calibrate", str(spec_path), "--out", str(cut), "-q", "--no-plots", "--resume"]) == 0
    )
    assert not cal.work_dir(cut).exists()
    pd.testing.assert_frame_equal(
        pd.read_parquet(whole / "posterior.parquet"), pd.read_parquet(cut / "posterior.parquet")
    )
    diag = pd.read_csv(cut / "diagnostics.csv")
    assert (
        list(diag.columns)
        == ["generation", "epsilon", "acceptance", "ess", "particles", "proposed"]
        and len(diag) == 3
    )


def test_calibrate_writes_charts_report_and_hindcast_scores(setup, tmp_path):
    _, scen, obs, name, _ = setup
    spec_path = write_spec(tmp_path, scen, obs, name, population=16, generations=2)
    out = tmp_path / "out"
    assert main(["calibrate", str(spec_path), "--out", str(out), "-q"]) == 0
    names = {p.name for p in (out / "charts").iterdir()}
    assert names == {
        "prior_posterior.png",
        "diagnostics.png",
        "predictive_check.png",
        "ledger.json",
    }
    page = (out / "report.html").read_text()
    assert "Posterior predictive check" in page and page.count("data:image/png;base64,") == 3
    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0 and (out / "report.html").exists()
    meta = json.loads((out / "manifest.json").read_text())
    assert meta["coefficients"] == [name, "summit_log_rate"]
    hc = tmp_path / "hc"
    assert (
        main(
            [
                "hindcast",
                str(obs),
                str(scen),
                "--posterior",
                str(out / "posterior.parquet"),
                "-n",
                "20",
                "--out",
                str(hc),
            ]
        )
        == 0
    )
    table = pd.read_csv(hc / "hindcast.csv")
    assert len(table) == 2 * STEPS // 6 and set(table["kind"]) == {"missile_launches", "summit"}
    assert (table["q05"] <= table["median"]).all() and (table["median"] <= table["q95"]).all()
    # direction of change: every observation after the first of its series has a previous one
    assert (table["previous"].fillna("") != "").sum() == 2 * (STEPS // 6 - 1)
    cov = json.loads((hc / "manifest.json").read_text())["coverage"]
    assert cov["coverage90"] == pytest.approx(table["in90"].mean())


@pytest.mark.slow
def test_the_documented_calibration_refits_the_shipped_posterior(tmp_path, capsys):
    """`alliance-sim calibrate scenarios/calibration/history.yaml` (README, docs) ends with a
    posterior, by the spec's rejection ABC, and it is the one shipped in seeds/posterior/
    (made by `make validate-model`'s first fit: same priors, draws, seed and distance)."""
    repo = Path(__file__).resolve().parents[1]
    out = tmp_path / "cal"
    spec = repo / "scenarios" / "calibration" / "history.yaml"
    assert main(["calibrate", str(spec), "--out", str(out), "-q", "--no-plots"]) == 0
    assert "rejection ABC, kept 100 of 2500 prior draws" in capsys.readouterr().out
    post = pd.read_parquet(out / "posterior.parquet")
    shipped = pd.read_parquet(repo / "seeds" / "posterior" / "history-2016-2024.parquet")
    pd.testing.assert_frame_equal(post, shipped, check_exact=False, rtol=1e-9)
    assert json.loads((out / "manifest.json").read_text())["method"] == "rejection"
    diag = pd.read_csv(out / "diagnostics.csv")  # generation 0: the prior draws; 1: kept
    assert diag["ess"].tolist() == [2500.0, 100.0] and diag["proposed"].tolist() == [2500] * 2


def test_rejection_method_keeps_the_closest_draws_with_equal_weights(setup):
    """`method: rejection`: generation 0 is every prior draw with its distances, generation 1
    the `population` closest of them, equally weighted; every kept draw is at least as close
    as every draw left out, and ε is the largest kept distance."""
    tmp, scen, obs, name, _ = setup
    folder = tmp / "rejection"
    folder.mkdir()
    spec = load_spec(
        write_spec(folder, scen, obs, name, method="rejection", population=10, accept=0.25)
    )
    prior, pop = calibrate(spec, None, progress=False)[0]
    assert len(prior.weights) == 40 and len(pop.weights) == 10 and pop.proposed == 40
    assert np.allclose(pop.weights, 0.1) and pop.ess == pytest.approx(10)
    kept = np.median(pop.distances, axis=1)
    every = np.median(prior.distances, axis=1)
    assert kept.max() == pytest.approx(pop.epsilon)
    kept_rows = {tuple(t) for t in pop.theta}
    left = [d for t, d in zip(prior.theta, every, strict=True) if tuple(t) not in kept_rows]
    assert len(left) == 30 and kept.max() <= min(left)
    assert kept.mean() < every.mean()  # selection: closer than the prior draws on average
