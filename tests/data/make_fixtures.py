"""Build the small compare and sweep results fixtures under tests/data/results/.

The run fixture is a real (tiny) run:
    .venv/bin/alliance-sim run scenarios/baseline.yaml -n 12 --steps 12 \\
        --out tests/data/results/run --no-plots -q
The compare and sweep fixtures are written here by hand from docs/results-format.md, so the
chart tests never depend on the model: their numbers are SYNTHETIC (derived from the run
fixture's summary.csv with made-up, deterministic effects) and mean nothing about the world.

    .venv/bin/python tests/data/make_fixtures.py      # rewrites compare/ and sweep/

The robustness, hindcast and calibration fixtures are real (tiny) outputs, trimmed to the
tables their readers use (no charts, no report.html); robustness and hindcast are written
straight into tests/data/results/KIND (from the repository root, after removing the old folder):
    alliance-sim robustness scenarios/baseline.yaml --draws 8 -n 6 --steps 12 --no-plots \
        --structures --out tests/data/results/robustness
    alliance-sim hindcast seeds/observations/missile_launches.yaml \
        scenarios/history/base_2016.yaml -n 20 --draws 3 --no-plots \
        --out tests/data/results/hindcast
    calibration: the synthetic spec of tests/test_observe_calibrate.py (write_spec with
        population=16, generations=2), `alliance-sim calibrate SPEC --no-plots`
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent / "results"
RUN = HERE / "run"
NOTE = "synthetic test fixture written by tests/data/make_fixtures.py; not model output"


def _base_summary() -> pd.DataFrame:
    return pd.read_csv(RUN / "summary.csv")


def _actors(frame: pd.DataFrame) -> list[str]:
    return [c.removeprefix("peak_escalation_") for c in frame if c.startswith("peak_escalation_")]


def _recompute(frame: pd.DataFrame, steps: int) -> pd.DataFrame:
    """Keep the derived columns consistent after escalation levels were changed."""
    edges = np.array([0.10, 0.20, 0.35, 0.50, 0.65, 0.80, 0.95])
    active = [a for a in _actors(frame) if frame[f"peak_escalation_{a}"].max() > 0]
    for a in _actors(frame):
        frame[f"final_rung_{a}"] = np.searchsorted(edges, frame[f"final_escalation_{a}"], "right")
    peak = frame[[f"peak_escalation_{a}" for a in active]].max(axis=1)
    final = frame[[f"final_escalation_{a}" for a in active]].max(axis=1)
    crisis = peak >= 0.5
    war = peak >= 0.8
    frame["first_crisis_step"] = np.where(crisis, (steps * (1 - (peak - 0.5))).astype(int), -1)
    frame["first_war_step"] = np.where(war, frame["first_crisis_step"] + 1, -1)
    frame["crisis_months"] = np.where(crisis, steps - frame["first_crisis_step"], 0)
    frame["outcome"] = np.select(
        [war, crisis, final >= 0.35], ["war", "crisis", "tense"], default="calm"
    )
    return frame


def _shift(frame: pd.DataFrame, actor: str, amount: np.ndarray) -> None:
    for kind in ("peak", "final"):
        col = f"{kind}_escalation_{actor}"
        frame[col] = np.clip(frame[col] + amount, 0.0, 1.0)


def _write(folder: Path, manifest: dict) -> None:
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def _fresh(name: str) -> Path:
    folder = HERE / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def make_compare() -> Path:
    folder = _fresh("compare")
    run_manifest = json.loads((RUN / "manifest.json").read_text())
    steps = run_manifest["steps"]
    rng = np.random.default_rng(6)
    base = _base_summary()
    n = len(base)
    restrain = base.copy()
    for actor, mean in (("PRK", -0.04), ("RUS", -0.02), ("USA", -0.015), ("KOR", -0.02)):
        _shift(restrain, actor, mean + 0.01 * rng.standard_normal(n))
    restrain["final_distancing"] -= 0.05 + 0.01 * rng.standard_normal(n)
    tech = base.copy()
    for actor, mean in (("PRK", 0.12), ("KOR", 0.07), ("JPN", 0.05), ("USA", 0.04)):
        _shift(tech, actor, mean + 0.04 * rng.standard_normal(n))
    tech["final_distancing"] += 0.06 + 0.02 * rng.standard_normal(n)
    tech["peak_frustration"] = np.clip(0.05 + 0.03 * rng.standard_normal(n), 0, 1)
    tech["final_frustration"] = np.clip(tech["peak_frustration"] - 0.01, 0, 1)
    names = ["baseline", "china_restrains", "tech_transfer"]
    frames = [_recompute(f, steps) for f in (base, restrain, tech)]
    for f in frames:
        f["crisis"] = (f["first_crisis_step"] >= 0).astype(np.int64)
        f["war"] = (f["first_war_step"] >= 0).astype(np.int64)
    stacked = pd.concat([f.assign(scenario=s) for s, f in zip(names, frames, strict=True)])
    stacked = stacked[["scenario", *[c for c in stacked.columns if c != "scenario"]]]
    stacked.to_parquet(folder / "summaries.parquet", index=False)

    outcomes = [
        c for c in frames[0].columns if c not in ("replication", "outcome")
    ]  # every numeric summary column plus crisis and war
    rows = []
    for outcome in outcomes:
        ref = frames[0][outcome].to_numpy(dtype=float)
        for name, f in zip(names, frames, strict=True):
            v = f[outcome].to_numpy(dtype=float)
            lo, med, hi = np.percentile(v, [5, 50, 95])
            dlo, dmed, dhi = np.percentile(v - ref, [5, 50, 95])
            rows.append((name, outcome, med, lo, hi, dmed, dlo, dhi, v.mean(), (v - ref).mean()))
    columns = ["scenario", "outcome", "median", "lo", "hi", "diff_median", "diff_lo", "diff_hi"]
    table = pd.DataFrame(rows, columns=[*columns, "mean", "diff_mean"])
    table.to_csv(folder / "comparison.csv", index=False, float_format="%.6g")
    _write(
        folder,
        {
            "kind": "compare",
            "note": NOTE,
            "created_utc": "2024-06-20T00:00:00+00:00",
            "command": ["alliance-sim", "compare", "(fixture)"],
            "versions": run_manifest["versions"],
            "root_seed": run_manifest["root_seed"],
            "replications": n,
            "steps": steps,
            "step_unit": "month",
            "reference": names[0],
            "scenarios": [
                {
                    "name": name,
                    "file": f"scenarios/{name}.yaml",
                    "title": title,
                    "question": question,
                    "scenario_hash": f"{i:064x}",
                }
                for i, (name, title, question) in enumerate(
                    [
                        (names[0], run_manifest["resolved_scenario"]["title"], "Baseline."),
                        (names[1], "China restrains both clients", "What if China leans in?"),
                        (names[2], "Russian technology reaches PRK", "What if tech flows?"),
                    ]
                )
            ],
            "outcomes": outcomes,
            "files": {"summaries": "summaries.parquet", "comparison": "comparison.csv"},
        },
    )
    return folder


def make_sweep() -> Path:
    folder = _fresh("sweep")
    (folder / "chunks").mkdir()
    (folder / "analysis").mkdir()
    run_manifest = json.loads((RUN / "manifest.json").read_text())
    steps = run_manifest["steps"]
    react = [0.05, 0.09, 0.15]
    axis = [0.3, 0.6, 1.2]
    points = pd.DataFrame(
        [(r, a) for r in react for a in axis],
        columns=["parameters.reactivity", "parameters.axis_cost"],
    )
    points.insert(0, "point", np.arange(len(points)))
    points.to_parquet(folder / "points.parquet", index=False)
    reps = 4
    base = _base_summary()
    rng = np.random.default_rng(7)
    runs = []
    for p in points.itertuples(index=False):
        r, a = p[1], p[2]
        for rep in range(reps):
            row = base.iloc[[rep % len(base)]].copy()
            for actor in ("PRK", "RUS", "KOR", "USA", "JPN"):
                _shift(row, actor, 2.2 * (r - 0.09) + 0.03 * rng.standard_normal())
            row["final_distancing"] = 0.25 * a + 0.5 * r + 0.01 * rng.standard_normal()
            row["peak_frustration"] = max(0.0, 0.4 * r + 0.02 * rng.standard_normal())
            row["final_frustration"] = row["peak_frustration"] * 0.8
            row = _recompute(row, steps)
            row.insert(0, "point", p[0])
            runs.append(row)
    frame = pd.concat(runs, ignore_index=True)
    cols = [
        "point",
        "replication",
        *[c for c in frame.columns if c not in ("point", "replication")],
    ]
    frame = frame[cols]
    chunk = 12
    for k, start in enumerate(range(0, len(frame), chunk)):
        frame.iloc[start : start + chunk].to_parquet(
            folder / "chunks" / f"chunk-{k:05d}.parquet", index=False
        )
    numeric = [
        c
        for c in frame.columns
        if c not in ("point", "replication", "outcome") and pd.api.types.is_numeric_dtype(frame[c])
    ]
    by_point = frame.groupby("point")[numeric].mean()
    by_point["p_crisis"] = frame.groupby("point")["first_crisis_step"].apply(
        lambda s: (s >= 0).mean()
    )
    by_point["p_war"] = frame.groupby("point")["first_war_step"].apply(lambda s: (s >= 0).mean())
    by_point = points.merge(by_point.reset_index(), on="point")
    by_point.to_parquet(folder / "analysis" / "by_point.parquet", index=False)

    outcomes = ["p_crisis", "final_distancing", "peak_escalation_PRK", "peak_frustration"]
    params = ["parameters.reactivity", "parameters.axis_cost"]
    sobol, morris = [], []
    for i, o in enumerate(outcomes):
        share = [0.7 - 0.15 * i, 0.2 + 0.15 * i]
        for j, p in enumerate(params):
            s1 = share[j]
            sobol.append((o, p, s1, 0.05 + 0.01 * j, min(1.0, s1 + 0.08), 0.06))
            morris.append((o, p, 0.3 * s1, 0.04, 0.1 * s1 + 0.01 * j))
    pd.DataFrame(sobol, columns=["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"]).to_csv(
        folder / "analysis" / "sobol.csv", index=False
    )
    pd.DataFrame(
        morris, columns=["outcome", "parameter", "mu_star", "mu_star_conf", "sigma"]
    ).to_csv(folder / "analysis" / "morris.csv", index=False)
    pd.DataFrame(
        [("crisis", 1, "parameters.reactivity", 0.12, 0.15, 0.8, 0.7)],
        columns=["outcome", "box", "parameter", "low", "high", "coverage", "density"],
    ).to_csv(folder / "analysis" / "prim.csv", index=False)
    _write(
        folder,
        {
            "kind": "sweep",
            "note": NOTE,
            "created_utc": "2024-06-20T00:00:00+00:00",
            "command": ["alliance-sim", "sweep", "(fixture)"],
            "versions": run_manifest["versions"],
            "scenario": "baseline",
            "design": "grid",
            "parameters": [
                {
                    "path": "parameters.reactivity",
                    "kind": "choice",
                    "low": None,
                    "high": None,
                    "values": react,
                },
                {
                    "path": "parameters.axis_cost",
                    "kind": "choice",
                    "low": None,
                    "high": None,
                    "values": axis,
                },
            ],
            "samples": len(points),
            "replications": reps,
            "root_seed": run_manifest["root_seed"],
            "chunk_size": chunk,
            "n_points": len(points),
            "n_runs": len(frame),
            "steps": steps,
            "step_unit": "month",
        },
    )
    return folder


if __name__ == "__main__":
    for path in (make_compare(), make_sweep()):
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        print(f"{path}: {size / 1024:.0f} KB")
