"""Reliability suite, round 11: round 10's leftovers. Results-folder tables without a column
that no key-column list named, impossible values in a robustness folder, a run whose
`aggregates.parquet` lost rows or a page (read by `report` only under `--redraw`), priors
whose support or precision the spec loader did not consider, and "1 coefficients".

Each fault case failed before its fix: a generic "the tables do not match the manifest
(KeyError: …)" line or an AttributeError traceback, an exit 0 on values the model cannot
produce, a prior drawing other values than its spec says, a wrong refusal, or a plural.
docs/reliability.md, section 18 ("Round 11"), lists them.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from reliability_tools import (
    BASELINE,
    EVERY_PRK,
    OBSERVATION,
    one_line,
    small_run,
    sweep_spec,
    tiny_calibration,
)
from scipy import stats

from sim.cli import main
from sim.errors import ScenarioError
from sim.observe.priors import Prior
from sim.observe.spec import load_spec

DATA = Path(__file__).resolve().parent / "data" / "results"


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    return small_run(tmp_path_factory.mktemp("round11"))


def _copy(tmp_path: Path, source: Path) -> Path:
    folder = tmp_path / source.name
    shutil.copytree(source, folder)
    return folder


def _edit(path: Path, edit) -> None:
    frame = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
    frame = edit(frame)
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)


def _refused(capsys, tmp_path: Path, args: list[str]) -> str:
    """The one line of a command that must refuse (exit 2) and write nothing (no report,
    no chart: every file below tmp_path as it was)."""
    capsys.readouterr()
    before = sorted(tmp_path.rglob("*"))
    assert main(args) == 2
    assert sorted(tmp_path.rglob("*")) == before
    return one_line(capsys)


# ------------------------------------------------------------ 1. columns no list named
DROPPED = [  # (fixture kind, table, column): each was "(KeyError: …)" or a traceback
    *[("calibration", "diagnostics.csv", c) for c in ("epsilon", "acceptance", "ess")],
    *[("calibration", "populations.parquet", c) for c in ("generation", "weight")],
    *[
        (kind, table, c)
        for kind, table in (("calibration", "predictive_check.csv"), ("hindcast", "hindcast.csv"))
        for c in ("scored", "in50", "crps", "direction_observed", "direction_model")
    ],
    *[
        ("compare", "comparison.csv", c)
        for c in ("median", "lo", "hi", "diff_median", "diff_lo", "diff_hi")
    ],
    *[("robustness", "structures.csv", c) for c in ("source", "structure", "keep_outcome_class")],
    *[
        ("robustness", "structures.csv", f"{p}_{s}")
        for p in ("p_crisis", "p_war")
        for s in ("mc_se", "mean", "p5", "p95")
    ],
    *[
        ("run", "effects.csv", c)  # AttributeError tracebacks under `report`
        for c in (
            "outcome",
            "scenario_median",
            "counterfactual_median",
            *(f"effect_{s}" for s in ("median", "p5", "p95")),
        )
    ],
    ("run", "pairs.parquet", "commitment"),
    ("run", "system.parquet", "distancing"),
    ("run", "system.parquet", "frustration"),
]


@pytest.mark.parametrize(("kind", "table", "column"), DROPPED)
def test_a_dropped_column_the_readers_need_is_named_with_its_file(
    tmp_path, capsys, kind, table, column
):
    folder = _copy(tmp_path, DATA / kind)
    _edit(folder / table, lambda f: f.drop(columns=[column]))
    line = _refused(capsys, tmp_path, ["report", str(folder), "--redraw", "-o",
                                       str(tmp_path / "r.html")])  # fmt: skip
    assert f"{folder / table}: missing column(s) {column}" in line, line


@pytest.mark.parametrize("column", ["final_escalation_PRK", "final_rung_PRK"])
def test_a_summary_without_an_actors_final_column_is_named(tmp_path, capsys, column):
    """Before: "the tables do not match the manifest (KeyError: 'final_rung_PRK')"."""
    folder = _copy(tmp_path, DATA / "run")
    _edit(folder / "summary.csv", lambda f: f.drop(columns=[column]))
    line = _refused(capsys, tmp_path, ["report", str(folder), "-o", str(tmp_path / "r.html")])
    assert f"summary.csv: missing column(s) {column} (beside peak_escalation_PRK)" in line, line


def test_an_aggregates_table_without_its_dates_is_named(tmp_path, capsys, run_folder):
    folder = _copy(tmp_path, run_folder)
    _edit(folder / "aggregates.parquet", lambda f: f.drop(columns=["date"]))
    line = _refused(capsys, tmp_path, ["plot", str(folder)])
    assert "aggregates.parquet: missing column(s) date" in line, line


@pytest.mark.parametrize("kind", ["calibration", "hindcast", "compare", "robustness", "run"])
def test_the_undamaged_fixtures_still_report(tmp_path, kind):
    """Control: every table of the fixtures has the columns now listed."""
    folder = _copy(tmp_path, DATA / kind)
    assert main(["report", str(folder), "--redraw", "-o", str(tmp_path / "r.html")]) == 0


def test_a_fresh_calibration_has_every_listed_column(tmp_path):
    """Control: what `calibrate` writes today passes the lists (predictive_check.csv's scores,
    populations.parquet, diagnostics.csv)."""
    spec = tiny_calibration(tmp_path / "in")
    out = tmp_path / "cal"
    assert main(["calibrate", str(spec), "--out", str(out), "-q", "--no-plots"]) == 0
    assert main(["report", str(out), "-o", str(tmp_path / "r.html")]) == 0


# ------------------------------------------------------------ 2. robustness values
def _set(column: str, value):
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        if isinstance(value, float):
            frame[column] = frame[column].astype(float)
        frame.loc[frame.index[0], column] = value
        return frame

    return edit


ROBUSTNESS = [  # (table, column, value, words): each was drawn and reported, exit 0
    ("robustness.csv", "nominal_sign", 7, "column nominal_sign: 7; expected -1, 0 or 1"),
    ("robustness.csv", "nominal_effect", np.nan,
     "column nominal_effect (final_distancing): 1 value(s) outside [-4, 4] (first: not a"),
    ("robustness.csv", "effect_p95", 1.0e6, "column effect_p95 (final_distancing):"),
    ("draws.parquet", "p_crisis", 5.0, "column p_crisis: 1 value(s) outside [0, 1] (first: 5)"),
    ("draws.parquet", "p_war", 0.5, "column p_war: above p_crisis"),
    ("draws.parquet", "effect_final_distancing", np.nan, "column effect_final_distancing:"),
    ("draws.parquet", "outcome_class", "boom", "column outcome_class: unknown class(es)"),
    ("draws.parquet", "reactivity", -1.0, "column reactivity: 1 value(s) outside [0, 2]"),
    ("regimes.csv", "nominal", 5.0, "column nominal: 1 value(s) outside [0, 1] (first: 5)"),
    ("structures.csv", "keep_outcome_class", 2.0, "column keep_outcome_class:"),
]  # fmt: skip


@pytest.mark.parametrize("command", ["plot", "report"])
@pytest.mark.parametrize(("table", "column", "value", "words"), ROBUSTNESS)
def test_impossible_robustness_values_are_refused(
    tmp_path, capsys, command, table, column, value, words
):
    folder = _copy(tmp_path, DATA / "robustness")
    _edit(folder / table, _set(column, value))
    args = [command, str(folder)] + (["-o", str(tmp_path / "r.html")]
                                     if command == "report" else [])  # fmt: skip
    line = _refused(capsys, tmp_path, args)
    assert f"{folder / table}: {words}" in line, line


def test_a_robustness_draws_table_of_other_length_than_the_manifest_is_refused(tmp_path, capsys):
    folder = _copy(tmp_path, DATA / "robustness")
    _edit(folder / "draws.parquet", lambda f: f.iloc[:5])
    line = _refused(capsys, tmp_path, ["report", str(folder), "-o", str(tmp_path / "r.html")])
    assert "draws.parquet: 5 row(s), the manifest says 8 draws" in line, line


def test_effect_ranges_follow_the_outcome_quantity():
    """Control: a difference of two values of the quantity; `crisis_months` (a count) is not
    the crisis share, and an outcome of no bounded quantity is only required finite."""
    from sim.value_ranges import effect_range

    assert effect_range("final_distancing") == (-4.0, 4.0)
    assert effect_range("final_commitment_CHN_RUS") == (-2.0, 2.0)
    assert effect_range("final_escalation_PRK") == (-1.0, 1.0)
    assert effect_range("crisis") == (-1.0, 1.0)
    assert effect_range("crisis_months") == (-np.inf, np.inf)


# ------------------------------------------------------------ 3. aggregates cut short
def _half(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[: len(frame) // 2]


def _corrupt_page(path: Path) -> None:
    """Zero the bytes of the first data pages, keeping the footer (the schema reads)."""
    data = bytearray(path.read_bytes())
    data[100:3000] = bytes(2900)
    path.write_bytes(bytes(data))


CUT = [  # (edit, words): `report` embedded the saved charts, exit 0
    (_half, "aggregates.parquet: series rung: 48 row(s) at step 3, expected 64"),
    (lambda f: f.iloc[:0], "aggregates.parquet: column series: no rows for escalation"),
    (lambda f: f[f["step"] < 3], "aggregates.parquet: series escalation: 0 row(s) at step 3"),
    (lambda f: f[f["series"] != "war"], "aggregates.parquet: column series: no rows for war"),
    (lambda f: f[f["source"] != "PRK"], "aggregates.parquet: column source: no rows for ['PRK']"),
    (lambda f: pd.concat([f, f.iloc[:1]]), "series escalation: 9 row(s) at step 0, expected 8"),
    (lambda f: f.iloc[[0, 0, *range(2, len(f))]], "series escalation: a group has two rows at"),
]


@pytest.mark.parametrize("redraw", [[], ["--redraw"]])
@pytest.mark.parametrize(("edit", "words"), CUT)
def test_a_run_whose_aggregates_lost_rows_is_refused(
    tmp_path, capsys, run_folder, redraw, edit, words
):
    folder = _copy(tmp_path, run_folder)
    _edit(folder / "aggregates.parquet", edit)
    line = _refused(capsys, tmp_path, ["report", str(folder), *redraw, "-o",
                                       str(tmp_path / "r.html")])  # fmt: skip
    assert words in line and str(folder) in line, line


@pytest.mark.parametrize("redraw", [[], ["--redraw"]])
def test_a_corrupt_aggregates_page_is_one_line_naming_the_file(
    tmp_path, capsys, run_folder, redraw
):
    """Before: pyarrow's "Couldn't deserialize thrift: …" over two lines, no file named."""
    folder = _copy(tmp_path, run_folder)
    _corrupt_page(folder / "aggregates.parquet")
    line = _refused(capsys, tmp_path, ["report", str(folder), *redraw, "-o",
                                       str(tmp_path / "r.html")])  # fmt: skip
    assert f"{folder / 'aggregates.parquet'}: not a readable Parquet file" in line, line


