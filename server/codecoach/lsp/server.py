"""The pygls language server: LSP events in, domain calls, LSP results out.

Only translation and scheduling live here. Analysis runs on one worker thread
so the event loop keeps answering (hovers, cancellations, shutdown) while a
file is analyzed; each document is debounced on its own; a result is published
only if the document has not changed since the text it was computed from.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

from .. import __version__
from ..analysis.document import Preferences, Report
from ..analysis.signals import Thresholds
from ..coach import Coach
from ..config import Settings
from . import convert
from .documents import CoachProtocol, workspace_like
from .logs import ClientLogHandler

log = logging.getLogger("codecoach")

STATUS = "codecoach/status"
OFFLINE_STATUS = {
    "state": "offline",
    "provider": "offline",
    "breaker": "closed",
    "callsLeftToday": None,
    "nextReset": None,
    "message": "Offline coach: rules, concepts and editing hints",
}
# Explanations prepared ahead per quiet period: a burst of new mistakes must not drain the
# quota (the economy benchmark counts them); a hover on any other finding still works offline.
PREFETCH_PER_SETTLE = 1
# Larger documents are not analyzed (the learner is told once). ast.parse holds the GIL for
# its whole run (~0.2 s for 150 KB, seconds for megabytes), and so does the collection of the
# analysis' garbage afterwards: above this size the event loop would stall past 200 ms however
# the analysis is threaded (tests/reliability measures it). A learner's program is far smaller.
MAX_ANALYZED_CHARS = 64 * 1024
# A learner's file with more mistakes than this needs the first ones fixed, not a wall of
# squiggles; the cap also bounds the work of one publish on the event loop.
MAX_DIAGNOSTICS = 100


class CoachServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("code-coach", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental,
                         protocol_cls=CoachProtocol)
        self.settings = Settings()
        self.coach = Coach()
        self.pending: dict[str, asyncio.Task] = {}
        self.settling: dict[str, asyncio.Task] = {}
        self.capped: set[str] = set()  # documents whose findings were cut to MAX_DIAGNOSTICS (told once)
        self.hover_kind = lsp.MarkupKind.PlainText
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="codecoach-analysis")
        # Cloud calls can take seconds: they must never queue in front of offline analysis.
        self.cloud_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="codecoach-cloud")
        # Summaries and insights read the memory: they never queue in front of analysis either.
        self.services_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="codecoach-services")
        self.loop: asyncio.AbstractEventLoop | None = None
        self.log_handler = ClientLogHandler(self)
        self.too_large: set[str] = set()  # documents the learner was told are not analyzed
        self.memory_health = "ok"  # last Memory.health seen, for codecoach/status

    # -- settings --------------------------------------------------------
    def apply_settings(self, raw: Any) -> None:
        self.settings, problems = self.settings.updated(raw)
        self.log_handler.setLevel(self.settings.log_level)
        log.setLevel(self.settings.log_level)
        for problem in problems:
            log.warning(problem)
        try:
            self.coach.configure_cloud(self.settings, self.status_changed)
        except Exception:  # noqa: BLE001 - a broken cloud setup leaves the offline coach running
            log.exception("Cloud analysis could not be set up; staying offline")
            return
        # Before any code is sent: is the key accepted, is the model there? (cached for a day)
        self.in_cloud(self.coach.verify_cloud)

    @property
    def preferences(self) -> Preferences:
        s = self.settings
        return Preferences(
            disabled=s.disabledRules,
            severity=s.ruleSeverity,
            thresholds=Thresholds(
                churn_edits=s.churnEdits,
                churn_window=float(s.churnWindowSeconds),
                syntax_streak=s.syntaxStreakEdits,
                cooldown=s.hintCooldownMinutes * 60.0,
                enabled=s.behaviourHints,
            ),
        )

    # -- analysis scheduling --------------------------------------------
    def schedule(self, uri: str, delay: float) -> None:
        _replace_task(self.pending, uri, self._analyze(uri, delay))

    async def _analyze(self, uri: str, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        document = self.workspace.text_documents.get(uri)
        if document is None or uri not in self.coach.sessions:
            return
        text, version = document.source, document.version
        if len(text) > MAX_ANALYZED_CHARS:
            self.skip_too_large(uri, len(text), version)
            return
        self.too_large.discard(uri)
        started = time.perf_counter()
        try:
            report = await asyncio.get_running_loop().run_in_executor(
                self.worker, self.coach.analyze, uri, text, version, self.preferences
            )
        except Exception:  # noqa: BLE001 - one bad file must not take the server down
            log.exception("Analysis of %s failed; keeping the previous diagnostics", uri)
            return
        current = self.workspace.text_documents.get(uri)
        if current is None or current.version != version or uri not in self.coach.sessions:
            log.debug("Dropped stale result for %s v%s", uri, version)
            return
        report = self.coach.with_cloud(uri, report)
        self.publish(uri, report)
        self.coach.published(uri, report)
        self.schedule_settle(uri)
        # Collect the analysis' cyclic garbage (pyflakes links AST nodes to their
        # parents) now that the result is out, instead of in the middle of the next one.
        self.in_background(gc.collect, 1)
        log.debug(
            "Analyzed %s v%s in %.1f ms: %d finding(s)",
            uri, version, (time.perf_counter() - started) * 1000, len(report.findings),
        )

    # -- settled documents: memory and cloud analysis ------------------
    def schedule_settle(self, uri: str) -> None:
        """After `settleSeconds` of quiet: remember the report, then (if on) ask the cloud."""
        _replace_task(self.settling, uri, self._settled(uri, float(self.settings.settleSeconds)))

    async def _settled(self, uri: str, delay: float) -> None:
        await asyncio.sleep(delay)
        session = self.coach.sessions.get(uri)
        document = self.workspace.text_documents.get(uri)
        report = session.last if session else None
        if document is None or report is None or report.version != document.version:
            return  # the offline result for this text is not out yet; it will reschedule
        new = self.coach.settle(uri)
        if self.coach.cloud is None:
            return
        # Gemini waits for a longer quiet: a thinking pause mid-function is not a finished change.
        # Any edit cancels this task, so what reaches the cloud has been still that long.
        await asyncio.sleep(max(0.0, self.settings.cloudSettleSeconds - delay))
        if session.last is not report:
            return
        # The analysis first: it is worth more than an explanation prepared ahead.
        try:
            findings = await asyncio.get_running_loop().run_in_executor(
                self.cloud_worker, self.coach.cloud_analyze, uri, document.source, report.offline_findings
            )
        except Exception:  # noqa: BLE001
            log.exception("Cloud analysis of %s failed; offline findings stay", uri)
            return
        for finding in new[:PREFETCH_PER_SETTLE]:
            self.in_cloud(self.coach.prefetch_explanation, uri, report, finding)
        current = self.workspace.text_documents.get(uri)
        if current is None or current.version != report.version or session.last is not report:
            return  # the learner typed on: this answer is for text that is gone
        merged = self.coach.set_cloud(uri, findings, report)
        if merged is not report:
            self.publish(uri, merged)
            self.coach.published(uri, merged)

    def in_cloud(self, function: Any, *args: Any) -> None:
        try:
            self.cloud_worker.submit(function, *args)
        except RuntimeError:
            pass

    def status_changed(self, payload: dict) -> None:
        """Called from any thread when the provider state changes."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self.send_status, payload)

    def in_background(self, function: Any, *args: Any) -> None:
        """Run on the worker after what is queued; a no-op once shutdown has begun."""
        try:
            self.worker.submit(function, *args)
        except RuntimeError:
            pass

    def skip_too_large(self, uri: str, size: int, version: int | None) -> None:
        """Clear the document's diagnostics and say once why it gets none."""
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[], version=version))
        if uri in self.too_large:
            return
        self.too_large.add(uri)
        message = (f"Code Coach does not analyze {uri.rsplit('/', 1)[-1]}: it is {size // 1024} KB, "
                   f"more than the {MAX_ANALYZED_CHARS // 1024} KB it checks to keep the editor responsive.")
        log.warning("%s", message)
        self.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Info, message=message))

    def publish(self, uri: str, report: Report) -> None:
        codec = self.workspace.position_codec
        findings = report.findings
        if len(findings) > MAX_DIAGNOSTICS:
            # The most urgent first; building and sending hundreds would stall the event loop.
            findings = sorted(findings, key=lambda f: (f.severity, f.span.start))[:MAX_DIAGNOSTICS]
            if uri not in self.capped:
                self.capped.add(uri)
                log.info("%s has %d findings; showing the %d most important", uri.rsplit("/", 1)[-1],
                         len(report.findings), MAX_DIAGNOSTICS)
        diagnostics = [convert.to_diagnostic(f, report.lines, codec) for f in findings]
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=report.version)
        )

    def send_status(self, payload: dict | None = None) -> None:
        if payload is None:
            payload = self.coach.cloud.status() if self.coach.cloud is not None else OFFLINE_STATUS
        payload = dict(payload, memory=self.memory_health)
        if self.memory_health != "ok":
            # The store has already logged the fault (once per kind); the status bar says it too.
            payload["state"] = "degraded"
            payload["message"] = (f"{payload.get('message', '')}; history not saved for now "
                                  f"({self.memory_health}): the coach keeps working").lstrip("; ")
        log.info("Status: %s", payload.get("message", payload.get("state")))
        self.protocol.notify(STATUS, payload)

    def check_memory(self) -> None:
        """Event loop: send a status when the memory turns degraded or recovers."""
        memory = self.coach.memory
        health = memory.health if memory is not None else "ok"
        kind = health.split(";")[0]  # e.g. "degraded: OperationalError: database is locked"
        if kind != self.memory_health.split(";")[0]:
            self.memory_health = kind
            self.send_status(self.coach.cloud.status() if self.coach.cloud is not None else None)

    def report_server_error(self, error: Exception, source: Any) -> None:
        # pygls would pop up a message for every failed notification; a coach
        # that nags about its own bugs is worse than one that logs them.
        log.error("Internal error (%s): %s", getattr(source, "__name__", source), error)


