"""textDocument/inlayHint: what each line printed when the examples last ran, after the line.

The values come from `Coach.printed_hints`; this module only turns them into
LSP hints in the negotiated position encoding, and asks the editor to re-pull
them after a run (`workspace/inlayHint/refresh`, when the client supports it).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from . import convert

if TYPE_CHECKING:
    from .server import CoachServer

log = logging.getLogger("codecoach")

OPTIONS = lsp.InlayHintOptions(resolve_provider=False)


def on_inlay_hint(ls: CoachServer, params: lsp.InlayHintParams) -> list[lsp.InlayHint] | None:
    uri = params.text_document.uri
    report = ls.coach.last_report(uri)
    if report is None:  # never opened, or not analyzed yet (and no disk read)
        return None
    first, last = params.range.start.line, params.range.end.line
    codec = ls.workspace.position_codec
    hints = []
    for hint in ls.coach.printed_hints(uri):
        if not first <= hint.line <= last:
            continue
        at = convert.to_position(hint.line, hint.column, report.lines, codec)
        hints.append(lsp.InlayHint(position=at, label=hint.label, kind=None, tooltip=hint.tooltip,
                                   padding_left=True))
    return hints


def refresh_supported(capabilities: lsp.ClientCapabilities) -> bool:
    workspace = capabilities.workspace
    inlay = workspace.inlay_hint if workspace is not None else None
    return bool(inlay is not None and inlay.refresh_support)


class Refresher:
    """Asks the editor to re-pull inlay hints, at most once per turn of the event loop (a run
    that covered several documents asks once: the request is for the whole workspace)."""

    def __init__(self, ls: CoachServer) -> None:
        self._ls = ls
        self._queued = False
        self.supported = False

    def request(self) -> None:
        if not self.supported or self._queued or self._ls.loop is None:
            return
        self._queued = True
        self._ls.loop.call_soon(self._send)

    def _send(self) -> None:
        self._queued = False
        try:
            future = self._ls.workspace_inlay_hint_refresh(None)
        except Exception:  # noqa: BLE001 - a client that cannot refresh still pulls on its own
            log.debug("inlay hint refresh failed", exc_info=True)
            return
        future.add_done_callback(_quietly)


def _quietly(future) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.debug("The editor did not take the inlay hint refresh: %s", future.exception())
