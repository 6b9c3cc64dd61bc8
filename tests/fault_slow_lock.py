"""Test seam, kept in tests/: run the CLI with its first `flock` delayed.

    python tests/fault_slow_lock.py RELEASE alliance-sim-args...

Issue #19's race: a command that has created its partial folder but not yet locked it. The
first exclusive `flock` of the process waits until the file RELEASE exists (at most 120 s),
so a second command run meanwhile meets the folder in that state, whatever the timing.
The production code has no hook: this wraps `fcntl.flock` from outside.
"""

from __future__ import annotations

import fcntl
import sys
import time
from pathlib import Path


def install(release: Path) -> None:
    real = fcntl.flock
    left = [1]

    def slow(fd, op):
        if left[0] and op & fcntl.LOCK_EX:
            left[0] -= 1
            deadline = time.monotonic() + 120
            while not release.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return real(fd, op)

    fcntl.flock = slow


if __name__ == "__main__":
    install(Path(sys.argv[1]))
    from sim.cli import main

    sys.exit(main(sys.argv[2:]))
