"""Reliability suite, round 17: property-based fuzzing of what the validator accepts.

Earlier rounds probed bad inputs by hand; this round generates scenarios that `alliance-sim
validate` accepts (the shipped scenarios with actors' values anywhere in their ranges,
actors, relations, treaties and events added or removed, events at step 0, at the last step
and several on one step, runs of 1 to 150 steps and 1 replication, coefficients at their
bounds) and checks what must hold for every one of them: no traceback, finite outputs inside
their documented bounds, the numpy and numba engines equal to rounding, the same tables
from the same seed and from 1 or 2 workers, and results folders that `plot` and `report`
read back. docs/reliability.md, section 22, lists what was found and what held.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import sim
from sim.cli import main
from sim.observe.calibrate import work_dir
from sim.parameters import PARAMETERS
from sim.scenario.schema import CHANNELS
from tests.generated_tools import (
    BOUNDS,
    CAPABILITIES,
    TRAITS,
    assert_same_tables,
    engines,
    largest_difference,
    needs_numba,
    tables,
)
from tests.generated_tools import (
    value_in as _in,  # short: the generators draw it on every line
)
from tests.reliability_tools import BASELINE, COLLAPSES, REPO, WAR_AT_THE_START, one_line

SHIPPED = [BASELINE, REPO / "scenarios" / "russia_tech_transfer.yaml",
           REPO / "scenarios" / "axis_with_iran.yaml",
           REPO / "scenarios" / "history" / "base_2016.yaml"]  # fmt: skip


# --------------------------------------------------------------------------- 1. engines
@needs_numba
@pytest.mark.parametrize(("scenario", "pair"), [
    (BASELINE, "USA.JPN"),                    # an alliance written down to indifference
    (SHIPPED[1], "USA.JPN"),
])  # fmt: skip
def test_engines_agree_when_a_commitment_is_written_as_zero(scenario, pair):
    """A commitment of exactly 0 rests where the payoff jumps ([C > 0] turns the axis and
    instability costs on). The numba kernel's settled start was numpy's, so its own payoff
    missed it by rounding (+4e-18), the pair left 0 in numba alone, and the costs switched
    on there: the engines parted by 1e-3 in commitment (2e-5 in escalation) from step 2."""
    loaded = sim.load(scenario, set={f"relations.{pair}.commitment": 0.0, "run.steps": 6})
    numpy_run, numba_run = engines(loaded)
    assert largest_difference(numpy_run, numba_run) < 1e-12


@needs_numba
def test_engines_agree_on_the_baseline_and_a_pair_left_unwritten():
    """Control: the shipped baseline, and the history, where KOR→CHN is written nowhere
    (commitment 0) and its rounding happened to fall the harmless way before the fix."""
    for loaded in (
        sim.load(BASELINE, set={"run.steps": 6}),
        sim.load(SHIPPED[3], set={"run.steps": 6}),
    ):  # KOR→CHN unwritten
        numpy_run, numba_run = engines(loaded)
        assert largest_difference(numpy_run, numba_run) < 1e-12


# --------------------------------------------------------------------------- 2. generated
def _explored(loaded: Any) -> set[str]:
    """The start values a shipped scenario's exploration section names."""
    section = loaded.scenario.exploration
    if section is None:
        return set()
    return {path for group in ("uncertainties", "levers", "constants")
            for path in getattr(section, group)}  # fmt: skip


