"""The evidence table: every weight of a resolved scenario with the claims behind it."""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.loader import LoadedScenario
from sim.scenario.references import weights
from sim.scenario.yamlio import dotted

# A weight whose value an override replaced keeps the file's evidence ids (keypath.assign),
# which support the file's value, not the one typed: said beside the ids.
SET_NOTE = "(value set by --set; the ids support the file's value)"


@dataclass(frozen=True)
class EvidenceRow:
    path: str
    value: float
    evidence: tuple[str, ...]
    claims: tuple[str, ...]
    overridden: bool = False

    @property
    def ids(self) -> str:
        shown = ", ".join(self.evidence) or "(none)"
        return f"{shown} {SET_NOTE}" if self.overridden else shown


def evidence_rows(loaded: LoadedScenario) -> list[EvidenceRow]:
    """Every weight with its ids and claims. Why `overridden`: `evidence --set
    actors.PRK.escalation=0.9` printed 0.9 beside the ids that support the file's 0.4, and
    counted it "with evidence" (`--strict` passed); a run's report did the same."""
    records = loaded.ledger.by_id() if loaded.ledger else {}
    overridden = {str(p).removesuffix(".value") for p in loaded.overrides}
    rows = []
    for loc, w in weights(loaded.scenario):
        claims = tuple(_short(records[e]) for e in w.evidence if e in records)
        path = dotted(loc)
        rows.append(EvidenceRow(path, float(w.value), tuple(w.evidence), claims,
                                overridden=path in overridden))  # fmt: skip
    return rows


def count_line(rows: list[EvidenceRow]) -> str:
    """ "148 weights, 147 with evidence, 0 without, 1 set by --set": a weight set by an
    override is not counted as having evidence."""
    typed = sum(1 for r in rows if r.overridden)
    missing = sum(1 for r in rows if not r.evidence and not r.overridden)
    line = f"{len(rows)} weights, {len(rows) - missing - typed} with evidence, {missing} without"
    return line + (f", {typed} set by --set" if typed else "")


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
        out.append(f"{row.path:<{width}}  {row.value:>8.4g}  {row.ids}")
        out.extend(f"{'':<{width}}  {'':>8}    {claim}" for claim in row.claims)
    out.append(count_line(rows))
    return "\n".join(out)
