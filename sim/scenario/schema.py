"""The scenario format as pydantic models: the one definition behind validation and JSON Schema.

Numeric weights may be written bare (`0.98`) or with their evidence
(`{value: 0.98, evidence: [fig-trade-prk-chn]}`); both load into `Weight`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    WithJsonSchema,
    create_model,
    model_validator,
)

from sim.facts import CHANNELS, METRICS, OBLIGATIONS
from sim.parameters import PARAMETERS

ACTOR_ID = r"^[A-Z][A-Z0-9_]{1,11}$"
NAME_ID = r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$"
Number = StrictFloat | StrictInt


class Strict(BaseModel):
    """Unknown keys are errors (they are almost always typos)."""

    model_config = ConfigDict(extra="forbid", strict=True, validate_default=False)


def _weight_model(lo: float, hi: float) -> type[BaseModel]:
    name = f"Weight_{str(lo).replace('-', 'm').replace('.', '_')}_{str(hi).replace('.', '_')}"
    model = create_model(
        name,
        __base__=Weight,
        __module__=__name__,
        value=(Number, Field(ge=lo, le=hi, description=f"a number in [{lo}, {hi}]")),
    )
    return model


class Weight(Strict):
    """A number with the ids of the ledger records it rests on."""

    value: Number
    evidence: list[StrictStr] = Field(default_factory=list)
    note: StrictStr | None = None


def _wrap_bare_number(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"value": value}
    return value


def weight(lo: float, hi: float, doc: str) -> Any:
    """A Weight type bounded to [lo, hi]; the JSON Schema accepts both spellings."""
    model = _weight_model(lo, hi)
    number = {"type": "number", "minimum": lo, "maximum": hi}
    obj = model.model_json_schema()
    obj.pop("title", None)
    return Annotated[
        model,
        BeforeValidator(_wrap_bare_number),
        WithJsonSchema({"description": doc, "anyOf": [number, obj]}),
    ]


Share = weight(0, 1, "a weight in [0, 1], bare or as {value, evidence}")
Signed = weight(-1, 1, "a weight in [-1, 1], bare or as {value, evidence}")


class Capabilities(Strict):
    military: Share = Field(description="conventional military power, 0–1 (1 = largest)")
    economic: Share = Field(description="economic size, 0–1 (1 = largest)")
    nuclear: Share = Field(description="nuclear capability, 0–1 (0 = none)")


class Traits(Strict):
    stability: Share = Field(description="preference for regional stability (patron restraint)")
    risk_tolerance: Share = Field(description="willingness to bear escalation costs")
    resolve: Share = Field(description="reactivity to perceived threat")
    grievance: Share = Field(description="dissatisfaction with the US-led order")
    axis_aversion: Share = Field(description="reputational cost of being seen in an axis")


class Actor(Strict):
    name: StrictStr
    active: StrictBool = True
    capabilities: Capabilities
    traits: Traits
    escalation: Share = Field(description="initial escalation level, 0–1 (ladder in MODEL.md)")
    leverage: Share | None = Field(None, description="initial use of patron leverage, 0–1")


class Relation(Strict):
    """What `from` has toward `to`: its dependence on `to` by channel, and its alignment."""

    trade: Share | None = Field(None, description="share of from's trade that is with to")
    political_cover: Share | None = Field(None, description="from's reliance on to's diplomacy")
    military_supply: Share | None = Field(None, description="from's reliance on to's arms/tech")
    security_guarantee: Share | None = Field(None, description="from's reliance on to's defence")
    commitment: Signed | None = Field(None, description="alignment of from toward to, −1…+1")


class Treaty(Strict):
    members: list[Annotated[StrictStr, Field(pattern=ACTOR_ID)]] = Field(min_length=2)
    obligation: Literal[OBLIGATIONS]  # type: ignore[valid-type]
    strength: Share | None = Field(None, description="overrides the obligation's default")
    signed: StrictStr | StrictInt | None = None
    label: StrictStr | None = None


class Feed(Strict):
    """`actor`'s dependence on `partner` through `channel` follows a theatre's intensity."""

    actor: Annotated[StrictStr, Field(pattern=ACTOR_ID)]
    partner: Annotated[StrictStr, Field(pattern=ACTOR_ID)]
    channel: Literal[CHANNELS]  # type: ignore[valid-type]


class Theatre(Strict):
    """A conflict off the Northeast Asian ladder (the war in Ukraine) that feeds actors'
    needs: each fed channel is its `relations` value times the theatre's intensity."""

    label: StrictStr | None = None
    intensity: Share = Field(description="0 (no fighting) – 1 (full-scale war)")
    feeds: list[Feed] = Field(min_length=1)


