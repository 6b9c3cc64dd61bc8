"""benchmarks/paired.py: the paired pooled CRPS skill of run B's model against run A's, on
small synthetic validation folders written here in the layout benchmarks/calibrate.py
writes (rolling_origin.csv / holdout.csv, or seeds_rolling.csv / seeds_holdout.csv with a
`fit` column per root seed).

The pooled skill is skill_table's: 1 − Σ_k n_k·(S̄_B,k/S̄_A,k) / Σ_k n_k, n_k the forecasts
(origin, observation rows) of kind k. So B identical to A gives 1 − Σ n_k·1/Σ n_k = 0, and B
halved everywhere gives S̄_B,k/S̄_A,k = ½ in every kind (halving is exact in floating point,
so the kind means halve exactly) and 1 − ½·Σ n_k/Σ n_k = ½; halved in one kind only gives
1 − (n_1·½ + n_2·1)/(n_1 + n_2) = ½·n_1/(n_1 + n_2): the weights are the kinds' counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.calibrate import seed_intervals
from benchmarks.paired import PairedError, compare, main
from sim.observe.significance import MIN_OBSERVATIONS, skill_intervals

FORECASTERS = ("model", "filtered", "events_only", "persistence", "trend")
KINDS = {"launches": (7, 10.0), "votes": (5, 0.5), "summits": (3, 2.0)}  # n, CRPS unit
SEEDS = (20160101, 20160102, 20160103)


def scores(seed: int, origins: tuple[str, ...] = ("2018", "2019")) -> pd.DataFrame:
    """Rows as rolling.score_rows writes them: one per (origin, observation, forecaster);
    the first two observations of each kind are forecast from every origin, the rest from
    one (so some observations carry two forecasts, as on the rolling origin)."""
    rng = np.random.default_rng(seed)
    rows = []
    for kind, (n, unit) in KINDS.items():
        for i in range(n):
            for origin in origins if i < 2 else origins[i % len(origins) :][:1]:
                for f in FORECASTERS:
                    rows.append(
                        {
                            "origin": origin,
                            "id": f"{kind}-{i}",
                            "kind": kind,
                            "definition": "d",
                            "period": "2019",
                            "observed": float(i),
                            "forecaster": f,
                            "median": 0.0,
                            "in90": True,
                            "crps": float(rng.gamma(2.0, unit)),
                        }
                    )
    return pd.DataFrame(rows)


def write_run(folder: Path, rolling: pd.DataFrame, held: pd.DataFrame, reps: int = 200) -> Path:
    folder.mkdir(parents=True)
    rolling.to_csv(folder / "rolling_origin.csv", index=False)
    held.to_csv(folder / "holdout.csv", index=False)
    for name in ("filter_ess.csv", "holdout_ess.csv"):
        ess = {"origin": [2018], "month": [1], "ess": [50.0], "particles": [reps]}
        pd.DataFrame(ess).to_csv(folder / name, index=False)
    return folder


def write_seeds(folder: Path, rolling: pd.DataFrame, held: pd.DataFrame) -> Path:
    folder.mkdir(parents=True)
    rolling.to_csv(folder / "seeds_rolling.csv", index=False)
    held.to_csv(folder / "seeds_holdout.csv", index=False)
    return folder


def seeded(make, seeds=SEEDS) -> pd.DataFrame:
    return pd.concat([make(s).assign(fit=s) for s in seeds], ignore_index=True)


def rolling(seed: int) -> pd.DataFrame:
    return scores(seed)


def held(seed: int) -> pd.DataFrame:
    return scores(seed + 1000, origins=("holdout",))


def scaled(rows: pd.DataFrame, factor: float, kind: str | None = None) -> pd.DataFrame:
    """The model's CRPS times `factor` (in one kind, or every kind)."""
    out = rows.copy()
    hit = out["forecaster"].eq("model") & (out["kind"].eq(kind) if kind else True)
    out.loc[hit, "crps"] *= factor
    return out


def pooled(table: pd.DataFrame, part: str, seed: str | None = None) -> pd.Series:
    t = table[(table["part"] == part) & (table["kind"] == "pooled")]
    return (t if seed is None else t[t["seed"] == seed]).iloc[0]


# ------------------------------------------------------------------------------ the numbers
def test_b_identical_to_a_gives_skill_zero_exactly(tmp_path):
    a = write_run(tmp_path / "a", rolling(1), held(1))
    b = write_run(tmp_path / "b", rolling(1), held(1))
    table = compare([a], [b])
    assert set(table["part"]) == {"rolling origin", "held out"}
    assert (table["skill B vs A"] == 0.0).all()
    few = table["observations"] < MIN_OBSERVATIONS  # summits: 3, no interval
    assert set(table.loc[few, "kind"]) == {"summits"} and table.loc[few, "low"].isna().all()
    assert set(table.loc[few, "verdict"]) == {"–"}
    rest = table[~few]
    assert (rest["low"] == 0.0).all() and (rest["high"] == 0.0).all()
    assert set(rest["verdict"]) == {"tie"} and set(table["point >= 0"]) == {"yes"}