def test_an_undamaged_run_reports_with_and_without_redraw(tmp_path, run_folder):
    """Control: every series of a fresh run has each group at every step once."""
    folder = _copy(tmp_path, run_folder)
    assert main(["report", str(folder), "-o", str(tmp_path / "a.html")]) == 0
    assert main(["report", str(folder), "--redraw", "-o", str(tmp_path / "b.html")]) == 0


# ------------------------------------------------------------ 4. lognormal below 0
LOGNORMAL = "{prior: lognormal, mu: -3, sigma: 1"


@pytest.mark.parametrize(
    ("body", "found"),
    [(LOGNORMAL + "}", "found -0.1"), (LOGNORMAL + ", lo: -0.05}", "found -0.05")],
    ids=["bounds-default", "lo-given"],
)
def test_a_lognormal_prior_on_bounds_below_zero_is_refused(tmp_path, capsys, body, found):
    """drive_PRK's bounds are [−0.1, 0.1]: the low bound was raised to 1e-12 without a
    word, so no negative value was ever drawn."""
    spec = tiny_calibration(tmp_path, coefficients=f"{{drive_PRK: {body}}}")
    assert main(["validate", str(spec)]) == 2
    line = one_line(capsys)
    assert line.startswith(f"{spec}:4:"), line
    assert "coefficients.drive_PRK.lo: expected a lower bound of at least 0 for a lognormal " \
           "prior, which has no mass below 0" in line and line.endswith(found), line  # fmt: skip


