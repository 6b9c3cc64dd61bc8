"""Reliability suite, round 21: `analyze` on its own, the dashboard's entry points, and
round 20's leftovers.

Round 20 left three things (docs/reliability.md, section 25, "Left alone"): `--set` null on
a whole section, the benchmarks' events-only fits that still took the plain EVENTS_ONLY,
and the two wordings of a missing condition bound. This round fixes them and drives
`alliance-sim analyze` on finished, interrupted and hand-edited sweep folders and the
dashboard's Python entry points on standalone scenarios. docs/reliability.md, section 26,
lists what was found and what held.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from tests.reliability_tools import one_line
from tests.test_reliability_round20 import (
    BUMP as AAA_BUMP,
)
from tests.test_reliability_round20 import (
    SETS_REACTIVITY,
    observations,
    refused,
    scenario,
)

REPO = Path(__file__).resolve().parents[1]
HISTORY = REPO / "scenarios" / "history" / "base_2016.yaml"


# --------------------------------------------------------------------------- 1. --set null
@pytest.mark.parametrize(
    ("key", "what"),
    [
        ("events", "the events: delete them in the file, or list them in "
                   "counterfactual.remove_events to run the world without them"),
        ("parameters", "the parameters section: it sets one value at a time, as in --set "
                       "parameters.NAME=VALUE"),
        ("actors", "the actors: a scenario needs at least 2; set actors.ID.active=false to "
                   "run without one"),
        ("run", "the run section: it sets one value at a time, as in --set run.steps=12"),
    ],
)  # fmt: skip
def test_set_null_on_a_whole_section_says_what_set_can_do(tmp_path, capsys, key, what):
    """`--set events=null` (or `parameters=null`) said "events: expected a mapping, found
    nothing (null)", which reads as a typo in the file; round 20 worded the entry-level
    case (`events.ID=null`) and left the section (section 25, Left alone)."""
    text = scenario(["AAA", "BBB", "CCC"], AAA_BUMP)
    line = refused(tmp_path, capsys, "run", text, f"{key}=null")
    assert line == f"--set:1:1: {key}: --set cannot remove {what}"


def test_a_sweep_set_null_on_a_section_says_the_same(tmp_path, capsys):
    """A sweep's `--set` goes through sim/jobs/sweep/spec.py: the same sentence."""
    assert refused(tmp_path, capsys, "sweep", scenario(["AAA", "BBB"]), "parameters=null") == (
        "alliance-sim sweep: error: --set parameters=null: --set cannot remove the parameters "
        "section: it sets one value at a time, as in --set parameters.NAME=VALUE"
    )


def test_set_null_on_an_optional_section_or_a_coefficient_still_works(tmp_path, capsys):
    """Control: null on an optional section (the sweep block) removes it, and null on one
    coefficient returns it to its default: the run finishes."""
    path = tmp_path / "s.yaml"
    extra = "parameters: {reactivity: 0.2}\nsweep: {design: grid}\n"
    path.write_text(scenario(["AAA", "BBB"], extra))
    argv = ["run", str(path), "-q", "--no-plots", "--set", "sweep=null", "--set",
            "parameters.reactivity=null", "--out", str(tmp_path / "run")]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    assert (tmp_path / "run" / "manifest.json").exists()


# --------------------------------------------------------------------------- 2. events-only
CALIBRATION = """name: ids
scenarios: [ids.yaml]
observations: [obs.yaml]
coefficients:
  reactivity: {prior: uniform, lo: 0.03, hi: 0.09}
operator_coefficients:
  launch_log_rate: {prior: normal, mean: -1, sd: 1}
method: rejection
population: 4
accept: 0.5
replications: 1
predictive_replications: 4
seed: 3
"""
LATER_LAUNCH = (
    "  - {id: launches-b, kind: missile_launches, actor: AAA, period: '2024-09', value: 3, "
    "unit: launch events, reliability: solid, source: {publisher: P, title: T, date: "
    '"2024-08-01", url: "https://example.org/x"}}\n'
)


def events_only_case(tmp_path: Path) -> Path:
    """A spec on a scenario whose event sets `parameters.reactivity` at step 0 (and adds
    noise at step 2), with two launch counts so the later one has a series to forecast."""
    (tmp_path / "ids.yaml").write_text(scenario(["AAA", "BBB"], SETS_REACTIVITY))
    (tmp_path / "obs.yaml").write_text(observations("AAA", "BBB") + LATER_LAUNCH)
    (tmp_path / "cal.yaml").write_text(CALIBRATION)
    return tmp_path / "cal.yaml"


