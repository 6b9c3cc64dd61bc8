"""Every way a scenario file can be wrong gives one located line, never a traceback.

The corpus in tests/data/bad/ holds one error class per file. Each row of `CASES` names the
file, and the exact line, column and key path of the first problem the loader reports,
plus a piece of its message. Files that cannot live in git unchanged (not UTF-8, too large)
or must not exist on disk for long (python tags with side effects) are generated in tmp_path.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import Problem, ScenarioError
from sim.scenario.loader import load_scenario
from sim.scenario.yamlio import MAX_BYTES, MAX_DEPTH

BAD = Path(__file__).resolve().parent / "data" / "bad"
LINE = re.compile(r"^[^:]+:\d+:\d+: ")

# (file, line, col, key path, message substring[, file the problem is in])
CASES: list[tuple] = [
    ("syntax_error.yaml", 5, 1, "", "quoted scalar that starts at line 3, column 8"),
    ("duplicate_key.yaml", 7, 3, "run.steps", "duplicate key (first defined on line 5)"),
    ("unknown_key.yaml", 7, 7, "actors.CHN.traits.stabilty", "(did you mean 'stability'?)"),
    ("wrong_type.yaml", 6, 17, "actors.PRK.escalation", "found text 'high'"),
    ("out_of_range.yaml", 7, 22, "relations.PRK.CHN.trade.value", "at most 1, found 1.7"),
    ("parameter_out_of_range.yaml", 5, 12, "parameters.fatigue", "at most 2, found 2.5"),
    ("parameter_weight_object.yaml", 5, 12, "parameters.fatigue", "expected a number, found a"),
    (
        "event_effect_text.yaml",
        8,
        36,
        "events.sanctions.add.relations.PRK.CHN.trade",
        "expected a number or true/false, found text 'a lot'",
    ),
    ("bad_enum.yaml", 6, 17, "treaties.rus_prk_2024.obligation", "found text 'mandatory'"),
    ("bad_actor_id.yaml", 5, 3, "actors.blr", "expected an id matching"),
    ("missing_key.yaml", 6, 5, "actors.BLR", "missing required key 'traits'"),
    (
        "unknown_actor_relation.yaml",
        6,
        5,
        "relations.PRK.CHM",
        "unknown relation target 'CHM' (did you mean 'CHN'?)",
    ),
    ("unknown_actor_treaty.yaml", 6, 25, "treaties.new_pact.members.2", "treaty member 'BLR'"),
    ("unknown_actor_event.yaml", 9, 7, "events.surge.add.actors.PRC.escalation", "actor 'PRC'"),
    ("unknown_actor_condition.yaml", 7, 39, "events.crisis.when.actor", "unknown actor 'NKR'"),
    (
        "event_bad_target.yaml",
        9,
        7,
        "events.talks.set.relations.CHN.PRK.friendship",
        "found 'friendship'",
    ),
    (
        "unknown_evidence.yaml",
        7,
        42,
        "actors.CHN.traits.stability.evidence.0",
        "unknown evidence id 'chn-wants-stabilty' (did you mean 'chn-wants-stability'?)",
    ),
    (
        "cycle_a.yaml",
        1,
        10,
        "extends",
        "extends cycle: cycle_a.yaml -> cycle_b.yaml -> cycle_a.yaml",
        "cycle_b.yaml",
    ),
    (
        "cycle_b.yaml",
        1,
        10,
        "extends",
        "extends cycle: cycle_b.yaml -> cycle_a.yaml -> cycle_b.yaml",
        "cycle_a.yaml",
    ),
    ("extends_missing.yaml", 3, 10, "extends", "extends file not found"),
    ("extends_not_path.yaml", 1, 10, "extends", "expected a file path"),
    ("empty.yaml", 1, 1, "", "empty file"),
    ("not_a_mapping.yaml", 1, 1, "", "expected a mapping, found list"),
    ("deep_nesting.yaml", 4, 100, "", f"nested more than {MAX_DEPTH} levels deep"),
    ("recursive_alias.yaml", 4, 8, "sweep" + ".again" * 23, "through aliases"),
    ("alias_bomb.yaml", 4, 19, "sweep.a2.8.0.0", "alias bomb"),  # 1,000 alias uses
    ("merge_key.yaml", 8, 7, "relations.JPN.KOR", "merge keys (<<) are not supported"),
    ("python_tag.yaml", 3, 8, "title", "python/object/apply:os.getcwd' is not allowed"),
    ("event_no_trigger.yaml", 6, 5, "events.drift", "give 'at' (a step) or 'when'"),
    ("condition_two_bounds.yaml", 7, 11, "events.watch.when", "exactly one of 'above' or 'below'"),
]


def problems_of(path: Path, overrides: dict | None = None) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    assert info.value.problems, "ScenarioError without problems"
    return info.value.problems


def first_problem(path: Path) -> Problem:
    return problems_of(path)[0]


def same_file(a: str | Path, b: str | Path) -> bool:
    return Path(a).resolve() == Path(b).resolve()


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_first_problem_is_located(case: tuple) -> None:
    name, line, col, path, message = case[:5]
    in_file = BAD / (case[5] if len(case) > 5 else name)
    problems = problems_of(BAD / name)
    problem = problems[0]
    assert (problem.line, problem.col, problem.path) == (line, col, path), str(problem)
    assert message in problem.message, str(problem)
    assert same_file(problem.file, in_file), str(problem)
    # One mistake per file, reported once (not once per member of a union type).
    assert len(problems) == 1, "\n".join(map(str, problems))


def test_every_corpus_file_has_a_case() -> None:
    assert {p.name for p in BAD.glob("*.yaml")} == {c[0] for c in CASES}


def test_not_utf8(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"name: latin1\ntitle: caf\xe9 au lait\n")
    problem = first_problem(bad)
    assert (problem.line, problem.col, problem.path) == (2, 11, "")
    assert "not UTF-8: byte 0xe9" in problem.message


def test_too_large(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"name: big\ntitle: big\n" + b"#" * MAX_BYTES)
    problem = first_problem(big)
    assert (problem.line, problem.col, problem.path) == (1, 1, "")
    assert f"at most {MAX_BYTES}" in problem.message


def test_alias_bomb_is_refused() -> None:
    # No timed assertion (the guide forbids them; they fail under load): the refusal message
    # itself says the expansion was stopped before it happened.
    problem = first_problem(BAD / "alias_bomb.yaml")
    assert "alias bomb" in problem.message


@pytest.mark.parametrize(
    "template, where",
    [
        ('title: !!python/object/apply:os.mkdir ["{s}"]\n', (2, 8, "title")),
        ("title: !!python/object/new:os.mkdir {{args: ['{s}']}}\n", (2, 8, "title")),
        ("title: !!python/name:os.mkdir ''\n", (2, 8, "title")),
        ('--- !!python/object/apply:os.mkdir ["{s}"]\n', (1, 5, "")),
    ],
    ids=["sequence", "mapping", "scalar", "document"],
)
def test_python_tags_construct_nothing(tmp_path: Path, template: str, where: tuple) -> None:
    sentinel = tmp_path / "constructed"
    bad = tmp_path / "tagged.yaml"
    head = "" if template.startswith("---") else "name: tagged\n"
    bad.write_text(head + template.format(s=sentinel))
    problem = first_problem(bad)
    assert (problem.line, problem.col, problem.path) == where
    assert "is not allowed" in problem.message
    assert not sentinel.exists(), "a python tag was constructed"


# --------------------------------------------------------------------------- CLI


def test_cli_validate_bad_files(capsys: pytest.CaptureFixture[str]) -> None:
    names = sorted(c[0] for c in CASES)
    assert main(["validate", *(str(BAD / n) for n in names)]) == 2
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert all(LINE.match(line) for line in lines), err
    assert "Traceback" not in err
    assert out == "", "a bad file was reported ok"
    # Every file gets its line (cycle_a's problem is reported in cycle_b and vice versa).
    files = {Path(line.split(":")[0]).resolve().name for line in lines}
    assert files == set(names)
    assert len(lines) == len(names)


def test_cli_validate_generated_bad_files(tmp_path: Path, capsys) -> None:
    (tmp_path / "latin1.yaml").write_bytes(b"name: x\ntitle: caf\xe9\n")
    (tmp_path / "big.yaml").write_bytes(b"#" * (MAX_BYTES + 1))
    (tmp_path / "missing.yaml").unlink(missing_ok=True)
    paths = [str(tmp_path / n) for n in ("latin1.yaml", "big.yaml", "missing.yaml")]
    assert main(["validate", *paths]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3
    assert all(LINE.match(line) for line in lines)
    assert "file not found" in lines[2]


def test_cli_validate_baseline(baseline: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(baseline)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == f"{baseline}: ok"
    assert err == ""


def test_cli_validate_reports_every_file(baseline: Path, capsys) -> None:
    assert main(["validate", str(baseline), str(BAD / "wrong_type.yaml")]) == 2
    out, err = capsys.readouterr()
    assert f"{baseline}: ok" in out
    assert "actors.PRK.escalation" in err


def test_cli_evidence_strict_baseline(baseline: Path, capsys) -> None:
    assert main(["evidence", str(baseline), "--strict"]) == 0
    out, err = capsys.readouterr()
    assert "0 without" in out
    assert err == ""


def test_cli_evidence_strict_bare_number(baseline: Path, tmp_path: Path, capsys) -> None:
    # Lives in tmp_path: the ledger is found from baseline.yaml, the file it extends.
    variant = tmp_path / "bare.yaml"
    variant.write_text(
        f"extends: {baseline}\nname: bare\ntitle: Bare number\n"
        "actors:\n  CHN:\n    traits:\n      stability: 0.5\n"
    )
    assert main(["evidence", str(variant)]) == 0
    capsys.readouterr()
    assert main(["evidence", str(variant), "--strict"]) == 2
    out, err = capsys.readouterr()
    assert "1 without" in out
    expected = f"{variant}:7:18: actors.CHN.traits.stability: no evidence ids (strict)"
    assert err.splitlines() == [expected]


def test_cli_bad_set_is_one_line(baseline: Path, capsys) -> None:
    assert main(["evidence", str(baseline), "--set", "actors.CHN.traits.stabilty=0.5"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("--set:1:1: actors.CHN.traits.stabilty: unknown key")
    assert "Traceback" not in err
    assert main(["evidence", str(baseline), "--set", "no-equals-sign"]) == 2
    assert "expected key.path=value" in capsys.readouterr().err


def test_set_null_that_breaks_its_object_names_the_set(baseline: Path, capsys) -> None:
    """`--set events.E.at=null` leaves the event neither `at` nor `when`: the error is the
    override's, not the line of the file that wrote the event."""
    args = ["evidence", str(baseline), "--set", "events.pact_signed.at=null"]
    assert main(args) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == ["--set:1:1: events.pact_signed.at: give 'at' (a step) or 'when' "
                   "(a condition); null removes the key"]  # fmt: skip
