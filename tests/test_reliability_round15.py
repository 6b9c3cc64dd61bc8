"""Reliability suite, round 15: the newest tools as a user or reviewer who did not write them
meets them. `python -m benchmarks.paired` on odd score tables and flags,
`python -m benchmarks.state_paths` on odd flags, and the root seeds of
`python -m benchmarks.calibrate --part seeds` / `--part structure-seeds` (a seed given twice,
`--seeds` or `--seed` where they are not read).

Each fault case failed before its fix (a traceback, a misleading or unclear line, or a wrong
table with exit 0). docs/reliability.md, section 20 ("Round 15"), lists them, and what was
tried and found sound (the ripeness parameters in scenarios, `--set`, specs and posteriors;
`origin_inputs_only`; `unseen_inputs`; `war_window`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks import calibrate as bench
from benchmarks import paired, state_paths
from sim.observe.structures import structure_seed_table

KINDS = {"launches": 12, "votes": 10}  # kind: observations, each forecast from one origin
FORECASTERS = ("model", "persistence", "trend")
SEEDS = (20160101, 20160102)
PARTS_SINGLE = ("rolling_origin.csv", "holdout.csv")


def scores(seed: int, factor: float = 1.0) -> pd.DataFrame:
    """Score rows as benchmarks.calibrate writes them (rolling_origin.csv, holdout.csv): one
    per (origin, observation, forecaster); the model's CRPS times `factor`."""
    rng = np.random.default_rng(seed)
    rows = [
        {"origin": "2019", "id": f"{kind}-{i}", "kind": kind, "observed": float(i),
         "forecaster": f, "crps": float(rng.gamma(2.0, 1.0)) * (factor if f == "model" else 1)}
        for kind, n in KINDS.items() for i in range(n) for f in FORECASTERS
    ]  # fmt: skip
    return pd.DataFrame(rows)


def run_folder(folder: Path, rows: pd.DataFrame, seeded: bool = False) -> Path:
    """A validation folder holding the rolling-origin and held-out parts (the same rows)."""
    folder.mkdir(parents=True)
    names = ("seeds_rolling.csv", "seeds_holdout.csv") if seeded else PARTS_SINGLE
    for name in names:
        rows.to_csv(folder / name, index=False)
    return folder


def per_seed(seeds=SEEDS, factor: float = 1.0) -> pd.DataFrame:
    return pd.concat([scores(s, factor).assign(fit=s) for s in seeds], ignore_index=True)


def refused(capsys, tmp_path: Path, run, argv: list[str], words: str) -> None:
    """`run(argv)` exits 2 with one line holding `words`, nothing on stdout, nothing written."""
    capsys.readouterr()
    before = sorted(tmp_path.rglob("*"))
    assert run(argv) == 2
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert "Traceback" not in out.err and len(lines) == 1, out.err
    assert out.out == "" and words in lines[0], lines[0]
    assert sorted(tmp_path.rglob("*")) == before


# ------------------------------------------------------------ 1. benchmarks.paired
def test_paired_without_every_kind_is_one_line(tmp_path, capsys):
    """Before: a KeyError 'model' traceback from skill_table on no rows at all."""
    a = run_folder(tmp_path / "a", scores(1))
    b = run_folder(tmp_path / "b", scores(1, 0.5))
    argv = [str(a), str(b), "--without", "launches", "--without", "votes"]
    words = "rolling origin: --without leaves no kind to compare (its kinds: launches, votes)"
    refused(capsys, tmp_path, paired.main, argv, words)


@pytest.mark.parametrize(("value", "shown"), [("abc", "abc"), (-0.5, "-0.5"), (np.inf, "inf")],
                         ids=["text", "negative", "inf"])  # fmt: skip
def test_paired_refuses_a_crps_that_is_no_crps(tmp_path, capsys, value, shown):
    """Before: text was a TypeError traceback (np.isclose on strings); a negative or infinite
    CRPS (a CRPS is ≥ 0 and finite) gave a skill table, exit 0."""
    a = run_folder(tmp_path / "a", scores(1))
    rows = scores(1).astype({"crps": object})
    rows.loc[3, "crps"] = value  # row 4: launches-1's model
    b = run_folder(tmp_path / "b", rows)
    words = (f"{b / 'rolling_origin.csv'}: row 4: column crps: expected a finite number ≥ 0 "
             f"(a CRPS), found {shown}")  # fmt: skip
    refused(capsys, tmp_path, paired.main, [str(a), str(b)], words)


