"""Reliability suite, round 7: the validation tools (hindcast, calibrate, observation files,
`python -m benchmarks.calibrate` and their Python API) as a hostile but realistic user meets
them.

Each case was a fault before its fix: an exit 0 on a fit or score of nothing, an observation
silently scored from a meaningless state or not at all, held-out data passing the guard,
minutes of work before a refusal that needed none, a leftover folder that blocked the next
run, a line naming a file the user never wrote, or a traceback. docs/reliability.md,
section 13, lists them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from reliability_tools import BASELINE

import sim
from sim.cli import main
from sim.errors import ScenarioError, UsageError
from sim.observe.observations import is_holdout, load_observations, refuse_holdout
from sim.observe.series import one_per_definition

REPO = BASELINE.parents[1]
HISTORY = REPO / "scenarios" / "history" / "base_2016.yaml"
HOLDOUT = REPO / "seeds" / "observations" / "holdout"
SOURCE = '{publisher: x, title: y, date: "2019-01-05", url: "https://example.org"}'


def record(oid: str, kind: str, who: str, period: str, value: float, **extra: str) -> str:
    """One observation as a file writes it (`who`: `actor: X` or `pair: [A, B]`)."""
    unit = extra.get("unit", "USD bn" if kind == "trade_value" else "count")
    reliability = extra.get("reliability", "solid")
    return (
        f'  - id: {oid}\n    kind: {kind}\n    {who}\n    period: "{period}"\n'
        f"    value: {value}\n    unit: {unit}\n    reliability: {reliability}\n"
        f"    source: {SOURCE}\n"
    )


def write(folder: Path, name: str, *records: str) -> Path:
    path = folder / name
    path.write_text("observations:\n" + "".join(records))
    return path


def tiny_spec(folder: Path, observations: str, name: str = "tiny") -> Path:
    """A rejection fit of one coefficient on 8 prior draws: two seconds on the numpy engine."""
    spec = folder / f"{name}.yaml"
    spec.write_text(
        f"name: {name}\nscenarios: [{HISTORY}]\nobservations: [{observations}]\n"
        "coefficients:\n  reactivity: {prior: lognormal, mu: -2.8, sigma: 0.6}\n"
        "method: rejection\npopulation: 4\naccept: 0.5\nreplications: 1\n"
        "predictive_replications: 2\n"
    )
    return spec


LAUNCHES = record("l-2017", "missile_launches", "actor: PRK", "2017", 20)
TRADE_2017 = record("t-2017", "trade_value", "pair: [CHN, PRK]", "2017", 5)


# -- nothing to score: a file of trade values without the year before ----------------------


def test_a_hindcast_with_nothing_to_score_is_refused_before_any_work(tmp_path, capsys):
    """A pair's first trade value anchors its level and is not scored: a file of only such
    values printed "0 observations scored ... coverage nan, mean CRPS nan", exit 0, and
    published a folder of nothing."""
    file = write(tmp_path, "trade.yaml", TRADE_2017)
    out = tmp_path / "out"
    assert main(["hindcast", str(file), str(HISTORY), "-n", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"alliance-sim hindcast: error: no observation of {file} can be scored: t-2017, inside "
        "history-2016's time window, is the first trade value of its pair and unit, which "
        "only anchors the level (add the period before it)"
    ]
    assert not out.exists()


def test_sim_hindcast_with_nothing_to_score_is_a_usage_error(tmp_path):
    file = write(tmp_path, "trade.yaml", TRADE_2017)
    with pytest.raises(UsageError, match="t-2017, inside history-2016's time window, is the"):
        sim.hindcast(file, HISTORY, n=2, draws=1)


def test_a_calibration_on_trade_anchors_only_says_why_nothing_is_fitted(tmp_path, capsys):
    """It said "no observation falls inside the episodes' time windows"; t-2017 does."""
    write(tmp_path, "trade.yaml", TRADE_2017)
    spec = tiny_spec(tmp_path, "trade.yaml")
    assert main(["calibrate", str(spec), "--out", str(tmp_path / "c"), "--engine", "numpy"]) == 2
    assert capsys.readouterr().err.strip() == (
        "alliance-sim calibrate: error: no observation can be scored: t-2017, inside the "
        "episodes' time windows, is the first trade value of its pair and unit, which only "
        "anchors the level (add the period before it)"
    )


# -- a pair is a pair whichever actor is written first --------------------------------------


def test_a_pair_written_in_the_other_order_is_the_same_series(tmp_path):
    """[PRK, CHN] and [CHN, PRK] were two series: the 2018 value found no anchor in 2017
    and was silently not scored, and two sources of one year were both fitted."""
    file = write(
        tmp_path,
        "trade.yaml",
        TRADE_2017,
        record("t-2018", "trade_value", "pair: [PRK, CHN]", "2018", 2.4),
        record(
            "t-2018-kotra", "trade_value", "pair: [CHN, PRK]", "2018", 2.7, reliability="contested"
        ),
    )
    _, dropped = one_per_definition(load_observations(file))
    assert [o.id for o in dropped] == ["t-2018-kotra"]
    res = sim.hindcast(file, HISTORY, n=2, draws=1)
    scored = res.scores.set_index("id")["scored"]
    assert scored.to_dict() == {"t-2017": False, "t-2018": True}
    assert res.scores.set_index("id").loc["t-2018", "previous"] == "t-2017"


def test_the_direction_of_change_compares_counts_per_month(tmp_path):
    """24 launches in 2022, then 5 in January 2023: "down" (5 < 24), for the observed
    direction and the model's alike, whatever the model did: the shorter period decided."""
    file = write(
        tmp_path,
        "launches.yaml",
        record("l-2022", "missile_launches", "actor: PRK", "2022", 24),
        record("l-2023-01", "missile_launches", "actor: PRK", "2023-01", 5),
        record("l-2023-02", "missile_launches", "actor: PRK", "2023-02", 1),
    )
    rows = sim.hindcast(file, HISTORY, n=4, draws=2).scores.set_index("id")
    assert rows.loc["l-2023-01", "direction_observed"] == "up"  # 5 a month after 2 a month
    assert rows.loc["l-2023-02", "direction_observed"] == "down"


