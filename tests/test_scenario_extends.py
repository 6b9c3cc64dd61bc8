"""`extends` and `--set`: deep-merge rules, chains, and errors located in the right file."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from sim.errors import ScenarioError
from sim.scenario import keypath
from sim.scenario.loader import MAX_EXTENDS, Origins, load_raw, load_scenario

BASE = """\
name: base
title: Base
assumptions: [first, second]
actors:
  AAA:
    name: Alpha
    capabilities: {military: 0.5, economic: 0.5, nuclear: 0.0}
    traits: {stability: 0.5, risk_tolerance: 0.5, resolve: 0.5, grievance: 0.5, axis_aversion: 0.5}
    escalation: 0.2
    leverage: 0.3
  BBB:
    name: Beta
    capabilities: {military: 0.4, economic: 0.3, nuclear: 0.1}
    traits: {stability: 0.2, risk_tolerance: 0.8, resolve: 0.7, grievance: 0.9, axis_aversion: 0.0}
    escalation: 0.4
relations:
  AAA:
    BBB: {trade: 0.4, commitment: 0.5}
  BBB:
    AAA: {trade: 0.1, political_cover: 0.6}
treaties:
  pact: {members: [AAA, BBB], obligation: vague}
run:
  steps: 12
  replications: 5
  distancing: {actor: AAA, partners: [BBB]}
"""

MIDDLE = """\
extends: base.yaml
name: middle
assumptions: [third]
actors:
  AAA:
    traits: {stability: 0.9}
    leverage: null
  CCC:
    name: Gamma
    capabilities: {military: 0.1, economic: 0.1, nuclear: 0.0}
    traits: {stability: 0.5, risk_tolerance: 0.5, resolve: 0.5, grievance: 0.5, axis_aversion: 0.5}
    escalation: 0.1
treaties:
  pact: {members: [AAA, BBB, CCC], strength: 0.45}
run: {steps: 24}
"""

CHILD = """\
extends: middle.yaml
name: child
title: Child
relations:
  AAA:
    BBB: {commitment: -0.2}
  BBB: null
run:
  distancing: {partners: [BBB, CCC]}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(text))
    return path


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    write(tmp_path, "base.yaml", BASE)
    write(tmp_path, "middle.yaml", MIDDLE)
    return write(tmp_path, "child.yaml", CHILD)


def problems_of(path: Path, overrides: dict | None = None) -> list:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return info.value.problems


# --------------------------------------------------------------------------- deep_merge


def test_deep_merge_rules() -> None:
    base = {"a": {"x": 1, "y": {"p": 1, "q": 2}}, "l": [1, 2, 3], "s": "keep", "gone": 1}
    over = {"a": {"y": {"q": 20}, "z": 3}, "l": [9], "gone": None, "new": {"k": 1}}
    assert keypath.deep_merge(base, over) == {
        "a": {"x": 1, "y": {"p": 1, "q": 20}, "z": 3},
        "l": [9],
        "s": "keep",
        "new": {"k": 1},
    }
    assert base["a"]["y"] == {"p": 1, "q": 2}, "deep_merge changed its input"


@pytest.mark.parametrize(
    "base, over, merged",
    [
        ({"w": {"value": 0.5, "evidence": ["e"]}}, {"w": 0.7}, {"w": 0.7}),
        ({"w": 0.5}, {"w": {"value": 0.7}}, {"w": {"value": 0.7}}),
        (
            {"w": {"value": 0.5, "evidence": ["e"]}},
            {"w": {"value": 0.7}},
            {"w": {"value": 0.7, "evidence": ["e"]}},
        ),
        (
            {"w": {"value": 0.5, "evidence": ["e"]}},
            {"w": {"evidence": []}},
            {"w": {"value": 0.5, "evidence": []}},
        ),
        ({"m": {"a": 1}}, {"m": [1]}, {"m": [1]}),
        ({"m": [1]}, {"m": {"a": 1}}, {"m": {"a": 1}}),
        ({}, {"m": None}, {}),
    ],
    ids=["bare-replaces-weight", "weight-replaces-bare", "value-keeps-evidence", "drop-evidence",
         "list-replaces-map", "map-replaces-list", "null-of-absent"],
)  # fmt: skip
def test_deep_merge_cases(base: dict, over: dict, merged: dict) -> None:
    assert keypath.deep_merge(base, over) == merged


