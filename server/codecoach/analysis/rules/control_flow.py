"""Control flow: code that can never run, names that exist only on some paths."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..markup import Markup, code_span
from .base import (
    PY_DOCS,
    Context,
    Hit,
    Rule,
    block_leaves,
    call_name,
    containing_block,
    hit,
    is_exit_call,
    leaves,
    terminates,
    walk_same_scope,
)

# -- unreachable code --------------------------------------------------------

_JUMPS = {ast.Return: "return", ast.Raise: "raise", ast.Break: "break", ast.Continue: "continue"}


def _unreachable(node: ast.stmt, ctx: Context) -> Iterator[Hit]:
    if isinstance(node, ast.If) and not terminates(node):
        return
    block = containing_block(node, ctx.parent(node))
    if block is None:
        return
    index = next(i for i, s in enumerate(block) if s is node)
    if index + 1 >= len(block) or any(terminates(s) for s in block[:index]):
        return  # nothing after it, or an earlier statement already reports this block
    rest = block[index + 1:]
    if all(isinstance(s, ast.Pass) for s in rest):
        return
    if isinstance(rest[0], ast.Expr) and isinstance(rest[0].value, (ast.Yield, ast.YieldFrom)):
        return  # `return` then `yield`: the idiom for a generator that yields nothing
    keyword = _JUMPS.get(type(node))
    after = code_span(keyword) if keyword else Markup("the `if`/`else` above (both branches leave)")
    yield Hit(span=ctx.first_line_span(rest[0]), args={"after": after})


# -- names bound on one path only ------------------------------------------

def _chain(node: ast.If) -> tuple[list[list[ast.stmt]], list[ast.stmt] | None]:
    """The branches of an if/elif/.../else chain, and the final else (None if absent)."""
    branches = [node.body]
    while len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If):
        node = node.orelse[0]
        branches.append(node.body)
    return branches, (node.orelse or None)


def _bound(nodes: Iterator[ast.AST]) -> set[str]:
    names: set[str] = set()
    for n in nodes:
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            names.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(n.name)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in n.names)
        elif isinstance(n, (ast.Global, ast.Nonlocal)):
            names.update(n.names)
        elif isinstance(n, ast.ExceptHandler) and n.name:
            names.add(n.name)
        elif isinstance(n, (ast.MatchAs, ast.MatchStar)) and n.name:
            names.add(n.name)
        elif isinstance(n, ast.MatchMapping) and n.rest:
            names.add(n.rest)
    return names


def _block_nodes(block: list[ast.stmt]) -> Iterator[ast.AST]:
    for stmt in block:
        yield stmt
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield from walk_same_scope(stmt)


_ENVIRONMENT_ATTRS = frozenset({"TYPE_CHECKING", "version_info", "platform", "name", "maxsize"})


def _skipped_test(test: ast.AST) -> bool:
    """`if True:`, `if TYPE_CHECKING:`, `if __name__ == '__main__':`, `if sys.version_info < ...`:
    checks of the environment, where the author knows which branch runs."""
    if isinstance(test, ast.Constant):
        return True
    return any(
        isinstance(n, ast.Name) and n.id in ("TYPE_CHECKING", "__name__")
        or isinstance(n, ast.Attribute) and n.attr in _ENVIRONMENT_ATTRS
        and isinstance(n.value, ast.Name) and n.value.id in ("sys", "os", "typing", "platform")
        or isinstance(n, ast.Attribute) and n.attr == "TYPE_CHECKING"
        for n in ast.walk(test)
    )


# A branch ending in a call like `usage(...)` or `self.error(...)` most likely stops there.
_STOPPING_CALLS = frozenset({"error", "fail", "usage", "abort", "die", "exit", "quit", "panic", "fatal"})


def _branch_stops(block: list[ast.stmt], exiting: frozenset[str]) -> bool:
    if block_leaves(block):
        return True
    last = block[-1]
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        name = call_name(last.value)
        return name is not None and (name in exiting or name.lower() in _STOPPING_CALLS)
    return False


def _one_path_names(node: ast.If, exiting: frozenset[str]) -> set[str]:
    """Names some path through this if binds and another path (that goes on after it) does not."""
    if _skipped_test(node.test):
        return set()
    branches, orelse = _chain(node)
    explicit = branches + ([orelse] if orelse is not None else [])
    going_on = [b for b in explicit if not _branch_stops(b, exiting)]
    bound = [_bound(_block_nodes(b)) for b in going_on]
    maybe = set().union(*bound) if bound else set()
    if orelse is None and len(branches) == 1:
        return maybe  # plain `if` without else: the "false" path binds nothing
    # if/elif chains without else are often exhaustive: only trust an explicit branch that misses it.
    return {name for name in maybe if any(name not in b for b in bound)}


def _unguarded_loads(node: ast.AST, name: str) -> Iterator[ast.Name]:
    """Loads of name that always run when this expression or simple statement runs."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
                          ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(n, ast.IfExp):
            stack.append(n.test)
            continue
        if isinstance(n, ast.BoolOp):
            stack.append(n.values[0])
            continue
        if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load):
            yield n
        stack.extend(reversed(list(ast.iter_child_nodes(n))))


