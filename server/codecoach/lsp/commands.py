"""workspace/executeCommand: the coach's custom commands, each a few lines over the `Coach`.

Every command takes (at most) one JSON object, typed in `arguments.py`, and
returns JSON the extension renders (shapes in docs/services.md). The ones that
read the memory run on the services worker with work-done progress the user
can cancel, so analysis never waits behind them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams, JsonRpcRequestCancelled

from . import convert
from .arguments import (
    DisableRuleArgs,
    ExplainArgs,
    FeedbackArgs,
    NoArgs,
    RecommendArgs,
    SummaryArgs,
    one_object,
    parse,
)
from .server import CoachServer  # at run time: pygls reads the handlers' type hints

log = logging.getLogger("codecoach")

EXPLAIN = "codecoach.explain"
RECOMMEND = "codecoach.showRecommendations"
DISABLE_RULE = "codecoach.disableRule"
FEEDBACK = "codecoach.feedback"
SUMMARY = "codecoach.showSummary"
INSIGHTS = "codecoach.showInsights"


def explain(ls: CoachServer, *args: Any) -> dict:
    """Explain the mistakes in a range, or what the selected code is made of."""
    request = one_object(args, EXPLAIN, ("uri", "range"))
    report = ls.coach.last_report(str(request["uri"]))  # first: "not open" says more than a bad range
    if report is None or ls.workspace.text_documents.get(request["uri"]) is None:
        raise JsonRpcInvalidParams(f"{request['uri']} is not open in the editor")
    typed = parse(request, ExplainArgs, EXPLAIN)
    codec = ls.workspace.position_codec
    start = convert.from_position(typed.range.start, report.lines, codec)
    end = convert.from_position(typed.range.end, report.lines, codec)
    return ls.coach.explain(typed.uri, start, end)


def disable_rule(ls: CoachServer, *args: Any) -> dict:
    """Stop reporting a rule in this session (the extension saves it in the user's settings)."""
    rule = parse(args, DisableRuleArgs, DISABLE_RULE).rule
    disabled = ls.coach.disable_rule(rule)
    log.info("Rule %s switched off; re-enable it in the codecoach.disabledRules setting", rule.upper())
    ls.live.reanalyze_all()
    return {"disabledRules": disabled}


def feedback(ls: CoachServer, *args: Any) -> dict:
    """'Was this explanation helpful?': stored, and used to rank explanations."""
    request = parse(args, FeedbackArgs, FEEDBACK)
    ls.coach.feedback(request.uri, request.rule.upper(), request.helpful, request.note)
    return {"recorded": True}


async def show_summary(ls: CoachServer, *args: Any) -> dict:
    """The learning summary of a day, a week or a date range (JSON for the summary view)."""
    request = parse(args, SummaryArgs, SUMMARY)
    start, end = _date(request.start, "from"), _date(request.end, "to")
    return await _run_service(ls, "Code Coach: learning summary",
                              lambda cancelled: ls.coach.summary(request.period, start, end, cancelled))


async def show_insights(ls: CoachServer, *args: Any) -> dict:
    """Key mistakes, topics and topic difficulty, for the open files and the workspace."""
    parse(args, NoArgs, INSIGHTS)
    return await _run_service(ls, "Code Coach: insights", lambda cancelled: ls.coach.insights(cancelled=cancelled))


async def show_recommendations(ls: CoachServer, *args: Any) -> dict:
    """Learning material for recent struggles (optionally for one concept)."""
    concept = parse(args, RecommendArgs, RECOMMEND).concept or None
    return await _run_service(ls, "Code Coach: recommendations",
                              lambda cancelled: ls.coach.recommendations(concept, cancelled=cancelled))


COMMANDS: dict[str, Callable] = {
    EXPLAIN: explain,
    DISABLE_RULE: disable_rule,
    FEEDBACK: feedback,
    SUMMARY: show_summary,
    INSIGHTS: show_insights,
    RECOMMEND: show_recommendations,
}


# -- services: read the memory, with progress the user can cancel -------------
async def _run_service(ls: CoachServer, title: str, job: Callable[[Callable[[], bool]], dict]) -> dict:
    """Run `job(cancelled)` on the services worker, with cancellable work-done progress."""
    from ..services import Cancelled

    cancelled = threading.Event()
    token = await _begin_progress(ls, title, cancelled)
    try:
        result = await ls.live.answer(job, cancelled.is_set)
        if cancelled.is_set():  # cancelled after the last check: the user no longer wants it
            raise Cancelled()
        return result
    except asyncio.CancelledError:
        cancelled.set()
        raise
    except Cancelled:
        raise JsonRpcRequestCancelled(f"{title} was cancelled") from None
    except ValueError as error:
        raise JsonRpcInvalidParams(str(error)) from None
    finally:
        if token is not None:
            ls.work_done_progress.end(token, lsp.WorkDoneProgressEnd())
            ls.work_done_progress.tokens.pop(token, None)


async def _begin_progress(ls: CoachServer, title: str, cancelled: threading.Event) -> str | None:
    window = ls.client_capabilities.window
    if not (window and window.work_done_progress):
        return None
    token = f"codecoach-{uuid.uuid4()}"
    try:
        await ls.work_done_progress.create_async(token)
    except Exception:  # noqa: BLE001 - progress is a nicety; the answer still comes
        return None
    ls.work_done_progress.begin(token, lsp.WorkDoneProgressBegin(title=title, cancellable=True))
    future = ls.work_done_progress.tokens.get(token)
    if future is not None:
        future.add_done_callback(lambda _f: cancelled.set())
    return token


def _date(value: str | None, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise JsonRpcInvalidParams(f"{field} must be a date like 2026-11-21, not {value!r}") from None
