"""`alliance-sim app`: bind the port, start the dashboard's server, print its address.

The port is bound here, before any server starts, so a taken port is one line and exit 2
(not an address followed by uvicorn's errno). The bound socket is handed to the server
process (`python -m sim.app.server`, sim/app/server.py) as an inherited descriptor; that
process dies with this one, even on SIGKILL. The address printed carries a fresh session
token; the server refuses requests without it and pages of any other origin
(sim/app/guard.py). It binds 127.0.0.1 unless told otherwise: the page runs models, so it
should not be reachable from the network by default.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from sim.app.dashboard_env import SCENARIO_ENV, TOKEN_ENV
from sim.app.guard import new_token
from sim.errors import UsageError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or a UsageError naming the address and why."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        why = "the port is in use (choose another with --port)" if exc.errno == 98 else ""
        raise UsageError(f"cannot listen on {host}:{port}: {why or exc.strerror}") from None
    return sock


def address(sock: socket.socket, token: str, host: str | None = None) -> str:
    """The page's address with the session token (the only way in)."""
    bound, port = sock.getsockname()[:2]
    return f"http://{host or bound}:{port}/?token={token}"


def environment(scenario: Path, token: str) -> dict[str, str]:
    env = dict(os.environ)
    env[SCENARIO_ENV] = str(scenario)
    env[TOKEN_ENV] = token
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")  # no calls home
    # solara's rules-of-hooks check flags a line inside Mesa's SolaraViz on every start
    env.setdefault("PYTHONWARNINGS", "ignore::UserWarning:solara.validate_hooks")
    return env


def start(scenario: Path, sock: socket.socket, token: str, **popen: object) -> subprocess.Popen:
    """The server as a child process on `sock` (the browser tests use this too)."""
    fd = sock.fileno()
    cmd = [sys.executable, "-m", "sim.app.server", str(fd), str(os.getpid())]
    return subprocess.Popen(cmd, env=environment(scenario, token), pass_fds=(fd,), **popen)


def serve(scenario: Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> int:
    """Run the dashboard until Ctrl-C; returns the server's exit status."""
    token = new_token()
    with listen(host, port) as sock:
        proc = start(scenario, sock, token)
        url = address(sock, token, host)
    print(f"alliance-sim dashboard for {scenario}: {url}  (Ctrl-C stops it)")
    sys.stdout.flush()
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