class Condition(Strict):
    """A test on the state: metric of an actor (or ordered pair) compared with a value."""

    metric: Literal[METRICS]  # type: ignore[valid-type]
    actor: Annotated[StrictStr, Field(pattern=ACTOR_ID)] | None = None
    partner: Annotated[StrictStr, Field(pattern=ACTOR_ID)] | None = None
    above: Number | None = None
    below: Number | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Condition:
        if (self.above is None) == (self.below is None):
            raise ValueError("give exactly one of 'above' or 'below'")
        return self


EffectMap = dict[StrictStr, Number | StrictBool]


class Event(Strict):
    label: StrictStr = Field(min_length=1, description="name shown in charts and events.csv")
    at: StrictInt | None = Field(None, ge=0, description="step at which the event fires")
    when: Condition | None = None
    once: StrictBool = True
    evidence: list[StrictStr] = Field(
        default_factory=list, description="ledger ids supporting the event"
    )
    set: EffectMap = Field(default_factory=dict, description="key path → new value")
    add: EffectMap = Field(default_factory=dict, description="key path → amount added")
    scale: EffectMap = Field(default_factory=dict, description="key path → factor")

    @model_validator(mode="after")
    def _has_trigger_and_effect(self) -> Event:
        if self.at is None and self.when is None:
            raise ValueError("give 'at' (a step) or 'when' (a condition)")
        if not (self.set or self.add or self.scale):
            raise ValueError("give at least one of 'set', 'add' or 'scale'")
        return self


class Counterfactual(Strict):
    """The world a scenario's effects are measured against: the same scenario, seeds and
    replications with some events removed (paired replication by replication)."""

    label: StrictStr = Field(min_length=1, description="name of the counterfactual world")
    remove_events: list[Annotated[StrictStr, Field(pattern=NAME_ID)]] = Field(
        min_length=1, description="ids of the events the counterfactual does without"
    )
    headline: list[Annotated[StrictStr, Field(pattern=r"^[a-z][A-Za-z0-9_]*$")]] = Field(
        default_factory=list,
        description="summary outcomes reported as the headline effects (robustness checks "
        "their signs)",
    )


class Distancing(Strict):
    actor: Annotated[StrictStr, Field(pattern=ACTOR_ID)] = "CHN"
    partners: list[Annotated[StrictStr, Field(pattern=ACTOR_ID)]] = Field(
        default_factory=lambda: ["RUS", "PRK"], min_length=1
    )


class Run(Strict):
    steps: StrictInt = Field(36, ge=1, le=10_000)
    replications: StrictInt = Field(100, ge=1, le=10_000_000)
    seed: StrictInt = Field(20240619, ge=0, le=2**63 - 1)
    step_unit: Literal["month", "week", "quarter", "year"] = "month"
    start: StrictStr = Field("2024-06", pattern=r"^\d{4}-\d{2}$")
    distancing: Distancing = Field(default_factory=Distancing)
    settle: StrictBool = Field(
        True, description="start from a fixed point of the dynamics (MODEL.md §2)"
    )


