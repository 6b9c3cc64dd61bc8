"""The previous history design through today's validation, for the old-vs-new comparison.

    python -m benchmarks.old_design            # prints the in-sample and rolling-origin tables

The history of commit be6dd8c (before issue 16) carried 23 events, 20 of them outcomes the
observations score (tests, summits, sanctions, votes, exercises), and a settled start. It is
run here through the same pipeline as docs/validation.md (one continuous run, rejection ABC,
the same observations and nulls), without the given structural terms (it had none). Its
"forecasts" know every future outcome event, so its scores are an upper bound of what
encoding the answers buys, not a forecast.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import subprocess
import tempfile
from pathlib import Path

from benchmarks.calibrate import SPEC, markdown, with_settings
from sim.observe.rolling import in_sample, rolling_origin
from sim.observe.scoring import skill_table
from sim.observe.spec import load_spec
from sim.structural import is_given

ROOT = Path(__file__).resolve().parents[1]
OLD_COMMIT = "be6dd8c"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--population", type=int, default=40)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "scenarios" / "history" / "base_2016_old.yaml"
        old.parent.mkdir(parents=True)
        text = subprocess.run(
            ["git", "show", f"{OLD_COMMIT}:scenarios/history/base_2016.yaml"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        old.write_text(text)
        (Path(tmp) / "seeds").mkdir()
        shutil.copy(ROOT / "seeds" / "ledger.yaml", Path(tmp) / "seeds" / "ledger.yaml")
        spec = load_spec(SPEC)
        spec = dataclasses.replace(
            spec, scenarios=(old,), priors=tuple(p for p in spec.priors if not is_given(p.name))
        )
        spec = with_settings(spec, population=args.population, predictive_replications=100)
        ins, _, _ = in_sample(spec)
        print("## old design, in sample\n" + markdown(skill_table(ins)))
        roll = rolling_origin(spec)
        print("\n## old design, rolling origin\n" + markdown(skill_table(roll)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
