"""Robustness and hindcast pages a reader understands first time: the right title, a summary
that says what was perturbed and what held, regime probabilities with their uncertainty, no
17-digit floats or 'nan', and a hindcast verdict that follows the numbers (a folder where
the model wins and one where it loses give opposite verdicts)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sim.observe.scoring import null_skill
from sim.observe.verdict import kind_losses, pooled_verdict, signed, verdict
from sim.report import write_report
from tests.engine_guard import model_forbidden

DATA = Path(__file__).resolve().parent / "data" / "results"
IMAGE = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")
LONG_FLOAT = re.compile(r"\d\.\d{5,}")


@pytest.fixture(scope="module", autouse=True)
def no_model():
    with model_forbidden("the report must not run the model"):
        yield


def _folder(tmp_path: Path, kind: str, meta=None, table=None) -> Path:
    """A copy of the fixture folder, its manifest and one table edited in place."""
    folder = tmp_path / kind
    shutil.copytree(DATA / kind, folder)
    if meta is not None:
        m = json.loads((folder / "manifest.json").read_text())
        meta(m)
        (folder / "manifest.json").write_text(json.dumps(m))
    if table is not None:
        name, edit = table
        frame = pd.read_csv(folder / name)
        edit(frame)
        frame.to_csv(folder / name, index=False)
    return folder


def _text(page: str) -> str:
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", IMAGE.sub("", page)))
    return text.replace("&#39;", "'").strip()


def _summary(page: str) -> str:
    found = re.search(r'<section class="summary" id="summary">(.*?)</section>', page, re.S)
    assert found, "no summary section"
    return _text(found.group(1))


def _page(folder: Path) -> str:
    return write_report(folder).read_text(encoding="utf-8")


def _readable(page: str) -> None:
    text = _text(page)
    words = re.findall(r"[A-Za-z]+", text)
    assert "None" not in words and not [w for w in words if w.lower() == "nan"]
    assert not LONG_FLOAT.findall(text), LONG_FLOAT.findall(text)[:3]


# ---------------------------------------------------------------------- robustness
def test_robustness_page_title_summary_regimes_and_structures(tmp_path):
    page = _page(_folder(tmp_path, "robustness"))
    assert "<h1>Robustness of Baseline: the June 2024" in page and "Sweep of" not in page
    summary = _summary(page)
    assert summary.startswith("Summary This report asks whether the conclusions of")
    assert "within ±25% of its value" in summary and "8 draws × 6 replications" in summary
    assert "against “No Russia–North Korea rapprochement”" in summary
    assert "re-settled in every draw" in summary
    assert "each headline effect keeps its sign: final distancing 100%" in summary
    assert "The outcome class (“tense”) holds in 100% of draws." in summary
    # P(crisis) is 0 in 6 replications: its Monte Carlo s.e. is floored at half a
    # replication, sqrt(0.25/6)/6 = 8.3 pp, printed to its first digit only
    assert "P(crisis) 0% ± 8 pp at the nominal coefficients (Monte Carlo s.e.)" in summary
    for heading in ("What survives", "Regime probabilities", "Re-settled vs held structure"):
        assert f"<h2>{heading}</h2>" in page
    assert "– : not defined." in _text(page)  # the dash is explained beside its table
    held = page.split("<h2>Re-settled vs held structure</h2>", 1)[1].split("</table>", 1)[0]
    assert "88%" in held and "62%" in held  # structures.csv: class kept when held at nominal
    _readable(page)


def test_robustness_summary_follows_the_shares_and_the_structure(tmp_path):
    def weaker(frame):
        frame.loc[frame["outcome"] == "final_distancing", "share_same_sign"] = 0.625
        frame.loc[frame["outcome"] == "outcome_class", "share_same_sign"] = 0.5

    def held(m):
        m["structure"] = "nominal"

    folder = _folder(tmp_path, "robustness", held, ("robustness.csv", weaker))
    summary = _summary(_page(folder))
    assert "final distancing 62%" in summary and "(6 of 7 in at least 90% of draws)" in summary
    assert "held at their nominal values" in summary and "re-settled in every" not in summary
    assert "The outcome class (“tense”) holds in 50% of draws, under the 90% line" in summary


def test_robustness_page_of_a_folder_without_regimes_or_structures(tmp_path):
    folder = _folder(tmp_path, "robustness")
    (folder / "regimes.csv").unlink()
    (folder / "structures.csv").unlink()
    page = _page(folder)
    assert "Regime probabilities" not in page and "Re-settled vs held" not in page
    assert "keeps its sign" in _summary(page)


# ---------------------------------------------------------------------- hindcast
def _scale_model(factor: float):
    def edit(frame):
        frame["crps"] = frame["crps"] * factor

    return ("hindcast.csv", edit)


def test_hindcast_page_is_tabled_and_compares_with_the_three_nulls(tmp_path):
    page = _page(_folder(tmp_path, "hindcast"))
    assert "<h1>Hindcast of history-2016</h1>" in page
    assert "posterior None" not in page and "hand-set coefficients" in _summary(page)
    nulls = page.split("<h2>Against the null forecasters</h2>", 1)[1].split("</table>", 1)[0]
    for header in ("CRPS model", "CRPS persistence", "CRPS trend", "CRPS events-only",
                   "skill vs persistence", "skill vs trend", "skill vs events-only"):  # fmt: skip
        assert f"<th>{header}</th>" in nulls
    assert "all kinds (pooled)" in nulls and "missile launches" in nulls
    assert 'class="num"' in nulls  # numbers right-aligned by the page's style
    _readable(page)


def test_hindcast_verdict_flips_when_the_model_loses(tmp_path):
    won = _summary(_page(_folder(tmp_path / "a", "hindcast")))
    table = pd.read_csv(DATA / "hindcast" / "hindcast.csv")
    skill = null_skill(table).set_index("kind").loc["pooled"]
    assert skill["skill vs persistence"] > 0  # the fixture's model beats persistence
    assert "In sample (in this window), the model beats all three null forecasters" in won
    assert "the model loses" not in won
    # Three times the model's CRPS: worse than every null (the fixture's nulls are within
    # 2.2× of the model), so the verdict must name each loss with its skill.
    lost = _summary(_page(_folder(tmp_path / "b", "hindcast", table=_scale_model(3.0))))
    assert "the model loses to persistence (skill −" in lost
    assert "the linear trend (skill −" in lost and "the events-only world (skill −" in lost
    assert "the model beats" not in lost


def test_hindcast_verdict_names_the_null_it_loses_to_among_wins(tmp_path):
    def close_to_events_only(frame):  # the events-only world 1% better than the model
        frame["crps_events_only"] = frame["crps"] / 1.01

    folder = _folder(tmp_path, "hindcast", table=("hindcast.csv", close_to_events_only))
    summary = _summary(_page(folder))
    assert "the model beats persistence and the linear trend but loses to the events-only " in (
        summary
    )


def test_hindcast_designs_are_scored_beside_the_plain_model(tmp_path):
    """The filtered and anomaly designs get a table row and a verdict each, and the
    anomaly verdict follows its numbers: in the fixture it loses to persistence; with its
    CRPS halved below persistence's it beats it."""
    page = _page(_folder(tmp_path / "a", "hindcast"))
    designs = page.split("<h2>Forecast designs</h2>", 1)[1].split("</table>", 1)[0]
    assert [d in _text(designs) for d in ("plain", "filtered", "anomaly")] == [True] * 3
    table = pd.read_csv(DATA / "hindcast" / "hindcast.csv")
    anomaly = null_skill(table, "anomaly").set_index("kind").loc["pooled"]
    assert anomaly["skill vs persistence"] < 0
    assert "The anomaly forecast loses to persistence (skill −" in _summary(page)

    def better(frame):
        frame["crps_anomaly"] = frame["crps_persistence"] / 2

    summary = _summary(_page(_folder(tmp_path / "b", "hindcast", table=("hindcast.csv", better))))
    assert "The anomaly forecast beats all three null forecasters (persistence" in summary
    assert "anomaly forecast loses" not in summary


