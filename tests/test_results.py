"""One results module: a manifest model per kind, one reader, one writer, one KINDS; labels
and printed digits a reader understands; inactive actors out of the tables."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sim.results.folder import TABLE_FILES, ResultsFolder
from sim.results.labels import coefficient_label, key_label, outcome_label
from sim.results.manifest import KINDS, MODELS, ManifestError, parse_manifest
from sim.results.precision import digits_for, effect_text, range_digits
from sim.results.write import manifest_text, write_frame, write_manifest

DATA = Path(__file__).resolve().parent / "data" / "results"


def test_one_kinds_tuple_everywhere():
    import sim.results_io
    from sim.plots import CHARTS
    from sim.report import _sections

    assert KINDS == ("run", "compare", "sweep", "robustness", "calibration", "hindcast")
    assert sim.results_io.KINDS is KINDS and tuple(MODELS) == KINDS
    assert {c.kind for c in CHARTS} == set(KINDS)  # every kind has charts
    assert sorted(p.name for p in DATA.iterdir() if p.is_dir()) == sorted(KINDS)
    assert _sections  # the report dispatches on the same names (test_reports_* below)


@pytest.mark.parametrize("kind", KINDS)
def test_reader_writer_round_trip(kind, tmp_path):
    """The writer's manifest reads back as the same object, and every table the reader
    names reads back as written."""
    src = ResultsFolder(DATA / kind)
    assert src.kind == kind and type(src.meta) is MODELS[kind]
    out = tmp_path / kind
    out.mkdir()
    write_manifest(out, src.manifest)
    for name, file in TABLE_FILES.items():
        frame = src.table(name)
        if frame is not None and not frame.empty:
            write_frame(out, file, frame)
    back = ResultsFolder(out)
    assert back.manifest == src.manifest and back.meta == src.meta
    for name in TABLE_FILES:
        a, b = src.table(name), back.table(name)
        assert (a is None or a.empty) == (b is None or b.empty), name
        if a is not None and not a.empty:
            pd.testing.assert_frame_equal(a, b, check_dtype=False, check_categorical=False)


def test_tables_are_read_lazily():
    res = ResultsFolder(DATA / "run")
    assert res._tables == {}
    assert len(res.summary) == 12
    assert list(res._tables) == ["summary.csv"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"replications": "12"}, "replications: expected a whole number, found text"),
        ({"replications": 0}, "replications: expected a positive whole number, found 0"),
        ({"steps": True}, "steps: expected a whole number, found true/false"),
        ({"kind": "movie"}, "unknown kind 'movie'"),
        ({"scenario": None}, "scenario: expected text, found nothing"),
    ],
)
def test_the_writer_refuses_what_the_reader_would_refuse(change, message, tmp_path):
    meta = {**json.loads((DATA / "run" / "manifest.json").read_text()), **change}
    with pytest.raises(ManifestError, match=message.replace("(", r"\(")):
        parse_manifest(meta)
    with pytest.raises(ValueError, match="refusing to write"):
        write_manifest(tmp_path, meta)
    assert not (tmp_path / "manifest.json").exists()


def test_every_kind_requires_its_own_fields():
    for kind, model in MODELS.items():
        required = [n for n, f in model.model_fields.items() if f.is_required() and n != "kind"]
        assert required, kind
        with pytest.raises(ManifestError, match=f"{required[0]}: missing"):
            parse_manifest({"kind": kind})


def test_manifest_text_keeps_every_field():
    meta = json.loads((DATA / "sweep" / "manifest.json").read_text())
    assert json.loads(manifest_text(meta)) == meta


# ---------------------------------------------------------------------- labels
@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("parameters.reactivity", "Reactivity (escalation per unit of perceived threat)"),
        ("parameters.axis_cost", "Axis cost (reputational cost of an axis)"),
        ("relations.PRK.RUS.trade", "PRK→RUS trade dependence"),
        ("relations.CHN.PRK.commitment.value", "CHN→PRK commitment"),
        ("actors.PRK.traits.resolve", "PRK resolve"),
        ("treaties.rus_prk_2024.strength", "treaty rus_prk_2024: strength"),
        (
            "events.pact_signed.set.treaties.rus_prk_2024.strength",
            "treaty rus_prk_2024: strength, set by event pact_signed",
        ),
        ("something.else", "something.else"),
    ],
)
def test_key_labels(path, label):
    assert key_label(path) == label


def test_labels_carry_units_where_asked():
    assert key_label("parameters.fatigue", unit=True).endswith("[per month]")
    assert outcome_label("final_commitment_CHN_RUS") == "final commitment, CHN→RUS (−1…+1)"
    assert coefficient_label("summit_log_rate") == "summit log rate"  # not a model parameter


# ---------------------------------------------------------------------- precision
def test_digits_follow_the_monte_carlo_error():
    assert digits_for(0.034) == 2 and digits_for(0.4) == 1 and digits_for(3.0) == 0
    assert digits_for(1e-7) == 3  # never more than three decimals
    # the same 5–95% range is printed with more digits when more replications back it
    assert effect_text(0.1623, 0.071, 0.254, 12) == "+0.16 (+0.07 to +0.25)"
    assert effect_text(0.1623, 0.071, 0.254, 5000) == "+0.162 (+0.071 to +0.254)"


@given(
    lo=st.floats(-5, 5),
    width=st.floats(0, 5),
    n=st.integers(1, 10_000),
    more=st.integers(1, 100),
)
def test_more_replications_never_print_fewer_digits(lo, width, n, more):
    assume(width > 1e-9)
    assert range_digits(lo, lo + width, n * more) >= range_digits(lo, lo + width, n)


# ---------------------------------------------------------------------- inactive actors
def test_actors_never_active_stay_out_of_the_tables():
    """The writer leaves UKR and IRN (inactive throughout the baseline) out of the
    timeseries and summary; without the actor list (the ablation) they are there."""
    from sim.ensemble import prepare, run_ensemble
    from sim.jobs.run import shown_actors
    from sim.scenario.loader import load_scenario
    from sim.stream_tables import actor_arrow
    from sim.tables import related_pairs, step_dates, summary_table

    loaded = load_scenario("scenarios/baseline.yaml")
    world, _ = prepare(loaded.scenario)
    result = run_ensemble(loaded.scenario, 3, 1, 4)
    shown = shown_actors(loaded)
    dates = step_dates(loaded.scenario.run.start, loaded.scenario.run.step_unit, 4)
    assert {"UKR", "IRN"} <= set(world.ids) - set(shown)
    every = actor_arrow(world, result, dates).to_pandas()
    kept = actor_arrow(world, result, dates, shown).to_pandas()
    assert set(every["actor"]) == set(world.ids) and list(kept["actor"].unique()) == shown
    shown_rows = every[every["actor"].isin(shown)].reset_index(drop=True)
    pd.testing.assert_frame_equal(  # the same numbers, fewer rows
        kept.astype({"actor": str}), shown_rows.astype({"actor": str}), check_categorical=False
    )
    assert "peak_escalation_UKR" in summary_table(result)
    columns = list(summary_table(result, shown).columns)
    assert not [c for c in columns if c.endswith(("_UKR", "_IRN"))]
    assert "peak_escalation_PRK" in columns and "final_distancing" in columns
    ids = np.array(world.ids)
    assert {"UKR", "IRN"}.isdisjoint({ids[i] for p in related_pairs(world, shown) for i in p})


def test_compare_tables_leave_out_actors_never_active_in_any_scenario(tmp_path):
    """A compare's summaries and comparison carry no UKR columns (inactive in both
    scenarios) but IRN's (switched on in one), and the folder reads and reports; without
    the actor list (the ablation) the baseline's frame has UKR's too."""
    from sim.cli import main
    from sim.jobs.compare import comparison_table, run_compare, summary_frame
    from sim.jobs.run import RunSettings, simulate
    from sim.scenario.loader import load_scenario

    files = [f"scenarios/{n}.yaml" for n in ("baseline", "axis_with_iran")]
    loaded = [load_scenario(f) for f in files]
    # 5 steps: Iran's event (step 3) fires inside the run; with 3 it never fires and Iran,
    # which never takes part, is rightly left out (tests/test_reliability_round9.py)
    settings = RunSettings(replications=3, seed=1, steps=5)
    names, frames, table = run_compare(loaded, settings)
    for frame in frames:
        assert not [c for c in frame.columns if c.endswith("_UKR")]
        assert "peak_escalation_IRN" in frame and "peak_escalation_PRK" in frame
    assert not table["outcome"].str.endswith("_UKR").any()
    every = summary_frame(simulate(loaded[0], settings, keep_series=False))
    assert "peak_escalation_UKR" in every
    assert set(comparison_table(names[:1], [every])["outcome"]) > set(
        comparison_table(names[:1], [frames[0]])["outcome"]
    )
    out = tmp_path / "cmp"
    argv = ["compare", *files, "-n", "3", "--steps", "5", "--no-plots", "-q", "--out", str(out)]
    assert main(argv) == 0
    assert main(["report", str(out)]) == 0  # the written folder passes the reader's checks
    summaries = pd.read_parquet(out / "summaries.parquet")
    assert "peak_escalation_IRN" in summaries and "peak_escalation_UKR" not in summaries


def test_sweep_chunks_leave_out_actors_inactive_at_every_point(tmp_path):
    """A sweep's chunks carry no UKR/IRN columns when no point activates them, and keep
    UKR's when its `active` flag is swept; without the actor list (the ablation) the same
    runs give every actor's columns and the same numbers."""
    import dataclasses

    from sim.jobs.sweep.batch import run_runs
    from sim.jobs.sweep.plan import make_plan
    from sim.jobs.sweep.spec import load_spec

    baseline = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"

    def plan(extra: str):
        path = tmp_path / f"spec{len(extra)}.yaml"
        path.write_text(
            f"scenario: {baseline}\nname: t\ndesign: grid\nreplications: 2\nsteps: 3\n"
            f"parameters:\n  parameters.reactivity: [0.05, 0.1]\n{extra}"
        )
        return make_plan(load_spec(path))

    payload = plan("").payload
    assert payload.shown is not None and {"UKR", "IRN"}.isdisjoint(payload.shown)
    kept = run_runs(payload, 0, payload.n_runs)
    every = run_runs(dataclasses.replace(payload, shown=None), 0, payload.n_runs)
    assert not [c for c in kept.columns if c.endswith(("_UKR", "_IRN"))]
    assert "peak_escalation_UKR" in every and "peak_escalation_PRK" in kept
    pd.testing.assert_frame_equal(kept, every[kept.columns])  # the same numbers
    swept = plan("  actors.UKR.active: [false, true]\n").payload
    assert "UKR" in swept.shown and "IRN" not in swept.shown


