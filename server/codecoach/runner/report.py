"""From what the child saw to what the learner reads: findings, printed values, outcomes.

Runs in the server process on plain data (the worker's JSON); imports only the
standard library and the domain's `Finding` type. Every message is one line
and names values; every hover teaches (rules.py) and never gives the fix.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..analysis.findings import Finding, Position, Source, Span, code_point_column, split_lines
from ..analysis.markup import code_span, value_text
from .discovery import Plan
from .protocol import (
    ASSERT,
    DOCTEST,
    ERROR,
    FAILED,
    IMPORT,
    MEMORY,
    NOT_RUN,
    PASSED,
    SCRIPT,
    TIMEOUT,
    Limits,
)
from .rules import RULES

MESSAGE_CHARS = 160
FAILING = (FAILED, ERROR, TIMEOUT, MEMORY)

# Report statuses.
RAN = "ran"
OFF = "off"
CANCELLED = "cancelled"
NOT_RUNNABLE = "not-runnable"  # the file does not parse: the offline analysis already says why
BROKEN = "failed"  # the worker could not run it (the report says why)


@dataclass(frozen=True)
class PrintedValue:
    """What one line printed during the run: the last text and how many times it printed."""

    line: int  # 0-based, in the learner's file
    text: str
    count: int

    def label(self, width: int = 60) -> str:
        """`42`, or `i = 3 … ×10` for a line that printed ten times."""
        text = self.text.replace("\r", "").replace("\n", " ⏎ ")
        if len(text) > width:
            text = text[: width - 1] + "…"
        return f"{text} … ×{self.count}" if self.count > 1 else text


@dataclass(frozen=True)
class ExampleOutcome:
    id: str
    kind: str
    name: str
    file: str  # original path of the file the example lives in
    line: int  # 0-based, -1 when the example has no line (an I/O pair)
    status: str
    reason: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class SuspiciousLine:
    line: int  # 0-based, in the learner's file
    score: float  # Ochiai, 0..1
    failing: int  # failing examples that ran it
    passing: int  # passing examples that ran it


@dataclass(frozen=True)
class ExampleReport:
    """One run of one version of one file. Front ends drop it if the text moved on (`version`)."""

    path: str
    version: int | None
    text: str
    status: str
    findings: tuple[Finding, ...] = ()
    # Findings that belong on other files (a failing assert in test_<stem>.py), by original path.
    elsewhere: dict[str, tuple[Finding, ...]] = field(default_factory=dict)
    printed: tuple[PrintedValue, ...] = ()
    outcomes: tuple[ExampleOutcome, ...] = ()
    suspicious: tuple[SuspiciousLine, ...] = ()
    stdout: str = ""
    stdout_truncated: bool = False
    seconds: float = 0.0  # from run() being called to the report
    examples_seconds: float = 0.0  # of which the examples' own run time (the learner's code)
    message: str = ""  # why nothing ran, or what went wrong

    @property
    def overhead_seconds(self) -> float:
        return max(self.seconds - self.examples_seconds, 0.0)

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "message": self.message,
            "counts": self.counts,
            "examples": [
                {"id": o.id, "kind": o.kind, "name": o.name, "file": o.file,
                 "line": o.line + 1 if o.line >= 0 else None, "status": o.status, "reason": o.reason,
                 "seconds": round(o.seconds, 4)}
                for o in self.outcomes
            ],
            "printed": [{"line": p.line + 1, "text": p.text, "count": p.count, "label": p.label()}
                        for p in self.printed],
            "suspicious": [{"line": s.line + 1, "score": round(s.score, 3), "failing": s.failing,
                            "passing": s.passing} for s in self.suspicious[:5]],
            "elsewhere": {path: [f.to_json() for f in found] for path, found in self.elsewhere.items()},
            "stdout": self.stdout,
            "stdout_truncated": self.stdout_truncated,
            "seconds": round(self.seconds, 4),
            "examples_seconds": round(self.examples_seconds, 4),
        }


def empty_report(path: str, text: str, version: int | None, status: str, message: str = "",
                 seconds: float = 0.0) -> ExampleReport:
    return ExampleReport(path=path, version=version, text=text, status=status, message=message, seconds=seconds)


# --------------------------------------------------------------------------- building the report


class _Texts:
    """The lines of each file of the run, by name in the learner's folder."""

    def __init__(self, plan: Plan, main_text: str) -> None:
        self.folder = Path(plan.path).parent
        self.main = Path(plan.path).name
        self._texts = {f.name: f.text for f in plan.files if f.text is not None}
        self._texts[self.main] = main_text
        self._lines: dict[str, list[str]] = {}
        self._trees: dict[str, ast.Module | None] = {}

    def path(self, name: str) -> str:
        return str(self.folder / name)

    def lines(self, name: str) -> list[str]:
        if name not in self._lines:
            text = self._texts.get(name)
            if text is None:
                try:
                    text = (self.folder / name).read_text(encoding="utf-8", errors="replace")
                except OSError:
                    text = ""
            self._texts[name] = text
            self._lines[name] = split_lines(text)
        return self._lines[name]

    def tree(self, name: str) -> ast.Module | None:
        if name not in self._trees:
            try:
                self._trees[name] = ast.parse("".join(self.lines(name)))
            except (SyntaxError, ValueError):
                self._trees[name] = None
        return self._trees[name]


