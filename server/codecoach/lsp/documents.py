"""didOpen, didChange, didClose: a document's life; the timing of its analyses is `live.LiveDocuments`'."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from ..analysis.document import Report
from . import convert, publish

if TYPE_CHECKING:
    from .server import CoachServer

__all__ = ["EditorDocuments", "on_change", "on_close", "on_open"]


class EditorDocuments:
    """The language server as `live.Frontend`: documents are pygls' workspace, reports diagnostics."""

    def __init__(self, ls: CoachServer) -> None:
        self._ls = ls

    def current(self, uri: str) -> tuple[str, int | None] | None:
        document = self._ls.workspace.text_documents.get(uri)
        return (document.source, document.version) if document is not None else None

    def publish(self, uri: str, report: Report) -> None:
        publish.publish(self._ls, uri, report)

    def too_large(self, uri: str, size: int, version: int | None, message: str) -> None:
        publish.clear(self._ls, uri, version)
        if message:
            self._ls.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Info, message=message))

    def examples_ran(self, uri: str) -> None:
        self._ls.inlay_refresh.request()

    def remembered(self, uri: str) -> None:
        pass  # the editor shows nothing for it


def on_open(ls: CoachServer, params: lsp.DidOpenTextDocumentParams) -> None:
    ls.live.opened(params.text_document.uri)


def on_change(ls: CoachServer, params: lsp.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    if not ls.coach.is_open(uri):
        return
    now = time.time()
    document = ls.workspace.text_documents.get(uri)
    line_count = document.line_count if document is not None else 0
    for change in params.content_changes:
        ls.coach.record_edit(uri, convert.to_edit(change, line_count, now))
    ls.live.changed(uri)


def on_close(ls: CoachServer, params: lsp.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.live.closed(uri)
    ls.capped.discard(uri)
    publish.clear(ls, uri)