def test_old_folders_with_inactive_columns_are_read_without_them(tmp_path):
    """The run fixture predates the change (UKR/IRN columns): the reader still hides them."""
    res = ResultsFolder(DATA / "run")
    assert "peak_escalation_UKR" in res.summary
    assert "UKR" not in res.shown_actors() and res.hidden_outcome("peak_escalation_UKR")
    assert not res.hidden_outcome("peak_escalation_PRK") and not res.hidden_outcome("crisis")


def test_a_partial_folder_is_refused_by_commands_but_read_while_writing(tmp_path):
    from sim.errors import UsageError
    from sim.results_io import read_manifest

    partial = tmp_path / ".x.partial-open"
    shutil.copytree(DATA / "hindcast", partial)
    with pytest.raises(UsageError, match="unfinished"):
        read_manifest(partial)
    assert ResultsFolder(partial).name == "x"


_TEXT = st.text(alphabet='ab ,"\n-é', max_size=4)


@given(
    floats=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=30),
    data=st.data(),
)
def test_fast_csv_text_is_pandas_to_csv_byte_for_byte(floats, data):
    """sim.results.csv_text writes exactly pandas' bytes, or declines (None): floats of any
    magnitude (shortest round-trip text, NaN empty), integers, booleans, and text columns,
    which it leaves to pandas whenever pandas would quote a field."""
    from sim.results.csv_text import csv_text

    n = len(floats)
    frame = pd.DataFrame(
        {
            "x": np.array(floats, dtype=np.float64),
            "k": data.draw(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=n, max_size=n)),
            "flag": data.draw(st.lists(st.booleans(), min_size=n, max_size=n)),
            "label": np.array(data.draw(st.lists(_TEXT, min_size=n, max_size=n)), dtype=object),
        }
    )
    for columns in (["x", "k", "flag"], ["x", "label"], ["k", "x"]):
        text = csv_text(frame[columns])
        assert text is None or text == frame[columns].to_csv(index=False)
    assert csv_text(frame[["x", "k", "flag"]]) is not None  # numbers are always written


