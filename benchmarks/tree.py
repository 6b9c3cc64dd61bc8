"""Wall time, CPU time and the peak RSS of every process of a command's process tree.

Why sampling: the pool's workers are children of the forkserver, not of the command, so
neither GNU time nor `resource.getrusage(RUSAGE_CHILDREN)` sees them; psutil reads every
process of the tree every 0.1 s (benchmarks/done18.py).
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def _role(p, root: int) -> str:
    """What a process of the tree is: the command, the forkserver, a pool worker (forked by
    the forkserver), a fork of the command (chart drawing), or another child."""
    import psutil

    if p.pid == root:
        return "main"
    try:
        parent = " ".join(p.parent().cmdline())
    except (psutil.NoSuchProcess, AttributeError):
        parent = ""
    if "forkserver" in parent:
        return "worker"
    if "forkserver" in " ".join(p.cmdline()):
        return "forkserver"
    return "fork of main (charts)" if p.ppid() == root else "child"


def sampled(cmd: list[str], cwd: Path = REPO) -> dict[str, Any]:
    """Run `cmd`; every 0.1 s record each process's RSS and CPU time (user + system). A
    process's last CPU reading stands for its total, so CPU is counted to within 0.1 s of
    each process's life."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    root = psutil.Process(proc.pid)
    peaks: dict[int, dict[str, Any]] = {}
    tree_peak = 0
    while proc.poll() is None:
        total = 0
        with contextlib.suppress(psutil.NoSuchProcess):
            members = [root, *root.children(recursive=True)]
            for p in members:
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    with p.oneshot():
                        rss, cpu = p.memory_info().rss, sum(p.cpu_times()[:2])
                    row = peaks.setdefault(
                        p.pid, {"role": _role(p, proc.pid), "peak_mb": 0.0, "cpu_s": 0.0}
                    )
                    row["peak_mb"] = max(row["peak_mb"], rss / 2**20)
                    row["cpu_s"] = cpu
                    total += rss
        tree_peak = max(tree_peak, total)
        time.sleep(0.1)
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err.decode()[-2000:]}")
    procs = sorted(peaks.values(), key=lambda r: -r["peak_mb"])
    return {
        "seconds": round(time.perf_counter() - start, 2),
        "cpu_seconds": round(sum(r["cpu_s"] for r in procs), 1),
        "tree_peak_mb": round(tree_peak / 2**20, 1),
        "largest_process_mb": round(procs[0]["peak_mb"], 1) if procs else 0.0,
        "processes": [
            {**r, "peak_mb": round(r["peak_mb"], 1), "cpu_s": round(r["cpu_s"], 1)} for r in procs
        ],
    }


def main(argv: list[str] | None = None) -> int:
    """`python -m benchmarks.tree [--cwd DIR] -- CMD ...`: run CMD in DIR (default this
    checkout), print its wall time, CPU time and each process's peak RSS as JSON. With
    `python -m sim.cli` as CMD, DIR decides which checkout's `sim` runs."""
    import argparse
    import json

    ap = argparse.ArgumentParser(prog="python -m benchmarks.tree", description=main.__doc__)
    ap.add_argument("--cwd", type=Path, default=REPO)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    print(json.dumps(sampled(cmd, args.cwd), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
