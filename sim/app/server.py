"""The dashboard's server process: solara's app behind the session guard, on a given socket.

`alliance-sim app` (sim/app/serve.py) binds the socket itself, so a taken port is one clear
line before anything starts, and hands it to this process as an inherited file descriptor:

    python -m sim.app.server FD PARENT_PID     (the token in ALLIANCE_SIM_APP_TOKEN)

The server must never outlive the command that started it: a SIGKILL of `alliance-sim app`
cannot be caught, and an orphan under PID 1 would keep the port and the models running.
Linux delivers SIGKILL to us when the parent dies (prctl PR_SET_PDEATHSIG); a watchdog
thread that compares the parent pid covers other systems and the moment before prctl.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys
import threading
import time

from sim.app.dashboard_env import TOKEN_ENV

PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 0.5


def die_with_parent(parent: int) -> None:
    """SIGKILL this process as soon as `parent` is gone (kernel signal, then a watchdog)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before prctl took effect
        os.kill(os.getpid(), signal.SIGKILL)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def guarded_app(token: str, port: int):
    """solara's starlette app (production mode, this package's page) inside the guard."""
    os.environ["SOLARA_APP"] = "sim.app.dashboard"  # read when solara's server is imported
    from solara.server import settings

    settings.main.mode = "production"
    import solara.server.starlette as solara_starlette

    from sim.app.guard import SessionGuard

    return SessionGuard(solara_starlette.app, token, port)


def main(argv: list[str]) -> None:
    fd, parent = int(argv[0]), int(argv[1])
    die_with_parent(parent)
    token = os.environ.pop(TOKEN_ENV)  # not passed on to anything this server starts
    sock = socket.socket(fileno=fd)
    sock.set_inheritable(False)  # model worker processes must not hold the port
    host, port = sock.getsockname()[:2]
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = str(host), str(port)
    import uvicorn

    config = uvicorn.Config(guarded_app(token, port), log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main(sys.argv[1:])