@pytest.mark.parametrize("lo", ["0", "0.02"])
def test_a_lognormal_prior_from_zero_up_is_accepted(tmp_path, lo):
    """Control: lo at or above 0 (at 0 the density is 0: the draws start just above it)."""
    spec = tiny_calibration(tmp_path, coefficients=f"{{drive_PRK: {LOGNORMAL}, lo: {lo}}}}}")
    (prior,) = load_spec(spec).priors
    draws = prior.sample(np.random.default_rng(2), 2000)
    assert draws.min() > 0 and draws.max() <= 0.1


# ------------------------------------------------------------ 5. very wide normals
@pytest.mark.parametrize("sd", ["1.0e+308", "1.0e+15"])
def test_a_normal_prior_flat_over_the_bounds_is_accepted_and_draws_uniformly(tmp_path, sd):
    """Before: refused as "which puts none there": its CDF is 0.5 at both bounds."""
    spec = tiny_calibration(
        tmp_path, coefficients=f"{{backing: {{prior: normal, mean: 0, sd: {sd}}}}}"
    )
    (prior,) = load_spec(spec).priors
    draws = prior.sample(np.random.default_rng(5), 4000)
    assert len(np.unique(draws)) == 4000
    assert stats.kstest(draws, stats.uniform(prior.lo, prior.hi - prior.lo).cdf).pvalue > 1e-3
    width = (prior.hi - prior.lo) * stats.norm.pdf(0) / float(sd)
    assert prior.log_mass() == pytest.approx(np.log(width), rel=1e-9)


