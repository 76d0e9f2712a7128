"""`codecoach web`: bind, print the dashboard URL with its token, serve until Ctrl+C.

The socket is bound here, before uvicorn starts, so that a port in use is one clear
sentence rather than a traceback, and `--port 0` can print the port it got. Signals are
handled here too (not by uvicorn, which re-raises them after shutting down): the first
Ctrl+C or SIGTERM shuts down cleanly (the memory is flushed), a second one forces it.
`codecoach watch` runs the same server inside its own process.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import re
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..providers.keys import is_loopback
from .access import TOKEN_ENV, WILDCARDS, Access, check_token, new_token
from .protocol import HARD_FRAME_BYTES

log = logging.getLogger("codecoach")

EXIT_OK, EXIT_USAGE = 0, 2


class UsageError(Exception):
    """A command-line mistake: printed as one line, exit 2."""


@dataclass(frozen=True)
class Options:
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    allow_remote: bool = False
    public_url: str | None = None
    settings: Path | None = None
    log_level: str = "info"


def resolve_token(given: str | None) -> tuple[str, str]:
    """(token, where it came from): --token, then CODECOACH_WEB_TOKEN, else a new random one."""
    for value, source in ((given, "--token"), (os.environ.get(TOKEN_ENV), TOKEN_ENV)):
        if value:
            try:
                return check_token(value), source
            except ValueError as error:
                raise UsageError(f"{source}: {error}") from None
    return new_token(), "random"


def check_binding(options: Options) -> None:
    if not is_loopback(options.host) and not options.allow_remote:
        raise UsageError(f"--host {options.host} lets other machines reach the coach; add --allow-remote to mean it "
                         "(then the token is the only lock: serve it over TLS, see docs/web.md)")
    if options.public_url and not re.match(r"^https?://[^/?#\s]+/?$", options.public_url):
        raise UsageError(f"--public-url must be like https://coach.example.org, not {options.public_url!r}")


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host.strip("[]"), port), family=family, backlog=512)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} on {host} is in use; choose another with --port (0 picks a free one)") \
                from None
        raise UsageError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def read_settings(path: Path | None) -> dict:
    """The settings file: one JSON object with the editor's keys (docs/settings.md), e.g. {"debounceMs": 200}."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"--settings {path}: cannot read it ({error.strerror or error})") from None
    except ValueError as error:
        raise UsageError(f"--settings {path}: not JSON ({error})") from None
    if not isinstance(data, dict):
        raise UsageError(f"--settings {path}: expected one JSON object of settings")
    return data


def dashboard_url(options: Options, port: int, token: str) -> str:
    if options.public_url:
        base = options.public_url.rstrip("/")
    else:
        host = options.host
        if host in WILDCARDS:
            host = socket.gethostname()
        elif ":" in host and not host.startswith("["):
            host = f"[{host}]"
        base = f"http://{host}:{port}"
    return f"{base}/?token={token}"


class TokenInLogs(logging.Filter):
    """uvicorn logs paths with their query strings: `?token=` must not end up in a terminal's scrollback."""

    pattern = re.compile(r"(token=)[^&\s\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(self.pattern.sub(r"\1…", a) if isinstance(a, str) else a
                                for a in (record.args if isinstance(record.args, tuple) else (record.args,)))
        return True


class DeniedHandshakeNoise(logging.Filter):
    """uvicorn 0.54's sans-I/O WebSocket protocol logs an error after every handshake answered with an
    HTTP status (our 400/401/403: the ASGI denial-response extension) because it never marks that
    handshake complete. Nothing failed; the client got its status. Drop that one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing handshake."


def setup_logging(level: str) -> None:
    numeric = getattr(logging, level.upper(), logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s", "%H:%M:%S"))
    for name in ("codecoach", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(numeric)
        logger.propagate = False
    for name in ("uvicorn.access", "uvicorn.error"):  # the WebSocket lines are uvicorn.error's
        logging.getLogger(name).addFilter(TokenInLogs())
    logging.getLogger("uvicorn.error").addFilter(DeniedHandshakeNoise())


def new_server(app: Any, log_level: str) -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self):  # serve_until_stopped handles them
            yield

    config = uvicorn.Config(
        app, log_config=None, log_level=log_level, lifespan="on", ws_max_size=HARD_FRAME_BYTES,
        # Small JSON on a local or proxied link: compressing it costs CPU the analyses need.
        ws_per_message_deflate=False, server_header=False, timeout_graceful_shutdown=5)
    return Server(config)


async def serve_until_stopped(server: Any, sock: socket.socket, *, stopped: asyncio.Event | None = None,
                              signals: bool = True) -> None:
    """Serve on `sock` until SIGINT/SIGTERM (with `signals`) or `stopped`; a second signal forces the shutdown."""
    loop = asyncio.get_running_loop()

    def stop() -> None:
        if server.should_exit:
            server.force_exit = True
        server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM) if signals else ():
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop)
    watcher = None
    if stopped is not None:
        async def wait_stop() -> None:
            await stopped.wait()
            stop()

        watcher = loop.create_task(wait_stop())
    try:
        await server.serve(sockets=[sock])
    finally:
        if watcher is not None:
            watcher.cancel()


def build(options: Options, token: str) -> tuple[Any, socket.socket, Access]:
    """The coach, its app and the bound socket (imports the web stack)."""
    from ..coach import Coach
    from ..scheduling import tune_for_latency
    from .app import build_app

    settings = read_settings(options.settings)
    sock = bind(options.host, options.port)
    port = sock.getsockname()[1]
    access = Access.for_binding(options.host, port, token, options.public_url)
    coach = Coach()  # the data folder: memory.paths.data_dir() (CODECOACH_DATA_DIR, else the default)
    app = build_app(coach, access)
    web = app.state.web
    for problem in web.live.configure(settings, web.documents.status_changed):
        log.warning("settings: %s", problem)
    tune_for_latency()
    return app, sock, access


def missing_web_extra() -> str | None:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as error:
        return (f"codecoach web needs the web extra ({error.name} is missing): "
                "pip install 'codecoach[web]'")
    return None


def run(options: Options) -> int:
    """`codecoach web`."""
    setup_logging(options.log_level)
    try:
        check_binding(options)
        token, source = resolve_token(options.token)
        problem = missing_web_extra()
        if problem:
            raise UsageError(problem)
        app, sock, access = build(options, token)
    except UsageError as error:
        print(f"codecoach: {error}", file=sys.stderr)
        return EXIT_USAGE
    port = sock.getsockname()[1]
    if not is_loopback(options.host):
        log.warning("Listening on %s:%s: other machines can reach this coach; everything but /health needs the "
                    "token (%s). Serve it over TLS for a classroom (docs/web.md).", options.host, port,
                    "set with " + source if source != "random" else "random, new at each start")
    log.info("Code Coach web is running on %s:%s (Host names: %s)", options.host, port,
             ", ".join(sorted(access.hosts)) + (", any IP address" if access.any_ip else ""))
    # Whatever the log level, as Jupyter does: without it nobody can open the page.
    print(f"To open the dashboard, open this URL in a browser:\n\n    {dashboard_url(options, port, token)}\n",
          file=sys.stderr, flush=True)
    server = new_server(app, options.log_level)
    try:
        asyncio.run(serve_until_stopped(server, sock))
    finally:
        sock.close()
    log.info("Code Coach web stopped")
    return EXIT_OK
