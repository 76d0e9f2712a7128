"""textDocument/codeAction: the light bulb on a Code Coach diagnostic."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types as lsp

from ..services.explain import quick_fixes
from . import convert
from .arguments import unstructure
from .commands import DISABLE_RULE, EXPLAIN, RECOMMEND

if TYPE_CHECKING:
    from .server import CoachServer

OPTIONS = lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix])


_COMMANDS = {"explain": EXPLAIN, "recommend": RECOMMEND, "disable": DISABLE_RULE}


def on_code_action(ls: CoachServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    actions: list[lsp.CodeAction] = []
    for diagnostic in params.context.diagnostics:
        if diagnostic.source != convert.SOURCE or not diagnostic.code:
            continue
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        for fix in quick_fixes(str(diagnostic.code), list(data.get("concepts") or [])):
            argument = fix.argument
            if fix.kind == "explain":  # where the finding is, in the client's own terms
                argument = {"uri": params.text_document.uri, "range": unstructure(diagnostic.range)}
            actions.append(_action(fix.title, diagnostic, _COMMANDS[fix.kind], argument))
    return actions


def _action(title: str, diagnostic: lsp.Diagnostic, command: str, argument: dict) -> lsp.CodeAction:
    return lsp.CodeAction(
        title=title,
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        command=lsp.Command(title=title, command=command, arguments=[argument]),
    )
