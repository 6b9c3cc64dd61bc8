"""charts/ and a sweep's analysis/ are checked against the result they belong to, as tables
are (sim/results_ledger.py): a chart or analysis table of another computation, an edited
one or a stray file is refused in one line by publication and by every reader that checks
the folder; redrawing (`plot`) or re-analysing (`analyze`) writes them afresh and clears it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from reliability_tools import BASELINE, sweep_spec

from sim import output
from sim.cli import main
from sim.results_ledger import LEDGER

SMALL = ["-n", "3", "--steps", "4", "-q"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two small runs with charts (seeds 1 and 2): pristine sources to copy from."""
    tmp = tmp_path_factory.mktemp("ledger-runs")
    for seed in (1, 2):
        assert main(["run", str(BASELINE), *SMALL, "--seed", str(seed), "--out",
                     str(tmp / f"s{seed}")]) == 0  # fmt: skip
    return tmp


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ledger-sweep")
    spec = tmp / "s.yaml"
    spec.write_text(sweep_spec("ledger", 2, 4, 2, "[0.1, 0.2, 0.3]"))
    assert main(["sweep", str(spec), "--out", str(tmp / "sw"), "-q"]) == 0
    return tmp / "sw"


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _one_line_exit_2(argv: list[str], capsys, *words: str) -> str:
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    for word in words:
        assert word in err, err
    return err


def test_written_charts_are_in_their_ledger(runs):
    charts = runs / "s1" / "charts"
    ledger = json.loads((charts / LEDGER).read_text())
    rid = json.loads((runs / "s1" / "manifest.json").read_text())[output.RESULT_ID]
    assert ledger["result_id"] == rid
    assert set(ledger["sha256"]) == {p.name for p in charts.glob("*.png")} != set()


@pytest.mark.parametrize("how", ["another run's chart", "edited", "a stray file"])
def test_a_chart_not_of_this_result_is_refused_by_readers(runs, tmp_path, capsys, how):
    folder = _copy(runs / "s1", tmp_path / "r")
    name = sorted(p.name for p in (folder / "charts").glob("*.png"))[0]
    target = folder / "charts" / name
    if how == "another run's chart":
        shutil.copyfile(runs / "s2" / "charts" / name, target)
    elif how == "edited":
        target.write_bytes(target.read_bytes() + b"\0")
    else:
        target = folder / "charts" / "extra.png"
        target.write_bytes(b"\x89PNG\r\n\x1a\n")
    _one_line_exit_2(["report", str(folder)], capsys, f"charts/{target.name}", "not the file")


def test_plot_redraws_a_tampered_chart_and_the_folder_reads_again(runs, tmp_path, capsys):
    folder = _copy(runs / "s1", tmp_path / "r")
    name = sorted(p.name for p in (folder / "charts").glob("*.png"))[0]
    shutil.copyfile(runs / "s2" / "charts" / name, folder / "charts" / name)
    assert main(["plot", str(folder)]) == 0
    assert main(["report", str(folder)]) == 0


def test_charts_of_another_run_copied_whole_are_refused(runs, tmp_path, capsys):
    folder = _copy(runs / "s1", tmp_path / "r")
    shutil.rmtree(folder / "charts")
    shutil.copytree(runs / "s2" / "charts", folder / "charts")
    _one_line_exit_2(["report", str(folder)], capsys, "charts/ledger.json", "from result")


def test_publication_refuses_charts_of_another_result(runs, tmp_path, monkeypatch, capsys):
    check = output.check_one_result

    def mixed(partial: Path, *rest) -> None:  # the seam: another run's chart before publish
        name = sorted(p.name for p in (partial / "charts").glob("*.png"))[0]
        shutil.copyfile(runs / "s2" / "charts" / name, partial / "charts" / name)
        check(partial, *rest)

    monkeypatch.setattr(output, "check_one_result", mixed)
    out = tmp_path / "mixed"
    argv = ["run", str(BASELINE), *SMALL, "--seed", "1", "--out", str(out)]
    _one_line_exit_2(argv, capsys, "not published", "charts/")
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".mixed.partial-")]


@pytest.mark.parametrize("name", ["by_point.parquet", "a csv table"])
def test_an_edited_analysis_table_is_refused_until_analyze_rewrites_it(
    sweep, tmp_path, capsys, name
):
    folder = _copy(sweep, tmp_path / "sw")
    analysis = folder / "analysis"
    assert json.loads((analysis / LEDGER).read_text())["sha256"]
    tables = sorted(analysis.glob("*.csv")) if name != "by_point.parquet" else []
    target = tables[0] if tables else analysis / "by_point.parquet"
    target.write_bytes(target.read_bytes() + b"\n")
    _one_line_exit_2(["report", str(folder)], capsys, f"analysis/{target.name}", "analyze")
    assert main(["analyze", str(folder), "--no-plots"]) == 0
    assert main(["report", str(folder)]) == 0


def test_an_older_folder_without_ledgers_still_reads(runs, tmp_path):
    folder = _copy(runs / "s1", tmp_path / "r")
    (folder / "charts" / LEDGER).unlink()
    assert main(["report", str(folder)]) == 0


def test_a_damaged_ledger_is_refused_by_report_and_rewritten_by_plot(runs, tmp_path, capsys):
    folder = _copy(runs / "s1", tmp_path / "r")
    (folder / "charts" / LEDGER).write_text("{not json")
    _one_line_exit_2(["report", str(folder)], capsys, f"charts/{LEDGER}", "unreadable")
    assert main(["plot", str(folder)]) == 0
    assert main(["report", str(folder)]) == 0
