"""Security through the real server: a workspace .env chooses neither the key nor the endpoint;
the API key (from the environment, as the extension passes it) never appears in a log,
the server's stderr or any file in the data folder; the redaction corpus never reaches the
(fake) Gemini; excluded files are never sent; the data folder is user-only; a Chroma token is
sent as a bearer header; with cloud off the server opens no network connection at all."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from cloud.secrets_corpus import SECRETS, program_with_secrets
from fakegemini import FakeGemini, Reply
from lsp.conftest import diagnostics_for, isolated_env, open_document

from .conftest import PY, ROOT, private_dir, start, stop, wait_for

DOTENV_KEY = "learner-test-key-" + "9" * 20  # the learner's own key, from the environment
WORKSPACE_KEY = "workspace-test-key-" + "7" * 20  # a repository's .env key: never used
MISTAKE = "x = 1\nif x is 1:\n    pass\n"


async def test_a_full_cloud_session_leaks_no_key_no_secret_and_no_excluded_file():
    workspace = private_dir("codecoach-ws-")
    data = private_dir("codecoach-sec-data-")
    data.rmdir()  # the server creates it (and must create it user-only)
    stderr = private_dir("codecoach-sec-err-") / "stderr.log"
    with FakeGemini(api_key=DOTENV_KEY) as fake, FakeGemini(api_key=WORKSPACE_KEY) as workspace_endpoint:
        # A repository's .env names its own key and endpoint: neither may be used.
        (workspace / ".env").write_text(f"GOOGLE_API_KEY={WORKSPACE_KEY}\nGEMINI_BASE_URL={workspace_endpoint.url}\n")
        fake.default = Reply.json({"chunks": []})
        env = isolated_env() | {"CODECOACH_DATA_DIR": str(data), "GEMINI_BASE_URL": fake.url,
                                "GOOGLE_API_KEY": DOTENV_KEY}
        command = ["sh", "-c", f"cd {shlex.quote(str(workspace))} && exec {shlex.join([PY, '-m', 'codecoach', 'serve'])}"]
        client = await start(env, {"cloudEnabled": True, "settleSeconds": 1, "cloudSettleSeconds": 1, "logLevel": "debug",
                                   "excludeGlobs": ["**/private/**"]}, stderr=stderr, command=command)
        try:
            program = program_with_secrets() + "\n\nif 1 is 1:\n    pass\n"
            public = (workspace / "client.py").as_uri()
            excluded = {
                (workspace / "secrets.py").as_uri(): "MARKER_SECRETS_PY",
                (workspace / ".env.py").as_uri(): "MARKER_DOTENV_PY",
                (workspace / "private" / "homework.py").as_uri(): "MARKER_PRIVATE_GLOB",
                (workspace / "config" / "credentials.py").as_uri(): "MARKER_CREDENTIALS",
            }
            for uri, marker in excluded.items():
                open_document(client, uri, f"{marker} = 1\nif {marker} is 1:\n    pass\n")
            open_document(client, public, program)
            first = (await diagnostics_for(client, public, 1))[0]
            await wait_for(lambda: any("def fetch" in r.text for r in fake.generate_requests), timeout=40)
            for uri in excluded:
                assert any(d.code == "CC102" for d in await diagnostics_for(client, uri, 1))
            hover = await client.text_document_hover_async(lsp.HoverParams(
                text_document=lsp.TextDocumentIdentifier(uri=public),
                position=first.range.start))
            assert hover is not None
            await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
                command="codecoach.showSummary", arguments=[{"period": "day"}]))
            await asyncio.sleep(3)  # settle time for the excluded files, had they been sent
            sent = fake.all_text()
            assert all(r.headers.get("x-goog-api-key") == DOTENV_KEY for r in fake.requests), "not the learner's key"
            assert workspace_endpoint.requests == [] and workspace_endpoint.model_list_requests == [], \
                "the workspace's .env chose where the code went"
            leaked = [name for name, (_, secret) in SECRETS.items() if secret in sent or secret.replace("/", "\\/") in sent]
            assert leaked == [], f"secrets sent to Gemini: {leaked}"
            assert "<REDACTED:" in sent
            assert [m for m in excluded.values() if m in sent] == [], "an excluded file was sent"
            logs = "\n".join(m.message for m in client.log_messages)
            statuses = json.dumps([str(s) for s in client.statuses])
        finally:
            await stop(client)
    assert DOTENV_KEY not in logs and DOTENV_KEY not in statuses
    assert DOTENV_KEY not in stderr.read_text(errors="replace")
    in_files = [str(p) for p in data.rglob("*") if p.is_file() and DOTENV_KEY.encode() in p.read_bytes()]
    assert in_files == [], f"the key is stored in {in_files}"
    # The data folder is user-only, and so is every file and folder in it (cloud.sqlite3 too).
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert (data / "cloud.sqlite3").exists()
    assert loose_modes(data) == []
    SECURITY["key scan"] = {"log messages": len(logs.splitlines()), "stderr bytes": stderr.stat().st_size,
                            "data files": sum(1 for p in data.rglob("*") if p.is_file()),
                            "secrets in corpus": len(SECRETS), "requests": len(fake.requests)}
    print(f"\nsecurity session: {SECURITY['key scan']}")


SECURITY: dict = {}


def loose_modes(root: Path) -> list[str]:
    """Files not 0600 and folders not 0700 under `root`."""
    return [f"{p} {oct(stat.S_IMODE(p.stat().st_mode))}" for p in [root, *root.rglob("*")]
            if not p.is_symlink() and stat.S_IMODE(p.stat().st_mode) != (0o700 if p.is_dir() else 0o600)]


def secrets_beside_mistakes() -> str:
    """Every one-line secret of the corpus, each right above a mistake: each lands in a stored region."""
    body = ["def settings(value):"]
    for text, _ in SECRETS.values():
        if "\n" not in text:
            body += ["    " + text, "    if value == None:", "        value = 0"]
    return "\n".join(body + ["    return value", ""])


async def test_a_session_stores_no_secret_and_only_private_files():
    """Offline session over LSP (mistakes beside secrets, a hover, a summary, a fix, close), with
    CHROMA_DB_PATH into an existing 0755 folder: every file and folder the server wrote is
    0600/0700, -wal and -shm included, and no secret of the code is in any of them."""
    data = private_dir("codecoach-modes-data-")
    data.rmdir()  # the server creates it
    shared = private_dir("codecoach-modes-shared-")
    shared.chmod(0o755)
    env = isolated_env() | {"CODECOACH_DATA_DIR": str(data), "CHROMA_DB_PATH": str(shared / "index")}
    client = await start(env, {"settleSeconds": 1})
    try:
        uri = "file:///tmp/learner/settings.py"
        program = secrets_beside_mistakes()
        open_document(client, uri, program)
        found = await diagnostics_for(client, uri, 1)
        assert sum(d.code == "CC103" for d in found) >= 20
        await asyncio.sleep(2)  # settled: the mistakes and their regions are remembered
        hover = await client.text_document_hover_async(lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), position=found[0].range.start))
        assert hover is not None
        await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
            command="codecoach.showSummary", arguments=[{"period": "day"}]))
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=program.replace("== None", "is None"))]))
        await diagnostics_for(client, uri, 2)
        client.text_document_did_close(lsp.DidCloseTextDocumentParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri)))
        await asyncio.sleep(1)
    finally:
        await stop(client)
    with sqlite3.connect(data / "events.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM shown").fetchone()[0] >= 20
        assert db.execute("SELECT count(*) FROM fixes").fetchone()[0] >= 20
        assert "<REDACTED:" in db.execute("SELECT group_concat(region) FROM shown").fetchone()[0]
    assert any(p.is_dir() for p in (shared / "index").iterdir()), "the index was written"
    assert loose_modes(data) == [] and loose_modes(shared / "index") == []
    stored = [(name, str(p)) for p in [*data.rglob("*"), *shared.rglob("*")] if p.is_file()
              for name, (_, secret) in SECRETS.items() if secret.encode() in p.read_bytes()]
    assert stored == [], f"secrets from the code on disk: {stored}"
    SECURITY["private files"] = {"files": sum(1 for p in [*data.rglob("*"), *shared.rglob("*")] if p.is_file()),
                                 "secrets": sum("\n" not in t for t, _ in SECRETS.values())}
    print(f"\nprivate files: {SECURITY['private files']}")


async def test_a_workspace_env_alone_sends_nothing_anywhere():
    """A repository that ships only a .env (its owner's key and endpoint) gets neither the
    learner's code nor their key, even with cloud analysis switched on."""
    workspace = private_dir("codecoach-ws-only-")
    with FakeGemini(api_key=WORKSPACE_KEY) as owner:
        owner.default = Reply.json({"chunks": []})
        (workspace / ".env").write_text(f"GOOGLE_API_KEY={WORKSPACE_KEY}\nGEMINI_BASE_URL={owner.url}\n")
        env = {k: v for k, v in isolated_env().items() if k != "GEMINI_BASE_URL"}
        command = ["sh", "-c", f"cd {shlex.quote(str(workspace))} && exec {shlex.join([PY, '-m', 'codecoach', 'serve'])}"]
        client = await start(env, {"cloudEnabled": True, "settleSeconds": 1, "cloudSettleSeconds": 1}, command=command)
        try:
            uri = (workspace / "lesson.py").as_uri()
            open_document(client, uri, MISTAKE)
            assert any(d.code == "CC102" for d in await diagnostics_for(client, uri, 1))
            await asyncio.sleep(3)  # past the settle times
            assert owner.requests == [] and owner.model_list_requests == []
            assert client.statuses and all(s.state == "offline" for s in client.statuses)
            assert "no GOOGLE_API_KEY" in client.statuses[-1].message
        finally:
            await stop(client)

GUARD = '''
import os, socket
_log = os.environ["CODECOACH_SOCKET_LOG"]
_connect = socket.socket.connect
def _guard(self, address, *a, **k):
    if self.family != socket.AF_UNIX:
        with open(_log, "a") as f:
            f.write(repr(address) + "\\n")
        raise OSError("network guard: no connections with cloud off")
    return _connect(self, address, *a, **k)
socket.socket.connect = _guard
socket.socket.connect_ex = lambda self, address: (_guard(self, address), 0)[1]
'''


async def test_no_network_at_all_with_cloud_off():
    """A socket guard (sitecustomize) records any non-AF_UNIX connect; where possible the
    server also runs in a network namespace of its own (`unshare -n`: no interface but a
    down loopback). Diagnostics, memory and commands still work."""
    shim = private_dir("codecoach-guard-")
    (shim / "sitecustomize.py").write_text(GUARD)
    attempts = shim / "attempts.log"
    env = isolated_env() | {"PYTHONPATH": os.pathsep.join([str(shim), str(ROOT / "server")]),
                            "CODECOACH_SOCKET_LOG": str(attempts), "GOOGLE_API_KEY": "a-key-that-must-not-be-used"}
    command = [PY, "-m", "codecoach", "serve"]
    isolated = os.geteuid() == 0 and shutil.which("unshare") and subprocess.run(
        ["unshare", "-n", "true"], capture_output=True).returncode == 0
    if isolated:
        command = ["unshare", "-n", *command]
    client = await start(env, {"cloudEnabled": False, "settleSeconds": 1}, command=command)
    try:
        uri = "file:///tmp/learner/offline.py"
        open_document(client, uri, MISTAKE)
        assert any(d.code == "CC102" for d in await diagnostics_for(client, uri, 1))
        await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
            command="codecoach.showSummary", arguments=[{"period": "day"}]))
        await asyncio.sleep(4)  # the memory opens, indexes, the embedder loads
        hover = await client.text_document_hover_async(lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(1, 6)))
        assert hover is not None
        assert any(s.state == "offline" for s in client.statuses)
    finally:
        await stop(client)
    assert not attempts.exists(), f"connections attempted: {attempts.read_text()}"
    SECURITY["no network"] = {"unshare -n": bool(isolated), "attempts": 0}


