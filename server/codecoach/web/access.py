"""Who may talk to the web server: a token, the Host header, the Origin (docs/web.md, "Auth").

Other local users and any web page open in the learner's browser must not read their
history. So, before any route runs (a pure ASGI guard, for HTTP and WebSocket alike):

1. Host must name this server (the bound address, `localhost`, or the `--public-url`
   host): a page on evil.example whose DNS is rebound to 127.0.0.1 sends its own name. 400.
2. An Origin, when sent, must be this server's own (or the public URL's). 403.
3. Every path but `/health` needs the token: `Authorization: Bearer T`, the cookie the
   browser got when it opened `/?token=T`, or `?token=T` on a page or on the WebSocket
   (a browser cannot set headers there). Compared in constant time. 401.
4. The WebSocket and every request that changes something (POST...) must carry that
   same-origin Origin, unless the token came as a Bearer header: a browser never sends
   one cross-site without CORS, which this server does not grant, and tools that send
   it (the watcher, curl, scripts) send no Origin. 403.

A page opened with `?token=` is redirected to itself without it, with the token in an
HttpOnly, SameSite=Strict cookie, so it leaves neither the address bar nor the history.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

TOKEN_ENV = "CODECOACH_WEB_TOKEN"
MIN_TOKEN_CHARS = 16
OPEN_PATHS = frozenset({"/health"})
# Pages a browser opens by URL: they may carry ?token= and then get the cookie.
PAGES = frozenset({"/", "/rules", "/docs"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARDS = frozenset({"0.0.0.0", "::", ""})

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def new_token() -> str:
    return secrets.token_urlsafe(32)


def check_token(token: str) -> str:
    """A token given by the user, or ValueError saying why it is not good enough."""
    token = token.strip()
    if len(token) < MIN_TOKEN_CHARS:
        raise ValueError(f"the token must be at least {MIN_TOKEN_CHARS} characters (a random one is made when "
                         "none is given)")
    if not all(33 <= ord(c) < 127 and c not in ";,\"\\" for c in token):
        raise ValueError("the token may contain only printable ASCII characters without ; , \" or \\")
    return token


def host_name(host_header: str) -> str:
    """'127.0.0.1' from '127.0.0.1:8000', '::1' from '[::1]:8000', lower case."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        host = host.rsplit(":", 1)[0]
    return host.rstrip(".")


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Access:
    token: str
    port: int
    hosts: frozenset[str]  # Host names this server answers to
    any_ip: bool  # bound to every interface: any IP literal names it too (never a rebound DNS name)
    public_origin: str | None  # e.g. "https://coach.example.org" behind a reverse proxy

    @classmethod
    def for_binding(cls, host: str, port: int, token: str, public_url: str | None = None) -> Access:
        names = {host_name(host)} - WILDCARDS
        if not names or names & LOOPBACK_NAMES:
            names |= LOOPBACK_NAMES  # a loopback server answers to each of its names
        wildcard = host_name(host) in WILDCARDS
        if wildcard:
            names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
        origin = None
        if public_url:
            parts = urlsplit(public_url)
            names.add(host_name(parts.netloc))
            origin = f"{parts.scheme}://{parts.netloc}".lower()
        return cls(token, port, frozenset(names), wildcard, origin)

    @property
    def cookie_name(self) -> str:
        # Cookies ignore ports: two servers on one machine must not overwrite each other's.
        return f"codecoach-token-{self.port}"

    @property
    def secure_cookie(self) -> bool:
        return bool(self.public_origin and self.public_origin.startswith("https:"))

    def host_ok(self, host_header: str) -> bool:
        name = host_name(host_header)
        return bool(name) and (name in self.hosts or (self.any_ip and _is_ip(name)))

    def origin_ok(self, origin: str, host_header: str, scheme: str) -> bool:
        origin = origin.strip().lower().rstrip("/")
        own = {"http": "http", "ws": "http", "https": "https", "wss": "https"}.get(scheme, "http")
        return origin == f"{own}://{host_header.strip().lower()}" or origin == self.public_origin

    def token_ok(self, candidate: str | None) -> bool:
        if not candidate:
            return False
        return secrets.compare_digest(candidate.encode("utf-8", "surrogatepass"), self.token.encode())


class Guard:
    """The ASGI middleware that applies `Access` to every request and WebSocket."""

    def __init__(self, app: Callable, access: Access) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        host = headers.get("host", "")
        path = scope.get("path", "")
        websocket = scope["type"] == "websocket"
        method = "GET" if websocket else scope.get("method", "GET")
        if not self.access.host_ok(host):
            await _refuse(scope, receive, send, 400, f"Host {host!r} is not this server (DNS rebinding?)")
            return
        origin = headers.get("origin")
        if origin is not None and not self.access.origin_ok(origin, host, scope.get("scheme", "http")):
            await _refuse(scope, receive, send, 403, f"requests from {origin} are not allowed")
            return
        if path in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        token, how = self._credentials(headers, query, path, websocket)
        if not self.access.token_ok(token):
            await _refuse(scope, receive, send, 401, "a valid token is needed (Authorization: Bearer <token>, "
                          "or open the URL codecoach web printed)")
            return
        if (websocket or method not in SAFE_METHODS) and origin is None and how != "bearer":
            await _refuse(scope, receive, send, 403, "a same-origin Origin header is needed")
            return
        if how == "query" and not websocket and method == "GET":
            await self._to_cookie(scope, send, query)
            return
        await self.app(scope, receive, send)

    def _credentials(self, headers: dict[str, str], query: dict[str, str], path: str,
                     websocket: bool) -> tuple[str | None, str]:
        authorization = headers.get("authorization", "")
        if authorization[:7].lower() == "bearer ":
            return authorization[7:].strip(), "bearer"
        if "token" in query and (websocket or path in PAGES):
            return query["token"], "query"
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # noqa: BLE001 - a mangled Cookie header is no token
            return None, ""
        morsel = cookie.get(self.access.cookie_name)
        return (morsel.value, "cookie") if morsel is not None else (None, "")

    async def _to_cookie(self, scope: Scope, send: Send, query: dict[str, str]) -> None:
        """Same page without ?token=, the token now in an HttpOnly SameSite=Strict cookie."""
        rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
        location = scope.get("path", "/") + (f"?{rest}" if rest else "")
        cookie = f"{self.access.cookie_name}={self.access.token}; HttpOnly; SameSite=Strict; Path=/"
        if self.access.secure_cookie:
            cookie += "; Secure"
        await send({"type": "http.response.start", "status": 303, "headers": [
            (b"location", location.encode("latin-1")), (b"set-cookie", cookie.encode("latin-1")),
            (b"cache-control", b"no-store"), (b"referrer-policy", b"no-referrer"), (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})


def _headers(scope: Scope) -> dict[str, str]:
    """The request's headers by lower-case name: the first of each, cookies joined; a second Host
    (which HTTP forbids: RFC 9112 says 400) empties Host, so the request is refused."""
    out: dict[str, str] = {}
    for key, value in scope.get("headers", ()):
        name = key.decode("latin-1").lower()
        text = value.decode("latin-1")
        if name in out:
            if name == "cookie":
                out[name] = f"{out[name]}; {text}"
            elif name == "host":
                out[name] = ""
            continue
        out[name] = text
    return out


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
    body = json.dumps({"detail": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-store")]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="codecoach"'))
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    await receive()  # websocket.connect
    if "websocket.http.response" in scope.get("extensions", {}):
        await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body})
    else:  # the server cannot answer a handshake with a status: the client sees 403
        await send({"type": "websocket.close", "code": 1008})
