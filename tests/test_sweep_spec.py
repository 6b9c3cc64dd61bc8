"""Sweep specs: the three sources merge, and every bad spec is one located line, exit 2."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.cli import main
from sim.jobs.sweep.spec import load_spec

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
LOCATED = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<path>\S+): (?P<msg>.+)$")

EVENTS = """
events:
  tech:
    label: tech transfer
    at: 6
    set: {relations.PRK.RUS.military_supply: 0.6}
"""


def sweep_file(tmp_path: Path, body: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"scenario: {BASELINE}\n" + body.lstrip("\n"))
    return path


def with_events(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "events.yaml"
    path.write_text(f"extends: {BASELINE}\nname: with_events\n" + EVENTS + extra)
    return path


def run_cli(capsys, *argv: str) -> tuple[int, list[str]]:
    code = main(["sweep", *argv, "-q", "--no-analysis"])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    return code, err


# (body of the sweep file, line, col, key path, message piece)
FILE_CASES = [
    (
        "design: random\nparameters: {parameters.noise: '0:0.1'}\n",
        2,
        9,
        "design",
        "expected one of grid",
    ),
    (
        "replication: 5\nparameters: {parameters.noise: '0:0.1'}\n",
        2,
        1,
        "replication",
        "did you mean 'replications'",
    ),
    (
        "parameters:\n  parameters.reactivity: 0:5\n",
        3,
        26,
        "parameters.reactivity",
        "high: expected a number at most 2, found 5",
    ),
    (
        "parameters:\n  actors.XYZ.escalation: 0:1\n",
        3,
        26,
        "actors.XYZ.escalation",
        "actors has no 'XYZ'",
    ),
    (
        "parameters:\n  actors.CHN.traits.resolv: 0:1\n",
        3,
        29,
        "actors.CHN.traits.resolv",
        "did you mean 'resolve'",
    ),
    ("parameters:\n  run.steps: 10:20\n", 3, 14, "run.steps", "run.* cannot be swept"),
    (
        "parameters:\n  relations.PRK.CHN.trade: [0.1, vague]\n",
        3,
        28,
        "relations.PRK.CHN.trade",
        "of one kind",
    ),
    ("parameters:\n  parameters.fatigue: 0.3\n", 3, 23, "parameters.fatigue", "not a sweep"),
    (
        "parameters:\n  actors.CHN.escalation: {low: 0.5, high: 0.2}\n",
        3,
        26,
        "actors.CHN.escalation",
        "low (0.5) must be below high (0.2)",
    ),
    (
        "parameters:\n  actors.CHN.escalation: {low: 0.1, hi: 0.2}\n",
        3,
        26,
        "actors.CHN.escalation",
        "unknown key 'hi'",
    ),
    (
        "parameters:\n  treaties.rus_prk_2024.obligation: [automatic, firm]\n",
        3,
        37,
        "treaties.rus_prk_2024.obligation",
        "value 'firm'",
    ),
    ("parameters: {}\n", 2, 13, "parameters", "no parameters to sweep"),
    (
        "samples: -3\nparameters: {parameters.noise: '0:0.1'}\n",
        2,
        10,
        "samples",
        "expected a whole number at least 1",
    ),
    (
        "set: {actors.CHN.escalation: 3}\nparameters: {parameters.noise: '0:0.1'}\n",
        2,
        30,
        "actors.CHN.escalation",
        "at most 1, found 3",
    ),
]


@pytest.mark.parametrize(("body", "line", "col", "path", "piece"), FILE_CASES)
def test_bad_sweep_file_is_one_located_line(tmp_path, capsys, body, line, col, path, piece):
    spec = sweep_file(tmp_path, body)
    code, err = run_cli(capsys, str(spec))
    assert code == 2
    assert len(err) == 1, err
    m = LOCATED.match(err[0])
    assert m, err[0]
    assert (m["file"], int(m["line"]), int(m["col"]), m["path"]) == (str(spec), line, col, path)
    assert piece in m["msg"]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path, capsys):
    spec = sweep_file(tmp_path, "design: random\nparameters:\n  parameters.reactivity: 0:5\n")
    code, err = run_cli(capsys, str(spec))
    assert code == 2
    assert [LOCATED.match(e)["path"] for e in err] == ["design", "parameters.reactivity"]


def test_bad_yaml_and_missing_scenario(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"scenario: {BASELINE}\nparameters: [unclosed\n")
    code, err = run_cli(capsys, str(bad))
    assert code == 2 and len(err) == 1 and LOCATED.match(err[0].replace(": YAML", ": - YAML", 1))
    missing = tmp_path / "m.yaml"
    missing.write_text("scenario: nowhere.yaml\nparameters: {parameters.noise: '0:0.1'}\n")
    code, err = run_cli(capsys, str(missing))
    assert code == 2 and err == [f"{missing}:1:11: scenario: scenario file not found: nowhere.yaml"]


PARAM_CASES = [
    ("parameters.reactivity=abc", "expected LOW:HIGH[:N] (a range) or v1,v2,..."),
    ("parameters.reactivity=0.5:0.1", "low (0.5) must be below high (0.1)"),
    ("parameters.reactivity=0.1:0.5:1", "levels must be a whole number of at least 2"),
    ("parameters.reactivity=0:9", "high: expected a number at most 2, found 9"),
    ("parameters.nope=0.1:0.5", "unknown key 'nope' (did you mean 'noise'?)"),
    ("relations.PRK.CHN.trade=0:1.5", "high: expected a number at most 1, found 1.5"),
    ("actors.CHN.escalation=0.1", "expected LOW:HIGH[:N]"),
    ("noequals", "expected key.path=LOW:HIGH[:N]"),
]


@pytest.mark.parametrize(("flag", "piece"), PARAM_CASES)
def test_bad_param_flag_is_one_line(capsys, flag, piece):
    code, err = run_cli(capsys, str(BASELINE), "--param", flag)
    assert code == 2
    assert len(err) == 1
    assert err[0].startswith(f"alliance-sim sweep: error: --param {flag.split('=')[0]}")
    assert piece in err[0]


@pytest.mark.parametrize(
    ("argv", "piece"),
    [
        ((), "nothing to sweep"),
        (("--param", "parameters.noise=0:0.1", "--design", "sobol", "--samples", "10"),
         "power of two"),
        (("--param", "parameters.noise=0:0.1", "--design", "morris"), "at least two parameters"),
        (("--param", "parameters.noise=0:0.1", "--scheduler", "tcp://127.0.0.1:1"),
         "--scheduler needs --executor dask"),
        (("--param", "parameters.noise=0:0.1", "-n", "0"), "--replications must be at least 1"),
    ],
)  # fmt: skip
def test_bad_command_lines(capsys, argv, piece):
    code, err = run_cli(capsys, str(BASELINE), *argv)
    assert code == 2 and len(err) == 1 and piece in err[0], err


def test_sources_merge_flags_win(tmp_path):
    scenario = with_events(
        tmp_path,
        "sweep:\n  design: lhs\n  samples: 7\n  replications: 3\n"
        "  parameters:\n    parameters.noise: 0:0.05\n    events.tech.at: 2:9\n",
    )
    spec = load_spec(
        scenario, ["parameters.noise=0.01,0.02", "actors.PRK.traits.resolve=0.5:0.9"],
        {"actors.CHN.escalation": 0.2}, replications=4,
    )  # fmt: skip
    assert spec.name == "with_events" and spec.design == "lhs" and spec.n_samples == 7
    assert spec.replications == 4
    by_path = {p.path: p for p in spec.params}
    assert list(by_path) == ["events.tech.at", "parameters.noise", "actors.PRK.traits.resolve"]
    assert by_path["parameters.noise"].kind == "choice"
    assert by_path["events.tech.at"].integer and by_path["events.tech.at"].low == 2
    assert spec.base_raw["actors"]["CHN"]["escalation"]["value"] == 0.2
    assert spec.base_raw["actors"]["CHN"]["escalation"]["evidence"]  # the weight keeps evidence


def test_event_effect_and_treaty_paths(tmp_path):
    scenario = with_events(tmp_path)
    spec = load_spec(
        scenario,
        [
            "events.tech.set.relations.PRK.RUS.military_supply=0.2:0.9",
            "treaties.chn_prk_1961.obligation=vague,automatic",
            "actors.UKR.active=true,false",
        ],
    )
    keys = {p.path: p.keys for p in spec.params}
    assert keys["events.tech.set.relations.PRK.RUS.military_supply"] == (
        "events", "tech", "set", "relations.PRK.RUS.military_supply",
    )  # fmt: skip
    assert [p.values for p in spec.params[1:]] == [("vague", "automatic"), (True, False)]


def test_unquoted_base60_range_is_read_as_text(tmp_path):
    """YAML 1.1 reads `2:30` as 150 (base 60); a sweep range means LOW:HIGH."""
    scenario = with_events(tmp_path, "sweep:\n  parameters:\n    events.tech.at: 2:30\n")
    (param,) = load_spec(scenario).params
    assert (param.low, param.high, param.integer) == (2, 30, True)
