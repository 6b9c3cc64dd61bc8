"""Reliability suite, round 16: what a newcomer meets on the command line and in the Python
API in the places earlier rounds touched least: sweeps of keys no design point can change,
YAML 1.1's octal numbers, a scenario copied out of the repository, the evidence ledger given
to `validate`, paths that start with `~`, the network chart's steps through the API, `-o`
paths that name a folder, and the job calls' arguments of the wrong type.

Each case was a fault before its fix: a traceback, a wrong number read without a word, a
refusal after the plan line, hundreds of identical lines, or one folder's manifest read
beside another folder's tables. docs/reliability.md, section 21, lists them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import matplotlib
import numpy as np
import pytest

import sim
from sim.cli import main
from tests.reliability_tools import BASELINE, MINI, REPO, one_line, small_run

matplotlib.use("Agg")

LEDGER = REPO / "seeds" / "ledger.yaml"


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """A fresh baseline run (2 replications, 3 steps), read-only for the tests below."""
    return small_run(tmp_path_factory.mktemp("round16"))


# --------------------------------------------------------------------------- 1. sweeps
@pytest.mark.parametrize("flag", ["name=a,b", "title=a,b", "actors.PRK.name=a,b"])
def test_a_sweep_of_a_key_no_design_point_changes_is_refused_before_the_plan(
    tmp_path, capsys, flag
):
    """`sweep --param name=a,b` printed its plan line, then failed at design point 0 (the
    scenario accepts a name, the model input has none): "Not covered" since round 3."""
    out = tmp_path / "sweep"
    code = main(["sweep", str(BASELINE), "--param", flag, "-n", "1", "--steps", "2",
                 "--out", str(out), "-q", "--no-analysis"])  # fmt: skip
    line = one_line(capsys)  # the plan line is not printed
    assert code == 2
    assert line.startswith(f"alliance-sim sweep: error: --param {flag}: value 'a': ")
    assert "a model input's values are parameters.NAME" in line
    assert list(tmp_path.iterdir()) == []


def test_a_sweep_file_sweeping_a_title_is_refused_at_its_line(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"scenario: {BASELINE}\nsteps: 2\nreplications: 1\nparameters:\n"
                    "  title: [a, b]\n")  # fmt: skip
    code = main(["sweep", str(spec), "--out", str(tmp_path / "out"), "-q", "--no-analysis"])
    line = one_line(capsys)
    assert code == 2
    assert line.startswith(f"{spec}:5:3: title: value 'a': not a value of the model input")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("flag", ["run.steps=5", "run.replications=1"])
def test_a_run_setting_fixed_in_a_sweep_is_not_called_swept(tmp_path, capsys, flag):
    """`sweep S --set run.steps=5 --param …` (flags copied from `run`) was told "run.*
    cannot be swept": it was fixed, not swept."""
    code = main(["sweep", str(BASELINE), "--set", flag, "--param",
                 "parameters.reactivity=0.1,0.2", "--out", str(tmp_path / "s"), "-q"])  # fmt: skip
    assert code == 2
    assert one_line(capsys) == (
        f"alliance-sim sweep: error: --set {flag}: run.* cannot be set in a sweep (use "
        "--steps, -n and --seed for the run settings)"
    )


# --------------------------------------------------------------------------- 2. octal
@pytest.mark.parametrize(
    ("old", "new", "key", "read", "meant"),
    [("steps: 6", "steps: 010", "run.steps", 8, 10),
     ("replications: 4", "replications: 012", "run.replications", 10, 12)],
)  # fmt: skip
def test_a_whole_number_with_a_leading_zero_is_refused_as_octal(
    tmp_path, capsys, old, new, key, read, meant
):
    """YAML 1.1 reads `steps: 010` as 8: the run had 8 steps, `validate` said ok."""
    path = tmp_path / "s.yaml"
    path.write_text(MINI.replace(old, new))
    assert main(["validate", str(path)]) == 2
    line = one_line(capsys)
    assert f": {key}: expected a number, found 0" in line
    assert f"reads as octal ({read}); write {meant} without the leading zero" in line


