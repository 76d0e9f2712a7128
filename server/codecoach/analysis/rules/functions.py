"""Functions: default arguments, return values, print vs return, recursion.

Not here on purpose: "returns a value on some paths, None on others". On real
programs it mostly fires on functions whose implicit None is deliberate
(`Optional` lookups, predicates returning True-or-nothing, exhaustive
if/elif chains), which would teach learners to ignore the coach.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ..findings import Severity
from .base import (
    PY_DOCS,
    Context,
    Hit,
    Rule,
    hit,
    is_exit_call,
    walk_same_scope,
)

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)

# -- mutable default arguments ------------------------------------------------

_MUTABLE_FACTORIES = frozenset({"list", "dict", "set", "defaultdict", "deque", "bytearray", "OrderedDict", "Counter"})
MUTATING_METHODS = frozenset({
    "append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse",
    "add", "discard", "update", "setdefault", "popitem", "appendleft", "popleft",
    "extendleft", "difference_update", "intersection_update", "symmetric_difference_update",
})


def _is_mutable_value(node: ast.AST) -> bool:
    if isinstance(node, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
        return True
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, (ast.Name, ast.Attribute))
        and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) in _MUTABLE_FACTORIES
    )


def _mutated_names(func: ast.AST) -> tuple[set[str], set[str], set[str]]:
    """(names changed in place, of those the ones changed only through `x[i] = ...`,
    names rebound by plain assignment) in func's own scope."""
    mutated: set[str] = set()
    by_method: set[str] = set()
    rebound: set[str] = set()
    for node in walk_same_scope(func):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in MUTATING_METHODS and isinstance(node.func.value, ast.Name):
            mutated.add(node.func.value.id)
            by_method.add(node.func.value.id)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)) \
                and isinstance(node.value, ast.Name):
            mutated.add(node.value.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            mutated.add(node.target.id)
            by_method.add(node.target.id)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    rebound.add(target.id)
    return mutated, mutated - by_method, rebound


def _mutable_default(node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> Iterator[Hit]:
    args = node.args
    positional = args.posonlyargs + args.args
    pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
    candidates = [(a, d) for a, d in pairs if _is_mutable_value(d)]
    if not candidates:
        return
    mutated, by_index_only, rebound = _mutated_names(node)
    for arg, default in candidates:
        if arg.arg.startswith("_") or any(w in arg.arg.lower() for w in ("memo", "cache")):
            continue  # the deliberate "remember between calls" idiom
        if isinstance(default, ast.List) and default.elts and arg.arg in by_index_only:
            continue  # `n=[0]` ... `n[0] += 1`: a deliberate counter cell
        if arg.arg in mutated and arg.arg not in rebound:
            yield hit(default, param=arg.arg, default=ast.unparse(default))


# -- using the result of something that returns None ---------------------------

# List methods that change the list in place and return None, with the number of positional
# arguments list accepts (other objects' methods of the same name often differ).
_IN_PLACE_METHODS = {"sort": 0, "reverse": 0, "append": 1, "extend": 1, "insert": 2, "remove": 1, "clear": 0}
# Receivers that are conventionally modules whose functions of these names return values.
_MODULE_ALIASES = frozenset({"np", "numpy", "pd", "pandas", "torch", "tf", "jnp", "bisect", "heapq", "os", "sys"})
_NONE_MODULE_FUNCTIONS = frozenset({("random", "shuffle"), ("heapq", "heappush"), ("heapq", "heapify")})
# Places where a None result is certainly used: stored, passed, returned, computed with.
# (Not `x.sort()[0]` or `q.insert(..).where(..)`: other libraries' methods of those names
# return values, and chained calls are their style.)
_USES = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr, ast.Return, ast.Call, ast.keyword,
         ast.BinOp, ast.Compare, ast.FormattedValue, ast.For, ast.Starred)


def _result_is_used(node: ast.Call, ctx: Context) -> bool:
    parent = ctx.parent(node)
    if not isinstance(parent, _USES):
        return False
    if isinstance(parent, ast.Call) and parent.func is node:
        return False
    if isinstance(parent, ast.For) and parent.iter is not node:
        return False
    # `exit(print(...))` and `sys.exit(main())` end the program: the value is not looked at.
    return not is_exit_call(parent)


def _none_returning(node: ast.Call, ctx: Context) -> str | None:
    """What the call is, when it certainly returns None (and is not a user function)."""
    func = node.func
    if isinstance(func, ast.Name) and func.id == "print":
        return "print()"
    if isinstance(func, ast.Attribute):
        receiver = func.value
        if isinstance(receiver, ast.Name) and (receiver.id, func.attr) in _NONE_MODULE_FUNCTIONS:
            return f"{receiver.id}.{func.attr}()"
        if _IN_PLACE_METHODS.get(func.attr) == len(node.args) and _looks_like_a_list(receiver):
            if node.keywords and func.attr != "sort":
                return None
            return f".{func.attr}()"
    return None


def _looks_like_a_list(receiver: ast.AST) -> bool:
    """`nums`, `self.items`, `rows[i]`: a variable, not a module, a class or a builder chain."""
    while isinstance(receiver, (ast.Subscript, ast.Attribute)):
        if isinstance(receiver, ast.Attribute) and receiver.attr[:1].isupper():
            return False
        receiver = receiver.value
    return (
        isinstance(receiver, ast.Name)
        and receiver.id not in _MODULE_ALIASES
        and not receiver.id[:1].isupper()
    )


def _used_none_result(node: ast.Call, ctx: Context) -> Iterator[Hit]:
    func = node.func
    if isinstance(func, ast.Name) and func.id in ctx.facts.valueless_functions:
        if func.id in ctx.facts.printing_functions:
            return  # CC203 explains this one
        if _result_is_used(node, ctx) and not isinstance(ctx.parent(node), ast.Return):
            # (`return helper()` in a procedure is a tail call, not a use.)
            yield hit(node, call=f"{func.id}()")
        return
    what = _none_returning(node, ctx)
    if what is None or not _result_is_used(node, ctx):
        return
    if what == "print()" and isinstance(ctx.parent(node), ast.Return):
        return  # `return print(...)`: print, then leave the function
    yield hit(node, call=what)


def _print_instead_of_return(node: ast.Call, ctx: Context) -> Iterator[Hit]:
    func = node.func
    if isinstance(func, ast.Name) and func.id in ctx.facts.printing_functions \
            and _result_is_used(node, ctx):
        parent = ctx.parent(node)
        if isinstance(parent, ast.Return):
            return  # `return show()` inside another printer: still just printing
        yield hit(node, name=func.id)


# -- recursion without a base case ------------------------------------------

_GUARDS = (ast.IfExp, ast.BoolOp, ast.Lambda, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def _unguarded_self_call(stmt: ast.stmt, name: str) -> ast.Call | None:
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, _GUARDS):
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
            return node
        stack.extend(ast.iter_child_nodes(node))
    return None


def _can_leave(stmt: ast.stmt) -> bool:
    """Whether a statement may end the function (or the program) on some path."""
    return any(
        isinstance(n, (ast.Return, ast.Raise)) or (isinstance(n, ast.Call) and is_exit_call(n))
        for n in walk_same_scope(stmt)
    ) or isinstance(stmt, (ast.Return, ast.Raise))


_SIMPLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return)