@dataclass
class _Draft:
    rule: str
    file: str  # name in the learner's folder
    line: int  # 0-based
    message: str
    detail: list[str]
    column: int | None = None  # code points
    end_column: int | None = None
    mirror_line: int | None = None  # where a copy goes in the learner's file when `file` is another one
    count: int = 1


def build_report(plan: Plan, text: str, version: int | None, answer: dict[str, Any], limits: Limits,
                 seconds: float) -> ExampleReport:
    """The report of one run, from the plan and the worker's `done` message."""
    texts = _Texts(plan, text)
    events = answer.get("events") or []
    ending = answer.get("exit") or {}
    by_id: dict[str, dict[str, Any]] = {}
    blocked, inputs, printed, coverage = [], [], [], {}
    stdout, truncated, crash = "", False, None
    for event in events:
        kind = event.get("type")
        if kind == "example":
            by_id[event.get("id")] = event
        elif kind == "blocked":
            blocked.append(event)
        elif kind == "input":
            inputs.append(event)
        elif kind == "coverage":
            coverage = event.get("lines") or {}
        elif kind == "output":
            printed = event.get("printed") or []
            stdout, truncated = event.get("stdout") or "", bool(event.get("truncated"))
        elif kind == "crash":
            crash = event.get("error")

    drafts: list[_Draft] = []
    main = texts.main
    outcomes: list[ExampleOutcome] = []
    examples_seconds = 0.0
    cut_off = _cut_off_reason(ending, crash)
    interrupted_example: str | None = None

    pseudo = [e for e in by_id.values() if e.get("kind") in (IMPORT, SCRIPT)]
    for event in pseudo:
        examples_seconds += float(event.get("seconds") or 0.0)
    for event in pseudo:
        drafts += _drafts_for(event, None, texts, limits, inputs, blocked)

    for example in plan.examples:
        event = by_id.get(example.id)
        if event is None:
            status = NOT_RUN
            reason = cut_off or "not reached"
            if cut_off and interrupted_example is None:
                interrupted_example = example.id
                status, reason = (TIMEOUT if "time" in cut_off else ERROR), cut_off
        else:
            status = event.get("status", NOT_RUN)
            reason = event.get("reason", "")
            if event.get("kind") not in (IMPORT, SCRIPT, ASSERT):  # asserts run inside the import: counted there
                examples_seconds += float(event.get("seconds") or 0.0)
            drafts += _drafts_for(event, example, texts, limits, inputs, blocked)
        outcomes.append(ExampleOutcome(example.id, example.kind, example.name, example.file, example.line, status,
                                       reason, float((event or {}).get("seconds") or 0.0)))

    if cut_off:
        drafts += _cut_off_drafts(cut_off, ending, texts, limits, interrupted_example, plan, by_id)
    drafts += _blocked_drafts(blocked, texts, plan)
    drafts += _input_drafts(inputs, texts, plan)
    for problem in plan.problems + tuple(ending.get("copy_problems") or ()):
        drafts.append(_Draft("CC819", main, 0, _one_line(problem), [f"- {problem}"]))
    if ending.get("error"):
        drafts.append(_Draft("CC819", main, 0, "the examples could not run: the coach's worker failed",
                             [f"- {ending['error']}"]))

    suspicious = _ochiai(outcomes, coverage, texts)
    drafts += _suspicious_drafts(suspicious, main)

    findings, elsewhere = _findings(_merge(drafts), texts)
    printed_values = tuple(sorted(
        (PrintedValue(int(p["line"]) - 1, str(p.get("text", "")), int(p.get("count", 1)))
         for p in printed if p.get("file") == main and isinstance(p.get("line"), int)),
        key=lambda p: p.line,
    ))
    return ExampleReport(
        path=plan.path, version=version, text=text, status=RAN, findings=findings, elsewhere=elsewhere,
        printed=printed_values, outcomes=tuple(outcomes), suspicious=tuple(suspicious), stdout=stdout,
        stdout_truncated=truncated, seconds=seconds, examples_seconds=examples_seconds,
        message=cut_off or "",
    )


