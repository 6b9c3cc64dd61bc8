"""report.html is one self-contained file holding every chart and the tables."""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import pytest

from sim.cli import main
from sim.plots import Results, charts_for, draw_charts
from sim.report import evidence_rows_for, write_report
from sim.scenario.references import weights
from sim.scenario.schema import Scenario
from tests.engine_guard import model_forbidden

DATA = Path(__file__).resolve().parent / "data" / "results"
IMG = '<img src="data:image/png;base64,'


@pytest.fixture(scope="module", autouse=True)
def no_model():
    with model_forbidden("the report must not run the model"):
        yield


def _report(tmp_path_factory, kind: str) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("reports") / kind
    shutil.copytree(DATA / kind, folder)
    if kind == "run":  # through the CLI, with one chart drawn first (saved charts are reused)
        draw_charts(folder, kinds=["escalation"], dpi=40)
        assert main(["report", str(folder)]) == 0
        path = folder / "report.html"
    else:
        path = write_report(folder)
    assert path == folder / "report.html"
    return folder, path.read_text(encoding="utf-8")


# One fixture per kind, so that pytest-xdist can build them on different workers.
@pytest.fixture(scope="module")
def run_report(tmp_path_factory, no_model):
    return _report(tmp_path_factory, "run")


@pytest.fixture(scope="module")
def compare_report(tmp_path_factory, no_model):
    return _report(tmp_path_factory, "compare")


@pytest.fixture(scope="module")
def sweep_report(tmp_path_factory, no_model):
    return _report(tmp_path_factory, "sweep")


def _assert_self_contained(text: str) -> None:
    lower = text.lower()
    assert "http:" not in lower and "https:" not in lower
    assert "<link" not in lower
    assert "<script" not in lower
    assert "@import" not in lower and "url(" not in lower
    for src in re.findall(r'src\s*=\s*"([^"]*)"', text, flags=re.IGNORECASE):
        assert src.startswith("data:image/png;base64,"), src[:60]
    assert not re.findall(r"src\s*=\s*'", text, flags=re.IGNORECASE)
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")


@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_report_is_self_contained_and_has_every_chart(kind, request):
    folder, text = request.getfixturevalue(f"{kind}_report")
    _assert_self_contained(text)
    names = [c.name for c in charts_for(kind)]
    assert text.count(IMG) == len(names)
    for name in names:
        assert f'id="chart-{name}"' in text
    images = re.findall(r'data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    for data in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    if kind == "run":  # the chart drawn before the report is embedded byte for byte
        saved = (folder / "charts" / "escalation.png").read_bytes()
        assert base64.b64decode(images[0]) == saved


def test_run_report_tables(run_report):
    text = run_report[1]
    manifest = json.loads((DATA / "run" / "manifest.json").read_text())
    scenario = manifest["resolved_scenario"]
    from markupsafe import escape  # what the templates escape with

    assert str(escape(scenario["title"])) in text
    assert str(escape(scenario["question"])) in text
    for assumption in scenario["assumptions"]:
        assert str(escape(assumption)) in text
    assert str(escape(scenario["expected"])) in text
    # outcome summary: one row per shown actor, plus the system outcomes
    assert "<h2>Outcome summary</h2>" in text
    for label in ("China (CHN)", "North Korea (PRK)", "South Korea (KOR)"):
        assert f"<td>{label}</td>" in text
    assert "Ukraine (UKR)" not in text  # inactive actors stay out of the summary
    assert "<td>outcome class</td>" in text and "replications with a crisis" in text
    # evidence: every weight of the resolved scenario, with ids and ledger claims
    table = text.split('<table class="evidence">', 1)[1].split("</table>", 1)[0]
    n_weights = len(list(weights(Scenario.model_validate(scenario))))
    assert table.count("<tr>") == n_weights + 1  # + header
    assert "actors.CHN.capabilities.military" in table and "fig-milex-chn" in table
    assert "seed lines" in table  # claims came from the ledger
    assert "<h2>Provenance</h2>" in text and manifest["scenario_hash"] in text


def test_compare_report_tables(compare_report):
    compare = compare_report[1]
    for name in ("baseline (reference)", "china_restrains", "tech_transfer"):
        assert name in compare
    assert "<h2>Key outcomes</h2>" in compare and "Δ vs reference" in compare
    assert "<h2>All compared outcomes</h2>" in compare


def test_sweep_report_tables(sweep_report):
    sweep = sweep_report[1]
    for heading in (
        "Design",
        "Outcomes across design points",
        "Sobol indices",
        "Morris screening",
        "PRIM boxes",
    ):
        assert f"<h2>{heading}</h2>" in sweep
    assert "Reactivity (escalation per unit of perceived threat)" in sweep  # labels, not paths


def test_evidence_without_ledger_shows_ids_only(tmp_path, monkeypatch):
    folder = tmp_path / "run"
    folder.mkdir()
    manifest = json.loads((DATA / "run" / "manifest.json").read_text())
    manifest["scenario_file"] = "elsewhere/baseline.yaml"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.chdir(tmp_path)
    rows, note = evidence_rows_for(Results(folder))
    assert rows and all(r.claims == () for r in rows)
    assert any(r.evidence for r in rows)
    assert "only evidence ids are shown" in note


def test_report_out_option(tmp_path, capsys):
    folder = tmp_path / "sweep"
    shutil.copytree(DATA / "sweep", folder)
    for name in ("analysis/by_point.parquet", "analysis/sobol.csv", "analysis/morris.csv"):
        (folder / name).unlink()
    shutil.rmtree(folder / "chunks")
    target = tmp_path / "mail" / "sweep.html"
    assert main(["report", str(folder), "--out", str(target)]) == 0
    assert capsys.readouterr().out.strip() == str(target)
    text = target.read_text(encoding="utf-8")
    _assert_self_contained(text)
    assert IMG not in text and "no data the charts can use" in text
    assert not (folder / "report.html").exists()