# -- North Korea does not vote on its own sanctions -----------------------------------------


def test_a_vote_by_north_korea_on_itself_is_refused(tmp_path):
    """`unsc_vote` with `actor: PRK` was scored from North Korea's commitment to itself."""
    file = write(tmp_path, "votes.yaml", record("v", "unsc_vote", "actor: PRK", "2017-09", 1))
    with pytest.raises(ScenarioError) as info:
        load_observations(file)
    assert [str(p) for p in info.value.problems] == [
        f"{file}:4:12: observations.0.actor: expected a voter other than PRK (the resolutions "
        "are on North Korea), found 'PRK'"
    ]


# -- empty files and lists are called what they are -------------------------------------------

EMPTY = [  # (file, text, loader, line)
    ("obs.yaml", "", "observations", "1:1: (document): empty file: expected a mapping with the "
     "key 'observations'"),
    ("obs.yaml", "# nothing yet\n", "observations", "1:1: (document): empty file: expected a "
     "mapping with the key 'observations'"),
    ("spec.yaml", "", "spec", "1:1: (document): empty file: expected a mapping of spec keys"),
    ("obs.yaml", "observations: []\n", "observations", "1:15: observations: expected a non-empty "
     "list of observations, found an empty list"),
    ("spec.yaml", f"scenarios: [{HISTORY}]\nobservations: []\ncoefficients: {{reactivity: "
     "{prior: uniform}}\n", "spec", "2:15: observations: expected a non-empty list of file "
     "paths (globs allowed), found an empty list"),
]  # fmt: skip


@pytest.mark.parametrize("name, text, loader, line", EMPTY,
                         ids=["empty", "comment", "empty-spec", "[]", "spec-[]"])  # fmt: skip
def test_empty_files_and_lists_say_so(tmp_path, name, text, loader, line):
    """An empty observations file or spec "expected a mapping of scenario keys"; an empty
    list was "expected a non-empty list ..., found a list"."""
    from sim.observe.spec import load_spec

    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_observations(path) if loader == "observations" else load_spec(path)
    assert [str(p) for p in info.value.problems] == [f"{path}:{line}"]


