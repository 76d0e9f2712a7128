"""`codecoach watch [DIR] [--url URL]`: each saved `.py` file of a folder goes to `/ws/stream`, and its
findings are printed as they come, in `codecoach analyze`'s words.

For learners whose editor has no LSP client (IDLE, Thonny, a plain editor): save, and read.
Without `--url` it starts its own local server in this process (same coach, same memory,
its dashboard URL printed). The watcher reads the learner's own folder; the server never
reads a file. A lost connection to a remote server is retried; Ctrl+C stops cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..sources import file_report, read_source, skipped_dir
from .access import TOKEN_ENV
from .protocol import MAX_MESSAGE_BYTES, BadMessage, document_path
from .server import (
    EXIT_OK,
    EXIT_USAGE,
    Options,
    UsageError,
    build,
    dashboard_url,
    missing_web_extra,
    new_server,
    serve_until_stopped,
    setup_logging,
)

log = logging.getLogger("codecoach")

RETRY_SECONDS = (0.5, 1, 2, 5)


def stream_url(url: str) -> tuple[str, str | None]:
    """(ws://host:port/ws/stream, the token in the URL if any) from http://host:port[/prefix][?token=T]."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "https", "ws", "wss") or not parts.netloc:
        raise UsageError(f"--url must be like http://127.0.0.1:8000, not {url!r}")
    query = dict(parse_qsl(parts.query))
    token = query.pop("token", None)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = parts.path.rstrip("/")
    if not path.endswith("/ws/stream"):
        path += "/ws/stream"
    return urlunsplit((scheme, parts.netloc, path, urlencode(query), "")), token


class Watcher:
    """Sends saved files, prints what comes back."""

    def __init__(self, folder: Path, out: Callable[[str], None]) -> None:
        self.folder = folder
        self.out = out
        self.versions: dict[str, int] = {}
        self.printed: dict[str, str] = {}  # path -> the last block printed (a repeat is not printed)
        self.sent: set[str] = set()
        self.status = ""

    def message_for(self, file: Path, deleted: bool) -> str | None:
        """The change (or close) to send for a file event, or None when it is not a file to coach."""
        try:
            relative = file.resolve().relative_to(self.folder)
        except ValueError:
            return None
        if any(skipped_dir(part) for part in relative.parts[:-1]):
            return None
        try:
            path = document_path(relative.as_posix())
        except BadMessage:
            return None
        if deleted:
            if path not in self.sent:
                return None
            self.sent.discard(path)
            return json.dumps({"type": "close", "path": path})
        try:
            text = read_source(file)
        except ValueError as error:
            self.out(f"codecoach: {error}\n")
            return None
        version = self.versions.get(path, 0) + 1
        message = json.dumps({"type": "change", "path": path, "version": version, "text": text})
        if len(message.encode()) > MAX_MESSAGE_BYTES:
            self.out(f"codecoach: {path}: too large to send (more than {MAX_MESSAGE_BYTES // 1024} KB)\n")
            return None
        self.versions[path] = version
        self.sent.add(path)
        return message

    def received(self, frame: str) -> None:
        try:
            message = json.loads(frame)
        except ValueError:
            return
        kind = message.get("type")
        if kind == "analysis":
            path = str(message.get("path", ""))
            if message.get("notice"):
                self.out(f"codecoach: {message['notice']}\n")
            block = file_report(path, message.get("findings") or [], message.get("concepts") or {})
            if self.printed.get(path) != block:  # a later analysis of the same text that adds nothing
                self.printed[path] = block
                self.out(block + "\n")
        elif kind == "status":
            text = str(message.get("message") or message.get("state") or "")
            if text and text != self.status:
                self.status = text
                self.out(f"Code Coach: {text}\n")
        elif kind == "error":
            self.out(f"codecoach: the server says: {message.get('message', '')}\n")

    def reset(self) -> None:
        """A new connection: the server knows nothing of our versions."""
        self.versions.clear()
        self.sent.clear()


def _print(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


async def watch(folder: Path, url: str, token: str, stopped: asyncio.Event, *, banner: str = "",
                out: Callable[[str], None] = _print) -> None:
    """Until `stopped`: watch `folder`, stream saved files to `url` (a ws:// URL), print the answers;
    `banner` once the first connection is up."""
    from watchfiles import Change, PythonFilter, awatch
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    watcher = Watcher(folder, out)
    headers = {"Authorization": f"Bearer {token}"}
    attempt = 0
    changes = awatch(folder, stop_event=stopped, watch_filter=PythonFilter(), debounce=200, step=50)
    # Started at once: the folder is watched from before the banner says so.
    pending: asyncio.Task | None = asyncio.ensure_future(anext(changes))
    try:
        while not stopped.is_set():
            try:
                async with connect(url, additional_headers=headers, max_size=None, open_timeout=10,
                                   ping_interval=20) as ws:
                    attempt = 0
                    watcher.reset()
                    if banner:
                        out(banner)
                        banner = ""

                    async def receive() -> None:
                        async for frame in ws:
                            watcher.received(frame if isinstance(frame, str) else frame.decode())

                    receiver = asyncio.ensure_future(receive())
                    try:
                        while not stopped.is_set():
                            if pending is None:
                                pending = asyncio.ensure_future(anext(changes))
                            done, _ = await asyncio.wait({pending, receiver}, return_when=asyncio.FIRST_COMPLETED)
                            if receiver in done:
                                receiver.result()  # raises ConnectionClosed when the server went away
                                break
                            batch, pending = pending.result(), None
                            for change, name in sorted(batch, key=lambda item: item[1]):
                                message = watcher.message_for(Path(name), change == Change.deleted)
                                if message is not None:
                                    await ws.send(message)
                    finally:
                        receiver.cancel()
                        with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                            await receiver
            except StopAsyncIteration:
                break  # the watcher stopped: Ctrl+C
            except InvalidStatus as error:
                status = error.response.status_code
                if status in (400, 401, 403):
                    raise UsageError(f"{url} refused the connection (HTTP {status}): "
                                     + ("check the token" if status == 401 else "check the URL")) from None
                out(f"codecoach: {url} answered HTTP {status}; retrying\n")
            except (OSError, ConnectionClosed, asyncio.TimeoutError) as error:
                if stopped.is_set():
                    break
                out(f"codecoach: no connection to {url} ({error or type(error).__name__}); retrying\n")
            if stopped.is_set():
                break
            await _sleep_or_stop(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)], stopped)
            attempt += 1
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration, Exception):
                await pending