def _cut_off_reason(ending: dict[str, Any], crash: str | None) -> str | None:
    killed = ending.get("killed")
    if killed == "wall-clock":
        return "the run was stopped: it went past its time limit"
    name = ending.get("signal_name")
    if name in ("SIGXCPU", "SIGKILL"):
        return "the run was stopped: it used up its CPU time"
    if name:
        return f"the example process crashed ({name})"
    if crash:
        return f"the example process failed ({crash})"
    if ending.get("code") not in (None, 0):
        return f"the example process ended early (exit code {ending.get('code')})"
    return None


# --------------------------------------------------------------------------- one example's findings


def _example_place(example, texts: _Texts) -> tuple[str, int]:
    if example is None:
        return texts.main, 0
    return Path(example.file).name, max(example.line, 0)


def _drafts_for(event: dict[str, Any], example, texts: _Texts, limits: Limits, inputs: list, blocked: list) -> list:
    status = event.get("status")
    if status == FAILED:
        return [_failure_draft(event, example, texts)]
    if status == ERROR:
        error = event.get("error") or {}
        if error.get("type") == "BlockedBySandbox" or (
                error.get("type") == "PermissionError" and any(b.get("example") == event.get("id") for b in blocked)):
            return []  # the blocked action is the finding
        if error.get("type") == "EOFError" and any(i.get("example") == event.get("id") for i in inputs):
            return []  # "needs keyboard input" says it better
        return [_exception_draft(event, example, texts)]
    if status == TIMEOUT:
        return [_timeout_draft(event, example, texts)]
    if status == MEMORY:
        file, line = _site_place(event.get("error") or {}, example, texts)
        return [_Draft("CC814", file, line, f"used more memory than examples may ({limits.memory_mb} MB) around this line",
                       _example_lines(example, texts, event), mirror_line=_mirror(event, texts))]
    return []


def _mirror(event: dict[str, Any], texts: _Texts | None = None) -> int | None:
    """Where the learner's file gets a copy of a finding on another file: the def of the function under test."""
    failure = event.get("failure") or {}
    call = event.get("call") or failure.get("call")
    if call and isinstance(call.get("def_line"), int) and call.get("file") == (texts.main if texts else call["file"]):
        return call["def_line"] - 1
    if texts is None:
        return None
    # No recorded call (a unittest assert method, a doctest): the function the example's code names.
    source = failure.get("left_source") or failure.get("source") or event.get("source")
    try:
        expression = ast.parse((source or "").strip(), mode="eval").body if source else None
    except SyntaxError:
        expression = None
    tree = texts.tree(texts.main)
    names = {n.id for n in ast.walk(expression) if isinstance(n, ast.Name)} if expression is not None else set()
    for node in tree.body if tree is not None else ():
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in names:
            return node.lineno - 1
    return None


def _example_lines(example, texts: _Texts, event: dict[str, Any]) -> list[str]:
    if example is None:
        return []
    where = Path(example.file).name
    line = f", line {example.line + 1}" if example.line >= 0 else ""
    lines = [f"- Example: {example.name} ({where}{line})"]
    source = event.get("source")
    if source:
        lines.append(f"- Code: {code_span(_one_line(source, 100))}")
    return lines


def _call_lines(call: dict[str, Any] | None) -> list[str]:
    if not call or not call.get("args"):
        return []
    return ["- Arguments: " + ", ".join(f"{value_text(name)} = {value_text(value)}" for name, value in call["args"])]


def _is_call(source: str | None) -> bool:
    if not source:
        return False
    try:
        return isinstance(ast.parse(source.strip(), mode="eval").body, ast.Call)
    except SyntaxError:
        return False


_OP_TEXT = {"Eq": "==", "NotEq": "!=", "Lt": "<", "LtE": "<=", "Gt": ">", "GtE": ">=", "Is": "is",
            "IsNot": "is not", "In": "in", "NotIn": "not in"}
