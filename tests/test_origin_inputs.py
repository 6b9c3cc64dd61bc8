"""Rolling-origin forecasts that see only the inputs known at the origin
(docs/preregistration-origin-inputs.md): which inputs a fold withholds, and that the
setting is off in the shipped spec."""

from __future__ import annotations

from pathlib import Path

from sim.observe.episodes import episode_of
from sim.observe.observations import month_index
from sim.observe.rolling import unseen_inputs
from sim.observe.spec import load_spec
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "scenarios" / "calibration" / "history.yaml"
VARIANT = ROOT / "scenarios" / "calibration" / "history-all-inputs.yaml"
LATER_THAN_2018 = {
    "border_closure",
    "usa_biden_administration",
    "freight_trains_resume",
    "rus_invades_ukraine",
    "kor_yoon_government",
}


def test_a_fold_withholds_exactly_the_inputs_dated_after_its_origin():
    spec = load_spec(SHIPPED)
    withheld = unseen_inputs(spec, month_index(2018, 12))
    assert {k.split(".")[1] for k in withheld} == LATER_THAN_2018
    # conservative: the January 2021 inauguration is withheld in December 2020 too, though
    # the election had been decided (no input is given a known-in-advance date)
    assert set(unseen_inputs(spec, month_index(2020, 12))) == {
        f"events.{k}.at" for k in ("usa_biden_administration", "freight_trains_resume",
                                   "rus_invades_ukraine", "kor_yoon_government")
    }  # fmt: skip
    assert unseen_inputs(spec, month_index(2023, 12)) == {}


def test_a_withheld_input_never_fires_in_the_forecast_run():
    spec = load_spec(SHIPPED)
    withheld = unseen_inputs(spec, month_index(2019, 12))
    ep = episode_of(load_scenario(spec.scenarios[0], withheld))
    for key in withheld:
        assert ep.loaded.scenario.events[key.split(".")[1]].at > ep.steps
    kept = ep.loaded.scenario.events["usa_trump_administration"].at
    assert ep.start + kept <= month_index(2019, 12)


def test_the_shipped_spec_withholds_later_inputs_and_the_variant_differs_by_one_setting():
    """Shipped since 7 Dec 2026 (the pre-registration's prediction 1 held); the variant
    history-all-inputs.yaml reproduces the old protocol."""
    assert unseen_inputs(load_spec(VARIANT), month_index(2018, 12)) == {}
    shipped = load_spec(SHIPPED).settings
    variant = load_spec(VARIANT).settings
    assert {k for k in shipped if shipped[k] != variant[k]} == {"origin_inputs_only"}
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    body = VARIANT.read_text(encoding="utf-8").splitlines()
    body = body[body.index(lines[0]) :]
    body = [x.replace("name: history-all-inputs", "name: history") for x in body]
    setting = [x for x in lines if x.startswith("origin_inputs_only")]
    assert len(setting) == 1 and setting[0].startswith("origin_inputs_only: true")
    drop = [x for x in body if not x.startswith("origin_inputs_only")]
    assert drop == [x for x in lines if not x.startswith("origin_inputs_only")]
