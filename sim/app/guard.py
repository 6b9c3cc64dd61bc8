"""Who may drive the dashboard: the page its user opened, and no other.

The dashboard runs models and reads scenario files on the machine that serves it, so any
web page that could reach its websocket could make it work for them (issue 19). Two checks,
in an ASGI middleware wrapped around solara's app, so no route can skip them:

- **Session token.** `alliance-sim app` prints the address with `?token=...` (a fresh random
  value per start). The first request carrying it gets the token back as an HttpOnly,
  SameSite=Strict cookie named for the port, so the page's assets and websocket carry it
  too. Any request with neither is refused (HTTP 403, websocket closed before accept).
- **Same origin.** A browser names the page that opened a websocket or sent a POST in its
  `Origin` header. Cookies ignore ports, so another local server's page would carry the
  cookie; the origin check refuses it: the origin must be this server's own
  (`http://` + the `Host` the browser asked for). A websocket or a non-GET request without
  an `Origin` is refused as well.

No solara import here: the guard is tested as a plain ASGI app (tests/test_dashboard_guard.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SAFE_METHODS = ("GET", "HEAD")
REFUSED = (
    b"alliance-sim dashboard: refused. Open the address `alliance-sim app` printed "
    b"(it carries this session's token), from this server's own page.\n"
)


def new_token() -> str:
    """A session token: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def cookie_name(port: int) -> str:
    """One cookie per port: cookies ignore ports, and two dashboards may run side by side."""
    return f"alliance_sim_token_{port}"


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookie(headers: dict[str, str], name: str) -> str | None:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


def _query_token(scope: Scope) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    return values[0] if values else None


def _same(given: str | None, expected: str) -> bool:
    return given is not None and secrets.compare_digest(given.encode(), expected.encode())


class SessionGuard:
    """ASGI middleware: pass a request on only with the token and from the same origin."""

    def __init__(self, app: ASGIApp, token: str, port: int):
        self.app = app
        self.token = token
        self.cookie = cookie_name(port)

    def allowed(self, scope: Scope) -> tuple[bool, bool]:
        """(allowed, set the cookie): the decision for one request or websocket."""
        headers = _headers(scope)
        origin = headers.get("origin")
        needs_origin = scope["type"] == "websocket" or scope.get("method") not in SAFE_METHODS
        if origin is None and needs_origin:
            return False, False
        if origin is not None and origin != f"http://{headers.get('host', '')}":
            return False, False
        if _same(_cookie(headers, self.cookie), self.token):
            return True, False
        by_query = _same(_query_token(scope), self.token)
        return by_query, by_query

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)  # lifespan
            return
        allowed, set_cookie = self.allowed(scope)
        if not allowed:
            await self.refuse(scope, send)
            return
        if set_cookie and scope["type"] == "http":
            send = self.with_cookie(send)
        await self.app(scope, receive, send)

    def with_cookie(self, send: Send) -> Send:
        value = f"{self.cookie}={self.token}; Path=/; HttpOnly; SameSite=Strict"

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"set-cookie", value.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        return sending

    @staticmethod
    async def refuse(scope: Scope, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
            return
        headers = [(b"content-type", b"text/plain; charset=utf-8")]
        await send({"type": "http.response.start", "status": 403, "headers": headers})
        await send({"type": "http.response.body", "body": REFUSED})
