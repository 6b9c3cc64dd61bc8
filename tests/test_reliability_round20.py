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

import numpy as np
import pandas as pd

from sim.cli import main
from tests.reliability_tools import ACTOR

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
