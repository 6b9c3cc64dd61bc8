"""Every way an observations file can be wrong gives one exact located line.

Each row: a change to a valid one-observation file, and the exact line the loader prints
(FILE:LINE:COL: key.path: expected …, found …). Unknown and missing keys are said in the
scenario loader's words (sim/scenario/messages.py): one translator for every file kind.
The files are generated in tmp_path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import ScenarioError
from sim.observe.observations import load_observations

VALID = """\
observations:
  - id: prk-launches-2017
    kind: missile_launches
    actor: PRK
    period: "2017"
    value: 20
    unit: launch events per year
    reliability: estimate
    source: {publisher: P, title: T, date: "2018-01-05", url: "https://example.org/a"}
"""

# (replace this text, by this text, line, col, key path, message)
CASES = [
    (
        "kind: missile_launches",
        "kind: missiles",
        3,
        11,
        "observations.0.kind",
        "expected one of missile_launches, nuclear_test, trade_value, unsc_vote, joint_exercise, "
        "summit, sanction_measure, found 'missiles'",
    ),
    (
        'period: "2017"',
        'period: "2017-13"',
        5,
        13,
        "observations.0.period",
        'expected "YYYY", "YYYY-MM" or "YYYY-MM/YYYY-MM" (real dates), found \'2017-13\'',
    ),
    (
        'period: "2017"',
        'period: "2017-05/2017-02"',
        5,
        13,
        "observations.0.period",
        'expected "YYYY", "YYYY-MM" or "YYYY-MM/YYYY-MM" (real dates), found \'2017-05/2017-02\'',
    ),
    (
        "value: 20",
        "value: 2.5",
        6,
        12,
        "observations.0.value",
        "expected a whole number in [0, 10,000] (a count), found 2.5",
    ),
    (
        "value: 20",
        "value: -3",
        6,
        12,
        "observations.0.value",
        "expected a whole number in [0, 10,000] (a count), found -3",
    ),
    (
        "value: 20",
        "value: many",
        6,
        12,
        "observations.0.value",
        "expected a whole number in [0, 10,000] (a count), found 'many'",
    ),
    (
        "reliability: estimate",
        "reliability: sure",
        8,
        18,
        "observations.0.reliability",
        "expected one of solid, estimate, derived, contested, found 'sure'",
    ),
    (
        "actor: PRK",
        "actor: prk",
        4,
        12,
        "observations.0.actor",
        "expected an actor id like PRK (2–12 capitals, digits or _, from a capital), found 'prk'",
    ),
    (
        "actor: PRK",
        "pair: [CHN, PRK]",
        4,
        11,
        "observations.0.pair",
        "expected 'actor' (a missile_launches observation is about one actor), found 'pair'",
    ),
    (
        "    unit: launch events per year\n",
        "",
        2,
        5,
        "observations.0",
        "missing required key 'unit'",
    ),
    (
        "    kind: missile_launches\n",
        "    kind: missile_launches\n    colour: red\n",
        4,
        5,
        "observations.0.colour",
        "unknown key 'colour'; expected one of: actor, id, kind, note, pair, period, "
        "reliability, source, unit, value",
    ),
    (
        'date: "2018-01-05"',
        'date: "last year"',
        9,
        44,
        "observations.0.source.date",
        "expected a date \"YYYY-MM-DD\", found 'last year'",
    ),
    (
        'url: "https://example.org/a"',
        'url: "example.org"',
        9,
        63,
        "observations.0.source.url",
        "expected an http(s) address, found 'example.org'",
    ),
    (
        "publisher: P, ",
        "",
        9,
        13,
        "observations.0.source",
        "missing required key 'publisher'",
    ),
    (
        "id: prk-launches-2017",
        "id: PRK launches",
        2,
        9,
        "observations.0.id",
        "expected an id of lower-case letters, digits and '-', found 'PRK launches'",
    ),
    (
        "observations:",
        "title: x\nobservations:",
        1,
        1,
        "title",
        "unknown key 'title'; expected one of: observations",
    ),
]
PAIR = VALID.replace("kind: missile_launches", "kind: summit").replace(
    "actor: PRK", "pair: [CHN, CHN]"
)
# a vote by China: North Korea does not vote on resolutions about itself (refused since round 7)
VOTE = VALID.replace("kind: missile_launches", "kind: unsc_vote").replace(
    "actor: PRK", "actor: CHN"
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "obs.yaml"
    path.write_text(text)
    return path


def test_valid_file_loads(tmp_path):
    (obs,) = load_observations(_write(tmp_path, VALID))
    assert (obs.kind, obs.actors, obs.value, obs.line) == ("missile_launches", ("PRK",), 20, 2)
    assert obs.last - obs.first == 11  # a calendar year is twelve months, inclusive


@pytest.mark.parametrize(("old", "new", "line", "col", "path", "message"), CASES)
def test_error_corpus(tmp_path, capsys, old, new, line, col, path, message):
    assert old in VALID
    file = _write(tmp_path, VALID.replace(old, new))
    with pytest.raises(ScenarioError) as err:
        load_observations(file)
    assert [str(p) for p in err.value.problems] == [f"{file}:{line}:{col}: {path}: {message}"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            PAIR,
            ":4:11: observations.0.pair: a pair needs two different actors, found [CHN, CHN]",
        ),
        (
            PAIR.replace("pair: [CHN, CHN]", "actor: PRK"),
            ":2:5: observations.0.pair: expected 'pair' (a summit observation is about two "
            "actors), found nothing",
        ),
        (
            VALID.replace("    actor: PRK\n", ""),
            ":2:5: observations.0.actor: expected an actor id like PRK (2–12 capitals, digits or "
            "_, from a capital), found nothing",
        ),
        (
            VALID.replace("value: 20", "value: true"),
            ":6:12: observations.0.value: expected a whole number in [0, 10,000] (a count), "
            "found true",
        ),
        (
            VOTE.replace("value: 20", "value: 2"),
            ":6:12: observations.0.value: expected 1 (yes), "
            "0 (abstain) or -1 (no or veto), found 2",
        ),
    ],
)
def test_kind_specific_errors(tmp_path, text, expected):
    file = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_observations(file)
    assert [str(p) for p in err.value.problems] == [f"{file}{expected}"]


def test_duplicate_ids_across_files_name_the_first(tmp_path):
    a = tmp_path / "a.yaml"
    b = tmp_path / "b.yaml"
    a.write_text(VALID)
    b.write_text(VALID)
    with pytest.raises(ScenarioError) as err:
        load_observations([a, b])
    assert [str(p) for p in err.value.problems] == [
        f"{b}:2:9: observations.0.id: expected a unique id (first on {a}:2), "
        "found 'prk-launches-2017'"
    ]


def test_every_problem_reported_in_one_pass(tmp_path):
    text = VALID.replace("value: 20", "value: -1").replace(
        "reliability: estimate", "reliability: x"
    )
    with pytest.raises(ScenarioError) as err:
        load_observations(_write(tmp_path, text))
    assert [p.line for p in err.value.problems] == [6, 8]


def test_hindcast_bad_file_one_line_exit_2(tmp_path, capsys, baseline):
    file = _write(tmp_path, VALID.replace("value: 20", "value: 2.5"))
    assert main(["hindcast", str(file), str(baseline), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"{file}:6:12: observations.0.value: "
        "expected a whole number in [0, 10,000] (a count), found 2.5"
    ]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["calibrate", "spec.yaml", "--resume"],
            "alliance-sim calibrate: error: --resume needs the --out folder of the interrupted "
            "calibration",
        ),
        (
            ["calibrate", "spec.yaml", "--workers", "0"],
            "alliance-sim calibrate: error: --workers must be at least 1",
        ),
    ],
)
def test_calibrate_flag_errors_one_line(capsys, args, message):
    assert main(args) == 2
    assert capsys.readouterr().err.strip() == message


def test_hindcast_outside_the_window_is_one_line(tmp_path, capsys, baseline):
    file = _write(tmp_path, VALID)  # 2017: the baseline starts in June 2024
    assert main(["hindcast", str(file), str(baseline), "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"alliance-sim hindcast: error: no observation of {file} falls inside baseline's "
        "time window (2024-06 to 2027-05)"  # its months named since round 23
    )
    assert not (tmp_path / "o").exists()