_HEADERS = {ast.If: ("test",), ast.While: ("test",), ast.For: ("iter",), ast.AsyncFor: ("iter",)}


def first_unguarded_use(following: list[ast.stmt], name: str) -> tuple[ast.stmt, ast.Name] | None:
    """The first statement after the if that surely reads name, and where."""
    for stmt in following:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(stmt, (ast.If, ast.While, ast.For, ast.AsyncFor)):
            for field in _HEADERS[type(stmt)]:
                for load in _unguarded_loads(getattr(stmt, field), name):
                    return stmt, load
            if _may_leave(stmt):
                return None  # e.g. `if x is None: return`: a guard we cannot judge
            continue
        if isinstance(stmt, (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Assert,
                             ast.Delete)):
            for load in _unguarded_loads(stmt, name):
                return stmt, load
            if leaves(stmt):
                return None
            continue
        # try / with / match / raise ...: stop looking, the flow gets complicated.
        return None
    return None


def _may_leave(stmt: ast.stmt) -> bool:
    return any(
        isinstance(n, (ast.Return, ast.Raise, ast.Break, ast.Continue))
        or (isinstance(n, ast.Call) and is_exit_call(n))
        for n in walk_same_scope(stmt)
    )


def one_path_uses(body: list[ast.stmt], scope_bound: set[str] | None = None,
                  exiting: frozenset[str] = frozenset()) -> Iterator[tuple[ast.If, str, ast.stmt, ast.Name]]:
    """(if, name, statement, load) for each name bound on one path of a top-level if
    of body and then surely read after it. A name bound anywhere else in the scope
    is never reported (earlier or later bindings make the flow too hard to judge)."""
    ifs = [(i, s) for i, s in enumerate(body) if isinstance(s, ast.If)]
    if not ifs:
        return
    per_statement: list[set[str]] | None = None  # names each top-level statement binds
    for index, node in ifs:
        names = _one_path_names(node, exiting) - {"_"}
        if scope_bound:
            names -= scope_bound
        # Cheapest test first: is the name surely read after the if at all?
        used = {name: found for name in sorted(names)
                if (found := first_unguarded_use(body[index + 1:], name)) is not None}
        if not used:
            continue
        if per_statement is None:
            per_statement = [_bound(_block_nodes([s])) for s in body]
        elsewhere = set().union(*(b for i, b in enumerate(per_statement) if i != index))
        elsewhere |= _bound(n for test in _tests(node) for n in ast.walk(test))  # walrus
        for name, (stmt, load) in used.items():
            if name not in elsewhere:
                yield node, name, stmt, load


def _tests(node: ast.If) -> Iterator[ast.expr]:
    while True:
        yield node.test
        if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If):
            node = node.orelse[0]
        else:
            return


