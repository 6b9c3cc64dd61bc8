"""Small scenario builders for model tests (plain dicts validated by the real schema)."""

from __future__ import annotations

from typing import Any

from sim.scenario.schema import Scenario


def actor(name: str, escalation: float = 0.1, **traits: float) -> dict[str, Any]:
    base = {
        "stability": 0.5,
        "risk_tolerance": 0.5,
        "resolve": 0.5,
        "grievance": 0.0,
        "axis_aversion": 0.0,
    }
    base.update(traits)
    return {
        "name": name,
        "capabilities": {"military": 0.5, "economic": 0.5, "nuclear": 0.0},
        "traits": base,
        "escalation": escalation,
    }


def richardson(
    a: float,
    b: float,
    m: float,
    n: float,
    g: float,
    h: float,
    x0: float = 0.1,
    y0: float = 0.1,
    steps: int = 3000,
) -> Scenario:
    """Two mutually hostile, equally strong actors with no dependencies and no noise.

    With reactivity = fatigue = risk_discount = grievance_gain = 1 the model's drift is
    dx = a·y − m·x + g, dy = b·x − n·y + h (MODEL.md, "Richardson special case").
    """
    return Scenario.model_validate(
        {
            "name": "richardson",
            "title": "Richardson special case",
            "actors": {
                "XX": actor("X", x0, resolve=a, risk_tolerance=1 - m, grievance=g),
                "YY": actor("Y", y0, resolve=b, risk_tolerance=1 - n, grievance=h),
            },
            "relations": {"XX": {"YY": {"commitment": -1}}, "YY": {"XX": {"commitment": -1}}},
            "parameters": {
                "reactivity": 1,
                "fatigue": 1,
                "risk_discount": 1,
                "grievance_gain": 1,
                "noise": 0,
            },
            "run": {
                "steps": steps,
                "replications": 1,
                "distancing": {"actor": "XX", "partners": ["YY"]},
            },
        }
    )
