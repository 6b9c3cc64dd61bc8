"""Round 23: scoring your own developments after May 2024 (docs/reliability.md §30).

A reviewer writes held-out observation files of their own and scores them through the
project's held-out path (`python -m benchmarks.calibrate --part holdout`,
`sim.observe.holdout.holdout_forecasts`, `alliance-sim hindcast`). Each test below failed
before the round's fix (a silent drop, a wrong reason, a traceback after both fits, a
misleading `--set` line, a held-out file a fit could read) and passes after it; the
controls pass on both.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.errors import ScenarioError, UsageError
from sim.observe.calibrate import build_problem
from sim.observe.holdout import HOLDOUT, holdout_forecasts, load_holdout
from sim.observe.observations import is_holdout, refuse_holdout
from sim.observe.rolling import observations_of
from sim.observe.scoring import crps_sample, skill_table
from sim.observe.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "scenarios" / "calibration" / "history.yaml"
SOURCE = '{publisher: Test, title: Test, date: "2026-01-01", url: "https://example.org/t"}'


def record(oid: str, kind: str, who: str, period: str, value: float, unit: str) -> str:
    """One observation as a YAML flow mapping (`who`: `actor: X` or `pair: [X, Y]`)."""
    return (
        f'  - {{id: {oid}, kind: {kind}, {who}, period: "{period}", value: {value}, '
        f"unit: {unit}, reliability: estimate, source: {SOURCE}}}\n"
    )


def write(path: Path, *records: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("observations:\n" + "".join(records))
    return path


NUKE_2026 = record("rv-nuke-2026", "nuclear_test", "actor: PRK", "2026-01/2026-06", 0, "tests")


@pytest.fixture(scope="module")
def spec():
    small = load_spec(SPEC)
    tiny = {**small.settings, "population": 8, "predictive_replications": 16}
    return dataclasses.replace(small, settings=tiny)


@pytest.fixture
def no_fit(monkeypatch):
    """Refusals come before any fit: a fit here fails the test."""
    import sim.observe.holdout as holdout

    def fit(*args, **kwargs):
        raise AssertionError("a fit ran before the refusal")

    monkeypatch.setattr(holdout, "fit", fit)


# --------------------------------------------------------------------------- periods


def test_an_observation_ending_by_may_2024_is_refused_at_its_period(spec, tmp_path, no_fit):
    """A Xi–Putin count of December 2023 in a held-out folder was scored as "held out",
    though the fit had seen those months (and the summit of January–May 2024 after them)."""
    path = write(
        tmp_path / "held" / "old.yaml",
        NUKE_2026,
        record("rv-summit-2023-12", "summit", "pair: [CHN, RUS]", "2023-12", 0, "summits"),
    )
    with pytest.raises(ScenarioError) as err:
        holdout_forecasts(spec, folder=path.parent)
    (line,) = str(err.value).splitlines()
    assert line.startswith(f"{path}:3:")
    assert line.endswith(
        "observations.1.period: expected a period ending after 2024-05 (held out: after the "
        "training data), found '2023-12'"
    )


def test_a_period_past_the_longest_run_is_its_own_line_not_a_set(spec, tmp_path, no_fit):
    """An observation of 2900 needs 10,620 steps: it was refused as `--set:1:1: run.steps:
    expected a number at most 10000`, a --set nobody wrote."""
    far = record("rv-nuke-2900", "nuclear_test", "actor: PRK", "2900", 0, "tests")
    path = write(tmp_path / "held" / "far.yaml", far)
    with pytest.raises(ScenarioError) as err:
        holdout_forecasts(spec, folder=path.parent)
    text = str(err.value)
    assert "--set" not in text
    assert text == (
        f"{path}:2:64: observations.0.period: expected a period ending by 2849-04 (the "
        "history runs at most 10,000 months from 2016-01), found '2900'"
    )


# --------------------------------------------------------------------------- what is read


def test_a_folder_without_observation_files_is_one_line_before_any_fit(spec, tmp_path, no_fit):
    """An empty folder ran both fits, then stopped on `KeyError: 'forecaster'`."""
    folder = tmp_path / "held"
    folder.mkdir()
    (folder / "README.md").write_text("notes\n")
    with pytest.raises(UsageError) as err:
        holdout_forecasts(spec, folder=folder)
    assert (
        str(err.value) == f"{folder}: no observation file (*.yaml, *.yml) in it or its subfolders"
    )


def test_yml_files_and_subfolders_are_read(tmp_path):
    """`a.yml`, or files in `held/2026/`, were ignored without a word (only `held/*.yaml`)."""
    write(tmp_path / "held" / "2026" / "a.yml", NUKE_2026)
    write(tmp_path / "held" / "b.yaml",
          record("rv-vote-chn-2025", "unsc_vote", "actor: CHN", "2025-03", 0, "vote"))  # fmt: skip
    ids = {o.id for o in load_holdout(tmp_path / "held")}
    assert ids == {"rv-nuke-2026", "rv-vote-chn-2025"}


def test_nothing_to_score_is_one_line_with_the_reason_before_any_fit(spec, tmp_path, no_fit):
    """A folder whose only observation is of a pair the scenario lacks ran both fits and then
    stopped on the same KeyError."""
    ind = record("rv-summit-ind-prk", "summit", "pair: [IND, PRK]", "2025", 0, "summits")
    write(tmp_path / "held" / "ind.yaml", ind)
    with pytest.raises(UsageError) as err:
        holdout_forecasts(spec, folder=tmp_path / "held")
    assert str(err.value) == (
        f"no held-out observation of {tmp_path / 'held'} can be scored: rv-summit-ind-prk: "
        "the history scenario has no actor IND"
    )


def test_a_pairs_trade_with_no_in_sample_value_says_why(spec, tmp_path, no_fit):
    """Russia–North Korea trade in 2025 and 2026 (no in-sample value): both were "the first
    trade value of its pair", the second wrongly; and both fits ran before a KeyError."""
    usd = "USD bn per year"
    rus_prk = "pair: [RUS, PRK]"
    write(tmp_path / "held" / "trade.yaml",
          record("rv-trade-rus-prk-2025", "trade_value", rus_prk, "2025", 0.05, usd),
          record("rv-trade-rus-prk-2026", "trade_value", rus_prk, "2026", 0.06, usd))  # fmt: skip
    with pytest.raises(UsageError) as err:
        holdout_forecasts(spec, folder=tmp_path / "held")
    why = (
        "no in-sample observation of its series, so neither persistence and the trend nor the "
        "trade operator (no known level) can forecast it"
    )
    assert str(err.value) == (
        f"no held-out observation of {tmp_path / 'held'} can be scored: "
        f"rv-trade-rus-prk-2025: {why}; rv-trade-rus-prk-2026: {why}"
    )


