"""Reliability suite, round 19: scenarios of other shapes, and round 17's engine leftover.

Round 17 fuzzed scenarios that extend the shipped ones. This round generates *standalone*
scenario files (no `extends`) of other shapes: 1 to 40 actors with made-up ids and no
China or Russia, relations sparse or dense, commitments anywhere in range (exactly 0 and
±1 drawn often), treaties among the new actors, events on them, actors that join later by
an event, every step unit. Each file goes through the command line: `validate`; a refused
file must be located lines with nothing written; an accepted one runs on both engines
(finite, inside every series' range, engines equal to 1e-5, the same seed the same tables)
and `plot` and `report` read its folder. docs/reliability.md, section 24, lists what was
found and what held.
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

import sim
from sim.cli import main
from sim.ensemble import prepare
from sim.facts import CHANNELS, OBLIGATIONS
from sim.parameters import PARAMETERS
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
from tests.reliability_tools import one_line

DATA = Path(__file__).parent / "data" / "round19"
HISTORY = Path(__file__).parents[1] / "scenarios" / "history" / "base_2016.yaml"


# --------------------------------------------------------------------------- 1. a joiner
@needs_numba
def test_engines_agree_when_an_actor_joins_with_commitments_at_zero():
    """Round 17 made the kernel's settled start a fixed point of its own arithmetic where a
    live pair sits at C = 0 (the payoff's jump), but not for an actor that joins later by
    an event: `settle` takes a joiner's preferences r from numpy's payoff in the world
    with it switched on, the kernel's payoff there differs by rounding, and a joiner's
    pair at 0 left 0 in the kernel alone when it joined. In this generated scenario (A07
    joins at step 2, noise 0) the engines parted by 4e-3 in commitment."""
    loaded = sim.load(DATA / "joiner_at_zero.yaml")
    numpy_run, numba_run = engines(loaded)
    assert numpy_run.active[-1].all() and not numpy_run.active[0, :, -1].any()
    assert largest_difference(numpy_run, numba_run) < 1e-12


@needs_numba
def test_engines_agree_when_the_same_actor_is_there_from_the_start(tmp_path):
    """Control: the same world with A07 active from the start and no event (round 17's fix
    covers it, so the engines agreed before this round's fix too)."""
    doc = yaml.safe_load((DATA / "joiner_at_zero.yaml").read_text())
    doc["actors"]["A07"]["active"] = True
    del doc["events"]
    (tmp_path / "there.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    loaded = sim.load(tmp_path / "there.yaml")
    numpy_run, numba_run = engines(loaded)
    assert largest_difference(numpy_run, numba_run) < 1e-12


@needs_numba
@pytest.mark.parametrize("scenario", ["joiner", "history"])
def test_the_kernel_start_computed_on_one_row_is_every_rows(scenario):
    """`kernel_start` computes the kernel's r on one row when every row starts the same;
    it must give what `own_fixed_point` gives on all rows, bit for bit (the joiner's pairs
    change here; the history has a live pair at 0, KOR→CHN)."""
    from sim.engine import EventGroup, start
    from sim.events import compile_events
    from sim.kernel import loop

    path = DATA / "joiner_at_zero.yaml" if scenario == "joiner" else HISTORY
    world, _ = prepare(sim.load(path).scenario)
    groups, reps = [EventGroup.for_all(compile_events(world), 40)], np.arange(40)
    every = start(world, reps)
    loop.own_fixed_point(every, loop.joinable(world, groups))
    one = start(world, reps)
    loop.kernel_start(one, world, groups, reps, None, True)
    np.testing.assert_array_equal(one.r, every.r)
    if scenario == "joiner":
        assert (every.r != start(world, reps).r).any()


# --------------------------------------------------------------------------- 2. generated
ID = st.from_regex(r"[A-Z][A-Z0-9_]{1,11}", fullmatch=True).filter(
    lambda s: s not in ("CHN", "RUS", "PRK", "USA", "JPN", "KOR", "UKR", "IRN")
)


@st.composite
def standalone(draw: st.DrawFn, max_actors: int = 40, max_steps: int = 40) -> dict[str, Any]:
    """A standalone scenario (no `extends`) of another shape than the shipped ones: 1 to
    `max_actors` actors with made-up ids, relations sparse or dense with commitments of
    exactly 0 and ±1 drawn often, treaties among the new actors, actors inactive at the
    start that an event switches on (or off again), events on the new actors, any step
    unit. One actor, or no `run.distancing`, is a file `validate` must refuse."""
    # 1 actor (refused) in 1 of 20, 2 or 3 in 5 of 20, else 2 to max_actors evenly
    # (sampled_from draws evenly where integers() favours the small end)
    shape = draw(st.sampled_from(range(20)))
    many = st.sampled_from(range(2, max_actors + 1))
    n = 1 if shape == 0 else draw(st.sampled_from([2, 3]) if shape <= 5 else many)
    ids = draw(st.lists(ID, min_size=n, max_size=n, unique=True))
    steps = draw(st.sampled_from([1, 2, 3]) | st.integers(1, max_steps))
    actors: dict[str, Any] = {}
    for k, a in enumerate(ids):
        actors[a] = {"name": f"Actor {k}", "traits": {t: draw(_in(0, 1)) for t in TRAITS},
                     "capabilities": {c: draw(_in(0, 1)) for c in CAPABILITIES},
                     "escalation": draw(_in(0, 1))}  # fmt: skip
        if draw(st.booleans()):
            actors[a]["leverage"] = draw(_in(0, 1))
        if k >= 2 and draw(st.sampled_from(range(4))) == 0:
            actors[a]["active"] = False  # may join later by an event
    density = draw(st.sampled_from([0.0, 0.05, 0.3, 1.0]))
    relations: dict[str, Any] = {}
    for a in ids:
        for b in ids:
            if a != b and draw(st.floats(0, 1)) < density:
                row = {c: draw(_in(0, 1)) for c in CHANNELS if draw(st.booleans())}
                if draw(st.sampled_from(range(5))):
                    row["commitment"] = draw(_in(-1, 1))
                relations.setdefault(a, {})[b] = row
    treaties: dict[str, Any] = {}
    if n >= 2:
        for k in range(draw(st.sampled_from(range(3)))):
            members = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=min(n, 4),
                                    unique=True))  # fmt: skip
            treaties[f"pact_{k}"] = {"members": members,
                                     "obligation": draw(st.sampled_from(OBLIGATIONS))}  # fmt: skip
            if draw(st.booleans()):
                treaties[f"pact_{k}"]["strength"] = draw(_in(0, 1))
    free = [p for p, q in PARAMETERS.items() if q.mechanism != "outputs"]
    names = draw(st.lists(st.sampled_from(free), max_size=4, unique=True))
    parameters = {p: draw(_in(PARAMETERS[p].lo, PARAMETERS[p].hi)) for p in names}
    events: dict[str, Any] = {}
    steps_at = st.sampled_from([0, steps - 1, (steps - 1) // 2]) | st.integers(0, steps - 1)
    for a in ids:
        if actors[a].get("active") is False:
            events[f"{a.lower()}_joins"] = {"label": f"{a} joins", "at": draw(steps_at),
                                            "set": {f"actors.{a}.active": True}}  # fmt: skip
            if draw(st.sampled_from(range(4))) == 0:
                events[f"{a.lower()}_leaves"] = {"label": f"{a} leaves", "at": draw(steps_at),
                                                 "set": {f"actors.{a}.active": False}}  # fmt: skip
    targets = [f"actors.{a}.escalation" for a in ids] + [f"actors.{a}.leverage" for a in ids]
    targets += [f"actors.{a}.traits.{t}" for a in ids for t in TRAITS[:2]]
    targets += [f"relations.{a}.{b}.commitment" for a in ids for b in ids if a != b][:40]
    targets += [f"treaties.{t}.strength" for t in treaties]
    targets += [f"parameters.{p}" for p in free]
    for k in range(draw(st.sampled_from(range(4)))):
        path = draw(st.sampled_from(targets))
        lo, hi = (0.0, 1.0)
        if path.startswith("parameters."):
            lo, hi = PARAMETERS[path[11:]].lo, PARAMETERS[path[11:]].hi
        elif path.endswith(".commitment"):
            lo = -1.0
        op = draw(st.sampled_from(["set", "add", "scale"]))
        value = draw(
            {
                "set": _in(lo, hi),
                "add": _in(lo - hi, hi - lo),
                "scale": _in(0, 1000),
            }[op]
        )
        event: dict[str, Any] = {"label": f"event {k}", op: {path: value}}
        if draw(st.sampled_from(range(4))):
            event["at"] = draw(steps_at)
        else:
            event["when"] = {"metric": "escalation", "actor": draw(st.sampled_from(ids)),
                             "above": draw(_in(0, 1))}  # fmt: skip
            event["once"] = draw(st.booleans())
        events[f"event_{k}"] = event
    unit = draw(st.sampled_from(["month", "week", "quarter", "year"]))
    start = f"{draw(st.integers(1900, 2100))}-{draw(st.integers(1, 12)):02d}"
    run: dict[str, Any] = {"steps": steps, "replications": draw(st.integers(1, 3)),
                           "step_unit": unit, "start": start,
                           "settle": draw(st.booleans())}  # fmt: skip
    if n >= 2 and draw(st.sampled_from(range(10))):
        partners = draw(st.lists(st.sampled_from(ids[1:]), min_size=1, max_size=3, unique=True))
        run["distancing"] = {"actor": ids[0], "partners": partners}
    return {"name": "shape", "title": f"{n} actors", "actors": actors,
            "relations": relations, "treaties": treaties, "parameters": parameters,
            "events": events, "run": run}  # fmt: skip


def write(doc: dict[str, Any], folder: Path) -> Path:
    path = folder / "shape.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


# FILE:LINE:COL: key.path: what was expected (docs/scenario-format.md, "Error messages")
LOCATED = r"^{path}:\d+:\d+: [A-Za-z0-9_.\-]+: \S.*$"


def assert_refused_in_located_lines(err: str, path: Path) -> None:
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert lines, "refused without a line"
    pattern = re.compile(LOCATED.format(path=re.escape(str(path))))
    for line in lines:
        assert pattern.match(line), line


def check_in_range(folder: Path) -> None:
    """Every per-step value of a run folder finite and inside its series' range."""
    for name, table in tables(folder).items():
        for column in table.columns:
            if column in BOUNDS and len(table):  # pairs.parquet is empty without relations
                lo, hi = BOUNDS[column]
                values = table[column].to_numpy(float)
                assert np.isfinite(values).all(), f"{name}: {column} not finite"
                assert values.min() >= lo and values.max() <= hi, f"{name}: {column}"
        if name == "aggregates.parquet":  # quantiles of the series that have them, where
            for series, rows in table.groupby("series"):  # some replication counts
                if series in BOUNDS and (rows["count"] > 0).any():
                    lo, hi = BOUNDS[str(series)]
                    q = rows.loc[rows["count"] > 0, ["q05", "q25", "q50", "q75", "q95"]]
                    q = q.to_numpy(float)
                    assert np.isfinite(q).all() and q.min() >= lo and q.max() <= hi, series


def largest_table_difference(a: Path, b: Path) -> float:
    """The largest difference between two run folders' numeric per-step columns."""
    ta, tb = tables(a), tables(b)
    assert ta.keys() == tb.keys()
    worst = 0.0
    for name in ta:
        assert ta[name].shape == tb[name].shape, name
        for column in ta[name].columns:
            x, y = ta[name][column], tb[name][column]
            if pd.api.types.is_float_dtype(x):
                both = np.isnan(x.to_numpy(float)) & np.isnan(y.to_numpy(float))
                worst = max(worst, float(np.nanmax(np.where(both, 0.0, np.abs(x - y)), initial=0)))
            else:
                assert x.equals(y), f"{name}: {column}"
    return worst


FAST = settings(max_examples=3, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))  # fmt: skip


@needs_numba
@given(doc=standalone(max_actors=6, max_steps=10))
@FAST
def test_a_scenario_of_another_shape_is_refused_in_located_lines_or_runs_on_both_engines(
    tmp_path_factory, capsys, doc
):
    """The command line on a generated standalone scenario: `validate` refuses it in
    located lines (and `run` then writes nothing), or `run` on both engines exits 0 with
    every series finite and in range, the engines equal to 1e-5, the same seed giving the
    same tables, and `plot` and `report` reading the folder."""
    folder = tmp_path_factory.mktemp("shape")
    path = write(doc, folder)
    code = main(["validate", str(path)])
    err = capsys.readouterr().err
    if code != 0:
        assert code == 2
        assert_refused_in_located_lines(err, path)
        assert main(["run", str(path), "--out", str(folder / "run"), "-q", "--no-plots"]) == 2
        assert_refused_in_located_lines(capsys.readouterr().err, path)
        assert not (folder / "run").exists()
        return
    runs = {}
    for engine in ("numpy", "numba", "again"):
        runs[engine] = folder / engine
        argv = ["run", str(path), "--out", str(runs[engine]), "-q", "--no-plots", "--engine",
                "numpy" if engine == "again" else engine]  # fmt: skip
        assert main(argv) == 0, capsys.readouterr().err
        check_in_range(runs[engine])
    assert largest_table_difference(runs["numpy"], runs["numba"]) < 1e-5
    assert_same_tables(runs["numpy"], runs["again"])
    assert main(["plot", str(runs["numba"]), "--kind", "escalation,distancing"]) == 0
    assert main(["report", str(runs["numba"]), "-o", str(folder / "r.html")]) == 0
    assert "Traceback" not in capsys.readouterr().err


# --------------------------------------------------------------------------- 3. controls
def _dozens(n: int = 30) -> str:
    """A standalone scenario of 30 actors in two camps, no China, one joining later."""
    rng = np.random.default_rng(19)
    ids = [f"S{k:02d}" for k in range(n)]
    west = {"members": ids[:5], "obligation": "automatic"}
    doc: dict[str, Any] = {"name": "dozens", "title": "Thirty actors in two camps",
                           "actors": {}, "relations": {}, "treaties": {"west": west}}  # fmt: skip
    for a in ids:
        doc["actors"][a] = {"name": a, "escalation": round(float(rng.uniform(0, 0.4)), 2),
                            "traits": {t: round(float(rng.uniform()), 2) for t in TRAITS},
                            "capabilities": {c: round(float(rng.uniform()), 2)
                                             for c in CAPABILITIES}}  # fmt: skip
        for b in ids:
            if a != b and rng.uniform() < 0.2:
                same = (ids.index(a) < n // 2) == (ids.index(b) < n // 2)
                doc["relations"].setdefault(a, {})[b] = {
                    "commitment": round(float(rng.uniform(0, 1) if same else -rng.uniform()), 2),
                    "trade": round(float(rng.uniform()), 2)}  # fmt: skip
    doc["actors"][ids[-1]]["active"] = False
    doc["events"] = {"joins": {"label": "joins", "at": 10,
                               "set": {f"actors.{ids[-1]}.active": True}}}  # fmt: skip
    doc["run"] = {"steps": 30, "replications": 300, "step_unit": "quarter",
                  "distancing": {"actor": ids[0], "partners": ids[1:3]}}  # fmt: skip
    return yaml.safe_dump(doc, sort_keys=False)


def test_thirty_actors_give_the_same_tables_on_one_and_two_workers_and_run_again(tmp_path):
    """Control: a scenario of dozens of actors, none of the shipped ones, with a joiner:
    the same seed gives the same tables on 1 worker, again, and on 2 workers (300 × 30 is
    two shares, so two workers do run)."""
    path = tmp_path / "dozens.yaml"
    path.write_text(_dozens())
    assert main(["validate", str(path)]) == 0
    runs = []
    for name, workers in (("one", "1"), ("again", "1"), ("two", "2")):
        runs.append(tmp_path / name)
        argv = ["run", str(path), "--out", str(runs[-1]), "-q", "--no-plots", "--engine",
                "numpy", "--workers", workers, "--series", "summary"]  # fmt: skip
        assert main(argv) == 0
    assert_same_tables(runs[0], runs[1])
    assert_same_tables(runs[0], runs[2])


# --------------------------------------------------------------------------- 4. messages
ONE = (
    "{name: One, capabilities: {military: 0.5, economic: 0.5, nuclear: 0}, traits: "
    "{stability: 0.5, risk_tolerance: 0.5, resolve: 0.5, grievance: 0.5, axis_aversion: 0.5}, "
    "escalation: 0.1}"
)


def test_a_scenario_of_one_actor_is_told_how_many_it_has(tmp_path, capsys):
    """A scenario needs two actors. One actor said "actors: expected at least 2 items,
    found a mapping": the mapping it found is right there, what is wrong is its size."""
    path = tmp_path / "solo.yaml"
    path.write_text(f"name: solo\ntitle: One actor\nactors:\n  AAA: {ONE}\n")
    assert main(["validate", str(path)]) == 2
    line = one_line(capsys)
    assert line == f"{path}:4:3: actors: expected at least 2 items, found 1 item"


def test_a_treaty_of_one_member_is_told_how_many_it_has(tmp_path, capsys):
    """The same for a list: `members: [AAA]` said "expected at least 2 items, found a list"."""
    path = tmp_path / "pact.yaml"
    path.write_text(
        f"name: pact\ntitle: A pact of one\nactors:\n  AAA: {ONE}\n  BBB: {ONE}\n"
        "treaties:\n  solo: {members: [AAA], obligation: vague}\n"
        "run: {distancing: {actor: AAA, partners: [BBB]}}\n"
    )
    assert main(["validate", str(path)]) == 2
    line = one_line(capsys)
    assert line.endswith(": treaties.solo.members: expected at least 2 items, found 1 item"), line
    assert line.startswith(f"{path}:7:")


# --------------------------------------------------------------------------- 5. charts
NEAR_ONE = f"""name: near_one
title: One actor a hair below the top of the ladder
actors:
  AAA: {ONE.replace("escalation: 0.1", "escalation: 0.9999999999999999")}
  BBB: {ONE}
parameters: {{noise: 0}}
run: {{steps: 3, replications: 2, distancing: {{actor: AAA, partners: [BBB]}}}}
"""


def test_a_run_whose_peak_is_one_ulp_below_the_top_draws_its_charts(tmp_path, capsys):
    """An escalation of 0.9999999999999999 (a generated file's start value, which
    `validate` accepts) broke the outcomes chart: `rung_top` looked up the rung above
    level + 1e-9, past the ladder's last edge, and `run` (and `plot`, and `report`) ended
    in an IndexError traceback with no results folder."""
    path = tmp_path / "near_one.yaml"
    path.write_text(NEAR_ONE)
    out = tmp_path / "run"
    assert main(["run", str(path), "--out", str(out), "-q"]) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert (out / "charts" / "outcomes.png").exists()
    assert main(["plot", str(out), "--kind", "outcomes"]) == 0
    assert main(["report", str(out), "-o", str(tmp_path / "r.html")]) == 0


def test_the_rung_top_of_levels_near_and_at_the_ends():
    """Control and unit: the top of the ladder is 1 for any level in its top rung, 1 − 1e-16
    included; a level on an edge belongs to the rung above it, as before."""
    from sim.ladder import EDGES
    from sim.plots.style import rung_top

    assert rung_top(0.9999999999999999) == rung_top(1.0) == rung_top(0.96) == 1.0
    assert rung_top(0.0) == pytest.approx(EDGES[0] + 0.02)
    assert rung_top(0.5) == pytest.approx(0.67)  # mobilisation, 0.50–0.65


@needs_numba
@pytest.mark.parametrize("noise", [0.0, 1e-12, 1e-6, 0.05])
def test_engines_agree_on_a_commitment_a_hair_above_zero(noise, tmp_path):
    """A commitment a hair above the jump at 0 (7e-205) in a treaty: the engines agree at
    every noise whose moves are above rounding. (At the file's own noise, 2.5e-15, the
    sign of a 1e-18 move of the pair at the jump is decided by rounding, which the two
    engines reach by different summation orders: with some installations they part by a
    step, with others, e.g. numpy 2.4.6 with numba 0.68.1, they agree. That known limit
    is recorded in docs/reliability.md §24; no test can pin a result rounding decides.)"""
    doc = yaml.safe_load((DATA / "tiny_commitment.yaml").read_text(encoding="utf-8"))
    assert doc["relations"]["BB"]["AA"]["commitment"] == pytest.approx(7.19e-205, rel=1e-3)
    doc["parameters"]["noise"] = noise
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    numpy_run, numba_run = engines(sim.load(path), reps=8)
    assert largest_difference(numpy_run, numba_run) < 1e-12