# --------------------------------------------------------------------------- chains


def test_three_level_chain(chain: Path) -> None:
    s = load_scenario(chain).scenario
    assert s.name == "child"
    assert s.title == "Child"  # scalar replaced by the child
    assert s.assumptions == ["third"]  # list replaced by the middle
    assert sorted(s.actors) == ["AAA", "BBB", "CCC"]
    aaa = s.actors["AAA"]
    assert aaa.traits.stability.value == 0.9  # mapping merged: one trait changed...
    assert aaa.traits.resolve.value == 0.5  # ...the others inherited from the base
    assert aaa.leverage is None  # null deleted the base's value
    assert s.actors["BBB"].leverage is None
    rel = s.relations["AAA"]["BBB"]
    assert rel.trade is not None and rel.trade.value == 0.4  # inherited through two levels
    assert rel.commitment is not None and rel.commitment.value == -0.2
    assert "BBB" not in s.relations  # a whole row deleted with null
    treaty = s.treaties["pact"]
    assert treaty.members == ["AAA", "BBB", "CCC"]
    assert treaty.obligation == "vague"
    assert treaty.strength is not None and treaty.strength.value == 0.45
    assert (s.run.steps, s.run.replications) == (24, 5)
    assert s.run.distancing.actor == "AAA"
    assert s.run.distancing.partners == ["BBB", "CCC"]


def test_load_raw_drops_extends_and_records_origins(chain: Path, tmp_path: Path) -> None:
    origins = Origins(root=str(chain))
    raw = load_raw(chain, origins)
    assert "extends" not in raw
    assert raw["run"] == {"steps": 24, "replications": 5, "distancing": {
        "actor": "AAA", "partners": ["BBB", "CCC"]}}  # fmt: skip
    assert Path(origins.where(("run", "steps"))[0]).name == "middle.yaml"
    assert Path(origins.where(("run", "replications"))[0]).name == "base.yaml"
    assert Path(origins.where(("title",))[0]).name == "child.yaml"


def test_extends_is_relative_to_the_file(tmp_path: Path, monkeypatch) -> None:
    write(tmp_path, "lib/base.yaml", BASE)
    child = write(tmp_path, "studies/deep/child.yaml", "extends: ../../lib/base.yaml\nname: c\n")
    monkeypatch.chdir(tmp_path / "lib")
    assert load_scenario(child).scenario.name == "c"


def test_extends_absolute_path_finds_ledger_via_parent(baseline: Path, tmp_path: Path) -> None:
    child = write(tmp_path, "child.yaml", f"extends: {baseline}\nname: child\n")
    loaded = load_scenario(child)
    assert loaded.ledger is not None
    assert loaded.scenario.actors["CHN"].traits.stability.evidence


def test_extends_chain_too_long(tmp_path: Path) -> None:
    write(tmp_path, "f0.yaml", BASE)
    for i in range(1, MAX_EXTENDS + 3):
        write(tmp_path, f"f{i}.yaml", f"extends: f{i - 1}.yaml\nname: f{i}\n")
    problems = problems_of(tmp_path / f"f{MAX_EXTENDS + 2}.yaml")
    assert [p.path for p in problems] == ["extends"]
    assert "too long" in problems[0].message


def test_self_extends_is_a_cycle(tmp_path: Path) -> None:
    path = write(tmp_path, "me.yaml", "extends: me.yaml\nname: me\ntitle: Me\n")
    [problem] = problems_of(path)
    assert (Path(problem.file).name, problem.line, problem.col) == ("me.yaml", 1, 10)
    assert "extends cycle: me.yaml -> me.yaml" in problem.message


# --------------------------------------------------------------------------- error locations


