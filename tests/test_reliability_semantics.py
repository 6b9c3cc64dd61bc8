"""Reliability suite, issue #19 class 5 (wrong but exit 0): folders, observations and
scenarios that parse but mean nothing are refused in one line.

Results folders: each row copies a fixture folder (tests/data/results), damages its meaning
(not its shape), and runs `plot` or `report`: exit 2, one line naming the file, nothing
written. The control row (no damage) must draw. Checks: sim/results_checks.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from reliability_tools import one_line

from sim.cli import main

DATA = Path(__file__).resolve().parent / "data" / "results"


def _edit_parquet(folder: Path, name: str, column: str, value) -> None:
    frame = pd.read_parquet(folder / name)
    frame[column] = value
    frame.to_parquet(folder / name, index=False)


def _edit_csv(folder: Path, name: str, edit) -> None:
    frame = pd.read_csv(folder / name)
    edit(frame).to_csv(folder / name, index=False)


def _all_nan(f: Path) -> str:
    _edit_parquet(f, "timeseries.parquet", "escalation", np.nan)
    return "timeseries.parquet: column escalation:"


def _out_of_range(f: Path) -> str:
    _edit_parquet(f, "timeseries.parquet", "escalation", 1.5)
    return "outside [0, 1] (first: 1.5)"


def _commitment(f: Path) -> str:
    _edit_parquet(f, "pairs.parquet", "commitment", -3.0)
    return "pairs.parquet: column commitment"


def _replication_beyond(f: Path) -> str:
    _edit_parquet(f, "system.parquet", "replication", 99)
    return "system.parquet: column replication: 99 is outside the 12 replications"


def _no_summary_rows(f: Path) -> str:
    _edit_csv(f, "summary.csv", lambda d: d.iloc[:0])
    return "summary.csv: 0 row(s), the manifest says 12"


def _unknown_outcome(f: Path) -> str:
    _edit_csv(f, "summary.csv", lambda d: d.assign(outcome="apocalypse"))
    return "unknown class(es) ['apocalypse']"


def _summary_nan(f: Path) -> str:
    _edit_csv(f, "summary.csv", lambda d: d.assign(final_escalation_CHN=np.nan))
    return "summary.csv: column final_escalation_CHN"


def _event_late(f: Path) -> str:
    _edit_csv(f, "events.csv", lambda d: d.assign(step=99999))
    return "events.csv: column step: 99999 is outside"


def _nested_manifest(f: Path) -> str:
    (f / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    return "nested too deeply"


def _compare_rows(f: Path) -> str:
    frame = pd.read_parquet(f / "summaries.parquet")
    frame.iloc[:-1].to_parquet(f / "summaries.parquet", index=False)
    return "summaries.parquet:"


def _compare_scenario(f: Path) -> str:
    _edit_parquet(f, "summaries.parquet", "scenario", "elsewhere")
    return "column scenario: ['elsewhere'] not among"


RESULTS = [  # (fixture, command, damage)
    ("run", "plot", _all_nan),
    ("run", "report", _all_nan),
    ("run", "plot", _out_of_range),
    ("run", "plot", _commitment),
    ("run", "plot", _replication_beyond),
    ("run", "plot", _no_summary_rows),
    ("run", "report", _unknown_outcome),
    ("run", "plot", _summary_nan),
    ("run", "plot", _event_late),
    ("run", "plot", _nested_manifest),
    ("compare", "plot", _compare_rows),
    ("compare", "report", _compare_scenario),
]


@pytest.mark.parametrize(("kind", "command", "damage"), RESULTS,
                         ids=[f"{k}-{c}-{d.__name__}" for k, c, d in RESULTS])  # fmt: skip
def test_results_that_mean_nothing_are_refused(tmp_path, capsys, kind, command, damage):
    folder = tmp_path / kind
    shutil.copytree(DATA / kind, folder)
    words = damage(folder)
    before = sorted(p.name for p in folder.rglob("*"))
    assert main([command, str(folder)]) == 2
    line = one_line(capsys)
    assert words in line and str(folder) in line, line
    assert sorted(p.name for p in folder.rglob("*")) == before  # nothing written


@pytest.mark.parametrize("kind", ["run", "compare"])
def test_undamaged_fixtures_pass_the_checks(tmp_path, kind):
    from sim.results_io import check_folder

    folder = tmp_path / kind
    shutil.copytree(DATA / kind, folder)
    assert check_folder(folder)["kind"] == kind
    meta = json.loads((folder / "manifest.json").read_text())
    assert meta["replications"] >= 1


# -- observations: plausible magnitudes, real dates, strict ids, unknown actors ------------
OBSERVATION = """\
observations:
  - id: prk-launches-2024
    kind: missile_launches
    actor: PRK
    period: "2024-07"
    value: 20
    unit: launch events per month
    reliability: estimate
    source: {publisher: P, title: T, date: "2024-08-05", url: "https://example.org/a"}
