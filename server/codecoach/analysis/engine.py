"""Runs the offline analyzers over a document: parse once, cache per chunk.

A chunk is one top-level statement (usually a function or a class). Rule and
concept results are cached by the chunk's text and the module facts the rules
may read, so after an edit only the chunk that changed is walked again.
"""

from __future__ import annotations

import ast
import hashlib
import warnings
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import concepts as concept_tags
from .findings import Finding, Severity, split_lines
from .names import name_findings
from .rules import CATALOGUE, Context, ModuleFacts, Rule
from .syntax import syntax_finding

_DISPATCH: dict[type, tuple[Rule, ...]] = {}
for _rule in CATALOGUE:
    for _node_type in _rule.on:
        _DISPATCH[_node_type] = _DISPATCH.get(_node_type, ()) + (_rule,)

MODULE_SCOPE = "<module>"


@dataclass(frozen=True)
class ChunkResult:
    findings: tuple[Finding, ...]
    # concept -> count, per function qualname (MODULE_SCOPE for top-level code)
    concepts: dict[str, Counter]


@dataclass
class Analysis:
    findings: list[Finding]
    concepts: Counter = field(default_factory=Counter)
    function_concepts: dict[str, Counter] = field(default_factory=dict)
    syntax_ok: bool = True
    # (first line, last line, qualname) of each function, for region naming.
    functions: list[tuple[int, int, str]] = field(default_factory=list)

    def function_at(self, line: int) -> str | None:
        best = None
        for first, last, name in self.functions:
            if first <= line <= last and (best is None or first >= best[0]):
                best = (first, name)
        return best[1] if best else None


class Analyzer:
    """Stateless from the caller's view; keeps a bounded cache of chunk results."""

    def __init__(self, cache_size: int = 4096) -> None:
        self._cache: OrderedDict[tuple, ChunkResult] = OrderedDict()
        self._facts: OrderedDict[tuple, object] = OrderedDict()
        self._cache_size = cache_size

    def analyze(self, text: str) -> Analysis:
        lines = split_lines(text)
        with warnings.catch_warnings():
            # Invalid escape sequences and friends: not what a novice asked about.
            warnings.simplefilter("ignore")
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError) as error:
                return Analysis(findings=[syntax_finding(error, lines)], syntax_ok=False)
            except (RecursionError, MemoryError):
                # Too deeply nested for the parser (3.11 reports a parser stack overflow
                # as MemoryError): nothing to say about it, but never an exception.
                return Analysis(findings=[], syntax_ok=False)

        chunks = [(node, _first_line(node), (node.end_lineno or node.lineno) - 1) for node in tree.body]
        keys = {id(node): _chunk_key(node, first, last, lines) for node, first, last in chunks}
        facts = ModuleFacts(tree, lambda kind, node, compute: self._fact(kind, keys[id(node)], node, compute))
        findings: list[Finding] = []
        total: Counter = Counter()
        per_function: dict[str, Counter] = {}
        functions: list[tuple[int, int, str]] = []

        for node, first, last in chunks:
            result = self._chunk((keys[id(node)], facts.key), node, first, lines, facts)
            findings.extend(f.shifted(first) for f in result.findings)
            for qualname, counts in result.concepts.items():
                total.update(counts)
                per_function.setdefault(qualname, Counter()).update(counts)
            functions.extend(_function_spans(node))

        findings.extend(name_findings(tree, lines))
        findings.sort(key=lambda f: (f.span.start, f.rule_id))
        return Analysis(
            findings=findings,
            concepts=total,
            function_concepts=per_function,
            syntax_ok=True,
            functions=functions,
        )

    def _chunk(self, key: tuple, node: ast.stmt, first: int, lines: list[str], facts: ModuleFacts) -> ChunkResult:
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        result = _walk_chunk(node, first, lines, facts)
        self._remember(self._cache, key, result)
        return result

    def _fact(self, kind: str, key: tuple, node: ast.AST, compute) -> object:
        """A fact about one chunk (e.g. a function's summary), cached by the chunk's text."""
        full_key = (kind, key)
        if full_key not in self._facts:
            self._remember(self._facts, full_key, compute(node))
        return self._facts[full_key]

    def _remember(self, cache: OrderedDict, key: tuple, value: object) -> None:
        cache[key] = value
        if len(cache) > self._cache_size:
            cache.popitem(last=False)


def _chunk_key(node: ast.stmt, first: int, last: int, lines: list[str]) -> tuple:
    text = "".join(lines[first : last + 1])
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    # Statements that share a line (`a = 1; b = 2`) share its text: the columns tell them apart.
    return (digest, node.col_offset, node.end_col_offset)


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", None)
    if decorators:
        return min(d.lineno for d in decorators) - 1
    return node.lineno - 1


def _function_spans(node: ast.AST, prefix: str = "") -> Iterable[tuple[int, int, str]]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        qualname = f"{prefix}{node.name}"
        if not isinstance(node, ast.ClassDef):
            yield (_first_line(node), (node.end_lineno or node.lineno) - 1, qualname)
        for child in node.body:
            yield from _function_spans(child, qualname + ".")


def _walk_chunk(root: ast.stmt, first: int, lines: list[str], facts: ModuleFacts) -> ChunkResult:
    """One pass over the chunk: parents, rule dispatch and concept tags together."""
    ctx = Context(lines, facts)
    parents = ctx.parents
    raw: list[Finding] = []
    concepts: dict[str, Counter] = {}
    # (node, qualname of the function it is in)
    stack: list[tuple[ast.AST, str]] = [(root, MODULE_SCOPE)]
    while stack:
        node, scope = stack.pop()
        node_type = type(node)
        if node_type in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            scope = node.name if scope == MODULE_SCOPE else f"{scope}.{node.name}"  # type: ignore[attr-defined]
        for rule in _DISPATCH.get(node_type, ()):
            for found in rule.detect(node, ctx) or ():
                span = found.span or ctx.span(found.node)  # type: ignore[arg-type]
                raw.append(rule.finding(span, found.args))
        tagger = concept_tags.TAGGERS.get(node_type)
        if tagger is not None:
            for concept in tagger(node, ctx):
                concepts.setdefault(scope, Counter())[concept] += 1
        for child in ast.iter_child_nodes(node):
            parents[child] = node
            stack.append((child, scope))
    return ChunkResult(
        findings=tuple(f.shifted(-first) for f in _dedupe(raw)),
        concepts=concepts,
    )


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple] = set()
    unique = []
    for f in findings:
        key = (f.rule_id, f.span)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def apply_preferences(
    findings: Iterable[Finding],
    disabled: frozenset[str],
    severity_overrides: dict[str, Severity],
) -> list[Finding]:
    """The user's rule settings, applied after caching so caches stay valid."""
    from dataclasses import replace

    out = []
    for f in findings:
        if f.rule_id in disabled:
            continue
        override = severity_overrides.get(f.rule_id)
        out.append(replace(f, severity=override) if override else f)
    return out
