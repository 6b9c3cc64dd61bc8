"""Only the page its user opened may drive the dashboard (issue 19): the session guard as a
plain ASGI app, a taken port, and a server that dies with `alliance-sim app` on SIGKILL."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from reliability_tools import alive, wait_for

from sim.app.guard import SessionGuard, cookie_name
from sim.app.serve import listen
from sim.cli import main

TOKEN = "s3cret-token"
PORT = 8123
HOST = f"127.0.0.1:{PORT}"
ORIGIN = f"http://{HOST}"


def call(kind: str = "http", method: str = "GET", query: str = "", **headers: str):
    """Send one request through the guard; returns (reached the app, messages sent back)."""
    reached: list[dict] = []

    async def app(scope, receive, send):
        reached.append(scope)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request"}

    raw = [(k.replace("_", "-").encode(), v.encode()) for k, v in {"host": HOST, **headers}.items()]
    scope = {"type": kind, "method": method, "query_string": query.encode(), "headers": raw}
    asyncio.run(SessionGuard(app, TOKEN, PORT)(scope, receive, send))
    return bool(reached), sent


def status(sent: list[dict]) -> int | str:
    first = sent[0]
    return first.get("status") or first["type"]


def cookie(value: str = TOKEN) -> str:
    return f"{cookie_name(PORT)}={value}"


def test_the_token_in_the_address_lets_the_page_in_and_sets_the_cookie():
    reached, sent = call(query=f"token={TOKEN}")
    assert reached and status(sent) == 200
    set_cookie = dict(sent[0]["headers"])[b"set-cookie"].decode()
    assert set_cookie.startswith(cookie() + ";")
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie


@pytest.mark.parametrize(
    "query, headers",
    [("", {}), ("token=wrong", {}), ("", {"cookie": cookie("wrong")}), ("token=", {})],
    ids=["nothing", "wrong-token", "wrong-cookie", "empty-token"],
)
def test_without_the_token_nothing_is_served(query, headers):
    reached, sent = call(query=query, **headers)
    assert not reached and status(sent) == 403
    assert TOKEN.encode() not in sent[1]["body"]


def test_the_cookie_carries_the_session_for_assets_and_the_websocket():
    assert call(cookie=cookie())[0]
    reached, _ = call("websocket", cookie=cookie(), origin=ORIGIN)
    assert reached


@pytest.mark.parametrize(
    "origin",
    ["http://127.0.0.1:9999", "http://evil.example", "null", f"https://{HOST}", ""],
)
def test_a_foreign_origin_is_refused_even_with_the_cookie(origin):
    """Cookies ignore ports: another local page would send ours; its Origin gives it away."""
    reached, sent = call("websocket", cookie=cookie(), origin=origin)
    assert not reached and sent == [{"type": "websocket.close", "code": 1008}]
    reached, sent = call("http", method="POST", cookie=cookie(), origin=origin)
    assert not reached and status(sent) == 403


def test_a_websocket_or_post_without_origin_is_refused():
    assert not call("websocket", cookie=cookie())[0]
    assert not call("http", method="POST", cookie=cookie())[0]
    assert call("http", method="POST", cookie=cookie(), origin=ORIGIN)[0]


def test_lifespan_passes_through():
    reached: list[str] = []

    async def app(scope, receive, send):
        reached.append(scope["type"])

    asyncio.run(SessionGuard(app, TOKEN, PORT)({"type": "lifespan"}, None, None))
    assert reached == ["lifespan"]


def test_app_on_a_taken_port_is_one_line(capsys):
    with listen("127.0.0.1", 0) as taken:
        port = taken.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"alliance-sim app: error: cannot listen on 127.0.0.1:{port}: "
        "the port is in use (choose another with --port)"
    ]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _server_pids(parent: int) -> list[int]:
    cmd = ["ps", "-o", "pid=", "--ppid", str(parent)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def test_sigkill_of_the_app_leaves_no_server_holding_the_port(tmp_path: Path):
    with listen("127.0.0.1", 0) as probe:
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    app = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "app", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )  # fmt: skip
    try:
        line = app.stdout.readline()
        assert "?token=" in line, line
        deadline = time.monotonic() + 90
        while True:  # until the server itself answers (a 403 without the token)
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            except urllib.error.HTTPError as exc:
                assert exc.code == 403
                break
            except OSError:
                assert time.monotonic() < deadline, "the server never answered"
                time.sleep(0.3)
        servers = _server_pids(app.pid)
        assert len(servers) == 1
        app.send_signal(signal.SIGKILL)
        app.wait()
        # A dead server can stay a zombie until init reaps it (slowly on a loaded machine):
        # `alive` counts zombies as dead, where /proc/PID still exists.
        wait_for(lambda: not _listening(port) and not alive(set(servers)), 60,
                 "the server to die with alliance-sim app")  # fmt: skip
    finally:
        if app.poll() is None:
            app.kill()
