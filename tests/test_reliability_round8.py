"""Reliability suite, round 8: the forecast-scoring surfaces of issue 16 (the hindcast's skill
against the null forecasters, its verdict in words, its paired-bootstrap intervals, the
report of a hindcast folder, and `--posterior` as run, compare, robustness and hindcast read
it) as a hostile but realistic user meets them.

Each case was a fault before its fix: a reason given for a missing skill that the rows
contradict, a count said to be of one thing and computed of another, a posterior that
changed nothing without a word, a flag advised that the command does not have, or a verdict
whose number contradicts its word. docs/reliability.md, section 14, lists them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from reliability_tools import BASELINE

from sim.cli import main
from sim.observe.scoring import null_skill
from sim.report import write_report

REPO = BASELINE.parents[1]
HISTORY = REPO / "scenarios" / "history" / "base_2016.yaml"
FIXTURE = REPO / "tests" / "data" / "results" / "hindcast"
SOURCE = '{publisher: x, title: y, date: "2019-01-05", url: "https://example.org"}'


def record(oid: str, kind: str, who: str, period: str, value: float, unit: str = "count") -> str:
    """One observation as a file writes it (`who`: `actor: X` or `pair: [A, B]`)."""
    return (
        f'  - id: {oid}\n    kind: {kind}\n    {who}\n    period: "{period}"\n'
        f"    value: {value}\n    unit: {unit}\n    reliability: solid\n"
        f"    source: {SOURCE}\n"
    )


def observations(tmp_path: Path, *records: str) -> Path:
    path = tmp_path / "obs.yaml"
    path.write_text("observations:\n" + "".join(records))
    return path


def first_year_only(tmp_path: Path) -> Path:
    """Two series observed twice each, all in 2016, the history scenario's first year:
    persistence and the trend forecast the second of each; no forecast design can (their
    origin is the end of the year before, and nothing was observed by then)."""
    return observations(
        tmp_path,
        record("v1", "unsc_vote", "actor: CHN", "2016-03", 1, "vote"),
        record("v2", "unsc_vote", "actor: CHN", "2016-11", 1, "vote"),
        record("l1", "missile_launches", "actor: PRK", "2016-01/2016-06", 10),
        record("l2", "missile_launches", "actor: PRK", "2016-07/2016-12", 12),
    )


def page_text(folder: Path) -> str:
    import re

    page = write_report(folder).read_text(encoding="utf-8")
    page = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#39;", "'")


def against_nulls(text: str) -> str:
    return text.split("Against the null forecasters", 1)[1].split("Every scored observation")[0]


def edited_fixture(tmp_path: Path, edit) -> Path:
    folder = tmp_path / "hindcast"
    shutil.copytree(FIXTURE, folder)
    frame = pd.read_csv(folder / "hindcast.csv")
    frame = edit(frame)
    frame.to_csv(folder / "hindcast.csv", index=False)
    return folder


# ---------------------------------------------------------------------- why no skill


def test_no_skill_in_the_first_year_says_why_not_that_nothing_has_an_earlier_value(
    tmp_path, capsys
):
    """Before: the command printed no skill and no reason; the report said "No scored
    observation has an earlier observation of its own series", of a file where two do."""
    out = tmp_path / "h"
    code = main(["hindcast", str(first_year_only(tmp_path)), str(HISTORY), "-n", "4",
                 "--draws", "1", "--out", str(out), "--no-plots"])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "2 scored observations have an earlier observation of their series" in printed
    assert "no forecast design" in printed
    section = against_nulls(page_text(out))
    assert "No scored observation has an earlier observation" not in section
    assert "2 scored observations have an earlier observation of their series" in section


def test_a_folder_without_the_null_columns_says_they_are_missing(tmp_path):
    """An older (or edited) hindcast.csv without crps_persistence: before, the report gave
    the same false reason, of a table whose series have many earlier values."""
    folder = edited_fixture(tmp_path, lambda f: f.drop(columns=["crps_persistence"]))
    section = against_nulls(page_text(folder))
    assert "No scored observation has an earlier observation" not in section
    assert "has no crps_persistence column" in section and "run the hindcast again" in section


def test_the_pooled_count_is_said_to_be_of_what_it_counts(tmp_path):
    """The pooled skill is on the observations every null *and every forecast design* can
    forecast; the report and the command said "every null can forecast" and named the
    series' earlier observation as the only condition, of a count that left out those the
    designs cannot forecast."""
    folder = edited_fixture(tmp_path, lambda f: f)
    table = pd.read_csv(FIXTURE / "hindcast.csv")
    n = int(null_skill(table).set_index("kind").loc["pooled", "observations"])
    nulls_only = table[table["scored"]].dropna(
        subset=["crps", "crps_persistence", "crps_trend", "crps_events_only"]
    )
    assert len(nulls_only) > n  # the fixture has observations only the nulls forecast
    section = against_nulls(page_text(folder))
    assert f"on the {n} observations of this window that every null and every forecast " in (
        section
    )
    assert f"{len(nulls_only) - n} more that the nulls can forecast are left out" in section