@pytest.fixture(scope="module")
def reviewer(spec, tmp_path_factory):
    """The shipped held-out files and a reviewer's own: a missiles count, a vote and a
    sanction count (series with in-sample data), a full-year 2025 launch count over the
    shipped January–October one, a count straddling May 2024 inside the shipped January–
    October 2024 one, two summits of pairs never observed, and one of an actor the history
    lacks."""
    folder = tmp_path_factory.mktemp("reviewer")
    for path in HOLDOUT.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    write(
        folder / "mine" / "reviewer.yaml",
        record("rv-missiles-2025", "missile_launches", "actor: PRK", "2025", 20,
               "missiles fired per year"),
        record("rv-vote-chn-2025", "unsc_vote", "actor: CHN", "2025-03", 0, "vote"),
        record("rv-sanction-chn-2025", "sanction_measure", "actor: CHN", "2025", 0, "measures"),
        record("rv-events-2025", "missile_launches", "actor: PRK", "2025", 7, "launch events"),
        record("rv-straddle", "missile_launches", "actor: PRK", "2024-03/2024-08", 4,
               "launch events"),
        record("rv-summit-usa-chn", "summit", "pair: [USA, CHN]", "2025-10", 1, "summits"),
        record("rv-sanction-usa-2025", "sanction_measure", "actor: USA", "2025", 3, "measures"),
        record("rv-summit-ind-prk", "summit", "pair: [IND, PRK]", "2025", 0, "summits"),
    )  # fmt: skip
    return folder, holdout_forecasts(spec, folder=folder)


def test_every_observation_set_aside_is_named_with_its_reason(reviewer):
    """Two of these vanished (dropped as overlapping, with the shipped 2025 launch count)
    and the actor the scenario lacks was "no in-sample observation of its series"."""
    _, result = reviewer
    why = dict(s.split(": ", 1) for s in result.skipped)
    series = "no in-sample observation of its series, so persistence and the trend cannot"
    assert why == {
        "prk-ballistic-launches-2025-01-2025-10-joongang": "overlaps rv-events-2025 of the same"
        " series (one observation per period and definition, docs/observations.md: "
        "rv-events-2025 is kept)",
        "rv-straddle": "overlaps prk-missile-tests-2024-01-2024-10-anadolu of the same series"
        " (one observation per period and definition, docs/observations.md: "
        "prk-missile-tests-2024-01-2024-10-anadolu is kept)",
        "rv-summit-usa-chn": f"{series} forecast it",
        "rv-sanction-usa-2025": f"{series} forecast it",
        "rv-summit-ind-prk": "the history scenario has no actor IND",
    }
    scored = set(result.rows["id"])
    assert {"rv-missiles-2025", "rv-vote-chn-2025", "rv-sanction-chn-2025"} <= scored
    assert not scored & set(why)