def test_hindcast_with_a_posterior_names_it(tmp_path):
    def with_posterior(m):
        m["posterior"] = "results/calibrate/history/x/posterior.parquet"

    summary = _summary(_page(_folder(tmp_path, "hindcast", with_posterior)))
    assert "coefficients drawn from the posterior results/calibrate/history/x/" in summary
    assert "hand-set" not in summary


def test_hindcast_folder_without_null_scores_says_so(tmp_path):
    def old(frame):
        for column in ("crps_events_only", "crps_persistence", "crps_trend"):
            del frame[column]

    page = _page(_folder(tmp_path, "hindcast", table=("hindcast.csv", old)))
    assert "no skill is computed" in page and "the model beats" not in _summary(page)
    _readable(page)


def test_kind_verdict_names_each_kind_lost():
    skill = pd.DataFrame(
        {
            "kind": ["missile_launches", "unsc_vote", "pooled"],
            "observations": [10, 10, 20],
            "skill vs persistence": [0.3, -0.1, 0.1],
            "skill vs trend": [0.2, 0.1, 0.15],
            "skill vs events_only": [0.0, 0.2, 0.1],
        }
    )
    assert pooled_verdict(skill).startswith("The model beats all three null forecasters")
    assert kind_losses(skill) == "By kind, it loses to persistence on unsc_vote."
    assert verdict(skill).endswith("By kind, it loses to persistence on unsc_vote.")
    tie = skill.copy()
    tie.loc[tie["kind"] == "pooled", "skill vs trend"] = 0.0
    assert "and ties with the linear trend" in pooled_verdict(tie)


