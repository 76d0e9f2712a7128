"""A real `codecoach web` process on 127.0.0.1, and clients for it (httpx, websockets)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

TOKEN = "web-test-token-0123456789abcdef"
# Fast enough for tests, the pipeline unchanged: a short debounce, a one-second pause to remember.
SETTINGS = {"debounceMs": 100, "settleSeconds": 1, "runExamples": False}
URL_LINE = re.compile(r"http://(?P<host>[^/\s]+):(?P<port>\d+)/\?token=(?P<token>\S+)")


def isolated_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "CODECOACH_WEB_TOKEN", "CODECOACH_RULES_URL")}
    env["CODECOACH_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


@dataclass
class Server:
    process: subprocess.Popen
    host: str
    port: int
    token: str
    data_dir: Path
    stderr: Path

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://{self.host}:{self.port}/ws/stream"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def log(self) -> str:
        return self.stderr.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str, **kwargs) -> httpx.Response:
        headers = {**self.auth, **kwargs.pop("headers", {})}
        return httpx.get(self.base + path, headers=headers, timeout=30, **kwargs)

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


def start_server(folder: Path, *, token: str | None = TOKEN, settings: dict | None = None, args: tuple = (),
                 env: dict[str, str] | None = None, expect_url: bool = True) -> Server:
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data"
    settings_file = folder / "settings.json"
    settings_file.write_text(json.dumps(SETTINGS if settings is None else settings), encoding="utf-8")
    stderr = folder / "server.log"
    command = [sys.executable, "-m", "codecoach", "web", "--port", "0", "--settings", str(settings_file), *args]
    if token is not None:
        command += ["--token", token]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=stderr.open("w", encoding="utf-8"), env=env or isolated_env(data))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = stderr.read_text(encoding="utf-8", errors="replace")
        found = URL_LINE.search(text)
        if found and "Application startup complete" in text:
            server = Server(process, "127.0.0.1", int(found["port"]), found["token"], data, stderr)
            return server
        if process.poll() is not None:
            if not expect_url:
                return Server(process, "127.0.0.1", 0, token or "", data, stderr)
            raise AssertionError(f"codecoach web exited {process.returncode}:\n{text}")
        time.sleep(0.05)
    process.kill()
    raise AssertionError("codecoach web did not start:\n" + stderr.read_text(encoding="utf-8", errors="replace"))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for a module's tests that do not need a memory of their own."""
    running = start_server(tmp_path_factory.mktemp("web"))
    yield running
    assert running.stop() == 0, running.log()


@pytest.fixture
def fresh_server(tmp_path):
    """A server with an empty memory, for tests that count what it remembers."""
    running = start_server(tmp_path / "web")
    yield running
    assert running.stop() == 0, running.log()


def stream(server: Server, **kwargs):
    """A WebSocket client of /ws/stream with the token as a Bearer header."""
    headers = {**server.auth, **kwargs.pop("additional_headers", {})}
    return connect(server.ws, additional_headers=headers, max_size=None, **kwargs)


async def receive(ws, kind: str | None = None, *, timeout: float = 15.0, where=None) -> dict:
    """The next message of `kind` (and matching `where`), skipping the others."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise AssertionError(f"no {kind or 'message'} within {timeout} s")
        message = json.loads(await asyncio.wait_for(ws.recv(), left))
        if (kind is None or message.get("type") == kind) and (where is None or where(message)):
            return message


def change(path: str, version: int, text: str) -> str:
    return json.dumps({"type": "change", "path": path, "version": version, "text": text})
