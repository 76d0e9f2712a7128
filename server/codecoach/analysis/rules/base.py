"""The declaration every rule is made of, and the context its detector sees.

A rule is data: an id, the concept it teaches, the AST node types it looks at,
a detector, a one-line message and a tutor's explanation. The engine walks each
chunk of code once and hands every node to the detectors registered for its
type, so adding a rule never adds a pass over the tree.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..findings import Explanation, Finding, Position, Severity, Source, Span, code_point_column

# Learner text reaches messages only through `fill`, which puts it in code spans.
from ..markup import fill

PY_DOCS = "https://docs.python.org/3"


@dataclass(frozen=True)
class Hit:
    """Where a detector found the mistake, plus values for the message template."""

    node: ast.AST | None = None
    span: Span | None = None
    args: dict[str, Any] = field(default_factory=dict)


def hit(node: ast.AST, **args: Any) -> Hit:
    return Hit(node=node, args=args)




Detector = Callable[[Any, "Context"], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    concept: str
    on: tuple[type[ast.AST], ...]
    detect: Detector
    message: str
    why: str
    idea: str
    hint: str
    docs_url: str
    severity: Severity = Severity.WARNING
    # Lines of code that show the mistake and code the rule must leave alone.
    # They are the rule's tests and its examples in docs/rules.md.
    bad: tuple[str, ...] = ()
    good: tuple[str, ...] = ()

    def explanation(self, args: dict[str, Any] | None = None) -> Explanation:
        args = args or {}
        return Explanation(
            fill(self.why, args), fill(self.idea, args), fill(self.hint, args), self.docs_url
        )

    def finding(self, span: Span, args: dict[str, Any]) -> Finding:
        return Finding(
            rule_id=self.id,
            span=span,
            severity=self.severity,
            message=fill(self.message, args),
            explanation=self.explanation(args),
            concepts=(self.concept,),
            source=Source.RULES,
        )


class Facts(Protocol):
    """What detectors may know about the whole module, not just their chunk.

    `facts.ModuleFacts` computes them; it lives in its own module because two
    of its facts come from rule families, which import this one.
    """

    valueless_functions: frozenset[str]
    printing_functions: frozenset[str]
    input_only_names: frozenset[str]
    exiting_functions: frozenset[str]
    one_path_names: frozenset[tuple[str, int]]
    module_placeholder_names: frozenset[str]
    called_builtins: frozenset[str]


class Context:
    """Everything a detector may ask about the code it is looking at.

    The walk is top-down and records a node's children only after its detectors
    ran: ask for the parents and ancestors of the node you were given, not of its
    descendants (use `walk_same_scope` or `ast.walk` to look downwards).
    """

    def __init__(self, lines: list[str], facts: Facts) -> None:
        self.lines = lines
        self.facts = facts
        self.parents: dict[ast.AST, ast.AST] = {}
        # Per-chunk scratch space for facts several detectors or nodes need (see `memo`).
        self._memo: dict[tuple, Any] = {}

    def memo(self, kind: str, node: ast.AST, compute: Callable[[], Any]) -> Any:
        """`compute()` once per (kind, node) within this chunk, e.g. the facts of a function body."""
        key = (kind, id(node))
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    # -- positions -------------------------------------------------------
    def column(self, line: int, byte_col: int) -> int:
        return code_point_column(self.lines, line, byte_col)

    def span(self, node: ast.AST) -> Span:
        line = node.lineno - 1  # type: ignore[attr-defined]
        end_line = (getattr(node, "end_lineno", None) or node.lineno) - 1  # type: ignore[attr-defined]
        col = self.column(line, node.col_offset)  # type: ignore[attr-defined]
        end_col_bytes = getattr(node, "end_col_offset", None)
        end_col = (
            self.column(end_line, end_col_bytes)
            if end_col_bytes is not None
            else col + 1
        )
        return Span(Position(line, col), Position(end_line, end_col))

    def first_line_span(self, node: ast.AST) -> Span:
        """The node's first line only: for statements whose body is long."""
        span = self.span(node)
        if span.end.line == span.start.line:
            return span
        text = self.lines[span.start.line] if span.start.line < len(self.lines) else ""
        return Span(span.start, Position(span.start.line, len(text.rstrip("\r\n"))))

    # -- tree navigation -------------------------------------------------
    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.parents.get(node)

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        current = self.parents.get(node)
        while current is not None:
            yield current
            current = self.parents.get(current)

    def enclosing_function(
        self, node: ast.AST
    ) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        for anc in self.ancestors(node):
            if isinstance(anc, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return anc
            if isinstance(anc, (ast.ClassDef, ast.Lambda)):
                return None
        return None

    def enclosing_loop(self, node: ast.AST) -> ast.For | ast.While | None:
        """The innermost loop around node, not crossing a function boundary."""
        for anc in self.ancestors(node):
            if isinstance(anc, (ast.For, ast.AsyncFor, ast.While)):
                return anc  # type: ignore[return-value]
            if isinstance(anc, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                return None
        return None


# -- helpers shared by several rule families -----------------------------

_SCOPE_BOUNDARIES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def walk_same_scope(node: ast.AST) -> Iterator[ast.AST]:
    """Like ast.walk, without descending into nested functions, lambdas or classes."""
    stack = list(ast.iter_child_nodes(node))
    while stack:
        child = stack.pop()
        yield child
        if not isinstance(child, _SCOPE_BOUNDARIES):
            stack.extend(ast.iter_child_nodes(child))


# Builtins a novice is likely to overwrite *and* then need again.
SHADOW_PRONE = frozenset({
    "list", "dict", "str", "int", "float", "set", "tuple", "sum", "max", "min",
    "input", "len", "print", "type", "range", "sorted", "abs", "round", "map",
    "filter", "zip", "open", "any", "all", "bool", "chr", "ord",
})


def called_names(node: ast.AST) -> frozenset[str]:
    return frozenset(
        n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    )


def shadow_prone_calls(node: ast.AST) -> frozenset[str]:
    return called_names(node) & SHADOW_PRONE


def function_summary(func: ast.AST) -> tuple[bool, bool, bool, bool]:
    """One walk for ModuleFacts: (returns_value, is_generator, calls_print, may exit the program)."""
    value = generator = prints = exits = False
    for n in walk_same_scope(func):
        kind = type(n)
        if kind is ast.Return:
            if n.value is not None and not (isinstance(n.value, ast.Constant) and n.value.value is None):  # type: ignore[attr-defined]
                value = True
        elif kind is ast.Yield or kind is ast.YieldFrom:
            generator = True
        elif kind is ast.Call:
            f = n.func  # type: ignore[attr-defined]
            if isinstance(f, ast.Name) and f.id == "print":
                prints = True
            elif is_exit_call(n):
                exits = True
    return value, generator, prints, exits


def is_stub(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A body of only a docstring, `...` and/or `pass`."""
    return all(
        isinstance(s, ast.Pass)
        or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
            and (s.value.value is Ellipsis or isinstance(s.value.value, str)))
        for s in func.body
    )


def returns_value(func: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Return) and n.value is not None
        and not (isinstance(n.value, ast.Constant) and n.value.value is None)
        for n in walk_same_scope(func)
    )


def is_generator(func: ast.AST) -> bool:
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in walk_same_scope(func))


def calls_print(func: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
        for n in walk_same_scope(func)
    )


def call_name(node: ast.AST) -> str | None:
    """`f(...)` -> 'f'; `obj.method(...)` -> 'method'; anything else -> None."""
    if not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def is_builtin_call(node: ast.AST, *names: str) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in names
    )


def input_only_names(nodes: Iterable[ast.AST]) -> frozenset[str]:
    """Names whose every assignment in these nodes is a bare `input(...)` call."""
    raw: set[str] = set()
    other: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    (raw if is_builtin_call(node.value, "input") else other).add(target.id)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For)) and isinstance(node.target, ast.Name):
            other.add(node.target.id)
    return frozenset(raw - other)


def raw_input_names(node: ast.AST, ctx: Context) -> frozenset[str]:
    """Names holding the raw text of `input()` in the scope around `node` (computed once per scope)."""
    scope = ctx.enclosing_function(node)
    if scope is None:
        return ctx.facts.input_only_names
    return ctx.memo("input-only-names", scope, lambda: input_only_names(walk_same_scope(scope)))


def names_in(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def assigned_names(target: ast.AST) -> set[str]:
    return {
        n.id
        for n in ast.walk(target)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def terminates(stmt: ast.stmt) -> bool:
    """True when control never falls off the end of this statement."""
    if isinstance(stmt, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
        return True
    if isinstance(stmt, ast.If):
        return bool(stmt.orelse) and ends_block(stmt.body) and ends_block(stmt.orelse)
    return False


def ends_block(body: list[ast.stmt]) -> bool:
    return bool(body) and terminates(body[-1])


# -- more shared helpers (added with the functions/loops/control-flow families) --

_EXIT_FUNCTIONS = frozenset({"exit", "quit", "_exit"})


def is_exit_call(node: ast.AST) -> bool:
    """`exit()`, `quit()`, `sys.exit()`, `os._exit()` and `exit(print(...))`."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in _EXIT_FUNCTIONS
    return (
        isinstance(func, ast.Attribute)
        and func.attr in _EXIT_FUNCTIONS
        and isinstance(func.value, ast.Name)
        and func.value.id in ("sys", "os")
    )


def leaves(stmt: ast.stmt, *, loop_exits: bool = True) -> bool:
    """True when control never falls off the end of stmt (like `terminates`,
    also counting `sys.exit()`-style calls; with loop_exits=False, `break` and
    `continue` do not count)."""
    if isinstance(stmt, (ast.Return, ast.Raise)):
        return True
    if isinstance(stmt, (ast.Break, ast.Continue)):
        return loop_exits
    if isinstance(stmt, ast.Expr):
        return is_exit_call(stmt.value)
    if isinstance(stmt, ast.If):
        return bool(stmt.orelse) and block_leaves(stmt.body, loop_exits=loop_exits) \
            and block_leaves(stmt.orelse, loop_exits=loop_exits)
    return False


def block_leaves(body: list[ast.stmt], *, loop_exits: bool = True) -> bool:
    return bool(body) and leaves(body[-1], loop_exits=loop_exits)


def child_blocks(stmt: ast.AST) -> Iterator[list[ast.stmt]]:
    """The statement lists directly inside a compound statement."""
    for name in ("body", "orelse", "finalbody"):
        block = getattr(stmt, name, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            yield block
    for handler in getattr(stmt, "handlers", ()) or ():
        yield handler.body
    for case in getattr(stmt, "cases", ()) or ():
        yield case.body


def containing_block(node: ast.stmt, parent: ast.AST | None) -> list[ast.stmt] | None:
    """The statement list of `parent` that holds node."""
    if parent is None:
        return None
    for block in child_blocks(parent):
        for stmt in block:
            if stmt is node:
                return block
    return None


def iter_statements(body: list[ast.stmt], *, into_loops: bool = True) -> Iterator[tuple[ast.stmt, list[ast.stmt]]]:
    """(statement, the list holding it) for every statement nested in body,
    not entering functions or classes (nor loops, with into_loops=False)."""
    stack = [body]
    while stack:
        block = stack.pop()
        for stmt in block:
            yield stmt, block
            if isinstance(stmt, _SCOPE_BOUNDARIES):
                continue
            if not into_loops and isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
                continue
            stack.extend(child_blocks(stmt))