def test_write_frame_csv_is_pandas_bytes_for_a_run_summary(tmp_path):
    """The summary of a real run, through write_frame: the same file pandas writes."""
    from sim.ensemble import run_ensemble
    from sim.results.csv_text import csv_text
    from sim.scenario.loader import load_scenario
    from sim.tables import summary_table

    scenario = load_scenario("scenarios/baseline.yaml").scenario
    frame = summary_table(run_ensemble(scenario, 40, 3, 12, keep_series=False))
    frame.loc[3, "peak_frustration"] = np.nan
    assert csv_text(frame) is not None  # the fast writer, not pandas, writes it
    path = write_frame(tmp_path, "summary.csv", frame)
    assert path.read_bytes() == frame.to_csv(index=False).encode("utf-8")


@given(sizes=st.lists(st.integers(1, 6), min_size=1, max_size=5), data=st.data())
def test_a_table_appended_chunk_by_chunk_is_the_whole_tables_csv(tmp_path_factory, sizes, data):
    """CsvAppender (a run's summary.csv, written as chunks arrive): the parts, whether the
    fast writer or pandas formats each, concatenate to `to_csv` of the whole table."""
    from sim.results.csv_text import CsvAppender

    n = sum(sizes)
    floats = st.floats(allow_nan=True, allow_infinity=True)
    whole = pd.DataFrame(
        {
            "x": np.array(data.draw(st.lists(floats, min_size=n, max_size=n)), dtype=np.float64),
            "k": np.arange(n),
            "label": np.array(data.draw(st.lists(_TEXT, min_size=n, max_size=n)), dtype=object),
        }
    )
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    appender = CsvAppender(path)
    for lo, size in zip(np.cumsum([0, *sizes[:-1]]), sizes, strict=True):
        appender.add(whole.iloc[lo : lo + size].reset_index(drop=True))
    appender.close()
    assert path.read_bytes() == whole.to_csv(index=False).encode("utf-8")