def test_a_base_60_number_is_the_text_written(tmp_path, capsys):
    """YAML 1.1 reads `steps: 1:30` as 90 (base 60): a 90-step run without a word; a title
    `12:30` was refused as "found 750"."""
    path = tmp_path / "s.yaml"
    path.write_text(MINI.replace("steps: 6", "steps: 1:30"))
    assert main(["validate", str(path)]) == 2
    assert one_line(capsys).endswith("run.steps: expected a whole number, found text '1:30'")
    path.write_text(MINI.replace("title: Mini", "title: 12:30"))
    assert main(["validate", str(path)]) == 0, capsys.readouterr().err
    assert sim.load(path).scenario.title == "12:30"


def test_zero_and_quoted_leading_zeros_are_not_octal(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(
        MINI.replace("name: mini", 'name: "007"').replace("escalation: 0.1", "escalation: 0")
    )
    assert main(["validate", str(path)]) == 0, capsys.readouterr().err


# --------------------------------------------------------------------------- 3. the ledger
def test_a_scenario_copied_out_of_the_repository_is_one_line_about_the_ledger(tmp_path, capsys):
    """A copy of the baseline with no seeds/ledger.yaml above it: 211 identical lines, one
    per cited evidence id."""
    copy = tmp_path / "study.yaml"
    shutil.copy(BASELINE, copy)
    assert main(["validate", str(copy)]) == 2
    line = one_line(capsys)
    assert line.startswith(f"{copy}:")
    assert "no seeds/ledger.yaml found above this file to check its 211 evidence ids" in line


def test_validate_checks_the_evidence_ledger_as_a_ledger(capsys):
    """`validate seeds/ledger.yaml` read the ledger as a scenario: "missing required key
    'title'", "unknown key 'records'"; exit 2 on a valid ledger."""
    assert main(["validate", str(LEDGER)]) == 0
    out = capsys.readouterr()
    assert out.err == ""
    assert out.out.strip().startswith(f"{LEDGER}: ok (evidence ledger of ")


def test_a_broken_ledger_given_to_validate_is_checked_as_a_ledger(tmp_path, capsys):
    bad = tmp_path / "ledger.yaml"
    bad.write_text(LEDGER.read_text().replace("- id: chn-main-backer", "- id: Chn_main", 1))
    assert main(["validate", str(bad)]) == 2
    assert one_line(capsys).startswith(f"{bad}:23:9: records.0.id: ")


def test_running_the_ledger_says_what_it_is(tmp_path, capsys):
    assert main(["run", str(LEDGER), "--out", str(tmp_path / "x")]) == 2
    assert one_line(capsys) == (
        f"{LEDGER}:1:1: (document): an evidence ledger, not a scenario; scenarios cite its "
        "record ids (alliance-sim evidence SCENARIO lists them)"
    )


# --------------------------------------------------------------------------- 4. the API
def test_robustness_arguments_of_the_wrong_type_are_one_usage_error(tmp_path):
    """`sim.robustness(posterior=5)` and `spread="0.1"` were TypeError tracebacks."""
    with pytest.raises(sim.UsageError, match=r"posterior must be a file path .* found int"):
        sim.robustness(BASELINE, draws=2, n=1, steps=1, posterior=5, out=tmp_path / "a")
    with pytest.raises(sim.UsageError, match=r"--spread must be a number in \[0, 1\), found '0.1'"):
        sim.robustness(BASELINE, draws=2, n=1, steps=1, spread="0.1", out=tmp_path / "b")
    assert list(tmp_path.iterdir()) == []


def test_sim_sweep_records_the_call_it_was_made_with(tmp_path):
    """The manifest's command was `sim.sweep SPEC n=1`: no params, set, design or steps, so
    running it again swept nothing (the baseline has no `sweep:` block)."""
    res = sim.sweep(BASELINE, params={"parameters.reactivity": [0.1, 0.2]},
                    set={"parameters.fatigue": 0.3}, n=1, steps=2, out=tmp_path / "s")  # fmt: skip
    command = res.manifest["command"]
    assert command[:2] == ["sim.sweep", str(BASELINE)]
    assert "params={'parameters.reactivity': [0.1, 0.2]}" in command
    assert "set={'parameters.fatigue': 0.3}" in command
    assert {"design=grid", "n=1", "steps=2", f"seed={res.manifest['root_seed']}"} <= set(command)


@pytest.mark.parametrize("steps", [[99], [-1], [1.5], [True], [np.bool_(True)], "1", 1])
def test_the_network_charts_steps_through_the_api_are_checked(run_folder, steps):
    """`plot --at 99` was refused since round 3; `Results.plot("network", steps=[99])` drew
    the last step, and -1, 1.5, True and "1" were drawn too (`steps=1`: a TypeError)."""
    with pytest.raises(sim.UsageError, match=r"^steps: "):
        sim.Results(run_folder).plot("network", steps=steps)


def test_the_network_charts_steps_of_the_run_are_drawn(run_folder):
    import matplotlib.pyplot as plt

    res = sim.Results(run_folder)
    for steps in ([0, 3], (1,), [np.int64(2)], None):
        plt.close(res.plot("network", steps=steps))


# --------------------------------------------------------------------------- 5. paths
def test_an_out_starting_with_a_tilde_is_one_folder_for_every_writer(tmp_path, monkeypatch, capsys):
    """`--out "~/x"` (quoted, so the shell left it) reserved `./~/.x.partial-open` while
    pyarrow, which expands `~`, wrote the tables below the home folder: a one-line error
    naming a file nobody asked for, or a folder split in two."""
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    name = f"rel16-{tmp_path.name}"  # never an existing folder of the real home either
    code = main(["run", str(BASELINE), "-n", "1", "--steps", "1", "-q", "--no-plots",
                 "--out", f"~/{name}"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert (work / "~" / name / "manifest.json").is_file()
    assert list(home.iterdir()) == []
    assert not (Path.home() / f".{name}.partial-open").exists()


def test_a_results_folder_starting_with_a_tilde_is_read_whole(run_folder, tmp_path, monkeypatch):
    """`report "~/x"` and `sim.Results("~/x")` read `./~/x/manifest.json` and the tables of
    `$HOME/x` (here absent: a "not a readable Parquet file" line and a FileNotFoundError)."""
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    shutil.copytree(run_folder, work / "~" / "r")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    assert main(["report", "~/r", "-o", "r.html", "--redraw"]) == 0
    assert (work / "r.html").is_file()
    assert len(sim.Results("~/r").summary) == 2


@pytest.mark.parametrize("argv", [["report", "RUN", "-o", "sub/dir/"], ["schema", "-o", "sub/"]])
def test_an_output_file_that_ends_with_a_slash_is_refused(run_folder, tmp_path, monkeypatch,
                                                          capsys, argv):  # fmt: skip
    """`report R -o sub/dir/` wrote a file named `dir` (the slash, which said "a folder",
    was dropped with the path's parsing)."""
    monkeypatch.chdir(tmp_path)
    argv = [str(run_folder) if a == "RUN" else a for a in argv]
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].endswith("ends with '/', a folder; give a file name")
    assert not (tmp_path / "sub").exists()


def test_the_apis_out_starting_with_a_tilde_is_the_folder_pathlib_names(tmp_path, monkeypatch):
    """The API's `out="~/x"` is the folder `./~/x`, as `open` and pathlib read it."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    res = sim.run(BASELINE, n=1, steps=1, out="~/api")
    assert res.folder == tmp_path / "~" / "api"
    assert json.loads((res.folder / "manifest.json").read_text())["kind"] == "run"


# --------------------------------------------------------------------------- 6. API counts
HISTORY = REPO / "scenarios" / "history" / "base_2016.yaml"
SUMMITS = REPO / "seeds" / "observations" / "summits.yaml"
OTHER = REPO / "scenarios" / "de_escalation.yaml"
NUMPY_CALLS = {
    "run": lambda out: sim.run(BASELINE, n=np.int64(2), steps=np.int32(2), seed=np.uint64(5),
                               out=out),
    "compare": lambda out: sim.compare(BASELINE, OTHER, n=np.int64(2), steps=np.int64(2), out=out),
    "sweep": lambda out: sim.sweep(BASELINE, params={"parameters.reactivity": (0.1, 0.2)},
                                   samples=np.int64(2), n=np.int64(1), steps=np.int64(2), out=out),
    "robustness": lambda out: sim.robustness(BASELINE, draws=np.int64(2), n=np.int64(1),
                                             steps=np.int64(1), out=out),
    "hindcast": lambda out: sim.hindcast(SUMMITS, HISTORY, n=np.int64(2), draws=np.int64(1),
                                         seed=np.int64(3), out=out),
}  # fmt: skip


@pytest.mark.parametrize("call", sorted(NUMPY_CALLS))
def test_numpy_whole_numbers_are_counts_the_manifest_can_hold(tmp_path, call):
    """`sim.run(n=np.int64(2))` passed the caps, ran every replication, then failed with
    "refusing to write a manifest its readers would refuse: root_seed: expected a whole
    number, found text" (a ValueError; json writes a numpy integer as text)."""
    res = NUMPY_CALLS[call](tmp_path / "out")
    text = (res.folder / "manifest.json").read_text()
    assert json.loads(text)["kind"] in ("run", "compare", "sweep", "robustness", "hindcast")


def test_sim_robustness_records_the_call_it_was_made_with(tmp_path):
    """The command was `sim.robustness S draws=2 spread=0.25 n=1`: no steps, set or held
    structure, so run again it drew other effects."""
    res = sim.robustness(BASELINE, draws=2, n=1, steps=1, set={"parameters.fatigue": 0.3},
                         hold_structure=True, out=tmp_path / "r")  # fmt: skip
    command = res.manifest["command"]
    assert {"steps=1", "set={'parameters.fatigue': 0.3}", "hold_structure=True"} <= set(command)


# --------------------------------------------------------------------------- 7. evidence
def test_evidence_says_which_weights_were_set_on_the_command_line(capsys):
    """`evidence --set actors.PRK.escalation=0.9` printed 0.9 beside the ids that support
    the file's 0.4, "148 with evidence", and `--strict` passed."""
    argv = ["evidence", str(BASELINE), "--set", "actors.PRK.escalation=0.9"]
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    (row,) = [line for line in out if line.startswith("actors.PRK.escalation ")]
    assert row.endswith("(value set by --set; the ids support the file's value)")
    assert out[-1].endswith("147 with evidence, 0 without, 1 set by --set")
    assert main([*argv, "--strict"]) == 2
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith("actors.PRK.escalation: value set by --set, not the one its ids support (strict)")
    )


def test_a_reports_evidence_table_says_which_weights_the_run_set(tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(BASELINE), "-n", "1", "--steps", "1", "-q", "--no-plots",
                 "--set", "actors.PRK.escalation=0.9", "--out", str(out)]) == 0  # fmt: skip
    assert main(["report", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert "(value set by --set; the ids support the file&#39;s value)" in page
    assert "1 set by --set." in page


# --------------------------------------------------------------------------- 8. compare
def test_compare_says_whose_calendar_it_dates_the_steps_by(tmp_path, capsys):
    """A scenario written to start in 2030 and step by years was compared at the baseline's
    months from June 2024, without a word (its own `run.steps` has had a note since round 9)."""
    other = tmp_path / "yearly.yaml"
    other.write_text(
        f"extends: {BASELINE}\nname: yearly\nrun: {{step_unit: year, start: 2030-01}}\n"
    )
    out = tmp_path / "c"
    assert main(["compare", str(BASELINE), str(other), "-n", "1", "--steps", "2", "-q",
                 "--no-plots", "--out", str(out)]) == 0  # fmt: skip
    notes = capsys.readouterr().err.strip().splitlines()
    assert notes == [
        f"{other}:3:31: run.start: note: this scenario's start 2030-01 is not used: compare "
        "dates every scenario's steps by the first scenario's (2024-06, one month a step)",
        f"{other}:3:18: run.step_unit: note: this scenario's step_unit year is not used: "
        "compare dates every scenario's steps by the first scenario's (2024-06, one month a "
        "step)",
    ]


def test_compare_of_one_calendar_has_no_note(tmp_path, capsys):
    other = REPO / "scenarios" / "de_escalation.yaml"
    assert main(["compare", str(BASELINE), str(other), "-n", "1", "--steps", "4", "-q",
                 "--no-plots", "--out", str(tmp_path / "c")]) == 0  # fmt: skip
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------- 9. mixed folders
def _with_another_runs_aggregates(run_folder: Path, tmp_path: Path) -> Path:
    """A copy of `run_folder` whose aggregates.parquet is another seed's (a table copied
    in from another results folder after both were published)."""
    other = tmp_path / "other"
    assert main(["run", str(BASELINE), "-n", "2", "--steps", "3", "--seed", "99", "-q",
                 "--no-plots", "--out", str(other)]) == 0  # fmt: skip
    mixed = tmp_path / "mixed"
    shutil.copytree(run_folder, mixed)
    shutil.copy(other / "aggregates.parquet", mixed / "aggregates.parquet")
    return mixed


@pytest.mark.parametrize("command", ["plot", "report"])
def test_a_table_copied_in_from_another_result_is_refused(run_folder, tmp_path, capsys, command):
    """Publication refuses a folder mixing two results (section 8.1), but a table copied in
    afterwards was drawn and reported as the folder's own, exit 0."""
    mixed = _with_another_runs_aggregates(run_folder, tmp_path)
    capsys.readouterr()
    assert main([command, str(mixed)]) == 2
    line = one_line(capsys)
    assert f"{mixed / 'aggregates.parquet'}: a table of another result (" in line
    assert line.endswith("copy results folders whole, not by table")


def test_the_api_refuses_what_plot_and_report_refuse(run_folder, tmp_path):
    """`sim.Results(F)` ran none of the readers' checks: a folder with another result's
    table, or with aggregates counting 3 replications of 2, was read and drawn."""
    mixed = _with_another_runs_aggregates(run_folder, tmp_path)
    with pytest.raises(sim.UsageError, match="a table of another result"):
        sim.Results(mixed)
    damaged = tmp_path / "damaged"
    shutil.copytree(run_folder, damaged)
    manifest = json.loads((damaged / "manifest.json").read_text())
    (damaged / "manifest.json").write_text(json.dumps({**manifest, "replications": 1}))
    with pytest.raises(sim.UsageError, match="outside"):
        sim.Results(damaged)


def test_the_api_reads_an_intact_folder_and_one_it_just_wrote(run_folder, tmp_path):
    assert len(sim.Results(run_folder).summary) == 2
    res = sim.run(BASELINE, n=1, steps=1, out=tmp_path / "fresh")
    assert len(res.summary) == 1


def test_a_chart_named_with_kind_and_not_drawn_is_said(tmp_path, capsys):
    """`plot R --kind escalation,effects` of a `--series summary` run (no per-step tables)
    printed effects.png alone, exit 0: the escalation chart asked for was left out unsaid."""
    out = tmp_path / "summary-only"
    assert main(["run", str(BASELINE), "-n", "2", "--steps", "2", "--series", "summary", "-q",
                 "--no-plots", "--out", str(out)]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["plot", str(out), "--kind", "escalation,effects"]) == 0
    captured = capsys.readouterr()
    assert captured.out.split() == [str(out / "charts" / "effects.png")]
    assert captured.err == (
        f"note: --kind escalation: not drawn, {out} has none of the tables it reads\n"
    )
