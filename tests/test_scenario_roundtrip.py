"""`dump_scenario` writes what `load_scenario` reads back unchanged, for any valid scenario.

`scenario_data()` generates raw, valid scenario data (2–6 actors with random ids, weights
within bounds written bare or as `{value, evidence}`, relations, treaties, parameters and
events whose targets and conditions name existing actors). It is reused by
test_scenario_jsonschema.py.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim.parameters import PARAMETERS
from sim.scenario.dump import dump_scenario
from sim.scenario.ledger import find_ledger, load_ledger
from sim.scenario.loader import load_scenario
from sim.scenario.references import ACTOR_METRICS, PAIR_METRICS, cites_evidence
from sim.scenario.schema import (
    ACTOR_ID,
    CHANNELS,
    METRICS,
    NAME_ID,
    OBLIGATIONS,
    Scenario,
)
from sim.scenario.semantics import target_range
from sim.scenario.targets import ACTOR_FIELDS, CAPABILITIES, TRAITS, parse_target

REPO = Path(__file__).resolve().parents[1]
LEDGER = REPO / "seeds" / "ledger.yaml"
# Generated scenarios cite a few real ledger ids; their folder gets a ledger trimmed to those
# records (the whole ledger takes longer to parse than the scenario).
_LEDGER_DATA = yaml.safe_load(LEDGER.read_text(encoding="utf-8"))
_SOME = _LEDGER_DATA["records"][::12]
LEDGER_IDS = sorted(r["id"] for r in _SOME)
SMALL_LEDGER = yaml.safe_dump({**_LEDGER_DATA, "records": _SOME}, allow_unicode=True)

actor_ids = st.from_regex(ACTOR_ID, fullmatch=True)
name_ids = st.from_regex(NAME_ID, fullmatch=True)
# Any text YAML can carry: every plane, quotes, colons, line breaks; not lone surrogates.
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=24)
short = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)


def number(lo: float, hi: float) -> st.SearchStrategy[float | int]:
    floats = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    ints = st.integers(math.ceil(lo), math.floor(hi))
    return floats | ints | st.sampled_from([lo, hi]) if math.ceil(lo) <= hi else floats


@st.composite
def weight(draw: st.DrawFn, lo: float, hi: float, evidence: bool) -> Any:
    value = draw(number(lo, hi))
    if draw(st.booleans()):
        return value
    out: dict[str, Any] = {"value": value}
    ids = st.lists(st.sampled_from(LEDGER_IDS), max_size=3) if evidence else st.just([])
    if draw(st.booleans()):
        out["evidence"] = draw(ids)
    if draw(st.integers(0, 4)) == 0:
        out["note"] = draw(text)
    return out


def maybe(draw: st.DrawFn, strategy: st.SearchStrategy) -> Any:
    return draw(strategy) if draw(st.booleans()) else None


def drop_none(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if v is not None}


@st.composite
def actor(draw: st.DrawFn, evidence: bool) -> dict[str, Any]:
    share = weight(0, 1, evidence)
    return drop_none(
        {
            "name": draw(text),
            "active": maybe(draw, st.booleans()),
            "capabilities": {c: draw(share) for c in CAPABILITIES},
            "traits": {t: draw(share) for t in TRAITS},
            "escalation": draw(share),
            "leverage": maybe(draw, share),
        }
    )


@st.composite
def relation(draw: st.DrawFn, evidence: bool) -> dict[str, Any]:
    fields = draw(st.lists(st.sampled_from([*CHANNELS, "commitment"]), unique=True))
    return {f: draw(weight(-1 if f == "commitment" else 0, 1, evidence)) for f in sorted(fields)}


def targets(actors: list[str], treaties: list[str]) -> list[str]:
    # the output thresholds are not event targets (they define what is counted)
    out = [f"parameters.{p}" for p, q in PARAMETERS.items() if q.mechanism != "outputs"]
    out += [f"treaties.{t}.strength" for t in treaties]
    for a in actors:
        out += [f"actors.{a}.{f}" for f in ACTOR_FIELDS]
        out += [f"actors.{a}.capabilities.{c}" for c in CAPABILITIES]
        out += [f"actors.{a}.traits.{t}" for t in TRAITS]
        out += [
            f"relations.{a}.{b}.{f}" for b in actors if b != a for f in (*CHANNELS, "commitment")
        ]
    return out


def effect_range(path: str, actors: list[str], treaties: list[str]) -> tuple[float, float]:
    """The values the target can hold (the validator refuses effects outside them)."""
    target = parse_target(path, set(actors), set(treaties))
    assert not isinstance(target, str)
    return target_range(target)


@st.composite
def condition(draw: st.DrawFn, actors: list[str]) -> dict[str, Any]:
    metric = draw(st.sampled_from(METRICS))
    a, b = draw(st.permutations(actors))[:2]
    cond: dict[str, Any] = {"metric": metric}
    if metric in PAIR_METRICS:
        cond |= {"actor": a, "partner": b}
    elif metric in ACTOR_METRICS:  # distancing and frustration read no actor (refused)
        cond["actor"] = a
    bound = draw(st.sampled_from(["above", "below"]))
    cond[bound] = draw(number(-1, 1))
    return cond


@st.composite
def event(draw: st.DrawFn, actors: list[str], treaties: list[str]) -> dict[str, Any]:
    paths = targets(actors, treaties)
    effects: dict[str, dict[str, Any]] = {"set": {}, "add": {}, "scale": {}}
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(paths))
        if path.endswith(".active"):
            effects["set"][path] = draw(st.booleans())
        else:
            op = draw(st.sampled_from(["set", "add", "scale"]))
            lo, hi = effect_range(path, actors, treaties)
            span = {"set": (lo, hi), "add": (lo - hi, hi - lo), "scale": (0, 2)}[op]
            effects[op][path] = draw(number(*span))
    trigger: dict[str, Any] = {}
    kind = draw(st.sampled_from(["at", "when", "both"]))
    if kind in ("at", "both"):
        trigger["at"] = draw(st.integers(0, 500))
    if kind in ("when", "both"):
        trigger["when"] = draw(condition(actors))
    once = maybe(draw, st.booleans())
    return drop_none(
        {"label": draw(short), **trigger, "once": once, **{k: v for k, v in effects.items() if v}}
    )


real_dates = st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31)).map(dt.date.isoformat)
months = st.builds("{:04d}-{:02d}".format, st.integers(1000, 9999), st.integers(1, 12))


THRESHOLDS = ("crisis_threshold", "war_threshold")


@st.composite
def scenario_data(draw: st.DrawFn, evidence: bool = False) -> dict[str, Any]:
    """Raw data of a valid scenario (as `yaml.safe_load` would give it)."""
    ids = draw(st.lists(actor_ids, min_size=2, max_size=6, unique=True))
    actors = {i: draw(actor(evidence)) for i in ids}
    pairs = [(a, b) for a in ids for b in ids if a != b]
    relations: dict[str, dict[str, Any]] = {}
    for a, b in draw(st.lists(st.sampled_from(pairs), unique=True, max_size=8)):
        relations.setdefault(a, {})[b] = draw(relation(evidence))
    treaties = {}
    for tid in draw(st.lists(name_ids, unique=True, max_size=3)):
        members = draw(st.permutations(ids))[: draw(st.integers(2, len(ids)))]
        treaties[tid] = drop_none(
            {
                "members": members,
                "obligation": draw(st.sampled_from(OBLIGATIONS)),
                "strength": maybe(draw, weight(0, 1, evidence)),
                "signed": maybe(draw, st.integers(1800, 2100) | real_dates),
                "label": maybe(draw, text),
            }
        )
    chosen = draw(st.lists(st.sampled_from(sorted(PARAMETERS)), unique=True, max_size=5))
    parameters = {p: draw(number(PARAMETERS[p].lo, PARAMETERS[p].hi)) for p in chosen}
    crisis, war = (parameters.get(n, PARAMETERS[n].default) for n in THRESHOLDS)
    if crisis > war:  # a pair at war is also in crisis: the loader refuses crossed thresholds
        parameters.update(zip(THRESHOLDS, (war, crisis), strict=True))
    event_ids = draw(st.lists(name_ids, unique=True, max_size=3))
    events = {e: draw(event(ids, list(treaties))) for e in event_ids}
    focus = draw(st.sampled_from(ids))
    others = [i for i in ids if i != focus]
    partners = draw(st.lists(st.sampled_from(others), min_size=1, max_size=3, unique=True))
    run = drop_none(
        {
            "steps": draw(st.integers(1, 10_000)),
            "replications": maybe(draw, st.integers(1, 10_000_000)),
            "seed": maybe(draw, st.integers(0, 2**63 - 1)),
            "step_unit": maybe(draw, st.sampled_from(["month", "week", "quarter", "year"])),
            "start": maybe(draw, months),
            "distancing": {"actor": focus, "partners": partners},
        }
    )
    data = drop_none(
        {
            "name": draw(name_ids),
            "title": draw(text),
            "question": maybe(draw, text),
            "assumptions": maybe(draw, st.lists(text, max_size=3)),
            "expected": maybe(draw, text),
            "actors": actors,
            "relations": relations or None,
            "treaties": treaties or None,
            "parameters": parameters or None,
            "events": events or None,
            "run": run,
        }
    )
    return data


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, Path]:
    """A folder with no ledger above it, and one with a copy of seeds/ledger.yaml."""
    bare = tmp_path_factory.mktemp("no_ledger")
    assert find_ledger(bare) is None, "a seeds/ledger.yaml sits above the temp folder"
    cited = tmp_path_factory.mktemp("with_ledger")
    (cited / "seeds").mkdir()
    (cited / "seeds" / "ledger.yaml").write_text(SMALL_LEDGER, encoding="utf-8")
    assert set(LEDGER_IDS) <= set(load_ledger(LEDGER).by_id())
    return {False: bare, True: cited}


ROUNDTRIP = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@ROUNDTRIP
@given(st.booleans().flatmap(lambda ev: st.tuples(st.just(ev), scenario_data(evidence=ev))))
def test_dump_then_load_is_identity(folders: dict[bool, Path], case: tuple) -> None:
    evidence, data = case
    first = Scenario.model_validate(data)
    # a world with nothing active is refused on load (tests/test_reliability_semantics.py)
    assume(any(actor.active for actor in first.actors.values()))
    text = dump_scenario(first)
    path = folders[evidence] / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_scenario(path)
    assert loaded.scenario == first, text
    # the ledger is read exactly when the scenario cites evidence (sim/scenario/loader.py)
    assert (loaded.ledger is not None) == (evidence and cites_evidence(first))
    assert dump_scenario(loaded.scenario) == text


def test_dump_baseline_roundtrips(baseline: Path, tmp_path: Path) -> None:
    first = load_scenario(baseline)
    copy = tmp_path / "seeds"
    copy.mkdir()
    shutil.copy(LEDGER, copy / "ledger.yaml")
    path = tmp_path / "baseline.yaml"
    path.write_text(dump_scenario(first.scenario), encoding="utf-8")
    second = load_scenario(path)
    assert second.scenario.model_dump(mode="json") == first.scenario.model_dump(mode="json")
    # A dump is a fixed point: dumping the reloaded scenario writes the same text, and the
    # file written from it loads to the same raw data (hence the same hash).
    assert dump_scenario(second.scenario) == dump_scenario(first.scenario)
    path.write_text(dump_scenario(second.scenario), encoding="utf-8")
    assert load_scenario(path).content_hash() == second.content_hash()


def test_dump_shape(baseline: Path) -> None:
    text = dump_scenario(load_scenario(baseline).scenario)
    assert (
        "      stability: {value: 0.9, evidence: [chn-wants-stability, chn-control-no-collapse]}\n"
        in text
    )
    assert "    members: [RUS, PRK]\n" in text
    assert "null" not in text  # None fields are omitted
    assert "leverage" not in text.split("  JPN:")[1].split("  KOR:")[0]
    assert "\nparameters:" not in text  # empty, so left out
    assert "  pact_signed:\n" in text and "counterfactual:\n" in text
    assert "extends" not in text


@pytest.mark.parametrize(
    "title", ["a\x85b", "line\u2028sep", "para\u2029", "NO", "2024-06-19", "1e3"]
)
def test_dump_keeps_awkward_text(title: str, folders: dict[bool, Path]) -> None:
    """Text PyYAML would fold (NEL, LS, PS) or re-type (booleans, dates) comes back as text."""
    data = {
        "name": "awkward",
        "title": title,
        "actors": {
            "NO": {
                "name": title,
                "capabilities": {c: 0.5 for c in CAPABILITIES},
                "traits": {t: 0.5 for t in TRAITS},
                "escalation": {"value": 0.1, "note": title},
            },
            "ON": {
                "name": "On",
                "capabilities": {c: 0 for c in CAPABILITIES},
                "traits": {t: 1 for t in TRAITS},
                "escalation": 1,
            },
        },
        "run": {"distancing": {"actor": "NO", "partners": ["ON"]}},
    }
    first = Scenario.model_validate(data)
    path = folders[False] / "awkward.yaml"
    path.write_text(dump_scenario(first), encoding="utf-8")
    assert load_scenario(path).scenario == first