def _recursion_without_base_case(node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: Context) -> Iterator[Hit]:
    """The first statement that recurses runs unconditionally, and nothing before it can leave."""
    name = node.name
    for anc in ctx.ancestors(node):
        if isinstance(anc, ast.ClassDef):
            return  # a method: the bare name is a global (recursion goes through self.)
        if isinstance(anc, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            break
    if not any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name
               for n in walk_same_scope(node)):
        return
    args = node.args
    if name in {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg) if a}:
        return  # a parameter with the function's own name hides it
    if any(isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load)
           or isinstance(n, (ast.Import, ast.ImportFrom)) and any((a.asname or a.name) == name for a in n.names)
           for n in walk_same_scope(node)):
        return  # the name is rebound locally: the call is not to this function
    for stmt in node.body:
        if isinstance(stmt, _SIMPLE):
            call = _unguarded_self_call(stmt, name)
            if call is not None:
                yield hit(call, name=name)
                return
        if _can_leave(stmt):
            return  # a return/raise/exit before the recursion: a way out exists



def _yield_recursive_call(node: ast.Yield, ctx: Context) -> Iterator[Hit]:
    """`yield f(x)` inside generator `f`: hands out a generator object, not its items."""
    func = ctx.enclosing_function(node)
    value = node.value
    if (
        func is not None
        and isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id == func.name
    ):
        yield hit(node, name=func.name)


