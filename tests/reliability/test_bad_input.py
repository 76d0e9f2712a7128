"""Bad protocol input through the real server: each gets a clear error or a no-op, the
server stays up (a follow-up request still works), and the event loop never stalls."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time

import pytest
import pytest_asyncio
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException

from lsp.conftest import change_document, diagnostics_for, open_document, replace_range

from .conftest import PY, private_dir, start, stop

URI = "file:///tmp/learner/bad.py"
MISTAKE = "x = 1\nif x is 1:\n    pass\n"
TRIED: list[str] = []  # the bad inputs, for docs/reliability.md


# One server for the whole module: every bad input below goes to the same process,
# which must still answer the next one.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def client():
    client = await start()
    yield client
    await stop(client)
    print(f"\nbad inputs tried: {len(TRIED)}; server restarts needed: 0")


async def still_works(client, tag: str) -> None:
    """A follow-up on a fresh document: diagnostics and a hover answer."""
    uri = f"file:///tmp/learner/followup_{tag}_{time.monotonic_ns()}.py"
    open_document(client, uri, MISTAKE)
    assert any(d.code == "CC102" for d in await diagnostics_for(client, uri, 1))
    hover = await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(1, 6)))
    assert hover is not None and "CC102" in hover.contents.value


async def raw_request(client, method: str, params) -> tuple[str, object]:
    """Send a request with arbitrary JSON params; ('result', value) or ('error', code)."""
    TRIED.append(f"request {method}")
    msg_id = f"raw-{time.monotonic_ns()}"
    future = asyncio.get_running_loop().create_future()
    client.protocol._request_futures[msg_id] = future
    message = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not None:
        message["params"] = params
    client.protocol._send_data(message)  # as is: the typed client would refuse to send it
    try:
        result = await asyncio.wait_for(future, 10)
        return "result", result
    except JsonRpcException as error:
        return "error", error.code


MALFORMED_REQUESTS = [
    ("textDocument/hover", {"textDocument": 5, "position": "here"}),
    ("textDocument/hover", {"textDocument": {"uri": URI}}),
    ("textDocument/hover", None),
    ("textDocument/hover", [1, 2, 3]),
    ("textDocument/codeAction", {"textDocument": {"uri": URI}, "range": "all", "context": {}}),
    ("workspace/executeCommand", {"command": 42}),
    ("workspace/executeCommand", {"command": "codecoach.explain", "arguments": "not a list"}),
]


@pytest.mark.parametrize("method,params", MALFORMED_REQUESTS)
async def test_malformed_params_get_an_error_response(client, method, params):
    kind, value = await raw_request(client, method, params)
    assert kind == "error", f"{method} {params!r} answered {value!r}"
    await still_works(client, "malformed")


UNKNOWN = [
    ("codecoach/nothingHere", {}),
    ("textDocument/noSuchMethod", {"textDocument": {"uri": URI}}),
]


@pytest.mark.parametrize("method,params", UNKNOWN)
async def test_unknown_methods_are_method_not_found(client, method, params):
    assert await raw_request(client, method, params) == ("error", -32601)
    await still_works(client, "unknown")


BAD_COMMANDS = [
    ("codecoach.noSuchCommand", []),
    ("codecoach.explain", []),
    ("codecoach.explain", ["a string"]),
    ("codecoach.explain", [{"uri": URI}]),
    ("codecoach.explain", [{"uri": URI, "range": {"start": 1}}]),
    ("codecoach.explain", [{"uri": "file:///never/opened.py", "range": {"start": {"line": 0, "character": 0},
                                                                          "end": {"line": 0, "character": 1}}}]),
    ("codecoach.explain", [{}, {}]),
    ("codecoach.feedback", [{"rule": "CC102", "helpful": "yes"}]),
    ("codecoach.disableRule", [{"rules": "CC102"}]),
    ("codecoach.showSummary", [{"period": "fortnight"}]),
    ("codecoach.showSummary", [{"from": "yesterday"}]),
    ("codecoach.showSummary", ["day"]),
    ("codecoach.showRecommendations", [1, 2]),
]


@pytest.mark.parametrize("command,arguments", BAD_COMMANDS)
async def test_bad_commands_get_a_clear_error(client, command, arguments):
    TRIED.append(f"command {command} {arguments!r}")
    with pytest.raises(JsonRpcException) as error:
        await asyncio.wait_for(client.workspace_execute_command_async(
            lsp.ExecuteCommandParams(command=command, arguments=arguments)), 15)
    assert error.value.message, "an error without a message"
    await still_works(client, "command")


async def test_notifications_with_garbage_are_ignored(client):
    garbage = [
        ("textDocument/didOpen", {"textDocument": {"uri": 1, "text": None}}),
        ("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "python", "version": 1, "text": 7}}),
        ("textDocument/didChange", {"textDocument": {"uri": URI, "version": 2}, "contentChanges": "abc"}),
        ("textDocument/didChange", {"textDocument": {"uri": "file:///never/opened.py", "version": 2},
                                    "contentChanges": [{"text": "x = 1"}]}),
        ("textDocument/didClose", {"textDocument": {"uri": "file:///never/opened.py"}}),
        ("textDocument/didSave", {"textDocument": {"uri": "file:///never/opened.py"}}),
        ("workspace/didChangeConfiguration", {"settings": {"debounceMs": "soon", "logLevel": 3}}),
        ("workspace/didChangeConfiguration", {"settings": None}),
        ("codecoach/unknownNotification", {"a": 1}),
        ("$/cancelRequest", {"id": 987654}),
        ("$/setTrace", {"value": "loud"}),
    ]
    for method, params in garbage:
        TRIED.append(f"notification {method}")
        client.protocol._send_data({"jsonrpc": "2.0", "method": method, "params": params})
    await still_works(client, "garbage")


async def test_documents_never_opened_get_empty_answers_even_if_they_exist_on_disk(client):
    folder = private_dir("codecoach-disk-")
    files = {
        "latin1.py": "caf\xe9 = 1\nif caf\xe9 is 1: pass\n".encode("latin-1"),
        "binary.py": bytes(range(256)) * 64,
        "nul.py": b"x = 1\x00\nif x is 1: pass\n",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    for name in [*files, "missing.py"]:
        uri = (folder / name).as_uri()
        TRIED.append(f"never-opened document on disk: {name}")
        document = lsp.TextDocumentIdentifier(uri=uri)
        assert await client.text_document_hover_async(lsp.HoverParams(document, lsp.Position(1, 4))) is None
        actions = await client.text_document_code_action_async(lsp.CodeActionParams(
            document, lsp.Range(lsp.Position(0, 0), lsp.Position(1, 0)), lsp.CodeActionContext(diagnostics=[])))
        assert not actions
        with pytest.raises(JsonRpcException, match="not open"):
            await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
                command="codecoach.explain",
                arguments=[{"uri": uri, "range": {"start": {"line": 0, "character": 0},
                                                  "end": {"line": 1, "character": 0}}}]))
    await still_works(client, "disk")


async def test_positions_out_of_range(client):
    open_document(client, URI, MISTAKE)
    await diagnostics_for(client, URI, 1)
    for line, character in [(0, 10_000), (10_000, 0), (2**31 - 1, 2**31 - 1), (-1, 0), (0, -5)]:
        TRIED.append(f"hover at ({line}, {character})")
        kind, value = await raw_request(client, "textDocument/hover", {
            "textDocument": {"uri": URI}, "position": {"line": line, "character": character}})
        assert kind in ("result", "error")
        if kind == "result" and line < 0:
            pytest.fail("a negative position was accepted")
    # An edit whose range lies past the end appends, as the spec says (the editor never does this).
    TRIED.append("didChange with a range past the end")
    change_document(client, URI, 2, replace_range((500, 3), (900, 1), "if x is 2: pass\n"))
    diagnostics = await diagnostics_for(client, URI, 2)
    assert sorted(d.range.start.line for d in diagnostics if d.code == "CC102") == [1, 3]
    # A column past the end of a line means its end, not the line break.
    TRIED.append("didChange with a column past the end of its line")
    change_document(client, URI, 3, replace_range((0, 99), (0, 99), "  # one"))
    diagnostics = await diagnostics_for(client, URI, 3)
    assert sorted(d.range.start.line for d in diagnostics if d.code == "CC102") == [1, 3]
    await still_works(client, "positions")


HOSTILE = {
    "nul_bytes": "x = 1\x00\nif x is 1: pass\n",
    "deep_parens": "x = " + "(" * 300 + "1" + ")" * 300 + "\n",
    "deep_lambda": "f = " + "lambda: " * 5000 + "1\n",          # the parser overflows (MemoryError in 3.11)
    "deep_not": "x = " + "not " * 30000 + "1\n",
    "long_chain": "x = " + "1+" * 30000 + "1\n",                  # RecursionError territory
    "deep_blocks": "".join("    " * i + "if x:\n" for i in range(99)) + "    " * 99 + "pass\n",
    "lone_surrogate_escape": "s = '\\ud800'\nif s is 'a': pass\n",
    "only_newlines": "\r\n" * 5000,
    "long_line": "x = '" + "a" * 100_000 + "'\n",
}


@pytest.mark.parametrize("name", HOSTILE)
async def test_hostile_documents_leave_the_server_up(client, name):
    TRIED.append(f"document: {name}")
    uri = f"file:///tmp/learner/{name}.py"
    open_document(client, uri, HOSTILE[name])
    await diagnostics_for(client, uri, 1, timeout=30)
    await client.text_document_hover_async(
        lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(0, 2)))
    await still_works(client, name)


def test_garbage_on_the_wire_does_not_kill_the_server():
    """Invalid JSON, a wrong Content-Length header, a message that is not JSON-RPC: each is
    answered or dropped, and a well-formed request afterwards still gets its answer."""
    env = dict(os.environ, CODECOACH_DATA_DIR=str(private_dir("codecoach-wire-")))
    env.pop("GOOGLE_API_KEY", None)
    server = subprocess.Popen([PY, "-m", "codecoach", "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, env=env)

    def send(body: bytes) -> None:
        server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        server.stdin.flush()

    try:
        send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                         "params": {"capabilities": {}, "processId": None}}).encode())
        bad = [b"{not json", b'{"jsonrpc": "2.0", "id": 2}', b'[1, 2, 3]', b'"just a string"',
               json.dumps({"jsonrpc": "2.0", "id": 3, "method": "shutdown", "params": 5}).encode()[:-3]]
        for body in bad:
            TRIED.append(f"wire: {body[:30]!r}")
            send(body)
        send(json.dumps({"jsonrpc": "2.0", "id": 4, "method": "textDocument/hover",
                         "params": {"textDocument": {"uri": "file:///x.py"},
                                    "position": {"line": 0, "character": 0}}}).encode())
        answers = read_until(server, want_id=4)
        assert answers[4].get("result", "missing") is None
        send(json.dumps({"jsonrpc": "2.0", "id": 5, "method": "shutdown"}).encode())
        read_until(server, want_id=5)
        send(json.dumps({"jsonrpc": "2.0", "method": "exit"}).encode())
        assert server.wait(15) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def read_until(server: subprocess.Popen, want_id: int, timeout: float = 20.0) -> dict:
    answers: dict = {}
    deadline = time.monotonic() + timeout
    while want_id not in answers:
        assert time.monotonic() < deadline, f"no answer {want_id}; got {answers}"
        header = b""
        while not header.endswith(b"\r\n\r\n"):
            byte = server.stdout.read(1)
            assert byte, "the server closed its output"
            header += byte
        length = int([h for h in header.split(b"\r\n") if h.lower().startswith(b"content-length")][0].split(b":")[1])
        message = json.loads(server.stdout.read(length))
        if "id" in message and "method" not in message:
            answers[message["id"]] = message
    return answers


def big_file(lines: int) -> str:
    block = ("def grade_{i}(score):\n    if score is 100:\n        return 'perfect'\n    total = 0\n"
             "    for k in range(len(score)):\n        total += k\n    return total\n\n")
    return "".join(block.format(i=i) for i in range(lines // 8))


async def heartbeat(client, uri: str, seconds: float, period: float = 0.02) -> tuple[float, float, int]:
    """Hover every `period` s for `seconds`; the max latency and the max gap between answers."""
    latencies, answered = [], []
    end = time.perf_counter() + seconds
    pending: set[asyncio.Task] = set()

    async def one() -> None:
        sent = time.perf_counter()
        await client.text_document_hover_async(
            lsp.HoverParams(text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(1, 6)))
        now = time.perf_counter()
        latencies.append(now - sent)
        answered.append(now)

    while time.perf_counter() < end:
        task = asyncio.create_task(one())
        pending.add(task)
        task.add_done_callback(pending.discard)
        await asyncio.sleep(period)
    await asyncio.wait_for(asyncio.gather(*pending), 30)
    gaps = [b - a for a, b in zip(answered, answered[1:])]
    return max(latencies), max(gaps), len(latencies)


HEARTBEAT: dict = {}


@pytest.mark.parametrize("size", ["5MB", "largest_analyzed"])
async def test_the_event_loop_never_stalls_while_a_huge_file_arrives(client, size):
    from codecoach.lsp.server import MAX_ANALYZED_CHARS

    probe = "file:///tmp/learner/heartbeat.py"
    open_document(client, probe, MISTAKE)
    await diagnostics_for(client, probe, 1)
    if size == "5MB":
        text = big_file(260_000)  # ~5 MB, 260k lines
        assert len(text) > 4_900_000
    else:
        text = big_file(8000)
        text = text[: MAX_ANALYZED_CHARS - 2000]
        text = text[: text.rindex("\n\n") + 2]
    huge = f"file:///tmp/learner/huge_{size}.py"
    TRIED.append(f"document of {len(text) // 1024} KB, {text.count(chr(10))} lines")
    beat = asyncio.create_task(heartbeat(client, probe, 4.0))
    await asyncio.sleep(0.2)
    open_document(client, huge, text)
    await diagnostics_for(client, huge, 1, timeout=60)
    # ... and typing in it stays cheap.
    change_document(client, huge, 2, replace_range((3, 0), (3, 0), "    # typing\n"))
    latency, gap, beats = await beat
    HEARTBEAT[size] = (round(latency * 1000), round(gap * 1000), beats)
    print(f"\nheartbeat with {size} ({len(text) // 1024} KB): max latency {latency * 1000:.0f} ms, "
          f"max gap {gap * 1000:.0f} ms over {beats} hovers")
    assert latency <= 0.2 and gap <= 0.2
    if size == "5MB":
        assert any("does not analyze" in m.message for m in client.log_messages)
    await still_works(client, "heartbeat")
