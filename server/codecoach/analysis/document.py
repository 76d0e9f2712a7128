"""One open document as the coach sees it: its text, how it is being edited,
and what the last analysis found. Free of any editor protocol."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

from .engine import Analysis, Analyzer, apply_preferences
from .findings import Finding, Severity, Source, split_lines
from .fingerprint import numbered_occurrences, occurrence_key
from .signals import BehaviourTracker, Edit, Thresholds


@dataclass(frozen=True)
class Preferences:
    disabled: frozenset[str] = frozenset()
    severity: dict[str, Severity] = field(default_factory=dict)
    thresholds: Thresholds = field(default_factory=Thresholds)


@dataclass(frozen=True)
class Report:
    """What one analysis of one version produced."""

    version: int | None
    lines: list[str]
    analysis: Analysis
    findings: list[Finding]

    @property
    def offline_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.source is not Source.GEMINI]


def identity(finding: Finding, lines: list[str]) -> tuple:
    """Stable across edits elsewhere and reformatting: the rule, the fingerprint of its
    line (not its number) and the message; the memory keys occurrences the same way."""
    return occurrence_key(finding, lines)


class DocumentSession:
    def __init__(self, path: str, analyzer: Analyzer) -> None:
        self.path = path
        self._analyzer = analyzer
        self._tracker = BehaviourTracker()
        self._lock = threading.Lock()
        self._previous: dict[tuple, Finding] = {}
        self._shown: set[tuple] = set()
        self._settled: Report | None = None
        # Cloud findings and the text they were computed on: they follow their lines
        # through later edits until the next cloud answer replaces them.
        self._cloud: list[Finding] = []
        self._cloud_lines: list[str] = []
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
        return Report(version, lines, analysis, findings)

    def commit(self, report: Report) -> None:
        """The report is now what the learner sees (hovers and commands read it)."""
        self.last = report

    def settle(self) -> tuple[Report, list[Finding], list[Finding]] | None:
        """The learner paused on the current report: (report, new mistakes, fixed mistakes)
        since the last pause, or None if nothing was shown since.

        Deltas are taken between settled reports, so a mistake that only flickered by
        while typing (an undefined name half typed) is never a struggle, and a fix is a
        mistake that was there at one pause and gone at the next. A file that does not
        parse has not fixed anything: while it is broken the previous findings stand.
        """
        report = self.last
        if report is None or report is self._settled:
            return None
        self._settled = report
        shown = numbered_occurrences(report.findings, report.lines)
        new = [f for key, f in shown.items() if key not in self._shown]
        self._shown = set(shown)
        if not report.analysis.syntax_ok:
            return report, new, []
        current = numbered_occurrences(report.analysis.findings, report.lines)
        fixed = [f for key, f in self._previous.items() if key not in current]
        self._previous = current
        return report, new, fixed

    def set_cloud(self, findings: list[Finding], lines: list[str]) -> None:
        self._cloud, self._cloud_lines = list(findings), list(lines)

    def with_cloud(self, report: Report, merge) -> Report:
        """`report` plus the cloud findings that still sit on the same code."""
        if not self._cloud:
            return report
        carried = follow_lines(self._cloud, self._cloud_lines, report.lines)
        return replace(report, findings=merge(report.offline_findings, carried))

    def findings_at(self, line: int, column: int) -> list[Finding]:
        report = self.last
        if report is None:
            return []
        from .findings import Position

        pos = Position(line, column)
        return [f for f in report.findings if f.span.contains(pos)]


def follow_lines(findings: list[Finding], old: list[str], new: list[str]) -> list[Finding]:
    """Move findings to where their line's text is now (the nearest copy), or drop them."""
    where: dict[str, list[int]] = {}
    for number, text in enumerate(new):
        where.setdefault(text.strip(), []).append(number)
    moved = []
    for finding in findings:
        line = finding.span.start.line
        text = old[line].strip() if 0 <= line < len(old) else None
        candidates = where.get(text, []) if text else []
        if not candidates:
            continue
        target = min(candidates, key=lambda n: abs(n - line))
        moved.append(finding.shifted(target - line))
    return moved
