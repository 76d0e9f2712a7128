"""One language server process driven over stdio by pygls' own client.

The client announces VS Code's capabilities (from pytest-lsp's recorded
capability files: UTF-16 positions, markdown hovers) and records the arrival
time of every publishDiagnostics by (uri, version). The server runs in its own
process group so that everything it starts can be stopped.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence

from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient

from common import REPO, kill_pid_group, proc_cpu_seconds, proc_status_kb

CODECOACH = [sys.executable, "-m", "codecoach", "serve"]
BARE = [sys.executable, str(REPO / "bench" / "bare_server.py")]


def vscode_capabilities() -> lsp.ClientCapabilities:
    try:
        from pytest_lsp import client_capabilities

        return client_capabilities("visual-studio-code")
    except Exception:  # noqa: BLE001 - pytest-lsp is a test dependency; fall back to the essentials
        return lsp.ClientCapabilities(
            general=lsp.GeneralClientCapabilities(position_encodings=[lsp.PositionEncodingKind.Utf16]),
            text_document=lsp.TextDocumentClientCapabilities(
                hover=lsp.HoverClientCapabilities(content_format=[lsp.MarkupKind.Markdown, lsp.MarkupKind.PlainText]),
                publish_diagnostics=lsp.PublishDiagnosticsClientCapabilities(version_support=True),
            ),
        )


def server_env(data_dir: str | None = None) -> dict[str, str]:
    """No key, no network, a private data folder: the offline coach."""
    env = {k: v for k, v in os.environ.items() if k not in ("GOOGLE_API_KEY", "GEMINI_API_KEY")}
    env["CODECOACH_DATA_DIR"] = data_dir or tempfile.mkdtemp(prefix="codecoach-bench-")
    env["PYTHONPATH"] = str(REPO / "server") + os.pathsep + env.get("PYTHONPATH", "")
    # To compare with another version of the server: CODECOACH_BENCH_SERVER_SRC=/tmp/old/server
    # (e.g. from `git archive REF server | tar -x -C /tmp/old`) goes first on the server's path.
    other = os.environ.get("CODECOACH_BENCH_SERVER_SRC")
    if other:
        env["PYTHONPATH"] = other + os.pathsep + env["PYTHONPATH"]
    return env


class Session:
    def __init__(self, command: Sequence[str]) -> None:
        self.command = list(command)
        self.client = LanguageClient("codecoach-bench", "1")
        self.published: dict[tuple[str, int | None], tuple[float, list[lsp.Diagnostic]]] = {}
        self.publish_times: list[float] = []
        self._waiters: dict[tuple[str, int | None], asyncio.Future] = {}
        self.pid: int | None = None
        self.started_at = 0.0
        self.data_dir = tempfile.mkdtemp(prefix="codecoach-bench-")  # removed by stop()

        @self.client.feature(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _published(ls, params: lsp.PublishDiagnosticsParams) -> None:
            at = time.perf_counter()
            key = (params.uri, params.version)
            self.published.setdefault(key, (at, params.diagnostics))
            self.publish_times.append(at)
            waiter = self._waiters.pop(key, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(at)

        for method in (lsp.WINDOW_LOG_MESSAGE, lsp.WINDOW_SHOW_MESSAGE, "codecoach/status", "$/progress"):
            self.client.feature(method)(lambda ls, params: None)

    async def start(self, options: dict | None = None, timeout: float = 30.0) -> float:
        """Start the process, initialize; return seconds from spawn to the initialize reply."""
        self.started_at = time.perf_counter()
        await self.client.start_io(
            *self.command, env=server_env(self.data_dir), cwd=str(REPO), start_new_session=True
        )
        self.pid = self.client._server.pid if self.client._server is not None else None  # noqa: SLF001
        await asyncio.wait_for(
            self.client.initialize_async(
                lsp.InitializeParams(
                    capabilities=vscode_capabilities(),
                    process_id=os.getpid(),
                    root_uri=None,
                    initialization_options=options or {},
                )
            ),
            timeout,
        )
        self.client.initialized(lsp.InitializedParams())
        return time.perf_counter() - self.started_at

    # -- documents -------------------------------------------------------
    def expect(self, uri: str, version: int | None) -> asyncio.Future:
        """A future for the publish of (uri, version), registered before the change is sent."""
        fut = asyncio.get_running_loop().create_future()
        hit = self.published.get((uri, version))
        if hit is not None:
            fut.set_result(hit[0])
        else:
            self._waiters[(uri, version)] = fut
        return fut

    def forget(self, uri: str, version: int | None) -> None:
        fut = self._waiters.pop((uri, version), None)
        if fut is not None and not fut.done():
            fut.cancel()

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                text_document=lsp.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
            )
        )

    def change(self, uri: str, version: int, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    lsp.TextDocumentContentChangePartial(
                        range=lsp.Range(start=lsp.Position(*start), end=lsp.Position(*end)), text=text
                    )
                ],
            )
        )

    def close(self, uri: str) -> None:
        self.client.text_document_did_close(
            lsp.DidCloseTextDocumentParams(text_document=lsp.TextDocumentIdentifier(uri=uri))
        )

    async def hover(self, uri: str, line: int, character: int, timeout: float = 10.0) -> tuple[float, lsp.Hover | None]:
        started = time.perf_counter()
        result = await asyncio.wait_for(
            self.client.text_document_hover_async(
                lsp.HoverParams(
                    text_document=lsp.TextDocumentIdentifier(uri=uri), position=lsp.Position(line, character)
                )
            ),
            timeout,
        )
        return time.perf_counter() - started, result

    # -- the process -----------------------------------------------------
    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.pid) if self.pid else float("nan")

    def peak_rss_mb(self) -> float:
        kb = proc_status_kb(self.pid, "VmHWM") if self.pid else None
        return kb / 1024 if kb else float("nan")

    def heavy_modules(self) -> list[str]:
        """Native libraries of the heavy modules mapped into the server (from /proc/PID/maps)."""
        names = {
            "chromadb": "chromadb", "onnxruntime": "onnxruntime", "tokenizers": "tokenizers",
            "numpy": "numpy", "torch": "torch", "grpc": "grpc",
        }
        try:
            maps = open(f"/proc/{self.pid}/maps", encoding="utf-8", errors="replace").read()
        except OSError:
            return []
        return sorted(label for needle, label in names.items() if f"/{needle}" in maps)

    async def stop(self, timeout: float = 20.0) -> None:
        try:
            if self.client._server is not None and self.client._server.returncode is None:  # noqa: SLF001
                try:
                    await asyncio.wait_for(self.client.shutdown_async(None), timeout)
                    self.client.exit(None)
                except Exception:  # noqa: BLE001 - a dead server is stopped below anyway
                    pass
                try:
                    await asyncio.wait_for(self.client._server.wait(), timeout)  # noqa: SLF001
                except (asyncio.TimeoutError, Exception):  # noqa: BLE001
                    pass
        finally:
            if self.pid:
                kill_pid_group(self.pid)
            try:
                await asyncio.wait_for(self.client.stop(), timeout)
            except (asyncio.TimeoutError, Exception):  # noqa: BLE001
                pass
            shutil.rmtree(self.data_dir, ignore_errors=True)