def _replace_task(tasks: dict[str, asyncio.Task], uri: str, work: Any) -> None:
    """Per-document timers: a new one cancels the previous (that is the debounce)."""
    previous = tasks.pop(uri, None)
    if previous is not None:
        previous.cancel()
    task = asyncio.get_running_loop().create_task(work)
    tasks[uri] = task
    task.add_done_callback(lambda t: tasks.pop(uri, None) if tasks.get(uri) is t else None)


server = CoachServer()


@server.feature(lsp.INITIALIZE)
def on_initialize(ls: CoachServer, params: lsp.InitializeParams) -> None:
    # pygls built the workspace just before this handler; use documents with LSP line rules.
    ls.protocol._workspace = workspace_like(ls.workspace, params)
    hover = params.capabilities.text_document and params.capabilities.text_document.hover
    formats = (hover.content_format if hover else None) or []
    ls.hover_kind = next(
        (kind for kind in formats if kind in (lsp.MarkupKind.Markdown, lsp.MarkupKind.PlainText)),
        lsp.MarkupKind.PlainText,
    )
    ls.apply_settings(params.initialization_options)


@server.feature(lsp.INITIALIZED)
def on_initialized(ls: CoachServer, params: lsp.InitializedParams) -> None:
    ls.loop = asyncio.get_running_loop()
    ls.log_handler.bind()
    logging.getLogger("codecoach").addHandler(ls.log_handler)
    gc.freeze()  # everything imported so far lives for the whole process: never scan it again
    _collect_periodically(ls)
    log.info(
        "Code Coach %s ready (position encoding %s, hovers as %s)",
        __version__, getattr(ls.workspace.position_encoding, "value", "utf-16"), ls.hover_kind.value,
    )
    ls.send_status()


