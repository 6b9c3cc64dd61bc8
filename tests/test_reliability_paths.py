"""Reliability suite, issue #19 class 3 (paths): every name that becomes a path matches one
pattern (sim/paths.py), nothing is written through a symlink out of a results folder, and
no error message echoes the content of a file that is not what it should be.

Each row runs the real command line and checks: exit 2, one line, the words of the line,
and that nothing was written outside the test's folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from reliability_tools import BASELINE, one_line, sweep_spec, tiny_calibration

from sim.cli import main
from sim.errors import UsageError
from sim.output import timestamped

SECRET = "root:x:0:0:hunter2:/root:/bin/bash"


def _calibrate_named(tmp: Path, name: str) -> list[str]:
    spec = tiny_calibration(tmp / "c", name=name)
    return ["calibrate", str(spec), "-q", "--no-plots"]


def _calibrate_stem(tmp: Path) -> list[str]:
    spec = tiny_calibration(tmp / "c", name=None)
    odd = spec.with_name("my spec.yaml")
    spec.rename(odd)
    return ["calibrate", str(odd), "-q", "--no-plots"]


def _sweep_named(tmp: Path, name: str) -> list[str]:
    (tmp / "s.yaml").write_text(sweep_spec(name, 1, 2, 1, "[0.1, 0.2]"))
    return ["sweep", str(tmp / "s.yaml"), "-q", "--no-analysis"]


def _sweep_stem(tmp: Path) -> list[str]:
    text = sweep_spec("x", 1, 2, 1, "[0.1, 0.2]").replace("name: x\n", "")
    (tmp / "a b.yaml").write_text(text)
    return ["sweep", str(tmp / "a b.yaml"), "-q", "--no-analysis"]


def _out(tmp: Path, out: str) -> list[str]:
    return ["run", str(BASELINE), "-n", "2", "--steps", "2", "-q", "--no-plots", "--out",
            str(tmp / out)]  # fmt: skip


def _system_file(tmp: Path) -> Path:
    path = tmp / "passwd"
    path.write_text(SECRET + "\n")
    return path


def _observations_system_file(tmp: Path) -> list[str]:
    return ["hindcast", str(_system_file(tmp)), str(BASELINE), "-n", "2", "--no-plots"]


def _spec_referencing_system_file(tmp: Path) -> list[str]:
    spec = tiny_calibration(tmp / "c", observations=f"[{_system_file(tmp)}]")
    return ["calibrate", str(spec), "-q", "--no-plots"]


def _scenario_system_file(tmp: Path) -> list[str]:
    return ["run", str(_system_file(tmp)), "-q", "--no-plots", "--out", str(tmp / "o")]


# (argv builder, words of the one line)
CASES = [
    (lambda t: _calibrate_named(t, "../../../../tmp/rel-escape"), "name: expected a name"),
    (lambda t: _calibrate_named(t, "/tmp/rel-escape"), "name: expected a name"),
    (lambda t: _calibrate_named(t, ".hidden"), "name: expected a name"),
    (lambda t: _calibrate_named(t, "[a, b]"), "name: expected a name"),
    (_calibrate_stem, "the file name is not one"),
    (lambda t: _sweep_named(t, "../escape"), "expected a name matching"),
    (_sweep_stem, "is not a name matching"),
    (lambda t: _out(t, "bad\nname"), "--out: the path has a control character"),
    (lambda t: _out(t, "tab\tname"), "--out: the path has a control character"),
    (_observations_system_file, "not an observations file"),
    (_spec_referencing_system_file, "not an observations file"),
    (_scenario_system_file, "expected a mapping"),
]


@pytest.mark.parametrize(("build", "words"), CASES)
def test_names_and_files_that_would_escape_are_one_line(tmp_path, capsys, monkeypatch,
                                                         build, words):  # fmt: skip
    work = tmp_path / "w"
    work.mkdir()
    monkeypatch.chdir(work)  # default results/ folders land here
    argv = build(work)
    before = set(Path("/tmp").glob("rel-escape*"))
    assert main(argv) == 2
    line = one_line(capsys)
    assert words in line, line
    assert "hunter2" not in line  # file contents never echoed
    assert set(Path("/tmp").glob("rel-escape*")) == before
    assert not (work / "results").exists() or not any((work / "results").rglob("manifest.json"))


@pytest.mark.parametrize("name", ["../x", "/abs", "a/b", ".", "..", ".hidden", "", "a\nb"])
def test_default_folder_names_are_one_component(name):
    with pytest.raises(UsageError, match="expected a name"):
        timestamped(name)


def test_default_folder_names_keep_override_slugs():
    assert timestamped("baseline+reactivity=0.5", Path("r")).parent.name == (
        "baseline+reactivity=0.5"
    )


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "r"
    args = ["run", str(BASELINE), "-n", "2", "--steps", "3", "-q", "--no-plots"]
    assert main([*args, "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize(("command", "link"), [("plot", "charts"), ("report", "report.html")])
def test_plot_and_report_never_write_through_a_symlink(tmp_path, capsys, run_folder,
                                                       command, link):  # fmt: skip
    import shutil

    folder = tmp_path / "r"
    shutil.copytree(run_folder, folder)
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside if link == "charts" else outside / "report.html", folder / link)
    assert main([command, str(folder)]) == 2
    line = one_line(capsys)
    assert "is a symbolic link; results are written only inside" in line
    assert list(outside.iterdir()) == []