def test_error_in_parent_points_at_parent(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", BASE.replace("escalation: 0.4", "escalation: 1.4"))
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nname: child\n")
    [problem] = problems_of(child)
    assert (Path(problem.file).name, problem.line, problem.col) == ("base.yaml", 15, 17)
    assert problem.path == "actors.BBB.escalation"


def test_child_can_repair_parent(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", BASE.replace("escalation: 0.4", "escalation: 1.4"))
    child = write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\nname: child\nactors: {BBB: {escalation: 0.4}}\n",
    )
    assert load_scenario(child).scenario.actors["BBB"].escalation.value == 0.4


def test_error_in_child_points_at_child(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", BASE)
    child = write(
        tmp_path,
        "child.yaml",
        """\
        extends: base.yaml
        name: child
        actors:
          AAA:
            traits:
              stabilty: 0.3
        """,
    )
    [problem] = problems_of(child)
    assert (Path(problem.file).name, problem.line, problem.col) == ("child.yaml", 6, 7)
    assert problem.path == "actors.AAA.traits.stabilty"
    assert "did you mean 'stability'" in problem.message


def test_middle_and_child_errors_each_in_their_file(chain: Path, tmp_path: Path) -> None:
    write(tmp_path, "middle.yaml", MIDDLE.replace("stability: 0.9", "stability: 9"))
    write(tmp_path, "child.yaml", CHILD.replace("commitment: -0.2", "commitment: -2"))
    problems = problems_of(chain)
    where = {(Path(p.file).name, p.line, p.col, p.path) for p in problems}
    assert where == {
        ("middle.yaml", 6, 25, "actors.AAA.traits.stability"),
        ("child.yaml", 6, 23, "relations.AAA.BBB.commitment"),
    }


def test_dangling_reference_after_child_deletes_actor(chain: Path, tmp_path: Path) -> None:
    # The child deletes CCC; the middle's treaty still names it: the error is in the middle.
    child = CHILD.replace("  BBB: null\n", "  BBB: null\nactors: {CCC: null}\n")
    write(tmp_path, "child.yaml", child.replace("partners: [BBB, CCC]", "partners: [BBB]"))
    [problem] = problems_of(chain)
    assert (Path(problem.file).name, problem.line, problem.col) == ("middle.yaml", 14, 30)
    assert problem.path == "treaties.pact.members.2"
    # since round 17 it names the removal that left the reference dangling (child.yaml:8)
    assert problem.message.startswith("treaty member 'CCC' was removed by actors.CCC: null (")
    assert "child.yaml:8:" in problem.message and "remove or change what refers to it" in (
        problem.message
    )


# --------------------------------------------------------------------------- --set overrides


def test_set_keeps_evidence_and_changes_value(baseline: Path) -> None:
    before = load_scenario(baseline)
    after = load_scenario(baseline, {"actors.CHN.traits.stability": 0.5})
    old = before.scenario.actors["CHN"].traits.stability
    new = after.scenario.actors["CHN"].traits.stability
    assert old.value == 0.9 and new.value == 0.5
    assert new.evidence == old.evidence == ["chn-wants-stability", "chn-control-no-collapse"]
    assert after.content_hash() != before.content_hash()
    assert after.raw["actors"]["CHN"]["traits"]["stability"] == {
        "value": 0.5,
        "evidence": ["chn-wants-stability", "chn-control-no-collapse"],
    }


def test_set_bare_number_and_new_keys(chain: Path) -> None:
    loaded = load_scenario(
        chain,
        {
            "actors.BBB.escalation": 0.25,
            "parameters.fatigue": 0.4,
            "relations.BBB.AAA.commitment": 0.1,
        },
    )
    s = loaded.scenario
    assert s.actors["BBB"].escalation.value == 0.25
    assert s.actors["BBB"].escalation.evidence == []
    assert s.parameters.fatigue == 0.4  # the parameters block did not exist
    assert s.relations["BBB"]["AAA"].commitment.value == 0.1  # nor did this row


@pytest.mark.parametrize(
    "path, value, key_path, message",
    [
        ("actors.CHN.traits.stabilty", 0.5, "actors.CHN.traits.stabilty", "did you mean"),
        ("actors.CHN.traits.stability", 1.5, "actors.CHN.traits.stability.value", "at most 1"),
        ("actors.XYZ.escalation", 0.5, "actors.XYZ.escalation", "unknown actor 'XYZ'"),
        ("name.sub", 1, "name.sub", "not a mapping"),
        ("parameters.no_such_parameter", 1, "parameters.no_such_parameter", "unknown key"),
    ],
)
def test_set_errors_point_at_set(
    baseline: Path, path: str, value: object, key_path: str, message: str
) -> None:
    problems = problems_of(baseline, {path: value})
    assert problems[0].file == "--set"
    assert (problems[0].line, problems[0].col, problems[0].path) == (1, 1, key_path)
    assert message in problems[0].message
    assert all(p.file == "--set" for p in problems)
