"""The coach as one object: open documents, their analyses, and the memory.

Front ends (the language server, the CLI, the web front) drive a Coach; they
never reach into analysis, memory or the cloud layer on their own, and they
only translate: what a hover says, which findings a range holds, what the
status is and what a summary contains are all answered here. Nothing here
knows LSP or HTTP.

Threads: `analyze` runs on the caller's analysis worker; `cloud_*` and
`prefetch_explanation` on its cloud worker; `summary`, `insights` and
`recommendations` on its services worker; `prepare_examples`,
`run_examples_live` and `stop_examples` on its examples worker; everything else
is cheap and runs on the caller's main thread. The memory is opened lazily on the worker after
the first analysis, so it never delays the first diagnostics; what happens
before it is open waits in a short backlog.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .analysis.document import DocumentSession, Preferences, Report, file_of
from .analysis.engine import Analysis, Analyzer
from .analysis.findings import Finding, Position, Span
from .config import Settings
from .live_examples import ExamplesRun, ExamplesUpdate, LiveExamples

if TYPE_CHECKING:
    from .analysis.signals import Edit
    from .memory import Forgotten, Memory
    from .providers import CloudAnalyst
    from .runner.display import PrintedHint

log = logging.getLogger(__name__)

# Keep memory events from before the memory opened, up to a bound.
BACKLOG_LIMIT = 10_000
# How long a service waits for just-recorded events to be committed before reading.
FLUSH_SECONDS = 2.0


def _never() -> bool:
    return False


@dataclass(frozen=True)
class Hover:
    """What the learner reads over a finding: the text, and the span it covers in `lines`."""

    text: str
    span: Span
    lines: list[str]


class Coach:
    def __init__(self, *, data_dir: str | None = None, remember: bool = True,
                 settings: Settings | None = None, dotenv_dirs: Sequence[str] = ()) -> None:
        self.analyzer = Analyzer()
        self.sessions: dict[str, DocumentSession] = {}
        self.settings = settings or Settings()
        self._data_dir = data_dir
        self._dotenv_dirs = list(dotenv_dirs)  # where a .env may hold the key: the CLI's folder, never a workspace
        self._remember = remember
        self._memory: Memory | None = None
        self._memory_failed = False
        self._memory_health = "ok"
        self._backlog: list[Callable[[Memory], object]] = []
        self._lock = threading.Lock()
        self.cloud: CloudAnalyst | None = None
        self._examples = LiveExamples(self.sessions, lambda: self.settings, lambda: self.preferences)

    # -- settings ----------------------------------------------------------
    def configure(self, raw: object, on_status: Callable[[dict], None] | None = None) -> list[str]:
        """Apply settings as they arrive from a front end (fail soft, per field); set the cloud
        analyst up, or update it. Returns one message per bad value."""
        self.settings, problems = self.settings.updated(raw)
        if not self.examples_on:
            self.cancel_examples()  # switched off: a run in progress stops now
        try:
            self.configure_cloud(self.settings, on_status or (lambda _status: None))
        except Exception:  # noqa: BLE001 - a broken cloud setup leaves the offline coach running
            log.exception("Cloud analysis could not be set up; staying offline")
        return problems

    @property
    def preferences(self) -> Preferences:
        analysis = self.settings.analysis
        return Preferences(disabled=analysis.disabledRules, severity=analysis.ruleSeverity,
                           thresholds=self.settings.hints.thresholds())

    def disable_rule(self, rule: str) -> list[str]:
        """Stop reporting a rule from now on; returns the rules now disabled."""
        disabled = sorted(self.settings.analysis.disabledRules | {rule.strip().upper()})
        self.configure({"disabledRules": disabled})
        return disabled

    # -- documents -------------------------------------------------------
    def open_document(self, file: str) -> DocumentSession:
        session = DocumentSession(file, self.analyzer)
        self.sessions[file] = session
        return session

    def close_document(self, file: str) -> None:
        # The memory keeps the file's open occurrences: reopening it unchanged is not new.
        self.settle(file)
        self.sessions.pop(file, None)

    def is_open(self, file: str) -> bool:
        return file in self.sessions

    def record_edit(self, file: str, edit: Edit) -> None:
        """An edit the learner made to an open document (the editing signals read them)."""
        session = self.sessions.get(file)
        if session is not None:
            session.record_edit(edit)

    def last_report(self, file: str) -> Report | None:
        """What the learner sees now for `file` (None before its first analysis)."""
        session = self.sessions.get(file)
        return session.last if session is not None else None

    def analyze(self, file: str, text: str, version: int | None, prefs: Preferences | None = None) -> Report:
        """Worker thread: analyze one version, and open the memory once the first result exists."""
        report = self.sessions[file].analyze(text, version, prefs or self.preferences, time.time())
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
            if not settings.cloud.cloudEnabled:
                return
            from .providers import CloudAnalyst

            self.cloud = CloudAnalyst(settings.cloud, data_dir=self._data_dir, on_status=on_status,
                                      dotenv_dirs=self._dotenv_dirs)
            on_status(self.cloud.status())
        else:
            self.cloud.update(settings.cloud)

    @property
    def cloud_on(self) -> bool:
        """Whether the cloud analyst exists (cloud analysis was switched on at some point)."""
        return self.cloud is not None

    def verify_cloud(self) -> None:
        """Cloud worker thread: check the key and the model with the Models API (once per start)."""
        if self.cloud is not None:
            self.cloud.prepare()

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
        from .services.phrasing import met_before_phrase

        return met_before_phrase(past[0]) if past else None

    def hover_at(self, file: str, position: Position, *, markdown: bool) -> Hover | None:
        """The hover over `position` (code points): every finding there, with "met before" and
        Gemini's take when they are ready. Reading it is remembered."""
        from .services.explain import hover_section, hover_text

        session = self.sessions.get(file)
        report = session.last if session else None
        if session is None or report is None:
            return None
        findings = session.findings_at(position.line, position.column)
        printed = self._examples.printed_hover(file, position.line, markdown=markdown)
        if not findings and printed is None:
            return None
        sections = []
        for finding in findings:
            sections.append(hover_section(finding, markdown=markdown, met_before=self.met_before(file, report, finding),
                                          tailored=self.cloud_explanation(file, report, finding)))
            self.read(file, finding)
        if printed is not None:
            sections.append(printed[0])
        span = findings[0].span if findings else printed[1]  # type: ignore[index]
        return Hover(hover_text(sections, markdown=markdown), span, report.lines)

    def findings_in(self, file: str, start: Position, end: Position) -> list[Finding]:
        """The findings of the current report that touch the range from `start` to `end`."""
        report = self.last_report(file)
        if report is None:
            return []
        return [f for f in report.findings if f.span.start <= end and start <= f.span.end]

    def explain(self, file: str, start: Position, end: Position) -> dict:
        """Explain Selection: the mistakes in the range, or what the selected code is made of."""
        from .services.explain import explain_code, explain_findings

        report = self.last_report(file)
        if report is None:
            raise KeyError(file)
        findings = self.findings_in(file, start, end)
        if findings:
            for finding in findings:
                self.read(file, finding, kind="explain")
            return {"markdown": explain_findings(findings), "rules": [f.rule_id for f in findings]}
        selected = "".join(report.lines[start.line : end.line + 1])
        if start.line == end.line and start.line < len(report.lines):
            selected = report.lines[start.line][start.column : end.column]
        return explain_code(selected, self.analyzer) | {"rules": []}

    def read(self, file: str, finding: Finding, kind: str = "hover") -> None:
        report = self.last_report(file)
        context = _region(report, finding) if report is not None else ""  # its secrets stay out of the log
        self._with_memory(lambda m: m.record_hover(file, finding, kind=kind, context=context))

    def feedback(self, file: str, rule: str, helpful: bool, note: str = "") -> None:
        self._with_memory(lambda m: m.record_feedback(file, rule, helpful, note))

    # -- live examples (live_examples.py) -----------------------------------
    # The live pipeline runs a quiet document's examples on the examples worker
    # (`run_examples_live`) and hands the run back on the main thread (`set_examples`).

    @property
    def examples_on(self) -> bool:
        return self._examples.on

    @property
    def examples_ready(self) -> bool:
        """Whether the warm worker process is up (nothing to prepare)."""
        return self._examples.ready

    def examples_documents(self, file: str) -> set[str]:
        """The open documents whose edits make a run for `file` stale."""
        return self._examples.documents(file)

    def prepare_examples(self) -> None:
        """Examples worker: start the warm worker process before the first run needs it."""
        self._examples.prepare()

    def run_examples_live(self, file: str, text: str, version: int | None,
                          cancelled: Callable[[], bool] | None = None) -> ExamplesRun | None:
        """Examples worker (blocking): run the examples that cover `file` at `text`."""
        return self._examples.run(file, text, version, cancelled)

    def set_examples(self, run: ExamplesRun) -> ExamplesUpdate:
        """Main thread: attach a finished run to the open documents it covers."""
        return self._examples.attach(run)

    def with_examples(self, file: str, report: Report) -> Report:
        """`report` (a fresh analysis) with the document's example findings carried onto it."""
        return self._examples.carried_onto(file, report)

    def printed_hints(self, file: str) -> list[PrintedHint]:
        """What each line of `file` printed when its examples last ran, where the line is now."""
        return self._examples.printed_hints(file)

    def cancel_examples(self) -> None:
        """Any thread: stop the run in progress, if any."""
        self._examples.cancel()

    def stop_examples(self) -> None:
        """Examples worker: stop the warm worker process."""
        self._examples.stop()

    # -- services: what the learner asks for (the services worker) --------
    def _memory_for_reading(self) -> Memory | None:
        memory = self.memory_now()
        if memory is not None:
            memory.flush(FLUSH_SECONDS, index=False)  # include what was just recorded
        return memory

    def summary(self, period: str = "day", start: date | None = None, end: date | None = None,
                cancelled: Callable[[], bool] | None = None) -> dict:
        """The learning summary of a day, a week or a range, narrated by Gemini when cloud is on."""
        from .services.summary import summary

        narrate = self.cloud.narrate if self.cloud is not None else None
        return summary(self._memory_for_reading(), period=period, start=start, end=end, narrate=narrate,
                       cancelled=cancelled or _never)

    def insights(self, days: int | None = None, cancelled: Callable[[], bool] | None = None) -> dict:
        """Key mistakes, topics and their difficulty, for the open files and the workspace."""
        from .services.insights import insights

        open_reports = {file: s.last for file, s in self.sessions.items() if s.last is not None}
        kwargs = {"days": days} if days is not None else {}
        return insights(self._memory_for_reading(), open_reports=open_reports, cancelled=cancelled or _never,
                        **kwargs)

    def recommendations(self, concept: str | None = None, limit: int | None = None,
                        cancelled: Callable[[], bool] | None = None) -> dict:
        """Learning material for recent struggles (optionally for one concept)."""
        from .services.recommend import recommendations

        tailor = self.cloud.tailor if self.cloud is not None else None
        kwargs = {"limit": limit} if limit is not None else {}
        return recommendations(self._memory_for_reading(), concept=concept, tailor=tailor,
                               cancelled=cancelled or _never, **kwargs)

    # -- status ----------------------------------------------------------
    def status(self) -> dict:
        """The `codecoach/status` payload: the cloud layer's state, and the memory's health."""
        from .providers.status import offline_status

        payload = dict(self.cloud.status() if self.cloud is not None else offline_status())
        payload["memory"] = self._memory_health
        if self._memory_health != "ok":
            # The store has already logged the fault (once per kind); the status bar says it too.
            payload["state"] = "degraded"
            payload["message"] = (f"{payload.get('message', '')}; history not saved for now "
                                  f"({self._memory_health}): the coach keeps working").lstrip("; ")
        return payload

    def memory_health_changed(self) -> bool:
        """Whether the memory turned degraded or recovered since the last call (then the status changed)."""
        memory = self._memory
        health = memory.health if memory is not None else "ok"
        kind = health.split(";")[0]  # e.g. "degraded: OperationalError: database is locked"
        if kind == self._memory_health.split(";")[0]:
            return False
        self._memory_health = kind
        return True

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
                self._data_dir,
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

    # -- the command line and admin ---------------------------------------
    @property
    def data_dir(self) -> str:
        memory = self._memory
        if memory is not None:
            return str(memory.data_dir)
        from .memory.paths import data_dir

        return str(data_dir(self._data_dir))

    def memory_problem(self) -> str:
        """Why the memory could not keep everything ("" when it did)."""
        memory = self._memory
        if memory is None:
            return "the memory could not be opened" if self._memory_failed else ""
        return "" if memory.health == "ok" else memory.health

    def analyze_text(self, text: str) -> Analysis:
        """One look at a text that is not an open document (the CLI's `analyze`)."""
        return self.analyzer.analyze(text)

    def remember_analysis(self, file: str, text: str, analysis: Analysis, extra: Sequence[Finding] = ()) -> list[str]:
        """Record one file's analysis (and `extra` findings, e.g. its examples') into the memory,
        in the current session (the CLI's `analyze --remember`); `close()` commits it. Returns the
        ids of the mistakes that are new: one still there from an earlier run is the same occurrence."""
        from .analysis.findings import split_lines

        memory = self._required_memory()
        if memory.session_id is None:
            memory.start_session()
        return remember_shown(memory, file, [*analysis.findings, *extra], split_lines(text), analysis)

    def run_examples(self, files: Sequence[tuple[Path, str]], *, on_error: Callable[[str], None] | None = None
                     ) -> dict[Path, tuple[list[Finding], Any]]:
        """Run the files' own examples in the sandboxed worker (blocking): per file, its example
        findings (those another file's run put on it included) and its report."""
        from .runner.batch import run_batch

        return run_batch(files, settings=self.settings.examples, on_error=on_error)

    def reindex(self) -> dict[str, int]:
        """Rebuild the vector index from the event log (blocking)."""
        memory = self._required_memory()
        return memory.reindex()

    def forget(self, *, everything: bool = False, before: date | None = None) -> list[Forgotten]:
        """Delete what the coach remembers, everything or what is older than a day, from every store
        it keeps, leaving none of it in their files (blocking). Returns what went from each store."""
        memory = self._required_memory()
        report = memory.forget(all=True) if everything else memory.forget(before=before)
        from .memory.queries import to_ts

        cutoff = None if everything else to_ts(before)
        return report + forget_beside_memory(Path(memory.data_dir), self.cloud, cutoff)

    def _required_memory(self) -> Memory:
        memory = self.memory_now()
        if memory is None:
            raise RuntimeError(self.memory_problem() or "the memory is off")
        return memory

    def close(self, *, timeout: float = 5.0, index: bool = False) -> bool:
        """Remember what is on screen, commit it (indexing resumes from the log at the next start
        unless `index`); True when everything was saved."""
        self.settle_all()
        self.stop_examples()
        if self.cloud is not None:
            self.cloud.close()
        memory = self._memory
        if memory is None:
            return not self._memory_failed
        return bool(memory.close(timeout=timeout, index=index))


