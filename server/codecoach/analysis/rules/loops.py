"""Loops: indexes past the end, changing what you iterate, loops that never end or never loop."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator

from ..findings import Severity
from ..markup import code_list
from .base import (
    PY_DOCS,
    Context,
    Hit,
    Rule,
    child_blocks,
    hit,
    is_builtin_call,
    is_exit_call,
    walk_same_scope,
)

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_BUILTINS = frozenset(dir(builtins))


def _own_nodes(loop: ast.AST, *, into_loops: bool) -> Iterator[ast.AST]:
    """Nodes of a loop's body (not its `else`), never entering functions; nested
    loops only when into_loops (a nested loop's `else` always belongs to us)."""
    stack: list[ast.AST] = list(loop.body)  # type: ignore[attr-defined]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _SCOPES):
            continue
        if not into_loops and isinstance(node, _LOOPS):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _int(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _int(node.operand)
        return -inner if inner is not None else None
    return None


def _len_plus(node: ast.AST) -> tuple[str, int] | None:
    """`len(a)` -> ('a', 0); `len(a) + 1` -> ('a', 1); `len(a) - 1` -> ('a', -1)."""
    if is_builtin_call(node, "len") and len(node.args) == 1 and isinstance(node.args[0], ast.Name):  # type: ignore[attr-defined]
        return node.args[0].id, 0  # type: ignore[attr-defined]
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        base, k = _len_plus(node.left), _int(node.right)
        if base is None or k is None:
            if isinstance(node.op, ast.Add):
                base, k = _len_plus(node.right), _int(node.left)
            if base is None or k is None:
                return None
        return base[0], base[1] + (k if isinstance(node.op, ast.Add) else -k)
    return None


def _offset_from(node: ast.AST, var: str) -> int | None:
    """`i` -> 0, `i + 2` -> 2, `i - 1` -> -1 (None for anything else)."""
    if isinstance(node, ast.Name) and node.id == var:
        return 0
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)) \
            and isinstance(node.left, ast.Name) and node.left.id == var:
        k = _int(node.right)
        if k is not None:
            return k if isinstance(node.op, ast.Add) else -k
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) \
            and isinstance(node.right, ast.Name) and node.right.id == var:
        return _int(node.left)
    return None


_GROWING = frozenset({"append", "insert", "extend"})


