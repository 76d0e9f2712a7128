"""textDocument/hover: the coach's explanation of the findings under the cursor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from . import convert

if TYPE_CHECKING:
    from .server import CoachServer


def on_hover(ls: CoachServer, params: lsp.HoverParams) -> lsp.Hover | None:
    uri = params.text_document.uri
    report = ls.coach.last_report(uri)
    if report is None:  # never opened, or not analyzed yet: nothing to say (and no disk read)
        return None
    codec = ls.workspace.position_codec
    hover = ls.coach.hover_at(uri, convert.from_position(params.position, report.lines, codec), markdown=ls.markdown)
    if hover is None:
        return None
    return lsp.Hover(
        contents=lsp.MarkupContent(kind=ls.hover_kind, value=hover.text),
        range=convert.to_range(hover.span, hover.lines, codec),
    )