_UNITTEST_OPS = {"assertEqual": "Eq", "assertEquals": "Eq", "assertAlmostEqual": "Eq", "assertListEqual": "Eq",
                 "assertTupleEqual": "Eq", "assertDictEqual": "Eq", "assertSetEqual": "Eq",
                 "assertSequenceEqual": "Eq", "assertCountEqual": "Eq", "assertMultiLineEqual": "Eq",
                 "assertNotEqual": "NotEq", "assertTrue": "Truth", "assertFalse": "Not", "assertIn": "In",
                 "assertNotIn": "NotIn", "assertIs": "Is", "assertIsNot": "IsNot", "assertIsNone": "Is",
                 "assertIsNotNone": "IsNot", "assertLess": "Lt", "assertLessEqual": "LtE",
                 "assertGreater": "Gt", "assertGreaterEqual": "GtE"}


def _comparison_message(op: str, left_source: str, left: str, right_source: str | None, right: str | None) -> str:
    verb = "returned" if _is_call(left_source) else "is"
    shown = _one_line(left_source, 80)
    if op == "Eq":
        return f"{code_span(shown)} {verb} {value_text(left)}, expected {value_text(right)}"
    if op == "Truth":
        return f"{code_span(shown)} {verb} {value_text(left)}, expected a true value"
    if op == "Not":
        return f"{code_span(shown)} {verb} {value_text(left)}, expected a false value"
    if op == "NotEq":
        return f"{code_span(shown)} {verb} {value_text(left)}, expected anything else"
    text = _OP_TEXT.get(op, op)
    right_text = right_source if right_source is not None else right
    return (f"{code_span(f'{shown} {text} {_one_line(right_text or chr(32), 60)}')} does not hold: "
            f"{code_span(shown)} {verb} {value_text(left)}")


def _failure_draft(event: dict[str, Any], example, texts: _Texts) -> _Draft:
    failure = event.get("failure") or {}
    call = failure.get("call") or event.get("call")
    file, line = _example_place(example, texts)
    detail = _example_lines(example, texts, event)
    if failure.get("io"):
        return _io_draft(failure, example, texts)
    if failure.get("doctest"):
        source, expected, actual = failure.get("source", ""), failure.get("expected", ""), failure.get("actual", "")
        verb = "returned" if _is_call(source) else "gave"
        shown_actual = _first_line(actual) if actual else "nothing"
        message = f"{code_span(_one_line(source, 80))} {verb} {value_text(shown_actual)}, expected {value_text(_first_line(expected)) or 'nothing'}"
        detail = detail[:1] + [f"- Code: {code_span(_one_line(source, 100))}", f"- Expected: {value_text(_one_line(expected, 200), 200)}",
                               f"- Actual: {value_text(_one_line(actual, 200), 200) or '(nothing)'}"]
        return _Draft("CC801", file, line, message, detail + _call_lines(call), mirror_line=_mirror(event, texts))
    op = failure.get("op") or _UNITTEST_OPS.get(failure.get("method", ""))
    left_source = failure.get("left_source")
    if op and left_source and failure.get("left") is not None:
        right = failure.get("right")
        if failure.get("method") in ("assertIsNone", "assertIsNotNone"):
            right = "None"
        message = _comparison_message(op, left_source, failure["left"], failure.get("right_source"), right)
        detail += [f"- Expected: {_expected_text(op, right)}", f"- Actual: {value_text(failure['left'])}"]
    elif failure.get("method"):
        message = f"{failure['method']} failed: {_one_line(failure.get('message') or '', 100)}"
    else:
        message = "the assert on this line does not hold"
        if failure.get("message"):
            message += f": {_one_line(failure['message'], 100)}"
    if failure.get("message") and failure.get("op"):
        detail.append(f"- The assert's message: {_one_line(failure['message'], 200)}")
    site = failure.get("site")
    if example is None and site:
        file, line = site["file"], site["line"] - 1
    elif failure.get("file") and failure.get("line"):
        file, line = failure["file"], failure["line"] - 1
    elif site and example is not None and example.kind not in (ASSERT, DOCTEST):
        file, line = site["file"], site["line"] - 1
    return _Draft("CC801", file, line, message, detail + _call_lines(call), mirror_line=_mirror(event, texts))


def _expected_text(op: str, right: str | None) -> str:
    if op == "Eq":
        return value_text(right)
    if op == "Truth":
        return "a true value"
    if op == "Not":
        return "a false value"
    return f"{_OP_TEXT.get(op, op)} {value_text(right)}"


