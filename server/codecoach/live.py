"""Live documents: the coach's timing for text that is being edited, for every front end.

An edit -> (debounceMs) offline analysis on the analysis worker -> publish, if
the document is still at that version -> (settleSeconds of quiet) the coach
remembers what is on screen -> (cloudSettleSeconds) Gemini on the cloud
worker -> publish the merge if the text is still the same. Any edit cancels
the document's pending timers, so a stale result is never published.

The language server and the web server each give a `Frontend`: where a
document's current text is, and how a report reaches the learner. They also
share how a question is answered (`answer`) and the periodic chores
(`start_chores`). Nothing here knows LSP or HTTP.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable
from typing import Protocol, TypeVar

from .analysis.document import Report
from .analysis.findings import Finding
from .coach import Coach
from .scheduling import Timers, Workers

log = logging.getLogger("codecoach")

# Larger documents are not analyzed (the learner is told once). ast.parse holds the GIL for
# its whole run (~0.2 s for 150 KB, seconds for megabytes), and so does the collection of the
# analysis' garbage afterwards: above this size the event loop would stall past 200 ms however
# the analysis is threaded (tests/reliability measures it). A learner's program is far smaller.
MAX_ANALYZED_CHARS = 64 * 1024
# A learner's file with more mistakes than this needs the first ones fixed, not a wall of
# them; the cap also bounds the work of one publish on the event loop (every front end).
MAX_PUBLISHED = 100
# Explanations prepared ahead per quiet period: a burst of new mistakes must not drain the
# quota (the economy benchmark counts them); a hover on any other finding still works offline.
PREFETCH_PER_SETTLE = 1
FULL_COLLECT_SECONDS = 60.0
STATUS_CHECK_SECONDS = 1.0  # how soon a storage fault (or its recovery) reaches the status

T = TypeVar("T")


def _never() -> bool:
    return False


def most_urgent(findings: list[Finding], limit: int = MAX_PUBLISHED) -> list[Finding]:
    """The findings a front end shows: all of them, or the `limit` most urgent when there are more."""
    if len(findings) <= limit:
        return findings
    return sorted(findings, key=lambda f: (f.severity, f.span.start))[:limit]


class Frontend(Protocol):
    def current(self, uri: str) -> tuple[str, int | None] | None:
        """The document's text and version as the front end holds them now (None: gone)."""

    def publish(self, uri: str, report: Report) -> None:
        """Show `report` to the learner."""

    def too_large(self, uri: str, size: int, version: int | None, message: str) -> None:
        """The document is not analyzed: clear what it showed; `message` says why (once per document)."""

    def remembered(self, uri: str) -> None:
        """What the learner saw of the document was just recorded in the memory (a dashboard refreshes)."""