"""
TRADE = (
    OBSERVATION.replace("kind: missile_launches", "kind: trade_value")
    .replace("actor: PRK", "pair: [CHN, PRK]")
    .replace("launch events per month", "USD bn per year")
)
OBSERVATIONS = [  # (replace, by, words of the one line)
    ("value: 20", "value: 1.0e+300", "expected a whole number in [0, 10,000] (a count)"),
    ("value: 20", "value: 10001", "found 10001"),
    ("date: \"2024-08-05\"", "date: \"2017-02-30\"", "source.date: expected a real date"),
    ("id: prk-launches-2024", "id: \"prk-launches-2024\\n\"", "observations.0.id: expected an id"),
    ("date: \"2024-08-05\"", "date: \"2024-08-05\\n\"", "source.date: expected a date"),
    ("actor: PRK", "actor: ZZZ", "is about ZZZ, an actor the scenario"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "words"), OBSERVATIONS)
def test_observations_that_mean_nothing_are_one_line(tmp_path, capsys, old, new, words):
    from reliability_tools import BASELINE

    text = OBSERVATION.replace(old, new)
    assert text != OBSERVATION
    (tmp_path / "obs.yaml").write_text(text)
    out = tmp_path / "o"
    argv = ["hindcast", str(tmp_path / "obs.yaml"), str(BASELINE), "-n", "2", "--draws", "1",
            "--no-plots", "--out", str(out)]  # fmt: skip
    assert main(argv) == 2
    line = one_line(capsys)
    assert words in line, line
    assert not out.exists()


def test_trade_of_1e308_is_refused_and_a_plausible_one_scores(tmp_path, capsys):
    from reliability_tools import BASELINE

    # a pair's first trade value only anchors its level: the plausible one gets an anchor the
    # month before, so that it is scored (alone, nothing was, and exit 0 hid it: round 7)
    anchor = TRADE.split("\n", 1)[1].replace("prk-launches-2024", "anchor-2024-06")
    anchor = anchor.replace('"2024-07"', '"2024-06"')
    for value, code in (("1.0e+308", 2), ("150", 0)):
        text = TRADE.replace("value: 20", f"value: {value}") + (anchor if code == 0 else "")
        (tmp_path / "obs.yaml").write_text(text)
        out = tmp_path / f"o{code}"
        argv = ["hindcast", str(tmp_path / "obs.yaml"), str(BASELINE), "-n", "2", "--draws",
                "1", "--no-plots", "--out", str(out)]  # fmt: skip
        assert main(argv) == code
    err = capsys.readouterr().err
    assert "a positive number of at most 100,000 (USD bn per year), found 1e+308" in err


def test_validate_says_what_an_observations_file_is(tmp_path, capsys):
    (tmp_path / "obs.yaml").write_text(OBSERVATION)
    assert main(["validate", str(tmp_path / "obs.yaml")]) == 0
    assert "ok (observations file of 1 observation)" in capsys.readouterr().out


# -- scenarios: headline names, active actors, alias bombs, distancing definitions ---------
def _scenario(tmp: Path, body: str) -> Path:
    from reliability_tools import BASELINE

    path = tmp / "s.yaml"
    path.write_text(f"extends: {BASELINE}\n{body}")
    return path


def _headline(tmp: Path) -> list[str]:
    body = "counterfactual: {remove_events: [pact_signed], headline: [final_escalation_ZZZ]}\n"
    return ["validate", str(_scenario(tmp, body))]


def _no_active(tmp: Path) -> list[str]:
    from reliability_tools import MINI

    path = tmp / "m.yaml"
    path.write_text(MINI.replace("escalation: 0.1}", "escalation: 0.1, active: false}"))
    return ["validate", str(path)]


def _big_alias(tmp: Path) -> list[str]:
    body = f"question: &s {'x' * 400_000}\nassumptions: [{', '.join(['*s'] * 1500)}]\n"
    return ["run", str(_scenario(tmp, body)), "-n", "2", "--steps", "2", "--out",
            str(tmp / "o")]  # fmt: skip


def _many_aliases(tmp: Path) -> list[str]:
    body = f"question: &s abcdefgh\nassumptions: [{', '.join(['*s'] * 60_000)}]\n"
    return ["validate", str(_scenario(tmp, body))]


def _distancing(tmp: Path) -> list[str]:
    from reliability_tools import BASELINE

    other = _scenario(
        tmp, "name: other\nrun: {distancing: {actor: CHN, partners: [RUS, PRK, IRN]}}\n"
    )
    return ["compare", str(BASELINE), str(other), "-n", "2", "--steps", "2", "--no-plots",
            "-q", "--out", str(tmp / "o")]  # fmt: skip


SCENARIOS = [  # (argv builder, words of the one line)
    (_headline, "counterfactual.headline.0: unknown outcome 'final_escalation_ZZZ'"),
    (_no_active, "actors: expected at least one active actor, found none"),
    (_big_alias, "expands to more than 2,000,000 characters (alias bomb?)"),
    (_many_aliases, "more than 1,000 alias uses (alias bomb?)"),
    (_distancing, "measures distancing as CHN from RUS, PRK, other as CHN from RUS, PRK, IRN"),
]


@pytest.mark.parametrize(("build", "words"), SCENARIOS, ids=[b.__name__ for b, _ in SCENARIOS])
def test_scenarios_that_mean_nothing_are_one_line(tmp_path, capsys, build, words):
    argv = build(tmp_path)
    assert main(argv) == 2
    line = one_line(capsys)
    assert words in line, line
    assert not (tmp_path / "o").exists()


def test_outcome_names_are_the_summary_columns():
    """references.outcome_names (what `validate` accepts as a headline) == what a run reports."""
    from reliability_tools import BASELINE

    from sim.ensemble import run_ensemble
    from sim.scenario.loader import load_scenario
    from sim.scenario.references import outcome_names

    scenario = load_scenario(BASELINE).scenario
    summary = run_ensemble(scenario, 2, 1, 2).summary
    assert outcome_names(scenario) == {*summary, "crisis"} - {"outcome"}
