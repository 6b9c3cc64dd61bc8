"""A spec turned into work: design points, run numbering, chunks and the plan hash.

Runs are numbered point-major (run k = replication k % R of point k // R) and cut into
chunks of `chunk_size` consecutive runs. Chunk boundaries depend only on the spec, never
on the number of workers, so chunk files are identical however the sweep is executed.
The plan hash covers everything that decides the numbers in the chunks, including the
resolved model input and the package version (sim/provenance.py); `--resume` finds a
folder by the spec's hash and continues it only if the plan hash matches too.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.jobs.sweep.batch import Payload
from sim.jobs.sweep.designs import Design, make_design
from sim.jobs.sweep.spec import SweepSpec
from sim.noise import NOISE_SCHEME
from sim.provenance import provenance


def batch_size(n_actors: int) -> int:
    """Runs simulated together: (batch, N, N) arrays of about 256 KB stay in cache."""
    target = 32768 // max(1, n_actors * n_actors)
    return int(min(1024, max(16, 2 ** round(math.log2(max(1, target))))))


def auto_chunk_size(n_runs: int) -> int:
    """About 64 chunks (progress, resume granularity), 256 to 8192 runs each.

    A function of the spec alone, never of the workers: chunk files must not depend on
    how the sweep was executed.
    """
    per = -(-n_runs // 64)
    return int(min(8192, max(256, -(-per // 256) * 256)))


@dataclass
class Plan:
    spec: SweepSpec
    design: Design
    payload: Payload
    token: str  # the plan hash: the spec's numbers plus the model fingerprint
    spec_hash: str = ""  # the spec's numbers alone (how --resume finds a folder)
    origin: dict[str, Any] = field(default_factory=dict)  # sim.provenance.provenance()

    @property
    def n_points(self) -> int:
        return self.design.n_points

    @property
    def n_runs(self) -> int:
        return self.payload.n_runs

    @property
    def chunk_size(self) -> int:
        return self.payload.chunk_size

    @property
    def n_chunks(self) -> int:
        return -(-self.n_runs // self.chunk_size)

    def chunk_rows(self, chunk: int) -> int:
        lo, hi = self.payload.chunk_range(chunk)
        return hi - lo

    def describe(self) -> dict[str, Any]:
        """Manifest fields (docs/results-format.md), without time, command and versions."""
        spec = self.spec
        scenario = spec.loaded.scenario
        return {
            "kind": "sweep",
            "name": spec.name,
            "scenario": scenario.name,
            "scenario_file": str(spec.loaded.path),
            "spec_file": spec.source,
            "description": spec.description,
            "design": spec.design,
            "parameters": [p.describe() for p in self.design.params],
            "fixed": spec.fixed,
            "samples": spec.n_samples,
            "second_order": spec.second_order if spec.design == "sobol" else None,
            "levels": spec.levels if spec.design == "morris" else None,
            "design_seed": self.design.seed,
            "replications": spec.replications,
            "root_seed": spec.seed,
            "steps": spec.steps,
            "step_unit": scenario.run.step_unit,
            "start": scenario.run.start,
            "chunk_size": self.chunk_size,
            "engine": self.payload.engine,
            "n_points": self.n_points,
            "n_runs": self.n_runs,
            "n_chunks": self.n_chunks,
            "noise": f"common random numbers: {NOISE_SCHEME}; replication r of actor a at "
            "step t reads the same numbers at every point",
            "scenario_hash": _hash(spec.base_raw),
            "plan_hash": self.token,
            "spec_hash": self.spec_hash,
            **self.origin,
            "resolved_scenario": spec.base_raw,
            "files": {
                "points": "points.parquet",
                "design": "design.parquet",
                "chunks": "chunks/chunk-NNNNN.parquet",
                "analysis": "analysis/",
                "charts": "charts/",
            },
        }


def _hash(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def make_plan(spec: SweepSpec, engine: str = "numpy") -> Plan:
    """The sweep's plan; `engine` (numpy or numba) is part of its hash, so a sweep resumes
    on the engine it started with."""
    design = make_design(spec)
    points = design.points
    labels = [p.path for p in design.params]
    rows = list(zip(*[points[c].tolist() for c in labels], strict=True))
    n_runs = len(points) * spec.replications
    chunk_size = spec.chunk_size or auto_chunk_size(n_runs)
    spec_hash = _hash(
        {
            "base": spec.base_raw,
            "params": [p.describe() for p in design.params],
            "rows": rows,
            "design": spec.design,
            "samples": spec.n_samples,
            "second_order": spec.second_order,
            "levels": spec.levels,
            "replications": spec.replications,
            "seed": spec.seed,
            "steps": spec.steps,
            "chunk_size": chunk_size,
            **({"engine": engine} if engine != "numpy" else {}),
        }
    )[:32]
    origin = provenance(spec.model_input)
    # the noise scheme is part of the plan: a sweep begun under another one never resumes
    token = _hash({"spec": spec_hash, "model": origin["model_fingerprint"], "noise": NOISE_SCHEME})
    token = token[:32]
    payload = Payload(
        token=token,
        base=spec.model_input,
        labels=labels,
        rows=rows,
        replications=spec.replications,
        seed=spec.seed,
        steps=spec.steps,
        chunk_size=chunk_size,
        n_runs=n_runs,
        batch=batch_size(len(spec.loaded.scenario.actors)),
        engine=engine,
        shown=sweep_actors(spec, labels),
    )
    return Plan(spec, design, payload, token, spec_hash, origin)


def sweep_actors(spec: SweepSpec, labels: list[str]) -> tuple[str, ...]:
    """Actors active at some design point: those the base scenario shows (active, or
    switched on by an event) and those whose `active` flag is swept, directly or through
    an event (`events.E.set.actors.X.active`); in the scenario's actor order. The base is
    the scenario with the fixed values, and an event whose date is swept counts as within
    the run if some point dates it there (both were read from the file: an actor joining
    at every point was left out when the file dated its joining after the run)."""
    from sim.jobs.run import actors_taking_part
    from sim.jobs.sweep.points import validate_raw

    swept = set()
    for label in labels:
        parts = label.split(".")
        if parts[-1] == "active" and "actors" in parts[:-2]:
            swept.add(parts[parts.index("actors") + 1])
    dated = frozenset(
        p.keys[1]
        for p in spec.params
        if len(p.keys) == 3 and p.keys[0] == "events" and p.keys[2] == "at"
        and any(isinstance(v, (int, float)) and v < spec.steps
                for v in (p.values if p.values is not None else (p.low,)))
    )  # fmt: skip
    base = set(actors_taking_part(validate_raw(spec.base_raw), spec.steps, dated))
    return tuple(a for a in spec.loaded.scenario.actors if a in base or a in swept)


def design_frame(plan: Plan) -> pd.DataFrame:
    """design.parquet: the design matrix in sampler units (what SALib analyses read)."""
    frame = pd.DataFrame(plan.design.matrix, columns=[p.path for p in plan.design.params])
    frame.insert(0, "point", range(plan.n_points))
    return frame