class LiveDocuments:
    def __init__(self, coach: Coach, frontend: Frontend, workers: Workers | None = None) -> None:
        self.coach = coach
        self.frontend = frontend
        self.workers = workers or Workers()
        self.pending = Timers()  # analysis after debounceMs
        self.settling = Timers()  # memory, then cloud, after settleSeconds of quiet
        self._told_too_large: set[str] = set()

    # -- what the front end reports ---------------------------------------------------
    def opened(self, uri: str) -> None:
        self.coach.open_document(uri)
        self.schedule(uri, 0)  # at once: the first diagnostics should come fast

    def changed(self, uri: str) -> None:
        if self.coach.is_open(uri):
            self.schedule(uri, self.coach.settings.analysis.debounceMs / 1000)

    def closed(self, uri: str) -> None:
        self.pending.cancel(uri)
        self.settling.cancel(uri)
        self.coach.close_document(uri)
        self._told_too_large.discard(uri)

    def reanalyze_all(self) -> None:
        """Settings changed: every open document is analyzed again, at once."""
        for uri in list(self.coach.sessions):
            self.schedule(uri, 0)

    def shutdown(self) -> None:
        self.pending.cancel_all()
        self.settling.cancel_all()
        self.workers.shutdown()

    # -- questions and chores, the same for every front end ------------------------------
    async def answer(self, job: Callable[[Callable[[], bool]], T], cancelled: Callable[[], bool] = _never) -> T:
        """A question the learner asked (summary, insights, recommendations): what is on screen
        counts now, and the answer is read on the services worker, never on the event loop."""
        self.coach.settle_all()
        return await self.workers.services.run(job, cancelled)

    def start_chores(self, status_changed: Callable[[], None]) -> None:
        """On the event loop: collect garbage between analyses (automatic collection is off), and
        call `status_changed` when the memory turns degraded or recovers, or a cloud cooldown ends."""
        loop = asyncio.get_running_loop()

        def collect() -> None:
            self.workers.analysis.submit(gc.collect)
            loop.call_later(FULL_COLLECT_SECONDS, collect)

        def watch_status() -> None:
            try:
                if self.coach.memory_health_changed():
                    status_changed()
                cloud = self.coach.cloud
                if cloud is not None and self.workers.cloud.idle:
                    self.workers.cloud.submit(cloud.refresh_status)  # a cooldown that ended shows as half-open
            except Exception:  # noqa: BLE001 - a status glitch must not stop the watch
                log.debug("status check failed", exc_info=True)
            loop.call_later(STATUS_CHECK_SECONDS, watch_status)

        loop.call_later(FULL_COLLECT_SECONDS, collect)
        loop.call_later(STATUS_CHECK_SECONDS, watch_status)

    # -- the pipeline -------------------------------------------------------------------
    def schedule(self, uri: str, delay: float) -> None:
        self.pending.replace(uri, self._analyze(uri, delay))

    def _still(self, uri: str, version: int | None) -> bool:
        now = self.frontend.current(uri)
        return now is not None and now[1] == version and self.coach.is_open(uri)

    async def _analyze(self, uri: str, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        now = self.frontend.current(uri)
        if now is None or not self.coach.is_open(uri):
            return
        text, version = now
        if len(text) > MAX_ANALYZED_CHARS:
            self._skip_too_large(uri, len(text), version)
            return
        self._told_too_large.discard(uri)
        started = time.perf_counter()
        try:
            report = await self.workers.analysis.run(self.coach.analyze, uri, text, version)
        except Exception:  # noqa: BLE001 - one bad file must not take the server down
            log.exception("Analysis of %s failed; keeping the previous diagnostics", uri)
            return
        if not self._still(uri, version):
            log.debug("Dropped stale result for %s v%s", uri, version)
            return
        self._show(uri, self.coach.with_cloud(uri, report))
        self.settling.replace(uri, self._settled(uri))
        # Collect the analysis' cyclic garbage (pyflakes links AST nodes to their
        # parents) now that the result is out, instead of in the middle of the next one.
        self.workers.analysis.submit(gc.collect, 1)
        log.debug("Analyzed %s v%s in %.1f ms: %d finding(s)", uri, version,
                  (time.perf_counter() - started) * 1000, len(report.findings))

    def _show(self, uri: str, report: Report) -> None:
        self.frontend.publish(uri, report)
        self.coach.published(uri, report)

    async def _settled(self, uri: str) -> None:
        """After `settleSeconds` of quiet: remember the report, then (if on) ask the cloud."""
        delay = float(self.coach.settings.memory.settleSeconds)
        await asyncio.sleep(delay)
        report = self.coach.last_report(uri)
        now = self.frontend.current(uri)
        if now is None or report is None or report.version != now[1]:
            return  # the offline result for this text is not out yet; it will reschedule
        text = now[0]
        new = self.coach.settle(uri)
        self.frontend.remembered(uri)
        if not self.coach.cloud_on:
            return
        # Gemini waits for a longer quiet: a thinking pause mid-function is not a finished change.
        # Any edit cancels this task, so what reaches the cloud has been still that long.
        await asyncio.sleep(max(0.0, self.coach.settings.cloud.cloudSettleSeconds - delay))
        if self.coach.last_report(uri) is not report:
            return
        # The analysis first: it is worth more than an explanation prepared ahead.
        try:
            findings = await self.workers.cloud.run(self.coach.cloud_analyze, uri, text, report.offline_findings)
        except Exception:  # noqa: BLE001
            log.exception("Cloud analysis of %s failed; offline findings stay", uri)
            return
        for finding in new[:PREFETCH_PER_SETTLE]:
            self.workers.cloud.submit(self.coach.prefetch_explanation, uri, report, finding)
        if not self._still(uri, report.version) or self.coach.last_report(uri) is not report:
            return  # the learner typed on: this answer is for text that is gone
        merged = self.coach.set_cloud(uri, findings, report)
        if merged is not report:
            self._show(uri, merged)

    def _skip_too_large(self, uri: str, size: int, version: int | None) -> None:
        first = uri not in self._told_too_large
        self._told_too_large.add(uri)
        message = (f"Code Coach does not analyze {uri.rsplit('/', 1)[-1]}: it is {size // 1024} KB, "
                   f"more than the {MAX_ANALYZED_CHARS // 1024} KB it checks to keep the editor responsive.")
        if first:
            log.warning("%s", message)
        self.frontend.too_large(uri, size, version, message if first else "")