RULES: tuple[Rule, ...] = (
    Rule(
        id="CC201", name="mutable-default-argument", concept="function-arguments",
        on=_DEFS, detect=_mutable_default,
        message="the default `{default}` for `{param}` is created once and shared by every call",
        why="Default values are evaluated a single time, when the `def` runs, not each time the "
            "function is called. Because this function changes `{param}` in place, whatever one "
            "call adds is still there in the next call that uses the default.",
        idea="A default is one object stored with the function. Lists, dicts and sets can be "
             "changed, so every call that relies on the default shares — and modifies — the "
             "same object.",
        hint="Use a default that cannot change (`None` is the usual choice) and create a fresh "
             "container inside the function when no argument was given.",
        docs_url=f"{PY_DOCS}/tutorial/controlflow.html#default-argument-values",
        bad=("def add(item, bag=[]):\n    bag.append(item)\n    return bag\n",
             "def count(word, seen={}):\n    seen[word] = seen.get(word, 0) + 1\n    return seen\n",
             "def visit(node, done=set()):\n    done.add(node)\n"),
        good=("def add(item, bag=None):\n    if bag is None:\n        bag = []\n    bag.append(item)\n    return bag\n",
              "def total(values=[]):\n    return sum(values)\n",
              "def add(item, bag=[]):\n    bag = list(bag)\n    bag.append(item)\n    return bag\n"),
    ),
    Rule(
        id="CC202", name="used-result-of-none", concept="return-values",
        on=(ast.Call,), detect=_used_none_result,
        message="`{call}` returns None, so this uses None instead of a result",
        why="`{call}` does its work as a side effect (changing something in place, or writing to "
            "the screen) and gives back `None`. Storing or using that `None` is almost never what "
            "was intended, and it usually fails later with a confusing error about 'NoneType'.",
        idea="Some functions *return* a new value; others *change* something and return None. "
             "List methods like `sort` and `append` change the list itself.",
        hint="Call it on a line of its own and then use the object it changed — or look for the "
             "variant that returns a new value (for sorting, compare `sorted(...)` with `.sort()`).",
        docs_url=f"{PY_DOCS}/tutorial/datastructures.html#more-on-lists",
        bad=("nums = [3, 1, 2]\nnums = nums.sort()\n",
             "name = print('Your name?')\n",
             "items = []\nitems = items.append(4)\n",
             "def fill(board):\n    board.extend([0] * 9)\n\nboard = fill([])\n",
             "def reset(state):\n    state.clear()\n\nprint(reset({}))\n"),
        good=("nums = [3, 1, 2]\nnums.sort()\nordered = sorted(nums)\n",
              "import numpy as np\na = np.append(a, 4)\n",
              "def solve():\n    if bad:\n        return print('No')\n    print('Yes')\n",
              "import sys\ndef main():\n    print('x')\n\nsys.exit(main())\n",
              "run = lambda: items.append(1)\n"),
    ),
    Rule(
        id="CC203", name="print-instead-of-return", concept="return-values",
        on=(ast.Call,), detect=_print_instead_of_return,
        message="`{name}()` prints its answer but returns None; did you mean `return`?",
        why="Inside `{name}` the answer is shown with `print`, but the function never returns it. "
            "Here the caller uses the result of `{name}(...)`, which is therefore always `None`.",
        idea="`print` shows a value to the person running the program; `return` hands a value "
             "back to the code that called the function. Only a returned value can be stored or "
             "used in a calculation.",
        hint="Decide what `{name}` should give back to its caller, and hand it back with `return` "
             "instead of (or as well as) printing it.",
        docs_url=f"{PY_DOCS}/reference/simple_stmts.html#the-return-statement",
        bad=("def square(x):\n    print(x * x)\n\nresult = square(3) + 1\n",
             "def double(n):\n    print(n * 2)\n\nprint(double(4))\n"),
        good=("def square(x):\n    return x * x\n\nresult = square(3) + 1\n",
              "def show(x):\n    print(x)\n\nshow(3)\n"),
    ),
    Rule(
        id="CC204", name="recursion-without-base-case", concept="recursion",
        on=_DEFS, detect=_recursion_without_base_case,
        message="`{name}` always calls itself again: there is no case that stops the recursion",
        why="Every call of `{name}` reaches this recursive call before anything can end the "
            "function, so the calls never stop piling up until Python gives up with "
            "RecursionError.",
        idea="A recursive function needs a base case: a condition under which it returns "
             "(or raises) *without* calling itself, and each recursive call must move closer to it.",
        hint="Ask: for which smallest input is the answer obvious? Check for that input first and "
             "return early.",
        docs_url=f"{PY_DOCS}/library/exceptions.html#RecursionError",
        severity=Severity.ERROR,
        bad=("def fact(n):\n    return n * fact(n - 1)\n",
             "def countdown(n):\n    print(n)\n    countdown(n - 1)\n"),
        good=("def fact(n):\n    if n <= 1:\n        return 1\n    return n * fact(n - 1)\n",
              "def fact(n):\n    return 1 if n <= 1 else n * fact(n - 1)\n",
              "def walk(tree):\n    for child in tree.children:\n        walk(child)\n"),
    ),
    Rule(
        id="CC205", name="yield-recursive-call", concept="generators",
        on=(ast.Yield,), detect=_yield_recursive_call,
        message="`yield {name}(...)` yields a generator object, not the values it produces",
        why="Calling the generator function `{name}` does not run it: it creates a new generator. "
            "Yielding that object hands the caller the generator itself, so the items inside it "
            "never come out.",
        idea="A generator that delegates to another generator must pass its items along one by one; "
             "Python has a statement made for exactly that.",
        hint="Look at how the other branch of this function passes on the items of a recursive call, "
             "or read about `yield from`.",
        docs_url=f"{PY_DOCS}/reference/expressions.html#yield-expressions",
        bad=("def flatten(items):\n    for x in items:\n        if isinstance(x, list):\n"
             "            yield flatten(x)\n        else:\n            yield x\n",
             "def walk(tree):\n    yield tree.value\n    for child in tree.children:\n        yield walk(child)\n"),
        good=("def flatten(items):\n    for x in items:\n        if isinstance(x, list):\n"
              "            yield from flatten(x)\n        else:\n            yield x\n",
              "def pairs(n):\n    yield (n, list(pairs(n - 1)) if n else [])\n",
              "def count(n):\n    if n:\n        yield n\n        yield from count(n - 1)\n"),
    ),
)