def test_b_halved_everywhere_gives_pooled_skill_one_half(tmp_path):
    a = write_run(tmp_path / "a", rolling(1), held(1))
    b = write_run(tmp_path / "b", scaled(rolling(1), 0.5), scaled(held(1), 0.5))
    table = compare([a], [b])
    assert (table["skill B vs A"] == 0.5).all()  # every kind and pooled (module docstring)
    for part in ("rolling origin", "held out"):
        row = pooled(table, part)
        assert row["low"] == row["high"] == 0.5 and row["verdict"] == "better"


def test_pooled_weights_kinds_by_their_forecasts(tmp_path):
    """Halved in launches only: ½·n_launches/n_all, with n counted in forecasts (rows)."""
    base = rolling(2)
    a = write_run(tmp_path / "a", base, held(2))
    b = write_run(tmp_path / "b", scaled(base, 0.5, "launches"), held(2))
    row = pooled(compare([a], [b]), "rolling origin")
    model = base[base["forecaster"] == "model"]
    n1, n = int((model["kind"] == "launches").sum()), len(model)
    assert n1 != len(model[model["id"].str.startswith("launches")]["id"].unique())  # 2 origins
    assert row["forecasts"] == n
    assert row["skill B vs A"] == pytest.approx(0.5 * n1 / n, abs=1e-15)


def test_agrees_with_significance_when_a_is_a_null_column(tmp_path):
    """A's model CRPS set to B's events-only CRPS: the paired table is skill_intervals' row
    against events_only, point, interval and share, with the same bootstrap seed."""
    b_rows, b_held = rolling(3), held(3)

    def as_null(rows: pd.DataFrame) -> pd.DataFrame:
        out = rows.copy()
        null = rows.loc[rows["forecaster"] == "events_only", "crps"].to_numpy()
        out.loc[out["forecaster"] == "model", "crps"] = null
        return out

    a = write_run(tmp_path / "a", as_null(b_rows), as_null(b_held))
    b = write_run(tmp_path / "b", b_rows, b_held)
    table = compare([a], [b], seed=20160101)
    for part, rows in (("rolling origin", b_rows), ("held out", b_held)):
        plain = rows[~rows["forecaster"].isin(["filtered"])]
        ref = skill_intervals(plain, 20160101)
        ref = ref[ref["null"] == "events_only"].set_index("kind")
        mine = table[table["part"] == part].set_index("kind")
        assert list(mine.index) == list(ref.index)
        for col_ref, col in (("skill", "skill B vs A"), ("low", "low"), ("high", "high"),
                             ("share above 0", "share above 0")):  # fmt: skip
            np.testing.assert_allclose(mine[col], ref[col_ref], rtol=1e-12, atol=1e-15)


def test_seeds_pool_as_the_seeds_part_does(tmp_path):
    """Per seed and over all seeds, the paired table equals benchmarks.calibrate's
    seed_intervals against events_only when A's model is B's events-only column; the seeds
    may come from several folders per side."""
    b_rows = seeded(rolling)

    def as_null(rows: pd.DataFrame) -> pd.DataFrame:
        out = rows.copy()
        null = rows.loc[rows["forecaster"] == "events_only", "crps"].to_numpy()
        out.loc[out["forecaster"] == "model", "crps"] = null
        return out

    a_rows = as_null(b_rows)
    parts_a = [a_rows[a_rows["fit"] == s] for s in SEEDS]
    a = [write_seeds(tmp_path / f"a{k}", p, seeded(held, [s])) for k, (s, p) in
         enumerate(zip(SEEDS, parts_a, strict=True))]  # fmt: skip
    b = write_seeds(tmp_path / "b", b_rows, seeded(held))
    held_b = seeded(held)
    (b / "seeds_holdout.csv").unlink()
    held_b.to_csv(b / "seeds_holdout.csv", index=False)
    table = compare(a, [b])
    frames = [b_rows[b_rows["fit"] == s].drop(columns="fit").query("forecaster != 'filtered'")
              .assign(fit=s) for s in SEEDS]  # fmt: skip
    ref = seed_intervals(frames)
    assert set(ref) == {*map(str, SEEDS), "all 3 seeds"}
    for label, t in ref.items():
        want = t[(t["kind"] == "pooled") & (t["null"] == "events_only")].iloc[0]
        got = pooled(table, "rolling origin", label)
        for col_ref, col in (("skill", "skill B vs A"), ("low", "low"), ("high", "high")):
            assert got[col] == pytest.approx(want[col_ref], rel=1e-12, abs=1e-15), label
    assert set(table[table["part"] == "held out"]["seed"]) == {*map(str, SEEDS), "all 3 seeds"}


