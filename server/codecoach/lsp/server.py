"""The pygls language server: one object holding the coach, the workers and the timers.

`router.build_server()` registers every route on it explicitly (nothing
registers itself by being imported). The handlers live one feature per module
(lifecycle, documents, hover, inlay_hints, code_actions, commands); they translate between
LSP and the `Coach` facade and schedule work, and nothing else.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from .. import __version__
from ..coach import Coach
from ..live import MAX_ANALYZED_CHARS, LiveDocuments
from .documents import EditorDocuments
from .inlay_hints import Refresher
from .logs import ClientLogHandler
from .pygls_adapter import CoachProtocol

__all__ = ["MAX_ANALYZED_CHARS", "CoachServer"]

log = logging.getLogger("codecoach")

STATUS = "codecoach/status"


class CoachServer(LanguageServer):
    def __init__(self, coach: Coach | None = None) -> None:
        super().__init__("code-coach", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
                         protocol_cls=CoachProtocol)
        self.coach = coach or Coach()
        self.live = LiveDocuments(self.coach, EditorDocuments(self))
        self.hover_kind = lsp.MarkupKind.PlainText
        self.loop: asyncio.AbstractEventLoop | None = None
        self.log_handler = ClientLogHandler(self)
        self.capped: set[str] = set()  # documents whose findings were cut to MAX_DIAGNOSTICS (told once)
        self.inlay_refresh = Refresher(self)  # printed values changed: the editor re-pulls its inlay hints

    @property
    def markdown(self) -> bool:
        return self.hover_kind == lsp.MarkupKind.Markdown

    def apply_settings(self, raw: Any) -> None:
        for problem in self.live.configure(raw, self.status_changed):
            log.warning(problem)
        level = self.coach.settings.log.level
        self.log_handler.setLevel(level)
        log.setLevel(level)

    # -- status ----------------------------------------------------------
    def status_changed(self, _payload: dict | None = None) -> None:
        """Called from any thread when the cloud state changes: send the status from the loop."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self.send_status)

    def send_status(self) -> None:
        payload = self.coach.status()
        log.info("Status: %s", payload.get("message", payload.get("state")))
        self.protocol.notify(STATUS, payload)

    def report_server_error(self, error: Exception, source: Any) -> None:
        # pygls would pop up a message for every failed notification; a coach
        # that nags about its own bugs is worse than one that logs them.
        log.error("Internal error (%s): %s", getattr(source, "__name__", source), error)