@server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
def on_configuration(ls: CoachServer, params: lsp.DidChangeConfigurationParams) -> None:
    ls.apply_settings(params.settings)
    for uri in list(ls.coach.sessions):
        ls.schedule(uri, 0)


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def on_open(ls: CoachServer, params: lsp.DidOpenTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.coach.open_document(uri)
    ls.schedule(uri, 0)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def on_change(ls: CoachServer, params: lsp.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    session = ls.coach.sessions.get(uri)
    if session is None:
        return
    now = time.time()
    document = ls.workspace.text_documents.get(uri)
    line_count = document.line_count if document is not None else 0
    for change in params.content_changes:
        session.record_edit(convert.to_edit(change, line_count, now))
    ls.schedule(uri, ls.settings.debounceMs / 1000)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def on_close(ls: CoachServer, params: lsp.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    for tasks in (ls.pending, ls.settling):
        task = tasks.pop(uri, None)
        if task is not None:
            task.cancel()
    ls.coach.close_document(uri)
    ls.too_large.discard(uri)
    ls.capped.discard(uri)
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def on_hover(ls: CoachServer, params: lsp.HoverParams) -> lsp.Hover | None:
    uri = params.text_document.uri
    session = ls.coach.sessions.get(uri)
    report = session.last if session else None
    if report is None:
        return None
    codec = ls.workspace.position_codec
    position = convert.from_position(params.position, report.lines, codec)
    findings = session.findings_at(position.line, position.column)
    if not findings:
        return None
    markdown = ls.hover_kind == lsp.MarkupKind.Markdown
    parts = []
    for finding in findings:
        text = finding.hover_markdown() if markdown else finding.hover_plaintext()
        before = ls.coach.met_before(uri, report, finding)
        if before:
            text = f"{'*' + before + '*' if markdown else before}\n\n{text}"
        tailored = ls.coach.cloud_explanation(uri, report, finding)
        if tailored:
            text += f"\n\n**Gemini's take**\n\n{tailored}" if markdown else f"\n\nGemini's take:\n{tailored}"
        parts.append(text)
        ls.coach.read(uri, finding)
    text = ("\n\n---\n\n" if markdown else "\n\n----\n\n").join(parts)
    first = findings[0]
    return lsp.Hover(
        contents=lsp.MarkupContent(kind=ls.hover_kind, value=text),
        range=convert.to_range(first.span, report.lines, codec),
    )


@server.feature(lsp.SHUTDOWN)
def on_shutdown(ls: CoachServer, params: Any = None) -> None:
    for task in [*ls.pending.values(), *ls.settling.values()]:
        task.cancel()
    ls.worker.shutdown(wait=False, cancel_futures=True)
    ls.cloud_worker.shutdown(wait=False, cancel_futures=True)
    ls.services_worker.shutdown(wait=False, cancel_futures=True)
    ls.coach.close()


FULL_COLLECT_SECONDS = 60.0
MEMORY_CHECK_SECONDS = 1.0  # how soon a storage fault (or its recovery) reaches the status


def main() -> None:
    # Automatic collections strike in the middle of an analysis and triple its p95;
    # the server collects between analyses instead (above) and fully once a minute.
    gc.disable()
    # The analysis thread holds the GIL for 5 ms at a stretch by default; the event loop needs
    # it many times to answer one request, so a hover during an analysis waited ~100 ms. 1 ms
    # turns the convoy into a trickle for a negligible cost in throughput.
    sys.setswitchinterval(0.001)
    server.start_io()


def _collect_periodically(ls: CoachServer) -> None:
    loop = asyncio.get_running_loop()

    def tick() -> None:
        ls.in_background(gc.collect)
        loop.call_later(FULL_COLLECT_SECONDS, tick)

    def watch_memory() -> None:
        try:
            ls.check_memory()
            cloud = ls.coach.cloud
            if cloud is not None and not ls.cloud_worker._work_queue.qsize():
                ls.in_cloud(cloud.refresh_status)  # a cooldown that ended shows as half-open
        except Exception:  # noqa: BLE001 - a status glitch must not stop the watch
            log.debug("status check failed", exc_info=True)
        loop.call_later(MEMORY_CHECK_SECONDS, watch_memory)

    loop.call_later(FULL_COLLECT_SECONDS, tick)
    loop.call_later(MEMORY_CHECK_SECONDS, watch_memory)


# The command handlers register themselves on `server` when imported.
from . import commands  # noqa: E402,F401
