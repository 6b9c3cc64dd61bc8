"""The evidence table of a run's report: every weight with its ledger ids and claims."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sim.report.render import Section, Table
from sim.results.folder import ResultsFolder


def locate_ledger(res: ResultsFolder) -> Path | None:
    """`seeds/ledger.yaml` at or above the scenario file's folder.

    A relative `scenario_file` is tried against the current directory and against every
    folder above the results folder (results usually live inside the project).
    """
    from sim.scenario.ledger import find_ledger

    name = res.manifest.get("scenario_file")
    if not name:
        return None
    scenario_file = Path(str(name))
    if scenario_file.is_absolute():
        folders = [scenario_file.parent]
    else:
        bases = [Path.cwd(), *res.path.resolve().parents]
        folders = [base / scenario_file.parent for base in bases]
    for folder in folders:
        if folder.is_dir():
            found = find_ledger(folder.resolve())
            if found is not None:
                return found
    return None


def evidence_rows_for(res: ResultsFolder) -> tuple[list, str]:
    """(rows, note): every weight with evidence ids (and claims when the ledger is found)."""
    from pydantic import ValidationError

    from sim.errors import ScenarioError
    from sim.evidence import EvidenceRow, evidence_rows
    from sim.scenario.ledger import load_ledger
    from sim.scenario.loader import LoadedScenario
    from sim.scenario.schema import Scenario

    raw = res.scenario
    path = locate_ledger(res)
    ledger, note = None, ""
    if path is None:
        note = (
            "The evidence ledger (seeds/ledger.yaml) was not found near the scenario file "
            f"{res.manifest.get('scenario_file', '?')!r}, so only evidence ids are shown."
        )
    else:
        try:
            ledger = load_ledger(path)
            note = f"Claims as recorded in {path} (seed line numbers refer to the source article)."
        except ScenarioError as exc:
            note = f"The ledger {path} could not be read ({exc.problems[0]}); ids only."
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError:
        rows = [EvidenceRow(p, v, tuple(ids), ()) for p, v, ids in _raw_weights(raw)]
        return rows, note + " (The scenario no longer matches the schema; read from the raw file.)"
    overrides = res.manifest.get("overrides")  # a run's --set: said beside the ids
    loaded = LoadedScenario(
        scenario=scenario, raw=raw, path=Path(str(raw.get("name"))), ledger=ledger,
        overrides=dict(overrides) if isinstance(overrides, dict) else {},
    )  # fmt: skip
    return evidence_rows(loaded), note


def _raw_weights(node: Any, path: tuple = ()) -> Iterable[tuple[str, float, list[str]]]:
    if isinstance(node, dict):
        if "value" in node and isinstance(node["value"], int | float) and "evidence" in node:
            yield ".".join(path), float(node["value"]), [str(e) for e in node["evidence"]]
            return
        for key, item in node.items():
            yield from _raw_weights(item, (*path, str(key)))


def evidence_section(res: ResultsFolder) -> Section | None:
    rows, note = evidence_rows_for(res)
    if not rows:
        return None
    from sim.evidence import count_line

    body = [[r.path, f"{r.value:.4g}", r.ids, list(r.claims) or "–"] for r in rows]
    text = f"{note} {count_line(rows)}."
    table = Table(["weight", "value", "evidence ids", "claims"], body, (1,), "evidence")
    return Section("Evidence behind the weights", [text], [table])
