"""`alliance-sim app`: start the dashboard's solara server and say where it listens.

The server runs as `python -m solara run sim.app.dashboard` in a child process (solara's
own command line, so its options and shutdown stay solara's); the scenario travels in the
environment. It binds 127.0.0.1 unless told otherwise: the page can run models, so it
should not be reachable from the network by default.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sim.app.dashboard_env import SCENARIO_ENV

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def command(host: str, port: int) -> list[str]:
    return [
        sys.executable, "-m", "solara", "run", "sim.app.dashboard",
        "--host", host, "--port", str(port), "--production", "--no-open", "--no-check-version",
    ]  # fmt: skip


def environment(scenario: Path) -> dict[str, str]:
    env = dict(os.environ)
    env[SCENARIO_ENV] = str(scenario)
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")  # no calls home
    # solara's rules-of-hooks check flags a line inside Mesa's SolaraViz on every start
    env.setdefault("PYTHONWARNINGS", "ignore::UserWarning:solara.validate_hooks")
    return env


def start(scenario: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          **popen: object) -> subprocess.Popen:  # fmt: skip
    """The server as a child process (the browser test uses this too)."""
    return subprocess.Popen(command(host, port), env=environment(scenario), **popen)


def serve(scenario: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> int:
    """Run the dashboard until Ctrl-C; returns the server's exit status."""
    print(f"alliance-sim dashboard for {scenario}: http://{host}:{port}  (Ctrl-C stops it)")
    sys.stdout.flush()
    proc = start(scenario, host, port)
    # SIGTERM (a service manager, `timeout`) must stop the server too, not orphan it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        return 130
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
