"""The coach as one object: open documents, their analyses, and the memory.

Front ends (the language server, the CLI, a future HTTP front) drive a Coach;
they never reach into analysis or memory on their own. Nothing here knows LSP.

Threads: `analyze` runs on the caller's worker thread; everything else is cheap
and runs on the caller's main thread. The memory is opened lazily on the worker
after the first analysis, so it never delays the first diagnostics; what
happens before it is open waits in a short backlog.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .analysis.document import DocumentSession, Preferences, Report
from .analysis.engine import Analysis, Analyzer
from .analysis.findings import Finding

if TYPE_CHECKING:
    from .config import Settings
    from .memory import Memory
    from .providers import CloudAnalyst

log = logging.getLogger(__name__)

# Keep memory events from before the memory opened, up to a bound.
BACKLOG_LIMIT = 10_000


class Coach:
    def __init__(self, *, data_dir: str | None = None, remember: bool = True) -> None:
        self.analyzer = Analyzer()
        self.sessions: dict[str, DocumentSession] = {}
        self._data_dir = data_dir
        self._remember = remember
        self._memory: Memory | None = None
        self._memory_failed = False
        self._backlog: list[Callable[[Memory], object]] = []
        self._lock = threading.Lock()
        self.cloud: CloudAnalyst | None = None

    # -- documents -------------------------------------------------------
    def open_document(self, file: str) -> DocumentSession:
        session = DocumentSession(file, self.analyzer)
        self.sessions[file] = session
        return session

    def close_document(self, file: str) -> None:
        # The memory keeps the file's open occurrences: reopening it unchanged is not new.
        self.settle(file)
        self.sessions.pop(file, None)

    def analyze(self, file: str, text: str, version: int | None, prefs: Preferences) -> Report:
        """Worker thread: analyze one version, and open the memory once the first result exists."""
        report = self.sessions[file].analyze(text, version, prefs, time.time())
        if self._remember and self._memory is None and not self._memory_failed:
            self._open_memory()
        return report

    def published(self, file: str, report: Report) -> None:
        """The learner now sees `report`."""
        session = self.sessions.get(file)
        if session is not None:
            session.commit(report)

    def settle(self, file: str) -> list[Finding]:
        """The learner paused: remember what the current report shows (new mistakes, fixes,
        concepts practised) and prepare retrievals for the new mistakes. Returns the new ones."""
        session = self.sessions.get(file)
        settled = session.settle() if session is not None else None
        if settled is None:
            return []
        report, new, fixed = settled
        analysis = report.analysis

        def record(memory: Memory) -> None:
            remember_shown(memory, file, report.findings, report.lines, analysis)
            if fixed:
                memory.record_fixed(file, fixed)
            for finding in new:
                memory.prefetch(finding, _region(report, finding), file)

        self._with_memory(record)
        return new

    def settle_all(self) -> None:
        for file in list(self.sessions):
            self.settle(file)

    # -- cloud analysis (Gemini) -----------------------------------------
    def configure_cloud(self, settings: Settings, on_status: Callable[[dict], None]) -> None:
        """Create, update or keep the cloud analyst; without consent it is never even built."""
        if self.cloud is None:
            if not settings.cloudEnabled:
                return
            from .providers import CloudAnalyst

            self.cloud = CloudAnalyst(settings, data_dir=self._data_dir, on_status=on_status)
            on_status(self.cloud.status())
        else:
            self.cloud.update(settings)

    def cloud_analyze(self, file: str, text: str, offline: list[Finding]) -> list[Finding]:
        """Cloud worker thread: Gemini's findings for a settled text (blocking, never raises)."""
        if self.cloud is None:
            return []
        past = self._past_context(file, offline)
        return self.cloud.analyze(file_of(file), text, offline, past)

    def set_cloud(self, file: str, findings: list[Finding], report: Report) -> Report:
        """Attach fresh cloud findings to the published report they were computed for."""
        session = self.sessions.get(file)
        if session is None:
            return report
        session.set_cloud(findings, report.lines)
        return self.with_cloud(file, report)

    def with_cloud(self, file: str, report: Report) -> Report:
        session = self.sessions.get(file)
        if session is None or self.cloud is None:
            return report
        from .providers import merge_findings

        return session.with_cloud(report, merge_findings)

    def prefetch_explanation(self, file: str, report: Report, finding: Finding) -> None:
        """Cloud worker thread: prepare Gemini's explanation so the hover is a cache hit."""
        if self.cloud is not None:
            region, first = _region_and_start(report, finding)
            self.cloud.explain(finding, region, path=file_of(file), first_line=first)

    def cloud_explanation(self, file: str, report: Report, finding: Finding) -> str | None:
        if self.cloud is None:
            return None
        region, _first = _region_and_start(report, finding)
        return self.cloud.cached_explanation(finding, region)

    def _past_context(self, file: str, findings: list[Finding]) -> list[str]:
        if self._memory is None:
            return []
        from .memory import finding_key

        past = []
        for finding in findings:
            for struggle in self._memory.cached_similar(finding_key(finding, file)) or ():
                past.append(f"{struggle.rule} ({struggle.message}) in {Path(struggle.file).name}")
        return past

    # -- what the learner reads ------------------------------------------
    def met_before(self, file: str, report: Report, finding: Finding) -> str | None:
        """'You met this before: grades.py, 2 days ago', from the prefetched retrieval.

        Never blocks: when the answer is not ready it is prepared for the next hover.
        """
        memory = self._memory
        if memory is None:
            return None
        from .memory import finding_key

        past = memory.cached_similar(finding_key(finding, file))
        if past is None:
            memory.prefetch(finding, _region(report, finding), file)
        return past[0].phrase() if past else None

    def read(self, file: str, finding: Finding, kind: str = "hover") -> None:
        self._with_memory(lambda m: m.record_hover(file, finding, kind=kind))

    def feedback(self, file: str, rule: str, helpful: bool, note: str = "") -> None:
        self._with_memory(lambda m: m.record_feedback(file, rule, helpful, note))

    # -- memory plumbing -------------------------------------------------
    @property
    def memory(self) -> Memory | None:
        return self._memory

    def memory_now(self) -> Memory | None:
        """The memory, opening it now if needed (for commands that read it)."""
        if self._memory is None and self._remember and not self._memory_failed:
            self._open_memory()
        return self._memory

    def _open_memory(self) -> None:
        try:
            from .memory import Memory

            memory = Memory.open(
                self._data_dir or os.environ.get("CODECOACH_DATA_DIR") or None,
                summarize=self._summarize_session,
            )
        except Exception:  # noqa: BLE001 - the coach works without memory
            log.exception("Could not open the memory; the coach keeps working without remembering")
            self._memory_failed = True
            self._backlog.clear()
            return
        with self._lock:
            backlog, self._backlog = self._backlog, []
            self._memory = memory
        for action in backlog:
            action(memory)
        log.info("Memory open in %s", getattr(memory, "data_dir", "the data folder"))

    def _summarize_session(self, digest: object) -> str | None:
        """Memory's background consolidation: Gemini's words when cloud analysis is on, else its template."""
        cloud = self.cloud
        return cloud.summarize_session(digest) if cloud is not None else None

    def _with_memory(self, action: Callable[[Memory], object]) -> None:
        if not self._remember or self._memory_failed:
            return
        with self._lock:
            memory = self._memory
            if memory is None:
                if len(self._backlog) < BACKLOG_LIMIT:
                    self._backlog.append(action)
                return
        try:
            action(memory)
        except Exception:  # noqa: BLE001 - memory must never break the editor
            log.exception("Memory could not record an event")

    def close(self) -> None:
        """Remember what is on screen, commit it; indexing resumes from the log at the next start."""
        self.settle_all()
        if self.cloud is not None:
            self.cloud.close()
        memory = self._memory
        if memory is not None:
            memory.close(index=False)


