"""Translation between LSP types and the domain. No analysis happens here."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types as lsp
from pygls.workspace.position_codec import PositionCodec

from ..analysis.findings import Finding, Position, Severity, Span
from ..analysis.signals import Edit

SOURCE = "Code Coach"

_SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFORMATION: lsp.DiagnosticSeverity.Information,
    Severity.HINT: lsp.DiagnosticSeverity.Hint,
}


_TAGS = {"unnecessary": lsp.DiagnosticTag.Unnecessary, "deprecated": lsp.DiagnosticTag.Deprecated}


def _client_column(codec: PositionCodec, lines: Sequence[str], line: int, column: int) -> int:
    if not 0 <= line < len(lines):
        return 0
    text = lines[line].rstrip("\r\n")
    return codec.client_num_units(text[: min(column, len(text))])


def to_range(span: Span, lines: Sequence[str], codec: PositionCodec) -> lsp.Range:
    """Code point columns -> the negotiated encoding's units (UTF-16 for VS Code)."""
    last = max(len(lines) - 1, 0)
    start_line = min(span.start.line, last)
    end_line = min(span.end.line, len(lines))
    end_col = _client_column(codec, lines, end_line, span.end.column) if end_line <= last else 0
    return lsp.Range(
        start=lsp.Position(start_line, _client_column(codec, lines, start_line, span.start.column)),
        end=lsp.Position(end_line, end_col),
    )


def to_position(line: int, column: int, lines: Sequence[str], codec: PositionCodec) -> lsp.Position:
    """A code point position -> the negotiated encoding's units, clamped into the document."""
    line = min(max(line, 0), max(len(lines) - 1, 0))
    return lsp.Position(line, _client_column(codec, lines, line, column))


def to_diagnostic(finding: Finding, lines: Sequence[str], codec: PositionCodec) -> lsp.Diagnostic:
    return lsp.Diagnostic(
        range=to_range(finding.span, lines, codec),
        message=finding.message,
        severity=_SEVERITY[finding.severity],
        code=finding.rule_id,
        code_description=lsp.CodeDescription(href=finding.docs_href),
        source=SOURCE,
        tags=[_TAGS[t] for t in finding.tags if t in _TAGS] or None,
        data={"rule": finding.rule_id, "concepts": list(finding.concepts), "origin": finding.source.value},
    )


def from_position(position: lsp.Position, lines: Sequence[str], codec: PositionCodec) -> Position:
    """A client position -> code points, clamped into the document."""
    if not lines:
        return Position(0, 0)
    line = min(max(position.line, 0), len(lines) - 1)
    text = lines[line].rstrip("\r\n")
    units, column = 0, 0
    for char in text:
        if units >= position.character:
            break
        units += codec.client_num_units(char)
        column += 1
    return Position(line, column)


def to_edit(change: lsp.TextDocumentContentChangeEvent, line_count: int, at: float) -> Edit:
    """A content change as the behaviour tracker sees it. Line numbers do not depend
    on the position encoding, so no text is needed."""
    if isinstance(change, lsp.TextDocumentContentChangePartial):
        start, end = change.range.start, change.range.end
        return Edit(start.line, end.line, (start.line, start.character) != (end.line, end.character), at)
    return Edit(0, max(line_count - 1, 0), True, at)  # a full replacement rewrites everything
