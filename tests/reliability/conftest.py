"""Shared harness for the reliability suites: the real server over stdio, plus the
client-side document model with the LSP's own idea of lines and UTF-16 columns."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import sys
import tempfile
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp.conftest import SERVER, initialize, isolated_env, recording_client, vscode_capabilities

T = TypeVar("T")

# -- the client's model of a document (what VS Code keeps) --------------------------

LINE_BREAK = re.compile(r"\r\n|\r|\n")


def line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end of content) offsets of each LSP line: breaks only at \\n, \\r\\n, \\r."""
    spans, start = [], 0
    for match in LINE_BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def utf16_len(text: str) -> int:
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def position_at(text: str, offset: int) -> lsp.Position:
    """The LSP position (UTF-16 columns) of a code-point offset that is not inside a \\r\\n."""
    for line, (start, end) in enumerate(line_spans(text)):
        if start <= offset <= end:
            return lsp.Position(line, utf16_len(text[start:offset]))
    raise ValueError(f"offset {offset} is inside a line break")


def offset_at(text: str, position: lsp.Position) -> int:
    """A client position -> code-point offset, as the LSP spec says (a column past the
    end of the line means the end of the line)."""
    spans = line_spans(text)
    if position.line >= len(spans):
        return len(text)
    start, end = spans[position.line]
    units = 0
    for index in range(start, end):
        if units >= position.character:
            return index
        units += 2 if ord(text[index]) > 0xFFFF else 1
    return end


def valid_offsets(text: str) -> list[int]:
    """Every offset an editor can put a cursor on (never between \\r and \\n)."""
    return [i for i in range(len(text) + 1) if not (0 < i < len(text) and text[i - 1] == "\r" and text[i] == "\n")]


def apply_change(text: str, change: lsp.TextDocumentContentChangeEvent) -> str:
    if isinstance(change, lsp.TextDocumentContentChangePartial):
        start, end = offset_at(text, change.range.start), offset_at(text, change.range.end)
        return text[:start] + change.text + text[end:]
    return change.text


def end_position(text: str) -> lsp.Position:
    return position_at(text, len(text))


# -- a server started with a wrapper so its stderr lands in a file ---------------------


def server_config(env: dict[str, str] | None = None, stderr: Path | None = None,
                  command: list[str] | None = None) -> ClientServerConfig:
    command = command or SERVER
    if stderr is not None:
        command = ["sh", "-c", f"exec {shlex.join(command)} 2>>{shlex.quote(str(stderr))}"]
    return ClientServerConfig(server_command=command, client_factory=recording_client,
                              server_env=env or isolated_env())


async def start(env: dict[str, str] | None = None, options: dict | None = None, *,
                stderr: Path | None = None, capabilities: lsp.ClientCapabilities | None = None,
                command: list[str] | None = None) -> LanguageClient:
    client = await server_config(env, stderr, command).start()
    await initialize(client, capabilities or vscode_capabilities(), {"debounceMs": 50} | (options or {}))
    return client


async def stop(client: LanguageClient, timeout: float = 15.0) -> None:
    """shutdown + exit; a server that does not exit in time is killed (and the test fails)."""
    try:
        await asyncio.wait_for(client.shutdown_session(), timeout)
    except BaseException:
        if client._server is not None and client._server.returncode is None:
            client._server.kill()
        raise
    finally:
        await client.stop()


def data_env(**extra: str) -> dict[str, str]:
    env = isolated_env()
    env.update(extra)
    return env


async def wait_for(predicate: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(interval)


class ThreadedClient:
    """A server and its client on an event loop in a background thread, for synchronous
    callers such as hypothesis tests (one server for many examples)."""

    def __init__(self, env: dict[str, str] | None = None, options: dict | None = None) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="lsp-client-loop", daemon=True)
        self.thread.start()
        self.client: LanguageClient = self.run(start(env, options))

    def run(self, coro: Awaitable[T], timeout: float = 60.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    def call(self, function: Callable[..., T], *args: Any) -> T:
        async def call() -> T:
            return function(*args)

        return self.run(call())

    def close(self) -> None:
        try:
            self.run(stop(self.client), timeout=120)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()


def private_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


PY = sys.executable
ROOT = Path(__file__).resolve().parents[2]
__all__ = ["os", "PY", "ROOT"]
