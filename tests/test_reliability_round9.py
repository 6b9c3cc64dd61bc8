"""Reliability suite, round 9: what a policy analyst meets when writing a scenario of their
own and running it: events (dated, conditional, beyond the run, added with `--set`),
theatres and their feeds, an actor that joins by event, and `run`, `compare`, `sweep`,
`robustness`, `plot` and `report` on such a scenario.

Each case was a fault before its fix: a channel silently multiplied twice, a condition that
fired from an actor not yet in play or tested another actor than the one written, an event
that could never fire run without a word, an actor that never took part shown at its frozen
"war" rung, an override refused with a message about a mapping nobody wrote, or China named
in the charts and tables of a scenario without China. docs/reliability.md, section 15,
lists them.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from sim.cli import main

matplotlib.use("Agg")

# Two rivals and a third state that joins by event at step 3: a scenario of the analyst's
# own, with no China, Russia or North Korea.
RIVALS = """\
name: rivals
title: Two rivals and a latecomer
actors:
  AAA:
    name: Alphaland
    capabilities: {military: 0.6, economic: 0.5, nuclear: 0.0}
    traits: {stability: 0.5, risk_tolerance: 0.4, resolve: 0.6, grievance: 0.3, axis_aversion: 0.2}
    escalation: 0.2
  BBB:
    name: Betaland
    capabilities: {military: 0.4, economic: 0.3, nuclear: 0.2}
    traits: {stability: 0.3, risk_tolerance: 0.7, resolve: 0.7, grievance: 0.8, axis_aversion: 0.0}
    escalation: 0.3
  CCC:
    name: Gammaland
    active: false
    capabilities: {military: 0.5, economic: 0.3, nuclear: 0.2}
    traits: {stability: 0.3, risk_tolerance: 0.7, resolve: 0.7, grievance: 0.8, axis_aversion: 0.0}
    escalation: 0.9
relations:
  AAA:
    BBB: {commitment: -0.6, trade: 0.8}
    CCC: {commitment: -0.9}
  BBB:
    AAA: {commitment: -0.7}
    CCC: {commitment: 0.8}
  CCC:
    AAA: {commitment: -0.9}
    BBB: {commitment: 0.8}
events:
  joins:
    label: Gammaland joins
    at: 3
    set: {actors.CCC.active: true}
counterfactual:
  label: Gammaland stays out
  remove_events: [joins]
run:
  steps: 6
  distancing: {actor: AAA, partners: [BBB]}