@pytest.mark.parametrize(
    "prior",
    [Prior("reactivity", "normal", (0.0, 1.0e308), 0.0, 2.0),
     Prior("reactivity", "lognormal", (0.0, 1.0e308), 1.0e-4, 2.0)],
    ids=["normal", "lognormal"],
)  # fmt: skip
def test_a_flat_prior_draws_and_weighs_without_numpy_warnings(prior):
    """What the fit calls (draws, log density) stays quiet for the priors now accepted: the
    lognormal's sigma² overflowed to inf, a RuntimeWarning printed beside the progress."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        draws = prior.sample(np.random.default_rng(4), 1000)
        assert np.isfinite(prior.logpdf(draws)).all() and np.isfinite(prior.log_mass())


@pytest.mark.parametrize("sd", [1.0e12, 1.0e14])
def test_a_wide_normal_prior_draws_more_than_a_few_values(sd):
    """Before: inverse-CDF draws of a difference of CDF values near 0.5 took 323 (sd 1e12)
    and 4 (sd 1e14) distinct values of 2000, unsaid."""
    prior = Prior("backing", "normal", (0.0, sd), 0.015, 0.06)
    draws = prior.sample(np.random.default_rng(1), 2000)
    assert len(np.unique(draws)) == 2000
    assert stats.kstest(draws, stats.uniform(0.015, 0.045).cdf).pvalue > 1e-3


def test_a_resolved_prior_draws_exactly_as_before():
    """Control: the inverse-CDF draws of a prior the CDF resolves are unchanged, value for
    value (fitted posteriors stay reproducible)."""
    prior = Prior("fatigue", "normal", (0.3, 0.2), 0.0, 2.0)
    d = stats.norm(0.3, 0.2)
    a, b = d.cdf(0.0), d.cdf(2.0)
    want = np.clip(d.ppf(a + (b - a) * np.random.default_rng(9).random(500)), 0.0, 2.0)
    np.testing.assert_array_equal(prior.sample(np.random.default_rng(9), 500), want)


def test_a_prior_with_no_representable_mass_is_still_refused(tmp_path):
    """Control: normal(100, 0.01) on [0, 2] (both CDF values underflow) keeps its line."""
    spec = tiny_calibration(
        tmp_path, coefficients="{fatigue: {prior: normal, mean: 100, sd: 0.01}}"
    )
    with pytest.raises(ScenarioError) as caught:
        load_spec(spec)
    assert "which puts none there" in str(caught.value)


# ------------------------------------------------------------ 6. one, not ones
def test_validate_says_one_coefficient_parameter_and_observation(tmp_path, capsys):
    spec = tiny_calibration(tmp_path / "cal")
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(sweep_spec("one", 1, 2, 1, "[0.1, 0.2]"))
    obs = tmp_path / "obs.yaml"
    obs.write_text("observations:\n" + OBSERVATION.format(year=2017, value=20, next=2018))
    capsys.readouterr()
    assert main(["validate", str(spec), str(sweep), str(obs)]) == 0
    out = capsys.readouterr().out
    assert f"{spec}: ok (calibration of 1 coefficient)\n" in out, out
    assert f"{sweep}: ok (sweep of 1 parameter)\n" in out, out
    assert f"{obs}: ok (observations file of 1 observation)\n" in out, out


def test_a_run_of_one_replication_and_one_step_says_so(tmp_path, capsys):
    out = tmp_path / "one"
    assert (
        main(
            ["run", str(BASELINE), "-n", "1", "--steps", "1", "--out", str(out), "-q", "--no-plots"]
        )
        == 0
    )
    assert ": 1 replication × 1 step\n" in capsys.readouterr().out


# ------------------------------------------------------------ 7. round 12: §18's leftovers
@pytest.mark.parametrize("command", ["plot", "report"])
@pytest.mark.parametrize("drop", [["peak_escalation_PRK"], [
    f"{k}_PRK" for k in ("peak_escalation", "final_escalation", "final_rung", "final_leverage")
]], ids=["peak", "every-PRK-column"])  # fmt: skip
def test_a_summary_without_a_manifest_actors_peak_column_is_refused(
    tmp_path, capsys, command, drop
):
    """Before: the actor table and chart left PRK out without a word, exit 0."""
    folder = _copy(tmp_path, DATA / "run")
    _edit(folder / "summary.csv", lambda f: f.drop(columns=drop))
    args = [command, str(folder)] + (["-o", str(tmp_path / "r.html")]
                                     if command == "report" else [])  # fmt: skip
    line = _refused(capsys, tmp_path, args)
    actors = "['CHN', 'RUS', 'PRK', 'USA', 'JPN', 'KOR']"
    words = f"missing column(s) peak_escalation_PRK (of the manifest's actors {actors})"
    assert f"{folder / 'summary.csv'}: {words}" in line, line


def test_a_compare_summary_without_an_actors_peak_column_is_refused(tmp_path, capsys):
    """Before: PRK's rows left out of the compare report and charts, exit 0 (a compare
    manifest lists no actors: the actor is known by its final escalation column)."""
    folder = _copy(tmp_path, DATA / "compare")
    _edit(folder / "summaries.parquet", lambda f: f.drop(columns=["peak_escalation_PRK"]))
    line = _refused(capsys, tmp_path, ["report", str(folder), "--redraw", "-o",
                                       str(tmp_path / "r.html")])  # fmt: skip
    words = "missing column(s) peak_escalation_PRK (beside final_escalation_PRK)"
    assert f"{folder / 'summaries.parquet'}: {words}" in line, line


def test_a_summary_without_an_actor_the_manifest_does_not_list_still_reports(tmp_path):
    """Control: the manifest's actors are required, not every actor of the world (UKR is
    inactive in the run fixture: not shown, its columns may go)."""
    folder = _copy(tmp_path, DATA / "run")
    drop = [f"{k}_UKR" for k in ("peak_escalation", "final_escalation", "final_rung",
                                 "final_leverage")]  # fmt: skip
    _edit(folder / "summary.csv", lambda f: f.drop(columns=drop))
    assert main(["report", str(folder), "--redraw", "-o", str(tmp_path / "r.html")]) == 0


def _put(column: str, value, row: int = 0):
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        frame[column] = frame[column].astype(object)
        frame.loc[frame.index[row], column] = value
        return frame

    return edit


SIGNS = [  # (edit, words): robustness.csv's nominal_sign against its nominal_effect, exit 0
    (_put("nominal_sign", -1), "nominal_sign (final_distancing): -1, expected 1 (the sign of"),
    (_put("nominal_sign", 0), "nominal_sign (final_distancing): 0, expected 1"),
    (_put("nominal_effect", 0.0005), "nominal_sign (final_distancing): 1, expected 0 (the sign "
     "of nominal_effect 0.0005)"),
    (_put("nominal_sign", 1, row=7), "nominal_sign (outcome_class): 1, expected 0"),
    (_put("nominal_sign", -1, row=8), "nominal_sign (draws_p_crisis_ge_half): -1, expected 0"),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "words"), SIGNS)
def test_a_nominal_sign_other_than_its_effects_is_refused(tmp_path, capsys, edit, words):
    folder = _copy(tmp_path, DATA / "robustness")
    _edit(folder / "robustness.csv", edit)
    line = _refused(capsys, tmp_path, ["report", str(folder), "-o", str(tmp_path / "r.html")])
    assert f"{folder / 'robustness.csv'}: column {words}" in line, line


def test_a_nominal_sign_within_the_writers_tolerance_of_zero_is_accepted(tmp_path):
    """Control: an effect within the writer's zero tolerance (1e-3) has sign 0."""
    folder = _copy(tmp_path, DATA / "robustness")
    _edit(folder / "robustness.csv",
          lambda f: _put("nominal_sign", 0)(_put("nominal_effect", 0.0005)(f)))  # fmt: skip
    assert main(["report", str(folder), "-o", str(tmp_path / "r.html")]) == 0


