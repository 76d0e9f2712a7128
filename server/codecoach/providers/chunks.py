"""Split a document into function-level chunks and pick the ones worth a request.

A chunk is one function or method (decorators included), or a run of
top-level statements between them (script-style code is what beginners write
first). Each carries a *normalized* content hash: comments, blank lines and
spacing do not count, so re-indenting or adding a comment never costs a call.
Only chunks whose hash is not known yet are sent, several per request, the
ones with offline findings or behaviour signals first.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ..analysis.findings import Finding, Source, split_lines
from ..analysis.fingerprint import normalized_hash  # also this module's public name (tests, bench)

CONTEXT_LINES = 2
MAX_MODULE_RUN = 60  # lines of top-level code per chunk
MAX_CHUNKS_PER_REQUEST = 4
MAX_CHARS_PER_REQUEST = 12_000


@dataclass(frozen=True)
class Chunk:
    name: str  # "function average", "method Stack.push", "top-level code"
    first: int  # 0-based first line of the chunk proper
    last: int  # 0-based last line (inclusive)
    context_first: int
    context_last: int
    digest: str  # normalized content hash of the chunk proper
    code: str  # the chunk's own lines

    @property
    def size(self) -> int:
        return self.context_last - self.context_first + 1

    def contains_line(self, line: int) -> bool:
        return self.first <= line <= self.last


def split_chunks(text: str, context: int = CONTEXT_LINES) -> list[Chunk]:
    lines = split_lines(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        spans = _spans_by_lines(lines)
    else:
        spans = _spans_from_ast(tree)
    chunks = []
    for first, last, name in spans:
        code = "".join(lines[first : last + 1])
        if not code.strip():
            continue
        chunks.append(
            Chunk(
                name=name,
                first=first,
                last=last,
                context_first=max(0, first - context),
                context_last=min(len(lines) - 1, last + context),
                digest=normalized_hash(code),
                code=code,
            )
        )
    return chunks


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None)
    if decorators:
        return min(d.lineno for d in decorators) - 1
    return node.lineno - 1


def _last_line(node: ast.stmt) -> int:
    return (node.end_lineno or node.lineno) - 1


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _spans_from_ast(tree: ast.Module) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    run: list[ast.stmt] = []

    def flush() -> None:
        if run and not all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in run):
            start = _first_line(run[0])
            group_first = start
            for index, stmt in enumerate(run):
                end = _last_line(stmt)
                nxt = run[index + 1] if index + 1 < len(run) else None
                if nxt is None or _last_line(nxt) - group_first >= MAX_MODULE_RUN:
                    spans.append((group_first, end, "top-level code"))
                    if nxt is not None:
                        group_first = _first_line(nxt)
        run.clear()

    for node in tree.body:
        if isinstance(node, _FUNCTIONS):
            flush()
            spans.append((_first_line(node), _last_line(node), f"function {node.name}"))
        elif isinstance(node, ast.ClassDef):
            flush()
            methods = [n for n in node.body if isinstance(n, _FUNCTIONS)]
            if not methods:
                spans.append((_first_line(node), _last_line(node), f"class {node.name}"))
            for method in methods:
                spans.append((_first_line(method), _last_line(method), f"method {node.name}.{method.name}"))
        else:
            run.append(node)
    flush()
    spans.sort()
    return spans


_DEF = re.compile(r"^(?:async\s+def|def|class)\s+([A-Za-z_]\w*)")


def _spans_by_lines(lines: Sequence[str]) -> list[tuple[int, int, str]]:
    """Code that does not parse: cut at top-level `def`/`class` lines."""
    starts: list[tuple[int, str]] = []
    for number, line in enumerate(lines):
        match = _DEF.match(line)
        if match:
            starts.append((number, f"{line.split()[0] if not line.startswith('async') else 'function'} {match.group(1)}"))
    spans: list[tuple[int, int, str]] = []
    if not starts or starts[0][0] > 0:
        end = (starts[0][0] if starts else len(lines)) - 1
        if end >= 0:
            spans.append((0, end, "top-level code"))
    for index, (first, name) in enumerate(starts):
        last = (starts[index + 1][0] if index + 1 < len(starts) else len(lines)) - 1
        label = name.replace("def ", "function ", 1)
        spans.append((first, last, label))
    return spans


# -- choosing what to send -------------------------------------------------------------

_WEIGHT = {Source.BEHAVIOUR: 3.0, Source.SYNTAX: 0.5}


def priority(chunk: Chunk, findings: Iterable[Finding]) -> float:
    """Chunks where the learner visibly struggles come first."""
    score = 1.0
    for finding in findings:
        if finding.span.overlaps_lines(chunk.first, chunk.last):
            score += _WEIGHT.get(finding.source, 2.0)
    return score


def select(
    chunks: Sequence[Chunk],
    is_known: Callable[[Chunk], bool],
    findings: Sequence[Finding] = (),
    max_chunks: int = MAX_CHUNKS_PER_REQUEST,
    max_chars: int = MAX_CHARS_PER_REQUEST,
) -> tuple[list[Chunk], list[Chunk]]:
    """(batch to send now, changed chunks left for a later request), best first.

    A chunk too large for one request on its own is never sent (it stays out
    of both lists): the coach is for learners' functions, not generated tables.
    """
    changed = [c for c in chunks if not is_known(c)]
    changed.sort(key=lambda c: (-priority(c, findings), c.first))
    batch: list[Chunk] = []
    later: list[Chunk] = []
    used = 0
    for chunk in changed:
        cost = len(chunk.code) + 200
        if cost > max_chars:
            continue
        if len(batch) < max_chunks and used + cost <= max_chars:
            batch.append(chunk)
            used += cost
        else:
            later.append(chunk)
    batch.sort(key=lambda c: c.first)
    return batch, later
