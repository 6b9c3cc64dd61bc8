"""The evidence table: every weight of a resolved scenario with the claims behind it."""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.loader import LoadedScenario
from sim.scenario.references import weights
from sim.scenario.yamlio import dotted


@dataclass(frozen=True)
class EvidenceRow:
    path: str
    value: float
    evidence: tuple[str, ...]
    claims: tuple[str, ...]


def evidence_rows(loaded: LoadedScenario) -> list[EvidenceRow]:
    records = loaded.ledger.by_id() if loaded.ledger else {}
    rows = []
    for loc, w in weights(loaded.scenario):
        claims = tuple(_short(records[e]) for e in w.evidence if e in records)
        rows.append(EvidenceRow(dotted(loc), float(w.value), tuple(w.evidence), claims))
    return rows


def _short(record) -> str:
    lines = ",".join(str(n) for n in record.lines)
    where = f"seed lines {lines}" if lines else (record.figure.source if record.figure else "")
    text = record.claim if len(record.claim) <= 90 else record.claim[:87] + "..."
    return f"{record.id}: {text} [{where}]"


def format_table(rows: list[EvidenceRow]) -> str:
    """Plain-text table: path, value, evidence ids, then one indented line per claim."""
    width = max((len(r.path) for r in rows), default=10)
    out = [f"{'weight':<{width}}  {'value':>8}  evidence", "-" * (width + 30)]
    for row in rows:
        ids = ", ".join(row.evidence) or "(none)"
        out.append(f"{row.path:<{width}}  {row.value:>8.4g}  {ids}")
        out.extend(f"{'':<{width}}  {'':>8}    {claim}" for claim in row.claims)
    missing = sum(1 for r in rows if not r.evidence)
    out.append(f"{len(rows)} weights, {len(rows) - missing} with evidence, {missing} without")
    return "\n".join(out)
