"""`alliance-sim analyze`: per-point means, Sobol / Morris indices (SALib), PRIM boxes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.plots
from sim.cli import main
from sim.jobs.sweep.analysis import analyze
from sim.jobs.sweep.prim import prim_table

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


def run_sweep(tmp: Path, name: str, body: str) -> Path:
    spec = tmp / f"{name}.yaml"
    spec.write_text(f"scenario: {BASELINE}\nname: {name}\nsteps: 12\n" + body)
    out = tmp / name
    assert (
        main(["sweep", str(spec), "--out", str(out), "-q", "--no-analysis", "--workers", "1"]) == 0
    )
    return out


@pytest.fixture(scope="module")
def sobol_sweep(tmp_path_factory) -> Path:
    return run_sweep(
        tmp_path_factory.mktemp("sobol"), "sob",
        "design: sobol\nsamples: 16\nreplications: 3\nparameters:\n"
        "  parameters.reactivity: 0.05:0.5\n  actors.PRK.traits.resolve: 0.3:1.0\n"
        "  treaties.rus_prk_2024.obligation: [vague, automatic]\n",
    )  # fmt: skip


def test_by_point_is_the_mean_of_the_chunks(sobol_sweep):
    result = analyze(sobol_sweep, prim=False, plots=False)
    runs = pd.concat(map(pd.read_parquet, sorted((sobol_sweep / "chunks").glob("*.parquet"))))
    numeric = [c for c in runs.columns if c not in ("point", "replication", "outcome")]
    expected = runs.groupby("point")[numeric].mean()
    by_point = pd.read_parquet(sobol_sweep / "analysis" / "by_point.parquet")
    assert len(by_point) == 16 * (3 + 2)
    assert list(by_point.columns[:4]) == [
        "point", "parameters.reactivity", "actors.PRK.traits.resolve",
        "treaties.rus_prk_2024.obligation",
    ]  # fmt: skip
    np.testing.assert_allclose(by_point[numeric].to_numpy(), expected.to_numpy(), rtol=1e-12)
    p_crisis = runs.assign(c=runs["first_crisis_step"] >= 0).groupby("point")["c"].mean()
    np.testing.assert_allclose(by_point["p_crisis"], p_crisis)
    assert result.tables.keys() == {"sobol"}


def test_sobol_table(sobol_sweep):
    analyze(sobol_sweep, prim=False, plots=False)
    table = pd.read_csv(sobol_sweep / "analysis" / "sobol.csv")
    assert list(table.columns) == ["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert table["outcome"].iloc[0] in ("p_crisis", "p_war", "peak_escalation_CHN")
    assert (table.groupby("outcome").size() == 3).all()
    assert "first_crisis_step" not in set(table["outcome"])
    assert np.isfinite(table[["S1", "ST"]].to_numpy()).all()
    assert (table[["S1_conf", "ST_conf"]] >= 0).all().all()
    prk = table[table["outcome"] == "peak_escalation_PRK"].set_index("parameter")
    assert (
        prk.loc["actors.PRK.traits.resolve", "ST"]
        > prk.loc["treaties.rus_prk_2024.obligation", "ST"]
    )


def test_second_order_sobol(tmp_path):
    folder = run_sweep(
        tmp_path, "sob2",
        "design: sobol\nsamples: 8\nsecond_order: true\nreplications: 1\n"
        "parameters:\n  parameters.reactivity: 0.05:0.5\n  actors.PRK.traits.resolve: 0.3:1.0\n",
    )  # fmt: skip
    analyze(folder, prim=False, plots=False)
    table = pd.read_csv(folder / "analysis" / "sobol2.csv")
    assert list(table.columns) == ["outcome", "parameter_1", "parameter_2", "S2", "S2_conf"]
    assert set(table["parameter_1"]) == {"parameters.reactivity"}


def test_morris_table_and_cli(tmp_path, capsys, monkeypatch):
    folder = run_sweep(
        tmp_path, "mor",
        "design: morris\nsamples: 4\nreplications: 2\nparameters:\n"
        "  parameters.reactivity: 0.05:0.5\n  actors.PRK.traits.resolve: 0.3:1.0\n",
    )  # fmt: skip
    drawn = []
    monkeypatch.setattr(sim.plots, "draw_charts", drawn.append, raising=False)
    assert main(["analyze", str(tmp_path / "mor"), "--no-prim"]) == 0
    assert drawn == [folder]  # charts come from sim.plots.draw_charts(folder)
    out = capsys.readouterr().out
    assert f"analysis: {folder / 'analysis'}" in out
    table = pd.read_csv(folder / "analysis" / "morris.csv")
    assert list(table.columns) == ["outcome", "parameter", "mu_star", "mu_star_conf", "sigma", "mu"]
    assert (table["mu_star"] >= 0).all() and len(table) % 2 == 0


def test_grid_sweep_prim_and_latest_folder(tmp_path, capsys):
    (tmp_path / "sweeps").mkdir()
    run_sweep(
        tmp_path / "sweeps", "grid",
        "design: grid\nreplications: 4\nparameters:\n"
        "  parameters.reactivity: 0.05:0.6:4\n  actors.PRK.traits.resolve: [0.5, 1.0]\n",
    )  # fmt: skip
    assert main(["analyze", str(tmp_path / "sweeps"), "--no-plots"]) == 0  # newest sweep inside
    analysis = tmp_path / "sweeps" / "grid" / "analysis"
    assert sorted(p.name for p in analysis.iterdir()) == [
        "by_point.parquet",
        "ledger.json",
        "prim.csv",
    ]
    prim = pd.read_csv(analysis / "prim.csv")
    assert list(prim.columns) == [
        "outcome", "box", "parameter", "low", "high", "coverage", "density", "values", "threshold",
    ]  # fmt: skip
    assert "no variance-based indices" in capsys.readouterr().err


def test_prim_finds_a_planted_box():
    rng = np.random.default_rng(0)
    n = 400
    points = pd.DataFrame(
        {"point": np.arange(n), "a": rng.uniform(0, 1, n), "b": rng.uniform(0, 1, n),
         "c": rng.choice(["x", "y"], n)}
    )  # fmt: skip
    reps = 3
    flags = pd.DataFrame({"point": np.repeat(points["point"], reps)})
    inside = (points["a"] > 0.6).to_numpy() & (points["c"] == "y").to_numpy()
    hit = np.repeat(inside, reps) & (rng.random(n * reps) < 0.9)
    flags["crisis"], flags["war"] = hit, np.zeros(n * reps, dtype=bool)
    table = prim_table(points, ["a", "b", "c"], flags, threshold=0.7)
    box = table[(table["outcome"] == "crisis") & (table["box"] == 1)].set_index("parameter")
    assert 0.5 < box.loc["a", "low"] < 0.7
    assert box.loc["c", "values"] == "y"
    assert box["density"].iloc[0] >= 0.7 and box["coverage"].iloc[0] > 0.6
    assert set(table["outcome"]) == {"crisis"}  # no war run: nothing to discover


@pytest.mark.parametrize(
    ("make", "piece"),
    [
        (lambda d: d, "not a sweep results folder"),
        (lambda d: d / "nope", "no such folder"),
        (lambda d: (d / "plan.json").write_text("{}") and d, "an unfinished sweep"),
    ],
)
def test_analyze_bad_folder_is_one_line(tmp_path, capsys, make, piece):
    code = main(["analyze", str(make(tmp_path))])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and piece in err[0]


def test_rounding_noise_is_a_constant_outcome():
    """An inactive actor's mean level differs between points only by rounding: no
    sensitivity for it, and no chart row either."""
    import numpy as np
    import pandas as pd

    from sim.jobs.sweep.analysis import sensitivity_outcomes
    from sim.results.folder import actors_from_columns

    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "point": range(8),
            "parameters.reactivity": np.linspace(0.05, 0.2, 8),
            "peak_escalation_IRN": 0.3 + rng.choice([-1, 0, 1], 8) * np.spacing(0.3),
            "peak_escalation_PRK": np.linspace(0.4, 0.5, 8),
        }
    )
    assert frame["peak_escalation_IRN"].nunique() > 1  # not exactly constant
    keep, constant = sensitivity_outcomes(frame, ["parameters.reactivity"])
    assert keep == ["peak_escalation_PRK"] and constant == ["peak_escalation_IRN"]
    assert actors_from_columns(frame, []) == ["PRK"]