def _against_nulls(page: str) -> str:
    return _text(page.split("<h2>Against the null forecasters</h2>", 1)[1].split("<h2>", 1)[0])


def test_hindcast_page_gives_each_pooled_skill_its_interval_and_the_word_follows_it(tmp_path):
    """Beside the point skill, the section says how sure it is (sim/observe/significance.py):
    with eight times its CRPS the fixture's model is worse than every null with the whole
    interval below 0 (at three times, the trend's interval still straddles 0: a tie, so the
    word is not the point's sign), and a model scored exactly as the events-only world ties
    it with width 0."""
    section = _against_nulls(_page(_folder(tmp_path / "a", "hindcast")))
    table = pd.read_csv(DATA / "hindcast" / "hindcast.csv")
    skill = null_skill(table).set_index("kind").loc["pooled"]
    n = int(skill["observations"])
    assert f"Pooled skill with its 90% interval over the {n} observations" in section
    assert f"persistence {skill['skill vs persistence']:+.2f} (".replace("-", "−") in section

    lost = _against_nulls(_page(_folder(tmp_path / "b", "hindcast", table=_scale_model(8.0))))
    for name in ("persistence", "the linear trend", "the events-only world"):
        assert re.search(rf"{name} −\d\.\d\d \(−\d\.\d\d to −\d\.\d\d\) worse", lost), name

    def same_as_events_only(frame):
        frame["crps"] = frame["crps_events_only"]

    three = _against_nulls(_page(_folder(tmp_path / "d", "hindcast", table=_scale_model(3.0))))
    assert re.search(r"the linear trend −\d\.\d\d \(−\d\.\d\d to \+\d\.\d\d\) tie", three)
    folder = _folder(tmp_path / "c", "hindcast", table=("hindcast.csv", same_as_events_only))
    assert "the events-only world +0.00 (+0.00 to +0.00) tie" in _against_nulls(_page(folder))


def test_a_null_exact_on_every_observation_is_said_so_without_nan_or_warning(tmp_path, recwarn):
    """Persistence and the trend forecast every scored observation with CRPS 0 (held
    exercises carried forward, as `hindcast` of the held-out exercises on the baseline
    does): their skill has no ratio. Before, the command printed 'persistence +nan' after a
    numpy RuntimeWarning, the kind row read '−inf', and the verdict said 'no forecast to
    compare' of a forecaster that was perfect."""

    def exact(frame):
        frame["crps_persistence"] = 0.0
        frame["crps_trend"] = 0.0

    table = pd.read_csv(DATA / "hindcast" / "hindcast.csv")
    exact(table)
    skill = null_skill(table)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
    assert skill[["skill vs persistence", "skill vs trend"]].isna().all().all()
    assert signed(skill.iloc[-1]["skill vs persistence"]) == "–"  # the command's line
    words = pooled_verdict(skill)
    assert words.startswith("The model beats the events-only world on the pooled score.")
    assert "Persistence and the linear trend forecast every observation exactly (CRPS 0)" in words
    assert "no forecast to compare" not in words and "all three" not in words
    page = _page(_folder(tmp_path, "hindcast", table=("hindcast.csv", exact)))
    section = _against_nulls(page)
    assert "inf" not in section.split() and "persistence –; the linear trend –;" in section
    _readable(page)


def test_hindcast_skill_chart_draws_each_design_against_each_null_coloured_by_its_interval(
    tmp_path,
):
    """One panel per null, one row per design, each dot at the design's pooled skill and
    coloured as its interval reads (sim/plots/skill_chart.py); with the model's CRPS eight
    times larger every dot of the plain design turns vermillion (worse)."""
    from matplotlib.colors import to_hex

    from sim.plots import figures
    from sim.plots.skill_chart import COLOURS

    def dots(folder: Path) -> dict[str, list[tuple[float, str]]]:
        fig = dict((c.name, f) for c, f in figures(folder))["hindcast_skill"]
        panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_title()]
        out = {}
        for ax in panels:
            points = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
            out[ax.get_title()] = [(ln.get_xdata()[0], to_hex(ln.get_color())) for ln in points]
        return out

    table = pd.read_csv(DATA / "hindcast" / "hindcast.csv")
    seen = dots(_folder(tmp_path / "a", "hindcast"))
    assert list(seen) == ["vs persistence", "vs the linear trend", "vs the events-only world"]
    skill = null_skill(table).set_index("kind").loc["pooled"]
    x, colour = seen["vs persistence"][0]  # the plain design: the top row, drawn first
    assert x == pytest.approx(skill["skill vs persistence"])
    assert colour in {to_hex(c) for c in COLOURS.values()}
    worse = dots(_folder(tmp_path / "b", "hindcast", table=_scale_model(8.0)))
    for panel in worse.values():
        x, colour = panel[0]  # the plain design: its first drawn dot
        assert colour == to_hex(COLOURS["worse"]) and x < 0