def _parameters(func: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    args = func.args
    names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    return names | {a.arg for a in (args.vararg, args.kwarg) if a is not None}


def _maybe_unbound_in_function(node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> Iterator[Hit]:
    for _if, name, _stmt, load in one_path_uses(node.body, _parameters(node), ctx.facts.exiting_functions):
        yield hit(load, name=name)


def module_one_path_names(tree: ast.Module, exiting: frozenset[str]) -> frozenset[tuple[str, int]]:
    """For ModuleFacts: (name, fingerprint of the top-level statement that reads it)."""
    if not any(isinstance(s, ast.If) for s in tree.body):
        return frozenset()
    return frozenset(
        (name, hash(ast.dump(stmt))) for _if, name, stmt, _load in one_path_uses(tree.body, None, exiting)
    )


def _maybe_unbound_at_module_level(node: ast.Name, ctx: Context) -> Iterator[Hit]:
    facts = getattr(ctx.facts, "one_path_names", None)
    if not facts or not isinstance(node.ctx, ast.Load):
        return
    wanted = [fp for name, fp in facts if name == node.id]
    if not wanted:
        return
    root: ast.AST = node
    for anc in ctx.ancestors(node):
        root = anc
    if not isinstance(root, ast.stmt) or hash(ast.dump(root)) not in wanted:
        return
    found = first_unguarded_use([root], node.id)  # type: ignore[list-item]
    if found is not None and found[1] is node:
        yield hit(node, name=node.id)


_MESSAGE = "`{name}` is only assigned when an `if` above takes a certain branch; on the other path it does not exist here"

_WHY = ("`{name}` gets its value inside an `if`, but on at least one path through that `if` "
        "nothing assigns it. When the program takes that path, this line fails with "
        "NameError (or UnboundLocalError inside a function).")
_IDEA = ("A name exists only after an assignment has actually run. Code after an `if` must work "
         "whichever branch was taken.")
_HINT = ("Ask what `{name}` should be when the condition is false: give it a value before the `if`, "
         "or in an `else` branch.")

RULES: tuple[Rule, ...] = (
    Rule(
        id="CC401", name="unreachable-code", concept="conditionals",
        on=(ast.Return, ast.Raise, ast.Break, ast.Continue, ast.If), detect=_unreachable,
        message="this line can never run: it comes after {after} in the same block",
        why="{after} leaves this block unconditionally, so Python never reaches the statements "
            "written after it. They look like part of the program but do nothing.",
        idea="`return`, `raise`, `break` and `continue` jump somewhere else at once; the rest of "
             "their block is skipped every time.",
        hint="Was this line meant to run *before* the jump, or to belong to a different block? "
             "Check its indentation.",
        docs_url=f"{PY_DOCS}/reference/simple_stmts.html#the-return-statement",
        bad=("def area(w, h):\n    return w * h\n    print('done')\n",
             "for x in range(3):\n    break\n    print(x)\n",
             "def sign(x):\n    if x < 0:\n        return -1\n    else:\n        return 1\n    return 0\n"),
        good=("def area(w, h):\n    print('computing')\n    return w * h\n",
              "for x in range(3):\n    if x == 1:\n        break\n    print(x)\n",
              "def f(x):\n    if x:\n        return 1\n    return 0\n"),
    ),
    Rule(
        id="CC402", name="name-bound-on-one-path", concept="conditionals",
        on=(ast.FunctionDef, ast.AsyncFunctionDef), detect=_maybe_unbound_in_function,
        message=_MESSAGE, why=_WHY, idea=_IDEA, hint=_HINT,
        docs_url=f"{PY_DOCS}/library/exceptions.html#UnboundLocalError",
        bad=("def grade(score):\n    if score >= 50:\n        result = 'pass'\n    return result\n",
             "def label(n):\n    if n > 0:\n        kind = 'positive'\n    elif n < 0:\n        kind = 'negative'\n    else:\n        print('zero')\n    print(kind)\n"),
        good=("def grade(score):\n    result = 'fail'\n    if score >= 50:\n        result = 'pass'\n    return result\n",
              "def grade(score):\n    if score >= 50:\n        result = 'pass'\n    else:\n        result = 'fail'\n    return result\n",
              "def grade(score):\n    if score < 0:\n        raise ValueError(score)\n    else:\n        result = 'ok'\n    return result\n",
              "def big(a, b):\n    if a > b:\n        m = a\n    elif a <= b:\n        m = b\n    return m\n",
              "def run(verbose):\n    if verbose:\n        start = 0\n    work()\n    if verbose:\n        print(start)\n"),
    ),
    Rule(
        id="CC403", name="global-bound-on-one-path", concept="conditionals",
        on=(ast.Name,), detect=_maybe_unbound_at_module_level,
        message=_MESSAGE, why=_WHY, idea=_IDEA, hint=_HINT,
        docs_url=f"{PY_DOCS}/library/exceptions.html#NameError",
        bad=("n = int(input())\nif n % 2 == 0:\n    kind = 'even'\nprint(kind)\n",
             "age = 20\nif age >= 18:\n    status = 'adult'\nmessage = 'You are ' + status\n"),
        good=("n = int(input())\nkind = 'odd'\nif n % 2 == 0:\n    kind = 'even'\nprint(kind)\n",
              "n = int(input())\nif n % 2 == 0:\n    kind = 'even'\nelse:\n    kind = 'odd'\nprint(kind)\n",
              "import sys\nn = int(input())\nif n > 0:\n    root = n ** 0.5\nelse:\n    sys.exit()\nprint(root)\n"),
    ),
)
