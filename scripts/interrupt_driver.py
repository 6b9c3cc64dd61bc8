"""Interrupt a running multi-worker command at many delays and count the tries that print
more than its one line (docs/reliability.md §23).

    PYTHONPATH=. python scripts/interrupt_driver.py                  # 36 delays, 0.6–5.85 s
    PYTHONPATH=. python scripts/interrupt_driver.py --from 2 --to 4.9 --step 0.1 --signal INT

Why a script and not a test: the faults it found showed only at some delays and under load
(another job on the machine), so it sweeps delays instead of waiting for a state. Each try
starts `alliance-sim run scenarios/baseline.yaml -n 600 --steps 1500 --workers 2` in a
fresh folder, sends the signal after the delay (SIGINT to the process group, as a terminal's
Ctrl-C; SIGTERM to the command, as `kill` and `timeout`), and reports a try whose exit code
is not 143/130, whose stderr has more than its size estimate and the one line, or that left
a file behind. Interrupts in the first half second, before the command has installed its
handlers, end the process by the signal (exit −15 or −2), which it counts as clean.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUN = ["run", str(REPO / "scenarios" / "baseline.yaml"), "--out", "o", "-n", "600",
       "--steps", "1500", "--workers", "2", "-q", "--no-plots"]  # fmt: skip
EXPECTED = {signal.SIGTERM: (143, "alliance-sim: terminated"),
            signal.SIGINT: (130, "alliance-sim: interrupted")}  # fmt: skip


def one_try(delay: float, sig: signal.Signals) -> str | None:
    """What went wrong in one try, or None."""
    folder = Path(tempfile.mkdtemp(prefix="interrupt-"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", *RUN], cwd=folder, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # fmt: skip
    time.sleep(delay)
    if proc.poll() is None:
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    code, line = EXPECTED[sig]
    lines = [x for x in err.strip().splitlines() if not x.startswith("estimate:")]
    left = sorted(p.name for p in folder.iterdir())
    if proc.returncode == -sig and not lines and not left:
        return None  # killed before its handlers were installed: nothing written
    if proc.returncode == code and lines == [line] and not left:
        return None
    return f"exit {proc.returncode}, left {left}, stderr:\n{err[-1500:]}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--from", dest="start", type=float, default=0.6)
    ap.add_argument("--to", dest="stop", type=float, default=5.85)
    ap.add_argument("--step", type=float, default=0.15)
    ap.add_argument("--signal", choices=("TERM", "INT"), default="TERM")
    args = ap.parse_args(argv)
    if args.step <= 0 or args.stop < args.start:
        ap.error("--step > 0 and --to ≥ --from, please")
    sig = signal.Signals[f"SIG{args.signal}"]
    count = round((args.stop - args.start) / args.step) + 1
    bad = 0
    for k in range(count):
        delay = args.start + k * args.step
        wrong = one_try(delay, sig)
        if wrong:
            bad += 1
            print(f"delay {delay:.2f} s: {wrong}", flush=True)
    print(f"{bad} of {count} tries printed more than the one line or left files")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
