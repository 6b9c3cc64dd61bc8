"""The verdict on a skill table in one sentence: which null forecasters the model beats on
the pooled score, and which it loses to.

Why: a skill table with minus signs is easy to misread (or to skim past). The sentence
follows the numbers of `sim/observe/scoring.skill_table` (computed there, never here) and
says plainly where the model loses; the hindcast command and its report print the same
words.
"""

from __future__ import annotations

import math

import pandas as pd

from sim.observe.scoring import NULLS

NULL_NAMES = {
    "persistence": "persistence",
    "trend": "the linear trend",
    "events_only": "the events-only world",
}


def signed(value: float) -> str:
    """'+0.44', '−0.68' (a true minus sign in prose); '–' when there is no number. A skill
    that is not 0 but rounds to ±0.00 keeps one significant digit ('−0.003'): the verdict
    calls it a win or a loss, and "loses … (skill −0.00)" read as a number saying none."""
    if not math.isfinite(value):
        return "–"
    value += 0.0  # −0.0 is a tie, as 0.0
    if value != 0 and abs(value) < 0.005:
        digits = -math.floor(math.log10(abs(value)))
        text = f"{value:+.{digits}f}" if digits <= 6 else f"{value:+.0e}"
        return text.replace("-", "−")
    return f"{value:+.2f}".replace("-", "−")


def _join(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _skills(row: pd.Series) -> dict[str, float]:
    return {n: float(row.get(f"skill vs {n}", math.nan)) for n in NULLS}


def pooled_verdict(skill: pd.DataFrame, subject: str = "The model") -> str:
    """'The model beats …; it loses to persistence on the pooled score (skill −0.44).'
    A skill of exactly 0 is a tie; a missing one (no observation that null can forecast)
    is said too. Empty when the table is empty."""
    if skill.empty or "pooled" not in set(skill["kind"]):
        return ""
    pooled = _skills(skill.set_index("kind").loc["pooled"])
    wins = [NULL_NAMES[n] for n, s in pooled.items() if s > 0]
    loses = [f"{NULL_NAMES[n]} (skill {signed(s)})" for n, s in pooled.items() if s < 0]
    ties = [NULL_NAMES[n] for n, s in pooled.items() if s == 0]
    missing = [n for n, s in pooled.items() if not math.isfinite(s)]
    exact = [NULL_NAMES[n] for n in missing if _exact(skill, n)]
    missing = [NULL_NAMES[n] for n in missing if not _exact(skill, n)]
    parts = []
    if len(wins) == len(pooled):
        parts.append(f"{subject} beats all three null forecasters ({_join(wins)})")
    elif wins:
        parts.append(f"{subject} beats {_join(wins)}")
    if loses:
        parts.append(("but loses to " if wins else f"{subject} loses to ") + _join(loses))
    if ties:
        parts.append(("and ties with " if parts else f"{subject} ties with ") + _join(ties))
    sentences = [" ".join(parts) + " on the pooled score."] if parts else []
    if missing:
        who = "It" if parts else subject
        sentences.append(
            f"{who} cannot be compared with {_join(missing)} (no forecast to compare)."
        )
    if exact:
        names = _join(exact)
        sentences.append(
            f"{names[0].upper()}{names[1:]} forecast every observation exactly (CRPS 0),"
            " which leaves no ratio to score."
        )
    sentences += _left_out([n for n, s in pooled.items() if math.isfinite(s)], skill)
    return " ".join(sentences)


def _left_out(nulls: list[str], skill: pd.DataFrame) -> list[str]:
    """'Persistence forecast every joint exercise observation exactly (CRPS 0): that kind is
    left out of its pooled skill.' Why: the pooled skill leaves out a kind its null scored
    0 on (scoring.skill_table), so "beats all three" could rest on half the observations
    with nothing said, where that null was perfect and the model was not."""
    kinds = skill[skill["kind"] != "pooled"]
    groups: dict[tuple[str, ...], list[str]] = {}
    for null in nulls:
        column = f"CRPS {null}"
        if column not in kinds:  # a table of skills only
            continue
        exact = tuple(str(k) for k in kinds.loc[kinds[column] == 0, "kind"])
        if exact:
            groups.setdefault(exact, []).append(NULL_NAMES[null])
    out = []
    for exact, names in groups.items():
        who = _join(names)
        what = _join([k.replace("_", " ") for k in exact])
        kind = "that kind is" if len(exact) == 1 else "those kinds are"
        out.append(
            f"{who[0].upper()}{who[1:]} forecast every {what} observation exactly (CRPS 0): "
            f"{kind} left out of {'its' if len(names) == 1 else 'their'} pooled skill."
        )
    return out


def _exact(skill: pd.DataFrame, null: str) -> bool:
    """True when the null scored every kind with CRPS 0: its skill is undefined because
    it was perfect, not because it had nothing to forecast."""
    column = f"CRPS {null}"
    kinds = skill[skill["kind"] != "pooled"]
    return column in kinds and len(kinds) > 0 and bool((kinds[column] == 0).all())


def kind_losses(skill: pd.DataFrame) -> str:
    """'By kind, it loses to persistence on missile_launches.' (empty when it loses nowhere
    or there is only one kind, which the pooled verdict already covers)."""
    if skill.empty:
        return ""
    kinds = skill[skill["kind"] != "pooled"]
    if len(kinds) < 2:
        return ""
    bits = []
    for _, row in kinds.iterrows():
        lost = [NULL_NAMES[n] for n, v in _skills(row).items() if v < 0]
        if lost:
            bits.append(f"to {_join(lost)} on {row['kind']}")
    return f"By kind, it loses {'; '.join(bits)}." if bits else ""


def verdict(skill: pd.DataFrame, subject: str = "The model") -> str:
    """The pooled verdict, then the kinds on which the model (or `subject`) loses."""
    return " ".join(t for t in (pooled_verdict(skill, subject), kind_losses(skill)) if t)