def test_a_score_straddling_may_2024_says_so(reviewer):
    """A held-out observation that begins before June 2024 is kept (the shipped 2024 trade
    values and January–October 2024 launches), but its score was not told from the others,
    nor that the fit saw part of its months."""
    _, result = reviewer
    assert result.straddling == [
        "prk-missile-tests-2024-01-2024-10-anadolu (2024-01/2024-10) begins before June 2024,"
        " in months the fit covers; the fit saw prk-missile-tests-2024-01-2024-03-nti of its"
        " series in those months",
        "trade-chn-rus-2024 (2024) begins before June 2024, in months the fit covers",
        "trade-chn-prk-2024 (2024) begins before June 2024, in months the fit covers",
    ]


def test_a_skill_table_checked_by_hand(reviewer, spec):
    """Control: China–North Korea trade in 2024 (2.18). Persistence draws the last
    in-sample level (2023: 2.3) times one of the series' year-on-year ratios, either way:
    its exact CRPS over those 14 equally likely values is the row's within sampling error;
    and each kind's skill is 1 − mean CRPS model / mean CRPS null, in the kind's unit."""
    _, result = reviewer
    train = observations_of(spec)
    pair = sorted((o for o in train if o.kind == "trade_value" and set(o.actors) == {"CHN", "PRK"}),
                  key=lambda o: o.last)  # fmt: skip
    levels = np.log([o.value for o in pair])
    x = np.exp(levels[-1] + np.concatenate([np.diff(levels), -np.diff(levels)]))
    exact = np.abs(x - 2.18).mean() - 0.5 * np.abs(x[:, None] - x[None, :]).mean()
    rows = result.rows.set_index(["id", "forecaster"])["crps"]
    assert rows["trade-chn-prk-2024", "persistence"] == pytest.approx(exact, rel=0.02)
    assert crps_sample(x, 2.18) == pytest.approx(exact)
    table = skill_table(result.view("model")).set_index("kind")
    plain = result.view("model")
    for kind in ("trade_value", "summit", "missile_launches"):
        mean = plain[plain["kind"] == kind].groupby("forecaster")["crps"].mean()
        for null in ("persistence", "trend", "events_only"):
            assert table.loc[kind, f"skill vs {null}"] == pytest.approx(
                1 - mean["model"] / mean[null]
            )


# --------------------------------------------------------------------------- the guards


def test_a_held_out_id_in_the_training_data_is_refused_at_its_line(spec, tmp_path, no_fit):
    """A copy of training data in a held-out folder was one unlocated UsageError listing
    ids; a copy under new ids (same series, period, value and source) was scored as held
    out, the answer known to the fit."""
    text = (ROOT / "seeds" / "observations" / "trade.yaml").read_text()
    copy = write(tmp_path / "held" / "copy.yaml")
    copy.write_text(text)
    with pytest.raises(ScenarioError) as err:
        holdout_forecasts(spec, folder=copy.parent)
    first = str(err.value).splitlines()[0]
    assert first.startswith(f"{copy}:") and "observations.0.id: expected an id not in the " \
        "training data (" in first  # fmt: skip
    copy.write_text(text.replace("id: trade-", "id: renamed-trade-"))
    with pytest.raises(ScenarioError, match="expected an observation not in the training data"):
        holdout_forecasts(spec, folder=copy.parent)


@pytest.mark.parametrize("how", ["copy", "hard link"])
def test_a_copy_or_hard_link_of_a_held_out_file_is_refused_by_every_fit(spec, tmp_path, how):
    """Only a path in a holdout/ folder (or a symbolic link to one) was refused: a copy or
    a hard link elsewhere was fitted, held-out data and all."""
    held = HOLDOUT / "summits.yaml"
    other = tmp_path / "mine" / "summits.yaml"
    other.parent.mkdir()
    (shutil.copy if how == "copy" else os.link)(held, other)
    sneaky = dataclasses.replace(spec, observations=(*spec.observations, other))
    with pytest.raises(UsageError, match="is a held-out observation"):
        build_problem(sneaky)