def test_paired_accepts_a_crps_of_zero(tmp_path):
    """Control: a forecast that puts all its mass on the observed value scores 0 (the held-out
    exercises come near it); 0 is a CRPS, the check is ≥ 0, not > 0."""
    rows = scores(1)
    rows.loc[rows["id"] == "votes-0", "crps"] = 0.0
    a, b = run_folder(tmp_path / "a", rows), run_folder(tmp_path / "b", rows)
    table = paired.compare([a], [b])
    assert (table["skill B vs A"] == 0.0).all()


@pytest.mark.parametrize("column", ["observed", "kind"])
def test_paired_names_a_blank_value_instead_of_calling_the_runs_different(tmp_path, capsys, column):
    """Before: a blank observed value or kind (NaN, never equal to itself) in both runs'
    tables was refused as "the runs' observed differs on 2019 votes-1", blaming the runs."""
    rows = scores(2).astype({column: object})
    rows.loc[rows["id"] == "votes-1", column] = None
    a, b = run_folder(tmp_path / "a", rows), run_folder(tmp_path / "b", rows)
    row = int(rows.index[rows["id"] == "votes-1"][0]) + 1
    words = f"{a / 'rolling_origin.csv'}: row {row}: column {column}: a value is missing"
    refused(capsys, tmp_path, paired.main, [str(a), str(b)], words)


@pytest.mark.parametrize(("value", "words"), [
    (None, "column fit: a value is missing"),
    ("x", "column fit: expected a root seed (a whole number ≥ 0), found x"),
], ids=["blank", "text"])  # fmt: skip
def test_paired_refuses_a_root_seed_that_is_no_seed(tmp_path, capsys, value, words):
    """Before: a blank `fit` was "different root seeds: RUN_A [np.int64(20160101), …], RUN_B
    [np.float64(nan), …]"; a text one, all of RUN_B's seeds read as text, "RUN_B ['20160101',
    '20160102', 'x']" (its valid seeds called different)."""
    a = run_folder(tmp_path / "a", per_seed(), seeded=True)
    rows = per_seed().astype({"fit": object})
    rows.loc[5, "fit"] = value
    b = run_folder(tmp_path / "b", rows, seeded=True)
    refused(capsys, tmp_path, paired.main, [str(a), str(b)], f"row 6: {words}")


def test_paired_names_different_root_seeds_as_numbers(tmp_path, capsys):
    """Before: "different root seeds: RUN_A [np.int64(20160101), np.int64(20160102)], …"
    (numpy 2's repr of each seed)."""
    a = run_folder(tmp_path / "a", per_seed(SEEDS), seeded=True)
    b = run_folder(tmp_path / "b", per_seed((SEEDS[0], 7)), seeded=True)
    words = f"different root seeds: RUN_A [{SEEDS[0]}, {SEEDS[1]}], RUN_B [7, {SEEDS[0]}]"
    refused(capsys, tmp_path, paired.main, [str(a), str(b)], words)


def test_paired_out_in_a_missing_folder_names_it(tmp_path, capsys):
    """Before: "cannot write None: None" (pandas raises an OSError with neither a filename
    nor a strerror)."""
    a = run_folder(tmp_path / "a", scores(3))
    b = run_folder(tmp_path / "b", scores(3, 0.5))
    out = tmp_path / "nope" / "paired.csv"
    words = f"cannot write {out}: Cannot save file into a non-existent directory"
    refused(capsys, tmp_path, paired.main, [str(a), str(b), "--out", str(out)], words)


