"""Reliability suite, round 20: the other commands on standalone scenarios of other shapes.

Round 19 drove generated standalone scenarios (no `extends`, 1 to 40 made-up actors, no
China, joiners) through `validate`, `run`, `plot` and `report`. This round drives them
through `compare`, `sweep`, `robustness`, `hindcast` and `calibrate`: each command refuses
in located lines or one line (exit 2, nothing written) or finishes with finite tables in
their ranges, the same on 1 and 2 workers. docs/reliability.md, section 25, lists what
was found and what held.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.value_ranges import effect_range, level_range
from tests.reliability_tools import ACTOR, one_line
from tests.test_reliability_round19 import standalone

SOURCE = '{publisher: P, title: T, date: "2024-08-01", url: "https://example.org/x"}'


def scenario(ids: list[str], extra: str = "") -> str:
    """A standalone scenario of `ids` (the first two in a pact, distancing of the first
    from the second), 6 monthly steps from 2024-06."""
    actors = "".join(f"  {a}: {ACTOR.format(name=a)}\n" for a in ids)
    return (
        f"name: ids\ntitle: Actors of other spellings\nactors:\n{actors}"
        f"relations:\n  {ids[0]}: {{{ids[1]}: {{commitment: 0.5, trade: 0.4}}}}\n"
        f"treaties:\n  pact: {{members: [{ids[0]}, {ids[1]}], obligation: automatic}}\n"
        f"run: {{steps: 6, replications: 3, distancing: {{actor: {ids[0]}, "
        f"partners: [{ids[1]}]}}}}\n{extra}"
    )


def observations(a: str, b: str) -> str:
    """A launch count of `a`, a summit and two trade values of the pair (the second is
    scored against the first), all inside the window of `scenario`."""
    rows = [
        f"- {{id: launches, kind: missile_launches, actor: {a}, period: '2024-07', value: 2, "
        f"unit: launch events, reliability: solid, source: {SOURCE}}}",
        f"- {{id: summit, kind: summit, pair: [{a}, {b}], period: '2024-06/2024-09', "
        f"value: 1, unit: summits, reliability: estimate, source: {SOURCE}}}",
        f"- {{id: trade-a, kind: trade_value, pair: [{a}, {b}], period: '2024-06', "
        f"value: 100, unit: USD bn, reliability: solid, source: {SOURCE}}}",
        f"- {{id: trade-b, kind: trade_value, pair: [{b}, {a}], period: '2024-09', "
        f"value: 120, unit: USD bn, reliability: solid, source: {SOURCE}}}",
    ]
    return "observations:\n" + "".join(f"  {row}\n" for row in rows)


# --------------------------------------------------------------------------- 1. actor ids
def test_observations_about_actors_of_other_spellings_are_read_and_scored(tmp_path, capsys):
    """A scenario's actor ids are 2–12 capitals, digits or `_` (`A1`, `EU_27`); an
    observation file took three capitals only, so no observation about a standalone
    scenario's `EU_27` could be written: `validate` said "expected an actor id of three
    capital letters like PRK, found 'A1'" and, for a pair, "found a list"."""
    (tmp_path / "ids.yaml").write_text(scenario(["A1", "EU_27", "ABCDEFGHIJ_2"]))
    obs = tmp_path / "obs.yaml"
    obs.write_text(observations("A1", "EU_27"))
    assert main(["validate", str(obs)]) == 0, capsys.readouterr().err
    out = tmp_path / "hindcast"
    argv = ["hindcast", str(obs), str(tmp_path / "ids.yaml"), "-n", "4", "-q", "--no-plots"]
    assert main([*argv, "--out", str(out)]) == 0, capsys.readouterr().err
    table = pd.read_csv(out / "hindcast.csv")
    assert set(table["actors"]) == {"A1", "A1-EU_27", "EU_27-A1"}
    assert table["scored"].sum() == 3  # the first trade value is the anchor, not scored
    assert np.isfinite(table.loc[table["scored"], "crps"]).all()


