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

    With reactivity = grievance_gain = 1, fatigue f = max(m, n) and risk tolerances
    2·(1 − m/f), 2·(1 − n/f) (so that f·(1 − risk/2) = m, n; this needs max/min ≤ 2), and
    the start not settled (no structural drive), the model's drift is dx = a·y − m·x + g,
    dy = b·x − n·y + h (MODEL.md, "Richardson special case").
    """
    f = max(m, n)
    assert min(m, n) >= f / 2, "the mapping needs max(m, n) ≤ 2·min(m, n)"
    return Scenario.model_validate(
        {
            "name": "richardson",
            "title": "Richardson special case",
            "actors": {
                "XX": actor("X", x0, resolve=a, risk_tolerance=2 * (1 - m / f), grievance=g),
                "YY": actor("Y", y0, resolve=b, risk_tolerance=2 * (1 - n / f), grievance=h),
            },
            "relations": {"XX": {"YY": {"commitment": -1}}, "YY": {"XX": {"commitment": -1}}},
            "parameters": {
                "reactivity": 1,
                "fatigue": f,
                "grievance_gain": 1,
                "noise": 0,
            },
            "run": {
                "settle": False,
                "steps": steps,
                "replications": 1,
                "distancing": {"actor": "XX", "partners": ["YY"]},
            },
        }
    )