def test_validate_of_a_spec_checks_its_observation_files(tmp_path, capsys):
    """`validate SPEC` said "ok" for a spec whose observations file `calibrate` refused."""
    bad = write(tmp_path, "bad.yaml", record("v", "summit", "pair: [CHN, PRK]", "2017", 2.5))
    spec = tiny_spec(tmp_path, "bad.yaml")
    assert main(["validate", str(spec)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"{bad}:6:12: observations.0.value: expected a whole number in [0, 10,000] (a count), "
        "found 2.5"
    )
    write(tmp_path, "bad.yaml", LAUNCHES)
    assert main(["validate", str(spec)]) == 0


# -- held-out data stay out, also through a symbolic link -----------------------------------


@pytest.mark.parametrize("how", ["folder", "file"])
def test_held_out_observations_behind_a_symlink_are_refused(tmp_path, how):
    """A link to holdout/ (or to one of its files) under another name passed the guard, so
    a spec could fit the data kept back to test the fit."""
    if how == "folder":
        (tmp_path / "mydata").symlink_to(HOLDOUT)
        entry, linked = "mydata/*.yaml", tmp_path / "mydata" / "summits.yaml"
    else:
        (tmp_path / "summits.yaml").symlink_to(HOLDOUT / "summits.yaml")
        entry, linked = "summits.yaml", tmp_path / "summits.yaml"
    assert is_holdout(linked)
    with pytest.raises(UsageError, match="held-out observations are never used"):
        refuse_holdout([linked])
    spec = tiny_spec(tmp_path, entry)
    from sim.observe.spec import load_spec

    with pytest.raises(ScenarioError) as info:
        load_spec(spec)
    assert "expected observation files outside a holdout/ folder" in str(info.value.problems[0])


# -- a taken --out costs nothing ------------------------------------------------------------


def test_hindcast_refuses_an_existing_out_before_computing(tmp_path, capsys, monkeypatch):
    """`hindcast --out EXISTING` ran every replication (27 s at -n 1000), then refused."""
    import sim.observe.hindcast as hc

    def never(*args, **kwargs):
        raise AssertionError("computed before refusing --out")

    monkeypatch.setattr(hc, "score_episodes", never)
    file = write(tmp_path, "launches.yaml", LAUNCHES)
    (tmp_path / "taken").mkdir()
    args = ["hindcast", str(file), str(HISTORY), "-n", "2", "--out", str(tmp_path / "taken")]
    assert main(args) == 2
    assert capsys.readouterr().err.strip() == (
        f"alliance-sim hindcast: error: --out {tmp_path / 'taken'} already exists; results "
        "are never overwritten"
    )
    with pytest.raises(UsageError, match="already exists"):
        sim.hindcast(file, HISTORY, n=2, draws=1, out=tmp_path / "taken")


# -- an interrupted rejection fit leaves nothing that blocks the next ------------------------


def test_an_interrupted_rejection_fit_leaves_no_work_folder(tmp_path, capsys, monkeypatch):
    """Ctrl-C (or SIGTERM) of `method: rejection`, which saves nothing, left `.c.work`, and
    the same command again said "holds an unfinished calibration: add --resume"."""
    import sim.observe.rejection as rejection

    write(tmp_path, "launches.yaml", LAUNCHES)
    spec = tiny_spec(tmp_path, "launches.yaml")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    out = tmp_path / "c"
    with monkeypatch.context() as m:
        m.setattr(rejection, "rejection_populations", interrupted)
        assert main(["calibrate", str(spec), "--out", str(out), "--engine", "numpy"]) == 130
    assert not (tmp_path / ".c.work").exists()
    capsys.readouterr()
    assert main(["calibrate", str(spec), "--out", str(out), "--engine", "numpy", "-q",
                 "--no-plots"]) == 0  # fmt: skip
    assert (out / "posterior.parquet").exists()


def test_a_work_folder_with_nothing_saved_is_taken_over(tmp_path, capsys):
    """A SIGKILLed fit (no clean-up runs) leaves an empty `.c.work`: nothing to resume, so
    it is not "an unfinished calibration" to add --resume for."""
    write(tmp_path, "launches.yaml", LAUNCHES)
    spec = tiny_spec(tmp_path, "launches.yaml")
    (tmp_path / ".c.work").mkdir()
    (tmp_path / ".c.work" / ".lock").write_text("12345\n")
    args = ["calibrate", str(spec), "--out", str(tmp_path / "c"), "--engine", "numpy", "-q"]
    assert main([*args, "--no-plots"]) == 0, capsys.readouterr().err
    assert not (tmp_path / ".c.work").exists()


# -- --posterior given the calibration folder or its populations ---------------------------


@pytest.fixture(scope="module")
def tiny_fit(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fit")
    write(folder, "launches.yaml", LAUNCHES)
    spec = tiny_spec(folder, "launches.yaml")
    out = folder / "c"
    assert main(["calibrate", str(spec), "--out", str(out), "--engine", "numpy", "-q",
                 "--no-plots"]) == 0  # fmt: skip
    return out


@pytest.mark.parametrize("given, words", [
    ("", "a calibration folder; give its posterior, {fit}/posterior.parquet"),
    ("populations.parquet", "a calibration's populations (the prior draws too), not its "
     "posterior; give posterior.parquet beside it"),
], ids=["folder", "populations"])  # fmt: skip
def test_a_posterior_given_as_the_fit_folder_or_its_populations_says_which_file(
    tiny_fit, tmp_path, capsys, given, words
):
    """The folder was "not a regular file"; populations.parquet "records no model version
    ... pass --allow-model-change", and with the flag "unknown coefficient columns
    ['generation']": the advice led the wrong way."""
    posterior = tiny_fit / given if given else tiny_fit
    file = write(tmp_path, "launches.yaml", LAUNCHES)
    args = ["hindcast", str(file), str(HISTORY), "-n", "2", "--posterior", str(posterior)]
    assert main([*args, "--out", str(tmp_path / "h")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"alliance-sim hindcast: error: --posterior {posterior}: {words.format(fit=tiny_fit)}"
    )


# -- --out below a file names the file -----------------------------------------------------


def test_calibrate_out_below_a_file_names_the_file(tmp_path, capsys):
    """It said "FILE/.x.work: Not a directory", a name the user never typed."""
    write(tmp_path, "launches.yaml", LAUNCHES)
    spec = tiny_spec(tmp_path, "launches.yaml")
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    assert main(["calibrate", str(spec), "--out", str(blocker / "x"), "--engine", "numpy"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"alliance-sim calibrate: error: {blocker}: a file, where a folder is needed (a path "
        "below it was given)"
    )


# -- python -m benchmarks.calibrate ---------------------------------------------------------

BENCH_FLAGS = [  # each was a traceback (or ran) after creating results/validation/STAMP
    (["--population", "0"], "argument --population: expected a whole number in [4, 100000]"),
    (["--population", "-5"], "argument --population: expected a whole number in [4, 100000]"),
    (["--structure-population", "0"], "argument --structure-population: expected a whole"),
    (["--seed", "-1"], "argument --seed: expected a whole number in [0, 9223372036854775807]"),
    (["--workers", "0"], "argument --workers: expected a whole number in [1, 1024]"),
    (["--workers", "-3"], "argument --workers: expected a whole number in [1, 1024]"),
]


@pytest.mark.parametrize("flags, line", BENCH_FLAGS, ids=[" ".join(f) for f, _ in BENCH_FLAGS])
def test_validation_flags_out_of_range_are_refused_before_work(
    flags, line, tmp_path, capsys, monkeypatch
):
    """`--population 0`: IndexError traceback; `-5` and `--seed -1`: numpy's ValueError;
    `--workers -3`: ran and wrote "workers -3" into the timing tables."""
    from benchmarks import calibrate as bench

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        bench.main([*flags, "--no-doc", "--part", "holdout"])
    assert info.value.code == 2
    assert line in capsys.readouterr().err
    assert not (tmp_path / "results").exists()


def test_validation_of_a_missing_spec_is_one_line(tmp_path, capsys, monkeypatch):
    from benchmarks import calibrate as bench

    monkeypatch.chdir(tmp_path)
    assert bench.main(["--spec", str(tmp_path / "nope.yaml"), "--no-doc"]) == 2
    missing = tmp_path / "nope.yaml"
    assert capsys.readouterr().err.strip() == f"{missing}:1:1: (document): file not found"
    assert not (tmp_path / "results").exists()


def test_an_interrupted_validation_leaves_no_half_written_folder(tmp_path, capsys, monkeypatch):
    """Ctrl-C mid-validation was a KeyboardInterrupt traceback and left
    results/validation/STAMP with the CSVs written so far, looking like a finished run."""
    from benchmarks import calibrate as bench

    def part_then_interrupt(spec, out, args):
        (out / "holdout.csv").write_text("half\n")
        raise KeyboardInterrupt

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(bench, "validation_blocks", part_then_interrupt)
    assert bench.main(["--no-doc", "--part", "holdout"]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "validation: interrupted"
    left = [p for p in (tmp_path / "results").rglob("*")] if (tmp_path / "results").exists() else []
    assert not [p for p in left if p.is_file()]
    assert not (tmp_path / "results" / "validation").exists() or not os.listdir(
        tmp_path / "results" / "validation"
    )


@pytest.mark.parametrize("flags, population", [
    (["--quick", "--population", "60"], 60), (["--quick"], 40), ([], 100),
], ids=["quick-and-population", "quick", "neither"])  # fmt: skip
def test_population_is_not_overridden_by_quick(tmp_path, monkeypatch, flags, population):
    """`--quick --population 60` fitted 40 particles without a word."""
    from benchmarks import calibrate as bench

    seen = {}

    def record_settings(spec, out, args):
        seen.update(spec.settings)
        return {}

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(bench, "validation_blocks", record_settings)
    assert bench.main([*flags, "--no-doc", "--part", "holdout"]) == 0
    assert seen["population"] == population