def test_the_benchmarks_events_only_fits_take_the_scenarios_own_null(tmp_path):
    """`rolling.in_sample` (and `rolling_forecasts`, `holdout_forecasts`, `gain_profile`,
    which fit and draw the events-only world the same way) loaded the spec's scenario with
    the plain EVENTS_ONLY overrides: a scenario whose event sets `parameters.reactivity` at
    step 0 was refused with "--set:1:1: parameters.reactivity: event 'calm' (calm) sets this
    value to 0.1 at step 0, …", a --set nobody wrote (round 20 fixed `hindcast` alone)."""
    from sim.observe.rolling import in_sample
    from sim.observe.spec import load_spec

    rows, _, _ = in_sample(load_spec(events_only_case(tmp_path)))
    only = rows[rows["forecaster"] == "events_only"]
    assert set(only["id"]) == {"trade-b", "launches-b"} and np.isfinite(only["crps"]).all()


def test_the_holdouts_events_only_fit_and_predictive_with_more_steps(tmp_path):
    """holdout.py's calls (gain.py's are the first): the events-only fit, then its
    predictive with the held-out extension's `run.steps` on top, on the same scenario."""
    from sim.observe.nulls import events_only_of
    from sim.observe.rolling import events_only_spec, fit, observations_of, predictive_draws
    from sim.observe.spec import load_spec

    spec = load_spec(events_only_case(tmp_path))
    null_spec = events_only_spec(spec)
    post, _ = fit(null_spec, lambda o: True, 1, events_only_of())
    obs = observations_of(spec)
    target = [o for o in obs if o.id == "launches-b"]
    draws = predictive_draws(null_spec, post, target, obs, 1, 0, events_only_of({"run.steps": 8}))
    assert draws["launches-b"].size > 0 and np.isfinite(draws["launches-b"]).all()


def test_the_historys_events_only_overrides_are_unchanged():
    """Control: for the shipped history (whose events touch none of the coefficients) the
    overrides the fits now load are exactly the EVENTS_ONLY (plus a held-out extension's
    steps) they loaded before, so the benchmarks' numbers do not move."""
    from sim.observe.nulls import EVENTS_ONLY, events_only_of, scenario_with
    from sim.scenario.loader import load_scenario

    assert scenario_with(HISTORY, events_only_of()).overrides == EVENTS_ONLY
    steps = {"run.steps": 120}
    got = scenario_with(HISTORY, events_only_of(steps))
    assert got.overrides == {**EVENTS_ONLY, **steps}
    assert got.scenario == load_scenario(HISTORY, {**EVENTS_ONLY, **steps}).scenario
    assert scenario_with(HISTORY, steps).overrides == steps  # a plain dict as before


# --------------------------------------------------------------------------- 3. condition bound
CONDITIONAL = (
    "events:\n  e: {label: e, when: {metric: escalation, actor: AAA, above: 0.3}, "
    "add: {actors.BBB.escalation: 0.1}}\n"
)


def test_a_second_condition_bound_is_refused_in_the_loaders_words_by_apply_too(tmp_path, capsys):
    """`--set events.e.when.below=0.2` on a condition with `above`: the loader said
    "FILE:7:23: events.e.when: give exactly one of 'above' or 'below'" (the file's line
    blamed for the override), `apply` (a sweep's design points, sim.scenario.overrides)
    "event 'e' has no condition bound 'below'" (section 16.5, noticed). Now both say the
    loader's words, at the override's key path."""
    from sim.scenario.loader import load_scenario
    from sim.scenario.overrides import InvalidValue, apply

    path = tmp_path / "s.yaml"
    path.write_text(scenario(["AAA", "BBB"], CONDITIONAL))
    out = tmp_path / "run"
    argv = ["run", str(path), "-q", "--set", "events.e.when.below=0.2", "--out", str(out)]
    assert main(argv) == 2
    words = "events.e.when.below: give exactly one of 'above' or 'below'"
    assert one_line(capsys) == f"--set:1:1: {words}"
    assert not out.exists()
    with pytest.raises(InvalidValue) as caught:
        apply(load_scenario(path).model_input, {"events.e.when.below": 0.2})
    assert str(caught.value) == words


