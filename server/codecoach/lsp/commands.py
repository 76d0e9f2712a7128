"""workspace/executeCommand handlers and code actions.

Every command takes one JSON object argument and returns JSON the extension
renders. Anything that reads the memory runs on its own worker thread with
work-done progress the user can cancel, so analysis never waits behind it.
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

from ..analysis.concepts import label
from ..services.explain import explain_code, explain_findings
from . import convert
from .server import CoachServer, server

log = logging.getLogger("codecoach")

EXPLAIN = "codecoach.explain"
RECOMMEND = "codecoach.showRecommendations"
DISABLE_RULE = "codecoach.disableRule"
FEEDBACK = "codecoach.feedback"
# How long a service waits for just-recorded events to be committed before reading.
FLUSH_SECONDS = 2.0


@server.feature(
    lsp.TEXT_DOCUMENT_CODE_ACTION,
    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]),
)
def on_code_action(ls: CoachServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    actions: list[lsp.CodeAction] = []
    for diagnostic in params.context.diagnostics:
        if diagnostic.source != convert.SOURCE or not diagnostic.code:
            continue
        rule = str(diagnostic.code)
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        concepts = data.get("concepts") or []
        where = {"uri": params.text_document.uri, "range": ls.protocol._converter.unstructure(diagnostic.range)}
        actions.append(_action(f"Explain this mistake ({rule})", diagnostic, EXPLAIN, where))
        if concepts:
            actions.append(_action(
                f"Recommendations for {label(concepts[0]).lower()}", diagnostic, RECOMMEND, {"concept": concepts[0]}
            ))
        actions.append(_action(f"Don't show {rule} again", diagnostic, DISABLE_RULE, {"rule": rule}))
    return actions


def _action(title: str, diagnostic: lsp.Diagnostic, command: str, argument: dict) -> lsp.CodeAction:
    return lsp.CodeAction(
        title=title,
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        command=lsp.Command(title=title, command=command, arguments=[argument]),
    )


def _single_object(args: tuple, command: str, *required: str) -> dict:
    if len(args) != 1 or not isinstance(args[0], dict) or any(key not in args[0] for key in required):
        fields = ", ".join(required) or "no fields"
        raise JsonRpcInvalidParams(f"{command} takes one object argument with {fields}")
    return args[0]


@server.command(EXPLAIN)
def explain(ls: CoachServer, *args: Any) -> dict:
    """Explain the mistakes in a range, or what the selected code is made of."""
    request = _single_object(args, EXPLAIN, "uri", "range")
    uri = request["uri"]
    session = ls.coach.sessions.get(uri)
    document = ls.workspace.text_documents.get(uri)
    if session is None or document is None or session.last is None:
        raise JsonRpcInvalidParams(f"{uri} is not open in the editor")
    try:
        client_range = ls.protocol._converter.structure(request["range"], lsp.Range)
    except Exception as error:  # noqa: BLE001 - cattrs raises several kinds
        raise JsonRpcInvalidParams(f"{EXPLAIN}: range is not an LSP range ({error})") from None
    report = session.last
    codec = ls.workspace.position_codec
    start = convert.from_position(client_range.start, report.lines, codec)
    end = convert.from_position(client_range.end, report.lines, codec)
    findings = [
        f for f in report.findings
        if f.span.start <= end and start <= f.span.end
    ]
    if findings:
        for finding in findings:
            ls.coach.read(uri, finding, kind="explain")
        return {"markdown": explain_findings(findings), "rules": [f.rule_id for f in findings]}
    selected = "".join(report.lines[start.line : end.line + 1])
    if start.line == end.line:
        selected = report.lines[start.line][start.column : end.column]
    return explain_code(selected, ls.coach.analyzer) | {"rules": []}


@server.command(DISABLE_RULE)
def disable_rule(ls: CoachServer, *args: Any) -> dict:
    """Stop reporting a rule in this session (VS Code also saves it in the user's settings)."""
    rule = str(_single_object(args, DISABLE_RULE, "rule")["rule"]).upper()
    disabled = sorted(ls.settings.disabledRules | {rule})
    ls.apply_settings({"disabledRules": disabled})
    log.info("Rule %s switched off; re-enable it in the codecoach.disabledRules setting", rule)
    for uri in list(ls.coach.sessions):
        ls.schedule(uri, 0)
    return {"disabledRules": disabled}


@server.command(FEEDBACK)
def feedback(ls: CoachServer, *args: Any) -> dict:
    """'Was this explanation helpful?': stored, and used to rank explanations."""
    request = _single_object(args, FEEDBACK, "rule", "helpful")
    if not isinstance(request["helpful"], bool):
        raise JsonRpcInvalidParams(f"{FEEDBACK}: helpful must be true or false")
    ls.coach.feedback(str(request.get("uri", "")), str(request["rule"]).upper(), request["helpful"],
                      str(request.get("note", "")))
    return {"recorded": True}


# -- services: read the memory, with progress the user can cancel -------------

SUMMARY = "codecoach.showSummary"
INSIGHTS = "codecoach.showInsights"


def _optional_object(args: tuple, command: str) -> dict:
    if not args or args[0] is None:
        return {}
    if len(args) != 1 or not isinstance(args[0], dict):
        raise JsonRpcInvalidParams(f"{command} takes at most one object argument")
    return args[0]


async def _run_service(ls: CoachServer, title: str, job: Callable[[Any, Callable[[], bool]], dict]) -> dict:
    """Run `job(memory, cancelled)` on the services worker, with cancellable work-done progress."""
    from ..services import Cancelled

    cancelled = threading.Event()
    ls.coach.settle_all()  # the learner asked now: what is on screen counts
    token = await _begin_progress(ls, title, cancelled)

    def work() -> dict:
        memory = ls.coach.memory_now()
        if memory is not None:
            memory.flush(FLUSH_SECONDS, index=False)  # include what was just recorded
        return job(memory, cancelled.is_set)

    try:
        result = await asyncio.get_running_loop().run_in_executor(ls.services_worker, work)
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


def _date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise JsonRpcInvalidParams(f"{field} must be a date like 2026-11-21, not {value!r}") from None


@server.command(SUMMARY)
async def show_summary(ls: CoachServer, *args: Any) -> dict:
    """The learning summary of a day, a week or a date range (JSON for the summary view)."""
    from ..services.summary import summary

    request = _optional_object(args, SUMMARY)
    period = request.get("period", "day")
    start, end = _date(request.get("from"), "from"), _date(request.get("to"), "to")
    narrate = ls.coach.cloud.narrate if ls.coach.cloud is not None else None
    return await _run_service(
        ls, "Code Coach: learning summary",
        lambda memory, cancelled: summary(
            memory, period=period, start=start, end=end, narrate=narrate, cancelled=cancelled
        ),
    )


@server.command(INSIGHTS)
async def show_insights(ls: CoachServer, *args: Any) -> dict:
    """Key mistakes, topics and topic difficulty, for the open files and the workspace."""
    from ..services.insights import insights

    _optional_object(args, INSIGHTS)
    open_reports = {uri: s.last for uri, s in ls.coach.sessions.items() if s.last is not None}
    return await _run_service(
        ls, "Code Coach: insights",
        lambda memory, cancelled: insights(memory, open_reports=open_reports, cancelled=cancelled),
    )


@server.command(RECOMMEND)
async def show_recommendations(ls: CoachServer, *args: Any) -> dict:
    """Learning material for recent struggles (optionally for one concept)."""
    from ..services.recommend import recommendations

    request = _optional_object(args, RECOMMEND)
    concept = request.get("concept") or None
    tailor = ls.coach.cloud.tailor if ls.coach.cloud is not None else None
    return await _run_service(
        ls, "Code Coach: recommendations",
        lambda memory, cancelled: recommendations(memory, concept=concept, tailor=tailor, cancelled=cancelled),
    )
