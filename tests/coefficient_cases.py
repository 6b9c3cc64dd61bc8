"""The perturbation cases of the round-5 tests (docs/reliability.md §11), built from the
registries (sim.parameters.PARAMETERS, sim.observe.operators.OPERATOR_COEFFICIENTS), never
listed by hand: a coefficient added later is perturbed without editing any test."""

from __future__ import annotations

from pathlib import Path

from sim.observe.operators import OPERATOR_COEFFICIENTS
from sim.parameters import PARAMETERS

REPO = Path(__file__).resolve().parents[1]
HISTORY = REPO / "scenarios" / "history" / "base_2016.yaml"
FILES = [*sorted((REPO / "scenarios").glob("*.yaml")), HISTORY]


def perturbations(default: float, lo: float, hi: float) -> dict[str, float]:
    """The values the task names: 0, each bound, ×0.25 and ×4 of the default."""
    return {"zero": 0.0, "lo": lo, "hi": hi, "quarter": default * 0.25, "four": default * 4}


def outside(lo: float, hi: float) -> list[float]:
    """Just below and just above the bounds (a hundredth of the range out)."""
    step = (hi - lo) / 100
    return [lo - step, hi + step]


def _inside(table) -> list[tuple[str, str, float]]:
    return [
        (name, label, v)
        for name, c in table.items()
        for label, v in perturbations(c.default, c.lo, c.hi).items()
        if c.lo <= v <= c.hi
    ]


def _outside(table) -> list[tuple[str, float]]:
    out = []
    for name, c in table.items():
        values = [*outside(c.lo, c.hi), *perturbations(c.default, c.lo, c.hi).values()]
        out += [(name, v) for v in dict.fromkeys(values) if not c.lo <= v <= c.hi]
    return out


MODEL_CASES = _inside(PARAMETERS)
MODEL_OUTSIDE = _outside(PARAMETERS)
OPERATOR_CASES = _inside(OPERATOR_COEFFICIENTS)
OPERATOR_OUTSIDE = _outside(OPERATOR_COEFFICIENTS)


def bound_words(name: str, value: float) -> str:
    """The words of the loader's refusal of `value` for model coefficient `name`."""
    p = PARAMETERS[name]
    return f"at most {p.hi:g}" if value > p.hi else f"at least {p.lo:g}"


def calibration_spec(tmp_path: Path, section: str, body: dict[str, str]) -> Path:
    """A calibration spec of the 2016 history and its summits, with `section` (coefficients
    or operator_coefficients) holding `body` (name: prior as YAML text), one per line from
    line 4."""
    spec = tmp_path / "spec.yaml"
    lines = "".join(f"  {name}: {prior}\n" for name, prior in body.items())
    spec.write_text(
        f"scenarios: [{REPO / 'scenarios/history/base_2016.yaml'}]\n"
        f"observations: [{REPO / 'seeds/observations/summits.yaml'}]\n{section}:\n{lines}"
    )
    return spec


# the outcome thresholds are not fitted (sim.parameters.not_fitted)
FITTED = {n: p for n, p in PARAMETERS.items() if p.mechanism != "outputs"}
OUTPUTS = [n for n, p in PARAMETERS.items() if p.mechanism == "outputs"]