def test_the_crisis_shares_sign_has_the_writers_tolerance(tmp_path):
    """The crisis share's effect counts as zero below 0.01 (one point), as the writer says;
    a sign of 1 there is refused (the fixture has no crisis row: checked directly)."""
    from sim.errors import UsageError
    from sim.robustness_checks import check_nominal_signs

    crisis = pd.DataFrame({"outcome": ["crisis"], "nominal_effect": [0.005], "nominal_sign": [0]})
    check_nominal_signs(tmp_path / "robustness.csv", crisis)
    with pytest.raises(UsageError, match=r"nominal_sign \(crisis\): 1, expected 0"):
        check_nominal_signs(tmp_path / "robustness.csv", crisis.assign(nominal_sign=1))


@pytest.fixture(scope="module")
def oat_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("round12") / "oat"
    argv = ["robustness", str(BASELINE), "--draws", "2", "-n", "6", "--steps", "12", "--oat",
            "-q", "--no-plots", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    return out


CRISIS_ROW = 7  # row 0: reactivity × 0.5, final_distancing; row 7: the same, crisis
OAT = [  # (edit, words): oat.csv's values were never checked: charted and reported, exit 0
    (_put("effect_median", np.nan),
     "column effect_median (final_distancing): 1 value(s) outside [-4, 4] (first: not a"),
    (_put("effect_p95", 1.0e6), "column effect_p95 (final_distancing): 1 value(s) outside"),
    (_put("level", 5.0, CRISIS_ROW), "column level (crisis): 1 value(s) outside [0, 1] (first:"),
    (_put("value", -1.0), "column value (reactivity): 1 value(s) outside [0, 2] (first: -1)"),
    (_put("value", 0.04), "columns value, clipped (reactivity): 0.04, False for 0.06 × 0.5"),
    (_put("clipped", True), "columns value, clipped (reactivity): 0.03, True for 0.06 × 0.5"),
    (_put("factor", 3.0), "column factor: 3 is not among the manifest's factors [0.5, 2.0]"),
    (_put("coefficient", "crisis_threshold"),
     "column coefficient: 'crisis_threshold' is not a coefficient the model perturbs"),
    (_put("mechanism", "magic"), "column mechanism (reactivity): 'magic', expected"),
    (_put("nominal_sign", -1), "column nominal_sign (final_distancing): -1, expected 1"),
    (_put("sign", 0), "column sign (final_distancing): 0, expected 1 (the sign of effect_median"),
    (_put("sign_held", False), "column sign_held (final_distancing): False, but the signs are"),
    (_put("change", 0.5), "column change (final_distancing): 0.5, not effect_median"),
    (_put("knife_edge", True), "columns knife_edge, reason (final_distancing): True, ''; the"),
    (_put("reason", "sign flips"), "columns knife_edge, reason (final_distancing): False, 'sign"),
    (_put("knife_edge", "maybe"), "column knife_edge: 'maybe'; expected True or False"),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "words"), OAT)
