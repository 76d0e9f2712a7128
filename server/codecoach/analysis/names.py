"""Undefined and unused names, from pyflakes used as a library.

pyflakes is fast and precise about scopes; re-implementing it would be worse.
Its messages are mapped onto the catalogue's CC6xx rules so they carry the
same explanations, ids and docs links as every other finding.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from pyflakes import checker, messages

from .findings import Finding, Position, Source, Span, code_point_column
from .markup import Markup
from .rules import BY_ID

# pyflakes message class -> rule id
_MAPPING: dict[type, str] = {
    messages.UndefinedName: "CC602",
    messages.UndefinedLocal: "CC603",
    messages.UnusedVariable: "CC604",
    messages.UnusedImport: "CC605",
    messages.ReturnOutsideFunction: "CC606",
    messages.YieldOutsideFunction: "CC606",
    messages.ContinueOutsideLoop: "CC606",
    messages.BreakOutsideLoop: "CC606",
    messages.RedefinedWhileUnused: "CC607",
    messages.MultiValueRepeatedKeyLiteral: "CC608",
}

# Code that could be deleted: editors fade it out instead of underlining it.
_UNNECESSARY = {"CC604", "CC605"}

_OUTSIDE = {
    messages.ReturnOutsideFunction: "`return` is outside of any function",
    messages.YieldOutsideFunction: "`yield` is outside of any function",
    messages.ContinueOutsideLoop: "`continue` is not inside a loop",
    messages.BreakOutsideLoop: "`break` is not inside a loop",
}


def name_findings(tree: ast.Module, lines: list[str]) -> list[Finding]:
    try:
        result = checker.Checker(tree, filename="<code-coach>")
    except (RecursionError, Exception):  # noqa: BLE001 - a checker bug must not cost the other findings
        return []
    findings = []
    for message in result.messages:
        rule_id = _MAPPING.get(type(message))
        if rule_id is None:
            continue
        name = str(message.message_args[0]) if message.message_args else ""
        args = {"name": name, "what": Markup(_OUTSIDE.get(type(message), ""))}
        if type(message) is messages.UnusedImport:
            # pyflakes reports the dotted import path; show what the learner typed.
            args["name"] = name.split(" as ")[-1]
        line = message.lineno - 1
        col = code_point_column(lines, line, message.col)
        width = len(args["name"]) if rule_id in ("CC602", "CC603", "CC604") else 0
        span = _span(lines, line, col, width)
        rule = BY_ID[rule_id]
        finding = rule.finding(span, args)
        tags = ("unnecessary",) if rule_id in _UNNECESSARY else ()
        findings.append(replace(finding, source=Source.NAMES, tags=tags))
    return findings


def _span(lines: list[str], line: int, col: int, width: int) -> Span:
    text = lines[line].rstrip("\r\n") if 0 <= line < len(lines) else ""
    if width:
        # pyflakes points at the statement for some messages; find the name itself.
        return Span(Position(line, col), Position(line, col + width))
    end = len(text)
    return Span(Position(line, col), Position(line, max(end, col + 1)))