def _io_draft(failure: dict[str, Any], example, texts: _Texts) -> _Draft:
    label = failure.get("label", example.name if example else "")
    number, expected, actual = failure.get("output_line"), failure.get("expected"), failure.get("actual")
    if expected is not None and actual is not None:
        message = f"output line {number} is {code_span(_one_line(actual, 50))}, expected {code_span(_one_line(expected, 50))} ({label})"
    elif expected is not None:
        message = (f"output stops after {failure.get('actual_lines', 0)} line(s); line {number} should be "
                   f"{code_span(_one_line(expected, 50))} ({label})")
    else:
        message = f"output line {number} {code_span(_one_line(actual or '', 50))} is more than expected ({label})"
    detail = [f"- Example: {label}", f"- First differing output line: {number}",
              f"- Expected: {value_text(expected) if expected is not None else '(no more lines)'}",
              f"- Actual: {value_text(actual) if actual is not None else '(no more lines)'}",
              f"- Lines: expected {failure.get('expected_lines')}, printed {failure.get('actual_lines')}"]
    printed_by = failure.get("printed_by")
    file, line = (printed_by[0], printed_by[1] - 1) if printed_by else (texts.main, 0)
    return _Draft("CC802", file, line, message, detail)


def _site_place(error: dict[str, Any], example, texts: _Texts) -> tuple[str, int]:
    site = error.get("site")
    if site and site.get("file") and site.get("line"):
        return site["file"], site["line"] - 1
    return _example_place(example, texts)


def _exception_draft(event: dict[str, Any], example, texts: _Texts) -> _Draft:
    error = event.get("error") or {}
    kind, python_says = error.get("type", "Exception"), error.get("message", "")
    facts = error.get("facts") or {}
    site = error.get("site") or {}
    node = site.get("node")
    rule, message = _exception_message(kind, python_says, facts, node, site)
    file, line = _site_place(error, example, texts)
    if rule == "CC808" and facts.get("call_line"):
        line = facts["call_line"] - 1  # the recursive call, not the def where the last call failed
        site = {}
    detail = _example_lines(example, texts, event)
    values = error.get("values") or []
    if values:
        detail.append("- Values: " + ", ".join(f"{code_span(name)} = {value_text(value)}" for name, value in values))
    if rule == "CC805" and facts.get("keys") is not None:
        more = facts.get("keys_count", 0) - len(facts["keys"])
        detail.append(f"- Keys of {code_span(facts.get('container_source'))}: " + ", ".join(facts["keys"])
                      + (f" and {more} more" if more > 0 else ""))
    if rule == "CC808":
        for label, calls in (("First calls", facts.get("first_calls")), ("Last calls", facts.get("last_calls"))):
            if calls:
                detail.append(f"- {label}: " + "; ".join(", ".join(f"{value_text(n)} = {value_text(v)}" for n, v in c) or "()" for c in calls))
    frames = [f for f in error.get("frames") or [] if "file" in f]
    if len(frames) > 1:
        detail.append("- How it got there: " + " → ".join(f"{f['file']}:{f['line']} {f['function']}" for f in frames))
    detail.append(f"- Python says: {kind}: {python_says}" if python_says else f"- Python says: {kind}")
    column = end_column = None
    if site.get("column") is not None and site.get("end_line") == site.get("line"):
        lines = texts.lines(file)
        column = code_point_column(lines, line, site["column"])
        end_column = code_point_column(lines, line, site["end_column"])
    return _Draft(rule, file, line, message, detail, column, end_column, mirror_line=_mirror(event, texts))


