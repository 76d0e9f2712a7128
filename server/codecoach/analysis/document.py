"""One open document as the coach sees it: its text, how it is being edited,
and what the last analysis found. Free of any editor protocol."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from .engine import Analysis, Analyzer, apply_preferences
from .findings import Finding, Severity, split_lines
from .signals import BehaviourTracker, Edit, Thresholds


@dataclass(frozen=True)
class Preferences:
    disabled: frozenset[str] = frozenset()
    severity: dict[str, Severity] = field(default_factory=dict)
    thresholds: Thresholds = field(default_factory=Thresholds)


@dataclass(frozen=True)
class Report:
    """What one analysis of one version produced, and how it differs from the previous one."""

    version: int | None
    lines: list[str]
    analysis: Analysis
    findings: list[Finding]
    new: list[Finding]
    fixed: list[Finding]


def identity(finding: Finding, lines: list[str]) -> tuple:
    """Stable across edits elsewhere: rule and the text of the line, not its number."""
    line = finding.span.start.line
    text = lines[line].strip() if 0 <= line < len(lines) else ""
    return (finding.rule_id, text)


class DocumentSession:
    def __init__(self, path: str, analyzer: Analyzer) -> None:
        self.path = path
        self._analyzer = analyzer
        self._tracker = BehaviourTracker()
        self._lock = threading.Lock()
        self._previous: dict[tuple, Finding] = {}
        self.last: Report | None = None

    def record_edit(self, edit: Edit) -> None:
        with self._lock:
            self._tracker.record_edit(edit)

    def analyze(self, text: str, version: int | None, prefs: Preferences, now: float) -> Report:
        """Analyze one version. Called from a worker thread, one call at a time per document."""
        lines = split_lines(text)
        analysis = self._analyzer.analyze(text)
        with self._lock:
            self._tracker.thresholds = prefs.thresholds
            hints = self._tracker.observe(analysis, lambda f: identity(f, lines), now)
        findings = apply_preferences(analysis.findings + hints, prefs.disabled, prefs.severity)
        new, fixed = self._delta(analysis, lines)
        report = Report(version, lines, analysis, findings, new, fixed)
        self.last = report
        return report

    def _delta(self, analysis: Analysis, lines: list[str]) -> tuple[list[Finding], list[Finding]]:
        """Findings that appeared and that disappeared since the last analysis that parsed.

        A file that does not parse has not fixed anything: while it is broken the
        previous findings are kept as they were.
        """
        if not analysis.syntax_ok:
            return [], []
        current = {identity(f, lines): f for f in analysis.findings}
        new = [f for key, f in current.items() if key not in self._previous]
        fixed = [f for key, f in self._previous.items() if key not in current]
        self._previous = current
        return new, fixed

    def findings_at(self, line: int, column: int) -> list[Finding]:
        report = self.last
        if report is None:
            return []
        from .findings import Position

        pos = Position(line, column)
        return [f for f in report.findings if f.span.contains(pos)]