def remember_shown(memory: Memory, file: str, findings: list[Finding], lines: list[str],
                   analysis: Analysis) -> list[str]:
    """What one look at a file teaches the memory: the mistakes on it and the concepts it uses.
    Returns the ids of the mistakes that were new (not still open from before)."""
    new = memory.record_shown(file, findings, lines)
    if analysis.syntax_ok and analysis.concepts:
        flagged = {c for f in findings for c in f.concepts}
        memory.record_concepts(file, dict(analysis.concepts), clean=not findings, flagged=flagged)
    return new


def forget_beside_memory(data_dir: Path, cloud: CloudAnalyst | None, cutoff: float | None) -> list[Forgotten]:
    """The stores beside the memory that `forget` empties too: the cloud cache (answers about the
    learner's code; the day's request count stays) and the record of what was recommended."""
    from .memory import Forgotten
    from .providers.store import FILENAME, CloudStore
    from .services.recommend import STATE_FILE, forget_history

    path = data_dir / FILENAME
    if cloud is not None:  # the analyst's own connection: no second writer on the file
        removed, kept, problem = cloud.store().forget(cutoff)
    elif path.exists():
        store = CloudStore(path)
        try:
            removed, kept, problem = store.forget(cutoff)
        finally:
            store.close()
    else:
        removed, kept, problem = {}, {}, "none was kept"
    cache = Forgotten("cloud cache", str(path), removed, kept,
                      problem or ("file compacted; the day's request count is kept, so the quota is not reset"
                                  if removed else ""))
    dropped, still = forget_history(data_dir, cutoff)
    history = Forgotten("recommendations", str(data_dir / STATE_FILE), {"recommended items": dropped},
                        {"recommended items": still} if still else {})
    return [cache, history]


REGION_CONTEXT = 2  # lines of code kept around a finding for memory and for Gemini


def _region(report: Report, finding: Finding) -> str:
    return _region_and_start(report, finding)[0]


def _region_and_start(report: Report, finding: Finding) -> tuple[str, int]:
    """The code around a finding (as the memory stores it) and the 0-based line it starts at."""
    from .memory import region_text

    start = finding.span.start.line
    text = region_text(report.lines, start, finding.span.end.line, context=REGION_CONTEXT)
    return text, max(start - REGION_CONTEXT, 0)

