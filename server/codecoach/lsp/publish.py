"""Publishing diagnostics: the one place a report reaches the editor."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from ..analysis.document import Report
from ..live import MAX_PUBLISHED, most_urgent
from . import convert

if TYPE_CHECKING:
    from .server import CoachServer

log = logging.getLogger("codecoach")

MAX_DIAGNOSTICS = MAX_PUBLISHED


def publish(ls: CoachServer, uri: str, report: Report) -> None:
    """Show `report` (at its version), the most urgent findings first when there are too many."""
    findings = most_urgent(report.findings, MAX_DIAGNOSTICS)
    if len(findings) < len(report.findings):
        if uri not in ls.capped:
            ls.capped.add(uri)
            log.info("%s has %d findings; showing the %d most important", uri.rsplit("/", 1)[-1],
                     len(report.findings), MAX_DIAGNOSTICS)
    codec = ls.workspace.position_codec
    diagnostics = [convert.to_diagnostic(f, report.lines, codec) for f in findings]
    ls.text_document_publish_diagnostics(
        lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=report.version)
    )


def clear(ls: CoachServer, uri: str, version: int | None = None) -> None:
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[], version=version))
