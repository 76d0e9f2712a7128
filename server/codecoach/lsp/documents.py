"""didOpen, didChange, didClose: a document's life, and the work its edits schedule.

Edit -> (debounceMs) analysis on the analysis worker -> publish if the
document is still at that version -> (settleSeconds of quiet) the coach
remembers what is on screen -> (cloudSettleSeconds) Gemini on the cloud
worker -> publish the merge if the text is still the same. Any edit cancels
the document's pending timers, so a stale result is never published.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from . import convert, publish

if TYPE_CHECKING:
    from .server import CoachServer

log = logging.getLogger("codecoach")

# Larger documents are not analyzed (the learner is told once). ast.parse holds the GIL for
# its whole run (~0.2 s for 150 KB, seconds for megabytes), and so does the collection of the
# analysis' garbage afterwards: above this size the event loop would stall past 200 ms however
# the analysis is threaded (tests/reliability measures it). A learner's program is far smaller.
MAX_ANALYZED_CHARS = 64 * 1024
# Explanations prepared ahead per quiet period: a burst of new mistakes must not drain the
# quota (the economy benchmark counts them); a hover on any other finding still works offline.
PREFETCH_PER_SETTLE = 1


# -- handlers -----------------------------------------------------------------------------
def on_open(ls: CoachServer, params: lsp.DidOpenTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.coach.open_document(uri)
    schedule_analysis(ls, uri, 0)  # at once: the first diagnostics should come fast


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
    schedule_analysis(ls, uri, ls.coach.settings.analysis.debounceMs / 1000)


def on_close(ls: CoachServer, params: lsp.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.pending.cancel(uri)
    ls.settling.cancel(uri)
    ls.coach.close_document(uri)
    ls.too_large.discard(uri)
    ls.capped.discard(uri)
    publish.clear(ls, uri)


def reanalyze_all(ls: CoachServer) -> None:
    """Settings changed: every open document is analyzed again, at once."""
    for uri in list(ls.coach.sessions):
        schedule_analysis(ls, uri, 0)


# -- the pipeline -------------------------------------------------------------------------
def schedule_analysis(ls: CoachServer, uri: str, delay: float) -> None:
    ls.pending.replace(uri, _analyze(ls, uri, delay))


async def _analyze(ls: CoachServer, uri: str, delay: float) -> None:
    if delay > 0:
        await asyncio.sleep(delay)
    document = ls.workspace.text_documents.get(uri)
    if document is None or not ls.coach.is_open(uri):
        return
    text, version = document.source, document.version
    if len(text) > MAX_ANALYZED_CHARS:
        _skip_too_large(ls, uri, len(text), version)
        return
    ls.too_large.discard(uri)
    started = time.perf_counter()
    try:
        report = await ls.workers.analysis.run(ls.coach.analyze, uri, text, version)
    except Exception:  # noqa: BLE001 - one bad file must not take the server down
        log.exception("Analysis of %s failed; keeping the previous diagnostics", uri)
        return
    current = ls.workspace.text_documents.get(uri)
    if current is None or current.version != version or not ls.coach.is_open(uri):
        log.debug("Dropped stale result for %s v%s", uri, version)
        return
    publish.publish(ls, uri, ls.coach.with_cloud(uri, report))
    ls.settling.replace(uri, _settled(ls, uri))
    # Collect the analysis' cyclic garbage (pyflakes links AST nodes to their
    # parents) now that the result is out, instead of in the middle of the next one.
    ls.workers.analysis.submit(gc.collect, 1)
    log.debug("Analyzed %s v%s in %.1f ms: %d finding(s)", uri, version,
              (time.perf_counter() - started) * 1000, len(report.findings))


async def _settled(ls: CoachServer, uri: str) -> None:
    """After `settleSeconds` of quiet: remember the report, then (if on) ask the cloud."""
    delay = float(ls.coach.settings.memory.settleSeconds)
    await asyncio.sleep(delay)
    report = ls.coach.last_report(uri)
    document = ls.workspace.text_documents.get(uri)
    if document is None or report is None or report.version != document.version:
        return  # the offline result for this text is not out yet; it will reschedule
    new = ls.coach.settle(uri)
    if not ls.coach.cloud_on:
        return
    # Gemini waits for a longer quiet: a thinking pause mid-function is not a finished change.
    # Any edit cancels this task, so what reaches the cloud has been still that long.
    await asyncio.sleep(max(0.0, ls.coach.settings.cloud.cloudSettleSeconds - delay))
    if ls.coach.last_report(uri) is not report:
        return
    # The analysis first: it is worth more than an explanation prepared ahead.
    try:
        findings = await ls.workers.cloud.run(ls.coach.cloud_analyze, uri, document.source, report.offline_findings)
    except Exception:  # noqa: BLE001
        log.exception("Cloud analysis of %s failed; offline findings stay", uri)
        return
    for finding in new[:PREFETCH_PER_SETTLE]:
        ls.workers.cloud.submit(ls.coach.prefetch_explanation, uri, report, finding)
    current = ls.workspace.text_documents.get(uri)
    if current is None or current.version != report.version or ls.coach.last_report(uri) is not report:
        return  # the learner typed on: this answer is for text that is gone
    merged = ls.coach.set_cloud(uri, findings, report)
    if merged is not report:
        publish.publish(ls, uri, merged)


def _skip_too_large(ls: CoachServer, uri: str, size: int, version: int | None) -> None:
    """Clear the document's diagnostics and say once why it gets none."""
    publish.clear(ls, uri, version)
    if uri in ls.too_large:
        return
    ls.too_large.add(uri)
    message = (f"Code Coach does not analyze {uri.rsplit('/', 1)[-1]}: it is {size // 1024} KB, "
               f"more than the {MAX_ANALYZED_CHARS // 1024} KB it checks to keep the editor responsive.")
    log.warning("%s", message)
    ls.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Info, message=message))