def test_a_bound_the_condition_has_still_moves_and_a_bad_file_is_still_its_own(tmp_path, capsys):
    """Controls: the bound the condition has moves (`--set` and `apply`); a condition the
    file writes with both bounds is still located at the file's line."""
    from sim.scenario.loader import load_scenario
    from sim.scenario.overrides import apply

    path = tmp_path / "s.yaml"
    path.write_text(scenario(["AAA", "BBB"], CONDITIONAL))
    loaded = load_scenario(path, {"events.e.when.above": 0.4})
    assert loaded.scenario.events["e"].when.above == 0.4
    moved = apply(load_scenario(path).model_input, {"events.e.when.above": 0.4})
    assert moved.events["e"]["when"]["above"] == 0.4
    both = tmp_path / "both.yaml"
    both.write_text(
        scenario(["AAA", "BBB"], CONDITIONAL.replace("above: 0.3", "above: 0.3, below: 0.1"))
    )
    out = tmp_path / "run"
    argv = ["run", str(both), "-q", "--set", "events.e.when.above=0.4", "--out", str(out)]
    assert main(argv) == 2
    line = one_line(capsys)
    assert line.startswith(f"{both}:") and line.endswith(
        "events.e.when: give exactly one of 'above' or 'below'"
    )


# --------------------------------------------------------------------------- 4. no events
def test_a_sweep_of_a_scenario_without_events_runs(tmp_path, capsys):
    """The simplest standalone scenario has no `events:` section. The sweep's check of an
    axis an event shadows (sim/scenario/shadow.py) read such a scenario mapping as its own
    events, so `sweep --param parameters.reactivity=…` (or `--set parameters.noise=…`)
    ended in an AttributeError traceback: 'str' object has no attribute 'get'."""
    path = tmp_path / "s.yaml"
    path.write_text(scenario(["AAA", "BBB"]))
    out = tmp_path / "sweep"
    argv = ["sweep", str(path), "--param", "parameters.reactivity=0.01:0.2:2", "--set",
            "parameters.noise=0.02", "-n", "1", "--steps", "3", "--workers", "1", "-q",
            "--no-plots", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    assert (out / "analysis" / "by_point.parquet").exists()


def test_the_events_a_shadow_check_reads_from_a_scenario_mapping():
    """Unit and controls: a raw scenario without events has none (it was read as its own
    events); with events, those; an events mapping given alone is read as it is."""
    import yaml

    from sim.scenario.shadow import events_of, touching

    bare = yaml.safe_load(scenario(["AAA", "BBB"]))
    assert events_of(bare) == {} and touching(bare, "parameters.reactivity") == []
    with_events = yaml.safe_load(scenario(["AAA", "BBB"], SETS_REACTIVITY))
    assert set(events_of(with_events)) == {"calm", "noisy"}
    assert [t.lever for t in touching(with_events["events"], "parameters.reactivity")] == [
        "events.calm.set.parameters.reactivity"
    ]


# --------------------------------------------------------------------------- 5. analyze
AXES = ["--param", "parameters.reactivity=0.01:0.2", "--param", "actors.AAA.escalation=0.1:0.6"]


BUMP = "events:\n  bump: {label: bump, at: 1, add: {actors.BBB.escalation: 0.1}}\n"


def sweep(tmp_path: Path, name: str, *args: str) -> Path:
    """A finished sweep of a two-actor standalone scenario with an event (without one the
    sweep itself failed before this round, section 4), 1 replication, 3 steps."""
    path = tmp_path / "s.yaml"
    if not path.exists():
        path.write_text(scenario(["AAA", "BBB"], BUMP))
    out = tmp_path / name
    argv = ["sweep", str(path), *args, "-n", "1", "--steps", "3", "--workers", "1", "-q",
            "--no-plots", "--no-analysis", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    return out


@pytest.mark.parametrize("samples", [12, 20])
def test_an_lhs_sweep_too_small_for_rbd_fast_gets_a_note_not_indices(tmp_path, capsys, samples):
    """RBD-FAST (an LHS sweep's indices) sums M = 10 harmonics and removes a bias of 2M/N:
    `sweep --design lhs --samples 20` ended, after the sweep, in a ZeroDivisionError
    traceback from SALib (1 − 2M/N = 0), and 12 points wrote rbd_fast.csv with every S1
    1.0 and every interval 0 (docs said 2D + 2 = 6 points were enough)."""
    out = sweep(tmp_path, "lhs", "--design", "lhs", "--samples", str(samples), *AXES)
    capsys.readouterr()
    assert main(["analyze", str(out), "--no-plots"]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"note: lhs design of {samples} points: RBD-FAST indices need at least 44" in err
    assert not (out / "analysis" / "rbd_fast.csv").exists()
    assert (out / "analysis" / "by_point.parquet").exists()


def test_an_lhs_sweep_of_44_points_gets_rbd_fast_indices(tmp_path, capsys):
    """Control: at 44 points the indices are written, finite and not all 1."""
    import pandas as pd

    out = sweep(tmp_path, "lhs", "--design", "lhs", "--samples", "44", *AXES)
    assert main(["analyze", str(out), "--no-plots"]) == 0, capsys.readouterr().err
    table = pd.read_csv(out / "analysis" / "rbd_fast.csv")
    assert len(table) and np.isfinite(table["S1"]).all() and not (table["S1"] == 1.0).all()


def edit_manifest(folder: Path, **changes) -> None:
    import json

    manifest = json.loads((folder / "manifest.json").read_text())
    manifest.update(changes)
    (folder / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("design", "before"),
    [("sobol", "SALib's RuntimeError traceback"), ("lhs", "RBD-FAST of NaN"),
     ("morris", "'the tables do not match the manifest (TypeError: int() …)'")],
)  # fmt: skip
def test_a_sweep_whose_manifest_design_was_changed_is_refused_in_one_line(
    tmp_path, capsys, design, before
):
    """A grid's manifest edited to another design reached SALib with 6 points: `sobol` a
    traceback, `lhs` indices of NaN, `morris` a TypeError in a line. The design's own
    number of points tells them apart (sweep_checks.design_size)."""
    out = sweep(tmp_path, "grid", "--param", "parameters.reactivity=0.01:0.2:3", "--param",
                "actors.AAA.escalation=0.1:0.6:2")  # fmt: skip
    edit_manifest(out, design=design)
    capsys.readouterr()
    assert main(["analyze", str(out), "--no-plots"]) == 2, before
    line = one_line(capsys)
    assert line.startswith(f"alliance-sim analyze: error: {out / 'manifest.json'}: n_points: 6, "
                           f"but a {design} design of 2 parameter(s)")  # fmt: skip
    assert line.endswith("the manifest was edited (run the sweep again)")
    assert not (out / "analysis").exists()


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        ({"levels": 0}, "manifest.json: levels: expected a whole number of at least 2, found 0"),
        ({"replications": 2}, "manifest.json: n_runs: 12, but 12 design points × 2 "
                              "replication(s) make 24; the manifest was edited"),
    ],
)  # fmt: skip
def test_an_edited_morris_manifest_is_refused_in_one_line(tmp_path, capsys, edit, words):
    """`levels: 0` wrote Morris indices of NaN (exit 0); `replications: 2` on a sweep of
    one was analysed as if PRIM's cases were replications 0 and 1 (exit 0)."""
    out = sweep(tmp_path, "morris", "--design", "morris", "--samples", "4", *AXES)
    edit_manifest(out, **edit)
    capsys.readouterr()
    assert main(["analyze", str(out), "--no-plots"]) == 2
    assert one_line(capsys) == f"alliance-sim analyze: error: {out / words}"
    assert not (out / "analysis").exists()


def test_a_morris_sweep_with_a_design_matrix_cut_or_deleted_is_refused(tmp_path, capsys):
    """design.parquet one row short: "the tables do not match the manifest (ValueError:
    cannot reshape …)"; deleted: exit 0 with the note "morris design: no variance-based
    indices (use --design sobol or morris)", for a morris design."""
    import pandas as pd

    out = sweep(tmp_path, "morris", "--design", "morris", "--samples", "4", *AXES)
    design = out / "design.parquet"
    kept = design.read_bytes()
    pd.read_parquet(design).iloc[:-1].to_parquet(design)
    capsys.readouterr()
    assert main(["analyze", str(out), "--no-plots"]) == 2
    assert one_line(capsys) == (
        f"alliance-sim analyze: error: {design}: 11 row(s), the manifest says 12 design points"
    )
    design.unlink()
    assert main(["analyze", str(out), "--no-plots"]) == 2
    assert one_line(capsys) == (
        f"alliance-sim analyze: error: {design}: missing (the morris indices are computed "
        "from its design matrix)"
    )
    design.write_bytes(kept)  # control: the folder as written is analysed
    assert main(["analyze", str(out), "--no-plots"]) == 0
    assert (out / "analysis" / "morris.csv").exists()


def test_analyze_of_an_interrupted_sweeps_out_names_its_unfinished_folder(
    tmp_path, capsys, monkeypatch
):
    """`sweep --out X` stopped after a chunk keeps the chunks in `.X.partial-open`;
    `analyze X` said "X: no such folder", and `analyze` of the folder above it "not a sweep
    results folder (no manifest.json)"."""
    import sim.jobs.sweep.store as store

    real, calls = store.write_chunk, []

    def write_chunk(*args, **kwargs):
        real(*args, **kwargs)
        calls.append(1)
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "write_chunk", write_chunk)
    (tmp_path / "runs").mkdir()
    (tmp_path / "s.yaml").write_text(scenario(["AAA", "BBB"], BUMP))
    out = tmp_path / "runs" / "X"
    argv = ["sweep", str(tmp_path / "s.yaml"), "--param", "parameters.reactivity=0.01:0.2:4",
            "--chunk-size", "2", "-n", "1", "--steps", "3", "--workers", "1", "-q",
            "--no-plots", "--out", str(out)]  # fmt: skip
    assert main(argv) == 130 and calls == [1]
    monkeypatch.undo()
    partial = tmp_path / "runs" / ".X.partial-open"
    capsys.readouterr()
    finish = "finish it with the same `alliance-sim sweep` command and --resume"
    assert main(["analyze", str(out)]) == 2
    assert one_line(capsys) == (
        f"alliance-sim analyze: error: {out}: no such folder; an unfinished sweep's chunks "
        f"are in {partial}: {finish}"
    )
    assert main(["analyze", str(out.parent)]) == 2
    assert one_line(capsys) == (
        f"alliance-sim analyze: error: {out.parent}: not a sweep results folder; an "
        f"unfinished sweep's chunks are in {partial}: {finish}"
    )
    assert main(["analyze", str(tmp_path / "runs" / "Y")]) == 2  # control: nothing there
    assert (
        one_line(capsys)
        == f"alliance-sim analyze: error: {tmp_path / 'runs' / 'Y'}: no such folder"
    )


