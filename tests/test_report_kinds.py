"""A report for every kind of results folder: it opens with a plain-language summary,
prints no 'None' or 'nan', escapes what the user wrote, and never runs the model."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from sim.report import write_report
from sim.results.manifest import KINDS
from tests.engine_guard import model_forbidden

DATA = Path(__file__).resolve().parent / "data" / "results"
IMAGE = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")


@pytest.fixture(scope="module", autouse=True)
def no_model():
    with model_forbidden("the report must not run the model"):
        yield


def _page(tmp_path: Path, kind: str, edit=None) -> str:
    folder = tmp_path / kind
    shutil.copytree(DATA / kind, folder)
    if edit is not None:
        meta = json.loads((folder / "manifest.json").read_text())
        edit(meta)
        (folder / "manifest.json").write_text(json.dumps(meta))
    return write_report(folder).read_text(encoding="utf-8")


def _text(page: str) -> str:
    """What a reader sees: the page without embedded images and tags."""
    return re.sub(r"<[^>]+>", " ", IMAGE.sub("", page))


def summary_of(page: str) -> str:
    found = re.search(r'<section class="summary" id="summary">(.*?)</section>', page, re.S)
    assert found, "no summary section"
    return _text(found.group(1))


@pytest.mark.parametrize("kind", KINDS)
def test_every_report_opens_with_a_summary_and_prints_no_none_or_nan(kind, tmp_path):
    page = _page(tmp_path, kind)
    body = page.split("<body>", 1)[1]
    assert body.index('id="summary"') < body.index("<h2>Charts</h2>")  # the summary comes first
    summary = summary_of(page)
    assert summary.split("Summary", 1)[1].strip().startswith("This report")
    assert "model" in summary.lower()  # the caveat
    words = re.findall(r"[A-Za-z]+", _text(page))
    assert "None" not in words and not [w for w in words if w.lower() == "nan"]
    assert "<style>" in page and "<table" in page  # styled, with tables


def test_summaries_say_what_ran_and_the_headline_in_words(tmp_path):
    run = summary_of(_page(tmp_path, "run"))
    assert "12 replications of “Baseline" in run and "No Russia–North Korea" in run
    assert "final distancing rose by" in run
    sweep = summary_of(_page(tmp_path, "sweep"))
    assert "Reactivity (escalation per unit of perceived threat)" in sweep
    assert "parameters.reactivity" not in sweep
    rob = summary_of(_page(tmp_path, "robustness"))
    assert "each headline effect keeps its sign: final distancing 100%" in rob
    hc = summary_of(_page(tmp_path, "hindcast"))
    assert "hand-set coefficients" in hc and "of 17 scored observations" in hc


def test_robustness_and_hindcast_pages_are_titled_and_tabled(tmp_path):
    rob = _page(tmp_path, "robustness")
    assert "<h1>Robustness of Baseline" in rob and "Sweep of" not in rob
    assert "final distancing (index, −2…2)" in rob  # labels, not column names
    hc = _page(tmp_path, "hindcast")
    assert "<h1>Hindcast of history-2016</h1>" in hc
    assert "posterior None" not in hc and "hand-set coefficients" in hc
    scores = hc.split("<h2>Every scored observation</h2>", 1)[1].split("<h2>Provenance", 1)[0]
    assert scores.count("<tr>") == 1 + 17  # header + every scored observation
    assert "in 90%" in scores and "model median (90%)" in scores


def test_user_strings_are_escaped(tmp_path):
    attack = "<script>alert(1)</script>"

    def edit(meta):
        meta["resolved_scenario"]["title"] = f"Pact {attack}"
        meta["resolved_scenario"]["question"] = f"Does <b>this</b> {attack} hold?"
        meta["resolved_scenario"]["assumptions"] = [attack]

    page = _page(tmp_path, "run", edit)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Does &lt;b&gt;this&lt;/b&gt;" in page


def test_inactive_actors_are_left_out_of_the_report(tmp_path):
    page = _page(tmp_path, "run")
    tables = page.split('<table class="evidence">')[0]  # the evidence lists inputs, not outcomes
    assert "UKR" not in _text(tables) and "IRN" not in _text(tables)
    assert "North Korea (PRK)" in tables
