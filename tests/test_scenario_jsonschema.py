"""The JSON Schema editors use agrees with the loader on the structure of a scenario.

`alliance-sim schema` prints `sim.scenario.schema.json_schema()`. It is a valid Draft 2020-12
schema; the baseline passes it and the loader; each STRUCTURAL bad file of the corpus
(unknown key, wrong type, out of range, missing key, bad enum, bad id) fails both; and
generated valid scenarios pass it.

What JSON Schema cannot say, and only the loader checks:
  * referential checks: actor ids named in relations, treaty members, event targets,
    conditions and `run.distancing` must be actors of the scenario; evidence ids must be
    records of seeds/ledger.yaml. JSON Schema has no way to refer from one value to the
    set of keys elsewhere in the document (or in another file);
  * the rules the models enforce in code: an event needs `at` or `when` and an effect, a
    condition exactly one of `above`/`below`, event targets must be state key paths;
  * everything about the file rather than the data: `extends` (the schema sees one file, so
    a child file is checked by the editor only for the keys it writes), duplicate keys,
    tags, aliases, size and depth limits, and FILE:LINE:COL locations.
So the schema here is applied to raw data after `extends` is merged (`load_raw`).
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from test_scenario_roundtrip import scenario_data

from sim.cli import main
from sim.errors import ScenarioError
from sim.scenario.loader import Origins, load_raw, load_scenario
from sim.scenario.schema import json_schema

BAD = Path(__file__).resolve().parent / "data" / "bad"
STRUCTURAL = [
    ("unknown_key.yaml", ["actors", "CHN", "traits"]),
    ("wrong_type.yaml", ["actors", "PRK", "escalation"]),
    ("out_of_range.yaml", ["relations", "PRK", "CHN", "trade"]),
    ("parameter_out_of_range.yaml", ["parameters", "fatigue"]),
    ("missing_key.yaml", ["actors", "BLR"]),
    ("bad_enum.yaml", ["treaties", "rus_prk_2024", "obligation"]),
    ("bad_actor_id.yaml", ["actors"]),
]
VALIDATOR = jsonschema.Draft202012Validator(json_schema())
REFERENTIAL = [
    "unknown_actor_relation.yaml",
    "unknown_actor_treaty.yaml",
    "unknown_actor_event.yaml",
    "unknown_actor_condition.yaml",
    "unknown_evidence.yaml",
]


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    return VALIDATOR


def merged(path: Path) -> dict:
    return load_raw(path, Origins(root=str(path)))


def test_schema_is_valid_draft_2020_12() -> None:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "extends" in schema["properties"]


def test_schema_uses_only_json_schema_bounds() -> None:
    """pydantic's own `ge`/`le` must not leak out: JSON Schema would ignore them."""
    text = json.dumps(json_schema())
    assert '"ge":' not in text and '"le":' not in text
    fatigue = json_schema()["$defs"]["Parameters"]["properties"]["fatigue"]["anyOf"][0]
    assert (fatigue["minimum"], fatigue["maximum"]) == (0, 2)
    share = json_schema()["$defs"]["Actor"]["properties"]["escalation"]["anyOf"][1]
    assert (share["properties"]["value"]["minimum"], share["properties"]["value"]["maximum"]) == (
        0,
        1,
    )


def test_baseline_passes_both(baseline: Path, validator) -> None:
    raw = merged(baseline)
    assert list(validator.iter_errors(raw)) == []
    load_scenario(baseline)


@pytest.mark.parametrize("name, where", STRUCTURAL, ids=[s[0] for s in STRUCTURAL])
def test_structural_errors_fail_both(name: str, where: list, validator) -> None:
    raw = merged(BAD / name)
    errors = list(validator.iter_errors(raw))
    assert errors, f"{name} passes the JSON Schema"
    assert [list(e.absolute_path) for e in errors] == [where]
    with pytest.raises(ScenarioError):
        load_scenario(BAD / name)


@pytest.mark.parametrize("name", REFERENTIAL)
def test_referential_errors_are_the_loaders_job(name: str, validator) -> None:
    assert list(validator.iter_errors(merged(BAD / name))) == []
    with pytest.raises(ScenarioError):
        load_scenario(BAD / name)


def test_cli_schema_matches(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema()
    out = tmp_path / "scenario.schema.json"
    assert main(["schema", "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == json_schema()


@settings(max_examples=40, deadline=None)
@given(scenario_data(evidence=True))
def test_generated_scenarios_pass_json_schema(data: dict) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(data)]
    assert errors == []