# --------------------------------------------------------------------------- 6. dashboard
HOSTILE = ("  AAA: {BBB: {commitment: 0.5, trade: 0.4}}", "  AAA: {BBB: {commitment: -0.6}}\n"
           "  BBB: {AAA: {commitment: -0.6}}")  # fmt: skip


def small_sweep_of(tmp_path: Path, monkeypatch, text: str):
    """The Sweep tab's run (`sim.app.analysis.small_sweep`): 3 points of the reactivity
    lever × 10 runs, the scenario offered as the page's first."""
    import sim
    from sim.app.analysis import small_sweep
    from sim.app.dashboard_env import SCENARIO_ENV
    from sim.app.levers import levers_for

    path = tmp_path / "s.yaml"
    path.write_text(text)
    monkeypatch.setenv(SCENARIO_ENV, str(path))
    monkeypatch.chdir(tmp_path)  # the sweep's default folder is results/sweeps/NAME
    lever = next(lv for lv in levers_for(sim.load(path)) if lv.path == "parameters.reactivity")
    return small_sweep(str(path), {}, lever, 3, 10), lever


def test_the_dashboards_sweep_tab_runs_on_a_scenario_without_events(tmp_path, monkeypatch):
    """The Sweep tab goes through the sweep's shadow check, so on a scenario without
    `events:` it said "sweep failed: 'str' object has no attribute 'get'" (section 4)."""
    text = scenario(["AAA", "BBB"]).replace(*HOSTILE)  # hostile: the outcomes move
    done, lever = small_sweep_of(tmp_path, monkeypatch, text)
    assert len(done.by_point) == 3 and done.by_point[lever.path].is_monotonic_increasing
    assert done.chart is not None and done.chart[:4] == b"\x89PNG"


