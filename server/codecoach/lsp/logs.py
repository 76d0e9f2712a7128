"""Python logging -> the client's output channel (window/logMessage)."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

_TYPES = (
    (logging.ERROR, lsp.MessageType.Error),
    (logging.WARNING, lsp.MessageType.Warning),
    (logging.INFO, lsp.MessageType.Info),
)


class ClientLogHandler(logging.Handler):
    """Sends records to the client; safe to use from worker threads."""

    def __init__(self, server: LanguageServer) -> None:
        super().__init__(level=logging.INFO)
        self._server = server
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self.setFormatter(logging.Formatter("%(message)s"))

    def bind(self) -> None:
        """Remember the event loop: records from other threads are handed to it."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = self.format(record)
            kind = next((t for level, t in _TYPES if record.levelno >= level), lsp.MessageType.Log)
            params = lsp.LogMessageParams(type=kind, message=message)
            if self._loop is None or threading.get_ident() == self._loop_thread:
                self._server.window_log_message(params)
            elif not self._loop.is_closed():
                self._loop.call_soon_threadsafe(self._server.window_log_message, params)
        except Exception:  # noqa: BLE001 - logging must never raise into the caller
            self.handleError(record)
