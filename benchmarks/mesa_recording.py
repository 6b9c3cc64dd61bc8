"""Mesa path recording: `ArrayCollector` against Mesa's per-agent `DataCollector`, one run.

    PYTHONPATH=. python -m benchmarks.mesa_recording [--runs 40] [--steps 60]

Both arms run the same `AllianceModel` (baseline, same seeds and steps); the reference arm
swaps in `mesa.DataCollector` with the same reporters (the recording before issue 18 #5).
Arms alternate run by run so machine load hits both alike; the output is the ratio of
their median run times, measured in this run, and the share of a reference run spent
recording.
"""

from __future__ import annotations

import argparse
import statistics
import time

import mesa

from sim.model import AGENT_REPORTERS, MODEL_REPORTERS, AllianceModel, system_row
from sim.scenario.loader import load_scenario

BASELINE = "scenarios/baseline.yaml"


class DataCollectorModel(AllianceModel):
    """AllianceModel recording through mesa.DataCollector (the old way)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        reporters = {
            name: (lambda m, i=i: system_row(m)[i]) for i, name in enumerate(MODEL_REPORTERS)
        }
        self.datacollector = mesa.DataCollector(
            model_reporters=reporters, agent_reporters=AGENT_REPORTERS
        )
        self.datacollector.collect(self)


class NoRecordingModel(AllianceModel):
    """The dynamics alone: the floor both arms share."""

    def step(self) -> None:
        collect, self.datacollector.collect = self.datacollector.collect, lambda m: None
        try:
            super().step()
        finally:
            self.datacollector.collect = collect


def one_run(cls: type[AllianceModel], scenario, seed: int, steps: int) -> float:
    start = time.perf_counter()
    model = cls(scenario, seed=seed, steps=steps)
    while model.running:
        model.step()
    model.datacollector.get_agent_vars_dataframe()  # what a user reads afterwards
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--steps", type=int, default=60)
    args = parser.parse_args(argv)
    scenario = load_scenario(BASELINE).scenario
    arms = {"DataCollector": DataCollectorModel, "ArrayCollector": AllianceModel,
            "no recording": NoRecordingModel}  # fmt: skip
    times: dict[str, list[float]] = {name: [] for name in arms}
    for run in range(args.runs + 2):
        for name, cls in arms.items():
            t = one_run(cls, scenario, 1000 + run, args.steps)
            if run >= 2:  # the first two runs warm imports and caches
                times[name].append(t)
    med = {name: statistics.median(ts) for name, ts in times.items()}
    for name, t in med.items():
        print(f"{name:15s} median {1000 * t:8.2f} ms per run ({args.steps} steps)")
    floor = med["no recording"]
    for name in ("DataCollector", "ArrayCollector"):
        print(f"{name:15s} recording share of a run: {(med[name] - floor) / med[name]:.0%}")
    ratio = med["DataCollector"] / med["ArrayCollector"]
    print(f"speed-up ArrayCollector / DataCollector: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