"""


def rivals(tmp_path: Path, extra: str = "", name: str = "variant.yaml") -> Path:
    """The scenario, with `extra` (a child's body) written as a variant extending it."""
    base = tmp_path / "rivals.yaml"
    base.write_text(RIVALS)
    if not extra:
        return base
    child = tmp_path / name
    child.write_text(f"extends: rivals.yaml\nname: {Path(name).stem}\n{extra}")
    return child


def run(tmp_path: Path, capsys, scenario: Path, *flags: str, out: str = "out") -> tuple:
    """(exit code, stdout, stderr lines, results folder) of a small `run`."""
    folder = tmp_path / out
    code = main(["run", str(scenario), "-n", "2", "--no-plots", "-q", "--out", str(folder),
                 *flags])  # fmt: skip
    got = capsys.readouterr()
    return code, got.out, got.err.splitlines(), folder


# -- theatres ---------------------------------------------------------------------------


def test_a_channel_fed_twice_by_one_theatre_is_refused(tmp_path, capsys):
    """Before: accepted, and a half-intense war quartered AAA's trade with BBB (0.8 × 0.5 ×
    0.5 = 0.2) instead of halving it: each feed multiplied the channel by the intensity."""
    feed = "{actor: AAA, partner: BBB, channel: trade}"
    file = rivals(tmp_path, f"theatres:\n  war:\n    intensity: 0.5\n    feeds: [{feed}, {feed}]\n")
    assert main(["validate", str(file)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"{file}:6:")
    assert "theatres.war.feeds.1: feeds relations.AAA.BBB.trade again (first in feeds.0)" in line


def test_a_channel_fed_by_two_theatres_is_refused(tmp_path, capsys):
    """Before: accepted, and AAA's trade with BBB was multiplied by both intensities (0.8 ×
    0.5 × 0.5 = 0.2): either war ending ended the need. Whether two wars add, take the larger
    or multiply is a modelling question MODEL.md does not answer, so one theatre per channel."""
    feed = "{actor: AAA, partner: BBB, channel: trade}"
    body = (f"theatres:\n  war:\n    intensity: 0.5\n    feeds: [{feed}]\n"
            f"  other:\n    intensity: 0.5\n    feeds: [{feed}]\n")  # fmt: skip
    file = rivals(tmp_path, body)
    assert main(["validate", str(file)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line == (
        f"{file}:9:13: theatres.other.feeds.0: feeds relations.AAA.BBB.trade, which theatre "
        "'war' feeds already: a channel follows one theatre; feed it from one"
    )


def test_a_channel_fed_once_follows_the_intensity_once(tmp_path):
    """Control: one feed halves the channel at intensity 0.5."""
    import sim
    from sim.dynamics import channels
    from sim.state import initial_state

    feed = "{actor: AAA, partner: BBB, channel: trade}"
    file = rivals(tmp_path, f"theatres:\n  war:\n    intensity: 0.5\n    feeds: [{feed}]\n")
    model = sim.load(file).model_input
    assert channels(initial_state(model, 1))["trade"][0, 0, 1] == pytest.approx(0.4)


# -- conditions --------------------------------------------------------------------------


def condition(when: str) -> str:
    """A child's body: one event `e` on the condition `when`."""
    return (
        f"events:\n  e:\n    label: e\n    when: {when}\n    set: {{actors.AAA.escalation: 0.3}}\n"
    )


ALARM = (
    "events:\n  joins:\n    at: 4\n  alarm:\n    label: Alphaland mobilises\n"
    "    when: {metric: escalation, actor: CCC, above: 0.5}\n"
    "    set: {actors.AAA.escalation: 0.6}\n"
)


def test_a_condition_on_an_actor_not_yet_in_play_waits_until_it_joins(tmp_path, capsys):
    """Before: Gammaland's frozen 0.9, before it joins at step 4, fired the alarm at step 0
    in every replication: an actor taking no part set off an event."""
    code, _, _, out = run(tmp_path, capsys, rivals(tmp_path, ALARM, "alarm.yaml"))
    assert code == 0
    events = pd.read_csv(out / "events.csv")
    assert set(events.loc[events["event"] == "alarm", "step"]) == {4}
    code, _, _, out = run(tmp_path, capsys, rivals(tmp_path, ALARM, "alarm.yaml"),
                          "--engine", "numba", out="numba")  # fmt: skip
    events = pd.read_csv(out / "events.csv")
    assert set(events.loc[events["event"] == "alarm", "step"]) == {4}


CONDITION_ROWS = [
    # (condition, key path, message): the key was ignored without a word
    ("{metric: distancing, actor: BBB, above: 0.1}", "events.e.when.actor",
     "metric distancing is always run.distancing's (AAA from BBB): it reads no 'actor'; "
     "remove it"),
    ("{metric: escalation, actor: AAA, partner: BBB, above: 0.1}", "events.e.when.partner",
     "metric escalation is of one actor: it reads no 'partner'; remove it"),
    ("{metric: frustration, actor: AAA, above: 0.1}", "events.e.when.actor",
     "metric frustration is of the whole network: it reads no 'actor'; remove it"),
]  # fmt: skip


@pytest.mark.parametrize(("when", "path", "message"), CONDITION_ROWS)
def test_a_condition_key_its_metric_does_not_read_is_refused(tmp_path, capsys, when, path,
                                                             message):  # fmt: skip
    body = condition(when)
    file = rivals(tmp_path, body, "cond.yaml")
    assert main(["validate", str(file)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"{file}:6:") and line.endswith(f": {path}: {message}")


@pytest.mark.parametrize(
    ("when", "words"),
    [
        ("{metric: tension, actor: AAA, partner: BBB, below: 0}", "tension stays within [0, 1]"),
        ("{metric: frustration, above: 1}", "frustration stays within [0, 1]"),
        ("{metric: distancing, above: 2}", "distancing stays within [-2, 2]"),
    ],
)
def test_a_condition_no_metric_value_can_meet_warns(tmp_path, capsys, when, words):
    """Before: "ok" without a warning (only escalation, leverage and commitment had
    ranges), so an event that can never fire passed as one that might."""
    body = condition(when)
    assert main(["validate", str(rivals(tmp_path, body, "never.yaml"))]) == 0
    err = capsys.readouterr().err
    assert f"events.e.when: warning: never fires: {words}" in err


# -- an override that adds an effect ------------------------------------------------------


def test_set_adds_an_effect_the_event_does_not_have_yet(tmp_path, capsys):
    """Before: `--set events.joins.add.actors.AAA.escalation=0.1` was refused with
    "events.joins.add.actors: expected a number or true/false, found a mapping" (a mapping
    nobody wrote): the effect's key path was split into nested mappings."""
    flag = "events.joins.add.actors.AAA.escalation=0.1"
    code, _, err, out = run(tmp_path, capsys, rivals(tmp_path), "--set", flag)
    assert (code, err) == (0, [])
    event = json.loads((out / "manifest.json").read_text())["model_input"]["events"]["joins"]
    assert event["add"] == {"actors.AAA.escalation": 0.1}
    code, _, err, _ = run(tmp_path, capsys, rivals(tmp_path), "--set",
                          "events.joins.add.actors.AAA.escalaton=0.1", out="typo")  # fmt: skip
    assert code == 2
    assert err == ["--set:1:1: events.joins.add.actors.AAA.escalaton: expected one of "
                   "escalation, leverage, active, found 'escalaton'"]  # fmt: skip


# -- the horizon ---------------------------------------------------------------------------


def test_an_actor_switched_on_only_after_the_run_is_not_shown(tmp_path, capsys):
    """Before: `run --steps 2` listed Gammaland (whose joining event is at step 3) with its
    frozen level: "CCC 0.90 … war" on the terminal, a CCC row in summary.csv, the manifest
    and the report, though it never took part."""
    code, text, _, out = run(tmp_path, capsys, rivals(tmp_path), "--steps", "2")
    assert code == 0
    assert "CCC" not in text and "AAA" in text
    assert json.loads((out / "manifest.json").read_text())["actors"] == ["AAA", "BBB"]
    assert not [c for c in pd.read_csv(out / "summary.csv").columns if c.endswith("_CCC")]
    code, text, _, out = run(tmp_path, capsys, rivals(tmp_path), "--steps", "4", out="o4")
    assert "CCC" in text  # control: it joins at step 3 of a 4-step run


def test_compare_says_which_events_cannot_fire_and_whose_steps_it_ignores(tmp_path, capsys):
    """Before: the second scenario's 24 steps were cut to the reference's 6 without a word,
    so its event at step 12 never fired, silently."""
    long = rivals(tmp_path, "run: {steps: 24}\nevents:\n  joins: {at: 12}\n", "long.yaml")
    code = main(["compare", str(rivals(tmp_path)), str(long), "-n", "2", "--no-plots", "-q",
                 "--out", str(tmp_path / "cmp")])  # fmt: skip
    assert code == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"{long}:5:15: events.joins.at: warning: never fires: step 12 is beyond the run "
        "(steps 0 to 5)",
        f"{long}:3:14: run.steps: note: this scenario's 24 steps are not used: compare runs "
        "every scenario for 6 steps (the first scenario's run.steps); give --steps to choose",
    ]
    code = main(["compare", str(rivals(tmp_path)), str(long), "-n", "2", "--steps", "13",
                 "--no-plots", "-q", "--out", str(tmp_path / "cmp13")])  # fmt: skip
    assert (code, capsys.readouterr().err) == (0, "")  # control: --steps given, it fires


def test_robustness_and_sweep_warn_of_events_beyond_their_steps(tmp_path, capsys):
    """Before: `robustness --steps 2` reported "final escalation, AAA zero 100.0%" (the only
    removed event never fired, so every effect was 0) and `sweep --param
    events.joins.at=2,9` ran the point at step 9 as if the event were there; neither said
    the event could not fire."""
    file = rivals(tmp_path)
    code = main(["robustness", str(file), "--steps", "2", "-n", "2", "--draws", "2", "-q",
                 "--out", str(tmp_path / "rob")])  # fmt: skip
    assert code == 0
    assert (f"{file}:33:9: events.joins.at: warning: never fires: step 3 is beyond the run "
            "(steps 0 to 1)") in capsys.readouterr().err.splitlines()  # fmt: skip
    code = main(["sweep", str(file), "--param", "events.joins.at=2,9", "-n", "2",
                 "--workers", "1", "--no-plots", "--no-analysis", "-q",
                 "--out", str(tmp_path / "sw")])  # fmt: skip
    assert code == 0
    err = capsys.readouterr().err.splitlines()
    assert ("--param events.joins.at=2,9: events.joins.at: warning: at 9 the event never "
            "fires: the run's steps are 0 to 5") in err  # fmt: skip
    assert not [line for line in err if "step 3" in line]  # the file's date is swept


# -- whose distancing ------------------------------------------------------------------------


def test_the_distancing_is_named_after_the_scenarios_own_actor(tmp_path, capsys):
    """Before: compare's table headed the column "CHN distancing", the effects chart
    labelled it "China's distancing from the pair", for a scenario without China."""
    file = rivals(tmp_path)
    assert main(["compare", str(file), str(file), "-n", "2", "--no-plots", "-q",
                 "--out", str(tmp_path / "cmp")]) == 0  # fmt: skip
    head = capsys.readouterr().out.splitlines()[1]
    assert "AAA distancing" in head and "CHN" not in head

    from sim.plots import charts_for
    from sim.results.folder import ResultsFolder

    _, _, _, out = run(tmp_path, capsys, file)
    fig = charts_for("run", ["effects"])[0].draw(ResultsFolder(out))
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0] == "Alphaland's distancing from Betaland"
    assert not any("China" in label for label in labels)


def test_sweep_shows_an_actor_whose_joining_date_is_swept_into_the_run(tmp_path, capsys):
    """Before (review of round 9): the file dates Gammaland's joining at step 8 of a 6-step
    run, the sweep moves it to 2 and 4, so it joins at every point; the actors shown were
    read from the file's date, and CCC's outcomes were left out of every chunk. The same
    for a date fixed with --set."""
    late = rivals(tmp_path, "events:\n  joins: {at: 8}\n", "late.yaml")
    cases = (
        ["--param", "events.joins.at=2,4"],
        ["--param", "parameters.noise=0.01,0.02", "--set", "events.joins.at=2"],
    )
    for flags in cases:
        out = tmp_path / f"sw{len(flags)}"
        code = main(["sweep", str(late), *flags, "-n", "2", "--workers", "1", "--no-plots",
                     "--no-analysis", "-q", "--out", str(out)])  # fmt: skip
        assert code == 0, capsys.readouterr().err
        (chunk,) = sorted((out / "chunks").glob("*.parquet"))
        assert "final_escalation_CCC" in pd.read_parquet(chunk).columns, flags
    never = tmp_path / "never"
    code = main(["sweep", str(late), "--param", "events.joins.at=7,9", "-n", "2", "--workers",
                 "1", "--no-plots", "--no-analysis", "-q", "--out", str(never)])  # fmt: skip
    assert code == 0
    (chunk,) = sorted((never / "chunks").glob("*.parquet"))
    assert "final_escalation_CCC" not in pd.read_parquet(chunk).columns  # control: never joins