# ------------------------------------------------------------------------------ refusals
def refused(capsys, argv: list[str], words: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("paired: error:") and words in err, err


def test_mismatched_rows_are_refused(tmp_path, capsys):
    base = rolling(4)
    a = write_run(tmp_path / "a", base, held(4))
    b = write_run(tmp_path / "b", base[base["id"] != "votes-3"], held(4))
    refused(capsys, [str(a), str(b)], "do not score the same rows: 1 only in RUN_A")
    with pytest.raises(PairedError, match="votes-3"):
        compare([a], [b])


def test_other_observations_or_seeds_or_budgets_are_refused(tmp_path, capsys):
    base = rolling(5)
    a = write_run(tmp_path / "a", base, held(5))
    moved = base.copy()
    moved.loc[moved["id"] == "launches-0", "observed"] += 1
    b = write_run(tmp_path / "b", moved, held(5))
    refused(capsys, [str(a), str(b)], "observed differs")
    other_seed = base.copy()
    other_seed.loc[other_seed["forecaster"] == "persistence", "crps"] *= 1.01
    c = write_run(tmp_path / "c", other_seed, held(5))
    refused(capsys, [str(a), str(c)], "different root seeds")
    d = write_run(tmp_path / "d", base, held(5), reps=100)
    refused(capsys, [str(a), str(d)], "different budgets")
    e = write_seeds(tmp_path / "e", seeded(rolling, SEEDS[:2]), seeded(held, SEEDS[:2]))
    f = write_seeds(tmp_path / "f", seeded(rolling, SEEDS[1:]), seeded(held, SEEDS[1:]))
    refused(capsys, [str(e), str(f)], "different root seeds")
    refused(capsys, [str(a), str(e)], "compare runs of one layout")


def test_missing_folder_or_file_is_one_line(tmp_path, capsys):
    a = write_run(tmp_path / "a", rolling(6), held(6))
    refused(capsys, [str(a), str(tmp_path / "nope")], "no such folder")
    b = write_run(tmp_path / "b", rolling(6), held(6))
    (b / "holdout.csv").unlink()
    refused(capsys, [str(a), str(b)], "held out: RUN_B has no holdout.csv")
    empty = tmp_path / "empty"
    empty.mkdir()
    refused(capsys, [str(empty), str(empty)], "no scores in the folders given")
    (b / "rolling_origin.csv").write_text("origin,id\n2018,x\n")
    refused(capsys, [str(a), str(b)], "no column kind")


# ------------------------------------------------------------------------------ the command
def test_command_prints_and_writes_the_csv(tmp_path, capsys):
    a = write_run(tmp_path / "a", rolling(7), held(7))
    forecasts = tmp_path / "forecasts-b"  # the two parts run as two processes
    write_run(forecasts, scaled(rolling(7), 0.5), held(7))
    (forecasts / "holdout.csv").unlink()
    holdout = tmp_path / "holdout-b"
    holdout.mkdir()
    scaled(held(7), 0.5).to_csv(holdout / "holdout.csv", index=False)
    assert main([str(a), str(forecasts), "--with-b", str(holdout)]) == 0
    out = capsys.readouterr().out
    assert "+0.50 (+0.50 to +0.50) better" in out
    written = pd.read_csv(forecasts / "paired-vs-a.csv")
    assert set(written["part"]) == {"rolling origin", "held out"}
    assert (written.loc[written["kind"] == "pooled", "skill B vs A"] == 0.5).all()


def test_a_kind_left_out_is_not_pooled(tmp_path):
    """Halved in launches only and launches left out: B equals A on every kind pooled (0),
    and the launches row is gone; an unknown kind is refused."""
    base = rolling(2)
    a = write_run(tmp_path / "a", base, held(2))
    b = write_run(tmp_path / "b", scaled(base, 0.5, "launches"), held(2))
    table = compare([a], [b], without=("launches",))
    assert "launches" not in set(table["kind"])
    assert pooled(table, "rolling origin")["skill B vs A"] == 0.0
    assert pooled(compare([a], [b]), "rolling origin")["skill B vs A"] > 0  # with it: a gain
    with pytest.raises(PairedError, match="no such kind"):
        compare([a], [b], without=("launchez",))
