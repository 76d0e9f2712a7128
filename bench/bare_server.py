"""The baseline: a minimal pygls 2 language server that does no analysis.

It publishes an empty diagnostics list (with the document's version) on
didOpen and on every didChange, and answers hovers with nothing. With
`--debounce-ms N` a didChange publishes N ms after the last change of the
document instead (an asyncio timer per document, as Code Coach does): the
baseline for "latency beyond the debounce". Cold start,
latency, CPU and memory of Code Coach are compared with it in the same run:
what is left over is the coach's own cost, not pygls', lsprotocol's or the
interpreter's.

    python bench/bare_server.py [--debounce-ms N]     # speaks LSP over stdio
"""

from __future__ import annotations

import asyncio
import sys

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

server = LanguageServer("bare-pygls", "1", text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
DEBOUNCE_S = 0.0
pending: dict[str, asyncio.Task] = {}


def _publish(ls: LanguageServer, uri: str) -> None:
    document = ls.workspace.text_documents.get(uri)
    version = document.version if document is not None else None
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[], version=version))


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def on_open(ls: LanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri)


async def _later(ls: LanguageServer, uri: str) -> None:
    await asyncio.sleep(DEBOUNCE_S)
    _publish(ls, uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def on_change(ls: LanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    if DEBOUNCE_S <= 0:
        _publish(ls, uri)
        return
    previous = pending.pop(uri, None)
    if previous is not None:
        previous.cancel()
    pending[uri] = asyncio.get_running_loop().create_task(_later(ls, uri))


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def on_hover(ls: LanguageServer, params: lsp.HoverParams) -> lsp.Hover | None:
    return None


if __name__ == "__main__":
    if "--debounce-ms" in sys.argv:
        DEBOUNCE_S = int(sys.argv[sys.argv.index("--debounce-ms") + 1]) / 1000
    server.start_io()
