"""Reliability suite, concurrency: commands started at the same moment never share a folder,
never lose each other's results, and a taken `--out` is refused before any computing."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_tools import BASELINE, start, sweep_spec

from sim.output import reserve, stamp

RUN = ["run", str(BASELINE), "-n", "3", "--steps", "3", "-q", "--no-plots"]


def _together(argvs: list[list[str]], cwd: Path) -> list[tuple[int, str]]:
    procs = [start(argv, cwd) for argv in argvs]  # both started before either is waited on
    out = []
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        out.append((proc.returncode, err))
    return out


def _folders(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_dir() and (p / "manifest.json").exists())


def _partials(root: Path) -> list[Path]:
    return [p for p in root.rglob(".*") if ".partial-" in p.name]


@pytest.mark.parametrize("kind", ["run", "sweep", "compare"])
def test_two_commands_at_once_on_default_folders_both_succeed(tmp_path, kind):
    if kind == "run":
        argv = RUN
    elif kind == "compare":
        argv = ["compare", str(BASELINE), str(BASELINE), "-n", "3", "--steps", "3", "-q",
                "--no-plots"]  # fmt: skip
    else:
        (tmp_path / "spec.yaml").write_text(sweep_spec("twin", 2, 3, 2, "[0.1, 0.2]"))
        argv = ["sweep", "spec.yaml", "-q", "--no-analysis"]
    results = _together([argv, argv], tmp_path)
    assert [code for code, _ in results] == [0, 0], results
    folders = _folders(tmp_path / "results")
    assert len(folders) == 2 and folders[0].parent == folders[1].parent
    assert not _partials(tmp_path)


def test_two_sweeps_on_one_out_one_refuses_before_computing(tmp_path):
    (tmp_path / "spec.yaml").write_text(sweep_spec("same", 2, 3, 2, "[0.1, 0.2]"))
    argv = ["sweep", "spec.yaml", "-q", "--no-analysis", "--out", "shared"]
    results = sorted(_together([argv, argv], tmp_path))
    (ok, _), (refused, err) = results
    assert (ok, refused) == (0, 2), results
    lines = err.strip().splitlines()
    assert len(lines) == 1, err  # one line, and no "sweep same: ..." plan line: nothing ran
    assert "being written by another running command" in lines[0] or "already exists" in lines[0]
    assert _folders(tmp_path) == [tmp_path / "shared"] and not _partials(tmp_path)


def test_default_names_differ_within_one_second():
    names = {stamp() for _ in range(200)}
    assert len(names) == 200


def test_a_reserved_folder_cannot_be_reserved_twice(tmp_path):
    from sim.errors import UsageError

    out = tmp_path / "o"
    partial, lock, _ = reserve(out)
    try:
        with pytest.raises(UsageError, match="being written by another running command"):
            reserve(out)
    finally:
        lock.release()
    again, lock2, stale = reserve(out)  # the first holder is gone: its folder is stale
    lock2.release()
    assert again == partial and stale is not None and stale.exists()