class _Recorder(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def _any(self) -> None:
        _Recorder.seen.append(dict(self.headers.items()))
        self.send_response(401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_PUT = do_DELETE = _any

    def log_message(self, *args) -> None:
        pass


def test_chroma_token_is_sent_as_a_bearer_header():
    """CHROMA_AUTH_TOKEN reaches the Chroma server as `Authorization: Bearer <token>`.
    (`chroma run` of chromadb 1.5 does not enforce tokens itself: see docs/reliability.md.)"""
    from codecoach.memory.index import ChromaIndex, ChromaTarget

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(server.server_address[1]),
               "CHROMA_AUTH_TOKEN": "classroom-token-123"}
        index = ChromaIndex(ChromaTarget.from_env(Path("/unused"), env), "test")
        try:
            index.count("struggles")  # the recorder answers 401 to everything
        except Exception:  # noqa: BLE001 - whichever error the client makes of a 401
            pass
    finally:
        server.shutdown()
        server.server_close()
    assert _Recorder.seen, "the client never called the server"
    assert all(h.get("Authorization") == "Bearer classroom-token-123" for h in _Recorder.seen)


@pytest.mark.skipif(not shutil.which("chroma", path=str(Path(sys.executable).parent)), reason="no chroma CLI")
def test_a_chroma_server_works_with_the_token_set():
    import socket

    from codecoach.memory.index import ChromaIndex, ChromaTarget

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    folder = private_dir("codecoach-chroma-server-")
    env = dict(os.environ, CHROMA_SERVER_AUTHN_PROVIDER="chromadb.auth.token_authn.TokenAuthenticationServerProvider",
               CHROMA_SERVER_AUTHN_CREDENTIALS="classroom-token-123")
    server = subprocess.Popen([str(Path(sys.executable).parent / "chroma"), "run", "--path", str(folder / "db"),
                               "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        target = {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(port), "CHROMA_AUTH_TOKEN": "classroom-token-123"}
        index = ChromaIndex(ChromaTarget.from_env(Path("/unused"), target), "tokentest")
        import time

        deadline = time.monotonic() + 30
        while True:
            try:
                index.upsert("struggles", ["a"], [[0.1, 0.2, 0.3]], ["doc"], [{"rule": "CC102"}])
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                index = ChromaIndex(ChromaTarget.from_env(Path("/unused"), target), "tokentest")
                time.sleep(0.5)
        assert index.count("struggles") == 1
        # Without a token: record whether this server version enforces it (documented).
        anonymous = ChromaIndex(ChromaTarget.from_env(Path("/unused"), {k: v for k, v in target.items()
                                                                        if k != "CHROMA_AUTH_TOKEN"}), "tokentest")
        try:
            anonymous.count("struggles")
            SECURITY["chroma run enforces token"] = False
        except Exception:
            SECURITY["chroma run enforces token"] = True
        print(f"\nchroma run enforces the token: {SECURITY['chroma run enforces token']}")
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