@st.composite
def accepted(draw: st.DrawFn) -> dict[str, Any]:
    """A scenario `validate` accepts: a shipped scenario extended with values anywhere in
    their ranges, a new actor, commitments of exactly 0, a new treaty, coefficients at their
    bounds, events at step 0, at the last step and several on one step, 1 to 40 steps."""
    base = draw(st.sampled_from(SHIPPED))
    loaded = sim.load(base)
    ids = list(loaded.scenario.actors)
    treaties = list(loaded.scenario.treaties)
    steps = draw(st.sampled_from([1, 2, 3]) | st.integers(1, 40))
    doc: dict[str, Any] = {"extends": str(base), "name": "fuzz", "title": "fuzz",
                           "run": {"steps": steps, "replications": draw(st.integers(1, 2)),
                                   "settle": draw(st.booleans())}}  # fmt: skip
    actors: dict[str, Any] = {}
    for a in draw(st.lists(st.sampled_from(ids), max_size=3, unique=True)):
        actors[a] = {"traits": {t: draw(_in(0, 1)) for t in TRAITS},
                     "capabilities": {c: draw(_in(0, 1)) for c in CAPABILITIES},
                     "escalation": draw(_in(0, 1)), "leverage": draw(_in(0, 1))}  # fmt: skip
    if draw(st.booleans()):
        actors["NEW"] = {"name": "New", "traits": {t: draw(_in(0, 1)) for t in TRAITS},
                         "capabilities": {c: draw(_in(0, 1)) for c in CAPABILITIES},
                         "escalation": draw(_in(0, 1)), "active": draw(st.booleans())}  # fmt: skip
        ids.append("NEW")
    doc["actors"] = actors
    relations: dict[str, Any] = {}
    for _ in range(draw(st.integers(0, 4))):
        a, b = draw(st.permutations(ids))[:2]
        row = {c: draw(_in(0, 1)) for c in draw(st.lists(st.sampled_from(CHANNELS), unique=True))}
        relations.setdefault(a, {})[b] = {**row, "commitment": draw(_in(-1, 1))}
    doc["relations"] = relations
    if draw(st.booleans()):
        members = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=3, unique=True))
        doc["treaties"] = {"fuzz_pact": {"members": members, "obligation": "automatic",
                                         "strength": draw(_in(0, 1))}}  # fmt: skip
    free = [p for p, q in PARAMETERS.items() if q.mechanism != "outputs"]
    names = draw(st.lists(st.sampled_from(free), max_size=6, unique=True))
    doc["parameters"] = {p: draw(_in(PARAMETERS[p].lo, PARAMETERS[p].hi)) for p in names}
    targets = [f"actors.{a}.escalation" for a in ids] + [f"parameters.{p}" for p in free]
    targets += [f"treaties.{t}.strength" for t in treaties]
    events = {}
    explored = _explored(loaded)
    for k in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(targets))
        lo, hi = (PARAMETERS[path[11:]].lo, PARAMETERS[path[11:]].hi) if path.startswith(
            "parameters.") else (0.0, 1.0)  # fmt: skip
        at = draw(st.sampled_from([0, steps - 1, max(steps - 1, 0) // 2]))
        # a step-0 `set` of an explored start value is refused by `validate` (it would
        # shadow the explored value), so such a scenario is not one `validate` accepts
        ops = ["add", "scale"] if at == 0 and path in explored else ["set", "add", "scale"]
        op = draw(st.sampled_from(ops))
        value = draw(
            {
                "set": _in(lo, hi),
                "add": _in(lo - hi, hi - lo),
                "scale": _in(0, 1000),
            }[op]
        )
        events[f"fuzz_{k}"] = {"label": f"fuzz {k}", "at": at, op: {path: value}}
    doc["events"] = events
    return doc


def _write(doc: dict[str, Any], folder: Path) -> Path:
    path = folder / f"fuzz-{abs(hash(repr(doc))) % 10**8}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _check_series(series: Any, where: str) -> None:
    for name, (lo, hi) in BOUNDS.items():
        values = getattr(series, name)
        assert np.isfinite(values).all(), f"{where}: {name} not finite"
        assert values.min() >= lo and values.max() <= hi, f"{where}: {name} out of [{lo}, {hi}]"


FAST = settings(max_examples=12, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))  # fmt: skip


@needs_numba
@given(doc=accepted())
@FAST
def test_every_accepted_scenario_stays_in_bounds_on_both_engines(tmp_path_factory, doc):
    """Whatever `validate` accepts runs on both engines, finite and inside every series'
    documented range, and the engines agree to rounding over the first steps (later, at the
    corners of the coefficient box, their rounding may grow: §11)."""
    path = _write(doc, tmp_path_factory.mktemp("fuzz"))
    assert main(["validate", str(path)]) == 0
    numpy_run, numba_run = engines(sim.load(path), reps=2)
    _check_series(numpy_run, "numpy")
    _check_series(numba_run, "numba")
    first = {name: float(np.abs(getattr(numpy_run, name)[:3] - getattr(numba_run, name)[:3]).max())
             for name in BOUNDS}  # fmt: skip
    assert max(first.values()) < 1e-9, first


# --------------------------------------------------------------------------- 3. compare
NEW_ACTOR = f"""extends: {BASELINE}
name: with_twn
title: With a new actor
actors:
  TWN:
    name: Taiwan
    capabilities: {{military: 0.2, economic: 0.1, nuclear: 0}}
    traits: {{stability: 0.5, risk_tolerance: 0.5, resolve: 0.5, grievance: 0, axis_aversion: 0.5}}
    escalation: 0.2
relations:
  TWN: {{CHN: {{commitment: -0.6}}, USA: {{commitment: 0.6, security_guarantee: 0.5}}}}
  CHN: {{TWN: {{commitment: -0.7}}}}
"""


@pytest.fixture(scope="module")
def compare_with_a_new_actor(tmp_path_factory) -> Path:
    """`compare` of the baseline and a valid variant with one more actor (2 × 2 steps)."""
    folder = tmp_path_factory.mktemp("round17-compare")
    variant = folder / "with_twn.yaml"
    variant.write_text(NEW_ACTOR)
    out = folder / "cmp"
    argv = ["compare", str(BASELINE), str(variant), "-n", "2", "--steps", "2", "--out", str(out),
            "-q", "--no-plots"]  # fmt: skip
    assert main(argv) == 0
    return out


@pytest.mark.parametrize("command", ["plot", "report"])
def test_a_compare_of_scenarios_with_different_actors_is_read_back(
    compare_with_a_new_actor, tmp_path, capsys, command
):
    """`compare` of the baseline and a variant with one more actor wrote its summaries with
    the new actor's columns empty (NaN) in the baseline's rows, as it must, and then `plot`
    and `report` refused the folder it had just written: "summaries.parquet: column
    peak_escalation_TWN: 2 value(s) outside [0, 1] (first: not a number)"."""
    folder = tmp_path / "cmp"
    shutil.copytree(compare_with_a_new_actor, folder)
    argv = [command, str(folder)] + (
        ["-o", str(tmp_path / "r.html")] if command == "report" else []
    )
    assert main(argv) == 0, capsys.readouterr().err
    assert "Traceback" not in capsys.readouterr().err


def test_an_empty_value_of_an_actor_its_scenario_has_is_still_refused(
    compare_with_a_new_actor, tmp_path, capsys
):
    """Control: only the rows of a scenario without the actor may leave its columns empty."""
    folder = tmp_path / "cmp"
    shutil.copytree(compare_with_a_new_actor, folder)
    path = folder / "summaries.parquet"
    frame = pd.read_parquet(path)
    frame.loc[frame["scenario"] == "with_twn", "peak_escalation_TWN"] = np.nan
    frame.to_parquet(path)  # rewritten by hand: no result id, read as before
    assert main(["plot", str(folder)]) == 2
    line = one_line(capsys)
    assert "summaries.parquet: column peak_escalation_TWN: " in line
    assert "outside [0, 1] (first: not a number)" in line


def test_a_compare_report_does_not_call_a_scenario_without_the_reference_the_reference(
    compare_with_a_new_actor, tmp_path
):
    """The variant's TWN rows have no difference from the baseline (which has no TWN), and
    the report's Δ column called the variant "– (the reference)"."""
    folder = tmp_path / "cmp"
    shutil.copytree(compare_with_a_new_actor, folder)
    assert main(["report", str(folder), "-o", str(tmp_path / "r.html")]) == 0
    text = (tmp_path / "r.html").read_text()
    row = text[text.index("peak escalation, TWN") :][:400]
    assert "with_twn" in row
    assert "the reference" not in row
    assert "– (baseline has no such value)" in row


# --------------------------------------------------------------------------- 4. the CLI
@given(doc=accepted(), engine=st.sampled_from(["numpy", "numba"]))
@settings(max_examples=3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_what_validate_accepts_runs_and_is_read_back_by_plot_and_report(
    tmp_path_factory, doc, engine
):
    """The command line end to end on generated scenarios: `run` exits 0 without a
    traceback, its tables are finite and in range, and `plot` and `report` read the folder."""
    folder = tmp_path_factory.mktemp("fuzz-cli")
    path = _write(doc, folder)
    out = folder / "run"
    assert main(["run", str(path), "--out", str(out), "-q", "--no-plots", "--engine", engine]) == 0
    for table in tables(out).values():
        for column in table.columns:
            if column in BOUNDS:
                lo, hi = BOUNDS[column]
                values = table[column].to_numpy(float)
                assert np.isfinite(values).all() and values.min() >= lo and values.max() <= hi
    assert main(["plot", str(out), "--kind", "escalation,distancing"]) == 0
    assert main(["report", str(out), "-o", str(folder / "r.html")]) == 0


ODD = f"""extends: {BASELINE}
name: odd
title: Odd but valid
actors:
  PRK: {{escalation: 0, leverage: 1, traits: {{resolve: 1, risk_tolerance: 0}}}}
relations:
  USA: {{JPN: {{commitment: 0}}}}
parameters: {{choice_temperature: 0.01, commit_step: 0.5, reactivity: 2, noise: 1}}
events:
  first: {{label: first, at: 0, add: {{actors.USA.escalation: 1}}}}
  also_first: {{label: also first, at: 0, scale: {{parameters.fatigue: 1000}}}}
  last: {{label: last, at: 29, set: {{actors.CHN.escalation: 1}}}}
  also_last: {{label: also last, at: 29, set: {{parameters.noise: 0}}}}
run: {{steps: 30, replications: 300}}
"""


def test_an_odd_scenario_gives_the_same_tables_on_one_and_two_workers_and_run_again(
    tmp_path,
):
    """Control: coefficients at their bounds, events at step 0 and at the last step (two on
    each), a commitment of 0: the same seed gives the same tables, on 1 worker and 2 (300 ×
    30 is two shares, so two workers do run)."""
    path = tmp_path / "odd.yaml"
    path.write_text(ODD)
    runs = []
    for name, workers in (("one", "1"), ("again", "1"), ("two", "2")):
        runs.append(tmp_path / name)
        argv = ["run", str(path), "--out", str(runs[-1]), "-q", "--no-plots", "--engine",
                "numpy", "--workers", workers]  # fmt: skip
        assert main(argv) == 0
    assert_same_tables(runs[0], runs[1])
    assert_same_tables(runs[0], runs[2])


# --------------------------------------------------------------------------- 5. messages
def test_a_reference_to_an_actor_removed_with_null_says_it_was_removed(tmp_path, capsys):
    """docs/scenario-format.md: `UKR: null` under `actors:` removes an actor ("then also
    remove whatever refers to it"). Each reference left said "unknown relation target 'UKR'
    (did you mean 'KOR'?)": a typo suggested for an actor removed on purpose."""
    path = tmp_path / "no_ukr.yaml"
    path.write_text(f"extends: {BASELINE}\nname: no_ukr\ntitle: t\nactors:\n  UKR: null\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "did you mean 'KOR'" not in err
    assert (
        "relations.RUS.UKR: relation target 'UKR' was removed by actors.UKR: null "
        f"({path}:5:3); remove or change what refers to it too"
    ) in err


def test_an_unknown_actor_still_gets_its_suggestion(tmp_path, capsys):
    """Control: a typo is still a typo."""
    path = tmp_path / "typo.yaml"
    path.write_text(f"extends: {BASELINE}\nname: typo\ntitle: t\nrelations:\n  CHM: {{}}\n")
    assert main(["validate", str(path)]) == 2
    assert one_line(capsys).endswith("relations.CHM: unknown relation source 'CHM' (did you "
                                     "mean 'CHN'?)")  # fmt: skip


# --------------------------------------------------------------------------- 6. calibration
ACTOR_KINDS = {"missile_launches": ("PRK", st.integers(0, 60)),
               "nuclear_test": ("PRK", st.integers(0, 3)),
               "sanction_measure": ("USA", st.integers(0, 20)),
               "unsc_vote": ("CHN", st.sampled_from([-1, 0, 1]))}  # fmt: skip
PAIR_KINDS = {"summit": (("CHN", "PRK"), st.integers(0, 5)),
              "joint_exercise": (("USA", "KOR"), st.sampled_from([0, 1]))}  # fmt: skip
SOURCE = '{publisher: P, title: T, date: "2019-01-05", url: "https://example.org/a"}'


@st.composite
def odd_period(draw: st.DrawFn) -> str:
    """A period inside the episode (January 2017 – December 2018): one month, a year, or a
    range of months (its first and last month included)."""
    first = draw(st.integers(0, 23))
    shape = draw(st.sampled_from(["month", "year", "range"]))
    month = f"{2017 + first // 12}-{first % 12 + 1:02d}"
    if shape == "month":
        return month
    if shape == "year":
        return str(2017 + first // 12)
    last = draw(st.integers(first, 23))
    return f"{month}/{2017 + last // 12}-{last % 12 + 1:02d}"


@st.composite
def observation_file(draw: st.DrawFn) -> str:
    """1 to 4 valid observations: zero values, single-month periods, one-record series."""
    records = []
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from([*ACTOR_KINDS, *PAIR_KINDS]))
        who, values = ACTOR_KINDS.get(kind) or PAIR_KINDS[kind]
        where = f"actor: {who}" if isinstance(who, str) else f"pair: [{who[0]}, {who[1]}]"
        records.append(
            f"  - id: r-{i}\n    kind: {kind}\n    {where}\n    period: \"{draw(odd_period())}\"\n"
            f"    value: {draw(values)}\n    unit: events\n    reliability: "
            f"{draw(st.sampled_from(['solid', 'estimate', 'derived', 'contested']))}\n"
            f"    source: {SOURCE}\n"
        )  # fmt: skip
    return "observations:\n" + "".join(records)


@given(observations=observation_file(), method=st.sampled_from(["smc", "rejection"]))
@example(observations=COLLAPSES, method="smc")
@settings(max_examples=5, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_a_tiny_calibration_on_odd_valid_observations_fits_or_says_why_in_one_line(
    tmp_path_factory, capsys, observations, method
):
    """One prior, a budget of 4 particles, observations a newcomer might write (a zero, one
    month, a series of one record, overlapping periods): `calibrate` either fits, with every
    fitted value finite and inside its prior's bounds, or refuses in one line."""
    from tests.reliability_tools import tiny_calibration

    folder = tmp_path_factory.mktemp("fuzz-calibrate")
    budget = {"population": "4", "generations": "2"} if method == "smc" else {
        "method": "rejection", "population": "4", "accept": "0.5", "generations": None}  # fmt: skip
    spec = tiny_calibration(folder, **budget)
    (folder / "obs.yaml").write_text(observations)
    assert main(["validate", str(spec)]) == 0
    capsys.readouterr()
    code = main(["calibrate", str(spec), "--out", str(folder / "out"), "-q", "--no-plots"])
    assert code in (0, 2)
    if code == 2:  # nothing published, and no work folder left that blocks a rerun (§28)
        one_line(capsys)
        assert not (folder / "out").exists() and not work_dir(folder / "out").exists()
    else:
        fitted = pd.read_parquet(folder / "out" / "posterior.parquet")["reactivity"]
        assert np.isfinite(fitted).all() and fitted.between(0.01, 0.5).all()


@pytest.mark.parametrize("method", ["smc", "rejection"])
def test_a_fit_whose_every_prior_draw_is_ruled_out_is_refused(tmp_path, capsys, method):
    """An episode at war from its first month under `no_war: true`: every prior draw is
    infinitely far. ABC-SMC stopped after generation 0 and wrote the prior's draws as the
    posterior ("1 generation, ε = inf"), exit 0; rejection said "the population collapsed
    to 0 distinct particle …; use a larger population, a higher quantile or fewer
    generations", none of which helps."""
    from tests.reliability_tools import tiny_calibration

    budget = {"generations": "2"} if method == "smc" else {
        "method": "rejection", "accept": "0.5", "generations": None}  # fmt: skip
    spec = tiny_calibration(tmp_path, no_war="true", **budget)
    (tmp_path / "ep.yaml").write_text(WAR_AT_THE_START)
    code = main(["calibrate", str(spec), "--out", str(tmp_path / "out"), "-q", "--no-plots"])
    line = one_line(capsys)
    assert code == 2
    draws = 8 if method == "smc" else 16  # rejection: population / accept
    assert f"every one of the {draws} prior draws simulated a war, which no_war: true rules" in line
    assert not (tmp_path / "out").exists()


def test_one_generation_of_abc_smc_is_refused_before_any_work(tmp_path, capsys):
    """`generations: 1`: generation 0 keeps every prior draw (ε = ∞), so the "posterior"
    was the prior's draws, exit 0."""
    from tests.reliability_tools import tiny_calibration

    spec = tiny_calibration(tmp_path, generations="1")
    assert main(["validate", str(spec)]) == 2
    line = one_line(capsys)
    assert line.startswith(f"{spec}:6:14: generations: expected at least 2 generations")
    assert "method: rejection with accept: 1" in line


def test_a_tiny_fit_of_two_generations_still_runs(tmp_path, capsys):
    """Control: the smallest SMC fit that fits something."""
    from tests.reliability_tools import tiny_calibration

    spec = tiny_calibration(tmp_path)
    assert main(["calibrate", str(spec), "--out", str(tmp_path / "out"), "-q", "--no-plots"]) == 0
    assert "tiny: 2 generations" in capsys.readouterr().out