class Knob(Strict):
    """One input of the exploration split: a human label and the range (or the choices)
    a sweep or the dashboard should try."""

    label: StrictStr = Field(min_length=1, description="what a reader calls it")
    low: Number | None = None
    high: Number | None = None
    values: list[Number | StrictBool | StrictStr] | None = Field(None, min_length=1)
    unit: StrictStr | None = None

    @model_validator(mode="after")
    def _range_or_values(self) -> Knob:
        if (self.low is None) != (self.high is None):
            raise ValueError("give both 'low' and 'high', or neither")
        if self.low is not None and self.values is not None:
            raise ValueError("give 'low'/'high' or 'values', not both")
        if self.low is not None and self.high is not None and self.low >= self.high:
            raise ValueError(f"expected low < high, found {self.low} and {self.high}")
        return self


class OutcomeLabel(Strict):
    label: StrictStr = Field(min_length=1)
    unit: StrictStr | None = None


class Exploration(Strict):
    """EMA Workbench's split of a model's inputs and outputs, by key path:
    `uncertainties` (what nobody in the scenario controls), `levers` (what a decision maker
    sets), `constants` (held fixed on purpose), and `outcomes` (summary columns reported)."""

    uncertainties: dict[StrictStr, Knob] = Field(default_factory=dict)
    levers: dict[StrictStr, Knob] = Field(default_factory=dict)
    constants: dict[StrictStr, Knob] = Field(default_factory=dict)
    outcomes: dict[Annotated[StrictStr, Field(pattern=r"^[a-z][A-Za-z0-9_]*$")], OutcomeLabel] = (
        Field(default_factory=dict)
    )


def _parameters_model() -> type[BaseModel]:
    fields: dict[str, Any] = {
        name: (
            Number | None,
            Field(None, ge=p.lo, le=p.hi, description=f"{p.meaning} [{p.unit}]"),
        )
        for name, p in PARAMETERS.items()
    }
    return create_model("Parameters", __base__=Strict, **fields)


Parameters = _parameters_model()


class Scenario(Strict):
    """A whole scenario after `extends` is merged (what the model receives)."""

    name: Annotated[StrictStr, Field(pattern=NAME_ID)]
    title: StrictStr
    question: StrictStr | None = None
    assumptions: list[StrictStr] = Field(default_factory=list)
    expected: StrictStr | None = None
    actors: dict[Annotated[StrictStr, Field(pattern=ACTOR_ID)], Actor] = Field(min_length=2)
    relations: dict[StrictStr, dict[StrictStr, Relation]] = Field(default_factory=dict)
    treaties: dict[Annotated[StrictStr, Field(pattern=NAME_ID)], Treaty] = Field(
        default_factory=dict
    )
    parameters: Parameters = Field(default_factory=Parameters)  # type: ignore[valid-type]
    events: dict[Annotated[StrictStr, Field(pattern=NAME_ID)], Event] = Field(default_factory=dict)
    run: Run = Field(default_factory=Run)
    counterfactual: Counterfactual | None = None
    theatres: dict[Annotated[StrictStr, Field(pattern=NAME_ID)], Theatre] = Field(
        default_factory=dict
    )
    sweep: dict[StrictStr, Any] | None = Field(
        None, description="optional sweep spec (see docs/sweeps.md)"
    )
    exploration: Exploration | None = Field(
        None, description="uncertainties, levers, constants and outcomes (EMA Workbench)"
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema editors use; `extends` is allowed at the top level of a file."""
    schema = _fix_keywords(Scenario.model_json_schema())
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "alliance-sim scenario"
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "path of a scenario this one deep-merges onto",
    }
    return schema


_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _fix_keywords(node: Any) -> Any:
    """Make pydantic's output say in JSON Schema what the models check.

    Bounds on a union (`Number`) come out as pydantic's own `ge`/`le`, which JSON Schema
    ignores; and id-keyed mappings (`patternProperties`) would let any other key through.
    """
    if isinstance(node, list):
        return [_fix_keywords(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        is_bound = key in _BOUNDS and isinstance(value, int | float) and "anyOf" in node
        out[_BOUNDS[key] if is_bound else key] = _fix_keywords(value)
    if "patternProperties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out
