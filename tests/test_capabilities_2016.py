"""The history's January 2016 start uses capabilities of 2016
(docs/preregistration-capabilities-2016.md): every capability citing a `*-2016` figure is the
documented transformation (docs/calibration.md, "Capabilities") of the figures it cites, and
no active actor's capability cites a figure of a later year, except North Korea's military
spending (no 2016 estimate by its method: its 2019 figure, on the 2016 reference)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from sim.scenario.ledger import load_ledger

ROOT = Path(__file__).resolve().parents[1]
HISTORY = ROOT / "scenarios" / "history" / "base_2016.yaml"
RULES = {  # capability -> (ledger prefix, transformation of (figure, reference figure))
    "military": ("fig-milex-", lambda x, ref: math.sqrt(x / ref)),
    "economic": ("fig-gdp-", lambda x, ref: x / ref),
    "nuclear": ("fig-warheads-", lambda x, ref: math.log10(1 + x) / math.log10(1 + ref)),
}
REFERENCE = {"military": "fig-milex-usa-2016", "economic": "fig-gdp-usa-2016",
             "nuclear": "fig-warheads-rus-2016"}  # fmt: skip


def capabilities():
    actors = yaml.safe_load(HISTORY.read_text(encoding="utf-8"))["actors"]
    for actor, spec in actors.items():
        for cap, weight in spec["capabilities"].items():
            yield actor, spec.get("active", True), cap, weight


def cites_2016(actor: str, cap: str, weight: dict) -> bool:
    """Whether the capability cites the actor's *own* 2016 figure (citing only the 2016
    reference, as a kept later figure does, is not enough)."""
    return f"{RULES[cap][0]}{actor.lower()}-2016" in weight["evidence"]


CASES = [(a, c, w) for a, _, c, w in capabilities() if cites_2016(a, c, w)]


def test_every_active_actor_with_a_sourced_2016_figure_uses_it():
    """North Korea's military spending has no 2016 estimate by the method of its 2019 figure,
    so it alone keeps a later figure among the active actors' capabilities."""
    later = {
        (a, c)
        for a, active, c, w in capabilities()
        if active and w["value"] > 0 and not cites_2016(a, c, w)
    }
    assert later == {("PRK", "military")}


def test_a_later_figure_is_a_ratio_to_the_2016_reference():
    """A capability that keeps a later figure (no 2016 estimate by its method) still divides
    it by the 2016 reference, like every other ratio of the start: a 2019 figure over 2023 US
    spending would understate it by the US growth between 2016 and 2023 (611 -> 916 USD bn)."""
    records = load_ledger(ROOT / "seeds" / "ledger.yaml").by_id()
    kept = [
        (a, c, w)
        for a, active, c, w in capabilities()
        if active and w["value"] > 0 and not cites_2016(a, c, w)
    ]
    assert kept, "no capability keeps a later figure: drop this test"
    for actor, cap, weight in kept:
        prefix, rule = RULES[cap]
        own = [e for e in weight["evidence"] if e.startswith(prefix) and e != REFERENCE[cap]]
        assert REFERENCE[cap] in weight["evidence"], (actor, cap, weight["evidence"])
        assert len(own) == 1, (actor, cap, own)
        x = records[own[0]].figure.value
        ref = records[REFERENCE[cap]].figure.value
        assert abs(weight["value"] - rule(x, ref)) <= 5e-4 + 1e-12, (actor, cap)


@pytest.mark.parametrize(("actor", "cap", "weight"), CASES, ids=[f"{a}-{c}" for a, c, _ in CASES])
def test_a_2016_capability_is_the_transformed_figure(actor, cap, weight):
    records = load_ledger(ROOT / "seeds" / "ledger.yaml").by_id()
    prefix, rule = RULES[cap]
    own = f"{prefix}{actor.lower()}-2016"
    cited = set(weight["evidence"])
    assert own in cited and (REFERENCE[cap] in cited or own == REFERENCE[cap])
    x = records[own].figure.value
    ref = records[REFERENCE[cap]].figure.value
    assert records[own].figure.year == records[REFERENCE[cap]].figure.year == 2016
    # to the precision the scenario stores (0.0017 is 0.00172 rounded, not 0.0012)
    half_unit = 0.5 * 10.0 ** -len(repr(float(weight["value"])).split(".")[1])
    assert abs(weight["value"] - rule(x, ref)) <= half_unit + 1e-12