def test_a_broken_held_out_file_does_not_stop_every_fit(tmp_path):
    """Unit: the fits' record guard reads the held-out files; one with a problem is left to
    the held-out test to report (a typo there refused every calibration), the others still
    guard."""
    from sim.observe.holdout_files import refuse_held_records
    from sim.observe.observations import load_observations

    held = tmp_path / "holdout"
    write(held / "broken.yaml", NUKE_2026.replace("value: 0", "value: 2.5"))
    good = write(held / "good.yaml", NUKE_2026.replace("rv-nuke-2026", "rv-nuke-2026-b"))
    refuse_held_records(observations_of(load_spec(SPEC)), held)  # the training data pass
    with pytest.raises(UsageError, match="rv-nuke-2026-b is a held-out observation"):
        refuse_held_records(load_observations(good), held)


def test_a_file_in_a_subfolder_of_the_shipped_holdout_is_held_out():
    """`seeds/observations/holdout/2026/x.yaml` is read by the held-out test (above) and was
    not refused by `refuse_holdout`, which looked at the parent folder's name only."""
    nested = HOLDOUT / "2026" / "x.yaml"
    assert is_holdout(nested)
    with pytest.raises(UsageError, match="never used for calibration"):
        refuse_holdout([nested])


def test_the_shipped_training_files_pass_the_guards(spec):
    """Control: no shipped training file is held out, and every fit's guard passes them."""
    assert not [p for p in spec.observations if is_holdout(p)]
    build_problem(spec)


# --------------------------------------------------------------------------- the commands


def test_the_validation_scores_a_folder_and_prints_the_verdict(reviewer, tmp_path, capsys,
                                                              monkeypatch):  # fmt: skip
    """`--part holdout` could not be pointed at a reviewer's folder (they had to edit
    seeds/, and a full run then rewrote docs/validation.md with their numbers), printed
    tables only, no verdict, and did not say what it left out."""
    from benchmarks.calibrate import DOC
    from benchmarks.calibrate import main as validation

    folder, _ = reviewer
    before = DOC.read_bytes()
    monkeypatch.chdir(tmp_path)
    argv = ["--part", "holdout", "--population", "8", "--holdout", str(folder)]
    assert validation(argv) == 0
    out = capsys.readouterr().out
    assert DOC.read_bytes() == before  # --holdout implies --no-doc
    assert f"Held out ({folder}): " in out
    assert "\nmodel: The plain model " in out and "\npact: The pact forecast " in out
    assert "\nmodel: Pooled skill with its 90% interval over the 25 observations" in out
    assert "not scored: rv-summit-ind-prk: the history scenario has no actor IND" in out
    assert "scored, straddling May 2024: trade-chn-prk-2024 (2024) begins before June" in out
    (results,) = (tmp_path / "results" / "validation").iterdir()
    assert (results / "holdout_verdict.txt").read_text() in out


def test_the_holdout_flag_is_refused_where_no_part_reads_it(capsys):
    from benchmarks.calibrate import main as validation

    with pytest.raises(SystemExit) as exit_:
        validation(["--part", "structures", "--holdout", "x"])
    assert exit_.value.code == 2
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .endswith(
            "argument --holdout: read only by --part holdout, all and seeds, not --part structures"
        )
    )


def test_a_holdout_flag_naming_no_folder_is_refused_before_any_part_runs(tmp_path, capsys):
    """`--part all --holdout FILE` ran the in-sample fit, the rolling origin and the
    structures before the held-out part found that FILE was no folder."""
    from benchmarks.calibrate import main as validation

    with pytest.raises(SystemExit) as exit_:
        validation(["--part", "all", "--holdout", str(HOLDOUT / "summits.yaml")])
    assert exit_.value.code == 2
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.endswith(f"argument --holdout: {HOLDOUT / 'summits.yaml'} is not a folder")


def test_hindcast_of_observations_after_the_history_names_its_window(tmp_path, capsys):
    """`hindcast` of observations after May 2024 on the history said only "falls inside
    history-2016's time window": not which months, nor where such data are scored."""
    from sim.cli import main

    history = ROOT / "scenarios" / "history" / "base_2016.yaml"
    argv = ["hindcast", str(HOLDOUT / "summits.yaml"), str(history), "-n", "2", "-q",
            "--out", str(tmp_path / "h")]  # fmt: skip
    assert main(argv) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "history-2016's time window (2016-01 to 2024-05); they all end after it" in line
    assert "python -m benchmarks.calibrate --part holdout --holdout FOLDER" in line
    assert not (tmp_path / "h").exists()