# ------------------------------------------------------------ 2. benchmarks.state_paths
@pytest.mark.parametrize(("argv", "words"), [
    (["-n", "0"], "-n must be at least 1, got 0"),
    (["-n", "-2"], "-n must be at least 1, got -2"),
    (["--seed", "-1"], "--seed must be a whole number ≥ 0, got -1"),
    (["--pair", "USA", "USA"], "--pair USA USA: name two different actors"),
], ids=["n-0", "n-negative", "seed-negative", "pair-twice"])  # fmt: skip
def test_state_paths_refuses_odd_flags_in_one_line(tmp_path, capsys, argv, words):
    """Before: -n 0 and -n -2 printed a table of nan, exit 0; --seed -1 was refused as
    "--pair USA PRK: both must be actors of base_2016.yaml" (numpy's ValueError caught as an
    unknown actor); --pair USA USA printed an actor's pain with itself, zeros, exit 0."""
    refused(capsys, tmp_path, state_paths.main, argv, f"state_paths: error: {words}")


# ------------------------------------------------------------ 3. calibrate: root seeds
@pytest.mark.parametrize("part", ["seeds", "structure-seeds"])
def test_a_root_seed_given_twice_is_refused_before_work(capsys, part):
    """Before: `--seeds 5 5` was accepted: the seed fitted twice, one "seed 5" column, and
    its rows twice in the pooled interval under "all 2 seeds" (`--part seeds`), or every row
    twice in both columns (`--part structure-seeds`), exit 0 after many minutes."""
    with pytest.raises(SystemExit) as info:
        bench.parse_args(["--part", part, "--seeds", "5", "6", "5", "--no-doc"])
    assert info.value.code == 2
    assert "argument --seeds: 5 given twice (each root seed is one fit" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "words"), [
    (["--part", "forecasts", "--seeds", "5", "6"],
     "argument --seeds: read only by --part seeds and --part structure-seeds, not --part "
     "forecasts"),
    (["--seeds", "5"], "argument --seeds: read only by --part seeds and --part structure-seeds"),
    (["--part", "seeds", "--seed", "5"],
     "argument --seed: --part seeds fits every root seed of --seeds"),
    (["--part", "structure-seeds", "--seed", "5"],
     "argument --seed: --part structure-seeds fits every root seed of --seeds"),
], ids=["seeds-forecasts", "seeds-all", "seed-seeds", "seed-structure-seeds"])  # fmt: skip
def test_a_seed_flag_the_part_does_not_read_is_refused(capsys, argv, words):
    """Before: accepted and ignored: `--seeds` outside the per-seed parts ran the spec's seed;
    `--seed` with them was replaced by each of --seeds, without a word."""
    with pytest.raises(SystemExit) as info:
        bench.parse_args([*argv, "--no-doc"])
    assert info.value.code == 2
    assert words in capsys.readouterr().err


def test_the_per_seed_flags_still_parse():
    """Control: distinct seeds, the default seeds, --seed alone."""
    assert bench.parse_args(["--part", "seeds", "--seeds", "5", "6"]).seeds == [5, 6]
    assert bench.parse_args(["--part", "structure-seeds"]).seeds == bench.SEEDS
    assert bench.parse_args(["--part", "holdout", "--seed", "5"]).seed == 5


def test_seed_intervals_refuse_a_seed_twice():
    """Before: one "5" row, and "all 2 seeds" pooled the same fit twice (twice its forecasts:
    an interval as if two seeds had agreed)."""
    frame = scores(4).assign(fit=5)
    with pytest.raises(ValueError, match="seed_intervals: seed 5 given twice"):
        bench.seed_intervals([frame, frame])


def test_the_structure_seed_table_refuses_a_seed_twice():
    """Before: a seed's rows twice (two runs of one seed) gave its column and "all 1 seeds"
    from every forecast counted twice, exit 0."""
    base = np.linspace(0.5, 5.0, 24)
    one = pd.DataFrame([
        {"structure": name, "origin": 2020, "id": f"o{i}", "kind": "k" if i % 2 else "j",
         "crps": base[i] * factor, "crps_persistence": base[i], "fit": 11}
        for name, factor in {"full": 1.0, "steady": 0.9}.items() for i in range(24)
    ])  # fmt: skip
    assert list(structure_seed_table(one)["seed 11"]) == ["+0.10 (+0.10 to +0.10) better"]
    with pytest.raises(ValueError, match="seed 11 scores a structure's forecast twice"):
        structure_seed_table(pd.concat([one, one]))