def test_the_dashboards_sweep_of_a_lever_that_moves_nothing_shows_the_table(tmp_path, monkeypatch):
    """A lever that moves no outcome (the reactivity of two friends: no threat to react
    to) left the scatter chart without data: "sweep failed: no data for the 'scatter'
    chart in …/results", and no table. Now no chart, and the table."""
    done, _ = small_sweep_of(tmp_path, monkeypatch, scenario(["AAA", "BBB"], BUMP))
    assert done.chart is None and len(done.by_point) == 3


def test_the_dashboard_names_a_standalone_scenarios_distancing_actor():
    """The Ensemble tab's heading, the Mesa tab's and the Compare tab's axis said "China's
    distancing …" whatever the scenario; a standalone scenario's is its own `run.distancing`
    (actors by name). Control: the baseline's words are as before."""
    import yaml

    from sim.app.charts import distancing_words

    doc = yaml.safe_load(scenario(["AAA", "EU_27", "CCC"]))  # AAA from EU_27 (names = ids)
    assert distancing_words(doc) == ("AAA's distancing from EU_27", "AAA's distancing (−2…2)")
    doc["run"]["distancing"]["partners"] = ["EU_27", "CCC"]
    assert distancing_words(doc)[0] == "AAA's distancing from the EU_27–CCC pair"
    import sim

    baseline = sim.load(REPO / "scenarios" / "baseline.yaml").scenario
    assert distancing_words(baseline) == (
        "China's distancing from the Russia–North Korea pair", "China's distancing (−2…2)"
    )  # fmt: skip