# ---------------------------------------------------------------------- --posterior


def posterior(tmp_path: Path, columns: dict[str, list[float]], version: bool = True) -> Path:
    """A posterior.parquet of these columns (and equal weights), stamped with this model's
    version unless `version` is False (as one from an older model reads)."""
    from sim.observe.posterior import write_posterior

    frame = pd.DataFrame({**columns, "weight": [1.0] * len(next(iter(columns.values())))})
    path = tmp_path / "posterior.parquet"
    if version:
        write_posterior(frame, path)
    else:
        frame.to_parquet(path)
    return path


OPERATORS_AND_DRIVES = {"launch_log_rate": [0.5, 0.6], "drive_PRK": [0.01, -0.01]}


@pytest.mark.parametrize("command", ["run", "compare", "robustness"])
def test_a_posterior_with_no_coefficient_a_run_reads_is_refused(tmp_path, capsys, command):
    """Operator coefficients and given structural terms only: run and compare ran the
    scenario's own coefficients (manifest "coefficients: []") and robustness reported every
    effect keeping its sign in 100% of draws that were all the same, without a word."""
    post = posterior(tmp_path, OPERATORS_AND_DRIVES)
    out = tmp_path / "out"
    argv = [command, str(BASELINE), "--posterior", str(post), "-n", "2", "--steps", "2",
            "--out", str(out)]  # fmt: skip
    if command == "compare":
        argv[1:2] = [str(BASELINE), str(REPO / "scenarios" / "de_escalation.yaml")]
    if command == "robustness":
        argv += ["--draws", "2", "--no-plots", "-q"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"--posterior {post}: no coefficient a run reads" in err
    assert "launch_log_rate" in err and "drive_PRK" in err and "Traceback" not in err
    assert not out.exists()


def test_robustness_takes_the_flag_its_refusal_advises(tmp_path, capsys):
    """A posterior of another model version: robustness said "pass --allow-model-change to
    use it anyway", a flag it did not have (argparse: unrecognized arguments)."""
    post = posterior(tmp_path, {"reactivity": [0.05, 0.06]}, version=False)
    argv = ["robustness", str(BASELINE), "--posterior", str(post), "-n", "2", "--steps", "2",
            "--draws", "2", "--no-plots", "-q"]  # fmt: skip
    assert main([*argv, "--out", str(tmp_path / "a")]) == 2
    assert "pass --allow-model-change" in capsys.readouterr().err
    out = tmp_path / "b"
    assert main([*argv, "--out", str(out), "--allow-model-change"]) == 0
    assert "coefficient sets from posterior.parquet" in capsys.readouterr().out
    assert (out / "manifest.json").is_file()


def test_the_python_api_takes_allow_model_change_too(tmp_path):
    """sim.hindcast and sim.robustness refused such a posterior with "pass
    --allow-model-change", and had no argument to pass (TypeError)."""
    import sim
    from sim.errors import UsageError

    post = posterior(tmp_path, {"reactivity": [0.05, 0.06]}, version=False)
    obs = first_year_only(tmp_path)
    with pytest.raises(UsageError, match="allow-model-change"):
        sim.hindcast(obs, HISTORY, posterior=post, n=2, draws=1)
    hc = sim.hindcast(obs, HISTORY, posterior=post, n=2, draws=1, allow_model_change=True)
    assert hc.coverage["observations"] == 4
    rob = sim.robustness(BASELINE, draws=2, n=2, steps=2, posterior=post,
                         allow_model_change=True)  # fmt: skip
    assert rob.manifest["posterior"] == str(post)


# ---------------------------------------------------------------------- the verdict's numbers


def test_a_loss_or_a_win_too_small_for_two_decimals_shows_its_size():
    """The filtered forecast of the exercises lost to the events-only world by 0.3% of its
    CRPS: the verdict said "loses to … the events-only world (skill −0.00)" and the tables
    "−0.00" (another design's "+0.00" was a win): a loss whose number says none."""
    from sim.observe.verdict import pooled_verdict, signed

    skill = pd.DataFrame(
        {
            "kind": ["joint_exercise", "pooled"],
            "observations": [9, 9],
            "skill vs persistence": [-0.56, -0.56],
            "skill vs trend": [0.0012, 0.0012],
            "skill vs events_only": [-0.0031, -0.0031],
        }
    )
    words = pooled_verdict(skill)
    assert "the events-only world (skill −0.003)" in words
    assert "beats the linear trend" in words
    assert signed(0.0012) == "+0.001" and signed(-0.00004) == "−0.00004"
    assert signed(0.0) == "+0.00" and signed(-0.44) == "−0.44" and signed(0.005) == "+0.01"


def test_the_command_names_each_design_in_its_verdict(tmp_path, capsys):
    """`hindcast` printed "filtered: The model loses to …", "anomaly: The model beats …":
    the plain model's words for other forecasts (the report says "The filtered forecast")."""
    obs = REPO / "seeds" / "observations" / "joint_exercises.yaml"
    code = main(["hindcast", str(obs), str(HISTORY), "-n", "4", "--draws", "1",
                 "--out", str(tmp_path / "h"), "--no-plots"])  # fmt: skip
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    skill = next(line for line in lines if line.startswith("plain skill"))
    assert "observations every null and design can forecast" in skill  # the count's scope
    verdicts = [line for line in lines if line.split(": ", 1)[-1].startswith("The ")]
    assert [v.split(":", 1)[0] for v in verdicts] == ["plain", "filtered", "anomaly", "tracked"]
    assert verdicts[0].startswith("plain: The model ")
    for design, line in zip(("filtered", "anomaly", "tracked"), verdicts[1:], strict=True):
        assert line.startswith(f"{design}: The {design} forecast "), line


def test_a_kind_left_out_of_a_null_s_pooled_skill_is_said(tmp_path):
    """Held exercises every year beside missile launches: persistence and the trend carry
    the exercises forward exactly (CRPS 0), the model does not, and the pooled skill leaves
    that kind out (docs/validation.md, "Scores"). The verdict said "The model beats all
    three null forecasters" of a skill that rested on the launches alone."""
    from sim.observe.verdict import pooled_verdict

    table = pd.DataFrame(
        {
            "id": [f"e{i}" for i in range(4)] + [f"l{i}" for i in range(4)],
            "kind": ["joint_exercise"] * 4 + ["missile_launches"] * 4,
            "scored": True,
            "crps": [1e-4] * 4 + [9.0, 10.0, 11.0, 9.5],
            "crps_events_only": [1e-4] * 4 + [10.0, 11.0, 11.5, 10.0],
            "crps_persistence": [0.0] * 4 + [11.0, 12.0, 12.5, 11.0],
            "crps_trend": [0.0] * 4 + [12.0, 13.0, 12.0, 12.5],
        }
    )
    words = pooled_verdict(null_skill(table))
    assert words.startswith("The model beats all three null forecasters")
    assert (
        "Persistence and the linear trend forecast every joint exercise observation exactly "
        "(CRPS 0): that kind is left out of their pooled skill." in words
    )
    none_left_out = table.assign(crps_persistence=table["crps_persistence"] + 0.5)
    assert "left out" not in pooled_verdict(null_skill(none_left_out.assign(crps_trend=1.0)))


def test_sim_hindcast_records_the_draws_it_was_called_with(tmp_path):
    """The manifest's command of `sim.hindcast(..., draws=1)` read "sim.hindcast OBS S n=2
    seed=…": run again, it scores with the default 10 draws and other numbers."""
    import sim

    hc = sim.hindcast(first_year_only(tmp_path), HISTORY, n=2, draws=1)
    assert "draws=1" in hc.manifest["command"]


# ---------------------------------------------------------------------- how sure


def test_a_pooled_interval_from_kinds_of_one_observation_each_is_not_given():
    """Five kinds with one scored observation each (a small file of two years per kind):
    every resample draws the same five, so the 'interval' was the point, and the command
    said "persistence +0.39 (+0.39 to +0.39) better" from five observations. A kind of one
    observation adds no spread (docs/validation.md, "How sure"): the pooled interval now
    needs MIN_OBSERVATIONS observations in kinds of two or more, as a kind's own does."""
    from sim.observe.significance import MIN_OBSERVATIONS, cell, interval_words, skill_intervals

    kinds = ["missile_launches", "nuclear_test", "summit", "trade_value", "unsc_vote"]
    scores = {"model": 1.0, "events_only": 1.2, "persistence": 2.0, "trend": 3.0}
    rows = pd.DataFrame(
        [
            {"id": f"o-{k}", "kind": k, "forecaster": f, "crps": c}
            for k in kinds
            for f, c in scores.items()
        ]
    )
    pooled = skill_intervals(rows, seed=1).query("kind == 'pooled'").set_index("null")
    assert int(pooled.loc["persistence", "observations"]) == MIN_OBSERVATIONS
    assert pooled[["low", "high"]].isna().all().all()
    assert cell(pooled.loc["persistence"]) == "+0.50 (too few to resample)"
    words = interval_words(skill_intervals(rows, seed=1))
    assert "better" not in words and "too few to resample" in words

    two_each = pd.concat([rows, rows.assign(id=rows["id"] + "-b", crps=rows["crps"] * 1.5)])
    pooled = skill_intervals(two_each, seed=1).query("kind == 'pooled'")
    assert pooled[["low", "high"]].notna().all().all()  # ten observations that can vary


def test_one_observation_is_not_said_as_1_observations(tmp_path):
    """A hindcast of the held-out launches on the baseline scores one observation the nulls
    can forecast: the command and the report said "pooled over 1 observations", "over the
    1 observations", "1 observations scored"."""
    from sim.observe.significance import interval_words, null_skill_intervals

    def keep_one(frame: pd.DataFrame) -> pd.DataFrame:
        forecastable = frame["crps_persistence"].notna() & frame["crps_filtered"].notna()
        first = frame.index[forecastable][0]
        return frame.loc[[first]]

    folder = edited_fixture(tmp_path, keep_one)
    table = pd.read_csv(folder / "hindcast.csv")
    assert "over the 1 observation (" in interval_words(null_skill_intervals(table, 1))
    text = page_text(folder)
    assert "1 observations" not in text
    assert "scored on the 1 observation of this window" in text
    assert "1 observation scored." in text


def test_the_calibration_report_says_an_abc_smc_calibration(tmp_path):
    """The summary of a calibration folder read "This report shows a ABC-SMC calibration",
    and of a one-coefficient fit "of 1 coefficients"."""
    import json

    folder = tmp_path / "calibration"
    shutil.copytree(FIXTURE.parent / "calibration", folder)
    text = page_text(folder)
    assert "shows an ABC-SMC calibration of 2 coefficients" in text and "a ABC" not in text
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["coefficients"] = manifest["coefficients"][:1]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert "calibration of 1 coefficient (" in page_text(folder)


# ---------------------------------------------------------------------- bounded work


class Started(Exception):
    """Raised in place of the hindcast's work: reaching it means nothing refused it."""


@pytest.mark.parametrize("api", [False, True])
def test_the_hindcast_memory_check_counts_every_observation(tmp_path, monkeypatch, capsys, api):
    """The measurement draws are held per observation (replications × draws each), but the
    command checked memory as if the file had one observation, and `sim.hindcast` did not
    check at all: `-n 1000 --draws 10000` of the 106 shipped observations (about 17 GB of
    draws) passed a check that had 4 GB free and started."""
    import sim.observe.hindcast as scoring_module
    from sim.errors import UsageError

    def started(*args, **kwargs):
        raise Started

    monkeypatch.setattr(scoring_module, "hindcast", started)
    monkeypatch.setattr("sim.limits.available_memory", lambda: 4 * 2**30)
    obs = tmp_path / "obs.yaml"
    records = [record(f"s{y}-{p.lower()}", "summit", f"pair: [{p}, PRK]", str(y), 0)
               for y in range(2016, 2024) for p in ("CHN", "RUS", "USA", "KOR")]  # fmt: skip
    obs.write_text("observations:\n" + "".join(records))
    if api:
        import sim

        with pytest.raises(UsageError, match="needs about"):
            sim.hindcast(obs, HISTORY, n=1000, draws=10000)
    else:
        argv = ["hindcast", str(obs), str(HISTORY), "-n", "1000", "--draws", "10000",
                "--out", str(tmp_path / "h")]  # fmt: skip
        assert main(argv) == 2
        assert "needs about" in capsys.readouterr().err
    assert not (tmp_path / "h").exists()


def test_the_hindcast_manifest_is_strict_json(tmp_path):
    """With no observation that has an earlier one of its series, the direction hit rate is
    undefined and the manifest held `"direction_hits": NaN`, which JSON does not allow
    (JavaScript's JSON.parse and other strict readers refuse the file). Now null there;
    `sim.hindcast(...).coverage` still gives NaN."""
    import json
    import math

    import sim

    obs = observations(tmp_path, record("o1", "missile_launches", "actor: PRK", "2017", 20))
    hc = sim.hindcast(obs, HISTORY, n=2, draws=1, out=tmp_path / "h")

    def refuse(name: str) -> None:
        raise ValueError(f"not JSON: {name}")

    text = (tmp_path / "h" / "manifest.json").read_text()
    coverage = json.loads(text, parse_constant=refuse)["coverage"]
    assert coverage["direction_hits"] is None
    assert math.isnan(hc.coverage["direction_hits"]) and hc.coverage["observations"] == 1