def _unguarded_subscripts(body: list[ast.stmt], var: str) -> Iterator[ast.Subscript]:
    """Subscripts in body that run on every pass: not under a test that mentions
    var, not inside try, nor after an early exit that tests var."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, (*_SCOPES, ast.Try, ast.comprehension)) or (
            hasattr(ast, "TryStar") and isinstance(node, ast.TryStar)  # type: ignore[attr-defined]
        ):
            continue
        if isinstance(node, (ast.If, ast.While, ast.IfExp)) and _compares_index(node.test, var):
            stack.append(node.test)  # the test itself always runs; what it guards does not
            continue
        if isinstance(node, ast.BoolOp):
            guard = next((i for i, v in enumerate(node.values) if _compares_index(v, var)), None)
            if guard is not None:
                stack.extend(reversed(node.values[: guard + 1]))
                continue
        if isinstance(node, ast.Subscript):
            yield node
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _compares_index(test: ast.AST, var: str) -> bool:
    """`i < len(a) - 1`, `i + 1 != n`, `idx < count - 1`: a test that looks like a bounds check
    (about the index itself, or an ordering between plain numbers rather than elements)."""
    for n in ast.walk(test):
        if not isinstance(n, ast.Compare):
            continue
        operands = (n.left, *n.comparators)
        if any(_offset_from(o, var) is not None for o in operands):
            return True
        if all(isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in n.ops) and not any(
            isinstance(m, ast.Subscript) for o in operands for m in ast.walk(o)
        ):
            return True
    return False


def _loop_changes(body_nodes: list[ast.AST], var: str, seq: str) -> bool:
    """Whether the loop rebinds its index or grows the sequence."""
    for n in body_nodes:
        if isinstance(n, ast.Name) and n.id in (var, seq) and isinstance(n.ctx, ast.Store):
            return True
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in _GROWING \
                and isinstance(n.func.value, ast.Name) and n.func.value.id == seq:
            return True
    return False


def _has_early_exit_on(body_nodes: list[ast.AST], var: str) -> bool:
    """`if i == len(a) - 1: break` and friends: the author handles the last pass."""
    for n in body_nodes:
        if isinstance(n, ast.If) and _compares_index(n.test, var) and any(
            isinstance(m, (ast.Break, ast.Return, ast.Raise, ast.Continue)) for m in ast.walk(n)
        ):
            return True
    return False


def _index_past_end(node: ast.For | ast.While, ctx: Context) -> Iterator[Hit]:
    if isinstance(node, ast.For):
        if not isinstance(node.target, ast.Name) or not is_builtin_call(node.iter, "range"):
            return
        args = node.iter.args  # type: ignore[attr-defined]
        if not 1 <= len(args) <= 2 or node.iter.keywords:  # type: ignore[attr-defined]
            return
        if len(args) == 2 and (_int(args[0]) is None or _int(args[0]) < 0):  # type: ignore[operator]
            return
        stop = _len_plus(args[-1])
        var = node.target.id
        if stop is None:
            return
        seq, extra = stop
        last = f"len({seq}) - 1" if extra == 0 else (f"len({seq})" if extra == 1 else f"len({seq}) + {extra - 1}")
    else:
        # `while i <= len(a): ... a[i]`
        test = node.test
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.LtE)
                and isinstance(test.left, ast.Name)):
            return
        stop = _len_plus(test.comparators[0])
        if stop is None:
            return
        var = test.left.id
        seq, extra = stop[0], stop[1] + 1
        last = f"len({seq})" if extra == 1 else f"len({seq}) + {extra - 1}"
    body_nodes = list(_own_nodes(node, into_loops=True))
    if isinstance(node, ast.For) and _loop_changes(body_nodes, var, seq):
        return
    if isinstance(node, ast.While) and _loop_changes(body_nodes, "\0", seq):
        return
    if _has_early_exit_on(body_nodes, var):
        return
    for sub in _unguarded_subscripts(node.body, var):
        if not (isinstance(sub.value, ast.Name) and sub.value.id == seq):
            continue
        offset = _offset_from(sub.slice, var)
        # The largest index used is (len + extra - 1) + offset; len(seq) is already too far.
        if offset is not None and extra - 1 + offset >= 0:
            yield hit(sub, index=ast.unparse(sub), var=var, seq=seq, last=last)
            return


def _index_len(node: ast.Subscript, ctx: Context) -> Iterator[Hit]:
    index = node.slice
    if isinstance(index, ast.Call) and isinstance(node.ctx, ast.Load) and is_builtin_call(index, "len") \
            and len(index.args) == 1 and ast.dump(index.args[0]) == ast.dump(node.value) \
            and isinstance(node.value, (ast.Name, ast.Attribute)):
        yield hit(node, seq=ast.unparse(node.value))


# -- changing a collection while looping over it ------------------------------

_LIST_SHRINKERS = frozenset({"remove", "pop", "insert", "clear"})
_DICT_CHANGERS = frozenset({"pop", "popitem", "clear"})
_SIMPLE_STMTS = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)


def _iterated(node: ast.For) -> tuple[str, str] | None:
    """('list', name) / ('dict', name) / ('indexed', name) for loops that iterate a name directly."""
    it = node.iter
    if isinstance(it, ast.Name):
        return ("seq", it.id)
    if is_builtin_call(it, "enumerate") and it.args and isinstance(it.args[0], ast.Name):  # type: ignore[attr-defined]
        return ("list", it.args[0].id)  # type: ignore[attr-defined]
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and not it.args \
            and it.func.attr in ("keys", "items", "values") and isinstance(it.func.value, ast.Name):
        return ("dict", it.func.value.id)
    if is_builtin_call(it, "range") and len(it.args) == 1:  # type: ignore[attr-defined]
        stop = _len_plus(it.args[0])  # type: ignore[attr-defined]
        if stop is not None and stop[1] == 0:
            return ("indexed", stop[0])
    return None


def _is_exit(stmt: ast.stmt) -> bool:
    return isinstance(stmt, (ast.Break, ast.Return, ast.Raise)) or (
        isinstance(stmt, ast.Expr) and is_exit_call(stmt.value)
    )


def _simple_statements(body: list[ast.stmt], exits_after: bool = False) -> Iterator[tuple[ast.stmt, bool]]:
    """(simple statement, whether the loop is left right after it) inside a loop body:
    `items.remove(x)` followed by `break` — here or after the enclosing `if` — is safe."""
    for i, stmt in enumerate(body):
        leaving = exits_after or any(_is_exit(s) for s in body[i + 1:])
        if isinstance(stmt, _SIMPLE_STMTS):
            yield stmt, leaving
        elif isinstance(stmt, _SCOPES):
            continue
        elif isinstance(stmt, _LOOPS):
            # a `break` inside a nested loop does not leave ours
            for block in (stmt.body, stmt.orelse):
                yield from _simple_statements(block, False)
        else:
            for block in child_blocks(stmt):
                yield from _simple_statements(block, leaving)


def _changes(stmt: ast.stmt, name: str, methods: frozenset[str], loop_names: set[str] | None) -> ast.AST | None:
    """The part of a simple statement that changes the size of `name`."""
    if isinstance(stmt, ast.Delete):
        for target in stmt.targets:
            if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and target.value.id == name:
                return stmt
    if loop_names is not None and isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
                    and target.value.id == name \
                    and not _is_loop_key(target.slice, loop_names):
                return target
    for n in ast.walk(stmt):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in methods \
                and isinstance(n.func.value, ast.Name) and n.func.value.id == name:
            return n
    return None


def _is_loop_key(key: ast.AST, loop_names: set[str]) -> bool:
    """`d[k]` or `d[u, v]` with loop names: the key being visited, which already exists."""
    if isinstance(key, ast.Name):
        return key.id in loop_names
    return isinstance(key, ast.Tuple) and bool(key.elts) and all(_is_loop_key(e, loop_names) for e in key.elts)


def _list_changed_while_iterating(node: ast.For, ctx: Context) -> Iterator[Hit]:
    what = _iterated(node)
    if what is None or what[0] == "dict":
        return
    name = what[1]
    if name == "self":
        return  # a class with its own iteration: we cannot know what it copies
    methods = _LIST_SHRINKERS if what[0] != "indexed" else frozenset({"remove", "pop"})
    for stmt, leaving in _simple_statements(node.body):
        if leaving:
            continue
        if what[0] == "seq" and isinstance(stmt, ast.Delete):
            continue  # `del d[k]` while looping over a name: see the dict rule
        found = _changes(stmt, name, methods, None)
        if found is not None:
            yield hit(found, name=name)
            return


def _dict_changed_while_iterating(node: ast.For, ctx: Context) -> Iterator[Hit]:
    what = _iterated(node)
    if what is None or what[0] not in ("dict", "seq"):
        return
    name = what[1]
    loop_names = {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    for stmt, leaving in _simple_statements(node.body):
        if leaving:
            continue
        if what[0] == "seq":
            # Only `del d[k]` / `d[new] = ...` tell us a plain name is a dict.
            found = _changes(stmt, name, frozenset(), loop_names if isinstance(stmt, ast.Assign) else None)
            if isinstance(stmt, ast.Delete) and found is not None:
                # `del items[i]` on a list is the list rule's business unless the key is the loop name
                target = stmt.targets[0]
                if not (isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Name)
                        and target.slice.id in loop_names):
                    found = None
            elif found is not None and not _looks_like_dict_key(found):
                found = None
        else:
            found = _changes(stmt, name, _DICT_CHANGERS, loop_names)
        if found is not None:
            yield hit(found, name=name)
            return


def _looks_like_dict_key(target: ast.AST) -> bool:
    """`d[...] = v` on a plain iterated name: only a string key says it is a dict."""
    return isinstance(target, ast.Subscript) and (
        isinstance(target.slice, (ast.Constant, ast.JoinedStr)) and isinstance(getattr(target.slice, "value", ""), str)
    )


# -- a loop that returns on its first pass ----------------------------------

def _returns_on_first_pass(node: ast.For | ast.AsyncFor, ctx: Context) -> Iterator[Hit]:
    body = node.body
    last = body[-1]
    if not isinstance(last, (ast.If, ast.Return)):
        return
    if any(isinstance(n, (ast.Continue, ast.Break)) for n in _own_nodes(node, into_loops=False)):
        return
    # The mistake gives a verdict ("not found": False, -1, None) after looking at one item;
    # returning something computed from the first item (`return first.value`) is deliberate.
    if isinstance(last, ast.If):
        if not last.orelse or not _all_paths_return(last.body) or not _all_paths_return(last.orelse):
            return
        verdict = _final_return(last.orelse)
        if verdict is not None and _is_verdict(verdict):
            yield Hit(span=ctx.first_line_span(verdict), args={})
    elif isinstance(last, ast.Return) and _is_verdict(last):
        if any(isinstance(s, ast.If) and any(isinstance(n, ast.Return) for n in ast.walk(s)) for s in body[:-1]):
            yield Hit(span=ctx.first_line_span(last), args={})


def _final_return(body: list[ast.stmt]) -> ast.Return | None:
    last = body[-1]
    if isinstance(last, ast.Return):
        return last
    if isinstance(last, ast.If) and last.orelse:
        return _final_return(last.orelse)
    return None


def _is_verdict(node: ast.Return) -> bool:
    value = node.value
    if isinstance(value, ast.UnaryOp):
        value = value.operand
    return value is None or isinstance(value, ast.Constant)


def _all_paths_return(body: list[ast.stmt]) -> bool:
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    if isinstance(last, ast.If):
        return bool(last.orelse) and _all_paths_return(last.body) and _all_paths_return(last.orelse)
    return False


# -- loops that never end ---------------------------------------------------

def _is_forever(test: ast.AST) -> bool:
    return isinstance(test, ast.Constant) and bool(test.value) and test.value is not Ellipsis


# A loop that blocks waiting for something (a server, a worker thread, a clock) is
# usually meant to run until the program is stopped from outside.
_BLOCKING_CALLS = frozenset({"sleep", "wait", "accept", "recv", "recvfrom", "get", "select", "poll",
                             "tick", "serve_forever", "join", "read", "readline"})


def _ways_out(node: ast.While, ctx: Context) -> bool:
    for n in _own_nodes(node, into_loops=True):
        if isinstance(n, (ast.Return, ast.Raise, ast.Yield, ast.YieldFrom, ast.Await)):
            return True
        if isinstance(n, ast.Call):
            if is_exit_call(n):
                return True
            f = n.func
            if isinstance(f, ast.Name) and f.id in ctx.facts.exiting_functions:
                return True
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in ("self", "cls"):
                return True  # a method may end the program: we cannot see it from here
            if isinstance(f, ast.Attribute) and f.attr in _BLOCKING_CALLS:
                return True
    return any(isinstance(n, ast.Break) for n in _own_nodes(node, into_loops=False))


def _inside_try(node: ast.AST, ctx: Context) -> bool:
    """Inside a `try` with handlers: an exception may be the planned way out."""
    for anc in ctx.ancestors(node):
        if isinstance(anc, ast.Try) and anc.handlers:
            return True
        if isinstance(anc, _SCOPES):
            return False
    return False


def _while_true_without_exit(node: ast.While, ctx: Context) -> Iterator[Hit]:
    if _is_forever(node.test) and not _ways_out(node, ctx) and not _inside_try(node, ctx):
        yield Hit(span=ctx.first_line_span(node), args={"test": ast.unparse(node.test)})


_TAKE_METHODS = frozenset({"pop", "popleft", "popitem", "get_nowait"})


def _drains_unchecked(node: ast.While, ctx: Context) -> Iterator[Hit]:
    """`while True:` that takes items out of a collection it never checks for emptiness."""
    if not _is_forever(node.test) or _inside_try(node, ctx):
        return
    own = list(_own_nodes(node, into_loops=True))
    taken = {
        n.func.value.id
        for n in own
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in _TAKE_METHODS
        and isinstance(n.func.value, ast.Name)
    }
    if not taken:
        return
    checked = {
        name.id
        for n in own
        if isinstance(n, (ast.If, ast.While, ast.IfExp, ast.Assert))
        for name in ast.walk(n.test)
        if isinstance(name, ast.Name)
    } | {
        arg.id
        for n in own
        if is_builtin_call(n, "len", "bool")
        for arg in n.args  # type: ignore[attr-defined]
        if isinstance(arg, ast.Name)
    }
    for name in sorted(taken - checked):
        yield Hit(span=ctx.first_line_span(node), args={"name": name})
        return


_PURE_BUILTINS = frozenset({"len", "abs", "min", "max", "sum", "int", "float", "str", "bool", "any", "all",
                            "round", "sorted", "isinstance", "ord", "chr"})


def _condition_never_changes(node: ast.While, ctx: Context) -> Iterator[Hit]:
    test = node.test
    if _is_forever(test):
        return
    names: set[str] = set()
    for n in ast.walk(test):
        if isinstance(n, ast.Call):
            if not (isinstance(n.func, ast.Name) and n.func.id in _PURE_BUILTINS):
                return
        elif isinstance(n, (ast.Attribute, ast.NamedExpr, ast.Lambda, ast.Await)):
            return
        elif isinstance(n, ast.Name) and n.id not in _PURE_BUILTINS:
            names.add(n.id)
    names -= {"True", "False", "None"}
    if not names or _ways_out(node, ctx) or _inside_try(node, ctx):
        return
    body_nodes = list(_own_nodes(node, into_loops=True))
    if _touches(body_nodes, names):
        return
    function = ctx.enclosing_function(node)
    if function is not None and any(
        isinstance(n, ast.Assign) and isinstance(n.value, ast.Attribute)
        and isinstance(n.value.value, ast.Name) and n.value.value.id in names
        for n in walk_same_scope(function)
    ):
        return  # `pop = stack.pop`: the loop may change it through an alias
    local = _local_names(function) if function is not None else set()
    if not names <= local:
        # A global may be changed by any function the loop calls.
        if any(isinstance(n, ast.Call) and not (isinstance(n.func, ast.Name) and n.func.id in _BUILTINS)
               for n in body_nodes):
            return
    if function is not None and any(isinstance(n, (ast.Nonlocal, ast.Global)) for n in ast.walk(function)):
        return
    yield Hit(span=ctx.span(test), args={"names": code_list(sorted(names))})


def _touches(nodes: list[ast.AST], names: set[str]) -> bool:
    """Whether any of these nodes may change one of the names (or the object it refers to)."""
    for n in nodes:
        if isinstance(n, ast.Name) and n.id in names and not isinstance(n.ctx, ast.Load):
            return True
        if isinstance(n, (ast.Attribute, ast.Subscript)) and isinstance(n.value, ast.Name) \
                and n.value.id in names:
            if not isinstance(n.ctx, ast.Load):
                return True
            if isinstance(n, ast.Attribute):
                return True  # a method call or attribute on it: may change it
        if isinstance(n, ast.Call) and any(
            isinstance(a, ast.Name) and a.id in names
            for a in (*n.args, *(k.value for k in n.keywords))
        ) and not (isinstance(n.func, ast.Name) and n.func.id in _PURE_BUILTINS | {"print"}):
            return True
        if isinstance(n, (ast.Starred,)) and isinstance(n.value, ast.Name) and n.value.id in names:
            return True
    return False


def _local_names(function: ast.AST) -> set[str]:
    args = function.args  # type: ignore[attr-defined]
    names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    names |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    names |= {n.id for n in walk_same_scope(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names


_RANGE_DOCS = f"{PY_DOCS}/library/stdtypes.html#range"
_MODIFY_DOCS = f"{PY_DOCS}/tutorial/controlflow.html#for-statements"

RULES: tuple[Rule, ...] = (
    Rule(
        id="CC301", name="index-past-end-in-loop", concept="iteration",
        on=(ast.For, ast.While), detect=_index_past_end,
        message="on the last pass `{var}` reaches {last}, so `{index}` is past the end of `{seq}`",
        why="The valid positions in `{seq}` are 0 to `len({seq}) - 1`. On the last pass of this loop "
            "`{index}` asks for a position after that, which raises IndexError.",
        idea="`range(n)` stops *before* n, which is exactly the list of valid indexes of a sequence "
             "of length n. Adding to the stop, or to the index, walks one step past the end.",
        hint="Work out by hand the last value `{var}` takes, and the position `{index}` then reads. "
             "Either stop the loop one step earlier or change which element you look at.",
        docs_url=_RANGE_DOCS,
        bad=("nums = [1, 2, 3]\nfor i in range(len(nums) + 1):\n    print(nums[i])\n",
             "def rising(a):\n    for i in range(len(a)):\n        if a[i] > a[i + 1]:\n            return False\n    return True\n",
             "def total(a):\n    s = 0\n    i = 0\n    while i <= len(a):\n        s += a[i]\n        i += 1\n    return s\n",
             "for i in range(1, len(a) + 1):\n    print(a[i])\n"),
        good=("for i in range(len(nums)):\n    print(nums[i])\n",
              "def rising(a):\n    for i in range(len(a) - 1):\n        if a[i] > a[i + 1]:\n            return False\n    return True\n",
              "for i in range(1, len(a) + 1):\n    print(a[i - 1])\n",
              "for i in range(len(a)):\n    if i + 1 < len(a) and a[i] == a[i + 1]:\n        print(i)\n",
              "for i in range(len(a)):\n    if i == len(a) - 1:\n        break\n    print(a[i + 1])\n",
              "for i in range(len(a) + 1):\n    print(a[:i])\n"),
    ),
    Rule(
        id="CC302", name="index-equals-length", concept="slicing",
        on=(ast.Subscript,), detect=_index_len,
        message="`{seq}[len({seq})]` is one past the last element",
        why="Positions start at 0, so the last element of `{seq}` is at `len({seq}) - 1`. Asking for "
            "position `len({seq})` always raises IndexError.",
        idea="A sequence of length n has indexes 0 .. n-1. Negative indexes count from the end: "
             "-1 is the last element.",
        hint="Which element did you want — the last one? Count the positions of a 3-element list "
             "on paper.",
        docs_url=f"{PY_DOCS}/tutorial/introduction.html#lists",
        severity=Severity.ERROR,
        bad=("last = items[len(items)]\n", "print(word[len(word)])\n"),
        good=("last = items[len(items) - 1]\n", "last = items[-1]\n", "ids[len(ids)] = name\n"),
    ),
    Rule(
        id="CC303", name="list-changed-while-iterating", concept="lists",
        on=(ast.For,), detect=_list_changed_while_iterating,
        message="`{name}` is changed while this loop walks over it, so items get skipped",
        why="The loop keeps a position in `{name}`. Removing or inserting an item shifts everything "
            "after it, so the loop skips the next item (or, with indexes, runs off the end).",
        idea="Changing the size of a list while iterating over it breaks the loop's bookkeeping. "
             "Build a new list, or loop over a copy.",
        hint="Try it by hand on a list where two neighbours should both be removed. Then think "
             "about collecting the items you want to keep instead of deleting the others.",
        docs_url=_MODIFY_DOCS,
        bad=("for x in items:\n    if x < 0:\n        items.remove(x)\n",
             "for i in range(len(items)):\n    if items[i] == 0:\n        items.pop(i)\n",
             "for i, x in enumerate(names):\n    if not x:\n        del names[i]\n"),
        good=("for x in items[:]:\n    if x < 0:\n        items.remove(x)\n",
              "for x in items:\n    if x == target:\n        items.remove(x)\n        break\n",
              "for node in queue:\n    queue.append(node + 1)\n",
              "for x in list(items):\n    items.remove(x)\n"),
    ),
    Rule(
        id="CC304", name="dict-changed-while-iterating", concept="dicts",
        on=(ast.For,), detect=_dict_changed_while_iterating,
        message="dictionary `{name}` changes size while this loop iterates over it",
        why="Adding or removing keys while iterating over `{name}` raises "
            "\"RuntimeError: dictionary changed size during iteration\".",
        idea="A dictionary cannot be resized while something is walking through it. Changing the "
             "value of an existing key is fine; adding or deleting keys is not.",
        hint="Loop over a snapshot of the keys (a list made before the loop), or build a new "
             "dictionary with the entries you want.",
        docs_url=f"{PY_DOCS}/library/stdtypes.html#dictionary-view-objects",
        severity=Severity.ERROR,
        bad=("for k in ages:\n    if ages[k] < 18:\n        del ages[k]\n",
             "for k, v in stock.items():\n    if v == 0:\n        stock.pop(k)\n",
             "for key in counts.keys():\n    counts[key.upper()] = counts[key]\n"),
        good=("for k in list(ages):\n    if ages[k] < 18:\n        del ages[k]\n",
              "for k, v in stock.items():\n    stock[k] = v - 1\n",
              "for k in ages:\n    if ages[k] < 0:\n        del ages[k]\n        break\n"),
    ),
    Rule(
        id="CC305", name="return-on-first-pass", concept="loops",
        on=(ast.For, ast.AsyncFor), detect=_returns_on_first_pass,
        message="every path through this loop body returns, so the loop never gets past its first item",
        why="Whatever the first item is, the function returns during the first pass, so the "
            "remaining items are never looked at. This is usually a `return` meant to run only "
            "*after* the loop has checked everything.",
        idea="`return` ends the whole function, not just the current pass. A decision that needs "
             "every item (\"none of them matched\") can only be made once the loop has finished.",
        hint="Look at the indentation of the return that gives the 'nothing found' answer: should "
             "it be inside the loop or after it?",
        docs_url=f"{PY_DOCS}/tutorial/controlflow.html#break-and-continue-statements-and-else-clauses-on-loops",
        bad=("def has_even(nums):\n    for n in nums:\n        if n % 2 == 0:\n            return True\n        else:\n            return False\n",
             "def find(items, x):\n    for i in range(len(items)):\n        if items[i] == x:\n            return i\n        return -1\n"),
        good=("def has_even(nums):\n    for n in nums:\n        if n % 2 == 0:\n            return True\n    return False\n",
              "def first(items):\n    for item in items:\n        return item\n",
              "def first_code(lines):\n    for line in lines:\n        if line.startswith('#'):\n            continue\n        return line\n"),
    ),
    Rule(
        id="CC306", name="endless-while-true", concept="while-loops",
        on=(ast.While,), detect=_while_true_without_exit,
        message="nothing inside `while {test}:` can end this loop (no break, return or raise)",
        why="The condition is always true, so only a statement inside the loop can stop it — and "
            "there is none. The program will run this loop forever (or until it is killed).",
        idea="A `while True:` loop is fine as long as its body has a way out: `break` when the work "
             "is done, or `return` from the function.",
        hint="Decide which situation means 'we are finished', test for it inside the loop, and "
             "leave the loop there. A `break` inside a nested loop only leaves that inner loop.",
        docs_url=f"{PY_DOCS}/reference/compound_stmts.html#the-while-statement",
        bad=("while True:\n    answer = input('Again? ')\n    print(answer)\n",
             "while True:\n    for x in range(3):\n        if x == 2:\n            break\n"),
        good=("while True:\n    answer = input('Again? ')\n    if answer == 'n':\n        break\n",
              "def ask():\n    while True:\n        text = input()\n        if text:\n            return text\n",
              "def ticks():\n    n = 0\n    while True:\n        yield n\n        n += 1\n",
              "import sys\nwhile True:\n    if input() == 'q':\n        sys.exit()\n"),
    ),
    Rule(
        id="CC307", name="while-condition-never-changes", concept="while-loops",
        on=(ast.While,), detect=_condition_never_changes,
        message="this loop's condition uses {names}, which the loop body never changes",
        why="The condition is checked again before every pass, but nothing inside the loop changes "
            "{names}. If the loop starts, the condition stays true and it never stops.",
        idea="Each pass of a `while` loop must make progress toward making its condition false: "
             "usually a counter moves, or a value is read again.",
        hint="Which line inside the loop should move {names} toward the value that ends it?",
        docs_url=f"{PY_DOCS}/reference/compound_stmts.html#the-while-statement",
        bad=("count = 0\nwhile count < 5:\n    print(count)\n",
             "def countdown(n):\n    while n > 0:\n        print(n)\n    print('liftoff')\n",
             "def wait(answer):\n    while answer != 'yes':\n        print('Please say yes')\n"),
        good=("count = 0\nwhile count < 5:\n    print(count)\n    count += 1\n",
              "def drain(stack):\n    while stack:\n        stack.pop()\n",
              "def poll(done):\n    while not done:\n        if input() == 'x':\n            break\n",
              "while running:\n    step()\n"),
    ),
    Rule(
        id="CC308", name="while-true-drains-collection", concept="while-loops",
        on=(ast.While,), detect=_drains_unchecked,
        message="this loop takes items from `{name}` but never checks whether `{name}` is empty",
        why="Each pass removes an item from `{name}`. When the last one is gone, the next `pop` "
            "raises an error (IndexError, KeyError) instead of ending the loop, because nothing "
            "tells the loop to stop when there is nothing left.",
        idea="A loop that consumes a collection should say so in its condition: it runs *while* "
             "there is something left. An empty collection is false in a condition.",
        hint="What should happen when `{name}` runs out? Make that the loop's condition instead of `True`.",
        docs_url=f"{PY_DOCS}/library/stdtypes.html#truth-value-testing",
        bad=("from collections import deque\n\ndef visit(start):\n    todo = deque([start])\n"
             "    while True:\n        node = todo.popleft()\n        if node == 0:\n            return True\n"
             "        todo.append(node - 1)\n",
             "stack = [1, 2, 3]\nwhile True:\n    item = stack.pop()\n    print(item)\n"),
        good=("stack = [1, 2, 3]\nwhile stack:\n    print(stack.pop())\n",
              "stack = [1, 2, 3]\nwhile True:\n    if not stack:\n        break\n    print(stack.pop())\n",
              "stack = [1, 2]\nwhile True:\n    if len(stack) == 0:\n        break\n    stack.pop()\n"),
    ),
)
