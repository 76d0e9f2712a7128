"""Assert rewriting, so a failing example can say what it got.

``assert search(42, data) == 6`` that fails tells Python only "AssertionError".
Like pytest, the coach compiles examples from a rewritten tree in which each
such assert becomes a call to a checker that evaluates both sides once, in the
usual order, and keeps their values::

    assert search(42, data) == 6, "msg"
    # becomes
    __codecoach_check__(LINE, "Eq", lambda: __codecoach_call__(search, 42, data),
                        lambda: 6, lambda: "msg", "search(42, data)", "6")

The outermost call of the left side goes through ``__codecoach_call__``, which
calls it with the same arguments (evaluated in the same order) and keeps them,
so the hover can show the argument values.

Only module-level asserts and asserts directly inside ``test*`` functions and
methods are rewritten; the learner's own functions are compiled exactly as
written. Every new node carries the location of the assert it replaces, so line
numbers and the positions ``executing`` relies on stay those of the source.
"""

from __future__ import annotations

import ast

CHECK = "__codecoach_check__"
CALL = "__codecoach_call__"

_OPS = {
    ast.Eq: "Eq", ast.NotEq: "NotEq", ast.Lt: "Lt", ast.LtE: "LtE", ast.Gt: "Gt", ast.GtE: "GtE",
    ast.Is: "Is", ast.IsNot: "IsNot", ast.In: "In", ast.NotIn: "NotIn",
}


def _lambda(body: ast.expr) -> ast.Lambda:
    return ast.Lambda(
        args=ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]),
        body=body,
    )


def _through_call_helper(expr: ast.expr) -> ast.expr:
    if isinstance(expr, ast.Call):
        return ast.copy_location(
            ast.Call(func=ast.copy_location(ast.Name(CALL, ast.Load()), expr), args=[expr.func, *expr.args],
                     keywords=expr.keywords),
            expr,
        )
    return expr


class _Source:
    """ast.get_source_segment without re-splitting the whole text for every node."""

    def __init__(self, text: str | None) -> None:
        self.lines = [line.encode("utf-8") for line in _split(text)] if text is not None else None

    def segment(self, node: ast.expr | None) -> str | None:
        if node is None:
            return None
        lines = self.lines
        end_line, end_col = getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None)
        if lines is None or end_line is None or end_col is None or end_line > len(lines):
            return ast.unparse(node)
        first, last = node.lineno - 1, end_line - 1
        if first == last:
            return lines[first][node.col_offset:end_col].decode("utf-8", "replace")
        parts = [lines[first][node.col_offset:], *lines[first + 1:last], lines[last][:end_col]]
        return b"".join(parts).decode("utf-8", "replace")


def _split(text: str) -> list[str]:
    """Lines as the parser counts them (like ast's own helper: not at form feeds)."""
    lines, start = [], 0
    for index, char in enumerate(text):
        if char == "\n" or (char == "\r" and text[index + 1: index + 2] != "\n"):
            lines.append(text[start:index + 1])
            start = index + 1
    lines.append(text[start:])
    return lines


def _check_call(node: ast.Assert, source: _Source) -> ast.Expr:
    test = node.test
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _OPS:
        op = _OPS[type(test.ops[0])]
        original_left, right = test.left, test.comparators[0]
    elif isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        op, original_left, right = "Not", test.operand, None
    else:
        op, original_left, right = "Truth", test, None
    sources = [ast.Constant(source.segment(original_left)), ast.Constant(source.segment(right))]
    left = _through_call_helper(original_left)
    args = [
        ast.Constant(node.lineno),
        ast.Constant(op),
        _lambda(left),
        _lambda(right) if right is not None else ast.Constant(None),
        _lambda(node.msg) if node.msg is not None else ast.Constant(None),
        *sources,
    ]
    call = ast.Call(func=ast.Name(CHECK, ast.Load()), args=args, keywords=[])
    replacement = ast.Expr(call)
    for new in ast.walk(replacement):
        if not hasattr(new, "lineno") or new is replacement or new is call or isinstance(new, (ast.Lambda, ast.Constant)):
            ast.copy_location(new, node)
    return replacement


def _asserts_in(body: list[ast.stmt]):
    """Asserts of a block, not those of functions, classes or lambdas defined in it."""
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Assert):
            yield node
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt))


def _targets(tree: ast.Module, module_level: bool) -> set[int]:
    targets: list[ast.Assert] = []
    if module_level:
        targets += _asserts_in(tree.body)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            targets += _asserts_in(node.body)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name.startswith("test"):
                    targets += _asserts_in(item.body)
    return {id(t) for t in targets}


class _Rewriter(ast.NodeTransformer):
    def __init__(self, targets: set[int], source: str | None) -> None:
        self.targets = targets
        self.source = _Source(source)

    def visit_Assert(self, node: ast.Assert) -> ast.AST:
        return _check_call(node, self.source) if id(node) in self.targets else node


def rewrite(tree: ast.Module, source: str | None = None, *, module_level: bool = True) -> ast.Module:
    """Rewrite the asserts of `tree` in place: module-level ones when asked, and those of test functions.

    `source` is the text `tree` was parsed from, so messages quote the learner's own spelling.
    """
    _Rewriter(_targets(tree, module_level), source).visit(tree)
    return ast.fix_missing_locations(tree)