def _exception_message(kind: str, says: str, facts: dict[str, Any], node: str | None,
                       site: dict[str, Any]) -> tuple[str, str]:
    def plain(rule: str) -> tuple[str, str]:
        return rule, _one_line(f"{kind}: {says}" if says else kind)

    if kind == "IndexError":
        container = facts.get("container_source")
        size = facts.get("container_len")
        if facts.get("method") == "pop" and container:
            return "CC804", f"IndexError: {code_span(f'{container}.pop()')} on an empty {facts.get('container_type', 'list')}"
        if node and container and size is not None:
            unit = "character" if facts.get("container_type") == "str" else "item"
            has = "is empty" if size == 0 else f"has {size} {unit}{'s' if size != 1 else ''}"
            index = facts.get("index_value")
            with_index = f" with {value_text(facts.get('index_source'))} = {value_text(index)}" if index is not None else ""
            return "CC804", _one_line(f"IndexError: {code_span(node)}{with_index}, but {code_span(container)} {has}")
        return plain("CC804")
    if kind == "KeyError":
        container, key = facts.get("container_source"), facts.get("key")
        if node and container and key is not None:
            index = facts.get("index_value")
            with_index = f" with {value_text(facts.get('index_source'))} = {value_text(index)}" if index is not None else ""
            return "CC805", _one_line(f"KeyError: {code_span(node)}{with_index}, but {code_span(container)} has no key {value_text(key)}")
        return plain("CC805")
    if kind in ("TypeError", "AttributeError") and (facts.get("none_source") or "NoneType" in says):
        if facts.get("none_source") and node:
            return "CC806", _one_line(f"{kind}: {code_span(facts['none_source'])} is None in {code_span(node)}")
        return plain("CC806")
    if kind == "ZeroDivisionError":
        divisor = facts.get("divisor_source")
        if node and divisor:
            if divisor in ("0", "0.0"):
                return "CC807", _one_line(f"ZeroDivisionError: {code_span(node)} divides by zero")
            return "CC807", _one_line(f"ZeroDivisionError: {code_span(node)} with {value_text(divisor)} = 0")
        return plain("CC807")
    if kind == "RecursionError":
        if facts.get("function"):
            return "CC808", (f"RecursionError: {code_span(facts['function'])} called itself {facts.get('depth', 'many')} "
                             "times without stopping")
        return plain("CC808")
    if kind == "UnboundLocalError":
        name = facts.get("name") or _quoted_name(says)
        if name:
            return "CC810", f"UnboundLocalError: {code_span(name)} is read in {code_span(site.get('function', facts.get('function')))} before it gets a value there"
        return plain("CC810")
    if kind == "NameError":
        name = facts.get("name") or _quoted_name(says)
        return ("CC809", f"NameError: {code_span(name)} is not defined here") if name else plain("CC809")
    if kind == "TypeError":
        return plain("CC811")
    if kind == "AttributeError":
        return plain("CC812")
    if kind == "MemoryError":
        return plain("CC814")
    return plain("CC803")


def _quoted_name(text: str) -> str | None:
    match = re.search(r"'([A-Za-z_][A-Za-z0-9_]*)'", text)
    return match.group(1) if match else None


def _timeout_draft(event: dict[str, Any], example, texts: _Texts) -> _Draft:
    samples = [s for s in event.get("samples") or [] if s.get("file")]
    used = float(event.get("seconds") or event.get("cpu") or 0.0)  # wall time: what the learner waited
    if samples:
        last = samples[-1]
        file, sampled_line = last["file"], last["line"] - 1
    else:
        file, sampled_line = _site_place(event.get("error") or {}, example, texts)
    return _spinning_draft(file, sampled_line, samples, used, example, texts, event)


def _spinning_draft(file: str, sampled_line: int, samples: list, used: float, example, texts: _Texts,
                    event: dict[str, Any]) -> _Draft:
    loop = _enclosing_loop(texts.tree(file), sampled_line + 1)
    seconds = f"{used:.1f} s" if used >= 0.05 else "its time limit"
    if loop is not None:
        line = loop.lineno - 1
        message = f"still running after {seconds}: the loop on this line kept going"
    else:
        line = sampled_line
        message = f"still running after {seconds}: it was busy on this line when it was stopped"
    detail = _example_lines(example, texts, event)
    if sampled_line != line:
        detail.append(f"- Where it was when stopped: line {sampled_line + 1}")
    same_function = [s for s in samples if s.get("function") == (samples[-1].get("function") if samples else None)]
    changing, steady = _changes(same_function)
    if changing:
        detail.append("- Changing while it ran: " + "; ".join(f"{code_span(n)}: {' → '.join(v)}" for n, v in changing))
    if steady:
        detail.append("- Not changing: " + ", ".join(f"{code_span(n)} = {value_text(v)}" for n, v in steady))
    if isinstance(loop, ast.While):
        names = sorted({n.id for n in ast.walk(loop.test) if isinstance(n, ast.Name)})
        stuck = [n for n in names if any(n == s for s, _ in steady)]
        if stuck:
            detail.append(f"- The loop's condition {code_span(_one_line(ast.unparse(loop.test), 60))} uses "
                          + ", ".join(f"{code_span(n)}" for n in stuck)
                          + (" which did not change" if len(stuck) > 1 else ", which did not change")
                          + " in the samples")
    return _Draft("CC813", file, line, message, detail, mirror_line=_mirror(event, texts))


