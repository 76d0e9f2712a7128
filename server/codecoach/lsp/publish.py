"""Publishing diagnostics: the one place a report reaches the editor."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from ..analysis.document import Report
from . import convert

if TYPE_CHECKING:
    from .server import CoachServer

log = logging.getLogger("codecoach")

# A learner's file with more mistakes than this needs the first ones fixed, not a wall of
# squiggles; the cap also bounds the work of one publish on the event loop.
MAX_DIAGNOSTICS = 100


def publish(ls: CoachServer, uri: str, report: Report) -> None:
    """Show `report` (at its version), the most urgent findings first when there are too many,
    and tell the coach the learner now sees it."""
    findings = report.findings
    if len(findings) > MAX_DIAGNOSTICS:
        # The most urgent first; building and sending hundreds would stall the event loop.
        findings = sorted(findings, key=lambda f: (f.severity, f.span.start))[:MAX_DIAGNOSTICS]
        if uri not in ls.capped:
            ls.capped.add(uri)
            log.info("%s has %d findings; showing the %d most important", uri.rsplit("/", 1)[-1],
                     len(report.findings), MAX_DIAGNOSTICS)
    codec = ls.workspace.position_codec
    diagnostics = [convert.to_diagnostic(f, report.lines, codec) for f in findings]
    ls.text_document_publish_diagnostics(
        lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=report.version)
    )
    ls.coach.published(uri, report)


def clear(ls: CoachServer, uri: str, version: int | None = None) -> None:
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[], version=version))