async def _sleep_or_stop(seconds: float, stopped: asyncio.Event) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stopped.wait(), seconds)


def run(folder: Path, *, url: str | None = None, token: str | None = None) -> int:
    """`codecoach watch`."""
    setup_logging("warning")
    try:
        problem = missing_web_extra()
        if problem:
            raise UsageError(problem.replace("codecoach web", "codecoach watch"))
        if not folder.is_dir():
            raise UsageError(f"{folder}: no such folder")
        folder = folder.resolve()
        return asyncio.run(_main(folder, url, token))
    except UsageError as error:
        print(f"codecoach: {error}", file=sys.stderr)
        return EXIT_USAGE


async def _main(folder: Path, url: str | None, token: str | None) -> int:
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopped.set)
    if url is not None:
        target, in_url = stream_url(url)
        token = token or in_url or os.environ.get(TOKEN_ENV)
        if not token:
            raise UsageError(f"--url needs the server's token: --token, {TOKEN_ENV}, or ?token= in the URL")
        await watch(folder, target, token, stopped,
                    banner=f"Watching {folder} for saved .py files; findings from {url}. Ctrl+C stops.\n\n")
        return EXIT_OK

    from .access import new_token

    token = new_token()
    options = Options(host="127.0.0.1", port=0)
    app, sock, _access = build(options, token)
    server = new_server(app, "warning")
    port = sock.getsockname()[1]
    serving = loop.create_task(serve_until_stopped(server, sock, stopped=stopped, signals=False))
    while not server.started and not serving.done():
        await asyncio.sleep(0.02)
    if serving.done():
        serving.result()
        return 1
    try:
        await watch(folder, f"ws://127.0.0.1:{port}/ws/stream", token, stopped,
                    banner=f"Watching {folder} for saved .py files. Ctrl+C stops.\n"
                           f"Dashboard: {dashboard_url(options, port, token)}\n\n")
    finally:
        stopped.set()
        await serving  # shuts the server down: what was shown is remembered, the memory flushed
        sock.close()
    return EXIT_OK