def test_a_pair_with_a_member_that_is_no_actor_id_names_that_member(tmp_path, capsys):
    """The pair [a1, EU_27] said "expected two different actor ids like [CHN, PRK], found a
    list": it is a list of two, what is wrong is `a1`."""
    obs = tmp_path / "obs.yaml"
    obs.write_text(observations("a1", "EU_27").replace("- {id: launches", "- {id: l", 1))
    assert main(["validate", str(obs)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    pair = [line for line in lines if ".pair: " in line]
    assert len(pair) == 3 and all(line.endswith(", found 'a1'") for line in pair), lines
    assert all(re.match(rf"^{re.escape(str(obs))}:\d+:\d+: observations\.\d\.", x) for x in lines)


def test_an_observation_about_two_actors_the_scenario_lacks_says_actors(tmp_path, capsys):
    """A summit of CHN and PRK scored against a standalone scenario said "is about CHN,
    PRK, an actor the scenario … does not have": two actors, one article."""
    path = tmp_path / "ids.yaml"
    path.write_text(scenario(["AAA", "BBB"]))
    obs = tmp_path / "obs.yaml"
    rows = observations("CHN", "PRK").splitlines()
    obs.write_text("\n".join([rows[0], *rows[2:]]) + "\n")  # no launch count of CHN alone
    argv = ["hindcast", str(obs), str(path), "-n", "2", "-q", "--out", str(tmp_path / "h")]
    assert main(argv) == 2
    line = one_line(capsys)
    assert f"is about CHN, PRK, actors the scenario {path} does not have (it has AAA, BBB)" in line
    assert not (tmp_path / "h").exists()


CALIBRATION = """name: ids
scenarios: [ids.yaml]
observations: [obs.yaml]
coefficients:
  reactivity: {{prior: uniform, lo: 0.03, hi: 0.09}}
  {given}
operator_coefficients:
  launch_log_rate: {{prior: normal, mean: -1, sd: 1}}
method: rejection
population: 4
accept: 0.5
replications: 1
predictive_replications: 4
seed: 3
"""
GIVEN = (
    "drive_EU_27: {prior: normal, mean: 0, sd: 0.02}\n"
    "  pref_A1_EU_27: {prior: normal, mean: 0, sd: 0.1}\n"
    "  start_A1: {prior: normal, mean: 0, sd: 0.05}"
)


def test_given_terms_of_actors_of_other_spellings_are_calibrated_and_applied(tmp_path, capsys):
    """`drive_A`, `pref_A_B` and `start_A` took three capitals per actor: `drive_EU_27`
    was "expected a coefficient of sim.parameters.PARAMETERS or drive_A, pref_A_B, start_A,
    found 'drive_EU_27'". Now a standalone scenario's actors carry them: `calibrate` fits
    them and `hindcast --posterior` applies them."""
    (tmp_path / "ids.yaml").write_text(scenario(["A1", "EU_27", "CCC"]))
    (tmp_path / "obs.yaml").write_text(observations("A1", "EU_27"))
    spec = tmp_path / "cal.yaml"
    spec.write_text(CALIBRATION.format(given=GIVEN))
    assert main(["validate", str(spec)]) == 0, capsys.readouterr().err
    out = tmp_path / "cal"
    assert main(["calibrate", str(spec), "--out", str(out), "-q", "--no-plots"]) == 0
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert {"drive_EU_27", "pref_A1_EU_27", "start_A1"} <= set(posterior.columns)
    argv = ["hindcast", str(tmp_path / "obs.yaml"), str(tmp_path / "ids.yaml"), "-n", "4",
            "-q", "--no-plots", "--posterior", str(out / "posterior.parquet")]  # fmt: skip
    assert main([*argv, "--out", str(tmp_path / "h")]) == 0, capsys.readouterr().err


def test_a_preference_that_reads_two_ways_is_refused_in_one_located_line(tmp_path, capsys):
    """With actors AB, AB_CD, CD_EF and EF, `pref_AB_CD_EF` is AB_CD with EF or AB with
    CD_EF: refused at its key, naming both readings, not guessed."""
    (tmp_path / "ids.yaml").write_text(scenario(["AB", "AB_CD", "CD_EF", "EF"]))
    (tmp_path / "obs.yaml").write_text(observations("AB", "EF"))
    spec = tmp_path / "cal.yaml"
    spec.write_text(CALIBRATION.format(given="pref_AB_CD_EF: {prior: normal, mean: 0, sd: 0.1}"))
    assert main(["validate", str(spec)]) == 2
    assert one_line(capsys) == (
        f"{spec}:6:3: coefficients.pref_AB_CD_EF: coefficient pref_AB_CD_EF can be read as "
        f"AB with CD_EF or AB_CD with EF: rename an actor in {tmp_path / 'ids.yaml'}"
    )


def test_the_readings_of_given_terms():
    """Unit and control: one reading for drive_ and start_ (an id may hold `_`); pref_
    split where both sides are ids, the scenario's actors choosing; three capitals as
    before."""
    from sim.structural import parse, readings

    assert parse("drive_PRK") == ("drive", ("PRK",))
    assert parse("pref_CHN_PRK") == ("pref", ("CHN", "PRK"))
    assert parse("start_EU_27") == ("start", ("EU_27",))
    assert readings("pref_EU_27_A1") == [("pref", ("EU_27", "A1"))]  # "27_A1" is no id
    assert parse("pref_AB_CD_EF", {"AB", "CD_EF"}) == ("pref", ("AB", "CD_EF"))
    assert parse("pref_AB_CD_EF", {"AB_CD", "EF"}) == ("pref", ("AB_CD", "EF"))
    assert parse("drive_P") is None and parse("reactivity") is None


# --------------------------------------------------------------------------- 2. events-only
SETS_REACTIVITY = (
    "events:\n  calm: {label: calm, at: 0, set: {parameters.reactivity: 0.1}}\n"
    "  noisy: {label: noisy, at: 2, add: {parameters.noise: 0.05}}\n"
)


def test_hindcast_of_a_scenario_whose_event_sets_a_coefficient_at_step_0(tmp_path, capsys):
    """`hindcast` scores an events-only null: the scenario loaded again with reactivity,
    noise, fatigue and others at 0 (`EVENTS_ONLY`), as overrides. A scenario whose event
    sets `parameters.reactivity` at step 0 shadows that start value, and the hindcast was
    refused, after the model's ensemble had run, with "--set:1:1: parameters.reactivity:
    event 'calm' (calm) sets this value to 0.1 at step 0, …": a --set nobody wrote."""
    path = tmp_path / "ids.yaml"
    path.write_text(scenario(["AAA", "BBB"], SETS_REACTIVITY))
    obs = tmp_path / "obs.yaml"
    obs.write_text(observations("AAA", "BBB"))
    out = tmp_path / "hindcast"
    argv = ["hindcast", str(obs), str(path), "-n", "4", "-q", "--no-plots", "--out", str(out)]
    assert main(argv) == 0, capsys.readouterr().err
    table = pd.read_csv(out / "hindcast.csv")
    assert np.isfinite(table.loc[table["scored"], "crps_events_only"]).all()


def test_the_events_only_overrides_zero_the_events_effects_too():
    """Unit and control: the null zeroes the coefficient where the event sets it (the start
    value it shadows is left alone) and where an event adds to it later (that would turn
    noise back on); a scenario whose events touch none of them (the 2016 history) gets
    EVENTS_ONLY itself, so its hindcast is unchanged."""
    import sim
    from sim.observe.nulls import EVENTS_ONLY, events_only

    loaded = sim.load(Path(__file__).parents[1] / "scenarios" / "history" / "base_2016.yaml")
    assert events_only(loaded) == EVENTS_ONLY
    doc = yaml.safe_load(scenario(["AAA", "BBB"], SETS_REACTIVITY))
    got = events_only(doc)
    assert got["events.calm.set.parameters.reactivity"] == 0.0
    assert got["events.noisy.add.parameters.noise"] == 0.0
    assert "parameters.reactivity" not in got and got["parameters.noise"] == 0.0
    assert set(got) - {"events.calm.set.parameters.reactivity",
                       "events.noisy.add.parameters.noise"} == set(EVENTS_ONLY) - {
        "parameters.reactivity"}  # fmt: skip


# --------------------------------------------------------------------------- 3. --set null
BUMP = "events:\n  bump: {label: bump, at: 1, add: {actors.AAA.escalation: 0.1}}\n"


def refused(tmp_path: Path, capsys, command: str, text: str, sets: str) -> str:
    """`run` or `sweep` (of reactivity at 2 levels) of the scenario `text` with `--set sets`:
    exit 2, nothing written; returns the one line it said."""
    path = tmp_path / "s.yaml"
    path.write_text(text)
    out = tmp_path / command
    axis = ["--param", "parameters.reactivity=0.02:0.1:2"] if command == "sweep" else []
    assert main([command, str(path), *axis, "--set", sets, "--out", str(out), "-q"]) == 2
    line = one_line(capsys)
    assert not out.exists()
    return line


@pytest.mark.parametrize(
    ("key", "what"),
    [
        ("events.bump", "an event: delete it in the file, or list it in "
                        "counterfactual.remove_events to run the world without it"),
        ("actors.CCC", "an actor: delete it in the file, or set actors.CCC.active=false to "
                       "run without it"),
        ("treaties.pact", "a treaty: delete it in the file"),
        ("relations.AAA.BBB", "a relation: delete it in the file"),
    ],
)  # fmt: skip
def test_set_null_on_an_entry_says_that_set_cannot_remove_it(tmp_path, capsys, key, what):
    """`--set events.ID=null` said "events.ID: expected a mapping, found nothing (null)",
    which reads as a typo; the intent (run without the event) is not what --set does.
    Now one line says so, and how to do it (round 19, Left alone)."""
    line = refused(tmp_path, capsys, "run", scenario(["AAA", "BBB", "CCC"], BUMP), f"{key}=null")
    assert line == f"--set:1:1: {key}: --set cannot remove {what}"


def test_a_sweep_set_null_on_an_event_says_so_and_writes_null(tmp_path, capsys):
    """A sweep's `--set` goes its own way (fixed values of the spec): the same sentence,
    and the value as written (`=null`, it said `=None`)."""
    text = scenario(["AAA", "BBB", "CCC"], BUMP)
    assert refused(tmp_path, capsys, "sweep", text, "events.bump=null") == (
        "alliance-sim sweep: error: --set events.bump=null: --set cannot remove an event: "
        "delete it in the file, or list it in counterfactual.remove_events to run the world "
        "without it"
    )


def test_set_null_on_a_key_of_an_event_still_removes_the_key(tmp_path, capsys):
    """Control: null removes a key of an entry, as documented (the event then has no
    trigger, said against --set), and removes an optional section (the counterfactual)."""
    path = tmp_path / "s.yaml"
    extra = (
        "events:\n  bump: {label: bump, at: 1, add: {actors.AAA.escalation: 0.1}}\n"
        "counterfactual: {label: no bump, remove_events: [bump]}\n"
    )
    path.write_text(scenario(["AAA", "BBB", "CCC"], extra))
    argv = ["run", str(path), "-q", "--no-plots", "--out"]
    assert main([*argv, str(tmp_path / "a"), "--set", "events.bump.at=null"]) == 2
    assert one_line(capsys).endswith("null removes the key")
    assert main([*argv, str(tmp_path / "b"), "--set", "counterfactual=null"]) == 0
    assert not (tmp_path / "b" / "effects.csv").exists()


# --------------------------------------------------------------------------- 4. generated
LOCATED = re.compile(r"^\S+:\d+:\d+: \S+: \S.*$")


def assert_refused(err: str, out: Path) -> None:
    """Located lines, or one `alliance-sim CMD: error:` line; no traceback; nothing left."""
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert lines, "refused without a line"
    one = len(lines) == 1 and re.match(r"^alliance-sim \w+: error: \S", lines[0])
    assert one or all(LOCATED.match(line) for line in lines), err
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]


def every_table(folder: Path) -> dict[str, pd.DataFrame]:
    """Every table of any command's results folder but its charts, by relative path (the
    run-folder `generated_tools.tables` knows a run's files only)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if "charts" not in p.parts and p.suffix in (".parquet", ".csv"):
            out[str(p.relative_to(folder))] = (pd.read_parquet if p.suffix == ".parquet"
                                               else pd.read_csv)(p)  # fmt: skip
    return out


def assert_in_range(folder: Path) -> None:
    """Every column named after a bounded quantity finite and inside its range."""
    for name, table in every_table(folder).items():
        for column in map(str, table.columns):
            lo, hi = (
                effect_range(column[7:]) if column.startswith("effect_") else level_range(column)
            )
            values = table[column]
            if np.isfinite(lo) and pd.api.types.is_numeric_dtype(values) and len(values):
                v = values.to_numpy(float)
                assert not np.isinf(v).any(), (name, column)
                assert np.nanmin(v) >= lo and np.nanmax(v) <= hi, (name, column)


@st.composite
def with_sections(draw: st.DrawFn) -> dict[str, Any]:
    """A standalone scenario (round 19's generator) with, sometimes, a counterfactual that
    removes some of its events and a `sweep:` block of one or two parameters."""
    doc = draw(standalone(max_actors=5, max_steps=6))
    events = list(doc.get("events") or {})
    if events and draw(st.booleans()):
        removed = draw(st.lists(st.sampled_from(events), min_size=1, unique=True))
        doc["counterfactual"] = {"label": "without some events", "remove_events": removed}
    if draw(st.booleans()):
        names = draw(st.lists(st.sampled_from(["reactivity", "fatigue", "restraint", "noise"]),
                              min_size=1, max_size=2, unique=True))  # fmt: skip
        doc["sweep"] = {"parameters": {f"parameters.{p}": {"low": 0.0, "high": 0.1}
                                       for p in names}, "replications": 2}  # fmt: skip
    return doc


def on_two_worker_counts(argv: list[str], folder: Path, name: str, capsys) -> Path | None:
    """`argv` on 1 and on 2 workers: both refused alike (None) or both finished with the
    same tables, in range (the 1-worker folder)."""
    outs, codes, errs = [folder / f"{name}1", folder / f"{name}2"], [], []
    for workers, out in zip(("1", "2"), outs, strict=True):
        codes.append(main([*argv, "--out", str(out), "--workers", workers]))
        errs.append(capsys.readouterr().err.replace(str(out), "OUT"))
    assert codes[0] == codes[1], errs
    if codes[0] != 0:
        assert codes[0] == 2 and errs[0] == errs[1]
        for out, err in zip(outs, errs, strict=True):
            assert_refused(err, out)
        return None
    a, b = every_table(outs[0]), every_table(outs[1])
    assert a.keys() == b.keys() and a
    for key in a:
        pd.testing.assert_frame_equal(a[key], b[key], check_exact=True, obj=key)
    assert_in_range(outs[0])
    return outs[0]


FEW = settings(max_examples=3, deadline=None, database=None,
               suppress_health_check=list(HealthCheck))  # fmt: skip


@given(doc=with_sections())
@FEW
def test_the_other_commands_refuse_in_one_line_or_agree_on_one_and_two_workers(
    tmp_path_factory, capsys, doc
):
    """A generated standalone scenario through `compare` (against a variant), `sweep`,
    `robustness` and `hindcast` (observations about its first two actors): each refuses in
    located lines or one line with nothing written, or finishes with finite tables in
    their ranges, the same on 1 and 2 workers."""
    folder = tmp_path_factory.mktemp("other")
    path = folder / "shape.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    if main(["validate", str(path)]) != 0:
        capsys.readouterr()
        for argv in (["compare", str(path), str(path)], ["sweep", str(path), "-n", "1"],
                     ["robustness", str(path), "--draws", "2", "-n", "1"]):  # fmt: skip
            out = folder / argv[0]
            assert main([*argv, "--out", str(out), "-q", "--no-plots"]) == 2
            assert_refused(capsys.readouterr().err, out)
        return
    variant = dict(doc, name="variant", parameters={**doc["parameters"], "noise": 0.05})
    (folder / "variant.yaml").write_text(yaml.safe_dump(variant, sort_keys=False))
    quiet = ["-q", "--no-plots"]
    compared = on_two_worker_counts(["compare", str(path), str(folder / "variant.yaml"), "-n",
                                     "2", *quiet], folder, "compare", capsys)  # fmt: skip
    assert compared is not None  # a valid scenario compares with its variant
    sweep = ["sweep", str(path), "--chunk-size", "2", *quiet]
    if "sweep" not in doc:
        sweep += ["--param", "parameters.fatigue=0.1:0.5:2", "-n", "2"]
    on_two_worker_counts(sweep, folder, "sweep", capsys)
    robust = on_two_worker_counts(["robustness", str(path), "--draws", "3", "-n", "2", *quiet],
                                  folder, "robustness", capsys)  # fmt: skip
    assert (robust is None) == ("counterfactual" not in doc)
    ids = list(doc["actors"])
    obs = folder / "obs.yaml"
    start = doc["run"]["start"]
    obs.write_text(observations(ids[0], ids[1]).replace("2024-06", start).replace(
        "'2024-07'", f"'{start}'").replace("2024-09", start))  # fmt: skip
    assert main(["validate", str(obs)]) == 0, capsys.readouterr().err
    hindcast = ["hindcast", str(obs), str(path), "-n", "3", *quiet]
    done = on_two_worker_counts(hindcast, folder, "hindcast", capsys)
    assert (done is None) == (doc["run"]["step_unit"] != "month")
