"""One open document as the coach sees it: its text, how it is being edited,
and what the last analysis found. Free of any editor protocol."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

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
        # Live examples: per run that put findings here (keyed by the path of the file that ran:
        # this one, or the file a test file tests), the findings and the lines that run saw; and
        # what this file printed. Like cloud findings they follow their lines through later
        # edits until that run's next result replaces them.
        self._examples: dict[str, tuple[list[Finding], list[str]]] = {}
        self._printed: tuple[tuple[Any, ...], list[str]] = ((), [])
        self.printed_output: Any = None  # the run's own record of its output (for hovers), opaque here
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
        # A failing example that passes at the next pause is a fix like any other.
        examples = [f for f in report.findings if f.source is Source.EXAMPLES]
        current = numbered_occurrences([*report.analysis.findings, *examples], report.lines)
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

    # -- live examples ------------------------------------------------------------------
    def set_examples(self, origin: str, findings: Sequence[Finding], lines: Sequence[str]) -> None:
        """The latest findings the run of `origin` put on this document (computed on `lines`)."""
        if findings:
            self._examples[origin] = (list(findings), list(lines))
        else:
            self._examples.pop(origin, None)

    def examples_origins(self) -> set[str]:
        return set(self._examples)

    def clear_examples(self) -> None:
        """Examples were switched off: their findings go, and their going is not a fix."""
        self._examples.clear()
        self._printed = ((), [])
        self.printed_output = None
        self._previous = {k: f for k, f in self._previous.items() if f.source is not Source.EXAMPLES}

    def set_printed(self, printed: Sequence[Any], lines: Sequence[str], output: Any = None) -> None:
        """What each line printed in the latest run (items with a 0-based `line`), computed on `lines`."""
        self._printed = (tuple(printed), list(lines))
        self.printed_output = output

    def printed(self, lines: Sequence[str]) -> list[Any]:
        """The printed values moved to where their lines are in `lines` (dropped when a line changed)."""
        items, old = self._printed
        if not items:
            return []
        moved = follow_numbers([item.line for item in items], old, lines)
        return [item if target == item.line else replace(item, line=target)
                for item, target in zip(items, moved) if target is not None]

    def with_examples(self, report: Report, prefs: Preferences) -> Report:
        """`report` with the example findings that still sit on the same code (the user's rule
        settings applied), in place of those it carried."""
        carried = [f for findings, lines in self._examples.values() for f in follow_lines(findings, lines, report.lines)]
        had = any(f.source is Source.EXAMPLES for f in report.findings)
        if not carried and not had:
            return report
        carried = apply_preferences(carried, prefs.disabled, prefs.severity)
        base = [f for f in report.findings if f.source is not Source.EXAMPLES]
        return replace(report, findings=merge_examples(base, carried))

    def findings_at(self, line: int, column: int) -> list[Finding]:
        report = self.last
        if report is None:
            return []
        from .findings import Position

        pos = Position(line, column)
        return [f for f in report.findings if f.span.contains(pos)]


def follow_numbers(numbers: Iterable[int], old: Sequence[str], new: Sequence[str]) -> list[int | None]:
    """Where each of these line numbers of `old` is in `new`: the nearest line with the same
    text, or None when that text is gone (or was blank)."""
    where: dict[str, list[int]] = {}
    for number, text in enumerate(new):
        where.setdefault(text.strip(), []).append(number)
    moved: list[int | None] = []
    for line in numbers:
        text = old[line].strip() if 0 <= line < len(old) else None
        candidates = where.get(text, []) if text else []
        moved.append(min(candidates, key=lambda n: abs(n - line)) if candidates else None)
    return moved


def follow_lines(findings: list[Finding], old: list[str], new: list[str]) -> list[Finding]:
    """Move findings to where their line's text is now (the nearest copy), or drop them."""
    if old == new:
        return list(findings)
    targets = follow_numbers([f.span.start.line for f in findings], old, new)
    return [f.shifted(target - f.span.start.line) for f, target in zip(findings, targets) if target is not None]


# Findings that come from reading the code. On a line one of them marks, an example finding is a
# second voice saying less (a NameError the names check already explains): the curated one wins.
_READ_FROM_CODE = (Source.RULES, Source.SYNTAX, Source.NAMES)


def merge_examples(offline: Iterable[Finding], examples: Iterable[Finding]) -> list[Finding]:
    """The report's findings plus the example findings that neither repeat another example
    finding (two runs saying the same) nor sit on a line an offline rule already marks."""
    offline = list(offline)
    taken = {f.span.start.line for f in offline if f.source in _READ_FROM_CODE}
    seen: set[tuple] = set()
    kept = []
    for finding in examples:
        key = (finding.rule_id, finding.span.start.line, finding.message)
        if finding.span.start.line in taken or key in seen:
            continue
        seen.add(key)
        kept.append(finding)
    merged = offline + kept
    merged.sort(key=lambda f: (f.span.start, f.rule_id))
    return merged


def document_path(document: str) -> Path | None:
    """The file a document is, when it is one (an untitled buffer or another scheme is not)."""
    path = Path(file_of(document))
    return path if path.is_absolute() else None


def file_of(uri_or_path: str) -> str:
    """A readable, stable file identifier: the filesystem path when there is one."""
    if uri_or_path.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return str(Path(unquote(urlparse(uri_or_path).path)))
    return uri_or_path