def test_impossible_one_at_a_time_values_are_refused(tmp_path, capsys, oat_folder, edit, words):
    folder = _copy(tmp_path, oat_folder)
    _edit(folder / "oat.csv", edit)
    line = _refused(capsys, tmp_path, ["report", str(folder), "--redraw", "-o",
                                       str(tmp_path / "r.html")])  # fmt: skip
    assert f"{folder / 'oat.csv'}: {words}" in line, line


def test_a_fresh_one_at_a_time_folder_and_a_consistent_knife_edge_are_accepted(
    tmp_path, oat_folder
):
    """Control: what `robustness --oat` writes passes, and so does a row edited into a knife
    edge the writer's own way (the sign flips: sign, sign_held, change, reason all agree)."""
    assert main(["plot", str(_copy(tmp_path / "a", oat_folder))]) == 0
    folder = _copy(tmp_path / "b", oat_folder)

    def flip(frame: pd.DataFrame) -> pd.DataFrame:
        row = frame.index[0]
        frame = frame.astype({"reason": object})
        frame.loc[row, ["effect_median", "effect_p5", "effect_p95"]] = -0.09
        frame.loc[row, "change"] = -0.09 - frame.loc[row, "nominal_effect"]
        frame.loc[row, ["sign", "sign_held", "knife_edge", "reason"]] = [-1, False, True,
                                                                         "sign flips"]  # fmt: skip
        return frame

    _edit(folder / "oat.csv", flip)
    assert main(["report", str(folder), "--redraw", "-o", str(tmp_path / "r.html")]) == 0