def _changes(samples: list) -> tuple[list[tuple[str, list[str]]], list[tuple[str, str]]]:
    history: dict[str, list[str]] = {}
    for entry in samples:
        for name, value in (entry.get("locals") or {}).items():
            values = history.setdefault(name, [])
            if not values or values[-1] != value:
                values.append(value)
    changing = [(n, v[-4:]) for n, v in history.items() if len(v) > 1]
    steady = [(n, v[0]) for n, v in history.items() if len(v) == 1 and len(samples) > 1]
    return changing[:6], steady[:6]


def _enclosing_loop(tree: ast.Module | None, line: int) -> ast.AST | None:
    if tree is None:
        return None
    best = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.For, ast.While, ast.AsyncFor)) and node.lineno <= line <= (node.end_lineno or node.lineno):
            if best is None or node.lineno >= best.lineno:
                best = node
    return best


_FAULT_LINE = re.compile(r'File "([^"]+)", line (\d+) in (\S+)')


def _cut_off_drafts(reason: str, ending: dict[str, Any], texts: _Texts, limits: Limits, interrupted: str | None,
                    plan: Plan, by_id: dict) -> list[_Draft]:
    """The child was killed or crashed: say where it was, from faulthandler's dump when there is one."""
    example = plan.example(interrupted) if interrupted else None
    place = None
    folder = str(texts.folder)
    for match in _FAULT_LINE.finditer(ending.get("fault") or ""):
        path, line = match.group(1), int(match.group(2))
        if Path(path).parent == Path(folder) and path.endswith(".py"):
            place = (Path(path).name, line - 1)
            break  # faulthandler lists the innermost frame first
    if "time" in reason:
        file, line = place if place else _example_place(example, texts)
        return [_spinning_draft(file, line, [], limits.cpu_seconds, example, texts, {})]
    file, line = place if place else _example_place(example, texts)
    detail = _example_lines(example, texts, {}) + [f"- {reason}"]
    if ending.get("signal_name") == "SIGSEGV":
        detail.append("- Python itself crashed: most often a recursion far deeper than Python's limit "
                      "(after sys.setrecursionlimit) or a misused C extension")
    return [_Draft("CC819", file, line, _one_line(f"the examples could not run to the end: {reason}"), detail)]


def _blocked_drafts(blocked: list, texts: _Texts, plan: Plan) -> list[_Draft]:
    rules = {"network": "CC816", "process": "CC817", "write": "CC818"}
    drafts = []
    for event in blocked:
        rule = rules.get(event.get("kind"), "CC817")
        example = plan.example(event.get("example") or "")
        if event.get("file") and event.get("line"):
            file, line = event["file"], event["line"] - 1
        else:
            file, line = _example_place(example, texts)
        detail = _example_lines(example, texts, {}) + [f"- Refused: {_one_line(event.get('detail', ''), 200)}"]
        drafts.append(_Draft(rule, file, line, RULES[rule].summary, detail))
    return drafts


def _input_drafts(inputs: list, texts: _Texts, plan: Plan) -> list[_Draft]:
    drafts = []
    for event in inputs:
        example = plan.example(event.get("example") or "")
        if event.get("file") and event.get("line"):
            file, line = event["file"], event["line"] - 1
        else:
            file, line = _example_place(example, texts)
        if event.get("provided"):
            label = example.name if example else "the example"
            message = f"the program asked for more input than {label} provides"
        else:
            message = RULES["CC815"].summary
        drafts.append(_Draft("CC815", file, line, message, _example_lines(example, texts, {})))
    return drafts


# --------------------------------------------------------------------------- fault localization


def _function_body_lines(tree: ast.Module | None) -> set[int]:
    """1-based lines inside the learner's functions (not test functions, not docstrings)."""
    if tree is None:
        return set()
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("test"):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
                body = body[1:]
            for statement in body:
                lines.update(range(statement.lineno, (statement.end_lineno or statement.lineno) + 1))
    return lines


