"""Live documents: the coach's timing for text that is being edited, for every front end.

An edit -> (debounceMs) offline analysis on the analysis worker -> publish, if
the document is still at that version -> (settleSeconds of quiet) the file's
own examples run on the examples worker -> publish the merge, if the text is
still the same -> the coach remembers what is on screen -> (cloudSettleSeconds)
Gemini on the cloud worker -> publish the merge if the text is still the same.
Any edit cancels the document's pending timers, so a stale result is never
published.

The examples stage (`_examples`): the warm worker process is started at the
beginning of the quiet period, so the run at its end is warm. The run goes to
its own worker thread, so a slow or endless example never delays analysis, the
cloud or a request. Any edit to a document the run reads (the file, the file a
test file tests, their test files) cancels it (its child process is killed) and
the next quiet period starts another; a result for a text that has moved on is
dropped. The run's findings are published as a later publish for the same
version, then remembered with the rest at the pause; the cloud sees them in its
prompt. Nothing runs while runExamples is false.

The language server and the web server each give a `Frontend`: where a
document's current text is, how a report reaches the learner, and (optional)
what to do when a document's examples ran. They also share how a question is
answered (`answer`) and the periodic chores (`start_chores`). Nothing here
knows LSP or HTTP.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
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

    def examples_ran(self, uri: str) -> None:
        """The document's examples ran (its new findings, if they changed, were published just
        before): what its lines printed may have changed, so re-read `Coach.printed_hints(uri)`
        (the language server asks the editor to re-pull its inlay hints). Optional: a front end
        without it simply shows no printed values."""

    def remembered(self, uri: str) -> None:
        """What the learner saw of the document was just recorded in the memory (a dashboard refreshes)."""


class LiveDocuments:
    def __init__(self, coach: Coach, frontend: Frontend, workers: Workers | None = None) -> None:
        self.coach = coach
        self.frontend = frontend
        self.workers = workers or Workers()
        self.pending = Timers()  # analysis after debounceMs
        self.settling = Timers()  # examples, memory, then cloud, after settleSeconds of quiet
        self._told_too_large: set[str] = set()
        self._edits: dict[str, int] = {}  # per document, edits so far: a run sees whether its inputs moved

    # -- what the front end reports ---------------------------------------------------
    def opened(self, uri: str) -> None:
        self.coach.open_document(uri)
        self.schedule(uri, 0)  # at once: the first diagnostics should come fast

    def changed(self, uri: str) -> None:
        self._edits[uri] = self._edits.get(uri, 0) + 1  # read by a run in progress: it stops
        if self.coach.is_open(uri):
            self.schedule(uri, self.coach.settings.analysis.debounceMs / 1000)

    def closed(self, uri: str) -> None:
        self._edits[uri] = self._edits.get(uri, 0) + 1
        self.pending.cancel(uri)
        self.settling.cancel(uri)
        self.coach.close_document(uri)
        self._told_too_large.discard(uri)

    def configure(self, raw: object, on_status: Callable[[dict], None]) -> list[str]:
        """Settings arrived: apply them (one message per bad value). With cloud analysis on, the key
        and the model are checked on the cloud worker before any code is sent (cached for a day)."""
        problems = self.coach.configure(raw, on_status)
        if self.coach.cloud_on:
            self.workers.cloud.submit(self.coach.verify_cloud)
        return problems

    def reanalyze_all(self) -> None:
        """Settings changed: every open document is analyzed again, at once."""
        for uri in list(self.coach.sessions):
            self.schedule(uri, 0)
        if not self.coach.examples_on:
            self.workers.examples.submit(self.coach.stop_examples)  # nothing runs; free the worker process
            for uri in list(self.coach.sessions):
                self._examples_ran(uri)  # printed values are gone

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

        breakers: list[tuple[str, ...]] = [()]

        def watch_status() -> None:
            try:
                if self.coach.memory_health_changed():
                    status_changed()
                cloud = self.coach.cloud
                if cloud is not None:
                    # A cooldown that ended shows as half-open. The status reads the budget's store, so
                    # it is built on the cloud worker; a changed breaker queues it even while that is busy.
                    states = cloud.breaker_states()
                    if states != breakers[0] or self.workers.cloud.idle:
                        breakers[0] = states
                        self.workers.cloud.submit(cloud.refresh_status)
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
        self._show(uri, self.coach.with_cloud(uri, self.coach.with_examples(uri, report)))
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
        """After `settleSeconds` of quiet: run the examples, remember the report, then (if on) ask the cloud."""
        delay = float(self.coach.settings.memory.settleSeconds)
        quiet_since = time.monotonic()
        if self.coach.examples_on and not self.coach.examples_ready:
            self.workers.examples.submit(self.coach.prepare_examples)  # warm by the end of the quiet period
        await asyncio.sleep(delay)
        report = self.coach.last_report(uri)
        now = self.frontend.current(uri)
        if now is None or report is None or report.version != now[1]:
            return  # the offline result for this text is not out yet; it will reschedule
        text = now[0]
        await self._examples(uri, text, report.version)
        report = self.coach.last_report(uri) or report  # with the examples' findings
        new = self.coach.settle(uri)
        self.frontend.remembered(uri)
        if not self.coach.cloud_on:
            return
        # Gemini waits for a longer quiet: a thinking pause mid-function is not a finished change.
        # Any edit cancels this task, so what reaches the cloud has been still that long.
        waited = time.monotonic() - quiet_since
        await asyncio.sleep(max(0.0, self.coach.settings.cloud.cloudSettleSeconds - waited))
        if not self._unchanged(uri, report):
            return
        # The analysis first: it is worth more than an explanation prepared ahead.
        try:
            findings = await self.workers.cloud.run(self.coach.cloud_analyze, uri, text, report.offline_findings)
        except Exception:  # noqa: BLE001
            log.exception("Cloud analysis of %s failed; offline findings stay", uri)
            return
        for finding in new[:PREFETCH_PER_SETTLE]:
            self.workers.cloud.submit(self.coach.prefetch_explanation, uri, report, finding)
        if not self._still(uri, report.version) or not self._unchanged(uri, report):
            return  # the learner typed on: this answer is for text that is gone
        # Into what is shown now: another file's examples may have published on this one meanwhile.
        latest = self.coach.last_report(uri) or report
        merged = self.coach.set_cloud(uri, findings, latest)
        if merged is not latest:
            self._show(uri, merged)

    def _unchanged(self, uri: str, report: Report) -> bool:
        """What is shown for `uri` is still for the text `report` was for (a later publish for the
        same text, such as the examples' findings, does not count as a change)."""
        latest = self.coach.last_report(uri)
        return latest is report or (latest is not None and latest.version == report.version
                                    and latest.lines == report.lines)

    # -- the examples stage -------------------------------------------------------------
    async def _examples(self, uri: str, text: str, version: int | None) -> None:
        """Run the examples that cover `uri` at this text and publish what they found. Never raises
        but for cancellation (a newer edit: the run in progress is stopped, and the task ends)."""
        if not self.coach.examples_on:
            return
        inputs = self.coach.examples_documents(uri)
        seen = {document: self._edits.get(document, 0) for document in inputs}
        stop = threading.Event()

        def cancelled() -> bool:  # polled by the examples worker while the run waits on its child
            return stop.is_set() or any(self._edits.get(d, 0) != n for d, n in seen.items())

        started = time.perf_counter()
        try:
            run = await self.workers.examples.run(self.coach.run_examples_live, uri, text, version, cancelled)
        except asyncio.CancelledError:
            stop.set()  # the worker thread goes on until the run notices: make it notice now
            log.debug("Stopped the examples of %s v%s: the text moved on", uri, version)
            raise
        except Exception:  # noqa: BLE001 - the learner's code can never take the server down
            log.exception("Running the examples of %s failed; the findings shown stay", uri)
            return
        if run is None:
            return
        if cancelled() or not self._still(uri, version):
            log.debug("Dropped the examples of %s v%s: the text moved on", uri, version)
            return
        update = self.coach.set_examples(run)
        for document, merged in update.reports.items():
            self._show(document, merged)
            if document != uri:
                self.coach.settle(document)  # the learner paused here too: remember what it shows
        for document in update.documents:
            self._examples_ran(document)
        report = run.report
        log.debug("Examples of %s v%s: %s, %s in %.1f ms (the learner's code %.1f ms), %.1f ms here",
                  uri, version, report.status, report.counts, report.seconds * 1000,
                  report.examples_seconds * 1000, (time.perf_counter() - started) * 1000)

    def _examples_ran(self, uri: str) -> None:
        hook = getattr(self.frontend, "examples_ran", None)  # optional for front ends
        if hook is not None:
            try:
                hook(uri)
            except Exception:  # noqa: BLE001
                log.exception("The front end failed to take the examples of %s", uri)

    def _skip_too_large(self, uri: str, size: int, version: int | None) -> None:
        first = uri not in self._told_too_large
        self._told_too_large.add(uri)
        message = (f"Code Coach does not analyze {uri.rsplit('/', 1)[-1]}: it is {size // 1024} KB, "
                   f"more than the {MAX_ANALYZED_CHARS // 1024} KB it checks to keep the editor responsive.")
        if first:
            log.warning("%s", message)
        self.frontend.too_large(uri, size, version, message if first else "")