def remember_shown(memory: Memory, file: str, findings: list[Finding], lines: list[str],
                   analysis: Analysis) -> list[str]:
    """What one look at a file teaches the memory: the mistakes on it and the concepts it uses.
    Returns the ids of the mistakes that were new (not still open from before)."""
    new = memory.record_shown(file, findings, lines)
    if analysis.syntax_ok and analysis.concepts:
        flagged = {c for f in findings for c in f.concepts}
        memory.record_concepts(file, dict(analysis.concepts), clean=not findings, flagged=flagged)
    return new


REGION_CONTEXT = 2  # lines of code kept around a finding for memory and for Gemini


def _region(report: Report, finding: Finding) -> str:
    return _region_and_start(report, finding)[0]


def _region_and_start(report: Report, finding: Finding) -> tuple[str, int]:
    """The code around a finding (as the memory stores it) and the 0-based line it starts at."""
    from .memory import region_text

    start = finding.span.start.line
    text = region_text(report.lines, start, finding.span.end.line, context=REGION_CONTEXT)
    return text, max(start - REGION_CONTEXT, 0)


def file_of(uri_or_path: str) -> str:
    """A readable, stable file identifier: the filesystem path when there is one."""
    if uri_or_path.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return str(Path(unquote(urlparse(uri_or_path).path)))
    return uri_or_path