def _ochiai(outcomes: list[ExampleOutcome], coverage: dict[str, list[int]], texts: _Texts) -> list[SuspiciousLine]:
    """Ochiai: failing(l) / sqrt(all failing × (failing(l) + passing(l))), over examples that ran the learner's file."""
    runs = [(o.status in FAILING, set(coverage.get(o.id) or ())) for o in outcomes
            if o.status in FAILING + (PASSED,) and o.kind not in (IMPORT, SCRIPT)]
    runs = [(failed, lines) for failed, lines in runs if lines]
    total_failing = sum(1 for failed, _ in runs if failed)
    if total_failing == 0 or total_failing == len(runs):
        return []
    candidates = _function_body_lines(texts.tree(texts.main))
    scored = []
    for line in sorted(set().union(*(lines for _, lines in runs)) & candidates):
        failing = sum(1 for failed, lines in runs if failed and line in lines)
        passing = sum(1 for failed, lines in runs if not failed and line in lines)
        if failing:
            scored.append(SuspiciousLine(line - 1, failing / math.sqrt(total_failing * (failing + passing)),
                                         failing, passing))
    scored.sort(key=lambda s: (-s.score, s.line))
    return scored


def _suspicious_drafts(suspicious: list[SuspiciousLine], main: str) -> list[_Draft]:
    """A hint on the top line or two, only when they stand out (a tie over many lines says nothing)."""
    if not suspicious:
        return []
    top = suspicious[0].score
    leaders = [s for s in suspicious if math.isclose(s.score, top)]
    rest = [s for s in suspicious if not math.isclose(s.score, top)]
    if len(leaders) > 2 or top < 0.5 or not rest:
        return []
    return [
        _Draft("CC820", main, s.line, RULES["CC820"].summary,
               [f"- Run by {s.failing} failing and {s.passing} passing example(s); Ochiai score {s.score:.2f} "
                f"(1.00 = run by every failing example and no passing one)"])
        for s in leaders
    ]


# --------------------------------------------------------------------------- findings


def _merge(drafts: Iterable[_Draft]) -> list[_Draft]:
    """One finding per rule and line: the first, with how many examples said the same."""
    merged: dict[tuple[str, str, int], _Draft] = {}
    for draft in drafts:
        key = (draft.rule, draft.file, draft.line)
        if key in merged:
            merged[key].count += 1
        else:
            merged[key] = draft
    return list(merged.values())


def _span(lines: list[str], line: int, column: int | None, end_column: int | None) -> Span:
    line = min(max(line, 0), max(len(lines) - 1, 0))
    text = lines[line].rstrip("\r\n") if lines else ""
    if column is not None and end_column is not None and end_column > column:
        return Span(Position(line, column), Position(line, end_column))
    start = len(text) - len(text.lstrip())
    return Span(Position(line, start), Position(line, max(len(text), start)))


def _finding(draft: _Draft, lines: list[str], *, line: int | None = None, suffix: str = "") -> Finding:
    rule = RULES[draft.rule]
    detail = list(draft.detail)
    if draft.count > 1:
        detail.append(f"- {draft.count - 1} more example(s) stopped the same way here")
    column, end_column = (draft.column, draft.end_column) if line is None else (None, None)
    return Finding(
        rule_id=rule.id,
        span=_span(lines, draft.line if line is None else line, column, end_column),
        severity=rule.severity,
        message=_one_line(draft.message + suffix, MESSAGE_CHARS + len(suffix)),
        explanation=rule.explanation(),
        concepts=(rule.concept,),
        source=Source.EXAMPLES,
        detail="\n".join(detail),
    )


def _findings(drafts: list[_Draft], texts: _Texts) -> tuple[tuple[Finding, ...], dict[str, tuple[Finding, ...]]]:
    mine: list[Finding] = []
    others: dict[str, list[Finding]] = {}
    main_lines = texts.lines(texts.main)
    for draft in drafts:
        if draft.file == texts.main:
            mine.append(_finding(draft, main_lines))
            continue
        others.setdefault(texts.path(draft.file), []).append(_finding(draft, texts.lines(draft.file)))
        # The learner may have only their own file open: a copy goes there too.
        where = f" ({draft.file}, line {draft.line + 1})"
        mirror = draft.mirror_line if draft.mirror_line is not None else 0
        mine.append(_finding(draft, main_lines, line=mirror, suffix=where))
    mine.sort(key=lambda f: (f.span.start.line, f.severity, f.rule_id))
    return tuple(_unique(mine)), {path: tuple(found) for path, found in others.items()}


def _unique(findings: list[Finding]) -> list[Finding]:
    seen, kept = set(), []
    for finding in findings:
        key = (finding.rule_id, finding.span.start.line, finding.message)
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return kept


def _one_line(text: str, limit: int = MESSAGE_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_line(text: str) -> str:
    lines = str(text).strip().splitlines()
    if not lines:
        return ""
    return _one_line(lines[0], 60) + (" …" if len(lines) > 1 else "")