# ------------------------------------------------------------ 8. round 13: a compare's actors
# the compare folder: tests/conftest.py `compare_folder`


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


@pytest.mark.parametrize("command", ["plot", "report"])
def test_a_compare_summary_without_every_column_of_an_actor_is_refused(
    tmp_path, capsys, compare_folder, command
):
    """Before: the compare manifest listed no actors, so with all of PRK's columns dropped
    from summaries.parquet PRK was left out of the report and charts, exit 0."""
    folder = _copy(tmp_path, compare_folder)
    actors = _manifest(folder)["actors"]
    assert "PRK" in actors
    _edit(folder / "summaries.parquet", lambda f: f.drop(columns=EVERY_PRK))
    args = [command, str(folder)] + (["--redraw", "-o", str(tmp_path / "r.html")]
                                     if command == "report" else [])  # fmt: skip
    line = _refused(capsys, tmp_path, args)
    words = f"missing column(s) peak_escalation_PRK (of the manifest's actors {actors})"
    assert f"{folder / 'summaries.parquet'}: {words}" in line, line


def test_a_compare_manifest_lists_the_actors_its_scenarios_show(tmp_path, compare_folder):
    """Control: the writer's `actors` are those shown in any scenario, in order, and the
    intact folder reports."""
    meta = _manifest(compare_folder)
    shown = [a for s in meta["scenarios"] for a in s["actors"]]
    assert meta["actors"] == list(dict.fromkeys(shown))
    folder = _copy(tmp_path, compare_folder)
    assert main(["report", str(folder), "--redraw", "-o", str(tmp_path / "r.html")]) == 0


def test_a_compare_manifest_written_before_actors_were_listed_still_reports(tmp_path):
    """Control: old compare manifests (the committed fixture's) have no `actors`; they are
    read as before, not refused."""
    folder = _copy(tmp_path, DATA / "compare")
    assert "actors" not in _manifest(folder)
    assert main(["report", str(folder), "--redraw", "-o", str(tmp_path / "r.html")]) == 0
    assert main(["plot", str(folder)]) == 0
