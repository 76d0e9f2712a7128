"""Other local users and other web pages must not read the learner's history: token, Host, Origin."""

from __future__ import annotations

import json
import signal

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from codecoach.web.access import Access, host_name

from .conftest import TOKEN, isolated_env, receive, start_server, stream

PROTECTED = ["/", "/insights", "/recommendations", "/summary", "/rules", "/docs", "/openapi.json",
             "/static/dashboard.js"]


def test_every_path_but_health_needs_the_token(server):
    for path in PROTECTED:
        missing = httpx.get(server.base + path)
        wrong = httpx.get(server.base + path, headers={"Authorization": "Bearer " + "x" * len(TOKEN)})
        prefix = httpx.get(server.base + path, headers={"Authorization": "Bearer " + TOKEN[:-1]})
        assert missing.status_code == wrong.status_code == prefix.status_code == 401, path
        assert missing.headers["www-authenticate"].startswith("Bearer")
        assert server.get(path).status_code == 200, path
    post = httpx.post(server.base + "/feedback", json={"rule": "CC101", "helpful": True})
    assert post.status_code == 401


def test_a_token_in_the_query_opens_pages_only_and_becomes_a_strict_cookie(server):
    opened = httpx.get(f"{server.base}/?token={server.token}", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/"  # the token leaves the address bar
    cookie = opened.headers["set-cookie"]
    assert f"codecoach-token-{server.port}={server.token}" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    name = f"codecoach-token-{server.port}"
    with httpx.Client(base_url=server.base, cookies={name: server.token}) as browser:
        page = browser.get("/")
        assert page.status_code == 200 and "/static/dashboard.js" in page.text
        assert browser.get("/summary").status_code == 200
        # A change by cookie needs a same-origin Origin, as a browser sends it.
        assert browser.post("/feedback", json={"rule": "CC101", "helpful": True}).status_code == 403
        same = browser.post("/feedback", json={"rule": "CC101", "helpful": True}, headers={"Origin": server.base})
        assert same.status_code == 200
    # JSON endpoints do not take the token from the query (it would land in logs and histories).
    assert httpx.get(f"{server.base}/summary?token={server.token}").status_code == 401
    assert httpx.get(f"{server.base}/?token=wrong").status_code == 401
    assert f"token={server.token}" not in server.log().split("To open the dashboard", 1)[1].split("\n\n", 2)[-1]


def test_a_host_that_is_not_this_server_is_refused(server):
    """DNS rebinding: evil.example resolving to 127.0.0.1 still sends Host: evil.example."""
    for host in ("evil.example", f"evil.example:{server.port}", "127.0.0.1.evil.example", ""):
        answer = server.get("/summary", headers={"Host": host})
        assert answer.status_code == 400, host
    assert httpx.get(server.base + "/health", headers={"Host": "evil.example"}).status_code == 400
    for host in (f"localhost:{server.port}", f"127.0.0.1:{server.port}", f"[::1]:{server.port}"):
        assert server.get("/summary", headers={"Host": host}).status_code == 200, host


def test_a_foreign_origin_is_refused_even_with_the_token(server):
    foreign = server.get("/summary", headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    post = httpx.post(server.base + "/feedback", json={"rule": "CC101", "helpful": True},
                      headers={**server.auth, "Origin": "http://localhost:1"})
    assert post.status_code == 403
    # Tools send no Origin: with a Bearer token they may change things.
    assert httpx.post(server.base + "/feedback", json={"rule": "CC101", "helpful": True},
                      headers=server.auth).status_code == 200


async def test_the_websocket_checks_token_host_and_origin(server):
    async def status_of(url: str, **kwargs) -> int:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url, **kwargs):
                pass
        return refused.value.response.status_code

    assert await status_of(server.ws) == 401
    assert await status_of(server.ws, additional_headers={"Authorization": "Bearer nope-nope-nope-nope"}) == 401
    assert await status_of(server.ws + "?token=" + server.token, origin="https://evil.example") == 403
    # A browser's WebSocket (token in the query or the cookie) must say where it comes from.
    assert await status_of(server.ws + "?token=" + server.token) == 403
    assert await status_of(server.ws, additional_headers={**server.auth, "Host": "evil.example"}) == 400  # two Hosts
    assert _handshake(server, "evil.example") == 400 and _handshake(server, f"127.0.0.1:{server.port}") == 101

    async with connect(server.ws + "?token=" + server.token, origin=server.base) as ws:
        assert (await receive(ws, "status"))["state"] == "offline"
    cookie = {"Cookie": f"codecoach-token-{server.port}={server.token}"}
    async with connect(server.ws, origin=server.base, additional_headers=cookie) as ws:
        assert (await receive(ws, "status"))["state"] == "offline"
    async with stream(server) as ws:  # the watcher: a Bearer token, no Origin
        assert (await receive(ws, "status"))["memory"] == "ok"


def _handshake(server, host: str) -> int:
    """The status a raw WebSocket handshake with this Host gets (a rebound page's browser sends its name)."""
    import socket

    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        raw.sendall((f"GET /ws/stream HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                     f"Authorization: Bearer {server.token}\r\n\r\n").encode())
        return int(raw.recv(200).split(b" ", 2)[1])


def test_pages_forbid_inline_script_framing_and_forms(server):
    page = server.get("/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "frame-ancestors 'none'" in policy and "form-action 'none'" in policy and "default-src 'none'" in policy
    assert page.headers["x-frame-options"] == "DENY" and page.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in page.text and "style=" not in page.text and "http://" not in page.text
    data = server.get("/summary")
    assert data.headers["cache-control"] == "no-store" and "default-src 'none'" in data.headers["content-security-policy"]


def test_token_from_the_environment_and_tokens_too_weak(tmp_path):
    from_env = start_server(tmp_path / "env", token=None, env=isolated_env(tmp_path / "data",
                                                                             CODECOACH_WEB_TOKEN="E" * 24))
    try:
        assert from_env.token == "E" * 24 and from_env.get("/summary").status_code == 200
    finally:
        assert from_env.stop() == 0
    random_one = start_server(tmp_path / "random", token=None)
    try:
        assert len(random_one.token) >= 32 and random_one.get("/summary").status_code == 200
    finally:
        assert random_one.stop(signal.SIGTERM) == 0
    weak = start_server(tmp_path / "weak", token="secret", expect_url=False)
    assert weak.process.wait(30) == 2 and "at least 16 characters" in weak.log()


def test_other_hosts_need_allow_remote_and_say_so(tmp_path):
    refused = start_server(tmp_path / "no", args=("--host", "0.0.0.0"), expect_url=False)
    assert refused.process.wait(30) == 2 and "--allow-remote" in refused.log()

    remote = start_server(tmp_path / "yes", args=("--host", "0.0.0.0", "--allow-remote"))
    try:
        assert "other machines can reach this coach" in remote.log()
        assert remote.get("/summary").status_code == 200  # 127.0.0.1 is an IP literal: never a rebound name
        assert remote.get("/summary", headers={"Host": "evil.example"}).status_code == 400
    finally:
        assert remote.stop() == 0


def test_host_names_and_token_comparison():
    assert host_name("127.0.0.1:8000") == "127.0.0.1" and host_name("[::1]:8000") == "::1"
    assert host_name("Coach.Example.org.:443") == "coach.example.org"
    local = Access.for_binding("127.0.0.1", 8000, TOKEN)
    assert local.host_ok("localhost:8000") and not local.host_ok("10.0.0.5:8000") and not local.host_ok("x")
    proxied = Access.for_binding("127.0.0.1", 8000, TOKEN, "https://coach.example.org")
    assert proxied.host_ok("coach.example.org") and proxied.origin_ok("https://coach.example.org", "x", "http")
    assert proxied.secure_cookie and not local.secure_cookie
    assert local.token_ok(TOKEN) and not local.token_ok(TOKEN + "x") and not local.token_ok("") \
        and not local.token_ok(None)


def test_refusals_carry_json_and_no_history(server):
    answer = httpx.get(server.base + "/insights")
    assert answer.headers["content-type"] == "application/json" and "detail" in json.loads(answer.text)
    assert "files" not in answer.text
