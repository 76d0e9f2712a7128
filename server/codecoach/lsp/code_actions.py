"""textDocument/codeAction: the light bulb on a Code Coach diagnostic."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from ..analysis.concepts import label
from . import convert
from .arguments import unstructure
from .commands import DISABLE_RULE, EXPLAIN, RECOMMEND

if TYPE_CHECKING:
    from .server import CoachServer

OPTIONS = lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix])


def on_code_action(ls: CoachServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    actions: list[lsp.CodeAction] = []
    for diagnostic in params.context.diagnostics:
        if diagnostic.source != convert.SOURCE or not diagnostic.code:
            continue
        rule = str(diagnostic.code)
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        concepts = data.get("concepts") or []
        where = {"uri": params.text_document.uri, "range": unstructure(diagnostic.range)}
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
